// SPDX-License-Identifier: GPL-2.0-or-later
// What a technician does with a server, as steps over a session (session.js) and a portal
// client (portal.js): device information, the activation code over USB, and the signed
// actions of DESIGN §4.2 (challenge → portal signature → submit → receipt to the portal).
// progress({ step, text }) reports each step; errors are DeviceError / LinkError /
// PortalError (errors.js).
import { LinkError } from './errors.js';
import { fromBinary, pb, toBinary } from './proto.js';

// DESIGN §4.3 and §4.4: who may do what, and what needs a cable in the service port.
export const ACTIONS = {
  claim: { label: 'Claim for my organisation', roles: ['org-admin', 'edge-user'] },
  activate: { label: 'Activate (unlock)', roles: ['org-admin', 'edge-user'] },
  'emergency-reset': { label: 'Emergency password reset', roles: ['maintenance'], presence: true },
  'key-update': { label: 'Device-key update (new motherboard)', roles: ['maintenance'] },
  promote: { label: 'Promote to portal control', roles: ['org-admin'] },
  transfer: { label: 'Transfer ownership', roles: ['org-admin'] },
  sensors: { label: 'Tamper sensors', roles: ['org-admin'] },
};

// protoc-gen-es drops the enum's own prefix from Action's values (ACTION_CLAIM → CLAIM).
const ACTION_OF = {
  claim: pb.Action.CLAIM,
  activate: pb.Action.ACTIVATE,
  'emergency-reset': pb.Action.EMERGENCY_PASSWORD_RESET,
  'key-update': pb.Action.DEVICE_KEY_UPDATE,
  promote: pb.Action.PROMOTE_TO_PORTAL_CONTROL,
  transfer: pb.Action.TRANSFER_OWNERSHIP,
  sensors: pb.Action.CONFIGURE_SENSORS,
};

export function actionsForRole(role) {
  return Object.keys(ACTIONS).filter((a) => ACTIONS[a].roles.includes(role));
}

export async function deviceInfo(session, { withCertificate = false } = {}) {
  return session.client.expect({ case: 'getDeviceInfo', value: { includeCertificate: withCertificate } },
    'deviceInfo');
}

// The secure activation code printed on the server, read over the service port (needs
// physical presence: USB; PRESENCE_REQUIRED over Bluetooth).
export async function activationCode(session) {
  const r = await session.client.expect({ case: 'getActivationCode', value: {} }, 'activationCode');
  return r.code;
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

// Key update: the QR code on the new board carries SHA-256 of its public key. Checked here
// before the portal is asked, so a technician at the wrong board learns it at once (the
// portal and the BMC check it again).
async function checkBoard(di, qrKeySha256, sha256) {
  if (!qrKeySha256) return;
  if (di.devicePublicKey.length !== 65) throw new LinkError('UNEXPECTED', 'the board sent no public key');
  const got = hex(await sha256(di.devicePublicKey));
  if (got !== qrKeySha256.toLowerCase().replace(/[^0-9a-f]/g, '')) {
    throw new LinkError('NOT_THIS_BOARD', `the board's key hash is ${got}`);
  }
}

async function submit(session, commandBytes, progress) {
  const command = fromBinary(pb.SignedCommandSchema, commandBytes);
  progress({ step: 'submit', text: 'Sending the signed command to the server' });
  return session.client.expect({ case: 'submitCommand', value: { command } }, 'commandResult');
}

// The emergency reset's one-time password (DESIGN §4.7): sealed to the key the portal signed
// into the command, bound to the command's device and nonce. null when the server sent none
// (firmware before the one-time password: the reset set the factory default instead).
async function oneTimePassword(result, signed, pair, otp) {
  if (!result.oneTimePassword) return null;
  const body = fromBinary(pb.CommandBodySchema, fromBinary(pb.SignedCommandSchema, signed).body);
  return otp.open(pair, result.oneTimePassword, { machineType: body.device?.machineType ?? '',
    serialNumber: body.device?.serialNumber ?? '', nonce: body.nonce });
}

// The signed actions. params: sensors ({ intrusion, motion, steps }) for 'sensors';
// qrKeySha256 (hex) for 'key-update'. options.sha256(bytes) → Uint8Array (WebCrypto);
// options.otp: { keyPairCreate(), open(pair, sealed, binding) } (otp.js), for the emergency
// reset: its public key goes to the portal, which signs it into the command.
// Returns { receipt: ReceiptBody, portal: { status }, di: DeviceInfo before the action,
// oneTimePassword: the reset's password, or null }.
export async function signedAction(session, portal, action, params = {}, progress = () => {}, options = {}) {
  if (!ACTION_OF[action]) throw new TypeError(`unknown action ${action}`);
  progress({ step: 'device', text: 'Reading the server' });
  const keyUpdate = action === 'key-update';
  const di = await deviceInfo(session, { withCertificate: keyUpdate });
  if (keyUpdate) await checkBoard(di, params.qrKeySha256, options.sha256);
  const pair = action === 'emergency-reset' && options.otp ? await options.otp.keyPairCreate() : null;

  progress({ step: 'challenge', text: 'Asking the server for a challenge' });
  const challenge = await session.client.expect({ case: 'getChallenge', value: {} }, 'challenge');
  const challengeBytes = toBinary(pb.ChallengeSchema, challenge);
  const req = {
    action,
    challenge: challengeBytes,
    devicePublicKey: keyUpdate ? di.devicePublicKey : undefined,
    ephemeralPublicKey: pair?.publicKey,
    sensors: params.sensors,
  };
  progress({ step: 'portal', text: 'The portal signs the command' });
  let signed = await portal.sign(req);
  let result;
  try {
    result = await submit(session, signed, progress);
  } catch (e) {
    // The BMC evicted the signer named by fingerprint: the chain is checked before the
    // nonce (DESIGN §4.2), so the same challenge is still good; sign it with the chain.
    if (e.codeName !== 'UNTRUSTED_SIGNER' || req.forceChain) throw e;
    progress({ step: 'portal', text: 'The server asks for the signer certificate: signing again with it' });
    signed = await portal.sign({ ...req, forceChain: true });
    result = await submit(session, signed, progress);
  }
  const receiptBytes = toBinary(pb.DeviceReceiptSchema, result.receipt);
  const receipt = fromBinary(pb.ReceiptBodySchema, result.receipt.body);
  progress({ step: 'receipt', text: 'Handing the receipt to the portal' });
  const portalAnswer = await portal.receipt(receiptBytes);
  // After the receipt: the reset happened whether or not its password opens here.
  const password = pair ? await oneTimePassword(result, signed, pair, options.otp) : null;
  progress({ step: 'done', text: 'Done' });
  return { receipt, portal: portalAnswer, di, oneTimePassword: password };
}
