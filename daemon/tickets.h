/*
 * The ticket queue, maintenance windows, inventory and assets in the state
 * database. Writers run on the store thread (the one read-write connection);
 * the queries serve nocctl and the console on read-only connections.
 *
 * One open ticket per problem (device, rule, instance) is enforced by a
 * unique index; a problem that returns while its ticket is open raises its
 * count, one that returns within the flap window reopens it. Ticket changes
 * are committed with synchronous=FULL before they are acknowledged.
 */
#ifndef NOCD_TICKETS_H
#define NOCD_TICKETS_H

#include <sqlite3.h>
#include <time.h>

struct ticket_op;
struct ticket_conf;
struct poll_result;
struct json_t;

/* A raise or clear from the rule engine (or a trap, a syslog rule...). */
int tk_apply(sqlite3 *db, const struct ticket_op *op, const struct ticket_conf *tc);
/* SLA breaches, escalation, warranty ending: run every minute or so. */
int tk_housekeep(sqlite3 *db, const struct ticket_conf *tc, time_t now);
/* Inventory rows of one poll: upsert, record changes, raise a ticket on them. */
int tk_inventory_apply(sqlite3 *db, const struct poll_result *r, const struct ticket_conf *tc);

/*
 * An operator's action (JSON from the control socket):
 *   {cmd: "ticket", action: ack|assign|resolve|close, id, by, note, to}
 *   {cmd: "maintenance-add", device|group|class, start, end, reason, by}
 *   {cmd: "maintenance-remove", id}
 *   {cmd: "asset-set", device, asset_tag, owner, purchase_date, warranty_end}
 * Returns the reply object ({ok: true, ...} or {ok: false, error}).
 */
struct json_t *tk_action(sqlite3 *db, struct json_t *req, const struct ticket_conf *tc);

/* Queries (read-only connections). state: "open" (not resolved or closed),
 * a state name, or "all". NULL on a database error. */
struct json_t *tk_query_list(sqlite3 *db, const char *state, const char *device);
struct json_t *tk_query_show(sqlite3 *db, long long id, int *found);
struct json_t *tk_query_stats(sqlite3 *db, time_t since);
struct json_t *tk_query_maintenance(sqlite3 *db, int all);
struct json_t *tk_query_inventory(sqlite3 *db, const char *device, const char *class_name);
struct json_t *tk_query_inventory_history(sqlite3 *db, const char *device, time_t since);

/* Store thread: the notices of the changes made since the last take; after
 * a commit they go to the alert channels, after a rollback they are dropped. */
struct notice;
void tk_notices_take(struct notice **v, size_t *n);
void tk_notices_discard(void);

#endif
