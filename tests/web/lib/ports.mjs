// SPDX-License-Identifier: GPL-2.0-or-later
// Ports (web/phone/core/link.js) onto the real gateway's simulated links, for Node tests:
//   unix:PATH     the CDC stream, as a stream port over a unix socket
//   ble-sim:PATH  the ATT socket through att-bridge (Node has no SOCK_SEQPACKET), which plays
//                 the ATT client's own part (MTU exchange, discovery, the CCCD write)
// and stand-ins for the browser objects the Web Serial and WebUSB transports drive
// (SerialPort, USBDevice), over the same unix socket: Chromium has no emulation for either,
// so their transport modules run here against the real daemons.
import { spawn } from 'node:child_process';
import net from 'node:net';

import { env } from './env.mjs';

function connectUnix(path) {
  return new Promise((resolve, reject) => {
    const s = net.createConnection(path);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

export async function unixStreamPort(path) {
  const sock = await connectUnix(path);
  const port = {
    kind: 'stream',
    onclose: null,
    sock,
    write: (bytes) => new Promise((res, rej) => sock.write(bytes, (e) => (e ? rej(e) : res()))),
    start(onData) {
      sock.on('data', (b) => onData(new Uint8Array(b.buffer, b.byteOffset, b.length)));
    },
    close: () => new Promise((r) => { sock.once('close', r); sock.end(); }),
  };
  sock.on('close', () => port.onclose?.());
  sock.on('error', () => {});
  return port;
}

// att-bridge over ble-sim:PATH. Returns { mtu, write(v), enableNotifications(), readInfo(),
// onNotification, onEnd, close() }; write/enable/read resolve with the ATT status (0 or the
// ATT error code, 0xff for a failed link) and data, in order.
export async function attBridgeOpen(path, mtu = 517) {
  const child = spawn(env('SVCPORT_ATT_BRIDGE'), [path, String(mtu)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting = [];
  let buf = Buffer.alloc(0);
  let ready;
  const readyP = new Promise((res, rej) => {
    ready = res;
    child.once('exit', (code) => rej(new Error(`att-bridge exited (${code}) before it was ready`)));
  });
  const b = {
    mtu: 0,
    onNotification: null,
    onEnd: null,
    ended: false,
    cmd(type, payload = new Uint8Array(0)) {
      const hdr = Buffer.from([type.charCodeAt(0), payload.length & 0xff, payload.length >> 8]);
      return new Promise((resolve) => {
        waiting.push(resolve);
        child.stdin.write(Buffer.concat([hdr, Buffer.from(payload)]));
      });
    },
    write(v) { return b.cmd('W', v); },
    enableNotifications() { return b.cmd('C'); },
    readInfo() { return b.cmd('I'); },
    close() {
      return new Promise((r) => {
        if (child.exitCode !== null) r();
        else { child.once('exit', r); child.stdin.end(); }
      });
    },
  };
  const end = () => {
    if (b.ended) return;
    b.ended = true;
    waiting.splice(0).forEach((w) => w({ status: 0xff, data: new Uint8Array(0) }));
    b.onEnd?.();
  };
  child.stdout.on('data', (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 3) {
      const len = buf[1] | (buf[2] << 8);
      if (buf.length < 3 + len) break;
      const type = String.fromCharCode(buf[0]);
      const p = new Uint8Array(buf.subarray(3, 3 + len));
      buf = buf.subarray(3 + len);
      if (type === 'R') {
        b.mtu = p[0] | (p[1] << 8);
        ready();
      } else if (type === 'A') {
        waiting.shift()?.({ status: p[0], data: p.subarray(1) });
      } else if (type === 'N') {
        b.onNotification?.(p);
      } else if (type === 'E') {
        end();
      }
    }
  });
  child.once('exit', end);
  child.stdin.on('error', () => {});
  await readyP;
  return b;
}

// A GATT port like the Web Bluetooth transport's: writeSize 20 unless told otherwise.
export async function bleSimPort(path, { mtu = 517, writeSize = 20 } = {}) {
  const b = await attBridgeOpen(path, mtu);
  const ok = async (p, what) => {
    const r = await p;
    if (r.status !== 0) throw new Error(`${what}: ATT status 0x${r.status.toString(16)}`);
    return r.data;
  };
  const port = {
    kind: 'gatt',
    writeSize,
    onclose: null,
    bridge: b,
    write: (v) => ok(b.write(v), 'RX write'),
    async subscribe(onValue) {
      b.onNotification = onValue;
      await ok(b.enableNotifications(), 'CCCD write');
    },
    readInfo: () => ok(b.readInfo(), 'INFO read'),
    close: () => b.close(),
  };
  b.onEnd = () => port.onclose?.();
  return port;
}

// The Web Serial SerialPort interface (open, readable, writable, close) over a unix socket
// carrying the CDC stream: what serialPortOpen() of transports/serial.js drives.
export function fakeSerialPort(path) {
  let sock = null;
  return {
    async open(opts) {
      if (!opts?.baudRate) throw new TypeError('SerialPort.open needs a baudRate');
      sock = await connectUnix(path);
      sock.on('error', () => {});
      this.readable = new ReadableStream({
        start(c) {
          sock.on('data', (d) => c.enqueue(new Uint8Array(d)));
          sock.on('close', () => { try { c.close(); } catch { /* cancelled */ } });
        },
        cancel() { sock.pause(); },
      });
      this.writable = new WritableStream({
        write: (chunk) => new Promise((res, rej) => sock.write(chunk, (e) => (e ? rej(e) : res()))),
      });
    },
    readable: null,
    writable: null,
    async close() {
      await new Promise((r) => { sock.once('close', r); sock.end(); });
    },
    getInfo: () => ({}),
  };
}

// The WebUSB USBDevice interface of a CDC-ACM function (communication interface 0, data
// interface 1 with bulk IN 1 / OUT 2) over a unix socket carrying the CDC stream: what
// usbDeviceOpen() of transports/usb.js drives. Records the control transfers it was sent.
export function fakeUsbDevice(path) {
  let sock = null;
  let pending = Buffer.alloc(0);
  let waiter = null;
  let closed = false;
  const wake = () => { const w = waiter; waiter = null; w?.(); };
  const dev = {
    opened: false,
    controls: [],
    claimed: [],
    configuration: null,
    productName: 'svcport service port (test)',
    async open() {
      sock = await connectUnix(path);
      sock.on('data', (d) => { pending = Buffer.concat([pending, d]); wake(); });
      sock.on('close', () => { closed = true; wake(); });
      sock.on('error', () => {});
      dev.opened = true;
    },
    async selectConfiguration(n) {
      if (n !== 1) throw new Error('no such configuration');
      const alt = (cls, endpoints) => ({ interfaceClass: cls, endpoints });
      dev.configuration = {
        interfaces: [
          { interfaceNumber: 0, alternate: alt(0x02, [{ endpointNumber: 3, direction: 'in', type: 'interrupt' }]) },
          { interfaceNumber: 1, alternate: alt(0x0a, [{ endpointNumber: 1, direction: 'in', type: 'bulk' },
            { endpointNumber: 2, direction: 'out', type: 'bulk' }]) },
        ],
      };
    },
    async claimInterface(n) { dev.claimed.push(n); },
    async controlTransferOut(setup) { dev.controls.push(setup); return { status: 'ok' }; },
    async transferOut(ep, data) {
      if (ep !== 2 || !dev.claimed.includes(1)) throw new Error('transferOut on an unclaimed endpoint');
      await new Promise((res, rej) => sock.write(Buffer.from(data), (e) => (e ? rej(e) : res())));
      return { status: 'ok', bytesWritten: data.length };
    },
    async transferIn(ep, len) {
      if (ep !== 1) throw new Error('transferIn on a wrong endpoint');
      while (pending.length === 0) {
        if (closed) throw new Error('device gone');
        await new Promise((r) => { waiter = r; });
      }
      const n = Math.min(len, pending.length);
      const out = pending.subarray(0, n);
      pending = pending.subarray(n);
      return { status: 'ok', data: new DataView(out.buffer.slice(out.byteOffset, out.byteOffset + n)) };
    },
    async clearHalt() {},
    async close() {
      if (!sock || closed) return;
      await new Promise((r) => { sock.once('close', r); sock.end(); });
    },
  };
  return dev;
}
