// SPDX-License-Identifier: GPL-2.0-or-later
// A portal and a running virtual server for the web tests, made with the simulator's own
// command line as a person would (docs/simulator.md): `portal init`, orgs and users with
// passwords, the portal service (`portal serve`, HTTPS, serving the assembled web app and the
// admin pages; waited for on its ready fd), `server up` (svcport-bmcd + svcportd on ble-sim:
// and unix:, each waited for on its ready fd), and all of it stopped at the end. Binaries
// come from ctest's environment.
import { execFile, spawn } from 'node:child_process';
import { createWriteStream, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { appImport, env } from './env.mjs';
import { httpsFetchWithCa } from './https-fetch.mjs';
import { httpsPortOf } from './linkdir.mjs';

const { portalHttpsClient } = await appImport('core/portal-https.js');

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

// Every user's password in the tests (the portal's own tests use the same rule).
export const passwordOf = (user) => `${user}-password-1`;

// The portal service on 127.0.0.1 (any free port), its CA downloaded as an operator would
// (`portal https download`): w.portalUrl, w.caFile, w.fetch (trusts that CA only).
async function portalServe(w) {
  const log = createWriteStream(path.join(w.tmp, 'portal-serve.log'));
  await new Promise((r) => log.once('open', r));
  w.portalProc = spawn(env('SVCPORT_SIM'), ['portal', '--portal', w.portal, 'serve', '--listen', '127.0.0.1:0',
    '--ready-fd', '3', '--phone-root', env('SVCPORT_WEB_APP'), '--web-root', env('SVCPORT_PORTAL_WEB')],
  { stdio: ['ignore', log, log, 'pipe'] });
  const port = await new Promise((resolve, reject) => {
    w.portalProc.stdio[3].once('data', (d) => resolve(parseInt(d.toString(), 10)));
    w.portalProc.once('exit', (code) => reject(new Error(`portal serve exited ${code}: see ${log.path}`)));
  });
  w.portalUrl = `https://127.0.0.1:${port}`;
  w.caFile = path.join(w.tmp, 'portal-ca.pem');
  await simRun(['portal', '--portal', w.portal, 'https', 'download', '--out', w.caFile]);
  w.fetch = httpsFetchWithCa(await fs.readFile(w.caFile));
}

// The page's HTTPS portal client (web/phone/core/portal-https.js), logged in as user: once
// per user and world, as a technician logs in once (each login costs the portal's PBKDF2).
export async function portalAs(w, user) {
  w.logins ??= new Map();
  if (!w.logins.has(user)) {
    const c = portalHttpsClient({ fetch: w.fetch, base: w.portalUrl });
    await c.login(user, passwordOf(user));
    w.logins.set(user, c);
  }
  return w.logins.get(user);
}

// sn: the server's serial number; gatewayArgs: more svcportd options.
// links: more svcportd links (tty:PATH). server: false for the portal alone (no daemons).
// The BMC administrator's initial password, from the board's label (the factory folder's
// admin-password): there is no universal default (issue 13).
export async function labelPassword(w) {
  return (await fs.readFile(path.join(w.srv, 'factory', 'admin-password'), 'utf8')).trim();
}

// https: true adds svcportd's https: link on 127.0.0.1 (any free port) serving what bmcd itself
// exports to the server's link dir (srv/link: `server up` passes bmcd --link-dir and
// --mgmt-addresses 127.0.0.1, ::1, localhost; docs/certs.md), the portal's origin allowed
// (CORS): w.httpsUrl, w.linkDir, w.linkCa (the BMC's internal CA, the chain's last
// certificate), w.linkFetch.
export async function worldUp(sn, { gatewayArgs = ['--rate', '1000', '--burst', '1000'], links = [], server = true, https = false } = {}) {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'svcport-web-'));
  // As root the gateway runs as svcport or nobody: it must reach srv/bmcd.sock.
  await fs.chmod(tmp, 0o711);
  const w = { tmp, portal: path.join(tmp, 'portal'), srv: path.join(tmp, 'srv'), sn, server };
  const p = ['portal', '--portal', w.portal];
  await simRun([...p, 'init']);
  await simRun([...p, 'org', 'add', 'acme']);
  await simRun([...p, 'org', 'add', 'beta']);
  const userAdd = async ([u, org, role]) => {
    const pw = path.join(tmp, `${u}.pw`);
    await fs.writeFile(pw, `${passwordOf(u)}\n`, { mode: 0o600 });
    await simRun([...p, 'user', 'add', u, '--org', org, '--role', role, '--password-file', pw]);
  };
  // The https: link allows the portal's origin, so the portal serves first.
  const portalUp = https ? await portalServe(w).then(() => ({})) : null;
  if (https) {
    w.linkDir = path.join(w.srv, 'link');
    links = [...links, 'https:127.0.0.1:0'];
    gatewayArgs = [...gatewayArgs, '--link-dir', w.linkDir, '--https-allow-origin', w.portalUrl];
  }
  // Side by side (each password costs the portal's PBKDF2; SQLite serialises the writes).
  const serverUp = server ? simRun(['server', 'up', '--dir', w.srv, '--portal', w.portal, '--mt', MT, '--sn', sn,
    ...gatewayArgs.flatMap((a) => ['--gateway-arg', a]), ...links.flatMap((l) => ['--link', l])]) : {};
  const started = await Promise.allSettled([serverUp, portalUp ?? portalServe(w), ...[['alice', 'acme', 'org-admin'],
    ['eddie', 'acme', 'edge-user'], ['mona', 'acme', 'maintenance'], ['bob', 'acme', 'base'],
    ['zed', 'beta', 'org-admin']].map(userAdd)]);
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    await worldDown(w); // nothing left running behind a failed start
    throw failed.reason;
  }
  const up = started[0].value;
  w.code = up.activation_code;
  w.bmcdPid = up.bmcd_pid;
  w.ble = path.join(w.srv, 'ble.sock');
  w.usb = path.join(w.srv, 'usb.sock');
  if (https) {
    w.httpsUrl = `https://127.0.0.1:${await httpsPortOf(w.srv)}`;
    const chain = await fs.readFile(path.join(w.linkDir, 'link-chain.pem'), 'utf8');
    const certs = chain.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g);
    w.linkCa = path.join(tmp, 'bmc-ca.pem');
    await fs.writeFile(w.linkCa, `${certs.at(-1)}\n`);
    w.linkFetch = httpsFetchWithCa(await fs.readFile(w.linkCa), { fresh: true });
  }
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
  if (w.server) await simRun(['server', 'down', '--dir', w.srv]).catch(() => {});
  if (w.portalProc && w.portalProc.exitCode === null) {
    const gone = new Promise((r) => w.portalProc.once('exit', r));
    w.portalProc.kill('SIGTERM');
    await gone;
  }
  if (!process.env.SVCPORT_TEST_KEEP) await fs.rm(w.tmp, { recursive: true, force: true });
}
