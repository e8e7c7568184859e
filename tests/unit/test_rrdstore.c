/* RRD archives: layout, paths, the writer (direct and through rrdcached), graphs. */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <rrd.h>

#include "graph.h"
#include "log.h"
#include "rrdstore.h"
#include "sanitize.h"
#include "util.h"

#ifndef TEST_SRCDIR
#define TEST_SRCDIR "."
#endif

#define RRDCACHED	"/usr/bin/rrdcached"
#define STEP		60
#define DAY		86400UL

static char tmpdir[64];

/* --- scratch directory --- */

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	(void)flag;
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

static int
setup(void **state)
{
	(void)state;
	nocd_strlcpy(tmpdir, "/tmp/nocd-test-rrd.XXXXXX", sizeof(tmpdir));
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int
unlock_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_D || flag == FTW_DNR)
		chmod(path, 0700);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	/* a test may have left a directory read-only: open everything up first */
	nftw(tmpdir, unlock_one, 16, FTW_PHYS);
	return nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
subdir(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", tmpdir, name);
	assert_int_equal(mkdir_p(out, 0750), 0);
}

/* --- layout --- */

struct rra {
	char cf[16];
	unsigned long pdp, rows;
};

static size_t
parse_layout(const struct rrd_layout *l, struct rra *r)
{
	for (size_t i = 0; i < l->n_rra; i++) {
		float xff;
		int end = 0;

		assert_int_equal(sscanf(l->rra[i], "RRA:%15[A-Z]:%f:%lu:%lu%n", r[i].cf, &xff,
		    &r[i].pdp, &r[i].rows, &end), 4);
		assert_int_equal((int)strlen(l->rra[i]), end);
		assert_true(xff == 0.5f);
		assert_true(r[i].pdp >= 1 && r[i].rows >= 1);
	}
	return l->n_rra;
}

/* The longest span kept at a resolution of `res` seconds or finer, for one CF. */
static unsigned long
kept_at(const struct rra *r, size_t n, unsigned long step, const char *cf, unsigned long res)
{
	unsigned long best = 0;

	for (size_t i = 0; i < n; i++)
		if (strcmp(r[i].cf, cf) == 0 && r[i].pdp * step <= res &&
		    r[i].pdp * r[i].rows * step > best)
			best = r[i].pdp * r[i].rows * step;
	return best;
}

static void
test_layout(void **state)
{
	static const unsigned long steps[] = { 10, 60, 300, 1, 7, 45, 1800, 3600, 86400 };
	struct rrd_layout l;
	struct rra r[RRD_MAX_RRA];

	(void)state;
	for (size_t s = 0; s < ARRAY_SIZE(steps); s++) {
		unsigned long step = steps[s];
		size_t n, avg = 0, max = 0;

		rrd_layout_for(step, &l);
		assert_int_equal(l.step, step);
		assert_int_equal(l.heartbeat, 2 * step);
		assert_true(l.n_rra >= 2 && l.n_rra <= RRD_MAX_RRA);
		n = parse_layout(&l, r);
		for (size_t i = 0; i < n; i++) {
			if (strcmp(r[i].cf, "AVERAGE") == 0)
				avg++;
			else if (strcmp(r[i].cf, "MAX") == 0)
				max++;
			else
				fail_msg("unexpected CF %s", r[i].cf);
		}
		assert_int_equal(avg, max);
		for (int c = 0; c < 2; c++) {
			const char *cf = c ? "MAX" : "AVERAGE";

			/* raw for two days */
			assert_true(kept_at(r, n, step, cf, step) >= 2 * DAY);
			/* 30 minutes (or the step, when coarser) for five weeks */
			assert_true(kept_at(r, n, step, cf, step > 1800 ? step : 1800) >= 35 * DAY);
			assert_true(kept_at(r, n, step, cf, step > 7200 ? step : 7200) >= 100 * DAY);
			/* daily for more than two years */
			assert_true(kept_at(r, n, step, cf, DAY) >= 800 * DAY);
			assert_true(kept_at(r, n, step, cf, DAY) >= 730 * DAY);
		}
		/* not absurdly more than asked: raw rows are ceil(2 days / step) */
		for (size_t i = 0; i < n; i++)
			if (r[i].pdp == 1 && step < 1800)
				assert_int_equal(r[i].rows, (2 * DAY + step - 1) / step);
	}

	rrd_layout_for(60, &l);
	assert_int_equal(l.n_rra, 8);
	assert_string_equal(l.rra[0], "RRA:AVERAGE:0.5:1:2880");
	assert_string_equal(l.rra[1], "RRA:MAX:0.5:1:2880");
	assert_string_equal(l.rra[2], "RRA:AVERAGE:0.5:30:1680");
	assert_string_equal(l.rra[4], "RRA:AVERAGE:0.5:120:1200");
	assert_string_equal(l.rra[6], "RRA:AVERAGE:0.5:1440:800");
	assert_string_equal(l.rra[7], "RRA:MAX:0.5:1440:800");
	rrd_layout_for(10, &l);
	assert_string_equal(l.rra[0], "RRA:AVERAGE:0.5:1:17280");
	assert_string_equal(l.rra[2], "RRA:AVERAGE:0.5:180:1680");
	rrd_layout_for(300, &l);
	assert_string_equal(l.rra[0], "RRA:AVERAGE:0.5:1:576");
	assert_string_equal(l.rra[2], "RRA:AVERAGE:0.5:6:1680");
	assert_string_equal(l.rra[4], "RRA:AVERAGE:0.5:24:1200");
	assert_string_equal(l.rra[6], "RRA:AVERAGE:0.5:288:800");
	/* 0 is not a step: a default is used */
	rrd_layout_for(0, &l);
	assert_true(l.step > 0 && l.heartbeat == 2 * l.step);
}

/* librrd accepts every layout. */
static void
test_layout_creates(void **state)
{
	static const unsigned long steps[] = { 10, 60, 300, 3600 };
	char path[256];

	(void)state;
	for (size_t s = 0; s < ARRAY_SIZE(steps); s++) {
		struct rrd_layout l;
		const char *argv[1 + RRD_MAX_RRA];
		int argc = 0;
		char **names = NULL, **vals = NULL;
		unsigned long n_ds = 0;
		time_t last = 0;

		rrd_layout_for(steps[s], &l);
		argv[argc++] = "DS:x:GAUGE:120:U:U";
		for (size_t i = 0; i < l.n_rra; i++)
			argv[argc++] = l.rra[i];
		snprintf(path, sizeof(path), "%s/layout-%lu.rrd", tmpdir, steps[s]);
		rrd_clear_error();
		if (rrd_create_r2(path, l.step, 1700000000, 0, NULL, NULL, argc, argv) != 0)
			fail_msg("create step %lu: %s", steps[s], rrd_get_error());
		assert_int_equal(rrd_lastupdate_r(path, &last, &n_ds, &names, &vals), 0);
		assert_int_equal(n_ds, 1);
		assert_int_equal(last, 1700000000);
		free(names[0]);
		free(vals[0]);
		free(names);
		free(vals);
		unlink(path);
	}
}

/* --- paths --- */

static void
check_inside(const char *state_dir, const char *path)
{
	char prefix[256];
	const char *rest, *p;
	int comps = 1;

	snprintf(prefix, sizeof(prefix), "%s/rrd/", state_dir);
	if (strncmp(path, prefix, strlen(prefix)) != 0)
		fail_msg("%s is not under %s", path, prefix);
	rest = path + strlen(prefix);
	assert_true(strlen(rest) > 4);
	assert_string_equal(rest + strlen(rest) - 4, ".rrd");
	for (p = rest; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '/') {
			comps++;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' || c == '~'))
			fail_msg("byte 0x%02x in %s", c, path);
	}
	assert_int_equal(comps, 3);
	/* no component is empty, "." or "..", or starts with a dot */
	for (p = rest; *p; ) {
		size_t n = strcspn(p, "/");

		assert_true(n > 0);
		assert_true(p[0] != '.');
		p += n;
		if (*p == '/')
			p++;
	}
	assert_null(strstr(path + strlen(prefix) - 1, "/../"));
	assert_null(strstr(path + strlen(prefix) - 1, "/./"));
}

static void
test_path_hostile(void **state)
{
	char longname[400], long2[400], path[4096];
	const char *hostile[] = {
		"../", "..", ".", "/", "//", "/etc/passwd", "../../../etc/shadow", "a/../../b",
		"%", "%2e%2e%2f", "%s%n", "\n", "\r\t\x1b[2J", "\x01\x7f\xff\xfe", "",
		"_", "~", ".hidden", "-rf", "a b", "con:", "x\\y", longname, long2,
	};
	char out[ARRAY_SIZE(hostile)][4096];
	const char *sd = "/var/lib/nocd";

	(void)state;
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	memcpy(long2, longname, sizeof(long2));
	long2[sizeof(long2) - 2] = 'y';	/* differs in the last byte only */

	for (size_t i = 0; i < ARRAY_SIZE(hostile); i++) {
		assert_int_equal(rrd_path(sd, hostile[i], "if", "eth0", path, sizeof(path)), 0);
		check_inside(sd, path);
		assert_int_equal(rrd_path(sd, "sw1", hostile[i], "eth0", path, sizeof(path)), 0);
		check_inside(sd, path);
		assert_int_equal(rrd_path(sd, "sw1", "if", hostile[i], out[i], sizeof(out[i])), 0);
		check_inside(sd, out[i]);
		assert_int_equal(rrd_path(sd, hostile[i], hostile[i], hostile[i], path,
		    sizeof(path)), 0);
		check_inside(sd, path);
	}
	/* injective: different instances never share a file */
	for (size_t i = 0; i < ARRAY_SIZE(hostile); i++)
		for (size_t k = i + 1; k < ARRAY_SIZE(hostile); k++)
			if (strcmp(hostile[i], hostile[k]) != 0 && strcmp(out[i], out[k]) == 0)
				fail_msg("\"%s\" and \"%s\" share %s", hostile[i], hostile[k], out[i]);

	assert_int_equal(rrd_path(sd, "sw1", "if", "", path, sizeof(path)), 0);
	assert_string_equal(path, "/var/lib/nocd/rrd/sw1/if/_.rrd");
	assert_int_equal(rrd_path(sd, "sw1", "if", "ge-0/0/1", path, sizeof(path)), 0);
	assert_string_equal(path, "/var/lib/nocd/rrd/sw1/if/ge-0_2f0_2f1.rrd");
	assert_int_equal(rrd_path("/var/lib/nocd/", "sw1", "if", "a_b", path, sizeof(path)), 0);
	assert_string_equal(path, "/var/lib/nocd/rrd/sw1/if/a_5fb.rrd");
	assert_int_equal(rrd_path("/", "d", "g", "i", path, sizeof(path)), 0);
	assert_string_equal(path, "/rrd/d/g/i.rrd");
	/* pairs that a careless escape would merge */
	{
		const char *pairs[][2] = {
			{ "a/b", "a_2fb" }, { "", "_" }, { ".", "_2e" }, { "a:b", "a_3ab" },
			{ "A", "a" }, { "x.rrd", "x" },
		};
		char p1[512], p2[512];

		for (size_t i = 0; i < ARRAY_SIZE(pairs); i++) {
			assert_int_equal(rrd_path(sd, "d", "g", pairs[i][0], p1, sizeof(p1)), 0);
			assert_int_equal(rrd_path(sd, "d", "g", pairs[i][1], p2, sizeof(p2)), 0);
			assert_string_not_equal(p1, p2);
		}
	}
	/* too small a buffer, or no state directory */
	assert_int_equal(rrd_path(sd, "sw1", "if", "eth0", path, 20), -1);
	assert_string_equal(path, "");
	/* exactly the room it needs (33 bytes and the NUL), then one byte less */
	assert_int_equal(rrd_path(sd, "sw1", "if", "eth0", path, 34), 0);
	assert_string_equal(path, "/var/lib/nocd/rrd/sw1/if/eth0.rrd");
	assert_int_equal(rrd_path(sd, "sw1", "if", "eth0", path, 33), -1);
	assert_int_equal(rrd_path(sd, "sw1", "if", "eth0", path, 14), -1);
	assert_int_equal(rrd_path("", "sw1", "if", "eth0", path, sizeof(path)), -1);
}

/* --- the writer, direct --- */

static void
last_values(const char *path, time_t *last, unsigned long *n, char names[][20], char vals[][32])
{
	char **nv = NULL, **vv = NULL;

	rrd_clear_error();
	if (rrd_lastupdate_r(path, last, n, &nv, &vv) != 0)
		fail_msg("lastupdate %s: %s", path, rrd_get_error());
	for (unsigned long i = 0; i < *n; i++) {
		if (i < 8) {
			nocd_strlcpy(names[i], nv[i], 20);
			nocd_strlcpy(vals[i], vv[i], 32);
		}
		free(nv[i]);
		free(vv[i]);
	}
	free(nv);
	free(vv);
}

/* The AVERAGE value of data source `ds` for the row ending at `t`. */
static double
fetch_at(const char *path, const char *cf, unsigned long ds, time_t t)
{
	time_t start = t - 5 * STEP, end = t + STEP;
	unsigned long step = STEP, n_ds = 0;
	char **names = NULL;
	rrd_value_t *data = NULL;
	double v = -1;

	rrd_clear_error();
	if (rrd_fetch_r(path, cf, &start, &end, &step, &n_ds, &names, &data) != 0)
		fail_msg("fetch %s: %s", path, rrd_get_error());
	assert_int_equal(step, STEP);
	assert_true(ds < n_ds);
	/* rows are stamped with the end of their interval: start + step, ... */
	for (time_t ts = start + (time_t)step, i = 0; ts <= end; ts += (time_t)step, i++)
		if (ts == t)
			v = data[(size_t)i * n_ds + ds];
	for (unsigned long i = 0; i < n_ds; i++)
		free(names[i]);
	free(names);
	free(data);
	return v;
}

static int
count_aside(const char *dir, const char *base)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char prefix[256];
	int n = 0;

	assert_non_null(d);
	snprintf(prefix, sizeof(prefix), "%s.old-", base);
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(d);
	return n;
}

static void
test_writer_direct(void **state)
{
	const char *ds[] = { "in", "out" };
	char sd[256], path[4096], names[8][20], vals[8][32];
	struct rrd_writer *w;
	time_t t0 = (time(NULL) / STEP) * STEP - 20 * STEP, last;
	unsigned long n;
	struct stat sb;

	(void)state;
	subdir(sd, sizeof(sd), "direct");
	w = rrd_writer_new(sd, "", STEP);
	assert_non_null(w);
	assert_int_equal(rrd_writer_errors(w), 0);
	for (int i = 0; i < 3; i++) {
		double v[2] = { 100.0 * (i + 1), i == 1 ? NAN : 0.5 * (i + 1) };

		assert_int_equal(rrd_writer_update(w, "sw1", "if", "ge-0/0/1", t0 + i * STEP, ds,
		    v, 2), 0);
	}
	assert_int_equal(rrd_writer_errors(w), 0);
	assert_int_equal(rrd_path(sd, "sw1", "if", "ge-0/0/1", path, sizeof(path)), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));

	last_values(path, &last, &n, names, vals);
	assert_int_equal(last, t0 + 2 * STEP);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "in");
	assert_string_equal(names[1], "out");
	assert_true(fabs(strtod(vals[0], NULL) - 300.0) < 1e-9);
	assert_true(fabs(strtod(vals[1], NULL) - 1.5) < 1e-9);

	assert_true(fabs(fetch_at(path, "AVERAGE", 0, t0) - 100.0) < 1e-6);
	assert_true(fabs(fetch_at(path, "AVERAGE", 0, t0 + STEP) - 200.0) < 1e-6);
	assert_true(fabs(fetch_at(path, "AVERAGE", 0, t0 + 2 * STEP) - 300.0) < 1e-6);
	assert_true(fabs(fetch_at(path, "MAX", 0, t0 + 2 * STEP) - 300.0) < 1e-6);
	assert_true(fabs(fetch_at(path, "AVERAGE", 1, t0) - 0.5) < 1e-6);
	assert_true(isnan(fetch_at(path, "AVERAGE", 1, t0 + STEP)));	/* NaN went in as U */

	/* not newer than the file: skipped quietly, not an error */
	{
		double v[2] = { 999, 999 };

		assert_int_equal(rrd_writer_update(w, "sw1", "if", "ge-0/0/1", t0 + 2 * STEP, ds,
		    v, 2), 0);
		assert_int_equal(rrd_writer_update(w, "sw1", "if", "ge-0/0/1", t0, ds, v, 2), 0);
		assert_int_equal(rrd_writer_errors(w), 0);
		last_values(path, &last, &n, names, vals);
		assert_int_equal(last, t0 + 2 * STEP);
		assert_true(fabs(strtod(vals[0], NULL) - 300.0) < 1e-9);
	}
	/* bad data source names, counts: errors, nothing written */
	{
		const char *bad[] = { "in:x", "out" }, *dup[] = { "in", "in" }, *longn[] = {
			"abcdefghijklmnopqrst" };
		double v[2] = { 1, 2 };

		assert_int_equal(rrd_writer_update(w, "sw1", "if", "ge-0/0/1", t0 + 3 * STEP, bad,
		    v, 2), -1);
		assert_int_equal(rrd_writer_errors(w), 1);
		assert_int_equal(rrd_writer_update(w, "sw1", "if", "ge-0/0/1", t0 + 3 * STEP, dup,
		    v, 2), -1);
		assert_int_equal(rrd_writer_update(w, "sw1", "if", "ge-0/0/1", t0 + 3 * STEP,
		    longn, v, 1), -1);
		assert_int_equal(rrd_writer_update(w, "sw1", "if", "ge-0/0/1", t0 + 3 * STEP, ds,
		    v, 0), -1);
		assert_int_equal(rrd_writer_errors(w), 4);
		last_values(path, &last, &n, names, vals);
		assert_int_equal(last, t0 + 2 * STEP);
	}
	/* a hostile instance name stays inside the state directory */
	{
		double v[2] = { 1, 2 };
		char evil[4096];

		assert_int_equal(rrd_writer_update(w, "..", "..", "../../x", t0, ds, v, 2), 0);
		assert_int_equal(rrd_path(sd, "..", "..", "../../x", evil, sizeof(evil)), 0);
		check_inside(sd, evil);
		assert_int_equal(stat(evil, &sb), 0);
	}
	/* the file disappears under the writer: an error, then it is created again */
	{
		double v[2] = { 7, 8 };

		assert_int_equal(unlink(path), 0);
		(void)rrd_writer_update(w, "sw1", "if", "ge-0/0/1", t0 + 3 * STEP, ds, v, 2);
		assert_int_equal(rrd_writer_update(w, "sw1", "if", "ge-0/0/1", t0 + 4 * STEP, ds,
		    v, 2), 0);
		last_values(path, &last, &n, names, vals);
		assert_int_equal(last, t0 + 4 * STEP);
	}
	rrd_writer_free(w);
}

static void
test_writer_ds_change(void **state)
{
	const char *ds2[] = { "in", "out" }, *ds3[] = { "in", "out", "errors" };
	const char *swapped[] = { "out", "in" };
	char sd[256], path[4096], dir[4096], names[8][20], vals[8][32];
	struct rrd_writer *w;
	time_t t0 = (time(NULL) / STEP) * STEP - 30 * STEP, last;
	unsigned long n;
	double v[3] = { 1, 2, 3 };

	(void)state;
	subdir(sd, sizeof(sd), "dschange");
	assert_int_equal(rrd_path(sd, "r1", "if", "eth0", path, sizeof(path)), 0);
	nocd_strlcpy(dir, path, sizeof(dir));
	*strrchr(dir, '/') = '\0';

	w = rrd_writer_new(sd, "", STEP);
	assert_int_equal(rrd_writer_update(w, "r1", "if", "eth0", t0, ds2, v, 2), 0);
	/* the same data sources in another order: same file, values where they belong */
	{
		double sv[2] = { 20, 10 };

		assert_int_equal(rrd_writer_update(w, "r1", "if", "eth0", t0 + STEP, swapped, sv,
		    2), 0);
		assert_int_equal(count_aside(dir, "eth0.rrd"), 0);
		last_values(path, &last, &n, names, vals);
		assert_int_equal(n, 2);
		assert_string_equal(names[0], "in");
		assert_true(fabs(strtod(vals[0], NULL) - 10) < 1e-9);
		assert_true(fabs(strtod(vals[1], NULL) - 20) < 1e-9);
	}
	rrd_writer_free(w);

	/* a new writer (nocd restarted) with another column: old file set aside */
	w = rrd_writer_new(sd, "", STEP);
	assert_int_equal(rrd_writer_update(w, "r1", "if", "eth0", t0 + 2 * STEP, ds3, v, 3), 0);
	assert_int_equal(rrd_writer_errors(w), 0);
	assert_int_equal(count_aside(dir, "eth0.rrd"), 1);
	last_values(path, &last, &n, names, vals);
	assert_int_equal(n, 3);
	assert_string_equal(names[2], "errors");
	assert_int_equal(last, t0 + 2 * STEP);
	rrd_writer_free(w);

	/* a file that is no archive at all is set aside as well */
	{
		char other[4096];
		int fd;

		assert_int_equal(rrd_path(sd, "r1", "if", "eth1", other, sizeof(other)), 0);
		fd = open(other, O_WRONLY | O_CREAT | O_TRUNC, 0640);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, "not an rrd\n", 11), 11);
		close(fd);
		w = rrd_writer_new(sd, "", STEP);
		assert_int_equal(rrd_writer_update(w, "r1", "if", "eth1", t0, ds2, v, 2), 0);
		assert_int_equal(count_aside(dir, "eth1.rrd"), 1);
		last_values(other, &last, &n, names, vals);
		assert_int_equal(last, t0);
		/* the columns change while the writer runs */
		assert_int_equal(rrd_writer_update(w, "r1", "if", "eth1", t0 + STEP, ds3, v, 3), 0);
		last_values(other, &last, &n, names, vals);
		assert_int_equal(n, 3);
		assert_true(count_aside(dir, "eth1.rrd") >= 1);
		assert_int_equal(rrd_writer_errors(w), 0);
		rrd_writer_free(w);
	}
}

/* A file where a directory should be: fails even for root. */
static void
test_writer_notdir(void **state)
{
	const char *ds[] = { "v" };
	double v[1] = { 1 };
	char sd[256], p[512];
	struct rrd_writer *w;
	time_t t0 = time(NULL) - 600;
	int fd;

	(void)state;
	subdir(sd, sizeof(sd), "notdir");
	snprintf(p, sizeof(p), "%s/rrd", sd);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0640);
	assert_true(fd >= 0);
	close(fd);
	w = rrd_writer_new(sd, "", STEP);
	assert_int_equal(rrd_writer_update(w, "d", "g", "i", t0, ds, v, 1), -1);
	assert_int_equal(rrd_writer_errors(w), 1);
	assert_int_equal(rrd_writer_update(w, "d", "g", "i", t0 + STEP, ds, v, 1), -1);
	assert_int_equal(rrd_writer_errors(w), 2);
	rrd_writer_free(w);
}

/* Directories and files without write permission. */
static void
test_writer_unwritable(void **state)
{
	const char *ds[] = { "v" };
	double v[1] = { 1 };
	char sd[256], p[512];
	struct rrd_writer *w;
	time_t t0 = time(NULL) - 600;

	(void)state;
	if (geteuid() == 0) {
		skip();	/* root ignores permission bits */
		return;
	}
	subdir(sd, sizeof(sd), "ro");
	snprintf(p, sizeof(p), "%s/rrd/d", sd);
	assert_int_equal(mkdir_p(p, 0750), 0);
	w = rrd_writer_new(sd, "", STEP);
	assert_int_equal(rrd_writer_update(w, "d", "g", "i", t0, ds, v, 1), 0);
	/* an unwritable directory: no new file there */
	assert_int_equal(chmod(p, 0500), 0);
	assert_int_equal(rrd_writer_update(w, "d", "g2", "i", t0, ds, v, 1), -1);
	assert_int_equal(rrd_writer_errors(w), 1);
	/* an unwritable file */
	snprintf(p, sizeof(p), "%s/rrd/d/g/i.rrd", sd);
	assert_int_equal(chmod(p, 0400), 0);
	assert_int_equal(rrd_writer_update(w, "d", "g", "i", t0 + STEP, ds, v, 1), -1);
	assert_int_equal(rrd_writer_errors(w), 2);
	rrd_writer_free(w);
	snprintf(p, sizeof(p), "%s/rrd/d", sd);
	chmod(p, 0750);
}

/* --- graphs --- */

static int
file_starts(const char *path, const char *magic, size_t n)
{
	char buf[512] = "";
	FILE *fp = fopen(path, "rb");
	size_t got;

	if (fp == NULL)
		return 0;
	got = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	if (magic)
		return got >= n && memcmp(buf, magic, n) == 0;
	return strncmp(buf, "<?xml", 5) == 0 || strstr(buf, "<svg") != NULL;
}

static void
fill_archive(const char *sd, const char *dev, const char *inst, time_t now)
{
	const char *ds[] = { "in", "out", "util" };
	struct rrd_writer *w = rrd_writer_new(sd, "", STEP);
	time_t t0 = (now / STEP) * STEP - 60 * STEP;

	for (int i = 0; i < 60; i++) {
		double v[3] = { 1e6 * (1 + sin(i / 5.0)), 2e5 * i, i % 100 };

		assert_int_equal(rrd_writer_update(w, dev, "if", inst, t0 + i * STEP, ds, v, 3), 0);
	}
	rrd_writer_free(w);
}

static void
init_req(struct graph_req *g, const char *file, const char *out, time_t now)
{
	memset(g, 0, sizeof(*g));
	nocd_strlcpy(g->rrd_file, file, sizeof(g->rrd_file));
	nocd_strlcpy(g->output, out, sizeof(g->output));
	nocd_strlcpy(g->title, "sw1 if ge-0/0/1", sizeof(g->title));
	g->start = now - 3600;
	g->end = now;
	nocd_strlcpy(g->lines[0].ds, "in", sizeof(g->lines[0].ds));
	nocd_strlcpy(g->lines[0].legend, "in", sizeof(g->lines[0].legend));
	nocd_strlcpy(g->lines[0].unit, "bits/s", sizeof(g->lines[0].unit));
	nocd_strlcpy(g->lines[1].ds, "out", sizeof(g->lines[1].ds));
	nocd_strlcpy(g->lines[1].legend, "out", sizeof(g->lines[1].legend));
	nocd_strlcpy(g->lines[1].unit, "bits/s", sizeof(g->lines[1].unit));
	g->n_lines = 2;
}

static void
draw_ok(const struct graph_req *g)
{
	char err[1024] = "";

	if (graph_draw(g, err, sizeof(err)) != 0)
		fail_msg("graph_draw %s: %s", g->output, err);
}

static void
test_graph(void **state)
{
	struct graph_req *g = xcalloc(1, sizeof(*g));
	char sd[256], file[4096], out[512], err[1024];
	time_t now = time(NULL);

	(void)state;
	subdir(sd, sizeof(sd), "graph");
	fill_archive(sd, "sw1", "ge-0/0/1", now);
	assert_int_equal(rrd_path(sd, "sw1", "if", "ge-0/0/1", file, sizeof(file)), 0);

	snprintf(out, sizeof(out), "%s/g.png", tmpdir);
	init_req(g, file, out, now);
	draw_ok(g);
	assert_true(file_starts(out, "\x89PNG\r\n\x1a\n", 8));

	snprintf(out, sizeof(out), "%s/g.svg", tmpdir);
	init_req(g, file, out, now);
	g->width = 400;
	g->height = 100;
	draw_ok(g);
	assert_true(file_starts(out, NULL, 0));

	/* device text with rrdtool's separators, formats, escapes and junk */
	snprintf(out, sizeof(out), "%s/hostile.PNG", tmpdir);
	init_req(g, file, out, now);
	nocd_strlcpy(g->title, "sw1: if ge-0/0/1 %s %n %x \\l \x1b[1m\xff", sizeof(g->title));
	nocd_strlcpy(g->lines[0].legend, "in:put %s%n%%%x:", sizeof(g->lines[0].legend));
	nocd_strlcpy(g->lines[1].legend, "out\\l\\", sizeof(g->lines[1].legend));
	nocd_strlcpy(g->lines[2].ds, "util", sizeof(g->lines[2].ds));
	nocd_strlcpy(g->lines[2].legend, "::::::::::::::::::::::::::::::::::::::::::::::::"
	    "::::::::::::::", sizeof(g->lines[2].legend));
	nocd_strlcpy(g->lines[2].unit, "%", sizeof(g->lines[2].unit));
	g->n_lines = 3;
	draw_ok(g);
	assert_true(file_starts(out, "\x89PNG", 4));

	/* a state directory with ':' in its name (the DEF separator) */
	{
		char sd2[256], file2[4096];

		subdir(sd2, sizeof(sd2), "st:ate");
		fill_archive(sd2, "r:1", "eth:0", now);
		assert_int_equal(rrd_path(sd2, "r:1", "if", "eth:0", file2, sizeof(file2)), 0);
		assert_non_null(strchr(file2, ':'));
		snprintf(out, sizeof(out), "%s/colon.svg", tmpdir);
		init_req(g, file2, out, now);
		nocd_strlcpy(g->lines[0].unit, "bytes", sizeof(g->lines[0].unit));
		draw_ok(g);
		assert_true(file_starts(out, NULL, 0));
	}

	/* no archive */
	snprintf(out, sizeof(out), "%s/missing.png", tmpdir);
	init_req(g, file, out, now);
	snprintf(g->rrd_file, sizeof(g->rrd_file), "%s/rrd/nope/if/x.rrd", sd);
	err[0] = '\0';
	assert_int_equal(graph_draw(g, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no archive"));
	assert_non_null(strstr(err, "nope"));
	assert_int_equal(access(out, F_OK), -1);

	/* what the caller got wrong */
	init_req(g, file, out, now);
	snprintf(g->output, sizeof(g->output), "%s/g.gif", tmpdir);
	assert_int_equal(graph_draw(g, err, sizeof(err)), -1);
	assert_true(err[0] != '\0');
	init_req(g, file, out, now);
	g->start = g->end;
	assert_int_equal(graph_draw(g, err, sizeof(err)), -1);
	init_req(g, file, out, now);
	nocd_strlcpy(g->lines[1].ds, "out:x", sizeof(g->lines[1].ds));
	assert_int_equal(graph_draw(g, err, sizeof(err)), -1);
	init_req(g, file, out, now);
	nocd_strlcpy(g->lines[1].ds, "nosuch", sizeof(g->lines[1].ds));
	assert_int_equal(graph_draw(g, err, sizeof(err)), -1);
	assert_true(err[0] != '\0');
	init_req(g, file, out, now);
	g->n_lines = 0;
	assert_int_equal(graph_draw(g, err, sizeof(err)), -1);
	free(g);
}

/* --- rrdcached --- */

static pid_t
start_rrdcached(const char *base, const char *listen, char *const extra[])
{
	char pidfile[512], jdir[512];
	char *argv[16];
	int argc = 0;
	pid_t pid;

	snprintf(pidfile, sizeof(pidfile), "%s/rrdcached.pid", base);
	snprintf(jdir, sizeof(jdir), "%s", base);
	argv[argc++] = (char *)RRDCACHED;
	argv[argc++] = (char *)"-g";
	argv[argc++] = (char *)"-B";
	argv[argc++] = (char *)"-b";
	argv[argc++] = jdir;
	argv[argc++] = (char *)"-l";
	argv[argc++] = (char *)listen;
	argv[argc++] = (char *)"-p";
	argv[argc++] = pidfile;
	for (int i = 0; extra && extra[i] && argc < 15; i++)
		argv[argc++] = extra[i];
	argv[argc] = NULL;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);

		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(RRDCACHED, argv);
		_exit(127);
	}
	return pid;
}

static void
stop_rrdcached(pid_t pid)
{
	int status;

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (int i = 0; i < 100; i++) {	/* up to 5 s */
		if (waitpid(pid, &status, WNOHANG) == pid)
			return;
		usleep(50000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

/* Wait up to 5 s for something to accept connections. */
static int
wait_ready(pid_t pid, const struct sockaddr *sa, socklen_t len)
{
	int status;

	for (int i = 0; i < 100; i++) {
		int fd = socket(sa->sa_family, SOCK_STREAM, 0);

		if (fd >= 0 && connect(fd, sa, len) == 0) {
			close(fd);
			return 0;
		}
		if (fd >= 0)
			close(fd);
		if (waitpid(pid, &status, WNOHANG) == pid)
			return -1;
		usleep(50000);
	}
	return -1;
}

static int
wait_unix(pid_t pid, const char *path)
{
	struct sockaddr_un sun;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	nocd_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	return wait_ready(pid, (struct sockaddr *)&sun, sizeof(sun));
}

static void
test_rrdcached_unix(void **state)
{
	const char *ds[] = { "in", "out" };
	char base[256], sd[512], sock[512], addr[520], path[4096], names[8][20], vals[8][32];
	struct rrd_writer *w;
	time_t t0 = (time(NULL) / STEP) * STEP - 20 * STEP, last;
	unsigned long n;
	pid_t pid;
	int64_t t;

	(void)state;
	if (access(RRDCACHED, X_OK) != 0) {
		skip();
		return;
	}
	subdir(base, sizeof(base), "cached");
	snprintf(sd, sizeof(sd), "%s/state", base);
	snprintf(sock, sizeof(sock), "%s/s", base);
	snprintf(addr, sizeof(addr), "unix:%s", sock);
	pid = start_rrdcached(base, addr, NULL);
	if (wait_unix(pid, sock) < 0) {
		stop_rrdcached(pid);
		fail_msg("rrdcached did not come up on %s", sock);
	}

	w = rrd_writer_new(sd, addr, STEP);
	for (int i = 0; i < 3; i++) {
		double v[2] = { 10.0 * (i + 1), i == 2 ? NAN : 1.0 };

		assert_int_equal(rrd_writer_update(w, "sw1", "if", "eth0", t0 + i * STEP, ds, v, 2),
		    0);
	}
	assert_int_equal(rrd_writer_errors(w), 0);
	assert_int_equal(rrd_path(sd, "sw1", "if", "eth0", path, sizeof(path)), 0);
	/* rrdcached holds the values until asked... */
	last_values(path, &last, &n, names, vals);
	assert_int_equal(last, t0 - STEP);
	/* ...then they are in the file */
	assert_int_equal(rrd_flush_file(addr, path), 0);
	last_values(path, &last, &n, names, vals);
	assert_int_equal(last, t0 + 2 * STEP);
	assert_int_equal(n, 2);
	assert_true(fabs(strtod(vals[0], NULL) - 30.0) < 1e-9);
	assert_string_equal(vals[1], "U");
	assert_true(fabs(fetch_at(path, "AVERAGE", 0, t0 + STEP) - 20.0) < 1e-6);

	/* a graph flushes first */
	{
		double v[2] = { 40, 4 };
		struct graph_req *g = xcalloc(1, sizeof(*g));
		char out[512];

		assert_int_equal(rrd_writer_update(w, "sw1", "if", "eth0", t0 + 3 * STEP, ds, v, 2),
		    0);
		snprintf(out, sizeof(out), "%s/cached.png", base);
		init_req(g, path, out, time(NULL));
		nocd_strlcpy(g->rrdcached, addr, sizeof(g->rrdcached));
		draw_ok(g);
		free(g);
		last_values(path, &last, &n, names, vals);
		assert_int_equal(last, t0 + 3 * STEP);
	}

	/* rrdcached goes away: errors, quickly, no crash */
	stop_rrdcached(pid);
	t = mono_ms();
	{
		double v[2] = { 50, 5 };
		unsigned long before = rrd_writer_errors(w);

		assert_int_equal(rrd_writer_update(w, "sw1", "if", "eth0", t0 + 4 * STEP, ds, v, 2),
		    -1);
		assert_int_equal(rrd_writer_update(w, "sw1", "if", "eth0", t0 + 5 * STEP, ds, v, 2),
		    -1);
		assert_true(rrd_writer_errors(w) >= before + 2);
		assert_int_equal(rrd_flush_file(addr, path), -1);
	}
	assert_true(mono_ms() - t < 2000);

	/* and comes back: the writer reconnects by itself */
	pid = start_rrdcached(base, addr, NULL);
	if (wait_unix(pid, sock) < 0) {
		stop_rrdcached(pid);
		fail_msg("rrdcached did not come up again");
	}
	{
		double v[2] = { 60, 6 };
		int ok = 0;

		/* reconnection is retried with a back-off of a few seconds */
		for (int i = 0; i < 80 && !ok; i++) {
			ok = rrd_writer_update(w, "sw1", "if", "eth0", t0 + 6 * STEP, ds, v, 2) == 0;
			if (!ok)
				usleep(100000);
		}
		assert_true(ok);
		assert_int_equal(rrd_flush_file(addr, path), 0);
		last_values(path, &last, &n, names, vals);
		assert_int_equal(last, t0 + 6 * STEP);
		assert_true(fabs(strtod(vals[0], NULL) - 60.0) < 1e-9);
	}
	/* a data source change through rrdcached */
	{
		const char *ds3[] = { "in", "out", "drops" };
		double v[3] = { 70, 7, 0 };
		char dir[4096];

		assert_int_equal(rrd_writer_update(w, "sw1", "if", "eth0", t0 + 7 * STEP, ds3, v,
		    3), 0);
		assert_int_equal(rrd_flush_file(addr, path), 0);
		last_values(path, &last, &n, names, vals);
		assert_int_equal(n, 3);
		assert_int_equal(last, t0 + 7 * STEP);
		nocd_strlcpy(dir, path, sizeof(dir));
		*strrchr(dir, '/') = '\0';
		assert_int_equal(count_aside(dir, "eth0.rrd"), 1);
	}
	rrd_writer_free(w);
	stop_rrdcached(pid);
}

static int
free_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/* Over TCP, rrdcached gets paths relative to its base directory, the state directory. */
static void
test_rrdcached_tcp(void **state)
{
	const char *ds[] = { "v" };
	char sd[512], listen[64], path[4096], names[8][20], vals[8][32];
	struct sockaddr_in sin;
	struct rrd_writer *w;
	time_t t0 = (time(NULL) / STEP) * STEP - 20 * STEP, last;
	unsigned long n;
	int port;
	pid_t pid;

	(void)state;
	if (access(RRDCACHED, X_OK) != 0) {
		skip();
		return;
	}
	subdir(sd, sizeof(sd), "tcpstate");
	port = free_port();
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	pid = start_rrdcached(sd, listen, NULL);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (wait_ready(pid, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		stop_rrdcached(pid);
		skip();		/* the port was taken meanwhile */
		return;
	}
	w = rrd_writer_new(sd, listen, STEP);
	for (int i = 0; i < 3; i++) {
		double v[1] = { 5.0 * (i + 1) };

		assert_int_equal(rrd_writer_update(w, "d", "g", "i:1", t0 + i * STEP, ds, v, 1), 0);
	}
	assert_int_equal(rrd_writer_errors(w), 0);
	assert_int_equal(rrd_path(sd, "d", "g", "i:1", path, sizeof(path)), 0);
	assert_int_equal(rrd_flush_file(listen, path), 0);
	last_values(path, &last, &n, names, vals);
	assert_int_equal(last, t0 + 2 * STEP);
	assert_true(fabs(strtod(vals[0], NULL) - 15.0) < 1e-9);
	rrd_writer_free(w);
	stop_rrdcached(pid);
}

/* Nobody listening: errors, counted, and fast. */
static void
test_rrdcached_unreachable(void **state)
{
	const char *ds[] = { "v" };
	double v[1] = { 1 };
	char sd[256], addr[512], path[4096];
	struct rrd_writer *w;
	time_t t0 = time(NULL) - 600;
	int64_t t = mono_ms();

	(void)state;
	subdir(sd, sizeof(sd), "unreach");
	snprintf(addr, sizeof(addr), "unix:%s/no-such.sock", sd);
	w = rrd_writer_new(sd, addr, STEP);
	for (int i = 0; i < 5; i++)
		assert_int_equal(rrd_writer_update(w, "d", "g", "i", t0 + i * STEP, ds, v, 1), -1);
	assert_int_equal(rrd_writer_errors(w), 5);
	rrd_writer_free(w);

	snprintf(addr, sizeof(addr), "127.0.0.1:%d", free_port());
	w = rrd_writer_new(sd, addr, STEP);
	for (int i = 0; i < 5; i++)
		assert_int_equal(rrd_writer_update(w, "d", "g", "i", t0 + i * STEP, ds, v, 1), -1);
	assert_int_equal(rrd_writer_errors(w), 5);
	rrd_writer_free(w);
	assert_int_equal(rrd_path(sd, "d", "g", "i", path, sizeof(path)), 0);
	assert_int_equal(rrd_flush_file(addr, path), -1);
	assert_int_equal(rrd_flush_file("", path), 0);
	assert_true(mono_ms() - t < 3000);
}

/*
 * Under AddressSanitizer: rrd_graph_v() in librrd 1.7 and the font stack it
 * draws with (fontconfig, pango, cairo) keep memory of their own for good.
 * Only those are suppressed; what librrd hands back to us is still checked.
 */
const char *__lsan_default_suppressions(void);
const char *__asan_default_options(void);

/* whole stacks through libc, which has no frame pointers, so that the
 * suppressions below see who called */
const char *
__asan_default_options(void)
{
	return "fast_unwind_on_malloc=0";
}

const char *
__lsan_default_suppressions(void)
{
	return "leak:rrd_graph_v\n"
	    "leak:libfontconfig.so\n"
	    "leak:libpango-1.0.so\n"
	    "leak:libpangoft2-1.0.so\n"
	    "leak:libpangocairo-1.0.so\n"
	    "leak:libcairo.so\n";
}

/* rrd.write_cache: samples are held and written together, none lost */
static void
test_write_cache(void **state)
{
	const char *ds[] = { "in", "out" };
	char sd[256], path[4096], names[8][20], vals[8][32];
	struct rrd_writer *w;
	time_t t0 = (time(NULL) / STEP) * STEP - 40 * STEP, last;
	unsigned long n;

	(void)state;
	subdir(sd, sizeof(sd), "cache");
	assert_int_equal(rrd_path(sd, "c1", "if", "eth0", path, sizeof(path)), 0);
	w = rrd_writer_new(sd, "", STEP);
	rrd_writer_set_cache(w, 600);
	/* held packed: zeros, values a float holds, others, unknowns */
	for (int i = 0; i < 10; i++) {
		double v[2] = { (double)i, i % 3 == 2 ? NAN : 1e9 / 3 + i };

		if (i == 9)
			v[1] = 109;
		assert_int_equal(rrd_writer_update(w, "c1", "if", "eth0", t0 + i * STEP, ds, v, 2),
		    0);
	}
	/* the file exists (created at once) but holds only its start */
	last_values(path, &last, &n, names, vals);
	assert_true(last < t0 + 9 * STEP);
	/* another device's flush leaves this one's held */
	assert_int_equal(rrd_writer_flush(w, "other"), 0);
	assert_int_equal(rrd_writer_flush(w, "c1"), 1);
	last_values(path, &last, &n, names, vals);
	assert_int_equal(last, t0 + 9 * STEP);
	assert_true(fabs(strtod(vals[1], NULL) - 109) < 1e-9);
	/* every held sample reached the file, not only the last */
	{
		time_t start = t0, end = t0 + 9 * STEP;
		unsigned long step = STEP, n_ds = 0;
		char **dsn = NULL;
		rrd_value_t *data = NULL;

		assert_int_equal(rrd_fetch_r(path, "AVERAGE", &start, &end, &step, &n_ds, &dsn,
		    &data), 0);
		assert_int_equal(step, STEP);
		assert_int_equal(n_ds, 2);
		for (int i = 1; i < 9; i++) {
			/* row k covers (start + k * step, start + (k + 1) * step] */
			const rrd_value_t *row = data + (size_t)((t0 + i * STEP - start) / STEP - 1) * 2;

			assert_true(fabs(row[0] - i) < 1e-9);
			if (i % 3 == 2)
				assert_true(isnan(row[1]));
			else
				assert_true(fabs(row[1] - (1e9 / 3 + i)) < 1e-3);
		}
		for (unsigned long k = 0; k < n_ds; k++)
			rrd_freemem(dsn[k]);
		rrd_freemem(dsn);
		rrd_freemem(data);
	}
	/* what is held when the writer stops is written */
	{
		double v[2] = { 7, 8 };

		assert_int_equal(rrd_writer_update(w, "c1", "if", "eth0", t0 + 10 * STEP, ds, v, 2),
		    0);
	}
	/* held samples keep the file's order of data sources, and unknowns */
	{
		const char *rev[] = { "out", "in" };
		double v[2] = { 300, NAN };

		assert_int_equal(rrd_writer_update(w, "c1", "if", "eth0", t0 + 11 * STEP, rev, v,
		    2), 0);
		v[0] = 200;
		v[1] = 100;
		assert_int_equal(rrd_writer_update(w, "c1", "if", "eth0", t0 + 12 * STEP, rev, v,
		    2), 0);
	}
	rrd_writer_free(w);
	last_values(path, &last, &n, names, vals);
	assert_int_equal(last, t0 + 12 * STEP);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "in");
	assert_true(fabs(strtod(vals[0], NULL) - 100) < 1e-9);
	assert_true(fabs(strtod(vals[1], NULL) - 200) < 1e-9);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_cache, setup, teardown),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_path_hostile),
		cmocka_unit_test_setup_teardown(test_layout_creates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_direct, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_ds_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_notdir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_unwritable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_graph, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rrdcached_unix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rrdcached_tcp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rrdcached_unreachable, setup, teardown),
	};

	/* as nocd does: a vanished rrdcached must not kill the writer */
	signal(SIGPIPE, SIG_IGN);
	log_init("test_rrdstore", 1, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
