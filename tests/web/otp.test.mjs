// SPDX-License-Identifier: GPL-2.0-or-later
// web/phone/otp.js, the emergency reset's one-time password with WebCrypto, against the
// vectors of docs/interfaces.md (tests/vectors/pwbox-v1.txt, made by WebCrypto alone; bmcd's
// mbedTLS side meets the same vectors in test-pwbox): each vector opens to its secret, and a
// changed byte, another key, another device or another nonce are refused, as are boxes of the
// wrong shape. WebCrypto is Node's (Node 18 has no global crypto): the same SubtleCrypto API
// the page uses.
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { test } from 'node:test';

import { appImport, env } from './lib/env.mjs';

const { otpKeyPairCreate, otpOpen } = await appImport('otp.js');
const subtle = webcrypto.subtle;
const opt = { subtle };

const hex = (h) => Uint8Array.from(Buffer.from(h, 'hex'));
const b64u = (u8) => Buffer.from(u8).toString('base64url');

// "key = value" blocks separated by blank lines; # comments.
async function vectors() {
  const text = await fs.readFile(env('SVCPORT_PWBOX_VECTORS'), 'utf8');
  return text.split(/\n\s*\n/).map((block) => Object.fromEntries(block.split('\n')
    .filter((l) => l.includes(' = ') || l.endsWith(' =')).map((l) => {
      const i = l.indexOf(' =');
      return [l.slice(0, i), l.slice(i + 2).trim()];
    }))).filter((v) => v.requester_priv);
}

// The vector's requester key pair, as the page holds it: a non-extractable ECDH CryptoKey.
async function pairOf(v) {
  const pub = hex(v.requester_pub);
  const jwk = { kty: 'EC', crv: 'P-256', d: b64u(hex(v.requester_priv)), x: b64u(pub.subarray(1, 33)),
    y: b64u(pub.subarray(33, 65)), ext: false };
  const privateKey = await subtle.importKey('jwk', jwk, { name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
  return { publicKey: pub, privateKey };
}

const sealedOf = (v) => ({ devicePublicKey: hex(v.device_pub), ciphertext: hex(v.ciphertext) });
const bindingOf = (v) => ({ machineType: v.machine_type, serialNumber: v.serial_number, nonce: hex(v.nonce) });

async function refused(code, p) {
  await assert.rejects(p, (e) => {
    assert.equal(e.name, 'OtpError');
    assert.equal(e.codeName, code, e.message);
    return true;
  });
}

test('each vector opens to its secret', async () => {
  const all = await vectors();
  assert.equal(all.length, 3);
  for (const v of all) {
    assert.equal(await otpOpen(await pairOf(v), sealedOf(v), bindingOf(v), opt), v.secret ?? '');
  }
});

test('a changed byte anywhere in the box is refused', async () => {
  const [v] = await vectors();
  const pair = await pairOf(v);
  const sealed = sealedOf(v);
  for (let i = 0; i < sealed.ciphertext.length; i++) {
    const ct = sealed.ciphertext.slice();
    ct[i] ^= 0x01;
    await refused('OTP_UNREADABLE', otpOpen(pair, { ...sealed, ciphertext: ct }, bindingOf(v), opt));
  }
  // The device's key: another point (its ECDH secret differs) or no point at all.
  for (const i of [1, 40, 64]) {
    const dp = sealed.devicePublicKey.slice();
    dp[i] ^= 0x01;
    await refused('OTP_UNREADABLE', otpOpen(pair, { ...sealed, devicePublicKey: dp }, bindingOf(v), opt));
  }
});

test('another key, another device, another command: refused', async () => {
  const [v, w] = await vectors();
  const sealed = sealedOf(v);
  // Another phone's key, and the right private key under another public key (the HKDF info).
  await refused('OTP_UNREADABLE', otpOpen(await otpKeyPairCreate(opt), sealed, bindingOf(v), opt));
  await refused('OTP_UNREADABLE', otpOpen({ ...(await pairOf(v)), publicKey: hex(w.requester_pub) }, sealed,
    bindingOf(v), opt));
  const pair = await pairOf(v);
  await refused('OTP_UNREADABLE', otpOpen(pair, sealed, { ...bindingOf(v), machineType: '7D1B' }, opt));
  await refused('OTP_UNREADABLE', otpOpen(pair, sealed, { ...bindingOf(v), serialNumber: 'J900DEMP' }, opt));
  await refused('OTP_UNREADABLE', otpOpen(pair, sealed, { ...bindingOf(v), nonce: hex(w.nonce) }, opt));
  // Another vector's box under this key.
  await refused('OTP_UNREADABLE', otpOpen(pair, sealedOf(w), bindingOf(w), opt));
});

test('boxes of the wrong shape are refused before any crypto', async () => {
  const [v] = await vectors();
  const pair = await pairOf(v);
  const sealed = sealedOf(v);
  const b = bindingOf(v);
  await refused('OTP_MALFORMED', otpOpen(pair, { ...sealed, devicePublicKey: sealed.devicePublicKey.subarray(1) }, b, opt));
  await refused('OTP_MALFORMED', otpOpen(pair, { ...sealed, ciphertext: new Uint8Array(15) }, b, opt));
  await refused('OTP_MALFORMED', otpOpen(pair, { ...sealed, ciphertext: new Uint8Array(49) }, b, opt));
  await refused('OTP_MALFORMED', otpOpen(pair, { ...sealed, devicePublicKey: undefined }, b, opt));
  await refused('OTP_MALFORMED', otpOpen(pair, sealed, { ...b, nonce: b.nonce.subarray(1) }, opt));
  await refused('OTP_MALFORMED', otpOpen(pair, sealed, { ...b, machineType: 'M'.repeat(256) }, opt));
});

test("the page's key pair: a 65-byte point to send, a private key that cannot leave", async () => {
  const pair = await otpKeyPairCreate(opt);
  assert.equal(pair.publicKey.length, 65);
  assert.equal(pair.publicKey[0], 0x04);
  assert.equal(pair.privateKey.extractable, false);
  await assert.rejects(subtle.exportKey('jwk', pair.privateKey));
  const other = await otpKeyPairCreate(opt);
  assert.notDeepEqual(other.publicKey, pair.publicKey);
});
