/*
 * The store is the writer thread: it takes what the poller read and writes
 * it to RRD files (directly or through rrdcached) and to the database, so
 * that no disk write ever runs on the event loop. Whoever submits gives away
 * its batch; the store frees it.
 */
#ifndef NOCD_STORE_H
#define NOCD_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct nocd_conf;
struct probe_set;

struct sample_value {
	char metric[20];	/* column name (RRD data source) */
	char unit[16];
	double value;		/* NAN = unknown */
	char *text;		/* COL_TEXT only; owned */
	int rrd;		/* goes to the RRD file */
};

struct sample_row {
	char group[32];		/* probe name */
	char instance[64];	/* table index ("3", "1.5") or "_" for scalars */
	char *label;		/* ifName etc., owned, may be NULL */
	struct sample_value *values;
	size_t n_values;
	int inventory;		/* a physical component (probe with inventory = true) */
};

/* What one poll of one device found. */
struct poll_result {
	char device[64];
	time_t when;
	int ok;			/* device answered */
	char status[16];	/* "up" "down" "error" */
	char reason[160];
	/* system group, when read this cycle (NULL = unchanged) */
	char *sys_descr, *sys_object_id, *sys_name, *sys_location, *sys_contact;
	uint32_t sys_uptime;
	int have_uptime;
	char *vendor;
	char *device_class;	/* detected class ("switch", "server"...), NULL = unchanged */
	struct sample_row *rows;
	size_t n_rows;
	double duration_ms;
	unsigned varbinds;
};

struct poll_result *poll_result_new(const char *device);
struct sample_row *poll_result_add_row(struct poll_result *r, const char *group,
	const char *instance, const char *label, size_t n_values);
void poll_result_free(struct poll_result *r);

/* Messages other than poll results: device added or removed at run time. */
struct device_conf;

int store_start(const struct nocd_conf *conf);
void store_stop(void);		/* drains the queue, joins the thread */
/* Never blocks: when the queue is full the result is dropped and counted. */
int store_submit(struct poll_result *r);
int store_device_upsert(const struct device_conf *d, const char *origin);
int store_device_remove(const char *name);
/* After a reload: upsert the file's devices, drop config devices no longer in it. */
int store_sync_config(const struct device_conf *devs, size_t n);

/* Ticket operations from the rule engine; the vector is taken over. Never
 * dropped: they wait for the writer however full the queue is. */
struct ticket_ops;
int store_tickets(struct ticket_ops *ops);
/*
 * An operator's action for the ticket queue (tickets.h): the writer applies
 * it and writes the JSON reply line to fd, then closes fd. Takes both.
 */
struct json_t;
int store_action(struct json_t *req, int fd);
/* Settings the writer reads (ticket SLA etc.), after start and every reload. */
void store_set_conf(const struct nocd_conf *conf);

/*
 * Events (traps, syslog): the batch is taken over. droppable: UDP input,
 * dropped and counted when the queue is full; TCP and RELP ingest passes 0
 * and applies back-pressure itself (store_queue_full()).
 */
struct event_batch;
int store_events(struct event_batch *b, int droppable);
int store_queue_full(void);
/* The same, not droppable, and wait until the batch is committed (RELP). 0 = on disk. */
int store_events_wait(struct event_batch *b, int timeout_s);

/* One attempt of an alert channel, recorded (latency_ms -1 = unknown). */
int store_notification(const char *channel, long long ticket, const char *event, int attempt,
	const char *outcome, const char *detail, long long latency_ms);

struct store_stats {
	uint64_t submitted, dropped, written, rrd_errors, db_errors;
	uint64_t ticket_ops, actions;
	uint64_t events_written, events_dropped;
	size_t queued;
};
void store_get_stats(struct store_stats *s);

#endif
