// SPDX-License-Identifier: GPL-2.0-or-later
// The page: connect, show the server, offer what the logged-in role may do, run it with
// progress, and say in plain words what went wrong and what to do next. The protocol is in
// core/ (no browser API there), the links in transports/.
import { errorExplain, LinkError, PortalError } from './core/errors.js';
import { ACTIONS, activationCode, actionsForRole, deviceInfo, signedAction } from './core/flows.js';
import { portalClientGet, portalClientSet, portalOnChange } from './core/portal.js';
import { portalHttpsClient } from './core/portal-https.js';
import { otpKeyPairCreate, otpOpen } from './otp.js';
import { pb } from './core/proto.js';
import { sessionOpen } from './core/session.js';
import { webBluetooth } from './transports/ble.js';
import { transportsList } from './transports/index.js';

const $ = (id) => document.getElementById(id);
const STEPS = { connect: 0, device: 1, challenge: 2, portal: 3, submit: 4, receipt: 5, done: 6 };

// The portal service that serves this page (same origin as its API), if it is one.
const https = portalHttpsClient({ fetch: globalThis.fetch.bind(globalThis), base: globalThis.location.origin });

let session = null;
let identity = null;
let busy = false;
let countdown = null;

function log(text) {
  const li = document.createElement('li');
  li.textContent = `${new Date().toLocaleTimeString()} ${text}`;
  $('log').append(li);
}

const enumName = (e, v, strip = '') => (e[v] ?? 'UNKNOWN').replace(strip, '');
const STATE_WORDS = { ACTIVE: 'Active (unlocked)', LOCKED: 'Locked: waiting for activation' };
const LED_WORDS = { ON: 'On (protected)', OFF: 'Off', BLINKING: 'Blinking (locked)' };
const CONTROL_WORDS = { BMC_MANAGED: 'Local administrator', PORTAL_MANAGED: 'Portal' };

function renderDevice(di) {
  const state = enumName(pb.LockdownState, di.lockdownState, 'LOCKDOWN_');
  const led = enumName(pb.SecurityLed, di.securityLed, 'LED_');
  const s = di.sensors ?? {};
  $('dev-id').textContent = di.hasIdentity ? `${di.device.machineType}-${di.device.serialNumber}`
    : 'A replacement board with no identity yet';
  $('dev-state').textContent = STATE_WORDS[state] ?? state;
  $('dev-state').dataset.value = state;
  $('dev-led').textContent = LED_WORDS[led] ?? led;
  $('dev-led').dataset.value = led;
  const ctl = enumName(pb.ControlMode, di.controlMode, 'CONTROL_');
  $('dev-control').textContent = CONTROL_WORDS[ctl] ?? ctl;
  $('dev-owner').textContent = di.ownerOrg || 'Nobody (not claimed)';
  $('dev-owner').dataset.value = di.ownerOrg;
  // Without physical presence the server does not say these (DeviceInfo.limited).
  const unsaid = 'Not said over this link: connect by USB';
  $('dev-sed').textContent = di.limited ? unsaid : di.sedEnabled ? 'Enabled' : 'Not enabled';
  $('dev-sensors').textContent = di.limited ? unsaid : [s.intrusionEnabled && 'intrusion',
    s.motionEnabled && `motion (${s.motionStepThreshold} steps)`].filter(Boolean).join(', ') || 'Off';
  $('dev-fw').textContent = di.limited ? unsaid : di.firmwareVersion || '–';
  $('device').hidden = false;
}

function renderStateChanged(ev) {
  if (ev.body.case !== 'stateChanged') return;
  const sc = ev.body.value;
  const state = enumName(pb.LockdownState, sc.lockdownState, 'LOCKDOWN_');
  const led = enumName(pb.SecurityLed, sc.securityLed, 'LED_');
  $('dev-state').textContent = STATE_WORDS[state] ?? state;
  $('dev-state').dataset.value = state;
  $('dev-led').textContent = LED_WORDS[led] ?? led;
  $('dev-led').dataset.value = led;
  log(`event: the server is now ${state}, LED ${led}`);
}

function progressShow(step, text) {
  $('progress-box').hidden = false;
  $('progress').value = STEPS[step] ?? 0;
  $('progress-text').textContent = text;
}

function progressLink(p) {
  if (p.step === 'sending' && p.total > 1) {
    $('progress-link').textContent = `Sending: part ${p.sent} of ${p.total}`;
  } else if (p.step === 'retry') {
    $('progress-link').textContent = `No clear answer (${p.why}): asking again`;
    log(`request ${p.id} (${p.request}) again: ${p.why}`);
  } else if (p.step === 'backoff') {
    $('progress-link').textContent = `The ${p.by} asks to wait ${(p.ms / 1000).toFixed(1)} s`;
    log(`${p.request}: ${p.by} asks to wait ${p.ms} ms`);
  } else if (p.step === 'sending') {
    $('progress-link').textContent = 'Waiting for the server';
  }
}

function resultShow(kind, title, what, next) {
  clearInterval(countdown);
  const box = $('result');
  box.hidden = false;
  box.className = kind;
  box.dataset.kind = kind;
  delete box.dataset.otp;
  $('result-title').textContent = title;
  $('result-what').textContent = what;
  $('result-next').textContent = next ?? '';
  $('result-secret').hidden = true;
  $('result-secret').textContent = '';
  $('result-detail').textContent = '';
}

function errorShow(err) {
  const e = errorExplain(err);
  resultShow('error', e.title, e.what, e.next);
  $('result').dataset.code = err?.codeName ?? '';
  log(`error: ${err?.codeName ?? ''} ${err?.message ?? err}`);
  if (err instanceof PortalError) {
    // The portal's own words are written for people (docs/portal-api.md); the device's
    // detail is for engineers and stays in the log. A refusal may mean the session ended or
    // the role changed: ask the portal who we are again and redraw what may be done.
    if (err.detail) $('result-detail').textContent = `The portal says: ${err.detail}`;
    renderPortal();
  }
  if (e.retryAfterMs > 0) {
    let left = Math.ceil(e.retryAfterMs / 1000);
    const tick = () => {
      $('result-next').textContent = left > 0 ? `${e.next} Try again in ${left} s.` : 'You can try again now.';
      left--;
    };
    tick();
    countdown = setInterval(() => (left < 0 ? clearInterval(countdown) : tick()), 1000);
  }
}

async function busyRun(what, fn) {
  if (busy) return;
  busy = true;
  document.querySelectorAll('main button').forEach((b) => { b.dataset.was = b.disabled; b.disabled = true; });
  $('result').hidden = true;
  $('progress-link').textContent = '';
  try {
    await fn();
  } catch (err) {
    errorShow(err);
  } finally {
    busy = false;
    $('progress-box').hidden = true;
    document.querySelectorAll('main button').forEach((b) => { b.disabled = b.dataset.was === 'true'; });
    log(`${what}: finished`);
  }
}

async function refresh() {
  renderDevice(await deviceInfo(session));
}

function sessionOptions() {
  return {
    onEvent: renderStateChanged,
    onProgress: progressLink,
    onClose: () => {
      log('the connection ended');
      session = null;
      $('link-line').textContent = 'Not connected.';
      $('device').hidden = true;
      $('actions').hidden = true;
    },
  };
}

async function connect(transport) {
  await busyRun(`connect over ${transport.name}`, async () => {
    progressShow('connect', `Connecting over ${transport.name}…`);
    if (session) await session.close();
    const address = transport.needsAddress ? $('https-address').value.trim() : undefined;
    const port = await transport.connect(address).catch((e) => {
      // The chooser closed without a choice.
      throw e?.name === 'NotFoundError' ? new LinkError('CANCELLED', e.message) : e;
    });
    session = await sessionOpen(port, sessionOptions());
    const li = session.linkInfo;
    $('link-line').textContent = `Connected over ${transport.name} to ${li.device?.machineType ?? '?'}-` +
      `${li.device?.serialNumber ?? '?'} (protocol ${li.protocolVersion}).`;
    $('link-line').dataset.transport = transport.name;
    log(`connected over ${transport.name} (${port.peer ?? ''})`);
    progressShow('device', 'Reading the server…');
    await refresh();
    renderActions();
  });
}

function renderTransports() {
  const box = $('transports');
  box.replaceChildren();
  for (const t of transportsList()) {
    const ok = t.isSupported();
    const b = document.createElement('button');
    b.type = 'button';
    b.id = t.id ?? (t.kind === 'gatt' ? 'connect-ble' : 'connect-usb');
    b.textContent = `Connect over ${t.name}`;
    b.disabled = ok !== true;
    b.addEventListener('click', () => connect(t));
    box.append(b);
    if (ok !== true) {
      const why = document.createElement('p');
      why.className = 'reason';
      why.textContent = ok;
      box.append(why);
    }
  }
  const ble = webBluetooth.isSupported();
  $('no-bluetooth').hidden = ble === true;
  if (ble !== true) $('no-bluetooth').textContent = ble;
}

async function renderPortal() {
  const portal = portalClientGet();
  identity = null;
  $('login-form').hidden = true;
  $('logout').hidden = true;
  try {
    identity = await portal.identity();
    $('portal-line').textContent = `Portal: ${identity.user} (${identity.role}) of ${identity.org}, ${portal.name}`;
    $('portal-line').dataset.user = identity.user;
    $('logout').hidden = portal !== https;
  } catch (err) {
    $('portal-line').dataset.user = '';
    if (portal === https) {
      $('portal-line').textContent = 'Portal: not logged in. Log in to sign actions (claim, activate, …).';
      $('login-form').hidden = false;
    } else {
      $('portal-line').textContent = `Portal: ${errorExplain(err).what} Device information and the activation ` +
        'code over USB work without it.';
    }
  }
  renderActions();
}

// The portal service answers on this origin: log in there. Elsewhere the page has no portal.
async function portalFind() {
  if (await https.isReachable()) portalClientSet(https);
  else await renderPortal();
}

function actionParams(action) {
  if (action === 'sensors') {
    return { sensors: { intrusion: $('sensor-intrusion').checked, motion: $('sensor-motion').checked,
      steps: Number($('sensor-steps').value) || 0 } };
  }
  if (action === 'key-update') {
    const qr = $('qr-hash').value.trim();
    if (!/^[0-9a-fA-F ]{64,80}$/.test(qr)) throw new LinkError('NOT_THIS_BOARD', 'no QR code given');
    return { qrKeySha256: qr };
  }
  return {};
}

const sha256 = async (bytes) => new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
const otp = { keyPairCreate: otpKeyPairCreate, open: otpOpen };

// A secret (the activation code, a one-time password) on screen: shown once, in this box only,
// never logged or stored; gone with the next result, or as soon as the page is hidden.
function secretShow(text) {
  $('result-secret').textContent = text;
  $('result-secret').hidden = false;
  document.addEventListener('visibilitychange', () => {
    $('result-secret').textContent = '';
    $('result-secret').hidden = true;
  }, { once: true });
}

// What the technician does after an emergency reset: with the one-time password, or (firmware
// that sends none) with the factory default the reset went back to.
function resetNext(password) {
  if (password === null) {
    $('result').dataset.otp = 'none';
    return "This server's firmware sent no one-time password: its administrator password is back to the " +
      "factory default of the server's documentation. Log in to the BMC with it now and set a new one " +
      '(the BMC asks for it at the first login).';
  }
  $('result').dataset.otp = 'shown';
  secretShow(password);
  return 'The new administrator password, shown once: it is not stored and cannot be shown again. Log in ' +
    'to the BMC with it now; the BMC asks for a new password at the first login.';
}

async function runAction(action) {
  await busyRun(action, async () => {
    const params = actionParams(action);
    const { receipt, portal, oneTimePassword } = await signedAction(session, portalClientGet(), action, params,
      ({ step, text }) => progressShow(step, text), { sha256, otp });
    const state = enumName(pb.LockdownState, receipt.newState, 'LOCKDOWN_');
    const result = enumName(pb.ErrorCode, receipt.result);
    resultShow(result === 'ERROR_NONE' ? 'ok' : 'error', `${ACTIONS[action].label}: done`,
      `The server is now ${STATE_WORDS[state] ?? state}; owner ${receipt.ownerOrg || 'nobody'}. ` +
      `The portal recorded the receipt (${portal.status}).`);
    if (action === 'emergency-reset') $('result-next').textContent = resetNext(oneTimePassword);
    $('result').dataset.action = action;
    log(`${action}: receipt ${result}, server ${state}, receipt counter ${receipt.counter}`);
    await refresh();
  });
}

function renderActions() {
  if (!session) return;
  $('actions').hidden = false;
  const box = $('action-buttons');
  box.replaceChildren();
  const allowed = identity ? actionsForRole(identity.role) : [];
  $('actions-none').hidden = allowed.length > 0;
  $('actions-none').textContent = identity
    ? `Your role (${identity.role}) has no signed actions on a server.`
    : portalClientGet() === https ? 'Log in to the portal (above) to see what your role may do.'
      : 'Signed actions (claim, activate, …) need the portal: open this app from your portal and log in.';
  for (const a of allowed) {
    const b = document.createElement('button');
    b.type = 'button';
    b.id = `action-${a}`;
    b.textContent = ACTIONS[a].label;
    b.addEventListener('click', () => runAction(a));
    box.append(b);
  }
  $('sensor-form').hidden = !allowed.includes('sensors');
  $('qr-form').hidden = !allowed.includes('key-update');
  $('qr-scan').hidden = !('BarcodeDetector' in globalThis && navigator.mediaDevices?.getUserMedia);
}

// The QR code on a new board, with the camera where the browser can read barcodes.
async function qrScan() {
  const video = $('qr-video');
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
  try {
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    const detector = new globalThis.BarcodeDetector({ formats: ['qr_code'] });
    for (let tries = 0; tries < 600; tries++) {
      const codes = await detector.detect(video);
      const hit = codes.find((c) => /^[0-9a-fA-F]{64}$/.test(c.rawValue.trim()));
      if (hit) {
        $('qr-hash').value = hit.rawValue.trim();
        return;
      }
      await new Promise((r) => requestAnimationFrame(r));
    }
  } finally {
    stream.getTracks().forEach((t) => t.stop());
    video.hidden = true;
  }
}

function wire() {
  $('refresh').addEventListener('click', () => busyRun('refresh', refresh));
  $('disconnect').addEventListener('click', () => session?.close());
  $('activation-code').addEventListener('click', () => busyRun('activation code', async () => {
    progressShow('device', 'Reading the activation code…');
    const code = await activationCode(session);
    resultShow('ok', 'Secure activation code', 'The code printed on this server:', 'It is not stored by this app.');
    secretShow(code);
  }));
  $('qr-scan').addEventListener('click', () => qrScan().catch((e) => log(`camera: ${e.message}`)));
  $('login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const user = $('login-user').value.trim();
    const password = $('login-password').value;
    $('login-password').value = ''; // the password stays nowhere
    busyRun('log in', async () => {
      progressShow('portal', 'Logging in to the portal…');
      await https.login(user, password);
      $('login-form').reset();
      log(`logged in to the portal as ${user}`);
      portalClientSet(https);
    });
  });
  $('logout').addEventListener('click', () => busyRun('log out', async () => {
    await https.logout();
    portalClientSet(https);
  }));
  portalOnChange(renderPortal);
}

renderTransports();
wire();
portalFind();
