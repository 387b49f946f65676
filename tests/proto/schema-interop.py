#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Schema interop and bounds test (issue 2), protoc against nanopb.

For every message of every proto/*.proto:
  * instances with every field set (one per oneof member) are written in
    protobuf text format, encoded by protoc, decoded and re-encoded by nanopb
    (proto-codec), and must come back byte for byte and decode with protoc to
    the same field values;
For every bound in proto/*.options:
  * a message exactly at the bound decodes with nanopb; one byte (or one
    element) over it fails with nanopb's "... overflow" error;
And the schema keeps its promises (proto/README.md): every field recorded in
schema-v1.lock keeps its number, type and label.
"""
import argparse
import fnmatch
import os
import re
import subprocess
import sys

from google.protobuf import descriptor_pb2

FDP = descriptor_pb2.FieldDescriptorProto
failures = []


def fail(msg):
    failures.append(msg)
    print('FAIL: ' + msg)


def run(cmd, data=None):
    return subprocess.run(cmd, input=data, capture_output=True)


class Schema:
    def __init__(self, protoc, proto_dir, work):
        self.protoc, self.proto_dir = protoc, proto_dir
        self.protos = sorted(p for p in os.listdir(proto_dir) if p.endswith('.proto'))
        desc = os.path.join(work, 'schema.desc')
        r = run([protoc, '-I', proto_dir, '--descriptor_set_out=' + desc] + self.protos)
        if r.returncode:
            sys.exit('protoc failed: ' + r.stderr.decode())
        fds = descriptor_pb2.FileDescriptorSet()
        fds.ParseFromString(open(desc, 'rb').read())
        self.msgs, self.enums = {}, {}
        for f in fds.file:
            for m in f.message_type:
                self.msgs['%s.%s' % (f.package, m.name)] = (f, m)
            for e in f.enum_type:
                self.enums['%s.%s' % (f.package, e.name)] = e

    def proto_file_of(self, full):
        return self.msgs[full][0].name


def type_name(f):
    return f.type_name.lstrip('.')


def text_bytes(b):
    return '"' + ''.join('\\%03o' % c for c in b) + '"'


def scalar(schema, f, seed):
    t = f.type
    if t == FDP.TYPE_BOOL:
        return 'true'
    if t in (FDP.TYPE_UINT32, FDP.TYPE_FIXED32):
        return str(100000 + f.number * 7 + seed)  # a multi-byte varint
    if t in (FDP.TYPE_UINT64, FDP.TYPE_FIXED64):
        return str((1 << 40) + f.number * 7 + seed)
    if t in (FDP.TYPE_INT32, FDP.TYPE_SINT32, FDP.TYPE_INT64, FDP.TYPE_SINT64):
        return str(-(1000 + f.number + seed))
    if t == FDP.TYPE_ENUM:
        values = schema.enums[type_name(f)].value
        return values[(seed + f.number) % (len(values) - 1) + 1].name  # never the zero value
    if t == FDP.TYPE_STRING:
        return '"%s-%d"' % (f.name[:6], seed)
    if t == FDP.TYPE_BYTES:
        return text_bytes(bytes((f.number * 13 + seed + i) % 256 for i in range(5)))
    raise ValueError('unhandled type %d in %s' % (t, f.name))


def fill(schema, full, choice=None, depth=0, seed=0):
    """Text format of full with every field set. choice maps a oneof index to
    the field chosen there (default: the first member)."""
    _, m = schema.msgs[full]
    lines, taken = [], set()
    for f in m.field:
        if f.HasField('oneof_index') and not f.proto3_optional:
            want = (choice or {}).get(f.oneof_index)
            if f.oneof_index in taken or (want is not None and want != f.name):
                continue
            taken.add(f.oneof_index)
        count = 2 if f.label == FDP.LABEL_REPEATED else 1
        for i in range(count):
            if f.type == FDP.TYPE_MESSAGE:
                inner = fill(schema, type_name(f), None, depth + 1, seed + i) if depth < 6 else ''
                lines.append('%s { %s }' % (f.name, inner))
            else:
                lines.append('%s: %s' % (f.name, scalar(schema, f, seed + i)))
    return ' '.join(lines)


def variants(schema, full):
    _, m = schema.msgs[full]
    out = [('all', fill(schema, full))]
    for idx, _ in enumerate(m.oneof_decl):
        members = [f.name for f in m.field if f.HasField('oneof_index') and f.oneof_index == idx]
        for name in members[1:]:
            out.append((name, fill(schema, full, {idx: name})))
    return out


class Codec:
    """One proto-codec process for the whole run ("batch" mode)."""

    def __init__(self, path):
        self.path = path
        self.proc = subprocess.Popen([path, 'batch'], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)

    def reencode(self, full, src, dst):
        """(True, '') or (False, nanopb's error line)."""
        self.proc.stdin.write('%s %s %s\n' % (full, src, dst))
        self.proc.stdin.flush()
        line = self.proc.stdout.readline().strip()
        if not line:
            sys.exit('proto-codec died')
        return line == 'ok', '' if line == 'ok' else line

    def close(self):
        self.proc.stdin.close()
        if self.proc.wait() != 0:
            fail('proto-codec exited with %d' % self.proc.returncode)


def round_trips(schema, codec, work):
    listed = set(run([codec.path, 'list']).stdout.decode().split())
    checked = 0
    for full in sorted(schema.msgs):
        if full not in listed:
            fail('%s is missing from proto-codec\'s table' % full)
            continue
        proto = schema.proto_file_of(full)
        for tag, text in variants(schema, full):
            enc = run([schema.protoc, '-I', schema.proto_dir, '--encode=' + full, proto],
                      text.encode())
            if enc.returncode:
                fail('%s/%s: protoc --encode: %s' % (full, tag, enc.stderr.decode()))
                continue
            a = os.path.join(work, 'a.bin')
            b = os.path.join(work, 'b.bin')
            open(a, 'wb').write(enc.stdout)
            ok, err = codec.reencode(full, a, b)
            if not ok:
                fail('%s/%s: nanopb: %s' % (full, tag, err))
                continue
            nano = open(b, 'rb').read()
            checked += 1
            if nano == enc.stdout:
                continue  # same bytes: protoc necessarily decodes them to the same values
            da = run([schema.protoc, '-I', schema.proto_dir, '--decode=' + full, proto], enc.stdout)
            db = run([schema.protoc, '-I', schema.proto_dir, '--decode=' + full, proto], nano)
            fail('%s/%s: nanopb\'s bytes differ from protoc\'s; protoc decodes them as:\n%s\n'
                 '--- instead of:\n%s' % (full, tag, db.stdout.decode() or db.stderr.decode(),
                                           da.stdout.decode()))
    print('round trip: %d instances of %d message types' % (checked, len(schema.msgs)))
    return checked


def read_options(proto_dir):
    rules = []
    for name in sorted(os.listdir(proto_dir)):
        if not name.endswith('.options'):
            continue
        for line in open(os.path.join(proto_dir, name)):
            line = line.split('#', 1)[0].strip()
            if not line:
                continue
            pattern, *opts = line.split()
            kv = dict(o.split(':', 1) for o in opts if ':' in o)
            rules.append((pattern, kv))
    return rules


def options_for(rules, full_field):
    kv = {}
    for pattern, opts in rules:
        if fnmatch.fnmatchcase(full_field, pattern):
            kv.update(opts)
    return kv


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7f
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def ld_field(number, payload):
    """A length-delimited field (string, bytes, message) on the wire."""
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def nanopb_decodes(codec, work, full, wire):
    a = os.path.join(work, 'bound.bin')
    open(a, 'wb').write(wire)
    return codec.reencode(full, a, os.path.join(work, 'bound.out'))


def bounds(schema, codec, work):
    rules = read_options(schema.proto_dir)
    checked = 0
    unbounded = []
    for full in sorted(schema.msgs):
        _, m = schema.msgs[full]
        for f in m.field:
            variable = f.type in (FDP.TYPE_STRING, FDP.TYPE_BYTES) or f.label == FDP.LABEL_REPEATED
            if not variable:
                continue
            kv = options_for(rules, full + '.' + f.name)
            cases = []  # (what, at-bound wire bytes, over-bound wire bytes, error word)
            # Elements are built on the wire directly (one field each), so
            # protoc is not run once per bound; proto3 packs nothing here
            # (only strings, bytes and messages are repeated in the schema).
            if f.type not in (FDP.TYPE_STRING, FDP.TYPE_BYTES, FDP.TYPE_MESSAGE):
                fail('%s.%s: repeated scalar: extend the bounds test' % (full, f.name))
                continue
            if 'max_size' in kv:
                size = int(kv['max_size'])
                limit = size - 1 if f.type == FDP.TYPE_STRING else size
                word = 'string overflow' if f.type == FDP.TYPE_STRING else 'bytes overflow'
                mk = lambda n: ld_field(f.number, b'x' * n)  # noqa: E731
                cases.append(('max_size', mk(limit), mk(limit + 1), word))
            if f.label == FDP.LABEL_REPEATED:
                if 'max_count' not in kv:
                    unbounded.append(full + '.' + f.name + ' (max_count)')
                    continue
                count = int(kv['max_count'])
                one = b'' if f.type == FDP.TYPE_MESSAGE else b'e'
                mk = lambda n: ld_field(f.number, one) * n  # noqa: E731
                cases.append(('max_count', mk(count), mk(count + 1), 'array overflow'))
            elif 'max_size' not in kv:
                unbounded.append(full + '.' + f.name)
                continue
            for what, at, over, word in cases:
                ok, err = nanopb_decodes(codec, work, full, at)
                if not ok:
                    fail('%s.%s: at its %s nanopb refuses it: %s' % (full, f.name, what, err))
                ok, err = nanopb_decodes(codec, work, full, over)
                if ok or word not in err:
                    fail('%s.%s: one over its %s: want "%s", got %s' %
                         (full, f.name, what, word, 'success' if ok else err))
                checked += 1
    for u in unbounded:
        fail('%s has no bound in any .options file' % u)
    print('bounds: %d bounds checked at and one over the limit' % checked)
    return checked


def lock_check(schema, lock_path):
    """Field numbers are forever: every locked field keeps number, type, label."""
    current = {}
    for full, (_, m) in schema.msgs.items():
        for f in m.field:
            current['%s.%s' % (full, f.name)] = ('%d %d %d %s' % (f.number, f.type, f.label,
                                                                  f.type_name)).strip()
    locked = 0
    for line in open(lock_path):
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        name, sig = line.split(' ', 1)
        locked += 1
        if current.get(name) != sig:
            fail('%s changed or was removed: was "%s", is "%s" (proto/README.md: field numbers '
                 'are forever)' % (name, sig, current.get(name)))
    new = sorted(set(current) - {l.split(' ', 1)[0] for l in open(lock_path) if l.strip()
                                  and not l.startswith('#')})
    print('lock: %d locked fields kept; %d fields newer than the lock' % (locked, len(new)))
    return current


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--protoc', required=True)
    ap.add_argument('--codec', required=True)
    ap.add_argument('--proto-dir', required=True)
    ap.add_argument('--lock', required=True)
    ap.add_argument('--work', required=True)
    ap.add_argument('--write-lock', action='store_true', help='record the current schema')
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    schema = Schema(a.protoc, a.proto_dir, a.work)
    if a.write_lock:
        with open(a.lock, 'w') as out:
            out.write('# name number type label type_name: see proto/README.md\n')
            for full, (_, m) in sorted(schema.msgs.items()):
                for f in m.field:
                    out.write('%s.%s %d %d %d %s\n' % (full, f.name, f.number, f.type, f.label,
                                                       f.type_name))
        return 0
    codec = Codec(a.codec)
    n = round_trips(schema, codec, a.work)
    b = bounds(schema, codec, a.work)
    codec.close()
    lock_check(schema, a.lock)
    if n == 0 or b == 0:
        fail('nothing was checked')
    print('%d passed, %d failed' % (n + b, len(failures)))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
