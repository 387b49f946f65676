// SPDX-License-Identifier: GPL-2.0-or-later
// TEST ONLY: a portal client (web/phone/core/portal.js's interface) that signs with the
// portal's command line, `svcport-sim portal sign` / `portal receipt`, as the operator naming
// a --user. Used only where a test needs a FORGED command the portal service refuses to make
// (--forge-signature, --forge-untrusted, --forge-device, --forge-control, --skip-policy,
// --issued-offset/--validity): the BMC's own refusals. Everything else signs through the
// service, logged in (world.mjs portalAs, the page's core/portal-https.js).
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';

import { appImport, env } from './env.mjs';

const { PortalError } = await appImport('core/errors.js');

function sim(args) {
  return new Promise((resolve) => {
    execFile(env('SVCPORT_SIM'), ['--json', ...args], (err, stdout, stderr) => {
      let out = {};
      try { out = JSON.parse(stdout); } catch { /* a usage error prints no JSON */ }
      resolve({ ok: !err, out, stderr });
    });
  });
}

const ROLES = { alice: 'org-admin', eddie: 'edge-user', mona: 'maintenance', bob: 'base', zed: 'org-admin' };

// world: { portal, tmp } from world.mjs; user: a portal user; extra: more `portal sign`
// arguments (TEST ONLY forgeries, --validity, ...), to show what the BMC refuses.
export function portalCliClient(world, user, { org = 'acme', extra = [] } = {}) {
  let n = 0;
  const refuse = (r) => new PortalError(r.out.error ?? 'UNAVAILABLE', r.out.error_detail ?? r.stderr.trim());
  return {
    name: `svcport-sim portal CLI (${world.portal})`,
    async identity() { return { user, org, role: ROLES[user] ?? 'base' }; },
    async sign(req) {
      const base = path.join(world.tmp, `sign-${process.pid}-${++n}`);
      const args = ['portal', '--portal', world.portal, 'sign', '--user', user, '--action', req.action,
        '--challenge', `${base}.chal`, '--out', `${base}.cmd`, ...extra];
      await fs.writeFile(`${base}.chal`, req.challenge);
      if (req.devicePublicKey) {
        await fs.writeFile(`${base}.pub`, req.devicePublicKey);
        args.push('--device-pubkey', `${base}.pub`);
      }
      if (req.sensors) {
        const s = req.sensors;
        args.push('--sensors', `intrusion=${s.intrusion ? 'on' : 'off'},motion=${s.motion ? 'on' : 'off'}` +
          (s.steps ? `,steps=${s.steps}` : ''));
      }
      if (req.forceChain) args.push('--force-chain');
      const r = await sim(args);
      if (!r.ok) throw refuse(r);
      return new Uint8Array(await fs.readFile(`${base}.cmd`));
    },
    async receipt(bytes) {
      const file = path.join(world.tmp, `receipt-${process.pid}-${++n}`);
      await fs.writeFile(file, bytes);
      const r = await sim(['portal', '--portal', world.portal, 'receipt', file]);
      if (!r.ok) throw refuse(r);
      return { status: r.out.status, result: r.out.result };
    },
  };
}
