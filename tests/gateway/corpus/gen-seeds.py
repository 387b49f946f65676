#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes the seed corpora of fuzz-seg, fuzz-cdc and fuzz-frame (hand-encoded
protobuf, so no generated code is needed). Run from this folder."""
import os
import zlib

GET_DEVICE_INFO = bytes([0x08, 0x01, 0x12, 0x02, 0x12, 0x00])
PING = bytes([0x08, 0x02, 0x12, 0x07, 0x32, 0x05, 0x0a, 0x03]) + b"abc"
GET_LINK_INFO = bytes([0x08, 0x03, 0x12, 0x02, 0x0a, 0x00])
SUBMIT = bytes([0x08, 0x04, 0x12, 0x08, 0x22, 0x06, 0x0a, 0x04, 0x0a, 0x02]) + b"hi"
REPLY_DEVINFO = bytes([0x08, 0x01, 0x10, 0x01, 0x1a, 0x0a, 0x12, 0x08, 0x0a, 0x06,
                       0x0a, 0x04]) + b"7D1A"
REPLY_EVENT = bytes([0x22, 0x04, 0x0a, 0x02, 0x08, 0x01])


def cobs(data):
    out, block = bytearray(), bytearray()
    for b in data:
        if b == 0:
            out += bytes([len(block) + 1]) + block
            block = bytearray()
        else:
            block.append(b)
            if len(block) == 254:
                out += bytes([255]) + block
                block = bytearray()
    out += bytes([len(block) + 1]) + block
    return bytes(out)


def cdc(msg):
    return cobs(msg + zlib.crc32(msg).to_bytes(4, "little")) + b"\x00"


def segments(msg, seg_max, counter=0):
    out, first = [], True
    while msg or first:
        hdr = 3 if first else 1
        chunk, msg = msg[:seg_max - hdr], msg[seg_max - hdr:]
        flags = (0x80 if first else 0) | (0x40 if not msg else 0) | (counter & 0x0f)
        seg = bytes([flags]) + ((len(chunk) + len(msg)).to_bytes(2, "little") if first else b"") + chunk
        out.append(seg)
        counter += 1
        first = False
    return out, counter


def seg_script(msgs, seg_max):
    out, counter = bytearray(), 0
    for m in msgs:
        segs, counter = segments(m, seg_max, counter)
        for s in segs:
            out += bytes([len(s)]) + s
    return bytes(out)


def rec(op, data):
    return bytes([op]) + len(data).to_bytes(2, "little") + data


def write(folder, name, data):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


write("fuzz-seg", "one-segment", seg_script([GET_DEVICE_INFO], 20))
write("fuzz-seg", "split-small-mtu", seg_script([PING, SUBMIT, GET_LINK_INFO], 5))
write("fuzz-seg", "long", seg_script([bytes(range(256)) * 3], 180))
write("fuzz-seg", "bad-counter", bytes([4, 0x85, 1, 0, 0x41, 4, 0xc0, 1, 0, 0x41]))
write("fuzz-cdc", "frames", cdc(GET_DEVICE_INFO) + cdc(PING) + cdc(bytes(300)))
write("fuzz-cdc", "bad-crc", cdc(PING)[:-3] + b"\x01\x01\x00" + cdc(GET_LINK_INFO))
write("fuzz-cdc", "zeros-and-junk", b"\x00\x00\x05\x01\x00" + bytes(range(1, 200)) + b"\x00")
write("fuzz-frame", "relay", rec(0, GET_DEVICE_INFO) + rec(2, REPLY_DEVINFO) + rec(0, GET_DEVICE_INFO))
write("fuzz-frame", "local", rec(0, PING) + rec(1, GET_LINK_INFO) + rec(3, b"") + rec(6, b"\x10"))
write("fuzz-frame", "bmc-lost", rec(0, SUBMIT) + rec(4, b"") + rec(0, SUBMIT) + rec(5, b"")
      + rec(2, REPLY_EVENT) + rec(6, b""))
write("fuzz-frame", "flood", rec(0, PING) * 40 + rec(1, PING))
