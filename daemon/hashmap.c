#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "util.h"

struct slot {
	char *key;		/* NULL = empty; TOMBSTONE = deleted */
	void *value;
	uint64_t hash;
};

struct hashmap {
	struct slot *slots;
	size_t cap;		/* power of two */
	size_t count;
	size_t used;		/* count + tombstones */
};

static char tombstone_mark;
#define TOMBSTONE (&tombstone_mark)

static uint64_t
hash_str(const char *s)
{
	uint64_t h = fnv1a(1469598103934665603ULL, s, strlen(s));

	return h ^ (h >> 29);
}

struct hashmap *
hashmap_new(size_t hint)
{
	struct hashmap *m = xcalloc(1, sizeof(*m));

	m->cap = 16;
	while (m->cap < hint * 2)
		m->cap *= 2;
	m->slots = xcalloc(m->cap, sizeof(*m->slots));
	return m;
}

void
hashmap_free(struct hashmap *m, void (*free_value)(void *))
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->cap; i++) {
		struct slot *s = &m->slots[i];

		if (s->key == NULL || s->key == TOMBSTONE)
			continue;
		if (free_value)
			free_value(s->value);
		free(s->key);
	}
	free(m->slots);
	free(m);
}

static struct slot *
find_slot(const struct hashmap *m, const char *key, uint64_t h)
{
	size_t mask = m->cap - 1;

	for (size_t i = h & mask, n = 0; n < m->cap; i = (i + 1) & mask, n++) {
		struct slot *s = &m->slots[i];

		if (s->key == NULL)
			return NULL;
		if (s->key != TOMBSTONE && s->hash == h && strcmp(s->key, key) == 0)
			return s;
	}
	return NULL;
}

static void
grow(struct hashmap *m)
{
	struct slot *old = m->slots;
	size_t oldcap = m->cap;

	if (m->count * 4 >= m->cap * 2)
		m->cap *= 2;
	m->slots = xcalloc(m->cap, sizeof(*m->slots));
	m->used = m->count;
	for (size_t i = 0; i < oldcap; i++) {
		size_t j;

		if (old[i].key == NULL || old[i].key == TOMBSTONE)
			continue;
		for (j = old[i].hash & (m->cap - 1); m->slots[j].key != NULL;
		    j = (j + 1) & (m->cap - 1))
			;
		m->slots[j] = old[i];
	}
	free(old);
}

void *
hashmap_get(const struct hashmap *m, const char *key)
{
	struct slot *s = find_slot(m, key, hash_str(key));

	return s ? s->value : NULL;
}

void *
hashmap_put(struct hashmap *m, const char *key, void *value)
{
	uint64_t h = hash_str(key);
	struct slot *s = find_slot(m, key, h);
	size_t i;

	if (s != NULL) {
		void *prev = s->value;

		s->value = value;
		return prev;
	}
	if ((m->used + 1) * 4 > m->cap * 3)
		grow(m);
	for (i = h & (m->cap - 1); m->slots[i].key != NULL && m->slots[i].key != TOMBSTONE;
	    i = (i + 1) & (m->cap - 1))
		;
	if (m->slots[i].key == NULL)
		m->used++;
	m->slots[i].key = xstrdup(key);
	m->slots[i].value = value;
	m->slots[i].hash = h;
	m->count++;
	return NULL;
}

static void *
remove_slot(struct hashmap *m, struct slot *s)
{
	void *v = s->value;

	free(s->key);
	s->key = TOMBSTONE;
	s->value = NULL;
	m->count--;
	return v;
}

void *
hashmap_remove(struct hashmap *m, const char *key)
{
	struct slot *s = find_slot(m, key, hash_str(key));

	return s ? remove_slot(m, s) : NULL;
}

size_t
hashmap_count(const struct hashmap *m)
{
	return m->count;
}

void
hashmap_foreach(struct hashmap *m, int (*fn)(const char *, void *, void *), void *arg,
    void (*free_value)(void *))
{
	for (size_t i = 0; i < m->cap; i++) {
		struct slot *s = &m->slots[i];

		if (s->key == NULL || s->key == TOMBSTONE)
			continue;
		if (fn(s->key, s->value, arg) == 1) {
			void *v = remove_slot(m, s);

			if (free_value)
				free_value(v);
		}
	}
}
