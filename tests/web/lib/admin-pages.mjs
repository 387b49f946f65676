// SPDX-License-Identifier: GPL-2.0-or-later
// Helpers of the admin pages' browser tests (portal-pages, portal-certs).
import { chromiumStart } from './browser.mjs';

// Waits poll on DOM changes, not animation frames: a page behind another one (a second user
// at the same browser) gets no frames.
const POLL = { polling: 'mutation' };

// What #status says (each act of the pages ends there), and whether it is a refusal.
export const status = (page) => page.$eval('#status', (e) => ({ text: e.textContent, error: e.className === 'error' }));

// Waits until #status says something new after act().
export async function statusAfter(page, act) {
  const was = await page.$eval('#status', (e) => e.textContent);
  await act();
  await page.waitForFunction((b) => document.getElementById('status').textContent !== b, POLL, was);
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

// Opens the admin pages at url and waits for the login form.
export async function pageOpen(page, url) {
  await page.goto(`${url}/portal/`);
  await page.waitForSelector('#login-form', { visible: true });
}

// Logs user in with the form, as a person types; resolves once the tabs show.
export async function loginForm(page, user, password) {
  await page.waitForSelector('#login-form', { visible: true });
  await page.type('#login-form [name=user]', user);
  await page.type('#login-form [name=password]', password);
  await page.click('#login-form [type=submit]');
  await page.waitForSelector('#tabs', { visible: true });
}

// The rows of a table (sel: the table or its section) as arrays of cell texts.
export const tableRows = (page, sel) => page.$$eval(`${sel} tbody tr`, (trs) => trs.map((tr) =>
  Array.from(tr.cells, (td) => td.textContent)));

// The row of sel whose cell number col (0: the first) is text (an ElementHandle), waiting for
// it to be drawn.
export async function rowWith(page, sel, text, col = 0) {
  await page.waitForFunction((s, t, c) => Array.from(document.querySelectorAll(`${s} tbody tr`))
    .some((tr) => tr.cells[c]?.textContent === t), POLL, sel, text, col);
  for (const tr of await page.$$(`${sel} tbody tr`))
    if (await tr.evaluate((e, c) => e.cells[c].textContent, col) === text) return tr;
  throw new Error(`no row ${text} in ${sel}`);
}
