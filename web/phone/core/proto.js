// SPDX-License-Identifier: GPL-2.0-or-later
// The wire schema of proto/svcport.proto, generated at build time by protoc-gen-es into
// gen/ (never committed), and the protobuf runtime (@bufbuild/protobuf): the rest of the
// app imports both from here.
export { create, fromBinary, toBinary } from '@bufbuild/protobuf';
export * as pb from '../gen/svcport_pb.js';
