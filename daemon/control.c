#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "alerts.h"
#include "conf.h"
#include "control.h"
#include "evloop.h"
#include "log.h"
#include "poller.h"
#include "rules.h"
#include "store.h"
#include "syslogd.h"
#include "trapd.h"
#include "util.h"

#define REQUEST_MAX 65536
#define MAX_CLIENTS 64

struct client {
	int fd;
	char buf[REQUEST_MAX];
	size_t len;
};

static struct {
	struct evloop *loop;
	struct poller *poller;
	const struct nocd_conf *conf;
	int fd;
	char path[PATH_MAX];
	int n_clients;
	struct trapd *trapd;
	struct syslogd *syslogd;
} ctl = { .fd = -1 };

void
control_set_syslogd(struct syslogd *s)
{
	ctl.syslogd = s;
}

void
control_set_trapd(struct trapd *t)
{
	ctl.trapd = t;
}

static json_t *reply_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static json_t *
reply_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{s:b, s:s}", "ok", 0, "error", msg);
}

static int
get_str(json_t *o, const char *key, char *dst, size_t len)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) || copy_string(dst, len, json_string_value(v)) < 0)
		return -1;
	return 0;
}

/* A device from a request; the same checks as a device in the config file. */
static int
device_from_json(json_t *o, struct device_conf *d, char *err, size_t errlen)
{
	char version[8] = "2c", level[16] = "";
	json_t *port = json_object_get(o, "port");

	conf_device_defaults(d);
	if (get_str(o, "name", d->name, sizeof(d->name)) < 0 ||
	    get_str(o, "address", d->address, sizeof(d->address)) < 0 ||
	    get_str(o, "version", version, sizeof(version)) < 0 ||
	    get_str(o, "community", d->community, sizeof(d->community)) < 0 ||
	    get_str(o, "location", d->location, sizeof(d->location)) < 0 ||
	    get_str(o, "parent", d->parent, sizeof(d->parent)) < 0 ||
	    get_str(o, "class", d->class_name, sizeof(d->class_name)) < 0 ||
	    get_str(o, "user", d->usm.name, sizeof(d->usm.name)) < 0 ||
	    get_str(o, "level", level, sizeof(level)) < 0 ||
	    get_str(o, "auth", d->usm.auth_proto, sizeof(d->usm.auth_proto)) < 0 ||
	    get_str(o, "auth_key", d->usm.auth_key, sizeof(d->usm.auth_key)) < 0 ||
	    get_str(o, "priv", d->usm.priv_proto, sizeof(d->usm.priv_proto)) < 0 ||
	    get_str(o, "priv_key", d->usm.priv_key, sizeof(d->usm.priv_key)) < 0) {
		snprintf(err, errlen, "a device field is not a string or is too long");
		return -1;
	}
	if (json_is_integer(port)) {
		if (json_integer_value(port) < 1 || json_integer_value(port) > 65535) {
			snprintf(err, errlen, "port must be between 1 and 65535");
			return -1;
		}
		d->port = (uint16_t)json_integer_value(port);
	}
	if (conf_parse_version(version, &d->version) < 0) {
		snprintf(err, errlen, "version must be 1, 2c or 3");
		return -1;
	}
	if (d->version == SNMP_V3) {
		if (level[0] == '\0')
			nocd_strlcpy(level, d->usm.priv_key[0] ? "authPriv" :
			    d->usm.auth_key[0] ? "authNoPriv" : "noAuthNoPriv", sizeof(level));
		if (conf_parse_level(level, &d->usm.level) < 0) {
			snprintf(err, errlen, "level must be noAuthNoPriv, authNoPriv or authPriv");
			return -1;
		}
		if (d->usm.level != USM_NOAUTH && d->usm.auth_proto[0] == '\0')
			nocd_strlcpy(d->usm.auth_proto, "SHA-256", sizeof(d->usm.auth_proto));
		if (d->usm.level == USM_AUTHPRIV && d->usm.priv_proto[0] == '\0')
			nocd_strlcpy(d->usm.priv_proto, "AES", sizeof(d->usm.priv_proto));
	}
	d->line = 0;
	return conf_device_check(d, err, errlen);
}

static json_t *
cmd_device_add(json_t *req)
{
	struct device_conf d;
	char err[256];
	json_t *dev = json_object_get(req, "device");

	memset(&d, 0, sizeof(d));
	if (!json_is_object(dev))
		return reply_error("%s", "device-add needs a device object");
	if (device_from_json(dev, &d, err, sizeof(err)) < 0) {
		explicit_bzero(&d, sizeof(d));
		return reply_error("%s", err);
	}
	if (poller_has_device(ctl.poller, d.name)) {
		explicit_bzero(&d, sizeof(d));
		return reply_error("device %s exists already", d.name);
	}
	if (poller_add_device(ctl.poller, &d) < 0 || store_device_upsert(&d, "api") < 0) {
		explicit_bzero(&d, sizeof(d));
		return reply_error("%s", "cannot add the device (see nocd's log)");
	}
	log_info("%s: added at run time (%s:%u)", d.name, d.address, d.port);
	explicit_bzero(&d, sizeof(d));
	return json_pack("{s:b}", "ok", 1);
}

static json_t *
cmd_device_remove(json_t *req)
{
	const char *name = json_string_value(json_object_get(req, "name"));
	const struct device_conf *d;

	if (name == NULL)
		return reply_error("%s", "device-remove needs a name");
	d = poller_device_conf(ctl.poller, name);
	if (d == NULL)
		return reply_error("no device %s", name);
	if (d->line > 0) {
		char msg[PATH_MAX + 128];

		snprintf(msg, sizeof(msg), "%s:%d: %s is defined in the config file: remove it there",
		    ctl.conf->path, d->line, name);
		return json_pack("{s:b, s:s}", "ok", 0, "error", msg);
	}
	poller_remove_device(ctl.poller, name);
	store_device_remove(name);
	log_info("%s: removed at run time", name);
	return json_pack("{s:b}", "ok", 1);
}

static json_t *
cmd_poll_now(json_t *req)
{
	const char *name = json_string_value(json_object_get(req, "name"));

	if (name == NULL || poller_poll_now(ctl.poller, name) < 0)
		return reply_error("no device %s", name ? name : "");
	return json_pack("{s:b}", "ok", 1);
}

static json_t *
cmd_stats(void)
{
	struct poller_stats ps;
	struct store_stats ss;
	struct rule_stats rs;
	struct trapd_stats ts;
	struct syslogd_stats ys;
	json_t *o;

	trapd_get_stats(ctl.trapd, &ts);
	syslogd_get_stats(ctl.syslogd, &ys);
	poller_get_stats(ctl.poller, &ps);
	store_get_stats(&ss);
	rules_get_stats(poller_rules(ctl.poller), &rs);
	o = json_pack("{s:b, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I},"
	    " s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I},"
	    " s:{s:I, s:I, s:I, s:I}}", "ok", 1,
	    "poller", "devices", (json_int_t)poller_device_count(ctl.poller),
	    "polls_started", (json_int_t)ps.polls_started, "polls_ok", (json_int_t)ps.polls_ok,
	    "polls_failed", (json_int_t)ps.polls_failed, "pdus_sent", (json_int_t)ps.pdus_sent,
	    "pdus_received", (json_int_t)ps.pdus_received, "varbinds", (json_int_t)ps.varbinds,
	    "timeouts", (json_int_t)ps.timeouts, "bad_responses", (json_int_t)ps.bad_responses,
	    "bad_values", (json_int_t)ps.bad_values,
	    "send_errors", (json_int_t)ps.send_errors, "in_flight", (json_int_t)ps.in_flight,
	    "store", "submitted", (json_int_t)ss.submitted, "dropped", (json_int_t)ss.dropped,
	    "written", (json_int_t)ss.written, "rrd_errors", (json_int_t)ss.rrd_errors,
	    "db_errors", (json_int_t)ss.db_errors, "queued", (json_int_t)ss.queued,
	    "ticket_ops", (json_int_t)ss.ticket_ops, "actions", (json_int_t)ss.actions,
	    "events_written", (json_int_t)ss.events_written,
	    "events_dropped", (json_int_t)ss.events_dropped,
	    "rules", "rules", (json_int_t)rules_engine_count(poller_rules(ctl.poller)),
	    "evaluations", (json_int_t)rs.evaluations, "raised", (json_int_t)rs.raised,
	    "cleared", (json_int_t)rs.cleared);
	if (o != NULL)
		json_object_set_new(o, "traps", json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
		    " s:I, s:I, s:I, s:I, s:I, s:I}", "dropped_queue", (json_int_t)ts.dropped_queue,
		    "received", (json_int_t)ts.received,
		    "accepted", (json_int_t)ts.accepted, "informs_acked", (json_int_t)ts.informs_acked,
		    "refused_community", (json_int_t)ts.refused_community,
		    "refused_auth", (json_int_t)ts.refused_auth,
		    "refused_unknown_user", (json_int_t)ts.refused_unknown_user,
		    "refused_decrypt", (json_int_t)ts.refused_decrypt,
		    "refused_engine", (json_int_t)ts.refused_engine,
		    "malformed", (json_int_t)ts.malformed, "rate_limited", (json_int_t)ts.rate_limited,
		    "unknown_device", (json_int_t)ts.unknown_device, "storms", (json_int_t)ts.storms));
	if (o != NULL)
		json_object_set_new(o, "syslog", json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
		    " s:I, s:I, s:I, s:I}", "relp_acked", (json_int_t)ys.relp_acked,
		    "relp_failed", (json_int_t)ys.relp_failed, "received", (json_int_t)ys.received, "stored", (json_int_t)ys.stored,
		    "malformed", (json_int_t)ys.malformed, "too_long", (json_int_t)ys.too_long,
		    "rate_limited", (json_int_t)ys.rate_limited,
		    "dropped_queue", (json_int_t)ys.dropped_queue,
		    "connections", (json_int_t)ys.connections,
		    "connections_refused", (json_int_t)ys.connections_refused,
		    "idle_closed", (json_int_t)ys.idle_closed, "storms", (json_int_t)ys.storms));
	if (o != NULL) {
		struct alerts_stats as;

		alerts_get_stats(&as);
		json_object_set_new(o, "alerts", json_pack("{s:I, s:I, s:I, s:I, s:I}",
		    "notices", (json_int_t)as.notices, "sent", (json_int_t)as.sent,
		    "failed", (json_int_t)as.failed, "retried", (json_int_t)as.retried,
		    "filtered", (json_int_t)as.filtered));
	}
	return o;
}

/* Marks a request whose reply the store thread writes. */
static json_t deferred_reply;
#define DEFERRED (&deferred_reply)

/*
 * Ticket, maintenance and asset actions are database writes: the store
 * thread applies them in order with everything else, commits, and answers
 * on a duplicate of the client's socket.
 */
static json_t *
defer_to_store(json_t *req, int fd)
{
	int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);

	if (copy < 0)
		return reply_error("cannot pass the request on: %s", strerror(errno));
	json_incref(req);
	if (store_action(req, copy) < 0)
		return reply_error("%s", "the writer is not running");
	return DEFERRED;
}

static json_t *
dispatch(const char *line, int fd)
{
	json_error_t jerr;
	json_t *req = json_loads(line, JSON_REJECT_DUPLICATES, &jerr), *reply;
	const char *cmd;

	if (!json_is_object(req)) {
		json_decref(req);
		return reply_error("%s", "request is not a JSON object");
	}
	cmd = json_string_value(json_object_get(req, "cmd"));
	if (cmd == NULL)
		reply = reply_error("%s", "request has no cmd");
	else if (strcmp(cmd, "ping") == 0)
		reply = json_pack("{s:b, s:s}", "ok", 1, "version", PACKAGE_VERSION);
	else if (strcmp(cmd, "device-add") == 0)
		reply = cmd_device_add(req);
	else if (strcmp(cmd, "device-remove") == 0)
		reply = cmd_device_remove(req);
	else if (strcmp(cmd, "poll-now") == 0)
		reply = cmd_poll_now(req);
	else if (strcmp(cmd, "stats") == 0)
		reply = cmd_stats();
	else if (strcmp(cmd, "ticket") == 0 || strcmp(cmd, "maintenance-add") == 0 ||
	    strcmp(cmd, "maintenance-remove") == 0 || strcmp(cmd, "asset-set") == 0 ||
	    strcmp(cmd, "flush") == 0 || strcmp(cmd, "user-set") == 0 ||
	    strcmp(cmd, "user-remove") == 0)
		reply = defer_to_store(req, fd);
	else
		reply = reply_error("unknown command %s", cmd);
	json_decref(req);
	return reply;
}

static void
client_close(struct client *c)
{
	evloop_del_fd(ctl.loop, c->fd);
	close(c->fd);
	explicit_bzero(c->buf, c->len);
	free(c);
	ctl.n_clients--;
}

static void
client_readable(int fd, uint32_t events, void *arg)
{
	struct client *c = arg;
	ssize_t n = read(fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
	char *nl;
	json_t *reply;
	char *out;

	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		client_close(c);
		return;
	}
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	nl = memchr(c->buf, '\n', c->len);
	if (nl == NULL) {
		if (c->len == sizeof(c->buf) - 1)
			client_close(c);	/* too long: not one of ours */
		return;
	}
	*nl = '\0';
	reply = dispatch(c->buf, fd);
	if (reply == DEFERRED) {
		client_close(c);
		return;
	}
	out = json_dumps(reply, JSON_COMPACT);
	json_decref(reply);
	if (out != NULL) {
		/* replies are small; a client that cannot take them is dropped */
		size_t len = strlen(out);

		if (write(fd, out, len) != (ssize_t)len || write(fd, "\n", 1) != 1)
			log_debug("control: short write to client");
		free(out);
	}
	client_close(c);
}

static void
listener_readable(int fd, uint32_t events, void *arg)
{
	int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct client *c;

	if (cfd < 0)
		return;
	if (ctl.n_clients >= MAX_CLIENTS) {
		close(cfd);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->fd = cfd;
	ctl.n_clients++;
	if (evloop_add_fd(ctl.loop, cfd, EPOLLIN, client_readable, c) < 0) {
		close(cfd);
		free(c);
		ctl.n_clients--;
	}
}

int
control_init(struct evloop *loop, const char *state_dir, struct poller *poller,
    const struct nocd_conf *conf)
{
	struct sockaddr_un sun;
	mode_t old;

	ctl.loop = loop;
	ctl.poller = poller;
	ctl.conf = conf;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if ((size_t)snprintf(ctl.path, sizeof(ctl.path), "%s/%s", state_dir, CONTROL_SOCKET) >=
	    sizeof(sun.sun_path)) {
		log_warnx("control socket path too long: %s/%s", state_dir, CONTROL_SOCKET);
		return -1;
	}
	nocd_strlcpy(sun.sun_path, ctl.path, sizeof(sun.sun_path));
	ctl.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctl.fd < 0) {
		log_warn("control socket");
		return -1;
	}
	unlink(ctl.path);
	/* owner and group only */
	old = umask(0117);
	if (bind(ctl.fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		umask(old);
		log_warn("bind %s", ctl.path);
		goto bad;
	}
	umask(old);
	if (listen(ctl.fd, 16) < 0 ||
	    evloop_add_fd(loop, ctl.fd, EPOLLIN, listener_readable, NULL) < 0) {
		log_warn("listen %s", ctl.path);
		goto bad;
	}
	return 0;
bad:
	close(ctl.fd);
	ctl.fd = -1;
	return -1;
}

void
control_set_conf(const struct nocd_conf *conf)
{
	ctl.conf = conf;
}

void
control_shutdown(void)
{
	if (ctl.fd < 0)
		return;
	evloop_del_fd(ctl.loop, ctl.fd);
	close(ctl.fd);
	unlink(ctl.path);
	ctl.fd = -1;
}
