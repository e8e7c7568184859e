#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "util.h"

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		fatal("calloc");
	return p;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	void *q;

	if (size && n > SIZE_MAX / size)
		fatalx("reallocarray: overflow");
	q = realloc(p, (n * size) != 0 ? n * size : 1);
	if (q == NULL)
		fatal("realloc");
	return q;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		fatal("strdup");
	return p;
}

size_t
nocd_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len >= size ? size - 1 : len;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

int
copy_string(char *dst, size_t size, const char *src)
{
	if (nocd_strlcpy(dst, src, size) >= size)
		return -1;
	return 0;
}

uint64_t
fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ULL;
	}
	return h;
}

uint64_t
fnv1a_str(uint64_t h, const char *s)
{
	return fnv1a(h, s ? s : "", s ? strlen(s) + 1 : 1);
}

int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double
wall_time(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void
iso8601_utc(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static long
unit_seconds(const char *u)
{
	if (*u == '\0' || strcmp(u, "s") == 0)
		return 1;
	if (strcmp(u, "min") == 0)
		return 60;
	if (strcmp(u, "h") == 0)
		return 3600;
	if (strcmp(u, "d") == 0)
		return 86400;
	if (strcmp(u, "w") == 0)
		return 7 * 86400;
	if (strcmp(u, "m") == 0 || strcmp(u, "mon") == 0)
		return 30 * 86400;
	if (strcmp(u, "y") == 0)
		return 365 * 86400;
	return -1;
}

int
parse_duration(const char *s, long *secs)
{
	char *end;
	long n, unit;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || n < 0)
		return -1;
	unit = unit_seconds(end);
	if (unit < 0 || n > 200L * 365 * 86400 / unit)
		return -1;
	*secs = n * unit;
	return 0;
}

int
parse_time_spec(const char *s, time_t now, time_t *out)
{
	long secs;

	if (s == NULL || *s == '\0')
		return -1;
	if (strcmp(s, "now") == 0) {
		*out = now;
		return 0;
	}
	if (*s == '-' || *s == '+') {
		if (parse_duration(s + 1, &secs) < 0)
			return -1;
		*out = *s == '-' ? now - secs : now + secs;
		return 0;
	}
	/* a bare number of 9 or more digits is an absolute epoch time */
	if (strspn(s, "0123456789") == strlen(s) && strlen(s) >= 9) {
		*out = (time_t)strtoll(s, NULL, 10);
		return 0;
	}
	/* a date and time: local time, or UTC with a Z */
	if (strlen(s) >= 10 && s[4] == '-' && s[7] == '-') {
		static const char *const fmts[] = { "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M",
			"%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d" };

		for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
			struct tm tm;
			const char *end;

			memset(&tm, 0, sizeof(tm));
			if ((end = strptime(s, fmts[i], &tm)) == NULL ||
			    (*end != '\0' && strcmp(end, "Z") != 0))
				continue;
			tm.tm_isdst = -1;
			*out = *end == 'Z' ? timegm(&tm) : mktime(&tm);
			return *out == (time_t)-1 ? -1 : 0;
		}
		return -1;
	}
	if (parse_duration(s, &secs) < 0)
		return -1;
	*out = now - secs;
	return 0;
}

int
mkdir_p(const char *path, mode_t mode)
{
	char buf[4096];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Length of the well-formed UTF-8 sequence at p, or 0. */
size_t
utf8_seq_len(const unsigned char *p)
{
	size_t n;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) ||
	    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f))
		return 0;
	return n;
}
