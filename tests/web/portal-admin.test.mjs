// SPDX-License-Identifier: GPL-2.0-or-later
// Issue 14's admin pages beyond claiming (portal-pages.test.mjs) in Debian's chromium, headless,
// against the REAL portal service over https, trusted the honest way (lib/browser.mjs): users
// and roles with the CSV bulk registration, transfer (start, accept, a guessed and a reused
// passphrase), "Ready for activation" on a server that claimed itself through its real BMC,
// the audit, federation (an organisation administrator registers the identity provider; a
// user logs in with an assertion) and the organisations of portal administrators. What a page
// says is checked on the portal itself — its command line as the operator, and its API — and
// every refusal twice: in words on the page, and nothing changed on the portal. One portal,
// one virtual server and one browser for the whole file; a page per user, as people sit at
// different desks. Screenshots of a failed run stay in $SVCPORT_WEB_SHOTS.
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';

import { Portal, PortalError } from '../../web/portal/api.js';
import { loginForm, pageOpen, rowWith, statusAfter, tableRows } from './lib/admin-pages.mjs';
import { chromiumStart, shotsRecorder } from './lib/browser.mjs';
import { MT, passwordOf, portalClaim, simRun, worldDown, worldUp } from './lib/world.mjs';

let w;
let chromium;
const { shot, pageTest, finish } = shotsRecorder('admin');

const cli = (...args) => simRun(['portal', '--portal', w.portal, ...args]);
const usersOf = async (org) => Object.fromEntries((await cli('user', 'list', '--org', org)).users
  .map((u) => [u.user, u.role]));
const deviceShow = (sn) => cli('device', 'show', '--mt', MT, '--sn', sn);
const tmp = (name) => path.join(w.tmp, name);

before(async () => {
  // The virtual server is there for "Ready for activation": only a server its BMC claimed
  // may be marked.
  w = await worldUp('J900ADMS');
  await fs.writeFile(tmp('paula.pw'), `${passwordOf('paula')}\n`, { mode: 0o600 });
  await cli('user', 'add', 'paula', '--org', 'beta', '--role', 'org-admin', '--password-file', tmp('paula.pw'));
  await cli('user', 'admin', 'paula');
  chromium = await chromiumStart({ caFile: w.caFile });
});

after(async () => {
  await chromium?.close();
  await worldDown(w);
  await finish();
});

// A page logged in as user; page errors are collected in page.errors.
async function pageAs(use, user) {
  const page = use(await chromium.browser.newPage());
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e));
  await pageOpen(page, w.portalUrl);
  await loginForm(page, user, passwordOf(user));
  return page;
}

// Each helper brings its page to the front first: people at different desks, one browser
// here, and a page behind another gets no rendering (puppeteer's click waits on it).
// Clicks a tab and waits until its view is done: refused in #status, or its table (sel)
// drawn with at least one row. What an earlier visit left is emptied first.
async function tabOpen(page, name, sel) {
  await page.bringToFront();
  await page.evaluate((s) => {
    Object.assign(document.getElementById('status'), { textContent: '', className: '' });
    for (const b of document.querySelectorAll(`${s} tbody`)) b.replaceChildren();
  }, sel);
  await page.click(`#tabs [data-tab=${name}]`);
  await page.waitForFunction((s) => document.getElementById('status').textContent !== '' ||
    document.querySelectorAll(`${s} tbody tr`).length > 0, { polling: 'mutation' }, sel);
  return page.$eval('#status', (e) => ({ text: e.textContent, error: e.className === 'error' }));
}

// What #status says after act(), which always says something: emptied first, so the same
// refusal twice in a row is seen twice.
async function said(page, act) {
  await page.bringToFront();
  await page.$eval('#status', (e) => Object.assign(e, { textContent: '', className: '' }));
  return statusAfter(page, act);
}

const submit = (page, form) => said(page, () => page.click(`${form} [type=submit]`));

// Types each value as a person does; a long one (a key, an assertion) is pasted whole.
async function fill(page, form, values) {
  await page.bringToFront();
  for (const [name, v] of Object.entries(values)) {
    const sel = `${form} [name=${name}]`;
    await page.$eval(sel, (e, pasted) => { e.value = pasted; }, v.length > 64 ? v : '');
    if (v.length <= 64) await page.type(sel, v);
  }
}

async function upload(page, form, name, bytes) {
  await fs.writeFile(tmp(name), bytes);
  await (await page.$(`${form} [name=file]`)).uploadFile(tmp(name));
  return submit(page, form);
}

const refusal = (st, code) => {
  assert.equal(st.error, true, st.text);
  assert.match(st.text, new RegExp(`^${code}: \\S`));
};

pageTest('users and roles: add, change a role, remove, bulk registration by CSV; others refused', async (use) => {
  const page = await pageAs(use, 'alice');
  let st = await tabOpen(page, 'users', '#user-rows');
  assert.equal(st.error, false, st.text);
  await rowWith(page, '#user-rows', 'alice');

  // Add carol with a password: she can log in with it (the API, as her).
  await fill(page, '#user-form', { user: 'carol', password: passwordOf('carol') });
  await page.select('#user-form [name=role]', 'edge-user');
  st = await submit(page, '#user-form');
  assert.equal(st.text, 'carol added');
  assert.equal((await usersOf('acme')).carol, 'edge-user');
  const carol = new Portal(w.fetch, w.portalUrl);
  assert.equal((await carol.login('carol', passwordOf('carol'))).actor.role, 'edge-user');

  // Her role, changed with the list's selector.
  st = await said(page, async () => (await (await rowWith(page, '#user-rows', 'carol')).$('select')).select('maintenance'));
  assert.equal(st.text, 'carol is now maintenance');
  assert.equal((await usersOf('acme')).carol, 'maintenance');
  assert.equal((await carol.call('GET', 'me')).role, 'maintenance');
  // Not one's own: refused in words, nothing changed.
  st = await said(page, async () => (await (await rowWith(page, '#user-rows', 'alice')).$('select')).select('base'));
  refusal(st, 'ROLE_FORBIDDEN');
  assert.match(st.text, /own role/);
  assert.equal((await usersOf('acme')).alice, 'org-admin');
  await shot(page, '1-users');

  // Removed: gone from the portal, and her session with her.
  st = await said(page, async () => (await (await rowWith(page, '#user-rows', 'carol')).$('button')).click());
  assert.equal(st.text, 'carol removed');
  assert.equal((await usersOf('acme')).carol, undefined);
  await assert.rejects(carol.call('GET', 'me'), (e) => e instanceof PortalError && e.code === 'UNAUTHENTICATED');

  // CSV files that are not what the page asks for: refused whole, in words, nobody added.
  const before = await usersOf('acme');
  for (const [name, bytes, why] of [
    ['users-header.csv', 'name,role\ndan,base\n', /header/],
    ['users-quotes.csv', 'user,role\n"dan",base\n', /quote/],
    ['users-latin1.csv', Buffer.from('user,role\nd\xe9sir\xe9e,base\n', 'latin1'), /ASCII|byte|encoding/],
    ['users-role.csv', 'user,role\ndan,king\n', /unknown role/],
  ]) {
    st = await upload(page, '#users-csv-form', name, bytes);
    refusal(st, 'BAD_REQUEST');
    assert.match(st.text, why, name);
  }
  assert.deepEqual(await usersOf('acme'), before);
  // A good file with one user who exists: the others registered, that row refused.
  st = await upload(page, '#users-csv-form', 'users.csv', 'user,role\ndan,edge-user\nerin,maintenance\nalice,base\n');
  assert.equal(st.text, '2 of 3 users added');
  assert.equal(st.error, true);
  assert.deepEqual((await tableRows(page, '#users-csv-rows')).map((r) => r.slice(0, 3)),
    [['2', 'dan', 'OK'], ['3', 'erin', 'OK'], ['4', 'alice', 'EXISTS']]);
  assert.deepEqual(await usersOf('acme'), { ...before, dan: 'edge-user', erin: 'maintenance' });
  await rowWith(page, '#user-rows', 'erin');
  await shot(page, '2-users-csv');

  // An edge user: the list refused in words, and so is adding a user.
  const eddie = await pageAs(use, 'eddie');
  st = await tabOpen(eddie, 'users', '#user-rows');
  refusal(st, 'ROLE_FORBIDDEN');
  assert.deepEqual(await tableRows(eddie, '#user-rows'), []);
  await fill(eddie, '#user-form', { user: 'mallory', password: passwordOf('mallory') });
  await eddie.select('#user-form [name=role]', 'org-admin');
  refusal(await submit(eddie, '#user-form'), 'ROLE_FORBIDDEN');
  refusal(await upload(eddie, '#users-csv-form', 'users-eddie.csv', 'user,role\nmallory,org-admin\n'), 'ROLE_FORBIDDEN');
  assert.equal((await usersOf('acme')).mallory, undefined);
  await shot(eddie, '3-users-refused');
  assert.deepEqual([...page.errors, ...eddie.errors], []);
  await eddie.close();
  await page.close();
});

pageTest('transfer: started by one administrator, accepted by the other; guessed and reused passphrases refused', async (use) => {
  // A server acme owns on the portal (the operator claims it with its code).
  const code = (await cli('device', 'manufacture', '--mt', MT, '--sn', 'J900XFR1', '--out', tmp('factory-xfr'))).activation_code;
  await cli('claim', '--org', 'acme', '--mt', MT, '--sn', 'J900XFR1', '--code', code);
  const untouched = await deviceShow('J900XFR1');

  // An edge user may not give servers away.
  const eddie = await pageAs(use, 'eddie');
  await eddie.click('#tabs [data-tab=transfer]');
  await fill(eddie, '#xfer-start-form', { devices: `${MT}-J900XFR1` });
  refusal(await submit(eddie, '#xfer-start-form'), 'ROLE_FORBIDDEN');
  assert.equal(await eddie.$eval('#xfer-out', (e) => e.textContent), '');

  const alice = await pageAs(use, 'alice');
  await alice.click('#tabs [data-tab=transfer]');
  await fill(alice, '#xfer-start-form', { devices: `${MT}-J900XFR1` });
  let st = await submit(alice, '#xfer-start-form');
  assert.equal(st.error, false, st.text);
  const out = await alice.$eval('#xfer-out', (e) => e.textContent);
  assert.match(out, /valid 24 h, usable once/);
  const passphrase = /passphrase: (\S+)/.exec(out)[1];
  const csv = out.slice(out.indexOf('transfer_id'), out.indexOf('\npassphrase:'));
  assert.match(csv, new RegExp(`^transfer_id,.*\\n.*,${MT},J900XFR1`));
  await shot(alice, '4-transfer-started');

  // The receiving organisation's administrator, with the file and the passphrase.
  const zed = await pageAs(use, 'zed');
  await zed.click('#tabs [data-tab=transfer]');
  await fs.writeFile(tmp('transfer.csv'), `${csv}\n`);
  const accept = async (phrase) => {
    await (await zed.$('#xfer-accept-form [name=file]')).uploadFile(tmp('transfer.csv'));
    await fill(zed, '#xfer-accept-form', { passphrase: phrase });
    return submit(zed, '#xfer-accept-form');
  };
  // Guessed: refused in words, nothing changed.
  st = await accept(passphrase.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')));
  refusal(st, 'WRONG_CODE');
  assert.deepEqual(await deviceShow('J900XFR1'), untouched);
  st = await accept(passphrase);
  assert.equal(st.error, false, st.text);
  assert.match(st.text, /transfer accepted/);
  assert.deepEqual(await deviceShow('J900XFR1'), { ...untouched, transfer_to: 'beta' });
  await shot(zed, '5-transfer-accepted');
  // Reused: refused, nothing changed.
  refusal(await accept(passphrase), 'INVALID_STATE');
  assert.deepEqual(await deviceShow('J900XFR1'), { ...untouched, transfer_to: 'beta' });
  // acme's list shows where the server is going.
  await tabOpen(alice, 'devices', '#devices');
  await rowWith(alice, '#devices', 'J900XFR1', 1);
  assert.equal((await tableRows(alice, '#devices')).find((r) => r[1] === 'J900XFR1')[5], 'beta');
  assert.deepEqual([...eddie.errors, ...alice.errors, ...zed.errors], []);
  for (const p of [eddie, alice, zed]) await p.close();
});

pageTest('"Ready for activation" on a server its BMC claimed; the maintenance role is refused', async (use) => {
  // The whole claim: the portal (operator, with the code), then the server itself, through the
  // phone signed by the portal service as alice: the portal now sees it locked.
  await portalClaim(w);
  await simRun(['app', '--link', `unix:${w.usb}`, '--portal-url', w.portalUrl, '--cacert', w.caFile,
    '--user', 'alice', '--password-file', tmp('alice.pw'), 'claim']);
  assert.equal((await deviceShow(w.sn)).status, 'ready');

  const mona = await pageAs(use, 'mona');
  await tabOpen(mona, 'devices', '#devices');
  let st = await said(mona, async () => (await (await rowWith(mona, '#devices', w.sn, 1)).$('button')).click());
  refusal(st, 'ROLE_FORBIDDEN');
  assert.equal((await deviceShow(w.sn)).ready_until, 0);

  const alice = await pageAs(use, 'alice');
  await tabOpen(alice, 'devices', '#devices');
  const t0 = Math.floor(Date.now() / 1000);
  st = await said(alice, async () => (await (await rowWith(alice, '#devices', w.sn, 1)).$('button')).click());
  assert.equal(st.error, false, st.text);
  assert.equal(st.text, `${MT}-${w.sn} may activate online within an hour`);
  const until = (await deviceShow(w.sn)).ready_until;
  assert.ok(until >= t0 + 3600 && until <= Math.floor(Date.now() / 1000) + 3600, `${until}`);
  const shown = (await tableRows(alice, '#devices')).find((r) => r[1] === w.sn);
  assert.equal(shown[3], 'locked');
  assert.equal(shown[6], new Date(until * 1000).toISOString().replace('.000Z', 'Z'));
  await shot(alice, '6-ready');
  assert.deepEqual([...mona.errors, ...alice.errors], []);
  await mona.close();
  await alice.close();
});

pageTest('the audit: every act of the organisation, refusals included, as the portal keeps it; others refused', async (use) => {
  const eddie = await pageAs(use, 'eddie');
  const st = await tabOpen(eddie, 'audit', '#audit');
  refusal(st, 'ROLE_FORBIDDEN');
  assert.deepEqual(await tableRows(eddie, '#audit'), []);
  await eddie.close();

  const alice = await pageAs(use, 'alice');
  await tabOpen(alice, 'audit', '#audit');
  const kept = (await cli('audit', '--org', 'acme')).records;
  const when = (s) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');
  assert.deepEqual(await tableRows(alice, '#audit'),
    kept.map((r) => [when(r.at), r.actor, r.action, r.target, r.result, r.detail ?? '']));
  // What the tests before did and were refused is there, with who did it.
  const seen = kept.map((r) => `${r.actor.split('@')[0]} ${r.action} ${r.target} ${r.result}`);
  for (const want of ['alice user.add carol OK', 'alice user.role alice ROLE_FORBIDDEN', 'alice user.remove carol OK',
    'eddie user.add mallory ROLE_FORBIDDEN', 'eddie transfer.start acme ROLE_FORBIDDEN', 'alice transfer.start acme OK',
    `mona device.ready ${MT}-${w.sn} ROLE_FORBIDDEN`, `alice device.ready ${MT}-${w.sn} OK`,
    'eddie audit.read acme ROLE_FORBIDDEN'])
    assert.ok(seen.includes(want), want);
  await shot(alice, '7-audit');
  assert.deepEqual([...eddie.errors, ...alice.errors], []);
  await alice.close();
});

// An ES256 JWT (RFC 7515/7518: base64url, the signature r||s) signed with key.
function jwt(key, claims) {
  const b64 = (x) => Buffer.from(x).toString('base64url');
  const signed = `${b64(JSON.stringify({ alg: 'ES256', typ: 'JWT' }))}.${b64(JSON.stringify(claims))}`;
  return `${signed}.${b64(sign('sha256', Buffer.from(signed), { key, dsaEncoding: 'ieee-p1363' }))}`;
}

pageTest('federation: the org administrator registers the identity provider; forged and expired assertions refused; a first login is Base', async (use) => {
  const idp = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rogue = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = idp.publicKey.export({ type: 'spki', format: 'pem' });
  const issuer = 'https://adfs.acme.example';
  const noIdp = () => assert.rejects(cli('idp', 'show', '--org', 'acme'), /registered no identity provider/);

  // An edge user: refused in words, nothing registered.
  const eddie = await pageAs(use, 'eddie');
  refusal(await tabOpen(eddie, 'idp', '#idp'), 'ROLE_FORBIDDEN');
  await fill(eddie, '#idp-form', { issuer, public_key: pem });
  refusal(await submit(eddie, '#idp-form'), 'ROLE_FORBIDDEN');
  await noIdp();
  await eddie.close();

  const alice = await pageAs(use, 'alice');
  await alice.click('#tabs [data-tab=idp]');
  await alice.waitForFunction(() => document.getElementById('idp-current').textContent !== '', { polling: 'mutation' });
  assert.match(await alice.$eval('#idp-current', (e) => e.textContent), /No identity provider/);
  // A key that is not P-256: refused, nothing registered.
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' });
  await fill(alice, '#idp-form', { issuer, public_key: rsa });
  refusal(await submit(alice, '#idp-form'), 'BAD_REQUEST');
  await noIdp();
  await fill(alice, '#idp-form', { issuer, public_key: pem });
  let st = await submit(alice, '#idp-form');
  assert.equal(st.text, `${issuer} is acme's identity provider`);
  const reg = await cli('idp', 'show', '--org', 'acme');
  assert.deepEqual([reg.issuer, reg.audience, reg.public_key], [issuer, 'svcport-portal', pem]);
  assert.match(await alice.$eval('#idp-current', (e) => e.textContent), /adfs\.acme\.example, audience svcport-portal/);
  await shot(alice, '8-idp');

  // A user of acme at the login page, with assertions.
  const fred = use(await chromium.browser.newPage());
  fred.errors = [];
  fred.on('pageerror', (e) => fred.errors.push(e));
  await pageOpen(fred, w.portalUrl);
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: issuer, aud: 'svcport-portal', sub: 'fred', exp: now + 600 };
  const present = async (assertion) => {
    await fill(fred, '#fed-form', { org: 'acme', assertion });
    return submit(fred, '#fed-form');
  };
  const before = await usersOf('acme');
  refusal(await present(jwt(rogue.privateKey, claims)), 'UNAUTHENTICATED');
  refusal(await present(jwt(idp.privateKey, { ...claims, exp: now - 3600 })), 'EXPIRED');
  assert.equal(await fred.$eval('#tabs', (e) => e.hidden), true);
  assert.deepEqual(await usersOf('acme'), before);
  await shot(fred, '9-fed-refused');
  // A valid one: fred is registered with the Base role, which can do nothing.
  st = await present(jwt(idp.privateKey, claims));
  refusal(st, 'ROLE_FORBIDDEN');
  assert.match(await fred.$eval('#who', (e) => e.textContent), /^fred \(base, acme\)$/);
  assert.deepEqual(await usersOf('acme'), { ...before, fred: 'base' });
  assert.deepEqual(await tableRows(fred, '#devices'), []);

  // Until his administrator gives him a role: then the same session lists the devices.
  await tabOpen(alice, 'users', '#user-rows');
  st = await said(alice, async () => (await (await rowWith(alice, '#user-rows', 'fred')).$('select')).select('edge-user'));
  assert.equal(st.text, 'fred is now edge-user');
  st = await tabOpen(fred, 'devices', '#devices');
  assert.equal(st.error, false, st.text);
  await rowWith(fred, '#devices', w.sn, 1);
  await shot(fred, '10-fed-edge-user');
  assert.deepEqual([...alice.errors, ...fred.errors], []);
  await fred.close();
  await alice.close();
});

pageTest('organisations: a portal administrator lists and adds them; an org administrator is refused', async (use) => {
  const orgsShown = (page) => page.$eval('#tabs [data-tab=orgs]', (e) => e.checkVisibility());
  const orgsKept = async () => (await cli('org', 'list')).orgs
    .map((o) => [o.org, new Date(o.created * 1000).toISOString().replace('.000Z', 'Z'), `${o.users}`, `${o.devices}`, o.idp_issuer || '—']);

  // An organisation administrator is no portal administrator: no such page, and asking
  // anyway (the hidden tab, clicked from the console) is refused in words.
  const alice = await pageAs(use, 'alice');
  assert.equal(await orgsShown(alice), false);
  const before = await orgsKept();
  const st = await said(alice, () => alice.$eval('#tabs [data-tab=orgs]', (b) => b.click()));
  refusal(st, 'ROLE_FORBIDDEN');
  await fill(alice, '#org-form', { org: 'gamma' });
  refusal(await submit(alice, '#org-form'), 'ROLE_FORBIDDEN');
  assert.deepEqual(await orgsKept(), before);
  await alice.close();

  const paula = await pageAs(use, 'paula');
  assert.equal(await orgsShown(paula), true);
  await tabOpen(paula, 'orgs', '#orgs');
  assert.deepEqual(await tableRows(paula, '#orgs'), before);
  assert.equal(before.find((r) => r[0] === 'acme')[4], 'https://adfs.acme.example');
  await fill(paula, '#org-form', { org: 'gamma' });
  assert.equal((await submit(paula, '#org-form')).text, 'organisation gamma added');
  const after = await orgsKept();
  assert.deepEqual(after.map((r) => r[0]), ['acme', 'beta', 'gamma']);
  await rowWith(paula, '#orgs', 'gamma');
  assert.deepEqual(await tableRows(paula, '#orgs'), after);
  // Twice: refused, nothing changed.
  await fill(paula, '#org-form', { org: 'gamma' });
  refusal(await submit(paula, '#org-form'), 'EXISTS');
  assert.deepEqual(await orgsKept(), after);
  await shot(paula, '11-orgs');
  assert.deepEqual([...alice.errors, ...paula.errors], []);
  await paula.close();
});
