// SPDX-License-Identifier: GPL-2.0-or-later
// Chromium's Web Bluetooth, emulated by the DevTools BluetoothEmulation domain, bridged to
// the REAL gateway's ble-sim: link (WEB-BLUETOOTH.md has the facts this relies on).
//
// Emulated: the radio and Chromium's BLE stack (a pre-connected peripheral with our GATT
// service, answered operation by operation). Real: the page's code, every ATT PDU on the
// gateway's socket (att-bridge plays the ATT client: MTU exchange, discovery, the CCCD),
// svcportd, svcport-bmcd.
//
//   page RX write            → ATT Write Request to the gateway; acknowledged to the page
//                              with the gateway's answer (code 0, or 1 for an ATT error)
//   page subscribes to TX    → the CCCD write to the gateway, then notifications may flow
//   page reads INFO          → ATT Read (Read Blob) of INFO, its value to the page
//   gateway TX notification  → the page's own TX characteristic object is made to readValue()
//                              and that read is answered with the notification's bytes; a
//                              completed read fires characteristicvaluechanged, so the page's
//                              notification listener runs unchanged. Serialized (one read in
//                              flight), and nothing before the page subscribed.
import { attBridgeOpen } from './ports.mjs';

const CCCD = '00002902-0000-1000-8000-00805f9b34fb';
export const UUID = {
  service: 'abd10001-ebf7-4797-8f14-2b70edecfe4a',
  rx: 'abd10002-ebf7-4797-8f14-2b70edecfe4a',
  tx: 'abd10003-ebf7-4797-8f14-2b70edecfe4a',
  info: 'abd10004-ebf7-4797-8f14-2b70edecfe4a',
};
const ADDRESS = '0A:53:56:43:50:54';
const b64 = (u8) => Buffer.from(u8).toString('base64');

// browserSession: a CDP session on the browser target; pageSession: on the page.
// blePath: svcportd's ble-sim: socket. Returns { stats, errors, close() }.
export async function bleEmulationStart(browserSession, pageSession, blePath, { mtu = 517 } = {}) {
  const stats = { writes: 0, notifications: 0, infoReads: 0, subscribed: false };
  const errors = [];
  const queue = [];
  let bridge = null;
  let delivering = false;
  let txObjectId = null;
  let pendingRead = null; // resolves the TX read the harness started
  const ids = {};
  const bt = (m, p) => browserSession.send(`BluetoothEmulation.${m}`, p);

  await bt('enable', { state: 'powered-on', leSupported: true });
  await bt('simulatePreconnectedPeripheral', { address: ADDRESS, name: 'svcport', manufacturerData: [],
    knownServiceUuids: [UUID.service] });
  const { serviceId } = await bt('addService', { address: ADDRESS, serviceUuid: UUID.service });
  ids.rx = (await bt('addCharacteristic', { serviceId, characteristicUuid: UUID.rx,
    properties: { write: true, writeWithoutResponse: true } })).characteristicId;
  ids.tx = (await bt('addCharacteristic', { serviceId, characteristicUuid: UUID.tx,
    properties: { notify: true } })).characteristicId;
  await bt('addDescriptor', { characteristicId: ids.tx, descriptorUuid: CCCD });
  ids.info = (await bt('addCharacteristic', { serviceId, characteristicUuid: UUID.info,
    properties: { read: true } })).characteristicId;

  // The chooser: the same prompt id comes twice; select once per id.
  const prompted = new Set();
  await pageSession.send('DeviceAccess.enable');
  pageSession.on('DeviceAccess.deviceRequestPrompted', ({ id, devices }) => {
    if (prompted.has(id) || devices.length === 0) return;
    prompted.add(id);
    pageSession.send('DeviceAccess.selectPrompt', { id, deviceId: devices[0].id }).catch((e) => errors.push(e));
  });

  async function txObject() {
    if (txObjectId) return txObjectId;
    const proto = await pageSession.send('Runtime.evaluate', { expression: 'BluetoothRemoteGATTCharacteristic.prototype' });
    const all = await pageSession.send('Runtime.queryObjects', { prototypeObjectId: proto.result.objectId });
    const tx = await pageSession.send('Runtime.callFunctionOn', { objectId: all.objects.objectId,
      functionDeclaration: `function () { return this.find((c) => c.uuid === '${UUID.tx}'); }` });
    txObjectId = tx.result.objectId;
    return txObjectId;
  }

  // One notification at a time: start the page's TX read, answer it, wait for it to finish.
  async function deliver() {
    if (delivering || !stats.subscribed) return;
    delivering = true;
    try {
      while (queue.length) {
        const value = queue.shift();
        const answered = new Promise((r) => { pendingRead = { value, done: r }; });
        const read = pageSession.send('Runtime.callFunctionOn', { objectId: await txObject(), awaitPromise: true,
          functionDeclaration: 'function () { return this.readValue().then(() => true); }' });
        await answered;
        await read;
        stats.notifications++;
      }
    } catch (e) {
      errors.push(e);
    } finally {
      delivering = false;
    }
  }

  const answer = (characteristicId, type, code, data) => bt('simulateCharacteristicOperationResponse',
    { characteristicId, type, code, ...(data ? { data: b64(data) } : {}) });

  browserSession.on('BluetoothEmulation.gattOperationReceived', async ({ address, type }) => {
    try {
      if (type === 'connection') {
        // The LE connection: a fresh ATT bearer on the gateway.
        bridge = await attBridgeOpen(blePath, mtu);
        bridge.onNotification = (v) => { queue.push(v); deliver(); };
      }
      await bt('simulateGATTOperationResponse', { address, type, code: 0 });
    } catch (e) {
      errors.push(e);
    }
  });

  browserSession.on('BluetoothEmulation.characteristicOperationReceived', async (op) => {
    try {
      const { characteristicId: c, type } = op;
      if (c === ids.rx && type === 'write') {
        const r = await bridge.write(Buffer.from(op.data, 'base64'));
        stats.writes++;
        if (op.writeType !== 'write-without-response') await answer(c, type, r.status === 0 ? 0 : 1);
      } else if (c === ids.tx && type === 'subscribe-to-notifications') {
        const r = await bridge.enableNotifications();
        await answer(c, type, r.status === 0 ? 0 : 1);
        stats.subscribed = r.status === 0;
        deliver();
      } else if (c === ids.tx && type === 'read' && pendingRead) {
        const { value, done } = pendingRead;
        pendingRead = null;
        await answer(c, type, 0, value);
        done();
      } else if (c === ids.info && type === 'read') {
        const r = await bridge.readInfo();
        stats.infoReads++;
        await answer(c, type, r.status === 0 ? 0 : 1, r.status === 0 ? r.data : null);
      } else {
        // Anything else the page does is not what the app should do: refuse and record it.
        errors.push(new Error(`unexpected ${type} on ${c}`));
        await answer(c, type, 1);
      }
    } catch (e) {
      errors.push(e);
    }
  });

  // The LE link and the emulated adapter end together, so the next test starts afresh.
  const close = async () => {
    await bridge?.close();
    await bt('disable').catch((e) => errors.push(e));
  };
  return { stats, errors, close };
}
