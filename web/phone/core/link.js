// SPDX-License-Identifier: GPL-2.0-or-later
// Whole messages over a transport's port, like the gateway's link.h: the transports
// (../transports/) hand over a port, this module adds the segmentation (GATT) or the CDC
// framing (streams). No browser API here: Node tests drive it with ports of their own.
//
// A GATT port (Web Bluetooth, or a test's bridge to ble-sim:):
//   kind: 'gatt'
//   writeSize          largest RX value the port can write
//   write(value)       one RX write (Write Request); resolves when acknowledged
//   subscribe(onValue) enables TX notifications (CCCD); onValue(Uint8Array) per notification
//   readInfo()         the INFO characteristic: an encoded LinkInfo
// A stream port (Web Serial, WebUSB, a test's unix socket):
//   kind: 'stream'
//   write(bytes)       resolves when the bytes are handed to the transport
//   start(onData)      starts reading; onData(Uint8Array) per chunk, any split
// Both:
//   close()            ends the connection (resolves when done)
//   onclose            set by this module; the port calls it once when the link is lost
import { CdcReceiver, cdcFrameEncode } from './cdc.js';
import { LinkError } from './errors.js';
import { SEG_DEFAULT_MAX, SegReceiver, SegSender, segCount } from './seg.js';

// Opens a message link on port. handlers: onMessage(bytes), onDrop(codeName) for a message
// of the device that broke the link's rules, onClose() once when the link ends.
// Returns { kind, send(msg, onProgress) → Promise, readInfo() → Promise, close(), stats }.
export async function linkOpen(port, handlers, { maxMessage = SEG_DEFAULT_MAX } = {}) {
  const stats = { sentMessages: 0, sentUnits: 0, receivedMessages: 0, drops: 0 };
  let closed = false;
  let queue = Promise.resolve();

  const deliver = (msg) => {
    stats.receivedMessages++;
    handlers.onMessage(msg);
  };
  const drop = (codeName) => {
    stats.drops++;
    handlers.onDrop?.(codeName);
  };
  port.onclose = () => {
    if (closed) return;
    closed = true;
    handlers.onClose?.();
  };

  let writeMessage;
  let readInfo = async () => null; // streams have no INFO characteristic: GetLinkInfo instead
  if (port.kind === 'gatt') {
    const tx = new SegSender();
    const rx = new SegReceiver(maxMessage);
    // Enabling notifications starts a conversation: the gateway restarts both segment
    // counters (docs/links.md), so it comes before anything else, and only once.
    await port.subscribe((value) => {
      let msg;
      try {
        msg = rx.push(value);
      } catch (e) {
        drop(e.codeName);
        return;
      }
      if (msg) deliver(msg);
    });
    writeMessage = async (msg, onProgress) => {
      // Web Bluetooth has no MTU API: segments fit the smallest write (ATT_MTU 23).
      const segs = tx.split(msg, port.writeSize);
      for (let i = 0; i < segs.length; i++) {
        await port.write(segs[i]);
        stats.sentUnits++;
        onProgress?.({ sent: i + 1, total: segs.length });
      }
    };
    readInfo = () => port.readInfo();
  } else if (port.kind === 'stream') {
    const rx = new CdcReceiver(maxMessage);
    port.start((chunk) => {
      for (const r of rx.push(chunk)) {
        if (r.msg) deliver(r.msg);
        else drop(r.drop === 'TOO_LARGE' ? 'TOO_LARGE' : 'LINK_PROTOCOL');
      }
    });
    writeMessage = async (msg, onProgress) => {
      await port.write(cdcFrameEncode(msg));
      stats.sentUnits++;
      onProgress?.({ sent: 1, total: 1 });
    };
  } else {
    throw new TypeError(`unknown port kind ${port.kind}`);
  }

  return {
    kind: port.kind,
    stats,
    // Messages never interleave in one direction (§2.1): sends are queued.
    send(msg, onProgress) {
      if (closed) return Promise.reject(new LinkError('DISCONNECTED', 'the link is closed'));
      const p = queue.then(() => writeMessage(msg, onProgress));
      queue = p.catch(() => {});
      stats.sentMessages++;
      return p.catch((e) => {
        throw e instanceof LinkError ? e : new LinkError(closed ? 'DISCONNECTED' : 'WRITE_FAILED', String(e?.message ?? e));
      });
    },
    readInfo,
    unitsFor(len) {
      return port.kind === 'gatt' ? segCount(len, port.writeSize) : 1;
    },
    async close() {
      if (closed) return;
      closed = true;
      await port.close();
      handlers.onClose?.();
    },
    get isClosed() { return closed; },
  };
}
