#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <librelp.h>

#include "alerts.h"
#include "conf.h"
#include "log.h"
#include "northbound.h"
#include "rules.h"
#include "store.h"
#include "util.h"

#define MAX_CHANNELS 16
#define MAX_LIST 8
#define QUEUE_MAX 10000

extern char **environ;

enum ch_type { CH_COMMAND, CH_EMAIL, CH_WEBHOOK, CH_SYSLOG, CH_SNMP, CH_RELP };

struct channel_conf {
	char name[32];
	enum ch_type type;
	int line;
	unsigned severities;		/* bit per severity; 0 = all */
	char categories[MAX_LIST][16];
	int n_categories;
	char devices[MAX_LIST][64];
	int n_devices;
	int from_min, to_min;		/* local time of day; from == to: always */
	unsigned events;		/* bit per event kind; 0 = opened, reopened, escalated */
	int timeout_s;
	char argv[MAX_LIST][256];	/* command */
	int argc;
	char url[512];			/* webhook; email: smtp://host:port */
	char from[128];
	char to[MAX_LIST][128];
	int n_to;
	char target[160];		/* syslog: udp:HOST:PORT or tcp:HOST:PORT; relp: HOST:PORT */
	struct device_conf snmp;	/* snmp: the receiver, its version and credentials */
	int inform;			/* snmp: an inform (acknowledged), not a trap */
};

struct alert_conf {
	struct channel_conf ch[MAX_CHANNELS];
	int n;
	int retries, backoff_s;
};

static const char *const event_names[] = { "opened", "reopened", "escalated", "resolved", NULL };

/* --- config --- */

#define AERR(setting, ...) do {						\
	int n_ = snprintf(err, errlen, "%s:%d: ", path,			\
	    (setting) ? config_setting_source_line(setting) : 0);	\
	if (n_ > 0 && (size_t)n_ < errlen)				\
		snprintf(err + n_, errlen - (size_t)n_, __VA_ARGS__);	\
	goto bad;							\
} while (0)

static int
name_is_valid_word(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < 32 &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

static int
strs(config_setting_t *s, char *dst, size_t width, int max, int *n)
{
	*n = 0;
	if (s == NULL)
		return 0;
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

static int
parse_hours(const char *s, int *from, int *to)
{
	int h1, m1, h2, m2;
	char extra;

	if (sscanf(s, "%d:%d-%d:%d%c", &h1, &m1, &h2, &m2, &extra) != 4 || h1 < 0 || h1 > 24 ||
	    h2 < 0 || h2 > 24 || m1 < 0 || m1 > 59 || m2 < 0 || m2 > 59)
		return -1;
	*from = h1 * 60 + m1;
	*to = h2 * 60 + m2;
	return 0;
}

/* A northbound SNMP receiver: target = "udp:HOST[:PORT]" (162), version 2c
 * (community) or 3 (user, level, auth, auth_key, priv, priv_key; a v3 trap
 * needs engine_id: nocd's engine ID as the receiver knows it). */
static int
parse_snmp(config_setting_t *g, struct channel_conf *c, char *err, size_t errlen)
{
	struct device_conf *d = &c->snmp;
	const char *s;
	char msg[256];
	int b;

	conf_device_defaults(d);
	nocd_strlcpy(d->name, c->name, sizeof(d->name));
	d->port = 162;
	if (!config_setting_lookup_string(g, "target", &s) || strncmp(s, "udp:", 4) != 0 ||
	    conf_parse_hostport(s + 4, d->address, sizeof(d->address), &d->port) < 0) {
		snprintf(err, errlen, "target = \"udp:HOST:PORT\"");
		return -1;
	}
	d->version = SNMP_V2C;
	if (config_setting_lookup_string(g, "version", &s) &&
	    ((conf_parse_version(s, &d->version) < 0) || d->version == SNMP_V1)) {
		snprintf(err, errlen, "version is \"2c\" or \"3\"");
		return -1;
	}
	if (config_setting_lookup_bool(g, "inform", &b))
		c->inform = b;
	if (config_setting_lookup_string(g, "community", &s))
		copy_string(d->community, sizeof(d->community), s);
	if (config_setting_lookup_string(g, "user", &s))
		copy_string(d->usm.name, sizeof(d->usm.name), s);
	if (config_setting_lookup_string(g, "engine_id", &s))
		copy_string(d->usm.engine_id, sizeof(d->usm.engine_id), s);
	if (config_setting_lookup_string(g, "auth", &s))
		copy_string(d->usm.auth_proto, sizeof(d->usm.auth_proto), s);
	if (config_setting_lookup_string(g, "auth_key", &s))
		copy_string(d->usm.auth_key, sizeof(d->usm.auth_key), s);
	if (config_setting_lookup_string(g, "priv", &s))
		copy_string(d->usm.priv_proto, sizeof(d->usm.priv_proto), s);
	if (config_setting_lookup_string(g, "priv_key", &s))
		copy_string(d->usm.priv_key, sizeof(d->usm.priv_key), s);
	if (config_setting_lookup_string(g, "level", &s)) {
		if (conf_parse_level(s, &d->usm.level) < 0) {
			snprintf(err, errlen, "level is noAuthNoPriv, authNoPriv or authPriv");
			return -1;
		}
	} else {
		d->usm.level = d->usm.priv_key[0] ? USM_AUTHPRIV : d->usm.auth_key[0] ?
		    USM_AUTHNOPRIV : USM_NOAUTH;
	}
	if (d->usm.level != USM_NOAUTH && d->usm.auth_proto[0] == '\0')
		nocd_strlcpy(d->usm.auth_proto, "SHA-256", sizeof(d->usm.auth_proto));
	if (d->usm.level == USM_AUTHPRIV && d->usm.priv_proto[0] == '\0')
		nocd_strlcpy(d->usm.priv_proto, "AES", sizeof(d->usm.priv_proto));
	if (conf_device_check(d, msg, sizeof(msg)) < 0) {
		/* "device NAME: ..." reads oddly here: keep what follows the name */
		const char *why = strstr(msg, ": ");

		snprintf(err, errlen, "%s", why ? why + 2 : msg);
		return -1;
	}
	if (d->version == SNMP_V3 && !c->inform && d->usm.engine_id[0] == '\0') {
		snprintf(err, errlen, "a v3 trap needs engine_id (nocd's engine ID as the receiver"
		    " knows it); an inform discovers the receiver's");
		return -1;
	}
	return 0;
}

static int
parse_channel(config_setting_t *g, const char *path, struct channel_conf *c, char *err,
    size_t errlen)
{
	static const char *const keys[] = { "name", "type", "severities", "categories", "devices",
		"hours", "events", "timeout", "command", "url", "from", "to", "target", "version",
		"community", "inform", "user", "engine_id", "level", "auth", "auth_key", "priv",
		"priv_key", NULL };
	char list[MAX_LIST][16];
	const char *s;
	int n;

	memset(c, 0, sizeof(*c));
	c->line = config_setting_source_line(g);
	c->timeout_s = 10;
	{
		config_setting_t *bad_key = conf_unknown_key(g, keys);

		if (bad_key)
			AERR(bad_key, "unknown key '%s' in channel", config_setting_name(bad_key) ?
			    config_setting_name(bad_key) : "?");
	}
	if (!config_setting_lookup_string(g, "name", &s) || !name_is_valid_word(s) ||
	    copy_string(c->name, sizeof(c->name), s) < 0)
		AERR(g, "a channel needs name = \"word\"");
	if (!config_setting_lookup_string(g, "type", &s))
		AERR(g, "channel %s needs type = command, email, webhook, syslog, relp or snmp",
		    c->name);
	if (strcmp(s, "command") == 0)
		c->type = CH_COMMAND;
	else if (strcmp(s, "email") == 0)
		c->type = CH_EMAIL;
	else if (strcmp(s, "webhook") == 0)
		c->type = CH_WEBHOOK;
	else if (strcmp(s, "syslog") == 0)
		c->type = CH_SYSLOG;
	else if (strcmp(s, "snmp") == 0)
		c->type = CH_SNMP;
	else if (strcmp(s, "relp") == 0)
		c->type = CH_RELP;
	else
		AERR(g, "channel %s: type must be command, email, webhook, syslog, relp or snmp",
		    c->name);
	if (strs(config_setting_get_member(g, "severities"), &list[0][0], 16, MAX_LIST, &n) < 0)
		AERR(g, "channel %s: severities takes a list of severities", c->name);
	for (int i = 0; i < n; i++) {
		int sev = severity_parse(list[i]);

		if (sev <= SEV_CLEAR)
			AERR(g, "channel %s: unknown severity '%s'", c->name, list[i]);
		c->severities |= 1u << sev;
	}
	if (strs(config_setting_get_member(g, "categories"), &c->categories[0][0], 16, MAX_LIST,
	    &c->n_categories) < 0)
		AERR(g, "channel %s: categories takes a list of categories", c->name);
	for (int i = 0; i < c->n_categories; i++)
		if (!category_is_valid(c->categories[i]))
			AERR(g, "channel %s: unknown category '%s'", c->name, c->categories[i]);
	if (strs(config_setting_get_member(g, "devices"), &c->devices[0][0], 64, MAX_LIST,
	    &c->n_devices) < 0)
		AERR(g, "channel %s: devices takes a list of device names", c->name);
	if (config_setting_lookup_string(g, "hours", &s) &&
	    parse_hours(s, &c->from_min, &c->to_min) < 0)
		AERR(g, "channel %s: hours is \"HH:MM-HH:MM\" (local time)", c->name);
	if (strs(config_setting_get_member(g, "events"), &list[0][0], 16, MAX_LIST, &n) < 0)
		AERR(g, "channel %s: events takes a list", c->name);
	for (int i = 0; i < n; i++) {
		int k;

		for (k = 0; event_names[k] && strcmp(event_names[k], list[i]) != 0; k++)
			;
		if (event_names[k] == NULL)
			AERR(g, "channel %s: events are opened, reopened, escalated, resolved",
			    c->name);
		c->events |= 1u << k;
	}
	if (config_setting_lookup_int(g, "timeout", &c->timeout_s) &&
	    (c->timeout_s < 1 || c->timeout_s > 300))
		AERR(g, "channel %s: timeout is 1 to 300 seconds", c->name);
	switch (c->type) {
	case CH_COMMAND:
		if (strs(config_setting_get_member(g, "command"), &c->argv[0][0], 256, MAX_LIST,
		    &c->argc) < 0 || c->argc == 0 || c->argv[0][0] != '/')
			AERR(g, "channel %s: command = [ \"/absolute/path\", \"arg\", ... ] (no shell)",
			    c->name);
		break;
	case CH_WEBHOOK:
		if (!config_setting_lookup_string(g, "url", &s) || (strncmp(s, "http://", 7) != 0 &&
		    strncmp(s, "https://", 8) != 0) || copy_string(c->url, sizeof(c->url), s) < 0)
			AERR(g, "channel %s: url = \"http(s)://...\"", c->name);
		break;
	case CH_EMAIL:
		if (!config_setting_lookup_string(g, "url", &s) || (strncmp(s, "smtp://", 7) != 0 &&
		    strncmp(s, "smtps://", 8) != 0) || copy_string(c->url, sizeof(c->url), s) < 0)
			AERR(g, "channel %s: url = \"smtp://HOST:PORT\"", c->name);
		if (!config_setting_lookup_string(g, "from", &s) ||
		    copy_string(c->from, sizeof(c->from), s) < 0 || strpbrk(s, "\r\n<>") != NULL)
			AERR(g, "channel %s: from = \"address\"", c->name);
		if (strs(config_setting_get_member(g, "to"), &c->to[0][0], 128, MAX_LIST,
		    &c->n_to) < 0 || c->n_to == 0)
			AERR(g, "channel %s: to = [ \"address\", ... ]", c->name);
		for (int i = 0; i < c->n_to; i++)
			if (strpbrk(c->to[i], "\r\n<>") != NULL)
				AERR(g, "channel %s: bad address '%s'", c->name, c->to[i]);
		break;
	case CH_SYSLOG:
		if (!config_setting_lookup_string(g, "target", &s) || (strncmp(s, "udp:", 4) != 0 &&
		    strncmp(s, "tcp:", 4) != 0) || copy_string(c->target, sizeof(c->target), s) < 0)
			AERR(g, "channel %s: target = \"udp:HOST:PORT\" or \"tcp:HOST:PORT\"",
			    c->name);
		break;
	case CH_RELP: {
		char host[256];
		uint16_t port = 2514;

		if (!config_setting_lookup_string(g, "target", &s) ||
		    conf_parse_hostport(s, host, sizeof(host), &port) < 0 ||
		    copy_string(c->target, sizeof(c->target), s) < 0)
			AERR(g, "channel %s: target = \"HOST:PORT\" (a RELP server)", c->name);
		break;
	}
	case CH_SNMP: {
		char why[300];

		if (parse_snmp(g, c, why, sizeof(why)) < 0)
			AERR(g, "channel %s: %s", c->name, why);
		break;
	}
	}
	return 0;
bad:
	return -1;
}

int
alerts_parse(config_setting_t *g, const char *path, struct alert_conf **out, char *err,
    size_t errlen)
{
	struct alert_conf *a = xcalloc(1, sizeof(*a));
	config_setting_t *chs;

	a->retries = 5;
	a->backoff_s = 10;
	for (int i = 0; i < config_setting_length(g); i++) {
		const char *k = config_setting_name(config_setting_get_elem(g, (unsigned)i));

		if (k == NULL || (strcmp(k, "channels") && strcmp(k, "retries") &&
		    strcmp(k, "backoff")))
			AERR(config_setting_get_elem(g, (unsigned)i), "unknown key '%s' in alerts",
			    k ? k : "?");
	}
	if (config_setting_lookup_int(g, "retries", &a->retries) &&
	    (a->retries < 0 || a->retries > 20))
		AERR(g, "alerts.retries is 0 to 20");
	if (config_setting_lookup_int(g, "backoff", &a->backoff_s) &&
	    (a->backoff_s < 1 || a->backoff_s > 3600))
		AERR(g, "alerts.backoff is 1 to 3600 seconds");
	if ((chs = config_setting_get_member(g, "channels")) != NULL) {
		if (!config_setting_is_list(chs) || config_setting_length(chs) > MAX_CHANNELS)
			AERR(chs, "alerts.channels is a list of at most %d channels", MAX_CHANNELS);
		for (int i = 0; i < config_setting_length(chs); i++) {
			if (parse_channel(config_setting_get_elem(chs, (unsigned)i), path,
			    &a->ch[a->n], err, errlen) < 0)
				goto bad2;
			for (int k = 0; k < a->n; k++)
				if (strcmp(a->ch[k].name, a->ch[a->n].name) == 0)
					AERR(config_setting_get_elem(chs, (unsigned)i),
					    "channel %s is defined twice", a->ch[k].name);
			a->n++;
		}
	}
	*out = a;
	return 0;
bad:
bad2:
	free(a);
	return -1;
}

int
alerts_conf_differs(const struct alert_conf *a, const struct alert_conf *b)
{
	if (a->n != b->n || a->retries != b->retries || a->backoff_s != b->backoff_s)
		return 1;
	for (int i = 0; i < a->n; i++) {
		struct channel_conf x = a->ch[i], y = b->ch[i];

		x.line = y.line = 0;
		if (memcmp(&x, &y, sizeof(x)) != 0)
			return 1;
	}
	return 0;
}

void
alerts_conf_free(struct alert_conf *c)
{
	if (c)
		explicit_bzero(c, sizeof(*c));
	free(c);
}

/* --- the channels at work --- */

struct job {
	struct notice n;
	int attempt;
	int64_t due_ms;
	struct job *next;
};

struct worker {
	struct channel_conf c;
	int retries, backoff_s;
	pthread_t thread;
	struct job *head, *tail;
	size_t queued;
	int stopping;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct worker *w[MAX_CHANNELS];
	int n;
	struct alerts_stats stats;
	char hostname[64];
} al = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static int
event_kind(const char *e)
{
	for (int k = 0; event_names[k]; k++)
		if (strcmp(event_names[k], e) == 0)
			return k;
	return -1;
}

static int
takes(const struct channel_conf *c, const struct notice *n)
{
	int k = event_kind(n->event), ok;
	unsigned events = c->events ? c->events : 0x7;	/* opened, reopened, escalated */

	if (k < 0 || !(events & (1u << k)))
		return 0;
	if (c->severities && !(c->severities & (1u << n->severity)))
		return 0;
	if (c->n_categories) {
		ok = 0;
		for (int i = 0; i < c->n_categories; i++)
			ok |= strcmp(c->categories[i], n->category) == 0;
		if (!ok)
			return 0;
	}
	if (c->n_devices) {
		ok = 0;
		for (int i = 0; i < c->n_devices; i++)
			ok |= strcmp(c->devices[i], n->device) == 0;
		if (!ok)
			return 0;
	}
	if (c->from_min != c->to_min) {
		struct tm tm;
		time_t now = time(NULL);
		int m;

		localtime_r(&now, &tm);
		m = tm.tm_hour * 60 + tm.tm_min;
		if (c->from_min < c->to_min ? (m < c->from_min || m >= c->to_min) :
		    (m < c->from_min && m >= c->to_min))
			return 0;
	}
	return 1;
}

static json_t *
notice_json(const struct notice *n)
{
	char t[32];

	iso8601_utc(n->time, t, sizeof(t));
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
	    "ticket", (json_int_t)n->ticket, "event", n->event, "device", n->device,
	    "rule", n->rule, "instance", n->instance, "category", n->category,
	    "severity", severity_name(n->severity), "state", n->state, "title", n->title,
	    "time", t);
}

/* Run argv with the JSON on stdin; no shell, a clean environment, a timeout. */
static int
send_command(const struct channel_conf *c, const char *json, char *why, size_t wlen)
{
	char *argv[MAX_LIST + 1];
	char *envp[] = { "PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", NULL };
	posix_spawn_file_actions_t fa;
	int p[2], status = 0, rc;
	pid_t pid;
	size_t len = strlen(json), off = 0;
	int64_t until;

	for (int i = 0; i < c->argc; i++)
		argv[i] = (char *)c->argv[i];
	argv[c->argc] = NULL;
	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(why, wlen, "pipe: %s", strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[0], 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	close(p[0]);
	if (rc != 0) {
		close(p[1]);
		snprintf(why, wlen, "%s: %s", argv[0], strerror(rc));
		return -1;
	}
	signal(SIGPIPE, SIG_IGN);
	while (off < len) {
		ssize_t w = write(p[1], json + off, len - off);

		if (w <= 0)
			break;
		off += (size_t)w;
	}
	close(p[1]);
	until = mono_ms() + (int64_t)c->timeout_s * 1000;
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			break;
		if (mono_ms() > until) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			snprintf(why, wlen, "no exit within %d s: killed", c->timeout_s);
			return -1;
		}
		usleep(20000);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	snprintf(why, wlen, "exit status %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return -1;
}

struct upload {
	const char *data;
	size_t len, off;
};

static size_t
read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	struct upload *u = arg;
	size_t n = size * nitems;

	if (n > u->len - u->off)
		n = u->len - u->off;
	memcpy(buf, u->data + u->off, n);
	u->off += n;
	return n;
}

/*
 * libcurl is loaded when a webhook or e-mail channel is configured, not
 * linked: with what it brings (Kerberos, LDAP, SSH, HTTP/2, PSL...) and its
 * global init it was about 3 MB of every nocd's peak resident memory (37.2
 * against 34.0 MB at 1,000 devices, two pairs), and most rooms alert by
 * command, syslog, SNMP or RELP. Loaded by alerts_start() before the
 * channel threads exist, once, never unloaded.
 */
static struct {
	int tried;
	char error[160];	/* why it is not there */
	CURLcode (*global_init)(long);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	void (*easy_cleanup)(CURL *);
	const char *(*easy_strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
} cu;

#define CURL_SONAME "libcurl.so.4"

static int
curl_load(void)
{
	void *h;
	const char *e;

	if (cu.tried)
		return cu.easy_init ? 0 : -1;
	cu.tried = 1;
	if ((h = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		e = dlerror();
		snprintf(cu.error, sizeof(cu.error), "cannot load %s: %s", CURL_SONAME,
		    e ? e : "?");
		goto fail;
	}
	snprintf(cu.error, sizeof(cu.error), "%s lacks a function nocd uses", CURL_SONAME);
#define CURL_SYM(field, name) \
	if ((*(void **)&cu.field = dlsym(h, name)) == NULL) \
		goto fail
	CURL_SYM(global_init, "curl_global_init");
	CURL_SYM(easy_setopt, "curl_easy_setopt");
	CURL_SYM(easy_perform, "curl_easy_perform");
	CURL_SYM(easy_getinfo, "curl_easy_getinfo");
	CURL_SYM(easy_cleanup, "curl_easy_cleanup");
	CURL_SYM(easy_strerror, "curl_easy_strerror");
	CURL_SYM(slist_append, "curl_slist_append");
	CURL_SYM(slist_free_all, "curl_slist_free_all");
#undef CURL_SYM
	snprintf(cu.error, sizeof(cu.error), "curl_global_init failed");
	if (cu.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		goto fail;
	/* last: a handle function says that all the rest are there */
	if ((*(void **)&cu.easy_init = dlsym(h, "curl_easy_init")) == NULL) {
		snprintf(cu.error, sizeof(cu.error), "%s lacks curl_easy_init", CURL_SONAME);
		goto fail;
	}
	cu.error[0] = '\0';
	return 0;
fail:
	log_warnx("alerts: %s; webhook and e-mail channels cannot send", cu.error);
	return -1;
}

/* A handle, or NULL with why there is none. */
static CURL *
curl_handle(char *why, size_t wlen)
{
	CURL *h = cu.easy_init ? cu.easy_init() : NULL;

	if (h == NULL)
		snprintf(why, wlen, "%s", cu.error[0] ? cu.error : "curl_easy_init failed");
	return h;
}

static size_t
discard_cb(char *buf, size_t size, size_t nmemb, void *arg)
{
	(void)buf;
	(void)arg;
	return size * nmemb;
}

static int
send_webhook(const struct channel_conf *c, const char *json, char *why, size_t wlen)
{
	CURL *h = curl_handle(why, wlen);
	struct curl_slist *hdr = NULL;
	long code = 0;
	CURLcode rc;

	if (h == NULL)
		return -1;
	hdr = cu.slist_append(hdr, "Content-Type: application/json");
	cu.easy_setopt(h, CURLOPT_URL, c->url);
	cu.easy_setopt(h, CURLOPT_POSTFIELDS, json);
	cu.easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	cu.easy_setopt(h, CURLOPT_TIMEOUT, (long)c->timeout_s);
	cu.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	cu.easy_setopt(h, CURLOPT_WRITEFUNCTION, discard_cb);
	cu.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	cu.easy_setopt(h, CURLOPT_USERAGENT, "nocd/" PACKAGE_VERSION);
	rc = cu.easy_perform(h);
	cu.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	cu.slist_free_all(hdr);
	cu.easy_cleanup(h);
	if (rc != CURLE_OK) {
		snprintf(why, wlen, "%s", cu.easy_strerror(rc));
		return -1;
	}
	if (code < 200 || code > 299) {
		snprintf(why, wlen, "HTTP %ld", code);
		return -1;
	}
	return 0;
}

static int
send_email(const struct channel_conf *c, const struct notice *n, const char *json, char *why,
    size_t wlen)
{
	CURL *h = curl_handle(why, wlen);
	struct curl_slist *rcpt = NULL;
	char *msg, date[64], subject[300];
	struct upload u;
	time_t now = time(NULL);
	struct tm tm;
	CURLcode rc;
	size_t cap = strlen(json) + 4096, o = 0;

	if (h == NULL)
		return -1;
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	/* a subject is one line: device strings lose their line breaks */
	snprintf(subject, sizeof(subject), "[nocd %s] %s: %s", severity_name(n->severity), n->event,
	    n->title);
	for (char *p = subject; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	msg = xcalloc(1, cap);
	o += (size_t)snprintf(msg + o, cap - o, "Date: %s\r\nFrom: <%s>\r\nTo: ", date, c->from);
	for (int i = 0; i < c->n_to; i++) {
		o += (size_t)snprintf(msg + o, cap - o, "%s<%s>", i ? ", " : "", c->to[i]);
		rcpt = cu.slist_append(rcpt, c->to[i]);
	}
	o += (size_t)snprintf(msg + o, cap - o, "\r\nSubject: %s\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=UTF-8\r\n\r\n"
	    "Ticket %lld %s\r\nDevice: %s\r\nSeverity: %s\r\nCategory: %s\r\n%s\r\n\r\n%s\r\n",
	    subject, n->ticket, n->event, n->device, severity_name(n->severity), n->category,
	    n->title, json);
	u.data = msg;
	u.len = o < cap ? o : cap - 1;
	u.off = 0;
	cu.easy_setopt(h, CURLOPT_URL, c->url);
	cu.easy_setopt(h, CURLOPT_MAIL_FROM, c->from);
	cu.easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
	cu.easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
	cu.easy_setopt(h, CURLOPT_READDATA, &u);
	cu.easy_setopt(h, CURLOPT_UPLOAD, 1L);
	cu.easy_setopt(h, CURLOPT_TIMEOUT, (long)c->timeout_s);
	cu.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	cu.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	rc = cu.easy_perform(h);
	cu.slist_free_all(rcpt);
	cu.easy_cleanup(h);
	free(msg);
	if (rc != CURLE_OK) {
		snprintf(why, wlen, "%s", cu.easy_strerror(rc));
		return -1;
	}
	return 0;
}

/* The notice as one RFC 5424 line (facility local0, MSGID "ticket", the JSON as
 * text); returns its length. */
static int
syslog_line(const struct notice *n, const char *json, char *line, size_t size)
{
	char ts[32];
	int len, sev;

	/* critical -> crit(2), major -> err(3), minor/warning -> warning(4), info -> info(6) */
	sev = n->severity >= SEV_CRITICAL ? 2 : n->severity == SEV_MAJOR ? 3 :
	    n->severity >= SEV_WARNING ? 4 : 6;
	iso8601_utc(n->time, ts, sizeof(ts));
	len = snprintf(line, size, "<%d>1 %s %s nocd - ticket - %s", 16 * 8 + sev, ts,
	    al.hostname, json);
	if (len < 0 || (size_t)len >= size)
		len = (int)size - 1;
	return len;
}

/*
 * RELP to a central server through librelp: one session per channel thread,
 * kept open between notices. A notice is sent once librelp has taken it
 * into the session (its window is 1: the next send waits for the server's
 * acknowledgement of this one); librelp resends what the server had not
 * acknowledged when a broken session is re-established, as rsyslog's omrelp
 * relies on. A failed send closes the session; the next attempt reconnects.
 */
static __thread struct {
	relpEngine_t *eng;
	relpClt_t *clt;
} relp_out;

static void
relp_out_close(void)
{
	if (relp_out.eng == NULL)
		return;
	if (relp_out.clt)
		relpEngineCltDestruct(relp_out.eng, &relp_out.clt);
	relpEngineDestruct(&relp_out.eng);
	relp_out.clt = NULL;
}

static int
send_relp(const struct channel_conf *c, const struct notice *n, const char *json, char *why,
    size_t wlen)
{
	char host[256], port[8], line[2048];
	uint16_t p = 2514;
	int len;
	relpRetVal r;

	if (conf_parse_hostport(c->target, host, sizeof(host), &p) < 0) {
		snprintf(why, wlen, "bad target");
		return -1;
	}
	snprintf(port, sizeof(port), "%u", p);
	len = syslog_line(n, json, line, sizeof(line));
	if (relp_out.eng == NULL) {
		if (relpEngineConstruct(&relp_out.eng) != RELP_RET_OK) {
			relp_out.eng = NULL;
			snprintf(why, wlen, "librelp: cannot start");
			return -1;
		}
		/* librelp calls its debug hook unconditionally: NULL installs its no-op */
		relpEngineSetDbgprint(relp_out.eng, NULL);
		relpEngineSetEnableCmd(relp_out.eng, (unsigned char *)"syslog",
		    eRelpCmdState_Required);
		relpEngineSetDnsLookupMode(relp_out.eng, 0);
	}
	if (relp_out.clt == NULL) {
		if (relpEngineCltConstruct(relp_out.eng, &relp_out.clt) != RELP_RET_OK) {
			relp_out.clt = NULL;
			snprintf(why, wlen, "librelp: cannot make a client");
			return -1;
		}
		relpCltSetTimeout(relp_out.clt, (unsigned)c->timeout_s);
		relpCltSetConnTimeout(relp_out.clt, c->timeout_s);
		relpCltSetWindowSize(relp_out.clt, 1);
		if ((r = relpCltConnect(relp_out.clt, strchr(host, ':') ? AF_INET6 : AF_INET,
		    (unsigned char *)port, (unsigned char *)host)) != RELP_RET_OK) {
			snprintf(why, wlen, "%s: cannot open a RELP session (librelp %d)", c->target,
			    (int)r);
			relpEngineCltDestruct(relp_out.eng, &relp_out.clt);
			relp_out.clt = NULL;
			return -1;
		}
	}
	if ((r = relpCltSendSyslog(relp_out.clt, (unsigned char *)line, (size_t)len)) !=
	    RELP_RET_OK) {
		snprintf(why, wlen, "%s: RELP send failed (librelp %d)", c->target, (int)r);
		relpEngineCltDestruct(relp_out.eng, &relp_out.clt);
		relp_out.clt = NULL;
		return -1;
	}
	return 0;
}

static int
send_syslog(const struct channel_conf *c, const struct notice *n, const char *json, char *why,
    size_t wlen)
{
	char host[256], port[8], line[2048];
	uint16_t p;
	struct addrinfo hints, *ai = NULL;
	int tcp = strncmp(c->target, "tcp:", 4) == 0, fd, len;
	struct timeval tv = { c->timeout_s, 0 };

	if (conf_parse_hostport(c->target + 4, host, sizeof(host), &p) < 0) {
		snprintf(why, wlen, "bad target");
		return -1;
	}
	snprintf(port, sizeof(port), "%u", p);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = tcp ? SOCK_STREAM : SOCK_DGRAM;
	if (getaddrinfo(host, port, &hints, &ai) != 0 || ai == NULL) {
		snprintf(why, wlen, "cannot resolve %.200s", host);
		return -1;
	}
	len = syslog_line(n, json, line, sizeof(line));
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		snprintf(why, wlen, "%s: %s", c->target, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	if (tcp) {
		char hdr[16];
		int hl = snprintf(hdr, sizeof(hdr), "%d ", len);

		if (send(fd, hdr, (size_t)hl, MSG_NOSIGNAL) != hl ||
		    send(fd, line, (size_t)len, MSG_NOSIGNAL) != len) {
			snprintf(why, wlen, "%s: %s", c->target, strerror(errno));
			close(fd);
			return -1;
		}
	} else if (send(fd, line, (size_t)len, 0) != len) {
		snprintf(why, wlen, "%s: %s", c->target, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int
send_one(const struct channel_conf *c, const struct notice *n, char *why, size_t wlen)
{
	json_t *j = notice_json(n);
	char *json = j ? json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	int rc = -1;

	json_decref(j);
	if (json == NULL) {
		snprintf(why, wlen, "cannot encode");
		return -1;
	}
	switch (c->type) {
	case CH_COMMAND:
		rc = send_command(c, json, why, wlen);
		break;
	case CH_WEBHOOK:
		rc = send_webhook(c, json, why, wlen);
		break;
	case CH_EMAIL:
		rc = send_email(c, n, json, why, wlen);
		break;
	case CH_SYSLOG:
		rc = send_syslog(c, n, json, why, wlen);
		break;
	case CH_SNMP:
		rc = northbound_send(&c->snmp, c->inform, n, c->timeout_s * 1000, why, wlen);
		break;
	case CH_RELP:
		rc = send_relp(c, n, json, why, wlen);
		break;
	}
	free(json);
	return rc;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	for (;;) {
		struct job *j;
		char why[256] = "";
		int64_t now;
		int rc;

		pthread_mutex_lock(&al.lock);
		for (;;) {
			now = mono_ms();
			if (w->stopping)
				break;
			if (w->head && w->head->due_ms <= now)
				break;
			if (w->head) {
				struct timespec ts;
				int64_t wait = w->head->due_ms - now;

				clock_gettime(CLOCK_REALTIME, &ts);
				ts.tv_sec += wait / 1000;
				ts.tv_nsec += (wait % 1000) * 1000000;
				if (ts.tv_nsec >= 1000000000) {
					ts.tv_sec++;
					ts.tv_nsec -= 1000000000;
				}
				pthread_cond_timedwait(&al.cond, &al.lock, &ts);
			} else {
				pthread_cond_wait(&al.cond, &al.lock);
			}
		}
		if (w->stopping) {
			pthread_mutex_unlock(&al.lock);
			break;
		}
		j = w->head;
		w->head = j->next;
		if (w->head == NULL)
			w->tail = NULL;
		w->queued--;
		pthread_mutex_unlock(&al.lock);

		/* latency: from the trap's (or line's) arrival to the channel taking it */
		{
			long long lat = j->n.received_ms && j->attempt == 0 ?
			    mono_ms() - j->n.received_ms : -1;

			rc = send_one(&w->c, &j->n, why, sizeof(why));
			store_notification(w->c.name, j->n.ticket, j->n.event, j->attempt + 1,
			    rc == 0 ? "sent" : "failed", rc == 0 ? "" : why, lat);
		}
		pthread_mutex_lock(&al.lock);
		if (rc == 0) {
			al.stats.sent++;
			free(j);
		} else if (j->attempt < w->retries) {
			/* back off: backoff, 2 x backoff, 4 x ... (a failing channel waits alone) */
			al.stats.retried++;
			j->due_ms = mono_ms() + ((int64_t)w->backoff_s * 1000 << (j->attempt < 10 ?
			    j->attempt : 10));
			j->attempt++;
			j->next = NULL;
			/* keep the queue in due order: retries go to the back */
			if (w->tail)
				w->tail->next = j;
			else
				w->head = j;
			w->tail = j;
			w->queued++;
			log_warnx("alert %s: ticket %lld %s: %s (attempt %d, again later)", w->c.name,
			    j->n.ticket, j->n.event, why, j->attempt);
		} else {
			al.stats.failed++;
			log_warnx("alert %s: ticket %lld %s: %s: given up after %d attempts",
			    w->c.name, j->n.ticket, j->n.event, why, j->attempt + 1);
			free(j);
		}
		pthread_mutex_unlock(&al.lock);
	}
	relp_out_close();
	return NULL;
}

void
alerts_submit(const struct notice *v, size_t n)
{
	pthread_mutex_lock(&al.lock);
	for (size_t i = 0; i < n; i++) {
		int taken = 0;

		al.stats.notices++;
		for (int k = 0; k < al.n; k++) {
			struct worker *w = al.w[k];
			struct job *j;

			if (!takes(&w->c, &v[i]))
				continue;
			taken = 1;
			if (w->queued >= QUEUE_MAX) {
				al.stats.failed++;
				continue;
			}
			j = xcalloc(1, sizeof(*j));
			j->n = v[i];
			j->due_ms = mono_ms();
			/* new notices go before retries waiting for their back-off */
			if (w->head == NULL || w->head->due_ms > j->due_ms) {
				j->next = w->head;
				w->head = j;
				if (w->tail == NULL)
					w->tail = j;
			} else {
				struct job *p = w->head;

				while (p->next && p->next->due_ms <= j->due_ms)
					p = p->next;
				j->next = p->next;
				p->next = j;
				if (j->next == NULL)
					w->tail = j;
			}
			w->queued++;
		}
		if (!taken)
			al.stats.filtered++;
	}
	pthread_cond_broadcast(&al.cond);
	pthread_mutex_unlock(&al.lock);
}

void
alerts_stop(void)
{
	struct worker *ws[MAX_CHANNELS];
	int n;

	pthread_mutex_lock(&al.lock);
	n = al.n;
	memcpy(ws, al.w, sizeof(ws));
	for (int i = 0; i < n; i++)
		ws[i]->stopping = 1;
	al.n = 0;
	pthread_cond_broadcast(&al.cond);
	pthread_mutex_unlock(&al.lock);
	/* a channel waiting for the event loop (snmp) must not hold up the join:
	 * this runs on the loop's thread at a reload */
	northbound_abandon();
	for (int i = 0; i < n; i++) {
		struct job *j;

		pthread_join(ws[i]->thread, NULL);
		while ((j = ws[i]->head) != NULL) {
			ws[i]->head = j->next;
			free(j);
		}
		explicit_bzero(&ws[i]->c, sizeof(ws[i]->c));
		free(ws[i]);
	}
}

int
alerts_start(const struct nocd_conf *conf)
{
	alerts_stop();
	if (gethostname(al.hostname, sizeof(al.hostname)) < 0 || al.hostname[0] == '\0')
		nocd_strlcpy(al.hostname, "nocd", sizeof(al.hostname));
	al.hostname[sizeof(al.hostname) - 1] = '\0';
	if (conf->alerts == NULL)
		return 0;
	pthread_mutex_lock(&al.lock);
	for (int i = 0; i < conf->alerts->n; i++) {
		struct worker *w = xcalloc(1, sizeof(*w));

		w->c = conf->alerts->ch[i];
		if (w->c.type == CH_WEBHOOK || w->c.type == CH_EMAIL)
			(void)curl_load();	/* a failure is logged, and each send says it */
		w->retries = conf->alerts->retries;
		w->backoff_s = conf->alerts->backoff_s;
		if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
			log_warnx("alert %s: cannot start its thread", w->c.name);
			free(w);
			continue;
		}
		al.w[al.n++] = w;
	}
	pthread_mutex_unlock(&al.lock);
	if (al.n)
		log_info("alerts: %d channels", al.n);
	return 0;
}

void
alerts_get_stats(struct alerts_stats *s)
{
	pthread_mutex_lock(&al.lock);
	*s = al.stats;
	pthread_mutex_unlock(&al.lock);
}
