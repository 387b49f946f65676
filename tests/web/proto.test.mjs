// SPDX-License-Identifier: GPL-2.0-or-later
// The web app's generated protobuf code against protoc, an independent implementation:
// what the page encodes protoc decodes, and what protoc encodes the page decodes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

import { appImport, env } from './lib/env.mjs';

const { create, fromBinary, pb, toBinary } = await appImport('core/proto.js');

function protoc(mode, input) {
  return execFileSync(env('PROTOC'), [`--${mode}=svcport.v1.Frame`, '-I', env('SVCPORT_PROTO_DIR'),
    'svcport.proto'], { input });
}

test('a request the page encodes decodes with protoc', () => {
  const frame = create(pb.FrameSchema, {
    id: 4000000001,
    msg: { case: 'request', value: { body: { case: 'getDeviceInfo', value: { includeCertificate: true } } } },
  });
  const text = protoc('decode', toBinary(pb.FrameSchema, frame)).toString();
  assert.match(text, /^id: 4000000001$/m);
  assert.match(text, /get_device_info \{\s+include_certificate: true\s+\}/);
});

test('a response protoc encodes decodes in the page', () => {
  const bytes = protoc('encode',
    'id: 0 response { error { code: RATE_LIMITED detail: "no free session" retry_after_ms: 1000 } }');
  const frame = fromBinary(pb.FrameSchema, bytes);
  assert.equal(frame.id, 0);
  assert.equal(frame.msg.case, 'response');
  const err = frame.msg.value.body;
  assert.equal(err.case, 'error');
  assert.equal(err.value.code, pb.ErrorCode.RATE_LIMITED);
  assert.equal(err.value.retryAfterMs, 1000);
  assert.equal(err.value.detail, 'no free session');
});

test('an unknown field is kept as unknown, not an error (proto/README.md: v1 may grow)', () => {
  // Field 99 (varint 1) appended to an empty Frame.
  const frame = fromBinary(pb.FrameSchema, Uint8Array.of(0x98, 0x06, 0x01));
  assert.equal(frame.msg.case, undefined);
});
