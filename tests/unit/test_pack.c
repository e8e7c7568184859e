/* Held RRD samples, packed: exact round trips, sizes, short buffers. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pack.h"

#define NV 8

static int
same(double a, double b)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	return memcmp(&a, &b, sizeof(a)) == 0;	/* bit for bit: -0.0 is not 0.0 */
}

static double
random_value(void)
{
	static const double edge[] = {
		0.0, -0.0, 1.0, -1.0, 0.1, 1e300, -1e-300, 4.9e-324, 3.4028234663852886e38,
		3.5e38, 16777217.0, 9007199254740993.0, 18446744073709551615.0, INFINITY,
		-INFINITY, NAN, 12345.678, 1e9 / 3,
	};
	int r = rand() % 4;

	if (r == 0)
		return edge[rand() % (int)(sizeof(edge) / sizeof(edge[0]))];
	if (r == 1)
		return (double)(rand() % 100000);
	if (r == 2)
		return (double)rand() / 7.0;
	return ldexp((double)rand() - RAND_MAX / 2, rand() % 200 - 100);
}

/* Many samples in one buffer come back exactly, in order. */
static void
test_round_trip(void **state)
{
	enum { N = 2000 };
	uint8_t *buf = malloc((size_t)N * PACK_SAMPLE_MAX(NV));
	static double v[N][NV];
	static time_t t[N];
	size_t len = 0, pos = 0;
	time_t prev = 0;

	(void)state;
	srand(11);
	for (int i = 0; i < N; i++) {
		/* mostly forward, sometimes the same second or back (the writer never does) */
		t[i] = (i ? t[i - 1] : 1700000000) + (rand() % 10 == 0 ? -(rand() % 5) : rand() % 400);
		for (int k = 0; k < NV; k++)
			v[i][k] = random_value();
		len += pack_sample(buf + len, prev, t[i], v[i], NV);
		prev = t[i];
	}
	prev = 0;
	for (int i = 0; i < N; i++) {
		double x[NV];
		time_t when;
		size_t used = unpack_sample(buf + pos, len - pos, prev, &when, x, NV);

		assert_true(used > 0);
		assert_int_equal(when, t[i]);
		for (int k = 0; k < NV; k++)
			assert_true(same(x[k], v[i][k]));
		pos += used;
		prev = when;
	}
	assert_int_equal(pos, len);
	free(buf);
}

/* An idle port's sample is a few bytes; a busy one's no more than the doubles it holds. */
static void
test_sizes(void **state)
{
	uint8_t buf[PACK_SAMPLE_MAX(NV)];
	double idle[NV] = { 0 }, small[NV] = { 0, 1, 2, 3, 0, 0, 100, 0 }, busy[NV];
	double unknown[NV];

	(void)state;
	for (int k = 0; k < NV; k++) {
		busy[k] = 1e6 / 3 + k;
		unknown[k] = NAN;
	}
	assert_int_equal(pack_sample(buf, 1700000000, 1700000030, idle, NV), 1 + 2);
	assert_int_equal(pack_sample(buf, 1700000000, 1700000030, unknown, NV), 1 + 2);
	assert_int_equal(pack_sample(buf, 1700000000, 1700000030, small, NV), 1 + 2 + 4 * 4);
	assert_int_equal(pack_sample(buf, 1700000000, 1700000030, busy, NV), 1 + 2 + 8 * NV);
	/* the first sample of a buffer carries the whole time */
	assert_int_equal(pack_sample(buf, 0, 1700000030, idle, NV), 5 + 2);
	assert_true(pack_sample(buf, 0, (time_t)INT64_MAX, busy, NV) <= PACK_SAMPLE_MAX(NV));
}

/* A buffer that ends inside a sample reads as nothing, wherever it ends. */
static void
test_short(void **state)
{
	uint8_t buf[PACK_SAMPLE_MAX(NV)];
	double v[NV] = { 1.5, 0, 1e300, NAN, 7, 0.1, 0, 3 }, x[NV];
	time_t when;
	size_t len = pack_sample(buf, 0, 1700000000, v, NV);

	(void)state;
	for (size_t cut = 0; cut < len; cut++)
		assert_int_equal(unpack_sample(buf, cut, 0, &when, x, NV), 0);
	assert_int_equal(unpack_sample(buf, len, 0, &when, x, NV), len);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_short),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
