/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nanopb to and from flat buffers. */
#ifndef SVCPORT_SIM_PBIO_H
#define SVCPORT_SIM_PBIO_H

#include <stddef.h>
#include <stdint.h>

#include <pb.h>

/* Encodes msg into buf (cap bytes); -EMSGSIZE/-EINVAL on failure. */
int pbio_encode(const pb_msgdesc_t *fields, const void *msg, uint8_t *buf, size_t cap,
                size_t *ret_len) __attribute__((warn_unused_result));
/* Decodes exactly len bytes into msg (zeroed first); -EBADMSG on failure. */
int pbio_decode(const pb_msgdesc_t *fields, void *msg, const uint8_t *buf, size_t len)
    __attribute__((warn_unused_result));

#endif
