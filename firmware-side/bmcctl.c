// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * svcport-bmcctl: the BMC's local administrator console. One AdminRequest per
 * command over bmcd's admin socket; prints the answer; exit 0 only on success.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
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

#include "admin.pb.h"

#define REPLY_TIMEOUT_MS 30000

static const char *admin_socket;
static const char *password;
static bool json;

static int die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "svcport-bmcctl: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return 1;
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: svcport-bmcctl --admin-socket PATH [--password PW] [--json] COMMAND\n"
	        "commands:\n"
	        "  status                         device, lockdown, LED, sensors, policies\n"
	        "  activate                       release the SED AK (BMC-managed control only)\n"
	        "  password set [NEW]             NEW or $SVCPORT_NEW_ADMIN_PASSWORD\n"
	        "  sensors show\n"
	        "  sensors set [intrusion on|off] [motion on|off] [threshold N]\n"
	        "  tamper intrusion | tamper motion STEPS   simulate a sensor firing\n"
	        "  sed enable | sed passphrase [P] ($SVCPORT_SED_PASSPHRASE)\n"
	        "  sed backup FILE | sed restore FILE\n"
	        "  policy set emergency-reset-clears-sed-ak|ble-presence true|false\n"
	        "  factory-reset --yes            reset the admin password to the default\n"
	        "  audit show [FIRST] | audit verify\n"
	        "  cert export [--which device|internal-ca|link] [FILE]\n"
	        "  cert csr [FILE] | cert install FILE\n"
	        "  trust update FILE              pin new portal roots: FILE is an encoded\n"
	        "                                 TrustUpdate signed by a pinned root's key\n"
	        "The administrator password comes from --password or $SVCPORT_ADMIN_PASSWORD\n"
	        "(the default after init or a reset is PASSW0RD and must be changed).\n");
}

static int transact(const svcport_admin_v1_AdminRequest *req, svcport_admin_v1_AdminReply *rep)
{
	static uint8_t out[svcport_admin_v1_AdminRequest_size];
	static uint8_t in[svcport_admin_v1_AdminReply_size + 1];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	pb_ostream_t os = pb_ostream_from_buffer(out, sizeof(out));
	struct pollfd pfd;
	pb_istream_t is;
	ssize_t n;
	int fd;

	if (strlen(admin_socket) >= sizeof(sa.sun_path))
		return die("socket path too long: %s", admin_socket);
	strcpy(sa.sun_path, admin_socket);
	if (!pb_encode(&os, svcport_admin_v1_AdminRequest_fields, req))
		return die("request too large");
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "svcport-bmcctl: cannot reach svcport-bmcd at %s: %s\n",
		        admin_socket, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	if (send(fd, out, os.bytes_written, MSG_NOSIGNAL) < 0) {
		close(fd);
		return die("send: %s", strerror(errno));
	}
	pfd = (struct pollfd){.fd = fd, .events = POLLIN};
	if (poll(&pfd, 1, REPLY_TIMEOUT_MS) != 1) {
		close(fd);
		return die("no answer from svcport-bmcd within 30 s");
	}
	n = recv(fd, in, sizeof(in), 0);
	close(fd);
	if (n <= 0)
		return die("svcport-bmcd closed the connection (refused peer?)");
	is = pb_istream_from_buffer(in, (size_t)n);
	if (!pb_decode(&is, svcport_admin_v1_AdminReply_fields, rep))
		return die("answer does not decode");
	if (rep->error != svcport_admin_v1_AdminError_ADMIN_OK) {
		static const char *const what[] = {
		    "ok",      "bad request",    "authentication failed", "password must change",
		    "refused", "internal error", "rate limited"};
		const char *w = (unsigned)rep->error < 7 ? what[rep->error] : "error";

		fprintf(stderr, "svcport-bmcctl: %s: %s\n", w, rep->message);
		if (rep->retry_after_ms)
			fprintf(stderr, "svcport-bmcctl: retry in %u ms\n", rep->retry_after_ms);
		return 1;
	}
	if (rep->message[0])
		fprintf(stderr, "svcport-bmcctl: note: %s\n", rep->message);
	return 0;
}

static const char *lockdown_name(svcport_v1_LockdownState s)
{
	return s == svcport_v1_LockdownState_LOCKDOWN_ACTIVE   ? "ACTIVE"
	       : s == svcport_v1_LockdownState_LOCKDOWN_LOCKED ? "LOCKED"
	                                                       : "UNSPECIFIED";
}

static const char *mode_name(svcport_v1_ControlMode m)
{
	return m == svcport_v1_ControlMode_CONTROL_BMC_MANAGED      ? "BMC_MANAGED"
	       : m == svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED ? "PORTAL_MANAGED"
	                                                            : "UNSPECIFIED";
}

static const char *led_name(svcport_v1_SecurityLed l)
{
	return l == svcport_v1_SecurityLed_LED_OFF        ? "OFF"
	       : l == svcport_v1_SecurityLed_LED_ON       ? "ON"
	       : l == svcport_v1_SecurityLed_LED_BLINKING ? "BLINKING"
	                                                  : "UNSPECIFIED";
}

static const char *tf(bool b)
{
	return b ? "true" : "false";
}

/* A JSON string value; fields are bounded, so 6 bytes per input byte fit. */
static const char *json_str(const char *in, char *out, size_t cap)
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

static void print_status(const svcport_admin_v1_StatusReply *s)
{
	const svcport_v1_DeviceInfo *i = &s->info;

	if (json) {
		char mt[6 * sizeof(i->device.machine_type)],
		    sn[6 * sizeof(i->device.serial_number)];
		char org[6 * sizeof(i->owner_org)], fw[6 * sizeof(i->firmware_version)];

		printf("{\"machine_type\":\"%s\",\"serial_number\":\"%s\",\"has_identity\":%s,"
		       "\"lockdown_state\":\"%s\",\"control_mode\":\"%s\",\"owner_org\":\"%s\","
		       "\"security_led\":\"%s\",\"sed_enabled\":%s,\"sed_ak_present\":%s,"
		       "\"intrusion_enabled\":%s,\"motion_enabled\":%s,"
		       "\"motion_step_threshold\":%u,\"emergency_reset_clears_sed_ak\":%s,"
		       "\"ble_presence_allowed\":%s,\"admin_password_must_change\":%s,"
		       "\"receipt_counter\":%llu,\"audit_count\":%llu,\"known_signers\":%u,"
		       "\"firmware_version\":\"%s\"}\n",
		       json_str(i->device.machine_type, mt, sizeof(mt)),
		       json_str(i->device.serial_number, sn, sizeof(sn)), tf(i->has_identity),
		       lockdown_name(i->lockdown_state), mode_name(i->control_mode),
		       json_str(i->owner_org, org, sizeof(org)), led_name(i->security_led),
		       tf(i->sed_enabled), tf(s->sed_ak_present), tf(i->sensors.intrusion_enabled),
		       tf(i->sensors.motion_enabled), i->sensors.motion_step_threshold,
		       tf(s->emergency_reset_clears_sed_ak), tf(s->ble_presence_allowed),
		       tf(i->admin_password_must_change), (unsigned long long)s->receipt_counter,
		       (unsigned long long)s->audit_count, (unsigned)i->known_signers_count,
		       json_str(i->firmware_version, fw, sizeof(fw)));
		return;
	}
	printf("device:          %s-%s%s\n", i->device.machine_type, i->device.serial_number,
	       i->has_identity ? "" : " (no identity: waiting for a device-key update)");
	printf("lockdown:        %s\n", lockdown_name(i->lockdown_state));
	printf("control mode:    %s\n", mode_name(i->control_mode));
	printf("owner org:       %s\n", i->owner_org[0] ? i->owner_org : "(unclaimed)");
	printf("security LED:    %s\n", led_name(i->security_led));
	printf("SED:             %s, AK %s\n", i->sed_enabled ? "enabled" : "disabled",
	       s->sed_ak_present ? "present" : "absent");
	printf("intrusion:       %s\n", i->sensors.intrusion_enabled ? "on" : "off");
	printf("motion:          %s (threshold %u steps)\n",
	       i->sensors.motion_enabled ? "on" : "off", i->sensors.motion_step_threshold);
	printf("policies:        emergency-reset-clears-sed-ak=%s ble-presence=%s\n",
	       tf(s->emergency_reset_clears_sed_ak), tf(s->ble_presence_allowed));
	printf("admin password:  %s\n",
	       i->admin_password_must_change ? "default, must be changed" : "set");
	printf("receipts:        %llu\n", (unsigned long long)s->receipt_counter);
	printf("audit records:   %llu\n", (unsigned long long)s->audit_count);
	printf("known signers:   %u\n", (unsigned)i->known_signers_count);
	printf("firmware:        %s\n", i->firmware_version);
}

static int parse_bool(const char *s, bool *ret)
{
	if (strcmp(s, "on") == 0 || strcmp(s, "true") == 0)
		*ret = true;
	else if (strcmp(s, "off") == 0 || strcmp(s, "false") == 0)
		*ret = false;
	else
		return -EINVAL;
	return 0;
}

static int parse_u32(const char *s, uint32_t *ret)
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

static int copy_str(char *dst, size_t cap, const char *src, const char *what)
{
	if (!src)
		return die("%s missing", what);
	if (strlen(src) >= cap)
		return die("%s too long", what);
	strcpy(dst, src);
	return 0;
}

static int cmd_sensors_set(int argc, char **argv, svcport_admin_v1_AdminRequest *req)
{
	static svcport_admin_v1_AdminRequest show;
	static svcport_admin_v1_AdminReply rep;
	svcport_v1_SensorSettings s;

	/* Start from the current settings: change only what is named. */
	show = (svcport_admin_v1_AdminRequest)svcport_admin_v1_AdminRequest_init_zero;
	memcpy(show.password, req->password, sizeof(show.password));
	show.which_cmd = svcport_admin_v1_AdminRequest_sensors_show_tag;
	if (transact(&show, &rep) != 0)
		return 1;
	s = rep.body.status.info.sensors;
	if (argc == 0)
		return die("sensors set: name at least one of intrusion, motion, threshold");
	for (int i = 0; i < argc; i += 2) {
		int r;

		if (i + 1 >= argc)
			return die("sensors set: %s needs a value", argv[i]);
		if (strcmp(argv[i], "intrusion") == 0)
			r = parse_bool(argv[i + 1], &s.intrusion_enabled);
		else if (strcmp(argv[i], "motion") == 0)
			r = parse_bool(argv[i + 1], &s.motion_enabled);
		else if (strcmp(argv[i], "threshold") == 0)
			r = parse_u32(argv[i + 1], &s.motion_step_threshold);
		else
			return die("sensors set: unknown setting %s", argv[i]);
		if (r < 0)
			return die("sensors set: bad value %s", argv[i + 1]);
	}
	req->which_cmd = svcport_admin_v1_AdminRequest_sensors_set_tag;
	req->cmd.sensors_set.has_sensors = true;
	req->cmd.sensors_set.sensors = s;
	return 0;
}

/*
 * The SED backup unlocks the drives: a new file only (O_EXCL), no link
 * followed. An existing file keeps its own mode (perhaps world-readable), and
 * whoever made it may hold it open already.
 */
static int backup_create(const char *path, int *ret_fd)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		return die("%s: cannot create (%s): a backup never overwrites a file", path,
		           strerror(errno));
	*ret_fd = fd;
	return 0;
}

static int backup_write(int fd, const char *path, const void *data, size_t len)
{
	bool ok = write(fd, data, len) == (ssize_t)len && fsync(fd) == 0;

	if (close(fd) != 0)
		ok = false;
	return ok ? 0 : die("%s: write failed", path);
}

static int read_file(const char *path, void *buf, size_t cap, size_t *ret_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return die("%s: cannot open", path);
	n = read(fd, buf, cap);
	close(fd);
	if (n < 0 || (size_t)n == cap)
		return die("%s: unreadable or too large", path);
	*ret_len = (size_t)n;
	return 0;
}

static int write_pem(const char *path, const char *what, const uint8_t *der, size_t len)
{
	static unsigned char pem[4096];
	char begin[64], end[64];
	size_t olen;
	FILE *f = stdout;

	snprintf(begin, sizeof(begin), "-----BEGIN %s-----\n", what);
	snprintf(end, sizeof(end), "-----END %s-----\n", what);
	if (mbedtls_pem_write_buffer(begin, end, der, len, pem, sizeof(pem), &olen) != 0)
		return die("cannot write PEM");
	if (path) {
		f = fopen(path, "a");
		if (!f)
			return die("%s: %s", path, strerror(errno));
	}
	fputs((const char *)pem, f);
	if (path && fclose(f) != 0)
		return die("%s: %s", path, strerror(errno));
	return 0;
}

static int cert_install_read(const char *path, svcport_admin_v1_CertInstall *in)
{
	static unsigned char buf[16384];
	mbedtls_x509_crt crt;
	size_t len;
	int ret = 1;

	if (read_file(path, buf, sizeof(buf) - 1, &len))
		return 1;
	buf[len] = 0;
	mbedtls_x509_crt_init(&crt);
	if (mbedtls_x509_crt_parse(&crt, buf, len + 1) != 0) {
		die("%s: not PEM certificates", path);
		goto out;
	}
	for (const mbedtls_x509_crt *c = &crt; c && c->raw.len; c = c->next) {
		if (in->certs_count == sizeof(in->certs) / sizeof(in->certs[0]) ||
		    c->raw.len > sizeof(in->certs[0].bytes)) {
			die("%s: at most 3 certificates of 1024 bytes", path);
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

static int print_audit(svcport_admin_v1_AdminRequest *req)
{
	static svcport_admin_v1_AdminReply rep;
	uint64_t next = req->cmd.audit_show.first;

	for (;;) {
		const svcport_admin_v1_AuditRecords *a;

		req->cmd.audit_show.first = next;
		if (transact(req, &rep) != 0)
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

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"admin-socket", required_argument, NULL, 'a'},
	    {"password", required_argument, NULL, 'p'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	static svcport_admin_v1_AdminRequest req;
	static svcport_admin_v1_AdminReply rep;
	const char *c0, *c1;
	int opt;

	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			admin_socket = optarg;
			break;
		case 'p':
			password = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (!admin_socket || argc < 1) {
		usage(stderr);
		return 2;
	}
	if (!password)
		password = getenv("SVCPORT_ADMIN_PASSWORD");
	req = (svcport_admin_v1_AdminRequest)svcport_admin_v1_AdminRequest_init_zero;
	if (password && copy_str(req.password, sizeof(req.password), password, "password"))
		return 1;
	c0 = argv[0];
	c1 = argc > 1 ? argv[1] : "";

	if (strcmp(c0, "status") == 0 && argc == 1) {
		req.which_cmd = svcport_admin_v1_AdminRequest_status_tag;
	} else if (strcmp(c0, "activate") == 0 && argc == 1) {
		req.which_cmd = svcport_admin_v1_AdminRequest_activate_tag;
	} else if (strcmp(c0, "password") == 0 && strcmp(c1, "set") == 0 && argc <= 3) {
		const char *np = argc == 3 ? argv[2] : getenv("SVCPORT_NEW_ADMIN_PASSWORD");

		req.which_cmd = svcport_admin_v1_AdminRequest_password_set_tag;
		if (copy_str(req.cmd.password_set.new_password,
		             sizeof(req.cmd.password_set.new_password), np, "new password"))
			return 1;
	} else if (strcmp(c0, "sensors") == 0 && strcmp(c1, "show") == 0 && argc == 2) {
		req.which_cmd = svcport_admin_v1_AdminRequest_sensors_show_tag;
	} else if (strcmp(c0, "sensors") == 0 && strcmp(c1, "set") == 0) {
		if (cmd_sensors_set(argc - 2, argv + 2, &req))
			return 1;
	} else if (strcmp(c0, "tamper") == 0 && strcmp(c1, "intrusion") == 0 && argc == 2) {
		req.which_cmd = svcport_admin_v1_AdminRequest_tamper_tag;
		req.cmd.tamper.kind = svcport_admin_v1_TamperKind_TAMPER_INTRUSION;
	} else if (strcmp(c0, "tamper") == 0 && strcmp(c1, "motion") == 0 && argc == 3) {
		req.which_cmd = svcport_admin_v1_AdminRequest_tamper_tag;
		req.cmd.tamper.kind = svcport_admin_v1_TamperKind_TAMPER_MOTION;
		if (parse_u32(argv[2], &req.cmd.tamper.steps) < 0)
			return die("tamper motion: STEPS must be a number, not %s", argv[2]);
	} else if (strcmp(c0, "sed") == 0 && strcmp(c1, "enable") == 0 && argc == 2) {
		req.which_cmd = svcport_admin_v1_AdminRequest_sed_enable_tag;
	} else if (strcmp(c0, "sed") == 0 && strcmp(c1, "passphrase") == 0 && argc <= 3) {
		const char *p = argc == 3 ? argv[2] : getenv("SVCPORT_SED_PASSPHRASE");

		req.which_cmd = svcport_admin_v1_AdminRequest_sed_passphrase_tag;
		if (copy_str(req.cmd.sed_passphrase.passphrase,
		             sizeof(req.cmd.sed_passphrase.passphrase), p, "passphrase"))
			return 1;
	} else if (strcmp(c0, "sed") == 0 && strcmp(c1, "backup") == 0 && argc == 3) {
		int fd = -1;

		req.which_cmd = svcport_admin_v1_AdminRequest_sed_backup_tag;
		if (backup_create(argv[2], &fd))
			return 1;
		if (transact(&req, &rep) != 0) {
			close(fd);
			unlink(argv[2]);
			return 1;
		}
		if (backup_write(fd, argv[2], rep.body.sed_backup.backup.bytes,
		                 rep.body.sed_backup.backup.size))
			return 1;
		printf("SED AK backup written to %s (keep it offline: it unlocks the drives)\n",
		       argv[2]);
		return 0;
	} else if (strcmp(c0, "sed") == 0 && strcmp(c1, "restore") == 0 && argc == 3) {
		size_t len = 0;

		req.which_cmd = svcport_admin_v1_AdminRequest_sed_restore_tag;
		if (read_file(argv[2], req.cmd.sed_restore.backup.bytes,
		              sizeof(req.cmd.sed_restore.backup.bytes), &len))
			return 1;
		req.cmd.sed_restore.backup.size = (pb_size_t)len;
	} else if (strcmp(c0, "policy") == 0 && strcmp(c1, "set") == 0 && argc == 4) {
		req.which_cmd = svcport_admin_v1_AdminRequest_policy_set_tag;
		if (copy_str(req.cmd.policy_set.name, sizeof(req.cmd.policy_set.name), argv[2],
		             "policy name") ||
		    parse_bool(argv[3], &req.cmd.policy_set.value) < 0)
			return die("policy set: value must be true or false, not %s", argv[3]);
	} else if (strcmp(c0, "factory-reset") == 0) {
		if (argc != 2 || strcmp(c1, "--yes") != 0)
			return die("factory-reset resets the administrator password to the default;"
			           " under BMC-managed control that reopens the data. Run it "
			           "again with --yes%s",
			           "");
		req.which_cmd = svcport_admin_v1_AdminRequest_factory_reset_tag;
	} else if (strcmp(c0, "audit") == 0 && strcmp(c1, "show") == 0 && argc <= 3) {
		uint32_t first = 0;

		if (argc == 3 && parse_u32(argv[2], &first) < 0)
			return die("audit show: FIRST must be a number, not %s", argv[2]);
		req.which_cmd = svcport_admin_v1_AdminRequest_audit_show_tag;
		req.cmd.audit_show.first = first;
		return print_audit(&req);
	} else if (strcmp(c0, "cert") == 0 &&
	           (strcmp(c1, "export") == 0 || strcmp(c1, "csr") == 0) && argc <= 5) {
		bool csr = strcmp(c1, "csr") == 0;
		int at = 2;
		const char *path;

		req.which_cmd = csr ? svcport_admin_v1_AdminRequest_cert_csr_tag
		                    : svcport_admin_v1_AdminRequest_cert_export_tag;
		if (!csr && argc >= 4 && strcmp(argv[2], "--which") == 0) {
			if (strcmp(argv[3], "device") == 0)
				req.cmd.cert_export.which = svcport_admin_v1_CertWhich_CERT_DEVICE;
			else if (strcmp(argv[3], "internal-ca") == 0)
				req.cmd.cert_export.which =
				    svcport_admin_v1_CertWhich_CERT_INTERNAL_CA;
			else if (strcmp(argv[3], "link") == 0)
				req.cmd.cert_export.which = svcport_admin_v1_CertWhich_CERT_LINK;
			else
				return die("cert export: --which device|internal-ca|link, not %s",
				           argv[3]);
			at = 4;
		}
		if (argc > at + 1) {
			usage(stderr);
			return die("cert %s: too many arguments", c1);
		}
		path = argc == at + 1 ? argv[at] : NULL;
		if (transact(&req, &rep) != 0)
			return 1;
		if (path && truncate(path, 0) != 0 && errno != ENOENT)
			return die("%s: %s", path, strerror(errno));
		if (csr)
			return write_pem(path, "CERTIFICATE REQUEST", rep.body.cert.csr.bytes,
			                 rep.body.cert.csr.size);
		for (pb_size_t i = 0; i < rep.body.cert.certs_count; i++)
			if (write_pem(path, "CERTIFICATE", rep.body.cert.certs[i].bytes,
			              rep.body.cert.certs[i].size))
				return 1;
		return 0;
	} else if (strcmp(c0, "cert") == 0 && strcmp(c1, "install") == 0 && argc == 3) {
		req.which_cmd = svcport_admin_v1_AdminRequest_cert_install_tag;
		if (cert_install_read(argv[2], &req.cmd.cert_install))
			return 1;
	} else if (strcmp(c0, "trust") == 0 && strcmp(c1, "update") == 0 && argc == 3) {
		static unsigned char buf[svcport_admin_v1_TrustUpdate_size + 1];
		pb_istream_t is;
		size_t len;

		if (read_file(argv[2], buf, sizeof(buf), &len))
			return 1;
		is = pb_istream_from_buffer(buf, len);
		if (len > svcport_admin_v1_TrustUpdate_size ||
		    !pb_decode(&is, svcport_admin_v1_TrustUpdate_fields, &req.cmd.trust_update))
			return die("%s: not an encoded svcport.admin.v1.TrustUpdate", argv[2]);
		req.which_cmd = svcport_admin_v1_AdminRequest_trust_update_tag;
	} else if (strcmp(c0, "audit") == 0 && strcmp(c1, "verify") == 0 && argc == 2) {
		req.which_cmd = svcport_admin_v1_AdminRequest_audit_verify_tag;
		if (transact(&req, &rep) != 0)
			return 1;
		if (!rep.body.audit_verify.ok) {
			fprintf(stderr, "svcport-bmcctl: audit log BROKEN at record %llu: %s\n",
			        (unsigned long long)rep.body.audit_verify.bad_seq,
			        rep.body.audit_verify.detail);
			return 1;
		}
		printf("audit log intact: %llu records",
		       (unsigned long long)rep.body.audit_verify.records);
		if (rep.body.audit_verify.uncommitted)
			printf(" (%llu uncommitted, discarded at next start)",
			       (unsigned long long)rep.body.audit_verify.uncommitted);
		printf("\n");
		return 0;
	} else {
		usage(stderr);
		die("unknown command or wrong arguments: %s", c0);
		return 2;
	}

	if (transact(&req, &rep) != 0)
		return 1;
	switch (req.which_cmd) {
	case svcport_admin_v1_AdminRequest_status_tag:
	case svcport_admin_v1_AdminRequest_sensors_show_tag:
		print_status(&rep.body.status);
		break;
	case svcport_admin_v1_AdminRequest_tamper_tag:
		printf("%s\n", rep.body.tamper.locked
		                   ? "sensor fired: system LOCKED"
		                   : "sensor disabled or under threshold: no effect");
		break;
	default:
		printf("ok\n");
		break;
	}
	return 0;
}
