/*
 * relp-send: the RELP load for tests/bench/relp-bench. A librelp client (the
 * library rsyslog's omrelp uses, with omrelp's default window of 128 unacknowledged
 * messages) sends COUNT syslog lines to HOST PORT as fast as the server takes
 * them, prints the seconds that took, then keeps the session open until its
 * standard input closes, so that no message is left unacknowledged.
 *
 *     relp-send HOST PORT COUNT
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librelp.h>

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	relpEngine_t *eng = NULL;
	relpClt_t *clt = NULL;
	char line[256];
	long count;
	double t0;
	int c;

	if (argc != 4 || (count = strtol(argv[3], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: relp-send HOST PORT COUNT\n");
		return 2;
	}
	if (relpEngineConstruct(&eng) != RELP_RET_OK)
		return 1;
	relpEngineSetDbgprint(eng, NULL);
	relpEngineSetEnableCmd(eng, (unsigned char *)"syslog", eRelpCmdState_Required);
	if (relpEngineCltConstruct(eng, &clt) != RELP_RET_OK)
		return 1;
	relpCltSetWindowSize(clt, 128);
	relpCltSetTimeout(clt, 30);
	if (relpCltConnect(clt, 2, (unsigned char *)argv[2], (unsigned char *)argv[1]) !=
	    RELP_RET_OK) {
		fprintf(stderr, "relp-send: cannot connect to %s:%s\n", argv[1], argv[2]);
		return 1;
	}
	t0 = now_s();
	for (long i = 0; i < count; i++) {
		int n = snprintf(line, sizeof(line), "<134>Nov 25 05:00:00 sw1 app[42]: relp bench"
		    " message %ld of %ld, interface Gi1/0/7 counters polled", i + 1, count);

		if (relpCltSendSyslog(clt, (unsigned char *)line, (size_t)n) != RELP_RET_OK) {
			fprintf(stderr, "relp-send: send %ld failed\n", i + 1);
			return 1;
		}
	}
	printf("%.3f\n", now_s() - t0);
	fflush(stdout);
	while ((c = getchar()) != EOF)
		;
	relpEngineCltDestruct(eng, &clt);
	relpEngineDestruct(&eng);
	return 0;
}
