/*
 * The console's pages, rendered on the server. Every string from the
 * database goes out through E() (html_escape): device and syslog strings are
 * hostile input. Numbers are formatted here; nothing else is printed raw.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctlclient.h"
#include "db.h"
#include "events.h"
#include "graph.h"
#include "log.h"
#include "report.h"
#include "rrdstore.h"
#include "tickets.h"
#include "util.h"
#include "web.h"

#define OPEN_STATES "('open', 'acknowledged', 'assigned')"
#define SEVERITY_RANK "CASE severity WHEN 'critical' THEN 0 WHEN 'major' THEN 1" \
	" WHEN 'minor' THEN 2 WHEN 'warning' THEN 3 ELSE 4 END"

static const char *const severities[] = { "critical", "major", "minor", "warning", "info", NULL };
static const char *const categories[] = { "hardware", "environment", "power", "availability",
	"performance", "capacity", "security", "inspection", NULL };
static const char *const classes[] = { "switch", "router", "server", "storage", "ups",
	"envstation", "iot", NULL };

/* --- small helpers --- */

static sqlite3_stmt *
prep(const char *sql)
{
	sqlite3 *db = web_db();
	sqlite3_stmt *st = NULL;

	if (db == NULL)
		return NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		log_warnx("console query: %s", sqlite3_errmsg(db));
		return NULL;
	}
	return st;
}

static const char *
col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s ? s : "";
}

static void
fmt_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (t <= 0 || gmtime_r(&t, &tm) == NULL)
		nocd_strlcpy(buf, "-", len);
	else
		strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

static void
td_time(struct web_req *r, time_t t)
{
	char buf[32];

	fmt_time(t, buf, sizeof(buf));
	P(r, "<td class=\"time\">%s</td>", buf);
}

/* ISO 8601 from the JSON queries, shown without the T and Z */
static void
td_iso(struct web_req *r, const char *iso)
{
	char buf[32];

	nocd_strlcpy(buf, iso ? iso : "-", sizeof(buf));
	if (strlen(buf) == 20 && buf[10] == 'T') {
		buf[10] = ' ';
		buf[19] = '\0';
	}
	PS(r, "<td class=\"time\">");
	E(r, buf);
	PS(r, "</td>");
}

static void
td(struct web_req *r, const char *s)
{
	PS(r, "<td>");
	E(r, s);
	PS(r, "</td>");
}

static void
th(struct web_req *r, const char *english)
{
	PS(r, "<th>");
	E(r, T(r, english));
	PS(r, "</th>");
}

static void
h2(struct web_req *r, const char *english)
{
	PS(r, "<h2>");
	E(r, T(r, english));
	PS(r, "</h2>");
}

/* <a href="PATH?KEY=VALUE">TEXT</a>, everything escaped for its context */
static void
link_to(struct web_req *r, const char *path, const char *key, const char *value,
    const char *text)
{
	struct wbuf u = { 0 };

	wbuf_puts(&u, path);
	if (key) {
		wbuf_printf(&u, "?%s=", key);
		url_escape(&u, value);
	}
	PS(r, "<a href=\"");
	E(r, u.p);
	PS(r, "\">");
	E(r, text);
	PS(r, "</a>");
	wbuf_free(&u);
}

static void
td_device(struct web_req *r, const char *name)
{
	PS(r, "<td>");
	if (name && name[0])
		link_to(r, "/device", "name", name, name);
	PS(r, "</td>");
}

static void
td_ticket(struct web_req *r, long long id)
{
	char s[32];

	snprintf(s, sizeof(s), "%lld", id);
	PS(r, "<td>");
	link_to(r, "/ticket", "id", s, s);
	PS(r, "</td>");
}

static int
in_list(const char *s, const char *const *list)
{
	for (; s && *list; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

/* a <select> of known values (translated) with "any" first */
static void
select_field(struct web_req *r, const char *name, const char *const *values, const char *cur,
    const char *any)
{
	P(r, "<select name=\"%s\"><option value=\"\">", name);
	E(r, T(r, any));
	PS(r, "</option>");
	for (; *values; values++) {
		P(r, "<option value=\"%s\"%s>", *values, cur && strcmp(cur, *values) == 0 ?
		    " selected" : "");
		E(r, T(r, *values));
		PS(r, "</option>");
	}
	PS(r, "</select>");
}

static void
text_field(struct web_req *r, const char *name, const char *cur, const char *placeholder)
{
	P(r, "<input name=\"%s\" value=\"", name);
	E(r, cur ? cur : "");
	PS(r, "\" placeholder=\"");
	E(r, T(r, placeholder));
	PS(r, "\">");
}

static void
filter_button(struct web_req *r)
{
	PS(r, "<button type=\"submit\">");
	E(r, T(r, "Filter"));
	PS(r, "</button></form>");
}

static const char *
qs(struct web_req *r, const char *name)
{
	const char *v = web_query(r, name);

	return v ? v : "";
}

static void
human(double v, const char *unit, char *buf, size_t len)
{
	static const char *const pre[] = { "", "k", "M", "G", "T", "P" };
	int k = 0;

	if (isnan(v)) {
		nocd_strlcpy(buf, "-", len);
		return;
	}
	if (unit && (strcmp(unit, "bytes") == 0 || strcmp(unit, "bits/s") == 0)) {
		double base = strcmp(unit, "bytes") == 0 ? 1024 : 1000;

		while (fabs(v) >= base && k < 5) {
			v /= base;
			k++;
		}
		snprintf(buf, len, "%.3g %s%s", v, pre[k], strcmp(unit, "bytes") == 0 ? "B" :
		    "bit/s");
		return;
	}
	snprintf(buf, len, "%.4g%s%s", v, unit && unit[0] && strcmp(unit, "state") &&
	    strcmp(unit, "units") ? " " : "", unit && strcmp(unit, "state") &&
	    strcmp(unit, "units") ? unit : "");
}

/* --- the frame of every page --- */

static int
open_criticals(void)
{
	sqlite3_stmt *st = prep("SELECT count(*) FROM tickets WHERE severity = 'critical'"
	    " AND state = 'open'");
	int n = 0;

	if (st && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void
nav_link(struct web_req *r, const char *path, const char *english)
{
	P(r, "<a href=\"%s\"%s>", path, strcmp(r->url, path) == 0 ? " class=\"on\"" : "");
	E(r, T(r, english));
	PS(r, "</a>");
}

void
page_begin(struct web_req *r, const char *title, int refresh)
{
	int crit = r->role >= ROLE_VIEWER ? open_criticals() : 0;

	r->ctype = "text/html; charset=utf-8";
	P(r, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width\">", i18n_html_lang(r->lang));
	if (refresh > 0)
		P(r, "<meta http-equiv=\"refresh\" content=\"%d\">", refresh);
	PS(r, "<title>");
	if (crit)
		P(r, "(%d) ", crit);
	E(r, title);
	PS(r, " - nocd</title><link rel=\"stylesheet\" href=\"/s/app.css\">"
	    "<script src=\"/s/app.js\" defer></script></head><body><header><strong>nocd</strong>");
	if (r->role >= ROLE_VIEWER) {
		nav_link(r, "/", "Dashboard");
		nav_link(r, "/devices", "Devices");
		nav_link(r, "/tickets", "Tickets");
		nav_link(r, "/inventory", "Inventory");
		nav_link(r, "/events", "Events and logs");
		nav_link(r, "/reports", "Reports");
		if (r->role >= ROLE_ADMIN)
			nav_link(r, "/users", "Users");
	}
	PS(r, "<span class=\"who\"><a href=\"?lang=en\" lang=\"en\">English</a> | "
	    "<a href=\"?lang=zh_CN\" lang=\"zh-CN\">\xe4\xb8\xad\xe6\x96\x87</a> ");
	if (r->sess) {
		PS(r, "| ");
		E(r, r->sess->user);
		PS(r, " (");
		E(r, T(r, webusers_role_name(r->sess->role)));
		PS(r, ") <form method=\"post\" action=\"/logout\">");
		webauth_csrf_field(r);
		PS(r, "<button type=\"submit\" id=\"logout\">");
		E(r, T(r, "Log out"));
		PS(r, "</button></form>");
	} else if (strcmp(r->url, "/login") != 0) {
		PS(r, "| <a href=\"/login\">");
		E(r, T(r, "Log in"));
		PS(r, "</a>");
	}
	PS(r, "</span></header>");
	if (crit) {
		P(r, "<div class=\"banner\" id=\"critical-banner\" data-count=\"%d\">"
		    "<a href=\"/tickets?severity=critical&amp;state=open\">", crit);
		P(r, "%d ", crit);
		E(r, T(r, "new critical ticket(s), not yet acknowledged"));
		PS(r, "</a></div>");
	}
	PS(r, "<main>");
}

void
page_end(struct web_req *r)
{
	char now[32];

	fmt_time(time(NULL), now, sizeof(now));
	P(r, "</main><footer>nocd %s &middot; %s UTC</footer></body></html>\n", PACKAGE_VERSION,
	    now);
}

void
page_error(struct web_req *r, unsigned status, const char *msg)
{
	wbuf_free(&r->out);
	r->out.oom = 0;
	r->status = status;
	r->location[0] = '\0';
	page_begin(r, T(r, "Error"), 0);
	PS(r, "<p class=\"err\" id=\"error\">");
	E(r, T(r, msg));
	PS(r, "</p>");
	page_end(r);
}

/* --- dashboard --- */

static void
dash_devices(struct web_req *r)
{
	sqlite3_stmt *st = prep("SELECT CASE class WHEN '' THEN '?' ELSE class END,"
	    " sum(status = 'up'), sum(status = 'down'), sum(status NOT IN ('up', 'down'))"
	    " FROM devices GROUP BY 1 ORDER BY 1");

	PS(r, "<section id=\"dash-devices\">");
	h2(r, "Devices by class");
	PS(r, "<table><tr>");
	th(r, "Class");
	th(r, "up");
	th(r, "down");
	th(r, "unknown");
	PS(r, "</tr>");
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		PS(r, "<tr><td>");
		link_to(r, "/devices", "class", col(st, 0), T(r, col(st, 0)));
		P(r, "</td><td class=\"up\">%d</td><td class=\"%s\">%d</td><td>%d</td></tr>",
		    sqlite3_column_int(st, 1), sqlite3_column_int(st, 2) ? "down" : "",
		    sqlite3_column_int(st, 2), sqlite3_column_int(st, 3));
	}
	sqlite3_finalize(st);
	PS(r, "</table>");
	/* which ones are down, and why */
	st = prep("SELECT name, status_reason, status_since FROM devices WHERE status = 'down'"
	    " ORDER BY status_since DESC, name LIMIT 20");
	if (st && sqlite3_step(st) == SQLITE_ROW) {
		PS(r, "<table id=\"dash-down\"><tr>");
		th(r, "Down");
		th(r, "Reason");
		th(r, "Since");
		PS(r, "</tr>");
		do {
			PS(r, "<tr class=\"critical\">");
			td_device(r, col(st, 0));
			td(r, col(st, 1));
			td_time(r, (time_t)sqlite3_column_int64(st, 2));
			PS(r, "</tr>");
		} while (sqlite3_step(st) == SQLITE_ROW);
		PS(r, "</table>");
	}
	sqlite3_finalize(st);
	PS(r, "</section>");
}

static void
dash_counts(struct web_req *r, const char *column, const char *const *values,
    const char *title, const char *id)
{
	char sql[256];
	sqlite3_stmt *st;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM tickets WHERE state IN " OPEN_STATES
	    " AND %s = ?1", column);
	P(r, "<section id=\"%s\">", id);
	h2(r, title);
	PS(r, "<table>");
	for (; *values; values++) {
		int n = 0;

		if ((st = prep(sql)) != NULL) {
			sqlite3_bind_text(st, 1, *values, -1, SQLITE_STATIC);
			if (sqlite3_step(st) == SQLITE_ROW)
				n = sqlite3_column_int(st, 0);
		}
		sqlite3_finalize(st);
		P(r, "<tr class=\"%s\"><td>", n && strcmp(column, "severity") == 0 ? *values : "");
		{
			char path[64];

			snprintf(path, sizeof(path), "/tickets?%s=%s&state=open", column, *values);
			link_to(r, path, NULL, NULL, T(r, *values));
		}
		P(r, "</td><td>%d</td></tr>", n);
	}
	PS(r, "</table></section>");
}

static void
tickets_table(struct web_req *r, sqlite3_stmt *st, int with_device)
{
	PS(r, "<table class=\"tickets\"><tr>");
	th(r, "#");
	th(r, "Severity");
	if (with_device)
		th(r, "Device");
	th(r, "Category");
	th(r, "State");
	th(r, "Title");
	th(r, "Last seen");
	th(r, "Count");
	th(r, "Assignee");
	PS(r, "</tr>");
	/* id, severity, device, category, state, title, last_seen, count, assignee */
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		const char *sev = col(st, 1);

		P(r, "<tr class=\"%s\">", in_list(sev, severities) ? sev : "");
		td_ticket(r, sqlite3_column_int64(st, 0));
		td(r, T(r, sev));
		if (with_device)
			td_device(r, col(st, 2));
		td(r, T(r, col(st, 3)));
		td(r, T(r, col(st, 4)));
		td(r, col(st, 5));
		td_time(r, (time_t)sqlite3_column_int64(st, 6));
		P(r, "<td>%d</td>", sqlite3_column_int(st, 7));
		td(r, col(st, 8));
		PS(r, "</tr>");
	}
	sqlite3_finalize(st);
	PS(r, "</table>");
}

#define TICKET_ROW "id, severity, device, category, state, title, last_seen, count, assignee"

static void
events_table(struct web_req *r, sqlite3_stmt *st)
{
	PS(r, "<table class=\"events\"><tr>");
	th(r, "Time");
	th(r, "Source");
	th(r, "Device");
	th(r, "Host");
	th(r, "Severity");
	th(r, "Type");
	th(r, "Message");
	PS(r, "</tr>");
	/* time, source, device, host, severity, type, message */
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		const char *sev = col(st, 4);

		P(r, "<tr class=\"%s\">", in_list(sev, severities) ? sev : "");
		td_time(r, (time_t)sqlite3_column_int64(st, 0));
		td(r, col(st, 1));
		td_device(r, col(st, 2));
		td(r, col(st, 3));
		td(r, T(r, sev));
		td(r, col(st, 5));
		td(r, col(st, 6));
		PS(r, "</tr>");
	}
	sqlite3_finalize(st);
	PS(r, "</table>");
}

/* the name of a state column's value (UPS battery status and the like) */
static const char *
state_name(const char *group, const char *metric, double v)
{
	const struct probe *p = probes_find(&web.probes, group);
	int c = p ? probe_column_index(p, metric) : -1;
	const struct probe_state *s = c >= 0 ? probe_column_state(&p->cols[c], v) : NULL;

	return s ? s->meaning : NULL;
}

static void
dash_environment(struct web_req *r)
{
	/* temperatures and humidity: ENTITY-SENSOR by type, else gauges in C and %RH */
	sqlite3_stmt *st = prep("SELECT d.name, CASE m.instance WHEN '_' THEN m.grp || '.' ||"
	    " m.metric ELSE coalesce(m.label, m.instance) END, m.value,"
	    " CASE WHEN t.value = 9 OR m.unit = '%RH' THEN '%RH' ELSE 'C' END, m.grp"
	    " FROM metrics m JOIN devices d ON d.id = m.device_id"
	    " LEFT JOIN metrics t ON t.device_id = m.device_id AND t.grp = m.grp"
	    "  AND t.instance = m.instance AND t.metric = 'type'"
	    " WHERE m.value IS NOT NULL AND ((m.grp = 'sensor' AND m.metric = 'value'"
	    "  AND t.value IN (8, 9)) OR (m.grp <> 'sensor' AND m.unit IN ('C', '%RH')"
	    "  AND m.metric NOT LIKE '%threshold%'))"
	    " ORDER BY 4, d.name, 2 LIMIT 60");

	PS(r, "<section id=\"dash-environment\">");
	h2(r, "Room environment");
	PS(r, "<table><tr>");
	th(r, "Device");
	th(r, "Sensor");
	th(r, "Value");
	PS(r, "</tr>");
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		char v[64];

		PS(r, "<tr>");
		td_device(r, col(st, 0));
		td(r, col(st, 1));
		human(sqlite3_column_double(st, 2), col(st, 3), v, sizeof(v));
		td(r, v);
		PS(r, "</tr>");
	}
	sqlite3_finalize(st);
	PS(r, "</table><table><tr>");
	th(r, "UPS");
	th(r, "Battery");
	th(r, "Output source");
	th(r, "Charge");
	th(r, "Minutes remaining");
	PS(r, "</tr>");
	st = prep("SELECT d.name, d.status,"
	    " max(CASE m.metric WHEN 'battery_status' THEN m.value END),"
	    " max(CASE m.metric WHEN 'output_source' THEN m.value END),"
	    " max(CASE m.metric WHEN 'charge' THEN m.value END),"
	    " max(CASE m.metric WHEN 'minutes_remaining' THEN m.value END)"
	    " FROM devices d JOIN metrics m ON m.device_id = d.id AND m.grp = 'ups'"
	    " GROUP BY d.id ORDER BY d.name");
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		const char *battery = state_name("ups", "battery_status", sqlite3_column_double(st, 2));
		const char *source = state_name("ups", "output_source", sqlite3_column_double(st, 3));
		char v[64];

		P(r, "<tr class=\"%s\">", source && strcmp(source, "battery") == 0 ? "critical" : "");
		td_device(r, col(st, 0));
		td(r, battery ? T(r, battery) : "-");
		td(r, source ? T(r, source) : "-");
		human(sqlite3_column_type(st, 4) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 4),
		    "%", v, sizeof(v));
		td(r, v);
		human(sqlite3_column_type(st, 5) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 5),
		    "min", v, sizeof(v));
		td(r, v);
		PS(r, "</tr>");
	}
	sqlite3_finalize(st);
	PS(r, "</table></section>");
}

void
page_dashboard(struct web_req *r)
{
	sqlite3_stmt *st;

	page_begin(r, T(r, "Dashboard"), 30);
	PS(r, "<h1>");
	E(r, T(r, "Dashboard"));
	PS(r, "</h1>");
	if (web_db() == NULL) {
		PS(r, "<p class=\"err\">");
		E(r, T(r, "The database cannot be read yet."));
		PS(r, "</p>");
		page_end(r);
		return;
	}
	PS(r, "<div class=\"grid\">");
	dash_devices(r);
	dash_counts(r, "severity", severities, "Open tickets by severity", "dash-severity");
	dash_counts(r, "category", categories, "Open tickets by category", "dash-category");
	dash_environment(r);
	PS(r, "</div><section id=\"dash-alarms\">");
	h2(r, "Current alarms");
	st = prep("SELECT " TICKET_ROW " FROM tickets WHERE state IN " OPEN_STATES
	    " ORDER BY last_seen DESC, id DESC LIMIT 30");
	tickets_table(r, st, 1);
	PS(r, "</section><div class=\"grid\"><section id=\"dash-top\">");
	h2(r, "Devices with most tickets (30 days)");
	PS(r, "<table><tr>");
	th(r, "Device");
	th(r, "Tickets");
	th(r, "Open");
	PS(r, "</tr>");
	st = prep("SELECT device, count(*), sum(state IN " OPEN_STATES ") FROM tickets"
	    " WHERE first_seen >= strftime('%s', 'now') - 30 * 86400"
	    " GROUP BY device ORDER BY 2 DESC, 1 LIMIT 10");
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		PS(r, "<tr>");
		td_device(r, col(st, 0));
		P(r, "<td>%d</td><td>%d</td></tr>", sqlite3_column_int(st, 1),
		    sqlite3_column_int(st, 2));
	}
	sqlite3_finalize(st);
	PS(r, "</table></section><section id=\"dash-events\">");
	h2(r, "Recent events");
	st = prep("SELECT time, source, device, host, severity, type, message FROM events"
	    " ORDER BY time DESC, id DESC LIMIT 15");
	events_table(r, st);
	PS(r, "</section></div>");
	page_end(r);
}

/* --- devices --- */

void
page_devices(struct web_req *r)
{
	const char *q = qs(r, "q"), *cls = qs(r, "class"), *status = qs(r, "status");
	static const char *const statuses[] = { "up", "down", "unknown", NULL };
	sqlite3_stmt *st = prep("SELECT name, address, class, status, status_reason, sys_name,"
	    " vendor, model, location, last_poll, (SELECT count(*) FROM tickets t"
	    "  WHERE t.device = devices.name AND t.state IN " OPEN_STATES ") FROM devices"
	    " WHERE (?1 = '' OR instr(lower(name || ' ' || address || ' ' || coalesce(sys_name, '')"
	    "  || ' ' || location || ' ' || coalesce(model, '')), lower(?1)) > 0)"
	    " AND (?2 = '' OR class = ?2) AND (?3 = '' OR status = ?3) ORDER BY name");

	page_begin(r, T(r, "Devices"), 60);
	PS(r, "<h1>");
	E(r, T(r, "Devices"));
	PS(r, "</h1><form class=\"filters\" method=\"get\" action=\"/devices\">");
	text_field(r, "q", q, "name, address, model...");
	select_field(r, "class", classes, cls, "any class");
	select_field(r, "status", statuses, status, "any status");
	filter_button(r);
	if (st) {
		sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, cls, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, status, -1, SQLITE_STATIC);
	}
	PS(r, "<table id=\"devices\"><tr>");
	th(r, "Name");
	th(r, "Address");
	th(r, "Class");
	th(r, "Status");
	th(r, "sysName");
	th(r, "Vendor");
	th(r, "Model");
	th(r, "Location");
	th(r, "Last poll");
	th(r, "Open tickets");
	PS(r, "</tr>");
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		const char *s = col(st, 3);
		int open = sqlite3_column_int(st, 10);

		PS(r, "<tr>");
		td_device(r, col(st, 0));
		td(r, col(st, 1));
		td(r, T(r, col(st, 2)));
		P(r, "<td class=\"%s\" title=\"", in_list(s, statuses) ? s : "");
		E(r, col(st, 4));
		PS(r, "\">");
		E(r, T(r, s));
		PS(r, "</td>");
		td(r, col(st, 5));
		td(r, col(st, 6));
		td(r, col(st, 7));
		td(r, col(st, 8));
		td_time(r, (time_t)sqlite3_column_int64(st, 9));
		PS(r, "<td>");
		if (open) {
			char n[16];

			snprintf(n, sizeof(n), "%d", open);
			link_to(r, "/tickets", "device", col(st, 0), n);
		}
		PS(r, "</td></tr>");
	}
	sqlite3_finalize(st);
	PS(r, "</table>");
	page_end(r);
}

static const char *
group_title(const char *g)
{
	static const char *const map[][2] = {
		{ "system", "System" }, { "interface", "Interfaces" }, { "sensor", "Sensors" },
		{ "cpu", "CPU" }, { "memory", "Memory" }, { "storage", "Disks and storage" },
		{ "load", "Load" }, { "ups", "UPS" }, { "entity", "Components" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (strcmp(g, map[i][0]) == 0)
			return map[i][1];
	return g;
}

static void
jtd(struct web_req *r, json_t *o, const char *key)
{
	td(r, json_string_value(json_object_get(o, key)));
}

static void
device_info(struct web_req *r, json_t *d)
{
	static const char *const rows[][2] = {
		{ "address", "Address" }, { "class", "Class" }, { "status", "Status" },
		{ "status_reason", "Reason" }, { "sys_name", "sysName" }, { "sys_descr", "sysDescr" },
		{ "sys_object_id", "sysObjectID" }, { "vendor", "Vendor" }, { "model", "Model" },
		{ "location", "Location" }, { "sys_contact", "Contact" }, { "parent", "Parent" },
		{ "last_poll", "Last poll" }, { "status_since", "Status since" },
	};
	json_t *up = json_object_get(d, "sys_uptime");

	PS(r, "<table id=\"sysinfo\">");
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		const char *v = json_string_value(json_object_get(d, rows[i][0]));

		PS(r, "<tr>");
		th(r, rows[i][1]);
		if (strcmp(rows[i][0], "status") == 0 || strcmp(rows[i][0], "class") == 0)
			td(r, v ? T(r, v) : "");
		else if (strcmp(rows[i][0], "last_poll") == 0 || strcmp(rows[i][0], "status_since") == 0)
			td_iso(r, v);
		else
			td(r, v);
		PS(r, "</tr>");
	}
	if (json_is_integer(up) || json_is_real(up)) {
		/* sysUpTime in hundredths of a second */
		long long s = (long long)(json_number_value(up) / 100);

		PS(r, "<tr>");
		th(r, "Uptime");
		P(r, "<td>%lld d %02lld:%02lld:%02lld</td></tr>", s / 86400, s % 86400 / 3600,
		    s % 3600 / 60, s % 60);
	}
	PS(r, "</table>");
}

/* the metric group of a metrics row ("interface" of "interface.in_bits"): 0 or -1 */
static int
metric_group(json_t *m, char *group, size_t len, const char **name)
{
	const char *full = json_string_value(json_object_get(m, "metric"));
	const char *dot = full ? strchr(full, '.') : NULL;

	if (dot == NULL || (size_t)(dot - full) >= len)
		return -1;
	memcpy(group, full, (size_t)(dot - full));
	group[dot - full] = '\0';
	if (name)
		*name = dot + 1;
	return 0;
}

static const char *
jinstance(json_t *metrics, size_t i)
{
	const char *s = json_string_value(json_object_get(json_array_get(metrics, i), "instance"));

	return s ? s : "";
}

/* One metric's value as shown: its text, its state's meaning, or the number */
static const char *
metric_value(struct web_req *r, const char *group, const char *name, json_t *m, char *buf,
    size_t len)
{
	json_t *val = json_object_get(m, "last_value");
	const char *text = json_string_value(json_object_get(m, "text"));
	const char *state;

	if (text && text[0])
		return text;
	if (!json_is_number(val))
		return "";
	if ((state = state_name(group, name, json_number_value(val))) != NULL)
		return T(r, state);
	if (strcmp(group, "interface") == 0 && (strcmp(name, "admin_status") == 0 ||
	    strcmp(name, "oper_status") == 0)) {
		/* IF-MIB ifAdminStatus / ifOperStatus */
		static const char *const if_states[] = { "up", "down", "testing", "unknown",
			"dormant", "notPresent", "lowerLayerDown" };
		double v = json_number_value(val);

		if (v >= 1 && v <= (double)ARRAY_SIZE(if_states))
			return T(r, if_states[(int)v - 1]);
	}
	human(json_number_value(val), json_string_value(json_object_get(m, "unit")), buf, len);
	return buf;
}

/* The first cell of an instance's row: a link to its graphs when it has some */
static void
instance_cell(struct web_req *r, const char *dev, const char *group, const struct probe *p,
    json_t *m)
{
	const char *inst = json_string_value(json_object_get(m, "instance"));
	const char *label = json_string_value(json_object_get(m, "label"));
	struct wbuf u = { 0 };

	if (label == NULL || label[0] == '\0')
		label = inst;
	PS(r, "<td>");
	if (p == NULL || p->n_graph == 0) {
		E(r, label);
		PS(r, "</td>");
		return;
	}
	wbuf_puts(&u, "/device?name=");
	url_escape(&u, dev);
	wbuf_puts(&u, "&g=");
	url_escape(&u, group);
	wbuf_puts(&u, "&i=");
	url_escape(&u, inst);
	wbuf_puts(&u, "#graphs");
	PS(r, "<a href=\"");
	E(r, u.p);
	PS(r, "\">");
	E(r, label);
	PS(r, "</a></td>");
	wbuf_free(&u);
}

#define MAX_COLUMNS 24

/* Rows [start, end) of one group (sorted by instance): a table row per instance. */
static void
metric_table(struct web_req *r, const char *dev, const char *group, json_t *metrics,
    size_t start, size_t end)
{
	const struct probe *p = probes_find(&web.probes, group);
	char names[MAX_COLUMNS][24], g[40], buf[64];
	size_t n_names = 0, k;
	const char *name;

	for (size_t i = start; i < end; i++) {
		if (metric_group(json_array_get(metrics, i), g, sizeof(g), &name) < 0)
			continue;
		for (k = 0; k < n_names && strcmp(names[k], name); k++)
			;
		if (k == n_names && n_names < MAX_COLUMNS)
			nocd_strlcpy(names[n_names++], name, sizeof(names[0]));
	}
	PS(r, "<section class=\"metrics\" id=\"group-");
	E(r, group);
	PS(r, "\"><h2>");
	E(r, T(r, group_title(group)));
	PS(r, "</h2><table><tr>");
	th(r, "Instance");
	for (k = 0; k < n_names; k++) {
		PS(r, "<th>");
		E(r, names[k]);
		PS(r, "</th>");
	}
	PS(r, "</tr>");
	for (size_t a = start, b; a < end; a = b) {
		for (b = a + 1; b < end && strcmp(jinstance(metrics, b), jinstance(metrics, a)) == 0;
		    b++)
			;
		PS(r, "<tr>");
		instance_cell(r, dev, group, p, json_array_get(metrics, a));
		for (k = 0; k < n_names; k++) {
			const char *cell = "";

			for (size_t c = a; c < b; c++) {
				json_t *m = json_array_get(metrics, c);

				if (metric_group(m, g, sizeof(g), &name) == 0 &&
				    strcmp(name, names[k]) == 0)
					cell = metric_value(r, group, name, m, buf, sizeof(buf));
			}
			td(r, cell);
		}
		PS(r, "</tr>");
	}
	PS(r, "</table></section>");
}

/* One table per metric group: a row per instance, a column per metric. The
 * rows come sorted by group, then instance (db_query_device). */
static void
device_metrics(struct web_req *r, const char *dev, json_t *metrics)
{
	size_t i = 0, end, n = json_array_size(metrics);
	char group[40], g[40];

	while (i < n) {
		if (metric_group(json_array_get(metrics, i), group, sizeof(group), NULL) < 0) {
			i++;
			continue;
		}
		for (end = i + 1; end < n && metric_group(json_array_get(metrics, end), g,
		    sizeof(g), NULL) == 0 && strcmp(g, group) == 0; end++)
			;
		metric_table(r, dev, group, metrics, i, end);
		i = end;
	}
}

/* The graph a device page shows first: the usual suspects, else any group with graphs. */
static void
default_graph(json_t *metrics, char *group, size_t glen, char *inst, size_t ilen)
{
	static const char *const first[] = { "cpu", "memory", "interface", "storage", "ups",
		"sensor" };
	size_t best = ARRAY_SIZE(first) + 1, i, k;
	char g[40];
	json_t *m;

	json_array_foreach(metrics, i, m) {
		const struct probe *p;

		if (metric_group(m, g, sizeof(g), NULL) < 0 ||
		    (p = probes_find(&web.probes, g)) == NULL || p->n_graph == 0)
			continue;
		for (k = 0; k < ARRAY_SIZE(first) && strcmp(first[k], g) != 0; k++)
			;
		if (k < best) {
			best = k;
			nocd_strlcpy(group, g, glen);
			nocd_strlcpy(inst, json_string_value(json_object_get(m, "instance")), ilen);
		}
	}
}

static void
device_graphs(struct web_req *r, const char *dev, json_t *metrics, const char *g, const char *i)
{
	static const char *const ranges[] = { "1h", "1d", "1w", "1m", "1y" };
	char group[40] = "", inst[128] = "";
	size_t k;

	if (g && i && probes_find(&web.probes, g)) {
		nocd_strlcpy(group, g, sizeof(group));
		nocd_strlcpy(inst, i, sizeof(inst));
	} else {
		default_graph(metrics, group, sizeof(group), inst, sizeof(inst));
	}
	PS(r, "<section id=\"graphs\">");
	h2(r, "Graphs");
	if (group[0] == '\0') {
		PS(r, "<p>");
		E(r, T(r, "No data to draw yet."));
		PS(r, "</p></section>");
		return;
	}
	PS(r, "<p>");
	E(r, T(r, group_title(group)));
	PS(r, " ");
	E(r, strcmp(inst, "_") ? inst : "");
	PS(r, "</p>");
	for (k = 0; k < ARRAY_SIZE(ranges); k++) {
		struct wbuf u = { 0 };

		wbuf_puts(&u, "/graph.png?device=");
		url_escape(&u, dev);
		wbuf_puts(&u, "&group=");
		url_escape(&u, group);
		wbuf_puts(&u, "&instance=");
		url_escape(&u, inst);
		wbuf_printf(&u, "&range=%s", ranges[k]);
		PS(r, "<figure><img class=\"graph\" width=\"697\" height=\"260\" src=\"");
		E(r, u.p);
		P(r, "\" alt=\"%s\"><figcaption>", ranges[k]);
		E(r, T(r, ranges[k]));
		PS(r, "</figcaption></figure>");
		wbuf_free(&u);
	}
	PS(r, "</section>");
}

void
page_device(struct web_req *r)
{
	const char *name = web_query(r, "name");
	sqlite3 *db = web_db();
	json_t *d;
	sqlite3_stmt *st;
	int found = 0;

	if (name == NULL || db == NULL ||
	    (d = db_query_device(db, name, &found)) == NULL) {
		page_error(r, found || name == NULL ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_NOT_FOUND,
		    "No such device.");
		return;
	}
	page_begin(r, name, 60);
	PS(r, "<h1>");
	E(r, name);
	PS(r, "</h1><div class=\"grid\"><section>");
	h2(r, "System");
	device_info(r, d);
	PS(r, "</section><section id=\"device-tickets\">");
	h2(r, "Open tickets");
	if ((st = prep("SELECT " TICKET_ROW " FROM tickets WHERE device = ?1 AND state IN "
	    OPEN_STATES " ORDER BY " SEVERITY_RANK ", last_seen DESC")) != NULL)
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	tickets_table(r, st, 0);
	PS(r, "</section></div>");
	device_graphs(r, name, json_object_get(d, "metrics"), web_query(r, "g"), web_query(r, "i"));
	device_metrics(r, name, json_object_get(d, "metrics"));
	PS(r, "<section id=\"device-events\">");
	h2(r, "Recent events");
	if ((st = prep("SELECT time, source, device, host, severity, type, message FROM events"
	    " WHERE device = ?1 ORDER BY time DESC, id DESC LIMIT 20")) != NULL)
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	events_table(r, st);
	PS(r, "</section>");
	json_decref(d);
	page_end(r);
}

/* --- graphs: drawn with librrd into our private directory, then served --- */

static int
read_file(const char *path, struct wbuf *b)
{
	char buf[16384];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0 && b->len < 8 * 1024 * 1024)
		wbuf_add(b, buf, (size_t)n);
	close(fd);
	return n < 0 || b->oom ? -1 : 0;
}

void
page_graph(struct web_req *r)
{
	static const struct { const char *name, *start; } ranges[] = {
		{ "1h", "-1h" }, { "1d", "-1d" }, { "1w", "-1w" }, { "1m", "-1m" }, { "1y", "-1y" },
	};
	const char *dev = web_query(r, "device"), *group = web_query(r, "group");
	const char *inst = web_query(r, "instance"), *range = qs(r, "range");
	const struct probe *p = group ? probes_find(&web.probes, group) : NULL;
	struct graph_req *g = NULL;
	char instance[128], unit[16], err[512], token[33];
	size_t k;
	time_t now = time(NULL);
	sqlite3 *db = web_db();

	for (k = 0; k < ARRAY_SIZE(ranges) && strcmp(range, ranges[k].name); k++)
		;
	if (dev == NULL || p == NULL || p->n_graph == 0 || inst == NULL || k == ARRAY_SIZE(ranges) ||
	    db == NULL || copy_string(instance, sizeof(instance), inst) < 0) {
		page_error(r, MHD_HTTP_BAD_REQUEST, "Bad graph request.");
		return;
	}
	g = xcalloc(1, sizeof(*g));
	for (int c = 0; c < p->n_graph && g->n_lines < GRAPH_MAX_LINES; c++) {
		int ci = probe_column_index(p, p->graph[c]);
		struct graph_line *l = &g->lines[g->n_lines++];

		nocd_strlcpy(l->ds, p->graph[c], sizeof(l->ds));
		nocd_strlcpy(l->legend, p->graph[c], sizeof(l->legend));
		if (ci >= 0)
			nocd_strlcpy(l->unit, p->cols[ci].unit, sizeof(l->unit));
	}
	if (db_find_metric(db, dev, group, instance, sizeof(instance), g->lines[0].ds, unit,
	    sizeof(unit)) != 0 ||
	    rrd_path(web.conf.state_dir, dev, group, instance, g->rrd_file, sizeof(g->rrd_file)) < 0 ||
	    parse_time_spec(ranges[k].start, now, &g->start) < 0 || random_hex(token, sizeof(token),
	    16) < 0) {
		free(g);
		page_error(r, MHD_HTTP_NOT_FOUND, "No data for this graph.");
		return;
	}
	g->end = now;
	g->width = 600;
	g->height = 160;
	nocd_strlcpy(g->rrdcached, web.conf.rrdcached, sizeof(g->rrdcached));
	snprintf(g->title, sizeof(g->title), "%s %s %s (%s)", dev, group,
	    strcmp(instance, "_") ? instance : "", ranges[k].name);
	if ((size_t)snprintf(g->output, sizeof(g->output), "%.4000s/%s.png", web.tmpdir, token) >=
	    sizeof(g->output)) {
		free(g);
		page_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "The graph cannot be drawn.");
		return;
	}
	if (web.conf.rrdcached[0] == '\0' && web.conf.rrd_write_cache > 0) {
		/* have nocd write what it holds for this device first */
		json_t *req = json_pack("{s:s, s:s}", "cmd", "flush", "device", dev);

		json_decref(ctl_request(web.conf.state_dir, req, 5000, err, sizeof(err)));
		json_decref(req);
	}
	if (graph_draw(g, err, sizeof(err)) < 0 || read_file(g->output, &r->out) < 0) {
		log_debug("graph %s: %s", g->rrd_file, err);
		unlink(g->output);
		free(g);
		page_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "The graph cannot be drawn.");
		return;
	}
	unlink(g->output);
	free(g);
	r->ctype = "image/png";
}

/* --- tickets --- */

void
page_tickets(struct web_req *r)
{
	const char *state = web_query(r, "state"), *sev = qs(r, "severity");
	const char *cat = qs(r, "category"), *dev = qs(r, "device"), *q = qs(r, "q");
	static const char *const state_filter[] = { "open", "acknowledged", "assigned", "resolved",
		"closed", "all", NULL };
	sqlite3_stmt *st;

	if (state == NULL || !in_list(state, state_filter))
		state = "open";
	page_begin(r, T(r, "Tickets"), 60);
	PS(r, "<h1>");
	E(r, T(r, "Tickets"));
	PS(r, "</h1><form class=\"filters\" method=\"get\" action=\"/tickets\">");
	PS(r, "<select name=\"state\">");
	for (const char *const *s = state_filter; *s; s++) {
		P(r, "<option value=\"%s\"%s>", *s, strcmp(*s, state) == 0 ? " selected" : "");
		E(r, T(r, strcmp(*s, "open") == 0 ? "open (not resolved)" : *s));
		PS(r, "</option>");
	}
	PS(r, "</select>");
	select_field(r, "severity", severities, sev, "any severity");
	select_field(r, "category", categories, cat, "any category");
	text_field(r, "device", dev, "device");
	text_field(r, "q", q, "title contains");
	filter_button(r);
	st = prep("SELECT " TICKET_ROW " FROM tickets WHERE"
	    " (?1 = 'all' OR (?1 = 'open' AND state IN " OPEN_STATES ") OR state = ?1)"
	    " AND (?2 = '' OR severity = ?2) AND (?3 = '' OR category = ?3)"
	    " AND (?4 = '' OR device = ?4) AND (?5 = '' OR instr(lower(title), lower(?5)) > 0)"
	    " ORDER BY " SEVERITY_RANK ", last_seen DESC, id DESC LIMIT 500");
	if (st) {
		sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, sev, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, cat, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, dev, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, q, -1, SQLITE_STATIC);
	}
	tickets_table(r, st, 1);
	page_end(r);
}

static void
action_form(struct web_req *r, long long id, const char *action, const char *label, int to)
{
	P(r, "<form method=\"post\" action=\"/ticket\" class=\"action\" id=\"form-%s\">"
	    "<input type=\"hidden\" name=\"id\" value=\"%lld\"><input type=\"hidden\""
	    " name=\"action\" value=\"%s\">", action, id, action);
	webauth_csrf_field(r);
	if (to) {
		P(r, "<input name=\"to\" required placeholder=\"");
		E(r, T(r, "assignee"));
		PS(r, "\"> ");
	}
	PS(r, "<input name=\"note\" placeholder=\"");
	E(r, T(r, "note"));
	P(r, "\"> <button type=\"submit\" id=\"do-%s\">", action);
	E(r, T(r, label));
	PS(r, "</button></form>");
}

/* devices folded into this ticket (behind a parent that is down), alerts sent */
static void
ticket_extras(struct web_req *r, json_t *t)
{
	json_t *links = json_object_get(t, "linked_problems");
	json_t *notes = json_object_get(t, "notifications"), *row;
	size_t i;

	if (json_array_size(links) > 0) {
		h2(r, "Linked problems");
		PS(r, "<table id=\"links\"><tr>");
		th(r, "Device");
		th(r, "Rule");
		th(r, "Title");
		th(r, "Time");
		th(r, "Cleared");
		PS(r, "</tr>");
		json_array_foreach(links, i, row) {
			PS(r, "<tr>");
			td_device(r, json_string_value(json_object_get(row, "device")));
			jtd(r, row, "rule");
			jtd(r, row, "title");
			td_iso(r, json_string_value(json_object_get(row, "time")));
			td_iso(r, json_string_value(json_object_get(row, "cleared")));
			PS(r, "</tr>");
		}
		PS(r, "</table>");
	}
	if (json_array_size(notes) > 0) {
		h2(r, "Notifications");
		PS(r, "<table id=\"notifications\"><tr>");
		th(r, "Time");
		th(r, "Channel");
		th(r, "Event");
		th(r, "Outcome");
		th(r, "Detail");
		PS(r, "</tr>");
		json_array_foreach(notes, i, row) {
			PS(r, "<tr>");
			td_iso(r, json_string_value(json_object_get(row, "time")));
			jtd(r, row, "channel");
			jtd(r, row, "event");
			jtd(r, row, "outcome");
			jtd(r, row, "detail");
			PS(r, "</tr>");
		}
		PS(r, "</table>");
	}
}

void
page_ticket(struct web_req *r)
{
	const char *ids = web_query(r, "id"), *done = web_query(r, "done");
	char *end = NULL;
	long long id = ids ? strtoll(ids, &end, 10) : 0;
	static const char *const fields[][2] = {
		{ "device", "Device" }, { "category", "Category" }, { "severity", "Severity" },
		{ "state", "State" }, { "first_seen", "First seen" }, { "last_seen", "Last seen" },
		{ "assignee", "Assignee" }, { "acked_by", "Acknowledged by" }, { "rule", "Rule" },
		{ "instance", "Instance" }, { "source", "Source" }, { "sla_due", "SLA due" },
	};
	sqlite3 *db = web_db();
	json_t *t, *h, *row;
	const char *state;
	int found = 0;
	size_t i;

	if (ids == NULL || end == ids || *end || db == NULL ||
	    (t = tk_query_show(db, id, &found)) == NULL) {
		page_error(r, found || ids == NULL ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_NOT_FOUND,
		    "No such ticket.");
		return;
	}
	page_begin(r, T(r, "Ticket"), 0);
	P(r, "<h1>%s %lld: ", T(r, "Ticket"), id);
	E(r, json_string_value(json_object_get(t, "title")));
	PS(r, "</h1>");
	if (done) {
		PS(r, "<p class=\"ok\" id=\"done\">");
		E(r, T(r, "Done:"));
		PS(r, " ");
		E(r, T(r, done));
		PS(r, "</p>");
	}
	PS(r, "<table id=\"ticket\">");
	for (i = 0; i < ARRAY_SIZE(fields); i++) {
		json_t *v = json_object_get(t, fields[i][0]);

		PS(r, "<tr>");
		th(r, fields[i][1]);
		if (strcmp(fields[i][0], "device") == 0)
			td_device(r, json_string_value(v));
		else if (strstr(fields[i][0], "seen") || strcmp(fields[i][0], "sla_due") == 0)
			td_iso(r, json_string_value(v));
		else if (i < 4)
			td(r, json_string_value(v) ? T(r, json_string_value(v)) : "");
		else
			td(r, json_string_value(v));
		PS(r, "</tr>");
	}
	P(r, "<tr><th>%s</th><td>%lld</td></tr></table>", T(r, "Count"),
	    (long long)json_integer_value(json_object_get(t, "count")));
	state = json_string_value(json_object_get(t, "state"));
	if (r->sess && r->sess->role >= ROLE_OPERATOR && state) {
		PS(r, "<section id=\"actions\">");
		h2(r, "Actions");
		if (strcmp(state, "open") == 0)
			action_form(r, id, "ack", "Acknowledge", 0);
		if (strcmp(state, "resolved") != 0 && strcmp(state, "closed") != 0) {
			action_form(r, id, "assign", "Assign", 1);
			action_form(r, id, "resolve", "Resolve", 0);
		}
		if (strcmp(state, "closed") != 0)
			action_form(r, id, "close", "Close", 0);
		PS(r, "</section>");
	} else if (r->sess == NULL) {
		PS(r, "<p>");
		link_to(r, "/login", "next", r->url, T(r, "Log in to act on this ticket."));
		PS(r, "</p>");
	}
	h2(r, "History");
	PS(r, "<table id=\"history\"><tr>");
	th(r, "Time");
	th(r, "Who");
	th(r, "Action");
	th(r, "State");
	th(r, "Note");
	PS(r, "</tr>");
	h = json_object_get(t, "history");
	json_array_foreach(h, i, row) {
		PS(r, "<tr>");
		td_iso(r, json_string_value(json_object_get(row, "time")));
		jtd(r, row, "who");
		jtd(r, row, "action");
		td(r, T(r, json_string_value(json_object_get(row, "state")) ?
		    json_string_value(json_object_get(row, "state")) : ""));
		jtd(r, row, "note");
		PS(r, "</tr>");
	}
	PS(r, "</table>");
	ticket_extras(r, t);
	json_decref(t);
	page_end(r);
}

void
page_ticket_action(struct web_req *r)
{
	const char *ids = web_form(r, "id"), *action = web_form(r, "action");
	const char *to = web_form(r, "to"), *note = web_form(r, "note");
	static const char *const actions[] = { "ack", "assign", "resolve", "close", NULL };
	char *end = NULL, err[512], loc[96];
	long long id = ids ? strtoll(ids, &end, 10) : 0;
	json_t *req, *reply;

	if (ids == NULL || end == ids || *end || id <= 0 || !in_list(action, actions) ||
	    (strcmp(action, "assign") == 0 && (to == NULL || to[0] == '\0')) ||
	    (note && strlen(note) > 2000) || (to && strlen(to) > 64)) {
		page_error(r, MHD_HTTP_BAD_REQUEST, "Bad ticket action.");
		return;
	}
	req = json_pack("{s:s, s:s, s:I, s:s}", "cmd", "ticket", "action", action, "id",
	    (json_int_t)id, "by", r->sess->user);
	if (note && note[0])
		json_object_set_new(req, "note", json_string(note));
	if (strcmp(action, "assign") == 0)
		json_object_set_new(req, "to", json_string(to));
	reply = ctl_request(web.conf.state_dir, req, 10000, err, sizeof(err));
	json_decref(req);
	if (reply == NULL || !json_is_true(json_object_get(reply, "ok"))) {
		const char *e = reply ? json_string_value(json_object_get(reply, "error")) : err;

		log_info("%s: ticket %lld %s refused: %s", r->sess->user, id, action, e ? e : "?");
		wbuf_free(&r->out);
		r->status = MHD_HTTP_CONFLICT;
		page_begin(r, T(r, "Error"), 0);
		PS(r, "<p class=\"err\" id=\"error\">");
		E(r, e ? e : "?");
		PS(r, "</p><p>");
		link_to(r, "/ticket", "id", ids, T(r, "Back to the ticket"));
		PS(r, "</p>");
		page_end(r);
		json_decref(reply);
		return;
	}
	json_decref(reply);
	log_info("%s: ticket %lld %s", r->sess->user, id, action);
	snprintf(loc, sizeof(loc), "/ticket?id=%lld&done=%s", id, action);
	web_redirect(r, loc);
}

/* --- inventory --- */

static const char *const inv_cols[] = { "device", "class", "name", "description", "vendor",
	"model", "serial", "firmware", "hardware_rev", "software_rev", "physical_class",
	"location", "warranty_end", "purchase_date", "asset_tag", "owner", "last_seen", NULL };

static int
row_matches(json_t *row, const char *q)
{
	const char *k;
	json_t *v;

	if (q == NULL || q[0] == '\0')
		return 1;
	json_object_foreach(row, k, v)
		if (json_is_string(v) && strcasestr(json_string_value(v), q))
			return 1;
	return 0;
}

void
page_inventory(struct web_req *r, const char *format)
{
	const char *dev = qs(r, "device"), *cls = qs(r, "class"), *q = qs(r, "q");
	sqlite3 *db = web_db();
	json_t *list = db ? tk_query_inventory(db, dev, cls) : NULL, *row, *out;
	size_t i;

	if (list == NULL) {
		page_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "The inventory cannot be read.");
		return;
	}
	out = json_array();
	json_array_foreach(list, i, row)
		if (row_matches(row, q))
			json_array_append(out, row);
	json_decref(list);
	if (format && strcmp(format, "json") == 0) {
		char *s = json_dumps(out, JSON_INDENT(1));

		r->ctype = "application/json; charset=utf-8";
		nocd_strlcpy(r->disposition, "attachment; filename=\"inventory.json\"",
		    sizeof(r->disposition));
		PS(r, s ? s : "[]");
		PS(r, "\n");
		free(s);
	} else if (format) {
		r->ctype = "text/csv; charset=utf-8";
		nocd_strlcpy(r->disposition, "attachment; filename=\"inventory.csv\"",
		    sizeof(r->disposition));
		for (int k = 0; inv_cols[k]; k++)
			P(r, "%s%s", inv_cols[k], inv_cols[k + 1] ? "," : "\r\n");
		json_array_foreach(out, i, row)
			for (int k = 0; inv_cols[k]; k++) {
				csv_field(&r->out, json_string_value(json_object_get(row, inv_cols[k])));
				PS(r, inv_cols[k + 1] ? "," : "\r\n");
			}
	} else {
		struct wbuf u = { 0 };

		page_begin(r, T(r, "Inventory"), 0);
		PS(r, "<h1>");
		E(r, T(r, "Inventory"));
		PS(r, "</h1><form class=\"filters\" method=\"get\" action=\"/inventory\">");
		text_field(r, "device", dev, "device");
		select_field(r, "class", classes, cls, "any class");
		text_field(r, "q", q, "model, serial...");
		filter_button(r);
		wbuf_puts(&u, "?device=");
		url_escape(&u, dev);
		wbuf_puts(&u, "&class=");
		url_escape(&u, cls);
		wbuf_puts(&u, "&q=");
		url_escape(&u, q);
		PS(r, "<p><a id=\"csv\" href=\"/inventory.csv");
		E(r, u.p);
		PS(r, "\">CSV</a> &middot; <a id=\"json\" href=\"/inventory.json");
		E(r, u.p);
		P(r, "\">JSON</a> &middot; %zu %s</p>", json_array_size(out), T(r, "rows"));
		wbuf_free(&u);
		PS(r, "<table id=\"inventory\"><tr>");
		for (int k = 0; inv_cols[k]; k++)
			th(r, inv_cols[k]);
		PS(r, "</tr>");
		json_array_foreach(out, i, row) {
			PS(r, "<tr>");
			for (int k = 0; inv_cols[k]; k++) {
				if (k == 0)
					td_device(r, json_string_value(json_object_get(row, "device")));
				else if (strcmp(inv_cols[k], "last_seen") == 0)
					td_iso(r, json_string_value(json_object_get(row, inv_cols[k])));
				else
					jtd(r, row, inv_cols[k]);
			}
			PS(r, "</tr>");
		}
		PS(r, "</table>");
		page_end(r);
	}
	json_decref(out);
}

/* --- events and logs --- */

void
page_events(struct web_req *r)
{
	static const char *const sources[] = { "trap", "syslog", "poll", NULL };
	static const char *const sinces[] = { "1h", "1d", "7d", "30d", NULL };
	const char *src = qs(r, "source"), *since_s = web_query(r, "since"), *q = qs(r, "q");
	const char *dev = qs(r, "device");
	sqlite3 *db = web_db();
	char err[256] = "";
	json_t *list = NULL, *row;
	time_t since;
	size_t i;

	if (since_s == NULL || !in_list(since_s, sinces))
		since_s = "1d";
	parse_time_spec(since_s, time(NULL), &since);
	if (!in_list(src, sources))
		src = "";
	if (db && q[0])
		list = ev_query_search(db, q, since, 500, err, sizeof(err));
	else if (db)
		list = ev_query_list(db, src, since, 500);
	page_begin(r, T(r, "Events and logs"), 0);
	PS(r, "<h1>");
	E(r, T(r, "Events and logs"));
	PS(r, "</h1><form class=\"filters\" method=\"get\" action=\"/events\">");
	text_field(r, "q", q, "search syslog and traps (FTS5: fan AND failed)");
	select_field(r, "source", sources, src, "any source");
	text_field(r, "device", dev, "device");
	PS(r, "<select name=\"since\">");
	for (const char *const *s = sinces; *s; s++)
		P(r, "<option value=\"%s\"%s>%s</option>", *s, strcmp(*s, since_s) == 0 ?
		    " selected" : "", T(r, *s));
	PS(r, "</select>");
	filter_button(r);
	if (list == NULL) {
		PS(r, "<p class=\"err\" id=\"error\">");
		E(r, err[0] ? err : T(r, "The events cannot be read."));
		PS(r, "</p>");
		page_end(r);
		return;
	}
	PS(r, "<table class=\"events\" id=\"events\"><tr>");
	th(r, "Time");
	th(r, "Source");
	th(r, "Device");
	th(r, "Host");
	th(r, "Severity");
	th(r, "Type");
	th(r, "Message");
	PS(r, "</tr>");
	json_array_foreach(list, i, row) {
		const char *sev = json_string_value(json_object_get(row, "severity"));
		const char *d = json_string_value(json_object_get(row, "device"));

		if (dev[0] && (d == NULL || strcmp(d, dev) != 0))
			continue;
		if (src[0] && !in_list(json_string_value(json_object_get(row, "source")),
		    (const char *const[]){ src, NULL }))
			continue;
		P(r, "<tr class=\"%s\">", in_list(sev, severities) ? sev : "");
		td_iso(r, json_string_value(json_object_get(row, "time")));
		jtd(r, row, "source");
		td_device(r, d);
		jtd(r, row, "host");
		td(r, sev ? T(r, sev) : "");
		jtd(r, row, "type");
		jtd(r, row, "message");
		PS(r, "</tr>");
	}
	PS(r, "</table>");
	json_decref(list);
	page_end(r);
}

/* --- Prometheus text format --- */

static void
prom_label(struct web_req *r, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '"')
			P(r, "\\%c", *s);
		else if (*s == '\n')
			PS(r, "\\n");
		else
			wbuf_add(&r->out, s, 1);
	}
}

static void
prom_stats(struct web_req *r, json_t *stats)
{
	const char *section, *key;
	json_t *sec, *v;

	json_object_foreach(stats, section, sec) {
		if (!json_is_object(sec))
			continue;
		json_object_foreach(sec, key, v) {
			int gauge = strcmp(key, "devices") == 0 || strcmp(key, "in_flight") == 0 ||
			    strcmp(key, "queued") == 0 || strcmp(key, "connections") == 0 ||
			    strcmp(key, "rules") == 0;

			if (!json_is_integer(v))
				continue;
			P(r, "# TYPE nocd_%s_%s%s %s\nnocd_%s_%s%s %lld\n", section, key,
			    gauge ? "" : "_total", gauge ? "gauge" : "counter", section, key,
			    gauge ? "" : "_total", (long long)json_integer_value(v));
		}
	}
}

void
page_metrics(struct web_req *r)
{
	sqlite3_stmt *st = prep("SELECT name, class, status, poll_ms, polls, polls_failed FROM"
	    " devices ORDER BY name");
	json_t *req = json_pack("{s:s}", "cmd", "stats"), *stats;
	char err[256];

	r->ctype = "text/plain; version=0.0.4; charset=utf-8";
	PS(r, "# HELP nocd_device_up 1 when the device answered its last poll, 0 when down,"
	    " -1 unknown\n# TYPE nocd_device_up gauge\n");
	/* three passes over the devices keep each family's lines together */
	for (int pass = 0; pass < 3 && st; pass++) {
		if (pass == 1)
			PS(r, "# HELP nocd_device_poll_duration_seconds duration of the last poll\n"
			    "# TYPE nocd_device_poll_duration_seconds gauge\n");
		if (pass == 2)
			PS(r, "# TYPE nocd_device_polls_failed_total counter\n");
		sqlite3_reset(st);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *status = col(st, 2);

			if (pass == 1 && sqlite3_column_type(st, 3) == SQLITE_NULL)
				continue;
			P(r, "%s{device=\"", pass == 0 ? "nocd_device_up" : pass == 1 ?
			    "nocd_device_poll_duration_seconds" : "nocd_device_polls_failed_total");
			prom_label(r, col(st, 0));
			PS(r, "\",class=\"");
			prom_label(r, col(st, 1));
			if (pass == 0)
				P(r, "\"} %d\n", strcmp(status, "up") == 0 ? 1 :
				    strcmp(status, "down") == 0 ? 0 : -1);
			else if (pass == 1)
				P(r, "\"} %.6f\n", sqlite3_column_double(st, 3) / 1000.0);
			else
				P(r, "\"} %lld\n", (long long)sqlite3_column_int64(st, 5));
		}
	}
	sqlite3_finalize(st);
	PS(r, "# TYPE nocd_tickets_open gauge\n");
	for (int k = 0; severities[k]; k++) {
		int n = 0;

		if ((st = prep("SELECT count(*) FROM tickets WHERE state IN " OPEN_STATES
		    " AND severity = ?1")) != NULL) {
			sqlite3_bind_text(st, 1, severities[k], -1, SQLITE_STATIC);
			if (sqlite3_step(st) == SQLITE_ROW)
				n = sqlite3_column_int(st, 0);
		}
		sqlite3_finalize(st);
		P(r, "nocd_tickets_open{severity=\"%s\"} %d\n", severities[k], n);
	}
	/* ingest and drop counters: nocd's own, from the control socket */
	stats = ctl_request(web.conf.state_dir, req, 5000, err, sizeof(err));
	json_decref(req);
	PS(r, "# TYPE nocd_up gauge\n");
	P(r, "nocd_up %d\n", stats && json_is_true(json_object_get(stats, "ok")) ? 1 : 0);
	if (stats)
		prom_stats(r, stats);
	json_decref(stats);
}

/* --- reports (report.c writes them; the console shows and offers them) --- */

static const char *const report_kinds[][2] = {
	{ "inspection", "Inspection report" },
	{ "hardware", "Hardware maintenance report" },
};
static const char *const report_periods[] = { "7d", "30d", "90d", "365d", NULL };

void
page_reports(struct web_req *r)
{
	page_begin(r, T(r, "Reports"), 0);
	PS(r, "<h1>");
	E(r, T(r, "Reports"));
	PS(r, "</h1><table id=\"reports\"><tr>");
	th(r, "Report");
	th(r, "Period");
	PS(r, "</tr>");
	for (size_t k = 0; k < ARRAY_SIZE(report_kinds); k++) {
		PS(r, "<tr>");
		td(r, T(r, report_kinds[k][1]));
		PS(r, "<td>");
		for (const char *const *p = report_periods; *p; p++) {
			P(r, "<a href=\"/report?kind=%s&amp;since=%s\">", report_kinds[k][0], *p);
			E(r, T(r, *p));
			P(r, "</a> (<a href=\"/report?kind=%s&amp;since=%s&amp;download=1\">",
			    report_kinds[k][0], *p);
			E(r, T(r, "download"));
			PS(r, "</a>) ");
		}
		PS(r, "</td></tr>");
	}
	PS(r, "</table>");
	page_end(r);
}

void
page_report(struct web_req *r)
{
	const char *kind = qs(r, "kind"), *since_s = web_query(r, "since");
	char *doc = NULL, err[512] = "";
	size_t len = 0, k;
	time_t now = time(NULL), since;
	sqlite3 *db = web_db();
	FILE *f;
	int rc;

	for (k = 0; k < ARRAY_SIZE(report_kinds) && strcmp(kind, report_kinds[k][0]); k++)
		;
	if (since_s == NULL || !in_list(since_s, report_periods))
		since_s = "30d";
	if (k == ARRAY_SIZE(report_kinds) || db == NULL ||
	    parse_time_spec(since_s, now, &since) < 0) {
		page_error(r, MHD_HTTP_BAD_REQUEST, "No such report.");
		return;
	}
	if ((f = open_memstream(&doc, &len)) == NULL) {
		page_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "The report cannot be made.");
		return;
	}
	rc = report_write(db, &web.conf, kind, since, now, i18n_code(r->lang), f, err,
	    sizeof(err));
	if (fclose(f) != 0)
		rc = -1;
	if (rc < 0) {
		log_warnx("report %s: %s", kind, err);
		free(doc);
		page_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "The report cannot be made.");
		return;
	}
	wbuf_add(&r->out, doc, len);
	free(doc);
	/* the report is a document of its own: its inline style, never a script */
	r->csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:;"
	    " frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
	if (web_query(r, "download"))
		snprintf(r->disposition, sizeof(r->disposition),
		    "attachment; filename=\"%s-report.html\"", kind);
}

/* --- users (admins only; changed with nocctl user) --- */

void
page_users(struct web_req *r)
{
	sqlite3 *db = web_db();
	json_t *list, *u;
	size_t i;

	if (r->role < ROLE_ADMIN) {
		page_error(r, MHD_HTTP_FORBIDDEN, "Administrators only.");
		return;
	}
	if (db == NULL || (list = webusers_list(db)) == NULL) {
		page_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "The user database cannot be read.");
		return;
	}
	page_begin(r, T(r, "Users"), 0);
	PS(r, "<h1>");
	E(r, T(r, "Users"));
	PS(r, "</h1><p>");
	E(r, T(r, "Users are added, changed and removed with nocctl user on the ops box."));
	PS(r, "</p><table id=\"users\"><tr>");
	th(r, "User");
	th(r, "Role");
	th(r, "Created");
	th(r, "Updated");
	PS(r, "</tr>");
	json_array_foreach(list, i, u) {
		const char *role = json_string_value(json_object_get(u, "role"));

		PS(r, "<tr>");
		jtd(r, u, "name");
		td(r, role ? T(r, role) : "");
		td_iso(r, json_string_value(json_object_get(u, "created")));
		td_iso(r, json_string_value(json_object_get(u, "updated")));
		PS(r, "</tr>");
	}
	PS(r, "</table>");
	json_decref(list);
	page_end(r);
}
