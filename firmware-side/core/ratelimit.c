// SPDX-License-Identifier: GPL-2.0-or-later
#include "ratelimit.h"

#include <stdbool.h>
#include <string.h>

_Static_assert(RL_CEILING_PRESENT == RL_CEILINGS - 1, "one ceiling per LinkKind value, then USB");

void ratelimit_init(struct ratelimit *rl, const struct rl_config *cfg)
{
	memset(rl, 0, sizeof(*rl));
	rl->cfg = *cfg;
}

static void entry_forget_if_quiet(struct rl_entry *e, uint64_t now_ms)
{
	if (e->failures && now_ms >= e->last_ms && now_ms - e->last_ms >= RL_FORGET_MS &&
	    now_ms >= e->blocked_until_ms) {
		e->failures = 0;
		e->blocked_until_ms = 0;
	}
}

static struct rl_entry *session_entry(struct ratelimit *rl, uint32_t session, uint32_t link,
                                      bool create)
{
	struct rl_entry *victim = NULL;

	for (size_t i = 0; i < RL_SESSIONS; i++)
		if (rl->session[i].failures && rl->session[i].key == session &&
		    rl->session[i].link == link)
			return &rl->session[i];
	if (!create)
		return NULL;
	for (size_t i = 0; i < RL_SESSIONS; i++) {
		struct rl_entry *e = &rl->session[i];

		if (!e->failures) {
			victim = e;
			break;
		}
		if (!victim || e->last_ms < victim->last_ms)
			victim = e;
	}
	memset(victim, 0, sizeof(*victim));
	victim->key = session;
	victim->link = link;
	return victim;
}

static struct rl_entry *ceiling_entry(struct ratelimit *rl, uint32_t ceiling)
{
	/* The core checks the link kind first; an unknown one shares slot 0. */
	return &rl->ceiling[ceiling < RL_CEILINGS ? ceiling : 0];
}

static uint32_t entry_wait(const struct rl_entry *e, uint64_t now_ms)
{
	if (!e || now_ms >= e->blocked_until_ms)
		return 0;
	return (uint32_t)(e->blocked_until_ms - now_ms);
}

/* A clock set back: the entry's times come back to now, its wait to at most max_ms. */
static void entry_bound(struct rl_entry *e, uint64_t now_ms, uint32_t max_ms)
{
	if (e->last_ms > now_ms)
		e->last_ms = now_ms;
	if (e->blocked_until_ms > now_ms + max_ms)
		e->blocked_until_ms = now_ms + max_ms;
}

uint32_t ratelimit_check(struct ratelimit *rl, const struct rl_key *k, uint64_t now_ms)
{
	struct rl_entry *s = session_entry(rl, k->session, k->link, false);
	struct rl_entry *l = ceiling_entry(rl, k->ceiling);
	uint32_t ws, wl;

	if (s) {
		entry_bound(s, now_ms, rl->cfg.max_ms);
		entry_forget_if_quiet(s, now_ms);
	}
	entry_bound(l, now_ms, rl->cfg.max_ms);
	entry_forget_if_quiet(l, now_ms);
	ws = entry_wait(s, now_ms);
	wl = entry_wait(l, now_ms);
	return ws > wl ? ws : wl;
}

static void entry_fail(struct rl_entry *e, uint32_t free_failures, const struct rl_config *cfg,
                       uint64_t now_ms)
{
	uint64_t delay;
	uint32_t k;

	entry_forget_if_quiet(e, now_ms);
	if (e->failures < UINT32_MAX)
		e->failures++;
	e->last_ms = now_ms;
	if (e->failures <= free_failures)
		return;
	k = e->failures - free_failures;
	delay = k > 20 ? cfg->max_ms : (uint64_t)cfg->base_ms << (k - 1);
	if (delay > cfg->max_ms)
		delay = cfg->max_ms;
	e->blocked_until_ms = now_ms + delay;
}

static void window_count(struct ratelimit *rl, uint32_t *counts, uint32_t ceiling, uint64_t now_ms)
{
	if (rl->window.start_ms == 0)
		rl->window.start_ms = now_ms ? now_ms : 1;
	if (counts[ceiling % RL_CEILINGS] < UINT32_MAX)
		counts[ceiling % RL_CEILINGS]++;
}

void ratelimit_note_backed_off(struct ratelimit *rl, const struct rl_key *k, uint64_t now_ms)
{
	window_count(rl, rl->window.backed_off, k->ceiling, now_ms);
}

bool ratelimit_window_take(struct ratelimit *rl, uint64_t now_ms, uint64_t interval_ms, bool force,
                           struct rl_window *ret)
{
	if (rl->window.start_ms == 0 || (!force && now_ms < rl->window.start_ms + interval_ms))
		return false;
	*ret = rl->window;
	memset(&rl->window, 0, sizeof(rl->window));
	return true;
}

void ratelimit_fail(struct ratelimit *rl, const struct rl_key *k, uint64_t now_ms)
{
	window_count(rl, rl->window.failed, k->ceiling, now_ms);
	entry_fail(session_entry(rl, k->session, k->link, true), rl->cfg.session_free, &rl->cfg,
	           now_ms);
	entry_fail(ceiling_entry(rl, k->ceiling), rl->cfg.link_free, &rl->cfg, now_ms);
}

void ratelimit_success(struct ratelimit *rl, const struct rl_key *k)
{
	struct rl_entry *s = session_entry(rl, k->session, k->link, false);

	if (s)
		memset(s, 0, sizeof(*s));
	memset(ceiling_entry(rl, k->ceiling), 0, sizeof(struct rl_entry));
}
