// SPDX-License-Identifier: GPL-2.0-or-later
// One conversation with one server: a port from a transport, the message link on it, the
// request client on that, and what the server said about itself (LinkInfo).
import { Client } from './client.js';
import { LinkError } from './errors.js';
import { linkOpen } from './link.js';
import { fromBinary, pb } from './proto.js';

export const PROTOCOL_VERSION = 1; // the one version this app speaks (proto/README.md)

// Opens the link on port and reads LinkInfo: the INFO characteristic on GATT, GetLinkInfo
// on a stream. Refuses a server whose protocol range excludes ours (UNSUPPORTED_VERSION).
// options: Client options, plus onClose() when the link ends.
export async function sessionOpen(port, options = {}) {
  let client = null;
  const early = [];
  const link = await linkOpen(port, {
    onMessage: (m) => (client ? client.onMessage(m) : early.push(m)),
    onDrop: (c) => client?.onDrop(c),
    onClose: () => {
      client?.onClose();
      options.onClose?.();
    },
  }, options);
  client = new Client(link, options);
  early.forEach((m) => client.onMessage(m));

  let info;
  try {
    const raw = await link.readInfo();
    info = raw ? fromBinary(pb.LinkInfoSchema, raw)
      : await client.expect({ case: 'getLinkInfo', value: {} }, 'linkInfo');
  } catch (e) {
    await link.close().catch(() => {});
    throw e instanceof LinkError || e.name === 'DeviceError' ? e : new LinkError('UNEXPECTED', `LinkInfo: ${e.message}`);
  }
  if (info.protocolVersion < PROTOCOL_VERSION || info.minProtocolVersion > PROTOCOL_VERSION) {
    await link.close().catch(() => {});
    throw new LinkError('UNSUPPORTED_VERSION',
      `the server speaks protocol ${info.minProtocolVersion}..${info.protocolVersion}, this app ${PROTOCOL_VERSION}`);
  }
  return { link, client, linkInfo: info, close: () => link.close() };
}
