// SPDX-License-Identifier: GPL-2.0-or-later
// The Web Serial and WebUSB transport modules (web/phone/transports/serial.js, usb.js)
// against the REAL daemons. Chromium has no emulation for Web Serial or WebUSB, so the
// browser objects they drive — SerialPort and USBDevice — are stand-ins over svcportd's
// unix: link (the CDC stream), tests/web/lib/ports.mjs. Everything above those objects is
// the page's code: the transport module, the link, the client, the flows.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { appImport } from './lib/env.mjs';
import { fakeSerialPort, fakeUsbDevice } from './lib/ports.mjs';
import { portalAs, portalClaim, simRun, worldDown, worldUp } from './lib/world.mjs';

const { serialPortOpen } = await appImport('transports/serial.js');
const { usbDeviceOpen } = await appImport('transports/usb.js');
const { sessionOpen } = await appImport('core/session.js');
const { activationCode, deviceInfo, signedAction } = await appImport('core/flows.js');
const { pb } = await appImport('core/proto.js');

let w;
before(async () => {
  w = await worldUp('J900WEBT');
  await portalClaim(w);
});
after(async () => { await worldDown(w); });

test('Web Serial: claim and activate a server, read its activation code', async () => {
  const s = await sessionOpen(await serialPortOpen(fakeSerialPort(w.usb)));
  assert.equal(s.linkInfo.device.serialNumber, w.sn);
  await signedAction(s, await portalAs(w, 'alice'), 'claim');
  const r = await signedAction(s, await portalAs(w, 'eddie'), 'activate');
  assert.equal(r.receipt.newState, pb.LockdownState.LOCKDOWN_ACTIVE);
  assert.equal(await activationCode(s), w.code);
  await s.close();
});

test('WebUSB: the CDC-ACM interfaces claimed, DTR/RTS set, the server read', async () => {
  const dev = fakeUsbDevice(w.usb);
  const s = await sessionOpen(await usbDeviceOpen(dev));
  assert.deepEqual(dev.claimed.sort(), [0, 1]);
  assert.deepEqual(dev.controls, [{ requestType: 'class', recipient: 'interface', request: 0x22, value: 3, index: 0 }]);
  const di = await deviceInfo(s);
  assert.equal(di.ownerOrg, 'acme');
  assert.equal(di.lockdownState, pb.LockdownState.LOCKDOWN_ACTIVE);
  assert.equal(await activationCode(s), w.code);
  await s.close();
});

test('a link lost under a request fails it at once (DISCONNECTED), not at its timeout', async () => {
  let closed = false;
  const s = await sessionOpen(await serialPortOpen(fakeSerialPort(w.usb)), {
    onClose: () => { closed = true; }, timeoutMs: 60000,
  });
  await simRun(['server', 'down', '--dir', w.srv]);
  await assert.rejects(deviceInfo(s), (e) => e.codeName === 'DISCONNECTED');
  assert.ok(closed);
});
