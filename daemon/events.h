/*
 * Events: what traps, syslog messages and polls said, in one store
 * (SQLite, with full-text search by FTS5), kept by age and by count.
 * Ingest hands events to the store thread in batches; an event may carry a
 * ticket operation (a linkDown opens, the matching linkUp clears).
 */
#ifndef NOCD_EVENTS_H
#define NOCD_EVENTS_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <time.h>

#include "rules.h"

struct event {
	time_t time;
	char source[8];		/* "trap", "syslog", "poll" */
	char device[64];	/* matched device, "" = none */
	char host[64];		/* sender's address (or syslog HOSTNAME) */
	int severity;		/* enum severity */
	char type[48];		/* "link_down", "cold_start", "syslog"... */
	char oid[128];		/* trap OID; syslog: app name */
	char *message;		/* owned */
	char *detail;		/* owned, JSON text (varbinds, structured data) or NULL */
	int has_ticket;		/* the op below goes to the ticket queue */
	struct ticket_op op;
	char dedup[24];		/* RELP: a resent message is stored once; "" = none */
	int resolve;		/* device to be found by the writer (host, addr) */
	char addr[64];		/* sender's address, with resolve */
};

/* Whoever waits for a batch to be on disk (RELP acknowledges only then). */
struct ev_done {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int finished, ok;
};

struct event_batch {
	struct event *v;
	size_t n, cap;
	struct ev_done *done;	/* signalled after the commit; NULL = nobody waits */
};

struct event *event_batch_add(struct event_batch *b);
void event_batch_free(struct event_batch *b);

/*
 * A storm from one source (srclimit_storms): an event per report, and one
 * ticket per storming device whose count is the number of messages dropped
 * (rule "trap_storm" or "syslog_storm", instance the source address),
 * resolved when the storm is over.
 */
void ev_storm(struct event_batch *b, const char *source, const char *src, const char *device,
	uint64_t dropped, uint64_t total, double rate, int ended);
/* A storm report from srclimit_storms(): a storm that just began is counted in
 * *storms and logged (rate-limited by rl), then ev_storm(). */
struct log_ratelimit;
void ev_storm_report(struct event_batch *b, const char *source, const char *src,
	const char *device, uint64_t dropped, uint64_t total, double rate, int ended,
	uint64_t *storms, struct log_ratelimit *rl);

/* Store thread: write a batch (tickets included). Returns events written or -1. */
struct ticket_conf;
int ev_write(sqlite3 *db, const struct event_batch *b, const struct ticket_conf *tc);
/* Keep at most max_rows events and none older than max_age_s. */
int ev_retention(sqlite3 *db, time_t now, long long max_age_s, long long max_rows);

/* Queries (read-only connections); NULL on a database error. */
struct json_t;
struct json_t *ev_query_list(sqlite3 *db, const char *source, time_t since, int limit);
/* FTS5 query of syslog and trap text; an invalid query is an error with a message. */
struct json_t *ev_query_search(sqlite3 *db, const char *text, time_t since, int limit,
	char *err, size_t errlen);

#endif
