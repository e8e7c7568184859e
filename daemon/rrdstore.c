/*
 * RRD archives: layout, paths, and the writer (direct librrd calls or
 * rrdcached). The writer runs in the store thread, so only the thread-safe
 * librrd calls (the _r variants, rrd_get_error() being thread-local there)
 * are used, and a failure of any kind is counted and logged, never fatal.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rrd.h>
#include <rrd_client.h>

#include "hashmap.h"
#include "log.h"
#include "pack.h"
#include "rrdstore.h"
#include "sanitize.h"
#include "util.h"

#define DAY			86400UL
#define DEFAULT_STEP		60UL
#define MAX_STEP		DAY
#define DS_NAME_MAX		20	/* 19 characters and the NUL */
#define CONNECT_TIMEOUT_MS	1000
#define RETRY_MIN_MS		1000
#define RETRY_MAX_MS		60000

/*
 * A file's data sources, in the file's order, with the template
 * rrd_update_r() takes ("a:b:c"). Files of one metric group share one list:
 * the writer keeps each distinct list once.
 */
struct ds_list {
	size_t n;
	char ds[RRD_MAX_DS][DS_NAME_MAX];
	char tmpl[RRD_MAX_DS * DS_NAME_MAX];
};

/*
 * What we know about one archive file, learned once and kept up to date.
 * Thousands of them live in memory: held samples are kept packed (pack.h),
 * not as the text rrd_update_r() takes, which is made only when they are
 * written.
 */
struct rrd_file {
	time_t last;				/* last update written or queued: */
						/* while held, the newest held one's */
	uint8_t *pend;				/* write-back: samples held, packed */
	uint32_t pend_len, pend_cap;		/* bytes */
	int n_pend;
	time_t flush_at;
	const struct ds_list *dsl;		/* the writer's; lives as long */
};

struct rrd_writer {
	char state_dir[PATH_MAX];
	char daemon[PATH_MAX];		/* "" = direct writes */
	int daemon_unix;		/* local socket: absolute paths */
	struct rrd_layout layout;
	struct hashmap *files;		/* path -> struct rrd_file */
	struct hashmap *ds_lists;	/* template -> struct ds_list */
	unsigned long errors;
	unsigned long skipped;		/* samples not newer than the file */
	int64_t retry_at;		/* mono_ms() of the next connection attempt */
	int64_t backoff_ms;
	int daemon_down;
	struct log_ratelimit rl;
	int cache_s;			/* hold direct updates this long; 0 = write each */
	unsigned long flushes;
};

/* --- layout --- */

void
rrd_layout_for(unsigned long step, struct rrd_layout *l)
{
	/* resolution (0 = one poll per row) and how long to keep it */
	static const struct {
		unsigned long res, keep;
	} tiers[] = {
		{ 0, 2 * DAY },
		{ 1800, 35 * DAY },
		{ 7200, 100 * DAY },
		{ DAY, 800 * DAY },
	};
	unsigned long pdp[ARRAY_SIZE(tiers)], rows[ARRAY_SIZE(tiers)];
	size_t n = 0;

	if (step == 0)
		step = DEFAULT_STEP;
	if (step > MAX_STEP)
		step = MAX_STEP;
	memset(l, 0, sizeof(*l));
	l->step = step;
	l->heartbeat = 2 * step;
	for (size_t i = 0; i < ARRAY_SIZE(tiers); i++) {
		unsigned long p = tiers[i].res / step, r;

		if (p == 0 || tiers[i].res == 0)
			p = 1;
		r = (tiers[i].keep + p * step - 1) / (p * step);
		/* a step as coarse as this tier: the previous archive keeps longer */
		if (n > 0 && pdp[n - 1] == p) {
			if (r > rows[n - 1])
				rows[n - 1] = r;
			continue;
		}
		pdp[n] = p;
		rows[n++] = r;
	}
	for (size_t i = 0; i < n && l->n_rra + 2 <= RRD_MAX_RRA; i++) {
		snprintf(l->rra[l->n_rra++], sizeof(l->rra[0]), "RRA:AVERAGE:0.5:%lu:%lu",
		    pdp[i], rows[i]);
		snprintf(l->rra[l->n_rra++], sizeof(l->rra[0]), "RRA:MAX:0.5:%lu:%lu",
		    pdp[i], rows[i]);
	}
}

/* --- paths --- */

int
rrd_path(const char *state_dir, const char *device, const char *group,
	const char *instance, char *out, size_t outlen)
{
	char d[SANITIZED_MAX], g[SANITIZED_MAX], in[SANITIZED_MAX];
	size_t len = strlen(state_dir);
	int n;

	if (outlen > 0)
		out[0] = '\0';
	if (len == 0 || device == NULL || group == NULL || instance == NULL)
		return -1;
	while (len > 1 && state_dir[len - 1] == '/')
		len--;
	if (len > INT_MAX)
		return -1;
	if (name_sanitize(device, d, sizeof(d)) < 0 ||
	    name_sanitize(group, g, sizeof(g)) < 0 ||
	    name_sanitize(instance, in, sizeof(in)) < 0)
		return -1;
	n = snprintf(out, outlen, "%.*s%srrd/%s/%s/%s.rrd", (int)len, state_dir,
	    state_dir[len - 1] == '/' ? "" : "/", d, g, in);
	if (n < 0 || (size_t)n >= outlen) {
		if (outlen > 0)
			out[0] = '\0';
		return -1;
	}
	return 0;
}

/*
 * The name rrdcached is given for a file. Over a local socket the absolute
 * path (librrd resolves it); over TCP librrd refuses absolute paths, so the
 * daemon gets "rrd/<device>/<group>/<instance>.rrd", relative to its base
 * directory (-b), which must then be the state directory.
 */
static const char *
daemon_name(const char *daemon, const char *path)
{
	size_t len = strlen(path);
	int slashes = 0;

	if (daemon[0] == '/' || strncmp(daemon, "unix:", 5) == 0 || path[0] != '/')
		return path;
	for (size_t i = len; i > 0; i--) {
		if (path[i - 1] == '/' && ++slashes == 4)
			return path + i;
	}
	return path;
}

static int
is_unix_address(const char *addr)
{
	return addr[0] == '/' || strncmp(addr, "unix:", 5) == 0;
}

/* --- rrdcached connection --- */

/*
 * librrd connects with a blocking connect(); a host that does not answer
 * would hold the writer for minutes. Try first, with a short timeout.
 * Address forms as librrd parses them: "host", "host:port", "[v6]:port".
 */
static int
tcp_reachable(const char *addr, int timeout_ms)
{
	char buf[NI_MAXHOST], *host = buf, *port = NULL;
	struct addrinfo hints, *res = NULL;
	int ok = 0;

	if (copy_string(buf, sizeof(buf), addr) < 0)
		return 0;
	if (*host == '[') {
		char *end = strchr(++host, ']');

		if (end == NULL || (end[1] != ':' && end[1] != '\0'))
			return 0;
		*end = '\0';
		if (end[1] == ':')
			port = end + 2;
	} else if ((port = strrchr(host, ':')) != NULL) {
		*port++ = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port && *port ? port : RRDCACHED_DEFAULT_PORT, &hints, &res) != 0)
		return 0;
	for (struct addrinfo *ai = res; ai && !ok; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
		struct pollfd pfd;
		int err = 0;
		socklen_t elen = sizeof(err);

		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			ok = 1;
		} else if (errno == EINPROGRESS) {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			if (poll(&pfd, 1, timeout_ms) == 1 &&
			    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == 0 && err == 0)
				ok = 1;
		}
		close(fd);
	}
	freeaddrinfo(res);
	return ok;
}

static const char *
rrd_errmsg(void)
{
	const char *e = rrd_get_error();

	return e && *e ? e : "unknown error";
}

/* Make sure we talk to rrdcached; 0, or -1 (counted by the caller). */
static int
daemon_connect(struct rrd_writer *w)
{
	int64_t now;

	if (rrdc_is_connected(w->daemon))
		return 0;
	now = mono_ms();
	if (w->daemon_down && now < w->retry_at)
		return -1;
	rrd_clear_error();
	if ((w->daemon_unix || tcp_reachable(w->daemon, CONNECT_TIMEOUT_MS)) &&
	    rrdc_connect(w->daemon) == 0 && rrdc_is_connected(w->daemon)) {
		if (w->daemon_down)
			log_info("rrd: connected to rrdcached %s again", w->daemon);
		w->daemon_down = 0;
		w->backoff_ms = RETRY_MIN_MS;
		return 0;
	}
	log_limited(&w->rl, LOG_LVL_WARN, "rrd: cannot reach rrdcached %s: %s%s", w->daemon,
	    rrd_test_error() ? rrd_errmsg() : "no answer",
	    w->daemon_down ? "" : " (samples are lost until it is back)");
	w->daemon_down = 1;
	w->retry_at = now + w->backoff_ms;
	w->backoff_ms = w->backoff_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : w->backoff_ms * 2;
	rrd_clear_error();
	return -1;
}

int
rrd_flush_file(const char *rrdcached, const char *path)
{
	int rc;

	if (rrdcached == NULL || rrdcached[0] == '\0')
		return 0;
	if (!is_unix_address(rrdcached) && !tcp_reachable(rrdcached, CONNECT_TIMEOUT_MS))
		return -1;
	rrd_clear_error();
	if (rrdc_connect(rrdcached) != 0 || !rrdc_is_connected(rrdcached))
		return -1;
	rc = rrdc_flush(daemon_name(rrdcached, path));
	rrd_clear_error();
	return rc == 0 ? 0 : -1;
}

/* --- the writer --- */

struct rrd_writer *
rrd_writer_new(const char *state_dir, const char *rrdcached, unsigned long step)
{
	struct rrd_writer *w = xcalloc(1, sizeof(*w));
	static const struct log_ratelimit rl = LOG_RATELIMIT_INIT(60, 5);

	nocd_strlcpy(w->state_dir, state_dir, sizeof(w->state_dir));
	nocd_strlcpy(w->daemon, rrdcached ? rrdcached : "", sizeof(w->daemon));
	w->daemon_unix = is_unix_address(w->daemon);
	rrd_layout_for(step, &w->layout);
	w->files = hashmap_new(64);
	w->ds_lists = hashmap_new(16);
	w->backoff_ms = RETRY_MIN_MS;
	w->rl = rl;
	if (w->daemon[0])
		(void)daemon_connect(w);	/* failures are retried on updates */
	return w;
}

static void
file_free(void *v)
{
	struct rrd_file *f = v;

	if (f == NULL)
		return;
	free(f->pend);
	free(f);
}

static int is_stale_update_error(const char *e);

/* "time:v1:v2..." as rrd_update_r() and rrdcached take it; U for unknown. */
#define SAMPLE_TEXT_MAX(n)	(24 + (n) * 26)

static void
sample_text(char *buf, size_t len, time_t when, const double *v, size_t n)
{
	size_t l = (size_t)snprintf(buf, len, "%lld", (long long)when);

	for (size_t i = 0; i < n && l < len; i++) {
		if (isfinite(v[i]))
			l += (size_t)snprintf(buf + l, len - l, ":%.17g", v[i]);
		else
			l += (size_t)snprintf(buf + l, len - l, ":U");
	}
}

/*
 * Write a file's held updates in one rrd_update_r() call: one open, one
 * header read and one mmap for all of them instead of one per sample.
 */
static int
flush_file(struct rrd_writer *w, const char *path, struct rrd_file *f)
{
	const char *tmpl = f->dsl->tmpl;
	size_t one = SAMPLE_TEXT_MAX(f->dsl->n), pos = 0;
	double x[RRD_MAX_DS];
	time_t when = 0;
	char *text, **argv;
	int rc, n = 0;

	if (f->n_pend == 0)
		return 0;
	text = xreallocarray(NULL, (size_t)f->n_pend, one);
	argv = xreallocarray(NULL, (size_t)f->n_pend, sizeof(*argv));
	/* pack_sample() wrote them all whole: n ends at n_pend */
	for (size_t used; n < f->n_pend && (used = unpack_sample(f->pend + pos,
	    f->pend_len - pos, when, &when, x, f->dsl->n)) > 0; n++) {
		pos += used;
		argv[n] = text + (size_t)n * one;
		sample_text(argv[n], one, when, x, f->dsl->n);
	}
	rrd_clear_error();
	rc = rrd_update_r(path, tmpl, n, (const char **)argv);
	w->flushes++;
	if (rc != 0 && is_stale_update_error(rrd_get_error())) {
		/* some were not newer than the file: write the rest one by one */
		rrd_clear_error();
		rc = 0;
		for (int i = 0; i < n; i++) {
			const char *each[1] = { argv[i] };

			if (rrd_update_r(path, tmpl, 1, each) != 0) {
				if (!is_stale_update_error(rrd_get_error()))
					rc = -1;
				else
					w->skipped++;
				rrd_clear_error();
			}
		}
	}
	if (rc != 0) {
		w->errors += (unsigned long)f->n_pend;
		log_limited(&w->rl, LOG_LVL_WARN, "rrd: cannot update %s (%d samples): %s",
		    path, f->n_pend, rrd_test_error() ? rrd_errmsg() : "error");
		rrd_clear_error();
	}
	free(argv);
	free(text);
	/*
	 * A file is flushed at the same point of each hold time, so it will hold
	 * as many again: keep room for that many, not for the growth's overshoot.
	 */
	if (f->pend_cap > f->pend_len + PACK_SAMPLE_MAX(f->dsl->n)) {
		f->pend_cap = f->pend_len + (uint32_t)PACK_SAMPLE_MAX(f->dsl->n);
		f->pend = xreallocarray(f->pend, f->pend_cap, 1);
	}
	f->n_pend = 0;
	f->pend_len = 0;
	return rc ? -1 : 0;
}

struct flush_ctx {
	struct rrd_writer *w;
	const char *prefix;	/* NULL: every file */
	size_t plen;
	time_t due;		/* 0: whatever is held; else only files due by then */
	int n;
};

static int
flush_one(const char *key, void *value, void *arg)
{
	struct flush_ctx *c = arg;
	struct rrd_file *f = value;

	if (f->n_pend == 0 || (c->due && f->flush_at > c->due) ||
	    (c->prefix && strncmp(key, c->prefix, c->plen) != 0))
		return 0;
	flush_file(c->w, key, f);
	c->n++;
	return 0;
}

int
rrd_writer_flush(struct rrd_writer *w, const char *device)
{
	char prefix[PATH_MAX];
	struct flush_ctx c = { w, NULL, 0, 0, 0 };

	if (w == NULL)
		return 0;
	if (device) {
		/* every file under rrd/<device>/ */
		if (rrd_path(w->state_dir, device, "x", "x", prefix, sizeof(prefix)) < 0)
			return -1;
		prefix[strlen(prefix) - strlen("x/x.rrd")] = '\0';
		c.prefix = prefix;
		c.plen = strlen(prefix);
	}
	hashmap_foreach(w->files, flush_one, &c, NULL);
	return c.n;
}

int
rrd_writer_flush_due(struct rrd_writer *w, time_t now)
{
	struct flush_ctx c = { w, NULL, 0, now, 0 };

	if (w == NULL || w->cache_s <= 0)
		return 0;
	hashmap_foreach(w->files, flush_one, &c, NULL);
	return c.n;
}

void
rrd_writer_set_cache(struct rrd_writer *w, int seconds)
{
	if (w == NULL)
		return;
	if (seconds <= 0)
		rrd_writer_flush(w, NULL);
	w->cache_s = seconds > 0 ? seconds : 0;
}

void
rrd_writer_free(struct rrd_writer *w)
{
	if (w == NULL)
		return;
	if (w->daemon[0] && rrdc_is_connected(w->daemon))
		rrdc_disconnect();
	if (w->skipped)
		log_debug("rrd: %lu samples were not newer than their file", w->skipped);
	rrd_writer_flush(w, NULL);
	hashmap_free(w->files, file_free);
	hashmap_free(w->ds_lists, free);
	free(w);
}

unsigned long
rrd_writer_errors(const struct rrd_writer *w)
{
	return w ? w->errors : 0;
}

static uint32_t
name_hash(const char *s)
{
	uint64_t h = fnv1a(FNV_SEED, s, strlen(s));

	return (uint32_t)(h ^ (h >> 32));
}

static int
fail(struct rrd_writer *w, const char *path, const char *what, const char *why)
{
	w->errors++;
	log_limited(&w->rl, LOG_LVL_WARN, "rrd: %s %s: %s", what, path, why);
	rrd_clear_error();
	return -1;
}

static int
parent_dir(const char *path)
{
	char dir[PATH_MAX];
	char *slash;

	if (copy_string(dir, sizeof(dir), path) < 0)
		return -1;
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return 0;
	*slash = '\0';
	return mkdir_p(dir, 0750);
}

static int
create_file(struct rrd_writer *w, const char *path, const char *const *ds, size_t n,
	time_t when)
{
	const char *argv[RRD_MAX_DS + RRD_MAX_RRA];
	char defs[RRD_MAX_DS][64];
	int argc = 0;

	if (parent_dir(path) < 0)
		return fail(w, path, "cannot create the directory of", strerror(errno));
	for (size_t i = 0; i < n; i++) {
		snprintf(defs[i], sizeof(defs[i]), "DS:%s:GAUGE:%lu:U:U", ds[i],
		    w->layout.heartbeat);
		argv[argc++] = defs[i];
	}
	for (size_t i = 0; i < w->layout.n_rra; i++)
		argv[argc++] = w->layout.rra[i];
	rrd_clear_error();
	/* no_overwrite: a file that appeared meanwhile is not clobbered */
	if (rrd_create_r2(path, w->layout.step, when - (time_t)w->layout.step, 1, NULL, NULL,
	    argc, argv) != 0)
		return fail(w, path, "cannot create", rrd_errmsg());
	log_debug("rrd: created %s", path);
	return 0;
}

/* The writer's one copy of this list of data sources. */
static const struct ds_list *
ds_list_intern(struct rrd_writer *w, const struct ds_list *l)
{
	struct ds_list *have = hashmap_get(w->ds_lists, l->tmpl);

	if (have == NULL) {
		have = xcalloc(1, sizeof(*have));
		memcpy(have, l, sizeof(*have));
		hashmap_put(w->ds_lists, have->tmpl, have);
	}
	return have;
}

/* The data sources and last update of an existing file; NULL if unreadable. */
static struct rrd_file *
read_file(struct rrd_writer *w, const char *path)
{
	unsigned long n_ds = 0;
	char **names = NULL, **last_ds = NULL;
	struct ds_list l;
	struct rrd_file *f = NULL;
	time_t last = 0;
	size_t tl = 0;
	int rc = 0;

	rrd_clear_error();
	if (rrd_lastupdate_r(path, &last, &n_ds, &names, &last_ds) != 0)
		return NULL;
	memset(&l, 0, sizeof(l));
	if (n_ds == 0 || n_ds > RRD_MAX_DS)
		rc = -1;
	for (unsigned long i = 0; i < n_ds; i++) {
		if (rc == 0 && copy_string(l.ds[i], sizeof(l.ds[i]), names[i]) < 0)
			rc = -1;
		if (rc == 0)
			tl += (size_t)snprintf(l.tmpl + tl, sizeof(l.tmpl) - tl, "%s%s",
			    i ? ":" : "", l.ds[i]);
		free(names[i]);
		free(last_ds[i]);
	}
	free(names);
	free(last_ds);
	if (rc < 0)
		return NULL;
	l.n = n_ds;
	f = xcalloc(1, sizeof(*f));
	f->dsl = ds_list_intern(w, &l);
	f->last = last;
	return f;
}

/* Same data sources, in any order? */
static int
same_ds(const struct rrd_file *f, const char *const *ds, size_t n)
{
	if (f->dsl->n != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		size_t k;

		for (k = 0; k < n; k++)
			if (strcmp(f->dsl->ds[i], ds[k]) == 0)
				break;
		if (k == n)
			return 0;
	}
	return 1;
}

/* The file on disk is about to change under rrdcached: have it written out first. */
static void
daemon_flush(struct rrd_writer *w, const char *path)
{
	if (w->daemon[0] && daemon_connect(w) == 0) {
		(void)rrdc_flush(daemon_name(w->daemon, path));
		rrd_clear_error();
	}
}

static int
rename_aside(struct rrd_writer *w, const char *path, const char *why)
{
	char aside[PATH_MAX + 32];

	daemon_flush(w, path);
	snprintf(aside, sizeof(aside), "%s.old-%lld", path, (long long)time(NULL));
	if (rename(path, aside) < 0)
		return fail(w, path, "cannot rename aside", strerror(errno));
	if (w->daemon[0] && rrdc_is_connected(w->daemon)) {
		(void)rrdc_forget(daemon_name(w->daemon, path));
		rrd_clear_error();
	}
	log_info("rrd: %s %s, kept as %s", path, why, aside);
	return 0;
}

/*
 * The file for these data sources, created or checked once, then known.
 * Returns NULL on error (already counted).
 */
static struct rrd_file *
file_for(struct rrd_writer *w, const char *path, const char *const *ds, size_t n,
	time_t when)
{
	struct rrd_file *f = hashmap_get(w->files, path), *probe;
	struct stat sb;
	int exists;

	if (f && same_ds(f, ds, n))
		return f;
	if (f == NULL) {
		/* first use: learn what is on disk (after rrdcached wrote its part) */
		exists = stat(path, &sb) == 0;
		if (!exists && errno != ENOENT) {
			fail(w, path, "cannot stat", strerror(errno));
			return NULL;
		}
		if (exists) {
			daemon_flush(w, path);
			if ((probe = read_file(w, path)) != NULL) {
				if (same_ds(probe, ds, n)) {
					hashmap_put(w->files, path, probe);
					return probe;
				}
				file_free(probe);
				if (rename_aside(w, path, "has other data sources") < 0)
					return NULL;
			} else {
				int fd = open(path, O_RDONLY | O_CLOEXEC);

				/* unreadable: report; readable but not an archive: replace */
				if (fd < 0) {
					fail(w, path, "cannot read", strerror(errno));
					return NULL;
				}
				close(fd);
				rrd_clear_error();
				if (rename_aside(w, path, "is not a valid archive") < 0)
					return NULL;
			}
		}
	} else {
		/* the group's data sources changed while we were running */
		hashmap_remove(w->files, path);
		flush_file(w, path, f);
		file_free(f);
		f = NULL;
		if (rename_aside(w, path, "has other data sources") < 0)
			return NULL;
	}
	if (create_file(w, path, ds, n, when) < 0)
		return NULL;
	if ((probe = read_file(w, path)) == NULL || !same_ds(probe, ds, n)) {
		/* somebody else created it meanwhile, differently: next time */
		file_free(probe);
		fail(w, path, "cannot check new", rrd_test_error() ? rrd_errmsg() :
		    "other data sources");
		return NULL;
	}
	hashmap_put(w->files, path, probe);
	return probe;
}

static int
is_stale_update_error(const char *e)
{
	return e && (strstr(e, "illegal attempt to update") != NULL ||
	    strstr(e, "minimum one second step") != NULL);
}

int
rrd_writer_update(struct rrd_writer *w, const char *device, const char *group,
	const char *instance, time_t when, const char *const *ds, const double *values,
	size_t n)
{
	char path[PATH_MAX], val[SAMPLE_TEXT_MAX(RRD_MAX_DS)];
	double ordered[RRD_MAX_DS];
	const char *argv[1];
	struct rrd_file *f;
	int rc;

	if (w == NULL)
		return -1;
	if (rrd_path(w->state_dir, device, group, instance, path, sizeof(path)) < 0)
		return fail(w, "(a sample)", "cannot build the path of", "too long");
	if (n == 0 || n > RRD_MAX_DS)
		return fail(w, path, "cannot write", "no or too many data sources");
	for (size_t i = 0; i < n; i++) {
		if (ds[i] == NULL || !ds_name_is_valid(ds[i]))
			return fail(w, path, "cannot write", "invalid data source name");
		for (size_t k = 0; k < i; k++)
			if (strcmp(ds[i], ds[k]) == 0)
				return fail(w, path, "cannot write", "duplicate data source name");
	}
	if (w->daemon[0] && daemon_connect(w) < 0) {
		w->errors++;
		return -1;
	}
	if ((f = file_for(w, path, ds, n, when)) == NULL)
		return -1;
	if (when <= f->last) {
		w->skipped++;
		return 0;
	}

	/* values in the file's order: rrdcached takes no template */
	for (size_t i = 0; i < f->dsl->n; i++) {
		size_t k;

		for (k = 0; k < n && strcmp(f->dsl->ds[i], ds[k]) != 0; k++)
			;
		ordered[i] = values[k];
	}
	if (!w->daemon[0] && w->cache_s > 0) {
		time_t now = time(NULL);
		size_t room = PACK_SAMPLE_MAX(f->dsl->n);

		/* held: flushed with the file's next ones (spread over the cache time) */
		if (f->n_pend == 0)
			f->flush_at = now + w->cache_s / 2 +
			    (time_t)(name_hash(path) % (uint32_t)(w->cache_s / 2 + 1));
		if (f->pend_cap - f->pend_len < room) {
			/* most files hold a few samples; grow by halves, not doubling */
			size_t cap = f->pend_cap ? f->pend_cap + f->pend_cap / 2 : 4 * room / 3;

			f->pend_cap = (uint32_t)(cap < f->pend_len + room ? f->pend_len + room : cap);
			f->pend = xreallocarray(f->pend, f->pend_cap, 1);
		}
		f->pend_len += (uint32_t)pack_sample(f->pend + f->pend_len,
		    f->n_pend ? f->last : 0, when, ordered, f->dsl->n);
		f->n_pend++;
		f->last = when;
		if (now >= f->flush_at || f->n_pend >= 256)
			return flush_file(w, path, f);
		return 0;
	}
	sample_text(val, sizeof(val), when, ordered, f->dsl->n);
	argv[0] = val;
	rrd_clear_error();
	if (w->daemon[0]) {
		const char *name = daemon_name(w->daemon, path);

		rc = rrdc_update(name, 1, argv);
		if (rc != 0 && !rrdc_is_connected(w->daemon) &&
		    !is_stale_update_error(rrd_get_error())) {
			/* the connection broke (rrdcached restarted?): once more */
			if (daemon_connect(w) == 0) {
				rrd_clear_error();
				rc = rrdc_update(name, 1, argv);
			}
		}
	} else {
		rc = rrd_update_r(path, f->dsl->tmpl, 1, argv);
	}
	if (rc != 0) {
		if (is_stale_update_error(rrd_get_error())) {
			/* the file knows a later sample than we did */
			rrd_clear_error();
			w->skipped++;
			f->last = when;
			return 0;
		}
		if (w->daemon[0] && !rrdc_is_connected(w->daemon)) {
			/* rrdcached went away; the file is not to blame */
			w->errors++;
			if (!w->daemon_down) {
				log_limited(&w->rl, LOG_LVL_WARN, "rrd: lost the connection to "
				    "rrdcached %s: %s", w->daemon, rrd_test_error() ? rrd_errmsg() :
				    "no answer");
				w->daemon_down = 1;
				w->retry_at = mono_ms() + w->backoff_ms;
			}
			rrd_clear_error();
			return -1;
		}
		/* check the file again next time: it may be gone or replaced */
		rc = fail(w, path, "cannot update", rrd_test_error() ? rrd_errmsg() :
		    rc > 0 ? strerror(rc) : "rrdcached refused the update");
		file_free(hashmap_remove(w->files, path));
		return rc;
	}
	f->last = when;
	return 0;
}
