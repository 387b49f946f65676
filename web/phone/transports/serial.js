// SPDX-License-Identifier: GPL-2.0-or-later
// Web Serial: the USB service port seen as a CDC-ACM serial device, as a stream port
// (core/link.js). The port speaks the CDC framing of DESIGN §2.2.
import { streamPortMake } from './stream-port.js';

// A stream port over an object with the Web Serial SerialPort interface (open(), readable,
// writable, close()): the browser's, or the Node tests' stand-in over a unix socket.
export async function serialPortOpen(serialPort) {
  // CDC-ACM ignores the line coding; Web Serial still wants one.
  await serialPort.open({ baudRate: 115200 });
  const writer = serialPort.writable.getWriter();
  let reader = null;
  return streamPortMake({
    write: (bytes) => writer.write(bytes),
    async read() {
      reader ??= serialPort.readable.getReader();
      const { value, done } = await reader.read();
      return done ? null : value ?? new Uint8Array(0);
    },
    async close() {
      await reader?.cancel().catch(() => {});
      reader?.releaseLock();
      await writer.close().catch(() => {});
      writer.releaseLock();
      await serialPort.close().catch(() => {});
    },
  });
}

export const webSerial = {
  name: 'USB (serial)',
  kind: 'stream',
  isSupported() {
    if (typeof navigator === 'undefined' || !navigator.serial) {
      return 'This browser has no Web Serial or WebUSB: use Chrome or Edge.';
    }
    if (!globalThis.isSecureContext) return 'USB needs this page over https (or on localhost).';
    return true;
  },
  // Must run from a click: the browser shows its port chooser.
  async connect() {
    const sp = await navigator.serial.requestPort();
    const port = await serialPortOpen(sp);
    const info = sp.getInfo?.() ?? {};
    port.peer = info.usbVendorId ? `USB ${info.usbVendorId.toString(16)}:${(info.usbProductId ?? 0).toString(16)}` : 'serial port';
    return port;
  },
};
