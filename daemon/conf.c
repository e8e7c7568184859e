/*
 * The config file: libconfig syntax, one schema table per group. Every key
 * has a type, a default (conf_defaults) and a check; anything else is an
 * error that names the file and line. Secrets never appear in a message.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alerts.h"
#include "conf.h"
#include "rules.h"
#include "sanitize.h"
#include "snmpsess.h"
#include "util.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#ifndef PKGDATADIR
#define PKGDATADIR "/usr/share/nocd"
#endif

#define KEY_MIN_LEN 8		/* RFC 3414: at least 8 characters */

enum ktype { K_STRING, K_INT, K_STRLIST, K_GROUP, K_LIST, K_BOOL };

struct key {
	const char *name;
	enum ktype type;
	long min, max;		/* K_INT range; K_STRING maximum length in max */
};

struct ctx {
	const char *file;	/* the config file, for messages */
	char dir[PATH_MAX];	/* its directory: relative paths start there */
	char *err;
	size_t errlen;
};

static int
fail(struct ctx *c, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
fail(struct ctx *c, const config_setting_t *s, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	const char *file = s ? config_setting_source_file(s) : NULL;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "%s:%u: %s", file ? file : c->file,
	    s ? config_setting_source_line(s) : 0, msg);
	return -1;
}

static const char *
type_name(enum ktype t)
{
	switch (t) {
	case K_STRING: return "a string";
	case K_INT: return "an integer";
	case K_STRLIST: return "a list of strings [ \"...\", ... ]";
	case K_GROUP: return "a group { ... }";
	case K_LIST: return "a list of groups ( { ... }, ... )";
	case K_BOOL: return "true or false";
	}
	return "?";
}

static int
type_ok(const config_setting_t *s, enum ktype t)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_STRING: return t == K_STRING;
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64: return t == K_INT;
	case CONFIG_TYPE_ARRAY: return t == K_STRLIST;
	case CONFIG_TYPE_GROUP: return t == K_GROUP;
	case CONFIG_TYPE_BOOL: return t == K_BOOL;
	case CONFIG_TYPE_LIST: return t == K_LIST || (t == K_STRLIST &&
	    config_setting_length(s) == 0);
	default: return 0;
	}
}

/* Every member of a group must be a known key of the right type. */
static const struct key *
find_key(const char *name, const struct key *keys, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (strcmp(name, keys[k].name) == 0)
			return &keys[k];
	return NULL;
}

/* Keys of a group come from `keys`, and from `more` when given (the USM fields). */
static int
check_members(struct ctx *c, const config_setting_t *g, const char *where,
    const struct key *keys, size_t n, const struct key *more, size_t nmore)
{
	int len = config_setting_length(g);

	for (int i = 0; i < len; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *name = config_setting_name(s);
		const struct key *key = find_key(name, keys, n);

		if (key == NULL && more != NULL)
			key = find_key(name, more, nmore);
		if (key == NULL)
			return fail(c, s, "unknown key '%s%s%s'", where, *where ? "." : "", name);
		if (!type_ok(s, key->type))
			return fail(c, s, "%s%s%s must be %s", where, *where ? "." : "", name,
			    type_name(key->type));
		if (key->type == K_INT) {
			long long v = config_setting_get_int64(s);

			if (v < key->min || v > key->max)
				return fail(c, s, "%s%s%s must be between %ld and %ld", where,
				    *where ? "." : "", name, key->min, key->max);
		}
		if (key->type == K_STRING && key->max > 0 &&
		    strlen(config_setting_get_string(s)) > (size_t)key->max)
			return fail(c, s, "%s%s%s is longer than %ld characters", where,
			    *where ? "." : "", name, key->max);
		if (key->type == K_STRLIST) {
			for (int j = 0; j < config_setting_length(s); j++) {
				const config_setting_t *e = config_setting_get_elem(s, (unsigned)j);

				if (config_setting_type(e) != CONFIG_TYPE_STRING)
					return fail(c, s, "%s%s%s must be %s", where,
					    *where ? "." : "", name, type_name(K_STRLIST));
			}
		}
	}
	return 0;
}

void
strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void
strlist_add(struct strlist *l, const char *s)
{
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = xstrdup(s);
}

/* A path as written, or relative to the config file's directory. */
static int
resolve_path(struct ctx *c, const char *in, char *out, size_t outlen)
{
	int n;

	if (in[0] == '/' || in[0] == '\0' || c->dir[0] == '\0')
		n = snprintf(out, outlen, "%s", in);
	else
		n = snprintf(out, outlen, "%s/%s", c->dir, in);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

static int
get_path(struct ctx *c, const config_setting_t *g, const char *key, char *out, size_t outlen)
{
	const config_setting_t *s = config_setting_get_member(g, key);

	if (s == NULL)
		return 0;
	if (resolve_path(c, config_setting_get_string(s), out, outlen) < 0)
		return fail(c, s, "%s is too long", key);
	return 0;
}

static int
get_pathlist(struct ctx *c, const config_setting_t *g, const char *key, struct strlist *l)
{
	const config_setting_t *s = config_setting_get_member(g, key);
	char path[PATH_MAX];

	if (s == NULL)
		return 0;
	strlist_free(l);
	for (int i = 0; i < config_setting_length(s); i++) {
		const char *v = config_setting_get_string_elem(s, i);

		if (v[0] == '\0' || resolve_path(c, v, path, sizeof(path)) < 0)
			return fail(c, s, "%s: entry %d is empty or too long", key, i + 1);
		strlist_add(l, path);
	}
	return 0;
}

static int
get_str(const config_setting_t *g, const char *key, char *out, size_t outlen)
{
	const char *v;

	if (!config_setting_lookup_string(g, key, &v))
		return 0;
	return copy_string(out, outlen, v);
}

static int
get_int(const config_setting_t *g, const char *key, int *out)
{
	int v;

	if (config_setting_lookup_int(g, key, &v))
		*out = v;
	return 0;
}

/* --- listen addresses --- */

int
conf_parse_hostport(const char *s, char *host, size_t hostlen, uint16_t *port)
{
	const char *colon, *h = s;
	size_t hl;
	char *end;
	unsigned long p;

	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (rb == NULL)
			return -1;
		h = s + 1;
		hl = (size_t)(rb - h);
		colon = rb[1] == ':' ? rb + 1 : NULL;
		if (rb[1] != '\0' && colon == NULL)
			return -1;
	} else {
		colon = strchr(s, ':');
		if (colon && strchr(colon + 1, ':'))	/* a bare IPv6 address */
			colon = NULL;
		hl = colon ? (size_t)(colon - s) : strlen(s);
	}
	if (hl == 0 || hl >= hostlen)
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (colon == NULL)
		return 0;
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (errno || *end != '\0' || colon[1] == '\0' || p < 1 || p > 65535)
		return -1;
	*port = (uint16_t)p;
	return 0;
}

/* "udp:HOST:PORT" / "tcp:HOST:PORT" when `protos` is given, else "HOST:PORT". */
static int
check_listen(const char *s, const char *protos)
{
	char host[256];
	uint16_t port = 0;

	if (protos != NULL) {
		const char *colon = strchr(s, ':');
		char proto[8];

		if (colon == NULL || (size_t)(colon - s) >= sizeof(proto))
			return -1;
		memcpy(proto, s, (size_t)(colon - s));
		proto[colon - s] = '\0';
		if (strstr(protos, proto) == NULL || proto[0] == '\0')
			return -1;
		s = colon + 1;
	}
	if (conf_parse_hostport(s, host, sizeof(host), &port) < 0 || port == 0)
		return -1;
	return 0;
}

static int
get_listen(struct ctx *c, const config_setting_t *g, const char *key, const char *protos,
    struct strlist *l)
{
	const config_setting_t *s = config_setting_get_member(g, key);

	if (s == NULL)
		return 0;
	strlist_free(l);
	for (int i = 0; i < config_setting_length(s); i++) {
		const char *v = config_setting_get_string_elem(s, i);

		if (check_listen(v, protos) < 0)
			return fail(c, s, "listen.%s: '%s' is not %s", key, v,
			    protos ? "udp:HOST:PORT or tcp:HOST:PORT" : "HOST:PORT");
		strlist_add(l, v);
	}
	return 0;
}

/* --- versions, levels, USM users --- */

int
conf_parse_version(const char *s, enum snmp_version *v)
{
	if (strcmp(s, "1") == 0 || strcasecmp(s, "v1") == 0)
		*v = SNMP_V1;
	else if (strcasecmp(s, "2c") == 0 || strcasecmp(s, "v2c") == 0 || strcmp(s, "2") == 0)
		*v = SNMP_V2C;
	else if (strcmp(s, "3") == 0 || strcasecmp(s, "v3") == 0)
		*v = SNMP_V3;
	else
		return -1;
	return 0;
}

const char *
conf_version_str(enum snmp_version v)
{
	switch (v) {
	case SNMP_V1: return "1";
	case SNMP_V2C: return "2c";
	case SNMP_V3: return "3";
	}
	return "?";
}

int
conf_parse_level(const char *s, enum usm_level *l)
{
	if (strcasecmp(s, "noAuthNoPriv") == 0)
		*l = USM_NOAUTH;
	else if (strcasecmp(s, "authNoPriv") == 0)
		*l = USM_AUTHNOPRIV;
	else if (strcasecmp(s, "authPriv") == 0)
		*l = USM_AUTHPRIV;
	else
		return -1;
	return 0;
}

const char *
conf_level_str(enum usm_level l)
{
	switch (l) {
	case USM_NOAUTH: return "noAuthNoPriv";
	case USM_AUTHNOPRIV: return "authNoPriv";
	case USM_AUTHPRIV: return "authPriv";
	}
	return "?";
}

static int
engine_id_ok(const char *s)
{
	size_t n;

	if (s[0] == '\0')
		return 1;
	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return 0;
	s += 2;
	n = strlen(s);
	if (n < 10 || n > 64)
		return 0;
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* Checks shared by devices and trap users; `who` names it in messages. */
static int
usm_check(const struct usm_user *u, const char *who, char *err, size_t errlen)
{
	const oid *proto;
	size_t len;

	if (u->name[0] == '\0') {
		snprintf(err, errlen, "%s: SNMPv3 needs a user name", who);
		return -1;
	}
	if (!engine_id_ok(u->engine_id)) {
		snprintf(err, errlen, "%s: engine_id must be 0x followed by 10 to 64 hex digits", who);
		return -1;
	}
	if (u->level == USM_NOAUTH)
		return 0;
	if (snmpsess_auth_proto(u->auth_proto, &proto, &len) < 0) {
		snprintf(err, errlen, "%s: auth must be one of MD5, SHA, SHA-224, SHA-256, "
		    "SHA-384, SHA-512", who);
		return -1;
	}
	if (strlen(u->auth_key) < KEY_MIN_LEN) {
		snprintf(err, errlen, "%s: auth_key must be at least %d characters", who,
		    KEY_MIN_LEN);
		return -1;
	}
	if (u->level == USM_AUTHNOPRIV)
		return 0;
	if (snmpsess_priv_proto(u->priv_proto, &proto, &len) < 0) {
		snprintf(err, errlen, "%s: priv must be one of DES, AES, AES-128, AES-192, AES-256",
		    who);
		return -1;
	}
	if (strlen(u->priv_key) < KEY_MIN_LEN) {
		snprintf(err, errlen, "%s: priv_key must be at least %d characters", who,
		    KEY_MIN_LEN);
		return -1;
	}
	return 0;
}

/* The USM fields of a device or a trap user (its name key differs: user or name). */
static const struct key usm_keys[] = {
	{ "engine_id", K_STRING, 0, 79 },
	{ "level", K_STRING, 0, 15 },
	{ "auth", K_STRING, 0, 15 },
	{ "auth_key", K_STRING, 0, SECRET_MAX_LEN - 1 },
	{ "priv", K_STRING, 0, 15 },
	{ "priv_key", K_STRING, 0, SECRET_MAX_LEN - 1 },
};

/* The USM fields of a group (a device or a trap user). */
static int
read_usm(struct ctx *c, const config_setting_t *g, const char *userkey, struct usm_user *u)
{
	const char *level = NULL;

	get_str(g, userkey, u->name, sizeof(u->name));
	get_str(g, "engine_id", u->engine_id, sizeof(u->engine_id));
	get_str(g, "auth", u->auth_proto, sizeof(u->auth_proto));
	get_str(g, "auth_key", u->auth_key, sizeof(u->auth_key));
	get_str(g, "priv", u->priv_proto, sizeof(u->priv_proto));
	get_str(g, "priv_key", u->priv_key, sizeof(u->priv_key));
	if (config_setting_lookup_string(g, "level", &level)) {
		if (conf_parse_level(level, &u->level) < 0)
			return fail(c, config_setting_get_member(g, "level"),
			    "level must be noAuthNoPriv, authNoPriv or authPriv");
	} else {
		u->level = u->priv_key[0] ? USM_AUTHPRIV : u->auth_key[0] ? USM_AUTHNOPRIV :
		    USM_NOAUTH;
	}
	if (u->level != USM_NOAUTH && u->auth_proto[0] == '\0')
		nocd_strlcpy(u->auth_proto, "SHA-256", sizeof(u->auth_proto));
	if (u->level == USM_AUTHPRIV && u->priv_proto[0] == '\0')
		nocd_strlcpy(u->priv_proto, "AES", sizeof(u->priv_proto));
	return 0;
}

/* --- devices --- */

void
conf_device_defaults(struct device_conf *d)
{
	memset(d, 0, sizeof(*d));
	d->port = 161;
	d->version = SNMP_V2C;
	d->retries = -1;
}

static int
address_ok(const char *a)
{
	struct in6_addr a6;

	if (a[0] == '\0' || a[0] == '-' || strlen(a) > 253)
		return 0;
	if (inet_pton(AF_INET6, a, &a6) == 1)
		return 1;
	for (const char *p = a; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' && *p != '_')
			return 0;
	return 1;
}

int
conf_device_check(const struct device_conf *d, char *err, size_t errlen)
{
	char who[NAME_MAX_LEN + 16];

	if (!name_is_valid(d->name)) {
		snprintf(err, errlen, "device name must be 1-63 characters of A-Z a-z 0-9 . _ - "
		    "(not starting with . or -)");
		return -1;
	}
	snprintf(who, sizeof(who), "device %s", d->name);
	if (!address_ok(d->address)) {
		snprintf(err, errlen, "%s: address must be an IPv4 or IPv6 address or a host name",
		    who);
		return -1;
	}
	if (d->port == 0) {
		snprintf(err, errlen, "%s: port must be between 1 and 65535", who);
		return -1;
	}
	if (d->parent[0] && (!name_is_valid(d->parent) || strcmp(d->parent, d->name) == 0)) {
		snprintf(err, errlen, "%s: parent must be the name of another device", who);
		return -1;
	}
	if (d->class_name[0] && !name_is_valid(d->class_name)) {
		snprintf(err, errlen, "%s: class must be a class name", who);
		return -1;
	}
	if (d->version == SNMP_V3)
		return usm_check(&d->usm, who, err, errlen);
	if (d->community[0] == '\0') {
		snprintf(err, errlen, "%s: SNMP v1 and v2c need a community", who);
		return -1;
	}
	return 0;
}

static const struct key device_keys[] = {
	{ "name", K_STRING, 0, NAME_MAX_LEN - 1 },
	{ "address", K_STRING, 0, 255 },
	{ "port", K_INT, 1, 65535 },
	{ "version", K_STRING, 0, 7 },
	{ "community", K_STRING, 0, SECRET_MAX_LEN - 1 },
	{ "location", K_STRING, 0, 255 },
	{ "parent", K_STRING, 0, NAME_MAX_LEN - 1 },
	{ "class", K_STRING, 0, 31 },
	{ "group", K_STRING, 0, NAME_MAX_LEN - 1 },
	{ "interval", K_INT, 1, 86400 },
	{ "timeout_ms", K_INT, 10, 60000 },
	{ "retries", K_INT, 0, 10 },
	{ "user", K_STRING, 0, NAME_MAX_LEN - 1 },
	/* and usm_keys */
};

static int
read_device(struct ctx *c, const config_setting_t *g, struct device_conf *d)
{
	const char *version = NULL;
	char msg[256];
	int port = 161;

	conf_device_defaults(d);
	d->line = (int)config_setting_source_line(g);
	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return fail(c, g, "each device must be a group { name = ...; address = ...; }");
	if (check_members(c, g, "devices", device_keys, ARRAY_SIZE(device_keys), usm_keys,
	    ARRAY_SIZE(usm_keys)) < 0)
		return -1;
	if (config_setting_get_member(g, "name") == NULL)
		return fail(c, g, "device without a name");
	if (config_setting_get_member(g, "address") == NULL)
		return fail(c, g, "device without an address");
	get_str(g, "name", d->name, sizeof(d->name));
	get_str(g, "address", d->address, sizeof(d->address));
	get_str(g, "community", d->community, sizeof(d->community));
	get_str(g, "location", d->location, sizeof(d->location));
	get_str(g, "parent", d->parent, sizeof(d->parent));
	get_str(g, "class", d->class_name, sizeof(d->class_name));
	get_str(g, "group", d->group, sizeof(d->group));
	get_int(g, "port", &port);
	d->port = (uint16_t)port;
	get_int(g, "interval", &d->interval);
	get_int(g, "timeout_ms", &d->timeout_ms);
	get_int(g, "retries", &d->retries);
	if (config_setting_lookup_string(g, "version", &version) &&
	    conf_parse_version(version, &d->version) < 0)
		return fail(c, config_setting_get_member(g, "version"),
		    "version must be \"1\", \"2c\" or \"3\"");
	if (read_usm(c, g, "user", &d->usm) < 0)
		return -1;
	if (conf_device_check(d, msg, sizeof(msg)) < 0)
		return fail(c, g, "%s", msg);
	return 0;
}

static int
read_devices(struct ctx *c, const config_setting_t *list, struct nocd_conf *conf)
{
	int n = config_setting_length(list);

	conf->devices = xcalloc((size_t)n + 1, sizeof(*conf->devices));
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		struct device_conf *d = &conf->devices[conf->n_devices];

		if (read_device(c, g, d) < 0)
			return -1;
		for (size_t k = 0; k < conf->n_devices; k++)
			if (strcmp(conf->devices[k].name, d->name) == 0)
				return fail(c, g, "device %s is already defined at line %d",
				    d->name, conf->devices[k].line);
		conf->n_devices++;
	}
	for (size_t i = 0; i < conf->n_devices; i++) {
		const struct device_conf *d = &conf->devices[i];
		size_t k;

		if (d->parent[0] == '\0')
			continue;
		for (k = 0; k < conf->n_devices; k++)
			if (strcmp(conf->devices[k].name, d->parent) == 0)
				break;
		if (k == conf->n_devices)
			return fail(c, config_setting_get_elem(list, (unsigned)i),
			    "device %s: parent %s is not a device in this file", d->name, d->parent);
	}
	return 0;
}

/* --- trap receiver --- */

static int
read_trap(struct ctx *c, const config_setting_t *g, struct nocd_conf *conf)
{
	static const struct key keys[] = {
		{ "communities", K_STRLIST, 0, 0 },
		{ "users", K_LIST, 0, 0 },
		{ "catalog", K_STRING, 0, PATH_MAX - 1 },
		{ "rate", K_INT, 1, 10000000 },
		{ "storm_clear", K_INT, 1, 86400 },
	};
	static const struct key trap_user_keys[] = {
		{ "name", K_STRING, 0, NAME_MAX_LEN - 1 },
	};
	const config_setting_t *s;

	if (check_members(c, g, "trap", keys, ARRAY_SIZE(keys), NULL, 0) < 0 ||
	    get_path(c, g, "catalog", conf->trap_catalog, sizeof(conf->trap_catalog)) < 0)
		return -1;
	{
		int rate = 0;

		get_int(g, "rate", &rate);
		if (rate > 0)
			conf->trap_rate = rate;
		get_int(g, "storm_clear", &conf->trap_storm_clear);
	}
	if ((s = config_setting_get_member(g, "communities")) != NULL) {
		strlist_free(&conf->trap_communities);
		for (int i = 0; i < config_setting_length(s); i++) {
			const char *v = config_setting_get_string_elem(s, i);

			if (v[0] == '\0' || strlen(v) >= SECRET_MAX_LEN)
				return fail(c, s, "trap.communities: entry %d is empty or too long",
				    i + 1);
			strlist_add(&conf->trap_communities, v);
		}
	}
	if ((s = config_setting_get_member(g, "users")) == NULL)
		return 0;
	conf->trap_users = xcalloc((size_t)config_setting_length(s) + 1, sizeof(*conf->trap_users));
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *u = config_setting_get_elem(s, (unsigned)i);
		struct usm_user *usm = &conf->trap_users[conf->n_trap_users];
		char msg[256], who[NAME_MAX_LEN + 16];

		if (config_setting_type(u) != CONFIG_TYPE_GROUP)
			return fail(c, u, "trap.users: each user must be a group { name = ...; }");
		if (check_members(c, u, "trap.users", trap_user_keys, ARRAY_SIZE(trap_user_keys),
		    usm_keys, ARRAY_SIZE(usm_keys)) < 0 ||
		    read_usm(c, u, "name", usm) < 0)
			return -1;
		snprintf(who, sizeof(who), "trap user %s", usm->name);
		if (usm_check(usm, who, msg, sizeof(msg)) < 0)
			return fail(c, u, "%s", msg);
		conf->n_trap_users++;
	}
	return 0;
}

/* --- the whole file --- */

void
conf_defaults(struct nocd_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	nocd_strlcpy(conf->state_dir, "/var/lib/nocd", sizeof(conf->state_dir));
	nocd_strlcpy(conf->user, "nocd", sizeof(conf->user));
	conf->poll_interval = 60;
	conf->poll_timeout_ms = 2000;
	conf->poll_retries = 1;
	conf->poll_max_repetitions = 20;
	conf->poll_max_rows = 10000;
	conf->rrd_write_cache = 300;	/* as rrdcached's -w */
	conf->tickets.sla_s[SEV_CRITICAL] = 3600;
	conf->tickets.sla_s[SEV_MAJOR] = 3600;
	conf->tickets.sla_s[SEV_MINOR] = 4 * 3600;
	conf->tickets.sla_s[SEV_WARNING] = 24 * 3600;
	conf->tickets.escalate_after_s = 1800;
	conf->tickets.flap_window_s = 600;
	conf->tickets.warranty_days = 90;
	conf->events_max_age_days = 90;
	conf->events_max_rows = 5000000;
	nocd_strlcpy(conf->trap_catalog, PKGDATADIR "/mibs/traps.conf", sizeof(conf->trap_catalog));
	nocd_strlcpy(conf->syslog_rules, PKGDATADIR "/mibs/syslog-rules.conf",
	    sizeof(conf->syslog_rules));
	conf->syslog_max_message = 8192;
	conf->syslog_idle_timeout = 300;
	conf->syslog_max_connections = 256;
	conf->syslog_rate = 200;
	conf->trap_rate = 200;
	conf->syslog_storm_clear = 60;
	conf->trap_storm_clear = 60;
	strlist_add(&conf->listen_trap, "udp:0.0.0.0:162");
	strlist_add(&conf->listen_syslog, "udp:0.0.0.0:514");
	strlist_add(&conf->listen_syslog, "tcp:0.0.0.0:514");
	strlist_add(&conf->listen_relp, "0.0.0.0:2514");
	strlist_add(&conf->listen_http, "127.0.0.1:8080");
	conf->web.anonymous_view = 0;
	nocd_strlcpy(conf->web.language, "auto", sizeof(conf->web.language));
	conf->web.session_timeout = 8 * 3600;
	strlist_add(&conf->mibdirs, PKGDATADIR "/mibs");
	strlist_add(&conf->probedirs, PKGDATADIR "/probes");
	nocd_strlcpy(conf->vendor_catalog, PKGDATADIR "/mibs/enterprises.txt",
	    sizeof(conf->vendor_catalog));
}

void
conf_drop_devices(struct nocd_conf *conf)
{
	if (conf->devices) {
		explicit_bzero(conf->devices, conf->n_devices * sizeof(*conf->devices));
		free(conf->devices);
	}
	conf->devices = NULL;
	conf->n_devices = 0;
}

void
conf_free(struct nocd_conf *conf)
{
	strlist_free(&conf->listen_trap);
	strlist_free(&conf->listen_syslog);
	strlist_free(&conf->listen_relp);
	strlist_free(&conf->listen_http);
	strlist_free(&conf->mibdirs);
	strlist_free(&conf->probedirs);
	strlist_free(&conf->trap_communities);
	if (conf->trap_users) {
		explicit_bzero(conf->trap_users, conf->n_trap_users * sizeof(*conf->trap_users));
		free(conf->trap_users);
	}
	conf_drop_devices(conf);
	free(conf->rules);
	conf->rules = NULL;
	alerts_conf_free(conf->alerts);
	conf->alerts = NULL;
	conf->n_rules = 0;
	conf->trap_users = NULL;
	conf->devices = NULL;
	conf->n_trap_users = conf->n_devices = 0;
}

config_setting_t *
conf_unknown_key(const config_setting_t *group, const char *const *allowed)
{
	for (int i = 0; i < config_setting_length(group); i++) {
		config_setting_t *c = config_setting_get_elem(group, (unsigned)i);
		const char *name = config_setting_name(c);
		size_t k;

		for (k = 0; allowed[k] && !(name && strcmp(name, allowed[k]) == 0); k++)
			;
		if (allowed[k] == NULL)
			return c;
	}
	return NULL;
}

const char *
conf_default_path(void)
{
	const char *env = getenv("NOCD_CONF");

	return env && env[0] ? env : SYSCONFDIR "/nocd/nocd.conf";
}

static const struct key top_keys[] = {
	{ "state_dir", K_STRING, 0, PATH_MAX - 64 },
	{ "user", K_STRING, 0, NAME_MAX_LEN - 1 },
	{ "poll", K_GROUP, 0, 0 },
	{ "listen", K_GROUP, 0, 0 },
	{ "rrd", K_GROUP, 0, 0 },
	{ "mibdirs", K_STRLIST, 0, 0 },
	{ "probedirs", K_STRLIST, 0, 0 },
	{ "vendor_catalog", K_STRING, 0, PATH_MAX - 1 },
	{ "trap", K_GROUP, 0, 0 },
	{ "devices", K_LIST, 0, 0 },
	{ "rules", K_LIST, 0, 0 },
	{ "tickets", K_GROUP, 0, 0 },
	{ "events", K_GROUP, 0, 0 },
	{ "syslog", K_GROUP, 0, 0 },
	{ "alerts", K_GROUP, 0, 0 },
	{ "web", K_GROUP, 0, 0 },
};

static const struct key syslog_keys[] = {
	{ "rules", K_STRING, 0, PATH_MAX - 1 },
	{ "max_message", K_INT, 480, 1048576 },
	{ "idle_timeout", K_INT, 1, 86400 },
	{ "max_connections", K_INT, 1, 10000 },
	{ "rate", K_INT, 1, 1000000 },
	{ "storm_clear", K_INT, 1, 86400 },
};

/* The web console (nocweb). */
static const struct key web_keys[] = {
	{ "anonymous_view", K_BOOL, 0, 0 },
	{ "language", K_STRING, 0, 15 },
	{ "session_timeout", K_INT, 60, 30 * 86400 },
};

static int
read_web(struct ctx *c, const config_setting_t *g, struct nocd_conf *conf)
{
	const config_setting_t *s;
	int b;

	if (check_members(c, g, "web", web_keys, ARRAY_SIZE(web_keys), NULL, 0) < 0)
		return -1;
	if (config_setting_lookup_bool(g, "anonymous_view", &b))
		conf->web.anonymous_view = b;
	get_int(g, "session_timeout", &conf->web.session_timeout);
	if ((s = config_setting_get_member(g, "language")) != NULL) {
		const char *l = config_setting_get_string(s);

		if (strcmp(l, "auto") != 0 && strcmp(l, "en") != 0 && strcmp(l, "zh_CN") != 0)
			return fail(c, s, "web.language must be \"auto\", \"en\" or \"zh_CN\"");
		nocd_strlcpy(conf->web.language, l, sizeof(conf->web.language));
	}
	return 0;
}

static const struct key event_keys[] = {
	{ "max_age_days", K_INT, 1, 3650 },
	{ "max_rows", K_INT, 1000, 2000000000 },
};

static const struct key ticket_keys[] = {
	{ "sla", K_GROUP, 0, 0 },
	{ "escalate_after", K_INT, 0, 30 * 86400 },
	{ "flap_window", K_INT, 0, 7 * 86400 },
	{ "warranty_days", K_INT, 0, 3650 },
};

static const struct key sla_keys[] = {
	{ "critical", K_INT, 0, 30 * 86400 },
	{ "major", K_INT, 0, 30 * 86400 },
	{ "minor", K_INT, 0, 30 * 86400 },
	{ "warning", K_INT, 0, 30 * 86400 },
	{ "info", K_INT, 0, 30 * 86400 },
};

static int
read_tickets(struct ctx *c, const config_setting_t *g, struct nocd_conf *conf)
{
	const config_setting_t *s;

	if (check_members(c, g, "tickets", ticket_keys, ARRAY_SIZE(ticket_keys), NULL, 0) < 0)
		return -1;
	get_int(g, "escalate_after", &conf->tickets.escalate_after_s);
	get_int(g, "flap_window", &conf->tickets.flap_window_s);
	get_int(g, "warranty_days", &conf->tickets.warranty_days);
	if ((s = config_setting_get_member(g, "sla")) != NULL) {
		if (check_members(c, s, "tickets.sla", sla_keys, ARRAY_SIZE(sla_keys), NULL, 0) < 0)
			return -1;
		for (int sev = SEV_INFO; sev <= SEV_CRITICAL; sev++)
			get_int(s, severity_name(sev), &conf->tickets.sla_s[sev]);
	}
	return 0;
}

static int
read_rules(struct ctx *c, const config_setting_t *list, struct nocd_conf *conf)
{
	int n = config_setting_length(list);

	conf->rules = xcalloc((size_t)n + 1, sizeof(*conf->rules));
	for (int i = 0; i < n; i++) {
		config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		struct rule *r = &conf->rules[conf->n_rules];
		const char *file = config_setting_source_file(g);

		if (rule_parse(g, file ? file : c->file, r, c->err, c->errlen) < 0)
			return -1;
		for (size_t k = 0; k < conf->n_rules; k++)
			if (strcmp(conf->rules[k].name, r->name) == 0)
				return fail(c, g, "rule %s is already defined at line %d", r->name,
				    conf->rules[k].line);
		conf->n_rules++;
	}
	return 0;
}

static const struct key poll_keys[] = {
	{ "interval", K_INT, 5, 86400 },
	{ "timeout_ms", K_INT, 10, 60000 },
	{ "retries", K_INT, 0, 10 },
	{ "max_repetitions", K_INT, 1, 200 },
	{ "max_rows", K_INT, 1, 1000000 },
};

static const struct key listen_keys[] = {
	{ "trap", K_STRLIST, 0, 0 },
	{ "syslog", K_STRLIST, 0, 0 },
	{ "relp", K_STRLIST, 0, 0 },
	{ "http", K_STRLIST, 0, 0 },
};

static const struct key rrd_keys[] = {
	{ "rrdcached", K_STRING, 0, PATH_MAX - 1 },
	{ "write_cache", K_INT, 0, 3600 },
};

static int
read_root(struct ctx *c, const config_setting_t *root, struct nocd_conf *conf)
{
	const config_setting_t *g;

	if (check_members(c, root, "", top_keys, ARRAY_SIZE(top_keys), NULL, 0) < 0)
		return -1;
	if (get_path(c, root, "state_dir", conf->state_dir, sizeof(conf->state_dir)) < 0)
		return -1;
	if (conf->state_dir[0] == '\0')
		return fail(c, config_setting_get_member(root, "state_dir"),
		    "state_dir must not be empty");
	if (get_str(root, "user", conf->user, sizeof(conf->user)) < 0 || conf->user[0] == '\0')
		return fail(c, config_setting_get_member(root, "user"), "user must not be empty");
	if ((g = config_setting_get_member(root, "poll")) != NULL) {
		if (check_members(c, g, "poll", poll_keys, ARRAY_SIZE(poll_keys), NULL, 0) < 0)
			return -1;
		get_int(g, "interval", &conf->poll_interval);
		get_int(g, "timeout_ms", &conf->poll_timeout_ms);
		get_int(g, "retries", &conf->poll_retries);
		get_int(g, "max_repetitions", &conf->poll_max_repetitions);
		get_int(g, "max_rows", &conf->poll_max_rows);
	}
	if ((g = config_setting_get_member(root, "listen")) != NULL) {
		if (check_members(c, g, "listen", listen_keys, ARRAY_SIZE(listen_keys), NULL, 0) < 0 ||
		    get_listen(c, g, "trap", "udp tcp", &conf->listen_trap) < 0 ||
		    get_listen(c, g, "syslog", "udp tcp", &conf->listen_syslog) < 0 ||
		    get_listen(c, g, "relp", NULL, &conf->listen_relp) < 0 ||
		    get_listen(c, g, "http", NULL, &conf->listen_http) < 0)
			return -1;
	}
	if ((g = config_setting_get_member(root, "rrd")) != NULL) {
		const char *r = NULL;

		if (check_members(c, g, "rrd", rrd_keys, ARRAY_SIZE(rrd_keys), NULL, 0) < 0)
			return -1;
		get_int(g, "write_cache", &conf->rrd_write_cache);
		if (config_setting_lookup_string(g, "rrdcached", &r) && r[0] != '\0') {
			const config_setting_t *s = config_setting_get_member(g, "rrdcached");

			if (strncmp(r, "unix:", 5) == 0) {
				if (r[5] != '/' && resolve_path(c, r + 5, conf->rrdcached + 5,
				    sizeof(conf->rrdcached) - 5) < 0)
					return fail(c, s, "rrd.rrdcached is too long");
				memcpy(conf->rrdcached, "unix:", 5);
				if (r[5] == '/')
					nocd_strlcpy(conf->rrdcached, r, sizeof(conf->rrdcached));
			} else if (check_listen(r, NULL) == 0) {
				nocd_strlcpy(conf->rrdcached, r, sizeof(conf->rrdcached));
			} else {
				return fail(c, s, "rrd.rrdcached must be \"\", \"unix:/path\" or "
				    "\"host:port\"");
			}
		}
	}
	if (get_pathlist(c, root, "mibdirs", &conf->mibdirs) < 0 ||
	    get_pathlist(c, root, "probedirs", &conf->probedirs) < 0 ||
	    get_path(c, root, "vendor_catalog", conf->vendor_catalog,
	    sizeof(conf->vendor_catalog)) < 0)
		return -1;
	if ((g = config_setting_get_member(root, "trap")) != NULL && read_trap(c, g, conf) < 0)
		return -1;
	if ((g = config_setting_get_member(root, "devices")) != NULL &&
	    read_devices(c, g, conf) < 0)
		return -1;
	if ((g = config_setting_get_member(root, "rules")) != NULL &&
	    read_rules(c, g, conf) < 0)
		return -1;
	if ((g = config_setting_get_member(root, "tickets")) != NULL &&
	    read_tickets(c, g, conf) < 0)
		return -1;
	if ((g = config_setting_get_member(root, "alerts")) != NULL) {
		const char *file = config_setting_source_file(g);

		if (alerts_parse((config_setting_t *)g, file ? file : c->file, &conf->alerts, c->err,
		    c->errlen) < 0)
			return -1;
	}
	if ((g = config_setting_get_member(root, "syslog")) != NULL) {
		int rate = 0;

		if (check_members(c, g, "syslog", syslog_keys, ARRAY_SIZE(syslog_keys), NULL, 0) < 0 ||
		    get_path(c, g, "rules", conf->syslog_rules, sizeof(conf->syslog_rules)) < 0)
			return -1;
		get_int(g, "max_message", &conf->syslog_max_message);
		get_int(g, "idle_timeout", &conf->syslog_idle_timeout);
		get_int(g, "max_connections", &conf->syslog_max_connections);
		get_int(g, "rate", &rate);
		if (rate > 0)
			conf->syslog_rate = rate;
		get_int(g, "storm_clear", &conf->syslog_storm_clear);
	}
	if ((g = config_setting_get_member(root, "web")) != NULL && read_web(c, g, conf) < 0)
		return -1;
	if ((g = config_setting_get_member(root, "events")) != NULL) {
		int rows = 0;

		if (check_members(c, g, "events", event_keys, ARRAY_SIZE(event_keys), NULL, 0) < 0)
			return -1;
		get_int(g, "max_age_days", &conf->events_max_age_days);
		if (get_int(g, "max_rows", &rows) == 0 && rows > 0)
			conf->events_max_rows = rows;
	}
	return 0;
}

int
conf_load(const char *path, struct nocd_conf *conf, char *err, size_t errlen)
{
	struct ctx c = { path, "", err, errlen };
	config_t cfg;
	const char *slash;
	int rc;

	conf_defaults(conf);
	if (copy_string(conf->path, sizeof(conf->path), path) < 0) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	if ((slash = strrchr(path, '/')) != NULL && (size_t)(slash - path) < sizeof(c.dir)) {
		memcpy(c.dir, path, (size_t)(slash - path));
		c.dir[slash - path] = '\0';
		if (c.dir[0] == '\0')
			nocd_strlcpy(c.dir, "/", sizeof(c.dir));
	}
	config_init(&cfg);
	if (!config_read_file(&cfg, path)) {
		if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO)
			snprintf(err, errlen, "%s:0: cannot read: %s", path, strerror(errno));
		else
			snprintf(err, errlen, "%s:%d: %s",
			    config_error_file(&cfg) ? config_error_file(&cfg) : path,
			    config_error_line(&cfg), config_error_text(&cfg));
		config_destroy(&cfg);
		conf_free(conf);
		return -1;
	}
	rc = read_root(&c, config_root_setting(&cfg), conf);
	config_destroy(&cfg);
	if (rc < 0)
		conf_free(conf);
	return rc;
}

int
conf_device_interval(const struct nocd_conf *c, const struct device_conf *d)
{
	return d->interval > 0 ? d->interval : c->poll_interval;
}

int
conf_device_timeout_ms(const struct nocd_conf *c, const struct device_conf *d)
{
	return d->timeout_ms > 0 ? d->timeout_ms : c->poll_timeout_ms;
}

int
conf_device_retries(const struct nocd_conf *c, const struct device_conf *d)
{
	return d->retries >= 0 ? d->retries : c->poll_retries;
}
