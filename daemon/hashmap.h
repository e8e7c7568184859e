/* A string-keyed hash map (open addressing). Keys are copied; values are
 * the caller's. Used for per-device instance state and table rows. */
#ifndef NOCD_HASHMAP_H
#define NOCD_HASHMAP_H

#include <stddef.h>

struct hashmap;

struct hashmap *hashmap_new(size_t hint);
/* free_value (may be NULL) is called on every value still held. */
void hashmap_free(struct hashmap *m, void (*free_value)(void *));
void *hashmap_get(const struct hashmap *m, const char *key);
/* Insert or replace; returns the previous value or NULL. */
void *hashmap_put(struct hashmap *m, const char *key, void *value);
void *hashmap_remove(struct hashmap *m, const char *key);
size_t hashmap_count(const struct hashmap *m);
/* Visit every entry; the callback may not change the map, except that
 * returning 1 removes the visited entry (its value is passed to free_value). */
void hashmap_foreach(struct hashmap *m, int (*fn)(const char *key, void *value, void *arg),
	void *arg, void (*free_value)(void *));

#endif
