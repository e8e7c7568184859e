/* The event loop's timers: order, cancel, move, against a plain sort. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "evloop.h"
#include "util.h"

#define N_TIMERS	3000

struct tcase {
	int64_t at;
	uint64_t seq;		/* order of its last add or move */
	int live;
	int fired;
	struct ev_timer *h;
};

static struct tcase cases[N_TIMERS];
static int fired_order[N_TIMERS];
static int n_fired;

static void
fire(void *arg)
{
	struct tcase *c = arg;

	c->fired++;
	fired_order[n_fired++] = (int)(c - cases);
}

static void
stop(void *arg)
{
	evloop_stop(arg);
}

static int
by_key(const void *a, const void *b)
{
	const struct tcase *x = &cases[*(const int *)a], *y = &cases[*(const int *)b];

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

/* Thousands of timers, a third cancelled, a third moved: they fire in (time, last arming) order. */
static void
test_order_cancel_move(void **state)
{
	struct evloop *loop = evloop_new();
	int64_t base = mono_ms() - 10000;
	uint64_t seq = 0;
	int expect[N_TIMERS], n_expect = 0;

	(void)state;
	assert_non_null(loop);
	srand(7);
	n_fired = 0;
	for (int i = 0; i < N_TIMERS; i++) {
		/* few distinct times, so that ties are common */
		cases[i] = (struct tcase){ .at = base + rand() % 500, .seq = seq++, .live = 1 };
		cases[i].h = evloop_timer_at(loop, cases[i].at, fire, &cases[i]);
	}
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < N_TIMERS; i++) {
			int r = rand() % 6;

			if (!cases[i].live)
				continue;
			if (r == 0) {
				evloop_timer_cancel(loop, cases[i].h);
				cases[i].live = 0;
			} else if (r == 1) {
				cases[i].at = base + rand() % 500;
				cases[i].seq = seq++;
				evloop_timer_move(loop, cases[i].h, cases[i].at);
			}
		}
	}
	for (int i = 0; i < N_TIMERS; i++)
		if (cases[i].live)
			expect[n_expect++] = i;
	qsort(expect, (size_t)n_expect, sizeof(expect[0]), by_key);
	/* a later timer stops the loop: one turn runs all that are due */
	evloop_timer_at(loop, mono_ms() + 20, stop, loop);
	assert_int_equal(evloop_run(loop), 0);
	assert_int_equal(n_fired, n_expect);
	for (int i = 0; i < n_expect; i++)
		assert_int_equal(fired_order[i], expect[i]);
	for (int i = 0; i < N_TIMERS; i++)
		assert_int_equal(cases[i].fired, cases[i].live);
	evloop_free(loop);
}

static struct evloop *chain_loop;
static int chain_left;

/* re-arms itself from its own callback, as the poller's timers do */
static void
chain(void *arg)
{
	(void)arg;
	if (--chain_left > 0)
		evloop_timer_at(chain_loop, mono_ms() - 1, chain, NULL);
	else
		evloop_stop(chain_loop);
}

static void
test_rearm_from_callback(void **state)
{
	(void)state;
	chain_loop = evloop_new();
	chain_left = 1000;
	evloop_timer_at(chain_loop, mono_ms() - 1, chain, NULL);
	/* pending timers left at the end are freed with the loop */
	for (int i = 0; i < 10; i++)
		evloop_timer_at(chain_loop, mono_ms() + 3600000, chain, NULL);
	assert_int_equal(evloop_run(chain_loop), 0);
	assert_int_equal(chain_left, 0);
	evloop_free(chain_loop);
}

/* A timer moved later runs after one moved earlier; the loop sleeps until the first. */
static void
test_move_later_earlier(void **state)
{
	struct evloop *loop = evloop_new();
	int64_t t0 = mono_ms();
	struct ev_timer *a, *b;

	(void)state;
	n_fired = 0;
	memset(cases, 0, 2 * sizeof(cases[0]));
	a = evloop_timer_at(loop, t0 + 5, fire, &cases[0]);
	b = evloop_timer_at(loop, t0 + 3600000, fire, &cases[1]);
	evloop_timer_move(loop, a, t0 + 3600000);
	evloop_timer_move(loop, b, t0 + 10);
	evloop_timer_at(loop, t0 + 40, stop, loop);
	assert_int_equal(evloop_run(loop), 0);
	assert_true(mono_ms() >= t0 + 40);
	assert_int_equal(n_fired, 1);
	assert_int_equal(fired_order[0], 1);
	assert_int_equal(cases[0].fired, 0);
	evloop_timer_cancel(loop, a);
	evloop_free(loop);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_cancel_move),
		cmocka_unit_test(test_rearm_from_callback),
		cmocka_unit_test(test_move_later_earlier),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
