// SPDX-License-Identifier: GPL-2.0-or-later
// Helpers of the admin pages' browser tests (portal-pages, portal-certs).
import { chromiumStart } from './browser.mjs';

// What #status says (each act of the pages ends there), and whether it is a refusal.
export const status = (page) => page.$eval('#status', (e) => ({ text: e.textContent, error: e.className === 'error' }));

// Waits until #status says something new after act().
export async function statusAfter(page, act) {
  const was = await page.$eval('#status', (e) => e.textContent);
  await act();
  await page.waitForFunction((b) => document.getElementById('status').textContent !== b, {}, was);
  return status(page);
}

// A fresh browser whose store holds caFile (null: nothing) opening url: null, or its error.
export async function pageLoadError(url, caFile) {
  const b = await chromiumStart({ caFile });
  try {
    const page = await b.browser.newPage();
    return await page.goto(url).then(() => null, (e) => e.message);
  } finally {
    await b.close();
  }
}
