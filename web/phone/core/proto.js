// SPDX-License-Identifier: GPL-2.0-or-later
// The wire schema of proto/svcport.proto, generated at build time by protoc-gen-es into
// gen/ (never committed), and the protobuf runtime (@bufbuild/protobuf, copied to vendor/
// at build time, web/CMakeLists.txt): the rest of the app imports both from here. Relative
// paths, no import map: the portal service's Content-Security-Policy forbids inline scripts.
export { create, fromBinary, toBinary } from '../vendor/protobuf/index.js';
export * as pb from '../gen/svcport_pb.js';
