// SPDX-License-Identifier: GPL-2.0-or-later
// A portal and a running virtual server for the web tests, made with the simulator's own
// command line as a person would (docs/simulator.md): `portal init`, orgs and users,
// `server up` (svcport-bmcd + svcportd on ble-sim: and unix:, each waited for on its ready
// fd), and `server down` at the end. Binaries come from ctest's environment.
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { env } from './env.mjs';

export const MT = '7D1A';

export function simRun(args) {
  return new Promise((resolve, reject) => {
    execFile(env('SVCPORT_SIM'), ['--json', ...args], (err, stdout, stderr) => {
      let out = {};
      try { out = JSON.parse(stdout); } catch { /* no JSON */ }
      if (err) reject(new Error(`svcport-sim ${args.join(' ')}: ${out.error_detail ?? stderr}`));
      else resolve(out);
    });
  });
}

export function bmcctl(world, ...args) {
  return new Promise((resolve, reject) => {
    execFile(env('SVCPORT_BMCCTL'), ['--admin-socket', path.join(world.srv, 'admin.sock'), ...args],
      (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout)));
  });
}

// sn: the server's serial number; gatewayArgs: more svcportd options.
// links: more svcportd links (tty:PATH).
export async function worldUp(sn, { gatewayArgs = ['--rate', '1000', '--burst', '1000'], links = [] } = {}) {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'svcport-web-'));
  // As root the gateway runs as svcport or nobody: it must reach srv/bmcd.sock.
  await fs.chmod(tmp, 0o711);
  const w = { tmp, portal: path.join(tmp, 'portal'), srv: path.join(tmp, 'srv'), sn };
  const p = ['portal', '--portal', w.portal];
  await simRun([...p, 'init']);
  await simRun([...p, 'org', 'add', 'acme']);
  await simRun([...p, 'org', 'add', 'beta']);
  for (const [u, org, role] of [['alice', 'acme', 'org-admin'], ['eddie', 'acme', 'edge-user'],
    ['mona', 'acme', 'maintenance'], ['bob', 'acme', 'base'], ['zed', 'beta', 'org-admin']]) {
    await simRun([...p, 'user', 'add', u, '--org', org, '--role', role]);
  }
  const up = await simRun(['server', 'up', '--dir', w.srv, '--portal', w.portal, '--mt', MT, '--sn', sn,
    ...gatewayArgs.flatMap((a) => ['--gateway-arg', a]), ...links.flatMap((l) => ['--link', l])]);
  w.code = up.activation_code;
  w.bmcdPid = up.bmcd_pid;
  w.ble = path.join(w.srv, 'ble.sock');
  w.usb = path.join(w.srv, 'usb.sock');
  return w;
}

export async function portalClaim(w, org = 'acme') {
  await simRun(['portal', '--portal', w.portal, 'claim', '--org', org, '--mt', MT, '--sn', w.sn, '--code', w.code]);
}

export async function portalDevice(w) {
  const out = await simRun(['portal', '--portal', w.portal, 'device', 'show', '--mt', MT, '--sn', w.sn]);
  return out;
}

export async function worldDown(w) {
  if (!w) return;
  await simRun(['server', 'down', '--dir', w.srv]).catch(() => {});
  if (!process.env.SVCPORT_TEST_KEEP) await fs.rm(w.tmp, { recursive: true, force: true });
}
