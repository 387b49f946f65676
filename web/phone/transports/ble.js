// SPDX-License-Identifier: GPL-2.0-or-later
// Web Bluetooth: the svcport GATT service of DESIGN §2.1, as a GATT port (core/link.js).
export const SERVICE_UUID = 'abd10001-ebf7-4797-8f14-2b70edecfe4a';
export const RX_UUID = 'abd10002-ebf7-4797-8f14-2b70edecfe4a';
export const TX_UUID = 'abd10003-ebf7-4797-8f14-2b70edecfe4a';
export const INFO_UUID = 'abd10004-ebf7-4797-8f14-2b70edecfe4a';

// Web Bluetooth has no MTU API and a write longer than ATT_MTU - 3 becomes a long write or
// fails, depending on the platform: every RX segment fits the smallest ATT_MTU (23).
export const BLE_WRITE_SIZE = 20;

function bytesOf(dataView) {
  return new Uint8Array(dataView.buffer, dataView.byteOffset, dataView.byteLength).slice();
}

// The port over connected characteristics (also what a test hands over).
export function gattPortFromCharacteristics(device, { rx, tx, info }) {
  const port = {
    kind: 'gatt',
    writeSize: BLE_WRITE_SIZE,
    onclose: null,
    // Write Request, not Command: the acknowledgement paces the segments.
    write: (value) => rx.writeValueWithResponse(value),
    async subscribe(onValue) {
      tx.addEventListener('characteristicvaluechanged', (ev) => onValue(bytesOf(ev.target.value)));
      await tx.startNotifications();
    },
    readInfo: async () => bytesOf(await info.readValue()),
    async close() {
      if (device.gatt.connected) device.gatt.disconnect();
    },
  };
  device.addEventListener('gattserverdisconnected', () => port.onclose?.());
  return port;
}

export const webBluetooth = {
  name: 'Bluetooth',
  kind: 'gatt',
  // true, or why not (in words for the technician).
  isSupported() {
    if (typeof navigator === 'undefined' || !navigator.bluetooth) {
      return 'This browser has no Web Bluetooth (Safari on iPhone and iPad, Firefox). Use Chrome or Edge on ' +
        'Android or on a laptop, or connect with a USB cable.';
    }
    if (!globalThis.isSecureContext) return 'Bluetooth needs this page over https (or on localhost).';
    return true;
  },
  // Must run from a click: the browser shows its device chooser, filtered to our service.
  async connect() {
    const device = await navigator.bluetooth.requestDevice({ filters: [{ services: [SERVICE_UUID] }] });
    const server = await device.gatt.connect();
    const svc = await server.getPrimaryService(SERVICE_UUID);
    const [rx, tx, info] = await Promise.all([RX_UUID, TX_UUID, INFO_UUID].map((u) => svc.getCharacteristic(u)));
    const port = gattPortFromCharacteristics(device, { rx, tx, info });
    port.peer = device.name || device.id;
    return port;
  },
};
