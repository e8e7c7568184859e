/*
 * The ticket queue in the database: one ticket per problem, repeats and
 * flapping, recovery, parents and children, maintenance windows, SLA and
 * escalation, the operators' lifecycle, inventory changes and warranties.
 */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>
#include <sqlite3.h>

#include "conf.h"
#include "db.h"
#include "rules.h"
#include "store.h"
#include "tickets.h"
#include "util.h"

static char tmpdir[64];

struct fx {
	sqlite3 *db;
	struct ticket_conf tc;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[512];
	struct device_conf d;
	const char *names[] = { "core", "edge", "server", "ups" };

	nocd_strlcpy(tmpdir, "/tmp/nocd-test-tk.XXXXXX", sizeof(tmpdir));
	if (mkdtemp(tmpdir) == NULL || (f->db = db_open_rw(tmpdir, err, sizeof(err))) == NULL)
		return -1;
	f->tc.sla_s[SEV_CRITICAL] = 3600;
	f->tc.sla_s[SEV_MAJOR] = 3600;
	f->tc.escalate_after_s = 1800;
	f->tc.flap_window_s = 600;
	f->tc.warranty_days = 90;
	/* core <- edge <- server; ups on its own, in group "power" */
	for (size_t i = 0; i < 4; i++) {
		conf_device_defaults(&d);
		nocd_strlcpy(d.name, names[i], sizeof(d.name));
		nocd_strlcpy(d.address, "127.0.0.1", sizeof(d.address));
		nocd_strlcpy(d.community, "public", sizeof(d.community));
		if (i == 1)
			nocd_strlcpy(d.parent, "core", sizeof(d.parent));
		if (i == 2)
			nocd_strlcpy(d.parent, "edge", sizeof(d.parent));
		if (i == 3)
			nocd_strlcpy(d.group, "power", sizeof(d.group));
		if (db_device_upsert(f->db, &d, "config") < 0)
			return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	const char *files[] = { DB_FILE, DB_FILE "-wal", DB_FILE "-shm" };
	char path[128];

	db_close(f->db);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, files[i]);
		unlink(path);
	}
	free(f);
	return rmdir(tmpdir);
}

static struct ticket_op
op(enum ticket_op_kind kind, const char *dev, const char *rule, const char *inst, time_t when)
{
	struct ticket_op o;

	memset(&o, 0, sizeof(o));
	o.kind = kind;
	nocd_strlcpy(o.device, dev, sizeof(o.device));
	nocd_strlcpy(o.rule, rule, sizeof(o.rule));
	nocd_strlcpy(o.instance, inst, sizeof(o.instance));
	nocd_strlcpy(o.category, strcmp(rule, "down") == 0 ? "availability" : "environment",
	    sizeof(o.category));
	o.severity = SEV_CRITICAL;
	o.availability = strcmp(rule, "down") == 0;
	snprintf(o.title, sizeof(o.title), "%s %s", dev, rule);
	o.when = when;
	return o;
}

static void
apply(struct fx *f, struct ticket_op o)
{
	assert_int_equal(tk_apply(f->db, &o, &f->tc), 0);
}

static long long
q(struct fx *f, const char *sql)
{
	sqlite3_stmt *st;
	long long v = -1;

	assert_int_equal(sqlite3_prepare_v2(f->db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static json_t *
act(struct fx *f, const char *json)
{
	json_t *req = json_loads(json, 0, NULL), *r;

	assert_non_null(req);
	r = tk_action(f->db, req, &f->tc);
	json_decref(req);
	assert_non_null(r);
	return r;
}

static int
ok(json_t *r)
{
	int v = json_is_true(json_object_get(r, "ok"));

	json_decref(r);
	return v;
}

static void
test_one_ticket_per_problem(void **state)
{
	struct fx *f = *state;
	time_t t = 1800000000;

	apply(f, op(TOP_RAISE, "ups", "temp", "1", t));
	apply(f, op(TOP_RAISE, "ups", "temp", "1", t + 60));
	apply(f, op(TOP_RAISE, "ups", "temp", "2", t + 60));	/* another instance */
	assert_int_equal(q(f, "SELECT count(*) FROM tickets"), 2);
	assert_int_equal(q(f, "SELECT count FROM tickets WHERE instance = '1'"), 2);
	assert_int_equal(q(f, "SELECT last_seen FROM tickets WHERE instance = '1'"), t + 60);
	/* after a restart the same problem is seen again: no new occurrence */
	{
		struct ticket_op o = op(TOP_RAISE, "ups", "temp", "1", t + 120);

		o.after_restart = 1;
		apply(f, o);
	}
	assert_int_equal(q(f, "SELECT count FROM tickets WHERE instance = '1'"), 2);
	/* the unique index refuses a second open ticket whatever the code does */
	assert_int_not_equal(sqlite3_exec(f->db, "INSERT INTO tickets(device, rule, instance,"
	    " category, severity, title, first_seen, last_seen) VALUES('ups', 'temp', '1',"
	    " 'power', 'major', 'x', 1, 1)", NULL, NULL, NULL), SQLITE_OK);
	/* recovery resolves; back within the flap window: the same ticket reopens */
	apply(f, op(TOP_CLEAR, "ups", "temp", "1", t + 180));
	assert_int_equal(q(f, "SELECT count(*) FROM tickets WHERE state = 'resolved'"), 1);
	apply(f, op(TOP_RAISE, "ups", "temp", "1", t + 300));
	assert_int_equal(q(f, "SELECT count(*) FROM tickets"), 2);
	assert_int_equal(q(f, "SELECT reopened FROM tickets WHERE instance = '1'"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM ticket_history WHERE action = 'reopened'"), 1);
	/* back after the window: a new ticket */
	apply(f, op(TOP_CLEAR, "ups", "temp", "1", t + 360));
	apply(f, op(TOP_RAISE, "ups", "temp", "1", t + 360 + 601));
	assert_int_equal(q(f, "SELECT count(*) FROM tickets WHERE instance = '1'"), 2);
	/* a clear with no open ticket changes nothing */
	apply(f, op(TOP_CLEAR, "core", "temp", "9", t));
	assert_int_equal(q(f, "SELECT count(*) FROM tickets"), 3);
}

static void
test_parent_and_children(void **state)
{
	struct fx *f = *state;
	time_t t = 1800000000;

	/* the child went first (polled earlier in the cycle) */
	apply(f, op(TOP_RAISE, "server", "down", "_", t));
	apply(f, op(TOP_RAISE, "core", "down", "_", t + 5));
	/* the grandchild's ticket folds into the core's */
	assert_int_equal(q(f, "SELECT count(*) FROM tickets WHERE state = 'open'"), 1);
	assert_int_equal(q(f, "SELECT linked FROM tickets WHERE device = 'core'"), 1);
	/* the middle one goes after: linked, no ticket of its own */
	apply(f, op(TOP_RAISE, "edge", "down", "_", t + 10));
	assert_int_equal(q(f, "SELECT count(*) FROM tickets WHERE device = 'edge'"), 0);
	assert_int_equal(q(f, "SELECT linked FROM tickets WHERE device = 'core'"), 2);
	/* edge seen down again (nocd restarted): still one link */
	apply(f, op(TOP_RAISE, "edge", "down", "_", t + 40));
	assert_int_equal(q(f, "SELECT linked FROM tickets WHERE device = 'core'"), 2);
	assert_int_equal(q(f, "SELECT count(*) FROM ticket_links WHERE device = 'edge'"), 1);
	/* edge recovers with its parent; server stays down after core is back */
	apply(f, op(TOP_CLEAR, "edge", "down", "_", t + 100));
	apply(f, op(TOP_CLEAR, "core", "down", "_", t + 100));
	assert_int_equal(q(f, "SELECT count(*) FROM tickets WHERE state = 'open'"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM tickets WHERE state = 'open'"
	    " AND device = 'server'"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM tickets WHERE state = 'open'"
	    " AND device = 'edge'"), 0);
}

static void
test_maintenance(void **state)
{
	struct fx *f = *state;
	time_t now = time(NULL);
	char req[256];

	snprintf(req, sizeof(req), "{\"cmd\": \"maintenance-add\", \"group\": \"power\","
	    " \"start\": %lld, \"end\": %lld, \"reason\": \"battery swap\"}",
	    (long long)now - 10, (long long)now + 3600);
	assert_true(ok(act(f, req)));
	apply(f, op(TOP_RAISE, "ups", "temp", "1", now));
	apply(f, op(TOP_RAISE, "core", "temp", "1", now));
	assert_int_equal(q(f, "SELECT count(*) FROM tickets"), 1);
	assert_int_equal(q(f, "SELECT suppressed FROM maintenance"), 1);
	assert_false(ok(act(f, "{\"cmd\": \"maintenance-add\", \"device\": \"nosuch\","
	    " \"start\": 1, \"end\": 2}")));
	assert_false(ok(act(f, "{\"cmd\": \"maintenance-add\", \"device\": \"core\","
	    " \"start\": 5, \"end\": 2}")));
	assert_true(ok(act(f, "{\"cmd\": \"maintenance-remove\", \"id\": 1}")));
	apply(f, op(TOP_RAISE, "ups", "temp", "1", now + 1));
	assert_int_equal(q(f, "SELECT count(*) FROM tickets"), 2);
}

static void
test_lifecycle_and_sla(void **state)
{
	struct fx *f = *state;
	time_t t = time(NULL) - 7200;
	json_t *list;
	int found;

	apply(f, op(TOP_RAISE, "ups", "temp", "1", t));
	apply(f, op(TOP_RAISE, "core", "temp", "1", t));
	assert_int_equal(tk_housekeep(f->db, &f->tc, time(NULL)), 0);
	assert_int_equal(q(f, "SELECT sum(sla_breached) FROM tickets"), 2);
	assert_int_equal(q(f, "SELECT sum(escalated) FROM tickets"), 2);
	assert_false(ok(act(f, "{\"cmd\": \"ticket\", \"action\": \"close\", \"id\": 1}")));
	assert_true(ok(act(f, "{\"cmd\": \"ticket\", \"action\": \"ack\", \"id\": 1,"
	    " \"by\": \"duty\", \"note\": \"looking\"}")));
	assert_false(ok(act(f, "{\"cmd\": \"ticket\", \"action\": \"ack\", \"id\": 1}")));
	assert_false(ok(act(f, "{\"cmd\": \"ticket\", \"action\": \"assign\", \"id\": 1}")));
	assert_true(ok(act(f, "{\"cmd\": \"ticket\", \"action\": \"assign\", \"id\": 1,"
	    " \"to\": \"li.wei\"}")));
	assert_true(ok(act(f, "{\"cmd\": \"ticket\", \"action\": \"resolve\", \"id\": 1}")));
	assert_true(ok(act(f, "{\"cmd\": \"ticket\", \"action\": \"close\", \"id\": 1}")));
	assert_false(ok(act(f, "{\"cmd\": \"ticket\", \"action\": \"ack\", \"id\": 99}")));
	assert_false(ok(act(f, "{\"cmd\": \"ticket\", \"action\": \"explode\", \"id\": 2}")));
	list = tk_query_show(f->db, 1, &found);
	assert_non_null(list);
	assert_string_equal(json_string_value(json_object_get(list, "state")), "closed");
	assert_string_equal(json_string_value(json_object_get(list, "assignee")), "li.wei");
	/* opened, sla-breached, escalated, ack, assign, resolve, close */
	assert_int_equal(json_array_size(json_object_get(list, "history")), 7);
	json_decref(list);
	list = tk_query_list(f->db, "open", "");
	assert_int_equal(json_array_size(list), 1);
	json_decref(list);
	list = tk_query_stats(f->db, 0);
	assert_non_null(list);
	assert_int_equal(json_integer_value(json_object_get(list, "total")), 2);
	assert_int_equal(json_integer_value(json_object_get(list, "sla_breaches")), 2);
	assert_true(json_number_value(json_object_get(list, "mtta_s")) >= 7200);
	json_decref(list);
}

static void
inv_row(struct poll_result *r, const char *inst, const char *name, const char *serial,
    const char *fw)
{
	struct sample_row *row = poll_result_add_row(r, "entity", inst, name, 3);
	const char *names[] = { "serial", "firmware", "model" };
	const char *vals[] = { serial, fw, "WS-C3850" };

	row->inventory = 1;
	for (int i = 0; i < 3; i++) {
		nocd_strlcpy(row->values[i].metric, names[i], sizeof(row->values[i].metric));
		row->values[i].value = NAN;
		row->values[i].text = xstrdup(vals[i]);
	}
}

static void
test_inventory_changes(void **state)
{
	struct fx *f = *state;
	struct poll_result *r = poll_result_new("core");
	json_t *list;

	r->when = 1800000000;
	r->ok = 1;
	inv_row(r, "1", "Chassis", "FOC111", "16.12");
	inv_row(r, "2", "PSU 1", "LIT222", "");
	assert_int_equal(tk_inventory_apply(f->db, r, &f->tc), 0);
	poll_result_free(r);
	/* the first inventory is the baseline: no ticket */
	assert_int_equal(q(f, "SELECT count(*) FROM tickets"), 0);
	r = poll_result_new("core");
	r->when = 1800003600;
	r->ok = 1;
	inv_row(r, "1", "Chassis", "FOC111", "17.3");	/* firmware upgraded */
	inv_row(r, "3", "PSU 2", "LIT333", "");		/* PSU 1 swapped for PSU 2 */
	assert_int_equal(tk_inventory_apply(f->db, r, &f->tc), 0);
	poll_result_free(r);
	assert_int_equal(q(f, "SELECT count(*) FROM inventory_history"), 3);
	assert_int_equal(q(f, "SELECT count(*) FROM tickets WHERE rule = 'inventory_change'"
	    " AND severity = 'info' AND category = 'hardware'"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM inventory WHERE present = 1"), 2);
	list = tk_query_inventory(f->db, "core", "");
	assert_int_equal(json_array_size(list), 2);
	json_decref(list);
	/* devices without components are listed once each */
	list = tk_query_inventory(f->db, "", "");
	assert_int_equal(json_array_size(list), 5);
	json_decref(list);
}

static void
test_assets_and_warranty(void **state)
{
	struct fx *f = *state;
	char req[256], day[16];
	time_t soon = time(NULL) + 30 * 86400;
	struct tm tm;

	gmtime_r(&soon, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	snprintf(req, sizeof(req), "{\"cmd\": \"asset-set\", \"device\": \"ups\","
	    " \"warranty_end\": \"%s\", \"asset_tag\": \"A-0042\"}", day);
	assert_true(ok(act(f, req)));
	assert_false(ok(act(f, "{\"cmd\": \"asset-set\", \"device\": \"ups\","
	    " \"warranty_end\": \"2026-02-30x\"}")));
	assert_false(ok(act(f, "{\"cmd\": \"asset-set\", \"device\": \"nosuch\"}")));
	assert_int_equal(tk_housekeep(f->db, &f->tc, time(NULL)), 0);
	assert_int_equal(tk_housekeep(f->db, &f->tc, time(NULL)), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM tickets WHERE rule = 'warranty_ending'"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_ticket_per_problem, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parent_and_children, setup, teardown),
		cmocka_unit_test_setup_teardown(test_maintenance, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lifecycle_and_sla, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inventory_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_assets_and_warranty, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
