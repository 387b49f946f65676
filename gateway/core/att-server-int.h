/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internals shared by att-server.c and att-server-write.c. Not an API. */
#ifndef SVCPORT_ATT_SERVER_INT_H
#define SVCPORT_ATT_SERVER_INT_H

#include "att-server.h"
#include "gatt-db.h"

struct att_prep_entry {
	uint16_t handle;
	uint16_t offset;
	uint16_t len;
	uint16_t pool_off; /* where its bytes start in prep_pool */
};

struct att_server {
	struct att_server_callbacks cb;
	uint16_t server_mtu; /* our Rx MTU, sent in Exchange MTU Response */
	uint16_t mtu;        /* the connection's ATT_MTU */
	bool mtu_exchanged;
	enum att_security required;
	enum att_security security;
	char name[ATT_SERVER_NAME_MAX];
	size_t name_len;
	uint16_t appearance;

	uint16_t tx_ccc; /* per connection: no bonding, so nothing persists */
	uint16_t sc_ccc;

	/* Robust Caching (Vol 3 Part G 2.5.2.1). No client has a trusted relationship (no
	 * bonding), so each connection starts change-aware with no features set. */
	uint8_t csf;               /* Client Supported Features kept: GATT_CSF_ROBUST_CACHING */
	bool is_change_unaware;    /* the database changed since this client last knew it */
	bool has_read_hash;        /* ... and it has read the Database Hash since */
	bool has_sent_out_of_sync; /* ... or has been told Database Out Of Sync */
	uint8_t db_hash[GATT_DB_HASH_LEN];

	uint8_t pending_op; /* request whose answer was deferred, 0 if none */

	bool ind_outstanding; /* an indication awaits its confirmation */
	bool sc_queued;
	uint16_t sc_start, sc_end;

	struct att_prep_entry prep[ATT_SERVER_PREP_MAX_ENTRIES];
	size_t n_prep;
	size_t prep_bytes;
	uint8_t prep_pool[ATT_SERVER_PREP_MAX_BYTES];

	uint8_t info[ATT_MAX_VALUE_LEN]; /* INFO snapshot for long reads */
	size_t info_len;
	bool info_valid;

	uint8_t scratch[2];
	uint8_t out[ATT_MTU_MAX];         /* responses */
	uint8_t value[ATT_MAX_VALUE_LEN]; /* long write assembly */
};

int att_srv_send(struct att_server *srv, const uint8_t *pdu, size_t len);
int att_srv_send_error(struct att_server *srv, uint8_t req_op, uint16_t handle, uint8_t ecode);
uint8_t att_srv_check_security(const struct att_server *srv, const struct gatt_db_attr *a);

int att_srv_handle_write(struct att_server *srv, const uint8_t *pdu, size_t len);
void att_srv_handle_write_cmd(struct att_server *srv, const uint8_t *pdu, size_t len);
int att_srv_handle_prep_write(struct att_server *srv, const uint8_t *pdu, size_t len);
int att_srv_handle_exec_write(struct att_server *srv, const uint8_t *pdu, size_t len);
int att_srv_handle_conf(struct att_server *srv, size_t len);
void att_srv_prep_clear(struct att_server *srv);

/* Robust Caching (att-server-cache.c). */
bool att_srv_is_held_back(const struct att_server *srv);
int att_srv_check_sync(struct att_server *srv, const uint8_t *pdu, size_t len);
void att_srv_db_hash_value(struct att_server *srv, const uint8_t **ret_val, size_t *ret_len);
uint8_t att_srv_csf_check(const struct att_server *srv, const uint8_t *v, size_t len);
uint8_t att_srv_csf_write(struct att_server *srv, const uint8_t *v, size_t len);
void att_srv_db_changed(struct att_server *srv);

#endif
