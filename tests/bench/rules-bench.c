/*
 * Rule evaluation and ticket updates, measured in process: DEVICES devices
 * of ROWS rows of the bench profile's columns make up the metrics of one
 * cycle; every cycle a share of the values crosses a threshold or comes
 * back, so that raises and clears reach a real SQLite ticket queue through
 * tk_apply(), one transaction per batch as the store thread does.
 *
 *   rules-bench PROFILE STATE_DIR [DEVICES ROWS CYCLES FLIP_PER_MILLE]
 *
 * Prints one line of key=value figures (CPU seconds from getrusage).
 */
#include "config.h"

#include <sys/resource.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "conf.h"
#include "db.h"
#include "log.h"
#include "probe.h"
#include "rules.h"
#include "store.h"
#include "tickets.h"
#include "util.h"

static double
cpu_now(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

int
main(int argc, char **argv)
{
	const char *profile, *state_dir;
	int devices = 1000, rows = 10, cycles = 20, flip = 5;
	struct probe_set ps = { .v = NULL };
	const struct probe *pr;
	struct rule_engine *e;
	struct rule_dev **rd;
	struct ticket_conf tc;
	sqlite3 *db;
	char err[512], name[64];
	double eval_cpu = 0, tk_cpu = 0, t0;
	unsigned long long metrics = 0, ops = 0;
	struct rule_stats rs;
	struct rusage ru;

	if (argc < 3) {
		fprintf(stderr, "usage: rules-bench PROFILE STATE_DIR [DEVICES ROWS CYCLES FLIP]\n");
		return 2;
	}
	profile = argv[1];
	state_dir = argv[2];
	if (argc > 6) {
		devices = atoi(argv[3]);
		rows = atoi(argv[4]);
		cycles = atoi(argv[5]);
		flip = atoi(argv[6]);
	}
	log_init("rules-bench", 1, 0);
	if (probes_load_file(profile, &ps, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if ((pr = probes_find(&ps, "bench")) == NULL) {
		fprintf(stderr, "%s: no probe named bench\n", profile);
		return 1;
	}
	if ((db = db_open_rw(state_dir, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	memset(&tc, 0, sizeof(tc));
	tc.sla_s[SEV_CRITICAL] = tc.sla_s[SEV_MAJOR] = 3600;
	tc.flap_window_s = 600;
	/* the devices exist, as they would */
	db_begin(db);
	for (int d = 0; d < devices; d++) {
		struct device_conf dc;

		conf_device_defaults(&dc);
		snprintf(dc.name, sizeof(dc.name), "dev%05d", d);
		nocd_strlcpy(dc.address, "127.0.0.1", sizeof(dc.address));
		nocd_strlcpy(dc.community, "public", sizeof(dc.community));
		db_device_upsert(db, &dc, "config");
	}
	db_commit(db);
	e = rules_engine_new(&ps, NULL);
	rd = calloc((size_t)devices, sizeof(*rd));
	for (int d = 0; d < devices; d++)
		rd[d] = rule_dev_new();
	srandom(42);	/* the cool values */
	for (int c = 0; c < cycles; c++) {
		struct ticket_ops out = { 0 };
		time_t when = 1800000000 + (time_t)c * 60;

		for (int d = 0; d < devices; d++) {
			struct poll_result *r;

			snprintf(name, sizeof(name), "dev%05d", d);
			r = poll_result_new(name);
			r->when = when;
			r->ok = 1;
			for (int k = 0; k < rows; k++) {
				char inst[16];
				struct sample_row *row;

				snprintf(inst, sizeof(inst), "%d", k + 1);
				row = poll_result_add_row(r, "bench", inst, inst, (size_t)pr->n_cols);
				for (int col = 0; col < pr->n_cols; col++) {
					struct sample_value *v = &row->values[col];
					/* a few per mille of the values run hot for three
					 * cycles, then cool for three: raises and clears */
					uint32_t id = (uint32_t)((d * rows + k) * pr->n_cols + col);
					int sel = (int)((id * 2654435761u) % 1000u) < 2 * flip;
					int hot = sel && (c / 3 + (int)(id % 2)) % 2 == 0;

					nocd_strlcpy(v->metric, pr->cols[col].name, sizeof(v->metric));
					v->value = hot ? 95.0 : (double)(random() % 60);
					metrics++;
				}
			}
			t0 = cpu_now();
			rules_eval(e, rd[d], name, "server", r, &out);
			eval_cpu += cpu_now() - t0;
			poll_result_free(r);
		}
		t0 = cpu_now();
		/* the store thread's batches: 500 items per transaction */
		for (size_t i = 0; i < out.n; i += 500) {
			sqlite3_exec(db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
			db_begin(db);
			for (size_t k = i; k < out.n && k < i + 500; k++)
				tk_apply(db, &out.v[k], &tc);
			db_commit(db);
			sqlite3_exec(db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
		}
		tk_cpu += cpu_now() - t0;
		ops += out.n;
		ticket_ops_free(&out);
	}
	rules_get_stats(e, &rs);
	getrusage(RUSAGE_SELF, &ru);
	printf("metrics=%llu evaluations=%llu eval_cpu_s=%.4f ticket_ops=%llu ticket_cpu_s=%.4f"
	    " raised=%llu cleared=%llu rules=%zu max_rss_kb=%ld\n", metrics,
	    (unsigned long long)rs.evaluations, eval_cpu, ops, tk_cpu,
	    (unsigned long long)rs.raised, (unsigned long long)rs.cleared,
	    rules_engine_count(e), ru.ru_maxrss);
	for (int d = 0; d < devices; d++)
		rule_dev_free(rd[d]);
	free(rd);
	rules_engine_free(e);
	probes_free(&ps);
	db_close(db);
	return 0;
}
