#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/library/large_fd_set.h>

#include <jansson.h>

#include "conf.h"
#include "events.h"
#include "evloop.h"
#include "hashmap.h"
#include "log.h"
#include "rules.h"
#include "srclimit.h"
#include "store.h"
#include "trapd.h"
#include "util.h"

#define MAX_LISTEN 8
#define MESSAGE_MAX 1024


/* One catalog entry: a trap OID and what it means. */
struct trap_def {
	char oid[128];
	char name[48];
	char type[48];
	int severity;
	char category[16];
	int ticket;		/* 0 none, 1 opens, 2 clears */
	char rule[32];		/* the ticket's rule: an open and its clear share it */
	char instance_oid[128];	/* varbind whose index (or value) is the instance */
	int instance_value;	/* take the varbind's value rather than its index */
	char message[256];
};

struct catalog {
	struct trap_def *v;
	size_t n;
};

struct listener {
	struct trapd *t;
	netsnmp_transport *transport;
	void *sess;
	int fd;
	char spec[128];
};

struct trapd {
	struct evloop *loop;
	struct listener l[MAX_LISTEN];
	int n;
	struct strlist communities;
	struct catalog cat;
	trapd_lookup_fn lookup;
	void *lookup_arg;
	struct srclimit limit;		/* per source address */
	struct hashmap *users;		/* users created, "engine|name" */
	struct trapd_stats stats;
	struct log_ratelimit rl;
	netsnmp_large_fd_set fdset;
	struct event_batch pending;	/* the traps of one wakeup: one store item */
	struct ev_timer *tick;		/* storms reported */
	int storm_clear_s;
};

#define TICK_MS 1000
#define STORM_REPORT_MS 10000	/* a storm's ticket counts up this often */

static const oid snmptrap_oid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 };
static const oid sysuptime_oid[] = { 1, 3, 6, 1, 2, 1, 1, 3, 0 };

/* --- the catalog --- */

#define CERR(setting, ...) do {						\
	int n_ = snprintf(err, errlen, "%s:%d: ", path,			\
	    (setting) ? config_setting_source_line(setting) : 0);	\
	if (n_ > 0 && (size_t)n_ < errlen)				\
		snprintf(err + n_, errlen - (size_t)n_, __VA_ARGS__);	\
	goto bad;							\
} while (0)

static int
name_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < 32 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

static int
valid_oid(const char *s)
{
	size_t n = strlen(s);

	return n > 2 && strspn(s, "0123456789.") == n && s[0] != '.' && s[n - 1] != '.' &&
	    strstr(s, "..") == NULL;
}

static int
load_catalog(const char *path, struct catalog *cat, char *err, size_t errlen)
{
	static const char *const keys[] = { "oid", "name", "type", "severity", "category",
		"ticket", "rule", "instance", "instance_value", "message", NULL };
	config_t cfg;
	config_setting_t *list;
	int rc = -1;

	memset(cat, 0, sizeof(*cat));
	config_init(&cfg);
	if (!config_read_file(&cfg, path)) {
		if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO)
			snprintf(err, errlen, "%s:0: cannot read: %s", path, strerror(errno));
		else
			snprintf(err, errlen, "%s:%d: %s", path, config_error_line(&cfg),
			    config_error_text(&cfg));
		goto out;
	}
	list = config_lookup(&cfg, "traps");
	if (list == NULL || !config_setting_is_list(list)) {
		snprintf(err, errlen, "%s:1: expected traps = ( { oid = \"...\"; ... } );", path);
		goto out;
	}
	cat->v = xcalloc((size_t)config_setting_length(list) + 1, sizeof(*cat->v));
	for (int i = 0; i < config_setting_length(list); i++) {
		config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
		struct trap_def *d = &cat->v[cat->n];
		const char *s;

		config_setting_t *bad_key = conf_unknown_key(e, keys);

		if (bad_key)
			CERR(bad_key, "unknown key '%s' in trap", config_setting_name(bad_key) ?
			    config_setting_name(bad_key) : "?");
		if (!config_setting_lookup_string(e, "oid", &s) || !valid_oid(s) ||
		    copy_string(d->oid, sizeof(d->oid), s) < 0)
			CERR(e, "trap needs oid = \"numeric OID\"");
		if (!config_setting_lookup_string(e, "name", &s) ||
		    copy_string(d->name, sizeof(d->name), s) < 0)
			CERR(e, "trap %s needs a name (at most %zu characters)", d->oid,
			    sizeof(d->name) - 1);
		if (!config_setting_lookup_string(e, "type", &s) || !name_ok(s) ||
		    copy_string(d->type, sizeof(d->type), s) < 0)
			CERR(e, "trap %s needs type = \"word\"", d->oid);
		d->severity = SEV_INFO;
		if (config_setting_lookup_string(e, "severity", &s) &&
		    (d->severity = severity_parse(s)) <= SEV_CLEAR)
			CERR(e, "trap %s: severity must be critical, major, minor, warning or info",
			    d->oid);
		nocd_strlcpy(d->category, "hardware", sizeof(d->category));
		if (config_setting_lookup_string(e, "category", &s)) {
			if (!category_is_valid(s))
				CERR(e, "trap %s: unknown category '%s'", d->oid, s);
			nocd_strlcpy(d->category, s, sizeof(d->category));
		}
		if (config_setting_lookup_string(e, "ticket", &s)) {
			if (strcmp(s, "open") == 0)
				d->ticket = 1;
			else if (strcmp(s, "clear") == 0)
				d->ticket = 2;
			else
				CERR(e, "trap %s: ticket is \"open\" or \"clear\"", d->oid);
			if (!config_setting_lookup_string(e, "rule", &s) || !name_ok(s) ||
			    copy_string(d->rule, sizeof(d->rule), s) < 0)
				CERR(e, "trap %s: a ticket needs rule = \"name\" (shared by the"
				    " open and the clear)", d->oid);
		}
		if (config_setting_lookup_string(e, "instance", &s) &&
		    (!valid_oid(s) || copy_string(d->instance_oid, sizeof(d->instance_oid), s) < 0))
			CERR(e, "trap %s: instance takes a numeric varbind OID", d->oid);
		config_setting_lookup_bool(e, "instance_value", &d->instance_value);
		if (config_setting_lookup_string(e, "message", &s) &&
		    copy_string(d->message, sizeof(d->message), s) < 0)
			CERR(e, "trap %s: message is too long", d->oid);
		for (size_t k = 0; k < cat->n; k++)
			if (strcmp(cat->v[k].oid, d->oid) == 0)
				CERR(e, "trap %s is listed twice", d->oid);
		cat->n++;
	}
	rc = 0;
	goto out;
bad:
	free(cat->v);
	memset(cat, 0, sizeof(*cat));
out:
	config_destroy(&cfg);
	return rc;
}

int
trapd_check_catalog(const char *path, char *err, size_t errlen)
{
	struct catalog c;

	if (load_catalog(path, &c, err, errlen) < 0)
		return -1;
	free(c.v);
	return 0;
}

static const struct trap_def *
catalog_find(const struct catalog *cat, const char *oidstr)
{
	for (size_t i = 0; i < cat->n; i++)
		if (strcmp(cat->v[i].oid, oidstr) == 0)
			return &cat->v[i];
	return NULL;
}

/* --- users --- */

static const char *
auth_name(const char *p)
{
	/* our names are Net-SNMP's createUser names */
	return p[0] ? p : "SHA-256";
}

static const char *
priv_name(const char *p)
{
	if (strcmp(p, "AES-192") == 0)
		return "AES192";
	if (strcmp(p, "AES-256") == 0)
		return "AES256";
	if (strcmp(p, "DES") == 0)
		return "DES";
	return "AES";
}

static int
quotable(const char *s)
{
	return strpbrk(s, "\"\\\n") == NULL;
}

/*
 * A createUser line for Net-SNMP's own parser: with the sender's engine ID
 * for its traps, and without (our engine ID) for its informs.
 */
static void
add_user(struct trapd *t, const struct usm_user *u, int with_engine)
{
	char line[1024], key[256];
	int n;

	if (with_engine && u->engine_id[0] == '\0')
		return;
	snprintf(key, sizeof(key), "%s|%s", with_engine ? u->engine_id : "local", u->name);
	if (hashmap_get(t->users, key) != NULL)
		return;
	if (!quotable(u->name) || !quotable(u->auth_key) || !quotable(u->priv_key)) {
		log_warnx("trap user %s: names and keys with quotes or backslashes are not supported",
		    u->name);
		return;
	}
	n = snprintf(line, sizeof(line), "%s%s%s\"%s\"", with_engine ? "-e " : "",
	    with_engine ? u->engine_id : "", with_engine ? " " : "", u->name);
	if (u->level >= USM_AUTHNOPRIV)
		n += snprintf(line + n, sizeof(line) - (size_t)n, " %s \"%s\"",
		    auth_name(u->auth_proto), u->auth_key);
	if (u->level >= USM_AUTHPRIV)
		n += snprintf(line + n, sizeof(line) - (size_t)n, " %s \"%s\"",
		    priv_name(u->priv_proto), u->priv_key);
	if ((size_t)n >= sizeof(line))
		return;
	usm_parse_create_usmUser("createUser", line);
	explicit_bzero(line, sizeof(line));
	hashmap_put(t->users, key, (void *)1);
}

/* --- traps in --- */

static void
addr_of(const netsnmp_pdu *pdu, char *buf, size_t len)
{
	const netsnmp_indexed_addr_pair *ap = pdu->transport_data;

	buf[0] = '\0';
	if (ap == NULL || pdu->transport_data_length < (int)sizeof(ap->remote_addr))
		return;
	if (ap->remote_addr.sa.sa_family == AF_INET)
		inet_ntop(AF_INET, &ap->remote_addr.sin.sin_addr, buf, (socklen_t)len);
#ifdef NETSNMP_ENABLE_IPV6
	else if (ap->remote_addr.sa.sa_family == AF_INET6)
		inet_ntop(AF_INET6, &ap->remote_addr.sin6.sin6_addr, buf, (socklen_t)len);
#endif
}

static int
community_ok(const struct trapd *t, const netsnmp_pdu *pdu)
{
	for (size_t i = 0; i < t->communities.n; i++) {
		size_t n = strlen(t->communities.v[i]);

		if (pdu->community_len == n && memcmp(pdu->community, t->communities.v[i], n) == 0)
			return 1;
	}
	return 0;
}

/* The trap's OID as text: v2 snmpTrapOID.0, or v1 mapped as RFC 3584 says. */
static int
trap_oid(const netsnmp_pdu *pdu, char *buf, size_t len)
{
	oid o[MAX_OID_LEN];
	size_t n = 0;

	if (pdu->command == SNMP_MSG_TRAP) {
		if (pdu->trap_type != SNMP_TRAP_ENTERPRISESPECIFIC) {
			static const oid gen[] = { 1, 3, 6, 1, 6, 3, 1, 1, 5 };

			memcpy(o, gen, sizeof(gen));
			n = ARRAY_SIZE(gen);
			o[n++] = (oid)pdu->trap_type + 1;
		} else {
			if (pdu->enterprise_length + 2 > MAX_OID_LEN)
				return -1;
			memcpy(o, pdu->enterprise, pdu->enterprise_length * sizeof(oid));
			n = pdu->enterprise_length;
			o[n++] = 0;
			o[n++] = (oid)pdu->specific_type;
		}
	} else {
		const netsnmp_variable_list *v;

		for (v = pdu->variables; v; v = v->next_variable)
			if (snmp_oid_compare(v->name, v->name_length, snmptrap_oid,
			    ARRAY_SIZE(snmptrap_oid)) == 0)
				break;
		if (v == NULL || v->type != ASN_OBJECT_ID ||
		    v->val_len / sizeof(oid) > MAX_OID_LEN)
			return -1;
		n = v->val_len / sizeof(oid);
		memcpy(o, v->val.objid, n * sizeof(oid));
	}
	buf[0] = '\0';
	for (size_t i = 0, w = 0; i < n; i++) {
		int k = snprintf(buf + w, len - w, i ? ".%lu" : "%lu", (unsigned long)o[i]);

		if (k < 0 || (size_t)k >= len - w)
			return -1;
		w += (size_t)k;
	}
	return 0;
}

static void
put_text(char *out, size_t outlen, size_t *o, const char *s)
{
	/* device strings are hostile: no control characters in a message */
	for (; s && *s && *o + 1 < outlen; s++)
		out[(*o)++] = (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s;
	out[*o] = '\0';
}

/* "oid=value, ..." of the varbinds after sysUpTime and snmpTrapOID, and as JSON */
static void
describe(const netsnmp_pdu *pdu, char *text, size_t tlen, json_t *detail,
    const struct trap_def *def, char *instance, size_t ilen)
{
	size_t o = 0;
	size_t base_len = 0;
	oid base[MAX_OID_LEN];

	text[0] = '\0';
	instance[0] = '\0';
	if (def && def->instance_oid[0]) {
		base_len = MAX_OID_LEN;
		if (read_objid(def->instance_oid, base, &base_len) == 0)
			base_len = 0;
	}
	for (const netsnmp_variable_list *v = pdu->variables; v; v = v->next_variable) {
		char name[256], val[512];

		if (snmp_oid_compare(v->name, v->name_length, snmptrap_oid,
		    ARRAY_SIZE(snmptrap_oid)) == 0 ||
		    snmp_oid_compare(v->name, v->name_length, sysuptime_oid,
		    ARRAY_SIZE(sysuptime_oid)) == 0)
			continue;
		if (snprint_objid(name, sizeof(name), v->name, v->name_length) < 0)
			nocd_strlcpy(name, "?", sizeof(name));
		else if (strncmp(name, "iso.", 4) == 0) {
			/* no MIB module knows it: plain numbers, not "iso.3.6..." */
			name[0] = '1';
			memmove(name + 1, name + 3, strlen(name + 3) + 1);
		}
		if (snprint_value(val, sizeof(val), v->name, v->name_length, v) < 0)
			nocd_strlcpy(val, "?", sizeof(val));
		if (o)
			put_text(text, tlen, &o, ", ");
		put_text(text, tlen, &o, name);
		put_text(text, tlen, &o, "=");
		put_text(text, tlen, &o, val);
		if (detail)
			json_array_append_new(detail, json_pack("{s:s, s:s}", "oid", name, "value",
			    val));
		/* the instance: the index under the named column, or its value */
		if (base_len && instance[0] == '\0' && v->name_length > base_len &&
		    snmp_oidtree_compare(v->name, v->name_length, base, base_len) == 0) {
			if (def->instance_value) {
				nocd_strlcpy(instance, val, ilen);
			} else {
				size_t w = 0;

				for (size_t i = base_len; i < v->name_length && w + 12 < ilen; i++)
					w += (size_t)snprintf(instance + w, ilen - w,
					    i > base_len ? ".%lu" : "%lu", (unsigned long)v->name[i]);
			}
		}
	}
}

static void
format_message(const char *tmpl, const char *device, const char *host, const char *name,
    const char *instance, const char *vbs, char *out, size_t outlen)
{
	struct rule_vars rv = { .device = device[0] ? device : host, .instance = instance,
		.label = instance, .unit = "", .state = name, .reason = vbs, .metric = name };

	rule_format(tmpl, &rv, out, outlen);
}

static void
handle_trap(struct trapd *t, void *sessp, netsnmp_pdu *pdu)
{
	char src[64], agent[64] = "", oidstr[160], vbs[MESSAGE_MAX], instance[64];
	const struct trap_def *def;
	const char *dev = NULL;
	struct event *e;
	json_t *detail;
	char *djson;

	int64_t received_ms = mono_ms();

	addr_of(pdu, src, sizeof(src));
	t->stats.received++;
	if (pdu->version != SNMP_VERSION_3 && !community_ok(t, pdu)) {
		t->stats.refused_community++;
		log_limited(&t->rl, LOG_LVL_WARN, "trap from %s refused: community not accepted",
		    src);
		return;
	}
	/* an inform is acknowledged whatever we make of it: it was delivered */
	if (pdu->command == SNMP_MSG_INFORM) {
		netsnmp_pdu *reply = snmp_clone_pdu(pdu);

		if (reply) {
			reply->command = SNMP_MSG_RESPONSE;
			reply->errstat = 0;
			reply->errindex = 0;
			if (snmp_sess_send(sessp, reply) == 0)
				snmp_free_pdu(reply);
			else
				t->stats.informs_acked++;
		}
	}
	if (!srclimit_ok(&t->limit, src)) {
		if (t->stats.rate_limited++ % 1000 == 0)
			log_limited(&t->rl, LOG_LVL_WARN, "traps from %s over %.0f/s: dropped and"
			    " counted", src, t->limit.rate);
		return;
	}
	if (trap_oid(pdu, oidstr, sizeof(oidstr)) < 0) {
		t->stats.malformed++;
		log_limited(&t->rl, LOG_LVL_WARN, "trap from %s without a trap OID: counted", src);
		return;
	}
	if (pdu->command == SNMP_MSG_TRAP && pdu->agent_addr[0])
		inet_ntop(AF_INET, pdu->agent_addr, agent, sizeof(agent));
	if (t->lookup) {
		dev = t->lookup(src, t->lookup_arg);
		if (dev == NULL && agent[0])
			dev = t->lookup(agent, t->lookup_arg);
	}
	if (dev == NULL)
		t->stats.unknown_device++;
	def = catalog_find(&t->cat, oidstr);
	detail = json_array();
	describe(pdu, vbs, sizeof(vbs), detail, def, instance, sizeof(instance));
	e = event_batch_add(&t->pending);
	e->time = time(NULL);
	nocd_strlcpy(e->source, "trap", sizeof(e->source));
	nocd_strlcpy(e->device, dev ? dev : "", sizeof(e->device));
	nocd_strlcpy(e->host, agent[0] && dev == NULL ? agent : src, sizeof(e->host));
	nocd_strlcpy(e->oid, oidstr, sizeof(e->oid));
	e->severity = def ? def->severity : SEV_INFO;
	nocd_strlcpy(e->type, def ? def->type : "trap", sizeof(e->type));
	{
		char msg[MESSAGE_MAX + 256];

		if (def && def->message[0])
			format_message(def->message, e->device, e->host, def->name,
			    instance[0] ? instance : "_", vbs, msg, sizeof(msg));
		else
			snprintf(msg, sizeof(msg), "%s%s%s", def ? def->name : oidstr,
			    vbs[0] ? ": " : "", vbs);
		e->message = xstrdup(msg);
	}
	djson = json_dumps(detail, JSON_COMPACT);
	json_decref(detail);
	e->detail = djson;
	if (def && def->ticket && e->device[0]) {
		e->has_ticket = 1;
		e->op.kind = def->ticket == 1 ? TOP_RAISE : TOP_CLEAR;
		nocd_strlcpy(e->op.device, e->device, sizeof(e->op.device));
		nocd_strlcpy(e->op.rule, def->rule, sizeof(e->op.rule));
		nocd_strlcpy(e->op.instance, instance[0] ? instance : "_", sizeof(e->op.instance));
		nocd_strlcpy(e->op.category, def->category, sizeof(e->op.category));
		nocd_strlcpy(e->op.source, "trap", sizeof(e->op.source));
		e->op.severity = def->severity;
		nocd_strlcpy(e->op.title, e->message, sizeof(e->op.title));
		e->op.when = e->time;
		e->op.received_ms = received_ms;
	}
	t->stats.accepted++;
}

static int
trap_cb(int op, netsnmp_session *s, int reqid, netsnmp_pdu *pdu, void *magic)
{
	struct listener *l = magic;

	(void)s;
	(void)reqid;
	if (op != NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE || pdu == NULL)
		return 1;
	switch (pdu->command) {
	case SNMP_MSG_TRAP:
	case SNMP_MSG_TRAP2:
	case SNMP_MSG_INFORM:
		handle_trap(l->t, l->sess, pdu);
		break;
	default:
		l->t->stats.malformed++;
		break;
	}
	return 1;
}

/* What the library refused (authentication, decryption...) shows in its counters. */
static void
count_refusals(struct trapd *t, const uint32_t *before)
{
	static const int ids[] = { STAT_USMSTATSWRONGDIGESTS, STAT_USMSTATSUNKNOWNUSERNAMES,
		STAT_USMSTATSDECRYPTIONERRORS, STAT_USMSTATSUNKNOWNENGINEIDS,
		STAT_SNMPINASNPARSEERRS, STAT_SNMPINBADCOMMUNITYNAMES };
	uint64_t *dst[] = { &t->stats.refused_auth, &t->stats.refused_unknown_user,
		&t->stats.refused_decrypt, &t->stats.refused_engine, &t->stats.malformed,
		&t->stats.refused_community };

	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		uint32_t now = snmp_get_statistic(ids[i]);

		if (now > before[i]) {
			*dst[i] += now - before[i];
			t->stats.received += now - before[i];
			log_limited(&t->rl, LOG_LVL_WARN, "trap refused by SNMPv3 or BER checks"
			    " (%s): counted", i == 0 ? "wrong digest" : i == 1 ? "unknown user" :
			    i == 2 ? "decryption error" : i == 3 ? "unknown engine ID" :
			    i == 4 ? "malformed" : "bad community");
		}
	}
}

static void
readable(int fd, uint32_t events, void *arg)
{
	struct listener *l = arg;
	uint32_t before[6];
	static const int ids[] = { STAT_USMSTATSWRONGDIGESTS, STAT_USMSTATSUNKNOWNUSERNAMES,
		STAT_USMSTATSDECRYPTIONERRORS, STAT_USMSTATSUNKNOWNENGINEIDS,
		STAT_SNMPINASNPARSEERRS, STAT_SNMPINBADCOMMUNITYNAMES };

	(void)events;
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++)
		before[i] = snmp_get_statistic(ids[i]);
	/* what is waiting, up to a bound, then one batch for the store */
	for (int i = 0; i < 256; i++) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (i > 0 && poll(&pfd, 1, 0) <= 0)
			break;
		NETSNMP_LARGE_FD_ZERO(&l->t->fdset);
		NETSNMP_LARGE_FD_SET(fd, &l->t->fdset);
		snmp_sess_read2(l->sess, &l->t->fdset);
	}
	count_refusals(l->t, before);
	if (l->t->pending.n) {
		size_t n = l->t->pending.n;

		if (store_events(&l->t->pending, 1) < 0) {
			l->t->stats.dropped_queue += n;
			l->t->stats.accepted -= n;
			log_limited(&l->t->rl, LOG_LVL_WARN, "traps: the store is behind: %zu dropped"
			    " and counted", n);
		}
		event_batch_free(&l->t->pending);
	}
}

struct trapd *
trapd_open(const struct nocd_conf *conf, char *err, size_t errlen)
{
	struct trapd *t = xcalloc(1, sizeof(*t));
	struct log_ratelimit rl = LOG_RATELIMIT_INIT(10, 20);

	t->rl = rl;
	for (size_t i = 0; i < conf->listen_trap.n && t->n < MAX_LISTEN; i++) {
		struct listener *l = &t->l[t->n];
		const char *spec = conf->listen_trap.v[i];

		nocd_strlcpy(l->spec, spec, sizeof(l->spec));
		l->transport = netsnmp_tdomain_transport(spec, 1, "udp");
		if (l->transport == NULL) {
			snprintf(err, errlen, "listen.trap %s: cannot listen: %s", spec,
			    strerror(errno));
			trapd_free(t);
			return NULL;
		}
		l->t = t;
		l->fd = l->transport->sock;
		{
			/* a burst of traps waits in the kernel, not on the floor */
			int sz = 8 << 20;

			(void)setsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
			(void)setsockopt(l->fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
		}
		t->n++;
	}
	return t;
}

static void
storm_report(const char *src, uint64_t dropped, uint64_t total, int ended, void *arg)
{
	struct trapd *t = arg;
	const char *dev = t->lookup ? t->lookup(src, t->lookup_arg) : NULL;

	ev_storm_report(&t->pending, "trap", src, dev, dropped, total, t->limit.rate, ended,
	    &t->stats.storms, &t->rl);
}

/* Once a second, on the event loop: storms reported. */
static void
tick(void *arg)
{
	struct trapd *t = arg;
	int64_t now = mono_ms();

	srclimit_storms(&t->limit, now, STORM_REPORT_MS, (int64_t)t->storm_clear_s * 1000,
	    storm_report, t);
	if (t->pending.n && store_events(&t->pending, 1) < 0)
		log_limited(&t->rl, LOG_LVL_WARN, "traps: the store is behind: a storm report"
		    " dropped");
	event_batch_free(&t->pending);
	t->tick = evloop_timer_at(t->loop, now + TICK_MS, tick, t);
}

static void
set_conf(struct trapd *t, const struct nocd_conf *conf)
{
	char err[512];
	struct catalog cat;

	srclimit_set_rate(&t->limit, conf->trap_rate);
	t->storm_clear_s = conf->trap_storm_clear;
	strlist_free(&t->communities);
	for (size_t i = 0; i < conf->trap_communities.n; i++)
		strlist_add(&t->communities, conf->trap_communities.v[i]);
	for (size_t i = 0; i < conf->n_trap_users; i++) {
		add_user(t, &conf->trap_users[i], 1);
		add_user(t, &conf->trap_users[i], 0);
	}
	if (load_catalog(conf->trap_catalog, &cat, err, sizeof(err)) < 0) {
		log_warnx("trap catalog: %s (traps are stored without names)", err);
		return;
	}
	free(t->cat.v);
	t->cat = cat;
}

int
trapd_start(struct trapd *t, struct evloop *loop, const struct nocd_conf *conf,
    trapd_lookup_fn lookup, void *lookup_arg)
{
	t->loop = loop;
	t->lookup = lookup;
	t->lookup_arg = lookup_arg;
	srclimit_init(&t->limit, conf->trap_rate);
	t->users = hashmap_new(16);
	netsnmp_large_fd_set_init(&t->fdset, 4096);
	set_conf(t, conf);
	for (int i = 0; i < t->n; i++) {
		struct listener *l = &t->l[i];
		netsnmp_session sess;

		snmp_sess_init(&sess);
		sess.peername = SNMP_DEFAULT_PEERNAME;
		sess.version = SNMP_DEFAULT_VERSION;
		sess.community_len = SNMP_DEFAULT_COMMUNITY_LEN;
		sess.retries = SNMP_DEFAULT_RETRIES;
		sess.timeout = SNMP_DEFAULT_TIMEOUT;
		sess.callback = trap_cb;
		sess.callback_magic = l;
		sess.isAuthoritative = SNMP_SESS_UNKNOWNAUTH;
		l->sess = snmp_sess_add(&sess, l->transport, NULL, NULL);
		if (l->sess == NULL) {
			log_warnx("listen.trap %s: cannot start a session", l->spec);
			l->transport = NULL;	/* snmp_sess_add closed it */
			continue;
		}
		l->transport = NULL;		/* the session owns it now */
		if (evloop_add_fd(loop, l->fd, EPOLLIN, readable, l) < 0)
			log_warnx("listen.trap %s: cannot watch the socket", l->spec);
		else
			log_info("receiving traps on %s", l->spec);
	}
	t->tick = evloop_timer_at(loop, mono_ms() + TICK_MS, tick, t);
	return 0;
}

void
trapd_reconfigure(struct trapd *t, const struct nocd_conf *conf)
{
	if (t)
		set_conf(t, conf);
}

void
trapd_free(struct trapd *t)
{
	if (t == NULL)
		return;
	if (t->tick)
		evloop_timer_cancel(t->loop, t->tick);
	for (int i = 0; i < t->n; i++) {
		if (t->l[i].sess) {
			if (t->loop)
				evloop_del_fd(t->loop, t->l[i].fd);
			snmp_sess_close(t->l[i].sess);
		} else if (t->l[i].transport) {
			netsnmp_transport_free(t->l[i].transport);
		}
	}
	if (t->users) {
		srclimit_free(&t->limit);
		hashmap_free(t->users, NULL);
		netsnmp_large_fd_set_cleanup(&t->fdset);
	}
	strlist_free(&t->communities);
	free(t->cat.v);
	event_batch_free(&t->pending);
	free(t);
}

/*
 * The trap-to-event decoder on raw bytes, for fuzzing: Net-SNMP's message
 * parser, then our trap OID and varbind decoding with the catalog's
 * instance extraction. Returns 1 if the bytes made a trap.
 */
int
trapd_decode_for_fuzzing(const uint8_t *data, size_t len)
{
	static void *sessp;
	static struct trap_def def = { .oid = "1.3.6.1.6.3.1.1.5.3", .name = "linkDown",
		.type = "link_down", .instance_oid = "1.3.6.1.2.1.2.2.1.1" };
	netsnmp_pdu *pdu;
	u_char *copy;
	char oidstr[160], text[MESSAGE_MAX], instance[64];
	int rc = 0;

	if (sessp == NULL) {
		netsnmp_session s;

		snmp_sess_init(&s);
		s.peername = (char *)"udp:127.0.0.1:9";
		s.version = SNMP_VERSION_2c;
		s.community = (u_char *)"public";
		s.community_len = 6;
		if ((sessp = snmp_sess_open(&s)) == NULL)
			return 0;
	}
	if ((pdu = snmp_pdu_create(0)) == NULL)
		return 0;
	copy = xcalloc(1, len ? len : 1);
	memcpy(copy, data, len);
	if (snmp_parse(sessp, snmp_sess_session(sessp), pdu, copy, len) == SNMPERR_SUCCESS &&
	    (pdu->command == SNMP_MSG_TRAP || pdu->command == SNMP_MSG_TRAP2 ||
	    pdu->command == SNMP_MSG_INFORM) && trap_oid(pdu, oidstr, sizeof(oidstr)) == 0) {
		describe(pdu, text, sizeof(text), NULL, &def, instance, sizeof(instance));
		rc = 1;
	}
	free(copy);
	snmp_free_pdu(pdu);
	return rc;
}

void
trapd_get_stats(const struct trapd *t, struct trapd_stats *s)
{
	if (t)
		*s = t->stats;
	else
		memset(s, 0, sizeof(*s));
}
