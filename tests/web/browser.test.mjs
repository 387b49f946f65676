// SPDX-License-Identifier: GPL-2.0-or-later
// The page in a real browser: Debian's chromium, headless, driven by puppeteer-core, the page
// served by the REAL portal service over https (same origin as its API; the browser trusts
// the portal's CA through its NSS store, lib/browser.mjs). The technician logs in with the
// page's own form, and every signature comes from the service as that user. Web Bluetooth
// goes through Chromium's BluetoothEmulation bridged to the REAL gateway's ble-sim: link
// (lib/ble-emulation.mjs says exactly what is emulated); the page claims and activates a
// real virtual server. A screenshot of each screen goes to $SVCPORT_WEB_SHOTS and is kept
// only on failure (or with SVCPORT_WEB_KEEP_SHOTS=1).
import assert from 'node:assert/strict';
import { after, before } from 'node:test';

import { bleEmulationStart } from './lib/ble-emulation.mjs';
import { chromiumStart, shotsRecorder } from './lib/browser.mjs';
import { appImport } from './lib/env.mjs';
import { loginAs, logout, pageLoad as phonePageLoad, text, waitResult } from './lib/phone-page.mjs';
import { unixStreamPort } from './lib/ports.mjs';
import { bmcctl, labelPassword, portalClaim, portalDevice, worldDown, worldUp } from './lib/world.mjs';

const { sessionOpen } = await appImport('core/session.js');
const { deviceInfo } = await appImport('core/flows.js');
const { pb } = await appImport('core/proto.js');

let w;
let chromium;
let browser;
const { shot, pageTest, finish } = shotsRecorder('phone');

before(async () => {
  w = await worldUp('J900WEBP');
  await portalClaim(w);
  chromium = await chromiumStart({ caFile: w.caFile });
  browser = chromium.browser;
});

after(async () => {
  await chromium?.close();
  await worldDown(w);
  await finish();
});

const pageLoad = (page) => phonePageLoad(page, w.portalUrl);

pageTest('installable: the manifest and icon pass Chromium\'s installability check', async (use) => {
  const page = use(await browser.newPage());
  await pageLoad(page);
  const cdp = await page.createCDPSession();
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
  assert.deepEqual(installabilityErrors, []);
  assert.equal(await page.$eval('#no-bluetooth', (e) => e.hidden), true);
  await page.close();
});

pageTest('without Web Bluetooth (Safari on iPhone) the page says so and offers the cable', async (use) => {
  const page = use(await browser.newPage());
  await page.evaluateOnNewDocument(() => {
    Object.defineProperty(Navigator.prototype, 'bluetooth', { get: () => undefined });
  });
  await pageLoad(page);
  await shot(page, '0-no-bluetooth');
  assert.equal(await page.$eval('#no-bluetooth', (e) => e.hidden), false);
  assert.match(await text(page, '#no-bluetooth'), /no Web Bluetooth.*Safari on iPhone/);
  assert.equal(await page.$eval('#connect-ble', (e) => e.disabled), true);
  await page.close();
});

pageTest('logged in over https, over Web Bluetooth: connect, claim and activate a real virtual server', async (use) => {
  const page = use(await browser.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  const emu = await bleEmulationStart(await browser.target().createCDPSession(), await page.createCDPSession(), w.ble);
  await pageLoad(page);
  // Served by the portal: not logged in yet, so nothing to sign.
  assert.match(await text(page, '#portal-line'), /not logged in/);
  await loginAs(page, 'alice');
  assert.match(await text(page, '#portal-line'), /alice \(org-admin\) of acme/);

  await page.click('#connect-ble'); // a real click: requestDevice needs a user gesture
  await page.waitForSelector('#dev-state[data-value="LOCKED"]', { timeout: 20000 });
  await shot(page, '1-connected');
  assert.equal(await text(page, '#dev-id'), `7D1A-${w.sn}`);
  assert.ok(emu.stats.subscribed && emu.stats.infoReads === 1);

  await page.click('#action-claim');
  await waitResult(page, 'ok');
  await shot(page, '2-claimed');
  await page.waitForSelector('#dev-owner[data-value="acme"]');

  // Another technician on the same phone: the edge user activates.
  await logout(page);
  assert.equal(await page.$('#action-activate'), null);
  await loginAs(page, 'eddie');
  await page.click('#action-activate');
  await waitResult(page, 'ok');
  await page.waitForSelector('#dev-state[data-value="ACTIVE"]');
  await shot(page, '3-activated');
  assert.match(await text(page, '#result-what'), /Active/);

  // A refusal in plain words: the activation code needs the cable.
  await page.click('#activation-code');
  await waitResult(page, 'error');
  await shot(page, '4-presence-required');
  assert.equal(await page.$eval('#result', (e) => e.dataset.code), 'PRESENCE_REQUIRED');
  assert.match(await text(page, '#result-next'), /USB cable/);

  // Real, not just shown: the server and the portal say so on their own.
  const s = await sessionOpen(await unixStreamPort(w.usb));
  const di = await deviceInfo(s);
  await s.close();
  assert.equal(di.lockdownState, pb.LockdownState.LOCKDOWN_ACTIVE);
  assert.equal(di.ownerOrg, 'acme');
  assert.equal((await portalDevice(w)).status, 'activated');
  // Every write was segmented for the smallest ATT_MTU; nothing unexpected happened.
  assert.ok(emu.stats.writes > 10 && emu.stats.notifications > 0);
  assert.deepEqual(emu.errors, []);
  assert.deepEqual(errors, []);
  await emu.close();
  await page.close();
});

// The emergency reset's one-time password (issue 13). The page makes the ephemeral P-256 key
// pair (otp.js) and sends the public key with the sign request; the portal signs it into the
// reset; bmcd seals a fresh one-time password to it; the page opens the box, shows the
// password once (#result-secret), and it logs in on the BMC console, which asks for a new one.
pageTest('emergency reset over Bluetooth: the one-time password shown once, and it logs in', async (use) => {
  const page = use(await browser.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  const asked = [];
  page.on('request', (r) => r.url().endsWith('/api/v1/commands') && asked.push(JSON.parse(r.postData())));
  // Presence over Bluetooth is a policy of the server's administrator (docs/bmc.md).
  const admin = ['--password', await labelPassword(w)];
  await bmcctl(w, ...admin, 'password', 'set', 'An0ther-pass');
  await bmcctl(w, '--password', 'An0ther-pass', 'policy', 'set', 'ble-presence', 'true');
  const emu = await bleEmulationStart(await browser.target().createCDPSession(), await page.createCDPSession(), w.ble);
  await pageLoad(page);
  await loginAs(page, 'mona');
  await page.click('#connect-ble');
  await page.waitForSelector('#action-emergency-reset');
  await page.click('#action-emergency-reset');
  await waitResult(page, 'ok');
  await shot(page, '5-reset');

  assert.equal(asked.length, 1);
  assert.equal(asked[0].action, 'emergency-reset');
  const key = Buffer.from(asked[0].ephemeral_pubkey, 'base64');
  assert.equal(key.length, 65);
  assert.equal(key[0], 0x04);
  assert.equal(await page.$eval('#result', (e) => e.dataset.otp), 'shown');
  assert.equal(await page.$eval('#result-secret', (e) => e.hidden), false);
  const pw = await text(page, '#result-secret');
  assert.match(pw, /^[0-9A-Z]{5}(-[0-9A-Z]{5}){3}$/);
  // The reset happened on the server: its console wants a new administrator password
  // (the details of status need a login: the one-time password, though it must change).
  const st = JSON.parse(await bmcctl(w, '--password', pw, '--json', 'status'));
  assert.equal(st.admin_password_must_change, true);
  assert.equal(st.lockdown_state, 'LOCKED'); // the SED key went with it (policy default)
  // The old password no longer opens the console; the one-time password does, once changed.
  await assert.rejects(bmcctl(w, '--password', 'An0ther-pass', 'audit', 'show'));
  await bmcctl(w, '--password', pw, 'password', 'set', 'Th1rd-pass');
  assert.deepEqual(emu.errors, []);
  assert.deepEqual(errors, []);
  await emu.close();
  await page.close();
});
