// SPDX-License-Identifier: GPL-2.0-or-later
// THE BOUNDARY for the emergency reset's one-time password (issue 13, not written yet).
//
// Issue 13 makes the signed EmergencyPasswordReset carry the phone's ephemeral P-256 public
// key and the BMC answer with a fresh one-time password encrypted to it (ECDH + HKDF-SHA256
// + AES-GCM). The exact construction — point encoding, HKDF salt and info, the associated
// data, the new schema fields — is to be specified in docs/interfaces.md with test vectors,
// and this module implements it with WebCrypto once it is. Nothing here guesses it: both
// functions refuse, and the reset flow does not call them until the schema has the fields.
//
//   otpKeyPairCreate()              → { publicKey: Uint8Array (for the portal to sign into
//                                     the command), privateKey: CryptoKey (never exported) }
//   otpDecrypt(privateKey, result)  → the one-time password, shown once and never stored
export class OtpNotSpecifiedError extends Error {
  constructor() {
    super('the one-time password encryption is not specified yet (issue 13)');
    this.name = 'OtpNotSpecifiedError';
  }
}

export async function otpKeyPairCreate() {
  throw new OtpNotSpecifiedError();
}

export async function otpDecrypt() {
  throw new OtpNotSpecifiedError();
}
