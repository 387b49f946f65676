// SPDX-License-Identifier: GPL-2.0-or-later
// fetch() over node:https that trusts exactly one certificate (the portal's downloaded CA)
// and nothing else: no certificate error is ignored. Enough of fetch for the portal clients
// (web/portal/api.js): method, headers, a string body; ok, status, json().
import https from 'node:https';

export function httpsFetchWithCa(ca) {
  return (url, init = {}) => new Promise((resolve, reject) => {
    const req = https.request(url, { method: init.method || 'GET', headers: init.headers || {}, ca },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ ok: res.statusCode >= 200 && res.statusCode < 300, status: res.statusCode,
            json: async () => JSON.parse(text), text: async () => text });
        });
      });
    req.on('error', reject);
    if (init.body) req.write(init.body);
    req.end();
  });
}
