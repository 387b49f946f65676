// SPDX-License-Identifier: GPL-2.0-or-later
// The desktop path (issue 15's "from a desktop browser against the demo's virtual server"):
// Debian's chromium, headless, loads the technician's page from the REAL portal service and
// reaches the REAL svcportd's https: link on 127.0.0.1 with fetch (web/phone/transports/
// https.js), the portal's origin allowed by --https-allow-origin. Nothing is emulated: the
// browser trusts the portal's CA and the BMC's internal CA through its NSS store, as a
// laptop's user would (docs/web.md); without the BMC's CA the page cannot connect.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';

import { chromiumStart, shotsRecorder } from './lib/browser.mjs';
import { loginAs, logout, pageLoad as phonePageLoad, text, waitResult } from './lib/phone-page.mjs';
import { portalClaim, worldDown, worldUp } from './lib/world.mjs';

let w;
let chromium;
const { shot, pageTest, finish } = shotsRecorder('laptop');

before(async () => {
  // bmcd's own export (srv/link): its chain, written without the NULL Debian's mbedTLS puts
  // after ecdsa-with-SHA256, which chromium refuses (ERR_CERT_INVALID; docs/certs.md).
  w = await worldUp('J900WEBL', { https: true });
  await portalClaim(w);
  chromium = await chromiumStart({ caFile: w.caFile, moreCaFiles: [w.linkCa] });
});

after(async () => {
  await chromium?.close();
  await worldDown(w);
  await finish();
});

const pageLoad = (page) => phonePageLoad(page, w.portalUrl);

async function connectHttps(page) {
  await page.type('#https-address', w.httpsUrl);
  await page.click('#connect-https');
}

pageTest('a laptop\'s browser over the https: link: connect, claim and activate the virtual server', async (use) => {
  const page = use(await chromium.browser.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await pageLoad(page);
  await loginAs(page, 'alice');
  await connectHttps(page);
  await page.waitForSelector('#dev-state[data-value="LOCKED"]', { timeout: 20000 });
  await shot(page, '1-connected');
  assert.equal(await text(page, '#dev-id'), `7D1A-${w.sn}`);
  assert.match(await text(page, '#link-line'), /management network/);

  await page.click('#action-claim');
  await waitResult(page, 'ok');
  await page.waitForSelector('#dev-owner[data-value="acme"]');
  await logout(page);
  await loginAs(page, 'eddie');
  await page.click('#action-activate');
  await waitResult(page, 'ok');
  await page.waitForSelector('#dev-state[data-value="ACTIVE"]');
  await shot(page, '2-activated');

  // The network is never physical presence: the code is refused, in plain words.
  await page.click('#activation-code');
  await waitResult(page, 'error');
  assert.equal(await page.$eval('#result', (e) => e.dataset.code), 'PRESENCE_REQUIRED');
  assert.deepEqual(errors, []);
  await page.close();
});

pageTest('a browser that does not trust the BMC\'s CA cannot connect, and says so', async (use) => {
  const bare = await chromiumStart({ caFile: w.caFile });
  try {
    const page = use(await bare.browser.newPage());
    await pageLoad(page);
    await loginAs(page, 'eddie');
    await connectHttps(page);
    await waitResult(page, 'error');
    await shot(page, '3-untrusted');
    assert.equal(await page.$('#dev-state[data-value]'), null);
  } finally {
    await bare.close();
  }
});
