/*
 * nocweb's parts: the server and its request (webserver.c), logins,
 * sessions and CSRF (webauth.c), the pages (webpages.c). One request is
 * handled at a time (a lock around the handler), so the parts share plain
 * state without locks of their own.
 */
#ifndef NOCD_WEB_H
#define NOCD_WEB_H

#include <sqlite3.h>
#include <time.h>

#include "conf.h"
#include "i18n.h"
#include "probe.h"
#include "webusers.h"
#include "webutil.h"

#define WEB_TOKEN_HEX 65	/* 256 bits as hex + NUL */
#define WEB_FORM_MAX 32
#define WEB_BODY_MAX 16384	/* a POST body larger than this is refused */

struct web_session {
	char id[WEB_TOKEN_HEX];
	char csrf[WEB_TOKEN_HEX];
	char user[65];
	enum web_role role;
	time_t created, expires;
};

struct web_req {
	struct MHD_Connection *conn;
	const char *url, *method;
	int is_post;
	enum lang lang;
	struct web_session *sess;	/* NULL: not logged in */
	enum web_role role;		/* what this request may do */
	char addr[64];			/* the client's address */
	char *form_buf;			/* the POST body, split in place */
	char *keys[WEB_FORM_MAX], *vals[WEB_FORM_MAX];
	int n_form;
	/* the answer */
	unsigned status;
	struct wbuf out;
	const char *ctype;
	char location[512];		/* a redirect when set */
	char cookies[4][300];
	int n_cookies;
	char disposition[128];		/* Content-Disposition of downloads */
	int cacheable;			/* static assets */
	const char *csp;		/* NULL: the console's own policy */
};

/* the process's shared state (nocweb.c) */
struct web_state {
	struct nocd_conf conf;
	struct probe_set probes;
	sqlite3 *db;			/* read-only; opened on first use */
	char tmpdir[PATH_MAX];		/* graphs are drawn here, then served */
};
extern struct web_state web;

sqlite3 *web_db(void);

/* webserver.c */
struct MHD_Daemon;
struct MHD_Daemon *webserver_start(int listen_fd);
void webserver_stop(struct MHD_Daemon *d);
const char *web_query(struct web_req *r, const char *name);	/* NULL if absent */
const char *web_form(struct web_req *r, const char *name);
const char *web_header(struct web_req *r, const char *name);
void web_cookie(struct web_req *r, const char *name, const char *value, long max_age);
void web_redirect(struct web_req *r, const char *location);
#define T(r, s) i18n_text((r)->lang, (s))
#define E(r, s) html_escape(&(r)->out, (s))
#define P(r, ...) wbuf_printf(&(r)->out, __VA_ARGS__)
#define PS(r, s) wbuf_puts(&(r)->out, (s))

/* webauth.c */
void webauth_identify(struct web_req *r);	/* session cookie -> r->sess, r->role */
int webauth_post_allowed(struct web_req *r);	/* Origin/Sec-Fetch-Site and CSRF token */
int webauth_origin_ok(struct web_req *r);
void webauth_login_page(struct web_req *r, const char *error);
void webauth_login(struct web_req *r);
void webauth_logout(struct web_req *r);
/* HTTP Basic credentials of a local user (for /metrics scrapers): role or ROLE_NONE. */
enum web_role webauth_basic(struct web_req *r);
void webauth_csrf_field(struct web_req *r);	/* the hidden input of every form */

/* webpages.c */
void page_begin(struct web_req *r, const char *title, int refresh);
void page_end(struct web_req *r);
void page_error(struct web_req *r, unsigned status, const char *msg);
void page_dashboard(struct web_req *r);
void page_devices(struct web_req *r);
void page_device(struct web_req *r);
void page_graph(struct web_req *r);
void page_tickets(struct web_req *r);
void page_ticket(struct web_req *r);
void page_ticket_action(struct web_req *r);
void page_inventory(struct web_req *r, const char *format);
void page_events(struct web_req *r);
void page_metrics(struct web_req *r);
void page_reports(struct web_req *r);
void page_users(struct web_req *r);
void page_report(struct web_req *r);

#endif
