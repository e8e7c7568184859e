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
};

void
srclimit_init(struct srclimit *l, double rate)
{
	l->m = hashmap_new(64);
	l->rate = rate;
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
		hashmap_put(l->m, src, b);
	}
	b->tokens += (double)(now - b->last_ms) / 1000.0 * l->rate;
	if (b->tokens > l->rate * 2)
		b->tokens = l->rate * 2;
	b->last_ms = now;
	if (b->tokens < 1.0)
		return 0;
	b->tokens -= 1.0;
	return 1;
}

void
srclimit_free(struct srclimit *l)
{
	if (l->m)
		hashmap_free(l->m, free);
	l->m = NULL;
}
