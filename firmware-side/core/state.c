// SPDX-License-Identifier: GPL-2.0-or-later
#include "state.h"

#include <errno.h>

#include <mbedtls/platform_util.h>
#include <pb_decode.h>
#include <pb_encode.h>

#include "fsutil.h"

int bmc_state_load(const char *state_dir, svcport_v1_BmcState *ret_state)
{
	unsigned char buf[svcport_v1_BmcState_size];
	svcport_v1_BmcState st = svcport_v1_BmcState_init_zero;
	size_t len = 0;
	pb_istream_t is;
	int ret;

	ret = fs_read(state_dir, BMC_STATE_FILE, buf, sizeof(buf), &len);
	if (ret == -EFBIG)
		ret = -EINVAL;
	if (ret < 0)
		goto out;
	is = pb_istream_from_buffer(buf, len);
	/* The retired plain-text fields must never come back into memory. */
	if (!pb_decode(&is, svcport_v1_BmcState_fields, &st) || st.version != BMC_STATE_VERSION ||
	    st.sed_ak.size != 0 || st.activation_code[0] != 0) {
		ret = -EINVAL;
		goto out;
	}
	*ret_state = st;
out:
	mbedtls_platform_zeroize(&st, sizeof(st));
	mbedtls_platform_zeroize(buf, sizeof(buf));
	return ret;
}

int bmc_state_store(const char *state_dir, const svcport_v1_BmcState *state)
{
	unsigned char buf[svcport_v1_BmcState_size];
	pb_ostream_t os = pb_ostream_from_buffer(buf, sizeof(buf));
	int ret;

	if (!pb_encode(&os, svcport_v1_BmcState_fields, state))
		return -EINVAL;
	ret = fs_atomic_write(state_dir, BMC_STATE_FILE, buf, os.bytes_written, 0600);
	mbedtls_platform_zeroize(buf, sizeof(buf));
	return ret;
}
