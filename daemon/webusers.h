/*
 * The web console's local users: names, roles (viewer < operator < admin)
 * and yescrypt password hashes in the `users` table. nocctl hashes the
 * password and sends the hash; the store thread writes it (control socket
 * requests user-set and user-remove); nocweb only reads and verifies.
 */
#ifndef NOCD_WEBUSERS_H
#define NOCD_WEBUSERS_H

#include <jansson.h>
#include <sqlite3.h>
#include <stddef.h>

enum web_role { ROLE_NONE = 0, ROLE_VIEWER, ROLE_OPERATOR, ROLE_ADMIN };

enum web_role webusers_role(const char *name);
const char *webusers_role_name(enum web_role r);
/* Letters, digits, . _ - and @, 1 to 64 characters. */
int webusers_valid_name(const char *name);

/* A new yescrypt hash of password into out; 0 or -1. */
int webusers_hash(const char *password, char *out, size_t outlen);
/* 1 when password matches hash (constant-time compare), else 0. With hash
 * NULL a dummy hash is computed so that an unknown user costs the same. */
int webusers_verify(const char *password, const char *hash);

/* Store thread: {cmd: "user-set", name, role, hash, mode: add|passwd|role}
 * and {cmd: "user-remove", name}. Returns the reply object. */
int webusers_is_action(json_t *req);
json_t *webusers_action(sqlite3 *db, json_t *req);

/* Read-only connections: the role and hash of a user (0), 1 if there is no
 * such user, -1 on a database error. */
int webusers_lookup(sqlite3 *db, const char *name, enum web_role *role, char *hash,
	size_t hashlen);
/* [{name, role, created, updated}] */
json_t *webusers_list(sqlite3 *db);

#endif
