/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Codes a person reads over a telephone line (manual activation, docs/manual-activation.md).
 *
 * Bits are written in Crockford's base32 (0-9 A-Z without I L O U: no look-alikes), five
 * bits a character, most significant first, and cut into groups of `group` characters.
 * Each group ends with one check character, a weighted sum of the group's characters over
 * GF(32) (weights x^1, x^2, ... from the right): it catches every single mistyped
 * character and every swap of two characters of a group, adjacent or not, so a mistyped
 * group is named before anything is tried. (Luhn mod 32 was tried first: it misses the
 * swap 0Z <-> Z0, as Luhn mod 10 misses 09 <-> 90.)
 * Groups are printed with '-' between them ("7K3Q-M2XR"); on input, case does not
 * matter, I and L read as 1, O reads as 0, and spaces and '-' anywhere are ignored.
 * No I/O, no allocation. */
#ifndef SVCPORT_SHORTCODE_H
#define SVCPORT_SHORTCODE_H

#include <stddef.h>
#include <stdint.h>

#define SHORTCODE_BITS_MAX  160
#define SHORTCODE_GROUP_MAX 8

/* Characters needed to print `bits` bits in groups of `group` data characters: data,
 * check and separator characters plus the NUL. 0 for unsupported sizes. */
size_t shortcode_text_size(size_t bits, size_t group);

/* Prints the first `bits` bits of data ((bits + 7) / 8 bytes; bits past `bits` in the
 * last byte are ignored) into out. 0, -EINVAL (bits or group out of range) or
 * -ENOSPC (out_size below shortcode_text_size). */
int shortcode_encode(const uint8_t *data, size_t bits, size_t group, char *out, size_t out_size)
    __attribute__((warn_unused_result));

/* Reads text back into ret_data ((bits + 7) / 8 bytes, unused low bits zero). Returns 0;
 * -EINVAL for a character outside the alphabet or the wrong number of characters;
 * -EBADMSG when a group's check character does not match, with *ret_bad_group set to
 * that group's number (1 = first). ret_data and *ret_bad_group are untouched on any
 * other failure, and ret_data on -EBADMSG too. */
int shortcode_decode(const char *text, size_t bits, size_t group, uint8_t *ret_data,
                     size_t *ret_bad_group) __attribute__((warn_unused_result));

#endif
