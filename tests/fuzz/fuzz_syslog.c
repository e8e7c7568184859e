/* Fuzz target: the syslog parser (RFC 5424, RFC 3164 and what devices send). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "syslogd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct syslog_msg m;
	char *buf;

	if (size > 65536)
		return 0;
	buf = malloc(size + 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	syslog_parse(buf, size, &m);
	/* whatever came in, what comes out is terminated and within the buffer */
	if (m.text == NULL || m.text < buf || m.text > buf + size)
		abort();
	(void)strlen(m.text);
	free(buf);
	return 0;
}
