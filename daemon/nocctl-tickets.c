/*
 * nocctl: tickets, maintenance windows, inventory and assets. Lists and
 * exports read the database read-only; changes go to nocd, which applies
 * them with the ticket queue's other writes and answers once committed.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "events.h"
#include "nocctl.h"
#include "tickets.h"
#include "util.h"

/* "--key value" options after the positional arguments. */
struct opt {
	const char *name;
	const char *value;
	int flag;		/* takes no value */
};

static int
parse_opts(int argc, char **argv, int first, struct opt *opts)
{
	for (int i = first; i < argc; i++) {
		struct opt *o;

		for (o = opts; o->name; o++)
			if (strcmp(argv[i], o->name) == 0)
				break;
		if (o->name == NULL) {
			fail("unknown option %s", argv[i]);
			return EXIT_USAGE;
		}
		if (o->flag) {
			o->value = "1";
			continue;
		}
		if (i + 1 >= argc) {
			fail("%s needs a value", argv[i]);
			return EXIT_USAGE;
		}
		o->value = argv[++i];
	}
	return 0;
}

static const char *
opt(const struct opt *opts, const char *name)
{
	for (; opts->name; opts++)
		if (strcmp(opts->name, name) == 0)
			return opts->value;
	return NULL;
}

static int
parse_id(const char *s, long long *id)
{
	char *end;

	errno = 0;
	*id = strtoll(s, &end, 10);
	return errno || *end || *id <= 0 ? -1 : 0;
}

/* "30d", "-30d", "12h" or a date: the start of a period. */
static int
parse_since(const char *s, time_t *out)
{
	return parse_time_spec(s, time(NULL), out);
}

static void
put_time(json_t *o, const char *key, int width)
{
	const char *s = json_string_value(json_object_get(o, key));
	char buf[32];

	if (s && strlen(s) >= 16) {
		/* 2026-11-24T06:00:00Z -> 2026-11-24 06:00 */
		snprintf(buf, sizeof(buf), "%.10s %.5s", s, s + 11);
		put_field(buf, width);
	} else
		put_field("-", width);
}

static int
tickets_list(int argc, char **argv)
{
	struct opt opts[] = { { "--state", "open", 0 }, { "--device", "", 0 }, { NULL, NULL, 0 } };
	const char *state;
	sqlite3 *db;
	json_t *list, *t;
	size_t i;
	int rc;

	if ((rc = parse_opts(argc, argv, 2, opts)) != 0)
		return rc;
	state = opt(opts, "--state");
	if (strcmp(state, "open") && strcmp(state, "acknowledged") && strcmp(state, "assigned") &&
	    strcmp(state, "resolved") && strcmp(state, "closed") && strcmp(state, "all")) {
		fail("--state is open, acknowledged, assigned, resolved, closed or all");
		return EXIT_USAGE;
	}
	if ((db = open_db()) == NULL)
		return EXIT_RUNTIME;
	list = tk_query_list(db, state, opt(opts, "--device"));
	db_close(db);
	if (list == NULL)
		return fail("cannot read the tickets");
	if (json_out) {
		rc = print_json(list);
		json_decref(list);
		return rc;
	}
	printf("%-6s %-9s %-13s %-12s %-16s %-16s %-5s %s\n", "ID", "SEVERITY", "CATEGORY",
	    "STATE", "DEVICE", "LAST SEEN", "COUNT", "TITLE");
	json_array_foreach(list, i, t) {
		char num[24];

		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(json_object_get(t,
		    "id")));
		put_field(num, 7);
		put_field(jstr(t, "severity"), 10);
		put_field(jstr(t, "category"), 14);
		put_field(jstr(t, "state"), 13);
		put_field(jstr(t, "device"), 17);
		put_time(t, "last_seen", 17);
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(json_object_get(t,
		    "count")));
		put_field(num, 6);
		put_field(jstr(t, "title"), 0);
		putchar('\n');
	}
	json_decref(list);
	return 0;
}

static int
tickets_show(const char *arg)
{
	long long id;
	int found, rc;
	sqlite3 *db;
	json_t *t, *h;
	size_t i;
	static const char *const fields[] = { "device", "title", "severity", "category", "state",
		"rule", "instance", "source", "first_seen", "last_seen", "acked_at", "acked_by",
		"assignee", "resolved_at", "closed_at", "sla_due", NULL };

	if (parse_id(arg, &id) < 0) {
		fail("not a ticket number: %s", arg);
		return EXIT_USAGE;
	}
	if ((db = open_db()) == NULL)
		return EXIT_RUNTIME;
	t = tk_query_show(db, id, &found);
	db_close(db);
	if (t == NULL)
		return found ? fail("cannot read ticket %lld", id) : fail("no ticket %lld", id);
	if (json_out) {
		rc = print_json(t);
		json_decref(t);
		return rc;
	}
	printf("ticket %lld\n", id);
	for (int k = 0; fields[k]; k++) {
		json_t *v = json_object_get(t, fields[k]);

		if (v == NULL || json_is_null(v) || (json_is_string(v) &&
		    json_string_value(v)[0] == '\0'))
			continue;
		printf("  %-12s ", fields[k]);
		put_field(json_is_string(v) ? json_string_value(v) : "", 0);
		putchar('\n');
	}
	printf("  %-12s %lld\n", "count", (long long)json_integer_value(json_object_get(t, "count")));
	if (json_integer_value(json_object_get(t, "sla_breached")))
		printf("  %-12s breached\n", "sla");
	if (json_integer_value(json_object_get(t, "escalated")))
		printf("  %-12s yes\n", "escalated");
	if (json_integer_value(json_object_get(t, "linked")))
		printf("  %-12s %lld problems of child devices\n", "linked",
		    (long long)json_integer_value(json_object_get(t, "linked")));
	printf("history:\n");
	json_array_foreach(json_object_get(t, "history"), i, h) {
		printf("  ");
		put_time(h, "time", 17);
		put_field(jstr(h, "action"), 14);
		put_field(jstr(h, "who"), 12);
		put_field(jstr(h, "note"), 0);
		putchar('\n');
	}
	json_decref(t);
	return 0;
}

static int
tickets_action(int argc, char **argv)
{
	struct opt opts[] = { { "--by", NULL, 0 }, { "--note", NULL, 0 }, { "--to", NULL, 0 },
		{ NULL, NULL, 0 } };
	const char *action = strcmp(argv[1], "ack") == 0 ? "ack" : argv[1];
	long long id;
	json_t *req;
	int rc;

	if (argc < 3 || parse_id(argv[2], &id) < 0)
		usage();
	if ((rc = parse_opts(argc, argv, 3, opts)) != 0)
		return rc;
	if (strcmp(action, "assign") == 0 && opt(opts, "--to") == NULL) {
		fail("assign needs --to WHO");
		return EXIT_USAGE;
	}
	if (strcmp(action, "assign") != 0 && opt(opts, "--to") != NULL) {
		fail("--to goes with assign");
		return EXIT_USAGE;
	}
	req = json_pack("{s:s, s:s, s:I}", "cmd", "ticket", "action", action, "id",
	    (json_int_t)id);
	if (opt(opts, "--by"))
		json_object_set_new(req, "by", json_string(opt(opts, "--by")));
	else {
		const char *user = getenv("SUDO_USER") ? getenv("SUDO_USER") : getenv("USER");

		json_object_set_new(req, "by", json_string(user ? user : "operator"));
	}
	if (opt(opts, "--note"))
		json_object_set_new(req, "note", json_string(opt(opts, "--note")));
	if (opt(opts, "--to"))
		json_object_set_new(req, "to", json_string(opt(opts, "--to")));
	return control(req);
}

static int
tickets_stats(int argc, char **argv)
{
	struct opt opts[] = { { "--since", "30d", 0 }, { NULL, NULL, 0 } };
	time_t since;
	sqlite3 *db;
	json_t *s, *v;
	const char *k;
	size_t i;
	int rc;

	if ((rc = parse_opts(argc, argv, 2, opts)) != 0)
		return rc;
	if (parse_since(opt(opts, "--since"), &since) < 0) {
		fail("--since takes a duration (30d, 12h) or a date");
		return EXIT_USAGE;
	}
	if ((db = open_db()) == NULL)
		return EXIT_RUNTIME;
	s = tk_query_stats(db, since);
	db_close(db);
	if (s == NULL)
		return fail("cannot read the tickets");
	if (json_out) {
		rc = print_json(s);
		json_decref(s);
		return rc;
	}
	printf("tickets since %s: %lld\n", jstr(s, "since"),
	    (long long)json_integer_value(json_object_get(s, "total")));
	printf("mean time to acknowledge: %.0f s, to resolve: %.0f s\n",
	    json_number_value(json_object_get(s, "mtta_s")),
	    json_number_value(json_object_get(s, "mttr_s")));
	printf("SLA breaches: %lld, reopened: %lld\n",
	    (long long)json_integer_value(json_object_get(s, "sla_breaches")),
	    (long long)json_integer_value(json_object_get(s, "reopened")));
	for (int g = 0; g < 3; g++) {
		static const char *const groups[] = { "by_severity", "by_category", "by_state" };

		printf("%s:", groups[g] + 3);
		json_object_foreach(json_object_get(s, groups[g]), k, v)
			printf(" %s %lld", k, (long long)json_integer_value(v));
		putchar('\n');
	}
	printf("top devices:\n");
	json_array_foreach(json_object_get(s, "top_devices"), i, v) {
		printf("  ");
		put_field(jstr(v, "device"), 21);
		printf("%lld tickets, %lld open\n",
		    (long long)json_integer_value(json_object_get(v, "tickets")),
		    (long long)json_integer_value(json_object_get(v, "open")));
	}
	json_decref(s);
	return 0;
}

int
cmd_tickets(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "list") == 0)
		return tickets_list(argc, argv);
	if (strcmp(argv[1], "show") == 0 && argc == 3)
		return tickets_show(argv[2]);
	if (strcmp(argv[1], "ack") == 0 || strcmp(argv[1], "assign") == 0 ||
	    strcmp(argv[1], "resolve") == 0 || strcmp(argv[1], "close") == 0)
		return tickets_action(argc, argv);
	if (strcmp(argv[1], "stats") == 0)
		return tickets_stats(argc, argv);
	usage();
}

/* --- maintenance --- */

int
cmd_maintenance(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "add") == 0) {
		struct opt opts[] = { { "--device", NULL, 0 }, { "--group", NULL, 0 },
			{ "--class", NULL, 0 }, { "--start", "now", 0 }, { "--end", NULL, 0 },
			{ "--reason", "", 0 }, { "--by", NULL, 0 }, { NULL, NULL, 0 } };
		time_t now = time(NULL), start, end;
		const char *by;
		json_t *req;
		int rc;

		if ((rc = parse_opts(argc, argv, 2, opts)) != 0)
			return rc;
		if (opt(opts, "--end") == NULL || parse_time_spec(opt(opts, "--start"), now,
		    &start) < 0 || parse_time_spec(opt(opts, "--end"), now, &end) < 0) {
			fail("maintenance add needs --end (and --start): now, +2h, -1h,"
			    " 2026-11-25T22:00 (local time) or ...Z (UTC)");
			return EXIT_USAGE;
		}
		by = opt(opts, "--by") ? opt(opts, "--by") : getenv("USER");
		req = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:s}", "cmd", "maintenance-add",
		    "device", opt(opts, "--device") ? opt(opts, "--device") : "",
		    "group", opt(opts, "--group") ? opt(opts, "--group") : "",
		    "class", opt(opts, "--class") ? opt(opts, "--class") : "",
		    "start", (json_int_t)start, "end", (json_int_t)end,
		    "reason", opt(opts, "--reason"), "by", by ? by : "operator");
		if (!json_out) {
			char err[512];
			json_t *r = ctl_request_simple(req, err, sizeof(err));

			if (r == NULL)
				return fail("%s", err);
			if (!json_is_true(json_object_get(r, "ok")))
				rc = fail("%s", jstr(r, "error"));
			else
				printf("maintenance window %lld\n",
				    (long long)json_integer_value(json_object_get(r, "id")));
			json_decref(r);
			return rc;
		}
		return control(req);
	}
	if (argc >= 2 && strcmp(argv[1], "list") == 0) {
		struct opt opts[] = { { "--all", NULL, 1 }, { NULL, NULL, 0 } };
		sqlite3 *db;
		json_t *list, *m;
		size_t i;
		int rc;

		if ((rc = parse_opts(argc, argv, 2, opts)) != 0)
			return rc;
		if ((db = open_db()) == NULL)
			return EXIT_RUNTIME;
		list = tk_query_maintenance(db, opt(opts, "--all") != NULL);
		db_close(db);
		if (list == NULL)
			return fail("cannot read the maintenance windows");
		if (json_out) {
			rc = print_json(list);
			json_decref(list);
			return rc;
		}
		printf("%-5s %-10s %-24s %-17s %-17s %-10s %s\n", "ID", "STATUS", "FOR", "START",
		    "END", "SUPPRESSED", "REASON");
		json_array_foreach(list, i, m) {
			char buf[96];
			const char *what = jstr(m, "device");

			snprintf(buf, sizeof(buf), "%lld",
			    (long long)json_integer_value(json_object_get(m, "id")));
			put_field(buf, 6);
			put_field(jstr(m, "status"), 11);
			if (what[0] && strcmp(what, "-"))
				snprintf(buf, sizeof(buf), "device %s", what);
			else if (jstr(m, "group")[0] && strcmp(jstr(m, "group"), "-"))
				snprintf(buf, sizeof(buf), "group %s", jstr(m, "group"));
			else
				snprintf(buf, sizeof(buf), "class %s", jstr(m, "class"));
			put_field(buf, 25);
			put_time(m, "start", 18);
			put_time(m, "end", 18);
			snprintf(buf, sizeof(buf), "%lld",
			    (long long)json_integer_value(json_object_get(m, "suppressed")));
			put_field(buf, 11);
			put_field(jstr(m, "reason"), 0);
			putchar('\n');
		}
		json_decref(list);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "remove") == 0) {
		long long id;

		if (parse_id(argv[2], &id) < 0)
			usage();
		return control(json_pack("{s:s, s:I}", "cmd", "maintenance-remove", "id",
		    (json_int_t)id));
	}
	usage();
}

/* --- inventory --- */

/* RFC 4180: quote every field; double the quotes inside. */
static void
csv_field(const char *s, int last)
{
	putchar('"');
	for (; s && *s; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
	fputs(last ? "\r\n" : ",", stdout);
}

static const char *
csv_safe(const char *s, char *buf, size_t len)
{
	/* =cmd|... in a cell is a formula to Excel: device strings are hostile */
	if (s && (*s == '=' || *s == '+' || *s == '-' || *s == '@')) {
		snprintf(buf, len, "'%s", s);
		return buf;
	}
	return s;
}

int
cmd_inventory(int argc, char **argv)
{
	static const char *const cols[] = { "device", "class", "name", "description", "vendor",
		"model", "serial", "firmware", "hardware_rev", "software_rev", "physical_class",
		"location", "warranty_end", "purchase_date", "asset_tag", "owner", "last_seen",
		NULL };
	sqlite3 *db;
	json_t *list, *row;
	size_t i;
	int rc;

	if (argc >= 2 && strcmp(argv[1], "export") == 0) {
		struct opt opts[] = { { "--format", "csv", 0 }, { "--device", NULL, 0 },
			{ "--class", NULL, 0 }, { NULL, NULL, 0 } };
		const char *fmt;

		if ((rc = parse_opts(argc, argv, 2, opts)) != 0)
			return rc;
		fmt = json_out ? "json" : opt(opts, "--format");
		if (strcmp(fmt, "csv") != 0 && strcmp(fmt, "json") != 0) {
			fail("--format is csv or json");
			return EXIT_USAGE;
		}
		if ((db = open_db()) == NULL)
			return EXIT_RUNTIME;
		list = tk_query_inventory(db, opt(opts, "--device"), opt(opts, "--class"));
		db_close(db);
		if (list == NULL)
			return fail("cannot read the inventory");
		if (strcmp(fmt, "json") == 0) {
			rc = print_json(list);
			json_decref(list);
			return rc;
		}
		for (int k = 0; cols[k]; k++)
			csv_field(cols[k], cols[k + 1] == NULL);
		json_array_foreach(list, i, row) {
			for (int k = 0; cols[k]; k++) {
				const char *s = json_string_value(json_object_get(row, cols[k]));
				char buf[1024];

				csv_field(csv_safe(s ? s : "", buf, sizeof(buf)), cols[k + 1] == NULL);
			}
		}
		json_decref(list);
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "history") == 0) {
		struct opt opts[] = { { "--device", NULL, 0 }, { "--since", "30d", 0 },
			{ NULL, NULL, 0 } };
		time_t since;

		if ((rc = parse_opts(argc, argv, 2, opts)) != 0)
			return rc;
		if (parse_since(opt(opts, "--since"), &since) < 0) {
			fail("--since takes a duration (30d, 12h) or a date");
			return EXIT_USAGE;
		}
		if ((db = open_db()) == NULL)
			return EXIT_RUNTIME;
		list = tk_query_inventory_history(db, opt(opts, "--device"), since);
		db_close(db);
		if (list == NULL)
			return fail("cannot read the inventory history");
		if (json_out) {
			rc = print_json(list);
			json_decref(list);
			return rc;
		}
		json_array_foreach(list, i, row) {
			put_time(row, "time", 17);
			put_field(jstr(row, "device"), 17);
			put_field(jstr(row, "name"), 25);
			put_field(jstr(row, "change"), 12);
			put_field(jstr(row, "field"), 14);
			put_field(jstr(row, "detail"), 0);
			putchar('\n');
		}
		json_decref(list);
		return 0;
	}
	usage();
}

/* --- assets --- */

static json_t *
asset_req(const char *device)
{
	return json_pack("{s:s, s:s}", "cmd", "asset-set", "device", device);
}

/* One CSV record (RFC 4180: quoted fields, doubled quotes, CRLF or LF). */
static int
csv_record(FILE *f, char fields[][256], int max, int *n)
{
	int c, q = 0, len = 0, any = 0;

	*n = 0;
	fields[0][0] = '\0';
	while ((c = getc(f)) != EOF) {
		any = 1;
		if (q) {
			if (c == '"') {
				int d = getc(f);

				if (d == '"')
					goto add;
				q = 0;
				if (d == EOF)
					break;
				c = d;
			} else
				goto add;
		}
		if (c == '"' && len == 0) {
			q = 1;
			continue;
		}
		if (c == ',' || c == '\n') {
			fields[*n][len] = '\0';
			if (*n + 1 >= max)
				return -1;
			(*n)++;
			len = 0;
			fields[*n][0] = '\0';
			if (c == '\n')
				return 1;
			continue;
		}
		if (c == '\r')
			continue;
add:
		if (len + 1 >= 256)
			return -1;
		fields[*n][len++] = (char)c;
	}
	if (!any)
		return 0;
	fields[*n][len] = '\0';
	(*n)++;
	return 1;
}

static int
asset_import(const char *path)
{
	static const char *const known[] = { "device", "asset_tag", "owner", "purchase_date",
		"warranty_end", NULL };
	char head[8][256], rec[8][256];
	int nh, n, map[8], line = 1, bad = 0, done = 0, r;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return fail("%s: %s", path, strerror(errno));
	if (csv_record(f, head, 8, &nh) != 1) {
		fclose(f);
		return fail("%s:1: expected a header line: device,asset_tag,owner,purchase_date,"
		    "warranty_end", path);
	}
	for (int i = 0; i < nh; i++) {
		map[i] = -1;
		for (int k = 0; known[k]; k++)
			if (strcmp(head[i], known[k]) == 0)
				map[i] = k;
		if (map[i] < 0) {
			fclose(f);
			return fail("%s:1: unknown column '%s'", path, head[i]);
		}
	}
	if (nh == 0 || map[0] != 0) {
		fclose(f);
		return fail("%s:1: the first column must be device", path);
	}
	while ((r = csv_record(f, rec, 8, &n)) == 1) {
		json_t *req;
		char err[512];
		json_t *reply;

		line++;
		if (n == 1 && rec[0][0] == '\0')
			continue;
		if (n != nh) {
			fprintf(stderr, "nocctl: %s:%d: %d fields, the header has %d\n", path, line,
			    n, nh);
			bad++;
			continue;
		}
		req = asset_req(rec[0]);
		for (int i = 1; i < n; i++)
			json_object_set_new(req, known[map[i]], json_string(rec[i]));
		reply = ctl_request_simple(req, err, sizeof(err));
		if (reply == NULL) {
			fclose(f);
			return fail("%s", err);
		}
		if (!json_is_true(json_object_get(reply, "ok"))) {
			fprintf(stderr, "nocctl: %s:%d: %s\n", path, line, jstr(reply, "error"));
			bad++;
		} else
			done++;
		json_decref(reply);
	}
	fclose(f);
	if (r < 0) {
		fprintf(stderr, "nocctl: %s:%d: field too long or too many fields\n", path, line + 1);
		bad++;
	}
	printf("%d assets updated, %d lines refused\n", done, bad);
	return bad ? EXIT_RUNTIME : 0;
}

int
cmd_asset(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "import") == 0)
		return asset_import(argv[2]);
	if (argc >= 3 && strcmp(argv[1], "set") == 0) {
		struct opt opts[] = { { "--warranty-end", NULL, 0 }, { "--purchase-date", NULL, 0 },
			{ "--asset-tag", NULL, 0 }, { "--owner", NULL, 0 }, { NULL, NULL, 0 } };
		json_t *req;
		int rc;

		if ((rc = parse_opts(argc, argv, 3, opts)) != 0)
			return rc;
		req = asset_req(argv[2]);
		if (opt(opts, "--warranty-end"))
			json_object_set_new(req, "warranty_end", json_string(opt(opts,
			    "--warranty-end")));
		if (opt(opts, "--purchase-date"))
			json_object_set_new(req, "purchase_date", json_string(opt(opts,
			    "--purchase-date")));
		if (opt(opts, "--asset-tag"))
			json_object_set_new(req, "asset_tag", json_string(opt(opts, "--asset-tag")));
		if (opt(opts, "--owner"))
			json_object_set_new(req, "owner", json_string(opt(opts, "--owner")));
		return control(req);
	}
	usage();
}

/* --- events and logs --- */

static void
print_events(json_t *list)
{
	size_t i;
	json_t *e;

	printf("%-17s %-7s %-16s %-16s %-9s %-20s %s\n", "TIME", "SOURCE", "DEVICE", "HOST",
	    "SEVERITY", "TYPE", "MESSAGE");
	json_array_foreach(list, i, e) {
		put_time(e, "time", 18);
		put_field(jstr(e, "source"), 8);
		put_field(jstr(e, "device"), 17);
		put_field(jstr(e, "host"), 17);
		put_field(jstr(e, "severity"), 10);
		put_field(jstr(e, "type"), 21);
		put_field(jstr(e, "message"), 0);
		putchar('\n');
	}
}

int
cmd_events(int argc, char **argv)
{
	struct opt opts[] = { { "--source", "", 0 }, { "--since", "1h", 0 },
		{ "--limit", "1000", 0 }, { NULL, NULL, 0 } };
	const char *src;
	time_t since;
	sqlite3 *db;
	json_t *list;
	int rc, limit;

	if (argc < 2 || strcmp(argv[1], "list") != 0)
		usage();
	if ((rc = parse_opts(argc, argv, 2, opts)) != 0)
		return rc;
	src = opt(opts, "--source");
	if (src[0] && strcmp(src, "trap") && strcmp(src, "syslog") && strcmp(src, "poll")) {
		fail("--source is trap, syslog or poll");
		return EXIT_USAGE;
	}
	limit = atoi(opt(opts, "--limit"));
	if (parse_since(opt(opts, "--since"), &since) < 0 || limit <= 0) {
		fail("--since takes a duration (1h, 30d) or a date; --limit a number");
		return EXIT_USAGE;
	}
	if ((db = open_db()) == NULL)
		return EXIT_RUNTIME;
	list = ev_query_list(db, src, since, limit);
	db_close(db);
	if (list == NULL)
		return fail("cannot read the events");
	if (json_out)
		rc = print_json(list);
	else
		print_events(list);
	json_decref(list);
	return rc;
}

int
cmd_logs(int argc, char **argv)
{
	struct opt opts[] = { { "--since", "1d", 0 }, { "--limit", "1000", 0 },
		{ NULL, NULL, 0 } };
	char err[256] = "";
	time_t since;
	sqlite3 *db;
	json_t *list;
	int rc, limit;

	if (argc < 3 || strcmp(argv[1], "search") != 0)
		usage();
	if ((rc = parse_opts(argc, argv, 3, opts)) != 0)
		return rc;
	limit = atoi(opt(opts, "--limit"));
	if (parse_since(opt(opts, "--since"), &since) < 0 || limit <= 0) {
		fail("--since takes a duration (1h, 30d) or a date; --limit a number");
		return EXIT_USAGE;
	}
	if ((db = open_db()) == NULL)
		return EXIT_RUNTIME;
	list = ev_query_search(db, argv[2], since, limit, err, sizeof(err));
	db_close(db);
	if (list == NULL)
		return fail("search '%s': %s (words, \"phrases\", AND, OR, NOT, prefix*)", argv[2],
		    err);
	if (json_out)
		rc = print_json(list);
	else
		print_events(list);
	json_decref(list);
	return rc;
}
