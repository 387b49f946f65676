// SPDX-License-Identifier: GPL-2.0-or-later
// The web app's protocol core on bytes, no daemons: segmentation (DESIGN §2.1 and its resync
// rule), the CDC framing (§2.2), the request client's retry and back-off rules, the words
// for every ErrorCode and every refusal of the portal API. The daemons' and the portal
// service's side is tested in link-*.test.mjs and browser.test.mjs.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { appImport } from './lib/env.mjs';

const { SegReceiver, SegSender, segCount } = await appImport('core/seg.js');
const { CdcReceiver, cdcFrameEncode, crc32 } = await appImport('core/cdc.js');
const { Client } = await appImport('core/client.js');
const { errorExplain, errorWordsFor, portalWordsFor, DeviceError, LinkError } = await appImport('core/errors.js');
const { portalHttpsClient } = await appImport('core/portal-https.js');
const { create, fromBinary, pb, toBinary } = await appImport('core/proto.js');

const bytes = (n, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

test('seg: split at 20 bytes and reassemble, counters mod 16', () => {
  const tx = new SegSender();
  const rx = new SegReceiver(8192);
  for (const n of [1, 17, 18, 300, 4712]) {
    const msg = bytes(n, n);
    const segs = tx.split(msg, 20);
    assert.equal(segs.length, segCount(n, 20));
    assert.ok(segs.every((s) => s.length <= 20));
    let out = null;
    segs.forEach((s, i) => {
      out = rx.push(s);
      if (i < segs.length - 1) assert.equal(out, null);
    });
    assert.deepEqual(out, msg);
  }
});

test('seg: one bad segment costs only its message (the resync rule)', () => {
  const rx = new SegReceiver(8192);
  // counter 0 FIRST of 4 bytes, then a continuation with a wrong counter (5)
  assert.equal(rx.push(Uint8Array.of(0x80, 4, 0, 1, 2)), null);
  assert.throws(() => rx.push(Uint8Array.of(0x45, 3, 4)), { codeName: 'LINK_PROTOCOL' });
  // the next segment must carry 5 + 1
  assert.deepEqual(rx.push(Uint8Array.of(0xc6, 1, 0, 9)), Uint8Array.of(9));
  assert.throws(() => rx.push(Uint8Array.of(0xa7, 1, 0, 9)), { codeName: 'LINK_PROTOCOL' }); // reserved bit
  assert.throws(() => rx.push(Uint8Array.of(0xc8, 0x01, 0x20, 9)), { codeName: 'TOO_LARGE' }); // 8193
  assert.throws(() => rx.push(Uint8Array.of(0x49, 9)), { codeName: 'LINK_PROTOCOL' }); // no FIRST
  assert.throws(() => rx.push(Uint8Array.of(0xca, 1, 0, 9, 9)), { codeName: 'LINK_PROTOCOL' }); // too many
  assert.deepEqual(rx.push(Uint8Array.of(0xcb, 2, 0, 7, 8)), Uint8Array.of(7, 8));
});

test('cdc: CRC-32 check value, frames survive any split, bad frames cost only themselves', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  const msgs = [bytes(1), Uint8Array.of(0, 0, 0), bytes(254), bytes(255, 0), bytes(4712, 3), new Uint8Array(600)];
  const stream = [];
  for (const m of msgs) stream.push(...cdcFrameEncode(m));
  for (const chunk of [1, 7, 143, stream.length]) {
    const rx = new CdcReceiver(8192);
    const got = [];
    for (let i = 0; i < stream.length; i += chunk) got.push(...rx.push(Uint8Array.from(stream.slice(i, i + chunk))));
    assert.deepEqual(got.map((r) => r.msg), msgs);
  }
  const rx = new CdcReceiver(16);
  const bad = cdcFrameEncode(Uint8Array.of(1, 2, 3));
  bad[2] ^= 1;
  const got = rx.push(Uint8Array.from([0, 0, ...bad, ...cdcFrameEncode(bytes(40)), 5, 0, 2, 1, 0,
    ...cdcFrameEncode(Uint8Array.of(42))]));
  assert.deepEqual(got.map((r) => r.drop ?? r.msg[0]), ['CRC', 'TOO_LARGE', 'COBS', 'SHORT', 42]);
});

// A link that records what is sent and lets the test answer; timers the test fires.
function fakeLink() {
  const sent = [];
  return {
    sent,
    send: async (b) => { sent.push(fromBinary(pb.FrameSchema, b)); },
    unitsFor: () => 1,
  };
}
function manualTimers() {
  const t = new Set();
  return {
    set: (fn, ms) => { const h = { fn, ms }; t.add(h); return h; },
    clear: (h) => t.delete(h),
    fire() { const all = [...t]; t.clear(); all.forEach((h) => h.fn()); },
    get count() { return t.size; },
  };
}
const tick = () => new Promise((r) => setImmediate(r));
function answer(client, id, response) {
  client.onMessage(toBinary(pb.FrameSchema, create(pb.FrameSchema, { id, msg: { case: 'response', value: response } })));
}
const errorResp = (code, retryAfterMs = 0) => ({ body: { case: 'error', value: { code, retryAfterMs, detail: 'x' } } });
const pong = { body: { case: 'pong', value: { payload: Uint8Array.of(1) } } };

test('client: a timeout repeats the same bytes under the same id; a stale answer is skipped', async () => {
  const link = fakeLink();
  const timers = manualTimers();
  const c = new Client(link, { timers, firstId: 7, retries: 2 });
  const p = c.call({ case: 'ping', value: { payload: Uint8Array.of(1) } });
  await tick();
  timers.fire();
  await tick();
  assert.deepEqual(link.sent.map((f) => f.id), [7, 7]);
  answer(c, 6, pong); // late answer to something else
  answer(c, 7, pong);
  assert.equal((await p).case, 'pong');
  const q = c.call({ case: 'ping', value: {} });
  for (let i = 0; i < 3; i++) { await tick(); timers.fire(); }
  await assert.rejects(q, (e) => e instanceof LinkError && e.codeName === 'TIMEOUT');
  assert.deepEqual(link.sent.slice(2).map((f) => f.id), [8, 8, 8]);
});

test('client: RATE_LIMITED is obeyed (gateway id 0 and server), long waits go to the person', async () => {
  const link = fakeLink();
  const waits = [];
  const c = new Client(link, { timers: manualTimers(), firstId: 40, sleep: async (ms) => { waits.push(ms); } });
  const p = c.call({ case: 'getChallenge', value: {} });
  await tick();
  answer(c, 0, errorResp(pb.ErrorCode.RATE_LIMITED, 1000)); // no free session
  await tick(); await tick();
  answer(c, 40, errorResp(pb.ErrorCode.RATE_LIMITED, 250)); // the BMC's back-off
  await tick(); await tick();
  answer(c, 40, pong);
  assert.equal((await p).case, 'pong');
  assert.deepEqual(waits, [1000, 250]);
  assert.deepEqual(link.sent.map((f) => f.id), [40, 40, 40]);
  const q = c.call({ case: 'getChallenge', value: {} });
  await tick();
  answer(c, 41, errorResp(pb.ErrorCode.RATE_LIMITED, 60000));
  await assert.rejects(q, (e) => e instanceof DeviceError && e.codeName === 'RATE_LIMITED' && e.retryAfterMs === 60000);
  assert.deepEqual(waits, [1000, 250]);
});

test('client: a garbled answer or LINK_PROTOCOL at id 0 repeats the request; refusals throw', async () => {
  const link = fakeLink();
  const c = new Client(link, { timers: manualTimers(), firstId: 90 });
  const p = c.call({ case: 'ping', value: {} });
  await tick();
  c.onDrop('LINK_PROTOCOL');
  await tick();
  answer(c, 0, errorResp(pb.ErrorCode.LINK_PROTOCOL));
  await tick();
  answer(c, 90, errorResp(pb.ErrorCode.NOT_OWNER));
  await assert.rejects(p, (e) => e instanceof DeviceError && e.codeName === 'NOT_OWNER');
  assert.deepEqual(link.sent.map((f) => f.id), [90, 90, 90]);
});

test('client: BMC_UNAVAILABLE is asked once more after the time it gives, then shown', async () => {
  const link = fakeLink();
  const waits = [];
  const c = new Client(link, { timers: manualTimers(), firstId: 3, sleep: async (ms) => { waits.push(ms); } });
  const p = c.call({ case: 'getDeviceInfo', value: {} });
  await tick();
  answer(c, 3, errorResp(pb.ErrorCode.BMC_UNAVAILABLE, 1000));
  await tick(); await tick();
  answer(c, 3, errorResp(pb.ErrorCode.BMC_UNAVAILABLE, 1000));
  await assert.rejects(p, (e) => e.codeName === 'BMC_UNAVAILABLE');
  assert.deepEqual(waits, [1000]);
});

test('every ErrorCode has plain words and a next step', () => {
  for (const [name, v] of Object.entries(pb.ErrorCode)) {
    if (typeof v !== 'number' || v === pb.ErrorCode.ERROR_NONE) continue;
    const w = errorWordsFor(name);
    assert.ok(w && w[0].length > 10 && w[1].length > 10, `${name} has words`);
  }
});

// docs/portal-api.md "Errors": every refusal the phone's calls (login, me, commands, receipts)
// can meet. WRONG_CODE and EXISTS answer claims and user adds, which the phone never makes.
const API_ERRORS = [[401, 'UNAUTHENTICATED'], [401, 'EXPIRED'], [403, 'ROLE_FORBIDDEN'], [403, 'NOT_OWNER'],
  [404, 'NOT_FOUND'], [409, 'INVALID_STATE'], [410, 'EXPIRED'], [413, 'TOO_LARGE'], [429, 'RATE_LIMITED'],
  [400, 'BAD_REQUEST'], [400, 'BAD_SIGNATURE'], [400, 'WRONG_DEVICE'], [500, 'INTERNAL']];

// A fetch that answers every call with one refusal (the client's mapping alone; the real
// service's refusals are in the link and browser tests).
const refusingFetch = (status, error, extra = {}) => async () => ({
  ok: false, status, json: async () => ({ error, detail: `the portal's words for ${error}`, ...extra }),
});

test('every portal refusal has plain words and a next step, named by what was asked', async () => {
  const seen = new Set();
  for (const [status, error] of API_ERRORS) {
    const c = portalHttpsClient({ fetch: refusingFetch(status, error, { retry_after: 4 }), base: 'https://p' });
    const login = await c.login('eddie', 'x').catch((e) => e);
    const sign = await c.sign({ action: 'activate', challenge: Uint8Array.of(1) }).catch((e) => e);
    for (const e of [login, sign]) {
      assert.equal(e.name, 'PortalError');
      assert.equal(e.apiError ?? error, error);
      const w = portalWordsFor(e.codeName);
      assert.ok(w && w[0].length > 10 && w[1].length > 10, `${status} ${error} → ${e.codeName} has words`);
      assert.match(errorExplain(e).title, /portal/);
      seen.add(e.codeName);
    }
    if (status === 401) assert.equal(login.codeName, 'LOGIN_REFUSED');
    if (error === 'RATE_LIMITED') assert.equal(login.retryAfterMs, 4000);
  }
  // A 401 on a signed request: expired and ended sessions have their own words.
  assert.ok(seen.has('SESSION_EXPIRED') && seen.has('SESSION_ENDED'));
  // Nothing answering (a network failure, a page served elsewhere) and not logged in.
  const down = portalHttpsClient({ fetch: async () => { throw new TypeError('Failed to fetch'); } });
  assert.equal((await down.login('eddie', 'x').catch((e) => e)).codeName, 'UNAVAILABLE');
  assert.equal(await down.isReachable(), false);
  assert.equal((await down.identity().catch((e) => e)).codeName, 'LOGGED_OUT');
  for (const code of ['UNAVAILABLE', 'LOGGED_OUT']) assert.ok(portalWordsFor(code));
});
