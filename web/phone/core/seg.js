// SPDX-License-Identifier: GPL-2.0-or-later
// BLE message segmentation, DESIGN §2.1 (the gateway's gateway/seg.c speaks the same).
// Each RX write / TX notification value is one segment:
//   byte 0    0x80 FIRST | 0x40 LAST | low 4 bits counter (mod 16, per direction)
//   bytes 1-2 FIRST only: the message length, little endian
//   then      message bytes
// Bits 4-5 are reserved (zero). Pure functions over bytes: no I/O, no browser API.
export const SEG_FIRST = 0x80;
export const SEG_LAST = 0x40;
export const SEG_COUNTER_MASK = 0x0f;
export const SEG_MAX_SEGMENT = 512; // the longest attribute value (Core Vol 3 Part F 3.2.9)
export const SEG_DEFAULT_MAX = 8192;

export class SegError extends Error {
  constructor(codeName, message) {
    super(message);
    this.name = 'SegError';
    this.codeName = codeName; // 'LINK_PROTOCOL' or 'TOO_LARGE', the ErrorCode the gateway uses
  }
}

// Sender side: the counter of one direction of one connection.
export class SegSender {
  constructor() { this.next = 0; }

  reset() { this.next = 0; }

  // Splits msg (1..65535 bytes) into segments of at most segMax bytes (at least 4).
  split(msg, segMax) {
    const max = Math.min(segMax, SEG_MAX_SEGMENT);
    if (msg.length === 0 || msg.length > 0xffff || max < 4) throw new RangeError('bad message or segment size');
    const out = [];
    for (let off = 0; off < msg.length;) {
      const first = off === 0;
      const hdr = first ? 3 : 1;
      const n = Math.min(msg.length - off, max - hdr);
      const seg = new Uint8Array(hdr + n);
      seg[0] = (this.next & SEG_COUNTER_MASK) | (first ? SEG_FIRST : 0) |
        (off + n === msg.length ? SEG_LAST : 0);
      if (first) {
        seg[1] = msg.length & 0xff;
        seg[2] = msg.length >> 8;
      }
      seg.set(msg.subarray(off, off + n), hdr);
      out.push(seg);
      this.next = (this.next + 1) & SEG_COUNTER_MASK;
      off += n;
    }
    return out;
  }
}

// Number of segments split() makes for a message of len bytes.
export function segCount(len, segMax) {
  const max = Math.min(segMax, SEG_MAX_SEGMENT);
  if (len <= max - 3) return 1;
  return 1 + Math.ceil((len - (max - 3)) / (max - 1));
}

// Receiver side: reassembles messages of at most maxMessage bytes.
export class SegReceiver {
  constructor(maxMessage = SEG_DEFAULT_MAX) {
    this.max = maxMessage;
    this.reset();
  }

  reset() {
    this.next = 0;
    this.buf = null;
    this.len = 0;
  }

  // DESIGN §2.1: drop the partial message and take the offending segment's counter as the
  // last one seen, so the next segment must carry counter + 1 (one bad segment never
  // wedges the link).
  fail(counter, codeName, why) {
    this.buf = null;
    this.len = 0;
    this.next = (counter + 1) & SEG_COUNTER_MASK;
    return new SegError(codeName, why);
  }

  // Takes one segment: returns the whole message when this was its last segment, else
  // null. Throws SegError (the partial message dropped) when the segment breaks §2.1.
  push(seg) {
    if (seg.length < 1) throw this.fail(this.next, 'LINK_PROTOCOL', 'empty segment');
    const flags = seg[0];
    const counter = flags & SEG_COUNTER_MASK;
    const first = (flags & SEG_FIRST) !== 0;
    if ((flags & 0x30) !== 0) throw this.fail(counter, 'LINK_PROTOCOL', 'reserved flag bits set');
    if (counter !== this.next) throw this.fail(counter, 'LINK_PROTOCOL', `counter ${counter}, expected ${this.next}`);
    if (first === (this.buf !== null)) {
      throw this.fail(counter, 'LINK_PROTOCOL', first ? 'FIRST inside a message' : 'continuation without FIRST');
    }
    let data;
    if (first) {
      if (seg.length < 3) throw this.fail(counter, 'LINK_PROTOCOL', 'short FIRST segment');
      const total = seg[1] | (seg[2] << 8);
      if (total === 0 || total > this.max) throw this.fail(counter, 'TOO_LARGE', `message of ${total} bytes`);
      this.buf = new Uint8Array(total);
      this.len = 0;
      data = seg.subarray(3);
    } else {
      data = seg.subarray(1);
      if (data.length === 0) throw this.fail(counter, 'LINK_PROTOCOL', 'empty continuation');
    }
    if (data.length > this.buf.length - this.len) throw this.fail(counter, 'LINK_PROTOCOL', 'more bytes than announced');
    this.buf.set(data, this.len);
    this.len += data.length;
    this.next = (counter + 1) & SEG_COUNTER_MASK;
    if ((flags & SEG_LAST) === 0) return null;
    if (this.len !== this.buf.length) throw this.fail(counter, 'LINK_PROTOCOL', 'LAST before the announced length');
    const msg = this.buf;
    this.buf = null;
    this.len = 0;
    return msg;
  }
}
