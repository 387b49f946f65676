// SPDX-License-Identifier: GPL-2.0-or-later
// Issue 14's admin pages (web/portal/) in a real browser: Debian's chromium, headless, driven
// by puppeteer-core, against the REAL portal service over https. The browser trusts the
// portal's internal CA the honest way — a test-only HOME whose NSS store (cert9.db) holds the
// downloaded CA (lib/browser.mjs) — and the first test shows that without it the page does not
// load at all. An organisation administrator logs in with the form and claims servers, one
// with the single form and two from a CSV file; what the pages say is checked afterwards on
// the portal itself (its command line and its API), not only on the page. Screenshots of a
// failed run stay in $SVCPORT_WEB_SHOTS.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';

import { Portal } from '../../web/portal/api.js';
import { pageLoadError, statusAfter } from './lib/admin-pages.mjs';
import { chromiumStart, shotsRecorder } from './lib/browser.mjs';
import { MT, passwordOf, simRun, worldDown, worldUp } from './lib/world.mjs';

let w;
let chromium;
const devices = {}; // serial number → activation code
const { shot, pageTest, finish } = shotsRecorder('portal');

// Servers made by the operator, as the factory registers them: only the portal knows them.
async function manufacture(sn) {
  const out = await simRun(['portal', '--portal', w.portal, 'device', 'manufacture', '--mt', MT, '--sn', sn,
    '--out', path.join(w.tmp, `factory-${sn}`)]);
  devices[sn] = out.activation_code;
}

const deviceShow = (sn) => simRun(['portal', '--portal', w.portal, 'device', 'show', '--mt', MT, '--sn', sn]);

before(async () => {
  w = await worldUp('J900ADM0', { server: false });
  for (const sn of ['J900ADM1', 'J900ADM2', 'J900ADM3']) await manufacture(sn);
  chromium = await chromiumStart({ caFile: w.caFile });
});

after(async () => {
  await chromium?.close();
  await worldDown(w);
  await finish();
});

pageTest('without the CA in its store the browser refuses the portal (no error is ignored)', async () => {
  assert.match(await pageLoadError(`${w.portalUrl}/portal/`, null), /ERR_CERT_AUTHORITY_INVALID/);
});

pageTest('an organisation administrator logs in and claims servers, single and by CSV', async (use) => {
  const page = use(await chromium.browser.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(`${w.portalUrl}/`); // redirects to the admin pages
  assert.equal(new URL(page.url()).pathname, '/portal/');
  await page.waitForSelector('#login-form');

  // A wrong password: refused in words, still logged out.
  await page.type('#login-form [name=user]', 'alice');
  await page.type('#login-form [name=password]', 'not-her-password');
  let st = await statusAfter(page, () => page.click('#login-form [type=submit]'));
  assert.ok(st.error);
  assert.match(st.text, /UNAUTHENTICATED/);
  assert.equal(await page.$eval('#tabs', (e) => e.hidden), true);

  await page.$eval('#login-form', (f) => f.reset());
  await page.type('#login-form [name=user]', 'alice');
  await page.type('#login-form [name=password]', passwordOf('alice'));
  await page.click('#login-form [type=submit]');
  await page.waitForSelector('#tabs:not([hidden])');
  assert.match(await page.$eval('#who', (e) => e.textContent), /alice \(org-admin, acme\)/);
  await shot(page, '1-logged-in');

  // One server with the form.
  await page.click('#tabs [data-tab=claim]');
  await page.type('#claim-form [name=machine_type]', MT);
  await page.type('#claim-form [name=serial_number]', 'J900ADM1');
  await page.type('#claim-form [name=activation_code]', devices.J900ADM1);
  st = await statusAfter(page, () => page.click('#claim-form [type=submit]'));
  assert.equal(st.error, false, st.text);
  assert.match(st.text, /J900ADM1 claimed/);
  await shot(page, '2-claimed-one');

  // A CSV as the guide spells it: one good row, one wrong code (refused, per row).
  const csv = path.join(w.tmp, 'claims.csv');
  await fs.writeFile(csv, `MT,SN,CODE\n${MT},J900ADM2,${devices.J900ADM2}\n${MT},J900ADM3,AAAA-BBBB-CCCC-DDDD\n`);
  const input = await page.$('#claims-csv-form [name=file]');
  await input.uploadFile(csv);
  st = await statusAfter(page, () => page.click('#claims-csv-form [type=submit]'));
  assert.equal(st.text, '1 claimed, 1 refused');
  const rows = await page.$$eval('#claim-rows tbody tr', (trs) => trs.map((tr) =>
    Array.from(tr.cells, (td) => td.textContent)));
  assert.deepEqual(rows.map((r) => r.slice(0, 3)), [['2', `${MT}-J900ADM2`, 'OK'], ['3', `${MT}-J900ADM3`, 'WRONG_CODE']]);
  await shot(page, '3-claimed-csv');

  // The devices tab lists what the organisation now owns.
  await page.click('#tabs [data-tab=devices]');
  await page.waitForFunction(() => document.querySelectorAll('#devices tbody tr').length === 2);
  const listed = await page.$$eval('#devices tbody tr', (trs) => trs.map((tr) => tr.cells[1].textContent).sort());
  assert.deepEqual(listed, ['J900ADM1', 'J900ADM2']);
  await shot(page, '4-devices');

  // Real, not just shown: the portal's command line and its API say the same.
  assert.equal((await deviceShow('J900ADM1')).owner, 'acme');
  assert.equal((await deviceShow('J900ADM2')).owner, 'acme');
  assert.equal((await deviceShow('J900ADM3')).owner, '');
  const api = new Portal(w.fetch, w.portalUrl);
  await api.login('alice', passwordOf('alice'));
  const states = (await api.devices()).devices.map((d) => `${d.serial_number} ${d.activation}`).sort();
  assert.deepEqual(states, ['J900ADM1 claimed-on-portal', 'J900ADM2 claimed-on-portal']);
  const audit = (await api.audit()).records.filter((r) => r.action === 'device.claim')
    .map((r) => `${r.target} ${r.result}`).sort();
  assert.deepEqual(audit, [`${MT}-J900ADM1 OK`, `${MT}-J900ADM2 OK`, `${MT}-J900ADM3 WRONG_CODE`]);
  await api.logout();
  assert.deepEqual(errors, []);
  await page.close();
});
