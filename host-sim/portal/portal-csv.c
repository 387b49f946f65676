// SPDX-License-Identifier: GPL-2.0-or-later
/* Strict CSV for the portal's uploads (see portal-csv.h). */
#include "portal-csv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "portal-internal.h"

static int bytes_check(struct portal *p, const char *csv, size_t len)
{
	size_t line = 1;

	if (len >= 3 && memcmp(csv, "\xef\xbb\xbf", 3) == 0)
		return portal_refuse(
		    p, -EINVAL, "line 1: a UTF-8 byte-order mark; save the file as plain ASCII");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)csv[i];

		if (c == '\n')
			line++;
		else if (c == '"')
			return portal_refuse(p, -EINVAL, "line %zu: quotes are not supported",
			                     line);
		else if (c != '\r' && (c < 0x20 || c > 0x7e))
			return portal_refuse(
			    p, -EINVAL, "line %zu: byte 0x%02x is not printable ASCII (encoding)",
			    line, c);
	}
	return 0;
}

/* Splits line in place on commas, trimming spaces; the number of fields. */
static size_t split(char *line, const char **f, size_t max)
{
	size_t n = 0;

	for (char *s = line;;) {
		char *comma = strchr(s, ',');
		char *end = comma ? comma : s + strlen(s);

		while (*s == ' ')
			s++;
		while (end > s && end[-1] == ' ')
			end--;
		if (n < max)
			f[n] = s;
		n++;
		if (!comma) {
			*end = '\0';
			break;
		}
		*end = '\0';
		s = comma + 1;
	}
	return n;
}

static bool is_header(const char **f, size_t n, const char *const *headers, size_t nfields)
{
	for (const char *const *h = headers; *h; h++) {
		char copy[128];
		const char *want[PORTAL_CSV_FIELDS_MAX];
		bool same = true;

		snprintf(copy, sizeof(copy), "%s", *h);
		if (split(copy, want, PORTAL_CSV_FIELDS_MAX) != nfields || n != nfields)
			continue;
		for (size_t i = 0; i < nfields; i++)
			same = same && strcasecmp(f[i], want[i]) == 0;
		if (same)
			return true;
	}
	return false;
}

int portal_csv_parse(struct portal *p, const char *csv, size_t len, const char *const *headers,
                     size_t nfields, size_t max_bytes, size_t max_rows, struct portal_csv *ret)
{
	bool have_header = false;
	size_t lineno = 0;
	char *save = NULL;
	int err;

	memset(ret, 0, sizeof(*ret));
	if (len > max_bytes)
		return portal_refuse(p, -E2BIG, "the file is over %zu bytes", max_bytes);
	err = bytes_check(p, csv, len);
	if (err < 0)
		return err;
	ret->buf = malloc(len + 1);
	ret->rows = calloc(max_rows, sizeof(*ret->rows));
	if (!ret->buf || !ret->rows)
		return -ENOMEM;
	memcpy(ret->buf, csv, len);
	ret->buf[len] = '\0';
	/* strtok_r would merge empty lines and lose the numbering: split by hand. */
	for (char *line = ret->buf; line; line = save) {
		const char *f[PORTAL_CSV_FIELDS_MAX + 1];
		size_t n;

		save = strchr(line, '\n');
		if (save)
			*save++ = '\0';
		lineno++;
		line[strcspn(line, "\r")] = '\0';
		if (line[strspn(line, " ")] == '\0' || line[strspn(line, " ")] == '#')
			continue;
		n = split(line, f, PORTAL_CSV_FIELDS_MAX + 1);
		if (!have_header) {
			if (!is_header(f, n, headers, nfields))
				return portal_refuse(p, -EINVAL,
				                     "line %zu: the header must be \"%s\"", lineno,
				                     headers[0]);
			have_header = true;
			continue;
		}
		if (n != nfields)
			return portal_refuse(p, -EINVAL, "line %zu: %zu fields, %zu expected",
			                     lineno, n, nfields);
		for (size_t i = 0; i < nfields; i++)
			if (!f[i][0])
				return portal_refuse(p, -EINVAL, "line %zu: field %zu is empty",
				                     lineno, i + 1);
		if (ret->n == max_rows)
			return portal_refuse(p, -E2BIG, "more than %zu rows", max_rows);
		ret->rows[ret->n].line = lineno;
		memcpy(ret->rows[ret->n].f, f, nfields * sizeof(*f));
		ret->n++;
	}
	if (!have_header)
		return portal_refuse(p, -EINVAL, "the file has no header \"%s\"", headers[0]);
	return 0;
}

void portal_csv_free(struct portal_csv *c)
{
	free(c->buf);
	free(c->rows);
	c->buf = NULL;
	c->rows = NULL;
	c->n = 0;
}
