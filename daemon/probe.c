#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <libconfig.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "probe.h"
#include "sanitize.h"
#include "util.h"

int
oid_parse(const char *s, struct probe_oid *o)
{
	const char *p = s;

	o->len = 0;
	if (*p == '.')
		p++;
	while (*p) {
		char *end;
		unsigned long v;

		if (*p < '0' || *p > '9' || o->len == PROBE_OID_MAX)
			return -1;
		errno = 0;
		v = strtoul(p, &end, 10);
		if (errno || v > UINT32_MAX)
			return -1;
		o->sub[o->len++] = (uint32_t)v;
		if (*end == '.' && end[1] != '\0')
			p = end + 1;
		else if (*end == '\0')
			p = end;
		else
			return -1;
	}
	return o->len >= 2 ? 0 : -1;
}

int
oid_format(const uint32_t *sub, size_t len, char *buf, size_t buflen)
{
	size_t o = 0;

	if (buflen == 0)
		return -1;
	buf[0] = '\0';
	for (size_t i = 0; i < len; i++) {
		int n = snprintf(buf + o, buflen - o, i ? ".%u" : "%u", sub[i]);

		if (n < 0 || (size_t)n >= buflen - o)
			return -1;
		o += (size_t)n;
	}
	return 0;
}

static const struct {
	const char *name;
	enum column_type type;
} column_types[] = {
	{ "gauge", COL_GAUGE }, { "counter", COL_COUNTER }, { "state", COL_STATE },
	{ "text", COL_TEXT }, { "derived", COL_DERIVED },
};

static const struct {
	const char *name;
	enum derive_op op;
} derive_ops[] = {
	{ "percent", DERIVE_PERCENT }, { "product", DERIVE_PRODUCT }, { "diff", DERIVE_DIFF },
};

#define PERR(setting, ...) do {						\
	int n_ = snprintf(err, errlen, "%s:%d: ", path,			\
	    (setting) ? config_setting_source_line(setting) : 0);	\
	if (n_ > 0 && (size_t)n_ < errlen)				\
		snprintf(err + n_, errlen - (size_t)n_, __VA_ARGS__);	\
	goto bad;							\
} while (0)

static int
check_keys(const config_setting_t *s, const char *const *allowed, const char *path,
    const char *where, char *err, size_t errlen)
{
	int n = config_setting_length(s);

	for (int i = 0; i < n; i++) {
		config_setting_t *c = config_setting_get_elem(s, (unsigned)i);
		const char *name = config_setting_name(c);
		int ok = 0;

		for (size_t k = 0; allowed[k]; k++)
			if (name && strcmp(name, allowed[k]) == 0)
				ok = 1;
		if (!ok)
			PERR(c, "unknown key '%s' in %s", name ? name : "?", where);
	}
	return 0;
bad:
	return -1;
}

/* "oid" is a string or a list of strings; "scale" a number or a list of numbers. */
static int
load_oids(config_setting_t *cs, struct probe_oid *alts, int *n_alts, const char *path,
    char *err, size_t errlen)
{
	config_setting_t *o = config_setting_get_member(cs, "oid");
	config_setting_t *sc = config_setting_get_member(cs, "scale");
	int n;

	*n_alts = 0;
	if (o == NULL)
		PERR(cs, "column needs an oid");
	n = config_setting_is_array(o) ? config_setting_length(o) : 1;
	if (n < 1 || n > PROBE_MAX_ALTS)
		PERR(o, "oid takes one OID or a list of at most %d", PROBE_MAX_ALTS);
	for (int i = 0; i < n; i++) {
		config_setting_t *e = config_setting_is_array(o) ?
		    config_setting_get_elem(o, (unsigned)i) : o;
		const char *s = config_setting_get_string(e);

		if (s == NULL || oid_parse(s, &alts[i]) < 0)
			PERR(e, "not a numeric OID");
		alts[i].scale = 1.0;
		if (sc && config_setting_is_array(sc) && i < config_setting_length(sc))
			alts[i].scale = config_setting_get_float_elem(sc, i);
		else if (sc && config_setting_is_number(sc))
			alts[i].scale = config_setting_get_float(sc);
	}
	if (sc && config_setting_is_array(sc) && config_setting_length(sc) != n)
		PERR(sc, "scale needs one number per oid");
	*n_alts = n;
	return 0;
bad:
	return -1;
}

static int
load_column(struct probe *p, config_setting_t *cs, const char *path, char *err, size_t errlen)
{
	static const char *const keys[] = { "name", "type", "oid", "scale", "unit", "min",
		"max", "rrd", "max_rate", "derive", "of", NULL };
	struct probe_column *c = &p->cols[p->n_cols];
	const char *name = NULL, *type = "gauge", *unit = "";
	int rrd;
	double d;

	if (p->n_cols == PROBE_MAX_COLUMNS)
		PERR(cs, "more than %d columns", PROBE_MAX_COLUMNS);
	if (check_keys(cs, keys, path, "column", err, errlen) < 0)
		return -1;
	memset(c, 0, sizeof(*c));
	if (!config_setting_lookup_string(cs, "name", &name) || !ds_name_is_valid(name))
		PERR(cs, "column name must be 1-19 characters of [A-Za-z0-9_]");
	if (probe_column_index(p, name) >= 0)
		PERR(cs, "column '%s' defined twice", name);
	nocd_strlcpy(c->name, name, sizeof(c->name));
	config_setting_lookup_string(cs, "type", &type);
	c->type = (enum column_type)-1;
	for (size_t i = 0; i < ARRAY_SIZE(column_types); i++)
		if (strcmp(type, column_types[i].name) == 0)
			c->type = column_types[i].type;
	if ((int)c->type < 0)
		PERR(cs, "type must be gauge, counter, state, text or derived");
	config_setting_lookup_string(cs, "unit", &unit);
	if (copy_string(c->unit, sizeof(c->unit), unit) < 0)
		PERR(cs, "unit is too long");
	c->min = config_setting_lookup_float(cs, "min", &d) ? d : NAN;
	c->max = config_setting_lookup_float(cs, "max", &d) ? d : NAN;
	c->rrd = c->type != COL_TEXT;
	if (config_setting_lookup_bool(cs, "rrd", &rrd))
		c->rrd = rrd && c->type != COL_TEXT;
	c->max_rate_col = -1;
	c->derive_a = c->derive_b = -1;
	if (c->type == COL_DERIVED) {
		const char *op = NULL;
		config_setting_t *of = config_setting_get_member(cs, "of");

		config_setting_lookup_string(cs, "derive", &op);
		for (size_t i = 0; op && i < ARRAY_SIZE(derive_ops); i++)
			if (strcmp(op, derive_ops[i].name) == 0)
				c->derive = derive_ops[i].op;
		if (c->derive == DERIVE_NONE)
			PERR(cs, "derived column needs derive = percent, product or diff");
		if (of == NULL || !config_setting_is_array(of) || config_setting_length(of) != 2)
			PERR(cs, "derived column needs of = [ \"a\", \"b\" ]");
		c->derive_a = probe_column_index(p, config_setting_get_string_elem(of, 0) ?
		    config_setting_get_string_elem(of, 0) : "");
		c->derive_b = probe_column_index(p, config_setting_get_string_elem(of, 1) ?
		    config_setting_get_string_elem(of, 1) : "");
		if (c->derive_a < 0 || c->derive_b < 0)
			PERR(of, "derived column refers to a column not defined before it");
	} else if (load_oids(cs, c->alts, &c->n_alts, path, err, errlen) < 0) {
		return -1;
	}
	if (config_setting_lookup_string(cs, "max_rate", &name)) {
		c->max_rate_col = probe_column_index(p, name);
		if (c->type != COL_COUNTER || c->max_rate_col < 0)
			PERR(cs, "max_rate must name a column defined before this counter");
	}
	p->n_cols++;
	return 0;
bad:
	return -1;
}

static int
load_string_list(config_setting_t *s, char dst[][32], int max, int *n, const char *path,
    char *err, size_t errlen)
{
	*n = 0;
	if (s == NULL)
		return 0;
	if (!config_setting_is_array(s) || config_setting_length(s) > max)
		PERR(s, "expected a list of at most %d names", max);
	for (int i = 0; i < config_setting_length(s); i++) {
		const char *v = config_setting_get_string_elem(s, i);

		if (v == NULL || copy_string(dst[i], 32, v) < 0)
			PERR(s, "expected short names");
		(*n)++;
	}
	return 0;
bad:
	return -1;
}

static int
load_probe(struct probe *p, config_setting_t *ps, const char *path, char *err, size_t errlen)
{
	static const char *const keys[] = { "name", "kind", "label", "columns", "graph",
		"classes", NULL };
	config_setting_t *cols, *lab, *g;
	const char *name = NULL, *kind = "table";
	char graph[4][32];
	int ng = 0;

	memset(p, 0, sizeof(*p));
	nocd_strlcpy(p->file, path, sizeof(p->file));
	if (check_keys(ps, keys, path, "probe", err, errlen) < 0)
		return -1;
	if (!config_setting_lookup_string(ps, "name", &name) || !ds_name_is_valid(name) ||
	    strlen(name) >= sizeof(p->name))
		PERR(ps, "probe name must be 1-19 characters of [A-Za-z0-9_]");
	nocd_strlcpy(p->name, name, sizeof(p->name));
	config_setting_lookup_string(ps, "kind", &kind);
	if (strcmp(kind, "table") == 0)
		p->kind = PROBE_TABLE;
	else if (strcmp(kind, "scalar") == 0)
		p->kind = PROBE_SCALAR;
	else
		PERR(ps, "kind must be table or scalar");
	lab = config_setting_get_member(ps, "label");
	if (lab != NULL) {
		for (int i = 0; i < config_setting_length(lab) && i < PROBE_MAX_ALTS; i++) {
			const char *s = config_setting_get_string_elem(lab, i);

			if (s == NULL || oid_parse(s, &p->label[i]) < 0)
				PERR(lab, "label takes a list of numeric OIDs");
			p->n_label++;
		}
	}
	cols = config_setting_get_member(ps, "columns");
	if (cols == NULL || !config_setting_is_list(cols) || config_setting_length(cols) == 0)
		PERR(ps, "probe needs a list of columns");
	for (int i = 0; i < config_setting_length(cols); i++)
		if (load_column(p, config_setting_get_elem(cols, (unsigned)i), path, err, errlen) < 0)
			return -1;
	g = config_setting_get_member(ps, "graph");
	if (load_string_list(g, graph, 4, &ng, path, err, errlen) < 0)
		return -1;
	for (int i = 0; i < ng; i++) {
		if (probe_column_index(p, graph[i]) < 0)
			PERR(g, "graph names an unknown column '%s'", graph[i]);
		nocd_strlcpy(p->graph[i], graph[i], sizeof(p->graph[i]));
	}
	p->n_graph = ng;
	return load_string_list(config_setting_get_member(ps, "classes"), p->classes, 8,
	    &p->n_classes, path, err, errlen);
bad:
	return -1;
}

int
probes_load_file(const char *path, struct probe_set *set, char *err, size_t errlen)
{
	config_t cfg;
	config_setting_t *list;
	struct probe *loaded = NULL;
	int n = 0, rc = -1;

	config_init(&cfg);
	/* "scale = 8" is as good as "scale = 8.0" */
	config_set_options(&cfg, config_get_options(&cfg) | CONFIG_OPTION_AUTOCONVERT);
	if (!config_read_file(&cfg, path)) {
		if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO)
			snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		else
			snprintf(err, errlen, "%s:%d: %s", path, config_error_line(&cfg),
			    config_error_text(&cfg));
		goto out;
	}
	list = config_lookup(&cfg, "probes");
	if (list == NULL || !config_setting_is_list(list)) {
		snprintf(err, errlen, "%s:1: expected probes = ( { ... } );", path);
		goto out;
	}
	n = config_setting_length(list);
	loaded = xcalloc((size_t)n, sizeof(*loaded));
	for (int i = 0; i < n; i++) {
		if (load_probe(&loaded[i], config_setting_get_elem(list, (unsigned)i), path,
		    err, errlen) < 0)
			goto out;
		if (probes_find(set, loaded[i].name) != NULL) {
			snprintf(err, errlen, "%s:%d: probe '%s' is defined in another file too",
			    path, config_setting_source_line(config_setting_get_elem(list,
			    (unsigned)i)), loaded[i].name);
			goto out;
		}
	}
	set->v = xreallocarray(set->v, set->n + (size_t)n, sizeof(*set->v));
	memcpy(set->v + set->n, loaded, (size_t)n * sizeof(*loaded));
	set->n += (size_t)n;
	rc = 0;
out:
	free(loaded);
	config_destroy(&cfg);
	return rc;
}

static int
is_conf_file(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".conf") == 0;
}

int
probes_load(const char *const *dirs, size_t ndirs, struct probe_set *set)
{
	int failed = 0, read_any = 0;

	for (size_t i = 0; i < ndirs; i++) {
		struct dirent **names;
		int n = scandir(dirs[i], &names, is_conf_file, alphasort);

		if (n < 0) {
			log_warn("probe directory %s", dirs[i]);
			continue;
		}
		read_any = 1;
		for (int k = 0; k < n; k++) {
			char path[4096], err[512];

			if ((size_t)snprintf(path, sizeof(path), "%s/%s", dirs[i],
			    names[k]->d_name) < sizeof(path) &&
			    probes_load_file(path, set, err, sizeof(err)) < 0) {
				log_warnx("%s", err);
				failed++;
			}
			free(names[k]);
		}
		free(names);
	}
	return read_any ? failed : -1;
}

void
probes_free(struct probe_set *set)
{
	free(set->v);
	set->v = NULL;
	set->n = 0;
}

const struct probe *
probes_find(const struct probe_set *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->v[i].name, name) == 0)
			return &set->v[i];
	return NULL;
}

int
probe_column_index(const struct probe *p, const char *name)
{
	for (int i = 0; i < p->n_cols; i++)
		if (strcmp(p->cols[i].name, name) == 0)
			return i;
	return -1;
}
