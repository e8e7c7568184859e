#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sanitize.h"
#include "util.h"

static int
byte_is_plain(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '-';
}

/* Keeps cut names apart; this seed made the names already on disk. */
static uint64_t
cut_hash(const char *s)
{
	return fnv1a(1469598103934665603ULL, s, strlen(s));
}

int
name_sanitize(const char *in, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	const size_t room = SANITIZED_MAX - 1;	/* characters we may write */
	size_t o = 0;
	int cut = 0;

	if (outlen < SANITIZED_MAX)
		return -1;
	if (*in == '\0') {
		out[0] = '_';
		out[1] = '\0';
		return 0;
	}
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		/* no leading dot and never two in a row: ".." cannot appear at all */
		int plain = byte_is_plain(*p) && !(*p == '.' && (o == 0 || p[-1] == '.'));

		if (o + (plain ? 1 : 3) > room - 17) {	/* keep room for "~" + 16 hex */
			cut = 1;
			break;
		}
		if (plain) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '_';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	if (cut)
		o += (size_t)snprintf(out + o, outlen - o, "~%016llx",
		    (unsigned long long)cut_hash(in));
	out[o] = '\0';
	return 0;
}

int
name_is_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63 || s[0] == '.' || s[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!byte_is_plain(c) && c != '_')
			return 0;
	}
	return 1;
}

int
ds_name_is_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 19)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '_'))
			return 0;
	}
	return 1;
}
