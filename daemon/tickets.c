#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

#include "alerts.h"
#include "conf.h"
#include "db.h"
#include "log.h"
#include "rules.h"
#include "store.h"
#include "tickets.h"
#include "util.h"

#define OPEN_STATES "('open', 'acknowledged', 'assigned')"

static struct log_ratelimit tk_rl = LOG_RATELIMIT_INIT(60, 10);

/* Notices of this transaction's ticket changes (store thread only). */
static struct {
	struct notice *v;
	size_t n, cap;
} notices;

static void
notice_add(long long id, const char *event, const struct ticket_op *op, const char *state)
{
	struct notice *n;

	if (notices.n == notices.cap) {
		notices.cap = notices.cap ? notices.cap * 2 : 16;
		notices.v = xreallocarray(notices.v, notices.cap, sizeof(*notices.v));
	}
	n = &notices.v[notices.n++];
	memset(n, 0, sizeof(*n));
	n->ticket = id;
	nocd_strlcpy(n->event, event, sizeof(n->event));
	nocd_strlcpy(n->device, op->device, sizeof(n->device));
	nocd_strlcpy(n->rule, op->rule, sizeof(n->rule));
	nocd_strlcpy(n->instance, op->instance, sizeof(n->instance));
	nocd_strlcpy(n->category, op->category, sizeof(n->category));
	n->severity = op->severity;
	nocd_strlcpy(n->state, state, sizeof(n->state));
	nocd_strlcpy(n->title, op->title, sizeof(n->title));
	n->time = op->when;
	n->received_ms = op->received_ms;
}

/* From the database row: escalation and SLA passes know only the id. */
static void
notice_from_row(sqlite3 *db, long long id, const char *event, time_t when);

void
tk_notices_take(struct notice **v, size_t *n)
{
	*v = notices.v;
	*n = notices.n;
	memset(&notices, 0, sizeof(notices));
}

void
tk_notices_discard(void)
{
	free(notices.v);
	memset(&notices, 0, sizeof(notices));
}

/*
 * Bind by type letters: s text, i int64, d double (NAN = NULL), n NULL.
 * Text is copied (SQLITE_TRANSIENT): callers pass stack buffers.
 */
static sqlite3_stmt *
vprep(sqlite3 *db, const char *sql, int cached, const char *types, va_list ap)
{
	sqlite3_stmt *st = NULL;
	double d;

	/* constant SQL is prepared once per connection (a trap storm applies
	 * thousands of ticket operations a second); SQL built here is not */
	if (cached)
		st = db_prepare_cached(db, sql);
	else if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		st = NULL;
	if (st == NULL) {
		log_limited(&tk_rl, LOG_LVL_WARN, "database: %.60s: %s", sql, sqlite3_errmsg(db));
		return NULL;
	}
	for (int i = 0; types && types[i]; i++) {
		int rc = SQLITE_OK;

		switch (types[i]) {
		case 's':
			rc = sqlite3_bind_text(st, i + 1, va_arg(ap, const char *), -1,
			    SQLITE_TRANSIENT);
			break;
		case 'i':
			rc = sqlite3_bind_int64(st, i + 1, va_arg(ap, long long));
			break;
		case 'd':
			d = va_arg(ap, double);
			rc = isnan(d) || isinf(d) ? sqlite3_bind_null(st, i + 1) :
			    sqlite3_bind_double(st, i + 1, d);
			break;
		case 'n':
			rc = sqlite3_bind_null(st, i + 1);
			break;
		}
		if (rc != SQLITE_OK) {
			db_release(st);
			return NULL;
		}
	}
	return st;
}

static sqlite3_stmt *
prep(sqlite3 *db, const char *sql, const char *types, ...)
{
	va_list ap;
	sqlite3_stmt *st;

	va_start(ap, types);
	st = vprep(db, sql, 1, types, ap);
	va_end(ap);
	return st;
}

/* Run to the end. With out: the first column of the first row (1 = a row, 0 = none).
 * sql is a constant (cached: see vprep); run_built() takes SQL made at run time. */
static int
vrun(sqlite3 *db, long long *out, const char *sql, int cached, const char *types, va_list ap)
{
	sqlite3_stmt *st;
	int rc, got = 0;

	st = vprep(db, sql, cached, types, ap);
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (!got++ && out)
			*out = sqlite3_column_int64(st, 0);
	if (rc != SQLITE_DONE)
		log_limited(&tk_rl, LOG_LVL_WARN, "database: %.60s: %s", sql, sqlite3_errmsg(db));
	db_release(st);
	return rc == SQLITE_DONE ? got > 0 : -1;
}

static int
run(sqlite3 *db, long long *out, const char *sql, const char *types, ...)
{
	va_list ap;
	int rc;

	va_start(ap, types);
	rc = vrun(db, out, sql, 1, types, ap);
	va_end(ap);
	return rc;
}

static int
run_built(sqlite3 *db, long long *out, const char *sql, const char *types, ...)
{
	va_list ap;
	int rc;

	va_start(ap, types);
	rc = vrun(db, out, sql, 0, types, ap);
	va_end(ap);
	return rc;
}

static int
history(sqlite3 *db, long long id, time_t when, const char *who, const char *action,
    const char *note)
{
	return run(db, NULL, "INSERT INTO ticket_history(ticket_id, time, who, action, state, note)"
	    " SELECT id, ?2, ?3, ?4, state, ?5 FROM tickets WHERE id = ?1", "iisss", id,
	    (long long)when, who, action, note ? note : "") < 0 ? -1 : 0;
}

static long long
sla_due(const struct ticket_conf *tc, int sev, time_t first)
{
	int s = sev >= 0 && sev <= SEV_CRITICAL ? tc->sla_s[sev] : 0;

	return s > 0 ? (long long)first + s : 0;
}

static long long
new_ticket(sqlite3 *db, const struct ticket_op *op, const struct ticket_conf *tc,
    const char *source, const char *note)
{
	long long id = 0, due = sla_due(tc, op->severity, op->when);

	if (run(db, &id, "INSERT INTO tickets(device, rule, instance, category, severity, title,"
	    " source, first_seen, last_seen, sla_due, count) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
	    " ?8, nullif(?9, 0), ?10) RETURNING id", "sssssssiii", op->device, op->rule,
	    op->instance, op->category, severity_name(op->severity), op->title, source,
	    (long long)op->when, due, op->count > 0 ? op->count : 1LL) != 1)
		return -1;
	if (history(db, id, op->when, "nocd", "opened", note ? note : op->title) < 0)
		return -1;
	notice_add(id, "opened", op, "open");
	return id;
}

/* The window in force for a device (by name, its group or its class), 0 if none. */
static long long
in_maintenance(sqlite3 *db, const char *device, time_t now)
{
	long long id = 0;

	if (run(db, &id, "SELECT m.id FROM maintenance m LEFT JOIN devices d ON d.name = ?1"
	    " WHERE m.start <= ?2 AND m.end > ?2 AND (m.device = ?1"
	    "  OR (m.grp <> '' AND m.grp = d.grp) OR (m.class <> '' AND m.class = d.class))"
	    " ORDER BY m.id LIMIT 1", "si", device, (long long)now) != 1)
		return 0;
	return id;
}

/* The open availability ticket of the nearest ancestor that has one, 0 if none. */
static long long
ancestor_ticket(sqlite3 *db, const char *device)
{
	long long id = 0;

	if (run(db, &id, "WITH RECURSIVE up(name, depth) AS ("
	    "  SELECT parent, 1 FROM devices WHERE name = ?1 AND parent <> ''"
	    "  UNION ALL SELECT d.parent, up.depth + 1 FROM devices d JOIN up ON d.name = up.name"
	    "  WHERE d.parent <> '' AND up.depth < 16)"
	    " SELECT t.id FROM up JOIN tickets t ON t.device = up.name"
	    " WHERE t.category = 'availability' AND t.instance = '_'"
	    " AND t.state IN " OPEN_STATES " ORDER BY up.depth LIMIT 1", "s", device) != 1)
		return 0;
	return id;
}

static int
link_child(sqlite3 *db, long long parent_id, const struct ticket_op *op)
{
	char note[sizeof(op->device) + sizeof(op->title) + 2];
	int r;

	/* linked already (seen again after a restart of nocd): nothing new */
	r = run(db, NULL, "SELECT 1 FROM ticket_links WHERE ticket_id = ?1 AND device = ?2"
	    " AND rule = ?3 AND instance = ?4 AND cleared IS NULL", "isss", parent_id, op->device,
	    op->rule, op->instance);
	if (r != 0)
		return r < 0 ? -1 : 0;
	snprintf(note, sizeof(note), "%s: %s", op->device, op->title);
	if (run(db, NULL, "INSERT INTO ticket_links(ticket_id, device, rule, instance, title, time)"
	    " VALUES(?1, ?2, ?3, ?4, ?5, ?6)", "issssi", parent_id, op->device, op->rule,
	    op->instance, op->title, (long long)op->when) < 0 ||
	    run(db, NULL, "UPDATE tickets SET linked = linked + 1, last_seen = max(last_seen, ?2)"
	    " WHERE id = ?1", "ii", parent_id, (long long)op->when) < 0)
		return -1;
	return history(db, parent_id, op->when, "nocd", "linked", note);
}

/*
 * A parent's availability ticket has just opened: its descendants' tickets
 * for the same outage (opened since shortly before) fold into it.
 */
static int
fold_children(sqlite3 *db, long long parent_id, const struct ticket_op *op)
{
	sqlite3_stmt *st = prep(db, "WITH RECURSIVE down(name, depth) AS ("
	    "  SELECT name, 1 FROM devices WHERE parent = ?1"
	    "  UNION ALL SELECT d.name, down.depth + 1 FROM devices d JOIN down"
	    "  ON d.parent = down.name WHERE down.depth < 16)"
	    " SELECT t.id, t.device, t.rule, t.instance, t.title FROM down JOIN tickets t"
	    " ON t.device = down.name WHERE t.category = 'availability' AND t.instance = '_'"
	    " AND t.state = 'open' AND t.first_seen >= ?2", "si", op->device,
	    (long long)op->when - 600);
	long long ids[64];
	int n = 0, rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < 64) {
		struct ticket_op child;

		memset(&child, 0, sizeof(child));
		ids[n++] = sqlite3_column_int64(st, 0);
		nocd_strlcpy(child.device, (const char *)sqlite3_column_text(st, 1),
		    sizeof(child.device));
		nocd_strlcpy(child.rule, (const char *)sqlite3_column_text(st, 2), sizeof(child.rule));
		nocd_strlcpy(child.instance, (const char *)sqlite3_column_text(st, 3),
		    sizeof(child.instance));
		nocd_strlcpy(child.title, (const char *)sqlite3_column_text(st, 4),
		    sizeof(child.title));
		child.when = op->when;
		if (link_child(db, parent_id, &child) < 0) {
			db_release(st);
			return -1;
		}
	}
	db_release(st);
	for (int i = 0; i < n; i++) {
		char note[64];

		snprintf(note, sizeof(note), "linked to parent ticket %lld", parent_id);
		if (run(db, NULL, "UPDATE tickets SET state = 'resolved', resolved_at = ?2"
		    " WHERE id = ?1", "ii", ids[i], (long long)op->when) < 0 ||
		    history(db, ids[i], op->when, "nocd", "linked", note) < 0)
			return -1;
	}
	return 0;
}

static int
raise_op(sqlite3 *db, const struct ticket_op *op, const struct ticket_conf *tc)
{
	long long id = 0, m, parent;
	int r;

	if ((m = in_maintenance(db, op->device, op->when)) > 0) {
		log_info("%s: %s suppressed by maintenance window %lld", op->device, op->rule, m);
		return run(db, NULL, "UPDATE maintenance SET suppressed = suppressed + 1"
		    " WHERE id = ?1", "i", m) < 0 ? -1 : 0;
	}
	/* the problem's ticket is open: count the repeat */
	r = run(db, &id, "SELECT id FROM tickets WHERE device = ?1 AND rule = ?2 AND instance = ?3"
	    " AND state IN " OPEN_STATES, "sss", op->device, op->rule, op->instance);
	if (r < 0)
		return -1;
	if (r == 1) {
		char note[320];
		long long changed = 0;

		if (run(db, &changed, "SELECT severity <> ?2 FROM tickets WHERE id = ?1", "is", id,
		    severity_name(op->severity)) < 0 ||
		    run(db, NULL, "UPDATE tickets SET count = count + ?2, last_seen = ?3,"
		    " severity = ?4, title = ?5 WHERE id = ?1", "iiiss", id,
		    (long long)(op->after_restart ? 0 : op->count > 0 ? op->count : 1),
		    (long long)op->when,
		    severity_name(op->severity), op->title) < 0)
			return -1;
		if (changed) {
			snprintf(note, sizeof(note), "severity %s: %s", severity_name(op->severity),
			    op->title);
			return history(db, id, op->when, "nocd", "updated", note);
		}
		return 0;
	}
	/* a child of a device that is down: part of the parent's ticket */
	if (op->availability && (parent = ancestor_ticket(db, op->device)) > 0)
		return link_child(db, parent, op);
	/* back soon after it was resolved: flapping, the same ticket again */
	if (tc->flap_window_s > 0) {
		r = run(db, &id, "SELECT id FROM tickets WHERE device = ?1 AND rule = ?2"
		    " AND instance = ?3 AND state = 'resolved' AND resolved_at >= ?4"
		    " ORDER BY id DESC LIMIT 1", "sssi", op->device, op->rule, op->instance,
		    (long long)op->when - tc->flap_window_s);
		if (r < 0)
			return -1;
		if (r == 1) {
			if (run(db, NULL, "UPDATE tickets SET state = 'open', count = count + 1,"
			    " reopened = reopened + 1, last_seen = ?2, resolved_at = NULL,"
			    " cleared_at = NULL, severity = ?3, title = ?4 WHERE id = ?1", "iiss", id,
			    (long long)op->when, severity_name(op->severity), op->title) < 0)
				return -1;
			notice_add(id, "reopened", op, "open");
			return history(db, id, op->when, "nocd", "reopened", op->title);
		}
	}
	if ((id = new_ticket(db, op, tc, op->source[0] ? op->source : "poll", NULL)) < 0)
		return -1;
	if (op->availability)
		return fold_children(db, id, op);
	return 0;
}

static int
clear_op(sqlite3 *db, const struct ticket_op *op)
{
	long long id = 0;
	char note[320];
	sqlite3_stmt *st;
	int r, rc;

	/* a linked child that recovers */
	if (run(db, NULL, "UPDATE ticket_links SET cleared = ?4 WHERE device = ?1 AND rule = ?2"
	    " AND instance = ?3 AND cleared IS NULL", "sssi", op->device, op->rule, op->instance,
	    (long long)op->when) < 0)
		return -1;
	r = run(db, &id, "UPDATE tickets SET state = 'resolved', resolved_at = ?4, cleared_at = ?4"
	    " WHERE device = ?1 AND rule = ?2 AND instance = ?3 AND state IN " OPEN_STATES
	    " RETURNING id", "sssi", op->device, op->rule, op->instance, (long long)op->when);
	if (r <= 0)
		return r;
	snprintf(note, sizeof(note), "recovered: %s", op->title);
	if (history(db, id, op->when, "nocd", "auto-resolved", note) < 0)
		return -1;
	notice_add(id, "resolved", op, "resolved");
	/* children still down when their parent recovers get tickets of their own */
	st = prep(db, "SELECT device, rule, instance, title FROM ticket_links"
	    " WHERE ticket_id = ?1 AND cleared IS NULL", "i", id);
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct ticket_op child;

		memset(&child, 0, sizeof(child));
		nocd_strlcpy(child.device, (const char *)sqlite3_column_text(st, 0),
		    sizeof(child.device));
		nocd_strlcpy(child.rule, (const char *)sqlite3_column_text(st, 1), sizeof(child.rule));
		nocd_strlcpy(child.instance, (const char *)sqlite3_column_text(st, 2),
		    sizeof(child.instance));
		nocd_strlcpy(child.title, (const char *)sqlite3_column_text(st, 3),
		    sizeof(child.title));
		nocd_strlcpy(child.category, "availability", sizeof(child.category));
		child.severity = SEV_CRITICAL;
		child.when = op->when;
		if (run(db, NULL, "SELECT 1 FROM tickets WHERE device = ?1 AND rule = ?2 AND"
		    " instance = ?3 AND state IN " OPEN_STATES, "sss", child.device, child.rule,
		    child.instance) == 0) {
			struct ticket_conf none;

			memset(&none, 0, sizeof(none));
			if (new_ticket(db, &child, &none, "poll",
			    "still unreachable after its parent recovered") < 0)
				break;
		}
	}
	db_release(st);
	return run(db, NULL, "UPDATE ticket_links SET cleared = ?2 WHERE ticket_id = ?1"
	    " AND cleared IS NULL", "ii", id, (long long)op->when) < 0 ? -1 : 0;
}

int
tk_apply(sqlite3 *db, const struct ticket_op *op, const struct ticket_conf *tc)
{
	return op->kind == TOP_RAISE ? raise_op(db, op, tc) : clear_op(db, op);
}

/* --- housekeeping --- */

static int
mark_all(sqlite3 *db, time_t now, const char *sql, const char *types, long long a,
    const char *action, const char *note)
{
	sqlite3_stmt *st = prep(db, sql, types, a, (long long)now);
	long long ids[256];
	int n = 0, rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < 256)
		ids[n++] = sqlite3_column_int64(st, 0);
	db_release(st);
	for (int i = 0; i < n; i++) {
		if (history(db, ids[i], now, "nocd", action, note) < 0)
			return -1;
		if (strcmp(action, "escalated") == 0)
			notice_from_row(db, ids[i], "escalated", now);
	}
	return n;
}

static void
notice_from_row(sqlite3 *db, long long id, const char *event, time_t when)
{
	sqlite3_stmt *st = prep(db, "SELECT device, rule, instance, category, severity, state,"
	    " title FROM tickets WHERE id = ?1", "i", id);
	struct ticket_op op;

	if (st == NULL)
		return;
	if (sqlite3_step(st) == SQLITE_ROW) {
		memset(&op, 0, sizeof(op));
		nocd_strlcpy(op.device, (const char *)sqlite3_column_text(st, 0), sizeof(op.device));
		nocd_strlcpy(op.rule, (const char *)sqlite3_column_text(st, 1), sizeof(op.rule));
		nocd_strlcpy(op.instance, (const char *)sqlite3_column_text(st, 2),
		    sizeof(op.instance));
		nocd_strlcpy(op.category, (const char *)sqlite3_column_text(st, 3),
		    sizeof(op.category));
		op.severity = severity_parse((const char *)sqlite3_column_text(st, 4));
		nocd_strlcpy(op.title, (const char *)sqlite3_column_text(st, 6), sizeof(op.title));
		op.when = when;
		notice_add(id, event, &op, (const char *)sqlite3_column_text(st, 5));
	}
	db_release(st);
}

int
tk_housekeep(sqlite3 *db, const struct ticket_conf *tc, time_t now)
{
	char note[128], day[16], until[16];
	struct tm tm;
	time_t later;
	sqlite3_stmt *st;
	int rc;

	if (mark_all(db, now, "UPDATE tickets SET sla_breached = 1 WHERE state = 'open'"
	    " AND sla_breached = 0 AND sla_due IS NOT NULL AND sla_due < ?2 AND ?1 = ?1"
	    " RETURNING id", "ii", 0, "sla-breached",
	    "not acknowledged within its response time") < 0)
		return -1;
	if (tc->escalate_after_s > 0) {
		snprintf(note, sizeof(note), "not acknowledged within %d minutes",
		    tc->escalate_after_s / 60);
		if (mark_all(db, now, "UPDATE tickets SET escalated = 1 WHERE state = 'open'"
		    " AND escalated = 0 AND first_seen <= ?2 - ?1 RETURNING id", "ii",
		    (long long)tc->escalate_after_s, "escalated", note) < 0)
			return -1;
	}
	if (tc->warranty_days <= 0)
		return 0;
	/* warranty ending soon (dates are YYYY-MM-DD text: they sort as dates) */
	gmtime_r(&now, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	later = now + (time_t)tc->warranty_days * 86400;
	gmtime_r(&later, &tm);
	strftime(until, sizeof(until), "%Y-%m-%d", &tm);
	st = prep(db, "SELECT a.device, a.warranty_end FROM assets a"
	    " WHERE a.warranty_end <> '' AND a.warranty_end <= ?1 AND NOT EXISTS (SELECT 1 FROM"
	    " tickets t WHERE t.device = a.device AND t.rule = 'warranty_ending'"
	    " AND t.state IN " OPEN_STATES ")", "s", until);
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct ticket_op op;
		const char *end = (const char *)sqlite3_column_text(st, 1);

		memset(&op, 0, sizeof(op));
		op.kind = TOP_RAISE;
		nocd_strlcpy(op.device, (const char *)sqlite3_column_text(st, 0), sizeof(op.device));
		nocd_strlcpy(op.rule, "warranty_ending", sizeof(op.rule));
		nocd_strlcpy(op.instance, "_", sizeof(op.instance));
		nocd_strlcpy(op.category, "hardware", sizeof(op.category));
		op.severity = strcmp(end, day) < 0 ? SEV_MINOR : SEV_WARNING;
		snprintf(op.title, sizeof(op.title), "%s: warranty %s %s", op.device,
		    strcmp(end, day) < 0 ? "ended" : "ends", end);
		op.when = now;
		if (new_ticket(db, &op, tc, "asset", NULL) < 0)
			break;
	}
	db_release(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* --- inventory --- */

static const char *const inv_fields[] = { "name", "description", "physical_class", "vendor",
	"model", "serial", "firmware", "hardware_rev", "software_rev", "fru" };
#define N_INV ((int)ARRAY_SIZE(inv_fields))

static const char *
row_text(const struct sample_row *row, const char *field, char *buf, size_t len)
{
	for (size_t i = 0; i < row->n_values; i++) {
		const struct sample_value *v = &row->values[i];

		if (strcmp(v->metric, field) != 0)
			continue;
		if (v->text)
			return v->text;
		if (!isnan(v->value)) {
			snprintf(buf, len, "%.0f", v->value);
			return buf;
		}
	}
	if (strcmp(field, "name") == 0 && row->label)
		return row->label;
	return "";
}

static int
inventory_change(sqlite3 *db, const char *device, time_t when, const char *instance,
    const char *name, const char *change, const char *field, const char *old, const char *new)
{
	return run(db, NULL, "INSERT INTO inventory_history(device, time, instance, name, change,"
	    " field, old, new) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", "sissssss", device,
	    (long long)when, instance, name, change, field, old, new) < 0 ? -1 : 0;
}

static int
inventory_row(sqlite3 *db, long long dev_id, const struct poll_result *r,
    const struct sample_row *row, int baseline, int *changes, char *summary, size_t slen)
{
	const char *val[N_INV];
	char bufs[N_INV][24];
	sqlite3_stmt *st;
	int rc, found = 0;

	for (int i = 0; i < N_INV; i++)
		val[i] = row_text(row, inv_fields[i], bufs[i], sizeof(bufs[i]));
	st = prep(db, "SELECT name, description, physical_class, vendor, model, serial, firmware,"
	    " hardware_rev, software_rev, fru, present FROM inventory WHERE device_id = ?1"
	    " AND grp = ?2 AND instance = ?3", "iss", dev_id, row->group, row->instance);
	if (st == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		found = 1;
		/* serial, model, firmware and revisions are the baseline audited */
		for (int i = 3; i < N_INV - 1; i++) {
			const char *old = (const char *)sqlite3_column_text(st, i);

			if (old && strcmp(old, val[i]) != 0 && (old[0] || val[i][0])) {
				if (inventory_change(db, r->device, r->when, row->instance, val[0],
				    "changed", inv_fields[i], old, val[i]) < 0) {
					db_release(st);
					return -1;
				}
				if (*changes == 0)
					snprintf(summary, slen, "%s %s: %s -> %s", val[0][0] ? val[0] :
					    row->instance, inv_fields[i], old, val[i]);
				(*changes)++;
			}
		}
		if (sqlite3_column_int(st, 10) == 0) {
			if (inventory_change(db, r->device, r->when, row->instance, val[0],
			    "appeared", "", "", val[5]) < 0) {
				db_release(st);
				return -1;
			}
			if (*changes == 0)
				snprintf(summary, slen, "%s appeared", val[0][0] ? val[0] : row->instance);
			(*changes)++;
		}
	}
	db_release(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	if (!found) {
		/* new on a device already inventoried: a component was added */
		if (!baseline) {
			if (inventory_change(db, r->device, r->when, row->instance, val[0],
			    "appeared", "", "", val[5]) < 0)
				return -1;
			if (*changes == 0)
				snprintf(summary, slen, "%s appeared", val[0][0] ? val[0] : row->instance);
			(*changes)++;
		}
	}
	return run(db, NULL, "INSERT INTO inventory(device_id, grp, instance, name, description,"
	    " physical_class, vendor, model, serial, firmware, hardware_rev, software_rev, fru,"
	    " first_seen, last_seen, present)"
	    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14, 1)"
	    " ON CONFLICT(device_id, grp, instance) DO UPDATE SET name = excluded.name,"
	    " description = excluded.description, physical_class = excluded.physical_class,"
	    " vendor = excluded.vendor, model = excluded.model, serial = excluded.serial,"
	    " firmware = excluded.firmware, hardware_rev = excluded.hardware_rev,"
	    " software_rev = excluded.software_rev, fru = excluded.fru,"
	    " last_seen = excluded.last_seen, present = 1",
	    "issssssssssssi", dev_id, row->group, row->instance, val[0], val[1], val[2], val[3],
	    val[4], val[5], val[6], val[7], val[8], val[9], (long long)r->when) < 0 ? -1 : 0;
}

int
tk_inventory_apply(sqlite3 *db, const struct poll_result *r, const struct ticket_conf *tc)
{
	long long dev_id = 0;
	char summary[200] = "", group[32] = "";
	int changes = 0;
	sqlite3_stmt *st;
	int rc;

	long long known = 0;

	if (run(db, &dev_id, "SELECT id FROM devices WHERE name = ?1", "s", r->device) != 1)
		return 0;
	/* the first inventory of a device is its baseline, not a change */
	if (run(db, &known, "SELECT count(*) FROM inventory WHERE device_id = ?1", "i",
	    dev_id) < 0)
		return -1;
	for (size_t i = 0; i < r->n_rows; i++) {
		if (!r->rows[i].inventory)
			continue;
		nocd_strlcpy(group, r->rows[i].group, sizeof(group));
		if (inventory_row(db, dev_id, r, &r->rows[i], known == 0, &changes, summary,
		    sizeof(summary)) < 0)
			return -1;
	}
	if (group[0] == '\0')
		return 0;
	/* components of this poll's groups not seen in it have gone */
	st = prep(db, "UPDATE inventory SET present = 0 WHERE device_id = ?1 AND grp = ?2"
	    " AND present = 1 AND last_seen < ?3 RETURNING instance, name, serial", "isi", dev_id,
	    group, (long long)r->when);
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *inst = (const char *)sqlite3_column_text(st, 0);
		const char *name = (const char *)sqlite3_column_text(st, 1);

		if (inventory_change(db, r->device, r->when, inst, name, "disappeared", "",
		    (const char *)sqlite3_column_text(st, 2), "") < 0)
			break;
		if (changes == 0)
			snprintf(summary, sizeof(summary), "%s disappeared", name[0] ? name : inst);
		changes++;
	}
	db_release(st);
	/* the device's model: its first chassis (entPhysicalClass 3) */
	run(db, NULL, "UPDATE devices SET model = (SELECT model FROM inventory WHERE"
	    " device_id = ?1 AND model <> '' ORDER BY physical_class <> '3',"
	    " length(instance), instance LIMIT 1) WHERE id = ?1", "i", dev_id);
	if (changes > 0) {
		struct ticket_op op;

		memset(&op, 0, sizeof(op));
		op.kind = TOP_RAISE;
		nocd_strlcpy(op.device, r->device, sizeof(op.device));
		nocd_strlcpy(op.rule, "inventory_change", sizeof(op.rule));
		nocd_strlcpy(op.instance, "_", sizeof(op.instance));
		nocd_strlcpy(op.category, "hardware", sizeof(op.category));
		op.severity = SEV_INFO;
		op.when = r->when;
		snprintf(op.title, sizeof(op.title), "%s: hardware changed (%d): %s", r->device,
		    changes, summary);
		return raise_op(db, &op, tc);
	}
	return 0;
}

/* --- operators' actions --- */

static json_t *
fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static json_t *
fail(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{s:b, s:s}", "ok", 0, "error", msg);
}

static const char *
jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static json_t *
ticket_action(sqlite3 *db, json_t *req, const struct ticket_conf *tc)
{
	const char *action = jstr(req, "action"), *by = jstr(req, "by"), *note = jstr(req, "note");
	json_int_t id = json_integer_value(json_object_get(req, "id"));
	time_t now = time(NULL);
	char state[16] = "", buf[300];
	sqlite3_stmt *st;
	int r = -1;

	(void)tc;
	if (by[0] == '\0')
		by = "operator";
	if ((st = prep(db, "SELECT state FROM tickets WHERE id = ?1", "i", (long long)id)) == NULL)
		return NULL;
	if (sqlite3_step(st) == SQLITE_ROW)
		nocd_strlcpy(state, (const char *)sqlite3_column_text(st, 0), sizeof(state));
	db_release(st);
	if (state[0] == '\0')
		return fail("no ticket %lld", (long long)id);
	if (strcmp(action, "ack") == 0) {
		if (strcmp(state, "open") != 0)
			return fail("ticket %lld is %s: only an open ticket can be acknowledged",
			    (long long)id, state);
		r = run(db, NULL, "UPDATE tickets SET state = 'acknowledged', acked_at = ?2,"
		    " acked_by = ?3, sla_breached = sla_breached OR (sla_due IS NOT NULL AND"
		    " ?2 > sla_due) WHERE id = ?1", "iis", (long long)id, (long long)now, by);
		nocd_strlcpy(buf, note, sizeof(buf));
	} else if (strcmp(action, "assign") == 0) {
		const char *to = jstr(req, "to");

		if (to[0] == '\0')
			return fail("assign needs --to WHO");
		if (strcmp(state, "resolved") == 0 || strcmp(state, "closed") == 0)
			return fail("ticket %lld is %s", (long long)id, state);
		r = run(db, NULL, "UPDATE tickets SET state = 'assigned', assignee = ?3,"
		    " acked_at = coalesce(acked_at, ?2), acked_by = coalesce(acked_by, ?4),"
		    " sla_breached = sla_breached OR (acked_at IS NULL AND sla_due IS NOT NULL"
		    " AND ?2 > sla_due) WHERE id = ?1", "iiss", (long long)id, (long long)now, to,
		    by);
		snprintf(buf, sizeof(buf), "assigned to %s%s%s", to, note[0] ? ": " : "", note);
	} else if (strcmp(action, "resolve") == 0) {
		if (strcmp(state, "resolved") == 0 || strcmp(state, "closed") == 0)
			return fail("ticket %lld is already %s", (long long)id, state);
		r = run(db, NULL, "UPDATE tickets SET state = 'resolved', resolved_at = ?2,"
		    " acked_at = coalesce(acked_at, ?2) WHERE id = ?1", "ii", (long long)id,
		    (long long)now);
		nocd_strlcpy(buf, note, sizeof(buf));
	} else if (strcmp(action, "close") == 0) {
		if (strcmp(state, "resolved") != 0)
			return fail("ticket %lld is %s: resolve it before closing it", (long long)id,
			    state);
		r = run(db, NULL, "UPDATE tickets SET state = 'closed', closed_at = ?2 WHERE id = ?1",
		    "ii", (long long)id, (long long)now);
		nocd_strlcpy(buf, note, sizeof(buf));
	} else {
		return fail("unknown ticket action '%s'", action);
	}
	if (r < 0 || history(db, (long long)id, now, by, action, buf) < 0)
		return NULL;
	return json_pack("{s:b, s:I, s:s}", "ok", 1, "id", id, "state",
	    strcmp(action, "ack") == 0 ? "acknowledged" : strcmp(action, "assign") == 0 ?
	    "assigned" : strcmp(action, "resolve") == 0 ? "resolved" : "closed");
}

static json_t *
maintenance_add(sqlite3 *db, json_t *req)
{
	json_int_t start = json_integer_value(json_object_get(req, "start"));
	json_int_t end = json_integer_value(json_object_get(req, "end"));
	const char *dev = jstr(req, "device"), *grp = jstr(req, "group"), *cls = jstr(req, "class");
	long long id = 0;

	if (!!dev[0] + !!grp[0] + !!cls[0] != 1)
		return fail("a maintenance window is for one device, one group or one class");
	if (end <= start)
		return fail("the window must end after it starts");
	if (dev[0] && run(db, NULL, "SELECT 1 FROM devices WHERE name = ?1", "s", dev) == 0)
		return fail("no device %s", dev);
	if (run(db, &id, "INSERT INTO maintenance(device, grp, class, start, end, reason,"
	    " created_by, created) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
	    "sssiissi", dev, grp, cls, (long long)start, (long long)end, jstr(req, "reason"),
	    jstr(req, "by"), (long long)time(NULL)) != 1)
		return NULL;
	return json_pack("{s:b, s:I}", "ok", 1, "id", (json_int_t)id);
}

static int
valid_date(const char *s)
{
	struct tm tm;
	const char *end;

	if (s[0] == '\0')
		return 1;
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%d", &tm);
	return end != NULL && *end == '\0' && strlen(s) == 10;
}

static json_t *
asset_set(sqlite3 *db, json_t *req)
{
	static const char *const fields[] = { "asset_tag", "owner", "purchase_date",
		"warranty_end" };
	const char *dev = jstr(req, "device");
	long long now = (long long)time(NULL);

	if (run(db, NULL, "SELECT 1 FROM devices WHERE name = ?1", "s", dev) == 0)
		return fail("no device %s", dev);
	for (size_t i = 2; i < ARRAY_SIZE(fields); i++)
		if (!valid_date(jstr(req, fields[i])))
			return fail("%s must be a date YYYY-MM-DD", fields[i]);
	if (run(db, NULL, "INSERT INTO assets(device, updated) VALUES(?1, ?2)"
	    " ON CONFLICT(device) DO NOTHING", "si", dev, now) < 0)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		char sql[128];
		json_t *v = json_object_get(req, fields[i]);

		if (!json_is_string(v))
			continue;
		/* the column name comes from the table above, never from the request */
		snprintf(sql, sizeof(sql), "UPDATE assets SET %s = ?2, updated = ?3 WHERE device = ?1",
		    fields[i]);
		if (run_built(db, NULL, sql, "ssi", dev, json_string_value(v), now) < 0)
			return NULL;
	}
	/* a warranty moved out of the window: its ticket has no reason to stay */
	return json_pack("{s:b, s:s}", "ok", 1, "device", dev);
}

json_t *
tk_action(sqlite3 *db, json_t *req, const struct ticket_conf *tc)
{
	const char *cmd = jstr(req, "cmd");
	long long n = 0;

	if (strcmp(cmd, "ticket") == 0)
		return ticket_action(db, req, tc);
	if (strcmp(cmd, "maintenance-add") == 0)
		return maintenance_add(db, req);
	if (strcmp(cmd, "maintenance-remove") == 0) {
		if (run(db, &n, "DELETE FROM maintenance WHERE id = ?1 RETURNING id", "i",
		    (long long)json_integer_value(json_object_get(req, "id"))) < 0)
			return NULL;
		return n ? json_pack("{s:b}", "ok", 1) : fail("no maintenance window %lld",
		    (long long)json_integer_value(json_object_get(req, "id")));
	}
	if (strcmp(cmd, "asset-set") == 0)
		return asset_set(db, req);
	return fail("unknown command %s", cmd);
}

/* --- queries --- */

static json_t *
query_array(sqlite3 *db, const char *types, const char *sql, const char *bt, ...)
{
	va_list ap;
	sqlite3_stmt *st;
	json_t *list, *o;
	int rc;

	va_start(ap, bt);
	st = vprep(db, sql, 0, bt, ap);
	va_end(ap);
	if (st == NULL)
		return NULL;
	list = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((o = db_row_json(st, types)) == NULL || json_array_append_new(list, o) < 0) {
			rc = SQLITE_ERROR;
			break;
		}
	}
	db_release(st);
	if (rc != SQLITE_DONE) {
		json_decref(list);
		return NULL;
	}
	return list;
}

#define TICKET_COLS "id, device, category, severity, state, title, first_seen, last_seen," \
	" count, assignee, rule, instance, source, acked_at, acked_by, resolved_at, closed_at," \
	" sla_due, sla_breached, escalated, linked, reopened"
#define TICKET_TYPES "isssssttisssststttiiii"

json_t *
tk_query_list(sqlite3 *db, const char *state, const char *device)
{
	const char *where = strcmp(state, "open") == 0 ? "state IN " OPEN_STATES :
	    strcmp(state, "all") == 0 ? "?1 = ?1" : "state = ?1";
	char sql[512];

	snprintf(sql, sizeof(sql), "SELECT " TICKET_COLS " FROM tickets WHERE %s"
	    " AND (?2 = '' OR device = ?2) AND ?1 = ?1 ORDER BY CASE severity"
	    " WHEN 'critical' THEN 0 WHEN 'major' THEN 1 WHEN 'minor' THEN 2"
	    " WHEN 'warning' THEN 3 ELSE 4 END, last_seen DESC, id DESC", where);
	return query_array(db, TICKET_TYPES, sql, "ss", state, device ? device : "");
}

json_t *
tk_query_show(sqlite3 *db, long long id, int *found)
{
	json_t *list = query_array(db, TICKET_TYPES, "SELECT " TICKET_COLS
	    " FROM tickets WHERE id = ?1", "i", id), *t, *h, *l;

	*found = 0;
	if (list == NULL)
		return NULL;
	if (json_array_size(list) == 0) {
		json_decref(list);
		return NULL;
	}
	*found = 1;
	t = json_incref(json_array_get(list, 0));
	json_decref(list);
	h = query_array(db, "tssss", "SELECT time, who, action, state, note FROM ticket_history"
	    " WHERE ticket_id = ?1 ORDER BY id", "i", id);
	l = query_array(db, "ssstt", "SELECT device, rule, title, time, cleared FROM ticket_links"
	    " WHERE ticket_id = ?1 ORDER BY time", "i", id);
	if (h == NULL || l == NULL) {
		json_decref(h);
		json_decref(l);
		json_decref(t);
		return NULL;
	}
	json_object_set_new(t, "history", h);
	json_object_set_new(t, "linked_problems", l);
	{
		json_t *nt = query_array(db, "tssiss", "SELECT time, channel, event, attempt, outcome,"
		    " detail FROM notifications WHERE ticket_id = ?1 ORDER BY id", "i", id);

		json_object_set_new(t, "notifications", nt ? nt : json_array());
	}
	return t;
}

static json_t *
counts(sqlite3 *db, const char *col, long long since)
{
	char sql[256];
	json_t *list, *o = json_object();
	size_t i;
	json_t *row;

	snprintf(sql, sizeof(sql), "SELECT %s AS k, count(*) AS n FROM tickets WHERE"
	    " first_seen >= ?1 GROUP BY 1 ORDER BY 2 DESC, 1", col);
	if ((list = query_array(db, "si", sql, "i", since)) == NULL) {
		json_decref(o);
		return NULL;
	}
	json_array_foreach(list, i, row)
		json_object_set(o, json_string_value(json_object_get(row, "k")),
		    json_object_get(row, "n"));
	json_decref(list);
	return o;
}

json_t *
tk_query_stats(sqlite3 *db, time_t since)
{
	json_t *o, *top, *by_cat, *by_sev, *by_state, *sums;

	by_cat = counts(db, "category", (long long)since);
	by_sev = counts(db, "severity", (long long)since);
	by_state = counts(db, "state", (long long)since);
	sums = query_array(db, "irrii", "SELECT count(*) AS total,"
	    " avg(acked_at - first_seen) AS mtta_s, avg(resolved_at - first_seen) AS mttr_s,"
	    " coalesce(sum(sla_breached), 0) AS sla_breaches,"
	    " coalesce(sum(reopened), 0) AS reopened"
	    " FROM tickets WHERE first_seen >= ?1", "i", (long long)since);
	top = query_array(db, "sii", "SELECT device, count(*) AS tickets,"
	    " sum(state IN " OPEN_STATES ") AS open FROM tickets WHERE first_seen >= ?1"
	    " GROUP BY device ORDER BY 2 DESC, 1 LIMIT 10", "i", (long long)since);
	if (!by_cat || !by_sev || !by_state || !sums || !top || json_array_size(sums) != 1) {
		json_decref(by_cat);
		json_decref(by_sev);
		json_decref(by_state);
		json_decref(sums);
		json_decref(top);
		return NULL;
	}
	o = json_incref(json_array_get(sums, 0));
	json_decref(sums);
	json_object_set_new(o, "by_category", by_cat);
	json_object_set_new(o, "by_severity", by_sev);
	json_object_set_new(o, "by_state", by_state);
	json_object_set_new(o, "top_devices", top);
	{
		char buf[32];

		iso8601_utc(since, buf, sizeof(buf));
		json_object_set_new(o, "since", json_string(buf));
	}
	return o;
}

json_t *
tk_query_maintenance(sqlite3 *db, int all)
{
	return query_array(db, "issssttssi", "SELECT id, device, grp AS \"group\", class, reason,"
	    " start, end, created_by, CASE WHEN start > ?1 THEN 'scheduled' WHEN end > ?1"
	    " THEN 'active' ELSE 'past' END AS status, suppressed FROM maintenance"
	    " WHERE ?2 OR end > ?1 ORDER BY start, id", "ii", (long long)time(NULL),
	    (long long)all);
}

json_t *
tk_query_inventory(sqlite3 *db, const char *device, const char *class_name)
{
	return query_array(db, "ssssssssssssssssstt",
	    "SELECT d.name AS device, d.class, i.name, i.description, i.vendor, i.model,"
	    " i.serial, i.firmware, i.hardware_rev, i.software_rev, i.physical_class, i.fru,"
	    " d.location, a.warranty_end, a.purchase_date, a.asset_tag, a.owner,"
	    " i.first_seen, i.last_seen"
	    " FROM inventory i JOIN devices d ON d.id = i.device_id"
	    " LEFT JOIN assets a ON a.device = d.name WHERE i.present = 1"
	    " AND (?1 = '' OR d.name = ?1) AND (?2 = '' OR d.class = ?2)"
	    " UNION ALL"
	    /* a device with no component table is still one asset */
	    " SELECT d.name, d.class, d.sys_name, d.sys_descr, coalesce(d.vendor, ''),"
	    " coalesce(d.model, ''), '', '', '', '', 'device', '', d.location, a.warranty_end,"
	    " a.purchase_date, a.asset_tag, a.owner, d.created, d.last_poll"
	    " FROM devices d LEFT JOIN assets a ON a.device = d.name"
	    " WHERE NOT EXISTS (SELECT 1 FROM inventory i WHERE i.device_id = d.id"
	    " AND i.present = 1) AND (?1 = '' OR d.name = ?1) AND (?2 = '' OR d.class = ?2)"
	    " ORDER BY 1, 3", "ss", device ? device : "", class_name ? class_name : "");
}

json_t *
tk_query_inventory_history(sqlite3 *db, const char *device, time_t since)
{
	return query_array(db, "tssssss", "SELECT time, device, instance, name, change, field,"
	    " old || CASE WHEN new <> '' THEN ' -> ' || new ELSE '' END AS detail"
	    " FROM inventory_history WHERE time >= ?2 AND (?1 = '' OR device = ?1)"
	    " ORDER BY time, id", "si", device ? device : "", (long long)since);
}
