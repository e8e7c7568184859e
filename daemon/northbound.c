#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/library/large_fd_set.h>

#include "alerts.h"
#include "conf.h"
#include "evloop.h"
#include "log.h"
#include "northbound.h"
#include "rules.h"
#include "snmpsess.h"
#include "util.h"

#define TICK_MS 100
#define QUEUE_MAX 1000

/* NOCD-MIB: enterprises.32473.60 (see mibs/NOCD-MIB.txt) */
#define NOCD_MIB 1, 3, 6, 1, 4, 1, 32473, 60
static const oid sysuptime_oid[] = { 1, 3, 6, 1, 2, 1, 1, 3, 0 };
static const oid snmptrap_oid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 };

static const char *const notice_events[] = { "opened", "reopened", "escalated", "resolved", NULL };
static const char *const categories[] = { "hardware", "environment", "power", "availability",
	"performance", "capacity", "security", "inspection", NULL };
static const char *const states[] = { "open", "acknowledged", "assigned", "resolved", "closed",
	NULL };

static long
index_of(const char *const *list, const char *s)
{
	for (long i = 0; list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return i + 1;
	return 0;
}

static int
add_scalar(netsnmp_pdu *pdu, unsigned column, u_char type, const void *val, size_t len)
{
	oid name[] = { NOCD_MIB, 1, 0, 0 };

	name[OID_LENGTH(name) - 2] = column;
	return snmp_pdu_add_variable(pdu, name, OID_LENGTH(name), type, val, len) ? 0 : -1;
}

static int
add_string(netsnmp_pdu *pdu, unsigned column, const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	return add_scalar(pdu, column, ASN_OCTET_STR, s, n);
}

struct snmp_pdu *
northbound_pdu(const struct notice *n, int inform)
{
	oid trap[] = { NOCD_MIB, 0, 0 };
	netsnmp_pdu *pdu;
	u_long up, id;
	long event, category, severity, state;
	char when[32];

	event = index_of(notice_events, n->event);
	if (event == 0)
		return NULL;
	trap[OID_LENGTH(trap) - 1] = (oid)event;
	category = index_of(categories, n->category);
	/* critical(1) .. info(5) */
	severity = n->severity >= SEV_INFO && n->severity <= SEV_CRITICAL ?
	    SEV_CRITICAL + 1 - n->severity : 5;
	state = index_of(states, n->state);
	id = (u_long)n->ticket;
	up = (u_long)get_uptime();	/* centiseconds since nocd started */
	iso8601_utc(n->time, when, sizeof(when));
	pdu = snmp_pdu_create(inform ? SNMP_MSG_INFORM : SNMP_MSG_TRAP2);
	if (pdu == NULL)
		return NULL;
	if (!snmp_pdu_add_variable(pdu, sysuptime_oid, OID_LENGTH(sysuptime_oid), ASN_TIMETICKS,
	    &up, sizeof(up)) ||
	    !snmp_pdu_add_variable(pdu, snmptrap_oid, OID_LENGTH(snmptrap_oid), ASN_OBJECT_ID,
	    trap, sizeof(trap)) ||
	    add_scalar(pdu, 1, ASN_UNSIGNED, &id, sizeof(id)) < 0 ||
	    add_string(pdu, 2, n->device, 64) < 0 ||
	    add_string(pdu, 3, n->rule, 32) < 0 ||
	    add_string(pdu, 4, n->instance[0] ? n->instance : "_", 64) < 0 ||
	    (category && add_scalar(pdu, 5, ASN_INTEGER, &category, sizeof(category)) < 0) ||
	    add_scalar(pdu, 6, ASN_INTEGER, &severity, sizeof(severity)) < 0 ||
	    (state && add_scalar(pdu, 7, ASN_INTEGER, &state, sizeof(state)) < 0) ||
	    add_string(pdu, 8, n->title, 255) < 0 ||
	    add_string(pdu, 9, when, 20) < 0) {
		snmp_free_pdu(pdu);
		return NULL;
	}
	return pdu;
}

/* --- requests, handed from channel threads to the loop --- */

struct req {
	struct device_conf dev;
	int inform, timeout_ms;
	struct notice n;
	/* the waiting thread and the loop both hold it; the last one frees it */
	int refs, done, rc;
	char why[200];
	pthread_cond_t cond;
	struct req *next;
	/* on the loop */
	void *sess;
	int fd, discovering, finished;
	int reqid;			/* the request whose answer counts */
	int resent;			/* once, after "not in time window" */
	int64_t deadline, retry_at;
	struct ev_timer *tick;
	struct req *aprev, *anext;	/* started and not yet closed */
};

static struct {
	pthread_mutex_t lock;
	struct evloop *loop;
	int pipe[2];
	int running;
	struct req *head, *tail;
	size_t queued;
	struct req *active;		/* loop only */
	netsnmp_large_fd_set fdset;
	struct log_ratelimit rl;
} nb = { .lock = PTHREAD_MUTEX_INITIALIZER, .pipe = { -1, -1 },
	.rl = LOG_RATELIMIT_INIT(60, 5) };

static void
req_unref_locked(struct req *r)
{
	if (--r->refs == 0) {
		pthread_cond_destroy(&r->cond);
		explicit_bzero(&r->dev, sizeof(r->dev));
		free(r);
	}
}

/* Loop: the outcome, then the session closed from a timer (never from
 * inside the library's own callback). */
static void req_tick(void *arg);
static int send_notification(struct req *r);

static void
req_finish(struct req *r, int rc, const char *why)
{
	if (r->finished)
		return;
	log_debug("northbound %s: %s", r->dev.name, rc == 0 ? "sent" : why);
	r->finished = 1;
	pthread_mutex_lock(&nb.lock);
	r->done = 1;
	r->rc = rc;
	nocd_strlcpy(r->why, why ? why : "", sizeof(r->why));
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&nb.lock);
	if (r->tick)
		evloop_timer_cancel(nb.loop, r->tick);
	r->tick = evloop_timer_at(nb.loop, mono_ms(), req_tick, r);
}

static void
req_close(struct req *r)
{
	if (r->tick) {
		evloop_timer_cancel(nb.loop, r->tick);
		r->tick = NULL;
	}
	if (r->sess) {
		evloop_del_fd(nb.loop, r->fd);
		snmpsess_close(r->sess);
		r->sess = NULL;
	}
	if (r->aprev)
		r->aprev->anext = r->anext;
	else
		nb.active = r->anext;
	if (r->anext)
		r->anext->aprev = r->aprev;
	pthread_mutex_lock(&nb.lock);
	req_unref_locked(r);
	pthread_mutex_unlock(&nb.lock);
}

static void
req_tick(void *arg)
{
	struct req *r = arg;
	int64_t now = mono_ms();

	r->tick = NULL;
	if (r->finished) {
		req_close(r);
		return;
	}
	if (now >= r->deadline) {
		req_finish(r, -1, r->discovering ? "engine discovery: no answer" :
		    r->inform ? "no acknowledgement" : "timeout");
		return;
	}
	/*
	 * The library takes the engine ID from the receiver's first Report and
	 * resends the probe by itself; a receiver may not answer that one
	 * (snmptrapd does not). The engine ID is what discovery is for.
	 */
	if (r->discovering && !snmpsess_needs_discovery(r->sess)) {
		char err[160];

		r->discovering = 0;
		if (snmpsess_discovery_done(r->sess, NULL, err, sizeof(err)) < 0) {
			req_finish(r, -1, err);
			return;
		}
		if (send_notification(r) < 0) {
			req_finish(r, -1, "cannot send the inform");
			return;
		}
		r->retry_at = now + snmp_sess_session(r->sess)->timeout / 1000;
	}
	if (now >= r->retry_at) {
		netsnmp_session *s = snmp_sess_session(r->sess);

		r->retry_at = now + s->timeout / 1000;
		snmp_sess_timeout(r->sess);	/* resends, or times the request out */
		if (r->finished)
			return;
	}
	r->tick = evloop_timer_at(nb.loop, now + TICK_MS, req_tick, r);
}

static int
response_cb(int op, netsnmp_session *session, int reqid, netsnmp_pdu *pdu, void *magic)
{
	struct req *r = magic;
	char err[160];

	(void)session;
	if (r->finished || op == NETSNMP_CALLBACK_OP_RESEND || op == NETSNMP_CALLBACK_OP_CONNECT)
		return 1;
	/*
	 * A Report about the inform that the library could not match to it
	 * (no request ID: the receiver could not read the scoped PDU). Not in
	 * time window: the library has taken the receiver's boots and time
	 * from it, send again once. Anything else refuses it now.
	 */
	if (!r->discovering && reqid == 0 && pdu && pdu->command == SNMP_MSG_REPORT) {
		const char *reason = snmpsess_report_reason(pdu);

		if (strcmp(reason, "not in time window") == 0 && !r->resent) {
			r->resent = 1;
			if (send_notification(r) < 0)
				req_finish(r, -1, "cannot send the inform");
		} else {
			snprintf(err, sizeof(err), "refused: %s", reason);
			req_finish(r, -1, err);
		}
		return 1;
	}
	/* the probe's own end after discovery went on without it (see req_tick) */
	if (reqid != r->reqid)
		return 1;
	if (r->discovering) {
		netsnmp_pdu *report = pdu && pdu->command == SNMP_MSG_REPORT ? pdu : NULL;

		r->discovering = 0;
		if ((report != NULL || (op != NETSNMP_CALLBACK_OP_TIMED_OUT &&
		    !snmpsess_needs_discovery(r->sess))) &&
		    snmpsess_discovery_done(r->sess, report, err, sizeof(err)) == 0) {
			if (send_notification(r) < 0)
				req_finish(r, -1, "cannot send the inform");
		} else {
			req_finish(r, -1, op == NETSNMP_CALLBACK_OP_TIMED_OUT ?
			    "engine discovery: no answer" : "engine discovery failed");
		}
		return 1;
	}
	if (op == NETSNMP_CALLBACK_OP_TIMED_OUT) {
		req_finish(r, -1, "no acknowledgement");
	} else if (op != NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE || pdu == NULL) {
		req_finish(r, -1, "send failed");
	} else if (pdu->command == SNMP_MSG_REPORT) {
		snprintf(err, sizeof(err), "refused: %s", snmpsess_report_reason(pdu));
		req_finish(r, -1, err);
	} else if (pdu->errstat != SNMP_ERR_NOERROR) {
		snprintf(err, sizeof(err), "refused: %s", snmp_errstring((int)pdu->errstat));
		req_finish(r, -1, err);
	} else {
		req_finish(r, 0, "");
	}
	return 1;
}

static int
send_notification(struct req *r)
{
	netsnmp_pdu *pdu = northbound_pdu(&r->n, r->inform);

	if (pdu == NULL)
		return -1;
	if (!r->inform && r->dev.version == SNMP_V3) {
		netsnmp_session *s = snmp_sess_session(r->sess);

		/* a v3 trap: nocd is the authoritative engine (RFC 3414 1.5.1) */
		set_enginetime(s->securityEngineID, (u_int)s->securityEngineIDLen, 1,
		    (u_int)(get_uptime() / 100), TRUE);
	}
	if (r->inform) {
		if ((r->reqid = snmp_sess_async_send(r->sess, pdu, response_cb, r)) == 0) {
			snmp_free_pdu(pdu);
			return -1;
		}
		return 0;
	}
	if (snmp_sess_send(r->sess, pdu) == 0) {
		snmp_free_pdu(pdu);
		return -1;
	}
	req_finish(r, 0, "");	/* a trap is sent and forgotten */
	return 0;
}

static void
readable(int fd, uint32_t events, void *arg)
{
	struct req *r = arg;

	(void)events;
	if (r->finished || r->sess == NULL)
		return;
	if (nb.fdset.lfs_setsize <= (unsigned)fd)
		netsnmp_large_fd_set_resize(&nb.fdset, fd + 64);
	NETSNMP_LARGE_FD_ZERO(&nb.fdset);
	NETSNMP_LARGE_FD_SET(fd, &nb.fdset);
	if (snmp_sess_read2(r->sess, &nb.fdset) < 0)
		log_limited(&nb.rl, LOG_LVL_DEBUG, "northbound %s: unreadable answer",
		    r->dev.address);
	NETSNMP_LARGE_FD_CLR(fd, &nb.fdset);
}

static void
start(struct req *r)
{
	char err[200];
	int per_try = r->timeout_ms < 2000 ? r->timeout_ms : 2000;
	int retries = r->inform ? r->timeout_ms / per_try - 1 : 0;

	r->anext = nb.active;
	if (nb.active)
		nb.active->aprev = r;
	nb.active = r;
	r->deadline = mono_ms() + r->timeout_ms;
	r->sess = snmpsess_open(&r->dev, per_try, retries < 0 ? 0 : retries > 4 ? 4 : retries,
	    response_cb, r, err, sizeof(err));
	if (r->sess == NULL) {
		req_finish(r, -1, err);
		return;
	}
	r->fd = snmpsess_fd(r->sess);
	if (evloop_add_fd(nb.loop, r->fd, EPOLLIN, readable, r) < 0) {
		snmpsess_close(r->sess);
		r->sess = NULL;
		req_finish(r, -1, "cannot watch the socket");
		return;
	}
	r->retry_at = mono_ms() + per_try;
	if (r->inform && snmpsess_needs_discovery(r->sess)) {
		netsnmp_pdu *probe = snmpsess_discovery_pdu();

		r->discovering = 1;
		if ((r->reqid = snmp_sess_async_send(r->sess, probe, response_cb, r)) == 0) {
			snmp_free_pdu(probe);
			req_finish(r, -1, "cannot send engine discovery");
			return;
		}
	} else if (send_notification(r) < 0) {
		req_finish(r, -1, "cannot send");
		return;
	}
	if (!r->finished)
		r->tick = evloop_timer_at(nb.loop, mono_ms() + TICK_MS, req_tick, r);
}

static void
woken(int fd, uint32_t events, void *arg)
{
	char buf[256];
	struct req *list;

	(void)events;
	(void)arg;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&nb.lock);
	list = nb.head;
	nb.head = nb.tail = NULL;
	nb.queued = 0;
	pthread_mutex_unlock(&nb.lock);
	while (list) {
		struct req *r = list;

		list = r->next;
		r->next = NULL;
		start(r);
	}
}

int
northbound_start(struct evloop *loop)
{
	if (pipe2(nb.pipe, O_NONBLOCK | O_CLOEXEC) < 0)
		return -1;
	nb.loop = loop;
	netsnmp_large_fd_set_init(&nb.fdset, 1024);
	if (evloop_add_fd(loop, nb.pipe[0], EPOLLIN, woken, NULL) < 0) {
		close(nb.pipe[0]);
		close(nb.pipe[1]);
		nb.pipe[0] = nb.pipe[1] = -1;
		return -1;
	}
	pthread_mutex_lock(&nb.lock);
	nb.running = 1;
	pthread_mutex_unlock(&nb.lock);
	return 0;
}

/* On the loop's thread once it has stopped: whatever is queued or under
 * way ends as "nocd is stopping", and its waiter is woken. */
void
northbound_stop(void)
{
	struct req *list;

	pthread_mutex_lock(&nb.lock);
	if (!nb.running) {
		pthread_mutex_unlock(&nb.lock);
		return;
	}
	nb.running = 0;
	list = nb.head;
	nb.head = nb.tail = NULL;
	pthread_mutex_unlock(&nb.lock);
	while (list) {
		struct req *r = list;

		list = r->next;
		r->next = NULL;
		pthread_mutex_lock(&nb.lock);
		r->done = 1;
		r->rc = -1;
		nocd_strlcpy(r->why, "nocd is stopping", sizeof(r->why));
		pthread_cond_signal(&r->cond);
		req_unref_locked(r);
		pthread_mutex_unlock(&nb.lock);
	}
	while (nb.active) {
		struct req *r = nb.active;

		req_finish(r, -1, "nocd is stopping");
		req_close(r);
	}
	evloop_del_fd(nb.loop, nb.pipe[0]);
	close(nb.pipe[0]);
	close(nb.pipe[1]);
	nb.pipe[0] = nb.pipe[1] = -1;
	netsnmp_large_fd_set_cleanup(&nb.fdset);
}

void
northbound_abandon(void)
{
	pthread_mutex_lock(&nb.lock);
	for (int k = 0; k < 2; k++)
		for (struct req *r = k ? nb.active : nb.head; r; r = k ? r->anext : r->next)
			if (!r->done) {
				r->done = 1;
				r->rc = -1;
				nocd_strlcpy(r->why, "channel restarting", sizeof(r->why));
				pthread_cond_signal(&r->cond);
			}
	pthread_mutex_unlock(&nb.lock);
}

int
northbound_send(const struct device_conf *d, int inform, const struct notice *n,
    int timeout_ms, char *why, size_t wlen)
{
	struct req *r = xcalloc(1, sizeof(*r));
	struct timespec until;
	int rc = -1;

	r->dev = *d;
	r->inform = inform;
	r->timeout_ms = timeout_ms > 0 ? timeout_ms : 5000;
	r->n = *n;
	r->refs = 2;
	r->fd = -1;
	pthread_cond_init(&r->cond, NULL);
	pthread_mutex_lock(&nb.lock);
	if (!nb.running || nb.queued >= QUEUE_MAX) {
		snprintf(why, wlen, nb.running ? "northbound queue full" : "nocd is stopping");
		r->refs = 1;
		req_unref_locked(r);
		pthread_mutex_unlock(&nb.lock);
		return -1;
	}
	if (nb.tail)
		nb.tail->next = r;
	else
		nb.head = r;
	nb.tail = r;
	nb.queued++;
	if (write(nb.pipe[1], "", 1) < 0 && errno != EAGAIN)
		log_limited(&nb.rl, LOG_LVL_WARN, "northbound: cannot wake the loop: %s",
		    strerror(errno));
	/* the loop's own deadline ends the request; this one is a backstop */
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += r->timeout_ms / 1000 + 5;
	while (!r->done)
		if (pthread_cond_timedwait(&r->cond, &nb.lock, &until) == ETIMEDOUT)
			break;
	if (r->done) {
		rc = r->rc;
		snprintf(why, wlen, "%s", r->why);
	} else {
		snprintf(why, wlen, "no outcome from the event loop");
	}
	req_unref_locked(r);
	pthread_mutex_unlock(&nb.lock);
	return rc;
}
