// SPDX-License-Identifier: GPL-2.0-or-later
// The page in a real browser: Debian's chromium, headless, driven by puppeteer-core. Web
// Bluetooth goes through Chromium's BluetoothEmulation bridged to the REAL gateway's
// ble-sim: link (lib/ble-emulation.mjs says exactly what is emulated); the page claims and
// activates a real virtual server. Signing: the simulator's portal CLI behind the page's
// portal-client interface (TEST ONLY, until the portal service of issue 14 exists).
// A screenshot of each screen goes to $SVCPORT_WEB_SHOTS and is kept only on failure (or with
// SVCPORT_WEB_KEEP_SHOTS=1).
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import puppeteer from 'puppeteer-core';

import { bleEmulationStart } from './lib/ble-emulation.mjs';
import { appImport, env } from './lib/env.mjs';
import { portalCliClient } from './lib/portal-cli.mjs';
import { unixStreamPort } from './lib/ports.mjs';
import { serveDir } from './lib/serve.mjs';
import { portalClaim, portalDevice, worldDown, worldUp } from './lib/world.mjs';

const { sessionOpen } = await appImport('core/session.js');
const { deviceInfo } = await appImport('core/flows.js');
const { pb } = await appImport('core/proto.js');

// Flags: WEB-BLUETOOTH.md and the machine's known-good headless set.
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--enable-features=WebBluetooth'];

let w;
let srv;
let browser;
let profile;
const shots = [];
let failed = false;

before(async () => {
  w = await worldUp('J900WEBP');
  await portalClaim(w);
  srv = await serveDir(env('SVCPORT_WEB_APP'));
  profile = await fs.mkdtemp(path.join(os.tmpdir(), 'svcport-chromium-'));
  browser = await puppeteer.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true, args: CHROMIUM_ARGS, userDataDir: profile });
});

after(async () => {
  await browser?.close();
  await srv?.close();
  await worldDown(w);
  await fs.rm(profile, { recursive: true, force: true });
  const dir = env('SVCPORT_WEB_SHOTS');
  if (!failed && !process.env.SVCPORT_WEB_KEEP_SHOTS) {
    await Promise.all(shots.map((f) => fs.rm(f, { force: true })));
  } else {
    process.stderr.write(`screenshots kept in ${dir}\n`);
  }
});

async function shot(page, name) {
  const dir = env('SVCPORT_WEB_SHOTS');
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  shots.push(file);
}

// Runs a test body; a failure keeps the screenshots (and takes one of where it stopped).
function pageTest(name, fn) {
  test(name, async () => {
    let page = null;
    try {
      await fn((p) => { page = p; return p; });
    } catch (e) {
      failed = true;
      if (page) await shot(page, `failed-${name.replace(/\W+/g, '-')}`).catch(() => {});
      throw e;
    }
  });
}

// The page's portal: the CLI client in Node, reached through an exposed function.
async function portalPlug(page, user) {
  const cli = portalCliClient(w, user);
  const bytes = (b) => Buffer.from(b ?? []).toString('base64');
  await page.exposeFunction('svcportTestPortal', async (method, arg) => {
    if (method === 'identity') return JSON.stringify(await cli.identity());
    if (method === 'receipt') return JSON.stringify(await cli.receipt(Buffer.from(arg, 'base64')));
    const req = JSON.parse(arg);
    const signed = await cli.sign({ ...req, challenge: Buffer.from(req.challenge, 'base64'),
      devicePublicKey: req.devicePublicKey ? Buffer.from(req.devicePublicKey, 'base64') : undefined });
    return bytes(signed);
  });
  await page.evaluate(async () => {
    const { portalClientSet } = await import('./core/portal.js');
    const toB64 = (u8) => btoa(String.fromCharCode(...(u8 ?? [])));
    const fromB64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
    portalClientSet({
      name: 'the portal CLI (test only)',
      identity: async () => JSON.parse(await window.svcportTestPortal('identity')),
      sign: async (req) => fromB64(await window.svcportTestPortal('sign', JSON.stringify({
        ...req, challenge: toB64(req.challenge), devicePublicKey: req.devicePublicKey && toB64(req.devicePublicKey) }))),
      receipt: async (b) => JSON.parse(await window.svcportTestPortal('receipt', toB64(b))),
    });
  });
}

// The page is ready once its script has drawn the transports and asked for the portal.
async function pageLoad(page) {
  await page.goto(`${srv.url}index.html`);
  await page.waitForFunction(() => document.getElementById('transports').childElementCount > 0 &&
    !document.getElementById('portal-line').textContent.includes('checking'));
}

const text = (page, sel) => page.$eval(sel, (e) => e.textContent);
const waitResult = (page, kind) => page.waitForSelector(`#result[data-kind="${kind}"]:not([hidden])`, { timeout: 20000 });

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

pageTest('over Web Bluetooth: connect, claim and activate a real virtual server', async (use) => {
  const page = use(await browser.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  const emu = await bleEmulationStart(await browser.target().createCDPSession(), await page.createCDPSession(), w.ble);
  await pageLoad(page);
  await portalPlug(page, 'alice');
  await page.waitForFunction(() => document.getElementById('portal-line').textContent.includes('alice'));

  await page.click('#connect-ble'); // a real click: requestDevice needs a user gesture
  await page.waitForSelector('#dev-state[data-value="LOCKED"]', { timeout: 20000 });
  await shot(page, '1-connected');
  assert.equal(await text(page, '#dev-id'), `7D1A-${w.sn}`);
  assert.ok(emu.stats.subscribed && emu.stats.infoReads === 1);

  await page.click('#action-claim');
  await waitResult(page, 'ok');
  await shot(page, '2-claimed');
  await page.waitForSelector('#dev-owner[data-value="acme"]');

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
