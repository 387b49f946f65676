// SPDX-License-Identifier: GPL-2.0-or-later
#include "state.h"

#include <errno.h>
#include <string.h>

#include <mbedtls/platform_util.h>
#include <pb_decode.h>
#include <pb_encode.h>

#include "fsutil.h"

/* state_mac's key (30 << 3 | 2 = 242, a two-byte varint) and length: the file's last bytes. */
static const unsigned char mac_field[] = {0xf2, 0x01, SE_MAC_LEN};
#define TRAILER_LEN (sizeof(mac_field) + SE_MAC_LEN)

_Static_assert(svcport_v1_BmcState_state_mac_tag == 30, "the trailer's field key");
_Static_assert(sizeof(((svcport_v1_BmcState *)0)->state_mac.bytes) == SE_MAC_LEN,
               "state_mac bound in svcport.options");

static bool is_enum_ok(const svcport_v1_BmcState *st)
{
	if (st->lockdown_state != svcport_v1_LockdownState_LOCKDOWN_ACTIVE &&
	    st->lockdown_state != svcport_v1_LockdownState_LOCKDOWN_LOCKED)
		return false;
	switch (st->control_mode) {
	case svcport_v1_ControlMode_CONTROL_BMC_MANAGED:
	case svcport_v1_ControlMode_CONTROL_PORTAL_MANAGED:
		return true;
	case svcport_v1_ControlMode_CONTROL_MODE_UNSPECIFIED:
		return !st->has_identity; /* only a blank board has none */
	default:
		return false;
	}
}

/* Everything a record must be, apart from its MAC and counter. */
static bool is_record_ok(const svcport_v1_BmcState *st)
{
	/* The retired plain-text fields must never come back into memory. */
	return st->version == BMC_STATE_VERSION && st->sed_ak.size == 0 &&
	       st->activation_code[0] == 0 && st->state_mac.size == 0 && is_enum_ok(st) &&
	       (st->sed_ak_present == (st->sed_ak_sealed.size != 0)) &&
	       (st->audit_count == 0 || st->audit_head_sha256.size == 32);
}

int bmc_state_finish(const char *state_dir, struct se *se, uint64_t counter)
{
	uint64_t n;
	int ret = se_counter_get(se, &n);

	if (ret < 0 || counter == n)
		return ret;
	if (counter != n + 1)
		return -ERANGE;
	ret = fs_sync_dir(state_dir);
	if (ret == 0)
		ret = se_counter_raise(se, counter);
	return ret;
}

/*
 * The counter rule: N or N+1 (finished here, the directory synced first: the
 * rename may not be durable yet); older is a rollback.
 */
static int counter_check(const char *state_dir, struct se *se, uint64_t have)
{
	uint64_t n;
	int ret = se_counter_get(se, &n);

	if (ret < 0)
		return ret;
	if (have == n || have == n + 1)
		return bmc_state_finish(state_dir, se, have);
	return have < n ? -ESTALE : -EBADMSG;
}

int bmc_state_load(const char *state_dir, struct se *se, svcport_v1_BmcState *ret_state)
{
	unsigned char buf[svcport_v1_BmcState_size];
	svcport_v1_BmcState st = svcport_v1_BmcState_init_zero;
	size_t len = 0, body;
	pb_istream_t is;
	int ret;

	ret = fs_read(state_dir, BMC_STATE_FILE, buf, sizeof(buf), &len);
	if (ret == -EFBIG)
		ret = -EBADMSG;
	if (ret < 0)
		goto out;
	ret = -EBADMSG;
	if (len < TRAILER_LEN)
		goto out;
	body = len - TRAILER_LEN;
	if (memcmp(buf + body, mac_field, sizeof(mac_field)) != 0 ||
	    se_mac_verify(se, buf, body, buf + body + sizeof(mac_field)) < 0)
		goto out;
	/* Only the authenticated bytes are decoded. */
	is = pb_istream_from_buffer(buf, body);
	if (!pb_decode(&is, svcport_v1_BmcState_fields, &st) || !is_record_ok(&st))
		goto out;
	ret = counter_check(state_dir, se, st.state_counter);
	if (ret == 0)
		*ret_state = st;
out:
	mbedtls_platform_zeroize(&st, sizeof(st));
	mbedtls_platform_zeroize(buf, sizeof(buf));
	return ret;
}

int bmc_state_store(const char *state_dir, struct se *se, svcport_v1_BmcState *state,
                    bool *ret_landed)
{
	unsigned char buf[svcport_v1_BmcState_size];
	pb_ostream_t os = pb_ostream_from_buffer(buf, sizeof(buf));
	bool renamed = false;
	uint64_t n;
	size_t body;
	int ret = se_counter_get(se, &n);

	if (ret_landed)
		*ret_landed = false;
	if (ret < 0)
		return ret;
	state->state_counter = n + 1;
	state->state_mac.size = 0;
	if (!pb_encode(&os, svcport_v1_BmcState_fields, state))
		return -EINVAL;
	body = os.bytes_written;
	if (body + TRAILER_LEN > sizeof(buf))
		return -EINVAL;
	memcpy(buf + body, mac_field, sizeof(mac_field));
	ret = se_mac(se, buf, body, buf + body + sizeof(mac_field));
	if (ret == 0)
		ret = fs_atomic_replace(state_dir, BMC_STATE_FILE, buf, body + TRAILER_LEN, 0600,
		                        &renamed);
	if (ret == 0)
		ret = se_counter_raise(se, n + 1);
	if (ret_landed)
		*ret_landed = renamed;
	mbedtls_platform_zeroize(buf, sizeof(buf));
	return ret;
}
