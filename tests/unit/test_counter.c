/* Counter arithmetic: rates, 32-bit wrap, resets, implausible jumps, restarts. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>

#include "counter.h"

static void
test_steady_rate(void **state)
{
	struct counter_state st = { 0 };
	double rate = -1;

	assert_int_equal(counter_update(&st, 1000, 64, 100.0, 0, &rate), COUNTER_FIRST);
	assert_int_equal(counter_update(&st, 61000, 64, 160.0, 0, &rate), COUNTER_OK);
	assert_true(fabs(rate - 1000.0) < 1e-9);
	assert_int_equal(counter_update(&st, 61000, 64, 220.0, 0, &rate), COUNTER_OK);
	assert_true(rate == 0.0);
}

static void
test_wrap32_known_max(void **state)
{
	struct counter_state st = { 0 };
	double rate = -1;

	/* 1 Gb/s link in bytes: 125e6 B/s; 1000 s at 1 MB/s passes the wrap */
	counter_update(&st, 4294967000ULL, 32, 0.0, 125e6, &rate);
	assert_int_equal(counter_update(&st, 999704ULL, 32, 1.0, 125e6, &rate), COUNTER_WRAP);
	assert_true(fabs(rate - 1000000.0) < 1e-6);
	/* a "wrap" that would mean 4 GB in 1 s on that link is a reset */
	counter_update(&st, 4000000000ULL, 32, 10.0, 125e6, &rate);
	assert_int_equal(counter_update(&st, 100ULL, 32, 11.0, 125e6, &rate), COUNTER_RESET);
	/* and the next reading has a rate again from the new baseline */
	assert_int_equal(counter_update(&st, 1100ULL, 32, 12.0, 125e6, &rate), COUNTER_OK);
	assert_true(fabs(rate - 1000.0) < 1e-9);
}

static void
test_wrap32_unknown_max(void **state)
{
	struct counter_state st = { 0 };
	double rate = -1;

	counter_update(&st, 4294000000ULL, 32, 0.0, 0, &rate);
	assert_int_equal(counter_update(&st, 32704ULL, 32, 1.0, 0, &rate), COUNTER_WRAP);
	assert_true(fabs(rate - 1000000.0) < 1e-6);
	/* from the lower half back to a small number: an agent restart, not a wrap */
	counter_update(&st, 1000000ULL, 32, 2.0, 0, &rate);
	assert_int_equal(counter_update(&st, 10ULL, 32, 3.0, 0, &rate), COUNTER_RESET);
}

static void
test_reset64(void **state)
{
	struct counter_state st = { 0 };
	double rate = -1;

	counter_update(&st, 5000000000000ULL, 64, 0.0, 0, &rate);
	assert_int_equal(counter_update(&st, 12ULL, 64, 60.0, 0, &rate), COUNTER_RESET);
	assert_int_equal(counter_update(&st, 6012ULL, 64, 120.0, 0, &rate), COUNTER_OK);
	assert_true(fabs(rate - 100.0) < 1e-9);
}

static void
test_implausible(void **state)
{
	struct counter_state st = { 0 };
	double rate = -1;

	/* 1 Gb/s = 125e6 bytes/s; the agent jumps by 10^12 in a minute */
	counter_update(&st, 1000ULL, 64, 0.0, 125e6, &rate);
	assert_int_equal(counter_update(&st, 1000000001000ULL, 64, 60.0, 125e6, &rate),
	    COUNTER_IMPLAUSIBLE);
	/* within 10 % above the line rate is timing jitter, accepted */
	assert_int_equal(counter_update(&st, 1000000001000ULL + 7800000000ULL, 64, 120.0, 125e6,
	    &rate), COUNTER_OK);
	assert_true(rate > 125e6 && rate < 125e6 * 1.1);
}

static void
test_bad_time(void **state)
{
	struct counter_state st = { 0 };
	double rate = -1;

	counter_update(&st, 100, 64, 10.0, 0, &rate);
	assert_int_equal(counter_update(&st, 200, 64, 10.0, 0, &rate), COUNTER_BAD_TIME);
	assert_int_equal(counter_update(&st, 300, 64, 9.0, 0, &rate), COUNTER_BAD_TIME);
	assert_int_equal(counter_update(&st, 400, 64, 19.0, 0, &rate), COUNTER_OK);
	assert_true(fabs(rate - 10.0) < 1e-9);
	counter_invalidate(&st);
	assert_int_equal(counter_update(&st, 500, 64, 29.0, 0, &rate), COUNTER_FIRST);
}

static void
test_uptime(void **state)
{
	/* 60 s between polls, uptime advanced by 6000 ticks: no restart */
	assert_false(uptime_restarted(100000, 106000, 60.0));
	/* went back: restart */
	assert_true(uptime_restarted(100000, 500, 60.0));
	/* up for 10 s while 60 s passed: restarted in between (and came back higher) */
	assert_true(uptime_restarted(100, 1000, 60.0));
	/* TimeTicks wrap after 497 days is not a restart */
	assert_false(uptime_restarted(4294967000U, 5704U, 60.0));
	/* near the wrap but far too little time: a restart */
	assert_true(uptime_restarted(4294967000U, 5704U, 3600.0 * 24));
	assert_string_equal(counter_result_str(COUNTER_WRAP), "32-bit wrap");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steady_rate),
		cmocka_unit_test(test_wrap32_known_max),
		cmocka_unit_test(test_wrap32_unknown_max),
		cmocka_unit_test(test_reset64),
		cmocka_unit_test(test_implausible),
		cmocka_unit_test(test_bad_time),
		cmocka_unit_test(test_uptime),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
