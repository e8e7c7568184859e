/*
 * Syslog ingest: UDP (one message per datagram), TCP (RFC 6587 octet
 * counting or LF framing, detected per connection) and RELP (librelp, in a
 * thread of its own; a message is acknowledged only once it is committed to
 * disk, and one resent after a broken session is stored once), RFC 3164 and RFC 5424
 * detected per message. Messages become events; the syslog rules (data
 * file) give matching lines a type, a severity and a ticket to open or
 * clear. Sockets are bound while nocd is still root (syslogd_open).
 *
 * When the store cannot keep up, UDP input is dropped and counted; TCP
 * connections stop being read (back-pressure) until it can.
 */
#ifndef NOCD_SYSLOGD_H
#define NOCD_SYSLOGD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "trapd.h"

struct evloop;
struct nocd_conf;
struct syslogd;

struct syslogd *syslogd_open(const struct nocd_conf *conf, char *err, size_t errlen);
int syslogd_start(struct syslogd *s, struct evloop *loop, const struct nocd_conf *conf,
	trapd_lookup_fn lookup, void *lookup_arg);
void syslogd_reconfigure(struct syslogd *s, const struct nocd_conf *conf);
void syslogd_free(struct syslogd *s);

struct syslogd_stats {
	uint64_t received, stored, malformed, too_long, rate_limited, dropped_queue;
	uint64_t connections, connections_refused, idle_closed;
	uint64_t relp_acked, relp_failed;
	uint64_t storms;		/* storms begun (one ticket each for a known device) */
};
void syslogd_get_stats(struct syslogd *s, struct syslogd_stats *st);

/* A parsed message (pointers into the caller's buffer, which is modified). */
struct syslog_msg {
	int facility, severity;		/* -1 when there was no PRI */
	int rfc5424;
	time_t time;			/* 0 when absent or unparsable */
	const char *hostname, *app, *procid, *msgid, *sd, *text;
};
/* Parse one message of len bytes (NUL-terminated in place). Never fails:
 * what cannot be parsed ends up in text. Returns 1 if it had a valid PRI. */
int syslog_parse(char *buf, size_t len, struct syslog_msg *m);

/* TCP framing: how much of buf makes the next message. Returns 1 with the
 * message's start and length and the bytes consumed, 0 if more is needed,
 * -1 when the frame is broken or longer than max (close the connection). */
int syslog_frame(const char *buf, size_t len, size_t max, size_t *msg_off, size_t *msg_len,
	size_t *consumed);

/* The syslog rules file: errors name file and line. */
int syslogd_check_rules(const char *path, char *err, size_t errlen);

/* Text every match of the extended regular expression contains (for tests). */
void syslog_regex_literal(const char *re, char *out, size_t len);

#endif
