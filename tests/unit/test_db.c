/* The state database: migrations, devices, polls, queries, readers vs writer. */
#include "config.h"

#include <sys/stat.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>
#include <sqlite3.h>

#include "conf.h"
#include "db.h"
#include "log.h"
#include "store.h"
#include "util.h"
#include "wmemo.h"

#define COMMUNITY	"s3cretCommunityXQ"
#define AUTH_KEY	"authKeyZZ9plural"
#define PRIV_KEY	"privKeyQQ7beta"

static char tmpdir[64];

static int
setup(void **state)
{
	(void)state;
	nocd_strlcpy(tmpdir, "/tmp/nocd-test-db.XXXXXX", sizeof(tmpdir));
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int
teardown(void **state)
{
	const char *files[] = { DB_FILE, DB_FILE "-wal", DB_FILE "-shm", DB_FILE "-journal" };
	char path[128];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, files[i]);
		unlink(path);
	}
	return rmdir(tmpdir);
}

static sqlite3 *
open_rw(void)
{
	char err[512] = "";
	sqlite3 *db = db_open_rw(tmpdir, err, sizeof(err));

	if (db == NULL)
		fail_msg("db_open_rw: %s", err);
	return db;
}

static sqlite3 *
open_ro(void)
{
	char err[512] = "";
	sqlite3 *db = db_open_ro(tmpdir, err, sizeof(err));

	if (db == NULL)
		fail_msg("db_open_ro: %s", err);
	return db;
}

static long long
query_int(sqlite3 *db, const char *sql, const char *arg)
{
	sqlite3_stmt *st;
	long long v;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (arg)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_type(st, 0) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void
make_device(struct device_conf *d, const char *name, enum snmp_version v)
{
	memset(d, 0, sizeof(*d));
	nocd_strlcpy(d->name, name, sizeof(d->name));
	nocd_strlcpy(d->address, "192.0.2.1", sizeof(d->address));
	d->port = 161;
	d->version = v;
	d->retries = -1;
	if (v == SNMP_V3) {
		nocd_strlcpy(d->usm.name, "monitor", sizeof(d->usm.name));
		d->usm.level = USM_AUTHPRIV;
		nocd_strlcpy(d->usm.auth_proto, "SHA-256", sizeof(d->usm.auth_proto));
		nocd_strlcpy(d->usm.auth_key, AUTH_KEY, sizeof(d->usm.auth_key));
		nocd_strlcpy(d->usm.priv_proto, "AES", sizeof(d->usm.priv_proto));
		nocd_strlcpy(d->usm.priv_key, PRIV_KEY, sizeof(d->usm.priv_key));
		nocd_strlcpy(d->usm.engine_id, "0x80001f8880", sizeof(d->usm.engine_id));
	} else {
		nocd_strlcpy(d->community, COMMUNITY, sizeof(d->community));
	}
}

/* A poll result built by hand, so these tests do not depend on store.c. */
static struct poll_result *
make_poll(const char *device, time_t when, const char *status, int ok)
{
	struct poll_result *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	nocd_strlcpy(r->device, device, sizeof(r->device));
	r->when = when;
	r->ok = ok;
	nocd_strlcpy(r->status, status, sizeof(r->status));
	nocd_strlcpy(r->reason, ok ? "" : "timeout", sizeof(r->reason));
	r->duration_ms = 12.5;
	return r;
}

static struct sample_row *
add_row(struct poll_result *r, const char *group, const char *instance, const char *label)
{
	struct sample_row *row;

	r->rows = realloc(r->rows, (r->n_rows + 1) * sizeof(*r->rows));
	assert_non_null(r->rows);
	row = &r->rows[r->n_rows++];
	memset(row, 0, sizeof(*row));
	nocd_strlcpy(row->group, group, sizeof(row->group));
	nocd_strlcpy(row->instance, instance, sizeof(row->instance));
	row->label = label ? strdup(label) : NULL;
	return row;
}

static void
add_value(struct sample_row *row, const char *metric, const char *unit, double v,
    const char *text)
{
	struct sample_value *sv;

	row->values = realloc(row->values, (row->n_values + 1) * sizeof(*row->values));
	assert_non_null(row->values);
	sv = &row->values[row->n_values++];
	memset(sv, 0, sizeof(*sv));
	nocd_strlcpy(sv->metric, metric, sizeof(sv->metric));
	nocd_strlcpy(sv->unit, unit, sizeof(sv->unit));
	sv->value = v;
	sv->text = text ? strdup(text) : NULL;
}

static void
free_poll(struct poll_result *r)
{
	for (size_t i = 0; i < r->n_rows; i++) {
		for (size_t j = 0; j < r->rows[i].n_values; j++)
			free(r->rows[i].values[j].text);
		free(r->rows[i].values);
		free(r->rows[i].label);
	}
	free(r->rows);
	free(r->sys_name);
	free(r->sys_descr);
	free(r->vendor);
	free(r->device_class);
	free(r);
}

static struct wmemo *memo;	/* NULL: every value written */

static void
apply(sqlite3 *db, struct poll_result *r)
{
	assert_int_equal(db_apply_poll(db, r, memo), 0);
	free_poll(r);
}

static void
test_fresh_migrates(void **state)
{
	char path[128];
	struct stat sb;
	sqlite3 *db;

	(void)state;
	db = open_rw();
	assert_int_equal(db_schema_version(db), 6);
	assert_int_equal(query_int(db, "SELECT count(*) FROM sqlite_master WHERE name IN"
	    " ('devices', 'device_secrets', 'metrics')", NULL), 3);
	assert_int_equal(query_int(db, "PRAGMA foreign_keys", NULL), 1);
	db_close(db);
	snprintf(path, sizeof(path), "%s/%s", tmpdir, DB_FILE);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0640);
}

static void
test_reopen_keeps_data(void **state)
{
	struct device_conf d;
	sqlite3 *db;

	(void)state;
	make_device(&d, "sw1", SNMP_V2C);
	db = open_rw();
	assert_int_equal(db_device_upsert(db, &d, "config"), 0);
	db_close(db);
	/* a second run of migration 1 would fail on CREATE TABLE or lose the row */
	db = open_rw();
	assert_int_equal(db_schema_version(db), 6);
	assert_int_equal(query_int(db, "SELECT count(*) FROM devices WHERE name = 'sw1'",
	    NULL), 1);
	db_close(db);
}

static void
test_newer_schema_refused(void **state)
{
	char err[512] = "";
	sqlite3 *db;

	(void)state;
	db = open_rw();
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL),
	    SQLITE_OK);
	db_close(db);
	assert_null(db_open_rw(tmpdir, err, sizeof(err)));
	assert_non_null(strstr(err, "database schema 99 is newer than this nocd (6)"));
	err[0] = '\0';
	assert_null(db_open_ro(tmpdir, err, sizeof(err)));
	assert_non_null(strstr(err, "newer than this nocd"));
}

static void
test_upsert_updates(void **state)
{
	struct device_conf d;
	struct poll_result *r;
	sqlite3 *db;

	(void)state;
	db = open_rw();
	make_device(&d, "sw1", SNMP_V2C);
	assert_int_equal(db_device_upsert(db, &d, "config"), 0);
	r = make_poll("sw1", 1000, "up", 1);
	r->sys_name = strdup("core-sw1");
	apply(db, r);
	nocd_strlcpy(d.address, "198.51.100.7", sizeof(d.address));
	d.port = 1161;
	d.interval = 30;
	nocd_strlcpy(d.class_name, "router", sizeof(d.class_name));
	assert_int_equal(db_device_upsert(db, &d, "config"), 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM devices", NULL), 1);
	assert_int_equal(query_int(db, "SELECT count(*) FROM device_secrets", NULL), 1);
	assert_int_equal(query_int(db, "SELECT port FROM devices", NULL), 1161);
	assert_int_equal(query_int(db, "SELECT interval FROM devices", NULL), 30);
	assert_int_equal(query_int(db, "SELECT count(*) FROM devices WHERE"
	    " address = '198.51.100.7' AND forced_class = 'router'", NULL), 1);
	/* what the poller found survives a configuration change */
	assert_int_equal(query_int(db, "SELECT count(*) FROM devices WHERE status = 'up'"
	    " AND sys_name = 'core-sw1' AND status_since = 1000", NULL), 1);
	assert_int_equal(db_device_upsert(db, &d, "bogus"), -1);
	db_close(db);
}

static void
test_status_since(void **state)
{
	struct device_conf d;
	struct poll_result *r;
	sqlite3 *db;

	(void)state;
	db = open_rw();
	make_device(&d, "sw1", SNMP_V2C);
	assert_int_equal(db_device_upsert(db, &d, "config"), 0);
	assert_int_equal(query_int(db, "SELECT status_since FROM devices", NULL), -1);
	r = make_poll("sw1", 1000, "up", 1);
	r->sys_name = strdup("core-sw1");
	r->sys_uptime = 4242;
	r->have_uptime = 1;
	r->device_class = strdup("switch");
	apply(db, r);
	apply(db, make_poll("sw1", 1060, "up", 1));
	assert_int_equal(query_int(db, "SELECT status_since FROM devices", NULL), 1000);
	assert_int_equal(query_int(db, "SELECT last_poll FROM devices", NULL), 1060);
	assert_int_equal(query_int(db, "SELECT last_ok FROM devices", NULL), 1060);
	/* NULL system fields mean "not read this time", not "gone" */
	assert_int_equal(query_int(db, "SELECT count(*) FROM devices WHERE"
	    " sys_name = 'core-sw1' AND class = 'switch' AND sys_uptime = 4242", NULL), 1);
	apply(db, make_poll("sw1", 1120, "down", 0));
	assert_int_equal(query_int(db, "SELECT status_since FROM devices", NULL), 1120);
	assert_int_equal(query_int(db, "SELECT last_ok FROM devices", NULL), 1060);
	assert_int_equal(query_int(db, "SELECT count(*) FROM devices WHERE"
	    " status = 'down' AND status_reason = 'timeout'", NULL), 1);
	apply(db, make_poll("sw1", 1180, "down", 0));
	assert_int_equal(query_int(db, "SELECT status_since FROM devices", NULL), 1120);
	apply(db, make_poll("sw1", 1240, "up", 1));
	assert_int_equal(query_int(db, "SELECT status_since FROM devices", NULL), 1240);
	/* a device removed while its poll was queued */
	r = make_poll("gone", 1300, "up", 1);
	add_value(add_row(r, "cpu", "_", NULL), "load", "%", 5, NULL);
	apply(db, r);
	assert_int_equal(query_int(db, "SELECT count(*) FROM metrics", NULL), 0);
	db_close(db);
}

static json_t *
find_metric_json(json_t *dev, const char *metric, const char *instance)
{
	json_t *m;
	size_t i;

	json_array_foreach(json_object_get(dev, "metrics"), i, m)
		if (strcmp(json_string_value(json_object_get(m, "metric")), metric) == 0 &&
		    strcmp(json_string_value(json_object_get(m, "instance")), instance) == 0)
			return m;
	return NULL;
}

static void
poll_labelled(sqlite3 *db, time_t when, double in_bits, const char *label)
{
	struct poll_result *r = make_poll("sw1", when, "up", 1);
	struct sample_row *row;

	row = add_row(r, "interface", "10", label);
	add_value(row, "in_bits", "bit/s", in_bits, NULL);
	add_value(row, "out_bits", "bit/s", NAN, NULL);
	row = add_row(r, "interface", "2", "eth0");
	add_value(row, "in_bits", "bit/s", 7, NULL);
	add_value(row, "oper", "", NAN, "up");
	row = add_row(r, "cpu", "_", NULL);
	add_value(row, "load", "%", 12, NULL);
	apply(db, r);
}

static void
poll_with_metrics(sqlite3 *db, time_t when, double in_bits)
{
	poll_labelled(db, when, in_bits, "eth9");
}

static void
test_metrics(void **state)
{
	struct device_conf d;
	json_t *dev, *m, *first;
	sqlite3 *db;
	int found = -1;

	(void)state;
	db = open_rw();
	make_device(&d, "sw1", SNMP_V2C);
	assert_int_equal(db_device_upsert(db, &d, "config"), 0);
	assert_int_equal(db_begin(db), 0);
	poll_with_metrics(db, 1000, 100);
	poll_with_metrics(db, 1060, 250);
	assert_int_equal(db_commit(db), 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM metrics", NULL), 5);
	dev = db_query_device(db, "sw1", &found);
	assert_non_null(dev);
	assert_int_equal(found, 1);
	m = find_metric_json(dev, "interface.in_bits", "10");
	assert_non_null(m);
	assert_true(json_real_value(json_object_get(m, "last_value")) == 250.0);
	assert_string_equal(json_string_value(json_object_get(m, "updated")),
	    "1970-01-01T00:17:40Z");
	assert_string_equal(json_string_value(json_object_get(m, "label")), "eth9");
	assert_string_equal(json_string_value(json_object_get(m, "unit")), "bit/s");
	m = find_metric_json(dev, "interface.out_bits", "10");
	assert_non_null(m);
	assert_true(json_is_null(json_object_get(m, "last_value")));
	m = find_metric_json(dev, "interface.oper", "2");
	assert_non_null(m);
	assert_string_equal(json_string_value(json_object_get(m, "text")), "up");
	m = find_metric_json(dev, "cpu.load", "_");
	assert_non_null(m);
	assert_true(json_is_null(json_object_get(m, "label")));
	/* sorted by group, then instance as a number would sort */
	first = json_array_get(json_object_get(dev, "metrics"), 0);
	assert_string_equal(json_string_value(json_object_get(first, "metric")), "cpu.load");
	first = json_array_get(json_object_get(dev, "metrics"), 1);
	assert_string_equal(json_string_value(json_object_get(first, "instance")), "2");
	json_decref(dev);
	/* removing the device takes its metrics and secrets with it */
	assert_int_equal(db_device_remove(db, "sw1"), 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM metrics", NULL), 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM device_secrets", NULL), 0);
	assert_null(db_query_device(db, "sw1", &found));
	assert_int_equal(found, 0);
	db_close(db);
}

static const char *
updated_of(sqlite3 *db, const char *metric, const char *instance, char *buf, size_t len)
{
	int found = -1;
	json_t *dev = db_query_device(db, "sw1", &found);
	json_t *m;

	assert_non_null(dev);
	m = find_metric_json(dev, metric, instance);
	assert_non_null(m);
	nocd_strlcpy(buf, json_string_value(json_object_get(m, "updated")), len);
	json_decref(dev);
	return buf;
}

/* With the writer's memo, an unchanged value is written again only after DB_METRIC_REFRESH_S. */
static void
test_metrics_memo(void **state)
{
	struct device_conf d;
	char buf[32];
	sqlite3 *db;

	(void)state;
	db = open_rw();
	memo = wmemo_new();
	make_device(&d, "sw1", SNMP_V2C);
	assert_int_equal(db_device_upsert(db, &d, "config"), 0);
	poll_with_metrics(db, 1000, 100);
	assert_int_equal(wmemo_count(memo), 5);
	poll_with_metrics(db, 1060, 100);
	/* nothing changed: nothing written */
	assert_string_equal(updated_of(db, "interface.in_bits", "10", buf, sizeof(buf)),
	    "1970-01-01T00:16:40Z");
	poll_with_metrics(db, 1120, 250);
	/* the changed value only */
	assert_string_equal(updated_of(db, "interface.in_bits", "10", buf, sizeof(buf)),
	    "1970-01-01T00:18:40Z");
	assert_string_equal(updated_of(db, "cpu.load", "_", buf, sizeof(buf)),
	    "1970-01-01T00:16:40Z");
	assert_int_equal(query_int(db, "SELECT count(*) FROM metrics WHERE updated = 1120", NULL), 1);
	assert_int_equal(query_int(db, "SELECT count(*) FROM metrics WHERE value = 250", NULL), 1);
	/* a new label is written with the value, and to the row's other values */
	poll_labelled(db, 1150, 260, "uplink");
	assert_int_equal(query_int(db, "SELECT count(*) FROM metrics WHERE label = 'uplink'"
	    " AND updated = 1150", NULL), 2);
	assert_int_equal(query_int(db, "SELECT count(*) FROM metrics WHERE value = 260", NULL), 1);
	/* a value-only update keeps the label */
	poll_labelled(db, 1180, 250, "uplink");
	assert_int_equal(query_int(db, "SELECT count(*) FROM metrics WHERE label = 'uplink'"
	    " AND value = 250 AND updated = 1180", NULL), 1);
	poll_with_metrics(db, 1190, 250);
	assert_int_equal(query_int(db, "SELECT count(*) FROM metrics WHERE label = 'eth9'", NULL), 2);
	/* unchanged, but its last write is DB_METRIC_REFRESH_S old */
	poll_with_metrics(db, 1000 + DB_METRIC_REFRESH_S, 250);
	assert_string_equal(updated_of(db, "cpu.load", "_", buf, sizeof(buf)),
	    "1970-01-01T00:21:40Z");
	assert_int_equal(query_int(db, "SELECT count(*) FROM metrics WHERE updated = 1300", NULL), 3);
	/* a cleared memo (failed transaction, removed device) writes everything */
	wmemo_clear(memo);
	assert_int_equal(wmemo_count(memo), 0);
	poll_with_metrics(db, 1310, 250);
	assert_int_equal(query_int(db, "SELECT count(*) FROM metrics WHERE updated = 1310", NULL), 5);
	wmemo_free(memo);
	memo = NULL;
	db_close(db);
}

/*
 * The memo keeps device row ids: a poll updates its device's row by id, and
 * an id kept past the device's removal (and taken by another device) never
 * updates the wrong row.
 */
static void
test_device_id_memo(void **state)
{
	struct device_conf a, b, c;
	long long id_b;
	sqlite3 *db;

	(void)state;
	db = open_rw();
	memo = wmemo_new();
	make_device(&a, "sw1", SNMP_V2C);
	make_device(&b, "sw2", SNMP_V2C);
	make_device(&c, "sw3", SNMP_V2C);
	assert_int_equal(db_device_upsert(db, &a, "config"), 0);
	assert_int_equal(db_device_upsert(db, &b, "config"), 0);
	id_b = query_int(db, "SELECT id FROM devices WHERE name = 'sw2'", NULL);
	assert_int_equal(wmemo_device_id(memo, "sw2"), 0);
	apply(db, make_poll("sw2", 1000, "up", 1));
	assert_int_equal(wmemo_device_id(memo, "sw2"), id_b);
	apply(db, make_poll("sw2", 1030, "up", 1));
	assert_int_equal(query_int(db, "SELECT polls FROM devices WHERE name = 'sw2'", NULL), 2);
	assert_int_equal(query_int(db, "SELECT last_poll FROM devices WHERE name = 'sw2'", NULL),
	    1030);
	assert_int_equal(query_int(db, "SELECT polls FROM devices WHERE name = 'sw1'", NULL), 0);
	/* sw2 goes behind the memo's back; sw3 takes its row id */
	assert_int_equal(db_device_remove(db, "sw2"), 0);
	assert_int_equal(db_device_upsert(db, &c, "config"), 0);
	assert_int_equal(query_int(db, "SELECT id FROM devices WHERE name = 'sw3'", NULL), id_b);
	apply(db, make_poll("sw2", 1060, "down", 0));
	assert_int_equal(query_int(db, "SELECT polls FROM devices WHERE name = 'sw3'", NULL), 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM devices WHERE status = 'down'",
	    NULL), 0);
	assert_int_equal(wmemo_device_id(memo, "sw2"), 0);
	/* and sw3's own poll finds its row */
	apply(db, make_poll("sw3", 1060, "up", 1));
	assert_int_equal(query_int(db, "SELECT polls FROM devices WHERE name = 'sw3'", NULL), 1);
	wmemo_clear(memo);
	assert_int_equal(wmemo_device_id(memo, "sw3"), 0);
	wmemo_free(memo);
	memo = NULL;
	db_close(db);
}

/* The memo grows past its first size and still knows every key. */
static void
test_wmemo_grows(void **state)
{
	struct wmemo *m = wmemo_new();
	char key[32];

	(void)state;
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 5000; i++) {
			snprintf(key, sizeof(key), "dev%d", i);
			assert_int_equal(wmemo_check(m, fnv1a_str(FNV_SEED, key), (uint32_t)i, 1,
			    100, 300), round ? WMEMO_SKIP : WMEMO_WRITE);
		}
	}
	assert_int_equal(wmemo_count(m), 5000);
	wmemo_free(m);
}

/* What the memo says of a value: skip it, its value alone, or all of it. */
static void
test_wmemo_verdicts(void **state)
{
	struct wmemo *m = wmemo_new();
	uint64_t k = fnv1a_str(FNV_SEED, "dev7");

	(void)state;
	assert_int_equal(wmemo_check(m, k, 8, 1, 100, 300), WMEMO_WRITE);
	assert_int_equal(wmemo_check(m, k, 8, 1, 150, 300), WMEMO_SKIP);
	/* another value with the same meta: the value alone */
	assert_int_equal(wmemo_check(m, k, 9, 1, 160, 300), WMEMO_VALUE);
	assert_int_equal(wmemo_check(m, k, 9, 1, 170, 300), WMEMO_SKIP);
	/* another meta: all of it, and from then on that meta */
	assert_int_equal(wmemo_check(m, k, 9, 2, 180, 300), WMEMO_WRITE);
	assert_int_equal(wmemo_check(m, k, 9, 2, 190, 300), WMEMO_SKIP);
	assert_int_equal(wmemo_check(m, k, 10, 2, 200, 300), WMEMO_VALUE);
	/* max_age counts from the last full write (180), not from a value-only one */
	assert_int_equal(wmemo_check(m, k, 11, 2, 479, 300), WMEMO_VALUE);
	assert_int_equal(wmemo_check(m, k, 11, 2, 480, 300), WMEMO_WRITE);
	assert_int_equal(wmemo_check(m, k, 11, 2, 779, 300), WMEMO_SKIP);
	assert_int_equal(wmemo_check(m, k, 11, 2, 780, 300), WMEMO_WRITE);
	/* times wrap (24 bits of seconds are kept): only differences count */
	assert_int_equal(wmemo_check(m, k, 11, 2, 0x1000000LL + 790, 300), WMEMO_SKIP);
	assert_int_equal(wmemo_check(m, k, 11, 2, 0xffffffLL + 1080, 300), WMEMO_SKIP);
	assert_int_equal(wmemo_check(m, k, 11, 2, 0xffffffLL + 1081, 300), WMEMO_WRITE);
	assert_int_equal(wmemo_count(m), 1);
	wmemo_free(m);
}

/* Keys grouped by row (wmemo_key): many per row, rows of many sizes, all told apart. */
static void
test_wmemo_rows(void **state)
{
	struct wmemo *m = wmemo_new();
	char name[32];

	(void)state;
	for (int round = 0; round < 2; round++) {
		for (int r = 0; r < 2001; r++) {
			uint64_t rk;
			int n = r == 2000 ? 400 : 12;	/* one row far bigger than a neighbourhood */

			snprintf(name, sizeof(name), "dev%d/if/%d", r / 6, r % 6);
			rk = fnv1a_str(FNV_SEED, name);
			for (int i = 0; i < n; i++) {
				snprintf(name, sizeof(name), "metric%d", i);
				assert_int_equal(wmemo_check(m, wmemo_key(rk, fnv1a_str(rk, name)),
				    (uint32_t)(r * 1000 + i), 0, 100, 300),
				    round ? WMEMO_SKIP : WMEMO_WRITE);
			}
		}
	}
	assert_int_equal(wmemo_count(m), 2000 * 12 + 400);
	/* the same item name in another row is another key */
	assert_int_equal(wmemo_check(m, wmemo_key(fnv1a_str(FNV_SEED, "other"),
	    fnv1a_str(FNV_SEED, "metric0")), 0, 0, 100, 300), WMEMO_WRITE);
	wmemo_free(m);
}

static void
test_rollback(void **state)
{
	struct device_conf d;
	sqlite3 *db;

	(void)state;
	db = open_rw();
	make_device(&d, "sw1", SNMP_V2C);
	assert_int_equal(db_device_upsert(db, &d, "config"), 0);
	assert_int_equal(db_begin(db), 0);
	poll_with_metrics(db, 1000, 100);
	db_rollback(db);
	assert_int_equal(query_int(db, "SELECT count(*) FROM metrics", NULL), 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM devices WHERE status = 'unknown'",
	    NULL), 1);
	db_rollback(db);	/* no transaction: harmless */
	db_close(db);
}

static void
assert_same_device(const struct device_conf *a, const struct device_conf *b)
{
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->address, b->address);
	assert_int_equal(a->port, b->port);
	assert_int_equal(a->version, b->version);
	assert_string_equal(a->community, b->community);
	assert_string_equal(a->usm.name, b->usm.name);
	assert_string_equal(a->usm.engine_id, b->usm.engine_id);
	assert_int_equal(a->usm.level, b->usm.level);
	assert_string_equal(a->usm.auth_proto, b->usm.auth_proto);
	assert_string_equal(a->usm.auth_key, b->usm.auth_key);
	assert_string_equal(a->usm.priv_proto, b->usm.priv_proto);
	assert_string_equal(a->usm.priv_key, b->usm.priv_key);
	assert_string_equal(a->location, b->location);
	assert_string_equal(a->parent, b->parent);
	assert_string_equal(a->class_name, b->class_name);
	assert_int_equal(a->interval, b->interval);
	assert_int_equal(a->timeout_ms, b->timeout_ms);
	assert_int_equal(a->retries, b->retries);
	assert_int_equal(b->line, 0);
}

static void
test_api_round_trip(void **state)
{
	struct device_conf v3, v2, cf, *out = NULL;
	size_t n = 99;
	sqlite3 *db;

	(void)state;
	db = open_rw();
	make_device(&v3, "fw-1", SNMP_V3);
	nocd_strlcpy(v3.location, "rack 4", sizeof(v3.location));
	nocd_strlcpy(v3.parent, "core", sizeof(v3.parent));
	nocd_strlcpy(v3.class_name, "firewall", sizeof(v3.class_name));
	v3.interval = 120;
	v3.timeout_ms = 2500;
	v3.retries = 3;
	v3.line = 12;
	make_device(&v2, "ap-1", SNMP_V2C);
	v2.port = 10161;
	make_device(&cf, "sw1", SNMP_V1);
	assert_int_equal(db_device_upsert(db, &v3, "api"), 0);
	assert_int_equal(db_device_upsert(db, &v2, "api"), 0);
	assert_int_equal(db_device_upsert(db, &cf, "config"), 0);
	assert_int_equal(db_devices_load_api(db, &out, &n), 0);
	assert_int_equal(n, 2);
	assert_same_device(&v3, &out[0]);
	assert_same_device(&v2, &out[1]);
	free(out);
	db_close(db);
}

static void
test_prune_config(void **state)
{
	struct device_conf keep[2], d, *out = NULL;
	const char *names[] = { "a", "b", "c" };
	size_t n = 0;
	sqlite3 *db;

	(void)state;
	db = open_rw();
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		make_device(&d, names[i], SNMP_V2C);
		assert_int_equal(db_device_upsert(db, &d, "config"), 0);
		apply(db, make_poll(names[i], 1000, "up", 1));
	}
	make_device(&d, "api1", SNMP_V2C);
	assert_int_equal(db_device_upsert(db, &d, "api"), 0);
	make_device(&keep[0], "a", SNMP_V2C);
	make_device(&keep[1], "c", SNMP_V2C);
	assert_int_equal(db_device_prune_config(db, keep, 2), 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM devices", NULL), 3);
	assert_int_equal(query_int(db, "SELECT count(*) FROM devices WHERE name = 'b'",
	    NULL), 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM device_secrets", NULL), 3);
	/* twice is the same, and keeping nothing still spares api devices */
	assert_int_equal(db_device_prune_config(db, keep, 2), 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM devices", NULL), 3);
	assert_int_equal(db_device_prune_config(db, NULL, 0), 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM devices", NULL), 1);
	assert_int_equal(db_devices_load_api(db, &out, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(out[0].name, "api1");
	free(out);
	db_close(db);
}

static void
assert_has_keys(json_t *o, const char *const *keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (json_object_get(o, keys[i]) == NULL)
			fail_msg("missing key %s", keys[i]);
}

static void
assert_no_secret(json_t *j)
{
	char *text = json_dumps(j, 0);

	assert_non_null(text);
	assert_null(strstr(text, COMMUNITY));
	assert_null(strstr(text, AUTH_KEY));
	assert_null(strstr(text, PRIV_KEY));
	free(text);
}

static void
test_query_json(void **state)
{
	static const char *const list_keys[] = { "name", "address", "class", "status",
	    "status_reason", "sys_name", "sys_descr", "sys_object_id", "vendor", "model",
	    "location", "last_poll" };
	static const char *const dev_keys[] = { "port", "version", "parent", "origin",
	    "sys_uptime", "sys_contact", "status_since", "metrics" };
	struct device_conf d3, d2;
	struct poll_result *r;
	json_t *list, *dev;
	sqlite3 *db;
	int found;

	(void)state;
	db = open_rw();
	make_device(&d3, "fw-1", SNMP_V3);
	make_device(&d2, "sw1", SNMP_V2C);
	assert_int_equal(db_device_upsert(db, &d3, "api"), 0);
	assert_int_equal(db_device_upsert(db, &d2, "config"), 0);
	r = make_poll("sw1", 1700000000, "up", 1);
	r->sys_descr = strdup("bad \xff\xfe utf-8");
	r->vendor = strdup("Acme");
	add_value(add_row(r, "cpu", "_", NULL), "load", "%", 3, NULL);
	apply(db, r);

	list = db_query_devices(db);
	assert_non_null(list);
	assert_int_equal(json_array_size(list), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0),
	    "name")), "fw-1");
	assert_has_keys(json_array_get(list, 0), list_keys, ARRAY_SIZE(list_keys));
	assert_true(json_is_null(json_object_get(json_array_get(list, 0), "last_poll")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1),
	    "last_poll")), "2023-11-14T22:13:20Z");
	assert_no_secret(list);
	json_decref(list);

	for (int i = 0; i < 2; i++) {
		dev = db_query_device(db, i ? "sw1" : "fw-1", &found);
		assert_non_null(dev);
		assert_has_keys(dev, list_keys, ARRAY_SIZE(list_keys));
		assert_has_keys(dev, dev_keys, ARRAY_SIZE(dev_keys));
		assert_no_secret(dev);
		assert_null(json_object_get(dev, "community"));
		json_decref(dev);
	}
	dev = db_query_device(db, "sw1", &found);
	assert_string_equal(json_string_value(json_object_get(dev, "origin")), "config");
	assert_string_equal(json_string_value(json_object_get(dev, "status_since")),
	    "2023-11-14T22:13:20Z");
	assert_int_equal(json_integer_value(json_object_get(dev, "port")), 161);
	assert_string_equal(json_string_value(json_object_get(dev, "vendor")), "Acme");
	assert_non_null(json_string_value(json_object_get(dev, "sys_descr")));
	assert_int_equal(json_array_size(json_object_get(dev, "metrics")), 1);
	json_decref(dev);
	db_close(db);
}

static void
test_find_metric(void **state)
{
	struct device_conf d;
	char inst[64], unit[16];
	sqlite3 *db;

	(void)state;
	db = open_rw();
	make_device(&d, "sw1", SNMP_V2C);
	assert_int_equal(db_device_upsert(db, &d, "config"), 0);
	poll_with_metrics(db, 1000, 1);

	nocd_strlcpy(inst, "eth0", sizeof(inst));
	assert_int_equal(db_find_metric(db, "sw1", "interface", inst, sizeof(inst),
	    "in_bits", unit, sizeof(unit)), 0);
	assert_string_equal(inst, "2");
	assert_string_equal(unit, "bit/s");
	nocd_strlcpy(inst, "10", sizeof(inst));
	assert_int_equal(db_find_metric(db, "sw1", "interface", inst, sizeof(inst),
	    "out_bits", unit, sizeof(unit)), 0);
	assert_string_equal(inst, "10");
	/* any metric of the group */
	nocd_strlcpy(inst, "_", sizeof(inst));
	assert_int_equal(db_find_metric(db, "sw1", "cpu", inst, sizeof(inst), "",
	    unit, sizeof(unit)), 0);
	assert_string_equal(unit, "%");
	nocd_strlcpy(inst, "eth0", sizeof(inst));
	assert_int_equal(db_find_metric(db, "sw1", "interface", inst, sizeof(inst),
	    "nosuch", unit, sizeof(unit)), 1);
	nocd_strlcpy(inst, "eth7", sizeof(inst));
	assert_int_equal(db_find_metric(db, "sw1", "interface", inst, sizeof(inst),
	    "in_bits", unit, sizeof(unit)), 1);
	nocd_strlcpy(inst, "2", sizeof(inst));
	assert_int_equal(db_find_metric(db, "sw2", "interface", inst, sizeof(inst),
	    "in_bits", unit, sizeof(unit)), 1);
	db_close(db);
}

static void
test_ro_missing(void **state)
{
	char err[512] = "";

	(void)state;
	assert_null(db_open_ro(tmpdir, err, sizeof(err)));
	assert_non_null(strstr(err, "no database at "));
	assert_non_null(strstr(err, DB_FILE ": has nocd run with this state_dir?"));
}

static void
test_reader_beside_writer(void **state)
{
	struct device_conf d;
	json_t *list;
	sqlite3 *w, *r;

	(void)state;
	w = open_rw();
	make_device(&d, "sw1", SNMP_V2C);
	assert_int_equal(db_device_upsert(w, &d, "config"), 0);
	assert_int_equal(db_begin(w), 0);
	apply(w, make_poll("sw1", 1000, "up", 1));
	/* the writer holds its transaction open: the reader neither waits nor sees it */
	r = open_ro();
	list = db_query_devices(r);
	assert_non_null(list);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0),
	    "status")), "unknown");
	json_decref(list);
	assert_int_equal(sqlite3_exec(r, "CREATE TABLE x(y)", NULL, NULL, NULL),
	    SQLITE_READONLY);
	assert_int_equal(db_commit(w), 0);
	list = db_query_devices(r);
	assert_non_null(list);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0),
	    "status")), "up");
	json_decref(list);
	db_close(r);
	db_close(w);
	/* and with no writer at all */
	r = open_ro();
	list = db_query_devices(r);
	assert_int_equal(json_array_size(list), 1);
	json_decref(list);
	db_close(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fresh_migrates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_keeps_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upsert_updates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_since, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics_memo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_id_memo, setup, teardown),
		cmocka_unit_test(test_wmemo_grows),
		cmocka_unit_test(test_wmemo_verdicts),
		cmocka_unit_test(test_wmemo_rows),
		cmocka_unit_test_setup_teardown(test_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_api_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_metric, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ro_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reader_beside_writer, setup, teardown),
	};

	log_init("test_db", 1, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
