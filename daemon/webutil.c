#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "webutil.h"

void
wbuf_free(struct wbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

static int
wbuf_reserve(struct wbuf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->oom)
		return -1;
	if (b->len + more + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + more + 1) {
		if (cap > ((size_t)1 << 30)) {
			b->oom = 1;
			return -1;
		}
		cap *= 2;
	}
	if ((p = realloc(b->p, cap)) == NULL) {
		wbuf_free(b);
		b->oom = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void
wbuf_add(struct wbuf *b, const char *s, size_t n)
{
	if (wbuf_reserve(b, n) < 0)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
wbuf_puts(struct wbuf *b, const char *s)
{
	if (s)
		wbuf_add(b, s, strlen(s));
}

void
wbuf_printf(struct wbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || wbuf_reserve(b, (size_t)n) < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *
wbuf_take(struct wbuf *b, size_t *len)
{
	char *p;

	if (b->oom || wbuf_reserve(b, 0) < 0)
		return NULL;
	p = b->p;
	if (len)
		*len = b->len;
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

void
html_escape(struct wbuf *b, const char *s)
{
	const char *run;

	if (s == NULL)
		return;
	for (run = s; *s; s++) {
		const char *rep;

		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		case '`': rep = "&#96;"; break;
		default:
			if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n')
				rep = "\xef\xbf\xbd";
			else if (*s == 0x7f)
				rep = "\xef\xbf\xbd";
			else
				continue;
		}
		wbuf_add(b, run, (size_t)(s - run));
		wbuf_puts(b, rep);
		run = s + 1;
	}
	wbuf_add(b, run, (size_t)(s - run));
}

void
url_escape(struct wbuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			wbuf_add(b, (const char *)&c, 1);
		} else {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };

			wbuf_add(b, e, 3);
		}
	}
}

void
csv_field(struct wbuf *b, const char *s)
{
	if (s == NULL)
		s = "";
	wbuf_add(b, "\"", 1);
	if (*s == '=' || *s == '+' || *s == '-' || *s == '@' || *s == '\t' || *s == '\r')
		wbuf_add(b, "'", 1);
	for (; *s; s++) {
		if (*s == '"')
			wbuf_add(b, "\"\"", 2);
		else
			wbuf_add(b, s, 1);
	}
	wbuf_add(b, "\"", 1);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
url_decode(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (*s == '+') {
			*out++ = ' ';
		} else if (*s == '%') {
			int hi = hexval(s[1]), lo = hi < 0 ? -1 : hexval(s[2]);

			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -1;
			*out++ = (char)(hi << 4 | lo);
			s += 2;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
	return 0;
}

int
form_parse(char *body, char **keys, char **vals, int max)
{
	char *save = NULL;
	int n = 0;

	for (char *kv = strtok_r(body, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(kv, '=');

		if (n >= max)
			return -1;
		if (eq)
			*eq = '\0';
		if (url_decode(kv) < 0 || (eq && url_decode(eq + 1) < 0))
			return -1;
		keys[n] = kv;
		vals[n++] = eq ? eq + 1 : kv + strlen(kv);
	}
	return n;
}

int
ct_streq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char diff = (unsigned char)(la != lb);

	/* compare over b's length whatever a is: the time tells nothing of a */
	for (size_t i = 0; i < lb; i++)
		diff |= (unsigned char)((i < la ? (unsigned char)a[i] : 0) ^ (unsigned char)b[i]);
	return diff == 0;
}

int
random_hex(char *out, size_t outlen, size_t nbytes)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[64];
	size_t got = 0;

	if (nbytes > sizeof(raw) || outlen < 2 * nbytes + 1)
		return -1;
	while (got < nbytes) {
		ssize_t n = getrandom(raw + got, nbytes - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	for (size_t i = 0; i < nbytes; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[2 * nbytes] = '\0';
	explicit_bzero(raw, sizeof(raw));
	return 0;
}
