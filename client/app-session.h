/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libsvcport-client over an app link (app-link.h), blocking: svcport-sim app, the
 * benchmarks and the tests run the set-up and each flow to its end, one at a time. poll()
 * waits on the link's fd and the library's next wake-up; the library does the protocol
 * (GATT, segments or CDC frames, ids, repeats, back-off, the flows).
 *
 * The app gives its callbacks as to svcport_client_new, without the link's (att_send,
 * cdc_write) and the clock (now_ms): those are the session's. They are called with the
 * app's user_data; done is optional here (the status comes back from each call).
 */
#ifndef SVCPORT_APP_SESSION_H
#define SVCPORT_APP_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app-link.h"
#include "svcport-client.h"

struct app_session;

struct app_session_opts {
	/* NULL: the defaults; the link kind is always the app link's. */
	const struct svcport_client_config *cfg;
	const struct svcport_client_callbacks *cb;
	/* Optional, for counting: each ATT PDU or CDC chunk as it crosses the link
	 * (to_device: written by the phone), with cb->user_data. */
	void (*tap)(bool to_device, const uint8_t *data, size_t len, void *user_data);
};

/* A client on l (not owned: close it after app_session_free). 0, -EINVAL, -ENOMEM. */
int app_session_new(struct app_link *l, const struct app_session_opts *o, struct app_session **ret)
    __attribute__((warn_unused_result));
/* Frees the client; NULL is a no-op. */
void app_session_free(struct app_session *s);
struct svcport_client *app_session_client(struct app_session *s);

/*
 * Each runs to done and returns its status (svcport_client_result: 0, -EREMOTEIO with the
 * device's code, -ETIMEDOUT, ...), or the refusal of the call that starts it; -ECONNRESET
 * when the link closed with nothing running.
 */
int app_session_connect(struct app_session *s) __attribute__((warn_unused_result));
int app_session_run(struct app_session *s, enum svcport_client_flow flow)
    __attribute__((warn_unused_result));
int app_session_submit(struct app_session *s, enum svcport_client_flow flow, const uint8_t *cmd,
                       size_t len) __attribute__((warn_unused_result));

#endif
