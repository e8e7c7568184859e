/* Bounded strings, time specs, durations, directories. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static void
test_strings(void **state)
{
	char buf[5];

	assert_int_equal(nocd_strlcpy(buf, "abcdefgh", sizeof(buf)), 8);
	assert_string_equal(buf, "abcd");
	assert_int_equal(copy_string(buf, sizeof(buf), "abcd"), 0);
	assert_string_equal(buf, "abcd");
	assert_int_equal(copy_string(buf, sizeof(buf), "abcde"), -1);
}

static void
test_time_spec(void **state)
{
	const time_t now = 1700000000;
	time_t t;

	assert_int_equal(parse_time_spec("now", now, &t), 0);
	assert_int_equal(t, now);
	assert_int_equal(parse_time_spec("-1d", now, &t), 0);
	assert_int_equal(t, now - 86400);
	assert_int_equal(parse_time_spec("30d", now, &t), 0);
	assert_int_equal(t, now - 30 * 86400);
	assert_int_equal(parse_time_spec("-2h", now, &t), 0);
	assert_int_equal(t, now - 7200);
	assert_int_equal(parse_time_spec("-10min", now, &t), 0);
	assert_int_equal(t, now - 600);
	assert_int_equal(parse_time_spec("-1y", now, &t), 0);
	assert_int_equal(t, now - 365 * 86400);
	assert_int_equal(parse_time_spec("1600000000", now, &t), 0);
	assert_int_equal(t, 1600000000);
	assert_int_equal(parse_time_spec("yesterday", now, &t), -1);
	assert_int_equal(parse_time_spec("", now, &t), -1);
	assert_int_equal(parse_time_spec("-1x", now, &t), -1);
	assert_int_equal(parse_time_spec("-99999999999999999999d", now, &t), -1);
	assert_int_equal(parse_time_spec("-100000y", now, &t), -1);
}

static void
test_duration(void **state)
{
	long s;

	assert_int_equal(parse_duration("90", &s), 0);
	assert_int_equal(s, 90);
	assert_int_equal(parse_duration("1h", &s), 0);
	assert_int_equal(s, 3600);
	assert_int_equal(parse_duration("1w", &s), 0);
	assert_int_equal(s, 7 * 86400);
	assert_int_equal(parse_duration("-1h", &s), -1);
	assert_int_equal(parse_duration("h", &s), -1);
	assert_int_equal(parse_duration(NULL, &s), -1);
}

static void
test_iso8601(void **state)
{
	char buf[32];

	iso8601_utc(1795500000, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-24T06:00:00Z");
	iso8601_utc(0, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
}

static void
test_mkdir_p(void **state)
{
	char dir[] = "/tmp/nocd-util-XXXXXX", path[128];
	struct stat sb;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a/b/c", dir);
	assert_int_equal(mkdir_p(path, 0750), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(mkdir_p(path, 0750), 0);	/* exists: fine */
	assert_int_equal(mkdir_p("", 0750), -1);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/a/b", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/a", dir);
	rmdir(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_time_spec),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_iso8601),
		cmocka_unit_test(test_mkdir_p),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
