// SPDX-License-Identifier: GPL-2.0-or-later
// The https: link's credentials for the tests, as bmcd's --link-dir export lays them out
// (docs/gateway.md "https:"): link.key (P-256) and link-chain.pem (the link certificate for
// 127.0.0.1, then the internal CA that issued it), made with openssl; ca.pem beside them is
// the CA alone, what a laptop trusts. Readable by the gateway's unprivileged user.
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';

function openssl(args, cwd) {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { cwd }, (err, stdout, stderr) => (err ? reject(new Error(`openssl ${args[0]}: ${stderr}`)) : resolve(stdout)));
  });
}

// Makes dir with a fresh CA (named cn) and link certificate; returns { dir, ca }.
export async function linkDirMake(dir, { cn = 'BMC internal CA', san = 'IP:127.0.0.1' } = {}) {
  await fs.mkdir(dir, { recursive: true, mode: 0o755 });
  await fs.chmod(dir, 0o755);
  const ec = ['-name', 'prime256v1', '-genkey', '-noout'];
  await openssl(['ecparam', ...ec, '-out', 'ca.key'], dir);
  await openssl(['req', '-x509', '-new', '-key', 'ca.key', '-subj', `/CN=${cn}`, '-days', '30', '-out', 'ca.pem'], dir);
  await openssl(['ecparam', ...ec, '-out', 'link.key.new'], dir);
  await openssl(['req', '-new', '-key', 'link.key.new', '-subj', '/CN=7D1A-LINK', '-out', 'link.csr'], dir);
  await fs.writeFile(path.join(dir, 'link.ext'), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
  await openssl(['x509', '-req', '-in', 'link.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', '1',
    '-days', '30', '-extfile', 'link.ext', '-out', 'link.pem'], dir);
  const chain = (await fs.readFile(path.join(dir, 'link.pem'), 'utf8')) + (await fs.readFile(path.join(dir, 'ca.pem'), 'utf8'));
  await fs.writeFile(path.join(dir, 'link-chain.pem.new'), chain, { mode: 0o644 });
  await fs.chmod(path.join(dir, 'link.key.new'), 0o644); // tests only: bmcd's export is 0640, group svcport
  await fs.rename(path.join(dir, 'link.key.new'), path.join(dir, 'link.key'));
  await fs.rename(path.join(dir, 'link-chain.pem.new'), path.join(dir, 'link-chain.pem'));
  return { dir, ca: path.join(dir, 'ca.pem') };
}

// The port svcportd bound for https:ADDR:0, from the line it logs before it is ready.
export async function httpsPortOf(srv) {
  const log = await fs.readFile(path.join(srv, 'svcportd.log'), 'utf8');
  const m = log.match(/link https:[^ ]+: listening on [^ ]+ port (\d+)/);
  if (!m) throw new Error(`no https: link in ${srv}/svcportd.log`);
  return parseInt(m[1], 10);
}
