/* The enterprise catalog: a sorted array searched with bsearch. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"
#include "vendor.h"

struct vendor_entry {
	uint32_t number;
	char *name;
};

struct vendor_catalog {
	struct vendor_entry *v;
	size_t n;
};

static int
cmp_entry(const void *a, const void *b)
{
	const struct vendor_entry *x = a, *y = b;

	return x->number < y->number ? -1 : x->number > y->number;
}

/* "<number> <name...>"; 0 on success, -1 on a malformed line. */
static int
parse_line(char *line, uint32_t *number, char **name)
{
	char *p = line, *end;
	unsigned long long v;
	size_t len;

	while (isspace((unsigned char)*p))
		p++;
	if (!isdigit((unsigned char)*p))
		return -1;
	errno = 0;
	v = strtoull(p, &end, 10);
	if (errno || v == 0 || v > UINT32_MAX || !isspace((unsigned char)*end))
		return -1;
	while (isspace((unsigned char)*end))
		end++;
	len = strlen(end);
	while (len > 0 && isspace((unsigned char)end[len - 1]))
		end[--len] = '\0';
	if (len == 0 || len > 63)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (iscntrl((unsigned char)end[i]))
			return -1;
	*number = (uint32_t)v;
	*name = end;
	return 0;
}

struct vendor_catalog *
vendor_catalog_load(const char *path, char *err, size_t errlen)
{
	struct vendor_catalog *c;
	FILE *f = fopen(path, "r");
	char line[256];
	int lineno = 0, bad = 0;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	while (fgets(line, sizeof(line), f) != NULL) {
		char *hash = strchr(line, '#'), *name, *p = line;
		uint32_t number;

		lineno++;
		if (hash)
			*hash = '\0';
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			continue;
		if (parse_line(line, &number, &name) < 0) {
			if (bad++ < 5)
				log_warnx("%s:%d: not \"<enterprise number> <name>\"", path, lineno);
			continue;
		}
		c->v = xreallocarray(c->v, c->n + 1, sizeof(*c->v));
		c->v[c->n].number = number;
		c->v[c->n++].name = xstrdup(name);
	}
	fclose(f);
	if (bad > 5)
		log_warnx("%s: %d malformed lines in all", path, bad);
	qsort(c->v, c->n, sizeof(*c->v), cmp_entry);
	return c;
}

void
vendor_catalog_free(struct vendor_catalog *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].name);
	free(c->v);
	free(c);
}

const char *
vendor_lookup(const struct vendor_catalog *c, uint32_t enterprise)
{
	struct vendor_entry key = { enterprise, NULL }, *e;

	if (c == NULL || c->n == 0)
		return NULL;
	e = bsearch(&key, c->v, c->n, sizeof(*c->v), cmp_entry);
	return e ? e->name : NULL;
}

uint32_t
vendor_enterprise_of(const char *oid)
{
	static const char prefix[] = "1.3.6.1.4.1.";
	unsigned long long v = 0;
	const char *p;

	if (oid == NULL)
		return 0;
	if (*oid == '.')
		oid++;
	if (strncmp(oid, prefix, sizeof(prefix) - 1) != 0)
		return 0;
	p = oid + sizeof(prefix) - 1;
	if (!isdigit((unsigned char)*p))
		return 0;
	for (; isdigit((unsigned char)*p); p++) {
		v = v * 10 + (unsigned)(*p - '0');
		if (v > UINT32_MAX)
			return 0;
	}
	if (*p != '\0' && *p != '.')
		return 0;
	return (uint32_t)v;
}
