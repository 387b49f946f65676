// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nanopb side of the schema interop test. For a message type:
 *   proto-codec reencode TYPE IN OUT   decode IN with nanopb, encode to OUT
 *   proto-codec list                   print every message type
 *   proto-codec batch                  read "TYPE IN OUT" lines from stdin and
 *                                      answer one "ok" or error line each
 *                                      (one process for the whole test)
 * A decode failure prints "TYPE: decode failed: <nanopb error>" and exits 1.
 */
#include <errno.h>
#include <pb_decode.h>
#include <pb_encode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto-table.h"

#define MAX_WIRE 65536

static const struct proto_msg *find(const char *name)
{
	for (const struct proto_msg *m = proto_msgs; m->name; m++)
		if (!strcmp(m->name, name))
			return m;
	return NULL;
}

static int reencode(const char *type, const char *in_path, const char *out_path, FILE *err)
{
	static uint8_t in[MAX_WIRE], out[MAX_WIRE];
	int ret = 1;
	const struct proto_msg *m = find(type);
	if (!m) {
		fprintf(err, "%s: unknown message type\n", type);
		return 2;
	}
	FILE *f = fopen(in_path, "rb");
	if (!f) {
		fprintf(err, "%s: %s\n", in_path, strerror(errno));
		return 2;
	}
	size_t n = fread(in, 1, sizeof(in), f);
	fclose(f);

	/* Decode into a zeroed heap block sized exactly like the struct, so
	 * ASan catches any write past it. */
	void *msg = calloc(1, m->size);
	if (!msg) {
		fprintf(err, "out of memory\n");
		return 2;
	}
	pb_istream_t is = pb_istream_from_buffer(in, n);
	if (!pb_decode(&is, m->fields, msg)) {
		fprintf(err, "%s: decode failed: %s\n", type, PB_GET_ERROR(&is));
		goto out_free;
	}
	pb_ostream_t os = pb_ostream_from_buffer(out, sizeof(out));
	if (!pb_encode(&os, m->fields, msg)) {
		fprintf(err, "%s: encode failed: %s\n", type, PB_GET_ERROR(&os));
		goto out_free;
	}
	f = fopen(out_path, "wb");
	if (!f || fwrite(out, 1, os.bytes_written, f) != os.bytes_written) {
		fprintf(err, "%s: %s\n", out_path, strerror(errno));
		if (f)
			fclose(f);
		goto out_free;
	}
	fclose(f);
	ret = 0;
out_free:
	free(msg);
	return ret;
}

static int batch(void)
{
	char line[3 * 4096 + 8], type[4096], in[4096], out[4096];

	while (fgets(line, sizeof(line), stdin)) {
		if (sscanf(line, "%4095s %4095s %4095s", type, in, out) != 3) {
			fprintf(stderr, "batch: bad line\n");
			return 2;
		}
		/* One line per item: "ok", or the error reencode printed. */
		if (reencode(type, in, out, stdout) == 0)
			printf("ok\n");
		fflush(stdout);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "batch"))
		return batch();
	if (argc == 2 && !strcmp(argv[1], "list")) {
		for (const struct proto_msg *m = proto_msgs; m->name; m++)
			printf("%s\n", m->name);
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "reencode"))
		return reencode(argv[2], argv[3], argv[4], stderr);
	fprintf(stderr, "usage: proto-codec list | batch | reencode TYPE IN OUT\n");
	return 2;
}
