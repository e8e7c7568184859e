#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <libconfig.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <regex.h>

#include "conf.h"
#include "log.h"
#include "probe.h"
#include "rules.h"
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
	{ "sensor", DERIVE_SENSOR },
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
	config_setting_t *c = conf_unknown_key(s, allowed);

	if (c != NULL)
		PERR(c, "unknown key '%s' in %s", config_setting_name(c) ? config_setting_name(c) :
		    "?", where);
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

/* states = ( (1, "normal", "clear"), (2, "warning", "warning"), ... ) */
static int
load_states(struct probe_column *c, config_setting_t *st, const char *path, char *err,
    size_t errlen)
{
	if (st == NULL)
		return 0;
	if (c->type != COL_STATE)
		PERR(st, "states belong to a column of type state");
	if (!config_setting_is_list(st) || config_setting_length(st) > PROBE_MAX_STATES)
		PERR(st, "states takes a list of at most %d (value, \"meaning\", \"severity\")",
		    PROBE_MAX_STATES);
	for (int i = 0; i < config_setting_length(st); i++) {
		config_setting_t *e = config_setting_get_elem(st, (unsigned)i);
		config_setting_t *v0 = e ? config_setting_get_elem(e, 0) : NULL;
		const char *meaning = e ? config_setting_get_string_elem(e, 1) : NULL;
		const char *sev = e ? config_setting_get_string_elem(e, 2) : NULL;
		struct probe_state *ps = &c->states[c->n_states];

		if (e == NULL || config_setting_length(e) != 3 || v0 == NULL ||
		    config_setting_type(v0) != CONFIG_TYPE_INT || meaning == NULL || sev == NULL)
			PERR(e ? e : st, "a state is (value, \"meaning\", \"severity\")");
		ps->value = (int32_t)config_setting_get_int(v0);
		if (copy_string(ps->meaning, sizeof(ps->meaning), meaning) < 0)
			PERR(e, "state meaning is too long (at most %zu characters)",
			    sizeof(ps->meaning) - 1);
		if (severity_parse(sev) < 0)
			PERR(e, "severity must be clear, info, warning, minor, major or critical");
		ps->severity = (uint8_t)severity_parse(sev);
		for (int k = 0; k < c->n_states; k++)
			if (c->states[k].value == ps->value)
				PERR(e, "state %d listed twice", (int)ps->value);
		c->n_states++;
	}
	return 0;
bad:
	return -1;
}

const struct probe_state *
probe_column_state(const struct probe_column *c, double value)
{
	if (isnan(value))
		return NULL;
	for (int i = 0; i < c->n_states; i++)
		if ((double)c->states[i].value == value)
			return &c->states[i];
	return NULL;
}

static int
load_column(struct probe *p, config_setting_t *cs, const char *path, char *err, size_t errlen)
{
	static const char *const keys[] = { "name", "type", "oid", "scale", "unit", "min",
		"max", "rrd", "max_rate", "derive", "of", "states", "category", NULL };
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
	c->derive_a = c->derive_b = c->derive_c = -1;
	if (c->type == COL_DERIVED) {
		const char *op = NULL;
		int n_of;
		config_setting_t *of = config_setting_get_member(cs, "of");

		config_setting_lookup_string(cs, "derive", &op);
		for (size_t i = 0; op && i < ARRAY_SIZE(derive_ops); i++)
			if (strcmp(op, derive_ops[i].name) == 0)
				c->derive = derive_ops[i].op;
		if (c->derive == DERIVE_NONE)
			PERR(cs, "derived column needs derive = percent, product, diff or sensor");
		n_of = c->derive == DERIVE_SENSOR ? 3 : 2;
		if (of == NULL || !config_setting_is_array(of) || config_setting_length(of) != n_of)
			PERR(cs, n_of == 3 ? "derive = \"sensor\" needs of = [ \"value\", \"scale\","
			    " \"precision\" ]" : "derived column needs of = [ \"a\", \"b\" ]");
		for (int k = 0; k < n_of; k++) {
			const char *o = config_setting_get_string_elem(of, k);
			int ix = probe_column_index(p, o ? o : "");

			if (ix < 0)
				PERR(of, "derived column refers to a column not defined before it");
			if (k == 0)
				c->derive_a = ix;
			else if (k == 1)
				c->derive_b = ix;
			else
				c->derive_c = ix;
		}
	} else if (load_oids(cs, c->alts, &c->n_alts, path, err, errlen) < 0) {
		return -1;
	}
	if (config_setting_lookup_string(cs, "max_rate", &name)) {
		c->max_rate_col = probe_column_index(p, name);
		if (c->type != COL_COUNTER || c->max_rate_col < 0)
			PERR(cs, "max_rate must name a column defined before this counter");
	}
	if (load_states(c, config_setting_get_member(cs, "states"), path, err, errlen) < 0)
		return -1;
	if (config_setting_lookup_string(cs, "category", &name) &&
	    (!category_is_valid(name) || copy_string(c->category, sizeof(c->category), name) < 0))
		PERR(cs, "category must be one of hardware, environment, power, availability,"
		    " performance, capacity, security, inspection");
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
		"classes", "every", "inventory", "category", "instance", NULL };
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
	if (config_setting_lookup_int(ps, "every", &p->every) &&
	    (p->every < 0 || p->every > 7 * 86400))
		PERR(ps, "every must be 0 to 604800 seconds");
	config_setting_lookup_bool(ps, "inventory", &p->inventory);
	if (config_setting_lookup_string(ps, "instance", &name)) {
		if (strcmp(name, "label") == 0 && p->n_label > 0)
			p->instance_by_label = 1;
		else if (strcmp(name, "index") != 0)
			PERR(ps, "instance must be \"index\" or \"label\" (with a label OID)");
	}
	if (config_setting_lookup_string(ps, "category", &name) &&
	    (!category_is_valid(name) || copy_string(p->category, sizeof(p->category), name) < 0))
		PERR(ps, "category must be one of hardware, environment, power, availability,"
		    " performance, capacity, security, inspection");
	return load_string_list(config_setting_get_member(ps, "classes"), p->classes, 8,
	    &p->n_classes, path, err, errlen);
bad:
	return -1;
}

static int
load_class(struct class_rule *c, config_setting_t *cs, const char *path, char *err,
    size_t errlen)
{
	static const char *const keys[] = { "class", "vendor", "priority", "sys_object_id",
		"sys_descr", "probes", NULL };
	config_setting_t *oids;
	const char *s;
	regex_t re;

	memset(c, 0, sizeof(*c));
	nocd_strlcpy(c->file, path, sizeof(c->file));
	c->line = config_setting_source_line(cs);
	if (check_keys(cs, keys, path, "class", err, errlen) < 0)
		return -1;
	if (!config_setting_lookup_string(cs, "class", &s) || !ds_name_is_valid(s) ||
	    copy_string(c->class_name, sizeof(c->class_name), s) < 0)
		PERR(cs, "class needs class = \"name\" ([A-Za-z0-9_], at most 19)");
	if (config_setting_lookup_string(cs, "vendor", &s) &&
	    copy_string(c->vendor, sizeof(c->vendor), s) < 0)
		PERR(cs, "vendor is too long");
	config_setting_lookup_int(cs, "priority", &c->priority);
	if ((oids = config_setting_get_member(cs, "sys_object_id")) != NULL) {
		if (!config_setting_is_array(oids) || config_setting_length(oids) > 4)
			PERR(oids, "sys_object_id takes a list of at most 4 OID prefixes");
		for (int i = 0; i < config_setting_length(oids); i++) {
			struct probe_oid o;
			const char *e = config_setting_get_string_elem(oids, i);
			char tmp[64];
			size_t n;

			if (e == NULL || copy_string(tmp, sizeof(tmp), e) < 0)
				PERR(oids, "sys_object_id takes numeric OID prefixes");
			/* "1.3.6.1.4.1.9." is a prefix of the enterprise's subtree */
			n = strlen(tmp);
			if (n && tmp[n - 1] == '.')
				tmp[n - 1] = '\0';
			if (oid_parse(tmp[0] == '.' ? tmp + 1 : tmp, &o) < 0)
				PERR(oids, "'%s' is not a numeric OID prefix", e);
			oid_format(o.sub, o.len, c->oid_prefix[c->n_oid], sizeof(c->oid_prefix[0]));
			c->n_oid++;
		}
	}
	if (config_setting_lookup_string(cs, "sys_descr", &s)) {
		if (copy_string(c->descr_re, sizeof(c->descr_re), s) < 0)
			PERR(cs, "sys_descr is too long");
		if (regcomp(&re, s, REG_EXTENDED | REG_ICASE | REG_NOSUB) != 0)
			PERR(cs, "sys_descr is not a valid extended regular expression");
		regfree(&re);
	}
	return load_string_list(config_setting_get_member(cs, "probes"), c->probes, 4,
	    &c->n_probes, path, err, errlen);
bad:
	return -1;
}

static int
load_list(config_t *cfg, const char *name, size_t size, void **out, int *n)
{
	config_setting_t *list = config_lookup(cfg, name);

	*out = NULL;
	*n = 0;
	if (list == NULL)
		return 0;
	if (!config_setting_is_list(list))
		return -1;
	*n = config_setting_length(list);
	*out = xcalloc(*n ? (size_t)*n : 1, size);
	return 0;
}

int
probes_load_file(const char *path, struct probe_set *set, char *err, size_t errlen)
{
	static const char *const top[] = { "probes", "classes", "rules", NULL };
	config_t cfg;
	struct probe *loaded = NULL;
	struct class_rule *cls = NULL;
	struct rule *rules = NULL;
	int n = 0, nc = 0, nr = 0, rc = -1;

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
	if (check_keys(config_root_setting(&cfg), top, path, "a profile file", err, errlen) < 0)
		goto out;
	if (load_list(&cfg, "probes", sizeof(*loaded), (void **)&loaded, &n) < 0 ||
	    load_list(&cfg, "classes", sizeof(*cls), (void **)&cls, &nc) < 0 ||
	    load_list(&cfg, "rules", sizeof(*rules), (void **)&rules, &nr) < 0) {
		snprintf(err, errlen, "%s:1: probes, classes and rules are lists: name = ( { ... } );",
		    path);
		goto out;
	}
	if (n + nc + nr == 0) {
		snprintf(err, errlen, "%s:1: expected probes = ( { ... } ); (or classes, rules)",
		    path);
		goto out;
	}
	for (int i = 0; i < n; i++) {
		config_setting_t *e = config_setting_get_elem(config_lookup(&cfg, "probes"),
		    (unsigned)i);

		if (load_probe(&loaded[i], e, path, err, errlen) < 0)
			goto out;
		if (probes_find(set, loaded[i].name) != NULL) {
			snprintf(err, errlen, "%s:%d: probe '%s' is defined in another file too",
			    path, config_setting_source_line(e), loaded[i].name);
			goto out;
		}
		for (int k = 0; k < i; k++)
			if (strcmp(loaded[k].name, loaded[i].name) == 0) {
				snprintf(err, errlen, "%s:%d: probe '%s' is defined twice",
				    path, config_setting_source_line(e), loaded[i].name);
				goto out;
			}
	}
	for (int i = 0; i < nc; i++)
		if (load_class(&cls[i], config_setting_get_elem(config_lookup(&cfg, "classes"),
		    (unsigned)i), path, err, errlen) < 0)
			goto out;
	for (int i = 0; i < nr; i++) {
		config_setting_t *e = config_setting_get_elem(config_lookup(&cfg, "rules"),
		    (unsigned)i);

		if (rule_parse(e, path, &rules[i], err, errlen) < 0)
			goto out;
		for (size_t k = 0; k < set->n_rules; k++)
			if (strcmp(set->rules[k].name, rules[i].name) == 0) {
				snprintf(err, errlen, "%s:%d: rule '%s' is defined in %s too",
				    path, rules[i].line, rules[i].name, set->rules[k].file);
				goto out;
			}
		for (int k = 0; k < i; k++)
			if (strcmp(rules[k].name, rules[i].name) == 0) {
				snprintf(err, errlen, "%s:%d: rule '%s' is defined twice",
				    path, rules[i].line, rules[i].name);
				goto out;
			}
	}
	set->v = xreallocarray(set->v, set->n + (size_t)n + 1, sizeof(*set->v));
	if (n)
		memcpy(set->v + set->n, loaded, (size_t)n * sizeof(*loaded));
	set->n += (size_t)n;
	set->classes = xreallocarray(set->classes, set->n_classes + (size_t)nc + 1,
	    sizeof(*set->classes));
	if (nc)
		memcpy(set->classes + set->n_classes, cls, (size_t)nc * sizeof(*cls));
	set->n_classes += (size_t)nc;
	set->rules = xreallocarray(set->rules, set->n_rules + (size_t)nr + 1, sizeof(*set->rules));
	if (nr)
		memcpy(set->rules + set->n_rules, rules, (size_t)nr * sizeof(*rules));
	set->n_rules += (size_t)nr;
	rc = 0;
out:
	free(loaded);
	free(cls);
	free(rules);
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
	free(set->classes);
	free(set->rules);
	memset(set, 0, sizeof(*set));
}

static int
oid_has_prefix(const char *oid, const char *prefix)
{
	size_t n = strlen(prefix);

	if (*oid == '.')
		oid++;
	return strncmp(oid, prefix, n) == 0 && (oid[n] == '\0' || oid[n] == '.');
}

const struct class_rule *
probes_classify(const struct probe_set *set, const char *sys_object_id, const char *sys_descr,
    int (*has_rows)(const void *ctx, size_t probe_idx), const void *ctx)
{
	const struct class_rule *best = NULL;

	for (size_t i = 0; i < set->n_classes; i++) {
		const struct class_rule *c = &set->classes[i];
		int ok = 1;

		if (best && c->priority <= best->priority)
			continue;
		if (c->n_oid) {
			ok = 0;
			for (int k = 0; k < c->n_oid && sys_object_id; k++)
				if (oid_has_prefix(sys_object_id, c->oid_prefix[k]))
					ok = 1;
		}
		if (ok && c->descr_re[0]) {
			regex_t re;

			ok = 0;
			if (sys_descr && regcomp(&re, c->descr_re,
			    REG_EXTENDED | REG_ICASE | REG_NOSUB) == 0) {
				ok = regexec(&re, sys_descr, 0, NULL, 0) == 0;
				regfree(&re);
			}
		}
		for (int k = 0; ok && k < c->n_probes; k++) {
			ok = 0;
			for (size_t p = 0; p < set->n; p++)
				if (strcmp(set->v[p].name, c->probes[k]) == 0 && has_rows(ctx, p))
					ok = 1;
		}
		if (ok)
			best = c;
	}
	return best;
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
