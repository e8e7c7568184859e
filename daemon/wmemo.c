#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "util.h"
#include "wmemo.h"

struct slot {
	uint64_t key;		/* 0: empty */
	uint32_t fp;
	uint32_t when : 24;	/* seconds, wrapping: only differences count */
	uint32_t meta : 8;
};

#define WHEN_MASK 0xffffffu

struct wmemo {
	struct slot *v;
	size_t cap;		/* a power of two */
	size_t n;
	struct hashmap *ids;	/* device name -> row id (as a pointer; never 0) */
};

#define WMEMO_MIN 1024

struct wmemo *
wmemo_new(void)
{
	struct wmemo *m = xcalloc(1, sizeof(*m));

	m->cap = WMEMO_MIN;
	m->v = xcalloc(m->cap, sizeof(*m->v));
	m->ids = hashmap_new(64);
	return m;
}

void
wmemo_free(struct wmemo *m)
{
	if (m == NULL)
		return;
	free(m->v);
	hashmap_free(m->ids, NULL);
	free(m);
}

static int
forget_id(const char *key, void *value, void *arg)
{
	(void)key;
	(void)value;
	(void)arg;
	return 1;
}

void
wmemo_clear(struct wmemo *m)
{
	if (m == NULL)
		return;
	memset(m->v, 0, m->cap * sizeof(*m->v));
	m->n = 0;
	hashmap_foreach(m->ids, forget_id, NULL, NULL);
}

int64_t
wmemo_device_id(const struct wmemo *m, const char *device)
{
	return m ? (int64_t)(intptr_t)hashmap_get(m->ids, device) : 0;
}

void
wmemo_set_device_id(struct wmemo *m, const char *device, int64_t id)
{
	if (m == NULL)
		return;
	if (id == 0 || id > INTPTR_MAX || id < 0)
		hashmap_remove(m->ids, device);
	else
		hashmap_put(m->ids, device, (void *)(intptr_t)id);
}

size_t
wmemo_count(const struct wmemo *m)
{
	return m ? m->n : 0;
}

/* Slots in a neighbourhood: 512 bytes, room for the values of a row. */
#define HOOD	32

/*
 * The key's high half picks its neighbourhood, the low half its slot in it;
 * linear probing from there stays in (or next to) the neighbourhood.
 */
static struct slot *
find(struct slot *v, size_t cap, uint64_t key)
{
	uint64_t hi = (key >> 32) * 0x9e3779b97f4a7c15ULL;
	size_t i = (size_t)((hi >> 32) * HOOD + (key & (HOOD - 1))) & (cap - 1);

	while (v[i].key != 0 && v[i].key != key)
		i = (i + 1) & (cap - 1);
	return &v[i];
}

static void
grow(struct wmemo *m)
{
	size_t cap = m->cap * 2;
	struct slot *v = xcalloc(cap, sizeof(*v));

	for (size_t i = 0; i < m->cap; i++)
		if (m->v[i].key != 0)
			*find(v, cap, m->v[i].key) = m->v[i];
	free(m->v);
	m->v = v;
	m->cap = cap;
}

enum wmemo_verdict
wmemo_check(struct wmemo *m, uint64_t key, uint32_t fp, uint8_t meta, int64_t now,
    unsigned max_age)
{
	struct slot *s;
	uint32_t t = (uint32_t)now & WHEN_MASK;
	enum wmemo_verdict v = WMEMO_WRITE;

	if (key == 0)
		key = 1;
	s = find(m->v, m->cap, key);
	if (s->key == key && ((t - s->when) & WHEN_MASK) < max_age && s->meta == meta) {
		if (s->fp == fp)
			return WMEMO_SKIP;
		v = WMEMO_VALUE;
	}
	if (s->key == 0) {
		if ((m->n + 1) * 2 > m->cap) {
			grow(m);
			s = find(m->v, m->cap, key);
		}
		m->n++;
	}
	s->key = key;
	s->fp = fp;
	s->meta = meta;
	/* a full write is due max_age after the last one, not after the last value */
	if (v == WMEMO_WRITE)
		s->when = t;
	return v;
}
