// SPDX-License-Identifier: GPL-2.0-or-later
// USB-CDC framing, DESIGN §2.2 (the gateway's gateway/cdc-frame.c speaks the same): each
// message travels as COBS(msg || CRC-32(msg) little endian) followed by one 0x00. A bad frame
// (CRC, COBS, too large, too short) is dropped and the receiver resynchronises at the next
// 0x00; back-to-back 0x00 bytes are idle fill. Pure functions over bytes: no I/O.
export const CDC_CRC_LEN = 4;

// CRC-32 as zlib's crc32() computes it (reflected, polynomial 0xEDB88320, initial and final
// XOR 0xFFFFFFFF). Written here because no maintained CRC-32 package ships ES modules a page
// can import without a bundler; the check value 0xCBF43926 and the real gateway (zlib) test it.
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// Worst-case encoded size of a len-byte message, delimiter included.
export function cdcEncodedMax(len) {
  return len + CDC_CRC_LEN + Math.floor((len + CDC_CRC_LEN) / 254) + 2;
}

// COBS (Cheshire & Baker): no 0x00 in the output; a code byte k means k-1 data bytes follow,
// then a zero unless k is 0xFF or the data ends.
function cobsEncode(src, out) {
  let o = 1;
  let codeAt = 0;
  let code = 1;
  for (const b of src) {
    if (b === 0) {
      out[codeAt] = code;
      codeAt = o++;
      code = 1;
      continue;
    }
    out[o++] = b;
    if (++code === 0xff) {
      out[codeAt] = code;
      codeAt = o++;
      code = 1;
    }
  }
  out[codeAt] = code;
  return o;
}

// Returns the decoded bytes, or null for an invalid code sequence.
function cobsDecode(src) {
  const out = new Uint8Array(src.length);
  let o = 0;
  for (let i = 0; i < src.length;) {
    const code = src[i++];
    if (code === 0 || i + code - 1 > src.length) return null;
    for (let k = 1; k < code; k++) out[o++] = src[i++];
    if (code !== 0xff && i < src.length) out[o++] = 0;
  }
  return out.subarray(0, o);
}

// One message as a frame on the stream, delimiter included.
export function cdcFrameEncode(msg) {
  const raw = new Uint8Array(msg.length + CDC_CRC_LEN);
  raw.set(msg);
  new DataView(raw.buffer).setUint32(msg.length, crc32(msg), true);
  const out = new Uint8Array(cdcEncodedMax(msg.length));
  const n = cobsEncode(raw, out);
  out[n] = 0;
  return out.subarray(0, n + 1);
}

// Stream deframer for messages of at most maxMessage bytes. push() takes any split of the
// stream and returns what it completed: { msg } for each good message, { drop } with
// 'CRC' | 'COBS' | 'SHORT' | 'TOO_LARGE' for each dropped frame.
export class CdcReceiver {
  constructor(maxMessage) {
    this.cap = cdcEncodedMax(maxMessage);
    this.buf = new Uint8Array(this.cap);
    this.len = 0;
    this.discarding = false;
    this.drops = { CRC: 0, COBS: 0, SHORT: 0, TOO_LARGE: 0 };
  }

  push(chunk) {
    const out = [];
    for (const b of chunk) {
      if (b !== 0) {
        if (this.discarding) continue;
        if (this.len === this.cap) {
          this.discarding = true;
          continue;
        }
        this.buf[this.len++] = b;
        continue;
      }
      if (this.discarding) {
        out.push(this.dropped('TOO_LARGE'));
      } else if (this.len > 0) {
        out.push(this.frame(this.buf.subarray(0, this.len)));
      }
      this.len = 0;
      this.discarding = false;
    }
    return out;
  }

  dropped(why) {
    this.drops[why]++;
    return { drop: why };
  }

  frame(encoded) {
    const raw = cobsDecode(encoded);
    if (!raw) return this.dropped('COBS');
    if (raw.length <= CDC_CRC_LEN) return this.dropped('SHORT');
    const n = raw.length - CDC_CRC_LEN;
    const msg = raw.slice(0, n);
    const want = new DataView(raw.buffer, raw.byteOffset).getUint32(n, true);
    if (crc32(msg) !== want) return this.dropped('CRC');
    return { msg };
  }
}
