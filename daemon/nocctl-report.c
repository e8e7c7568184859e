/*
 * nocctl report inspection|hardware [--since 30d] [--until now]
 *     [--lang en|zh_CN] -o FILE.html
 * The report itself is report.c's (the console serves the same); this is
 * only the command line: options, the language from $LANG, and a file that
 * appears whole or not at all.
 */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "nocctl.h"
#include "report.h"
#include "util.h"

int cmd_report(int argc, char **argv);

static void
report_usage(const char *msg)
{
	fprintf(stderr, "nocctl: %s\nusage: nocctl report inspection|hardware [--since 30d]"
	    " [--until now] [--lang en|zh_CN] -o FILE.html\n", msg);
}

/* $LANG zh_* reads Chinese; anything else English. */
static const char *
default_lang(void)
{
	const char *l = getenv("LANG");

	return l && strncmp(l, "zh", 2) == 0 ? "zh_CN" : "en";
}

/* Before reading the archives, have nocd write what it holds (rrd.write_cache). */
static void
flush_held_updates(void)
{
	char err[256];
	json_t *reply;

	if (conf.rrdcached[0] != '\0' || conf.rrd_write_cache <= 0)
		return;
	/* nocd not running: nothing is held, and that is no error */
	reply = ctl_request_simple(json_pack("{s:s}", "cmd", "flush"), err, sizeof(err));
	json_decref(reply);
}

/* Into what is there: /dev/stdout, a pipe, a symlink to the file to refresh. */
static int
write_through(sqlite3 *db, const char *kind, time_t since, time_t until, const char *lang,
    const char *path)
{
	char err[512];
	FILE *f = fopen(path, "w");
	int rc;

	if (f == NULL)
		return fail("%s: %s", path, strerror(errno));
	rc = report_write(db, &conf, kind, since, until, lang, f, err, sizeof(err));
	if (fclose(f) != 0 && rc == 0) {
		snprintf(err, sizeof(err), "%s", strerror(errno));
		rc = -1;
	}
	return rc < 0 ? fail("report: %s: %s", path, err) : 0;
}

/*
 * A regular file (or a new one) is written into a temporary file beside
 * it, then renamed over: it appears whole or not at all.
 */
static int
write_file(sqlite3 *db, const char *kind, time_t since, time_t until, const char *lang,
    const char *path)
{
	char tmp[4096], err[4352];
	struct stat sb;
	FILE *f;
	int fd, rc;

	if (strcmp(path, "-") == 0) {
		if (report_write(db, &conf, kind, since, until, lang, stdout, err, sizeof(err)) < 0)
			return fail("report: %s", err);
		return 0;
	}
	/* a device, a pipe or a symlink is written through, never renamed over */
	if (lstat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
		return write_through(db, kind, since, until, lang, path);
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return fail("%s: path too long", path);
	if ((fd = mkstemp(tmp)) < 0)
		return fail("%s: %s", tmp, strerror(errno));
	if (fchmod(fd, 0644) < 0 || (f = fdopen(fd, "w")) == NULL) {
		rc = fail("%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return rc;
	}
	rc = report_write(db, &conf, kind, since, until, lang, f, err, sizeof(err));
	if (fclose(f) != 0 && rc == 0) {
		snprintf(err, sizeof(err), "%s: %s", tmp, strerror(errno));
		rc = -1;
	}
	if (rc == 0 && rename(tmp, path) < 0) {
		snprintf(err, sizeof(err), "%s: %s", path, strerror(errno));
		rc = -1;
	}
	if (rc < 0) {
		unlink(tmp);
		return fail("report: %s", err);
	}
	return 0;
}

int
cmd_report(int argc, char **argv)
{
	const char *kind, *since_s = "30d", *until_s = "now", *lang = default_lang();
	const char *out = NULL;
	time_t now = time(NULL), since, until;
	sqlite3 *db;
	int rc;

	if (argc < 2) {
		report_usage("report needs inspection or hardware");
		return EXIT_USAGE;
	}
	kind = argv[1];
	if (strcmp(kind, "inspection") != 0 && strcmp(kind, "hardware") != 0) {
		report_usage("the reports are inspection and hardware");
		return EXIT_USAGE;
	}
	for (int i = 2; i < argc; i++) {
		const char *o = argv[i];

		if (i + 1 >= argc) {
			report_usage(strncmp(o, "-", 1) == 0 ? "an option needs a value" :
			    "unexpected argument");
			return EXIT_USAGE;
		}
		if (strcmp(o, "--since") == 0)
			since_s = argv[++i];
		else if (strcmp(o, "--until") == 0)
			until_s = argv[++i];
		else if (strcmp(o, "--lang") == 0)
			lang = argv[++i];
		else if (strcmp(o, "-o") == 0 || strcmp(o, "--output") == 0)
			out = argv[++i];
		else {
			report_usage("unknown option");
			return EXIT_USAGE;
		}
	}
	if (out == NULL || out[0] == '\0') {
		report_usage("-o FILE.html is needed (- for standard output)");
		return EXIT_USAGE;
	}
	if (strcmp(lang, "zh") == 0 || strncmp(lang, "zh_", 3) == 0 ||
	    strncmp(lang, "zh-", 3) == 0)
		lang = "zh_CN";
	else if (strcmp(lang, "en") == 0 || strncmp(lang, "en_", 3) == 0)
		lang = "en";
	else {
		report_usage("--lang is en or zh_CN");
		return EXIT_USAGE;
	}
	if (parse_time_spec(since_s, now, &since) < 0 || parse_time_spec(until_s, now,
	    &until) < 0 || since >= until) {
		report_usage("--since and --until take now, a duration (30d, 12h) or an epoch,"
		    " and the period must end after it starts");
		return EXIT_USAGE;
	}
	flush_held_updates();
	if ((db = open_db()) == NULL)
		return EXIT_RUNTIME;
	rc = write_file(db, kind, since, until, lang, out);
	db_close(db);
	return rc;
}
