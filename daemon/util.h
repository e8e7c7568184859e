/* Small helpers every module uses: bounded strings, time, directories. */
#ifndef NOCD_UTIL_H
#define NOCD_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void *xcalloc(size_t n, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);

/* Copy with truncation; always NUL-terminates; returns strlen(src). */
size_t nocd_strlcpy(char *dst, const char *src, size_t size);
/* Like nocd_strlcpy but fails (-1) instead of truncating. */
int copy_string(char *dst, size_t size, const char *src);

/*
 * FNV-1a over bytes, streaming from h: keys for tables and names kept
 * apart, never for security. FNV_SEED is the published offset basis;
 * older callers pass the seed their stored names were made with.
 */
#define FNV_SEED 14695981039346656037ULL
uint64_t fnv1a(uint64_t h, const void *p, size_t n);
uint64_t fnv1a_str(uint64_t h, const char *s);	/* the string and its NUL; NULL as "" */

int64_t mono_ms(void);                 /* CLOCK_MONOTONIC in milliseconds */
double wall_time(void);                /* CLOCK_REALTIME in seconds */
void iso8601_utc(time_t t, char *buf, size_t len);   /* 2026-11-24T06:00:00Z */

/*
 * Parse a time spec as rrdtool and nocctl users write it: "now", an absolute
 * epoch ("1700000000"), or a signed offset from now with a unit s/min/h/d/w/m/y
 * ("-1d", "30d", "-2h"). An unsigned offset counts back from now, as in
 * "--since 30d". Returns 0 and sets *out, or -1.
 */
int parse_time_spec(const char *s, time_t now, time_t *out);
/* Parse a duration "30d", "1h", "90", into seconds; -1 on error. */
int parse_duration(const char *s, long *secs);

int mkdir_p(const char *path, mode_t mode);

/* Write a message into a caller's error buffer (err may be NULL). */
void set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Length of the well-formed UTF-8 sequence at p (1 to 4), or 0. */
size_t utf8_seq_len(const unsigned char *p);

#endif
