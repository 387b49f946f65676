// SPDX-License-Identifier: GPL-2.0-or-later
/* API: ownership transfers (CSV + one-time passphrase) and "ready for activation". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "portal-api.h"
#include "portal-internal.h"
#include "utc.h"

#define XFER_DEVICES_MAX 32
#define XFER_CSV_MAX     (XFER_DEVICES_MAX * 128 + 128)

/* The transfer file lives in memory: a memfd the library opens by path. */
static int memfd_open(char path[64])
{
	int fd = memfd_create("svcport-transfer.csv", MFD_CLOEXEC);

	if (fd >= 0)
		snprintf(path, 64, "/proc/self/fd/%d", fd);
	return fd;
}

static int h_transfer_start(struct api_req *r, json_t **ret)
{
	json_t *devs = r->json ? json_object_get(r->json, "devices") : NULL;
	json_t *vf = r->json ? json_object_get(r->json, "valid_for") : NULL;
	const char *list[XFER_DEVICES_MAX];
	char path[64], phrase[PORTAL_PASSPHRASE_MAX], id[33], csv[XFER_CSV_MAX];
	ssize_t len;
	size_t n = json_array_size(devs);
	int fd, err, status;

	if (!json_is_array(devs) || n == 0 || n > XFER_DEVICES_MAX || (vf && !json_is_integer(vf)))
		return api_bad(ret,
		               "send {\"devices\": [\"MT-SN\", ...] (1 to %d), \"valid_for\": "
		               "seconds (optional, at most 86400)}",
		               XFER_DEVICES_MAX);
	for (size_t i = 0; i < n; i++) {
		list[i] = json_string_value(json_array_get(devs, i));
		if (!list[i])
			return api_bad(ret, "devices: strings \"MT-SN\"");
	}
	fd = memfd_open(path);
	if (fd < 0)
		return api_error(r, ret, -errno);
	err = portal_act_transfer_start(r->p, &r->actor, r->seg[1], list, n, path,
	                                vf ? (long)json_integer_value(vf) : PORTAL_TRANSFER_VALID,
	                                utc_now_s(), phrase, id);
	len = err == 0 ? pread(fd, csv, sizeof(csv) - 1, 0) : -1;
	close(fd);
	if (err < 0)
		return api_error(r, ret, err);
	if (len < 0)
		return api_error(r, ret, -EIO);
	csv[len] = '\0';
	*ret = json_pack("{s:s, s:s, s:s, s:I}", "transfer_id", id, "passphrase", phrase, "csv",
	                 csv, "valid_for",
	                 (json_int_t)(vf ? json_integer_value(vf) : PORTAL_TRANSFER_VALID));
	status = 201;
	mbedtls_platform_zeroize(phrase, sizeof(phrase));
	return status;
}

static int h_transfer_accept(struct api_req *r, json_t **ret)
{
	const char *csv = api_str(r, "csv"), *phrase = api_str(r, "passphrase");
	char path[64];
	int fd, err;

	if (!csv || !phrase || strlen(csv) > XFER_CSV_MAX)
		return api_bad(ret, "send {\"csv\": the transfer file, \"passphrase\": ...}");
	fd = memfd_open(path);
	if (fd < 0)
		return api_error(r, ret, -errno);
	err = write(fd, csv, strlen(csv)) == (ssize_t)strlen(csv) ? 0 : -EIO;
	if (err == 0)
		err = portal_act_transfer_accept(r->p, &r->actor, r->seg[1], path, phrase,
		                                 utc_now_s());
	close(fd);
	if (err < 0)
		return api_error(r, ret, err);
	*ret = json_pack("{s:s, s:s}", "to", r->seg[1], "state", "accepted");
	return 200;
}

static int h_ready(struct api_req *r, json_t **ret)
{
	json_t *vf = r->json ? json_object_get(r->json, "valid_for") : NULL;
	long valid = vf ? (long)json_integer_value(vf) : 3600;
	int err;

	if (vf && !json_is_integer(vf))
		return api_bad(ret, "send {\"valid_for\": seconds (at most 86400)} or nothing");
	err = portal_act_ready_mark(r->p, &r->actor, r->seg[1], r->seg[2], valid, utc_now_s());
	if (err < 0)
		return api_error(r, ret, err);
	*ret = json_pack("{s:s, s:s, s:I}", "machine_type", r->seg[1], "serial_number", r->seg[2],
	                 "expires_at", (json_int_t)(utc_now_s() + valid));
	return 200;
}

const struct api_route api_routes_xfer[] = {
    {EVHTTP_REQ_POST, "orgs/*/transfers", true, h_transfer_start},
    {EVHTTP_REQ_POST, "orgs/*/transfers/accept", true, h_transfer_accept},
    {EVHTTP_REQ_POST, "devices/*/*/ready", true, h_ready},
    {0, NULL, false, NULL},
};
