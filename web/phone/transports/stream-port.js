// SPDX-License-Identifier: GPL-2.0-or-later
// A stream port (core/link.js) from three functions of a byte transport: write(bytes),
// read() → the next chunk, or null at the end of the stream, and close(). The read loop,
// the end of the link and the difference between a close asked for and a link lost live
// here once, for Web Serial and WebUSB.
export function streamPortMake({ write, read, close }) {
  let closing = false;
  const port = {
    kind: 'stream',
    onclose: null,
    write,
    start(onData) {
      (async () => {
        try {
          for (;;) {
            const chunk = await read();
            if (!chunk || closing) break;
            if (chunk.length) onData(chunk);
          }
        } catch {
          // a read error is the end of the link (cable pulled, device gone)
        }
        if (!closing) port.onclose?.();
      })();
    },
    async close() {
      closing = true;
      await close();
    },
  };
  return port;
}
