// SPDX-License-Identifier: GPL-2.0-or-later
// The portal service (`svcport-sim portal serve`, docs/portal-api.md) behind core/portal.js's
// interface: log in, who am I, a challenge in → a signed command out, a receipt in. The HTTP
// calls are the admin pages' client (web/portal/api.js, copied to shared/ when the app is
// assembled): one client of the API for both pages. fetch is handed in, so this module has
// no browser API of its own and Node tests drive it with a fetch that trusts the portal's CA.
//
// The session token lives in this object only: never in storage, so a reload means logging
// in again (the admin pages do the same). The portal checks the caller's role and organisation
// on every call; the identity here is for drawing the page, not for deciding.
import { PortalError as ApiError, Portal } from '../shared/portal-api.js';
import { PortalError } from './errors.js';
import { fromBinary, pb } from './proto.js';

const b64 = (bytes) => btoa(String.fromCharCode(...bytes));
const unb64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

// The API's refusal as the page names it (errors.js has words for each). A 401 is told apart
// by what was asked: a login refused, a session expired, or one the portal no longer knows.
function refusal(e, isLogin) {
  if (!(e instanceof ApiError)) {
    return new PortalError('UNAVAILABLE', `the portal did not answer: ${e?.message ?? e}`);
  }
  let code = e.code;
  if (e.status === 401) {
    if (isLogin) code = 'LOGIN_REFUSED';
    else code = e.code === 'EXPIRED' ? 'SESSION_EXPIRED' : 'SESSION_ENDED';
  } else if (e.code === 'BAD_ANSWER') {
    code = 'UNAVAILABLE';
  }
  const err = new PortalError(code, e.detail || e.message);
  err.apiError = e.code;     // the API's own name (docs/portal-api.md), for the log
  err.detail = e.detail;     // the portal's words for people
  err.retryAfterMs = (e.retryAfter ?? 0) * 1000;
  return err;
}

// fetch: a WHATWG fetch; base: the service's origin ('' in the page: same origin).
export function portalHttpsClient({ fetch, base = '' }) {
  const api = new Portal(fetch, base);
  let me = null;
  const call = async (fn, isLogin = false) => {
    try {
      return await fn();
    } catch (e) {
      const err = refusal(e, isLogin);
      if (err.codeName === 'SESSION_EXPIRED' || err.codeName === 'SESSION_ENDED') {
        api.token = null;
        me = null;
      }
      throw err;
    }
  };
  const client = {
    name: `the portal at ${base || 'this site'}`,
    isAvailable: true,
    get isLoggedIn() { return api.token !== null; },

    // Whether a portal service answers here: /me without a token is its 401. False where the
    // page was opened from somewhere else, or the service is down.
    async isReachable() {
      const probe = new Portal(fetch, base);
      return probe.call('GET', 'me').then(() => true, (e) => e instanceof ApiError && e.status === 401);
    },

    async login(user, password) {
      await call(() => api.login(user, password), true);
      me = null;
      return client.identity();
    },

    async logout() {
      me = null;
      if (api.token) await call(() => api.logout()).catch(() => {});
    },

    // { user, org, role } of the session, asked of the portal (a role an administrator just
    // changed shows at once).
    async identity() {
      if (!api.token) throw new PortalError('LOGGED_OUT', 'not logged in to the portal');
      const r = await call(() => api.call('GET', 'me'));
      me = { user: r.user, org: r.org, role: r.role };
      return me;
    },

    // core/portal.js's sign(): POST /api/v1/commands with the exact challenge bytes.
    async sign(req) {
      const body = { action: req.action, challenge: b64(req.challenge) };
      if (req.devicePublicKey) body.device_pubkey = b64(req.devicePublicKey);
      if (req.ephemeralPublicKey) body.ephemeral_pubkey = b64(req.ephemeralPublicKey);
      if (req.forceChain) body.force_chain = true;
      if (req.sensors) {
        body.sensors = { intrusion: !!req.sensors.intrusion, motion: !!req.sensors.motion };
        if (req.sensors.steps) body.sensors.motion_steps = req.sensors.steps;
      }
      const r = await call(() => api.call('POST', 'commands', body));
      const bytes = unb64(r.command);
      fromBinary(pb.SignedCommandSchema, bytes); // an answer that is not one fails here, not at the server
      return bytes;
    },

    async receipt(bytes) {
      const r = await call(() => api.call('POST', 'receipts', { receipt: b64(bytes) }));
      return { status: r.status, result: r.result, action: r.action };
    },
  };
  return client;
}
