// SPDX-License-Identifier: GPL-2.0-or-later
// The portal API client: no DOM, so Node can test it with any fetch.
// Every call resolves to the answer's JSON or throws a PortalError whose
// code is the API's error name (docs/portal-api.md).

export class PortalError extends Error {
  constructor(code, detail, status, retryAfter = 0) {
    super(`${code}: ${detail}`);
    this.code = code;
    this.detail = detail;
    this.status = status;
    this.retryAfter = retryAfter; // seconds, with RATE_LIMITED
  }
}

export class Portal {
  constructor(fetchFn, base = '') {
    this.fetch = fetchFn;
    this.base = base;
    this.token = null;
    this.actor = null;
  }

  async call(method, path, body, contentType = 'application/json') {
    const headers = {};
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    const init = { method, headers };
    if (body !== undefined) {
      headers['Content-Type'] = contentType;
      init.body = contentType === 'application/json' ? JSON.stringify(body) : body;
    }
    const res = await this.fetch(`${this.base}/api/v1/${path}`, init);
    let json = null;
    try {
      json = await res.json();
    } catch {
      throw new PortalError('BAD_ANSWER', `HTTP ${res.status} without JSON`, res.status);
    }
    if (!res.ok) {
      throw new PortalError(json.error || 'REFUSED', json.detail || '', res.status, json.retry_after || 0);
    }
    return json;
  }

  async login(user, password) {
    const r = await this.call('POST', 'login', { user, password });
    this.token = r.token;
    this.actor = r.actor;
    return r;
  }

  // assertion: a JWT from org's registered identity provider (docs/portal-api.md "Federation").
  async loginFederated(org, assertion) {
    const r = await this.call('POST', 'login/federated', { org, assertion });
    this.token = r.token;
    this.actor = r.actor;
    return r;
  }

  async logout() {
    try { await this.call('POST', 'logout'); } finally { this.token = null; this.actor = null; }
  }

  org() { return encodeURIComponent(this.actor.org); }
  devices() { return this.call('GET', `orgs/${this.org()}/devices`); }
  users() { return this.call('GET', `orgs/${this.org()}/users`); }
  addUser(user, role, password) {
    const body = { user, role };
    if (password) body.password = password;
    return this.call('POST', `orgs/${this.org()}/users`, body);
  }
  setRole(user, role) { return this.call('PATCH', `users/${encodeURIComponent(user)}`, { role }); }
  removeUser(user) { return this.call('DELETE', `users/${encodeURIComponent(user)}`); }
  usersCsv(text) { return this.call('POST', `orgs/${this.org()}/users.csv`, text, 'text/csv'); }
  claim(mt, sn, code) {
    return this.call('POST', `orgs/${this.org()}/claims`,
      { machine_type: mt, serial_number: sn, activation_code: code });
  }
  claimsCsv(text) { return this.call('POST', `orgs/${this.org()}/claims.csv`, text, 'text/csv'); }
  transferStart(devices) { return this.call('POST', `orgs/${this.org()}/transfers`, { devices }); }
  transferAccept(csv, passphrase) {
    return this.call('POST', `orgs/${this.org()}/transfers/accept`, { csv, passphrase });
  }
  ready(mt, sn, validFor = 3600) {
    return this.call('POST', `devices/${encodeURIComponent(mt)}/${encodeURIComponent(sn)}/ready`,
      { valid_for: validFor });
  }
  // Manual activation by phone call: the server's challenge -> the response to read back;
  // with the server's receipt, the activation is confirmed (docs/manual-activation.md).
  manualActivate(mt, sn, challenge, receipt) {
    const body = { challenge };
    if (receipt) body.receipt = receipt;
    return this.call('POST',
      `devices/${encodeURIComponent(mt)}/${encodeURIComponent(sn)}/manual-activation`, body);
  }
  audit() { return this.call('GET', `orgs/${this.org()}/audit`); }
  idp() { return this.call('GET', `orgs/${this.org()}/idp`); }
  setIdp(issuer, audience, publicKey) {
    return this.call('POST', `orgs/${this.org()}/idp`, { issuer, audience, public_key: publicKey });
  }
  // Portal administrators.
  orgs() { return this.call('GET', 'orgs'); }
  addOrg(org) { return this.call('POST', 'orgs', { org }); }

  // The service's certificates (portal administrators). Each answer carries `certificate`:
  // the PEM a client must trust from now on, sent over the connection already trusted.
  async certificatePem() {
    const res = await this.fetch(`${this.base}/api/v1/certificate.pem`);
    if (!res.ok) throw new PortalError('BAD_ANSWER', `HTTP ${res.status} for the certificate`, res.status);
    return res.text();
  }
  regenServer() { return this.call('POST', 'https/server-certificate'); }
  regenCa() { return this.call('POST', 'https/ca'); }
  csr() { return this.call('POST', 'https/csr'); }
  installChain(chain) { return this.call('POST', 'https/chain', { chain }); }
}
