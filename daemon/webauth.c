/*
 * Logins, sessions and the checks on every action. Sessions live in this
 * process only (a restart of nocweb logs everyone out): a 256-bit id from
 * getrandom() in an HttpOnly SameSite=Strict cookie, a CSRF token of its own,
 * an expiry. Failed logins are counted per source address and per user name.
 */
#include "config.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "util.h"
#include "web.h"

#define MAX_SESSIONS 512
#define SESSION_COOKIE "nocweb_session"
#define LOGIN_COOKIE "nocweb_login"	/* the login form's own CSRF token */

/* Failed logins: this many in the window locks the key out for the window. */
#define FAIL_WINDOW 300
#define FAIL_MAX_ADDR 10
#define FAIL_MAX_USER 5
#define FAIL_SLOTS 4096		/* a spray of other names must not evict a counter soon */

struct fail_count {
	char key[72];		/* "a:ADDRESS" or "u:USER" */
	time_t window_start;
	int fails;
};

static struct web_session sessions[MAX_SESSIONS];
static struct fail_count fails[FAIL_SLOTS];
static struct log_ratelimit login_log = LOG_RATELIMIT_INIT(10, 5);

static struct web_session *
session_find(const char *id)
{
	time_t now = time(NULL);

	if (id == NULL || strlen(id) != WEB_TOKEN_HEX - 1)
		return NULL;
	for (size_t i = 0; i < MAX_SESSIONS; i++) {
		struct web_session *s = &sessions[i];

		if (s->id[0] == '\0')
			continue;
		if (s->expires <= now) {
			explicit_bzero(s, sizeof(*s));
			continue;
		}
		if (ct_streq(id, s->id))
			return s;
	}
	return NULL;
}

static struct web_session *
session_new(const char *user, enum web_role role)
{
	struct web_session *s = NULL;
	time_t now = time(NULL);

	for (size_t i = 0; i < MAX_SESSIONS; i++) {
		if (sessions[i].id[0] == '\0' || sessions[i].expires <= now) {
			s = &sessions[i];
			break;
		}
		/* full: the oldest goes */
		if (s == NULL || sessions[i].created < s->created)
			s = &sessions[i];
	}
	explicit_bzero(s, sizeof(*s));
	if (random_hex(s->id, sizeof(s->id), 32) < 0 ||
	    random_hex(s->csrf, sizeof(s->csrf), 32) < 0) {
		explicit_bzero(s, sizeof(*s));
		return NULL;
	}
	nocd_strlcpy(s->user, user, sizeof(s->user));
	s->role = role;
	s->created = now;
	s->expires = now + web.conf.web.session_timeout;
	return s;
}

void
webauth_identify(struct web_req *r)
{
	r->sess = session_find(MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND,
	    SESSION_COOKIE));
	if (r->sess) {
		/* a role changed or a user removed since the login counts at once */
		enum web_role role;
		char hash[256];
		sqlite3 *db = web_db();

		if (db && webusers_lookup(db, r->sess->user, &role, hash, sizeof(hash)) == 0)
			r->sess->role = role;
		else if (db)
			r->sess->role = ROLE_NONE;
		explicit_bzero(hash, sizeof(hash));
		r->role = r->sess->role;
		if (r->role == ROLE_NONE) {
			explicit_bzero(r->sess, sizeof(*r->sess));
			r->sess = NULL;
		}
	}
	if (r->sess == NULL)
		r->role = web.conf.web.anonymous_view ? ROLE_VIEWER : ROLE_NONE;
}

/* Requests for actions come from our own pages, never from another site. */
int
webauth_origin_ok(struct web_req *r)
{
	const char *site = web_header(r, "Sec-Fetch-Site");
	const char *origin = web_header(r, "Origin");
	const char *host = web_header(r, "Host");

	if (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
		return 0;
	if (origin && strcmp(origin, "null") == 0)
		return 0;
	if (origin) {
		const char *p = strstr(origin, "://");

		if (p == NULL || host == NULL || strcmp(p + 3, host) != 0)
			return 0;
	}
	return 1;
}

int
webauth_post_allowed(struct web_req *r)
{
	const char *token = web_form(r, "csrf");

	if (!webauth_origin_ok(r)) {
		page_error(r, MHD_HTTP_FORBIDDEN, "Cross-site request refused.");
		return 0;
	}
	if (r->sess == NULL || token == NULL || !ct_streq(token, r->sess->csrf)) {
		page_error(r, MHD_HTTP_FORBIDDEN, "Missing or wrong CSRF token: reload the page.");
		return 0;
	}
	return 1;
}

void
webauth_csrf_field(struct web_req *r)
{
	if (r->sess == NULL)
		return;
	PS(r, "<input type=\"hidden\" name=\"csrf\" value=\"");
	E(r, r->sess->csrf);
	PS(r, "\">");
}

static struct fail_count *
fail_slot(const char *kind, const char *what, int create)
{
	char key[72];
	struct fail_count *victim = NULL;
	time_t now = time(NULL);

	snprintf(key, sizeof(key), "%s:%s", kind, what);
	for (size_t i = 0; i < FAIL_SLOTS; i++) {
		if (strcmp(fails[i].key, key) == 0) {
			if (now - fails[i].window_start >= FAIL_WINDOW) {
				fails[i].window_start = now;
				fails[i].fails = 0;
			}
			return &fails[i];
		}
		if (victim == NULL || fails[i].window_start < victim->window_start)
			victim = &fails[i];
	}
	if (!create)
		return NULL;
	nocd_strlcpy(victim->key, key, sizeof(victim->key));
	victim->window_start = now;
	victim->fails = 0;
	return victim;
}

static int
locked_out(const char *addr, const char *user)
{
	struct fail_count *a = fail_slot("a", addr, 0), *u = fail_slot("u", user, 0);

	return (a && a->fails >= FAIL_MAX_ADDR) || (u && u->fails >= FAIL_MAX_USER);
}

static void
count_failure(const char *addr, const char *user)
{
	fail_slot("a", addr, 1)->fails++;
	fail_slot("u", user, 1)->fails++;
}

void
webauth_login_page(struct web_req *r, const char *error)
{
	char token[WEB_TOKEN_HEX];
	const char *next = web_query(r, "next");
	const char *have = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, LOGIN_COOKIE);

	/* the token already given stays: a second tab or a favicon must not void the first form */
	if (have && strlen(have) == WEB_TOKEN_HEX - 1 && strspn(have, "0123456789abcdef") ==
	    WEB_TOKEN_HEX - 1)
		nocd_strlcpy(token, have, sizeof(token));
	else if (random_hex(token, sizeof(token), 32) < 0) {
		page_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "No randomness");
		return;
	}
	web_cookie(r, LOGIN_COOKIE, token, 600);
	page_begin(r, T(r, "Log in"), 0);
	PS(r, "<div class=\"login\"><h1>");
	E(r, T(r, "Log in"));
	PS(r, "</h1>");
	if (error) {
		PS(r, "<p class=\"err\" id=\"login-error\">");
		E(r, T(r, error));
		PS(r, "</p>");
	}
	PS(r, "<form method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"lt\" value=\"");
	E(r, token);
	PS(r, "\">");
	if (next && next[0] == '/' && next[1] != '/') {
		PS(r, "<input type=\"hidden\" name=\"next\" value=\"");
		E(r, next);
		PS(r, "\">");
	}
	PS(r, "<label>");
	E(r, T(r, "User"));
	PS(r, "<input name=\"user\" id=\"user\" autocomplete=\"username\" required></label><label>");
	E(r, T(r, "Password"));
	PS(r, "<input name=\"password\" id=\"password\" type=\"password\" "
	    "autocomplete=\"current-password\" required></label><button type=\"submit\" id=\"login\">");
	E(r, T(r, "Log in"));
	PS(r, "</button></form></div>");
	page_end(r);
}

void
webauth_login(struct web_req *r)
{
	const char *user = web_form(r, "user"), *password = web_form(r, "password");
	const char *lt = web_form(r, "lt"), *next = web_form(r, "next");
	const char *cookie = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, LOGIN_COOKIE);
	char hash[256] = "";
	enum web_role role = ROLE_NONE;
	struct web_session *s;
	sqlite3 *db = web_db();
	int found, ok;

	if (!webauth_origin_ok(r)) {
		page_error(r, MHD_HTTP_FORBIDDEN, "Cross-site request refused.");
		return;
	}
	if (lt == NULL || cookie == NULL || !ct_streq(lt, cookie)) {
		r->status = MHD_HTTP_FORBIDDEN;
		webauth_login_page(r, "The login form expired: please try again.");
		return;
	}
	if (user == NULL || password == NULL || !webusers_valid_name(user) ||
	    strlen(password) > 1024) {
		r->status = MHD_HTTP_BAD_REQUEST;
		webauth_login_page(r, "Wrong user or password.");
		return;
	}
	if (locked_out(r->addr, user)) {
		log_limited(&login_log, LOG_LVL_WARN, "login of %s from %s refused: too many failures",
		    user, r->addr);
		r->status = MHD_HTTP_TOO_MANY_REQUESTS;
		webauth_login_page(r, "Too many failed logins: wait a few minutes.");
		return;
	}
	found = db ? webusers_lookup(db, user, &role, hash, sizeof(hash)) : -1;
	ok = webusers_verify(password, found == 0 ? hash : NULL) && role != ROLE_NONE;
	explicit_bzero(hash, sizeof(hash));
	if (!ok) {
		count_failure(r->addr, user);
		log_limited(&login_log, LOG_LVL_WARN, "failed login of %s from %s", user, r->addr);
		r->status = MHD_HTTP_FORBIDDEN;
		webauth_login_page(r, found < 0 ? "The user database cannot be read." :
		    "Wrong user or password.");
		return;
	}
	if ((s = session_new(user, role)) == NULL) {
		page_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "No randomness");
		return;
	}
	log_info("%s logged in from %s as %s", user, r->addr, webusers_role_name(role));
	web_cookie(r, SESSION_COOKIE, s->id, web.conf.web.session_timeout);
	web_cookie(r, LOGIN_COOKIE, "", 0);
	web_redirect(r, next && next[0] == '/' && next[1] != '/' && !strpbrk(next, "\r\n\\") ?
	    next : "/");
}

void
webauth_logout(struct web_req *r)
{
	if (r->sess) {
		log_info("%s logged out", r->sess->user);
		explicit_bzero(r->sess, sizeof(*r->sess));
		r->sess = NULL;
	}
	web_cookie(r, SESSION_COOKIE, "", 0);
	web_redirect(r, "/login");
}

enum web_role
webauth_basic(struct web_req *r)
{
	char *pass = NULL, *user = MHD_basic_auth_get_username_password(r->conn, &pass);
	enum web_role role = ROLE_NONE;
	char hash[256];
	sqlite3 *db = web_db();

	if (user && pass && db && webusers_valid_name(user) && !locked_out(r->addr, user)) {
		int found = webusers_lookup(db, user, &role, hash, sizeof(hash));

		if (!webusers_verify(pass, found == 0 ? hash : NULL)) {
			count_failure(r->addr, user);
			role = ROLE_NONE;
		}
		explicit_bzero(hash, sizeof(hash));
	}
	if (pass) {
		explicit_bzero(pass, strlen(pass));
		MHD_free(pass);
	}
	if (user)
		MHD_free(user);
	return role;
}
