// SPDX-License-Identifier: GPL-2.0-or-later
/* The console's back-offs across restarts (backoff.h). */
#include "backoff.h"

#include <errno.h>
#include <string.h>

#include <pb_decode.h>
#include <pb_encode.h>

#include "fsutil.h"

_Static_assert(BMC_BACKOFF_MAX == sizeof(((svcport_v1_ConsoleBackoffs *)0)->entries) /
                                      sizeof(((svcport_v1_ConsoleBackoffs *)0)->entries[0]),
               "back-off bound matches svcport.options");
_Static_assert(RL_CEILINGS < BMC_BACKOFF_MAX, "every ceiling fits, and some keys");

static svcport_v1_ConsoleBackoff to_pb(const struct rl_entry *e, bool ceiling, uint32_t key)
{
	return (svcport_v1_ConsoleBackoff){.ceiling = ceiling,
	                                   .key = key,
	                                   .failures = e->failures,
	                                   .last_failure_ms = e->last_ms,
	                                   .blocked_until_ms = e->blocked_until_ms};
}

static void fill(const struct ratelimit *rl, svcport_v1_ConsoleBackoffs *out)
{
	bool taken[RL_SESSIONS] = {false};
	pb_size_t n = 0;

	for (uint32_t i = 0; i < RL_CEILINGS; i++)
		if (rl->ceiling[i].failures)
			out->entries[n++] = to_pb(&rl->ceiling[i], true, i);
	/* The keys, the most recent first, as many as fit. */
	while (n < BMC_BACKOFF_MAX) {
		const struct rl_entry *best = NULL;
		size_t at = 0;

		for (size_t i = 0; i < RL_SESSIONS; i++) {
			const struct rl_entry *e = &rl->session[i];

			if (e->failures && !taken[i] && (!best || e->last_ms > best->last_ms)) {
				best = e;
				at = i;
			}
		}
		if (!best)
			break;
		taken[at] = true;
		out->entries[n++] = to_pb(best, false, best->key);
	}
	out->entries_count = n;
}

void bmc_backoff_store(struct bmc *b)
{
	svcport_v1_ConsoleBackoffs all = svcport_v1_ConsoleBackoffs_init_zero;
	unsigned char buf[svcport_v1_ConsoleBackoffs_size];
	pb_ostream_t os = pb_ostream_from_buffer(buf, sizeof(buf));

	fill(&b->admin_rl, &all);
	if (!pb_encode(&os, svcport_v1_ConsoleBackoffs_fields, &all))
		return;
	if (os.bytes_written == b->backoff_saved_len &&
	    memcmp(buf, b->backoff_saved, os.bytes_written) == 0)
		return;
	if (fs_atomic_write(b->dir, BMC_BACKOFF_FILE, buf, os.bytes_written, 0600) < 0)
		return; /* memory holds it; the next store tries again */
	memcpy(b->backoff_saved, buf, os.bytes_written);
	b->backoff_saved_len = os.bytes_written;
}

/* One stored entry into e, by the clock rules of backoff.h. False: forgotten. */
static bool entry_load(const svcport_v1_ConsoleBackoff *in, uint64_t now, uint32_t max_ms,
                       struct rl_entry *e)
{
	uint64_t wait;

	if (!in->failures)
		return false;
	if (in->last_failure_ms <= now && now - in->last_failure_ms >= RL_FORGET_MS &&
	    in->blocked_until_ms <= now)
		return false;
	e->failures = in->failures;
	e->last_ms = in->last_failure_ms;
	e->blocked_until_ms = in->blocked_until_ms;
	if (in->last_failure_ms > now) {
		/* The clock went back: its last wait again from now (never more than max_ms). */
		wait = in->blocked_until_ms > in->last_failure_ms
		           ? in->blocked_until_ms - in->last_failure_ms
		           : 0;
		e->last_ms = now;
		e->blocked_until_ms = wait ? now + wait : 0;
	}
	if (e->blocked_until_ms > now + max_ms)
		e->blocked_until_ms = now + max_ms;
	return true;
}

void bmc_backoff_load(struct bmc *b)
{
	struct ratelimit *rl = &b->admin_rl;
	const uint64_t now = b->env.now_ms(b->env.user_data);
	svcport_v1_ConsoleBackoffs all = svcport_v1_ConsoleBackoffs_init_zero;
	pb_istream_t is;
	size_t len = 0, keys = 0;

	int err =
	    fs_read(b->dir, BMC_BACKOFF_FILE, b->backoff_saved, sizeof(b->backoff_saved), &len);

	if (err == -ENOENT)
		return; /* never a failure since the state was made */
	is = pb_istream_from_buffer(b->backoff_saved, len);
	if (err < 0 || !pb_decode(&is, svcport_v1_ConsoleBackoffs_fields, &all)) {
		/* Damaged or unreadable: what it held is unknown, so it could have been a guesser's
		 * wait. Every ceiling starts blocked for one longest wait, never free tries. */
		for (uint32_t i = 0; i < RL_CEILINGS; i++)
			rl->ceiling[i] =
			    (struct rl_entry){.key = i,
			                      .failures = rl->cfg.link_free + 1,
			                      .last_ms = now,
			                      .blocked_until_ms = now + rl->cfg.max_ms};
		return;
	}
	b->backoff_saved_len = len;
	for (pb_size_t i = 0; i < all.entries_count; i++) {
		const svcport_v1_ConsoleBackoff *in = &all.entries[i];
		struct rl_entry e = {.key = in->key};

		if (!entry_load(in, now, rl->cfg.max_ms, &e))
			continue;
		if (in->ceiling && in->key < RL_CEILINGS)
			rl->ceiling[in->key] = e;
		else if (!in->ceiling && keys < RL_SESSIONS)
			rl->session[keys++] = e;
	}
}
