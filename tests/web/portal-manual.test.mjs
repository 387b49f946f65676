// SPDX-License-Identifier: GPL-2.0-or-later
// Manual activation by phone call on the admin pages (docs/manual-activation.md), in Debian's
// chromium, headless, against the REAL portal service over https and a real virtual server:
// the local administrator's svcport-bmcctl shows the challenge, the organisation's
// administrator types it into the page and reads back the response, which bmcctl types in;
// the server is ACTIVE and the receipt, typed into the page, is confirmed on the portal. A
// mistyped challenge is named in words and changes nothing. Screenshots of a failed run stay
// in $SVCPORT_WEB_SHOTS.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before } from 'node:test';

import { loginForm, pageOpen, statusAfter } from './lib/admin-pages.mjs';
import { chromiumStart, shotsRecorder } from './lib/browser.mjs';
import { bmcctl, labelPassword, MT, passwordOf, portalClaim, simRun, worldDown, worldUp } from './lib/world.mjs';

let w;
let chromium;
const { shot, pageTest, finish } = shotsRecorder('manual');
const PW = 'Adm1n-Secret';
const deviceShow = () => simRun(['portal', '--portal', w.portal, 'device', 'show', '--mt', MT, '--sn', w.sn]);
const json = async (...args) => JSON.parse(await bmcctl(w, '--json', '--password', PW, ...args));

before(async () => {
  w = await worldUp('J900MAN1');
  chromium = await chromiumStart({ caFile: w.caFile });
  // Claimed on the portal (the operator, with the code) and on the server by the phone.
  await portalClaim(w);
  await simRun(['app', '--link', `unix:${w.usb}`, '--portal-url', w.portalUrl, '--cacert', w.caFile,
    '--user', 'alice', '--password-file', path.join(w.tmp, 'alice.pw'), 'claim']);
  await bmcctl(w, '--password', await labelPassword(w), 'password', 'set', PW);
});

after(async () => {
  await chromium?.close();
  await worldDown(w);
  await finish();
});

// Fills the page's form field (emptied first) as a person types.
async function fill(page, sel, text) {
  await page.$eval(sel, (e) => { e.value = ''; });
  await page.type(sel, text);
}

pageTest('activation by phone call: challenge into the page, response into the BMC, receipt confirmed', async (use) => {
  const page = use(await chromium.browser.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await pageOpen(page, w.portalUrl);
  await loginForm(page, 'alice', passwordOf('alice'));
  await page.click('#tabs [data-tab=manual]');
  await page.waitForSelector('#manual-form', { visible: true });

  const { challenge } = await json('activation', 'challenge');
  assert.equal(challenge.length, 17);
  assert.equal((await json('status')).lockdown_state, 'LOCKED');

  // A mistyped group: named, no response shown.
  const typo = challenge.slice(0, 7) + (challenge[7] === 'Q' ? 'R' : 'Q') + challenge.slice(8);
  await fill(page, '#manual-form [name=machine_type]', MT);
  await fill(page, '#manual-form [name=serial_number]', w.sn);
  await fill(page, '#manual-form [name=challenge]', typo);
  let st = await statusAfter(page, () => page.click('#manual-form [type=submit]'));
  assert.equal(st.error, true, st.text);
  assert.match(st.text, /^BAD_REQUEST: group 2 of the challenge is mistyped/);
  assert.equal(await page.$eval('#manual-response', (e) => e.textContent), '');

  await fill(page, '#manual-form [name=challenge]', challenge);
  st = await statusAfter(page, () => page.click('#manual-form [type=submit]'));
  assert.equal(st.error, false, st.text);
  const response = await page.$eval('#manual-response', (e) => e.textContent);
  assert.equal(response.length, 13);
  await shot(page, '1-response');

  const { receipt } = await json('activation', 'respond', response);
  assert.equal((await json('status')).lockdown_state, 'ACTIVE');
  await fill(page, '#manual-receipt-form [name=receipt]', receipt);
  st = await statusAfter(page, () => page.click('#manual-receipt-form [type=submit]'));
  assert.equal(st.error, false, st.text);
  assert.equal(st.text, `${MT}-${w.sn} activated by phone call: receipt confirmed`);
  assert.equal((await deviceShow()).status, 'activated');
  assert.deepEqual(errors, []);
});
