// SPDX-License-Identifier: GPL-2.0-or-later
// What went wrong, for the technician: every ErrorCode of DESIGN §3 and every failure of the
// link or the portal in plain words, with what to do next. The code alone is enough.

// A device (gateway or BMC) refused with an Error response.
export class DeviceError extends Error {
  constructor(code, name, detail, retryAfterMs) {
    super(`${name}${detail ? `: ${detail}` : ''}`);
    this.name = 'DeviceError';
    this.code = code;          // pb.ErrorCode value
    this.codeName = name;      // 'RATE_LIMITED', ...
    this.detail = detail;      // for engineers; never needed by a user
    this.retryAfterMs = retryAfterMs;
  }
}

// The link failed (no answer, disconnected, a framing rule broken by the device).
export class LinkError extends Error {
  constructor(codeName, message) {
    super(message);
    this.name = 'LinkError';
    this.codeName = codeName;  // 'TIMEOUT', 'DISCONNECTED', 'LINK_PROTOCOL', 'TOO_LARGE', ...
  }
}

// The portal refused or could not be reached.
export class PortalError extends Error {
  constructor(codeName, message) {
    super(message);
    this.name = 'PortalError';
    this.codeName = codeName;
  }
}

// One entry per ErrorCode (proto/svcport.proto): what happened, and what to do next.
const DEVICE_WORDS = {
  BAD_REQUEST: ['The server did not understand the request.',
    'Reload the page and try again; if it persists, the app and the server firmware do not match: report it.'],
  UNSUPPORTED_VERSION: ['The app and the server speak different protocol versions.',
    'Update the app (reload the page) or the server firmware.'],
  TOO_LARGE: ['The message was too large for this server.',
    'Try again; if it persists, report it with the server model.'],
  LINK_PROTOCOL: ['The connection garbled a message.',
    'Try again; move closer to the server or reseat the cable.'],
  RATE_LIMITED: ['Too many attempts in a short time.',
    'Wait the time shown, then try again.'],
  BMC_UNAVAILABLE: ["The server's management controller is not answering.",
    'Wait a minute and try again; if it persists, the management controller may need a restart.'],
  BAD_SIGNATURE: ["The command's signature is not valid: it was altered or forged.",
    'Ask the portal for a new command; do not reuse a saved one. Report it if it happens again.'],
  UNTRUSTED_SIGNER: ["The command was not signed by this server's portal.",
    'Check that you are logged in to the portal that owns this server.'],
  WRONG_DEVICE: ['The command is for another server.',
    'Check the machine type and serial number on the server, and start again from this server.'],
  NONCE_UNKNOWN: ['The command was already used, or its challenge expired.',
    'Start the action again: the app will ask the server for a new challenge.'],
  EXPIRED: ['The command has expired.',
    "Start the action again; if it persists, check the phone's clock."],
  ROLE_FORBIDDEN: ['Your role may not do this.',
    'Ask an organisation administrator for a role that allows it, or ask a colleague who has one.'],
  NOT_OWNER: ['Your organisation does not own this server.',
    'Claim it first, or finish the ownership transfer.'],
  INVALID_STATE: ['The server is not in a state that allows this.',
    'Read the device state below: it says what the server is waiting for.'],
  PRESENCE_REQUIRED: ['This needs you at the server.',
    "Plug a USB cable into the server's service port and connect over USB."],
  INTERNAL: ['The server failed; nothing was changed.',
    'Try again; if it persists, report it.'],
};

const LINK_WORDS = {
  TIMEOUT: ['The server did not answer.',
    'Stay close to the server (Bluetooth) or check the cable, then try again.'],
  DISCONNECTED: ['The connection to the server was lost.',
    'Connect again.'],
  NOT_CONNECTED: ['Not connected to a server.', 'Connect first.'],
  LINK_PROTOCOL: ['The server sent something this app could not read.',
    'Connect again; if it persists, report it.'],
  TOO_LARGE: ['The server sent a message larger than this app accepts.',
    'Connect again; if it persists, report it.'],
  UNEXPECTED: ['The server answered with something unexpected.',
    'Connect again; if it persists, the app and the server firmware do not match: report it.'],
  NOT_THIS_BOARD: ['This board is not the one whose QR code you scanned.',
    'Scan the QR code on the board you are connected to.'],
  CANCELLED: ['No server was chosen.', 'Connect again and pick the server in the list.'],
  WRITE_FAILED: ['The message could not be sent.', 'Connect again; stay close to the server or check the cable.'],
  UNSUPPORTED_VERSION: ['The app and the server speak different protocol versions.',
    'Update the app (reload the page) or the server firmware.'],
};

const PORTAL_WORDS = {
  UNAVAILABLE: ['The portal is not reachable from this page.',
    'Signed actions need the portal: open this app from your portal, then log in.'],
  ROLE_FORBIDDEN: ['The portal says your role may not do this.',
    'Ask an organisation administrator for a role that allows it.'],
  NOT_OWNER: ['The portal says your organisation does not own this server.',
    'Claim it on the portal first (activation code, machine type and serial number).'],
  RATE_LIMITED: ['The portal refuses further attempts for a while.', 'Wait, then try again.'],
  NOT_FOUND: ['The portal does not know this server or user.',
    'Check that you are logged in to the right organisation.'],
};

const FALLBACK = ['Something went wrong.', 'Try again; if it persists, report it.'];

// Plain words for any error this app raises: { title, what, next, retryAfterMs }.
export function errorExplain(err) {
  let entry;
  let title;
  if (err instanceof DeviceError) {
    entry = DEVICE_WORDS[err.codeName];
    title = `Refused by the server (${err.codeName})`;
  } else if (err instanceof LinkError) {
    entry = LINK_WORDS[err.codeName];
    title = `Connection problem (${err.codeName})`;
  } else if (err instanceof PortalError) {
    entry = PORTAL_WORDS[err.codeName];
    title = `Refused by the portal (${err.codeName})`;
  }
  const [what, next] = entry ?? FALLBACK;
  return { title: title ?? 'Error', what, next, retryAfterMs: err?.retryAfterMs ?? 0 };
}

// Every ErrorCode but ERROR_NONE has words (the test walks the generated enum).
export function errorWordsFor(codeName) {
  return DEVICE_WORDS[codeName] ?? null;
}
