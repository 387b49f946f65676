#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A hostile portal for test-sim-online (attack 16o): it holds the portal's own HTTPS
certificate (a stolen TLS key, or a TLS-terminating proxy in the wrong hands), so svcportd's
portal: link trusts it, and answers as the mode file says, read at each connection:

  relay-sensors  has the real portal sign a configure-sensors command (intrusion and motion
                 off) for the challenge the link posted, as an org admin could, and answers it
  empty-302      302 Found without a body
  big-200        200 with a body larger than any command
  hold           reads the request and never answers until the client goes away

Usage: hostile-portal.py PORT CERT KEY MODE_FILE SIM PORTAL_DIR USER READY_FD
Writes PORT and a newline to READY_FD once it listens; logs each exchange on stderr.
"""
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading


def log(*words):
    print("hostile-portal:", *words, file=sys.stderr, flush=True)


def fields(buf):
    """The length-delimited and varint fields of one protobuf message: {number: value}."""
    i, out = 0, {}

    def varint():
        nonlocal i
        v = shift = 0
        while True:
            c = buf[i]
            i += 1
            v |= (c & 0x7F) << shift
            shift += 7
            if not c & 0x80:
                return v

    while i < len(buf):
        key = varint()
        if key & 7 == 2:
            n = varint()
            out[key >> 3] = buf[i:i + n]
            i += n
        elif key & 7 == 0:
            out[key >> 3] = varint()
        else:
            raise ValueError("wire type %d" % (key & 7))
    return out


def read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        more = conn.recv(4096)
        if not more:
            return None, None
        data += more
    head, body = data.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    while len(body) < length:
        more = conn.recv(4096)
        if not more:
            break
        body += more
    return head, body


def signed_sensors(cfg, body):
    """The real portal's signature on a sensor change for the challenge in the request."""
    with tempfile.TemporaryDirectory() as tmp:
        chal, cmd = os.path.join(tmp, "challenge.pb"), os.path.join(tmp, "command.pb")
        with open(chal, "wb") as f:
            f.write(fields(body)[2])  # OnlineActivationRequest.challenge
        r = subprocess.run([cfg["sim"], "--quiet", "portal", "--portal", cfg["portal"], "sign",
                            "--user", cfg["user"], "--action", "sensors", "--sensors",
                            "intrusion=off,motion=off", "--challenge", chal, "--out", cmd],
                           capture_output=True, text=True, check=False)
        log("signed a sensor change:", r.returncode, r.stderr.strip())
        with open(cmd, "rb") as f:
            return f.read()


def answer(conn, status, body=b""):
    conn.sendall(b"HTTP/1.1 " + status + b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body)


def serve_one(cfg, ctx, raw):
    with open(cfg["mode_file"], encoding="ascii") as f:
        mode = f.read().strip()
    try:
        conn = ctx.wrap_socket(raw, server_side=True)
    except (ssl.SSLError, OSError) as e:
        log("handshake failed:", e)
        raw.close()
        return
    try:
        head, body = read_request(conn)
        if head is None:
            return
        log(mode, head.split(b"\r\n")[0].decode("ascii", "replace"), len(body), "bytes")
        if mode == "relay-sensors" and b"/device/activation" in head:
            answer(conn, b"200 OK", signed_sensors(cfg, body))
        elif mode == "empty-302":
            answer(conn, b"302 Found")
        elif mode == "big-200":
            answer(conn, b"200 OK", b"\x0a\x00" + b"\x00" * 6000)
        elif mode == "hold":
            while conn.recv(4096):
                pass
            log("hold: the client went away")
        else:
            answer(conn, b"404 Not Found")
    except (ssl.SSLError, OSError) as e:
        log("exchange ended:", e)
    finally:
        conn.close()


def main():
    port, cert, key, mode_file, sim, portal, user, ready_fd = sys.argv[1:9]
    cfg = {"mode_file": mode_file, "sim": sim, "portal": portal, "user": user}
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", int(port)))
    srv.listen(16)
    os.write(int(ready_fd), b"%d\n" % srv.getsockname()[1])
    os.close(int(ready_fd))
    while True:
        raw, _ = srv.accept()
        threading.Thread(target=serve_one, args=(cfg, ctx, raw), daemon=True).start()


if __name__ == "__main__":
    main()
