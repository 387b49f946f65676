/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The gateway's connection to svcport-bmcd: a unix SOCK_SEQPACKET socket,
 * one BmcRequest per packet out, one BmcReply per packet in (COMMON
 * "gateway <-> bmcd"). Connects at start and, whenever the connection is
 * lost or refused, again after a back-off (100 ms doubling to 5 s, reset by
 * a successful connection). Links stay up meanwhile.
 */
#ifndef SVCPORT_BMC_CLIENT_H
#define SVCPORT_BMC_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;
struct bmc_client;

struct bmc_client_ops {
	void (*up)(void *user_data);   /* connected */
	void (*down)(void *user_data); /* lost (not called for refused attempts) */
	void (*reply)(void *user_data, const uint8_t *pkt, size_t len); /* one packet */
	void (*log)(void *user_data, int prio, const char *line);       /* may be NULL */
};

#define BMC_BACKOFF_MIN_MS 100u
#define BMC_BACKOFF_MAX_MS 5000u

/* path is copied. The first connection attempt happens here (its up() comes
 * from the loop), the retries from the loop. */
int bmc_client_new(struct loop *loop, const char *path, const struct bmc_client_ops *ops,
                   void *user_data, struct bmc_client **ret_client)
    __attribute__((warn_unused_result));
void bmc_client_free(struct bmc_client *c);

bool bmc_client_is_up(const struct bmc_client *c);
/* Sends one packet. -ENOTCONN when down; on a send error the connection is
 * dropped (down is called from the loop, not from inside this call). */
int bmc_client_send(struct bmc_client *c, const uint8_t *pkt, size_t len)
    __attribute__((warn_unused_result));

#endif
