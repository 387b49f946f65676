// SPDX-License-Identifier: GPL-2.0-or-later
// The emergency reset's one-time password (DESIGN §4.7; docs/interfaces.md "One-time password
// box"), with WebCrypto only. The phone makes an ephemeral P-256 key pair and sends the public
// key to the portal, which signs it into the command; the BMC seals a fresh password to it:
//
//   Z    = x-coordinate of ECDH(our private key, the device's ephemeral public key)  256 bits
//   OKM  = HKDF-SHA256(salt = the signed command's nonce, IKM = Z,
//                      info = "svcport pwbox v1" || our public key || device public key)  44 bytes
//   key  = OKM[0..32), iv = OKM[32..44)
//   AAD  = len(MT) || MT || len(SN) || SN || nonce   (lengths: one byte; MT and SN ASCII)
//   password = AES-256-GCM-decrypt(key, iv, AAD, ciphertext || tag(16)): at most 32 ASCII
//
// The private key is made non-extractable and used once; the password is shown once and
// never stored (app.js). Checked against the WebCrypto vectors of tests/vectors/pwbox-v1.txt
// (tests/web/otp.test.mjs); common/pwbox.c is bmcd's side of the same box.
import { OtpError } from './core/errors.js';

const INFO = new TextEncoder().encode('svcport pwbox v1');
const POINT_LEN = 65; // 0x04 || X || Y
const NONCE_LEN = 16;
const TAG_LEN = 16;
const SECRET_MAX = 32;
const EC = { name: 'ECDH', namedCurve: 'P-256' };

const subtleOf = (subtle) => subtle ?? globalThis.crypto?.subtle;
const isPoint = (p) => p instanceof Uint8Array && p.length === POINT_LEN && p[0] === 0x04;

// { publicKey: Uint8Array(65) for the portal's sign request, privateKey: CryptoKey (not
// extractable) }. subtle: a SubtleCrypto (default: the page's; Node 18 tests hand in theirs).
export async function otpKeyPairCreate({ subtle } = {}) {
  const s = subtleOf(subtle);
  const pair = await s.generateKey(EC, false, ['deriveBits']);
  return { publicKey: new Uint8Array(await s.exportKey('raw', pair.publicKey)), privateKey: pair.privateKey };
}

function aadOf(machineType, serialNumber, nonce) {
  const enc = new TextEncoder();
  const mt = enc.encode(machineType);
  const sn = enc.encode(serialNumber);
  if (mt.length > 255 || sn.length > 255) throw new OtpError('OTP_MALFORMED', 'machine type or serial number too long');
  return Uint8Array.from([mt.length, ...mt, sn.length, ...sn, ...nonce]);
}

function checkShape(pair, sealed, binding) {
  if (!isPoint(pair?.publicKey)) throw new OtpError('OTP_MALFORMED', 'our public key is not a P-256 point');
  if (!isPoint(sealed?.devicePublicKey)) throw new OtpError('OTP_MALFORMED', "the server's key is not a P-256 point");
  const n = sealed.ciphertext?.length ?? 0;
  if (n < TAG_LEN || n > TAG_LEN + SECRET_MAX) throw new OtpError('OTP_MALFORMED', `a sealed password of ${n} bytes`);
  if (binding?.nonce?.length !== NONCE_LEN) throw new OtpError('OTP_MALFORMED', 'the command nonce is not 16 bytes');
}

// Opens the box: pair from otpKeyPairCreate; sealed: CommandResult.one_time_password
// ({ devicePublicKey, ciphertext }); binding: the signed command's { machineType,
// serialNumber, nonce }. Returns the password (a string). Throws OtpError: OTP_MALFORMED (not
// a box's shape) or OTP_UNREADABLE (not sealed to this key, for this device and command, or
// altered on the way: AES-GCM's tag says so).
export async function otpOpen(pair, sealed, binding, { subtle } = {}) {
  checkShape(pair, sealed, binding);
  const s = subtleOf(subtle);
  const aad = aadOf(binding.machineType, binding.serialNumber, binding.nonce);
  let z = null;
  let okm = null;
  let plain = null;
  try {
    const device = await s.importKey('raw', sealed.devicePublicKey, EC, false, []);
    z = new Uint8Array(await s.deriveBits({ name: 'ECDH', public: device }, pair.privateKey, 256));
    const ikm = await s.importKey('raw', z, 'HKDF', false, ['deriveBits']);
    const info = Uint8Array.from([...INFO, ...pair.publicKey, ...sealed.devicePublicKey]);
    okm = new Uint8Array(await s.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: binding.nonce, info }, ikm, 44 * 8));
    const key = await s.importKey('raw', okm.subarray(0, 32), 'AES-GCM', false, ['decrypt']);
    plain = new Uint8Array(await s.decrypt({ name: 'AES-GCM', iv: okm.subarray(32, 44), additionalData: aad,
      tagLength: TAG_LEN * 8 }, key, sealed.ciphertext));
  } catch (e) {
    throw new OtpError('OTP_UNREADABLE', `the box does not open with this phone's key: ${e.message}`);
  } finally {
    z?.fill(0);
    okm?.fill(0);
  }
  try {
    if (plain.length > SECRET_MAX || plain.some((c) => c < 0x20 || c > 0x7e)) {
      throw new OtpError('OTP_MALFORMED', 'the password is not printable ASCII of at most 32 characters');
    }
    return String.fromCharCode(...plain);
  } finally {
    plain.fill(0);
  }
}
