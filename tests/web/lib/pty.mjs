// SPDX-License-Identifier: GPL-2.0-or-later
// A pty pair for a tty: link (the service port's CDC-ACM tty, as the gateway's own tests do
// it): Node cannot open a pty, so Debian's python3 opens one, prints the slave's path and
// relays the master to its stdin/stdout. Returns { path, port(): a stream port, close() }.
import { spawn } from 'node:child_process';

const RELAY = `
import os, pty, select, sys, tty
m, s = pty.openpty()
tty.setraw(s)
sys.stderr.write(os.ttyname(s) + "\\n"); sys.stderr.flush()
while True:
    r, _, _ = select.select([0, m], [], [])
    if 0 in r:
        d = os.read(0, 4096)
        if not d: break
        os.write(m, d)
    if m in r:
        try: d = os.read(m, 4096)
        except OSError: break
        os.write(1, d)
`;

export async function ptyOpen() {
  const child = spawn('python3', ['-c', RELAY], { stdio: ['pipe', 'pipe', 'pipe'] });
  const path = await new Promise((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
      if (err.includes('\n')) resolve(err.split('\n')[0]);
    });
    child.once('exit', (c) => reject(new Error(`pty relay exited (${c}): ${err}`)));
  });
  return {
    path,
    // The phone's end: one stream port (the cable stays in, the tty lives on).
    port() {
      const port = {
        kind: 'stream',
        onclose: null,
        write: (b) => new Promise((res, rej) => child.stdin.write(b, (e) => (e ? rej(e) : res()))),
        start(onData) { child.stdout.on('data', (d) => onData(new Uint8Array(d))); },
        close: async () => { child.stdout.removeAllListeners('data'); },
      };
      return port;
    },
    close: () => new Promise((r) => {
      if (child.exitCode !== null) r();
      else { child.once('exit', r); child.stdin.end(); }
    }),
  };
}
