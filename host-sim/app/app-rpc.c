// SPDX-License-Identifier: GPL-2.0-or-later
/* The phone's request/response exchange: ids, retries, back-off, errors. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app-internal.h"
#include "names.h"
#include "out.h"
#include "pbio.h"

#define APP_BACKOFF_TRIES  3
#define APP_BACKOFF_MAX_MS 3000

static void print_event(const svcport_v1_Event *ev)
{
	if (ev->which_body != svcport_v1_Event_state_changed_tag)
		return;
	out_progress("  event: lockdown %s, security LED %s, control %s",
	             names_lockdown(ev->body.state_changed.lockdown_state),
	             names_led(ev->body.state_changed.security_led),
	             names_control(ev->body.state_changed.control_mode));
}

/*
 * One request/response exchange. Events that arrive meanwhile are shown;
 * responses to other ids (late answers to an earlier attempt) are skipped.
 * On a timeout the same bytes (same id) are sent again, at most retries times.
 */
int app_call(struct app *a, const svcport_v1_Request *req, svcport_v1_Response *resp)
{
	uint8_t *tx = malloc(svcport_v1_Frame_size);
	uint32_t id = a->next_id++;
	size_t tx_len = 0, len = 0;
	int err;

	if (!tx)
		return -ENOMEM;
	memset(&a->frame, 0, sizeof(a->frame));
	a->frame.id = id;
	a->frame.which_msg = svcport_v1_Frame_request_tag;
	a->frame.msg.request = *req;
	err = pbio_encode(svcport_v1_Frame_fields, &a->frame, tx, svcport_v1_Frame_size, &tx_len);
	if (err < 0)
		goto out;
	for (long attempt = 0;; attempt++) {
		err = app_link_send(a->link, tx, tx_len);
		if (err < 0)
			goto out;
		for (;;) {
			err = app_link_recv(a->link, a->buf, sizeof(a->buf), &len, a->timeout_ms);
			if (err < 0)
				break;
			if (pbio_decode(svcport_v1_Frame_fields, &a->frame, a->buf, len) < 0) {
				out_progress("  (an undecodable frame was ignored)");
				continue;
			}
			if (a->frame.which_msg == svcport_v1_Frame_event_tag) {
				print_event(&a->frame.msg.event);
				continue;
			}
			if (a->frame.which_msg != svcport_v1_Frame_response_tag)
				continue;
			if (a->frame.id != id && a->frame.id != 0)
				continue;
			*resp = a->frame.msg.response;
			err = 0;
			goto out;
		}
		if (err != -ETIMEDOUT || attempt >= a->retries)
			goto out;
		out_progress("  no answer in %d ms: sending request %u again (same id)",
		             a->timeout_ms, id);
	}
out:
	free(tx);
	return err;
}

/* Turns an Error response into the exit path: code name + plain words. */
int app_report_refusal(struct app *a, const svcport_v1_Error *e)
{
	a->error = e->code;
	out_error(names_error(e->code), "%s%s%s", names_error_words(e->code),
	          e->detail[0] ? " — " : "", e->detail);
	if (e->code == svcport_v1_ErrorCode_RATE_LIMITED && e->retry_after_ms)
		out_int("retry_after_ms", e->retry_after_ms);
	return -EPERM;
}

int app_report_link_failure(const char *what, int err)
{
	out_error(err == -ETIMEDOUT ? "TIMEOUT" : "LINK", "%s: %s", what, strerror(-err));
	return err;
}

/*
 * A phone obeys RATE_LIMITED: it waits retry_after_ms (when short) and asks
 * again under a new id (the gateway caches answers by id). A back-off, not a
 * synchronisation: the server told us how long.
 */
int app_call_polite(struct app *a, const svcport_v1_Request *req, svcport_v1_Response *resp)
{
	int err;

	for (int tries = 0;; tries++) {
		uint32_t ms;

		err = app_call(a, req, resp);
		if (err < 0 || resp->which_body != svcport_v1_Response_error_tag ||
		    resp->body.error.code != svcport_v1_ErrorCode_RATE_LIMITED)
			return err;
		ms = resp->body.error.retry_after_ms;
		if (tries >= APP_BACKOFF_TRIES || ms == 0 || ms > APP_BACKOFF_MAX_MS)
			return err;
		out_progress("  rate limited: waiting %u ms as the server asks", ms);
		poll(NULL, 0, (int)ms);
	}
}

int app_call_expect(struct app *a, const svcport_v1_Request *req, svcport_v1_Response *resp,
                    pb_size_t want, const char *what)
{
	int err = app_call_polite(a, req, resp);

	if (err < 0)
		return app_report_link_failure(what, err);
	if (resp->which_body == svcport_v1_Response_error_tag)
		return app_report_refusal(a, &resp->body.error);
	if (resp->which_body != want) {
		out_error("BAD_REQUEST", "%s: unexpected answer", what);
		return -EPROTO;
	}
	return 0;
}
