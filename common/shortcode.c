/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Crockford base32 groups with a check character over GF(32) each (shortcode.h). */
#include "shortcode.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define N 32

static const char alphabet[N + 1] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* The code point of c after Crockford's reading rules, or -1. */
static int code_point(char c)
{
	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	if (c == 'I' || c == 'L')
		c = '1';
	else if (c == 'O')
		c = '0';
	const char *p = c ? strchr(alphabet, c) : NULL;
	return p ? (int)(p - alphabet) : -1;
}

/* Multiplication in GF(2^5) with the primitive polynomial x^5 + x^2 + 1. */
static unsigned gf32_mul(unsigned a, unsigned b)
{
	unsigned r = 0;

	for (; b; b >>= 1) {
		if (b & 1)
			r ^= a;
		a <<= 1;
		if (a & 0x20)
			a ^= 0x25;
	}
	return r;
}

/* The weighted sum of cp[0..n) over GF(32): the last code point has weight 1 and each one
 * before it the next power of x (x^k for k < 31 are distinct and non-zero). The check
 * character makes the sum over the group and its check zero. A single wrong character
 * changes the sum by (weight * difference), never zero; a swap of characters at distances
 * d (1 = adjacent) by x^k (1 + x^d) (a + b), never zero for d < 31 and a != b. */
static unsigned check_sum(const int *cp, size_t n)
{
	unsigned sum = 0, weight = 1;

	for (size_t i = n; i-- > 0;) {
		sum ^= gf32_mul(weight, (unsigned)cp[i]);
		weight = gf32_mul(weight, 2);
	}
	return sum;
}

static bool is_size_ok(size_t bits, size_t group)
{
	return bits > 0 && bits <= SHORTCODE_BITS_MAX && group > 0 && group <= SHORTCODE_GROUP_MAX;
}

static size_t data_chars(size_t bits)
{
	return (bits + 4) / 5;
}

static size_t group_count(size_t bits, size_t group)
{
	return (data_chars(bits) + group - 1) / group;
}

size_t shortcode_text_size(size_t bits, size_t group)
{
	if (!is_size_ok(bits, group))
		return 0;
	size_t groups = group_count(bits, group);
	return data_chars(bits) + groups + (groups - 1) + 1;
}

/* Five bits starting at bit `at` (most significant first), zero past `bits`. */
static int bits_take5(const uint8_t *data, size_t bits, size_t at)
{
	int v = 0;

	for (size_t i = at; i < at + 5; i++) {
		int bit = i < bits ? (data[i / 8] >> (7 - i % 8)) & 1 : 0;
		v = v << 1 | bit;
	}
	return v;
}

int shortcode_encode(const uint8_t *data, size_t bits, size_t group, char *out, size_t out_size)
{
	size_t need = shortcode_text_size(bits, group), nchars = data_chars(bits), w = 0;
	int cp[SHORTCODE_GROUP_MAX + 1];

	if (need == 0)
		return -EINVAL;
	if (out_size < need)
		return -ENOSPC;
	for (size_t start = 0; start < nchars; start += group) {
		size_t n = nchars - start < group ? nchars - start : group;
		if (start > 0)
			out[w++] = '-';
		for (size_t i = 0; i < n; i++) {
			cp[i] = bits_take5(data, bits, (start + i) * 5);
			out[w++] = alphabet[cp[i]];
		}
		cp[n] = 0; /* the check has weight 1: the sum with it zero is the check */
		out[w++] = alphabet[check_sum(cp, n + 1)];
	}
	out[w] = '\0';
	return 0;
}

int shortcode_decode(const char *text, size_t bits, size_t group, uint8_t *ret_data,
                     size_t *ret_bad_group)
{
	int cp[(SHORTCODE_BITS_MAX + 4) / 5 + SHORTCODE_BITS_MAX / 5 + 1];
	size_t n = 0, nchars = data_chars(bits), bytes = (bits + 7) / 8;
	uint8_t out[(SHORTCODE_BITS_MAX + 7) / 8] = {0};

	if (!is_size_ok(bits, group) || !text)
		return -EINVAL;
	size_t want = nchars + group_count(bits, group);
	for (const char *p = text; *p; p++) {
		if (*p == '-' || *p == ' ')
			continue;
		int v = code_point(*p);
		if (v < 0 || n == want)
			return -EINVAL;
		cp[n++] = v;
	}
	if (n != want)
		return -EINVAL;

	size_t at = 0, bit = 0;
	for (size_t g = 0, start = 0; start < nchars; g++, start += group) {
		size_t len = nchars - start < group ? nchars - start : group;
		if (check_sum(cp + at, len + 1) != 0) {
			if (ret_bad_group)
				*ret_bad_group = g + 1;
			return -EBADMSG;
		}
		for (size_t i = 0; i < len; i++)
			for (int b = 4; b >= 0; b--, bit++) {
				int v = (cp[at + i] >> b) & 1;
				if (bit >= bits && v)
					return -EINVAL; /* padding must be zero: one text per value
					                 */
				if (bit < bits)
					out[bit / 8] |= (uint8_t)(v << (7 - bit % 8));
			}
		at += len + 1;
	}
	memcpy(ret_data, out, bytes);
	return 0;
}
