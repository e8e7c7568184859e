/*
 * Small pieces of the web console that are worth testing on their own: an
 * output buffer, the one HTML escaper (text and attribute context alike),
 * URL and CSV escaping, constant-time comparison, random tokens.
 */
#ifndef NOCD_WEBUTIL_H
#define NOCD_WEBUTIL_H

#include <stddef.h>

/* A growing output buffer; after a failed allocation it stays empty and oom is set. */
struct wbuf {
	char *p;
	size_t len, cap;
	int oom;
};

void wbuf_free(struct wbuf *b);
void wbuf_add(struct wbuf *b, const char *s, size_t n);
void wbuf_puts(struct wbuf *b, const char *s);
void wbuf_printf(struct wbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Take the contents (NUL-terminated); the buffer is empty afterwards. */
char *wbuf_take(struct wbuf *b, size_t *len);

/*
 * Everything a device, a syslog sender or a user said goes out through this:
 * & < > " ' and ` are entities, control characters become U+FFFD, so the
 * result is safe between tags and inside a quoted attribute value. NULL is "".
 */
void html_escape(struct wbuf *b, const char *s);
/* Percent-encode all but RFC 3986 unreserved characters (query values, paths). */
void url_escape(struct wbuf *b, const char *s);
/* One CSV field, quoted; a leading = + - @ gets a ' so spreadsheets do not run it. */
void csv_field(struct wbuf *b, const char *s);
/* Decode %XX and '+' in place; -1 on a bad escape or an embedded NUL. */
int url_decode(char *s);
/* An application/x-www-form-urlencoded body split and decoded in place into
 * at most max pairs; the number of pairs, or -1 (bad escape, too many). */
int form_parse(char *body, char **keys, char **vals, int max);

/* 1 when equal, in time that depends on the length only. */
int ct_streq(const char *a, const char *b);
/* nbytes random bytes from getrandom() as lowercase hex into out (2*nbytes+1). */
int random_hex(char *out, size_t outlen, size_t nbytes);

#endif
