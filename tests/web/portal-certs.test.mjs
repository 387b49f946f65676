// SPDX-License-Identifier: GPL-2.0-or-later
// Issue 14's certificate pages (web/portal/certs.js) in Debian's chromium, headless, against the
// REAL portal service over https: the management-hub model of DESIGN §6 as an administrator
// lives it. The browser trusts only what its NSS store holds (lib/browser.mjs), so each change
// of trust is shown the honest way: a browser holding the old CA is refused, one holding the
// certificate the page handed over gets in. What the page says is checked against the service
// itself: the certificate it presents on a fresh TLS connection (Node's tls, trusting one CA
// only), the portal's command line (`https download`), openssl for the CSR. Refusals: a user
// without the right sees no certificate page and gets the role refusal in words; a chain that
// is not for the pending key is refused and changes nothing. Screenshots of a failed run stay
// in $SVCPORT_WEB_SHOTS.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { after, before } from 'node:test';

import { loginForm, pageLoadError, pageOpen as pageOpenAt, statusAfter } from './lib/admin-pages.mjs';
import { chromiumStart, shotsRecorder } from './lib/browser.mjs';
import { passwordOf, simRun, worldDown, worldUp } from './lib/world.mjs';

let w;
let chromium; // trusts the portal's first CA
const { shot, pageTest, finish } = shotsRecorder('certs');

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, (err, stdout, stderr) => (err ? reject(new Error(`${cmd}: ${stderr}`)) : resolve(stdout)));
  });
}

const tmp = (name) => path.join(w.tmp, name);
const fp = (pem) => new X509Certificate(pem).fingerprint256;

before(async () => {
  w = await worldUp('J900CRT0', { server: false });
  // A portal administrator (the service's certificates are theirs alone), as the operator makes one.
  await fs.writeFile(tmp('paula.pw'), `${passwordOf('paula')}\n`, { mode: 0o600 });
  await simRun(['portal', '--portal', w.portal, 'user', 'add', 'paula', '--org', 'acme', '--role', 'org-admin',
    '--password-file', tmp('paula.pw')]);
  await simRun(['portal', '--portal', w.portal, 'user', 'admin', 'paula']);
  chromium = await chromiumStart({ caFile: w.caFile });
});

after(async () => {
  await chromium?.close();
  await worldDown(w);
  await finish();
});

// The certificate the service presents on a NEW connection, verified against caPem only
// (name checked for 127.0.0.1): its fingerprint, or the verification error.
function presented(caPem) {
  const { port } = new URL(w.portalUrl);
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: Number(port), ca: caPem }, () => {
      const c = s.getPeerCertificate();
      s.end();
      resolve(c.fingerprint256);
    });
    s.once('error', reject);
  });
}

// What the operator would hand out now (`portal https download`).
async function operatorAnchor() {
  await simRun(['portal', '--portal', w.portal, 'https', 'download', '--out', tmp('download.pem')]);
  return fs.readFile(tmp('download.pem'), 'utf8');
}

const pageOpen = (page) => pageOpenAt(page, w.portalUrl);
const login = (page, user) => loginForm(page, user, passwordOf(user));

const certsTabShown = (page) => page.$eval('#tabs [data-tab=certs]', (e) => e.checkVisibility());

async function certsOpen(page) {
  await page.click('#tabs [data-tab=certs]');
  await page.waitForFunction(() => document.getElementById('cert-fingerprint').textContent !== '');
  return page.$eval('#cert-fingerprint', (e) => e.textContent);
}

const browserWith = (caFile) => pageLoadError(`${w.portalUrl}/portal/`, caFile);

pageTest('without the portal administrator right: no certificate page, and a refusal in words', async (use) => {
  const page = use(await chromium.browser.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  // Base can log in and do nothing else: the devices list it lands on is refused.
  await pageOpen(page);
  const st = await statusAfter(page, () => login(page, 'bob'));
  assert.equal(st.error, true);
  assert.match(st.text, /^ROLE_FORBIDDEN: .*bob/);
  assert.equal(await page.$eval('#devices tbody', (e) => e.children.length), 0);
  assert.equal(await certsTabShown(page), false);
  await shot(page, '1-base-refused');
  await page.click('#logout');
  // An organisation administrator is not a portal administrator.
  await login(page, 'alice');
  assert.equal(await certsTabShown(page), false);
  await page.click('#logout');
  assert.deepEqual(errors, []);
  await page.close();
});

pageTest('the certificate pages: the CA to trust, a new server certificate, a CSR, a refused chain, a new CA', async (use) => {
  const page = use(await chromium.browser.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  const firstCa = await fs.readFile(w.caFile, 'utf8');
  await pageOpen(page);
  await login(page, 'paula');
  assert.equal(await certsTabShown(page), true);
  // What to trust, with the fingerprint to check out of band: the operator's CA.
  assert.equal(await certsOpen(page), fp(firstCa));
  assert.equal(await page.$eval('#cert-pem', (e) => e.textContent), firstCa);
  await shot(page, '2-certs');

  // A new server certificate: another certificate on new connections, the same CA trusts it.
  const server1 = await presented(firstCa);
  let st = await statusAfter(page, () => page.click('#regen-server'));
  assert.equal(st.error, false, st.text);
  const server2 = await presented(firstCa);
  assert.notEqual(server2, server1);
  assert.equal(await page.$eval('#cert-fingerprint', (e) => e.textContent), fp(firstCa));

  // A CSR for an external CA: openssl checks its signature; it carries the service's names.
  st = await statusAfter(page, () => page.click('#csr-make'));
  assert.equal(st.error, false, st.text);
  const csr = await page.$eval('#csr-out', (e) => e.textContent);
  assert.match(csr, /^-----BEGIN CERTIFICATE REQUEST-----/);
  await fs.writeFile(tmp('req.csr'), csr);
  await run('openssl', ['req', '-in', tmp('req.csr'), '-verify', '-noout']);
  assert.match(await run('openssl', ['req', '-in', tmp('req.csr'), '-noout', '-text']), /IP Address:127\.0\.0\.1/);
  await shot(page, '3-csr');

  // A "chain" that is not for the pending key (the CA itself): refused, nothing changed.
  await (await page.$('#chain-form [name=file]')).uploadFile(w.caFile);
  st = await statusAfter(page, () => page.click('#chain-form [type=submit]'));
  assert.equal(st.error, true);
  assert.match(st.text, /^[A-Z_]+: ./);
  assert.equal(await presented(firstCa), server2);
  assert.equal(await operatorAnchor(), firstCa);
  assert.equal(await page.$eval('#cert-fingerprint', (e) => e.textContent), fp(firstCa));
  await shot(page, '4-chain-refused');

  // A new internal CA, after the page asks. The answer came over the trusted connection and
  // carries the new CA: the page shows it to download, and it is what the operator hands out.
  const asked = [];
  page.once('dialog', (d) => { asked.push(d.message()); d.accept(); });
  st = await statusAfter(page, () => page.click('#regen-ca'));
  assert.equal(st.error, false, st.text);
  assert.match(asked[0], /must import the new one/);
  const newCa = await page.$eval('#cert-pem', (e) => e.textContent);
  assert.equal(newCa, await operatorAnchor());
  assert.notEqual(fp(newCa), fp(firstCa));
  assert.equal(await page.$eval('#cert-fingerprint', (e) => e.textContent), fp(newCa));
  assert.match(await page.$eval('#cert-download', (e) => e.href), /^blob:/);
  await shot(page, '5-new-ca');
  assert.deepEqual(errors, []);
  await page.close();

  // Trust moved: the old CA no longer verifies the service; the one the page gave does.
  await assert.rejects(presented(firstCa), /self-signed|unable to verify|certificate/i);
  await presented(newCa);
  await fs.writeFile(tmp('new-ca.pem'), newCa);
  assert.match(await browserWith(w.caFile), /ERR_CERT_AUTHORITY_INVALID/);
  assert.equal(await browserWith(tmp('new-ca.pem')), null);
});

pageTest("an external CA's chain installed from the page, then trusted by a fresh browser", async (use) => {
  // The administrator imported the new internal CA (the test before) and carries on.
  const b = await chromiumStart({ caFile: tmp('new-ca.pem') });
  try {
    const page = use(await b.browser.newPage());
    const errors = [];
    page.on('pageerror', (e) => errors.push(e));
    await pageOpen(page);
    await login(page, 'paula');
    await certsOpen(page);
    await statusAfter(page, () => page.click('#csr-make'));
    await fs.writeFile(tmp('ext-req.csr'), await page.$eval('#csr-out', (e) => e.textContent));
    // The external CA: openssl, SANs copied from the request.
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', tmp('ext.key'), '-out', tmp('ext.crt'), '-subj', '/CN=external CA', '-days', '2',
      '-addext', 'basicConstraints=critical,CA:TRUE']);
    await run('openssl', ['x509', '-req', '-in', tmp('ext-req.csr'), '-CA', tmp('ext.crt'), '-CAkey', tmp('ext.key'),
      '-CAcreateserial', '-days', '2', '-copy_extensions', 'copy', '-out', tmp('leaf.crt')]);
    const root = await fs.readFile(tmp('ext.crt'), 'utf8');
    await fs.writeFile(tmp('chain.pem'), (await fs.readFile(tmp('leaf.crt'), 'utf8')) + root);
    await (await page.$('#chain-form [name=file]')).uploadFile(tmp('chain.pem'));
    const st = await statusAfter(page, () => page.click('#chain-form [type=submit]'));
    assert.equal(st.error, false, st.text);
    assert.equal(await page.$eval('#cert-fingerprint', (e) => e.textContent), fp(root));
    assert.equal(await operatorAnchor(), root);
    assert.equal(await presented(root), fp(await fs.readFile(tmp('leaf.crt'), 'utf8')));
    await shot(page, '6-external');
    assert.deepEqual(errors, []);
    await page.close();
  } finally {
    await b.close();
  }
  assert.match(await browserWith(tmp('new-ca.pem')), /ERR_CERT_AUTHORITY_INVALID/);
  assert.equal(await browserWith(tmp('ext.crt')), null);
});
