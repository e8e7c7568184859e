/* The web console's small parts: the HTML escaper, URL and CSV escaping,
 * constant-time comparison, tokens, language choice, password hashes and the
 * users table through the store thread's action. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <stdio.h>
#include <unistd.h>

#include "conf.h"
#include "i18n.h"
#include "webusers.h"
#include "webutil.h"

static char *
escaped(void (*fn)(struct wbuf *, const char *), const char *in)
{
	struct wbuf b = { 0 };

	fn(&b, in);
	wbuf_add(&b, "", 0);
	return wbuf_take(&b, NULL);
}

static void
test_html_escape(void **state)
{
	char *s = escaped(html_escape, "<script>alert(1)</script><b>x</b>\"a' `b` & c=d");

	assert_string_equal(s, "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;"
	    "&quot;a&#39; &#96;b&#96; &amp; c=d");
	free(s);
	/* control characters never reach the page */
	s = escaped(html_escape, "a\x01" "b\x1b[31m\x7f");
	assert_string_equal(s, "a\xef\xbf\xbd" "b\xef\xbf\xbd[31m\xef\xbf\xbd");
	free(s);
	s = escaped(html_escape, NULL);
	assert_string_equal(s, "");
	free(s);
	/* UTF-8 passes as it is */
	s = escaped(html_escape, "机房 A");
	assert_string_equal(s, "机房 A");
	free(s);
}

static void
test_url_csv(void **state)
{
	char *s = escaped(url_escape, "a b&c=d/é\"<");
	char dec[] = "a+b%26c%3Dd%2F";
	char bad[] = "a%2";
	char nul[] = "a%00b";

	assert_string_equal(s, "a%20b%26c%3Dd%2F%C3%A9%22%3C");
	free(s);
	assert_int_equal(url_decode(dec), 0);
	assert_string_equal(dec, "a b&c=d/");
	assert_int_equal(url_decode(bad), -1);
	assert_int_equal(url_decode(nul), -1);
	s = escaped(csv_field, "=HYPERLINK(\"x\")");
	assert_string_equal(s, "\"'=HYPERLINK(\"\"x\"\")\"");
	free(s);
	s = escaped(csv_field, "plain, text");
	assert_string_equal(s, "\"plain, text\"");
	free(s);
}

static void
test_form(void **state)
{
	char body[] = "id=42&action=ack&note=fan+3+%26+psu%3D%C3%A9&&empty=&flag";
	char bad[] = "a=%zz";
	char many[] = "a=1&b=2&c=3";
	char *k[4], *v[4];

	assert_int_equal(form_parse(body, k, v, 4), -1);	/* 5 pairs, room for 4 */
	{
		char again[] = "id=42&action=ack&note=fan+3+%26+psu%3D%C3%A9&&empty=";
		char *k5[5], *v5[5];

		assert_int_equal(form_parse(again, k5, v5, 5), 4);
		assert_string_equal(k5[0], "id");
		assert_string_equal(v5[0], "42");
		assert_string_equal(v5[2], "fan 3 & psu=\xc3\xa9");
		assert_string_equal(k5[3], "empty");
		assert_string_equal(v5[3], "");
	}
	assert_int_equal(form_parse(bad, k, v, 4), -1);
	assert_int_equal(form_parse(many, k, v, 3), 3);
	{
		char empty[] = "";

		assert_int_equal(form_parse(empty, k, v, 4), 0);
	}
}

static void
test_tokens(void **state)
{
	char a[65], b[65];

	assert_int_equal(random_hex(a, sizeof(a), 32), 0);
	assert_int_equal(random_hex(b, sizeof(b), 32), 0);
	assert_int_equal(strlen(a), 64);
	assert_int_equal(strspn(a, "0123456789abcdef"), 64);
	assert_string_not_equal(a, b);
	assert_int_equal(random_hex(a, 10, 32), -1);
	assert_true(ct_streq(a, a));
	assert_false(ct_streq(a, b));
	assert_false(ct_streq("", a));
	assert_false(ct_streq(a, ""));
	assert_false(ct_streq("abc", "abcd"));
	assert_true(ct_streq("", ""));
}

static void
test_language(void **state)
{
	enum lang l;

	assert_int_equal(i18n_from_accept("zh-CN,zh;q=0.9,en;q=0.8"), LANG_ZH_CN);
	assert_int_equal(i18n_from_accept("en-US,en;q=0.9,zh-CN;q=0.8"), LANG_EN);
	assert_int_equal(i18n_from_accept("fr-FR, zh;q=0.5, en;q=0.4"), LANG_ZH_CN);
	assert_int_equal(i18n_from_accept("zh-TW,zh-Hant;q=0.9"), LANG_EN);
	assert_int_equal(i18n_from_accept(NULL), LANG_EN);
	assert_int_equal(i18n_from_accept("garbage;;;,,q=,"), LANG_EN);
	/* ?lang= wins over the cookie, the cookie over the config, the config over the browser */
	assert_int_equal(i18n_choose("en", "zh_CN", "zh_CN", "zh-CN"), LANG_EN);
	assert_int_equal(i18n_choose(NULL, "zh_CN", "en", "en"), LANG_ZH_CN);
	assert_int_equal(i18n_choose(NULL, NULL, "zh_CN", "en"), LANG_ZH_CN);
	assert_int_equal(i18n_choose(NULL, "bogus", "auto", "zh"), LANG_ZH_CN);
	assert_int_equal(i18n_parse("zh_CN", &l), 0);
	assert_int_equal(l, LANG_ZH_CN);
	assert_int_equal(i18n_parse("de", &l), -1);
	assert_string_equal(i18n_text(LANG_ZH_CN, "Dashboard"), "总览");
	assert_string_equal(i18n_text(LANG_EN, "Dashboard"), "Dashboard");
	assert_string_equal(i18n_text(LANG_ZH_CN, "no such string"), "no such string");
}

static void
test_passwords(void **state)
{
	char hash[256], other[256];

	assert_int_equal(webusers_hash("correct horse", hash, sizeof(hash)), 0);
	assert_memory_equal(hash, "$y$", 3);
	assert_int_equal(webusers_hash("correct horse", other, sizeof(other)), 0);
	assert_string_not_equal(hash, other);	/* salted */
	assert_true(webusers_verify("correct horse", hash));
	assert_false(webusers_verify("correct horsE", hash));
	assert_false(webusers_verify("", hash));
	assert_false(webusers_verify("correct horse", NULL));
	assert_false(webusers_verify("x", "*0"));
	assert_int_equal(webusers_role("operator"), ROLE_OPERATOR);
	assert_int_equal(webusers_role("root"), ROLE_NONE);
	assert_true(webusers_valid_name("ops.duty-1@room"));
	assert_false(webusers_valid_name("a b"));
	assert_false(webusers_valid_name("<script>"));
	assert_false(webusers_valid_name(""));
}

static void
test_users_table(void **state)
{
	sqlite3 *db;
	json_t *req, *r;
	enum web_role role;
	char hash[256], got[256];

	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE users (name TEXT PRIMARY KEY,"
	    " role TEXT NOT NULL CHECK(role IN ('viewer', 'operator', 'admin')),"
	    " hash TEXT NOT NULL, created INTEGER NOT NULL, updated INTEGER NOT NULL)",
	    NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(webusers_hash("pass-word-1", hash, sizeof(hash)), 0);
	req = json_pack("{s:s, s:s, s:s, s:s, s:s}", "cmd", "user-set", "name", "op", "role",
	    "operator", "hash", hash, "mode", "add");
	assert_true(webusers_is_action(req));
	r = webusers_action(db, req);
	assert_true(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
	r = webusers_action(db, req);	/* twice: refused */
	assert_false(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
	json_decref(req);
	assert_int_equal(webusers_lookup(db, "op", &role, got, sizeof(got)), 0);
	assert_int_equal(role, ROLE_OPERATOR);
	assert_true(webusers_verify("pass-word-1", got));
	assert_int_equal(webusers_lookup(db, "nobody", &role, got, sizeof(got)), 1);
	/* a plain password is never stored */
	req = json_pack("{s:s, s:s, s:s, s:s}", "cmd", "user-set", "name", "op", "hash",
	    "plain-text", "mode", "passwd");
	r = webusers_action(db, req);
	assert_false(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
	json_decref(req);
	req = json_pack("{s:s, s:s}", "cmd", "user-remove", "name", "op");
	r = webusers_action(db, req);
	assert_true(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
	json_decref(req);
	assert_int_equal(webusers_lookup(db, "op", &role, got, sizeof(got)), 1);
	sqlite3_close(db);
}

static int
load(const char *text, struct nocd_conf *c, char *err, size_t errlen)
{
	char path[] = "/tmp/test_web_conf_XXXXXX";
	int fd = mkstemp(path), rc;
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	rc = conf_load(path, c, err, errlen);
	unlink(path);
	return rc;
}

static void
test_web_conf(void **state)
{
	struct nocd_conf c;
	char err[512];

	assert_int_equal(load("state_dir = \"/tmp/x\";\n", &c, err, sizeof(err)), 0);
	assert_false(c.web.anonymous_view);
	assert_string_equal(c.web.language, "auto");
	assert_int_equal(c.web.session_timeout, 28800);
	assert_int_equal(c.listen_http.n, 1);
	assert_string_equal(c.listen_http.v[0], "127.0.0.1:8080");
	conf_free(&c);
	assert_int_equal(load("state_dir = \"/tmp/x\";\nweb = { anonymous_view = true;"
	    " language = \"zh_CN\"; session_timeout = 600; };\n", &c, err, sizeof(err)), 0);
	assert_true(c.web.anonymous_view);
	assert_string_equal(c.web.language, "zh_CN");
	assert_int_equal(c.web.session_timeout, 600);
	conf_free(&c);
	assert_int_equal(load("state_dir = \"/tmp/x\";\nweb = {\n language = \"fr\"; };\n",
	    &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":3: web.language must be"));
	assert_int_equal(load("web = { anonymous_view = 1; };\n", &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":1: web.anonymous_view must be true or false"));
	assert_int_equal(load("web = { session_timeout = 5; };\n", &c, err, sizeof(err)), -1);
	assert_int_equal(load("web = { theme = \"dark\"; };\n", &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown key 'web.theme'"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html_escape),
		cmocka_unit_test(test_url_csv),
		cmocka_unit_test(test_form),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_language),
		cmocka_unit_test(test_passwords),
		cmocka_unit_test(test_users_table),
		cmocka_unit_test(test_web_conf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
