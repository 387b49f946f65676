// SPDX-License-Identifier: GPL-2.0-or-later
// Writes the one-time password box vectors (docs/interfaces.md) to stdout,
// computed with WebCrypto only (no mbedTLS): node gen-pwbox.mjs > pwbox-v1.txt
// Fresh keys and nonces each run; the committed file is one such run.
import { webcrypto as wc } from 'node:crypto';

const s = wc.subtle;
const hex = (b) => Buffer.from(b).toString('hex');
const b64u = (b) => Buffer.from(b).toString('base64url');
const fromB64u = (t) => new Uint8Array(Buffer.from(t, 'base64url'));
const enc = new TextEncoder();

async function keypair() {
  const k = await s.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
  const jwk = await s.exportKey('jwk', k.privateKey);
  const pub = new Uint8Array(await s.exportKey('raw', k.publicKey));
  return { priv: fromB64u(jwk.d), pub, key: k.privateKey };
}

function aad(mt, sn, nonce) {
  const m = enc.encode(mt), n = enc.encode(sn);
  return new Uint8Array([m.length, ...m, n.length, ...n, ...nonce]);
}

async function one(mt, sn, secret) {
  const req = await keypair(), dev = await keypair();
  const nonce = wc.getRandomValues(new Uint8Array(16));
  const devPub = await s.importKey('raw', dev.pub, { name: 'ECDH', namedCurve: 'P-256' }, false, []);
  const z = new Uint8Array(await s.deriveBits({ name: 'ECDH', public: devPub }, req.key, 256));
  const info = new Uint8Array([...enc.encode('svcport pwbox v1'), ...req.pub, ...dev.pub]);
  const ikm = await s.importKey('raw', z, 'HKDF', false, ['deriveBits']);
  const okm = new Uint8Array(await s.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: nonce, info }, ikm, 44 * 8));
  const key = await s.importKey('raw', okm.slice(0, 32), 'AES-GCM', false, ['encrypt']);
  const a = aad(mt, sn, nonce);
  const ct = new Uint8Array(await s.encrypt(
    { name: 'AES-GCM', iv: okm.slice(32, 44), additionalData: a, tagLength: 128 }, key,
    enc.encode(secret)));
  return [
    `requester_priv = ${hex(req.priv)}`, `requester_pub = ${hex(req.pub)}`,
    `device_priv = ${hex(dev.priv)}`, `device_pub = ${hex(dev.pub)}`,
    `machine_type = ${mt}`, `serial_number = ${sn}`, `nonce = ${hex(nonce)}`,
    `secret = ${secret}`, `z = ${hex(z)}`, `okm = ${hex(okm)}`, `aad = ${hex(a)}`,
    `ciphertext = ${hex(ct)}`,
  ].join('\n');
}

const cases = [
  ['7D1A', 'J900DEMO', 'K7QX-M2TR-9HWC-4PZD'],
  ['7X21', 'BENCH0001', 'ABCDEFGHJKMNPQRSTVWXYZ0123456789'],
  ['1', '2', ''],
];
const out = ['# svcport one-time password box, version 1 (docs/interfaces.md).',
  '# Generated with WebCrypto by tests/vectors/gen-pwbox.mjs; hex unless text.'];
for (const c of cases) out.push('', await one(...c));
console.log(out.join('\n'));
