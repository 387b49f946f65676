// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Interop with an independent implementation: a portal PKI made by the
 * openssl command line (req/x509, the command-signing EKU given by its OID)
 * and a command body signed with `openssl dgst -sha256 -sign` verify in the
 * BMC; one flipped bit of the body or of the signature does not. The other
 * way round, openssl verifies the BMC's receipt with the device public key.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <pb_encode.h>

#include "testpki.h"
#include "utc.h"

#define E(x) svcport_v1_ErrorCode_##x

static struct tworld W;

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(cmd));
	if (system(cmd) != 0)
		fail_msg("command failed: %s", cmd);
}

static size_t slurp(const char *name, unsigned char *buf, size_t cap)
{
	char path[PATH_MAX + 64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", W.dir, name);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, cap);
	close(fd);
	assert_true(n > 0 && (size_t)n < cap);
	return (size_t)n;
}

static void spit(const char *name, const void *buf, size_t len)
{
	char path[PATH_MAX + 64];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", W.dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

static int setup(void **state)
{
	char err[256];
	const char *d;

	tworld_setup(&W, "portal");
	d = W.dir;
	/* The portal PKI, by openssl: P-256 root, command-signing certificate. */
	sh("cd '%s' && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
	   "-sha256 -keyout root.key -out root.pem -days 30 -subj '/CN=openssl portal root' "
	   "-addext 'basicConstraints=critical,CA:TRUE' "
	   "-addext 'keyUsage=critical,keyCertSign,cRLSign' 2>/dev/null",
	   d);
	sh("cd '%s' && openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
	   "-keyout signer.key -out signer.csr -subj '/CN=openssl command signing' 2>/dev/null",
	   d);
	sh("cd '%s' && printf 'basicConstraints=critical,CA:FALSE\\n"
	   "keyUsage=critical,digitalSignature\\n"
	   "extendedKeyUsage=2.25.229732147734521469385393418830530498341\\n' > signer.ext && "
	   "openssl x509 -req -in signer.csr -CA root.pem -CAkey root.key -CAcreateserial "
	   "-sha256 -days 30 -extfile signer.ext -outform DER -out signer.der 2>/dev/null",
	   d);
	/* A BMC whose pinned root is the openssl one, on the real clock. */
	sh("cp '%s/root.pem' '%s/trust-anchors.pem' && rm -rf '%s'", d, W.factory, W.state);
	bmc_close(W.bmc);
	W.bmc = NULL;
	W.now_ms = (uint64_t)utc_now_s() * 1000u;
	assert_int_equal(bmc_factory_init(W.factory, W.state, false, &W.env, err, sizeof(err)), 0);
	tworld_reopen(&W);
	return 0;
}

static int teardown(void **state)
{
	tworld_teardown(&W);
	return 0;
}

static void openssl_signed_command_verifies(void **state)
{
	static svcport_v1_SignedCommand cmd;
	svcport_v1_CommandBody body;
	svcport_v1_DeviceReceipt r;
	pb_ostream_t os;

	tworld_body(&W, &body, svcport_v1_CommandBody_claim_tag, svcport_v1_Role_ROLE_ORG_ADMIN,
	            TPKI_ORG);
	cmd = (svcport_v1_SignedCommand)svcport_v1_SignedCommand_init_zero;
	os = pb_ostream_from_buffer(cmd.body.bytes, sizeof(cmd.body.bytes));
	assert_true(pb_encode(&os, svcport_v1_CommandBody_fields, &body));
	cmd.body.size = (pb_size_t)os.bytes_written;
	spit("body.bin", cmd.body.bytes, cmd.body.size);
	sh("cd '%s' && openssl dgst -sha256 -sign signer.key -out body.sig body.bin", W.dir);
	unsigned char sig[128]; /* room to see a signature over the 72-byte bound */
	size_t sig_len = slurp("body.sig", sig, sizeof(sig));
	assert_true(sig_len <= sizeof(cmd.signature.bytes));
	memcpy(cmd.signature.bytes, sig, sig_len);
	cmd.signature.size = (pb_size_t)sig_len;
	cmd.which_signer = svcport_v1_SignedCommand_chain_tag;
	cmd.signer.chain.certs_count = 1;
	cmd.signer.chain.certs[0].size = (pb_size_t)slurp(
	    "signer.der", cmd.signer.chain.certs[0].bytes, sizeof(cmd.signer.chain.certs[0].bytes));

	/* One flipped bit anywhere: refused before the nonce is touched. */
	cmd.body.bytes[3] ^= 0x04;
	assert_int_equal(tworld_submit(&W, &cmd, svcport_v1_LinkKind_LINK_USB, true, NULL),
	                 E(BAD_SIGNATURE));
	cmd.body.bytes[3] ^= 0x04;
	cmd.signature.bytes[cmd.signature.size - 5] ^= 0x10;
	assert_int_equal(tworld_submit(&W, &cmd, svcport_v1_LinkKind_LINK_USB, true, NULL),
	                 E(BAD_SIGNATURE));
	cmd.signature.bytes[cmd.signature.size - 5] ^= 0x10;

	assert_int_equal(tworld_submit(&W, &cmd, svcport_v1_LinkKind_LINK_USB, true, &r),
	                 E(ERROR_NONE));
	assert_string_equal(bmc_state(W.bmc)->owner_org, TPKI_ORG);

	/* And openssl checks the BMC's receipt with the device's public key. */
	spit("receipt.bin", r.body.bytes, r.body.size);
	spit("receipt.sig", r.signature.bytes, r.signature.size);
	sh("cd '%s' && openssl ec -in factory/device.key -pubout -out device.pub 2>/dev/null && "
	   "openssl dgst -sha256 -verify device.pub -signature receipt.sig receipt.bin >/dev/null",
	   W.dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(openssl_signed_command_verifies, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
