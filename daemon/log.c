#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <pthread.h>

#include "log.h"

static const char *log_ident = "nocd";
static int log_stderr = 1;
static int log_verbose;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void
log_init(const char *ident, int to_stderr, int verbose)
{
	log_ident = ident;
	log_stderr = to_stderr;
	log_verbose = verbose;
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_to_syslog(void)
{
	if (log_stderr) {
		log_stderr = 0;
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	}
}

void
log_set_verbose(int verbose)
{
	log_verbose = verbose;
}

int
log_get_verbose(void)
{
	return log_verbose;
}

static const char *
level_name(enum log_level lvl)
{
	switch (lvl) {
	case LOG_LVL_ERR: return "error";
	case LOG_LVL_WARN: return "warning";
	case LOG_LVL_INFO: return "info";
	default: return "debug";
	}
}

static int
level_priority(enum log_level lvl)
{
	switch (lvl) {
	case LOG_LVL_ERR: return LOG_ERR;
	case LOG_LVL_WARN: return LOG_WARNING;
	case LOG_LVL_INFO: return LOG_INFO;
	default: return LOG_DEBUG;
	}
}

static void
log_emit(enum log_level lvl, const char *msg)
{
	if (lvl == LOG_LVL_DEBUG && !log_verbose)
		return;
	if (log_stderr) {
		time_t now = time(NULL);
		struct tm tm;
		char ts[32];

		gmtime_r(&now, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
		pthread_mutex_lock(&log_lock);
		fprintf(stderr, "%s %s[%s]: %s\n", ts, log_ident, level_name(lvl), msg);
		fflush(stderr);
		pthread_mutex_unlock(&log_lock);
	} else {
		syslog(level_priority(lvl), "%s", msg);
	}
}

static void
log_vemit(enum log_level lvl, int with_errno, const char *fmt, va_list ap)
{
	char buf[1024];
	int saved = errno;
	int n;

	if (lvl == LOG_LVL_DEBUG && !log_verbose)
		return;
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (with_errno && n >= 0 && (size_t)n < sizeof(buf))
		snprintf(buf + n, sizeof(buf) - (size_t)n, ": %s", strerror(saved));
	log_emit(lvl, buf);
	errno = saved;
}

#define LOG_FN(name, lvl, with_errno)			\
	void name(const char *fmt, ...)			\
	{						\
		va_list ap;				\
		va_start(ap, fmt);			\
		log_vemit(lvl, with_errno, fmt, ap);	\
		va_end(ap);				\
	}

LOG_FN(log_warn, LOG_LVL_WARN, 1)
LOG_FN(log_warnx, LOG_LVL_WARN, 0)
LOG_FN(log_info, LOG_LVL_INFO, 0)
LOG_FN(log_debug, LOG_LVL_DEBUG, 0)

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_LVL_ERR, 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_LVL_ERR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

void
log_limited(struct log_ratelimit *rl, enum log_level lvl, const char *fmt, ...)
{
	time_t now = time(NULL);
	va_list ap;

	pthread_mutex_lock(&log_lock);
	if (now - rl->window_start >= (time_t)rl->interval) {
		uint64_t dropped = rl->suppressed;

		rl->window_start = now;
		rl->used = 0;
		rl->suppressed = 0;
		pthread_mutex_unlock(&log_lock);
		if (dropped)
			log_emit(LOG_LVL_WARN, "rate limit: similar messages suppressed");
		pthread_mutex_lock(&log_lock);
	}
	if (rl->used >= rl->burst) {
		rl->suppressed++;
		pthread_mutex_unlock(&log_lock);
		return;
	}
	rl->used++;
	pthread_mutex_unlock(&log_lock);
	va_start(ap, fmt);
	log_vemit(lvl, 0, fmt, ap);
	va_end(ap);
}
