// SPDX-License-Identifier: GPL-2.0-or-later
// How organisations are set up (docs/portal-api.md): the identity provider an organisation
// administrator registers for federated logins, and, for portal administrators, the list of
// organisations and adding one. The portal decides who may do what; a refusal comes back in
// words through guarded() (app.js).
const $ = (sel) => document.querySelector(sel);

// Seconds since the epoch, as the audit shows them.
export const when = (s) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');

export async function idpView(portal) {
  $('#idp-current').textContent = '';
  $('#idp-key').textContent = '';
  try {
    const r = await portal.idp();
    $('#idp-current').textContent = `Registered: issuer ${r.issuer}, audience ${r.audience}.`;
    $('#idp-key').textContent = r.public_key;
  } catch (e) {
    if (e.code !== 'NOT_FOUND') throw e;
    $('#idp-current').textContent = 'No identity provider is registered: users log in with a password only.';
  }
}

export async function orgsView(portal) {
  const r = await portal.orgs();
  const body = $('#orgs tbody');
  body.replaceChildren();
  for (const o of r.orgs) {
    const tr = document.createElement('tr');
    for (const v of [o.org, when(o.created), o.users, o.devices, o.idp_issuer || '—']) {
      const td = document.createElement('td');
      td.textContent = String(v);
      tr.appendChild(td);
    }
    body.appendChild(tr);
  }
}

// onSubmit(sel, fn(formData, form)) and status(msg, isError) are the pages' own (app.js).
export function orgsWire(portal, { onSubmit, status }) {
  onSubmit('#idp-form', async (f, form) => {
    await portal.setIdp(f.get('issuer'), f.get('audience'), f.get('public_key'));
    form.reset();
    status(`${f.get('issuer')} is ${portal.actor.org}'s identity provider`);
    await idpView(portal);
  });
  onSubmit('#org-form', async (f, form) => {
    await portal.addOrg(f.get('org'));
    form.reset();
    status(`organisation ${f.get('org')} added`);
    await orgsView(portal);
  });
}
