/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The portal's CSV uploads: a header naming the columns, then rows of exactly
 * that many fields. Strict on purpose: printable ASCII only (a UTF-8 byte-order
 * mark or any byte over 0x7e is an encoding error), no quotes (no field needs
 * them), '#' comment lines and blank lines skipped, CRLF or LF.
 */
#ifndef SVCPORT_SIM_PORTAL_CSV_H
#define SVCPORT_SIM_PORTAL_CSV_H

#include <stddef.h>

struct portal;

#define PORTAL_CSV_FIELDS_MAX 4

struct portal_csv_row {
	size_t line; /* 1-based line number in the file */
	const char *f[PORTAL_CSV_FIELDS_MAX];
};

struct portal_csv {
	char *buf; /* owned copy of the text, split in place */
	struct portal_csv_row *rows;
	size_t n;
};

/*
 * Parses csv (len bytes) whose header must be one of headers (each a
 * comma-separated list of nfields names, compared case-insensitively).
 * -EINVAL with portal_why() naming the line and the fault; -E2BIG past
 * max_bytes or max_rows. Free with portal_csv_free (also after a failure).
 */
int portal_csv_parse(struct portal *p, const char *csv, size_t len, const char *const *headers,
                     size_t nfields, size_t max_bytes, size_t max_rows, struct portal_csv *ret)
    __attribute__((warn_unused_result));
void portal_csv_free(struct portal_csv *c);

#endif
