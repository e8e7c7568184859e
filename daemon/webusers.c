#include "config.h"

#include <crypt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "util.h"
#include "webusers.h"
#include "webutil.h"

static const char *const role_names[] = { "", "viewer", "operator", "admin" };

enum web_role
webusers_role(const char *name)
{
	for (size_t i = 1; name && i < ARRAY_SIZE(role_names); i++)
		if (strcmp(name, role_names[i]) == 0)
			return (enum web_role)i;
	return ROLE_NONE;
}

const char *
webusers_role_name(enum web_role r)
{
	return (size_t)r < ARRAY_SIZE(role_names) ? role_names[r] : "";
}

int
webusers_valid_name(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > 64)
		return 0;
	for (; *name; name++)
		if (!((*name >= 'a' && *name <= 'z') || (*name >= 'A' && *name <= 'Z') ||
		    (*name >= '0' && *name <= '9') || *name == '.' || *name == '_' ||
		    *name == '-' || *name == '@'))
			return 0;
	return 1;
}

int
webusers_hash(const char *password, char *out, size_t outlen)
{
	struct crypt_data *cd = xcalloc(1, sizeof(*cd));
	char *salt = crypt_gensalt_ra("$y$", 0, NULL, 0);
	const char *h;
	int rc = -1;

	if (salt == NULL)
		goto out;
	h = crypt_r(password, salt, cd);
	if (h == NULL || h[0] == '*')
		goto out;
	rc = copy_string(out, outlen, h);
out:
	free(salt);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return rc;
}

int
webusers_verify(const char *password, const char *hash)
{
	/* spent on unknown users, so that they take as long as a wrong password */
	static char dummy[128];
	struct crypt_data *cd;
	const char *h;
	int ok;

	if (hash == NULL && dummy[0] == '\0' && webusers_hash("no such user", dummy,
	    sizeof(dummy)) < 0)
		return 0;
	cd = xcalloc(1, sizeof(*cd));
	h = crypt_r(password, hash ? hash : dummy, cd);
	ok = hash != NULL && h != NULL && h[0] != '*' && ct_streq(h, hash);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return ok;
}

int
webusers_is_action(json_t *req)
{
	const char *cmd = json_string_value(json_object_get(req, "cmd"));

	return cmd && (strcmp(cmd, "user-set") == 0 || strcmp(cmd, "user-remove") == 0);
}

static json_t *reply_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static json_t *
reply_fail(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return json_pack("{s:b, s:s}", "ok", 0, "error", buf);
}

static int
exec_bind(sqlite3 *db, const char *sql, const char *a, const char *b, const char *c)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	if (b)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	if (c)
		sqlite3_bind_text(st, 3, c, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)time(NULL));
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	return sqlite3_changes(db);
}

json_t *
webusers_action(sqlite3 *db, json_t *req)
{
	const char *cmd = json_string_value(json_object_get(req, "cmd"));
	const char *name = json_string_value(json_object_get(req, "name"));
	const char *role = json_string_value(json_object_get(req, "role"));
	const char *hash = json_string_value(json_object_get(req, "hash"));
	const char *mode = json_string_value(json_object_get(req, "mode"));
	int n;

	if (!webusers_valid_name(name))
		return reply_fail("%s", "bad user name");
	if (strcmp(cmd, "user-remove") == 0) {
		n = exec_bind(db, "DELETE FROM users WHERE name = ?1 AND ?4 = ?4", name, NULL, NULL);
		if (n < 0)
			return NULL;
		return n ? json_pack("{s:b}", "ok", 1) : reply_fail("no user %s", name);
	}
	if (mode == NULL)
		mode = "add";
	if (strcmp(mode, "role") != 0 && (hash == NULL || strncmp(hash, "$y$", 3) != 0))
		return reply_fail("%s", "the password hash must be yescrypt ($y$)");
	if (strcmp(mode, "passwd") != 0 && webusers_role(role) == ROLE_NONE)
		return reply_fail("%s", "role must be viewer, operator or admin");
	if (strcmp(mode, "add") == 0)
		n = exec_bind(db, "INSERT INTO users(name, role, hash, created, updated)"
		    " VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT(name) DO NOTHING", name, role, hash);
	else if (strcmp(mode, "passwd") == 0)
		n = exec_bind(db, "UPDATE users SET hash = ?3, updated = ?4 WHERE name = ?1"
		    " AND ?2 IS NULL", name, NULL, hash);
	else if (strcmp(mode, "role") == 0)
		n = exec_bind(db, "UPDATE users SET role = ?2, updated = ?4 WHERE name = ?1"
		    " AND ?3 IS NULL", name, role, NULL);
	else
		return reply_fail("%s", "mode must be add, passwd or role");
	if (n < 0)
		return NULL;
	if (n == 0)
		return reply_fail(strcmp(mode, "add") == 0 ? "user %s already exists" :
		    "no user %s", name);
	return json_pack("{s:b, s:s}", "ok", 1, "name", name);
}

int
webusers_lookup(sqlite3 *db, const char *name, enum web_role *role, char *hash, size_t hashlen)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(db, "SELECT role, hash FROM users WHERE name = ?1", -1, &st,
	    NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		*role = webusers_role((const char *)sqlite3_column_text(st, 0));
		rc = copy_string(hash, hashlen, (const char *)sqlite3_column_text(st, 1)) < 0 ?
		    -1 : 0;
		break;
	case SQLITE_DONE:
		rc = 1;
		break;
	}
	sqlite3_finalize(st);
	return rc;
}

json_t *
webusers_list(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	json_t *list = json_array(), *o;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT name, role, created, updated FROM users ORDER BY name",
	    -1, &st, NULL) != SQLITE_OK) {
		json_decref(list);
		return NULL;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((o = db_row_json(st, "sstt")) != NULL)
			json_array_append_new(list, o);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(list);
		return NULL;
	}
	return list;
}
