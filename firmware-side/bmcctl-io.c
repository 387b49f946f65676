// SPDX-License-Identifier: GPL-2.0-or-later
/* svcport-bmcctl's admin socket, files and printing (bmcctl.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <pb_decode.h>
#include <pb_encode.h>

#include <mbedtls/pem.h>
#include <mbedtls/x509_crt.h>

#include "bmcctl.h"
#include "names.h"

#define REPLY_TIMEOUT_MS 30000

int ctl_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "svcport-bmcctl: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return 1;
}

int ctl_transact(const struct ctl *c, const svcport_admin_v1_AdminRequest *req,
                 svcport_admin_v1_AdminReply *rep)
{
	static uint8_t out[svcport_admin_v1_AdminRequest_size];
	static uint8_t in[svcport_admin_v1_AdminReply_size + 1];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	pb_ostream_t os = pb_ostream_from_buffer(out, sizeof(out));
	struct pollfd pfd;
	pb_istream_t is;
	ssize_t n;
	int fd;

	if (strlen(c->admin_socket) >= sizeof(sa.sun_path))
		return ctl_die("socket path too long: %s", c->admin_socket);
	strcpy(sa.sun_path, c->admin_socket);
	if (!pb_encode(&os, svcport_admin_v1_AdminRequest_fields, req))
		return ctl_die("request too large");
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "svcport-bmcctl: cannot reach svcport-bmcd at %s: %s\n",
		        c->admin_socket, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	if (send(fd, out, os.bytes_written, MSG_NOSIGNAL) < 0) {
		close(fd);
		return ctl_die("send: %s", strerror(errno));
	}
	pfd = (struct pollfd){.fd = fd, .events = POLLIN};
	if (poll(&pfd, 1, REPLY_TIMEOUT_MS) != 1) {
		close(fd);
		return ctl_die("no answer from svcport-bmcd within 30 s");
	}
	n = recv(fd, in, sizeof(in), 0);
	close(fd);
	if (n <= 0)
		return ctl_die("svcport-bmcd closed the connection (refused peer?)");
	is = pb_istream_from_buffer(in, (size_t)n);
	if (!pb_decode(&is, svcport_admin_v1_AdminReply_fields, rep))
		return ctl_die("answer does not decode");
	if (rep->error != svcport_admin_v1_AdminError_ADMIN_OK) {
		static const char *const what[] = {
		    "ok",         "bad request",    "authentication failed", "password must change",
		    "refused",    "internal error", "rate limited",          "bad signature",
		    "not stored", "error",          "role forbidden",        "wrong UEFI password"};
		const char *w = (unsigned)rep->error < sizeof(what) / sizeof(what[0])
		                    ? what[rep->error]
		                    : "error";
		static const char *const manual[] = {"mistyped", "wrong response", "expired"};

		if (rep->error >= svcport_admin_v1_AdminError_ADMIN_MISTYPED &&
		    rep->error <= svcport_admin_v1_AdminError_ADMIN_EXPIRED)
			w = manual[rep->error - svcport_admin_v1_AdminError_ADMIN_MISTYPED];

		fprintf(stderr, "svcport-bmcctl: %s: %s\n", w, rep->message);
		if (c->json) {
			char m[6 * sizeof(rep->message)];

			printf("{\"ok\":false,\"error\":\"%s\",\"message\":\"%s\","
			       "\"retry_after_ms\":%u}\n",
			       w, ctl_json_str(rep->message, m, sizeof(m)), rep->retry_after_ms);
		}
		if (rep->retry_after_ms)
			fprintf(stderr, "svcport-bmcctl: retry in %u ms\n", rep->retry_after_ms);
		return 1;
	}
	if (rep->message[0])
		fprintf(stderr, "svcport-bmcctl: note: %s\n", rep->message);
	return 0;
}

static const char *mode_name(svcport_v1_ControlMode m)
{
	return m == svcport_v1_ControlMode_CONTROL_BMC_MANAGED      ? "BMC_MANAGED"
	       : m == svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED ? "PORTAL_MANAGED"
	                                                            : "UNSPECIFIED";
}

static const char *tf(bool b)
{
	return b ? "true" : "false";
}

/* A JSON string value; fields are bounded, so 6 bytes per input byte fit. */
const char *ctl_json_str(const char *in, char *out, size_t cap)
{
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)in; *p && o + 7 < cap; p++) {
		if (*p == '"' || *p == '\\') {
			out[o++] = '\\';
			out[o++] = (char)*p;
		} else if (*p < 0x20) {
			o += (size_t)snprintf(out + o, cap - o, "\\u%04x", *p);
		} else {
			out[o++] = (char)*p;
		}
	}
	out[o] = 0;
	return out;
}

/*
 * What a physical reset of the BMC (handset or factory reset) gives whoever
 * does it, in words (docs/bmc.md "Resets and activation"): said plainly where
 * the owner looks, so a board without a UEFI password is a choice, not a
 * surprise.
 */
static const char *reset_gives(const svcport_admin_v1_StatusReply *s)
{
	const svcport_v1_DeviceInfo *i = &s->info;

	if (s->uefi_password_set)
		return "the Administrator+; `activate` then needs the UEFI password";
	if (!i->sed_enabled)
		return "the Administrator+ and `activate`: the server boots for whoever resets the "
		       "BMC (no SED: its drives are readable anyway). Set a UEFI password";
	if (s->factory_reset_clears_sed_ak && s->emergency_reset_clears_sed_ak)
		return "the Administrator+; the reset clears the SED AK, so the data stays locked";
	return "the Administrator+ and `activate` with the SED AK (a policy keeps it). Set a "
	       "UEFI password";
}

/* The status anyone at the console may read (no login): docs/bmc.md "status". */
static void print_status_public(const struct ctl *c, const svcport_admin_v1_StatusReply *s)
{
	const svcport_v1_DeviceInfo *i = &s->info;
	char mt[6 * sizeof(i->device.machine_type)], sn[6 * sizeof(i->device.serial_number)];
	char fw[6 * sizeof(i->firmware_version)], fault[6 * sizeof(s->hardware_fault)];

	if (c->json) {
		printf("{\"machine_type\":\"%s\",\"serial_number\":\"%s\",\"has_identity\":%s,"
		       "\"lockdown_state\":\"%s\",\"control_mode\":\"%s\",\"security_led\":\"%s\","
		       "\"firmware_version\":\"%s\",\"hardware_fault\":\"%s\",\"details\":false}\n",
		       ctl_json_str(i->device.machine_type, mt, sizeof(mt)),
		       ctl_json_str(i->device.serial_number, sn, sizeof(sn)), tf(i->has_identity),
		       names_lockdown(i->lockdown_state), mode_name(i->control_mode),
		       names_led(i->security_led),
		       ctl_json_str(i->firmware_version, fw, sizeof(fw)),
		       ctl_json_str(s->hardware_fault, fault, sizeof(fault)));
		return;
	}
	printf("device:          %s-%s%s\n", i->device.machine_type, i->device.serial_number,
	       i->has_identity ? "" : " (no identity: waiting for a device-key update)");
	printf("lockdown:        %s\n", names_lockdown(i->lockdown_state));
	printf("control mode:    %s\n", mode_name(i->control_mode));
	printf("security LED:    %s\n", names_led(i->security_led));
	if (s->hardware_fault[0])
		printf("hardware fault:  %s\n", s->hardware_fault);
	printf("firmware:        %s\n", i->firmware_version);
	printf("(log in for the details: --password-file FILE)\n");
}

void ctl_print_status(const struct ctl *c, const svcport_admin_v1_StatusReply *s)
{
	const svcport_v1_DeviceInfo *i = &s->info;

	if (!s->details) {
		print_status_public(c, s);
		return;
	}
	if (c->json) {
		char mt[6 * sizeof(i->device.machine_type)],
		    sn[6 * sizeof(i->device.serial_number)];
		char org[6 * sizeof(i->owner_org)], fw[6 * sizeof(i->firmware_version)];
		char set[6 * sizeof(s->sed_drive_set)],
		    comp[6 * sizeof(s->sed_backup_component_detail)];
		char fault[6 * sizeof(s->hardware_fault)];

		printf("{\"machine_type\":\"%s\",\"serial_number\":\"%s\",\"has_identity\":%s,"
		       "\"lockdown_state\":\"%s\",\"control_mode\":\"%s\",\"owner_org\":\"%s\","
		       "\"security_led\":\"%s\",\"sed_enabled\":%s,\"sed_ak_present\":%s,"
		       "\"intrusion_enabled\":%s,\"motion_enabled\":%s,"
		       "\"motion_step_threshold\":%u,\"emergency_reset_clears_sed_ak\":%s,"
		       "\"ble_presence_allowed\":%s,\"admin_password_must_change\":%s,"
		       "\"receipt_counter\":%llu,\"audit_count\":%llu,\"known_signers\":%u,"
		       "\"firmware_version\":\"%s\",\"uefi_password_set\":%s,"
		       "\"handset_revert_resets_password\":%s,\"keylock_enabled\":%s,"
		       "\"factory_reset_clears_sed_ak\":%s,\"chassis_locked\":%s,"
		       "\"sed_drive_set\":\"%s\",\"sed_ak_generation\":%llu,"
		       "\"sed_backup_component\":\"%s\",\"sed_backup_component_detail\":\"%s\","
		       "\"hardware_fault\":\"%s\",\"reset_since_activation\":%s,"
		       "\"reset_unconfirmed\":%s,\"reset_gives\":\"%s\",\"details\":true}\n",
		       ctl_json_str(i->device.machine_type, mt, sizeof(mt)),
		       ctl_json_str(i->device.serial_number, sn, sizeof(sn)), tf(i->has_identity),
		       names_lockdown(i->lockdown_state), mode_name(i->control_mode),
		       ctl_json_str(i->owner_org, org, sizeof(org)), names_led(i->security_led),
		       tf(i->sed_enabled), tf(s->sed_ak_present), tf(i->sensors.intrusion_enabled),
		       tf(i->sensors.motion_enabled), i->sensors.motion_step_threshold,
		       tf(s->emergency_reset_clears_sed_ak), tf(s->ble_presence_allowed),
		       tf(i->admin_password_must_change), (unsigned long long)s->receipt_counter,
		       (unsigned long long)s->audit_count, (unsigned)i->known_signers_count,
		       ctl_json_str(i->firmware_version, fw, sizeof(fw)), tf(s->uefi_password_set),
		       tf(s->handset_revert_resets_password), tf(s->keylock_enabled),
		       tf(s->factory_reset_clears_sed_ak), tf(s->chassis_locked),
		       ctl_json_str(s->sed_drive_set, set, sizeof(set)),
		       (unsigned long long)s->sed_ak_generation,
		       names_sed_component(i->sed_backup_component),
		       ctl_json_str(s->sed_backup_component_detail, comp, sizeof(comp)),
		       ctl_json_str(s->hardware_fault, fault, sizeof(fault)),
		       tf(s->reset_since_activation), tf(s->reset_unconfirmed), reset_gives(s));
		return;
	}
	printf("device:          %s-%s%s\n", i->device.machine_type, i->device.serial_number,
	       i->has_identity ? "" : " (no identity: waiting for a device-key update)");
	printf("lockdown:        %s\n", names_lockdown(i->lockdown_state));
	printf("control mode:    %s\n", mode_name(i->control_mode));
	printf("owner org:       %s\n", i->owner_org[0] ? i->owner_org : "(unclaimed)");
	printf("security LED:    %s\n", names_led(i->security_led));
	printf("SED:             %s, AK %s%s\n", i->sed_enabled ? "enabled" : "disabled",
	       s->sed_ak_present ? "present" : "absent",
	       i->sed_enabled && !s->sed_ak_present
	           ? " - the drives stay locked and the server cannot be activated: restore the "
	             "SED AK first"
	           : "");
	if (s->sed_drive_set[0])
		printf("SED drive set:   %s (passphrase AK)\n", s->sed_drive_set);
	printf("SED AK backup:   %s: %s\n", names_sed_component(i->sed_backup_component),
	       s->sed_backup_component_detail);
	printf("intrusion:       %s\n", i->sensors.intrusion_enabled ? "on" : "off");
	printf("motion:          %s (threshold %u steps)\n",
	       i->sensors.motion_enabled ? "on" : "off", i->sensors.motion_step_threshold);
	printf("policies:        password-reset-clears-sed-ak=%s ble-presence=%s\n"
	       "                 handset-revert-resets-password=%s factory-reset-clears-sed-ak=%s\n"
	       "                 keylock=%s\n",
	       tf(s->emergency_reset_clears_sed_ak), tf(s->ble_presence_allowed),
	       tf(s->handset_revert_resets_password), tf(s->factory_reset_clears_sed_ak),
	       tf(s->keylock_enabled));
	printf("chassis lock:    %s\n", s->chassis_locked ? "engaged" : "released (or none)");
	if (s->hardware_fault[0])
		printf("hardware fault:  %s\n", s->hardware_fault);
	printf("UEFI password:   %s\n", s->uefi_password_set ? "set" : "not set");
	printf("a BMC reset:     gives %s%s\n", reset_gives(s),
	       s->reset_since_activation ? " (one happened since the last activation)" : "");
	if (s->reset_unconfirmed)
		printf("                 the last reset is unconfirmed: `activate` (UEFI password) "
		       "by the Administrator+ confirms it\n");
	printf("admin password:  %s\n",
	       i->admin_password_must_change ? "the label's, must be changed" : "set");
	printf("receipts:        %llu\n", (unsigned long long)s->receipt_counter);
	printf("audit records:   %llu\n", (unsigned long long)s->audit_count);
	printf("known signers:   %u\n", (unsigned)i->known_signers_count);
	printf("firmware:        %s\n", i->firmware_version);
}

int ctl_parse_bool(const char *s, bool *ret)
{
	if (strcmp(s, "on") == 0 || strcmp(s, "true") == 0)
		*ret = true;
	else if (strcmp(s, "off") == 0 || strcmp(s, "false") == 0)
		*ret = false;
	else
		return -EINVAL;
	return 0;
}

int ctl_parse_u32(const char *s, uint32_t *ret)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || !*s || v > UINT32_MAX || s[0] == '-')
		return -EINVAL;
	*ret = (uint32_t)v;
	return 0;
}

int ctl_copy_str(char *dst, size_t cap, const char *src, const char *what)
{
	if (!src)
		return ctl_die("%s missing", what);
	if (strlen(src) >= cap)
		return ctl_die("%s too long", what);
	strcpy(dst, src);
	return 0;
}

/*
 * The SED backup unlocks the drives: a new file only (O_EXCL), no link
 * followed. An existing file keeps its own mode (perhaps world-readable), and
 * whoever made it may hold it open already.
 */
int ctl_backup_create(const char *path, int *ret_fd)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		return ctl_die("%s: cannot create (%s): a backup never overwrites a file", path,
		               strerror(errno));
	*ret_fd = fd;
	return 0;
}

int ctl_backup_write(int fd, const char *path, const void *data, size_t len)
{
	bool ok = write(fd, data, len) == (ssize_t)len && fsync(fd) == 0;

	if (close(fd) != 0)
		ok = false;
	return ok ? 0 : ctl_die("%s: write failed", path);
}

int ctl_read_file(const char *path, void *buf, size_t cap, size_t *ret_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return ctl_die("%s: cannot open", path);
	n = read(fd, buf, cap);
	close(fd);
	if (n < 0 || (size_t)n == cap)
		return ctl_die("%s: unreadable or too large", path);
	*ret_len = (size_t)n;
	return 0;
}

int ctl_write_pem(const char *path, const char *what, const uint8_t *der, size_t len)
{
	static unsigned char pem[4096];
	char begin[64], end[64];
	size_t olen;
	FILE *f = stdout;

	snprintf(begin, sizeof(begin), "-----BEGIN %s-----\n", what);
	snprintf(end, sizeof(end), "-----END %s-----\n", what);
	if (mbedtls_pem_write_buffer(begin, end, der, len, pem, sizeof(pem), &olen) != 0)
		return ctl_die("cannot write PEM");
	if (path) {
		f = fopen(path, "a");
		if (!f)
			return ctl_die("%s: %s", path, strerror(errno));
	}
	fputs((const char *)pem, f);
	if (path && fclose(f) != 0)
		return ctl_die("%s: %s", path, strerror(errno));
	return 0;
}

int ctl_cert_install_read(const char *path, svcport_admin_v1_CertInstall *in)
{
	static unsigned char buf[16384];
	mbedtls_x509_crt crt;
	size_t len = 0; /* set by ctl_read_file; gcc for armhf cannot tell */
	int ret = 1;

	if (ctl_read_file(path, buf, sizeof(buf) - 1, &len))
		return 1;
	buf[len] = 0;
	mbedtls_x509_crt_init(&crt);
	if (mbedtls_x509_crt_parse(&crt, buf, len + 1) != 0) {
		ctl_die("%s: not PEM certificates", path);
		goto out;
	}
	for (const mbedtls_x509_crt *c = &crt; c && c->raw.len; c = c->next) {
		if (in->certs_count == sizeof(in->certs) / sizeof(in->certs[0]) ||
		    c->raw.len > sizeof(in->certs[0].bytes)) {
			ctl_die("%s: at most 3 certificates of 1024 bytes", path);
			goto out;
		}
		memcpy(in->certs[in->certs_count].bytes, c->raw.p, c->raw.len);
		in->certs[in->certs_count++].size = (pb_size_t)c->raw.len;
	}
	ret = 0;
out:
	mbedtls_x509_crt_free(&crt);
	return ret;
}

int ctl_print_audit(const struct ctl *c, svcport_admin_v1_AdminRequest *req)
{
	static svcport_admin_v1_AdminReply rep;
	uint64_t next = req->cmd.audit_show.first;

	for (;;) {
		const svcport_admin_v1_AuditRecords *a;

		req->cmd.audit_show.first = next;
		if (ctl_transact(c, req, &rep) != 0)
			return 1;
		a = &rep.body.audit;
		for (pb_size_t i = 0; i < a->records_count; i++) {
			const svcport_v1_AuditRecord *r = &a->records[i];

			printf("%llu %llu %s session=%u link=%d result=%d %s\n",
			       (unsigned long long)r->seq, (unsigned long long)r->time, r->event,
			       r->session_id, r->link, r->result, r->detail);
			next = r->seq + 1;
		}
		if (a->records_count == 0 || next >= a->total)
			return 0;
	}
}

int ctl_print_audit_verify(const svcport_admin_v1_AuditVerifyReply *v)
{
	if (!v->ok) {
		fprintf(stderr, "svcport-bmcctl: audit log BROKEN at record %llu: %s\n",
		        (unsigned long long)v->bad_seq, v->detail);
		return 1;
	}
	printf("audit log intact: %llu records", (unsigned long long)v->records);
	if (v->uncommitted)
		printf(" (%llu uncommitted, discarded at next start)",
		       (unsigned long long)v->uncommitted);
	printf("\n");
	return 0;
}
