// SPDX-License-Identifier: GPL-2.0-or-later
#include "pbio.h"

#include <errno.h>

#include <pb_decode.h>
#include <pb_encode.h>

int pbio_encode(const pb_msgdesc_t *fields, const void *msg, uint8_t *buf, size_t cap,
                size_t *ret_len)
{
	pb_ostream_t os = pb_ostream_from_buffer(buf, cap);

	if (!pb_encode(&os, fields, msg))
		return os.bytes_written >= cap ? -EMSGSIZE : -EINVAL;
	*ret_len = os.bytes_written;
	return 0;
}

int pbio_decode(const pb_msgdesc_t *fields, void *msg, const uint8_t *buf, size_t len)
{
	pb_istream_t is = pb_istream_from_buffer(buf, len);

	return pb_decode(&is, fields, msg) ? 0 : -EBADMSG;
}
