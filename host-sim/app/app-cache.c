// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * svcport-sim app --gatt-cache FILE: what a returning phone keeps per device (the GATT
 * Database Hash and our handles, struct svcport_client_gatt_cache), so that its next
 * connection reads the hash and skips discovery (docs/client.md). A text file:
 *   svcport-gatt-cache 1
 *   hash <32 hex digits>
 *   handles <svc_start> <svc_end> <rx> <tx> <tx_ccc> <info>      (hex)
 * A file that does not parse is not used (the phone discovers and writes a new one);
 * the library checks the hash against the device's anyway.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "app-internal.h"
#include "hex.h"
#include "out.h"

bool app_cache_load(const char *path, struct svcport_client_gatt_cache *ret)
{
	struct svcport_client_gatt_cache gc;
	char hash[2 * SVCPORT_CLIENT_HASH_LEN + 2];
	unsigned h[6];
	FILE *f = fopen(path, "re");
	int n;

	if (!f)
		return false;
	n = fscanf(f, "svcport-gatt-cache 1 hash %33s handles %x %x %x %x %x %x", hash, &h[0],
	           &h[1], &h[2], &h[3], &h[4], &h[5]);
	fclose(f);
	if (n != 7 || strlen(hash) != 2 * SVCPORT_CLIENT_HASH_LEN ||
	    hex_decode(hash, gc.db_hash, sizeof(gc.db_hash), 0) < 0)
		return false;
	for (int i = 0; i < 6; i++)
		if (h[i] > 0xffff)
			return false;
	gc.svc_start = (uint16_t)h[0];
	gc.svc_end = (uint16_t)h[1];
	gc.rx = (uint16_t)h[2];
	gc.tx = (uint16_t)h[3];
	gc.tx_ccc = (uint16_t)h[4];
	gc.info = (uint16_t)h[5];
	*ret = gc;
	return true;
}

void app_on_cache(struct svcport_client *c, const struct svcport_client_gatt_cache *cache,
                  void *user_data)
{
	struct app *a = user_data;
	char hash[2 * SVCPORT_CLIENT_HASH_LEN + 1], text[160];
	int n;

	(void)c;
	if (!a->cache_path)
		return;
	if (!cache) {
		out_progress("  GATT: the cached handles are stale: forgotten");
		if (remove(a->cache_path) < 0 && errno != ENOENT)
			out_progress("  (cannot remove %s)", a->cache_path);
		return;
	}
	hex_encode(cache->db_hash, sizeof(cache->db_hash), hash);
	n = snprintf(text, sizeof(text),
	             "svcport-gatt-cache 1\nhash %s\nhandles %04x %04x %04x %04x %04x %04x\n", hash,
	             cache->svc_start, cache->svc_end, cache->rx, cache->tx, cache->tx_ccc,
	             cache->info);
	if (portal_file_write(a->cache_path, (const uint8_t *)text, (size_t)n) < 0)
		out_progress("  (cannot write %s)", a->cache_path);
	else
		out_progress("  GATT: handles and Database Hash kept in %s", a->cache_path);
}
