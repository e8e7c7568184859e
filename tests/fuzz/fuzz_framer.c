/* Fuzz target: RFC 6587 framing of a TCP byte stream, as a connection reads it. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "syslogd.h"

#define MAX 2048

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[MAX + 16];
	size_t len = 0, in = 0;

	/* the first byte chooses the read size: byte-at-a-time senders included */
	size_t chunk = size ? (size_t)(data[0] % 64) + 1 : 1;

	while (in < size) {
		size_t n = size - in < chunk ? size - in : chunk;

		if (n > sizeof(buf) - len)
			n = sizeof(buf) - len;
		memcpy(buf + len, data + in, n);
		len += n;
		in += n;
		for (;;) {
			size_t off, mlen, used;
			int r = syslog_frame(buf, len, MAX, &off, &mlen, &used);

			if (r < 0)
				return 0;	/* the connection would be closed */
			if (r == 0)
				break;
			if (off + mlen > len || used > len || used == 0 || mlen > MAX)
				abort();
			memmove(buf, buf + used, len - used);
			len -= used;
		}
		if (len == sizeof(buf))
			abort();	/* a full buffer must have been refused */
	}
	return 0;
}
