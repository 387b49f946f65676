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

// The emergency reset's one-time password could not be opened (otp.js).
export class OtpError extends Error {
  constructor(codeName, message) {
    super(message);
    this.name = 'OtpError';
    this.codeName = codeName;  // 'OTP_UNREADABLE' or 'OTP_MALFORMED'
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

// The portal's refusals (docs/portal-api.md "Errors"), as core/portal-https.js names them:
// the API's names, but a 401 told apart by what was asked (LOGIN_REFUSED, SESSION_EXPIRED,
// SESSION_ENDED), LOGGED_OUT before any login, and UNAVAILABLE when nothing answers.
const PORTAL_WORDS = {
  UNAVAILABLE: ['The portal is not reachable from this page.',
    'Signed actions need the portal: open this app from your portal, then log in.'],
  LOGGED_OUT: ['You are not logged in to the portal.', 'Log in at the top of the page, then try again.'],
  LOGIN_REFUSED: ['The portal did not accept this user name and password.',
    'Check both (they are case-sensitive) and try again. After 3 failed tries the portal makes you wait ' +
    'a little longer each time; if you forgot the password, ask an organisation administrator to set a new one.'],
  SESSION_EXPIRED: ['Your portal session has expired (a login lasts 8 hours).',
    'Log in again at the top of the page, then start the action again: nothing was changed on the server.'],
  SESSION_ENDED: ['The portal ended your session: you logged out elsewhere, your password was changed, or ' +
    'your user was removed.', 'Log in again; if the portal refuses, ask an organisation administrator.'],
  ROLE_FORBIDDEN: ['The portal says your role may not do this.',
    'Ask an organisation administrator for a role that allows it, or ask a colleague who has one.'],
  NOT_OWNER: ['The portal says your organisation does not own this server, or it is not claimed on the portal yet.',
    'Claim it on the portal first (admin pages, Claim: activation code, machine type and serial number), ' +
    'or finish the ownership transfer.'],
  RATE_LIMITED: ['The portal refuses further attempts for a while.', 'Wait the time shown, then try again.'],
  NOT_FOUND: ['The portal does not know this server or user.',
    'Check that you are logged in to the right organisation.'],
  INVALID_STATE: ['The portal says a step before this one is missing (for a transfer: the receiving ' +
    'organisation has not accepted it yet).', 'Finish the step the portal names below, then try again.'],
  WRONG_DEVICE: ['The portal does not recognise this server or board.',
    "For a new motherboard, a maintenance user records the board's QR code on the portal first; otherwise " +
    "check the server's machine type and serial number."],
  BAD_SIGNATURE: ['The portal could not verify that the challenge came from this server: it may not be genuine.',
    "Stop, and report it with the server's machine type and serial number."],
  EXPIRED: ['The portal says the request expired.', 'Start the action again.'],
  BAD_REQUEST: ['The portal did not understand the request.',
    'Reload the page and try again; if it persists, report it.'],
  TOO_LARGE: ['The request was too large for the portal.', 'Try again; if it persists, report it.'],
  INTERNAL: ['The portal failed; nothing was changed.', 'Try again in a minute; if it persists, report it.'],
};

const OTP_WORDS = {
  OTP_UNREADABLE: ['The server reset the password, but the one-time password it sent does not open on this ' +
    'phone: it was not sealed for this phone, this server and this command, or it was altered on the way.',
  'Do the emergency reset again from this phone to get a new one-time password; if it happens again, report it.'],
  OTP_MALFORMED: ['The server reset the password, but sent a one-time password this app cannot read.',
    'Do the emergency reset again; if it happens again, the app and the server firmware do not match: report it.'],
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
  } else if (err instanceof OtpError) {
    entry = OTP_WORDS[err.codeName];
    title = `The one-time password could not be read (${err.codeName})`;
  }
  const [what, next] = entry ?? FALLBACK;
  return { title: title ?? 'Error', what, next, retryAfterMs: err?.retryAfterMs ?? 0 };
}

// Every ErrorCode but ERROR_NONE has words (the test walks the generated enum).
export function errorWordsFor(codeName) {
  return DEVICE_WORDS[codeName] ?? null;
}

// The portal refusals the page has words for (the test checks each against the API's list).
export function portalWordsFor(codeName) {
  return PORTAL_WORDS[codeName] ?? null;
}
