/*
 * nocweb's HTTP side: libmicrohttpd on descriptors nocd bound, one request
 * at a time, security headers on every answer, routes to the pages.
 */
#include "config.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "web.h"

/* CSS and JS are ours and served from here: CSP forbids inline ones. */
static const char app_css[] =
	"body{font-family:sans-serif;margin:0;background:#f4f5f7;color:#222}"
	"header{background:#1f2d3d;color:#fff;padding:.5em 1em;display:flex;gap:1em;"
	"align-items:center;flex-wrap:wrap}"
	"header a{color:#dfe6ee;text-decoration:none}"
	"header a.on{color:#fff;font-weight:bold;text-decoration:underline}"
	"header .who{margin-left:auto}header form{display:inline}"
	"main{padding:1em}h1{font-size:1.4em;margin:.2em 0 .6em}h2{font-size:1.1em;margin:1em 0 .4em}"
	"table{border-collapse:collapse;background:#fff;margin-bottom:1em;min-width:30%}"
	"th,td{border:1px solid #d0d4da;padding:.25em .5em;text-align:left;vertical-align:top}"
	"th{background:#e8ebef}tr.critical td{background:#ffd6d6;font-weight:bold}"
	"tr.major td{background:#ffe7cc}tr.minor td{background:#fff6cc}"
	".up{color:#0a7a26;font-weight:bold}.down{color:#c00;font-weight:bold}.unknown{color:#777}"
	".grid{display:flex;flex-wrap:wrap;gap:1em}"
	".grid>section{background:#fff;padding:.5em 1em;border:1px solid #d0d4da}"
	".banner{background:#c00;color:#fff;padding:.8em 1em;font-size:1.3em;font-weight:bold;"
	"animation:flash 1s steps(2,start) infinite}"
	".banner a{color:#fff}@keyframes flash{to{background:#600}}"
	".err{background:#fdd;border:1px solid #c00;padding:.5em;margin:.5em 0}"
	".ok{background:#dfd;border:1px solid #0a0;padding:.5em}"
	"form.filters{margin:.5em 0}form.filters input,form.filters select{margin-right:.5em}"
	"img.graph{border:1px solid #ccc;background:#fff}figure{display:inline-block;margin:.3em}"
	".login{max-width:22em;margin:4em auto;background:#fff;padding:1em 2em;border:1px solid #ccc}"
	".login input{display:block;width:100%;margin:.3em 0 .8em}"
	"footer{color:#777;font-size:.8em;padding:1em}";

/* A new critical ticket flashes the title too; the banner flashes by CSS. */
static const char app_js[] =
	"(function(){var b=document.getElementById('critical-banner');if(!b)return;"
	"var t=document.title,n=b.getAttribute('data-count'),on=false;"
	"setInterval(function(){on=!on;document.title=on?'\\u26a0 '+n+' CRITICAL \\u26a0':t;},1000);})();";

static pthread_mutex_t handler_lock = PTHREAD_MUTEX_INITIALIZER;

const char *
web_query(struct web_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *
web_header(struct web_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *
web_form(struct web_req *r, const char *name)
{
	for (int i = 0; i < r->n_form; i++)
		if (strcmp(r->keys[i], name) == 0)
			return r->vals[i];
	return NULL;
}

void
web_cookie(struct web_req *r, const char *name, const char *value, long max_age)
{
	if (r->n_cookies >= (int)ARRAY_SIZE(r->cookies))
		return;
	snprintf(r->cookies[r->n_cookies++], sizeof(r->cookies[0]),
	    "%s=%s; Path=/; Max-Age=%ld; HttpOnly; SameSite=Strict", name, value, max_age);
}

void
web_redirect(struct web_req *r, const char *location)
{
	r->status = MHD_HTTP_SEE_OTHER;
	nocd_strlcpy(r->location, location, sizeof(r->location));
}

static int
parse_form(struct web_req *r, char *body)
{
	r->form_buf = body;
	r->n_form = form_parse(body, r->keys, r->vals, WEB_FORM_MAX);
	return r->n_form < 0 ? -1 : 0;
}

static void
client_address(struct web_req *r)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	nocd_strlcpy(r->addr, "?", sizeof(r->addr));
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
		    r->addr, sizeof(r->addr));
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		    r->addr, sizeof(r->addr));
}

static void
choose_language(struct web_req *r)
{
	const char *q = web_query(r, "lang");
	const char *c = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, "lang");
	enum lang l;

	r->lang = i18n_choose(q, c, web.conf.web.language, web_header(r, "Accept-Language"));
	/* a choice made with ?lang= sticks */
	if (q && i18n_parse(q, &l) == 0)
		web_cookie(r, "lang", i18n_code(l), 365L * 86400);
}

static enum MHD_Result
add_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct wbuf *b = cls;

	wbuf_puts(b, b->len ? "&" : "?");
	url_escape(b, key);
	if (value) {
		wbuf_puts(b, "=");
		url_escape(b, value);
	}
	return MHD_YES;
}

/* Not logged in: to the login, which comes back here afterwards. */
static int
may_view(struct web_req *r)
{
	struct wbuf here = { 0 }, to = { 0 };

	if (r->role >= ROLE_VIEWER)
		return 1;
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, add_arg, &here);
	wbuf_puts(&to, "/login");
	if (strcmp(r->url, "/") != 0) {
		wbuf_puts(&to, "?next=");
		url_escape(&to, r->url);
		url_escape(&to, here.p ? here.p : "");
	}
	web_redirect(r, to.p ? to.p : "/login");
	wbuf_free(&here);
	wbuf_free(&to);
	return 0;
}

static int
known_page(const char *u)
{
	static const char *const pages[] = { "/", "/devices", "/device", "/graph.png", "/tickets",
		"/ticket", "/inventory", "/inventory.csv", "/inventory.json", "/events", "/reports",
		"/report", "/users" };

	for (size_t i = 0; i < ARRAY_SIZE(pages); i++)
		if (strcmp(u, pages[i]) == 0)
			return 1;
	return 0;
}

static void
route(struct web_req *r)
{
	const char *u = r->url;

	if (strcmp(u, "/s/app.css") == 0 || strcmp(u, "/s/app.js") == 0) {
		int css = u[7] == 'c';

		r->ctype = css ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8";
		PS(r, css ? app_css : app_js);
		r->cacheable = 1;
		return;
	}
	if (strcmp(u, "/login") == 0) {
		if (r->is_post)
			webauth_login(r);
		else
			webauth_login_page(r, NULL);
		return;
	}
	if (strcmp(u, "/logout") == 0) {
		if (!r->is_post)
			page_error(r, MHD_HTTP_METHOD_NOT_ALLOWED, "POST only");
		else if (webauth_post_allowed(r))
			webauth_logout(r);
		return;
	}
	if (strcmp(u, "/metrics") == 0) {
		if (r->role < ROLE_VIEWER && (r->role = webauth_basic(r)) < ROLE_VIEWER) {
			r->status = MHD_HTTP_UNAUTHORIZED;
			r->ctype = "text/plain; charset=utf-8";
			PS(r, "login required\n");
			return;
		}
		page_metrics(r);
		return;
	}
	if (r->is_post) {
		/* every action: a logged-in operator, from our own pages */
		if (r->sess == NULL || r->sess->role < ROLE_OPERATOR) {
			page_error(r, MHD_HTTP_FORBIDDEN, "Operators only: please log in.");
			return;
		}
		if (!webauth_post_allowed(r))
			return;
		if (strcmp(u, "/ticket") == 0)
			page_ticket_action(r);
		else
			page_error(r, MHD_HTTP_NOT_FOUND, "Not found");
		return;
	}
	if (!known_page(u)) {
		page_error(r, MHD_HTTP_NOT_FOUND, "Not found");
		return;
	}
	if (!may_view(r))
		return;
	if (strcmp(u, "/") == 0)
		page_dashboard(r);
	else if (strcmp(u, "/devices") == 0)
		page_devices(r);
	else if (strcmp(u, "/device") == 0)
		page_device(r);
	else if (strcmp(u, "/graph.png") == 0)
		page_graph(r);
	else if (strcmp(u, "/tickets") == 0)
		page_tickets(r);
	else if (strcmp(u, "/ticket") == 0)
		page_ticket(r);
	else if (strcmp(u, "/inventory") == 0)
		page_inventory(r, NULL);
	else if (strcmp(u, "/inventory.csv") == 0)
		page_inventory(r, "csv");
	else if (strcmp(u, "/inventory.json") == 0)
		page_inventory(r, "json");
	else if (strcmp(u, "/events") == 0)
		page_events(r);
	else if (strcmp(u, "/reports") == 0)
		page_reports(r);
	else if (strcmp(u, "/report") == 0)
		page_report(r);
	else if (strcmp(u, "/users") == 0)
		page_users(r);
	else
		page_error(r, MHD_HTTP_NOT_FOUND, "Not found");
}

static void
add_headers(struct MHD_Response *resp, struct web_req *r)
{
	MHD_add_response_header(resp, "Content-Type", r->ctype ? r->ctype :
	    "text/html; charset=utf-8");
	MHD_add_response_header(resp, "Content-Security-Policy", r->csp ? r->csp :
	    "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none';"
	    " object-src 'none'");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
	MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
	MHD_add_response_header(resp, "Cache-Control", r->cacheable ? "max-age=3600" :
	    "no-store");
	MHD_add_response_header(resp, "Vary", "Cookie, Accept-Language");
	if (r->location[0])
		MHD_add_response_header(resp, "Location", r->location);
	if (r->disposition[0])
		MHD_add_response_header(resp, "Content-Disposition", r->disposition);
	if (r->status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(resp, "WWW-Authenticate", "Basic realm=\"nocd\", charset=\"UTF-8\"");
	for (int i = 0; i < r->n_cookies; i++)
		MHD_add_response_header(resp, "Set-Cookie", r->cookies[i]);
}

struct upload {
	struct wbuf body;
	int too_big;
};

static enum MHD_Result
handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct upload *up = *con_cls;
	struct web_req r;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char *body;
	size_t len;

	if (up == NULL) {
		*con_cls = xcalloc(1, sizeof(*up));
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (up->body.len + *upload_data_size > WEB_BODY_MAX)
			up->too_big = 1;
		else
			wbuf_add(&up->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	memset(&r, 0, sizeof(r));
	r.conn = conn;
	r.url = url;
	r.method = method;
	r.status = MHD_HTTP_OK;
	r.is_post = strcmp(method, "POST") == 0;
	pthread_mutex_lock(&handler_lock);
	client_address(&r);
	choose_language(&r);
	if (!r.is_post && strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		page_error(&r, MHD_HTTP_METHOD_NOT_ALLOWED, "Method not allowed");
	} else if (up->too_big || up->body.oom) {
		page_error(&r, MHD_HTTP_CONTENT_TOO_LARGE, "Request too large");
	} else if (r.is_post && parse_form(&r, up->body.p ? up->body.p : (char *)"") < 0) {
		page_error(&r, MHD_HTTP_BAD_REQUEST, "Bad form");
	} else {
		webauth_identify(&r);
		route(&r);
	}
	pthread_mutex_unlock(&handler_lock);
	body = wbuf_take(&r.out, &len);
	if (body == NULL) {
		body = xstrdup("");
		len = 0;
	}
	resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(body);
		return MHD_NO;
	}
	add_headers(resp, &r);
	ret = MHD_queue_response(conn, r.status, resp);
	MHD_destroy_response(resp);
	log_debug("%s %s %s %u", r.addr, method, url, r.status);
	return ret;
}

static void
completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct upload *up = *con_cls;

	if (up) {
		if (up->body.p)
			explicit_bzero(up->body.p, up->body.len);	/* may hold a password */
		wbuf_free(&up->body);
		free(up);
	}
	*con_cls = NULL;
}

struct MHD_Daemon *
webserver_start(int listen_fd)
{
	return MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	    MHD_USE_ITC | MHD_USE_ERROR_LOG, 0, NULL, NULL, handler, NULL,
	    MHD_OPTION_LISTEN_SOCKET, listen_fd,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)128,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)32,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536,
	    MHD_OPTION_END);
}

void
webserver_stop(struct MHD_Daemon *d)
{
	MHD_socket fd;

	if (d == NULL)
		return;
	/*
	 * The listening socket is nocd's too, and the next nocweb's: taken back
	 * first, it is closed without the shutdown() MHD would do, which would
	 * stop it accepting in every process.
	 */
	fd = MHD_quiesce_daemon(d);
	MHD_stop_daemon(d);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
}
