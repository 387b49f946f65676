// SPDX-License-Identifier: GPL-2.0-or-later
// The technician's page (web/phone) as the browser tests drive it: load it from the portal,
// log in with its form, log out, read what it shows.
import assert from 'node:assert/strict';

import { passwordOf } from './world.mjs';

// The page is ready once its script has drawn the transports and found the portal.
export async function pageLoad(page, portalUrl) {
  await page.goto(`${portalUrl}/phone/index.html`);
  await page.waitForFunction(() => document.getElementById('transports').childElementCount > 0 &&
    !document.getElementById('portal-line').textContent.includes('checking'));
}

// Logs in with the page's form, as a person types.
export async function login(page, user, password = passwordOf(user)) {
  await page.waitForSelector('#login-form', { visible: true });
  await page.type('#login-user', user);
  await page.type('#login-password', password);
  await page.click('#login');
}

// Seen, not only in the DOM: the form goes away and Log out shows.
export const shown = (page, sel) => page.$eval(sel, (e) => e.checkVisibility());

export async function loginAs(page, user) {
  await login(page, user);
  await page.waitForSelector(`#portal-line[data-user="${user}"]`);
  assert.equal(await shown(page, '#login-form'), false);
  assert.equal(await shown(page, '#logout'), true);
}

export async function logout(page) {
  await page.click('#logout');
  await page.waitForSelector('#login-form', { visible: true });
  assert.equal(await shown(page, '#logout'), false);
}

export const text = (page, sel) => page.$eval(sel, (e) => e.textContent);
export const waitResult = (page, kind) => page.waitForSelector(`#result[data-kind="${kind}"]:not([hidden])`, { timeout: 20000 });
