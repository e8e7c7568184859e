/*
 * Counter arithmetic. The rule: a reading nocd cannot explain yields no
 * rate. A 32-bit wrap is only believed when the wrapped rate is plausible.
 */
#include "config.h"

#include <math.h>

#include "counter.h"

#define WRAP32 4294967296.0
#define TICKS_WRAP 4294967296.0
#define SLACK 1.1		/* a rate may exceed its bound by 10 % (timing jitter) */

enum counter_result
counter_update(struct counter_state *st, uint64_t value, int width, double t,
    double max_rate, double *rate)
{
	enum counter_result r;
	double dt = t - st->last_time, delta;
	int had = st->valid;
	uint64_t last = st->last;

	st->last = value;
	st->last_time = t;
	st->valid = 1;
	if (!had)
		return COUNTER_FIRST;
	if (!(dt > 0))
		return COUNTER_BAD_TIME;
	if (value >= last) {
		delta = (double)(value - last);
		r = COUNTER_OK;
	} else if (width == 32 && last <= UINT32_MAX) {
		delta = WRAP32 - (double)last + (double)value;
		/* without a bound, believe a wrap from the upper half by less than half the range */
		if (max_rate > 0 ? delta / dt > max_rate * SLACK :
		    (last < 2147483648ULL || delta >= 2147483648.0))
			return COUNTER_RESET;
		r = COUNTER_WRAP;
	} else {
		return COUNTER_RESET;
	}
	if (max_rate > 0 && delta / dt > max_rate * SLACK)
		return COUNTER_IMPLAUSIBLE;
	*rate = delta / dt;
	return r;
}

void
counter_invalidate(struct counter_state *st)
{
	st->valid = 0;
}

int
uptime_restarted(uint32_t prev_ticks, uint32_t cur_ticks, double elapsed_s)
{
	double cur_s = cur_ticks / 100.0;

	if (cur_ticks < prev_ticks) {
		/* TimeTicks wrap after 497 days: the wrapped delta matches the time passed */
		double wrapped = (TICKS_WRAP - prev_ticks + cur_ticks) / 100.0;

		if (prev_ticks > 4000000000U && fabs(wrapped - elapsed_s) <= elapsed_s * 0.5 + 5)
			return 0;
		return 1;
	}
	/* up for less time than has passed since the last poll */
	return cur_s + 5 < elapsed_s;
}

const char *
counter_result_str(enum counter_result r)
{
	switch (r) {
	case COUNTER_OK: return "ok";
	case COUNTER_FIRST: return "first reading";
	case COUNTER_WRAP: return "32-bit wrap";
	case COUNTER_RESET: return "counter went back (reset)";
	case COUNTER_IMPLAUSIBLE: return "rate above the physical maximum";
	case COUNTER_BAD_TIME: return "no time elapsed";
	}
	return "?";
}
