#include "config.h"

#include <libconfig.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "hashmap.h"
#include "log.h"
#include "probe.h"
#include "rules.h"
#include "sanitize.h"
#include "store.h"
#include "util.h"

static const char *const severities[] = { "clear", "info", "warning", "minor", "major",
	"critical" };
static const char *const categories[] = { "hardware", "environment", "power", "availability",
	"performance", "capacity", "security", "inspection", NULL };

const char *
severity_name(int sev)
{
	return sev >= 0 && sev <= SEV_CRITICAL ? severities[sev] : "unknown";
}

int
severity_parse(const char *s)
{
	for (int i = 0; i <= SEV_CRITICAL; i++)
		if (s && strcmp(s, severities[i]) == 0)
			return i;
	return -1;
}

int
category_is_valid(const char *s)
{
	for (size_t i = 0; categories[i]; i++)
		if (s && strcmp(s, categories[i]) == 0)
			return 1;
	return 0;
}

void
ticket_ops_add(struct ticket_ops *ops, const struct ticket_op *op)
{
	if (ops->n == ops->cap) {
		ops->cap = ops->cap ? ops->cap * 2 : 8;
		ops->v = xreallocarray(ops->v, ops->cap, sizeof(*ops->v));
	}
	ops->v[ops->n++] = *op;
}

void
ticket_ops_free(struct ticket_ops *ops)
{
	free(ops->v);
	memset(ops, 0, sizeof(*ops));
}

/* --- parsing --- */

#define RERR(setting, ...) do {						\
	int n_ = snprintf(err, errlen, "%s:%d: ", path,			\
	    config_setting_source_line(setting));			\
	if (n_ > 0 && (size_t)n_ < errlen)				\
		snprintf(err + n_, errlen - (size_t)n_, __VA_ARGS__);	\
	return -1;							\
} while (0)

/* A number whether written 12 or 12.0 (files are read with or without autoconvert). */
static double
num_value(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
		return (double)config_setting_get_int(s);
	case CONFIG_TYPE_INT64:
		return (double)config_setting_get_int64(s);
	default:
		return config_setting_get_float(s);
	}
}

static int
num_list(config_setting_t *s, double *dst, int *n)
{
	*n = 0;
	if (config_setting_is_number(s)) {
		dst[(*n)++] = num_value(s);
		return 0;
	}
	if (!config_setting_is_array(s) || config_setting_length(s) > RULE_MAX_SET ||
	    config_setting_length(s) == 0)
		return -1;
	for (int i = 0; i < config_setting_length(s); i++) {
		config_setting_t *e = config_setting_get_elem(s, (unsigned)i);

		if (!config_setting_is_number(e))
			return -1;
		dst[(*n)++] = num_value(e);
	}
	return 0;
}

static int
str_list(config_setting_t *s, char *dst, size_t width, int max, int *n)
{
	*n = 0;
	if (!config_setting_is_array(s) || config_setting_length(s) > max)
		return -1;
	for (int i = 0; i < config_setting_length(s); i++) {
		const char *v = config_setting_get_string_elem(s, i);

		if (v == NULL || copy_string(dst + (size_t)i * width, width, v) < 0)
			return -1;
		(*n)++;
	}
	return 0;
}

int
rule_parse(config_setting_t *s, const char *path, struct rule *r, char *err, size_t errlen)
{
	static const char *const keys[] = { "name", "metric", "above", "below", "equal", "in",
		"bad_states", "rate_above", "full_within_days", "was", "clear_below",
		"clear_above", "count", "clear_count", "severity", "category", "classes",
		"devices", "instances", "where_column", "where_in", "message", "enabled", NULL };
	static const struct { const char *key; enum rule_cond cond; } conds[] = {
		{ "above", RC_ABOVE }, { "below", RC_BELOW }, { "equal", RC_EQUAL },
		{ "in", RC_IN }, { "bad_states", RC_BAD_STATES }, { "rate_above", RC_RATE_ABOVE },
		{ "full_within_days", RC_FULL_WITHIN },
	};
	config_setting_t *m;
	const char *v, *dot;
	int n_cond = 0, b;
	regex_t re;

	memset(r, 0, sizeof(*r));
	nocd_strlcpy(r->file, path, sizeof(r->file));
	r->line = config_setting_source_line(s);
	r->count = r->clear_count = 1;
	r->severity = -1;
	r->enabled = 1;
	if (!config_setting_is_group(s))
		RERR(s, "a rule is a group: { name = \"...\"; metric = \"...\"; ... }");
	if ((m = conf_unknown_key(s, keys)) != NULL)
		RERR(m, "unknown key '%s' in rule", config_setting_name(m) ?
		    config_setting_name(m) : "?");
	if (!config_setting_lookup_string(s, "name", &v) || strlen(v) == 0 ||
	    strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
	    strlen(v) || copy_string(r->name, sizeof(r->name), v) < 0)
		RERR(s, "rule needs name = \"...\" ([A-Za-z0-9_], at most %zu)",
		    sizeof(r->name) - 1);
	if (!config_setting_lookup_string(s, "metric", &v) || (dot = strchr(v, '.')) == NULL ||
	    (size_t)(dot - v) >= sizeof(r->group) || dot == v ||
	    copy_string(r->metric, sizeof(r->metric), dot + 1) < 0 || !ds_name_is_valid(dot + 1))
		RERR(s, "rule %s: metric must be \"group.column\" (or \"device.down\")", r->name);
	memcpy(r->group, v, (size_t)(dot - v));
	for (size_t i = 0; i < ARRAY_SIZE(conds); i++) {
		if ((m = config_setting_get_member(s, conds[i].key)) == NULL)
			continue;
		n_cond++;
		r->cond = conds[i].cond;
		if (r->cond == RC_IN) {
			if (num_list(m, r->set, &r->n_set) < 0)
				RERR(m, "rule %s: in takes a list of at most %d numbers", r->name,
				    RULE_MAX_SET);
		} else if (r->cond == RC_BAD_STATES) {
			if (config_setting_type(m) != CONFIG_TYPE_BOOL || !config_setting_get_bool(m))
				RERR(m, "rule %s: bad_states = true;", r->name);
		} else {
			if (!config_setting_is_number(m))
				RERR(m, "rule %s: %s takes a number", r->name, conds[i].key);
			r->threshold = num_value(m);
		}
	}
	if (n_cond != 1)
		RERR(s, "rule %s needs exactly one condition: above, below, equal, in, bad_states,"
		    " rate_above or full_within_days", r->name);
	if ((m = config_setting_get_member(s, "was")) != NULL) {
		if (r->cond != RC_IN && r->cond != RC_EQUAL)
			RERR(m, "rule %s: was goes with in or equal", r->name);
		if (num_list(m, r->was, &r->n_was) < 0)
			RERR(m, "rule %s: was takes a list of numbers", r->name);
	}
	if ((m = config_setting_get_member(s, "clear_below")) != NULL ||
	    (m = config_setting_get_member(s, "clear_above")) != NULL) {
		int below = strcmp(config_setting_name(m), "clear_below") == 0;

		if (!config_setting_is_number(m))
			RERR(m, "rule %s: %s takes a number", r->name, config_setting_name(m));
		if ((below && r->cond != RC_ABOVE) || (!below && r->cond != RC_BELOW))
			RERR(m, "rule %s: clear_below goes with above, clear_above with below",
			    r->name);
		r->has_clear = 1;
		r->clear = num_value(m);
		if ((below && r->clear > r->threshold) || (!below && r->clear < r->threshold))
			RERR(m, "rule %s: the recovery threshold must be on the good side of the"
			    " trigger threshold", r->name);
	}
	if (config_setting_lookup_int(s, "count", &r->count) && (r->count < 1 || r->count > 1000))
		RERR(s, "rule %s: count must be 1 to 1000", r->name);
	if (config_setting_lookup_int(s, "clear_count", &r->clear_count) &&
	    (r->clear_count < 1 || r->clear_count > 1000))
		RERR(s, "rule %s: clear_count must be 1 to 1000", r->name);
	if (config_setting_lookup_string(s, "severity", &v)) {
		if ((r->severity = severity_parse(v)) <= SEV_CLEAR)
			RERR(s, "rule %s: severity must be critical, major, minor, warning or info",
			    r->name);
	} else if (r->cond != RC_BAD_STATES)
		RERR(s, "rule %s needs a severity", r->name);
	if (config_setting_lookup_string(s, "category", &v)) {
		if (!category_is_valid(v))
			RERR(s, "rule %s: category must be one of hardware, environment, power,"
			    " availability, performance, capacity, security, inspection", r->name);
		nocd_strlcpy(r->category, v, sizeof(r->category));
	} else if (r->cond != RC_BAD_STATES)
		RERR(s, "rule %s needs a category", r->name);
	if ((m = config_setting_get_member(s, "classes")) != NULL &&
	    str_list(m, &r->classes[0][0], sizeof(r->classes[0]), 8, &r->n_classes) < 0)
		RERR(m, "rule %s: classes takes a list of at most 8 names", r->name);
	if ((m = config_setting_get_member(s, "devices")) != NULL &&
	    str_list(m, &r->devices[0][0], sizeof(r->devices[0]), 8, &r->n_devices) < 0)
		RERR(m, "rule %s: devices takes a list of at most 8 names", r->name);
	if (config_setting_lookup_string(s, "instances", &v)) {
		if (copy_string(r->instances, sizeof(r->instances), v) < 0)
			RERR(s, "rule %s: instances is too long", r->name);
		if (regcomp(&re, v, REG_EXTENDED | REG_ICASE | REG_NOSUB) != 0)
			RERR(s, "rule %s: instances is not a valid extended regular expression",
			    r->name);
		regfree(&re);
	}
	if (config_setting_lookup_string(s, "where_column", &v)) {
		if (!ds_name_is_valid(v) || copy_string(r->where_column, sizeof(r->where_column),
		    v) < 0)
			RERR(s, "rule %s: where_column must name a column", r->name);
		if ((m = config_setting_get_member(s, "where_in")) == NULL ||
		    num_list(m, r->where_in, &r->n_where) < 0)
			RERR(s, "rule %s: where_column needs where_in = [ numbers ]", r->name);
	} else if (config_setting_get_member(s, "where_in") != NULL)
		RERR(s, "rule %s: where_in needs where_column", r->name);
	if (config_setting_lookup_string(s, "message", &v) &&
	    copy_string(r->message, sizeof(r->message), v) < 0)
		RERR(s, "rule %s: message is too long (at most %zu)", r->name,
		    sizeof(r->message) - 1);
	if (config_setting_lookup_bool(s, "enabled", &b))
		r->enabled = b;
	if (strcmp(r->group, "device") == 0 && strcmp(r->metric, "down") != 0)
		RERR(s, "rule %s: the device group has one metric: device.down", r->name);
	return 0;
}

/* --- templates --- */

static void
put(char *out, size_t outlen, size_t *o, const char *s)
{
	for (; s && *s && *o + 1 < outlen; s++)
		out[(*o)++] = *s;
	out[*o] = '\0';
}

static void
fmt_num(double v, char *buf, size_t len)
{
	if (isnan(v))
		nocd_strlcpy(buf, "unknown", len);
	else if (fabs(v - rint(v)) < 1e-9 && fabs(v) < 1e15)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.2f", v);
}

void
rule_format(const char *tmpl, const struct rule_vars *v, char *out, size_t outlen)
{
	size_t o = 0;
	char num[48];

	if (outlen == 0)
		return;
	out[0] = '\0';
	while (*tmpl && o + 1 < outlen) {
		const char *end;

		if (*tmpl != '{' || (end = strchr(tmpl, '}')) == NULL || end - tmpl > 12) {
			out[o++] = *tmpl++;
			out[o] = '\0';
			continue;
		}
#define IS(name) ((size_t)(end - tmpl - 1) == strlen(name) && \
		    strncmp(tmpl + 1, name, strlen(name)) == 0)
		if (IS("device"))
			put(out, outlen, &o, v->device);
		else if (IS("instance"))
			put(out, outlen, &o, v->instance);
		else if (IS("label"))
			put(out, outlen, &o, v->label && *v->label ? v->label : v->instance);
		else if (IS("unit"))
			put(out, outlen, &o, v->unit);
		else if (IS("state"))
			put(out, outlen, &o, v->state);
		else if (IS("reason"))
			put(out, outlen, &o, v->reason);
		else if (IS("metric"))
			put(out, outlen, &o, v->metric);
		else if (IS("value")) {
			fmt_num(v->value, num, sizeof(num));
			put(out, outlen, &o, num);
		} else if (IS("threshold")) {
			fmt_num(v->threshold, num, sizeof(num));
			put(out, outlen, &o, num);
		} else {
			out[o++] = *tmpl++;
			out[o] = '\0';
			continue;
		}
#undef IS
		tmpl = end + 1;
	}
}

/* --- the engine --- */

#define HIST 16
#define SEV_UNKNOWN 255		/* raised before nocd restarted, severity not known */

struct crule {
	const struct rule *r;
	regex_t re;
	int has_re;
	const struct probe *probe;	/* NULL for device.down */
	int col, where_col;		/* in the probe's columns; -1 when absent */
};

struct rule_engine {
	struct rule *rules;
	struct crule *c;
	size_t n, ignored;
	struct rule_stats stats;
};

/* One rule on one instance of one device. */
struct rstate {
	int hits, oks;
	int8_t active;		/* 1 raised, 0 not */
	int8_t have_prev, run_ok;
	uint8_t sev;
	double prev;
	unsigned nh;
	double ht[HIST], hv[HIST];	/* trend samples, oldest first */
};

struct rule_dev {
	struct hashmap *m;	/* "rule|instance" -> struct rstate */
};

/* device|rule|instance of tickets open when nocd started */
static struct hashmap *open_at_start;

void
rules_set_open_tickets(struct hashmap *keys)
{
	if (open_at_start)
		hashmap_free(open_at_start, NULL);
	open_at_start = keys;
}

struct rule_engine *
rules_engine_new(const struct probe_set *ps, const struct nocd_conf *conf)
{
	struct rule_engine *e = xcalloc(1, sizeof(*e));
	size_t n = 0, cap = ps->n_rules + (conf ? conf->n_rules : 0) + 1;

	e->rules = xcalloc(cap, sizeof(*e->rules));
	for (size_t i = 0; i < ps->n_rules; i++)
		e->rules[n++] = ps->rules[i];
	for (size_t i = 0; conf && i < conf->n_rules; i++) {
		size_t k;

		for (k = 0; k < n; k++)
			if (strcmp(e->rules[k].name, conf->rules[i].name) == 0)
				break;
		e->rules[k] = conf->rules[i];	/* replaces the shipped one */
		if (k == n)
			n++;
	}
	e->c = xcalloc(n + 1, sizeof(*e->c));
	for (size_t i = 0; i < n; i++) {
		struct rule *r = &e->rules[i];
		struct crule *c = &e->c[e->n];

		if (!r->enabled)
			continue;
		e->ignored++;	/* until it is found good */
		c->r = r;
		c->col = c->where_col = -1;
		if (strcmp(r->group, "device") != 0) {
			c->probe = probes_find(ps, r->group);
			if (c->probe == NULL) {
				log_warnx("%s:%d: rule %s: no probe '%s' is loaded: rule ignored",
				    r->file, r->line, r->name, r->group);
				continue;
			}
			c->col = probe_column_index(c->probe, r->metric);
			if (c->col < 0) {
				log_warnx("%s:%d: rule %s: probe %s has no column '%s': rule ignored",
				    r->file, r->line, r->name, r->group, r->metric);
				continue;
			}
			if (r->cond == RC_BAD_STATES && c->probe->cols[c->col].n_states == 0) {
				log_warnx("%s:%d: rule %s: %s.%s lists no states: rule ignored",
				    r->file, r->line, r->name, r->group, r->metric);
				continue;
			}
			if (r->where_column[0] &&
			    (c->where_col = probe_column_index(c->probe, r->where_column)) < 0) {
				log_warnx("%s:%d: rule %s: probe %s has no column '%s': rule ignored",
				    r->file, r->line, r->name, r->group, r->where_column);
				continue;
			}
		}
		if (r->instances[0]) {
			if (regcomp(&c->re, r->instances, REG_EXTENDED | REG_ICASE | REG_NOSUB) != 0)
				continue;
			c->has_re = 1;
		}
		e->ignored--;
		e->n++;
	}
	return e;
}

void
rules_engine_free(struct rule_engine *e)
{
	if (e == NULL)
		return;
	for (size_t i = 0; i < e->n; i++)
		if (e->c[i].has_re)
			regfree(&e->c[i].re);
	free(e->c);
	free(e->rules);
	free(e);
}

size_t
rules_engine_ignored(const struct rule_engine *e)
{
	return e ? e->ignored : 0;
}

size_t
rules_engine_count(const struct rule_engine *e)
{
	return e ? e->n : 0;
}

void
rules_get_stats(const struct rule_engine *e, struct rule_stats *s)
{
	if (e)
		*s = e->stats;
	else
		memset(s, 0, sizeof(*s));
}

struct rule_dev *
rule_dev_new(void)
{
	struct rule_dev *rd = xcalloc(1, sizeof(*rd));

	rd->m = hashmap_new(4);
	return rd;
}

void
rule_dev_free(struct rule_dev *rd)
{
	if (rd == NULL)
		return;
	hashmap_free(rd->m, free);
	free(rd);
}

static int
in_set(double v, const double *set, int n)
{
	for (int i = 0; i < n; i++)
		if (v == set[i])
			return 1;
	return 0;
}

static int
applies(const struct rule *r, const char *device, const char *dev_class)
{
	int ok;

	if (r->n_devices) {
		ok = 0;
		for (int i = 0; i < r->n_devices; i++)
			if (strcmp(r->devices[i], device) == 0)
				ok = 1;
		if (!ok)
			return 0;
	}
	if (r->n_classes) {
		ok = 0;
		for (int i = 0; i < r->n_classes; i++)
			if (strcmp(r->classes[i], dev_class) == 0)
				ok = 1;
		if (!ok)
			return 0;
	}
	return 1;
}

static struct rstate *
state_get(struct rule_dev *rd, const char *device, const struct rule *r, const char *instance)
{
	char key[160];
	struct rstate *s;

	snprintf(key, sizeof(key), "%s|%s", r->name, instance);
	if ((s = hashmap_get(rd->m, key)) != NULL)
		return s;
	s = xcalloc(1, sizeof(*s));
	if (open_at_start) {
		char okey[256];

		snprintf(okey, sizeof(okey), "%s|%s|%s", device, r->name, instance);
		if (hashmap_get(open_at_start, okey) != NULL) {
			s->active = 1;	/* its ticket is still open: clear it when it recovers */
			s->sev = SEV_UNKNOWN;
		}
	}
	hashmap_put(rd->m, key, s);
	return s;
}

/* Keep a trend sample at most every 1/HIST of a day. */
static void
trend_add(struct rstate *s, double t, double v)
{
	if (s->nh && t - s->ht[s->nh - 1] < 86400.0 / HIST)
		return;
	if (s->nh == HIST) {
		memmove(s->ht, s->ht + 1, (HIST - 1) * sizeof(double));
		memmove(s->hv, s->hv + 1, (HIST - 1) * sizeof(double));
		s->nh--;
	}
	s->ht[s->nh] = t;
	s->hv[s->nh++] = v;
}

/* Change per hour over the samples kept; NAN until they span 10 minutes. */
static double
trend_rate(const struct rstate *s, double t, double v)
{
	double dt;

	if (s->nh == 0 || (dt = t - s->ht[0]) < 600)
		return NAN;
	return (v - s->hv[0]) / dt * 3600.0;
}

static void
emit(struct rule_engine *e, struct ticket_ops *out, enum ticket_op_kind kind,
    const struct crule *c, const char *device, const char *instance, const char *label,
    const char *unit, const char *state, const char *reason, double value, int sev,
    const char *category, time_t when)
{
	struct ticket_op op;
	struct rule_vars vars = {
		.device = device, .instance = instance, .label = label, .unit = unit,
		.state = state ? state : "", .reason = reason ? reason : "",
		.metric = c->r->metric, .value = value, .threshold = c->r->threshold,
	};
	memset(&op, 0, sizeof(op));
	op.kind = kind;
	nocd_strlcpy(op.device, device, sizeof(op.device));
	nocd_strlcpy(op.rule, c->r->name, sizeof(op.rule));
	nocd_strlcpy(op.instance, instance, sizeof(op.instance));
	nocd_strlcpy(op.category, category, sizeof(op.category));
	op.severity = sev;
	op.value = value;
	op.when = when;
	op.availability = c->probe == NULL;
	if (c->r->message[0]) {
		rule_format(c->r->message, &vars, op.title, sizeof(op.title));
	} else {
		int scalar = strcmp(instance, "_") == 0;

		if (state)
			rule_format(scalar ? "{device}: {metric} {state}" :
			    "{device} {label}: {metric} {state}", &vars, op.title, sizeof(op.title));
		else
			rule_format(scalar ? "{device}: {metric} is {value} {unit}" :
			    "{device} {label}: {metric} is {value} {unit}", &vars, op.title,
			    sizeof(op.title));
	}
	ticket_ops_add(out, &op);
	if (kind == TOP_RAISE)
		e->stats.raised++;
	else
		e->stats.cleared++;
}

static void
eval_one(struct rule_engine *e, struct rule_dev *rd, const struct crule *c, const char *device,
    const char *instance, const char *label, const char *unit, const char *reason,
    double v, double where_v, double t, time_t when, struct ticket_ops *out)
{
	const struct rule *r = c->r;
	struct rstate *s = state_get(rd, device, r, instance);
	const struct probe_state *ps = NULL;
	int cond = 0, clear_ok, sev = r->severity;
	const char *category = r->category;
	double rate;

	e->stats.evaluations++;
	if (isnan(v))
		return;
	if (r->n_where && (isnan(where_v) || !in_set(where_v, r->where_in, r->n_where))) {
		/* the row is out of scope now (e.g. an interface set admin down) */
		cond = 0;
		clear_ok = 1;
	} else {
		switch (r->cond) {
		case RC_ABOVE:
			cond = v > r->threshold;
			break;
		case RC_BELOW:
			cond = v < r->threshold;
			break;
		case RC_EQUAL:
			cond = v == r->threshold;
			break;
		case RC_IN:
			cond = in_set(v, r->set, r->n_set);
			break;
		case RC_BAD_STATES:
			ps = probe_column_state(&c->probe->cols[c->col], v);
			cond = ps != NULL && ps->severity > SEV_CLEAR;
			if (cond)
				sev = ps->severity;
			break;
		case RC_RATE_ABOVE:
			rate = trend_rate(s, t, v);
			cond = !isnan(rate) && rate > r->threshold;
			trend_add(s, t, v);
			if (isnan(rate))
				goto keep;
			break;
		case RC_FULL_WITHIN:
			rate = trend_rate(s, t, v);
			trend_add(s, t, v);
			if (isnan(rate))
				goto keep;
			cond = rate > 0 && (100.0 - v) / (rate * 24.0) < r->threshold;
			v = rate > 0 ? (100.0 - v) / (rate * 24.0) : INFINITY;	/* days left */
			break;
		}
		if (r->has_clear)
			clear_ok = r->cond == RC_ABOVE ? v < r->clear : v > r->clear;
		else
			clear_ok = !cond;
	}
	if (c->probe && r->cond == RC_BAD_STATES && category[0] == '\0')
		category = c->probe->cols[c->col].category[0] ? c->probe->cols[c->col].category :
		    c->probe->category[0] ? c->probe->category : "hardware";
	if (ps == NULL && c->probe && c->probe->cols[c->col].n_states)
		ps = probe_column_state(&c->probe->cols[c->col], v);
	if (cond) {
		/* "was": the run must have started from one of these values */
		if (s->hits == 0)
			s->run_ok = r->n_was == 0 || (s->have_prev && in_set(s->prev, r->was, r->n_was));
		s->oks = 0;
		if (s->hits < 1000000)
			s->hits++;
		if (s->active && s->sev == SEV_UNKNOWN)
			s->sev = (uint8_t)sev;	/* raised before a restart: adopt, say nothing */
		if (s->run_ok && s->hits >= r->count && (!s->active || s->sev != sev)) {
			emit(e, out, TOP_RAISE, c, device, instance, label, unit,
			    ps ? ps->meaning : NULL, reason, v, sev, category, when);
			s->active = 1;
			s->sev = (uint8_t)sev;
		}
	} else if (clear_ok) {
		s->hits = 0;
		if (s->oks < 1000000)
			s->oks++;
		if (s->active && s->oks >= r->clear_count) {
			emit(e, out, TOP_CLEAR, c, device, instance, label, unit,
			    ps ? ps->meaning : NULL, reason, v, s->sev, category, when);
			s->active = 0;
			s->sev = 0;
		}
	} else {
		/* inside the hysteresis band: neither */
		s->hits = s->oks = 0;
	}
keep:
	s->prev = v;
	s->have_prev = 1;
	if (r->cond == RC_FULL_WITHIN)
		s->prev = NAN;
}

static double
row_value(const struct sample_row *row, int col, const struct probe *p)
{
	/* values are in column order, text columns may be missing: search */
	const char *name = p->cols[col].name;

	if (col < (int)row->n_values && strcmp(row->values[col].metric, name) == 0)
		return row->values[col].value;
	for (size_t i = 0; i < row->n_values; i++)
		if (strcmp(row->values[i].metric, name) == 0)
			return row->values[i].value;
	return NAN;
}

int
rules_unreachable_raised(const struct rule_engine *e, const struct rule_dev *rd)
{
	char key[160];
	const struct rstate *s;

	if (e == NULL || rd == NULL)
		return 0;
	for (size_t i = 0; i < e->n; i++) {
		if (e->c[i].probe != NULL)
			continue;
		snprintf(key, sizeof(key), "%s|_", e->c[i].r->name);
		if ((s = hashmap_get(rd->m, key)) != NULL && s->active)
			return 1;
	}
	return 0;
}

void
rules_eval(struct rule_engine *e, struct rule_dev *rd, const char *device,
    const char *dev_class, const struct poll_result *r, struct ticket_ops *out)
{
	double t = (double)r->when;

	if (e == NULL || rd == NULL)
		return;
	for (size_t i = 0; i < e->n; i++) {
		const struct crule *c = &e->c[i];

		if (!applies(c->r, device, dev_class ? dev_class : ""))
			continue;
		if (c->probe == NULL) {
			eval_one(e, rd, c, device, "_", NULL, "", r->reason, r->ok ? 0.0 : 1.0,
			    NAN, t, r->when, out);
			continue;
		}
		if (!r->ok)
			continue;
		for (size_t k = 0; k < r->n_rows; k++) {
			const struct sample_row *row = &r->rows[k];
			const char *lab = row->label && row->label[0] ? row->label : row->instance;

			if (strcmp(row->group, c->probe->name) != 0)
				continue;
			if (c->has_re && regexec(&c->re, lab, 0, NULL, 0) != 0)
				continue;
			eval_one(e, rd, c, device, row->instance, row->label,
			    c->probe->cols[c->col].unit, r->reason, row_value(row, c->col, c->probe),
			    c->where_col >= 0 ? row_value(row, c->where_col, c->probe) : NAN, t,
			    r->when, out);
		}
	}
}
