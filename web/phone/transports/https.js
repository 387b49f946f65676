// SPDX-License-Identifier: GPL-2.0-or-later
// The management network: svcportd's https: link (docs/gateway.md "https:") from a laptop's
// browser, as a stream port (core/link.js) like Web Serial's, so the protocol core is the
// same. The port's bytes are the CDC stream; here each framed message becomes one POST to
// /v1/sessions/TOKEN/frames (its answer framed back), and /v1/sessions/TOKEN/events is
// long-polled for the device's events. The browser checks the BMC's certificate: its
// internal CA must be trusted on the laptop (docs/web.md). fetch is the browser's, or a
// Node test's that trusts that CA.
import { CdcReceiver, cdcFrameEncode } from '../core/cdc.js';
import { streamPortMake } from './stream-port.js';

const MESSAGE_MAX = 65535;

// base: 'https://192.0.2.10:8443'. Resolves with a stream port once the session is open.
export async function httpsPortOpen({ base, fetch: fetchFn = globalThis.fetch.bind(globalThis) }) {
  const url = (p) => `${base.replace(/\/$/, '')}${p}`;
  const opened = await fetchFn(url('/v1/sessions'), { method: 'POST' });
  if (opened.status !== 201) {
    throw new Error(opened.status === 503 ? 'the server has no free session for the network: try again in a moment'
      : `the server refused a session (HTTP ${opened.status})`);
  }
  const token = (await opened.text()).trim();
  const session = url(`/v1/sessions/${token}`);
  const rx = new CdcReceiver(MESSAGE_MAX);
  const chunks = [];
  let wake = null;
  let ended = false;
  let sending = Promise.resolve();

  const deliver = (chunk) => {
    chunks.push(chunk);
    wake?.();
  };
  const end = () => {
    ended = true;
    wake?.();
  };
  // A Frame from the device, as the stream would carry it.
  const deliverFrame = async (res) => deliver(cdcFrameEncode(new Uint8Array(await res.arrayBuffer())));

  const post = async (msg) => {
    const res = await fetchFn(`${session}/frames`, { method: 'POST', body: msg });
    if (res.status === 200) await deliverFrame(res);
    else if (res.status !== 204) end(); // 204: no answer in time; the core repeats the id
  };
  (async () => {
    while (!ended) {
      const res = await fetchFn(`${session}/events`, { method: 'GET' }).catch(() => null);
      if (!res || (res.status !== 200 && res.status !== 204)) break;
      if (res.status === 200) await deliverFrame(res);
    }
    end();
  })();

  const port = streamPortMake({
    async write(bytes) {
      for (const r of rx.push(bytes)) {
        if (!r.msg) continue;
        const msg = r.msg.slice();
        sending = sending.then(() => post(msg)).catch(end);
      }
    },
    async read() {
      while (!chunks.length && !ended) await new Promise((r) => { wake = r; });
      wake = null;
      return chunks.length ? chunks.shift() : null;
    },
    async close() {
      ended = true;
      wake?.();
      await fetchFn(session, { method: 'DELETE' }).catch(() => {});
    },
  });
  port.peer = base;
  return port;
}

export const httpsLink = {
  name: 'the management network',
  kind: 'stream',
  id: 'connect-https',
  needsAddress: true, // the page asks for https://HOST:PORT
  isSupported() {
    if (typeof fetch === 'undefined') return 'This browser has no fetch.';
    return true;
  },
  // address: 'https://HOST:PORT' of the server's management port (svcportd --link https:).
  async connect(address) {
    if (!/^https:\/\/[^/]+$/.test(address ?? '')) throw new Error('give the server as https://HOST:PORT');
    return httpsPortOpen({ base: address });
  },
};
