/* Probe files: the shipped ones load; errors name their file and line. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "probe.h"
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

static void
test_shipped_probes_load(void **state)
{
	const char *dirs[] = { TEST_SRCDIR "/probes" };
	struct probe_set ps = { .v = NULL };
	const struct probe *ifp, *st;
	int c;

	assert_int_equal(probes_load(dirs, 1, &ps), 0);
	ifp = probes_find(&ps, "interface");
	assert_non_null(ifp);
	assert_int_equal(ifp->kind, PROBE_TABLE);
	c = probe_column_index(ifp, "in_bits");
	assert_true(c >= 0);
	assert_int_equal(ifp->cols[c].type, COL_COUNTER);
	/* HC counter first, 32-bit fallback second */
	assert_int_equal(ifp->cols[c].n_alts, 2);
	assert_int_equal(ifp->cols[c].alts[0].len, 11);
	assert_int_equal(ifp->cols[c].alts[0].sub[9], 1);
	assert_true(ifp->cols[c].alts[0].scale == 8.0);
	assert_int_equal(ifp->cols[c].max_rate_col, probe_column_index(ifp, "speed"));
	st = probes_find(&ps, "storage");
	assert_non_null(st);
	c = probe_column_index(st, "used_pct");
	assert_int_equal(st->cols[c].derive, DERIVE_PERCENT);
	assert_non_null(probes_find(&ps, "cpu"));
	assert_non_null(probes_find(&ps, "memory"));
	probes_free(&ps);
}

static void
expect_error(const char *text, int line, const char *needle)
{
	char path[512], err[512], prefix[600];
	struct probe_set ps = { .v = NULL };

	snprintf(path, sizeof(path), "%s/bad.conf", tmpdir);
	write_file(path, text);
	assert_int_equal(probes_load_file(path, &ps, err, sizeof(err)), -1);
	snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	if (strncmp(err, prefix, strlen(prefix)) != 0 || strstr(err, needle) == NULL)
		fail_msg("got \"%s\", wanted prefix \"%s\" and \"%s\"", err, prefix, needle);
	assert_int_equal(ps.n, 0);
	probes_free(&ps);
}

static void
test_errors_name_file_and_line(void **state)
{
	expect_error("probes = (\n { name = \"x\";\n   bogus = 1;\n   columns = ( { name = \"a\"; oid = \"1.3.6\"; } ); }\n);\n",
	    3, "unknown key 'bogus'");
	expect_error("probes = (\n { name = \"x\";\n   columns = (\n    { name = \"a\"; oid = \"1.3.x\"; } ); }\n);\n",
	    4, "not a numeric OID");
	expect_error("probes = (\n { name = \"x\";\n   columns = (\n    { name = \"a\"; oid = \"1.3.6\"; },\n"
	    "    { name = \"b\"; type = \"derived\"; derive = \"percent\"; of = [\"a\", \"zz\"]; } ); }\n);\n",
	    5, "not defined before");
	expect_error("probes = (\n { name = \"x\"\n", 3, "");	/* syntax error */
	expect_error("probes = (\n { name = \"x\";\n   columns = (\n    { name = \"this_name_is_far_too_long_for_rrd\"; oid = \"1.3.6\"; } ); }\n);\n",
	    4, "1-19 characters");
}

static void
test_bad_file_does_not_stop_others(void **state)
{
	char dir[512], path[600];
	const char *dirs[1];
	struct probe_set ps = { .v = NULL };

	snprintf(dir, sizeof(dir), "%s/set", tmpdir);
	mkdir_p(dir, 0700);
	snprintf(path, sizeof(path), "%s/a-bad.conf", dir);
	write_file(path, "probes = ( { name = \"bad\"; columns = ( ); } );\n");
	snprintf(path, sizeof(path), "%s/b-good.conf", dir);
	write_file(path, "probes = ( { name = \"good\"; kind = \"scalar\";\n"
	    " columns = ( { name = \"v\"; oid = \"1.3.6.1.2.1.1.3.0\"; } ); } );\n");
	dirs[0] = dir;
	assert_int_equal(probes_load(dirs, 1, &ps), 1);	/* one file failed */
	assert_int_equal(ps.n, 1);
	assert_non_null(probes_find(&ps, "good"));
	probes_free(&ps);
}

static void
test_oid_parse(void **state)
{
	struct probe_oid o;
	char buf[64];

	assert_int_equal(oid_parse(".1.3.6.1.2.1.1.3.0", &o), 0);
	assert_int_equal(o.len, 9);
	assert_int_equal(oid_format(o.sub, o.len, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1.3.6.1.2.1.1.3.0");
	assert_int_equal(oid_parse("1.3..6", &o), -1);
	assert_int_equal(oid_parse("1.3.6.", &o), -1);
	assert_int_equal(oid_parse("1.99999999999", &o), -1);
	assert_int_equal(oid_parse("1", &o), -1);
	assert_int_equal(oid_format(o.sub, 3, buf, 3), -1);
	{
		const uint32_t big[] = { 0, 4294967295u, 10, 9 };

		assert_int_equal(oid_format(big, 4, buf, sizeof(buf)), 0);
		assert_string_equal(buf, "0.4294967295.10.9");
		/* exactly the room it needs, then one byte less */
		assert_int_equal(oid_format(big, 4, buf, 18), 0);
		assert_string_equal(buf, "0.4294967295.10.9");
		assert_int_equal(oid_format(big, 4, buf, 17), -1);
		assert_int_equal(oid_format(big, 0, buf, 1), 0);
		assert_string_equal(buf, "");
		assert_int_equal(oid_format(big, 1, buf, 0), -1);
	}
}

static int
setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_probe.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[300];

	/* our own mkdtemp directory, no user input in the path */
	snprintf(cmd, sizeof(cmd), "%s/set/a-bad.conf", tmpdir);
	unlink(cmd);
	snprintf(cmd, sizeof(cmd), "%s/set/b-good.conf", tmpdir);
	unlink(cmd);
	snprintf(cmd, sizeof(cmd), "%s/set", tmpdir);
	rmdir(cmd);
	snprintf(cmd, sizeof(cmd), "%s/bad.conf", tmpdir);
	unlink(cmd);
	rmdir(tmpdir);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_probes_load),
		cmocka_unit_test(test_errors_name_file_and_line),
		cmocka_unit_test(test_bad_file_does_not_stop_others),
		cmocka_unit_test(test_oid_parse),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
