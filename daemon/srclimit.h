/*
 * Per-source rate limits for what arrives from the network (traps,
 * syslog): a token bucket per source address, `rate` per second sustained
 * with bursts of twice as many. Past 100,000 sources (a spoofed flood) new
 * sources are let through rather than given state each.
 */
#ifndef NOCD_SRCLIMIT_H
#define NOCD_SRCLIMIT_H

struct hashmap;

struct srclimit {
	struct hashmap *m;
	double rate;
};

void srclimit_init(struct srclimit *l, double rate);
void srclimit_set_rate(struct srclimit *l, double rate);
int srclimit_ok(struct srclimit *l, const char *src);	/* 1: take it, 0: over the limit */
void srclimit_free(struct srclimit *l);

#endif
