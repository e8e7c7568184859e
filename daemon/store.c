#include "config.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "conf.h"
#include "alerts.h"
#include "db.h"
#include "events.h"
#include "log.h"
#include "rrdstore.h"
#include "rules.h"
#include "store.h"
#include "tickets.h"
#include "util.h"
#include "webusers.h"
#include "wmemo.h"

#define QUEUE_MAX 20000		/* poll results waiting; beyond it they are dropped */
#define EVENTS_MAX 500000	/* events waiting (traps, syslog); beyond, UDP input is dropped */
#define BATCH_MAX 500		/* items written in one database transaction */

#define STORE_NICE 10		/* the writer thread's nice: below the receivers */
/*
 * Poll results are not urgent: the writer waits until they are POLL_HOLD_MS
 * old or POLL_HOLD_MAX of them wait, and writes them in one transaction.
 * Per poll, a transaction and a thread wake-up cost more than the rows.
 * Anything else (tickets, events, actions) wakes it at once and takes the
 * waiting poll results along.
 */
#define POLL_HOLD_MS 1000
#define POLL_HOLD_MAX 250
#define HOUSEKEEP_S 30		/* SLA, escalation and warranty checks */

enum item_kind { ITEM_POLL, ITEM_UPSERT, ITEM_REMOVE, ITEM_SYNC, ITEM_TICKETS, ITEM_ACTION,
	ITEM_EVENTS, ITEM_NOTIFY };

struct item {
	enum item_kind kind;
	struct item *next;
	struct poll_result *poll;
	struct device_conf *devs;	/* ITEM_UPSERT: one; ITEM_SYNC: n */
	size_t n_devs;
	char name[NAME_MAX_LEN];
	struct ticket_ops ops;		/* ITEM_TICKETS */
	json_t *req;			/* ITEM_ACTION */
	struct event_batch events;	/* ITEM_EVENTS */
	int fd;				/* ITEM_ACTION: where the reply goes */
	int failed;			/* apply_item() failed: not acknowledged */
	struct {			/* ITEM_NOTIFY: one attempt of one channel */
		char channel[32], event[16], outcome[8], detail[256];
		long long ticket;
		int attempt;
		long long latency_ms;
	} nt;
};

static struct {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct item *head, *tail;
	size_t queued;
	size_t queued_events;
	size_t urgent;		/* queued items that are not poll results */
	int64_t lazy_since;	/* mono_ms() when the oldest waiting poll result came */
	int stopping, running;
	struct store_stats stats;
	char state_dir[PATH_MAX];
	char rrdcached[PATH_MAX];
	unsigned long step;
	struct ticket_conf tc;	/* under lock: reloads change it */
	int write_cache;	/* under lock: rrd.write_cache */
	long long ev_max_age_s, ev_max_rows;	/* under lock: events.* */
} st = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

/* --- poll results --- */

struct poll_result *
poll_result_new(const char *device)
{
	struct poll_result *r = xcalloc(1, sizeof(*r));

	nocd_strlcpy(r->device, device, sizeof(r->device));
	return r;
}

struct sample_row *
poll_result_add_row(struct poll_result *r, const char *group, const char *instance,
    const char *label, size_t n_values)
{
	struct sample_row *row;

	r->rows = xreallocarray(r->rows, r->n_rows + 1, sizeof(*r->rows));
	row = &r->rows[r->n_rows++];
	memset(row, 0, sizeof(*row));
	nocd_strlcpy(row->group, group, sizeof(row->group));
	nocd_strlcpy(row->instance, instance, sizeof(row->instance));
	row->label = label ? xstrdup(label) : NULL;
	row->values = xcalloc(n_values ? n_values : 1, sizeof(*row->values));
	row->n_values = n_values;
	return row;
}

void
poll_result_free(struct poll_result *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n_rows; i++) {
		for (size_t k = 0; k < r->rows[i].n_values; k++)
			free(r->rows[i].values[k].text);
		free(r->rows[i].values);
		free(r->rows[i].label);
	}
	free(r->rows);
	free(r->sys_descr);
	free(r->sys_object_id);
	free(r->sys_name);
	free(r->sys_location);
	free(r->sys_contact);
	free(r->vendor);
	free(r->device_class);
	free(r);
}

/* --- the queue --- */

static void
item_free(struct item *it)
{
	poll_result_free(it->poll);
	ticket_ops_free(&it->ops);
	event_batch_free(&it->events);
	json_decref(it->req);
	if (it->kind == ITEM_ACTION && it->fd >= 0)
		close(it->fd);
	if (it->devs) {
		explicit_bzero(it->devs, it->n_devs * sizeof(*it->devs));
		free(it->devs);
	}
	free(it);
}

static int
enqueue(struct item *it, int droppable)
{
	size_t ev = it->kind == ITEM_EVENTS ? it->events.n : 0;

	pthread_mutex_lock(&st.lock);
	if (!st.running || (droppable && (st.queued >= QUEUE_MAX ||
	    st.queued_events + ev > EVENTS_MAX))) {
		st.stats.dropped++;
		pthread_mutex_unlock(&st.lock);
		item_free(it);
		return -1;
	}
	if (st.tail)
		st.tail->next = it;
	else
		st.head = it;
	st.tail = it;
	st.queued++;
	st.queued_events += ev;
	st.stats.submitted++;
	if (it->kind != ITEM_POLL) {
		st.urgent++;
		pthread_cond_signal(&st.cond);
	} else if (st.queued == st.urgent + 1) {
		/* the first waiting poll result: the writer may sleep till housekeeping */
		st.lazy_since = mono_ms();
		pthread_cond_signal(&st.cond);
	} else if (st.queued == POLL_HOLD_MAX)
		pthread_cond_signal(&st.cond);
	pthread_mutex_unlock(&st.lock);
	return 0;
}

/* Under st.lock: whether the writer has something to do now, else until when to wait. */
static int
queue_ready(int64_t *wake_ms)
{
	int64_t due;

	if (st.head == NULL)
		return 0;
	if (st.urgent > 0 || st.queued >= POLL_HOLD_MAX || st.stopping)
		return 1;
	due = st.lazy_since + POLL_HOLD_MS;
	if (mono_ms() >= due)
		return 1;
	if (due < *wake_ms)
		*wake_ms = due;
	return 0;
}

int
store_submit(struct poll_result *r)
{
	struct item *it = xcalloc(1, sizeof(*it));

	it->kind = ITEM_POLL;
	it->poll = r;
	if (enqueue(it, 1) < 0) {
		static struct log_ratelimit rl = LOG_RATELIMIT_INIT(10, 1);

		log_limited(&rl, LOG_LVL_WARN, "store queue full: poll results dropped");
		return -1;
	}
	return 0;
}

int
store_device_upsert(const struct device_conf *d, const char *origin)
{
	struct item *it = xcalloc(1, sizeof(*it));

	it->kind = ITEM_UPSERT;
	it->devs = xcalloc(1, sizeof(*it->devs));
	it->devs[0] = *d;
	it->n_devs = 1;
	nocd_strlcpy(it->name, origin, sizeof(it->name));
	return enqueue(it, 0);
}

int
store_device_remove(const char *name)
{
	struct item *it = xcalloc(1, sizeof(*it));

	it->kind = ITEM_REMOVE;
	nocd_strlcpy(it->name, name, sizeof(it->name));
	return enqueue(it, 0);
}

int
store_sync_config(const struct device_conf *devs, size_t n)
{
	struct item *it = xcalloc(1, sizeof(*it));

	it->kind = ITEM_SYNC;
	it->devs = xcalloc(n ? n : 1, sizeof(*devs));
	if (n)
		memcpy(it->devs, devs, n * sizeof(*devs));
	it->n_devs = n;
	return enqueue(it, 0);
}

int
store_tickets(struct ticket_ops *ops)
{
	struct item *it = xcalloc(1, sizeof(*it));

	it->kind = ITEM_TICKETS;
	it->ops = *ops;
	memset(ops, 0, sizeof(*ops));
	return enqueue(it, 0);
}

int
store_notification(const char *channel, long long ticket, const char *event, int attempt,
    const char *outcome, const char *detail, long long latency_ms)
{
	struct item *it = xcalloc(1, sizeof(*it));

	it->kind = ITEM_NOTIFY;
	nocd_strlcpy(it->nt.channel, channel, sizeof(it->nt.channel));
	nocd_strlcpy(it->nt.event, event, sizeof(it->nt.event));
	nocd_strlcpy(it->nt.outcome, outcome, sizeof(it->nt.outcome));
	nocd_strlcpy(it->nt.detail, detail, sizeof(it->nt.detail));
	it->nt.ticket = ticket;
	it->nt.attempt = attempt;
	it->nt.latency_ms = latency_ms;
	return enqueue(it, 0);
}

int
store_events(struct event_batch *b, int droppable)
{
	struct item *it = xcalloc(1, sizeof(*it));
	size_t n = b->n;

	it->kind = ITEM_EVENTS;
	it->events = *b;
	memset(b, 0, sizeof(*b));
	if (enqueue(it, droppable) < 0) {
		pthread_mutex_lock(&st.lock);
		st.stats.events_dropped += n;
		pthread_mutex_unlock(&st.lock);
		return -1;
	}
	return 0;
}

int
store_events_wait(struct event_batch *b, int timeout_s)
{
	struct ev_done d = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
	struct timespec until;
	int ok;

	b->done = &d;
	if (store_events(b, 0) < 0)
		return -1;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_s;
	pthread_mutex_lock(&d.lock);
	while (!d.finished)
		if (pthread_cond_timedwait(&d.cond, &d.lock, &until) == ETIMEDOUT)
			break;
	ok = d.finished && d.ok;
	if (!d.finished) {
		/* the writer still holds &d: wait it out rather than leave it dangling */
		while (!d.finished)
			pthread_cond_wait(&d.cond, &d.lock);
		ok = 0;
	}
	pthread_mutex_unlock(&d.lock);
	return ok ? 0 : -1;
}

int
store_queue_full(void)
{
	int full;

	pthread_mutex_lock(&st.lock);
	full = st.queued >= QUEUE_MAX || st.queued_events >= EVENTS_MAX;
	pthread_mutex_unlock(&st.lock);
	return full;
}

int
store_action(json_t *req, int fd)
{
	struct item *it = xcalloc(1, sizeof(*it));

	it->kind = ITEM_ACTION;
	it->req = req;
	it->fd = fd;
	return enqueue(it, 0);
}

void
store_set_conf(const struct nocd_conf *conf)
{
	pthread_mutex_lock(&st.lock);
	st.tc = conf->tickets;
	st.write_cache = conf->rrd_write_cache;
	st.ev_max_age_s = (long long)conf->events_max_age_days * 86400;
	st.ev_max_rows = conf->events_max_rows;
	pthread_mutex_unlock(&st.lock);
}

/* --- the writer --- */

static void
reply(int fd, json_t *r)
{
	char *out = r ? json_dumps(r, JSON_COMPACT) : NULL;
	const char *fallback = "{\"ok\":false,\"error\":\"database error\"}";
	const char *s = out ? out : fallback;
	size_t len = strlen(s), off = 0;

	/* small replies to a local socket; give up rather than wait long */
	for (int tries = 0; off < len && tries < 100; tries++) {
		ssize_t n = write(fd, s + off, len - off);

		if (n > 0)
			off += (size_t)n;
		else if (n < 0 && errno != EAGAIN && errno != EINTR)
			break;
		else
			usleep(1000);
	}
	if (off == len && write(fd, "\n", 1) != 1)
		log_debug("control: short reply");
	free(out);
}

static void
write_rrd(struct rrd_writer *w, const struct poll_result *r)
{
	for (size_t i = 0; i < r->n_rows; i++) {
		const struct sample_row *row = &r->rows[i];
		const char *ds[RRD_MAX_DS];
		double vals[RRD_MAX_DS];
		size_t n = 0;

		for (size_t k = 0; k < row->n_values && n < RRD_MAX_DS; k++) {
			if (!row->values[k].rrd)
				continue;
			ds[n] = row->values[k].metric;
			vals[n++] = row->values[k].value;
		}
		if (n == 0)
			continue;
		if (rrd_writer_update(w, r->device, row->group, row->instance, r->when, ds,
		    vals, n) < 0)
			st.stats.rrd_errors++;
	}
}

static int
is_flush(json_t *req)
{
	const char *cmd = json_string_value(json_object_get(req, "cmd"));

	return cmd != NULL && strcmp(cmd, "flush") == 0;
}

static int
has_inventory(const struct poll_result *r)
{
	for (size_t i = 0; i < r->n_rows; i++)
		if (r->rows[i].inventory)
			return 1;
	return 0;
}

static int
apply_item(sqlite3 *db, struct rrd_writer *w, struct wmemo *memo, struct item *it,
    const struct ticket_conf *tc)
{
	json_t *r;

	switch (it->kind) {
	case ITEM_POLL:
		if (it->poll->ok)
			write_rrd(w, it->poll);
		if (db_apply_poll(db, it->poll, memo) < 0)
			return -1;
		if (it->poll->ok && has_inventory(it->poll))
			return tk_inventory_apply(db, it->poll, tc);
		return 0;
	case ITEM_EVENTS: {
		int n = ev_write(db, &it->events, tc);

		if (n < 0)
			return -1;
		st.stats.events_written += (uint64_t)n;
		return 0;
	}
	case ITEM_NOTIFY: {
		sqlite3_stmt *q = NULL;
		int rc = -1;

		if (sqlite3_prepare_v2(db, "INSERT INTO notifications(time, ticket_id, channel, event,"
		    " attempt, outcome, detail, latency_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7,"
		    " nullif(?8, -1))", -1, &q, NULL) == SQLITE_OK &&
		    sqlite3_bind_int64(q, 1, (sqlite3_int64)time(NULL)) == SQLITE_OK &&
		    sqlite3_bind_int64(q, 2, it->nt.ticket) == SQLITE_OK &&
		    sqlite3_bind_text(q, 3, it->nt.channel, -1, SQLITE_STATIC) == SQLITE_OK &&
		    sqlite3_bind_text(q, 4, it->nt.event, -1, SQLITE_STATIC) == SQLITE_OK &&
		    sqlite3_bind_int(q, 5, it->nt.attempt) == SQLITE_OK &&
		    sqlite3_bind_text(q, 6, it->nt.outcome, -1, SQLITE_STATIC) == SQLITE_OK &&
		    sqlite3_bind_text(q, 7, it->nt.detail, -1, SQLITE_STATIC) == SQLITE_OK &&
		    sqlite3_bind_int64(q, 8, it->nt.latency_ms) == SQLITE_OK &&
		    sqlite3_step(q) == SQLITE_DONE)
			rc = 0;
		sqlite3_finalize(q);
		return rc;
	}
	case ITEM_TICKETS: {
		/* what the rules saw change is an event too (source "poll") */
		struct event_batch b = { 0 };
		int rc = 0;

		for (size_t i = 0; i < it->ops.n && rc == 0; i++) {
			const struct ticket_op *op = &it->ops.v[i];
			struct event *e = event_batch_add(&b);

			st.stats.ticket_ops++;
			e->time = op->when;
			nocd_strlcpy(e->source, "poll", sizeof(e->source));
			nocd_strlcpy(e->device, op->device, sizeof(e->device));
			nocd_strlcpy(e->host, op->device, sizeof(e->host));
			e->severity = op->kind == TOP_RAISE ? op->severity : SEV_INFO;
			snprintf(e->type, sizeof(e->type), "%.30s%s", op->rule,
			    op->kind == TOP_RAISE ? "" : "_clear");
			e->message = xstrdup(op->title);
			if (tk_apply(db, op, tc) < 0)
				rc = -1;
		}
		if (rc == 0 && ev_write(db, &b, tc) < 0)
			rc = -1;
		event_batch_free(&b);
		return rc;
	}
	case ITEM_ACTION:
		if (is_flush(it->req)) {
			/* held RRD updates of a device, before nocctl draws its graphs */
			const char *dev = json_string_value(json_object_get(it->req, "device"));
			int n = rrd_writer_flush(w, dev);

			json_decref(it->req);
			it->req = json_pack("{s:b, s:i}", "ok", 1, "files", n);
			return 0;
		}
		/* the reply waits for the commit (see store_main) */
		if (webusers_is_action(it->req))
			r = webusers_action(db, it->req);	/* the console's users */
		else
			r = tk_action(db, it->req, tc);
		json_decref(it->req);
		it->req = r;
		st.stats.actions++;
		return r ? 0 : -1;
	case ITEM_UPSERT:
		return db_device_upsert(db, &it->devs[0], it->name);
	case ITEM_REMOVE:
		/* a device added again under this name starts with no metrics */
		wmemo_clear(memo);
		return db_device_remove(db, it->name);
	case ITEM_SYNC:
		wmemo_clear(memo);
		for (size_t i = 0; i < it->n_devs; i++)
			if (db_device_upsert(db, &it->devs[i], "config") < 0)
				return -1;
		return db_device_prune_config(db, it->devs, it->n_devs);
	}
	return -1;
}

/* Ticket changes and operators' actions are durable when acknowledged. */
static int
needs_full_sync(const struct item *batch)
{
	for (const struct item *it = batch; it; it = it->next)
		if (it->kind == ITEM_TICKETS || it->kind == ITEM_ACTION ||
		    it->kind == ITEM_EVENTS)
			return 1;
	return 0;
}

static void
send_replies(struct item *batch, int committed)
{
	for (struct item *it = batch; it; it = it->next) {
		if (it->kind == ITEM_EVENTS && it->events.done) {
			struct ev_done *d = it->events.done;

			pthread_mutex_lock(&d->lock);
			d->ok = committed && !it->failed;
			d->finished = 1;
			pthread_cond_signal(&d->cond);
			pthread_mutex_unlock(&d->lock);
			it->events.done = NULL;
			continue;
		}
		if (it->kind != ITEM_ACTION || it->fd < 0)
			continue;
		if (committed && it->req)
			reply(it->fd, it->req);
		else
			reply(it->fd, NULL);
		close(it->fd);
		it->fd = -1;
	}
}

/* Ticket changes reach the duty staff only once they are committed. */
static void
flush_notices(int committed)
{
	struct notice *v;
	size_t n;

	if (!committed) {
		tk_notices_discard();
		return;
	}
	tk_notices_take(&v, &n);
	if (n)
		alerts_submit(v, n);
	free(v);
}

static void
housekeep(sqlite3 *db)
{
	struct ticket_conf tc;
	long long age, rows;

	pthread_mutex_lock(&st.lock);
	tc = st.tc;
	age = st.ev_max_age_s;
	rows = st.ev_max_rows;
	pthread_mutex_unlock(&st.lock);
	if (db_begin(db) < 0)
		return;
	if (tk_housekeep(db, &tc, time(NULL)) < 0 || ev_retention(db, time(NULL), age, rows) < 0 ||
	    db_commit(db) < 0) {
		st.stats.db_errors++;
		db_rollback(db);
		flush_notices(0);
		return;
	}
	flush_notices(1);
}

static void *
store_main(void *arg)
{
	char err[512];
	sqlite3 *db = db_open_rw(st.state_dir, err, sizeof(err));
	struct rrd_writer *w = rrd_writer_new(st.state_dir, st.rrdcached, st.step);
	struct wmemo *memo = wmemo_new();	/* metric values the database holds */
	time_t next_housekeep = time(NULL) + 5;
	int cache = -1;

	if (db == NULL)
		log_warnx("store: %s", err);
	/*
	 * Below the receivers when the CPU is short: in a burst the queue
	 * (EVENTS_MAX) takes what the disk cannot yet, while a receiver that
	 * falls behind loses datagrams in the kernel. Linux: nice per thread.
	 */
	if (setpriority(PRIO_PROCESS, (id_t)gettid(), STORE_NICE) < 0)
		log_debug("store: cannot lower the writer's priority");
	for (;;) {
		struct item *batch;
		struct ticket_conf tc;
		size_t n = 0;
		int full, ok = 1;

		pthread_mutex_lock(&st.lock);
		for (;;) {
			/* wait on the monotonic clock (see store_start) */
			int64_t wake = mono_ms() + (int64_t)(next_housekeep - time(NULL)) * 1000;
			struct timespec until;

			if (queue_ready(&wake) || st.stopping || time(NULL) >= next_housekeep)
				break;
			until.tv_sec = (time_t)(wake / 1000);
			until.tv_nsec = (long)(wake % 1000) * 1000000L;
			if (pthread_cond_timedwait(&st.cond, &st.lock, &until) == ETIMEDOUT &&
			    st.head == NULL)
				break;
		}
		if (st.head == NULL && st.stopping) {
			pthread_mutex_unlock(&st.lock);
			break;
		}
		if (st.head == NULL) {
			pthread_mutex_unlock(&st.lock);
			if (db)
				housekeep(db);
			rrd_writer_flush_due(w, time(NULL));
			next_housekeep = time(NULL) + HOUSEKEEP_S;
			continue;
		}
		tc = st.tc;
		if (st.write_cache != cache) {
			cache = st.write_cache;
			rrd_writer_set_cache(w, cache);
		}
		/* take up to BATCH_MAX items: one transaction for all of them */
		batch = st.head;
		{
			struct item *last = batch;
			size_t ev = 0;

			/* a batch: up to BATCH_MAX items, and not much more than that many events */
			for (n = 1; ; n++) {
				if (last->kind == ITEM_EVENTS)
					ev += last->events.n;
				if (last->kind != ITEM_POLL)
					st.urgent--;
				if (n >= BATCH_MAX || last->next == NULL || ev >= 20000)
					break;
				last = last->next;
			}
			st.queued_events -= ev;
			st.head = last->next;
			last->next = NULL;
			if (st.head == NULL)
				st.tail = NULL;
			st.queued -= n;
			st.lazy_since = mono_ms();
		}
		pthread_mutex_unlock(&st.lock);

		full = db && needs_full_sync(batch);
		if (full)
			sqlite3_exec(db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
		if (db && db_begin(db) < 0)
			st.stats.db_errors++;
		for (struct item *it = batch; it; it = it->next) {
			if (db == NULL || apply_item(db, w, memo, it, &tc) < 0) {
				it->failed = 1;
				wmemo_clear(memo);
				st.stats.db_errors++;
				if (it->kind == ITEM_TICKETS)
					log_warnx("store: ticket changes could not be written");
			} else {
				st.stats.written++;
			}
		}
		if (db && db_commit(db) < 0) {
			st.stats.db_errors++;
			db_rollback(db);
			wmemo_clear(memo);
			ok = 0;
		}
		flush_notices(ok && db != NULL);
		if (full)
			sqlite3_exec(db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
		send_replies(batch, ok && db != NULL);
		while (batch) {
			struct item *next = batch->next;

			item_free(batch);
			batch = next;
		}
		if (time(NULL) >= next_housekeep) {
			if (db)
				housekeep(db);
			rrd_writer_flush_due(w, time(NULL));
			next_housekeep = time(NULL) + HOUSEKEEP_S;
		}
	}
	rrd_writer_free(w);
	wmemo_free(memo);
	db_close(db);
	return NULL;
}

int
store_start(const struct nocd_conf *conf)
{
	nocd_strlcpy(st.state_dir, conf->state_dir, sizeof(st.state_dir));
	nocd_strlcpy(st.rrdcached, conf->rrdcached, sizeof(st.rrdcached));
	st.step = (unsigned long)conf->poll_interval;
	st.tc = conf->tickets;
	st.write_cache = conf->rrd_write_cache;
	st.ev_max_age_s = (long long)conf->events_max_age_days * 86400;
	st.ev_max_rows = conf->events_max_rows;
	st.stopping = 0;
	st.running = 1;
	{
		/* the writer's waits are on the monotonic clock: mono_ms() */
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_destroy(&st.cond);
		pthread_cond_init(&st.cond, &ca);
		pthread_condattr_destroy(&ca);
	}
	if (pthread_create(&st.thread, NULL, store_main, NULL) != 0) {
		st.running = 0;
		log_warnx("store: cannot start the writer thread");
		return -1;
	}
	return 0;
}

void
store_stop(void)
{
	if (!st.running)
		return;
	pthread_mutex_lock(&st.lock);
	st.stopping = 1;
	pthread_cond_signal(&st.cond);
	pthread_mutex_unlock(&st.lock);
	pthread_join(st.thread, NULL);
	st.running = 0;
}

void
store_get_stats(struct store_stats *s)
{
	pthread_mutex_lock(&st.lock);
	*s = st.stats;
	s->queued = st.queued;
	pthread_mutex_unlock(&st.lock);
}
