/* One log module: stderr until daemonised, then syslog. Each line says who. */
#ifndef NOCD_LOG_H
#define NOCD_LOG_H

#include <stdarg.h>
#include <stdint.h>
#include <time.h>

enum log_level { LOG_LVL_ERR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_init(const char *ident, int to_stderr, int verbose);
void log_to_syslog(void);
void log_set_verbose(int verbose);
int log_get_verbose(void);

/* log_warn appends strerror(errno); log_warnx does not. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * A rate limit for messages caused by the network: at most `burst` lines per
 * `interval` seconds; the lines dropped are counted and reported once the
 * window reopens.
 */
struct log_ratelimit {
	time_t window_start;
	unsigned interval;
	unsigned burst;
	unsigned used;
	uint64_t suppressed;
};
#define LOG_RATELIMIT_INIT(interval, burst) { 0, (interval), (burst), 0, 0 }

void log_limited(struct log_ratelimit *rl, enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
