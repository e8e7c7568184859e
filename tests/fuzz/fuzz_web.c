/* Fuzz target: what the web console parses from a browser (form bodies, URL
 * escapes, Accept-Language) and what it writes from hostile strings (HTML and
 * CSV escaping). The first byte chooses the parser. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "webutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* nothing that escaping made may hold a character that opens markup */
static void
check_escaped(const struct wbuf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if (b->p[i] == '<' || b->p[i] == '>' || b->p[i] == '"' || b->p[i] == '\'' ||
		    b->p[i] == '`')
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wbuf b = { 0 };
	char *buf, *keys[32], *vals[32];
	int n;

	if (size < 1 || size > 65536)
		return 0;
	buf = malloc(size);
	if (buf == NULL)
		return 0;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	switch (data[0] % 4) {
	case 0:
		n = form_parse(buf, keys, vals, 32);
		for (int i = 0; i < n; i++)
			if (strlen(keys[i]) >= size || strlen(vals[i]) >= size)
				abort();
		break;
	case 1:
		(void)i18n_from_accept(buf);
		break;
	case 2:
		html_escape(&b, buf);
		check_escaped(&b);
		break;
	default:
		csv_field(&b, buf);
		url_escape(&b, buf);
		break;
	}
	wbuf_free(&b);
	free(buf);
	return 0;
}
