/*
 * The state database. The store thread owns the one read-write connection
 * and keeps its hot statements prepared; nocctl and the console open
 * read-only connections, which WAL lets read while the writer writes.
 */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "conf.h"
#include "db.h"
#include "log.h"
#include "store.h"
#include "util.h"
#include "wmemo.h"

#define BUSY_TIMEOUT_MS	5000

/*
 * Schema migrations in order; PRAGMA user_version counts those applied.
 * A shipped migration is never edited: a schema change is a new string
 * appended here.
 */
static const char *const migrations[] = {
	/* 1: devices, their secrets, the last value of every metric */
	"CREATE TABLE devices ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" origin TEXT NOT NULL CHECK(origin IN ('config', 'api')),"
	" address TEXT NOT NULL,"
	" port INTEGER NOT NULL DEFAULT 161,"
	" version TEXT NOT NULL,"
	" location TEXT NOT NULL DEFAULT '',"
	" parent TEXT NOT NULL DEFAULT '',"
	" forced_class TEXT NOT NULL DEFAULT '',"
	" interval INTEGER NOT NULL DEFAULT 0,"
	" timeout_ms INTEGER NOT NULL DEFAULT 0,"
	" retries INTEGER NOT NULL DEFAULT -1,"
	" class TEXT NOT NULL DEFAULT '',"
	" status TEXT NOT NULL DEFAULT 'unknown',"
	" status_reason TEXT NOT NULL DEFAULT '',"
	" status_since INTEGER,"
	" sys_name TEXT, sys_descr TEXT, sys_object_id TEXT,"
	" sys_location TEXT, sys_contact TEXT, sys_uptime INTEGER,"
	" vendor TEXT, model TEXT,"
	" last_poll INTEGER, last_ok INTEGER, poll_ms REAL,"
	" polls INTEGER NOT NULL DEFAULT 0, polls_failed INTEGER NOT NULL DEFAULT 0,"
	" created INTEGER NOT NULL);"
	/* apart, so that no query on devices can return them by accident */
	"CREATE TABLE device_secrets ("
	" device_id INTEGER PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,"
	" community TEXT, usm_user TEXT, usm_level TEXT,"
	" auth_proto TEXT, auth_key TEXT, priv_proto TEXT, priv_key TEXT,"
	" engine_id TEXT);"
	"CREATE TABLE metrics ("
	" device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,"
	" grp TEXT NOT NULL,"
	" instance TEXT NOT NULL,"
	" label TEXT,"
	" metric TEXT NOT NULL,"
	" unit TEXT NOT NULL DEFAULT '',"
	" value REAL,"
	" text TEXT,"
	" updated INTEGER NOT NULL,"
	" PRIMARY KEY(device_id, grp, instance, metric)) WITHOUT ROWID;"
	"CREATE INDEX metrics_label ON metrics(device_id, label);"
	"CREATE INDEX devices_origin ON devices(origin);",
	/* 2: the ticket queue, maintenance windows, inventory and assets */
	"ALTER TABLE devices ADD COLUMN grp TEXT NOT NULL DEFAULT '';"
	"CREATE TABLE tickets ("
	" id INTEGER PRIMARY KEY,"
	" device TEXT NOT NULL,"
	" rule TEXT NOT NULL,"
	" instance TEXT NOT NULL DEFAULT '_',"
	" category TEXT NOT NULL,"
	" severity TEXT NOT NULL,"
	" state TEXT NOT NULL DEFAULT 'open' CHECK(state IN"
	"  ('open', 'acknowledged', 'assigned', 'resolved', 'closed')),"
	" title TEXT NOT NULL,"
	" source TEXT NOT NULL DEFAULT 'poll',"
	" first_seen INTEGER NOT NULL,"
	" last_seen INTEGER NOT NULL,"
	" count INTEGER NOT NULL DEFAULT 1,"
	" assignee TEXT NOT NULL DEFAULT '',"
	" acked_at INTEGER, acked_by TEXT,"
	" resolved_at INTEGER, closed_at INTEGER, cleared_at INTEGER,"
	" reopened INTEGER NOT NULL DEFAULT 0,"
	" sla_due INTEGER, sla_breached INTEGER NOT NULL DEFAULT 0,"
	" escalated INTEGER NOT NULL DEFAULT 0,"
	" linked INTEGER NOT NULL DEFAULT 0);"
	/* one open ticket per problem: the index makes a second one impossible */
	"CREATE UNIQUE INDEX tickets_problem ON tickets(device, rule, instance)"
	" WHERE state IN ('open', 'acknowledged', 'assigned');"
	"CREATE INDEX tickets_state ON tickets(state, last_seen);"
	"CREATE INDEX tickets_key ON tickets(device, rule, instance, id);"
	"CREATE TABLE ticket_history ("
	" id INTEGER PRIMARY KEY,"
	" ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,"
	" time INTEGER NOT NULL, who TEXT NOT NULL, action TEXT NOT NULL,"
	" state TEXT NOT NULL, note TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX ticket_history_ticket ON ticket_history(ticket_id, id);"
	/* a child's availability problem folded into its parent's ticket */
	"CREATE TABLE ticket_links ("
	" ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,"
	" device TEXT NOT NULL, rule TEXT NOT NULL, instance TEXT NOT NULL,"
	" title TEXT NOT NULL, time INTEGER NOT NULL, cleared INTEGER);"
	"CREATE INDEX ticket_links_ticket ON ticket_links(ticket_id);"
	"CREATE INDEX ticket_links_child ON ticket_links(device, rule, instance);"
	"CREATE TABLE maintenance ("
	" id INTEGER PRIMARY KEY,"
	" device TEXT NOT NULL DEFAULT '', grp TEXT NOT NULL DEFAULT '',"
	" class TEXT NOT NULL DEFAULT '',"
	" start INTEGER NOT NULL, end INTEGER NOT NULL,"
	" reason TEXT NOT NULL DEFAULT '', created_by TEXT NOT NULL DEFAULT '',"
	" created INTEGER NOT NULL, suppressed INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE inventory ("
	" device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,"
	" grp TEXT NOT NULL, instance TEXT NOT NULL,"
	" name TEXT NOT NULL DEFAULT '', description TEXT NOT NULL DEFAULT '',"
	" physical_class TEXT NOT NULL DEFAULT '', vendor TEXT NOT NULL DEFAULT '',"
	" model TEXT NOT NULL DEFAULT '', serial TEXT NOT NULL DEFAULT '',"
	" firmware TEXT NOT NULL DEFAULT '', hardware_rev TEXT NOT NULL DEFAULT '',"
	" software_rev TEXT NOT NULL DEFAULT '', fru TEXT NOT NULL DEFAULT '',"
	" first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
	" present INTEGER NOT NULL DEFAULT 1,"
	" PRIMARY KEY(device_id, grp, instance)) WITHOUT ROWID;"
	"CREATE TABLE inventory_history ("
	" id INTEGER PRIMARY KEY, device TEXT NOT NULL, time INTEGER NOT NULL,"
	" instance TEXT NOT NULL, name TEXT NOT NULL, change TEXT NOT NULL,"
	" field TEXT NOT NULL DEFAULT '', old TEXT NOT NULL DEFAULT '',"
	" new TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX inventory_history_device ON inventory_history(device, time);"
	"CREATE TABLE assets ("
	" device TEXT PRIMARY KEY, asset_tag TEXT NOT NULL DEFAULT '',"
	" owner TEXT NOT NULL DEFAULT '', purchase_date TEXT NOT NULL DEFAULT '',"
	" warranty_end TEXT NOT NULL DEFAULT '', updated INTEGER NOT NULL);",
	/* 3: events from traps, syslog and polls, searchable */
	"CREATE TABLE events ("
	" id INTEGER PRIMARY KEY,"
	" time INTEGER NOT NULL,"
	" source TEXT NOT NULL CHECK(source IN ('trap', 'syslog', 'poll')),"
	" device TEXT NOT NULL DEFAULT '',"
	" host TEXT NOT NULL DEFAULT '',"
	" severity TEXT NOT NULL,"
	" type TEXT NOT NULL,"
	" oid TEXT NOT NULL DEFAULT '',"
	" message TEXT NOT NULL,"
	" detail TEXT,"
	" ticket_id INTEGER);"
	"CREATE INDEX events_time ON events(time);"
	"CREATE INDEX events_device ON events(device, time);"
	"CREATE VIRTUAL TABLE events_fts USING fts5(message, host, type,"
	" content='events', content_rowid='id');"
	"CREATE TRIGGER events_ai AFTER INSERT ON events BEGIN"
	" INSERT INTO events_fts(rowid, message, host, type)"
	" VALUES (new.id, new.message, new.host, new.type); END;"
	"CREATE TRIGGER events_ad AFTER DELETE ON events BEGIN"
	" INSERT INTO events_fts(events_fts, rowid, message, host, type)"
	" VALUES ('delete', old.id, old.message, old.host, old.type); END;",
	/* 4: a RELP message resent after a broken session is stored once */
	"ALTER TABLE events ADD COLUMN dedup TEXT;"
	"CREATE UNIQUE INDEX events_dedup ON events(dedup) WHERE dedup IS NOT NULL;",
	/* 5: every notification sent to duty staff and its outcome */
	"CREATE TABLE notifications ("
	" id INTEGER PRIMARY KEY, time INTEGER NOT NULL, ticket_id INTEGER,"
	" channel TEXT NOT NULL, event TEXT NOT NULL, attempt INTEGER NOT NULL,"
	" outcome TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '', latency_ms INTEGER);"
	"CREATE INDEX notifications_ticket ON notifications(ticket_id, id);",
	/* 6: the web console's local users (password: yescrypt hash) */
	"CREATE TABLE users ("
	" name TEXT PRIMARY KEY,"
	" role TEXT NOT NULL CHECK(role IN ('viewer', 'operator', 'admin')),"
	" hash TEXT NOT NULL,"
	" created INTEGER NOT NULL, updated INTEGER NOT NULL);",
};
#define SCHEMA_VERSION	((int)ARRAY_SIZE(migrations))

/* Statements the writer runs for every poll or device, prepared once. */
enum stmt_id {
	ST_SP_BEGIN,
	ST_SP_RELEASE,
	ST_SP_ROLLBACK,
	ST_DEV_UPSERT,
	ST_SEC_UPSERT,
	ST_DEV_REMOVE,
	ST_DEVICE_ID,
	ST_POLL_DEVICE,
	ST_POLL_METRIC,
	ST_POLL_VALUE,
	ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
	[ST_SP_BEGIN] = "SAVEPOINT nocd_db",
	[ST_SP_RELEASE] = "RELEASE nocd_db",
	[ST_SP_ROLLBACK] = "ROLLBACK TO nocd_db",
	[ST_DEV_UPSERT] =
	    "INSERT INTO devices(name, origin, address, port, version, location,"
	    " parent, forced_class, interval, timeout_ms, retries, created, grp)"
	    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
	    " ON CONFLICT(name) DO UPDATE SET origin = excluded.origin,"
	    " address = excluded.address, port = excluded.port,"
	    " version = excluded.version, location = excluded.location,"
	    " parent = excluded.parent, forced_class = excluded.forced_class,"
	    " interval = excluded.interval, timeout_ms = excluded.timeout_ms,"
	    " retries = excluded.retries, grp = excluded.grp"
	    " RETURNING id",
	[ST_SEC_UPSERT] =
	    "INSERT INTO device_secrets(device_id, community, usm_user, usm_level,"
	    " auth_proto, auth_key, priv_proto, priv_key, engine_id)"
	    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
	    " ON CONFLICT(device_id) DO UPDATE SET community = excluded.community,"
	    " usm_user = excluded.usm_user, usm_level = excluded.usm_level,"
	    " auth_proto = excluded.auth_proto, auth_key = excluded.auth_key,"
	    " priv_proto = excluded.priv_proto, priv_key = excluded.priv_key,"
	    " engine_id = excluded.engine_id",
	[ST_DEV_REMOVE] = "DELETE FROM devices WHERE name = ?1",
	[ST_DEVICE_ID] = "SELECT id FROM devices WHERE name = ?1",
	/*
	 * SET expressions see the old row, so status_since compares the old
	 * status. By id (the memo keeps it), with no RETURNING: a RETURNING
	 * clause makes SQLite gather its rows in a temporary b-tree, and the
	 * name a lookup in the name index, which together cost as much again
	 * as the update itself. The name is compared in the row found, so an
	 * id the memo kept too long can never update another device.
	 */
	[ST_POLL_DEVICE] =
	    "UPDATE devices SET"
	    " status_since = CASE WHEN status IS NOT ?2 OR status_since IS NULL"
	    "  THEN ?1 ELSE status_since END,"
	    " status = ?2, status_reason = ?3, last_poll = ?1,"
	    " last_ok = CASE WHEN ?4 THEN ?1 ELSE last_ok END,"
	    " poll_ms = ?5, polls = polls + 1,"
	    " polls_failed = polls_failed + CASE WHEN ?4 THEN 0 ELSE 1 END,"
	    " sys_descr = coalesce(?6, sys_descr),"
	    " sys_object_id = coalesce(?7, sys_object_id),"
	    " sys_name = coalesce(?8, sys_name),"
	    " sys_location = coalesce(?9, sys_location),"
	    " sys_contact = coalesce(?10, sys_contact),"
	    " sys_uptime = coalesce(?11, sys_uptime),"
	    " vendor = coalesce(?12, vendor),"
	    " class = coalesce(?13, class)"
	    " WHERE id = ?14 AND name = ?15",
	[ST_POLL_METRIC] =
	    "INSERT INTO metrics(device_id, grp, instance, label, metric, unit,"
	    " value, text, updated)"
	    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
	    " ON CONFLICT(device_id, grp, instance, metric) DO UPDATE SET"
	    " label = excluded.label, unit = excluded.unit, value = excluded.value,"
	    " text = excluded.text, updated = excluded.updated",
	/*
	 * The same numbers as ST_POLL_METRIC (?4 and ?6 are bound, not used): a
	 * plain update leaves metrics_label alone and finds the row once.
	 */
	[ST_POLL_VALUE] =
	    "UPDATE metrics SET value = ?7, text = ?8, updated = ?9"
	    " WHERE device_id = ?1 AND grp = ?2 AND instance = ?3 AND metric = ?5",
};

#define SQL_CACHE 64		/* statements kept by db_prepare_cached() per connection */

/* One per connection that wrote; found by its sqlite3 pointer. */
struct stmt_cache {
	sqlite3 *db;
	sqlite3_stmt *st[ST_COUNT];
	struct {
		const char *sql;	/* the caller's constant: compared by address */
		sqlite3_stmt *st;
		int busy;
	} by_sql[SQL_CACHE];
	struct stmt_cache *next;
};

static struct stmt_cache *caches;
static pthread_mutex_t caches_lock = PTHREAD_MUTEX_INITIALIZER;
/* A broken disk would otherwise log once per poll, thousands a minute. */
static struct log_ratelimit write_rl = LOG_RATELIMIT_INIT(60, 10);

static void
db_error(sqlite3 *db, const char *what)
{
	/* the statement text is long: its start says which it was */
	log_limited(&write_rl, LOG_LVL_WARN, "database: %.48s: %s", what, sqlite3_errmsg(db));
}

static struct stmt_cache *
cache_get(sqlite3 *db)
{
	struct stmt_cache *c;

	pthread_mutex_lock(&caches_lock);
	for (c = caches; c != NULL; c = c->next)
		if (c->db == db)
			break;
	if (c == NULL) {
		c = xcalloc(1, sizeof(*c));
		c->db = db;
		c->next = caches;
		caches = c;
	}
	pthread_mutex_unlock(&caches_lock);
	return c;
}

static void
cache_drop(sqlite3 *db)
{
	struct stmt_cache **pp, *c = NULL;

	pthread_mutex_lock(&caches_lock);
	for (pp = &caches; *pp != NULL; pp = &(*pp)->next) {
		if ((*pp)->db == db) {
			c = *pp;
			*pp = c->next;
			break;
		}
	}
	pthread_mutex_unlock(&caches_lock);
	if (c == NULL)
		return;
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(c->st[i]);
	for (int i = 0; i < SQL_CACHE; i++)
		sqlite3_finalize(c->by_sql[i].st);
	free(c);
}

/*
 * A statement prepared once per connection and kept: `sql` must be a
 * constant (it is found again by its address). A statement still in use
 * (a caller stepping through it calls another that wants the same one)
 * gets a fresh one, finalised by db_release().
 */
sqlite3_stmt *
db_prepare_cached(sqlite3 *db, const char *sql)
{
	struct stmt_cache *c = cache_get(db);
	sqlite3_stmt *st = NULL;
	int fresh = -1;

	for (int i = 0; i < SQL_CACHE; i++) {
		if (c->by_sql[i].sql == sql && c->by_sql[i].st != NULL && !c->by_sql[i].busy) {
			c->by_sql[i].busy = 1;
			return c->by_sql[i].st;
		}
		if (fresh < 0 && c->by_sql[i].sql == NULL)
			fresh = i;
	}
	if (sqlite3_prepare_v3(db, sql, -1, fresh >= 0 ? SQLITE_PREPARE_PERSISTENT : 0, &st,
	    NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return NULL;
	}
	if (fresh >= 0) {
		c->by_sql[fresh].sql = sql;
		c->by_sql[fresh].st = st;
		c->by_sql[fresh].busy = 1;
	}
	return st;
}

/* Done with a statement from db_prepare_cached() (or any other: finalised). */
void
db_release(sqlite3_stmt *st)
{
	struct stmt_cache *c;

	if (st == NULL)
		return;
	c = cache_get(sqlite3_db_handle(st));
	for (int i = 0; i < SQL_CACHE; i++)
		if (c->by_sql[i].st == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			c->by_sql[i].busy = 0;
			return;
		}
	sqlite3_finalize(st);
}

static sqlite3_stmt *
stmt(sqlite3 *db, enum stmt_id id)
{
	struct stmt_cache *c = cache_get(db);

	if (c->st[id] == NULL && sqlite3_prepare_v3(db, stmt_sql[id], -1,
	    SQLITE_PREPARE_PERSISTENT, &c->st[id], NULL) != SQLITE_OK) {
		db_error(db, "prepare");
		c->st[id] = NULL;
	}
	return c->st[id];
}

/* Ready a cached statement for its next use; bound pointers are dropped. */
static void
stmt_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Run a statement to its end; with `id`, the first column of its one row. */
static int
stmt_run(sqlite3 *db, sqlite3_stmt *st, sqlite3_int64 *id, int *had_row)
{
	int rc;

	if (had_row)
		*had_row = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (id)
			*id = sqlite3_column_int64(st, 0);
		if (had_row)
			*had_row = 1;
	}
	if (rc != SQLITE_DONE) {
		db_error(db, sqlite3_sql(st));
		sqlite3_reset(st);
		return -1;
	}
	return 0;
}

static int
exec_simple(sqlite3 *db, enum stmt_id id)
{
	sqlite3_stmt *st = stmt(db, id);
	int rc;

	if (st == NULL)
		return -1;
	rc = stmt_run(db, st, NULL, NULL);
	stmt_done(st);
	return rc;
}

/*
 * A savepoint around each write makes it all-or-nothing even inside the
 * caller's batch transaction, so one bad poll never leaves half its rows.
 */
static int
sp_begin(sqlite3 *db)
{
	return exec_simple(db, ST_SP_BEGIN);
}

static int
sp_end(sqlite3 *db, int rc)
{
	if (rc < 0) {
		exec_simple(db, ST_SP_ROLLBACK);
		exec_simple(db, ST_SP_RELEASE);
		return -1;
	}
	return exec_simple(db, ST_SP_RELEASE);
}

static int
pragma_int(sqlite3 *db, const char *sql, int *out)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_step(st) != SQLITE_ROW)
		goto out;
	*out = sqlite3_column_int(st, 0);
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

int
db_schema_version(sqlite3 *db)
{
	int v;

	if (pragma_int(db, "PRAGMA user_version", &v) < 0)
		return -1;
	return v;
}

/* One step: the next migration and its version bump in one transaction. */
static int
migrate_one(sqlite3 *db, int *done, char *err, size_t errlen)
{
	char sql[64];
	int v;

	*done = 0;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		set_err(err, errlen, "cannot migrate the database: %s", sqlite3_errmsg(db));
		return -1;
	}
	/* read inside the lock: another process may have migrated meanwhile */
	if ((v = db_schema_version(db)) < 0) {
		set_err(err, errlen, "cannot read the schema version: %s", sqlite3_errmsg(db));
		goto fail;
	}
	if (v > SCHEMA_VERSION) {
		set_err(err, errlen, "database schema %d is newer than this nocd (%d)",
		    v, SCHEMA_VERSION);
		goto fail;
	}
	if (v == SCHEMA_VERSION) {
		*done = 1;
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		return 0;
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
	if (sqlite3_exec(db, migrations[v], NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		set_err(err, errlen, "database migration %d: %s", v + 1, sqlite3_errmsg(db));
		goto fail;
	}
	log_info("database schema migrated to version %d", v + 1);
	return 0;
fail:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int
db_migrate(sqlite3 *db, char *err, size_t errlen)
{
	int done = 0;

	/* one more round than migrations, to see the last one through */
	for (int i = 0; i <= SCHEMA_VERSION && !done; i++)
		if (migrate_one(db, &done, err, errlen) < 0)
			return -1;
	if (!done) {
		set_err(err, errlen, "database migration did not converge");
		return -1;
	}
	return 0;
}

static int
db_path(const char *state_dir, char *path, size_t len, char *err, size_t errlen)
{
	int n = snprintf(path, len, "%s/%s", state_dir, DB_FILE);

	if (n < 0 || (size_t)n >= len) {
		set_err(err, errlen, "state directory path too long: %s", state_dir);
		return -1;
	}
	return 0;
}

/*
 * Create the file ourselves with mode 0640 rather than touch the umask,
 * which is process-wide and other threads may be creating files. SQLite
 * gives the -wal and -shm files the database's mode.
 */
static int
create_db_file(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);

	if (fd < 0) {
		if (errno == EEXIST)
			return 0;
		set_err(err, errlen, "cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	if (fchmod(fd, 0640) < 0) {
		set_err(err, errlen, "chmod %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int
set_pragmas(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		set_err(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
		goto out;
	}
	/* readers would block the writer without WAL: worth saying, not fatal */
	if (strcmp((const char *)sqlite3_column_text(st, 0), "wal") != 0)
		log_warnx("%s: WAL journal not available, using %s", path,
		    (const char *)sqlite3_column_text(st, 0));
	if (sqlite3_exec(db, "PRAGMA synchronous = NORMAL;"
	    "PRAGMA foreign_keys = ON", NULL, NULL, NULL) != SQLITE_OK) {
		set_err(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

sqlite3 *
db_open_rw(const char *state_dir, char *err, size_t errlen)
{
	char path[PATH_MAX];
	sqlite3 *db = NULL;

	if (db_path(state_dir, path, sizeof(path), err, errlen) < 0 ||
	    create_db_file(path, err, errlen) < 0)
		return NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		set_err(err, errlen, "cannot open %s: %s", path,
		    db ? sqlite3_errmsg(db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
	if (set_pragmas(db, path, err, errlen) < 0 || db_migrate(db, err, errlen) < 0)
		goto fail;
	return db;
fail:
	sqlite3_close(db);
	return NULL;
}

sqlite3 *
db_open_ro(const char *state_dir, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct stat sb;
	sqlite3 *db = NULL;
	int v;

	if (db_path(state_dir, path, sizeof(path), err, errlen) < 0)
		return NULL;
	if (stat(path, &sb) < 0) {
		if (errno == ENOENT)
			set_err(err, errlen, "no database at %s: has nocd run with this "
			    "state_dir?", path);
		else
			set_err(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW,
	    NULL) != SQLITE_OK) {
		set_err(err, errlen, "cannot open %s: %s", path,
		    db ? sqlite3_errmsg(db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
	if ((v = db_schema_version(db)) < 0) {
		set_err(err, errlen, "cannot read %s: %s", path, sqlite3_errmsg(db));
		goto fail;
	}
	if (v > SCHEMA_VERSION) {
		set_err(err, errlen, "database schema %d is newer than this nocd (%d)",
		    v, SCHEMA_VERSION);
		goto fail;
	}
	if (v == 0) {
		set_err(err, errlen, "%s has no schema yet: has nocd run with this "
		    "state_dir?", path);
		goto fail;
	}
	return db;
fail:
	sqlite3_close(db);
	return NULL;
}

void
db_close(sqlite3 *db)
{
	if (db == NULL)
		return;
	cache_drop(db);
	if (sqlite3_close(db) != SQLITE_OK)
		log_warnx("database: close: %s", sqlite3_errmsg(db));
}

static int
tx_exec(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		db_error(db, sql);
		return -1;
	}
	return 0;
}

int
db_begin(sqlite3 *db)
{
	return tx_exec(db, "BEGIN IMMEDIATE");
}

int
db_commit(sqlite3 *db)
{
	return tx_exec(db, "COMMIT");
}

void
db_rollback(sqlite3 *db)
{
	/* a failed COMMIT may already have ended the transaction */
	if (!sqlite3_get_autocommit(db))
		tx_exec(db, "ROLLBACK");
}

/* Secrets absent are NULL, not "", so that a reader can tell. */
static int
bind_opt(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL || *s == '\0')
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

static int
upsert_secrets(sqlite3 *db, const struct device_conf *d, sqlite3_int64 id)
{
	sqlite3_stmt *st = stmt(db, ST_SEC_UPSERT);
	const struct usm_user *u = &d->usm;
	int v3 = d->version == SNMP_V3;
	int rc;

	if (st == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
	    bind_opt(st, 2, d->community) != SQLITE_OK ||
	    bind_opt(st, 3, v3 ? u->name : NULL) != SQLITE_OK ||
	    bind_opt(st, 4, v3 ? conf_level_str(u->level) : NULL) != SQLITE_OK ||
	    bind_opt(st, 5, v3 ? u->auth_proto : NULL) != SQLITE_OK ||
	    bind_opt(st, 6, v3 ? u->auth_key : NULL) != SQLITE_OK ||
	    bind_opt(st, 7, v3 ? u->priv_proto : NULL) != SQLITE_OK ||
	    bind_opt(st, 8, v3 ? u->priv_key : NULL) != SQLITE_OK ||
	    bind_opt(st, 9, v3 ? u->engine_id : NULL) != SQLITE_OK) {
		db_error(db, "bind");
		stmt_done(st);
		return -1;
	}
	rc = stmt_run(db, st, NULL, NULL);
	stmt_done(st);
	return rc;
}

static int
upsert_device_row(sqlite3 *db, const struct device_conf *d, const char *origin,
    sqlite3_int64 *id)
{
	sqlite3_stmt *st = stmt(db, ST_DEV_UPSERT);
	const char *version = conf_version_str(d->version);
	int rc, had_row;

	if (st == NULL)
		return -1;
	if (version == NULL) {
		log_warnx("database: device %s: bad SNMP version %d", d->name, (int)d->version);
		return -1;
	}
	if (sqlite3_bind_text(st, 1, d->name, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, origin, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 3, d->address, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int(st, 4, d->port) != SQLITE_OK ||
	    sqlite3_bind_text(st, 5, version, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 6, d->location, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 7, d->parent, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 8, d->class_name, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int(st, 9, d->interval) != SQLITE_OK ||
	    sqlite3_bind_int(st, 10, d->timeout_ms) != SQLITE_OK ||
	    sqlite3_bind_int(st, 11, d->retries) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 12, (sqlite3_int64)time(NULL)) != SQLITE_OK ||
	    sqlite3_bind_text(st, 13, d->group, -1, SQLITE_STATIC) != SQLITE_OK) {
		db_error(db, "bind");
		stmt_done(st);
		return -1;
	}
	rc = stmt_run(db, st, id, &had_row);
	stmt_done(st);
	return rc == 0 && had_row ? 0 : -1;
}

int
db_device_upsert(sqlite3 *db, const struct device_conf *d, const char *origin)
{
	sqlite3_int64 id = 0;
	int rc;

	if (d->name[0] == '\0' || origin == NULL) {
		log_warnx("database: device upsert without a name or origin");
		return -1;
	}
	if (sp_begin(db) < 0)
		return -1;
	rc = upsert_device_row(db, d, origin, &id);
	if (rc == 0)
		rc = upsert_secrets(db, d, id);
	return sp_end(db, rc);
}

int
db_device_remove(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st = stmt(db, ST_DEV_REMOVE);
	int rc;

	if (st == NULL)
		return -1;
	if (sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC) != SQLITE_OK) {
		db_error(db, "bind");
		stmt_done(st);
		return -1;
	}
	rc = stmt_run(db, st, NULL, NULL);
	stmt_done(st);
	return rc;
}

/* The names to keep go to a temporary table: one query, however many. */
static int
prune_fill(sqlite3 *db, const struct device_conf *keep, size_t n)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (tx_exec(db, "CREATE TEMP TABLE IF NOT EXISTS prune_keep"
	    "(name TEXT PRIMARY KEY) WITHOUT ROWID;"
	    "DELETE FROM temp.prune_keep") < 0)
		return -1;
	if (sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO temp.prune_keep(name) VALUES(?1)",
	    -1, &st, NULL) != SQLITE_OK) {
		db_error(db, "prepare");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (sqlite3_bind_text(st, 1, keep[i].name, -1, SQLITE_STATIC) != SQLITE_OK ||
		    stmt_run(db, st, NULL, NULL) < 0)
			goto out;
		sqlite3_reset(st);
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

int
db_device_prune_config(sqlite3 *db, const struct device_conf *keep, size_t n)
{
	int rc;

	if (sp_begin(db) < 0)
		return -1;
	rc = prune_fill(db, keep, n);
	if (rc == 0)
		rc = tx_exec(db, "DELETE FROM devices WHERE origin = 'config' AND name NOT IN"
		    " (SELECT name FROM temp.prune_keep)");
	if (rc == 0 && sqlite3_changes(db) > 0)
		log_info("removed %d devices no longer in the configuration",
		    sqlite3_changes(db));
	if (rc == 0)
		rc = tx_exec(db, "DELETE FROM temp.prune_keep");
	return sp_end(db, rc);
}

static int
col_copy(sqlite3_stmt *st, int i, char *dst, size_t len)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return copy_string(dst, len, s ? s : "");
}

static int
row_to_device(sqlite3_stmt *st, struct device_conf *d)
{
	const char *version = (const char *)sqlite3_column_text(st, 4);
	const char *level = (const char *)sqlite3_column_text(st, 12);

	memset(d, 0, sizeof(*d));
	if (col_copy(st, 0, d->name, sizeof(d->name)) < 0 ||
	    col_copy(st, 1, d->address, sizeof(d->address)) < 0 ||
	    col_copy(st, 3, d->location, sizeof(d->location)) < 0 ||
	    col_copy(st, 5, d->parent, sizeof(d->parent)) < 0 ||
	    col_copy(st, 6, d->class_name, sizeof(d->class_name)) < 0 ||
	    col_copy(st, 10, d->community, sizeof(d->community)) < 0 ||
	    col_copy(st, 11, d->usm.name, sizeof(d->usm.name)) < 0 ||
	    col_copy(st, 13, d->usm.auth_proto, sizeof(d->usm.auth_proto)) < 0 ||
	    col_copy(st, 14, d->usm.auth_key, sizeof(d->usm.auth_key)) < 0 ||
	    col_copy(st, 15, d->usm.priv_proto, sizeof(d->usm.priv_proto)) < 0 ||
	    col_copy(st, 16, d->usm.priv_key, sizeof(d->usm.priv_key)) < 0 ||
	    col_copy(st, 17, d->usm.engine_id, sizeof(d->usm.engine_id)) < 0 ||
	    col_copy(st, 18, d->group, sizeof(d->group)) < 0)
		return -1;
	if (version == NULL || conf_parse_version(version, &d->version) < 0)
		return -1;
	d->usm.level = USM_NOAUTH;
	if (level != NULL && conf_parse_level(level, &d->usm.level) < 0)
		return -1;
	d->port = (uint16_t)sqlite3_column_int(st, 2);
	d->interval = sqlite3_column_int(st, 7);
	d->timeout_ms = sqlite3_column_int(st, 8);
	d->retries = sqlite3_column_int(st, 9);
	d->line = 0;
	return 0;
}

int
db_devices_load_api(sqlite3 *db, struct device_conf **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	struct device_conf *v = NULL;
	size_t count = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(db, "SELECT d.name, d.address, d.port, d.location,"
	    " d.version, d.parent, d.forced_class, d.interval, d.timeout_ms, d.retries,"
	    " s.community, s.usm_user, s.usm_level, s.auth_proto, s.auth_key,"
	    " s.priv_proto, s.priv_key, s.engine_id, d.grp"
	    " FROM devices d LEFT JOIN device_secrets s ON s.device_id = d.id"
	    " WHERE d.origin = 'api' ORDER BY d.id", -1, &st, NULL) != SQLITE_OK) {
		db_error(db, "prepare");
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = xreallocarray(v, count + 1, sizeof(*v));
		/* one bad row must not cost the others their polling */
		if (row_to_device(st, &v[count]) < 0) {
			log_warnx("database: device %s: unreadable settings, skipped",
			    (const char *)sqlite3_column_text(st, 0));
			continue;
		}
		count++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_error(db, "loading devices");
		free(v);
		return -1;
	}
	*out = v;
	*n = count;
	return 0;
}

static int
bind_poll_device(sqlite3_stmt *st, const struct poll_result *r)
{
	if (sqlite3_bind_int64(st, 1, (sqlite3_int64)r->when) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, r->status, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 3, r->reason, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int(st, 4, r->ok != 0) != SQLITE_OK ||
	    sqlite3_bind_double(st, 5, r->duration_ms) != SQLITE_OK ||
	    sqlite3_bind_text(st, 6, r->sys_descr, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 7, r->sys_object_id, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 8, r->sys_name, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 9, r->sys_location, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 10, r->sys_contact, -1, SQLITE_STATIC) != SQLITE_OK ||
	    (r->have_uptime ? sqlite3_bind_int64(st, 11, r->sys_uptime) :
	    sqlite3_bind_null(st, 11)) != SQLITE_OK ||
	    sqlite3_bind_text(st, 12, r->vendor, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 13, r->device_class, -1, SQLITE_STATIC) != SQLITE_OK)
		return -1;
	return 0;
}

/* 0 with the device's row id, 1 when there is no such device, -1 on error. */
static int
device_id(sqlite3 *db, const char *name, struct wmemo *memo, sqlite3_int64 *id)
{
	sqlite3_stmt *st;
	int rc, had_row;

	if ((*id = wmemo_device_id(memo, name)) != 0)
		return 0;
	if ((st = stmt(db, ST_DEVICE_ID)) == NULL)
		return -1;
	if (sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC) != SQLITE_OK) {
		db_error(db, "bind");
		stmt_done(st);
		return -1;
	}
	rc = stmt_run(db, st, id, &had_row);
	stmt_done(st);
	if (rc < 0)
		return -1;
	if (!had_row)
		return 1;
	wmemo_set_device_id(memo, name, *id);
	return 0;
}

/* 0 with the device's row id, 1 when there is no such device, -1 on error. */
static int
poll_device(sqlite3 *db, const struct poll_result *r, struct wmemo *memo, sqlite3_int64 *id)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = device_id(db, r->device, memo, id)) != 0)
		return rc;
	if ((st = stmt(db, ST_POLL_DEVICE)) == NULL)
		return -1;
	if (bind_poll_device(st, r) < 0 || sqlite3_bind_int64(st, 14, *id) != SQLITE_OK ||
	    sqlite3_bind_text(st, 15, r->device, -1, SQLITE_STATIC) != SQLITE_OK) {
		db_error(db, "bind");
		stmt_done(st);
		return -1;
	}
	rc = stmt_run(db, st, NULL, NULL);
	stmt_done(st);
	if (rc < 0)
		return -1;
	if (sqlite3_changes(db) == 0) {
		/* gone since the memo learnt its id */
		wmemo_set_device_id(memo, r->device, 0);
		return 1;
	}
	return 0;
}

static int
bind_value(sqlite3_stmt *st, const struct sample_value *v)
{
	if (sqlite3_bind_text(st, 5, v->metric, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 6, v->unit, -1, SQLITE_STATIC) != SQLITE_OK ||
	    (isnan(v->value) ? sqlite3_bind_null(st, 7) :
	    sqlite3_bind_double(st, 7, v->value)) != SQLITE_OK ||
	    sqlite3_bind_text(st, 8, v->text, -1, SQLITE_STATIC) != SQLITE_OK)
		return -1;
	return 0;
}

/* A value's fingerprint for the memo: what its row holds of it... */
static uint32_t
value_fp(const struct sample_value *v)
{
	double x = isnan(v->value) ? NAN : v->value;
	uint64_t h = fnv1a(FNV_SEED, &x, sizeof(x));

	h = fnv1a_str(h, v->text);
	return (uint32_t)(h ^ (h >> 32));
}

/*
 * ...and of what goes with it, which a plain value update leaves as it was:
 * `label` is the row's label hashed once for all its values.
 */
static uint8_t
meta_fp(uint64_t label, const struct sample_value *v)
{
	uint64_t h = fnv1a_str(label, v->unit);

	return (uint8_t)(h ^ (h >> 32) ^ (h >> 16) ^ (h >> 8));
}

/*
 * One value through a metric statement, the row's columns bound first when
 * this statement does not hold them yet. The rows it changed, or -1.
 */
static int
metric_step(sqlite3 *db, sqlite3_stmt *st, const struct sample_row *row,
    const struct sample_value *v, int *bound)
{
	int n;

	if (!*bound && (sqlite3_bind_text(st, 2, row->group, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 3, row->instance, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 4, row->label, -1, SQLITE_STATIC) != SQLITE_OK)) {
		db_error(db, "bind");
		return -1;
	}
	*bound = 1;
	if (bind_value(st, v) < 0) {
		db_error(db, "bind");
		return -1;
	}
	if (stmt_run(db, st, NULL, NULL) < 0)
		return -1;
	n = sqlite3_changes(db);
	sqlite3_reset(st);
	return n;
}

/*
 * The hot path: bindings stay between steps, so per row only the row's
 * columns and per value only the value's are bound again; a value the memo
 * knows unchanged is not written at all, and one whose label and unit it
 * knows unchanged is updated alone (no upsert, no index entry rewritten).
 */
static int
poll_metrics(sqlite3 *db, const struct poll_result *r, sqlite3_int64 id, struct wmemo *memo)
{
	sqlite3_stmt *up = stmt(db, ST_POLL_METRIC), *val = stmt(db, ST_POLL_VALUE);
	uint64_t dev = fnv1a_str(FNV_SEED, r->device);
	int rc = -1;

	if (up == NULL || val == NULL)
		return -1;
	if (sqlite3_bind_int64(up, 1, id) != SQLITE_OK ||
	    sqlite3_bind_int64(up, 9, (sqlite3_int64)r->when) != SQLITE_OK ||
	    sqlite3_bind_int64(val, 1, id) != SQLITE_OK ||
	    sqlite3_bind_int64(val, 9, (sqlite3_int64)r->when) != SQLITE_OK) {
		db_error(db, "bind");
		goto out;
	}
	for (size_t i = 0; i < r->n_rows; i++) {
		const struct sample_row *row = &r->rows[i];
		uint64_t rk = fnv1a_str(fnv1a_str(dev, row->group), row->instance);
		uint64_t lh = fnv1a_str(FNV_SEED, row->label);
		int up_bound = 0, val_bound = 0;

		for (size_t j = 0; j < row->n_values; j++) {
			const struct sample_value *v = &row->values[j];
			enum wmemo_verdict vd = WMEMO_WRITE;
			int n;

			if (memo)
				vd = wmemo_check(memo, wmemo_key(rk, fnv1a_str(rk, v->metric)),
				    value_fp(v), meta_fp(lh, v), (int64_t)r->when,
				    DB_METRIC_REFRESH_S);
			if (vd == WMEMO_SKIP)
				continue;
			if (vd == WMEMO_VALUE) {
				if ((n = metric_step(db, val, row, v, &val_bound)) < 0)
					goto out;
				if (n > 0)
					continue;
				/* not there after all: the upsert puts it back */
			}
			if (metric_step(db, up, row, v, &up_bound) < 0)
				goto out;
		}
	}
	rc = 0;
out:
	stmt_done(up);
	stmt_done(val);
	return rc;
}

int
db_apply_poll(sqlite3 *db, const struct poll_result *r, struct wmemo *memo)
{
	sqlite3_int64 id = 0;
	int rc;

	if (sp_begin(db) < 0)
		return -1;
	rc = poll_device(db, r, memo, &id);
	if (rc == 0)
		rc = poll_metrics(db, r, id, memo);
	/* no such device: it was removed while this poll was queued */
	if (rc == 1)
		rc = 0;
	return sp_end(db, rc);
}

/*
 * Device strings are whatever the device sent; JSON strings must be UTF-8.
 * When they are not, the bytes that may break it become '?'.
 */
static json_t *
json_text(const char *s, size_t len)
{
	json_t *j = json_stringn(s, len);
	char *copy;

	if (j != NULL)
		return j;
	copy = xcalloc(1, len + 1);
	for (size_t i = 0; i < len; i++)
		copy[i] = (unsigned char)s[i] >= 0x80 ? '?' : s[i];
	j = json_stringn(copy, len);
	free(copy);
	return j;
}

/*
 * Column i as JSON by its type letter: s text, i integer, r real,
 * t unix time as ISO 8601. NULL is null.
 */
static json_t *
col_json(sqlite3_stmt *st, int i, char type)
{
	const char *s;
	char buf[32];
	json_t *j;

	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return json_null();
	switch (type) {
	case 's':
		/* text before bytes: the length is of the converted value */
		if ((s = (const char *)sqlite3_column_text(st, i)) == NULL)
			return NULL;
		return json_text(s, (size_t)sqlite3_column_bytes(st, i));
	case 'i':
		return json_integer(sqlite3_column_int64(st, i));
	case 'r':
		/* jansson refuses inf and nan */
		j = json_real(sqlite3_column_double(st, i));
		return j ? j : json_null();
	case 't':
		iso8601_utc((time_t)sqlite3_column_int64(st, i), buf, sizeof(buf));
		return json_string(buf);
	}
	return NULL;
}

/* Columns named by the query (AS ...) become keys; '-' skips one. */
json_t *
db_row_json(sqlite3_stmt *st, const char *types)
{
	json_t *o;

	/* a type string out of step with its query is a bug: fail loudly */
	if ((int)strlen(types) != sqlite3_column_count(st)) {
		log_warnx("database: %d columns but %zu types", sqlite3_column_count(st),
		    strlen(types));
		return NULL;
	}
	if ((o = json_object()) == NULL)
		return NULL;
	for (int i = 0; types[i] != '\0'; i++) {
		if (types[i] == '-')
			continue;
		if (json_object_set_new(o, sqlite3_column_name(st, i),
		    col_json(st, i, types[i])) < 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

#define DEVICE_COLS \
	"name, address, class, status, status_reason, sys_name, sys_descr," \
	" sys_object_id, vendor, model, location, last_poll"
#define DEVICE_TYPES	"sssssssssss" "t"

json_t *
db_query_devices(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	json_t *list, *o;
	int rc;

	if ((list = json_array()) == NULL)
		return NULL;
	if (sqlite3_prepare_v2(db, "SELECT " DEVICE_COLS " FROM devices ORDER BY name",
	    -1, &st, NULL) != SQLITE_OK)
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((o = db_row_json(st, DEVICE_TYPES)) == NULL || json_array_append_new(list, o) < 0)
			goto fail;
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	return list;
fail:
	log_warnx("database: devices: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	json_decref(list);
	return NULL;
}

static json_t *
query_metrics(sqlite3 *db, sqlite3_int64 id)
{
	sqlite3_stmt *st = NULL;
	json_t *list, *o;
	int rc;

	if ((list = json_array()) == NULL)
		return NULL;
	if (sqlite3_prepare_v2(db, "SELECT grp || '.' || metric AS metric, instance,"
	    " label, unit, value AS last_value, text, updated FROM metrics"
	    " WHERE device_id = ?1 ORDER BY grp, length(instance), instance, metric",
	    -1, &st, NULL) != SQLITE_OK || sqlite3_bind_int64(st, 1, id) != SQLITE_OK)
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((o = db_row_json(st, "ssssrst")) == NULL || json_array_append_new(list, o) < 0)
			goto fail;
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	return list;
fail:
	log_warnx("database: metrics: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	json_decref(list);
	return NULL;
}

json_t *
db_query_device(sqlite3 *db, const char *name, int *found)
{
	sqlite3_stmt *st = NULL;
	json_t *o = NULL, *m;
	sqlite3_int64 id;
	int rc;

	/* NULL with found set tells the caller it was an error, not absence */
	*found = 1;
	if (sqlite3_prepare_v2(db, "SELECT id, " DEVICE_COLS ", port, version, parent,"
	    " origin, sys_uptime, sys_contact, status_since, sys_location, last_ok,"
	    " poll_ms, polls, polls_failed, forced_class FROM devices WHERE name = ?1", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT) != SQLITE_OK)
		goto fail;
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		*found = 0;
		sqlite3_finalize(st);
		return NULL;
	}
	if (rc != SQLITE_ROW)
		goto fail;
	id = sqlite3_column_int64(st, 0);
	if ((o = db_row_json(st, "-" DEVICE_TYPES "isssiststriis")) == NULL ||
	    (m = query_metrics(db, id)) == NULL)
		goto fail;
	if (json_object_set_new(o, "metrics", m) < 0)
		goto fail;
	sqlite3_finalize(st);
	return o;
fail:
	log_warnx("database: device %s: %s", name, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	json_decref(o);
	return NULL;
}

int
db_find_metric(sqlite3 *db, const char *device, const char *group, char *instance,
    size_t instlen, const char *metric, char *unit, size_t unitlen)
{
	sqlite3_stmt *st = NULL;
	int rc = -1, step;

	/* prefer the index over a label that happens to look like one */
	if (sqlite3_prepare_v2(db, "SELECT m.instance, m.unit FROM metrics m"
	    " JOIN devices d ON d.id = m.device_id"
	    " WHERE d.name = ?1 AND m.grp = ?2"
	    " AND (?3 = '' OR m.instance = ?3 OR m.label = ?3)"
	    " AND (?4 = '' OR m.metric = ?4)"
	    " ORDER BY m.instance = ?3 DESC, length(m.instance), m.instance, m.metric"
	    " LIMIT 1", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, device, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, group, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_text(st, 3, instance ? instance : "", -1,
	    SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_text(st, 4, metric ? metric : "", -1, SQLITE_TRANSIENT) != SQLITE_OK)
		goto fail;
	step = sqlite3_step(st);
	if (step == SQLITE_DONE) {
		rc = 1;
		goto out;
	}
	if (step != SQLITE_ROW)
		goto fail;
	if (instance != NULL && col_copy(st, 0, instance, instlen) < 0) {
		log_warnx("database: metric instance too long");
		goto out;
	}
	if (unit != NULL && unitlen > 0)
		col_copy(st, 1, unit, unitlen);	/* a cut unit is still a label */
	rc = 0;
	goto out;
fail:
	log_warnx("database: metric lookup: %s", sqlite3_errmsg(db));
out:
	sqlite3_finalize(st);
	return rc;
}
