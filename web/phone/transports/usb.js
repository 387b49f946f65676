// SPDX-License-Identifier: GPL-2.0-or-later
// WebUSB: the USB service port's CDC-ACM function driven directly, where Web Serial is
// missing (Chrome on Android). A stream port (core/link.js) carrying the CDC framing.
// On a desktop the operating system's own CDC-ACM driver usually holds the interface
// (claimInterface fails): use Web Serial there.
import { streamPortMake } from './stream-port.js';

const CDC_COMM_CLASS = 0x02;
const CDC_DATA_CLASS = 0x0a;
const SET_CONTROL_LINE_STATE = 0x22;
const READ_SIZE = 512;

// Finds the CDC data interface (bulk IN + OUT) and the communication interface of device's
// configuration.
function cdcInterfaces(device) {
  let comm = null;
  let data = null;
  for (const itf of device.configuration.interfaces) {
    const alt = itf.alternate ?? itf.alternates[0];
    if (alt.interfaceClass === CDC_COMM_CLASS && !comm) comm = itf;
    if (alt.interfaceClass === CDC_DATA_CLASS && !data) {
      const inEp = alt.endpoints.find((e) => e.direction === 'in' && e.type === 'bulk');
      const outEp = alt.endpoints.find((e) => e.direction === 'out' && e.type === 'bulk');
      if (inEp && outEp) data = { itf, inEp, outEp };
    }
  }
  if (!data) throw new Error('this USB device has no CDC-ACM data interface');
  return { comm, data };
}

// A stream port over an object with the WebUSB USBDevice interface: the browser's, or the
// Node tests' stand-in over a unix socket.
export async function usbDeviceOpen(device) {
  await device.open();
  if (!device.configuration) await device.selectConfiguration(1);
  const { comm, data } = cdcInterfaces(device);
  await device.claimInterface(data.itf.interfaceNumber);
  if (comm) {
    await device.claimInterface(comm.interfaceNumber);
    // DTR + RTS: "a terminal is present" (CDC PSTN 6.3.12); the gateway's own host mode
    // sets them too (docs/gateway.md, usb:).
    await device.controlTransferOut({
      requestType: 'class', recipient: 'interface', request: SET_CONTROL_LINE_STATE,
      value: 0x03, index: comm.interfaceNumber,
    });
  }
  return streamPortMake({
    async write(bytes) {
      const r = await device.transferOut(data.outEp.endpointNumber, bytes);
      if (r.status !== 'ok') throw new Error(`USB write: ${r.status}`);
    },
    async read() {
      const r = await device.transferIn(data.inEp.endpointNumber, READ_SIZE);
      if (r.status === 'stall') {
        await device.clearHalt('in', data.inEp.endpointNumber);
        return new Uint8Array(0);
      }
      return r.data ? new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength).slice() : new Uint8Array(0);
    },
    close: () => device.close().catch(() => {}),
  });
}

export const webUsb = {
  name: 'USB (WebUSB)',
  kind: 'stream',
  isSupported() {
    if (typeof navigator === 'undefined' || !navigator.usb) return 'This browser has no WebUSB.';
    if (!globalThis.isSecureContext) return 'USB needs this page over https (or on localhost).';
    return true;
  },
  async connect() {
    const device = await navigator.usb.requestDevice({ filters: [{ classCode: CDC_COMM_CLASS }, { classCode: CDC_DATA_CLASS }] });
    const port = await usbDeviceOpen(device);
    navigator.usb.addEventListener('disconnect', (ev) => {
      if (ev.device === device) port.onclose?.();
    });
    port.peer = device.productName || 'USB device';
    return port;
  },
};
