// SPDX-License-Identifier: GPL-2.0-or-later
// The admin pages: DOM glue over api.js. The token lives in memory only
// (a reload means logging in again: nothing for another page to steal).
import { Portal } from './api.js';
import { certsView, certsWire } from './certs.js';
import { idpView, orgsView, orgsWire, when } from './orgs.js';

const portal = new Portal(window.fetch.bind(window));
const $ = (sel) => document.querySelector(sel);
const ROLES = ['base', 'edge-user', 'maintenance', 'org-admin'];

function status(msg, isError = false) {
  const s = $('#status');
  s.textContent = msg;
  s.className = isError ? 'error' : '';
}

async function guarded(fn) {
  try {
    await fn();
  } catch (e) {
    status(e.code ? `${e.code}: ${e.detail}` : String(e), true);
  }
}

function cell(tr, text) {
  const td = document.createElement('td');
  td.textContent = text ?? '';
  tr.appendChild(td);
  return td;
}

function button(td, label, fn) {
  const b = document.createElement('button');
  b.textContent = label;
  b.addEventListener('click', () => guarded(fn));
  td.appendChild(b);
}

function rows(sel, items, fill) {
  const body = $(`${sel} tbody`);
  body.replaceChildren();
  for (const item of items) {
    const tr = document.createElement('tr');
    fill(tr, item);
    body.appendChild(tr);
  }
}

const views = {
  async devices() {
    const r = await portal.devices();
    rows('#devices', r.devices, (tr, d) => {
      for (const k of ['machine_type', 'serial_number', 'status', 'activation', 'control', 'transfer_to'])
        cell(tr, d[k]);
      cell(tr, d.ready_until ? when(d.ready_until) : '');
      const td = cell(tr, '');
      if (d.activation === 'locked' || d.activation === 'activated')
        button(td, 'Ready for activation', async () => {
          await portal.ready(d.machine_type, d.serial_number);
          await views.devices();
          status(`${d.machine_type}-${d.serial_number} may activate online within an hour`);
        });
    });
  },
  async users() {
    const r = await portal.users();
    rows('#user-rows', r.users, (tr, u) => {
      cell(tr, u.user);
      const sel = document.createElement('select');
      for (const role of ROLES) sel.add(new Option(role, role, false, role === u.role));
      sel.addEventListener('change', () => guarded(async () => {
        await portal.setRole(u.user, sel.value);
        status(`${u.user} is now ${sel.value}`);
      }));
      cell(tr, '').appendChild(sel);
      button(cell(tr, ''), 'Remove', async () => {
        await portal.removeUser(u.user);
        status(`${u.user} removed`);
        await views.users();
      });
    });
  },
  async claim() {},
  async manual() {},
  async transfer() {},
  async audit() {
    const r = await portal.audit();
    rows('#audit', r.records, (tr, a) => {
      cell(tr, when(a.at));
      for (const k of ['actor', 'action', 'target', 'result', 'detail']) cell(tr, a[k]);
    });
  },
  idp: () => idpView(portal),
  orgs: () => orgsView(portal),
  certs: () => certsView(portal),
};

function show(tab) {
  for (const s of document.querySelectorAll('.tab')) s.hidden = s.id !== tab;
  for (const b of document.querySelectorAll('#tabs button'))
    b.toggleAttribute('aria-current', b.dataset.tab === tab);
  guarded(views[tab]);
}

function loggedIn(on) {
  $('#login').hidden = on;
  $('#tabs').hidden = !on;
  $('#logout').hidden = !on;
  for (const t of ['certs', 'orgs']) $(`#tabs [data-tab=${t}]`).hidden = !(on && portal.actor.portal_admin);
  $('#who').textContent = on ? `${portal.actor.user} (${portal.actor.role}, ${portal.actor.org})` : '';
  for (const o of document.querySelectorAll('.org')) o.textContent = on ? portal.actor.org : '';
  if (on) show('devices');
  else for (const s of document.querySelectorAll('.tab')) s.hidden = true;
}

function onSubmit(sel, fn) {
  $(sel).addEventListener('submit', (ev) => {
    ev.preventDefault();
    guarded(() => fn(new FormData(ev.target), ev.target));
  });
}

// A CSV upload's per-row results (users: key is the user; claims: device).
function csvRows(sel, r) {
  rows(sel, r.rows, (tr, x) => {
    for (const k of ['line', 'device', 'result', 'detail']) cell(tr, x[k] ?? x.key);
  });
}

// Both ways in end alike: the form emptied (no secret left in the page), the tabs shown.
const enter = (login) => async (f, form) => {
  await login(f);
  form.reset();
  status('');
  loggedIn(true);
};
onSubmit('#login-form', enter((f) => portal.login(f.get('user'), f.get('password'))));
onSubmit('#fed-form', enter((f) => portal.loginFederated(f.get('org'), f.get('assertion').trim())));
$('#logout').addEventListener('click', () => guarded(async () => {
  await portal.logout();
  loggedIn(false);
  status('logged out');
}));
for (const b of document.querySelectorAll('#tabs button'))
  b.addEventListener('click', () => show(b.dataset.tab));
onSubmit('#user-form', async (f, form) => {
  await portal.addUser(f.get('user'), f.get('role'), f.get('password'));
  status(`${f.get('user')} added`);
  form.reset();
  await views.users();
});
onSubmit('#users-csv-form', async (f) => {
  const r = await portal.usersCsv(await f.get('file').text());
  csvRows('#users-csv-rows', r);
  status(`${r.rows.length - r.failed} of ${r.rows.length} users added`, r.failed > 0);
  await views.users();
});
onSubmit('#claim-form', async (f, form) => {
  await portal.claim(f.get('machine_type'), f.get('serial_number'), f.get('activation_code'));
  status(`${f.get('machine_type')}-${f.get('serial_number')} claimed on the portal`);
  form.reset();
});
onSubmit('#claims-csv-form', async (f) => {
  const r = await portal.claimsCsv(await f.get('file').text());
  csvRows('#claim-rows', r);
  status(`${r.claimed} claimed, ${r.failed} refused`, r.failed > 0);
});
// The last challenge answered: its receipt is confirmed against it.
let manual = null;
onSubmit('#manual-form', async (f) => {
  const [mt, sn, challenge] = ['machine_type', 'serial_number', 'challenge'].map((k) => f.get(k).trim());
  $('#manual-response').textContent = '';
  const r = await portal.manualActivate(mt, sn, challenge);
  manual = { mt, sn, challenge };
  $('#manual-response').textContent = r.response;
  status(`read ${r.response} to the local administrator of ${mt}-${sn}`);
});
onSubmit('#manual-receipt-form', async (f, form) => {
  if (!manual) throw new Error('answer a challenge first');
  await portal.manualActivate(manual.mt, manual.sn, manual.challenge, f.get('receipt').trim());
  form.reset();
  status(`${manual.mt}-${manual.sn} activated by phone call: receipt confirmed`);
});
onSubmit('#xfer-start-form', async (f) => {
  const devices = f.get('devices').split(',').map((s) => s.trim()).filter(Boolean);
  const r = await portal.transferStart(devices);
  $('#xfer-out').textContent =
    `Give the receiving organisation this file and, separately, the passphrase\n` +
    `(valid ${Math.round(r.valid_for / 3600)} h, usable once):\n\n${r.csv}\npassphrase: ${r.passphrase}`;
  status(`transfer ${r.transfer_id} started`);
});
onSubmit('#xfer-accept-form', async (f, form) => {
  await portal.transferAccept(await f.get('file').text(), f.get('passphrase'));
  form.reset();
  status('transfer accepted: the current owner now signs the transfer on each server');
});
certsWire(portal, { onSubmit, status, guarded });
orgsWire(portal, { onSubmit, status });
loggedIn(false);
