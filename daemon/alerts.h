/*
 * Alerts to duty staff. Ticket changes (opened, reopened, escalated,
 * resolved) become notices once they are committed; every channel whose
 * filters take a notice (severities, categories, devices, hours, events)
 * gets it on its own queue and thread, so a channel that hangs or fails
 * delays nobody else. Sending is retried with back-off; every attempt and
 * its outcome is recorded in the database.
 *
 * Channels: command (argv, the notice as JSON on standard input, no shell),
 * email (SMTP through libcurl), webhook (HTTP POST of JSON through libcurl),
 * syslog (RFC 5424 to a central server over UDP or TCP).
 */
#ifndef NOCD_ALERTS_H
#define NOCD_ALERTS_H

#include <stdint.h>
#include <time.h>

/* What happened to a ticket. */
struct notice {
	long long ticket;
	char event[16];		/* "opened" "reopened" "escalated" "resolved" */
	char device[64];
	char rule[32];
	char instance[64];
	char category[16];
	int severity;
	char state[16];
	char title[256];
	time_t time;
	int64_t received_ms;	/* monotonic ms when what caused it arrived (0 = unknown) */
};

struct nocd_conf;
struct config_setting_t;

/* Start the channels of the config (again, after a reload). */
int alerts_start(const struct nocd_conf *conf);
void alerts_stop(void);
/* Queue committed notices (called by the store thread after its commit). */
void alerts_submit(const struct notice *v, size_t n);

/* nocd.conf's `alerts` group: channels checked, errors "FILE:LINE: message". */
struct alert_conf;
int alerts_parse(struct config_setting_t *g, const char *path, struct alert_conf **out,
	char *err, size_t errlen);
void alerts_conf_free(struct alert_conf *c);
int alerts_conf_differs(const struct alert_conf *a, const struct alert_conf *b);

struct alerts_stats {
	uint64_t notices, sent, failed, retried, filtered;
};
void alerts_get_stats(struct alerts_stats *s);

#endif
