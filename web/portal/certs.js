// SPDX-License-Identifier: GPL-2.0-or-later
// The service's certificates (docs/portal-api.md "Certificates", the management-hub model of
// DESIGN §6), for portal administrators: the certificate to trust with its SHA-256
// fingerprint (to check out of band before trusting it), a new server certificate, a new
// internal CA, a CSR for an external CA and the installation of its full chain. Nothing here
// reads X.509: the portal does; the page only hashes the DER under the PEM armour.
const $ = (sel) => document.querySelector(sel);

function derOf(pem) {
  const b64 = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/.exec(pem)?.[1];
  if (!b64) throw new Error('the portal sent no PEM certificate');
  return Uint8Array.from(atob(b64.replace(/\s+/g, '')), (c) => c.charCodeAt(0));
}

// As openssl and Node print it: upper-case hex pairs joined by colons.
async function fingerprint(pem) {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', derOf(pem)));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
}

let blobUrl = null;

// Shows the certificate to trust. fresh: it changed under a connection the browser already
// trusts, so the download is the copy that came with the answer (a new connection to fetch
// it would need the new CA already).
async function anchorShow(pem, { fresh = false } = {}) {
  $('#cert-fingerprint').textContent = await fingerprint(pem);
  $('#cert-pem').textContent = pem;
  if (blobUrl) URL.revokeObjectURL(blobUrl);
  blobUrl = fresh ? URL.createObjectURL(new Blob([pem], { type: 'application/x-pem-file' })) : null;
  $('#cert-download').href = blobUrl ?? '/api/v1/certificate.pem';
}

export async function certsView(portal) {
  $('#csr-out').textContent = '';
  await anchorShow(await portal.certificatePem());
}

// onSubmit(sel, fn(formData, form)) and status(msg, isError) are the pages' own (app.js);
// guarded(fn) shows a refusal in #status.
export function certsWire(portal, { onSubmit, status, guarded }) {
  $('#regen-server').addEventListener('click', () => guarded(async () => {
    const r = await portal.regenServer();
    await anchorShow(r.certificate);
    status('A new server certificate is in use, signed by the same CA: browsers that trust it need nothing.');
  }));
  $('#regen-ca').addEventListener('click', () => guarded(async () => {
    if (!window.confirm('A new internal CA: every browser and phone that trusts the current one must import ' +
      'the new one, or it cannot reach the portal any more. Make a new CA?')) return;
    const r = await portal.regenCa();
    await anchorShow(r.certificate, { fresh: true });
    status('A new internal CA and server certificate are in use. Download the new CA below and import it in ' +
      'every browser and phone, after checking its fingerprint with the operator.');
  }));
  $('#csr-make').addEventListener('click', () => guarded(async () => {
    const r = await portal.csr();
    $('#csr-out').textContent = r.csr;
    status('A new key is waiting for its certificate: send this request to your CA, then install its full chain.');
  }));
  onSubmit('#chain-form', async (f, form) => {
    const r = await portal.installChain(await f.get('file').text());
    form.reset();
    await anchorShow(r.certificate, { fresh: true });
    status("The external CA's certificate is in use. Browsers and phones must trust its root (below).");
  });
}
