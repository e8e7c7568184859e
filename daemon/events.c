#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "db.h"
#include "events.h"
#include "log.h"
#include "tickets.h"
#include "util.h"

static struct log_ratelimit ev_rl = LOG_RATELIMIT_INIT(60, 5);

struct event *
event_batch_add(struct event_batch *b)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 16;
		b->v = xreallocarray(b->v, b->cap, sizeof(*b->v));
	}
	memset(&b->v[b->n], 0, sizeof(b->v[0]));
	return &b->v[b->n++];
}

void
ev_storm(struct event_batch *b, const char *source, const char *src, const char *device,
    uint64_t dropped, uint64_t total, double rate, int ended)
{
	char what[160], text[224];

	snprintf(what, sizeof(what), "%s storm from %s: %llu messages over %.0f/s dropped",
	    source, src, (unsigned long long)total, rate);
	for (int k = 0; k < 2; k++) {
		int clear = k == 1;
		struct event *e;

		if ((clear && !ended) || (!clear && dropped == 0))
			continue;
		e = event_batch_add(b);
		e->time = time(NULL);
		nocd_strlcpy(e->source, source, sizeof(e->source));
		nocd_strlcpy(e->device, device ? device : "", sizeof(e->device));
		nocd_strlcpy(e->host, src, sizeof(e->host));
		e->severity = clear ? SEV_INFO : SEV_WARNING;
		nocd_strlcpy(e->type, clear ? "storm_end" : "storm", sizeof(e->type));
		if (clear)
			snprintf(text, sizeof(text), "%s; over", what);
		else
			snprintf(text, sizeof(text), "%s (%llu since the last report)", what,
			    (unsigned long long)dropped);
		e->message = xstrdup(text);
		if (e->device[0] == '\0')
			continue;	/* no device, no ticket: the event and the counters say it */
		e->has_ticket = 1;
		e->op.kind = clear ? TOP_CLEAR : TOP_RAISE;
		nocd_strlcpy(e->op.device, e->device, sizeof(e->op.device));
		snprintf(e->op.rule, sizeof(e->op.rule), "%s_storm", source);
		nocd_strlcpy(e->op.instance, src, sizeof(e->op.instance));
		nocd_strlcpy(e->op.category, "performance", sizeof(e->op.category));
		nocd_strlcpy(e->op.source, source, sizeof(e->op.source));
		e->op.severity = SEV_WARNING;
		nocd_strlcpy(e->op.title, what, sizeof(e->op.title));
		e->op.when = e->time;
		e->op.received_ms = mono_ms();
		e->op.count = (long long)dropped;
	}
}

void
ev_storm_report(struct event_batch *b, const char *source, const char *src, const char *device,
    uint64_t dropped, uint64_t total, double rate, int ended, uint64_t *storms,
    struct log_ratelimit *rl)
{
	if (total == dropped && dropped > 0) {
		(*storms)++;
		log_limited(rl, LOG_LVL_WARN, "%s storm from %s: over %.0f/s, dropped and counted",
		    source, src, rate);
	}
	ev_storm(b, source, src, device, dropped, total, rate, ended);
}

void
event_batch_free(struct event_batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free(b->v[i].message);
		free(b->v[i].detail);
	}
	free(b->v);
	memset(b, 0, sizeof(*b));
}

/* Events from another thread than the poller's: the device by address, else by name. */
static void
resolve_device(sqlite3 *db, struct event *e)
{
	static const char sql[] = "SELECT name FROM devices WHERE address = ?1 OR name = ?2"
	    " ORDER BY address = ?1 DESC LIMIT 1";
	sqlite3_stmt *st = db_prepare_cached(db, sql);

	if (st != NULL &&
	    sqlite3_bind_text(st, 1, e->addr, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_text(st, 2, e->host, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		nocd_strlcpy(e->device, (const char *)sqlite3_column_text(st, 0),
		    sizeof(e->device));
		if (e->has_ticket)
			nocd_strlcpy(e->op.device, e->device, sizeof(e->op.device));
	}
	db_release(st);
}

int
ev_write(sqlite3 *db, const struct event_batch *b, const struct ticket_conf *tc)
{
	static const char sql[] = "INSERT OR IGNORE INTO events(time, source, device, host,"
	    " severity, type, oid, message, detail, dedup)"
	    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
	sqlite3_stmt *st = db_prepare_cached(db, sql);
	int n = 0;

	if (st == NULL) {
		log_limited(&ev_rl, LOG_LVL_WARN, "database: events: %s", sqlite3_errmsg(db));
		return -1;
	}
	for (size_t i = 0; i < b->n; i++) {
		struct event *e = &b->v[i];

		if (e->resolve && e->device[0] == '\0')
			resolve_device(db, e);
		if (sqlite3_bind_int64(st, 1, (sqlite3_int64)e->time) != SQLITE_OK ||
		    sqlite3_bind_text(st, 2, e->source, -1, SQLITE_STATIC) != SQLITE_OK ||
		    sqlite3_bind_text(st, 3, e->device, -1, SQLITE_STATIC) != SQLITE_OK ||
		    sqlite3_bind_text(st, 4, e->host, -1, SQLITE_STATIC) != SQLITE_OK ||
		    sqlite3_bind_text(st, 5, severity_name(e->severity), -1, SQLITE_STATIC) !=
		    SQLITE_OK ||
		    sqlite3_bind_text(st, 6, e->type, -1, SQLITE_STATIC) != SQLITE_OK ||
		    sqlite3_bind_text(st, 7, e->oid, -1, SQLITE_STATIC) != SQLITE_OK ||
		    sqlite3_bind_text(st, 8, e->message ? e->message : "", -1, SQLITE_STATIC) !=
		    SQLITE_OK ||
		    (e->detail ? sqlite3_bind_text(st, 9, e->detail, -1, SQLITE_STATIC) :
		    sqlite3_bind_null(st, 9)) != SQLITE_OK ||
		    (e->dedup[0] ? sqlite3_bind_text(st, 10, e->dedup, -1, SQLITE_STATIC) :
		    sqlite3_bind_null(st, 10)) != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE) {
			log_limited(&ev_rl, LOG_LVL_WARN, "database: event: %s", sqlite3_errmsg(db));
			db_release(st);
			return -1;
		}
		sqlite3_reset(st);
		if (sqlite3_changes(db) == 0)
			continue;	/* already stored: a resent message */
		n++;
		/* a trap or a log line that opens or clears a ticket; no device, no ticket */
		if (e->has_ticket && e->device[0] && e->op.device[0] && tk_apply(db, &e->op, tc) < 0) {
			db_release(st);
			return -1;
		}
	}
	db_release(st);
	return n;
}

int
ev_retention(sqlite3 *db, time_t now, long long max_age_s, long long max_rows)
{
	char sql[256];
	int rc = 0;

	if (max_age_s > 0) {
		snprintf(sql, sizeof(sql), "DELETE FROM events WHERE time < %lld",
		    (long long)now - max_age_s);
		rc |= sqlite3_exec(db, sql, NULL, NULL, NULL);
	}
	if (max_rows > 0) {
		snprintf(sql, sizeof(sql), "DELETE FROM events WHERE id <= (SELECT max(id) FROM events)"
		    " - %lld", max_rows);
		rc |= sqlite3_exec(db, sql, NULL, NULL, NULL);
	}
	if (rc != SQLITE_OK)
		log_limited(&ev_rl, LOG_LVL_WARN, "database: event retention: %s",
		    sqlite3_errmsg(db));
	return rc == SQLITE_OK ? 0 : -1;
}

#define EV_COLS "e.id, e.time, e.source, e.device, e.host, e.severity, e.type, e.message," \
	" e.oid, e.detail"
#define EV_TYPES "itssssssss"

static json_t *
rows(sqlite3_stmt *st, char *err, size_t errlen, sqlite3 *db)
{
	json_t *list = json_array(), *o;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((o = db_row_json(st, EV_TYPES)) == NULL || json_array_append_new(list, o) < 0) {
			rc = SQLITE_ERROR;
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		if (err)
			snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		json_decref(list);
		list = NULL;
	}
	sqlite3_finalize(st);
	return list;
}

json_t *
ev_query_list(sqlite3 *db, const char *source, time_t since, int limit)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, "SELECT " EV_COLS " FROM events e WHERE e.time >= ?1"
	    " AND (?2 = '' OR e.source = ?2) ORDER BY e.time DESC, e.id DESC LIMIT ?3", -1, &st,
	    NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 1, (sqlite3_int64)since) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, source ? source : "", -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_int(st, 3, limit) != SQLITE_OK) {
		sqlite3_finalize(st);
		return NULL;
	}
	return rows(st, NULL, 0, db);
}

json_t *
ev_query_search(sqlite3 *db, const char *text, time_t since, int limit, char *err,
    size_t errlen)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, "SELECT " EV_COLS " FROM events_fts f JOIN events e"
	    " ON e.id = f.rowid WHERE events_fts MATCH ?1 AND e.time >= ?2"
	    " AND e.source IN ('trap', 'syslog') ORDER BY e.time DESC, e.id DESC LIMIT ?3", -1,
	    &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, (sqlite3_int64)since) != SQLITE_OK ||
	    sqlite3_bind_int(st, 3, limit) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return NULL;
	}
	return rows(st, err, errlen, db);
}
