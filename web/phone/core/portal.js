// SPDX-License-Identifier: GPL-2.0-or-later
// The portal as the phone sees it: who is logged in, a challenge in → a signed command out,
// a receipt in. Every signed action goes through one object of this shape:
//
//   name                      for people ('portal at https://...')
//   identity()                → { user, org, role } (role: 'org-admin' | 'edge-user' |
//                               'maintenance' | 'base'), the logged-in user
//   sign(req)                 → Uint8Array, an encoded SignedCommand; req:
//       action                'claim' | 'activate' | 'emergency-reset' | 'key-update' |
//                             'promote' | 'transfer' | 'sensors'
//       challenge             Uint8Array, the encoded Challenge as the device sent it
//       devicePublicKey       key-update: the new board's public key (65 bytes)
//       sensors               sensors: { intrusion, motion, steps }
//       forceChain            send the signer chain even if the device lists the signer
//   receipt(bytes)            → { status }, hands the device's DeviceReceipt to the portal
// Refusals throw PortalError (errors.js) with the portal's code.
//
// The portal's HTTPS JSON API is issue 14's and does not exist yet: until it lands, a page
// opened on its own has no portal (portalUnavailable) and does only what needs none (device
// information, the activation code over USB). The tests plug in a client of the same shape
// that signs with `svcport-sim portal sign` (tests/web/lib/portal-cli.mjs).
import { PortalError } from './errors.js';

export const portalUnavailable = {
  name: 'no portal',
  isAvailable: false,
  async identity() {
    throw new PortalError('UNAVAILABLE', 'no portal service is reachable from this page');
  },
  async sign() {
    throw new PortalError('UNAVAILABLE', 'no portal service is reachable from this page');
  },
  async receipt() {
    throw new PortalError('UNAVAILABLE', 'no portal service is reachable from this page');
  },
};

let current = portalUnavailable;
const listeners = new Set();

// The page's portal. The HTTPS client of issue 14 is set here once it exists.
export function portalClientGet() {
  return current;
}

export function portalClientSet(client) {
  for (const m of ['identity', 'sign', 'receipt']) {
    if (typeof client?.[m] !== 'function') throw new TypeError(`a portal client needs ${m}()`);
  }
  current = client;
  listeners.forEach((fn) => fn(client));
}

// fn(client) after every portalClientSet (the page redraws what the new user may do).
export function portalOnChange(fn) {
  listeners.add(fn);
}
