/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Lowercase hexadecimal, both ways (fingerprints, key hashes, nonces). */
#ifndef SVCPORT_HEX_H
#define SVCPORT_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Writes 2*len digits and a NUL into out (2*len+1 bytes). */
void hex_encode(const uint8_t *in, size_t len, char *out);
/* Parses exactly 2*len hex digits (either case) of s into out; the string
 * may go on after them only if is_prefix. 0 or -EINVAL (out then undefined). */
int hex_decode(const char *s, uint8_t *out, size_t len, int is_prefix)
    __attribute__((warn_unused_result));

#endif
