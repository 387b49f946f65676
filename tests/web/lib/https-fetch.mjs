// SPDX-License-Identifier: GPL-2.0-or-later
// fetch() over node:https that trusts exactly one certificate (the portal's downloaded CA)
// and nothing else: no certificate error is ignored. Enough of fetch for the portal clients
// (web/portal/api.js) and the https: link's transport (web/phone/transports/https.js):
// method, headers, a string or byte body; ok, status, json(), text(), arrayBuffer().
import https from 'node:https';

// fresh: a new connection per request (no keep-alive pool), for tests that count connections.
export function httpsFetchWithCa(ca, { fresh = false } = {}) {
  return (url, init = {}) => new Promise((resolve, reject) => {
    const req = https.request(url, { method: init.method || 'GET', headers: init.headers || {}, ca,
      ...(fresh ? { agent: false } : {}) },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          const text = bytes.toString('utf8');
          resolve({ ok: res.statusCode >= 200 && res.statusCode < 300, status: res.statusCode,
            headers: res.headers, json: async () => JSON.parse(text), text: async () => text,
            arrayBuffer: async () => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) });
        });
      });
    req.on('error', reject);
    if (init.body) req.write(init.body);
    req.end();
  });
}
