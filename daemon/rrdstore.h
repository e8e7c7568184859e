/*
 * RRD archives: one file per device, metric group and instance:
 *   STATE_DIR/rrd/<device>/<group>/<instance>.rrd
 * with every component passed through name_sanitize(). Data sources are the
 * group's numeric columns, stored as GAUGE (rates are computed by nocd, so a
 * counter reset can never become a spike). Archives keep raw resolution for
 * 2 days, then 30-minute, 2-hour and 1-day averages and maxima.
 */
#ifndef NOCD_RRDSTORE_H
#define NOCD_RRDSTORE_H

#include <stddef.h>
#include <time.h>

#define RRD_MAX_DS 32
#define RRD_MAX_RRA 16

struct rrd_layout {
	unsigned long step;		/* seconds */
	unsigned long heartbeat;
	char rra[RRD_MAX_RRA][48];	/* "RRA:AVERAGE:0.5:1:2880" */
	size_t n_rra;
};

/* The archive layout for a poll interval, in seconds. */
void rrd_layout_for(unsigned long step, struct rrd_layout *l);

/* Build the path; -1 if it does not fit. Never leaves state_dir. */
int rrd_path(const char *state_dir, const char *device, const char *group,
	const char *instance, char *out, size_t outlen);

struct rrd_writer;
/* rrdcached: "" for direct file writes, "unix:/path" or "host:port". */
struct rrd_writer *rrd_writer_new(const char *state_dir, const char *rrdcached,
	unsigned long step);
void rrd_writer_free(struct rrd_writer *w);

/*
 * Write one sample. Creates the file (and its directories) on first use;
 * a file whose data sources differ from `ds` is renamed aside and created
 * anew. Errors (full disk, unwritable file, daemon gone) are logged at a
 * limited rate and counted; they return -1 and are never fatal.
 */
int rrd_writer_update(struct rrd_writer *w, const char *device, const char *group,
	const char *instance, time_t when, const char *const *ds, const double *values,
	size_t n);
/* Ask rrdcached to write out what it holds for a file (before graphing). */
int rrd_flush_file(const char *rrdcached, const char *path);
unsigned long rrd_writer_errors(const struct rrd_writer *w);

/*
 * Write-back for direct writes (not through rrdcached, which has its own):
 * updates are held up to `seconds` per file and written together, the way
 * rrdcached's -w and collectd's CacheTimeout do. 0 writes every sample.
 */
void rrd_writer_set_cache(struct rrd_writer *w, int seconds);
/* Write what is held: of one device (NULL: of all). Returns files written. */
int rrd_writer_flush(struct rrd_writer *w, const char *device);
/* Write the files whose hold time is over. */
int rrd_writer_flush_due(struct rrd_writer *w, time_t now);

#endif
