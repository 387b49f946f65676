// SPDX-License-Identifier: GPL-2.0-or-later
/* The BMC's management addresses as subjectAltName GeneralNames (mgmtaddr.h). */
#include "mgmtaddr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/asn1write.h>

#define DNS_MAX 253

struct addr {
	unsigned char tag; /* GeneralName: [2] dNSName or [7] iPAddress */
	unsigned char bytes[DNS_MAX];
	size_t len;
};

/*
 * A DNS name of letter-digit-hyphen labels of 1..63 characters, lower-cased.
 * Its last label is not all digits (RFC 1123 2.1): "192.0.2.300" is a mistyped
 * address, not a name.
 */
static bool dns_parse(const char *s, struct addr *a)
{
	size_t n = strlen(s), label = 0;
	bool numeric = true; /* the label so far is all digits */

	if (n == 0 || n > DNS_MAX || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		const unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			numeric = true;
		} else if (isalnum(c) || (c == '-' && label > 0)) {
			if (++label > 63)
				return false;
			numeric = numeric && isdigit(c);
		} else
			return false;
		a->bytes[i] = (unsigned char)tolower(c);
	}
	a->tag = MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2;
	a->len = n;
	return s[n - 1] != '-' && !numeric;
}

static bool addr_parse(const char *s, struct addr *a)
{
	if (inet_pton(AF_INET, s, a->bytes) == 1)
		a->len = 4;
	else if (inet_pton(AF_INET6, s, a->bytes) == 1)
		a->len = 16;
	else
		return dns_parse(s, a);
	a->tag = MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7;
	return true;
}

static bool is_known(const struct addr *list, size_t n, const struct addr *a)
{
	for (size_t i = 0; i < n; i++)
		if (list[i].tag == a->tag && list[i].len == a->len &&
		    memcmp(list[i].bytes, a->bytes, a->len) == 0)
			return true;
	return false;
}

/* GeneralNames ::= SEQUENCE OF GeneralName, written backwards. Its length or -ENOSPC. */
static int der_write(const struct addr *list, size_t n, unsigned char *der, size_t cap)
{
	unsigned char buf[MGMTADDR_MAX * (DNS_MAX + 4) + 8], *p = buf + sizeof(buf);
	int len = 0, r;

	for (size_t i = n; i-- > 0;) {
		const int start = len;

		if ((r = mbedtls_asn1_write_raw_buffer(&p, buf, list[i].bytes, list[i].len)) < 0)
			return -ENOSPC;
		len += r;
		if ((r = mbedtls_asn1_write_len(&p, buf, (size_t)(len - start))) < 0)
			return -ENOSPC;
		len += r;
		if ((r = mbedtls_asn1_write_tag(&p, buf, list[i].tag)) < 0)
			return -ENOSPC;
		len += r;
	}
	/* No address: no extension (GeneralNames has at least one). */
	if (n > 0) {
		if ((r = mbedtls_asn1_write_len(&p, buf, (size_t)len)) < 0)
			return -ENOSPC;
		len += r;
		r = mbedtls_asn1_write_tag(&p, buf,
		                           MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
		if (r < 0)
			return -ENOSPC;
		len += r;
	}
	if ((size_t)len > cap)
		return -ENOSPC;
	memcpy(der, p, (size_t)len);
	return len;
}

/* The file's lines into list. The count, or -EINVAL (why in err). */
static int lines_parse(char *text, struct addr *list, char *what, size_t what_cap, char *err,
                       size_t err_len)
{
	size_t n = 0, wl = 0;
	char *save = NULL;

	what[0] = 0;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		size_t n_l;

		l += strspn(l, " \t");
		for (n_l = strlen(l); n_l > 0 && strchr(" \t\r", l[n_l - 1]); n_l--)
			l[n_l - 1] = 0;
		if (l[0] == 0 || l[0] == '#')
			continue;
		if (n == MGMTADDR_MAX) {
			snprintf(err, err_len, "more than %d addresses", MGMTADDR_MAX);
			return -EINVAL;
		}
		if (!addr_parse(l, &list[n])) {
			snprintf(err, err_len, "not an IP address or DNS name: %.64s", l);
			return -EINVAL;
		}
		if (is_known(list, n, &list[n]))
			continue;
		n++;
		if (wl < what_cap)
			wl += (size_t)snprintf(what + wl, what_cap - wl, "%s%s", wl ? " " : "", l);
	}
	return (int)n;
}

int mgmtaddr_read(const char *path, unsigned char *der, size_t cap, size_t *ret_len, char *what,
                  size_t what_cap, char *err, size_t err_len)
{
	static struct addr list[MGMTADDR_MAX];
	char text[MGMTADDR_FILE_MAX + 1];
	size_t len;
	FILE *f = fopen(path, "re");
	int n;

	if (!f && errno == ENOENT) {
		*ret_len = 0;
		snprintf(what, what_cap, "none");
		return 0;
	}
	if (!f) {
		n = -errno;
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		return n;
	}
	len = fread(text, 1, sizeof(text), f);
	n = ferror(f) || len > MGMTADDR_FILE_MAX ? -EINVAL : 0;
	fclose(f);
	if (n < 0) {
		snprintf(err, err_len, "%s: unreadable or over %d bytes", path, MGMTADDR_FILE_MAX);
		return n;
	}
	/* A NUL would end the text early: the lines after it dropped unsaid. */
	if (memchr(text, 0, len)) {
		snprintf(err, err_len, "%s: a NUL byte: not a text file", path);
		return -EINVAL;
	}
	text[len] = 0;
	n = lines_parse(text, list, what, what_cap, err, err_len);
	if (n >= 0)
		n = der_write(list, (size_t)n, der, cap);
	if (n == -ENOSPC)
		snprintf(err, err_len, "the addresses do not fit a certificate");
	if (n < 0)
		return n == -ENOSPC ? -EINVAL : n;
	*ret_len = (size_t)n;
	if (n == 0)
		snprintf(what, what_cap, "none");
	return 0;
}
