/*
 * Reports: the availability arithmetic (intervals clipped to the period,
 * overlaps counted once), and both reports made from a small database whose
 * figures are known: availability from ticket history and parent links,
 * the last value where there is no archive, escaping of device strings,
 * both languages, and refusal of bad arguments.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "conf.h"
#include "db.h"
#include "report.h"
#include "rrdstore.h"
#include "util.h"

#define T0 1764000000	/* 2025-11-24 16:00 UTC */

static void
test_downtime_empty(void **state)
{
	(void)state;
	assert_int_equal(report_downtime(NULL, 0, T0, T0 + 100), 0);
}

static void
test_downtime_clipped(void **state)
{
	struct report_interval v[] = {
		{ T0 - 500, T0 + 100 },		/* began before the period */
		{ T0 + 900, T0 + 2000 },	/* ends after it */
		{ T0 + 300, T0 + 300 },		/* empty */
		{ T0 - 50, T0 - 10 },		/* wholly before */
	};

	(void)state;
	assert_int_equal(report_downtime(v, 4, T0, T0 + 1000), 100 + 100);
}

static void
test_downtime_overlaps(void **state)
{
	struct report_interval v[] = {
		{ T0 + 500, T0 + 700 },
		{ T0 + 100, T0 + 300 },
		{ T0 + 200, T0 + 400 },		/* overlaps the one before: 100..400 */
		{ T0 + 600, T0 + 650 },		/* inside 500..700 */
		{ T0 + 700, T0 + 800 },		/* touches it: 500..800 */
	};

	(void)state;
	assert_int_equal(report_downtime(v, 5, T0, T0 + 1000), 300 + 300);
	/* a period that ends before it starts has no time at all */
	assert_int_equal(report_downtime(v, 5, T0 + 1000, T0), 0);
}

static void
test_downtime_whole_period(void **state)
{
	struct report_interval v[] = { { T0 - 10, T0 + 5000 } };

	(void)state;
	assert_int_equal(report_downtime(v, 1, T0, T0 + 1000), 1000);
}

struct fixture {
	char dir[64];
	sqlite3 *db;
	struct nocd_conf conf;
};

static void
exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256], sql[2048];

	snprintf(f->dir, sizeof(f->dir), "/tmp/nocd-test-report-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	if ((f->db = db_open_rw(f->dir, err, sizeof(err))) == NULL)
		return -1;
	conf_defaults(&f->conf);
	nocd_strlcpy(f->conf.state_dir, f->dir, sizeof(f->conf.state_dir));
	f->conf.rrdcached[0] = '\0';
	snprintf(sql, sizeof(sql),
	    "INSERT INTO devices(id, name, origin, address, version, class, status, created,"
	    " sys_name, sys_descr, polls, last_poll) VALUES"
	    " (1, 'gw', 'config', '10.0.0.1', '2c', 'router', 'up', %d, 'gw1', 'Junos', 10, %d),"
	    " (2, 'leaf', 'config', '10.0.0.2', '2c', 'switch', 'up', %d, '<b>leaf</b>',"
	    "  '<script>alert(1)</script>', 10, %d),"
	    " (3, 'env', 'config', '10.0.0.3', '2c', 'envstation', 'down', %d, 'env', 'probe',"
	    "  10, %d);"
	    /* gw down 1000 s, by its ticket's history */
	    "INSERT INTO tickets(id, device, rule, instance, category, severity, state, title,"
	    " first_seen, last_seen, resolved_at) VALUES"
	    " (1, 'gw', 'device_unreachable', '_', 'availability', 'critical', 'resolved',"
	    "  'gw unreachable', %d, %d, %d),"
	    " (2, 'env', 'room_temp_high', 'Room', 'environment', 'major', 'open',"
	    "  'env Room: temperature 30.5 C', %d, %d, NULL);"
	    "INSERT INTO ticket_history(ticket_id, time, who, action, state, note) VALUES"
	    " (1, %d, 'nocd', 'opened', 'open', 'gw unreachable'),"
	    " (1, %d, 'duty1', 'ack', 'acknowledged', 'on my way <now>'),"
	    " (1, %d, 'nocd', 'auto-resolved', 'resolved', 'recovered'),"
	    " (2, %d, 'nocd', 'opened', 'open', '');"
	    /* leaf behind gw: down 600 s as a linked child */
	    "INSERT INTO ticket_links(ticket_id, device, rule, instance, title, time, cleared)"
	    " VALUES (1, 'leaf', 'device_unreachable', '_', 'leaf unreachable', %d, %d);"
	    /* a room sensor without an archive: its last value is the range */
	    "INSERT INTO metrics(device_id, grp, instance, label, metric, unit, value, updated)"
	    " VALUES (3, 'sensor', 'Room', 'Room', 'value', '', 30.5, %d),"
	    " (3, 'sensor', 'Room', 'Room', 'type', '', 8, %d);"
	    "INSERT INTO assets(device, purchase_date, warranty_end, updated) VALUES"
	    " ('gw', '2015-11-24', '2025-12-01', %d);",
	    T0 - 100, T0 + 9000, T0 - 100, T0 + 9000, T0 - 100, T0 + 9000,
	    T0 + 1000, T0 + 2000, T0 + 2000, T0 + 3000, T0 + 3000,
	    T0 + 1000, T0 + 1500, T0 + 2000, T0 + 3000,
	    T0 + 1200, T0 + 1800, T0 + 9000, T0 + 9000, T0);
	exec(f->db, sql);
	*state = f;
	return 0;
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	int rc;

	db_close(f->db);
	conf_free(&f->conf);
	/* the fixture's directory, without a shell */
	rc = nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return rc == 0 ? 0 : -1;
}

/* The report as a string (caller frees). */
static char *
report(struct fixture *f, const char *kind, const char *lang)
{
	char *buf = NULL, err[256] = "";
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	if (report_write(f->db, &f->conf, kind, T0, T0 + 10000, lang, out, err, sizeof(err)) < 0)
		fail_msg("report_write: %s", err);
	fclose(out);
	return buf;
}

static void
test_inspection(void **state)
{
	struct fixture *f = *state;
	char *en = report(f, "inspection", "en"), *zh = report(f, "inspection", "zh_CN");

	/* gw: 1000 s of 10000 down; leaf: 600 s linked to gw's outage */
	assert_non_null(strstr(en, ">90.00 %<"));
	assert_non_null(strstr(en, ">94.00 %<"));
	assert_non_null(strstr(en, "16m 40s"));
	/* both below 99.9 %: advice for each */
	assert_non_null(strstr(en, "gw: availability 90.00 %"));
	assert_non_null(strstr(en, "leaf: availability 94.00 %"));
	/* device strings and operators' notes are text */
	assert_null(strstr(en, "<script>"));
	assert_null(strstr(en, "<b>leaf"));
	assert_non_null(strstr(en, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(en, "on my way &lt;now&gt;"));
	/* no archive: the last value, said so; and the advice on it */
	assert_non_null(strstr(en, "last value only"));
	assert_non_null(strstr(en, "temperature reached 30.5 C"));
	assert_non_null(strstr(en, "env is down now"));
	/* the same figures in Chinese */
	assert_non_null(strstr(zh, "<html lang=\"zh-CN\">"));
	assert_non_null(strstr(zh, "巡检报告"));
	assert_non_null(strstr(zh, ">90.00 %<"));
	assert_non_null(strstr(zh, "仅最近值"));
	/* the operator's step, times written the same in both languages */
	assert_non_null(strstr(zh, "2025-11-24 16:25 duty1 ack: on my way &lt;now&gt;"));
	free(en);
	free(zh);
}

static void
test_hardware(void **state)
{
	struct fixture *f = *state;
	char *en = report(f, "hardware", "en");

	assert_non_null(strstr(en, "Hardware maintenance report"));
	/* the environment ticket is a fault record; the availability one is not */
	assert_non_null(strstr(en, "env Room: temperature 30.5 C"));
	assert_null(strstr(en, ">gw unreachable<"));
	/* warranty ended a week after the period; bought 10 years before */
	assert_non_null(strstr(en, "ends within 90 days"));
	assert_non_null(strstr(en, "gw: warranty ends 2025-12-01"));
	assert_non_null(strstr(en, "gw: 10.0 years in service"));
	free(en);
}

/*
 * Five days of a room sensor every 5 minutes: a spike to 35 C three days
 * ago lives only in the consolidated archives (their maxima), a dip to 15 C
 * yesterday in the full-resolution tier. Both ends of the range are found.
 */
static void
test_archive_tiers(void **state)
{
	struct fixture *f = *state;
	const char *ds[] = { "value" };
	time_t now = time(NULL) / 300 * 300, start = now - 5 * 86400;
	struct rrd_writer *w = rrd_writer_new(f->dir, "", 300);
	char *buf = NULL, err[256] = "", *row;
	size_t len = 0;
	FILE *out;

	assert_non_null(w);
	for (time_t t = start; t <= now; t += 300) {
		double v = 22.0;

		if (t >= now - 3 * 86400 && t < now - 3 * 86400 + 3600)
			v = 35.0;
		else if (t >= now - 86400 && t < now - 86400 + 3600)
			v = 15.0;
		assert_int_equal(rrd_writer_update(w, "env", "sensor", "Room", t, ds, &v, 1), 0);
	}
	rrd_writer_free(w);
	assert_non_null(out = open_memstream(&buf, &len));
	assert_int_equal(report_write(f->db, &f->conf, "inspection", start, now, "en", out, err,
	    sizeof(err)), 0);
	fclose(out);
	row = strstr(buf, "<td>Room</td>");
	assert_non_null(row);
	/* min, average, max; then the source */
	assert_non_null(strstr(row, "<td class=\"n\">15.0</td>"));
	assert_non_null(strstr(row, "<td class=\"n bad\">35.0</td>"));
	assert_non_null(strstr(row, "<td class=\"n\">22."));
	assert_non_null(strstr(row, "RRD archive"));
	free(buf);
}

static void
test_bad_arguments(void **state)
{
	struct fixture *f = *state;
	char err[256];

	assert_int_equal(report_write(f->db, &f->conf, "audit", T0, T0 + 1, "en", stdout, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "inspection or hardware"));
	assert_int_equal(report_write(f->db, &f->conf, "hardware", T0, T0 + 1, "fr", stdout, err,
	    sizeof(err)), -1);
	assert_int_equal(report_write(f->db, &f->conf, "hardware", T0, T0, "en", stdout, err,
	    sizeof(err)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_downtime_empty),
		cmocka_unit_test(test_downtime_clipped),
		cmocka_unit_test(test_downtime_overlaps),
		cmocka_unit_test(test_downtime_whole_period),
		cmocka_unit_test_setup_teardown(test_inspection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hardware, setup, teardown),
		cmocka_unit_test_setup_teardown(test_archive_tiers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
