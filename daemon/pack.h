/*
 * Held RRD samples, packed (rrd.write_cache keeps minutes of them for
 * thousands of files). A sample is its time as a variable-length difference
 * from the previous sample's, two bits per value saying what follows, then
 * each value in as few bytes as keep it exact: nothing for 0 and for an
 * unknown value, 4 bytes for a value a float holds exactly (small integers),
 * 8 for any other double. An idle port's sample is 3 bytes instead of the 72
 * of 1 + 8 doubles; a busy one's about 70.
 */
#ifndef NOCD_PACK_H
#define NOCD_PACK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* The most one sample of n values can take. */
#define PACK_SAMPLE_MAX(n)	(10 + ((n) + 3) / 4 + 8 * (n))

/*
 * Appends the sample (when, v[0..n-1]) to out, which has room for
 * PACK_SAMPLE_MAX(n) bytes; prev is the time of the sample before it in the
 * same buffer, or 0 for the first. Returns the bytes written.
 */
size_t pack_sample(uint8_t *out, time_t prev, time_t when, const double *v, size_t n);

/*
 * Reads one sample of n values written by pack_sample() with the same prev
 * from in (len bytes left). Returns the bytes read, or 0 if the buffer ends
 * inside the sample. An unknown value comes back as NAN.
 */
size_t unpack_sample(const uint8_t *in, size_t len, time_t prev, time_t *when, double *v,
	size_t n);

#endif
