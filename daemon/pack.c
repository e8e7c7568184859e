#include "config.h"

#include <math.h>
#include <string.h>

#include "pack.h"

enum { TAG_ZERO, TAG_NAN, TAG_FLOAT, TAG_DOUBLE };

static size_t
put_varint(uint8_t *out, uint64_t x)
{
	size_t n = 0;

	while (x >= 0x80) {
		out[n++] = (uint8_t)(x | 0x80);
		x >>= 7;
	}
	out[n++] = (uint8_t)x;
	return n;
}

static size_t
get_varint(const uint8_t *in, size_t len, uint64_t *x)
{
	uint64_t v = 0;

	for (size_t i = 0; i < len && i < 10; i++) {
		v |= (uint64_t)(in[i] & 0x7f) << (7 * i);
		if ((in[i] & 0x80) == 0) {
			*x = v;
			return i + 1;
		}
	}
	return 0;
}

static int
value_tag(double x)
{
	uint64_t bits;
	float f;

	if (isnan(x))
		return TAG_NAN;
	memcpy(&bits, &x, sizeof(bits));
	if (bits == 0)		/* +0.0 only: -0.0 keeps its sign as a float */
		return TAG_ZERO;
	f = (float)x;
	/* exact (a double beyond float's range becomes infinity, which is not) */
	if ((double)f == x)
		return TAG_FLOAT;
	return TAG_DOUBLE;
}

size_t
pack_sample(uint8_t *out, time_t prev, time_t when, const double *v, size_t n)
{
	int64_t d = (int64_t)when - (int64_t)prev;
	/* zigzag: small differences of either sign are small numbers */
	size_t len = put_varint(out, ((uint64_t)d << 1) ^ (uint64_t)(d >> 63));
	uint8_t *tags = out + len;

	len += (n + 3) / 4;
	memset(tags, 0, (n + 3) / 4);
	for (size_t i = 0; i < n; i++) {
		int tag = value_tag(v[i]);

		tags[i / 4] |= (uint8_t)(tag << (2 * (i % 4)));
		if (tag == TAG_FLOAT) {
			float f = (float)v[i];

			memcpy(out + len, &f, sizeof(f));
			len += sizeof(f);
		} else if (tag == TAG_DOUBLE) {
			memcpy(out + len, &v[i], sizeof(v[i]));
			len += sizeof(v[i]);
		}
	}
	return len;
}

size_t
unpack_sample(const uint8_t *in, size_t len, time_t prev, time_t *when, double *v, size_t n)
{
	uint64_t z;
	size_t pos = get_varint(in, len, &z), ntags = (n + 3) / 4;
	const uint8_t *tags;

	if (pos == 0 || len - pos < ntags)
		return 0;
	*when = (time_t)((int64_t)prev + (int64_t)((z >> 1) ^ (~(z & 1) + 1)));
	tags = in + pos;
	pos += ntags;
	for (size_t i = 0; i < n; i++) {
		int tag = (tags[i / 4] >> (2 * (i % 4))) & 3;

		if (tag == TAG_ZERO) {
			v[i] = 0.0;
		} else if (tag == TAG_NAN) {
			v[i] = NAN;
		} else if (tag == TAG_FLOAT) {
			float f;

			if (len - pos < sizeof(f))
				return 0;
			memcpy(&f, in + pos, sizeof(f));
			v[i] = (double)f;
			pos += sizeof(f);
		} else {
			if (len - pos < sizeof(v[i]))
				return 0;
			memcpy(&v[i], in + pos, sizeof(v[i]));
			pos += sizeof(v[i]);
		}
	}
	return pos;
}
