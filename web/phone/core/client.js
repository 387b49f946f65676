// SPDX-License-Identifier: GPL-2.0-or-later
// Requests and responses over a message link (DESIGN §2.1, §3): request ids, one request at
// a time, the same bytes under the same id after a timeout (the gateway answers a repeated id
// from its cache, so a retry never applies a command twice), and RATE_LIMITED obeyed. No
// browser API: timers only, and those can be replaced (options.sleep, options.timers).
import { DeviceError, LinkError } from './errors.js';
import { create, fromBinary, pb, toBinary } from './proto.js';

export const CLIENT_DEFAULTS = {
  timeoutMs: 5000,     // per attempt
  retries: 2,          // extra attempts after a timeout or a garbled message, same id
  backoffTries: 3,     // RATE_LIMITED answers obeyed per call
  maxBackoffMs: 3000,  // longer waits go back to the person, with the time to wait
};

const defaultTimers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (t) => clearTimeout(t),
};

function randomId() {
  // Any start will do; a random one keeps two runs on one session apart.
  return 1 + Math.floor(Math.random() * 0x7fffffff);
}

export class Client {
  // link: from linkOpen(); options: CLIENT_DEFAULTS plus
  //   onEvent(event)      unsolicited events (StateChanged), id 0
  //   onProgress(p)       { step: 'sending'|'waiting'|'retry'|'backoff', ... }
  //   sleep(ms)           how a back-off waits (default: a timer)
  //   firstId             the first request id (default: random)
  constructor(link, options = {}) {
    this.link = link;
    this.opt = { ...CLIENT_DEFAULTS, ...options };
    this.timers = options.timers ?? defaultTimers;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => this.timers.set(r, ms)));
    this.nextId = options.firstId ?? randomId();
    this.pending = null; // { id, resolve, reject }
    this.queue = Promise.resolve();
    this.undecodable = 0;
  }

  // The link hands every whole message here (linkOpen's onMessage).
  onMessage(bytes) {
    let frame;
    try {
      frame = fromBinary(pb.FrameSchema, bytes);
    } catch {
      this.undecodable++;
      return;
    }
    if (frame.msg.case === 'event') {
      this.opt.onEvent?.(frame.msg.value);
      return;
    }
    if (frame.msg.case !== 'response' || !this.pending) return;
    // Id 0 is the gateway speaking about a frame it could not take (a garbled, oversize or
    // refused one): with one request in flight, that is ours. Another id is a late answer
    // to an earlier attempt: skipped.
    if (frame.id !== this.pending.id && frame.id !== 0) return;
    this.pending.resolve({ id: frame.id, response: frame.msg.value });
  }

  // A message of the device broke the link's rules (linkOpen's onDrop): the answer to our
  // request is lost, so the attempt is repeated (same id) instead of waiting for a timeout.
  onDrop(codeName) {
    this.pending?.resolve({ dropped: codeName });
  }

  // The link ended: the request in flight fails now, not at its timeout.
  onClose() {
    this.pending?.reject(new LinkError('DISCONNECTED', 'the connection was lost'));
  }

  allocId() {
    const id = this.nextId >>> 0 || 1;
    this.nextId = (id + 1) >>> 0 || 1;
    return id;
  }

  attempt(id, bytes, onUnits) {
    return new Promise((resolve, reject) => {
      const timer = this.timers.set(() => {
        this.pending = null;
        resolve({ timeout: true });
      }, this.opt.timeoutMs);
      this.pending = {
        id,
        resolve: (v) => { this.timers.clear(timer); this.pending = null; resolve(v); },
        reject: (e) => { this.timers.clear(timer); this.pending = null; reject(e); },
      };
      this.link.send(bytes, onUnits).catch((e) => this.pending?.reject(e));
    });
  }

  // Sends one Request ({ case, value } of Request.body) and returns the Response body
  // ({ case, value }). An Error response throws DeviceError; a dead link throws LinkError.
  call(body) {
    const run = this.queue.then(() => this.callNow(body));
    this.queue = run.catch(() => {});
    return run;
  }

  async callNow(body) {
    const progress = (p) => this.opt.onProgress?.({ request: body.case, ...p });
    const id = this.allocId();
    const bytes = toBinary(pb.FrameSchema, create(pb.FrameSchema, {
      id, msg: { case: 'request', value: { body } },
    }));
    let attempts = 0;
    let backoffs = 0;
    let unavailable = 0;
    for (;;) {
      progress({ step: 'sending', id, attempt: attempts, units: this.link.unitsFor(bytes.length) });
      const r = await this.attempt(id, bytes, (u) => progress({ step: 'sending', id, ...u }));
      if (r.timeout || r.dropped) {
        if (attempts++ >= this.opt.retries) {
          throw r.timeout ? new LinkError('TIMEOUT', `no answer to request ${id} in ${this.opt.timeoutMs} ms`)
            : new LinkError(r.dropped, `the answer to request ${id} was garbled (${r.dropped})`);
        }
        progress({ step: 'retry', id, why: r.timeout ? 'timeout' : r.dropped });
        continue;
      }
      const resp = r.response.body;
      if (resp.case !== 'error') return resp;
      const e = resp.value;
      const name = pb.ErrorCode[e.code] ?? `ERROR_${e.code}`;
      // The gateway garbled our message (id 0, LINK_PROTOCOL): it took nothing; send again.
      if (r.id === 0 && e.code === pb.ErrorCode.LINK_PROTOCOL && attempts++ < this.opt.retries) {
        progress({ step: 'retry', id, why: name });
        continue;
      }
      // RATE_LIMITED, from the gateway (id 0: no session or too many frames; our id: one
      // request at a time) or from the BMC (back-off after failed verifications): nothing
      // was done and the answer is not cached (docs/gateway.md), so the same id is asked
      // again after the time the server gave. Long waits go back to the person.
      // BMC_UNAVAILABLE (the gateway cannot reach bmcd: restarting, or not connected yet
      // just after start) is asked once more after the time it gives.
      const transient = e.code === pb.ErrorCode.RATE_LIMITED ||
        (e.code === pb.ErrorCode.BMC_UNAVAILABLE && unavailable++ < 1);
      if (transient && e.retryAfterMs > 0 &&
          e.retryAfterMs <= this.opt.maxBackoffMs && backoffs++ < this.opt.backoffTries) {
        progress({ step: 'backoff', id, ms: e.retryAfterMs, by: r.id === 0 ? 'gateway' : 'server' });
        await this.sleep(e.retryAfterMs);
        continue;
      }
      throw new DeviceError(e.code, name, e.detail, e.retryAfterMs);
    }
  }

  // A call that must answer with a given Response case (anything else: UNEXPECTED).
  async expect(body, want) {
    const resp = await this.call(body);
    if (resp.case !== want) throw new LinkError('UNEXPECTED', `${body.case}: answered ${resp.case}`);
    return resp.value;
  }
}
