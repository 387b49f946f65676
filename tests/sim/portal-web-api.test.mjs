// SPDX-License-Identifier: GPL-2.0-or-later
// web/portal/api.js against a real `svcport-sim portal serve`: Node's https
// with the downloaded certificate as its only trust (no certificate error
// ignored), node:test as the runner. SVCPORT_SIM names the simulator.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Portal, PortalError } from '../../web/portal/api.js';
import { httpsFetchWithCa } from '../web/lib/https-fetch.mjs';

const sim = process.env.SVCPORT_SIM;
const dir = mkdtempSync(join(tmpdir(), 'svcport-web-'));
const pdir = join(dir, 'portal');
let server;
let base;
let fetchWithCa;
let code;

function cli(...args) {
  return execFileSync(sim, ['portal', '--portal', pdir, '--json', ...args], { encoding: 'utf8' });
}

before(async () => {
  cli('init');
  cli('org', 'add', 'acme');
  writeFileSync(join(dir, 'pw'), 'alice-password-1\n');
  cli('user', 'add', 'alice', '--org', 'acme', '--role', 'org-admin', '--password-file', join(dir, 'pw'));
  code = JSON.parse(cli('device', 'manufacture', '--mt', '7D1W', '--sn', 'WEB1', '--out',
    join(dir, 'factory'))).activation_code;
  server = spawn(sim, ['portal', '--portal', pdir, 'serve', '--listen', '127.0.0.1:0', '--ready-fd', '3'],
    { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  const port = await new Promise((resolve, reject) => {
    server.stdio[3].once('data', (d) => resolve(parseInt(d.toString(), 10)));
    server.once('exit', (code) => reject(new Error(`portal serve exited ${code}`)));
  });
  cli('https', 'download', '--out', join(dir, 'ca.pem'));
  fetchWithCa = httpsFetchWithCa(readFileSync(join(dir, 'ca.pem')));
  base = `https://127.0.0.1:${port}`;
});

after(async () => {
  if (server) {
    const done = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await done;
  }
  rmSync(dir, { recursive: true, force: true });
});

async function refused(promise, code) {
  await assert.rejects(promise, (e) => e instanceof PortalError && e.code === code);
}

test('log in, list devices, manage users, log out', async () => {
  const p = new Portal(fetchWithCa, base);
  await refused(p.login('alice', 'wrong-password'), 'UNAUTHENTICATED');
  const r = await p.login('alice', 'alice-password-1');
  assert.equal(r.actor.org, 'acme');
  assert.deepEqual((await p.devices()).devices, []);
  await p.addUser('carol', 'base');
  await p.setRole('carol', 'edge-user');
  const users = (await p.users()).users.map((u) => `${u.user}:${u.role}`);
  assert.deepEqual(users, ['alice:org-admin', 'carol:edge-user']);
  await p.removeUser('carol');
  await p.logout();
  p.token = 'A'.repeat(43);
  p.actor = r.actor;
  await refused(p.devices(), 'UNAUTHENTICATED');
});

test('claims: a wrong code, a bad CSV header, per-row results', async () => {
  const p = new Portal(fetchWithCa, base);
  await p.login('alice', 'alice-password-1');
  await refused(p.claim('7D1W', 'WEB1', 'AAAA-BBBB-CCCC-DDDD'), 'WRONG_CODE');
  await refused(p.claimsCsv('MT,SN\n7D1W,WEB1\n'), 'BAD_REQUEST');
  const r = await p.claimsCsv('MT,SN,CODE\n7D1W,NOPE,AAAA\n');
  assert.equal(r.failed, 1);
  assert.equal(r.rows[0].result, 'WRONG_CODE');
  const audit = (await p.audit()).records.map((a) => a.action);
  assert.ok(audit.includes('device.claim'));
});

test('manual activation: another organisation\'s device, a mistyped challenge', async () => {
  const p = new Portal(fetchWithCa, base);
  await p.login('alice', 'alice-password-1');
  await refused(p.manualActivate('7D1W', 'WEB1', '4K7Q1-M2XRA-9ZP3K'), 'NOT_OWNER');
  cli('claim', '--org', 'acme', '--mt', '7D1W', '--sn', 'WEB1', '--code', code);
  await assert.rejects(p.manualActivate('7D1W', 'WEB1', '00000-00000-00001'),
    (e) => e instanceof PortalError && e.code === 'BAD_REQUEST' && /group 3/.test(e.detail));
  const audit = (await p.audit()).records.map((a) => a.action);
  assert.ok(audit.includes('device.manual_activate'));
});
