/*
 * Per-source rate limits for what arrives from the network (traps,
 * syslog): a token bucket per source address, `rate` per second sustained
 * with bursts of twice as many. Past 100,000 sources (a spoofed flood) new
 * sources are let through rather than given state each.
 *
 * A source whose messages are being dropped is in a storm. The storms are
 * kept on a short list of their own, so that reporting them (one ticket per
 * storm with the number of messages dropped) never walks every source.
 */
#ifndef NOCD_SRCLIMIT_H
#define NOCD_SRCLIMIT_H

#include <stdint.h>

struct hashmap;
struct bucket;

struct srclimit {
	struct hashmap *m;
	double rate;
	struct bucket *storms;	/* sources dropped since their storm began */
};

void srclimit_init(struct srclimit *l, double rate);
void srclimit_set_rate(struct srclimit *l, double rate);
int srclimit_ok(struct srclimit *l, const char *src);	/* 1: take it, 0: over the limit */
void srclimit_free(struct srclimit *l);

/*
 * The storms to report: a storm that began (first report), one still going
 * every `every_ms`, and one over after `quiet_ms` without a drop (ended = 1,
 * its last report). `dropped` counts the messages dropped since the last
 * report, `total` those of the whole storm.
 */
typedef void (*srclimit_storm_fn)(const char *src, uint64_t dropped, uint64_t total, int ended,
	void *arg);
void srclimit_storms(struct srclimit *l, int64_t now_ms, int64_t every_ms, int64_t quiet_ms,
	srclimit_storm_fn fn, void *arg);

#endif
