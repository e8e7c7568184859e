/*
 * Counter arithmetic: rates from successive readings of SNMP counters,
 * 32-bit wrap, 64-bit resets and discontinuities. No reading ever turns
 * into a spike: when in doubt the rate is unknown.
 */
#ifndef NOCD_COUNTER_H
#define NOCD_COUNTER_H

#include <stdint.h>

enum counter_result {
	COUNTER_OK = 0,		/* *rate is set */
	COUNTER_FIRST,		/* first reading: no rate yet */
	COUNTER_WRAP,		/* 32-bit wrap accounted for: *rate is set */
	COUNTER_RESET,		/* went backwards (agent restart, 64-bit reset) */
	COUNTER_IMPLAUSIBLE,	/* rate above the physical maximum */
	COUNTER_BAD_TIME	/* no time elapsed, or time went back */
};

struct counter_state {
	uint64_t last;
	double last_time;	/* seconds */
	int valid;
};

/*
 * Feed one reading. `width` is 32 or 64 (from the ASN.1 type of the value).
 * `max_rate` is the largest believable rate per second (e.g. interface
 * speed in the counter's unit), 0 when not known. Always stores the reading.
 */
enum counter_result counter_update(struct counter_state *st, uint64_t value,
	int width, double t, double max_rate, double *rate);

/* Forget the previous reading (agent restart seen through sysUpTime). */
void counter_invalidate(struct counter_state *st);

/* True when sysUpTime shows a restart between two polls `elapsed_s` apart. */
int uptime_restarted(uint32_t prev_ticks, uint32_t cur_ticks, double elapsed_s);

const char *counter_result_str(enum counter_result r);

#endif
