/* Graphs drawn with librrd from the archives: PNG or SVG. */
#ifndef NOCD_GRAPH_H
#define NOCD_GRAPH_H

#include <stddef.h>
#include <time.h>

#define GRAPH_MAX_LINES 8

struct graph_line {
	char ds[20];		/* data source name in the file */
	char legend[64];
	char unit[16];		/* unit of the stored value ("bits/s", "%", "bytes") */
};

struct graph_req {
	char rrd_file[4096];
	char rrdcached[4096];	/* "" or the daemon address: flushed before drawing */
	char title[256];
	time_t start, end;
	struct graph_line lines[GRAPH_MAX_LINES];
	size_t n_lines;
	char output[4096];	/* .png or .svg decides the format */
	int width, height;	/* 0 = defaults */
};

/* Draw; 0 on success, else -1 with a message in err. */
int graph_draw(const struct graph_req *req, char *err, size_t errlen);

#endif
