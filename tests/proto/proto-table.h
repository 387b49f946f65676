/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SVCPORT_PROTO_TABLE_H
#define SVCPORT_PROTO_TABLE_H
#include <pb.h>
#include <stddef.h>

/* Every message of the schema; the last entry has name NULL. */
struct proto_msg {
	const char *name; /* full protobuf name, e.g. "svcport.v1.Frame" */
	const pb_msgdesc_t *fields;
	size_t size;
};

extern const struct proto_msg proto_msgs[];

#endif
