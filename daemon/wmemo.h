/*
 * What the database already holds of each metric value, so that the writer
 * skips a value that has not changed since it was last written (a poll
 * rewrites most values unchanged: error counters at zero, idle ports, status
 * and speed). A value is still written at least every max_age seconds, so its
 * `updated` time stays recent while the device answers.
 *
 * 16 bytes per metric: a 64-bit hash of device, group, instance and metric
 * name, a 32-bit fingerprint of the value written, an 8-bit one of what the
 * row says about it (label, unit), and when (24 bits of seconds). A hash
 * collision delays a write by at most max_age. The writer clears the memo
 * whenever the database may no longer hold what it says (a failed
 * transaction, a device removed).
 *
 * It also keeps each device's row id by name, so that a poll's device row
 * is updated by its id, not looked up by name and returned (cleared with
 * the rest).
 */
#ifndef NOCD_WMEMO_H
#define NOCD_WMEMO_H

#include <stddef.h>
#include <stdint.h>

struct wmemo;

struct wmemo *wmemo_new(void);
void wmemo_free(struct wmemo *m);
void wmemo_clear(struct wmemo *m);
size_t wmemo_count(const struct wmemo *m);

/*
 * A key from the hash of what groups values (one row of a poll: device,
 * metric group and instance) and the hash of the value's own name: keys of
 * one row sit in a few neighbouring cache lines of the table, so a poll's
 * values are looked up in a few lines per row instead of one line each at
 * random across the table (cold after the device's interval).
 */
static inline uint64_t
wmemo_key(uint64_t group, uint64_t item)
{
	return (group & 0xffffffff00000000ULL) | ((item ^ (item >> 32)) & 0xffffffffULL);
}

enum wmemo_verdict {
	WMEMO_WRITE,	/* new, label or unit changed, or max_age since the last full write */
	WMEMO_SKIP,	/* unchanged since it was written, within max_age of the full write */
	WMEMO_VALUE	/* only the value changed, within max_age of the full write */
};

/*
 * Keys are wmemo_key() of fnv1a() / fnv1a_str() (util.h) hashes; `fp` is such
 * a hash of the value, `meta` one of what goes with it (any 8 bits of one).
 * Anything but WMEMO_SKIP records the value as written now. WMEMO_VALUE
 * means that the row is there (it was written by this memo's writer since
 * the memo was last cleared) and holds this meta: updating the value alone
 * is enough. An 8-bit meta that collides makes a changed label wait for the
 * next full write, at most max_age.
 */
enum wmemo_verdict wmemo_check(struct wmemo *m, uint64_t key, uint32_t fp, uint8_t meta,
    int64_t now, unsigned max_age);

/* The device's row id as this memo's writer last found it; 0 when not known. */
int64_t wmemo_device_id(const struct wmemo *m, const char *device);
/* Remember it (an id of 0 forgets the device). */
void wmemo_set_device_id(struct wmemo *m, const char *device, int64_t id);

#endif
