#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "conf.h"
#include "counter.h"
#include "evloop.h"
#include "hashmap.h"
#include "log.h"
#include "poller.h"
#include "probe.h"
#include "rules.h"
#include "snmpsess.h"
#include "store.h"
#include "util.h"
#include "vendor.h"

#include <net-snmp/library/large_fd_set.h>

/*
 * One device is polled as a chain of requests: (SNMPv3 engine discovery),
 * the system group, then each probe in turn (a GET for scalar probes, a
 * multi-column GETBULK walk for tables). Only one request per device is in
 * flight; every device runs its chain independently, so a slow or dead
 * device costs the others nothing but a socket.
 */

/*
 * Polls start on a grid of POLL_GRID_MS: devices due within the same slot
 * start in one turn of the loop and their answers come back together, so
 * the loop wakes a few times a second for all of them rather than once for
 * each (on a virtual machine a wake-up is dear: what it touches is cold).
 * Nobody misses a second on a poll interval of a minute; at 2,000 devices a
 * minute a slot starts about 33 polls.
 */
#define POLL_GRID_MS 1000
#define MAX_VARBINDS_PER_PDU 256
#define REDISCOVER_MS (3600 * 1000)	/* probes that found nothing are retried hourly */
#define FIRST_POLL_SPREAD_MS 15000

enum dev_step { STEP_IDLE, STEP_DISCOVER, STEP_SYSTEM, STEP_PROBE };

static const oid sys_oids[][9] = {
	{ 1, 3, 6, 1, 2, 1, 1, 1, 0 },	/* sysDescr */
	{ 1, 3, 6, 1, 2, 1, 1, 2, 0 },	/* sysObjectID */
	{ 1, 3, 6, 1, 2, 1, 1, 3, 0 },	/* sysUpTime */
	{ 1, 3, 6, 1, 2, 1, 1, 4, 0 },	/* sysContact */
	{ 1, 3, 6, 1, 2, 1, 1, 5, 0 },	/* sysName */
	{ 1, 3, 6, 1, 2, 1, 1, 6, 0 },	/* sysLocation */
};
enum { F_DESCR, F_OBJECTID, F_UPTIME, F_CONTACT, F_NAME, F_LOCATION, F_COUNT };

/* What one varbind said, kept until the probe's rows are complete. */
struct cell {
	uint8_t present;
	uint8_t asn_type;
	uint64_t u;		/* integers and counters */
	char *text;		/* strings and OIDs */
};

struct row {
	char index[64];
	struct cell *cells;	/* n_cols + 1 (the label) */
};

/* Per instance and column state that outlives a poll: counters. */
struct inst_state {
	uint64_t discontinuity;
	int have_discontinuity;
	unsigned seen_cycle;
	int n_cs;
	struct counter_state cs[];	/* one per column of the probe */
};

/*
 * What the poller keeps per device and probe between polls. Sized to the
 * probe set (thousands of devices, a few dozen probes), not to the limit.
 */
#define MAX_PROBES 64
struct probe_memo {
	int64_t absent_until;	/* found nothing: skip until */
	int64_t due;		/* a probe with `every`: next poll */
	uint16_t table_rows;	/* rows at the last poll, 0 = unknown */
	uint8_t has_rows;	/* found rows when last polled */
	uint8_t alt_choice[PROBE_MAX_COLUMNS + 1];	/* per column: which OID */
};

struct walk_col {
	struct probe_oid base;	/* the column, as requested */
	oid cur[MAX_OID_LEN];	/* where the walk goes on from */
	size_t curlen;
	int done;
	unsigned rows;
};

struct device {
	struct device_conf conf;
	struct poller *p;
	void *sess;
	int fd;
	int timeout_ms, retries, interval_ms;
	enum dev_step step;
	int busy;		/* a poll is running */
	int reqid;		/* the request a response must answer */
	struct ev_timer *retry;	/* when to let Net-SNMP retransmit or give up */
	/*
	 * The system group (sysUpTime for rates, the rest for the device's
	 * identity) rides in front of the poll's first request, as GETBULK
	 * non-repeaters or extra GET varbinds: one round trip less per poll.
	 */
	int sys_pending;	/* not read yet this poll */
	int sys_inflight;	/* the request in flight carries it */
	int sys_alone;		/* the agent balked at that: ask for it on its own */
	struct ev_timer *timer;
	int64_t next_poll;
	/* the running poll */
	struct poll_result *res;
	int64_t started;
	double cycle_time;
	size_t probe_idx;
	int tried_fallback;
	struct walk_col *walk;	/* PROBE_MAX_COLUMNS + 1 while a poll runs, else NULL */
	int walk_ncols, walk_cap;
	struct hashmap *rows;	/* index -> struct row */
	char **row_order;	/* indexes in the order first seen */
	size_t n_order, cap_order;
	int reps;		/* GETBULK max-repetitions, halved on tooBig */
	unsigned bad_values, bad_responses;
	char bad_note[96];	/* the first bad value of the poll, for the log */
	char probe_error[160];
	/* state across polls */
	struct probe_memo *pst;	/* per probe (the first MAX_PROBES), see pst_get() */
	size_t n_pst;
	struct hashmap *inst;	/* "probe|index" -> struct inst_state */
	unsigned cycle;
	uint32_t last_uptime;
	double last_uptime_time;
	int have_uptime;
	int counters_reset;	/* agent restarted: this poll stores no rates */
	char last_status[16];
	/* what the device is */
	char *sys_object_id, *sys_descr;	/* last read */
	char dev_class[32];	/* detected (or forced) class */
	int class_dirty;	/* something the class depends on changed */
	struct rule_dev *rd;	/* monitoring rule states */
	/* parents: see ancestor_settling() */
	int64_t polled_at;	/* start of the last finished poll, 0 before the first */
	int64_t down_since;	/* start of the outage's first failed poll, 0 while up */
	struct ticket_op *held;	/* its unreachable raise, waiting for an ancestor */
	int64_t held_since;
};

struct poller {
	struct evloop *loop;
	const struct nocd_conf *conf;
	const struct probe_set *probes;
	const struct vendor_catalog *vendors;
	struct hashmap *devices;	/* name -> struct device */
	size_t n_busy;			/* devices with a poll running */
	netsnmp_large_fd_set fdset;
	struct poller_stats stats;
	struct log_ratelimit rl;
	struct rule_engine *rules;
	struct hashmap *by_addr;	/* configured address -> device name (owned copy) */
	struct walk_spare *spare;	/* walk states of polls that ended, for the next */
	size_t n_spare;
};

/*
 * A walk state (about 2 KB a column) is kept by a device only while its poll
 * runs, and goes back to the poller's spares when it ends: a poll takes one
 * there, not a fresh allocation this large (which glibc serves only after
 * sorting what was freed since). At most WALK_SPARES are kept: polls in
 * flight at once, in a burst.
 */
#define WALK_SPARES 256
struct walk_spare {
	struct walk_spare *next;
	int cap;
};

static const struct probe_memo no_probe_memo;

/* A probe's state; all zero for one never polled. */
static const struct probe_memo *
pst_get(const struct device *d, size_t idx)
{
	return idx < d->n_pst ? &d->pst[idx] : &no_probe_memo;
}

/* The running probe's, writable: poll_start() sized the array to the probe set. */
#define PST(d)	(&(d)->pst[(d)->probe_idx])

static void device_step(struct device *d);
static void poll_begin(struct device *d);
static void poll_finish(struct device *d, const char *status, const char *reason);
static netsnmp_variable_list *system_apply(struct device *d, netsnmp_variable_list *v, int next);
static int response_cb(int op, netsnmp_session *sp, int reqid, netsnmp_pdu *pdu, void *magic);

/* --- retransmissions: one timer per request in flight, never a periodic scan --- */

static void retry_due(void *arg);

/*
 * (Re)arms one of a device's timers: its next poll, its request's retry.
 * Each pointer only ever holds timers of one callback, so a pending one moves.
 */
static void
device_timer(struct device *d, struct ev_timer **t, int64_t at, ev_timer_cb cb)
{
	if (*t)
		evloop_timer_move(d->p->loop, *t, at);
	else
		*t = evloop_timer_at(d->p->loop, at, cb, d);
}

static void
retry_arm(struct device *d, int64_t at)
{
	device_timer(d, &d->retry, at, retry_due);
}

/* The poller's fd set can take fd (Net-SNMP reads and reports through one). */
static void
fdset_fit(struct poller *p, int fd)
{
	if (p->fdset.lfs_setsize <= (unsigned)fd) {
		netsnmp_large_fd_set_resize(&p->fdset, fd + 1024);
		NETSNMP_LARGE_FD_ZERO(&p->fdset);
	}
}

static void
retry_cancel(struct device *d)
{
	evloop_timer_cancel(d->p->loop, d->retry);
	d->retry = NULL;
}

/* Milliseconds until the library's next expiry for this session's requests; -1: none. */
static int64_t
library_expiry_ms(struct device *d)
{
	struct poller *p = d->p;
	struct timeval tv = { 0, 0 };
	int numfds = 0, block = 1;

	fdset_fit(p, d->fd);
	snmp_sess_select_info2(d->sess, &numfds, &p->fdset, &tv, &block);
	NETSNMP_LARGE_FD_CLR(d->fd, &p->fdset);
	if (block)
		return -1;
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void
retry_due(void *arg)
{
	struct device *d = arg;
	int64_t left;

	d->retry = NULL;
	/* resends, or gives up (OP_TIMED_OUT, which ends the poll) */
	snmp_sess_timeout(d->sess);
	/* still waiting: on the library's own clock for the request (resent or not yet due) */
	if (d->busy && d->step != STEP_IDLE && d->retry == NULL) {
		left = library_expiry_ms(d);
		retry_arm(d, mono_ms() + (left < 0 ? d->timeout_ms : left) + 1);
	}
}

static void
busy_add(struct poller *p, struct device *d)
{
	d->busy = 1;
	p->n_busy++;
}

static void
busy_remove(struct poller *p, struct device *d)
{
	if (!d->busy)
		return;
	d->busy = 0;
	p->n_busy--;
	retry_cancel(d);
}

/* The first poll slot at or after t. */
static int64_t
poll_grid(int64_t t)
{
	return (t + POLL_GRID_MS - 1) / POLL_GRID_MS * POLL_GRID_MS;
}

static void
device_readable(int fd, uint32_t events, void *arg)
{
	struct device *d = arg;
	struct poller *p = d->p;

	fdset_fit(p, fd);
	/* the set only ever holds the one descriptor being read */
	NETSNMP_LARGE_FD_SET(fd, &p->fdset);
	if (snmp_sess_read2(d->sess, &p->fdset) < 0) {
		p->stats.bad_responses++;
		log_limited(&p->rl, LOG_LVL_DEBUG, "%s: unreadable response", d->conf.name);
	}
	NETSNMP_LARGE_FD_CLR(fd, &p->fdset);
}

/* --- sending --- */

static int
send_pdu(struct device *d, netsnmp_pdu *pdu)
{
	struct poller *p = d->p;
	int id;

	if ((id = snmp_sess_async_send(d->sess, pdu, response_cb, d)) == 0) {
		netsnmp_session *s = snmp_sess_session(d->sess);

		p->stats.send_errors++;
		log_limited(&p->rl, LOG_LVL_WARN, "%s: send failed: %s", d->conf.name,
		    snmp_api_errstring(s->s_snmp_errno));
		snmp_free_pdu(pdu);
		return -1;
	}
	p->stats.pdus_sent++;
	d->reqid = id;
	/* after the library's own expiry for it, which it took before we read the clock */
	retry_arm(d, mono_ms() + d->timeout_ms + 1);
	return 0;
}

static void
send_system(struct device *d)
{
	netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GET);

	for (size_t i = 0; i < F_COUNT; i++)
		snmp_add_null_var(pdu, sys_oids[i], OID_LENGTH(sys_oids[i]));
	d->step = STEP_SYSTEM;
	d->sys_pending = 0;	/* asked for now, whatever the answer */
	d->sys_inflight = 0;
	if (send_pdu(d, pdu) < 0)
		poll_finish(d, "down", "cannot send request");
}

/*
 * Puts the system group in front of a request, if it is still to be read:
 * the exact objects for a GET, their parents for GETBULK non-repeaters
 * (GETNEXT semantics: system_apply() checks what came back).
 */
static int
add_system(struct device *d, netsnmp_pdu *pdu, int as_next)
{
	d->sys_inflight = d->sys_pending && !d->sys_alone && d->conf.version != SNMP_V1;
	if (!d->sys_inflight)
		return 0;
	for (size_t i = 0; i < F_COUNT; i++)
		snmp_add_null_var(pdu, sys_oids[i], OID_LENGTH(sys_oids[i]) - (as_next ? 1 : 0));
	return F_COUNT;
}

/* --- collecting rows --- */

static void
row_free(void *v)
{
	struct row *r = v;

	if (r == NULL)
		return;
	for (int i = 0; i <= PROBE_MAX_COLUMNS; i++)
		free(r->cells[i].text);
	free(r->cells);
	free(r);
}

static void
rows_reset(struct device *d)
{
	hashmap_free(d->rows, row_free);
	d->rows = NULL;
	for (size_t i = 0; i < d->n_order; i++)
		free(d->row_order[i]);
	free(d->row_order);
	d->row_order = NULL;
	d->n_order = d->cap_order = 0;
}

static struct row *
row_get(struct device *d, const char *index)
{
	struct row *r;

	if (d->rows == NULL)
		d->rows = hashmap_new(16);
	r = hashmap_get(d->rows, index);
	if (r != NULL)
		return r;
	if (hashmap_count(d->rows) >= (size_t)d->p->conf->poll_max_rows)
		return NULL;
	r = xcalloc(1, sizeof(*r));
	r->cells = xcalloc(PROBE_MAX_COLUMNS + 1, sizeof(*r->cells));
	nocd_strlcpy(r->index, index, sizeof(r->index));
	hashmap_put(d->rows, index, r);
	if (d->n_order == d->cap_order) {
		d->cap_order = d->cap_order ? d->cap_order * 2 : 16;
		d->row_order = xreallocarray(d->row_order, d->cap_order, sizeof(char *));
	}
	d->row_order[d->n_order++] = xstrdup(index);
	return r;
}

static void
cell_set(struct device *d, struct cell *c, const netsnmp_variable_list *v)
{
	char buf[1024];

	free(c->text);
	memset(c, 0, sizeof(*c));
	c->asn_type = v->type;
	switch (v->type) {
	case ASN_INTEGER:
		c->u = (uint64_t)(int64_t)*v->val.integer;
		break;
	case ASN_COUNTER:
	case ASN_GAUGE:
	case ASN_TIMETICKS:
	case ASN_UINTEGER:
		c->u = (uint64_t)(uint32_t)*v->val.integer;
		break;
	case ASN_COUNTER64:
		c->u = ((uint64_t)v->val.counter64->high << 32) | v->val.counter64->low;
		break;
	case ASN_OCTET_STR: {
		size_t n = v->val_len < sizeof(buf) - 1 ? v->val_len : sizeof(buf) - 1;

		memcpy(buf, v->val.string, n);
		buf[n] = '\0';
		/* a NUL inside ends it: device strings go to text columns only */
		c->text = xstrdup(buf);
		break;
	}
	case ASN_OBJECT_ID: {
		uint32_t sub[PROBE_OID_MAX];
		size_t n = v->val_len / sizeof(oid);

		if (n > PROBE_OID_MAX)
			n = PROBE_OID_MAX;
		for (size_t i = 0; i < n; i++)
			sub[i] = (uint32_t)v->val.objid[i];
		if (oid_format(sub, n, buf, sizeof(buf)) == 0)
			c->text = xstrdup(buf);
		break;
	}
	case ASN_IPADDRESS:
		if (v->val_len == 4) {
			snprintf(buf, sizeof(buf), "%u.%u.%u.%u", v->val.string[0],
			    v->val.string[1], v->val.string[2], v->val.string[3]);
			c->text = xstrdup(buf);
		}
		break;
	case SNMP_NOSUCHOBJECT:
	case SNMP_NOSUCHINSTANCE:
	case SNMP_ENDOFMIBVIEW:
		return;
	default:
		d->bad_values++;
		return;
	}
	c->present = 1;
}

/* Index suffix of `name` below `base`, as "1.2.3". */
static int
index_of(const oid *name, size_t len, const struct probe_oid *base, char *buf, size_t buflen)
{
	uint32_t sub[PROBE_OID_MAX];
	size_t n;

	if (len <= base->len)
		return -1;
	for (size_t i = 0; i < base->len; i++)
		if (name[i] != base->sub[i])
			return -1;
	n = len - base->len;
	if (n > PROBE_OID_MAX)
		return -1;
	for (size_t i = 0; i < n; i++)
		sub[i] = (uint32_t)name[base->len + i];
	return oid_format(sub, n, buf, buflen);
}

/* --- probes --- */

static const struct probe *
current_probe(const struct device *d)
{
	return &d->p->probes->v[d->probe_idx];
}

static const struct probe_oid *
column_oid(const struct device *d, int col)
{
	const struct probe *pr = current_probe(d);
	int alt = pst_get(d, d->probe_idx)->alt_choice[col];

	if (col == pr->n_cols)
		return &pr->label[alt < pr->n_label ? alt : 0];
	return &pr->cols[col].alts[alt < pr->cols[col].n_alts ? alt : 0];
}

static int
column_polled(const struct probe *pr, int col)
{
	if (col == pr->n_cols)
		return pr->n_label > 0;
	return pr->cols[col].type != COL_DERIVED;
}

/* A spare walk state for this device, when there is one. */
static void
walk_take(struct device *d)
{
	struct poller *p = d->p;
	struct walk_spare *w = p->spare;

	if (w == NULL)
		return;
	p->spare = w->next;
	p->n_spare--;
	d->walk_cap = w->cap;
	d->walk = (struct walk_col *)(void *)w;
}

/* The device's walk state back to the spares, or freed when there are enough. */
static void
walk_give(struct device *d)
{
	struct poller *p = d->p;
	struct walk_spare *w = (struct walk_spare *)(void *)d->walk;

	if (w != NULL && p->n_spare < WALK_SPARES) {
		w->cap = d->walk_cap;
		w->next = p->spare;
		p->spare = w;
		p->n_spare++;
	} else {
		free(w);
	}
	d->walk = NULL;
	d->walk_cap = 0;
	d->walk_ncols = 0;
}

static void
walk_start(struct device *d)
{
	const struct probe *pr = current_probe(d);

	/*
	 * The walk state is big (a full OID per column): only polls in flight
	 * hold one (the poller keeps those of ended polls as spares), and only
	 * for the columns of the widest probe so far. The OIDs are written
	 * before they are read, so nothing is cleared.
	 */
	if (d->walk == NULL)
		walk_take(d);
	if (d->walk == NULL || d->walk_cap < pr->n_cols + 1) {
		free(d->walk);
		d->walk_cap = pr->n_cols + 1;
		d->walk = xreallocarray(NULL, (size_t)d->walk_cap, sizeof(*d->walk));
	}
	d->walk_ncols = pr->n_cols + 1;
	for (int c = 0; c < d->walk_ncols; c++) {
		struct walk_col *w = &d->walk[c];

		w->rows = 0;
		w->done = !column_polled(pr, c);
		if (w->done)
			continue;
		w->base = *column_oid(d, c);
		for (size_t i = 0; i < w->base.len; i++)
			w->cur[i] = w->base.sub[i];
		w->curlen = w->base.len;
	}
}

static void
send_walk(struct device *d)
{
	int v1 = d->conf.version == SNMP_V1;
	netsnmp_pdu *pdu = snmp_pdu_create(v1 ? SNMP_MSG_GETNEXT : SNMP_MSG_GETBULK);
	int active = 0, sys = add_system(d, pdu, 1);

	for (int c = 0; c < d->walk_ncols; c++) {
		if (d->walk[c].done)
			continue;
		snmp_add_null_var(pdu, d->walk[c].cur, d->walk[c].curlen);
		active++;
	}
	if (!v1) {
		int reps = (MAX_VARBINDS_PER_PDU - sys) / active;
		int known = pst_get(d, d->probe_idx)->table_rows;
		int first = 1;

		for (int c = 0; c < d->walk_ncols; c++)
			if (!d->walk[c].done && d->walk[c].rows > 0)
				first = 0;
		/*
		 * Ask for as many rows as the table had last time, plus one to see
		 * its end: an agent answers max-repetitions rows per column, and
		 * what lies past the end of a small table is work for nobody.
		 */
		if (first && known > 0 && known + 1 < reps)
			reps = known + 1;
		if (reps > d->reps)
			reps = d->reps;
		pdu->non_repeaters = sys;
		pdu->max_repetitions = reps < 1 ? 1 : reps;
	}
	if (send_pdu(d, pdu) < 0)
		poll_finish(d, "down", "cannot send request");
}

static void
send_scalars(struct device *d)
{
	const struct probe *pr = current_probe(d);
	netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GET);
	int n = 0;

	add_system(d, pdu, 0);
	for (int c = 0; c < pr->n_cols; c++) {
		const struct probe_oid *o;
		oid name[MAX_OID_LEN];

		if (!column_polled(pr, c))
			continue;
		o = column_oid(d, c);
		for (size_t i = 0; i < o->len; i++)
			name[i] = o->sub[i];
		snmp_add_null_var(pdu, name, o->len);
		n++;
	}
	if (n == 0) {
		snmp_free_pdu(pdu);
		d->sys_inflight = 0;
		device_step(d);
		return;
	}
	if (send_pdu(d, pdu) < 0)
		poll_finish(d, "down", "cannot send request");
}

static void
start_probe(struct device *d)
{
	const struct probe *pr = current_probe(d);

	rows_reset(d);
	d->tried_fallback = 0;
	d->step = STEP_PROBE;
	if (pr->kind == PROBE_TABLE) {
		walk_start(d);
		send_walk(d);
	} else {
		send_scalars(d);
	}
}

/* A device that lacks the preferred OID of a column falls back to the next one. */
static int
choose_fallbacks(struct device *d)
{
	const struct probe *pr = current_probe(d);
	int changed = 0;

	if (d->tried_fallback)
		return 0;
	for (int c = 0; c <= pr->n_cols; c++) {
		int nalts = c == pr->n_cols ? pr->n_label : pr->cols[c].n_alts;
		int has = 0;

		if (!column_polled(pr, c))
			continue;
		if (pr->kind == PROBE_TABLE) {
			has = d->walk[c].rows > 0;
		} else {
			for (size_t r = 0; r < d->n_order && !has; r++) {
				struct row *row = hashmap_get(d->rows, d->row_order[r]);

				has = row && row->cells[c].present;
			}
		}
		if (!has && PST(d)->alt_choice[c] + 1 < nalts) {
			PST(d)->alt_choice[c]++;
			changed = 1;
		}
	}
	d->tried_fallback = 1;
	return changed;
}

static void
note_bad(struct device *d, const struct probe_column *col, const char *why)
{
	d->bad_values++;
	if (d->bad_note[0] == '\0')
		snprintf(d->bad_note, sizeof(d->bad_note), "%s.%s: %s", current_probe(d)->name,
		    col->name, why);
}

static double
cell_number(struct device *d, const struct probe_column *col, const struct cell *c, double scale)
{
	double v;

	if (!c->present)
		return NAN;
	switch (c->asn_type) {
	case ASN_INTEGER:
		v = (double)(int64_t)c->u;
		break;
	case ASN_COUNTER:
	case ASN_GAUGE:
	case ASN_TIMETICKS:
	case ASN_UINTEGER:
	case ASN_COUNTER64:
		v = (double)c->u;
		break;
	default:
		note_bad(d, col, "wrong type");
		return NAN;
	}
	v *= scale;
	if ((!isnan(col->min) && v < col->min) || (!isnan(col->max) && v > col->max)) {
		note_bad(d, col, "out of range");
		return NAN;
	}
	return v;
}

static struct inst_state *
inst_get(struct device *d, const char *index)
{
	char key[128];
	struct inst_state *st;

	snprintf(key, sizeof(key), "%s|%s", current_probe(d)->name, index);
	st = hashmap_get(d->inst, key);
	/* new, or the probe gained columns in a reload: start afresh */
	if (st == NULL || st->n_cs < current_probe(d)->n_cols) {
		int n = current_probe(d)->n_cols;

		free(hashmap_remove(d->inst, key));
		st = xcalloc(1, sizeof(*st) + (size_t)n * sizeof(st->cs[0]));
		st->n_cs = n;
		hashmap_put(d->inst, key, st);
	}
	st->seen_cycle = d->cycle;
	return st;
}

static double
counter_value(struct device *d, const struct probe_column *col, int ci, const struct cell *c,
    struct inst_state *st, const double *vals)
{
	double scale = col->alts[PST(d)->alt_choice[ci]].scale, rate, max_rate = 0;
	int width;
	enum counter_result r;

	if (!c->present)
		return NAN;
	if (c->asn_type == ASN_COUNTER64)
		width = 64;
	else if (c->asn_type == ASN_COUNTER || c->asn_type == ASN_GAUGE ||
	    c->asn_type == ASN_UINTEGER)
		width = 32;
	else {
		note_bad(d, col, "not a counter");
		return NAN;
	}
	if (col->max_rate_col >= 0 && !isnan(vals[col->max_rate_col]) &&
	    vals[col->max_rate_col] > 0 && scale > 0)
		max_rate = vals[col->max_rate_col] / scale;
	if (d->counters_reset)
		counter_invalidate(&st->cs[ci]);
	r = counter_update(&st->cs[ci], c->u, width, d->cycle_time, max_rate, &rate);
	if (r == COUNTER_OK || r == COUNTER_WRAP)
		return rate * scale;
	if (r == COUNTER_IMPLAUSIBLE || r == COUNTER_RESET)
		log_debug("%s: %s.%s: %s", d->conf.name, current_probe(d)->name, col->name,
		    counter_result_str(r));
	return NAN;
}

static double
derive(const struct probe_column *col, const double *vals)
{
	double a = vals[col->derive_a], b = vals[col->derive_b];
	double c = col->derive_c >= 0 ? vals[col->derive_c] : NAN;

	switch (col->derive) {
	case DERIVE_PERCENT:
		return b > 0 ? a / b * 100.0 : NAN;
	case DERIVE_PRODUCT:
		return a * b;
	case DERIVE_DIFF:
		return a - b;
	case DERIVE_SENSOR:
		/* ENTITY-SENSOR-MIB: b is the SI prefix (9 = units), c the decimals */
		if (isnan(a) || isnan(b) || isnan(c) || b < 1 || b > 17 || c < -8 || c > 9)
			return NAN;
		return a * pow(10.0, 3.0 * (b - 9.0)) / pow(10.0, c);
	default:
		return NAN;
	}
}

/*
 * The instance a row is known by: its table index, or for probes keyed by
 * label (sensors, whose indexes a device may renumber) the label, so that the
 * sensor keeps its history and tickets. A label seen twice falls back to
 * "label#index".
 */
static void
row_instance(const struct probe *pr, const struct row *row, struct hashmap *seen, char *buf,
    size_t len)
{
	const char *lab = row->cells[pr->n_cols].text;

	if (pr->kind != PROBE_TABLE) {
		nocd_strlcpy(buf, "_", len);
		return;
	}
	if (seen == NULL || lab == NULL || lab[0] == '\0' || strlen(lab) >= len - 12) {
		nocd_strlcpy(buf, row->index, len);
		return;
	}
	if (hashmap_get(seen, lab) != NULL) {
		if (strlen(lab) + 1 + strlen(row->index) >= len)
			nocd_strlcpy(buf, row->index, len);
		else {
			size_t n = strlen(lab);

			memcpy(buf, lab, n);
			buf[n] = '#';
			nocd_strlcpy(buf + n + 1, row->index, len - n - 1);
		}
	} else {
		hashmap_put(seen, lab, (void *)1);
		nocd_strlcpy(buf, lab, len);
	}
}

static void
row_to_sample(struct device *d, const struct row *row, struct hashmap *seen)
{
	char instance[64];
	const struct probe *pr = current_probe(d);
	struct inst_state *st = inst_get(d, row->index);
	double vals[PROBE_MAX_COLUMNS];
	struct sample_row *sr;
	size_t nv = 0;
	int disc = probe_column_index(pr, "discontinuity");

	/* ifCounterDiscontinuityTime moved: the counters' history is void */
	if (disc >= 0 && row->cells[disc].present) {
		if (st->have_discontinuity && st->discontinuity != row->cells[disc].u)
			for (int c = 0; c < pr->n_cols; c++)
				counter_invalidate(&st->cs[c]);
		st->discontinuity = row->cells[disc].u;
		st->have_discontinuity = 1;
	}
	for (int c = 0; c < pr->n_cols; c++) {
		const struct probe_column *col = &pr->cols[c];
		double scale = col->n_alts ? col->alts[PST(d)->alt_choice[c]].scale : 1;

		switch (col->type) {
		case COL_GAUGE:
		case COL_STATE:
			vals[c] = cell_number(d, col, &row->cells[c], scale);
			break;
		case COL_COUNTER:
			vals[c] = counter_value(d, col, c, &row->cells[c], st, vals);
			break;
		case COL_DERIVED:
			vals[c] = derive(col, vals);
			break;
		default:
			vals[c] = NAN;
		}
	}
	row_instance(pr, row, seen, instance, sizeof(instance));
	sr = poll_result_add_row(d->res, pr->name, instance, row->cells[pr->n_cols].text,
	    (size_t)pr->n_cols);
	sr->inventory = pr->inventory;
	for (int c = 0; c < pr->n_cols; c++) {
		const struct probe_column *col = &pr->cols[c];
		struct sample_value *sv = &sr->values[nv];

		if (col->type == COL_TEXT && !row->cells[c].present)
			continue;
		nocd_strlcpy(sv->metric, col->name, sizeof(sv->metric));
		nocd_strlcpy(sv->unit, col->unit, sizeof(sv->unit));
		sv->value = vals[c];
		sv->rrd = col->rrd;
		if (col->type == COL_TEXT)
			sv->text = xstrdup(row->cells[c].text ? row->cells[c].text : "");
		nv++;
	}
	sr->n_values = nv;
}

static void
finish_probe(struct device *d)
{
	const struct probe *pr = current_probe(d);
	size_t data_rows = 0;

	if (pr->kind == PROBE_TABLE && d->probe_idx < MAX_PROBES) {
		unsigned most = 0;

		for (int c = 0; c < d->walk_ncols; c++)
			if (d->walk[c].rows > most)
				most = d->walk[c].rows;
		PST(d)->table_rows = most > 65535 ? 65535 : (uint16_t)most;
	}
	if (choose_fallbacks(d)) {
		/* read the columns again with their fallback OIDs, keeping rows */
		if (pr->kind == PROBE_TABLE) {
			walk_start(d);
			for (int c = 0; c < d->walk_ncols; c++) {
				struct walk_col *w = &d->walk[c];
				int alt = PST(d)->alt_choice[c];

				if (!column_polled(pr, c) || alt == 0 || w->done)
					continue;
			}
			/* columns that already answered need no second walk */
			for (int c = 0; c < d->walk_ncols; c++)
				if (PST(d)->alt_choice[c] == 0)
					d->walk[c].done = 1;
			send_walk(d);
		} else {
			send_scalars(d);
		}
		return;
	}
	/* a row is the table's only when a data column answered: the label
	 * column (entPhysicalName...) alone says nothing about this table */
	for (size_t r = 0; r < d->n_order; r++) {
		struct row *row = hashmap_get(d->rows, d->row_order[r]);

		for (int c = 0; row && c < pr->n_cols; c++)
			if (row->cells[c].present) {
				data_rows++;
				break;
			}
	}
	if (PST(d)->has_rows != (data_rows > 0)) {
		PST(d)->has_rows = data_rows > 0;
		d->class_dirty = 1;
	}
	if (pr->every > 0 && d->probe_idx < MAX_PROBES)
		PST(d)->due = mono_ms() + (int64_t)pr->every * 1000;
	if (data_rows == 0) {
		PST(d)->absent_until = mono_ms() + REDISCOVER_MS;
		memset(PST(d)->alt_choice, 0, sizeof(PST(d)->alt_choice));
	} else {
		struct hashmap *seen = pr->instance_by_label ? hashmap_new(d->n_order) : NULL;

		for (size_t r = 0; r < d->n_order; r++) {
			struct row *row = hashmap_get(d->rows, d->row_order[r]);
			int any = 0;

			for (int c = 0; c < pr->n_cols && !any; c++)
				any = row->cells[c].present;
			if (any)
				row_to_sample(d, row, seen);
		}
		if (seen)
			hashmap_free(seen, NULL);
	}
	rows_reset(d);
	d->probe_idx++;
	device_step(d);
}

/* --- responses --- */

static int
walk_response(struct device *d, netsnmp_pdu *pdu)
{
	const struct probe *pr = current_probe(d);
	int active[PROBE_MAX_COLUMNS + 1], na = 0, i = 0;
	netsnmp_variable_list *vars = pdu->variables;
	char index[64];

	if (d->sys_inflight)
		vars = system_apply(d, vars, 1);
	for (int c = 0; c < d->walk_ncols; c++)
		if (!d->walk[c].done)
			active[na++] = c;
	if (na == 0)
		return 0;
	for (netsnmp_variable_list *v = vars; v; v = v->next_variable, i++) {
		int c = active[i % na];
		struct walk_col *w = &d->walk[c];
		struct row *row;

		d->res->varbinds++;
		if (w->done)
			continue;
		if (v->type == SNMP_ENDOFMIBVIEW || index_of(v->name, v->name_length, &w->base,
		    index, sizeof(index)) < 0) {
			w->done = 1;
			continue;
		}
		/* an agent that does not move forward would walk us forever */
		if (snmp_oid_compare(v->name, v->name_length, w->cur, w->curlen) <= 0) {
			d->bad_responses++;
			snprintf(d->probe_error, sizeof(d->probe_error),
			    "%s: agent returned OIDs out of order", pr->name);
			w->done = 1;
			continue;
		}
		memcpy(w->cur, v->name, v->name_length * sizeof(oid));
		w->curlen = v->name_length;
		row = row_get(d, index);
		if (row == NULL) {
			if (d->probe_error[0] == '\0')
				snprintf(d->probe_error, sizeof(d->probe_error),
				    "%s: table larger than poll.max_rows (%d): not stored",
				    pr->name, d->p->conf->poll_max_rows);
			return -1;
		}
		cell_set(d, &row->cells[c], v);
		w->rows++;
	}
	for (int c = 0; c < d->walk_ncols; c++)
		if (!d->walk[c].done)
			return 1;
	return 0;
}

static void
scalar_response(struct device *d, netsnmp_pdu *pdu)
{
	const struct probe *pr = current_probe(d);
	struct row *row = row_get(d, "_");
	netsnmp_variable_list *v = pdu->variables;

	if (d->sys_inflight)
		v = system_apply(d, v, 0);
	for (int c = 0; c < pr->n_cols && v; c++) {
		if (!column_polled(pr, c))
			continue;
		d->res->varbinds++;
		cell_set(d, &row->cells[c], v);
		v = v->next_variable;
	}
	/* no column answered: as if the probe found no row */
	for (int c = 0; c < pr->n_cols; c++)
		if (row->cells[c].present)
			return;
	rows_reset(d);
}

static char *
var_text(const netsnmp_variable_list *v)
{
	struct cell c = { 0 };
	struct device dummy;

	memset(&dummy, 0, sizeof(dummy));
	cell_set(&dummy, &c, v);
	return c.text;
}

/*
 * Takes the system group from the first F_COUNT varbinds and returns what
 * follows them. As GETNEXT answers (next), a varbind counts only when it
 * is the object asked for: an agent without sysContact answers with the
 * object after it.
 */
static netsnmp_variable_list *
system_apply(struct device *d, netsnmp_variable_list *v, int next)
{
	struct poll_result *r = d->res;
	int i = 0;

	d->sys_pending = d->sys_inflight = 0;
	for (; v && i < F_COUNT; v = v->next_variable, i++) {
		r->varbinds++;
		if (v->type == SNMP_NOSUCHOBJECT || v->type == SNMP_NOSUCHINSTANCE ||
		    v->type == SNMP_ENDOFMIBVIEW)
			continue;
		if (next && snmp_oid_compare(v->name, v->name_length, sys_oids[i],
		    OID_LENGTH(sys_oids[i])) != 0)
			continue;
		switch (i) {
		case F_UPTIME:
			if (v->type != ASN_TIMETICKS) {
				d->bad_values++;
				break;
			}
			r->sys_uptime = (uint32_t)*v->val.integer;
			r->have_uptime = 1;
			break;
		case F_DESCR: r->sys_descr = var_text(v); break;
		case F_OBJECTID: r->sys_object_id = var_text(v); break;
		case F_CONTACT: r->sys_contact = var_text(v); break;
		case F_NAME: r->sys_name = var_text(v); break;
		case F_LOCATION: r->sys_location = var_text(v); break;
		}
	}
	if (r->have_uptime) {
		double elapsed = d->cycle_time - d->last_uptime_time;

		d->counters_reset = d->have_uptime &&
		    uptime_restarted(d->last_uptime, r->sys_uptime, elapsed);
		if (d->counters_reset)
			log_info("%s: agent restarted (sysUpTime went back): no rates this poll",
			    d->conf.name);
		d->last_uptime = r->sys_uptime;
		d->last_uptime_time = d->cycle_time;
		d->have_uptime = 1;
	}
	if (r->sys_object_id && (d->sys_object_id == NULL ||
	    strcmp(d->sys_object_id, r->sys_object_id) != 0)) {
		free(d->sys_object_id);
		d->sys_object_id = xstrdup(r->sys_object_id);
		d->class_dirty = 1;
	}
	if (r->sys_descr && (d->sys_descr == NULL || strcmp(d->sys_descr, r->sys_descr) != 0)) {
		free(d->sys_descr);
		d->sys_descr = xstrdup(r->sys_descr);
		d->class_dirty = 1;
	}
	if (r->sys_object_id) {
		const char *vendor = vendor_lookup(d->p->vendors,
		    vendor_enterprise_of(r->sys_object_id));

		if (vendor)
			r->vendor = xstrdup(vendor);
	}
	return v;
}

/* The system group asked for on its own: at the start (v1), or at the end. */
static void
system_response(struct device *d, netsnmp_pdu *pdu)
{
	system_apply(d, pdu->variables, 0);
	device_step(d);
}

static const char *
error_reason(struct device *d, int op, netsnmp_pdu *pdu, char *buf, size_t len)
{
	if (op == NETSNMP_CALLBACK_OP_TIMED_OUT) {
		snprintf(buf, len, "timeout (no response after %d tries of %d ms)",
		    d->retries + 1, d->timeout_ms);
		return buf;
	}
	if (pdu != NULL && pdu->command == SNMP_MSG_REPORT)
		return snmpsess_report_reason(pdu);
	if (op != NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE || pdu == NULL) {
		netsnmp_session *s = snmp_sess_session(d->sess);
		int e = s ? s->s_snmp_errno : 0;

		switch (e) {
		case SNMPERR_AUTHENTICATION_FAILURE:
			return "authentication failure (wrong digest)";
		case SNMPERR_UNKNOWN_USER_NAME:
			return "unknown user name";
		case SNMPERR_UNKNOWN_ENG_ID:
			return "unknown engine ID";
		case SNMPERR_DECRYPTION_ERR:
			return "decryption error";
		case SNMPERR_NOT_IN_TIME_WINDOW:
			return "not in time window";
		case SNMPERR_UNSUPPORTED_SEC_LEVEL:
			return "unsupported security level";
		case 0:
			break;
		default:
			snprintf(buf, len, "%s error: %s",
			    op == NETSNMP_CALLBACK_OP_SEC_ERROR ? "security" :
			    op == NETSNMP_CALLBACK_OP_SEND_FAILED ? "send" : "connection",
			    snmp_api_errstring(e));
			return buf;
		}
		if (op == NETSNMP_CALLBACK_OP_SEC_ERROR)
			return "security error";
		if (s != NULL && s->s_errno != 0) {
			snprintf(buf, len, "connection error: %s", strerror(s->s_errno));
			return buf;
		}
		return "connection error";
	}
	snprintf(buf, len, "agent error: %s", snmp_errstring(pdu->errstat));
	return buf;
}

static void
handle_error_status(struct device *d, netsnmp_pdu *pdu)
{
	/*
	 * Whatever an agent objects to in a request that carries the system
	 * group, ask again without it; from now on it gets it on its own.
	 */
	if (d->sys_inflight && d->step == STEP_PROBE) {
		log_debug("%s: agent error %ld with the system group in front: asking for it alone",
		    d->conf.name, pdu->errstat);
		d->sys_alone = 1;
		d->sys_inflight = 0;
		start_probe(d);
		return;
	}
	/* A v1 agent refuses a whole GET for one missing OID: drop it, ask again. */
	if (pdu->errstat == SNMP_ERR_NOSUCHNAME && d->step == STEP_PROBE) {
		if (current_probe(d)->kind == PROBE_TABLE) {
			for (int c = 0; c < d->walk_ncols; c++)
				d->walk[c].done = 1;
			finish_probe(d);
		} else {
			rows_reset(d);
			finish_probe(d);
		}
		return;
	}
	if (pdu->errstat == SNMP_ERR_TOOBIG && d->step == STEP_PROBE && d->reps > 1) {
		d->reps /= 2;
		send_walk(d);
		return;
	}
	if (d->step == STEP_SYSTEM && pdu->errstat == SNMP_ERR_NOSUCHNAME) {
		device_step(d);
		return;
	}
	d->bad_responses++;
	snprintf(d->probe_error, sizeof(d->probe_error), "agent error: %s",
	    snmp_errstring(pdu->errstat));
	if (d->step != STEP_SYSTEM)
		d->probe_idx++;
	device_step(d);
}

static int
response_cb(int op, netsnmp_session *sp, int reqid, netsnmp_pdu *pdu, void *magic)
{
	struct device *d = magic;
	char buf[160], err[160];

	if (d->step == STEP_IDLE)	/* late answer to a poll already given up */
		return 1;
	/* the library tells that it retries a request, or that a stream connected */
	if (op == NETSNMP_CALLBACK_OP_RESEND || op == NETSNMP_CALLBACK_OP_CONNECT)
		return 1;
	/*
	 * An answer to an earlier request. The library resends the discovery
	 * probe by itself once it has learnt the engine ID, and the agent's
	 * second Report (for the empty user of the probe) can arrive after
	 * the poll has moved on. A Report about a request whose scoped PDU the
	 * agent could not read (wrong digest) carries no usable request ID, so
	 * only Responses are matched by ID.
	 */
	if (pdu != NULL && op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE &&
	    ((pdu->command == SNMP_MSG_RESPONSE && reqid != d->reqid) ||
	    (pdu->command == SNMP_MSG_REPORT && d->step != STEP_DISCOVER &&
	    pdu->securityNameLen == 0))) {
		log_debug("%s: answer to an earlier request ignored", d->conf.name);
		return 1;
	}
	if (op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE)
		d->p->stats.pdus_received++;
	else if (op == NETSNMP_CALLBACK_OP_TIMED_OUT)
		d->p->stats.timeouts++;
	if (d->step == STEP_DISCOVER) {
		/*
		 * Any Report answers discovery: agents differ in which counter
		 * they report to an empty user (unknownEngineID, unknownUserName),
		 * and the library may hand it over as a security error, having
		 * already taken the engine ID into the session itself.
		 */
		netsnmp_pdu *report = pdu != NULL && pdu->command == SNMP_MSG_REPORT ? pdu : NULL;

		if ((report != NULL || (op != NETSNMP_CALLBACK_OP_TIMED_OUT &&
		    !snmpsess_needs_discovery(d->sess))) &&
		    snmpsess_discovery_done(d->sess, report, err, sizeof(err)) == 0) {
			poll_begin(d);
		} else {
			poll_finish(d, "down", op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE ?
			    "unknown engine ID (discovery failed)" :
			    error_reason(d, op, pdu, buf, sizeof(buf)));
		}
		return 1;
	}
	if (op != NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE || pdu->command == SNMP_MSG_REPORT) {
		poll_finish(d, "down", error_reason(d, op, pdu, buf, sizeof(buf)));
		return 1;
	}
	if (pdu->errstat != SNMP_ERR_NOERROR) {
		handle_error_status(d, pdu);
		return 1;
	}
	if (d->step == STEP_SYSTEM) {
		system_response(d, pdu);
	} else if (current_probe(d)->kind == PROBE_TABLE) {
		int more = walk_response(d, pdu);

		if (more > 0)
			send_walk(d);
		else if (more == 0)
			finish_probe(d);
		else {
			rows_reset(d);
			d->bad_responses++;
			d->probe_idx++;
			device_step(d);
		}
	} else {
		scalar_response(d, pdu);
		finish_probe(d);
	}
	return 1;
}

/* --- the chain --- */

static int
probe_applies(const struct device *d, size_t idx, int64_t now)
{
	const struct probe *pr = &d->p->probes->v[idx];

	if (idx >= MAX_PROBES || pst_get(d, idx)->absent_until > now || pst_get(d, idx)->due > now)
		return 0;
	if (pr->n_classes && d->dev_class[0]) {
		for (int i = 0; i < pr->n_classes; i++)
			if (strcmp(pr->classes[i], d->dev_class) == 0)
				return 1;
		return 0;
	}
	return 1;
}

/* After discovery: v1 and agents that want it so read the system group first. */
static void
poll_begin(struct device *d)
{
	if (d->conf.version == SNMP_V1 || d->sys_alone)
		send_system(d);
	else
		device_step(d);
}

static void
device_step(struct device *d)
{
	const struct probe_set *ps = d->p->probes;
	int64_t now = mono_ms();

	while (d->probe_idx < ps->n && d->probe_idx < MAX_PROBES && !probe_applies(d, d->probe_idx, now))
		d->probe_idx++;
	if (d->probe_idx >= ps->n || d->probe_idx >= MAX_PROBES) {
		/* no request carried the system group (no probe applied, or all failed) */
		if (d->sys_pending) {
			send_system(d);
			return;
		}
		if (d->probe_error[0])
			poll_finish(d, "up", d->probe_error);
		else if (d->bad_values)
			poll_finish(d, "up", "some values were of the wrong type or out of range");
		else
			poll_finish(d, "up", "");
		return;
	}
	start_probe(d);
}

static int
prune_inst(const char *key, void *value, void *arg)
{
	const struct inst_state *st = value;
	unsigned cycle = *(unsigned *)arg;

	return cycle - st->seen_cycle > 10;	/* gone for ten polls: forget it */
}

static void schedule(struct device *d, int64_t at);

static int
has_rows_cb(const void *ctx, size_t idx)
{
	const struct device *d = ctx;

	return pst_get(d, idx)->has_rows;
}

/* The device's class: forced in its config, or the best class rule that matches. */
static void
classify(struct device *d, struct poll_result *r)
{
	const struct class_rule *c;
	const char *cls;

	if (!d->class_dirty && d->dev_class[0])
		return;
	d->class_dirty = 0;
	if (d->conf.class_name[0])
		cls = d->conf.class_name;
	else {
		c = probes_classify(d->p->probes, d->sys_object_id, d->sys_descr, has_rows_cb, d);
		cls = c ? c->class_name : "other";
		if (c && c->vendor[0] && r->vendor == NULL)
			r->vendor = xstrdup(c->vendor);
	}
	if (strcmp(cls, d->dev_class) != 0) {
		if (d->dev_class[0])
			log_info("%s: class %s (was %s)", d->conf.name, cls, d->dev_class);
		nocd_strlcpy(d->dev_class, cls, sizeof(d->dev_class));
		r->device_class = xstrdup(cls);
	}
}

/*
 * Parents. A device behind another (its `parent`) that stops answering may
 * only be cut off, and duty staff should hear of the parent, once. So its
 * unreachable raise waits until its ancestors' state since the outage began
 * is known. An ancestor not polled since is polled at once (as Nagios checks
 * a host's parents); one that is down is polled at the child's pace until its
 * own rule raises, and then the child's raise follows it into the queue, to
 * be linked to the ancestor's ticket. An ancestor that answers means the
 * child is down by itself: its raise goes out. Whatever happens, a held raise
 * goes out after HOLD_INTERVALS intervals of the slower of the two.
 */
#define HOLD_INTERVALS 3

/* Pulls an ancestor's next poll forward to `by` (never back). */
static void
settle_poll(struct device *a, int64_t by)
{
	if (a->busy || a->next_poll <= by)
		return;
	a->next_poll = poll_grid(by);
	schedule(a, a->next_poll);
}

/* Whether d's unreachable raise must wait for an ancestor. */
static int
ancestor_settling(struct device *d, int64_t now, struct device **waiting_for)
{
	struct device *a = d;

	for (int depth = 0; depth < 16 && a->conf.parent[0]; depth++) {
		if ((a = hashmap_get(d->p->devices, a->conf.parent)) == NULL || a == d)
			return 0;
		*waiting_for = a;
		if (rules_unreachable_raised(d->p->rules, a->rd))
			return 0;	/* its ticket will take the child's problem */
		if (a->polled_at < d->down_since) {
			settle_poll(a, now);	/* not seen since the outage began */
			return 1;
		}
		if (a->down_since == 0)
			return 0;	/* it answers: the child is down by itself */
		settle_poll(a, d->next_poll);
		return 1;
	}
	return 0;
}

static void
evaluate_rules(struct device *d, const struct poll_result *r)
{
	struct ticket_ops ops = { 0 }, out = { 0 };
	struct device *a = NULL;
	int64_t now = mono_ms(), slower;

	if (d->p->rules == NULL)
		return;
	if (d->rd == NULL)
		d->rd = rule_dev_new();
	rules_eval(d->p->rules, d->rd, d->conf.name, d->dev_class, r, &ops);
	for (size_t i = 0; i < ops.n; i++) {
		const struct ticket_op *op = &ops.v[i];

		if (op->availability && op->kind == TOP_CLEAR && d->held) {
			/* back before a word was said: nothing to clear */
			free(d->held);
			d->held = NULL;
		} else if (op->availability && op->kind == TOP_RAISE && d->conf.parent[0]) {
			if (d->held == NULL) {
				d->held = xcalloc(1, sizeof(*d->held));
				d->held_since = now;
			}
			*d->held = *op;
		} else
			ticket_ops_add(&out, op);
	}
	ticket_ops_free(&ops);
	if (d->held) {
		if (!ancestor_settling(d, now, &a))
			slower = 0;
		else
			slower = a->interval_ms > d->interval_ms ? a->interval_ms : d->interval_ms;
		if (now - d->held_since >= HOLD_INTERVALS * slower) {
			ticket_ops_add(&out, d->held);
			free(d->held);
			d->held = NULL;
		} else
			log_debug("%s: unreachable; its ticket waits for %s", d->conf.name,
			    a->conf.name);
	}
	if (out.n)
		store_tickets(&out);	/* takes the operations */
	ticket_ops_free(&out);
}

static void
poll_finish(struct device *d, const char *status, const char *reason)
{
	struct poller *p = d->p;
	struct poll_result *r = d->res;

	if (d->step == STEP_IDLE)
		return;
	d->step = STEP_IDLE;
	busy_remove(p, d);
	rows_reset(d);
	walk_give(d);
	d->counters_reset = 0;
	r->ok = strcmp(status, "up") == 0;
	nocd_strlcpy(r->status, status, sizeof(r->status));
	nocd_strlcpy(r->reason, reason, sizeof(r->reason));
	r->duration_ms = (double)(mono_ms() - d->started);
	p->stats.varbinds += r->varbinds;
	if (r->ok)
		p->stats.polls_ok++;
	else
		p->stats.polls_failed++;
	if (strcmp(d->last_status, status) != 0) {
		if (r->ok)
			log_info("%s: up%s%s", d->conf.name, reason[0] ? ": " : "", reason);
		else
			log_warnx("%s: down: %s", d->conf.name, reason);
		nocd_strlcpy(d->last_status, status, sizeof(d->last_status));
	}
	if (d->bad_values || d->bad_responses)
		log_limited(&p->rl, LOG_LVL_WARN, "%s: %u bad values [%s], %u bad responses%s%s",
		    d->conf.name, d->bad_values, d->bad_note, d->bad_responses,
		    r->ok && reason[0] ? ": " : "", r->ok ? reason : "");
	p->stats.bad_responses += d->bad_responses;
	p->stats.bad_values += d->bad_values;
	d->res = NULL;
	d->polled_at = d->started;
	if (r->ok)
		d->down_since = 0;
	else if (d->down_since == 0)
		d->down_since = d->started > 0 ? d->started : 1;
	if (r->ok)
		classify(d, r);
	evaluate_rules(d, r);
	store_submit(r);
	if (d->cycle % 16 == 0)
		hashmap_foreach(d->inst, prune_inst, &d->cycle, free);
}

static void
poll_start(void *arg)
{
	struct device *d = arg;
	struct poller *p = d->p;
	int64_t now = mono_ms();

	d->timer = NULL;
	/* fixed cadence: the next poll is due one interval after this one was */
	d->next_poll += d->interval_ms;
	if (d->next_poll <= now)
		d->next_poll = poll_grid(now + d->interval_ms);
	schedule(d, d->next_poll);
	if (d->busy) {
		log_limited(&p->rl, LOG_LVL_WARN, "%s: previous poll still running, skipped",
		    d->conf.name);
		return;
	}
	d->started = now;
	if (d->pst == NULL) {
		d->n_pst = p->probes->n < MAX_PROBES ? p->probes->n : MAX_PROBES;
		d->pst = xcalloc(d->n_pst ? d->n_pst : 1, sizeof(*d->pst));
	}
	d->cycle_time = wall_time();
	d->cycle++;
	d->probe_idx = 0;
	d->bad_values = d->bad_responses = 0;
	d->bad_note[0] = '\0';
	d->probe_error[0] = '\0';
	d->reps = p->conf->poll_max_repetitions;
	d->sys_pending = 1;
	d->res = poll_result_new(d->conf.name);
	d->res->when = (time_t)d->cycle_time;
	p->stats.polls_started++;
	busy_add(p, d);
	if (snmpsess_needs_discovery(d->sess)) {
		d->step = STEP_DISCOVER;
		if (send_pdu(d, snmpsess_discovery_pdu()) < 0)
			poll_finish(d, "down", "cannot send engine discovery");
		return;
	}
	poll_begin(d);
}

static void
schedule(struct device *d, int64_t at)
{
	device_timer(d, &d->timer, at, poll_start);
}

/* --- devices --- */

static uint32_t
name_hash(const char *s)
{
	uint64_t h = fnv1a(FNV_SEED, s, strlen(s));

	return (uint32_t)(h ^ (h >> 32));
}

static void
device_close(struct device *d)
{
	struct poller *p = d->p;

	if (d->timer)
		evloop_timer_cancel(p->loop, d->timer);
	d->timer = NULL;
	busy_remove(p, d);
	d->step = STEP_IDLE;
	if (d->fd >= 0)
		evloop_del_fd(p->loop, d->fd);
	snmpsess_close(d->sess);
	d->sess = NULL;
	poll_result_free(d->res);
	d->res = NULL;
	rows_reset(d);
	walk_give(d);
}

static void
device_free(void *v)
{
	struct device *d = v;

	device_close(d);
	free(d->row_order);
	free(d->pst);
	hashmap_free(d->inst, free);
	free(d->sys_object_id);
	free(d->sys_descr);
	rule_dev_free(d->rd);
	free(d->held);
	explicit_bzero(&d->conf, sizeof(d->conf));
	free(d);
}

static int
device_open(struct device *d)
{
	struct poller *p = d->p;
	char err[256];

	d->timeout_ms = conf_device_timeout_ms(p->conf, &d->conf);
	d->retries = conf_device_retries(p->conf, &d->conf);
	d->interval_ms = conf_device_interval(p->conf, &d->conf) * 1000;
	d->sess = snmpsess_open(&d->conf, d->timeout_ms, d->retries, response_cb, d,
	    err, sizeof(err));
	if (d->sess == NULL) {
		log_warnx("%s: %s", d->conf.name, err);
		return -1;
	}
	d->fd = snmpsess_fd(d->sess);
	if (evloop_add_fd(p->loop, d->fd, EPOLLIN, device_readable, d) < 0) {
		snmpsess_close(d->sess);
		d->sess = NULL;
		return -1;
	}
	return 0;
}

int
poller_add_device(struct poller *p, const struct device_conf *conf)
{
	struct device *d = hashmap_get(p->devices, conf->name);
	int64_t spread;

	if (d != NULL) {
		if (memcmp(&d->conf, conf, sizeof(*conf)) == 0)
			return 0;
		/* new settings: new session, same history */
		device_close(d);
		d->conf = *conf;
	} else {
		d = xcalloc(1, sizeof(*d));
		d->conf = *conf;
		d->p = p;
		d->inst = hashmap_new(8);	/* grows with the device's instances */
		hashmap_put(p->devices, conf->name, d);
	}
	d->fd = -1;
	/* a source remembered as nobody's may be this device's now */
	free(hashmap_remove(p->by_addr, conf->address));
	if (device_open(d) < 0) {
		hashmap_remove(p->devices, conf->name);
		device_free(d);
		return -1;
	}
	/* spread the first polls so that a thousand devices do not start at once */
	spread = d->interval_ms < FIRST_POLL_SPREAD_MS ? d->interval_ms : FIRST_POLL_SPREAD_MS;
	d->next_poll = poll_grid(mono_ms() + (spread > 0 ? name_hash(conf->name) % (uint32_t)spread : 0));
	schedule(d, d->next_poll);
	return 0;
}

int
poller_remove_device(struct poller *p, const char *name)
{
	struct device *d = hashmap_remove(p->devices, name);

	if (d == NULL)
		return -1;
	device_free(d);
	return 0;
}

struct find_addr {
	const char *address;
	const char *name;
};

static int
match_address(const char *key, void *value, void *arg)
{
	struct find_addr *f = arg;
	const struct device *d = value;

	if (f->name == NULL && strcmp(d->conf.address, f->address) == 0)
		f->name = key;
	return 0;
}

/*
 * Traps and syslog look devices up for every message: a map by address,
 * checked against the device it names (devices come and go) and mended
 * from a scan when stale. Several devices behind one address: the first.
 */
const char *
poller_find_by_address(struct poller *p, const char *address)
{
	const char *name = hashmap_get(p->by_addr, address);
	const struct device *d;
	struct find_addr f = { address, NULL };

	if (name != NULL && name[0] == '\0')
		return NULL;	/* known to be no device's (until one is added) */
	d = name ? hashmap_get(p->devices, name) : NULL;
	if (d != NULL && strcmp(d->conf.address, address) == 0)
		return d->conf.name;
	hashmap_foreach(p->devices, match_address, &f, NULL);
	/* mend the map: the device found now, or "none" */
	free(hashmap_remove(p->by_addr, address));
	if (hashmap_count(p->by_addr) < 100000)
		hashmap_put(p->by_addr, address, xstrdup(f.name ? f.name : ""));
	return f.name;
}

int
poller_has_device(const struct poller *p, const char *name)
{
	return hashmap_get(p->devices, name) != NULL;
}

const struct device_conf *
poller_device_conf(const struct poller *p, const char *name)
{
	const struct device *d = hashmap_get(p->devices, name);

	return d ? &d->conf : NULL;
}

size_t
poller_device_count(const struct poller *p)
{
	return hashmap_count(p->devices);
}

int
poller_poll_now(struct poller *p, const char *name)
{
	struct device *d = hashmap_get(p->devices, name);

	if (d == NULL)
		return -1;
	if (!d->busy) {
		d->next_poll = mono_ms() - d->interval_ms;
		schedule(d, mono_ms());
	}
	return 0;
}

struct reconf_ctx {
	const struct nocd_conf *conf;
	struct poller *p;
	char **gone;
	size_t n_gone;
};

static int
collect_gone(const char *key, void *value, void *arg)
{
	struct reconf_ctx *ctx = arg;
	struct device *d = value;

	if (d->conf.line == 0)		/* added at run time: not the file's business */
		return 0;
	for (size_t i = 0; i < ctx->conf->n_devices; i++)
		if (strcmp(ctx->conf->devices[i].name, key) == 0)
			return 0;
	ctx->gone = xreallocarray(ctx->gone, ctx->n_gone + 1, sizeof(char *));
	ctx->gone[ctx->n_gone++] = xstrdup(key);
	return 0;
}

static int
reset_probe_state(const char *key, void *value, void *arg)
{
	struct device *d = value;

	if (d->busy) {
		busy_remove(d->p, d);
		d->step = STEP_IDLE;
		poll_result_free(d->res);
		d->res = NULL;
		rows_reset(d);
		free(d->walk);
		d->walk = NULL;
		d->walk_ncols = 0;
	}
	/* a new probe set: poll_start() makes the states anew */
	free(d->pst);
	d->pst = NULL;
	d->n_pst = 0;
	d->class_dirty = 1;
	return 0;
}

int
poller_reconfigure(struct poller *p, const struct nocd_conf *conf, const struct probe_set *probes)
{
	struct reconf_ctx ctx = { conf, p, NULL, 0 };
	int rc = 0;

	hashmap_foreach(p->devices, collect_gone, &ctx, NULL);
	for (size_t i = 0; i < ctx.n_gone; i++) {
		log_info("%s: removed from the configuration", ctx.gone[i]);
		poller_remove_device(p, ctx.gone[i]);
		free(ctx.gone[i]);
	}
	free(ctx.gone);
	p->conf = conf;
	rules_engine_free(p->rules);
	p->rules = rules_engine_new(probes, conf);
	if (probes != p->probes) {
		/* probe indexes change: running polls are dropped and every device
		 * starts its probe choices anew */
		hashmap_foreach(p->devices, reset_probe_state, p, NULL);
		p->probes = probes;
	}
	for (size_t i = 0; i < conf->n_devices; i++)
		if (poller_add_device(p, &conf->devices[i]) < 0)
			rc = -1;
	return rc;
}

struct poller *
poller_new(struct evloop *loop, const struct nocd_conf *conf, const struct probe_set *probes,
    const struct vendor_catalog *vendors)
{
	struct poller *p = xcalloc(1, sizeof(*p));
	struct log_ratelimit rl = LOG_RATELIMIT_INIT(10, 20);

	p->loop = loop;
	p->conf = conf;
	p->probes = probes;
	p->vendors = vendors;
	p->rl = rl;
	p->devices = hashmap_new(256);
	p->by_addr = hashmap_new(256);
	p->rules = rules_engine_new(probes, conf);
	netsnmp_large_fd_set_init(&p->fdset, 4096);
	return p;
}

void
poller_free(struct poller *p)
{
	if (p == NULL)
		return;
	hashmap_free(p->devices, device_free);
	hashmap_free(p->by_addr, free);
	while (p->spare != NULL) {
		struct walk_spare *w = p->spare;

		p->spare = w->next;
		free(w);
	}
	netsnmp_large_fd_set_cleanup(&p->fdset);
	rules_engine_free(p->rules);
	free(p);
}

const struct rule_engine *
poller_rules(const struct poller *p)
{
	return p->rules;
}

void
poller_get_stats(const struct poller *p, struct poller_stats *s)
{
	*s = p->stats;
	s->in_flight = p->n_busy;
}
