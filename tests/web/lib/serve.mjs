// SPDX-License-Identifier: GPL-2.0-or-later
// Serves the assembled web app (a folder) on 127.0.0.1 for the browser test: GET and HEAD
// of files under the folder, nothing else. A secure context, as Web Bluetooth needs
// (WEB-BLUETOOTH.md). The portal service (issue 14) serves the app for real.
import { createReadStream, promises as fs } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.webmanifest': 'application/manifest+json',
};

export async function serveDir(root) {
  const base = path.resolve(root);
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const file = path.resolve(base, `.${decodeURIComponent(url.pathname)}`);
    const st = file.startsWith(base + path.sep) && (req.method === 'GET' || req.method === 'HEAD')
      ? await fs.stat(file).catch(() => null) : null;
    if (!st?.isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store' });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((r) => server.close(r)) };
}
