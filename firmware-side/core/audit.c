// SPDX-License-Identifier: GPL-2.0-or-later
#include "audit.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/sha256.h>
#include <pb_decode.h>
#include <pb_encode.h>

#include "fsio.h"
#include "fsutil.h"

static int audit_open(const char *state_dir, int flags)
{
	char path[PATH_MAX];
	int ret = fs_path(path, sizeof(path), state_dir, AUDIT_FILE);
	int fd;

	if (ret < 0)
		return ret;
	fd = open(path, flags | O_CLOEXEC | O_NOFOLLOW, 0600);
	return fd < 0 ? -errno : fd;
}

static int pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, (unsigned char *)buf + got, len - got, (off_t)(off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ENODATA;
		got += (size_t)n;
	}
	return 0;
}

int audit_append(const char *state_dir, svcport_v1_BmcState *st, const struct audit_entry *e)
{
	unsigned char buf[4 + svcport_v1_AuditRecord_size];
	svcport_v1_AuditRecord rec = svcport_v1_AuditRecord_init_zero;
	pb_ostream_t os = pb_ostream_from_buffer(buf + 4, sizeof(buf) - 4);
	struct fs_stat sb = {0};
	bool created = false;
	size_t len, off = 0;
	int fd, ret;

	rec.seq = st->audit_count;
	rec.time = e->time;
	rec.prev_sha256.size = 32;
	if (st->audit_count > 0)
		memcpy(rec.prev_sha256.bytes, st->audit_head_sha256.bytes, 32);
	snprintf(rec.event, sizeof(rec.event), "%s", e->event);
	snprintf(rec.detail, sizeof(rec.detail), "%s", e->detail ? e->detail : "");
	rec.session_id = e->session_id;
	rec.link = e->link;
	rec.result = e->result;
	if (!pb_encode(&os, svcport_v1_AuditRecord_fields, &rec))
		return -EINVAL;
	len = os.bytes_written;
	buf[0] = (unsigned char)len;
	buf[1] = (unsigned char)(len >> 8);
	buf[2] = buf[3] = 0;

	fd = audit_open(state_dir, O_RDWR);
	if (fd == -ENOENT) {
		fd = audit_open(state_dir, O_RDWR | O_CREAT);
		created = true;
	}
	if (fd < 0)
		return fd;
	ret = fs_stat_fd(fd, &sb);
	if (ret < 0)
		goto out;
	/* Drop the trace of a change whose state write never landed. */
	if (sb.size != st->audit_bytes && fsio_ftruncate(fd, (off_t)st->audit_bytes) < 0) {
		ret = -errno;
		goto out;
	}
	while (off < len + 4) {
		ssize_t n =
		    fsio_pwrite(fd, buf + off, len + 4 - off, (off_t)(st->audit_bytes + off));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		off += (size_t)n;
	}
	if (fsio_fsync(fd) < 0) {
		ret = -errno;
		goto out;
	}
	if (created) {
		ret = fs_sync_dir(state_dir);
		if (ret < 0)
			goto out;
	}
	mbedtls_sha256_ret(buf + 4, len, st->audit_head_sha256.bytes, 0);
	st->audit_head_sha256.size = 32;
	st->audit_count++;
	st->audit_bytes += 4 + len;
	ret = 0;
out:
	close(fd);
	return ret;
}

/*
 * Walks records from offset 0. cb (may be NULL) sees each committed record;
 * stops at the committed end, then counts whole records beyond it.
 */
typedef void (*audit_cb)(const svcport_v1_AuditRecord *rec, void *user_data);

static int audit_walk(const char *state_dir, const svcport_v1_BmcState *st, struct audit_report *r,
                      audit_cb cb, void *user_data)
{
	unsigned char buf[svcport_v1_AuditRecord_size], prev[32] = {0};
	svcport_v1_AuditRecord rec;
	uint64_t off = 0, seq = 0;
	struct fs_stat sb = {0};
	int fd, err;

	memset(r, 0, sizeof(*r));
	fd = audit_open(state_dir, O_RDONLY);
	if (fd == -ENOENT && st->audit_count == 0) {
		r->ok = true;
		return 0;
	}
	if (fd < 0)
		return fd;
	err = fs_stat_fd(fd, &sb);
	if (err < 0) {
		close(fd);
		return err;
	}
	for (;;) {
		unsigned char hdr[4];
		size_t len;
		pb_istream_t is;

		if (seq == st->audit_count && off != st->audit_bytes) {
			snprintf(r->detail, sizeof(r->detail),
			         "committed length %llu, records end at %llu",
			         (unsigned long long)st->audit_bytes, (unsigned long long)off);
			goto bad;
		}
		if (off + 4 > sb.size || pread_all(fd, hdr, 4, off) < 0)
			break;
		len = hdr[0] | (size_t)hdr[1] << 8 | (size_t)hdr[2] << 16 | (size_t)hdr[3] << 24;
		if (len > sizeof(buf) || off + 4 + len > sb.size ||
		    pread_all(fd, buf, len, off + 4) < 0)
			break;
		if (seq >= st->audit_count) {
			r->uncommitted++;
			off += 4 + len;
			seq++;
			continue;
		}
		memset(&rec, 0, sizeof(rec));
		is = pb_istream_from_buffer(buf, len);
		if (!pb_decode(&is, svcport_v1_AuditRecord_fields, &rec)) {
			snprintf(r->detail, sizeof(r->detail), "record %llu does not decode",
			         (unsigned long long)seq);
			goto bad;
		}
		if (rec.seq != seq) {
			snprintf(r->detail, sizeof(r->detail), "record %llu carries seq %llu",
			         (unsigned long long)seq, (unsigned long long)rec.seq);
			goto bad;
		}
		if (rec.prev_sha256.size != 32 || memcmp(rec.prev_sha256.bytes, prev, 32) != 0) {
			snprintf(r->detail, sizeof(r->detail),
			         "record %llu does not chain to its predecessor",
			         (unsigned long long)seq);
			goto bad;
		}
		mbedtls_sha256_ret(buf, len, prev, 0);
		if (cb)
			cb(&rec, user_data);
		off += 4 + len;
		seq++;
	}
	if (seq < st->audit_count) {
		snprintf(r->detail, sizeof(r->detail), "log ends after %llu of %llu records",
		         (unsigned long long)seq, (unsigned long long)st->audit_count);
		goto bad;
	}
	if (st->audit_count > 0 && memcmp(prev, st->audit_head_sha256.bytes, 32) != 0) {
		seq = st->audit_count - 1;
		snprintf(r->detail, sizeof(r->detail),
		         "last record differs from the committed head");
		goto bad;
	}
	close(fd);
	r->ok = true;
	r->records = st->audit_count;
	return 0;
bad:
	close(fd);
	r->ok = false;
	r->records = seq;
	r->bad_seq = seq;
	return 0;
}

int audit_verify(const char *state_dir, const svcport_v1_BmcState *st, struct audit_report *report)
{
	return audit_walk(state_dir, st, report, NULL, NULL);
}

int audit_check_committed(const char *state_dir, const svcport_v1_BmcState *st)
{
	struct audit_report r;
	int ret = audit_walk(state_dir, st, &r, NULL, NULL);

	if (ret < 0)
		return ret;
	return r.ok ? 0 : -EBADMSG;
}

int audit_discard_uncommitted(const char *state_dir, const svcport_v1_BmcState *st)
{
	struct fs_stat sb = {0};
	int fd = audit_open(state_dir, O_RDWR);
	int ret = 0;

	if (fd == -ENOENT && st->audit_bytes == 0)
		return 0;
	if (fd < 0)
		return fd;
	ret = fs_stat_fd(fd, &sb);
	if (ret == 0 && sb.size > st->audit_bytes &&
	    (fsio_ftruncate(fd, (off_t)st->audit_bytes) < 0 || fsio_fsync(fd) < 0))
		ret = -errno;
	close(fd);
	return ret;
}

struct read_ctx {
	uint64_t first;
	svcport_v1_AuditRecord *out;
	size_t max, n;
};

static void read_cb(const svcport_v1_AuditRecord *rec, void *user_data)
{
	struct read_ctx *c = user_data;

	if (rec->seq >= c->first && c->n < c->max)
		c->out[c->n++] = *rec;
}

int audit_read(const char *state_dir, const svcport_v1_BmcState *st, uint64_t first,
               svcport_v1_AuditRecord *out, size_t max, size_t *ret_n)
{
	struct read_ctx c = {.first = first, .out = out, .max = max};
	struct audit_report r;
	int ret = audit_walk(state_dir, st, &r, read_cb, &c);

	if (ret < 0)
		return ret;
	*ret_n = c.n;
	return 0;
}
