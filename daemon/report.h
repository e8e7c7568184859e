/*
 * Printable reports for the O&M manager: the inspection report (what was
 * checked, what was found, advice) and the hardware maintenance report
 * (status by class, faults, utilisation, capacity forecast, ageing, advice).
 * One self-contained HTML document each, in English or Simplified Chinese,
 * made from the state database (read-only) and the RRD archives. nocctl and
 * the web console call the same function.
 */
#ifndef NOCD_REPORT_H
#define NOCD_REPORT_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

struct nocd_conf;

/*
 * kind: "inspection" or "hardware"; lang: "en" or "zh_CN"; the period is
 * [since, until]. Writes the document to out. 0 on success; -1 with a
 * message in err on a bad argument, a database error or a failed write.
 */
int report_write(sqlite3 *db, const struct nocd_conf *conf, const char *kind,
	time_t since, time_t until, const char *lang, FILE *out, char *err, size_t errlen);

/* A time a device was down: [start, end). */
struct report_interval {
	time_t start, end;
};

/*
 * Seconds inside [since, until) covered by at least one interval: the
 * intervals are clipped to the period and overlaps count once. Sorts v.
 */
long long report_downtime(struct report_interval *v, size_t n, time_t since, time_t until);

#endif
