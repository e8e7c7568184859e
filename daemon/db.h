/*
 * The state database: SQLite in WAL mode, schema versioned by migrations.
 * nocd writes it (from the store thread); nocctl and the console read it.
 */
#ifndef NOCD_DB_H
#define NOCD_DB_H

#include <sqlite3.h>
#include <stddef.h>

struct device_conf;
struct poll_result;

#define DB_FILE "nocd.db"

/* Open state_dir/nocd.db read-write, create it, run migrations. */
sqlite3 *db_open_rw(const char *state_dir, char *err, size_t errlen);
/* Open read-only for queries (nocctl, console). */
sqlite3 *db_open_ro(const char *state_dir, char *err, size_t errlen);
void db_close(sqlite3 *db);
int db_schema_version(sqlite3 *db);
int db_migrate(sqlite3 *db, char *err, size_t errlen);

/* origin: "config" or "api". Keeps status and discovered fields. */
int db_device_upsert(sqlite3 *db, const struct device_conf *d, const char *origin);
int db_device_remove(sqlite3 *db, const char *name);
/* Config-file devices no longer in the file are removed from the database. */
int db_device_prune_config(sqlite3 *db, const struct device_conf *keep, size_t n);
/* Devices added at run time (origin "api"), with their SNMP settings. */
int db_devices_load_api(sqlite3 *db, struct device_conf **out, size_t *n);
/*
 * One poll's outcome: status, system group, last metric values. With a memo
 * (wmemo.h; NULL: write every value), a value unchanged since it was written
 * less than DB_METRIC_REFRESH_S seconds before is not written again.
 */
#define DB_METRIC_REFRESH_S 300
struct wmemo;
int db_apply_poll(sqlite3 *db, const struct poll_result *r, struct wmemo *memo);

/*
 * Queries shared by nocctl and the console, as JSON (jansson). Times are
 * ISO 8601 UTC strings; absent values are null.
 *   devices: [{name, address, class, status, status_reason, sys_name,
 *              sys_descr, sys_object_id, vendor, model, location, last_poll}]
 *   device:  the same object plus port, version, parent, origin, sys_uptime,
 *            sys_contact, status_since, and metrics: [{metric ("group.name"),
 *            instance, label, unit, last_value, updated}]
 * NULL on a database error; db_query_device returns NULL with *found = 0
 * when there is no such device.
 */
struct json_t;
struct json_t *db_query_devices(sqlite3 *db);
struct json_t *db_query_device(sqlite3 *db, const char *name, int *found);
/* Metric lookup for graphs: unit and whether (device, group, instance) exists.
 * `instance` may be the index or the label; the index is written back. */
int db_find_metric(sqlite3 *db, const char *device, const char *group,
	char *instance, size_t instlen, const char *metric, char *unit, size_t unitlen);

/* The current row as a JSON object; types: s text, i integer, r real,
 * t unix time as ISO 8601, '-' skip. Columns are named by the query. */
struct json_t *db_row_json(sqlite3_stmt *st, const char *types);

/* A statement prepared once per connection and kept (sql: a constant, found by
 * its address); db_release() resets it for its next use. NULL: see errmsg. */
sqlite3_stmt *db_prepare_cached(sqlite3 *db, const char *sql);
void db_release(sqlite3_stmt *st);

int db_begin(sqlite3 *db);
int db_commit(sqlite3 *db);
void db_rollback(sqlite3 *db);

#endif
