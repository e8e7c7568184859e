/*
 * Graphs with librrd. The arguments are built here, never by a shell; the
 * file name, title and legends come partly from devices (interface names and
 * the like), so they are cleaned: no control characters, no backslashes (an
 * rrdtool escape), ':' escaped where rrdtool splits on it, and never used as
 * a format (the GPRINT formats are ours alone).
 */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <rrd.h>

#include "graph.h"
#include "log.h"
#include "rrdstore.h"
#include "sanitize.h"
#include "util.h"

#define DEFAULT_WIDTH	800
#define DEFAULT_HEIGHT	250
#define MAX_WIDTH	8000
#define MAX_HEIGHT	4000
#define MAX_ARGS	(32 + 10 * GRAPH_MAX_LINES)

static const char *const colours[GRAPH_MAX_LINES] = {
	"0060c0", "00a000", "d00000", "ff8c00", "9040c0", "00a0a0", "806000", "505050"
};

struct args {
	char *v[MAX_ARGS + 1];
	int n;
	int failed;
};

static void
add(struct args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
add(struct args *a, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (a->failed || a->n >= MAX_ARGS) {
		a->failed = 1;
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0) {
		a->failed = 1;
		s = NULL;
	}
	va_end(ap);
	if (s)
		a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

static void
args_free(struct args *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->v[i]);
	a->n = 0;
}

/*
 * Text for rrdtool to show: control characters become spaces, backslashes
 * and broken UTF-8 become '?', and with `colons` every ':' is written "\:".
 * Returns the number of characters shown, or -1 if out is too small.
 */
static int
clean_text(const char *in, char *out, size_t outlen, int colons)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t o = 0;
	int shown = 0;

	while (*p) {
		size_t n = utf8_seq_len(p);
		char c = (char)*p;

		if (n == 0 || *p == '\\') {
			c = '?';
			n = 1;
		} else if (*p < 0x20 || *p == 0x7f) {
			c = ' ';
		}
		if (o + n + 2 > outlen)
			return -1;
		if (n > 1) {
			memcpy(out + o, p, n);
			o += n;
		} else {
			if (colons && c == ':')
				out[o++] = '\\';
			out[o++] = c;
		}
		p += n;
		shown++;
	}
	out[o] = '\0';
	return shown;
}

/* A file name for DEF: only ':' needs escaping; backslashes are refused. */
static int
escape_path(const char *in, char *out, size_t outlen)
{
	size_t o = 0;

	for (const char *p = in; *p; p++) {
		if (*p == '\\' || (unsigned char)*p < 0x20)
			return -1;
		if (o + 3 > outlen)
			return -1;
		if (*p == ':')
			out[o++] = '\\';
		out[o++] = *p;
	}
	out[o] = '\0';
	return 0;
}

static const char *
image_format(const char *output)
{
	const char *dot = strrchr(output, '.');

	if (dot == NULL || strchr(dot, '/') != NULL)
		return NULL;
	if (strcasecmp(dot, ".png") == 0)
		return "PNG";
	if (strcasecmp(dot, ".svg") == 0)
		return "SVG";
	return NULL;
}

/* Did librrd leave an image of the kind we asked for? */
static int
image_ok(const char *path, const char *fmt)
{
	char head[512];
	size_t n;
	FILE *fp = fopen(path, "rb");

	if (fp == NULL)
		return 0;
	n = fread(head, 1, sizeof(head) - 1, fp);
	fclose(fp);
	head[n] = '\0';
	if (strcmp(fmt, "PNG") == 0)
		return n >= 8 && memcmp(head, "\x89PNG\r\n\x1a\n", 8) == 0;
	return strncmp(head, "<?xml", 5) == 0 || strstr(head, "<svg") != NULL;
}

static int
build_args(const struct graph_req *req, const char *fmt, struct args *a, char *err,
	size_t errlen)
{
	char file[2 * sizeof(req->rrd_file)], text[4 * sizeof(req->title)];
	char legend[GRAPH_MAX_LINES][4 * sizeof(req->lines[0].legend)];
	int shown[GRAPH_MAX_LINES], widest = 0;
	const char *unit = req->lines[0].unit;

	if (escape_path(req->rrd_file, file, sizeof(file)) < 0) {
		set_err(err, errlen, "unsupported character in archive path");
		return -1;
	}
	add(a, "graph");
	add(a, "--imgformat");
	add(a, "%s", fmt);
	add(a, "--start");
	add(a, "%lld", (long long)req->start);
	add(a, "--end");
	add(a, "%lld", (long long)req->end);
	add(a, "--width");
	add(a, "%d", req->width > 0 ? req->width : DEFAULT_WIDTH);
	add(a, "--height");
	add(a, "%d", req->height > 0 ? req->height : DEFAULT_HEIGHT);
	if (req->title[0]) {
		/* an option's value: rrdtool shows it as it is, ':' included */
		clean_text(req->title, text, sizeof(text), 0);
		add(a, "--title");
		add(a, "%s", text);
	}
	if (unit[0]) {
		clean_text(unit, text, sizeof(text), 0);
		add(a, "--vertical-label");
		add(a, "%s", text);
	}
	if (strcmp(unit, "bits/s") == 0) {
		add(a, "--base");
		add(a, "1000");
	} else if (strcmp(unit, "bytes") == 0) {
		add(a, "--base");
		add(a, "1024");
	}
	add(a, "--");
	add(a, "%s", req->output);

	for (size_t i = 0; i < req->n_lines; i++) {
		const char *src = req->lines[i].legend[0] ? req->lines[i].legend :
		    req->lines[i].ds;

		shown[i] = clean_text(src, legend[i], sizeof(legend[i]), 1);
		if (shown[i] < 0) {
			set_err(err, errlen, "legend too long");
			return -1;
		}
		if (shown[i] > widest)
			widest = shown[i];
	}
	for (size_t i = 0; i < req->n_lines; i++) {
		const struct graph_line *l = &req->lines[i];
		/* a percentage gets no SI prefix ("500.00 m%") */
		int pct = strcmp(l->unit, "%") == 0;

		add(a, "DEF:a%zu=%s:%s:AVERAGE", i, file, l->ds);
		add(a, "DEF:m%zu=%s:%s:MAX", i, file, l->ds);
		add(a, "VDEF:l%zu=a%zu,LAST", i, i);
		add(a, "VDEF:v%zu=a%zu,AVERAGE", i, i);
		add(a, "VDEF:x%zu=m%zu,MAXIMUM", i, i);
		add(a, "LINE1:a%zu#%s:%s%*s", i, colours[i], legend[i], widest - shown[i] + 1, "");
		add(a, "GPRINT:l%zu:last %s", i, pct ? "%8.2lf %%" : "%8.2lf %s");
		add(a, "GPRINT:v%zu:avg %s", i, pct ? "%8.2lf %%" : "%8.2lf %s");
		add(a, "GPRINT:x%zu:max %s\\l", i, pct ? "%8.2lf %%" : "%8.2lf %s");
	}
	if (a->failed) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int
graph_draw(const struct graph_req *req, char *err, size_t errlen)
{
	struct args a = { .n = 0, .failed = 0 };
	const char *fmt;
	struct stat sb;
	rrd_info_t *info;
	int rc = -1;

	set_err(err, errlen, "%s", "");
	if (req->n_lines == 0 || req->n_lines > GRAPH_MAX_LINES) {
		set_err(err, errlen, "nothing to draw");
		return -1;
	}
	for (size_t i = 0; i < req->n_lines; i++) {
		if (!ds_name_is_valid(req->lines[i].ds)) {
			set_err(err, errlen, "invalid data source name");
			return -1;
		}
	}
	if ((fmt = image_format(req->output)) == NULL) {
		set_err(err, errlen, "output must end in .png or .svg");
		return -1;
	}
	if (req->start >= req->end) {
		set_err(err, errlen, "start must be before end");
		return -1;
	}
	if (req->width < 0 || req->width > MAX_WIDTH || req->height < 0 ||
	    req->height > MAX_HEIGHT) {
		set_err(err, errlen, "image size out of range");
		return -1;
	}
	if (stat(req->rrd_file, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		set_err(err, errlen, "no archive %s", req->rrd_file);
		return -1;
	}
	/* rrdcached may hold the latest samples: have them written first */
	if (req->rrdcached[0] && rrd_flush_file(req->rrdcached, req->rrd_file) < 0)
		log_debug("graph: cannot flush %s through rrdcached %s; drawing what is on disk",
		    req->rrd_file, req->rrdcached);

	if (build_args(req, fmt, &a, err, errlen) < 0)
		goto out;
	rrd_clear_error();
	info = rrd_graph_v(a.n, a.v);
	if (info == NULL) {
		set_err(err, errlen, "rrdtool: %s",
		    rrd_test_error() ? rrd_get_error() : "cannot draw");
		goto out;
	}
	rrd_info_free(info);
	if (!image_ok(req->output, fmt)) {
		set_err(err, errlen, "no %s image was written to %s", fmt, req->output);
		goto out;
	}
	rc = 0;
out:
	rrd_clear_error();
	args_free(&a);
	return rc;
}
