/*
 * nocctl user: the web console's local users. The password is read here
 * (without echo from a terminal), hashed here with yescrypt, and only the
 * hash goes to nocd, whose store thread writes the users table.
 */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "db.h"
#include "nocctl.h"
#include "util.h"
#include "webusers.h"

#define PASSWORD_MIN 8

int cmd_user(int argc, char **argv);

static int
read_line(const char *prompt, char *buf, size_t len)
{
	struct termios old, quiet;
	int tty = isatty(STDIN_FILENO);
	size_t n;

	if (tty) {
		fputs(prompt, stderr);
		fflush(stderr);
		if (tcgetattr(STDIN_FILENO, &old) < 0)
			return -1;
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) < 0)
			return -1;
	}
	if (fgets(buf, (int)len, stdin) == NULL)
		buf[0] = '\0';
	if (tty)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	n = strcspn(buf, "\r\n");
	if (buf[n] == '\0' && n == len - 1)
		return -1;	/* longer than the buffer */
	buf[n] = '\0';
	return 0;
}

/* The new password: twice from a terminal, once (a line) from a pipe. */
static int
read_password(char *pw, size_t len)
{
	char again[512];

	if (read_line("Password: ", pw, len) < 0)
		return fail("cannot read the password");
	if (strlen(pw) < PASSWORD_MIN)
		return fail("the password must have at least %d characters", PASSWORD_MIN);
	if (isatty(STDIN_FILENO)) {
		if (read_line("Again: ", again, sizeof(again)) < 0 || strcmp(pw, again) != 0) {
			explicit_bzero(again, sizeof(again));
			return fail("the passwords differ");
		}
		explicit_bzero(again, sizeof(again));
	}
	return 0;
}

static int
user_set(const char *name, const char *role, const char *mode)
{
	char pw[512], hash[256];
	json_t *req;
	int rc;

	if (strcmp(mode, "role") != 0) {
		if ((rc = read_password(pw, sizeof(pw))) != 0) {
			explicit_bzero(pw, sizeof(pw));
			return rc;
		}
		rc = webusers_hash(pw, hash, sizeof(hash));
		explicit_bzero(pw, sizeof(pw));
		if (rc < 0)
			return fail("cannot hash the password (libcrypt yescrypt)");
	}
	req = json_pack("{s:s, s:s, s:s}", "cmd", "user-set", "name", name, "mode", mode);
	if (role)
		json_object_set_new(req, "role", json_string(role));
	if (strcmp(mode, "role") != 0)
		json_object_set_new(req, "hash", json_string(hash));
	return control(req);
}

static int
user_list(void)
{
	sqlite3 *db = open_db();
	json_t *list, *u;
	size_t i;
	int rc = 0;

	if (db == NULL)
		return EXIT_RUNTIME;
	if ((list = webusers_list(db)) == NULL) {
		db_close(db);
		return fail("cannot read the users (has nocd migrated the database?)");
	}
	if (json_out) {
		rc = print_json(list);
	} else {
		printf("%-24s %-9s %s\n", "NAME", "ROLE", "UPDATED");
		json_array_foreach(list, i, u)
			printf("%-24s %-9s %s\n", jstr(u, "name"), jstr(u, "role"), jstr(u, "updated"));
	}
	json_decref(list);
	db_close(db);
	return rc;
}

int
cmd_user(int argc, char **argv)
{
	const char *role = NULL;

	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return user_list();
	if (argc < 3)
		usage();
	if (!webusers_valid_name(argv[2])) {
		fail("a user name has 1 to 64 letters, digits, '.', '_', '-' or '@'");
		return EXIT_USAGE;
	}
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--role") == 0 && i + 1 < argc)
			role = argv[++i];
		else
			usage();
	}
	if (role && webusers_role(role) == ROLE_NONE) {
		fail("--role is viewer, operator or admin");
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "add") == 0) {
		if (role == NULL) {
			fail("user add needs --role viewer|operator|admin");
			return EXIT_USAGE;
		}
		return user_set(argv[2], role, "add");
	}
	if (strcmp(argv[1], "passwd") == 0 && role == NULL)
		return user_set(argv[2], NULL, "passwd");
	if (strcmp(argv[1], "role") == 0 && role != NULL)
		return user_set(argv[2], role, "role");
	if (strcmp(argv[1], "remove") == 0 && role == NULL)
		return control(json_pack("{s:s, s:s}", "cmd", "user-remove", "name", argv[2]));
	usage();
	return EXIT_USAGE;
}
