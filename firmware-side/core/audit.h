/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hash-chained append-only audit log, STATE_DIR/audit.log (0600).
 *
 * Each entry is a 4-byte little-endian length then an encoded AuditRecord
 * whose prev_sha256 is the SHA-256 of the previous record's encoded bytes (32
 * zero bytes for the first). The state record holds the committed end: the
 * number of records, the SHA-256 of the last one and the file length. A
 * change is committed by audit_append() (record written and fsync'd) and then
 * the state write that carries the new head; a record past the committed end
 * is the trace of a change that never landed and is discarded on start.
 */
#ifndef SVCPORT_AUDIT_H
#define SVCPORT_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "svcport.pb.h"

#define AUDIT_FILE "audit.log"

struct audit_entry {
	uint64_t time; /* seconds since the epoch */
	const char *event;
	const char *detail; /* may be NULL */
	uint32_t session_id;
	svcport_v1_LinkKind link;
	svcport_v1_ErrorCode result;
};

/*
 * Writes the next record after st's committed end (dropping any uncommitted
 * tail first), fsyncs it, and advances st's audit head/count/bytes. The
 * caller commits by storing st. 0 or -errno; st is untouched on failure.
 */
int audit_append(const char *state_dir, svcport_v1_BmcState *st, const struct audit_entry *e)
    __attribute__((warn_unused_result));

struct audit_report {
	bool ok;
	uint64_t records;     /* committed records that chain correctly */
	uint64_t bad_seq;     /* first record that breaks the chain, when !ok */
	uint64_t uncommitted; /* whole records past the committed end */
	char detail[128];
};

/* Checks the committed records against st's head. 0 (see report->ok) or -errno. */
int audit_verify(const char *state_dir, const svcport_v1_BmcState *st, struct audit_report *report)
    __attribute__((warn_unused_result));

/*
 * The committed records chain and end in st's head: the state record and the
 * log belong together. 0, -EBADMSG (they do not) or -errno.
 */
int audit_check_committed(const char *state_dir, const svcport_v1_BmcState *st)
    __attribute__((warn_unused_result));

/* Truncates the file to st's committed end. 0 or -errno. */
int audit_discard_uncommitted(const char *state_dir, const svcport_v1_BmcState *st)
    __attribute__((warn_unused_result));

/* Copies up to max committed records starting at seq first. 0 or -errno. */
int audit_read(const char *state_dir, const svcport_v1_BmcState *st, uint64_t first,
               svcport_v1_AuditRecord *out, size_t max, size_t *ret_n)
    __attribute__((warn_unused_result));

#endif
