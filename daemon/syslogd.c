#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <locale.h>
#include <netdb.h>
#include <netinet/in.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>
#include <librelp.h>
#include <pthread.h>

#include "conf.h"
#include "events.h"
#include "evloop.h"
#include "hashmap.h"
#include "log.h"
#include "rules.h"
#include "srclimit.h"
#include "store.h"
#include "syslogd.h"
#include "util.h"

#define MAX_LISTEN 8
#define UDP_BURST 256		/* datagrams read per wakeup */
#define UDP_VLEN 32		/* datagrams per recvmmsg() */
#define TICK_MS 1000
#define STORM_REPORT_MS 10000	/* a storm's ticket counts up this often */

/* --- parsing (RFC 5424, RFC 3164) --- */

static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
	"Aug", "Sep", "Oct", "Nov", "Dec" };

/* Cut the next space-separated field; "-" is nil (NULL). */
static char *
field(char **p)
{
	char *s = *p, *e;

	if (s == NULL || *s == '\0')
		return NULL;
	e = strchr(s, ' ');
	if (e) {
		*e = '\0';
		*p = e + 1;
	} else {
		*p = s + strlen(s);
	}
	return strcmp(s, "-") == 0 ? NULL : s;
}

static time_t
parse_5424_time(const char *s)
{
	struct tm tm;
	const char *p;
	long off = 0;

	if (s == NULL)
		return 0;
	memset(&tm, 0, sizeof(tm));
	if ((p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return 0;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			;
	if (*p == 'Z')
		p++;
	else if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1]) &&
	    isdigit((unsigned char)p[2]) && p[3] == ':' && isdigit((unsigned char)p[4]) &&
	    isdigit((unsigned char)p[5])) {
		off = ((p[1] - '0') * 10 + (p[2] - '0')) * 3600 +
		    ((p[4] - '0') * 10 + (p[5] - '0')) * 60;
		if (*p == '+')
			off = -off;
		p += 6;
	} else
		return 0;
	if (*p != '\0')
		return 0;
	return timegm(&tm) + off;
}

/* "Nov 25 05:00:00" in local time, this year (or last, if that is the future). */
static time_t
parse_3164_time(const char *s)
{
	struct tm tm, now_tm;
	time_t now = time(NULL), t;
	int mon = -1;

	for (int i = 0; i < 12; i++)
		if (strncmp(s, months[i], 3) == 0)
			mon = i;
	if (mon < 0 || s[3] != ' ' || !(s[4] == ' ' || isdigit((unsigned char)s[4])) ||
	    !isdigit((unsigned char)s[5]) || s[6] != ' ' || s[9] != ':' || s[12] != ':')
		return 0;
	localtime_r(&now, &now_tm);
	memset(&tm, 0, sizeof(tm));
	tm.tm_mon = mon;
	tm.tm_mday = (s[4] == ' ' ? 0 : (s[4] - '0') * 10) + (s[5] - '0');
	tm.tm_hour = (s[7] - '0') * 10 + (s[8] - '0');
	tm.tm_min = (s[10] - '0') * 10 + (s[11] - '0');
	tm.tm_sec = (s[13] - '0') * 10 + (s[14] - '0');
	tm.tm_year = now_tm.tm_year;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t > now + 86400) {
		tm.tm_year--;
		tm.tm_isdst = -1;
		t = mktime(&tm);
	}
	return t == (time_t)-1 ? 0 : t;
}

static int
is_hostname(const char *s, size_t n)
{
	if (n == 0 || n > 255)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '.' || s[i] == '-' || s[i] == '_' ||
		    s[i] == ':'))
			return 0;
	return s[n - 1] != ':';
}

int
syslog_parse(char *buf, size_t len, struct syslog_msg *m)
{
	char *p = buf;
	int pri = -1;

	memset(m, 0, sizeof(*m));
	m->facility = m->severity = -1;
	buf[len] = '\0';
	/* no NUL or control characters in what we keep (tab stays) */
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)buf[i] < 0x20 && buf[i] != '\t')
			buf[i] = ' ';
	while (len > 0 && buf[len - 1] == ' ')
		buf[--len] = '\0';
	if (p[0] == '<') {
		int v = 0, n = 1;

		while (n <= 3 && isdigit((unsigned char)p[n]))
			v = v * 10 + (p[n++] - '0');
		if (n > 1 && p[n] == '>' && v <= 191 && !(n > 2 && p[1] == '0')) {
			pri = v;
			p += n + 1;
		}
	}
	if (pri >= 0) {
		m->facility = pri / 8;
		m->severity = pri % 8;
	}
	if (p[0] == '1' && p[1] == ' ') {
		/* RFC 5424: VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD [MSG] */
		char *q = p + 2, *sd;

		m->rfc5424 = 1;
		m->time = parse_5424_time(field(&q));
		m->hostname = field(&q);
		m->app = field(&q);
		m->procid = field(&q);
		m->msgid = field(&q);
		sd = q;
		if (*sd == '-') {
			m->sd = NULL;
			q = sd + 1;
		} else if (*sd == '[') {
			/* elements until the first ']' not escaped and not followed by '[' */
			char *e = sd;

			for (;;) {
				e = strchr(e + 1, ']');
				while (e && e[-1] == '\\')
					e = strchr(e + 1, ']');
				if (e == NULL || e[1] != '[')
					break;
				e++;
			}
			if (e == NULL) {
				m->text = sd;	/* broken SD: keep it all as text */
				return pri >= 0;
			}
			q = e + 1;
			m->sd = sd;
		}
		if (*q == ' ')
			*q++ = '\0';
		else if (*q != '\0')
			*q++ = '\0';
		/* a UTF-8 BOM starts the MSG */
		if ((unsigned char)q[0] == 0xef && (unsigned char)q[1] == 0xbb &&
		    (unsigned char)q[2] == 0xbf)
			q += 3;
		m->text = q;
		return pri >= 0;
	}
	/* rsyslog's forwarding format: an RFC 3339 time where RFC 3164 has its own */
	if (isdigit((unsigned char)p[0]) && strlen(p) > 20 && p[4] == '-' && p[10] == 'T') {
		char *sp = strchr(p, ' ');

		if (sp) {
			*sp = '\0';
			m->time = parse_5424_time(p);
			if (m->time == 0)
				*sp = ' ';
			else {
				char *h = sp + 1, *sp2 = strchr(h, ' ');

				p = h;
				if (sp2 && is_hostname(h, (size_t)(sp2 - h))) {
					*sp2 = '\0';
					m->hostname = h;
					p = sp2 + 1;
				}
			}
		}
	} else if (strlen(p) >= 16 && (m->time = parse_3164_time(p)) != 0) {
		/* RFC 3164: TIMESTAMP HOSTNAME TAG[PID]: MSG, each part optional in practice */
		char *h = p + 16, *sp = strchr(h, ' ');

		p[15] = '\0';
		p = h;
		if (sp && is_hostname(h, (size_t)(sp - h))) {
			*sp = '\0';
			m->hostname = h;
			p = sp + 1;
		}
	}
	{
		/* TAG: up to 32 alphanumerics (and -_./), then [PID] and/or ':' */
		size_t n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789-_./");

		if (n > 0 && n <= 48 && (p[n] == '[' || p[n] == ':')) {
			char *rest = p + n;

			if (*rest == '[') {
				char *close = strchr(rest, ']');

				if (close && close[1] == ':') {
					*rest = '\0';
					m->app = p;
					m->procid = rest + 1;
					*close = '\0';
					p = close + 2;
				}
			} else if (rest[1] == ' ' || rest[1] == '\0') {
				*rest = '\0';
				m->app = p;
				p = rest + 1;
			}
			while (*p == ' ')
				p++;
		}
	}
	m->text = p;
	return pri >= 0;
}

int
syslog_frame(const char *buf, size_t len, size_t max, size_t *msg_off, size_t *msg_len,
    size_t *consumed)
{
	if (len == 0)
		return 0;
	if (isdigit((unsigned char)buf[0])) {
		/* octet counting: MSG-LEN SP SYSLOG-MSG */
		size_t n = 0, i = 0;

		while (i < len && isdigit((unsigned char)buf[i]) && i < 10)
			n = n * 10 + (size_t)(buf[i++] - '0');
		if (i == len)
			return i < 10 ? 0 : -1;
		if (buf[i] != ' ' || i >= 10 || n == 0 || n > max || buf[0] == '0')
			return -1;
		if (len < i + 1 + n)
			return 0;
		*msg_off = i + 1;
		*msg_len = n;
		*consumed = i + 1 + n;
		return 1;
	}
	{
		/* non-transparent framing: up to LF, at most max bytes before it */
		size_t look = len < max + 1 ? len : max + 1;
		const char *nl = memchr(buf, '\n', look);

		if (nl == NULL)
			return len > max ? -1 : 0;
		*msg_off = 0;
		*msg_len = (size_t)(nl - buf);
		if (*msg_len > 0 && buf[*msg_len - 1] == '\r')
			(*msg_len)--;
		*consumed = (size_t)(nl - buf) + 1;
		return 1;
	}
}

/* --- rules --- */

/*
 * Rules are compiled and run in the C locale, byte by byte: Net-SNMP sets
 * LC_CTYPE from the environment, and glibc's regex engine in a UTF-8 locale
 * is several times slower (wide characters for every line). The patterns
 * are ASCII; UTF-8 text still matches . and [^ ] byte-wise, and case is
 * folded for ASCII letters only.
 */
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static locale_t c_locale;

static void
c_locale_init(void)
{
	c_locale = newlocale(LC_CTYPE_MASK, "C", (locale_t)0);
}

static locale_t
rules_locale_enter(void)
{
	pthread_once(&c_locale_once, c_locale_init);
	return c_locale != (locale_t)0 ? uselocale(c_locale) : (locale_t)0;
}

static void
rules_locale_leave(locale_t old)
{
	if (old != (locale_t)0)
		uselocale(old);
}

/*
 * The longest run of plain characters that every match of the extended
 * regular expression `re` contains: outside groups and bracket expressions,
 * none of them made optional by ?, * or {}. "" when there is none of at
 * least 3 characters, or a top-level alternation makes any run optional.
 * A line without it cannot match, so regexec() is skipped.
 */
void
syslog_regex_literal(const char *re, char *out, size_t len)
{
	char cur[64];
	size_t nc = 0, nb = 0;
	int depth = 0;

	out[0] = '\0';
	for (const char *p = re; ; p++) {
		int lit = 0;
		char c = *p;

		if (c == '\0') {
			/* the end: the last run counts too */
		} else if (c == '\\') {
			if (p[1] == '\0')
				return;
			c = *++p;
			lit = depth == 0 && ispunct((unsigned char)c);	/* \. \( \\: literal */
		} else if (c == '[') {
			p++;
			if (*p == '^')
				p++;
			if (*p == ']')
				p++;
			while (*p && *p != ']') {
				if (*p == '[' && (p[1] == ':' || p[1] == '=' || p[1] == '.')) {
					char d = p[1];

					for (p += 2; *p && !(*p == d && p[1] == ']'); p++)
						;
					if (*p)
						p++;
				}
				if (*p)
					p++;
			}
			if (*p == '\0')
				return;
		} else if (c == '{') {
			while (*p && *p != '}')
				p++;
			if (*p == '\0')
				return;
		} else if (c == '(') {
			depth++;
		} else if (c == ')') {
			if (depth > 0)
				depth--;
		} else if (c == '|') {
			if (depth == 0) {
				out[0] = '\0';
				return;
			}
		} else if (strchr(".^$*+?}", c) == NULL) {
			lit = depth == 0;
		}
		/* an atom followed by ?, * or {} may be absent */
		if (lit && c != '\0' && (p[1] == '?' || p[1] == '*' || p[1] == '{'))
			lit = 0;
		if (lit && nc + 1 < sizeof(cur)) {
			cur[nc++] = c;
			continue;
		}
		if (nc > nb && nc >= 3 && nc < len) {
			memcpy(out, cur, nc);
			out[nc] = '\0';
			nb = nc;
		}
		nc = 0;
		if (c == '\0')
			return;
		if (lit)
			cur[nc++] = c;	/* a run longer than cur: start again here */
	}
}

struct syslog_rule {
	char name[32];
	regex_t re;
	char type[48];
	int severity;		/* 0 = from the message */
	char category[16];
	int ticket;		/* 0, 1 open, 2 clear */
	char rule[32];
	int instance_group;	/* capture group that names the instance; 0 = none */
	char literal[48];	/* text every match contains (any case); "" = none known */
};

struct rule_list {
	struct syslog_rule *v;
	size_t n;
};

static void
rules_free(struct rule_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		regfree(&l->v[i].re);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

#define SERR(setting, ...) do {						\
	int n_ = snprintf(err, errlen, "%s:%d: ", path,			\
	    (setting) ? config_setting_source_line(setting) : 0);	\
	if (n_ > 0 && (size_t)n_ < errlen)				\
		snprintf(err + n_, errlen - (size_t)n_, __VA_ARGS__);	\
	goto bad;							\
} while (0)

static int
word_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	return n > 0 && n < max && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

static int
load_rules(const char *path, struct rule_list *l, char *err, size_t errlen)
{
	static const char *const keys[] = { "name", "match", "type", "severity", "category",
		"ticket", "rule", "instance", NULL };
	config_t cfg;
	config_setting_t *list;
	int rc = -1;

	memset(l, 0, sizeof(*l));
	config_init(&cfg);
	if (!config_read_file(&cfg, path)) {
		if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO)
			snprintf(err, errlen, "%s:0: cannot read: %s", path, strerror(errno));
		else
			snprintf(err, errlen, "%s:%d: %s", path, config_error_line(&cfg),
			    config_error_text(&cfg));
		goto out;
	}
	if ((list = config_lookup(&cfg, "syslog_rules")) == NULL || !config_setting_is_list(list)) {
		snprintf(err, errlen, "%s:1: expected syslog_rules = ( { ... } );", path);
		goto out;
	}
	l->v = xcalloc((size_t)config_setting_length(list) + 1, sizeof(*l->v));
	for (int i = 0; i < config_setting_length(list); i++) {
		config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
		struct syslog_rule *r = &l->v[l->n];
		const char *s;
		int re_bad;

		config_setting_t *bad_key = conf_unknown_key(e, keys);

		if (bad_key)
			SERR(bad_key, "unknown key '%s' in syslog rule", config_setting_name(bad_key) ?
			    config_setting_name(bad_key) : "?");
		if (!config_setting_lookup_string(e, "name", &s) || !word_ok(s, sizeof(r->name)))
			SERR(e, "syslog rule needs name = \"word\"");
		nocd_strlcpy(r->name, s, sizeof(r->name));
		if (!config_setting_lookup_string(e, "type", &s) || !word_ok(s, sizeof(r->type)))
			SERR(e, "syslog rule %s needs type = \"word\"", r->name);
		nocd_strlcpy(r->type, s, sizeof(r->type));
		if (config_setting_lookup_string(e, "severity", &s) &&
		    (r->severity = severity_parse(s)) <= SEV_CLEAR)
			SERR(e, "syslog rule %s: severity must be critical, major, minor, warning"
			    " or info", r->name);
		nocd_strlcpy(r->category, "hardware", sizeof(r->category));
		if (config_setting_lookup_string(e, "category", &s)) {
			if (!category_is_valid(s))
				SERR(e, "syslog rule %s: unknown category '%s'", r->name, s);
			nocd_strlcpy(r->category, s, sizeof(r->category));
		}
		if (config_setting_lookup_string(e, "ticket", &s)) {
			r->ticket = strcmp(s, "open") == 0 ? 1 : strcmp(s, "clear") == 0 ? 2 : -1;
			if (r->ticket < 0)
				SERR(e, "syslog rule %s: ticket is \"open\" or \"clear\"", r->name);
			if (!config_setting_lookup_string(e, "rule", &s) ||
			    !word_ok(s, sizeof(r->rule)))
				SERR(e, "syslog rule %s: a ticket needs rule = \"word\"", r->name);
			nocd_strlcpy(r->rule, s, sizeof(r->rule));
		}
		config_setting_lookup_int(e, "instance", &r->instance_group);
		if (r->instance_group < 0 || r->instance_group > 9)
			SERR(e, "syslog rule %s: instance is a capture group, 1 to 9", r->name);
		re_bad = 1;
		if (config_setting_lookup_string(e, "match", &s)) {
			locale_t old = rules_locale_enter();

			re_bad = regcomp(&r->re, s, REG_EXTENDED | REG_ICASE) != 0;
			rules_locale_leave(old);
		}
		if (re_bad)
			SERR(e, "syslog rule %s: match must be an extended regular expression",
			    r->name);
		syslog_regex_literal(s, r->literal, sizeof(r->literal));
		l->n++;
		if ((size_t)r->instance_group > r->re.re_nsub)
			SERR(e, "syslog rule %s: instance %d, but the expression has %zu groups",
			    r->name, r->instance_group, r->re.re_nsub);
	}
	rc = 0;
	goto out;
bad:
	rules_free(l);
out:
	config_destroy(&cfg);
	return rc;
}

int
syslogd_check_rules(const char *path, char *err, size_t errlen)
{
	struct rule_list l;

	if (load_rules(path, &l, err, errlen) < 0)
		return -1;
	rules_free(&l);
	return 0;
}

/* --- the daemon --- */

struct conn {
	struct syslogd *s;
	int fd;
	char src[64];
	char *buf;
	size_t len;
	int64_t last_ms;
	int paused;
	struct conn *next;
};

struct sock {
	struct syslogd *s;
	int fd;
	int tcp;
	char spec[128];
};

struct syslogd {
	struct evloop *loop;
	struct sock socks[MAX_LISTEN];
	int n;
	struct conn *conns;
	int n_conns;
	struct rule_list rules;
	trapd_lookup_fn lookup;
	void *lookup_arg;
	struct srclimit limit;		/* per source address */
	size_t max_message;
	int idle_s, max_conns, storm_clear_s;
	struct ev_timer *tick;
	struct syslogd_stats stats;
	struct log_ratelimit rl;
	char *udp_buf;			/* UDP_VLEN slots of udp_slot bytes */
	size_t udp_slot;
	/* RELP runs librelp's own loop in a thread; take() is shared under lock */
	pthread_mutex_t lock;
	relpEngine_t *relp;
	pthread_t relp_thread;
	int relp_running;
	uint64_t relp_acked, relp_failed;
};

static int
bind_spec(const char *spec, int tcp, char *err, size_t errlen)
{
	char host[256];
	uint16_t port;
	struct addrinfo hints, *ai = NULL;
	char portstr[8];
	int fd = -1, one = 1;

	/* "udp:HOST:PORT" / "tcp:HOST:PORT" */
	if (conf_parse_hostport(spec + 4, host, sizeof(host), &port) < 0) {
		snprintf(err, errlen, "listen.syslog %s: not PROTO:HOST:PORT", spec);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = tcp ? SOCK_STREAM : SOCK_DGRAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
	snprintf(portstr, sizeof(portstr), "%u", port);
	if (getaddrinfo(host, portstr, &hints, &ai) != 0 || ai == NULL) {
		snprintf(err, errlen, "listen.syslog %s: not a numeric address", spec);
		return -1;
	}
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || (tcp && listen(fd, 64) < 0)) {
		snprintf(err, errlen, "listen.syslog %s: %s", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd >= 0 && !tcp) {
		int sz = 8 << 20;	/* bursts wait in the kernel, not on the floor */

		/* FORCE passes net.core.rmem_max: bound as root, as the traps are */
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
	}
	return fd;
}

struct syslogd *
syslogd_open(const struct nocd_conf *conf, char *err, size_t errlen)
{
	struct syslogd *s = xcalloc(1, sizeof(*s));

	pthread_mutex_init(&s->lock, NULL);
	for (size_t i = 0; i < conf->listen_syslog.n && s->n < MAX_LISTEN; i++) {
		const char *spec = conf->listen_syslog.v[i];
		int tcp = strncmp(spec, "tcp:", 4) == 0;
		int fd = bind_spec(spec, tcp, err, errlen);

		if (fd < 0) {
			syslogd_free(s);
			return NULL;
		}
		s->socks[s->n].s = s;
		s->socks[s->n].fd = fd;
		s->socks[s->n].tcp = tcp;
		nocd_strlcpy(s->socks[s->n].spec, spec, sizeof(s->socks[s->n].spec));
		s->n++;
	}
	return s;
}

static int
map_severity(int sys)
{
	switch (sys) {
	case 0: case 1: case 2:
		return SEV_CRITICAL;
	case 3:
		return SEV_MAJOR;
	case 4:
		return SEV_WARNING;
	default:
		return SEV_INFO;
	}
}

/* One message: parse, match the rules, add to the batch. */
static void
take_locked(struct syslogd *s, char *msg, size_t len, const char *src, struct event_batch *b,
    int use_lookup);

static void
take(struct syslogd *s, char *msg, size_t len, const char *src, struct event_batch *b)
{
	pthread_mutex_lock(&s->lock);
	take_locked(s, msg, len, src, b, 1);
	pthread_mutex_unlock(&s->lock);
}

static void
take_locked(struct syslogd *s, char *msg, size_t len, const char *src, struct event_batch *b,
    int use_lookup)
{
	locale_t old_locale;
	struct syslog_msg m;
	struct event *e;
	const char *dev = NULL;
	char text[2048];
	regmatch_t pm[10];

	s->stats.received++;
	if (!srclimit_ok(&s->limit, src)) {
		if (s->stats.rate_limited++ % 1000 == 0)
			log_limited(&s->rl, LOG_LVL_WARN, "syslog from %s over %.0f/s: dropped and"
			    " counted", src, s->limit.rate);
		return;
	}
	if (!syslog_parse(msg, len, &m))
		s->stats.malformed++;	/* no PRI: kept, as user.notice, and counted */
	if (s->lookup && use_lookup) {
		dev = s->lookup(src, s->lookup_arg);
		if (dev == NULL && m.hostname)
			dev = s->lookup(m.hostname, s->lookup_arg);
	}
	snprintf(text, sizeof(text), "%s%s%s%s%s%s", m.app ? m.app : "",
	    m.procid ? "[" : "", m.procid ? m.procid : "", m.procid ? "]" : "",
	    m.app ? ": " : "", m.text ? m.text : "");
	e = event_batch_add(b);
	e->time = time(NULL);
	nocd_strlcpy(e->source, "syslog", sizeof(e->source));
	nocd_strlcpy(e->device, dev ? dev : "", sizeof(e->device));
	nocd_strlcpy(e->host, m.hostname ? m.hostname : src, sizeof(e->host));
	nocd_strlcpy(e->oid, m.app ? m.app : "", sizeof(e->oid));
	e->severity = map_severity(m.severity >= 0 ? m.severity : 5);
	nocd_strlcpy(e->type, "syslog", sizeof(e->type));
	e->message = xstrdup(text);
	if (!use_lookup) {
		/* not on the event loop: the writer finds the device */
		e->resolve = 1;
		nocd_strlcpy(e->addr, src, sizeof(e->addr));
	}
	{
		json_t *d = json_pack("{s:i, s:i, s:s, s:s?, s:s?, s:s?}", "facility",
		    m.facility >= 0 ? m.facility : 1, "severity", m.severity >= 0 ? m.severity : 5,
		    "format", m.rfc5424 ? "rfc5424" : "rfc3164", "msgid", m.msgid,
		    "structured_data", m.sd, "source", src);

		if (m.time) {
			char iso[32];

			iso8601_utc(m.time, iso, sizeof(iso));
			json_object_set_new(d, "sent", json_string(iso));
		}
		e->detail = d ? json_dumps(d, JSON_COMPACT) : NULL;
		json_decref(d);
	}
	old_locale = rules_locale_enter();
	for (size_t i = 0; i < s->rules.n; i++) {
		const struct syslog_rule *r = &s->rules.v[i];

		/* most lines match no rule: a substring search rules most rules out */
		if ((r->literal[0] && strcasestr(text, r->literal) == NULL) ||
		    regexec(&r->re, text, r->instance_group > 0 ?
		    (size_t)r->instance_group + 1 : 0, pm, 0) != 0)
			continue;
		nocd_strlcpy(e->type, r->type, sizeof(e->type));
		if (r->severity > 0)
			e->severity = r->severity;
		if (r->ticket && (e->device[0] || e->resolve)) {
			char inst[64] = "_";

			if (r->instance_group > 0 && pm[r->instance_group].rm_so >= 0) {
				size_t n = (size_t)(pm[r->instance_group].rm_eo -
				    pm[r->instance_group].rm_so);

				if (n >= sizeof(inst))
					n = sizeof(inst) - 1;
				memcpy(inst, text + pm[r->instance_group].rm_so, n);
				inst[n] = '\0';
			}
			e->has_ticket = 1;
			e->op.kind = r->ticket == 1 ? TOP_RAISE : TOP_CLEAR;
			nocd_strlcpy(e->op.device, e->device, sizeof(e->op.device));
			nocd_strlcpy(e->op.rule, r->rule, sizeof(e->op.rule));
			nocd_strlcpy(e->op.instance, inst, sizeof(e->op.instance));
			nocd_strlcpy(e->op.category, r->category, sizeof(e->op.category));
			nocd_strlcpy(e->op.source, "syslog", sizeof(e->op.source));
			e->op.severity = e->severity;
			snprintf(e->op.title, sizeof(e->op.title), "%s: %.180s", e->device, text);
			e->op.when = e->time;
			e->op.received_ms = mono_ms();
		}
		break;
	}
	rules_locale_leave(old_locale);
	s->stats.stored++;
}

static void
src_of(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	buf[0] = '\0';
	if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, buf, (socklen_t)len);
	else if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, buf,
		    (socklen_t)len);
}

/* The receive slots: as long as the longest message kept, plus one byte to
 * see that a datagram was longer (UDP carries at most 65,507). */
static void
udp_slots(struct syslogd *s)
{
	size_t slot = (s->max_message < 65535 ? s->max_message : 65535) + 1;

	if (slot == s->udp_slot)
		return;
	free(s->udp_buf);
	s->udp_buf = xcalloc(UDP_VLEN, slot);
	s->udp_slot = slot;
}

static void
udp_readable(int fd, uint32_t events, void *arg)
{
	struct sock *k = arg;
	struct syslogd *s = k->s;
	struct event_batch b = { 0 };
	struct mmsghdr mh[UDP_VLEN];
	struct iovec iov[UDP_VLEN];
	struct sockaddr_storage ss[UDP_VLEN];
	int got;

	(void)events;
	/* recvmmsg: one system call for up to UDP_VLEN datagrams */
	for (int total = 0; total < UDP_BURST; total += got) {
		size_t too_long = 0;

		memset(mh, 0, sizeof(mh));
		for (int i = 0; i < UDP_VLEN; i++) {
			iov[i].iov_base = s->udp_buf + (size_t)i * s->udp_slot;
			iov[i].iov_len = s->udp_slot;
			mh[i].msg_hdr.msg_iov = &iov[i];
			mh[i].msg_hdr.msg_iovlen = 1;
			mh[i].msg_hdr.msg_name = &ss[i];
			mh[i].msg_hdr.msg_namelen = sizeof(ss[i]);
		}
		if ((got = recvmmsg(fd, mh, UDP_VLEN, MSG_DONTWAIT, NULL)) <= 0)
			break;
		for (int i = 0; i < got; i++) {
			char src[64];
			size_t n = mh[i].msg_len;

			if (n > s->max_message || (mh[i].msg_hdr.msg_flags & MSG_TRUNC)) {
				too_long++;	/* truncated, as RFC 5426 allows */
				if (n > s->max_message)
					n = s->max_message;
			}
			src_of(&ss[i], src, sizeof(src));
			take(s, iov[i].iov_base, n, src, &b);
		}
		if (too_long) {
			pthread_mutex_lock(&s->lock);
			s->stats.too_long += too_long;
			pthread_mutex_unlock(&s->lock);
		}
		if (got < UDP_VLEN)
			break;
	}
	if (b.n) {
		size_t n = b.n;

		if (store_events(&b, 1) < 0) {
			pthread_mutex_lock(&s->lock);
			s->stats.dropped_queue += n;
			s->stats.stored -= n;
			pthread_mutex_unlock(&s->lock);
			log_limited(&s->rl, LOG_LVL_WARN, "syslog: the store is behind: %zu UDP"
			    " messages dropped and counted", n);
		}
	}
	event_batch_free(&b);
}

static void
conn_close(struct conn *c)
{
	struct syslogd *s = c->s;

	for (struct conn **pp = &s->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	if (!c->paused)
		evloop_del_fd(s->loop, c->fd);
	close(c->fd);
	free(c->buf);
	free(c);
	s->n_conns--;
}

static void conn_readable(int fd, uint32_t events, void *arg);

static void
conn_readable(int fd, uint32_t events, void *arg)
{
	struct conn *c = arg;
	struct syslogd *s = c->s;
	size_t cap = s->max_message + 16;
	struct event_batch b = { 0 };
	ssize_t n;

	(void)events;
	/* back-pressure: the sender waits in TCP, nothing is dropped */
	if (store_queue_full()) {
		evloop_del_fd(s->loop, fd);
		c->paused = 1;
		return;
	}
	n = read(fd, c->buf + c->len, cap - c->len);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		conn_close(c);
		return;
	}
	if (n < 0)
		return;
	c->len += (size_t)n;
	c->last_ms = mono_ms();
	for (;;) {
		size_t off, len, used;
		int r = syslog_frame(c->buf, c->len, s->max_message, &off, &len, &used);

		if (r == 0)
			break;
		if (r < 0) {
			pthread_mutex_lock(&s->lock);
			s->stats.too_long++;
			pthread_mutex_unlock(&s->lock);
			log_limited(&s->rl, LOG_LVL_WARN, "syslog from %s: broken or too long frame"
			    " (max %zu): connection closed", c->src, s->max_message);
			if (b.n)
				store_events(&b, 0);
			event_batch_free(&b);
			conn_close(c);
			return;
		}
		{
			char *msg = xcalloc(1, len + 1);

			memcpy(msg, c->buf + off, len);
			take(s, msg, len, c->src, &b);
			free(msg);
		}
		memmove(c->buf, c->buf + used, c->len - used);
		c->len -= used;
	}
	if (b.n)
		store_events(&b, 0);
	event_batch_free(&b);
}

static void
accept_ready(int fd, uint32_t events, void *arg)
{
	struct sock *k = arg;
	struct syslogd *s = k->s;

	(void)events;
	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int cfd = accept4(fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *c;

		if (cfd < 0)
			return;
		if (s->n_conns >= s->max_conns) {
			s->stats.connections_refused++;
			log_limited(&s->rl, LOG_LVL_WARN, "syslog: more than %d connections: refused",
			    s->max_conns);
			close(cfd);
			continue;
		}
		c = xcalloc(1, sizeof(*c));
		c->s = s;
		c->fd = cfd;
		c->buf = xcalloc(1, s->max_message + 16);
		c->last_ms = mono_ms();
		src_of(&ss, c->src, sizeof(c->src));
		if (evloop_add_fd(s->loop, cfd, EPOLLIN, conn_readable, c) < 0) {
			close(cfd);
			free(c->buf);
			free(c);
			continue;
		}
		c->next = s->conns;
		s->conns = c;
		s->n_conns++;
		s->stats.connections++;
	}
}

struct storm_ctx {
	struct syslogd *s;
	struct event_batch b;
};

static void
storm_report(const char *src, uint64_t dropped, uint64_t total, int ended, void *arg)
{
	struct storm_ctx *x = arg;
	struct syslogd *s = x->s;
	const char *dev = s->lookup ? s->lookup(src, s->lookup_arg) : NULL;

	ev_storm_report(&x->b, "syslog", src, dev, dropped, total, s->limit.rate, ended,
	    &s->stats.storms, &s->rl);
}

/* Once a second: idle connections closed, paused ones resumed when there is room,
 * storms reported. */
static void
tick(void *arg)
{
	struct syslogd *s = arg;
	int64_t now = mono_ms();
	int full = store_queue_full();
	struct storm_ctx x = { s, { 0 } };

	pthread_mutex_lock(&s->lock);
	srclimit_storms(&s->limit, now, STORM_REPORT_MS, (int64_t)s->storm_clear_s * 1000,
	    storm_report, &x);
	pthread_mutex_unlock(&s->lock);
	if (x.b.n && store_events(&x.b, 1) < 0)
		log_limited(&s->rl, LOG_LVL_WARN, "syslog: the store is behind: a storm report"
		    " dropped");
	event_batch_free(&x.b);

	for (struct conn *c = s->conns, *next; c; c = next) {
		next = c->next;
		if (now - c->last_ms > (int64_t)s->idle_s * 1000) {
			s->stats.idle_closed++;
			conn_close(c);
			continue;
		}
		if (c->paused && !full) {
			c->paused = 0;
			c->last_ms = now;
			if (evloop_add_fd(s->loop, c->fd, EPOLLIN, conn_readable, c) < 0)
				conn_close(c);
		}
	}
	s->tick = evloop_timer_at(s->loop, now + TICK_MS, tick, s);
}

static void
set_conf(struct syslogd *s, const struct nocd_conf *conf)
{
	char err[512];
	struct rule_list l;

	s->max_message = (size_t)conf->syslog_max_message;
	udp_slots(s);
	s->idle_s = conf->syslog_idle_timeout;
	s->max_conns = conf->syslog_max_connections;
	srclimit_set_rate(&s->limit, conf->syslog_rate);
	s->storm_clear_s = conf->syslog_storm_clear;
	if (conf->syslog_rules[0] == '\0')
		return;
	if (load_rules(conf->syslog_rules, &l, err, sizeof(err)) < 0) {
		log_warnx("syslog rules: %s (the running rules are kept)", err);
		return;
	}
	pthread_mutex_lock(&s->lock);
	rules_free(&s->rules);
	s->rules = l;
	pthread_mutex_unlock(&s->lock);
}

/* --- RELP --- */

/*
 * One message from a RELP client. librelp answers "200 OK" when this
 * returns RELP_RET_OK, so it returns only once the message is committed
 * (synchronous=FULL): an acknowledged message survives a crash. A message
 * the client sends again after a broken session carries the same bytes
 * from the same address: the dedup key stores it once.
 */
static relpRetVal
relp_rcv(void *usr, unsigned char *hostname, unsigned char *ip, unsigned char *msg, size_t len)
{
	struct syslogd *s = usr;
	struct event_batch b = { 0 };
	char src[64], *copy;
	uint64_t h;
	int rc;

	(void)hostname;
	nocd_strlcpy(src, ip ? (const char *)ip : "", sizeof(src));
	if (len > s->max_message) {
		pthread_mutex_lock(&s->lock);
		s->stats.too_long++;
		pthread_mutex_unlock(&s->lock);
		len = s->max_message;	/* kept truncated, as for UDP */
	}
	/* the seed the stored keys were made with (not FNV_SEED): resends still match */
	h = fnv1a(1469598103934665603ULL, src, strlen(src));
	h = fnv1a(h, msg, len);
	copy = xcalloc(1, len + 1);
	memcpy(copy, msg, len);
	pthread_mutex_lock(&s->lock);
	take_locked(s, copy, len, src, &b, 0);
	pthread_mutex_unlock(&s->lock);
	free(copy);
	if (b.n == 0)
		return RELP_RET_OK;	/* rate-limited: counted, acknowledged */
	snprintf(b.v[0].dedup, sizeof(b.v[0].dedup), "r%016llx", (unsigned long long)h);
	rc = store_events_wait(&b, 30);
	event_batch_free(&b);
	pthread_mutex_lock(&s->lock);
	if (rc == 0)
		s->relp_acked++;
	else
		s->relp_failed++;
	pthread_mutex_unlock(&s->lock);
	return rc == 0 ? RELP_RET_OK : RELP_RET_IO_ERR;
}

static void
relp_err(void *usr, char *obj, char *msg, relpRetVal code)
{
	struct syslogd *s = usr;

	log_limited(&s->rl, LOG_LVL_WARN, "relp: %s: %s (%d)", obj ? obj : "", msg ? msg : "",
	    (int)code);
}

static void relp_dbg(char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
relp_dbg(char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

/* librelp waits in epoll_wait without a timeout: a signal wakes it to stop. */
#define RELP_WAKE_SIGNAL SIGUSR2

static void
relp_wake(int signo)
{
	(void)signo;
}

static void *
relp_main(void *arg)
{
	struct syslogd *s = arg;
	struct sigaction sa;
	sigset_t set;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = relp_wake;	/* no SA_RESTART: epoll_wait returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(RELP_WAKE_SIGNAL, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, RELP_WAKE_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	relpEngineRun(s->relp);
	return NULL;
}

static void
relp_stop(struct syslogd *s)
{
	relpEngineSetStop(s->relp);
	for (int i = 0; i < 100; i++) {
		pthread_kill(s->relp_thread, RELP_WAKE_SIGNAL);
		if (pthread_tryjoin_np(s->relp_thread, NULL) == 0) {
			relpEngineDestruct(&s->relp);
			s->relp_running = 0;
			return;
		}
		usleep(50000);
	}
	log_warnx("relp: the receiver thread did not stop");
	s->relp_running = 0;
}

static int
relp_start(struct syslogd *s, const struct nocd_conf *conf)
{
	if (conf->listen_relp.n == 0)
		return 0;
	if (relpEngineConstruct(&s->relp) != RELP_RET_OK)
		return -1;
	if (getenv("NOCD_RELP_DEBUG"))
		relpEngineSetDbgprint(s->relp, relp_dbg);
	else
		relpEngineSetDbgprint(s->relp, NULL);
	relpEngineSetEnableCmd(s->relp, (unsigned char *)"syslog", eRelpCmdState_Required);
	relpEngineSetSyslogRcv2(s->relp, relp_rcv);
	relpEngineSetOnErr(s->relp, relp_err);
	relpEngineSetDnsLookupMode(s->relp, 0);
	for (size_t i = 0; i < conf->listen_relp.n; i++) {
		char host[256], port[8];
		uint16_t p;
		relpSrv_t *srv;

		if (conf_parse_hostport(conf->listen_relp.v[i], host, sizeof(host), &p) < 0 ||
		    relpEngineListnerConstruct(s->relp, &srv) != RELP_RET_OK)
			continue;
		snprintf(port, sizeof(port), "%u", p);
		relpSrvSetLstnPort(srv, (unsigned char *)port);
		relpSrvSetLstnAddr(srv, (unsigned char *)host);
		relpSrvSetUsrPtr(srv, s);
		relpSrvSetMaxDataSize(srv, s->max_message + 1024);
		if (relpEngineListnerConstructFinalize(s->relp, srv) != RELP_RET_OK) {
			log_warnx("listen.relp %s: cannot listen", conf->listen_relp.v[i]);
			continue;
		}
		log_info("receiving RELP on %s", conf->listen_relp.v[i]);
	}
	if (pthread_create(&s->relp_thread, NULL, relp_main, s) != 0) {
		relpEngineDestruct(&s->relp);
		return -1;
	}
	s->relp_running = 1;
	return 0;
}

int
syslogd_start(struct syslogd *s, struct evloop *loop, const struct nocd_conf *conf,
    trapd_lookup_fn lookup, void *lookup_arg)
{
	struct log_ratelimit rl = LOG_RATELIMIT_INIT(10, 20);

	s->loop = loop;
	s->lookup = lookup;
	s->lookup_arg = lookup_arg;
	s->rl = rl;
	srclimit_init(&s->limit, conf->syslog_rate);
	set_conf(s, conf);
	for (int i = 0; i < s->n; i++) {
		struct sock *k = &s->socks[i];

		if (evloop_add_fd(loop, k->fd, EPOLLIN, k->tcp ? accept_ready : udp_readable, k) < 0)
			log_warnx("listen.syslog %s: cannot watch the socket", k->spec);
		else
			log_info("receiving syslog on %s", k->spec);
	}
	s->tick = evloop_timer_at(loop, mono_ms() + TICK_MS, tick, s);
	if (relp_start(s, conf) < 0)
		log_warnx("relp: cannot start");
	return 0;
}

void
syslogd_reconfigure(struct syslogd *s, const struct nocd_conf *conf)
{
	if (s)
		set_conf(s, conf);
}

void
syslogd_free(struct syslogd *s)
{
	if (s == NULL)
		return;
	if (s->relp_running)
		relp_stop(s);
	while (s->conns)
		conn_close(s->conns);
	for (int i = 0; i < s->n; i++) {
		if (s->loop)
			evloop_del_fd(s->loop, s->socks[i].fd);
		close(s->socks[i].fd);
	}
	if (s->tick)
		evloop_timer_cancel(s->loop, s->tick);
	srclimit_free(&s->limit);
	rules_free(&s->rules);
	free(s->udp_buf);
	free(s);
}

void
syslogd_get_stats(struct syslogd *s, struct syslogd_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	*st = s->stats;
	st->relp_acked = s->relp_acked;
	st->relp_failed = s->relp_failed;
	pthread_mutex_unlock(&s->lock);
}
