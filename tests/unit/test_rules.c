/*
 * Monitoring rules: parsing (errors name file and line), templates, and the
 * engine's state machine: trigger and clear counts, hysteresis, "was",
 * where-columns, state maps, device availability and trends.
 */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf.h"
#include "probe.h"
#include "rules.h"
#include "store.h"
#include "util.h"

static char tmpdir[256];

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const char *profile =
    "probes = ( { name = \"temp\"; kind = \"table\"; label = [ \"1.3.6.1.9.1\" ];\n"
    "  columns = (\n"
    "    { name = \"value\"; type = \"gauge\"; unit = \"C\"; oid = \"1.3.6.1.9.2\"; },\n"
    "    { name = \"kind\"; type = \"state\"; oid = \"1.3.6.1.9.3\"; },\n"
    "    { name = \"status\"; type = \"state\"; oid = \"1.3.6.1.9.4\";\n"
    "      states = ( (1, \"ok\", \"clear\"), (2, \"warm\", \"warning\"),\n"
    "                 (3, \"hot\", \"critical\") ); }\n"
    "  ); } );\n"
    "rules = (\n"
    "  { name = \"hot\"; metric = \"temp.value\"; above = 30.0; clear_below = 28.0;\n"
    "    count = 2; clear_count = 2; severity = \"major\"; category = \"environment\";\n"
    "    where_column = \"kind\"; where_in = [ 8 ];\n"
    "    message = \"{device} {label}: {value}{unit} above {threshold}{unit}\"; },\n"
    "  { name = \"status\"; metric = \"temp.status\"; bad_states = true; },\n"
    "  { name = \"flipped\"; metric = \"temp.status\"; in = [ 3 ]; was = [ 1 ];\n"
    "    severity = \"minor\"; category = \"hardware\"; },\n"
    "  { name = \"down\"; metric = \"device.down\"; equal = 1; count = 2;\n"
    "    severity = \"critical\"; category = \"availability\"; message = \"{device}: {reason}\"; }\n"
    ");\n";

struct fixture {
	struct probe_set ps;
	struct rule_engine *e;
	struct rule_dev *rd;
	time_t t;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[300], err[512];

	snprintf(path, sizeof(path), "%s/t.conf", tmpdir);
	write_file(path, profile);
	if (probes_load_file(path, &f->ps, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	f->e = rules_engine_new(&f->ps, NULL);
	f->rd = rule_dev_new();
	f->t = 1000000;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	rule_dev_free(f->rd);
	rules_engine_free(f->e);
	probes_free(&f->ps);
	free(f);
	return 0;
}

/* One poll: a temp row "1" (label "Inlet") with value, kind and status. */
static void
poll_once(struct fixture *f, int ok, double value, double kind, double status,
    struct ticket_ops *ops)
{
	struct poll_result *r = poll_result_new("dev1");
	struct sample_row *row;

	r->when = f->t;
	f->t += 60;
	r->ok = ok;
	nocd_strlcpy(r->reason, ok ? "" : "timeout", sizeof(r->reason));
	if (ok) {
		row = poll_result_add_row(r, "temp", "1", "Inlet", 3);
		nocd_strlcpy(row->values[0].metric, "value", sizeof(row->values[0].metric));
		row->values[0].value = value;
		nocd_strlcpy(row->values[1].metric, "kind", sizeof(row->values[1].metric));
		row->values[1].value = kind;
		nocd_strlcpy(row->values[2].metric, "status", sizeof(row->values[2].metric));
		row->values[2].value = status;
	}
	rules_eval(f->e, f->rd, "dev1", "envstation", r, ops);
	poll_result_free(r);
}

static int
count_ops(const struct ticket_ops *ops, const char *rule, enum ticket_op_kind kind)
{
	int n = 0;

	for (size_t i = 0; i < ops->n; i++)
		if (strcmp(ops->v[i].rule, rule) == 0 && ops->v[i].kind == kind)
			n++;
	return n;
}

static void
test_threshold_counts_and_hysteresis(void **state)
{
	struct fixture *f = *state;
	struct ticket_ops ops = { 0 };

	assert_int_equal(rules_engine_count(f->e), 4);
	poll_once(f, 1, 35, 8, 1, &ops);	/* first breach: count is 2 */
	assert_int_equal(count_ops(&ops, "hot", TOP_RAISE), 0);
	poll_once(f, 1, 36, 8, 1, &ops);	/* second: fires */
	assert_int_equal(count_ops(&ops, "hot", TOP_RAISE), 1);
	assert_string_equal(ops.v[ops.n - 1].title, "dev1 Inlet: 36C above 30C");
	assert_string_equal(ops.v[ops.n - 1].category, "environment");
	assert_int_equal(ops.v[ops.n - 1].severity, SEV_MAJOR);
	poll_once(f, 1, 37, 8, 1, &ops);	/* still hot: no second raise */
	assert_int_equal(count_ops(&ops, "hot", TOP_RAISE), 1);
	poll_once(f, 1, 29, 8, 1, &ops);	/* in the band: not cleared */
	poll_once(f, 1, 29, 8, 1, &ops);
	assert_int_equal(count_ops(&ops, "hot", TOP_CLEAR), 0);
	poll_once(f, 1, 25, 8, 1, &ops);	/* below 28 twice: cleared */
	assert_int_equal(count_ops(&ops, "hot", TOP_CLEAR), 0);
	poll_once(f, 1, 25, 8, 1, &ops);
	assert_int_equal(count_ops(&ops, "hot", TOP_CLEAR), 1);
	/* unknown values change nothing */
	poll_once(f, 1, NAN, 8, 1, &ops);
	assert_int_equal(count_ops(&ops, "hot", TOP_RAISE), 1);
	ticket_ops_free(&ops);
}

static void
test_where_column(void **state)
{
	struct fixture *f = *state;
	struct ticket_ops ops = { 0 };

	/* a row of another kind (humidity = 9) is out of the rule's scope */
	for (int i = 0; i < 4; i++)
		poll_once(f, 1, 80, 9, 1, &ops);
	assert_int_equal(count_ops(&ops, "hot", TOP_RAISE), 0);
	ticket_ops_free(&ops);
}

static void
test_state_map_and_was(void **state)
{
	struct fixture *f = *state;
	struct ticket_ops ops = { 0 };

	poll_once(f, 1, 20, 8, 2, &ops);	/* warm: a warning from the map */
	assert_int_equal(count_ops(&ops, "status", TOP_RAISE), 1);
	assert_int_equal(ops.v[0].severity, SEV_WARNING);
	assert_string_equal(ops.v[0].category, "hardware");
	assert_string_equal(ops.v[0].title, "dev1 Inlet: status warm");
	/* warm -> hot: "flipped" wants the run to start from ok: no */
	poll_once(f, 1, 20, 8, 3, &ops);
	assert_int_equal(count_ops(&ops, "status", TOP_RAISE), 2);	/* severity changed */
	assert_int_equal(ops.v[ops.n - 1].severity, SEV_CRITICAL);
	assert_int_equal(count_ops(&ops, "flipped", TOP_RAISE), 0);
	poll_once(f, 1, 20, 8, 1, &ops);
	assert_int_equal(count_ops(&ops, "status", TOP_CLEAR), 1);
	poll_once(f, 1, 20, 8, 3, &ops);	/* ok -> hot: now it fires */
	assert_int_equal(count_ops(&ops, "flipped", TOP_RAISE), 1);
	ticket_ops_free(&ops);
}

static void
test_device_down(void **state)
{
	struct fixture *f = *state;
	struct ticket_ops ops = { 0 };

	poll_once(f, 0, 0, 0, 0, &ops);
	assert_int_equal(count_ops(&ops, "down", TOP_RAISE), 0);
	poll_once(f, 0, 0, 0, 0, &ops);
	assert_int_equal(count_ops(&ops, "down", TOP_RAISE), 1);
	assert_true(ops.v[0].availability);
	assert_string_equal(ops.v[0].instance, "_");
	assert_string_equal(ops.v[0].title, "dev1: timeout");
	/* while down, the other rules keep their state: nothing cleared */
	assert_int_equal(count_ops(&ops, "hot", TOP_CLEAR), 0);
	poll_once(f, 1, 20, 8, 1, &ops);
	assert_int_equal(count_ops(&ops, "down", TOP_CLEAR), 1);
	ticket_ops_free(&ops);
}

static void
check_error(const char *text, const char *expect)
{
	char path[300], err[512];
	struct probe_set ps = { .v = NULL };

	snprintf(path, sizeof(path), "%s/bad.conf", tmpdir);
	write_file(path, text);
	assert_int_not_equal(probes_load_file(path, &ps, err, sizeof(err)), 0);
	if (strstr(err, expect) == NULL || strstr(err, path) == NULL)
		fail_msg("error '%s' does not say '%s' with the file", err, expect);
	probes_free(&ps);
}

static void
test_parse_errors(void **state)
{
	(void)state;
	check_error("rules = ( { name = \"x\"; metric = \"a.b\"; above = 1.0;\n"
	    " category = \"power\"; } );\n", ":1: rule x needs a severity");
	check_error("rules = ( { name = \"x\"; metric = \"a.b\"; above = 1.0; below = 2.0;\n"
	    " severity = \"major\"; category = \"power\"; } );\n", "exactly one condition");
	check_error("rules = (\n { name = \"x\"; metric = \"a.b\"; above = 1.0;\n"
	    " severity = \"bad\"; category = \"power\"; } );\n", ":2: rule x: severity");
	check_error("rules = ( { name = \"x\"; metric = \"nodot\"; above = 1.0;\n"
	    " severity = \"major\"; category = \"power\"; } );\n", "group.column");
	check_error("rules = ( { name = \"x\"; metric = \"a.b\"; above = 10.0; clear_below = 12.0;\n"
	    " severity = \"major\"; category = \"power\"; } );\n", "good side");
	check_error("rules = ( { name = \"x\"; metric = \"a.b\"; above = 1.0; colour = 1;\n"
	    " severity = \"major\"; category = \"power\"; } );\n", "unknown key 'colour'");
	check_error("rules = ( { name = \"x\"; metric = \"a.b\"; above = 1.0; instances = \"(\";\n"
	    " severity = \"major\"; category = \"power\"; } );\n", "regular expression");
	check_error("probes = ( { name = \"p\"; columns = ( { name = \"s\"; type = \"state\";\n"
	    " oid = \"1.3.6.1\"; states = ( (1, \"ok\", \"fine\") ); } ); } );\n",
	    ":2: severity must be");
	check_error("classes = ( { class = \"ups\"; sys_descr = \"[\"; } );\n", "sys_descr");
	check_error("colour = 1;\n", "unknown key 'colour'");
}

static void
test_format(void **state)
{
	struct rule_vars v = { .device = "ups-a", .instance = "_", .label = NULL, .unit = "%",
		.state = "battery", .reason = "", .metric = "charge", .value = 42.5,
		.threshold = 50 };
	char out[64];

	(void)state;
	rule_format("{device}: {metric} {value}{unit} < {threshold}{unit} ({state}) {x} %s %n",
	    &v, out, sizeof(out));
	assert_string_equal(out, "ups-a: charge 42.50% < 50% (battery) {x} %s %n");
	rule_format("{device}{device}{device}{device}{device}{device}{device}{device}{device}"
	    "{device}{device}", &v, out, 16);
	assert_int_equal(strlen(out), 15);
}

/* ctx points at an int: whether every probe found rows */
static int
rows_if(const void *ctx, size_t idx)
{
	(void)idx;
	return *(const int *)ctx;
}

static void
test_classify(void **state)
{
	struct probe_set ps = { .v = NULL };
	char path[300], err[512];
	const struct class_rule *c;
	static const int yes = 1, no = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/c.conf", tmpdir);
	write_file(path, "probes = ( { name = \"ups\"; kind = \"scalar\"; columns = ("
	    " { name = \"x\"; oid = \"1.3.6.1.2\"; } ); } );\n"
	    "classes = ( { class = \"ups\"; probes = [ \"ups\" ]; priority = 50; },\n"
	    " { class = \"switch\"; sys_object_id = [ \"1.3.6.1.4.1.9.\" ];\n"
	    "   sys_descr = \"catalyst\"; priority = 20; },\n"
	    " { class = \"other\"; } );\n");
	assert_int_equal(probes_load_file(path, &ps, err, sizeof(err)), 0);
	c = probes_classify(&ps, "1.3.6.1.4.1.9.1.2", "Cisco Catalyst", rows_if, &no);
	assert_non_null(c);
	assert_string_equal(c->class_name, "switch");
	/* the UPS probe answering outranks the enterprise */
	c = probes_classify(&ps, "1.3.6.1.4.1.9.1.2", "Cisco Catalyst", rows_if, &yes);
	assert_string_equal(c->class_name, "ups");
	/* 1.3.6.1.4.1.99 is not under 1.3.6.1.4.1.9 */
	c = probes_classify(&ps, "1.3.6.1.4.1.99.1", "Catalyst", rows_if, &no);
	assert_string_equal(c->class_name, "other");
	c = probes_classify(&ps, "1.3.6.1.4.1.9.1.2", "Nexus", rows_if, &no);
	assert_string_equal(c->class_name, "other");
	probes_free(&ps);
}

/* nocd.conf is read without autoconvert: 12 and 12.0 must mean the same */
static void
test_conf_rules_integers(void **state)
{
	char path[300], err[512];
	struct nocd_conf conf;

	(void)state;
	snprintf(path, sizeof(path), "%s/n.conf", tmpdir);
	write_file(path, "state_dir = \"/tmp\";\n"
	    "rules = ( { name = \"leak\"; metric = \"sensor.value\"; where_column = \"type\";\n"
	    "  where_in = [ 12 ]; equal = 1; count = 2; severity = \"major\";\n"
	    "  category = \"environment\"; },\n"
	    " { name = \"hot\"; metric = \"temp.value\"; above = 30; clear_below = 28;\n"
	    "  severity = \"major\"; category = \"environment\"; } );\n"
	    "tickets = { flap_window = 60; sla = { critical = 600; }; };\n");
	if (conf_load(path, &conf, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_int_equal(conf.n_rules, 2);
	assert_true(conf.rules[0].where_in[0] == 12.0);
	assert_true(conf.rules[0].threshold == 1.0);
	assert_true(conf.rules[1].threshold == 30.0);
	assert_true(conf.rules[1].clear == 28.0);
	assert_int_equal(conf.tickets.flap_window_s, 60);
	assert_int_equal(conf.tickets.sla_s[SEV_CRITICAL], 600);
	assert_int_equal(conf.tickets.sla_s[SEV_MAJOR], 3600);
	conf_free(&conf);
	unlink(path);
	/* a bad rule in nocd.conf names nocd.conf and its line */
	write_file(path, "state_dir = \"/tmp\";\nrules = (\n { name = \"x\"; metric = \"a.b\";"
	    " above = 1; category = \"power\"; } );\n");
	assert_int_not_equal(conf_load(path, &conf, err, sizeof(err)), 0);
	if (strstr(err, "n.conf:3: rule x needs a severity") == NULL)
		fail_msg("%s", err);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_threshold_counts_and_hysteresis, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_where_column, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_map_and_was, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_down, setup, teardown),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_conf_rules_integers),
	};
	int rc;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/nocd-test-rules-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "%s/t.conf", tmpdir);
		unlink(cmd);
		snprintf(cmd, sizeof(cmd), "%s/bad.conf", tmpdir);
		unlink(cmd);
		snprintf(cmd, sizeof(cmd), "%s/c.conf", tmpdir);
		unlink(cmd);
		rmdir(tmpdir);
	}
	return rc;
}
