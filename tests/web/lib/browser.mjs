// SPDX-License-Identifier: GPL-2.0-or-later
// Debian's chromium, headless, driven by puppeteer-core (no browser download), for the browser
// tests; and their screenshots.
//
// Trust, the honest way: Chromium on Linux takes the certificates a user trusts from the NSS
// store in $HOME/.pki/nssdb (cert9.db). Each run gets a fresh HOME whose store holds the
// portal's CA, downloaded as an operator would, added with certutil (libnss3-tools) as a CA
// trusted for TLS servers ("C,,"). No certificate error is ignored: without the CA the page
// does not load (net::ERR_CERT_AUTHORITY_INVALID), which tests/web/portal-pages.test.mjs checks.
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import puppeteer from 'puppeteer-core';

import { env } from './env.mjs';

// WEB-BLUETOOTH.md and the machine's known-good headless set; Web Bluetooth on Linux needs
// its feature flag.
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--enable-features=WebBluetooth'];

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, (err, stdout, stderr) => (err ? reject(new Error(`${cmd}: ${stderr}`)) : resolve(stdout)));
  });
}

// caFile: a PEM certificate to trust as a CA (none: an empty store); moreCaFiles: others (the
// BMC's internal CA for its https: link). Returns { browser, close() }.
export async function chromiumStart({ caFile = null, moreCaFiles = [] } = {}) {
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'svcport-chromium-'));
  const nss = path.join(home, '.pki', 'nssdb');
  await fs.mkdir(nss, { recursive: true });
  await run('certutil', ['-N', '-d', `sql:${nss}`, '--empty-password']);
  if (caFile) {
    await run('certutil', ['-A', '-d', `sql:${nss}`, '-n', 'svcport portal CA (test)', '-t', 'C,,', '-i', caFile]);
  }
  for (const [i, f] of moreCaFiles.entries()) {
    await run('certutil', ['-A', '-d', `sql:${nss}`, '-n', `svcport CA ${i + 2} (test)`, '-t', 'C,,', '-i', f]);
  }
  const browser = await puppeteer.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true, args: CHROMIUM_ARGS, userDataDir: path.join(home, 'profile'), env: { ...process.env, HOME: home } });
  return {
    browser,
    async close() {
      await browser.close();
      await fs.rm(home, { recursive: true, force: true });
    },
  };
}

// Screenshots of each screen go to $SVCPORT_WEB_SHOTS/prefix-name.png and are kept only when
// a test failed (or with SVCPORT_WEB_KEEP_SHOTS=1). pageTest(name, fn) runs fn(use), where
// use(page) names the page to photograph if the test fails.
export function shotsRecorder(prefix) {
  const files = [];
  let failed = false;
  const shot = async (page, name) => {
    const dir = env('SVCPORT_WEB_SHOTS');
    await fs.mkdir(dir, { recursive: true });
    const file = path.join(dir, `${prefix}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    files.push(file);
  };
  const pageTest = (name, fn) => test(name, async () => {
    let page = null;
    try {
      await fn((p) => { page = p; return p; });
    } catch (e) {
      failed = true;
      if (page) await shot(page, `failed-${name.replace(/\W+/g, '-').slice(0, 60)}`).catch(() => {});
      throw e;
    }
  });
  const finish = async () => {
    if (!failed && !process.env.SVCPORT_WEB_KEEP_SHOTS) {
      // This run's, and those an earlier failed run left under the same prefix.
      const dir = env('SVCPORT_WEB_SHOTS');
      const old = (await fs.readdir(dir).catch(() => [])).filter((f) => f.startsWith(`${prefix}-`));
      await Promise.all([...files, ...old.map((f) => path.join(dir, f))].map((f) => fs.rm(f, { force: true })));
    } else {
      process.stderr.write(`screenshots kept in ${env('SVCPORT_WEB_SHOTS')}\n`);
    }
  };
  return { shot, pageTest, finish };
}
