// SPDX-License-Identifier: GPL-2.0-or-later
// svcportd's https: link (docs/gateway.md "https:") with real processes: svcport-bmcd and
// svcportd (`server up`, an https: link on 127.0.0.1 serving bmcd's own --link-dir export),
// the portal service, and as clients: `svcport-sim app --link https:` (libsvcport-client
// through its bridge), curl, node:https, and the web app's https transport
// (web/phone/transports/https.js) with the protocol core unchanged. Each rejection is checked
// to change nothing: the BMC's state files are the same bytes before and after.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createWriteStream, promises as fs } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { after, before, test } from 'node:test';

import { appImport, env } from './lib/env.mjs';
import { httpsFetchWithCa } from './lib/https-fetch.mjs';
import { httpsPortOf, linkDirMake } from './lib/linkdir.mjs';
import { unixStreamPort } from './lib/ports.mjs';
import { MT, portalAs, portalClaim, worldDown, worldUp } from './lib/world.mjs';

const { httpsPortOpen } = await appImport('transports/https.js');
const { sessionOpen } = await appImport('core/session.js');
const { activationCode, deviceInfo, signedAction } = await appImport('core/flows.js');
const { create, fromBinary, pb, toBinary } = await appImport('core/proto.js');

let w;
before(async () => {
  w = await worldUp('J900HTTP', { https: true });
  await portalClaim(w);
});
after(async () => { await worldDown(w); });

function run(file, args, input) {
  return new Promise((resolve) => {
    const p = execFile(file, args, { encoding: 'buffer' }, (err, stdout, stderr) => resolve({
      code: err ? err.code ?? 1 : 0, stdout, stderr: stderr.toString() }));
    if (input) p.stdin.end(input);
  });
}

const app = (...args) => run(env('SVCPORT_SIM'), ['--json', 'app', '--link', `https:127.0.0.1:${new URL(w.httpsUrl).port}`,
  '--link-ca', w.linkCa, ...args]);
const frame = (id, request) => toBinary(pb.FrameSchema, create(pb.FrameSchema, { id, msg: { case: 'request', value: { body: request } } }));
const answer = (bytes) => fromBinary(pb.FrameSchema, new Uint8Array(bytes));
const post = (p, body, headers = {}) => w.linkFetch(`${w.httpsUrl}${p}`, { method: 'POST', body, headers });

// The BMC's state, byte for byte (state, audit log, secure element): a refusal must leave it
// as it was.
async function bmcState(dir = path.join(w.srv, 'state')) {
  const out = [];
  for (const e of (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...await bmcState(p));
    else out.push([p, (await fs.readFile(p)).toString('hex')]);
  }
  return out;
}

test('svcport-sim app over https: claims and activates the server with the portal', async () => {
  const claim = await app('--user', 'alice', '--portal', w.portal, 'claim');
  assert.equal(claim.code, 0, claim.stdout.toString() + claim.stderr);
  const r = await app('--user', 'eddie', '--portal', w.portal, 'activate');
  assert.equal(r.code, 0, r.stdout.toString() + r.stderr);
  const out = JSON.parse(r.stdout.toString());
  assert.equal(out.link, 'https');
  assert.equal(out.portal_status, 'activated');
  const info = JSON.parse((await app('info')).stdout.toString());
  assert.equal(info.lockdown_state, 'ACTIVE');
});

test('curl: GetDeviceInfo in one POST /v1/frame', async () => {
  const tmp = path.join(w.tmp, 'req.bin');
  await fs.writeFile(tmp, frame(7, { case: 'getDeviceInfo', value: {} }));
  const r = await run('curl', ['-sS', '--fail', '--cacert', w.linkCa, '--data-binary', `@${tmp}`,
    '-H', 'Content-Type: application/x-protobuf', `${w.httpsUrl}/v1/frame`]);
  assert.equal(r.code, 0, r.stderr);
  const f = answer(r.stdout);
  assert.equal(f.id, 7);
  assert.equal(f.msg.value.body.case, 'deviceInfo');
  assert.equal(f.msg.value.body.value.device.serialNumber, w.sn);
  assert.equal(f.msg.value.body.value.device.machineType, MT);
  // attack16h L3: the session's open and close are logged with the laptop's address. The
  // one-shot session is freed from the loop right after its answer: another request's whole
  // round trip (a new connection and handshake) comes after that.
  assert.equal((await post('/v1/frame', frame(8, { case: 'ping', value: {} }))).status, 200);
  const log = await fs.readFile(path.join(w.srv, 'svcportd.log'), 'utf8');
  const id = log.match(/session (\d+) https:[^ ]+: id 7: GetDeviceInfo relayed/)[1];
  assert.match(log, new RegExp(`session ${id} https:[^ ]+: open \\(presence no\\) from 127\\.0\\.0\\.1`));
  assert.match(log, new RegExp(`session ${id} https:[^ ]+: closed, from 127\\.0\\.0\\.1`));
});

test('a client that does not trust the certificate is refused: curl, node, another CA', async () => {
  const plain = await run('curl', ['-sS', `${w.httpsUrl}/v1/frame`, '--data-binary', 'x']);
  assert.equal(plain.code, 60, plain.stderr); // SSL certificate problem
  const other = await linkDirMake(path.join(w.tmp, 'other'), { cn: 'Someone else' });
  await assert.rejects(httpsFetchWithCa(await fs.readFile(other.ca), { fresh: true })(`${w.httpsUrl}/v1/frame`, { method: 'POST', body: 'x' }),
    (e) => /self[- ]signed|unable to verify|certificate/i.test(e.message));
  const r = await run(env('SVCPORT_SIM'), ['app', '--link', `https:127.0.0.1:${new URL(w.httpsUrl).port}`, '--link-ca', other.ca, 'info']);
  assert.notEqual(r.code, 0);
});

test('GetActivationCode is refused PRESENCE_REQUIRED: the network is never presence', async () => {
  const before = await bmcState();
  const r = await post('/v1/frame', frame(9, { case: 'getActivationCode', value: {} }));
  assert.equal(r.status, 200);
  const f = answer(await r.arrayBuffer());
  assert.equal(f.msg.value.body.case, 'error');
  assert.equal(f.msg.value.body.value.code, pb.ErrorCode.PRESENCE_REQUIRED);
  const cli = await app('--expect-error', 'PRESENCE_REQUIRED', 'activation-code');
  assert.equal(cli.code, 0, cli.stdout.toString());
  assert.deepEqual(await bmcState(), before);
  // attack16h I2: bmcd's log names the network link.
  assert.match(await fs.readFile(path.join(w.srv, 'bmcd.log'), 'utf8'),
    /link=net GetActivationCode -> PRESENCE_REQUIRED/);
});

test('bad requests: oversize, garbage, empty, wrong method, wrong path, other origin', async () => {
  const before = await bmcState();
  const big = await post('/v1/frame', new Uint8Array(8193));
  assert.equal(big.status, 413);
  const garbage = answer(await (await post('/v1/frame', new Uint8Array([0xff, 0xff, 0xff, 0x01]))).arrayBuffer());
  assert.equal(garbage.msg.value.body.value.code, pb.ErrorCode.BAD_REQUEST);
  assert.equal((await post('/v1/frame', new Uint8Array(0))).status, 400);
  const get = await w.linkFetch(`${w.httpsUrl}/v1/frame`, { method: 'GET' });
  assert.equal(get.status, 405);
  assert.equal(get.headers.allow, 'POST');
  assert.equal((await w.linkFetch(`${w.httpsUrl}/v1/sessions`, { method: 'GET' })).status, 405);
  assert.equal((await post('/index.html', 'x')).status, 404);
  assert.equal((await post(`/v1/sessions/${'0'.repeat(32)}/frames`, frame(1, { case: 'ping', value: {} }))).status, 404);
  assert.equal((await post('/v1/frame', frame(1, { case: 'ping', value: {} }), { Origin: 'https://evil.example' })).status, 403);
  const ok = await post('/v1/frame', frame(1, { case: 'ping', value: {} }), { Origin: w.portalUrl });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers['access-control-allow-origin'], w.portalUrl);
  assert.deepEqual(await bmcState(), before);
});

// Opens n TLS connections from localAddress that finish their handshake; resolves with the
// sockets.
function tlsOpen(n, localAddress = '127.0.0.1') {
  const { port } = new URL(w.httpsUrl);
  return Promise.all(Array.from({ length: n }, () => new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, localAddress, servername: undefined, ca: [w.caPem] }, () => resolve(s));
    s.once('error', reject);
  })));
}

// Ends a connection and resolves once the server closed its side too: by then it no longer
// counts it (the gateway frees a connection before its FIN goes out).
const tlsClose = (s) => new Promise((resolve) => { s.once('close', resolve); s.end(); });

// attack16h M1: one address holds at most 6 of the link's 16 connections (a browser's
// own limit per host), so no one address (a slowloris) takes every slot.
// Re-attack F1: three addresses took all 16 again. Now a newcomer that finds the link full
// pushes out a waiting connection of the address holding the most, if that is more than its
// own address holds; otherwise it is refused.
test('too many connections: 6 per address; when full, the biggest holder gives one up', async () => {
  w.caPem = await fs.readFile(w.linkCa);
  const held = await tlsOpen(6);
  await assert.rejects(tlsOpen(1)); // a seventh from 127.0.0.1
  held.push(...await tlsOpen(6, '127.0.0.2'), ...await tlsOpen(4, '127.0.0.3'));
  // The 17th, from an address holding none: one of 127.0.0.1's or 127.0.0.2's goes.
  const gone = Promise.race(held.slice(0, 12).map((s, i) => new Promise((r) => s.once('close', () => r(i)))));
  const [newcomer] = await tlsOpen(1, '127.0.0.5');
  const i = await gone;
  held.splice(i, 1);
  held.push(newcomer);
  await Promise.all(held.map(tlsClose));
  // Four addresses holding four each: a fifth from one of them is refused, one from a fifth
  // address pushes out the one that waited longest (127.0.0.1's first).
  const four = [];
  for (const a of ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4']) {
    for (let k = 0; k < 4; k++) four.push(...await tlsOpen(1, a));
  }
  await assert.rejects(tlsOpen(1, '127.0.0.2'));
  const first = new Promise((r) => four[0].once('close', r));
  four.push(...await tlsOpen(1, '127.0.0.5'));
  await first;
  await Promise.all(four.slice(1).map(tlsClose));
});

// attack16h L1: a second events GET of a session (its client lost the first) is never
// refused 409: it replaces the waiting one, which is answered 204.
test('a new events poll of a session replaces the waiting one', async () => {
  const token = await (await post('/v1/sessions', undefined)).text();
  assert.equal((await post(`/v1/sessions/${token}/frames`, frame(1, { case: 'ping', value: {} }))).status, 200);
  const events = `${w.httpsUrl}/v1/sessions/${token}/events`;
  const polls = [w.linkFetch(events), w.linkFetch(events)];
  const first = await Promise.race(polls);
  assert.equal(first.status, 204);
  assert.equal((await w.linkFetch(`${w.httpsUrl}/v1/sessions/${token}`, { method: 'DELETE' })).status, 204);
  assert.deepEqual((await Promise.all(polls)).map((r) => r.status).sort(), [204, 410]);
});

test('session slots: network peers cannot take every slot nor lock a USB peer out', async () => {
  const tokens = [];
  for (;;) {
    const r = await post('/v1/sessions', undefined);
    if (r.status !== 201) {
      assert.equal(r.status, 503);
      assert.equal(r.headers['retry-after'], '1');
      break;
    }
    tokens.push(await r.text());
  }
  assert.equal(tokens.length, 3); // max-sessions 4: one kind holds at most 3
  const usb = await sessionOpen(await unixStreamPort(w.usb));
  assert.equal((await deviceInfo(usb)).device.serialNumber, w.sn);
  await usb.close();
  for (const t of tokens) {
    assert.equal((await w.linkFetch(`${w.httpsUrl}/v1/sessions/${t}`, { method: 'DELETE' })).status, 204);
  }
  assert.equal((await post(`/v1/sessions/${tokens[0]}/frames`, frame(1, { case: 'ping', value: {} }))).status, 404);
});

test('the web app\'s https transport: the protocol core reads the server and acts with the portal', async () => {
  const s = await sessionOpen(await httpsPortOpen({ base: w.httpsUrl, fetch: w.linkFetch }));
  assert.equal(s.linkInfo.device.serialNumber, w.sn);
  const di = await deviceInfo(s);
  assert.equal(di.lockdownState, pb.LockdownState.LOCKDOWN_ACTIVE);
  await assert.rejects(activationCode(s), (e) => e.codeName === 'PRESENCE_REQUIRED');
  const r = await signedAction(s, await portalAs(w, 'alice'), 'sensors', { sensors: { intrusion: true, motion: false, steps: 0 } });
  assert.ok(r.receipt);
  await s.close();
});

// On a copy of bmcd's export served by a second svcportd (the world's link keeps bmcd's own).
test('new link credentials are used from the next handshake; a half-written pair keeps the old one', async () => {
  const dir = path.join(w.tmp, 'swap-link');
  await fs.mkdir(dir, { mode: 0o755 });
  for (const f of ['link.key', 'link-chain.pem']) {
    await fs.copyFile(path.join(w.linkDir, f), path.join(dir, f));
    await fs.chmod(path.join(dir, f), 0o644); // tests only: the gateway's user reads them
  }
  const gw = await gatewayOnBmcdExport({ name: 'gw7', linkDir: dir });
  try {
    const url = `https://127.0.0.1:${gw.port}/v1/frame`;
    const bmcFetch = httpsFetchWithCa(await fs.readFile(w.linkCa), { fresh: true });
    assert.equal((await bmcFetch(url, { method: 'POST', body: frame(1, { case: 'ping', value: {} }) })).status, 200);
    const fresh = await linkDirMake(path.join(w.tmp, 'fresh'), { cn: 'BMC internal CA 2' });
    const freshFetch = httpsFetchWithCa(await fs.readFile(fresh.ca), { fresh: true });
    // The key of another pair beside the running chain, as between bmcd's two renames
    // (link.key first, docs/certs.md): the link keeps serving the old pair, and says so.
    await fs.copyFile(path.join(fresh.dir, 'link.key'), path.join(dir, 'link.key.tmp'));
    await fs.rename(path.join(dir, 'link.key.tmp'), path.join(dir, 'link.key'));
    assert.equal((await bmcFetch(url, { method: 'POST', body: frame(2, { case: 'ping', value: {} }) })).status, 200);
    await assert.rejects(freshFetch(url, { method: 'POST', body: frame(3, { case: 'ping', value: {} }) }));
    const sc = (cafile) => run('openssl', ['s_client', '-connect', `127.0.0.1:${gw.port}`, '-CAfile', cafile,
      '-verify_return_error', '-verify_ip', '127.0.0.1', '-brief'], Buffer.from(''));
    const kept = await sc(w.linkCa);
    assert.equal(kept.code, 0, kept.stderr);
    const log = await fs.readFile(path.join(gw.dir, 'svcportd.log'), 'utf8');
    assert.match(log, /keeping the previous link certificate: link\.key does not match/);
    assert.doesNotMatch(log, /refusing connections/);
    // Its chain too: served at once, from the new CA only.
    await fs.copyFile(path.join(fresh.dir, 'link-chain.pem'), path.join(dir, 'link-chain.pem.tmp'));
    await fs.rename(path.join(dir, 'link-chain.pem.tmp'), path.join(dir, 'link-chain.pem'));
    const r = await freshFetch(url, { method: 'POST', body: frame(4, { case: 'ping', value: {} }) });
    assert.equal(r.status, 200);
    await assert.rejects(bmcFetch(url, { method: 'POST', body: frame(5, { case: 'ping', value: {} }) }));
    assert.notEqual((await sc(w.linkCa)).code, 0);
    assert.equal((await sc(fresh.ca)).code, 0);
  } finally {
    await gatewayStop(gw);
  }
});

// Nothing ever loaded (a mismatched pair from the start): nothing to keep, the link refuses.
test('a link whose first pair does not match refuses connections', async () => {
  const dir = path.join(w.tmp, 'bad-link');
  await fs.mkdir(dir, { mode: 0o755 });
  const fresh = await linkDirMake(path.join(w.tmp, 'fresh-bad'), { cn: 'BMC internal CA 3' });
  await fs.copyFile(path.join(fresh.dir, 'link.key'), path.join(dir, 'link.key'));
  await fs.copyFile(path.join(w.linkDir, 'link-chain.pem'), path.join(dir, 'link-chain.pem'));
  for (const f of ['link.key', 'link-chain.pem']) await fs.chmod(path.join(dir, f), 0o644);
  const gw = await gatewayOnBmcdExport({ name: 'gw8', linkDir: dir });
  try {
    const bmcFetch = httpsFetchWithCa(await fs.readFile(w.linkCa), { fresh: true });
    await assert.rejects(bmcFetch(`https://127.0.0.1:${gw.port}/v1/frame`,
      { method: 'POST', body: frame(1, { case: 'ping', value: {} }) }));
    const log = await fs.readFile(path.join(gw.dir, 'svcportd.log'), 'utf8');
    assert.match(log, /refusing connections: link\.key does not match/);
  } finally {
    await gatewayStop(gw);
  }
});

// A second svcportd on the same bmcd, its https: link serving what bmcd itself exported to
// the server's link dir (`server up` passes bmcd --link-dir DIR/link, docs/certs.md), as the
// world's gateway user. Resolves with { url, proc, dir } once it is ready.
async function gatewayOnBmcdExport({ name = 'gw2', linkDir = path.join(w.srv, 'link'), more = [] } = {}) {
  const dir = path.join(w.tmp, name);
  await fs.mkdir(dir, { mode: 0o755 });
  const log = createWriteStream(path.join(dir, 'svcportd.log'));
  await new Promise((r) => log.once('open', r));
  const pid = (await fs.readFile(path.join(w.srv, 'svcportd.pid'), 'utf8')).trim();
  const uid = (await fs.readFile(`/proc/${pid}/status`, 'utf8')).match(/^Uid:\s+(\d+)/m)[1];
  const user = (await run('id', ['-nu', uid])).stdout.toString().trim();
  const proc = spawn(env('SVCPORT_SVCPORTD'), ['--config', '/dev/null', '--link', 'https:127.0.0.1:0',
    ...more, '--link-dir', linkDir, '--bmc-socket', path.join(w.srv, 'bmcd.sock'),
    '--ready-fd', '3', ...(process.getuid() === 0 ? ['--user', user] : [])],
  { stdio: ['ignore', log, log, 'pipe'] });
  await new Promise((resolve, reject) => {
    proc.stdio[3].once('data', resolve);
    proc.once('exit', (code) => reject(new Error(`svcportd exited ${code}: see ${dir}/svcportd.log`)));
  });
  const port = await httpsPortOf(dir);
  return { port, proc, dir };
}

test('bmcd\'s own export (DIR/link) is served: curl checks it against the BMC\'s internal CA', async () => {
  const gw = await gatewayOnBmcdExport();
  try {
    const chain = await fs.readFile(path.join(w.srv, 'link', 'link-chain.pem'), 'utf8');
    const certs = chain.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g);
    assert.equal(certs.length, 2); // the link certificate, then the internal CA
    const ca = path.join(gw.dir, 'bmc-ca.pem');
    await fs.writeFile(ca, `${certs[1]}\n`);
    // bmcd names the virtual server's management addresses (127.0.0.1, ::1, localhost:
    // DIR/net/mgmt-addresses) in the link certificate's SANs (docs/certs.md).
    const req = path.join(gw.dir, 'req.bin');
    await fs.writeFile(req, frame(11, { case: 'getDeviceInfo', value: {} }));
    const r = await run('curl', ['-sS', '--fail', '--cacert', ca,
      '--data-binary', `@${req}`, `https://127.0.0.1:${gw.port}/v1/frame`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(answer(r.stdout).msg.value.body.value.device.serialNumber, w.sn);
    // Another CA (not the BMC's) is refused.
    const otherCa = (await linkDirMake(path.join(gw.dir, 'other'), { cn: 'Someone else' })).ca;
    const other = await run('curl', ['-sS', '--cacert', otherCa,
      '--data-binary', `@${req}`, `https://127.0.0.1:${gw.port}/v1/frame`]);
    assert.equal(other.code, 60, other.stderr);
  } finally {
    const gone = new Promise((r) => gw.proc.once('exit', r));
    gw.proc.kill('SIGTERM');
    await gone;
  }
});

// The BMC's internal CA (the last certificate of bmcd's exported chain), written to dir.
async function bmcCaWrite(dir) {
  const chain = await fs.readFile(path.join(w.srv, 'link', 'link-chain.pem'), 'utf8');
  const certs = chain.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g);
  const ca = path.join(dir, 'bmc-ca.pem');
  await fs.writeFile(ca, `${certs[certs.length - 1]}\n`);
  return ca;
}

async function gatewayStop(gw) {
  const gone = new Promise((r) => gw.proc.once('exit', r));
  gw.proc.kill('SIGTERM');
  await gone;
}

// openssl s_client against the running link: the chain verifies to bmcd's internal CA
// for the address 127.0.0.1 (-verify_return_error: any verify error fails the
// handshake); trusting only another CA, it fails.
test('openssl s_client verifies svcportd\'s https: link to the BMC\'s internal CA', async () => {
  const gw = await gatewayOnBmcdExport({ name: 'gw5' });
  try {
    const ca = await bmcCaWrite(gw.dir);
    const sc = (cafile) => run('openssl', ['s_client', '-connect', `127.0.0.1:${gw.port}`, '-CAfile', cafile,
      '-verify_return_error', '-verify_ip', '127.0.0.1', '-brief'], Buffer.from(''));
    const ok = await sc(ca);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /Verification: OK/);
    const other = await sc((await linkDirMake(path.join(gw.dir, 'other'), { cn: 'Someone else' })).ca);
    assert.notEqual(other.code, 0);
    assert.match(other.stderr, /verify error|unable to get local issuer/i);
  } finally {
    await gatewayStop(gw);
  }
});

// attack16h M1: evhttp's read timeout restarts at every byte; a request must arrive whole
// within --message-timeout of the accept, however slowly it trickles.
test('a request trickled a byte at a time is cut at the whole-request deadline', async () => {
  const gw = await gatewayOnBmcdExport({ name: 'gw4', more: ['--message-timeout', '2s'] });
  try {
    const ca = await fs.readFile(await bmcCaWrite(gw.dir));
    const s = await new Promise((resolve, reject) => {
      const c = tls.connect({ host: '127.0.0.1', port: gw.port, ca: [ca] }, () => resolve(c));
      c.once('error', reject);
    });
    s.on('error', () => {});
    const text = `POST /v1/frame HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ${'a'.repeat(150)}\r\n`;
    let sent = 0;
    const trickle = setInterval(() => { if (sent < text.length) s.write(text[sent++]); }, 100);
    await new Promise((r) => s.once('close', r));
    clearInterval(trickle);
    // Closed while it trickled (a byte every 100 ms, far inside the read timeout).
    assert.ok(sent < text.length, `closed only after all ${sent} bytes`);
    const log = await fs.readFile(path.join(gw.dir, 'svcportd.log'), 'utf8');
    assert.match(log, /no whole request within 2000 ms; closed/);
  } finally {
    await gatewayStop(gw);
  }
});

// attack16h M3: a laptop that changes its address within its /24 stays the peer that
// failed: the gateway answers RATE_LIMITED itself (bmcd is not asked).
test('back-off by prefix: a new address in the same /24 is still backed off', async () => {
  const gw = await gatewayOnBmcdExport({ name: 'gw6' });
  try {
    const ca = await bmcCaWrite(gw.dir);
    const req = path.join(gw.dir, 'code.bin');
    await fs.writeFile(req, frame(9, { case: 'getActivationCode', value: {} }));
    const from = async (addr) => answer((await run('curl', ['-sS', '--fail', '--cacert', ca, '--interface', addr,
      '--data-binary', `@${req}`, `https://127.0.0.1:${gw.port}/v1/frame`])).stdout).msg.value.body.value;
    let e;
    for (let i = 0; i < 8 && (e = await from('127.0.0.1')).code !== pb.ErrorCode.RATE_LIMITED; i++) {
      assert.equal(e.code, pb.ErrorCode.PRESENCE_REQUIRED);
    }
    assert.equal(e.code, pb.ErrorCode.RATE_LIMITED);
    // A new address would have 3 free failures; in the same /24 it has none (should the
    // 1 s block end before it asks, its failure blocks the prefix again).
    const moved = [];
    for (let i = 0; i < 3 && moved.at(-1)?.code !== pb.ErrorCode.RATE_LIMITED; i++) moved.push(await from('127.0.0.9'));
    assert.equal(moved.at(-1).code, pb.ErrorCode.RATE_LIMITED, JSON.stringify(moved));
    assert.match(moved.at(-1).detail, /back-off/);
  } finally {
    await gatewayStop(gw);
  }
});

// attack16n M2: with no link credentials, every accepted connection would be a plain one
// that no TLS cap counts; the link stops accepting for a second after each, so a flood
// of bare TCP connections cannot use up the gateway's descriptors (the technician's
// links need them).
test('no link credentials: a flood of plain connections is not accepted, the cable still works', async () => {
  const empty = path.join(w.tmp, 'empty-link');
  await fs.mkdir(empty, { mode: 0o755 });
  const usbPath = path.join(w.tmp, 'gw3-usb.sock');
  const gw = await gatewayOnBmcdExport({ name: 'gw3', linkDir: empty, more: ['--link', `unix:${usbPath}`] });
  const fds = async () => (await fs.readdir(`/proc/${gw.proc.pid}/fd`)).length;
  const socks = [];
  try {
    const before = await fds();
    for (let i = 0; i < 100; i++) {
      socks.push(await new Promise((resolve, reject) => {
        const c = net.connect({ host: '127.0.0.1', port: gw.port }, () => { c.write('x'); resolve(c); });
        c.once('error', reject);
      }));
    }
    // A request over the cable goes through the gateway's loop, which has then run its
    // listener's callback for every connection waiting in the backlog.
    const usb = await sessionOpen(await unixStreamPort(usbPath));
    assert.equal((await deviceInfo(usb)).device.serialNumber, w.sn);
    await usb.close();
    const grown = (await fds()) - before;
    assert.ok(grown < 10, `svcportd holds ${grown} more descriptors after 100 plain connects`);
  } finally {
    for (const c of socks) c.destroy();
    const gone = new Promise((r) => gw.proc.once('exit', r));
    gw.proc.kill('SIGTERM');
    await gone;
  }
});
