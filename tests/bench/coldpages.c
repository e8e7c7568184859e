/*
 * coldpages: what touching memory costs right after a sleep, on 4 KB pages
 * and on 2 MB transparent huge pages. Not a benchmark of nocd: a reading of
 * the machine, which explains why nocd runs its heap on huge pages.
 *
 *   cc -O2 -o coldpages tests/bench/coldpages.c
 *   ./coldpages [MB [SLEEP_US [PAGES [ITERATIONS]]]]
 *
 * Each iteration sleeps, then reads one byte in each of PAGES random 4 KB
 * pages of an MB-sized buffer, and the time of those reads is averaged; once
 * with the buffer on small pages, once with madvise(MADV_HUGEPAGE).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define HUGE (2UL << 20)

static int64_t
now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static double
run(size_t size, int sleep_us, int pages, int iterations, int huge)
{
	char *raw = mmap(NULL, size + HUGE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *m;
	volatile long sum = 0;
	uint32_t x = 12345;
	int64_t total = 0;

	if (raw == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	m = (char *)(((uintptr_t)raw + HUGE - 1) & ~(uintptr_t)(HUGE - 1));
	if (huge && madvise(m, size, MADV_HUGEPAGE) < 0)
		perror("madvise");
	memset(m, 1, size);
	for (int i = 0; i < iterations; i++) {
		int64_t t0;

		usleep((useconds_t)sleep_us);
		t0 = now_ns();
		for (int k = 0; k < pages; k++) {
			x = x * 1103515245u + 12345u;
			sum += m[(size_t)(x % (uint32_t)(size / 4096)) * 4096];
		}
		total += now_ns() - t0;
	}
	munmap(raw, size + HUGE);
	return (double)total / 1000.0 / iterations;
}

int
main(int argc, char **argv)
{
	size_t mb = argc > 1 ? strtoul(argv[1], NULL, 10) : 16;
	int sleep_us = argc > 2 ? atoi(argv[2]) : 30000;
	int pages = argc > 3 ? atoi(argv[3]) : 100;
	int iterations = argc > 4 ? atoi(argv[4]) : 100;

	if (mb < 4 || pages < 1 || iterations < 1 || sleep_us < 0) {
		fprintf(stderr, "usage: coldpages [MB>=4 [SLEEP_US [PAGES [ITERATIONS]]]]\n");
		return 2;
	}
	printf("%zu MB, sleep %d us, %d random pages read per wake-up, %d wake-ups:\n",
	    mb, sleep_us, pages, iterations);
	printf("  4 KB pages: %8.1f us per wake-up\n", run(mb << 20, sleep_us, pages, iterations, 0));
	printf("  2 MB pages: %8.1f us per wake-up\n", run(mb << 20, sleep_us, pages, iterations, 1));
	return 0;
}
