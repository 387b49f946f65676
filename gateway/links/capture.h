/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --capture FILE: a btsnoop file in the Linux monitor format (datalink
 * 2001, as btmon writes), which Wireshark/tshark decode natively:
 *  - ATT PDUs of ble:/ble-sim: sessions as HCI ACL data (L2CAP CID 4) on an
 *    LE connection handle, framed by synthetic LE Connection Complete and
 *    Disconnection Complete events so the handle reads as an LE link;
 *  - CDC frames of tty:/unix:/usb: sessions as "system note" records
 *    "svcport-cdc session N rx|tx frame L bytes: HEX" (the deframed Frame
 *    bytes). Wireshark 4.0 mis-decodes "user logging" records (it reports
 *    them malformed), so notes it is.
 * Every function accepts cap == NULL as a no-op. Write errors are counted and
 * stop the capture; they never disturb a session.
 *
 * Bounded (issue 12: 306 MB in 3 s without a limit): two files, PATH and
 * PATH.1, both opened at start (before the privilege drop: no directory
 * access is needed later). Records go to one until the next would take it
 * over max_bytes; then the other is truncated and written from its start
 * (file header, the controller's index records, and a Connection Complete
 * for every LE handle still open, so each file decodes on its own). At most
 * 2 * max_bytes on disk.
 */
#ifndef SVCPORT_CAPTURE_H
#define SVCPORT_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct capture;

#define CAPTURE_MIN_BYTES     (64u * 1024u)
#define CAPTURE_DEFAULT_BYTES (16u * 1024u * 1024u)

/* Creates (truncates) path and path.1, mode 0600, never through a symlink, and
 * writes the file header. max_bytes: per file, at least CAPTURE_MIN_BYTES. */
int capture_open(const char *path, uint64_t max_bytes, struct capture **ret_cap)
    __attribute__((warn_unused_result));
void capture_close(struct capture *cap);

/* A handle for a session's ATT traffic (0x0001..0x0eff, from the session id). */
uint16_t capture_handle(uint32_t session_id);

void capture_le_connect(struct capture *cap, uint16_t handle);
void capture_le_disconnect(struct capture *cap, uint16_t handle);
/* rx: from the phone (ACL RX); otherwise to the phone (ACL TX). */
void capture_att(struct capture *cap, uint16_t handle, bool rx, const uint8_t *pdu, size_t len);
/* frame NULL: a frame of len bytes withheld (it carries a secret). */
void capture_cdc(struct capture *cap, uint32_t session_id, bool rx, const uint8_t *frame,
                 size_t len);
/* A free-text note (system note record). */
void capture_note(struct capture *cap, const char *text);

#endif
