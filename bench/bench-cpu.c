// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Figure 2 of issue 6: CPU per activation. N activations over ble-sim (each a new
 * connection, as a phone does: INFO, GetDeviceInfo, GetChallenge, SubmitCommand), the CPU
 * time svcportd and svcport-bmcd spent on them (/proc/PID/schedstat), and in the same run the
 * CPU time of the signature work alone, done here with the calls bmcd makes:
 *   chain verify   mbedtls_x509_crt_parse_der + x509_is_trusted_signer_chain (bmcd's own
 *                  x509check.c: mbedtls_x509_crt_verify_with_profile against the anchors)
 *   command verify mbedtls_sha256_ret + mbedtls_pk_verify
 *   challenge and receipt signatures  mbedtls_sha256_ret + mbedtls_pk_sign (CTR-DRBG), as
 *                  se-file.c signs with the device key
 * Twice: with the signer named by fingerprint (bmcd has cached it: no chain verify) and with
 * the chain sent every time (--force-chain: the chain verify each time).
 *
 *   bench-cpu [--smoke] [--long]     N = 200 by default, 1000 with --long
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>

#include "bench-flow.h"
#include "bench-util.h"
#include "bench-world.h"
#include "pbio.h"
#include "x509check.h"
#include "utc.h"

static const char usage[] = "usage: bench-cpu [--smoke] [--long]\n";

#define MTU 247

/* The keys and the command that the signature work runs on. */
struct sigwork {
	mbedtls_pk_context device_key;
	mbedtls_x509_crt anchors;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	svcport_v1_SignedCommand cmd; /* a command bmcd accepted, with its chain */
	uint8_t challenge_body[svcport_v1_ChallengeBody_size];
	size_t challenge_len;
};

struct sig_times {
	double chain, verify, sign; /* seconds per call */
};

static int sigwork_init(struct sigwork *sw, const struct world_device *d, const uint8_t *cmd,
                        size_t cmd_len)
{
	char path[PATH_MAX + 32];
	int err = 0;

	mbedtls_pk_init(&sw->device_key);
	mbedtls_x509_crt_init(&sw->anchors);
	mbedtls_entropy_init(&sw->entropy);
	mbedtls_ctr_drbg_init(&sw->drbg);
	snprintf(path, sizeof(path), "%s/device.key", d->factory);
	if (mbedtls_pk_parse_keyfile(&sw->device_key, path, NULL) != 0)
		err = -EINVAL;
	snprintf(path, sizeof(path), "%s/trust-anchors.pem", d->factory);
	if (err == 0 && mbedtls_x509_crt_parse_file(&sw->anchors, path) != 0)
		err = -EINVAL;
	if (err == 0 && mbedtls_ctr_drbg_seed(&sw->drbg, mbedtls_entropy_func, &sw->entropy,
	                                      (const unsigned char *)"bench", 5) != 0)
		err = -EIO;
	if (err == 0)
		err = pbio_decode(svcport_v1_SignedCommand_fields, &sw->cmd, cmd, cmd_len);
	if (err == 0 && sw->cmd.which_signer != svcport_v1_SignedCommand_chain_tag)
		err = -EINVAL;
	/* a challenge body's worth of bytes: its signature costs the same whatever they say */
	sw->challenge_len = 80;
	memset(sw->challenge_body, 0x5a, sw->challenge_len);
	return err;
}

static void sigwork_fini(struct sigwork *sw)
{
	mbedtls_pk_free(&sw->device_key);
	mbedtls_x509_crt_free(&sw->anchors);
	mbedtls_ctr_drbg_free(&sw->drbg);
	mbedtls_entropy_free(&sw->entropy);
}

static bool is_chain_ok(struct sigwork *sw)
{
	const svcport_v1_CertChain *ch = &sw->cmd.signer.chain;
	mbedtls_x509_crt crt;
	bool ok = true;

	mbedtls_x509_crt_init(&crt);
	for (pb_size_t i = 0; ok && i < ch->certs_count; i++)
		ok = mbedtls_x509_crt_parse_der(&crt, ch->certs[i].bytes, ch->certs[i].size) == 0;
	ok = ok && x509_is_trusted_signer_chain(&crt, &sw->anchors, (uint64_t)utc_now_s());
	mbedtls_x509_crt_free(&crt);
	return ok;
}

static bool is_cmd_ok(struct sigwork *sw, mbedtls_x509_crt *signer)
{
	unsigned char hash[32];

	mbedtls_sha256_ret(sw->cmd.body.bytes, sw->cmd.body.size, hash, 0);
	return mbedtls_pk_verify(&signer->pk, MBEDTLS_MD_SHA256, hash, sizeof(hash),
	                         sw->cmd.signature.bytes, sw->cmd.signature.size) == 0;
}

static bool is_sign_ok(struct sigwork *sw)
{
	unsigned char hash[32], sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
	size_t len = 0;

	mbedtls_sha256_ret(sw->challenge_body, sw->challenge_len, hash, 0);
	return mbedtls_pk_sign(&sw->device_key, MBEDTLS_MD_SHA256, hash, sizeof(hash), sig, &len,
	                       mbedtls_ctr_drbg_random, &sw->drbg) == 0;
}

/* Times each kind of call n times (CPU time of this process). */
static int sigwork_time(struct sigwork *sw, int n, struct sig_times *ret)
{
	mbedtls_x509_crt signer;
	double t0;
	bool ok = true;

	mbedtls_x509_crt_init(&signer);
	if (mbedtls_x509_crt_parse_der(&signer, sw->cmd.signer.chain.certs[0].bytes,
	                               sw->cmd.signer.chain.certs[0].size) != 0)
		return -EINVAL;
	t0 = bench_self_cpu();
	for (int i = 0; ok && i < n; i++)
		ok = is_chain_ok(sw);
	ret->chain = (bench_self_cpu() - t0) / n;
	t0 = bench_self_cpu();
	for (int i = 0; ok && i < n; i++)
		ok = is_cmd_ok(sw, &signer);
	ret->verify = (bench_self_cpu() - t0) / n;
	t0 = bench_self_cpu();
	for (int i = 0; ok && i < n; i++)
		ok = is_sign_ok(sw);
	ret->sign = (bench_self_cpu() - t0) / n;
	mbedtls_x509_crt_free(&signer);
	return ok ? 0 : -EBADMSG;
}

struct daemon_cpu {
	double gwd, bmcd, wall;
};

static int cpu_now(const struct world_server *s, struct daemon_cpu *ret)
{
	int err = bench_proc_cpu(s->gwd, &ret->gwd);

	if (err == 0)
		err = bench_proc_cpu(s->bmcd, &ret->bmcd);
	ret->wall = bench_now();
	return err;
}

/* n activations; the CPU the daemons used per activation into ret. */
static int activations(struct world *w, struct world_server *s, int n, bool chain,
                       struct daemon_cpu *ret, uint8_t *cmd, size_t cap, size_t *cmd_len)
{
	struct flow_opts o = {
	    .force_chain = chain, .cmd_out = cmd, .cmd_cap = cap, .cmd_len = cmd_len};
	struct daemon_cpu a, b;
	struct flow_result r;
	int err = cpu_now(s, &a);

	for (int i = 0; err == 0 && i < n; i++)
		err = flow_run(w->portal, s->ble, MTU, FLOW_ACTIVATE, &o, &r);
	if (err == 0)
		err = cpu_now(s, &b);
	if (err < 0)
		return err;
	ret->gwd = (b.gwd - a.gwd) / n;
	ret->bmcd = (b.bmcd - a.bmcd) / n;
	ret->wall = (b.wall - a.wall) / n;
	return 0;
}

static void report(const char *variant, const struct daemon_cpu *c, double sig)
{
	double total = c->gwd + c->bmcd;
	char name[96];

	printf("%-12s %10.3f %10.3f %10.3f %10.3f %8.1f%% %10.3f\n", variant, c->gwd * 1e3,
	       c->bmcd * 1e3, total * 1e3, sig * 1e3, total > 0 ? 100 * sig / total : 0,
	       c->wall * 1e3);
	snprintf(name, sizeof(name), "cpu_activation_%s_gateway", variant);
	bench_figure(name, c->gwd * 1e3, "ms");
	snprintf(name, sizeof(name), "cpu_activation_%s_bmcd", variant);
	bench_figure(name, c->bmcd * 1e3, "ms");
	snprintf(name, sizeof(name), "cpu_activation_%s_total", variant);
	bench_figure(name, total * 1e3, "ms");
	snprintf(name, sizeof(name), "cpu_activation_%s_signatures", variant);
	bench_figure(name, sig * 1e3, "ms");
	snprintf(name, sizeof(name), "cpu_activation_%s_signature_share", variant);
	bench_figure(name, total > 0 ? sig / total : 0, "ratio");
}

static int run(struct world *w, int n)
{
	static uint8_t cmd[svcport_v1_SignedCommand_size];
	const struct world_server_opts so = {0};
	struct world_device dev;
	struct world_server *s = NULL;
	struct daemon_cpu fp = {0}, ch = {0};
	struct sig_times st = {0};
	struct sigwork *sw = calloc(1, sizeof(*sw));
	struct flow_result r;
	size_t cmd_len = 0;
	int err = sw ? 0 : -ENOMEM;

	if (err == 0)
		err = world_device_new(w, false, true, &dev);
	if (err == 0)
		err = world_server_up(w, &dev, &so, &s);
	/* claimed, then one activation to warm both daemons up */
	if (err == 0)
		err = flow_run(w->portal, s->ble, MTU, FLOW_CLAIM, NULL, &r);
	if (err == 0)
		err = flow_run(w->portal, s->ble, MTU, FLOW_ACTIVATE, NULL, &r);
	if (err == 0)
		err = activations(w, s, n, false, &fp, cmd, sizeof(cmd), &cmd_len);
	if (err == 0)
		err = activations(w, s, n, true, &ch, cmd, sizeof(cmd), &cmd_len);
	if (err == 0)
		err = sigwork_init(sw, &dev, cmd, cmd_len);
	if (err == 0)
		err = sigwork_time(sw, n, &st);
	if (err < 0) {
		fprintf(stderr, "bench-cpu: failed (%s)\n", strerror(-err));
		goto out;
	}
	printf("signature work alone, per call: chain verify %.3f ms, ECDSA verify %.3f ms, "
	       "ECDSA sign %.3f ms\n\n",
	       st.chain * 1e3, st.verify * 1e3, st.sign * 1e3);
	bench_figure("cpu_sig_chain_verify", st.chain * 1e3, "ms");
	bench_figure("cpu_sig_ecdsa_verify", st.verify * 1e3, "ms");
	bench_figure("cpu_sig_ecdsa_sign", st.sign * 1e3, "ms");
	printf("%-12s %10s %10s %10s %10s %9s %10s\n", "per activ.", "gateway", "bmcd", "total",
	       "sigs", "sigs/tot", "wall");
	printf("%-12s %10s %10s %10s %10s %9s %10s\n", "(ms)", "CPU", "CPU", "CPU", "alone", "",
	       "(phone)");
	/* per activation: the challenge and the receipt signed, the command verified */
	report("fingerprint", &fp, st.verify + 2 * st.sign);
	report("chain", &ch, st.chain + st.verify + 2 * st.sign);
	printf("\nfingerprint: the device knows the signer (the usual case); chain: the command "
	       "carries the signer's certificate and bmcd verifies it.\n");
	printf("wall: the whole flow as the phone sees it, portal signing in this process "
	       "included.\n");
out:
	if (sw)
		sigwork_fini(sw);
	free(sw);
	if (s)
		world_server_down(s);
	return err;
}

int main(int argc, char **argv)
{
	struct world *w = calloc(1, sizeof(*w));
	enum bench_mode mode;
	int n, err;

	if (!w || bench_parse_mode(argc, argv, usage, &mode) < 0)
		return 2;
	n = mode == BENCH_SMOKE ? 3 : mode == BENCH_LONG ? 1000 : 200;
	bench_print_machine();
	printf("CPU per activation over ble-sim (ATT MTU %d), %d activations per variant\n", MTU,
	       n);
	err = world_init(w);
	if (err == 0)
		err = run(w, n);
	world_fini(w);
	free(w);
	return err < 0 ? 1 : 0;
}
