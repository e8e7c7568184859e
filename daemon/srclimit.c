#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "hashmap.h"
#include "srclimit.h"
#include "util.h"

#define MAX_SOURCES 100000

struct bucket {
	double tokens;
	int64_t last_ms;
	/* a storm: on l->storms while messages are being dropped */
	int storming;
	struct bucket *next_storm;
	uint64_t dropped, total;	/* since the last report; the whole storm */
	int64_t last_drop_ms, reported_ms;
	char src[64];
};

void
srclimit_init(struct srclimit *l, double rate)
{
	l->m = hashmap_new(64);
	l->rate = rate;
	l->storms = NULL;
}

void
srclimit_set_rate(struct srclimit *l, double rate)
{
	l->rate = rate;
}

int
srclimit_ok(struct srclimit *l, const char *src)
{
	struct bucket *b = hashmap_get(l->m, src);
	int64_t now = mono_ms();

	if (b == NULL) {
		if (hashmap_count(l->m) > MAX_SOURCES)
			return 1;
		b = xcalloc(1, sizeof(*b));
		b->tokens = l->rate * 2;
		b->last_ms = now;
		nocd_strlcpy(b->src, src, sizeof(b->src));
		hashmap_put(l->m, src, b);
	}
	b->tokens += (double)(now - b->last_ms) / 1000.0 * l->rate;
	if (b->tokens > l->rate * 2)
		b->tokens = l->rate * 2;
	b->last_ms = now;
	if (b->tokens < 1.0) {
		if (!b->storming) {
			b->storming = 1;
			b->total = 0;
			b->reported_ms = 0;
			b->next_storm = l->storms;
			l->storms = b;
		}
		b->dropped++;
		b->total++;
		b->last_drop_ms = now;
		return 0;
	}
	b->tokens -= 1.0;
	return 1;
}

void
srclimit_storms(struct srclimit *l, int64_t now_ms, int64_t every_ms, int64_t quiet_ms,
    srclimit_storm_fn fn, void *arg)
{
	for (struct bucket **pp = &l->storms, *b; (b = *pp) != NULL; ) {
		int ended = now_ms - b->last_drop_ms >= quiet_ms;

		if (ended || b->reported_ms == 0 ||
		    (b->dropped && now_ms - b->reported_ms >= every_ms)) {
			fn(b->src, b->dropped, b->total, ended, arg);
			b->dropped = 0;
			b->reported_ms = now_ms;
		}
		if (ended) {
			b->storming = 0;
			*pp = b->next_storm;
			b->next_storm = NULL;
		} else {
			pp = &b->next_storm;
		}
	}
}

void
srclimit_free(struct srclimit *l)
{
	if (l->m)
		hashmap_free(l->m, free);
	l->m = NULL;
	l->storms = NULL;
}
