/*
 * nocctl: the operator's tool. Queries read the database read-only;
 * actions go to nocd over its control socket.
 * Exit status: 0 success, 1 runtime error, 2 usage error.
 */
#include "config.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "ctlclient.h"
#include "db.h"
#include "graph.h"
#include "log.h"
#include "nocctl.h"
#include "probe.h"
#include "rrdstore.h"
#include "util.h"


struct nocd_conf conf;
int json_out;
int cmd_report(int argc, char **argv);	/* nocctl-report.c */
int cmd_user(int argc, char **argv);	/* nocctl-user.c */

void
usage(void)
{
	fprintf(stderr,
	    "usage: nocctl [-c FILE] [--json] COMMAND ...\n"
	    "  devices [--json]\n"
	    "  device add NAME --address HOST[:PORT] [--version 1|2c|3] [--community C]\n"
	    "             [--user U --level L --auth-proto P --auth-key K --priv-proto P --priv-key K]\n"
	    "             [--location TEXT] [--parent NAME] [--class CLASS]\n"
	    "  device remove NAME\n"
	    "  device show NAME [--json]\n"
	    "  device poll NAME\n"
	    "  graph DEVICE METRIC [--instance I] [--start -1d] [--end now] -o FILE.png|.svg\n"
	    "  stats [--json]\n"
	    "  flush [DEVICE] [--json]\n"
	    "  tickets list [--state open|acknowledged|assigned|resolved|closed|all]\n"
	    "               [--device NAME] [--json]\n"
	    "  tickets show ID [--json]\n"
	    "  tickets ack ID [--by WHO] [--note TEXT]\n"
	    "  tickets assign ID --to WHO [--by WHO] [--note TEXT]\n"
	    "  tickets resolve ID [--by WHO] [--note TEXT]\n"
	    "  tickets close ID [--by WHO] [--note TEXT]\n"
	    "  tickets stats [--since 30d] [--json]\n"
	    "  maintenance add (--device NAME | --group G | --class C) --start T --end T\n"
	    "                  [--reason TEXT] [--by WHO]\n"
	    "  maintenance list [--all] [--json]\n"
	    "  maintenance remove ID\n"
	    "  inventory export [--format csv|json] [--device NAME] [--class CLASS]\n"
	    "  inventory history [--device NAME] [--since 30d] [--json]\n"
	    "  asset set DEVICE [--warranty-end DATE] [--purchase-date DATE] [--asset-tag T]\n"
	    "            [--owner O]\n"
	    "  asset import FILE.csv\n"
	    "  events list [--source trap|syslog|poll] [--since 1h] [--limit N] [--json]\n"
	    "  logs search TEXT [--since 1d] [--limit N] [--json]\n"
	    "  report inspection|hardware [--since 30d] [--until now] [--lang en|zh_CN]\n"
	    "         -o FILE.html\n"
	    "  user add NAME --role viewer|operator|admin   (password on stdin, no echo)\n"
	    "  user passwd NAME | user role NAME --role R | user remove NAME | user list [--json]\n"
	    "A key given as \"-\" is read from standard input.\n");
	exit(EXIT_USAGE);
}

int
fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "nocctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_RUNTIME;
}

int
print_json(json_t *j)
{
	int rc = json_dumpf(j, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII) == 0 ? 0 : EXIT_RUNTIME;

	putchar('\n');
	return rc;
}

sqlite3 *
open_db(void)
{
	char err[512];
	sqlite3 *db = db_open_ro(conf.state_dir, err, sizeof(err));

	if (db == NULL)
		fprintf(stderr, "nocctl: %s\n", err);
	return db;
}

/* Device strings are hostile: print them without control characters. */
void
put_field(const char *s, int width)
{
	int n = 0;

	for (; s && *s && (width <= 0 || n < width - 1); s++, n++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
	for (; width > 0 && n < width; n++)
		putchar(' ');
}

const char *
jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "-";
}

static int
cmd_devices(void)
{
	sqlite3 *db = open_db();
	json_t *list;
	size_t i;
	json_t *d;

	if (db == NULL)
		return EXIT_RUNTIME;
	list = db_query_devices(db);
	db_close(db);
	if (list == NULL)
		return fail("cannot read the devices");
	if (json_out) {
		int rc = print_json(list);

		json_decref(list);
		return rc;
	}
	printf("%-20s %-22s %-12s %-8s %-21s %s\n", "NAME", "ADDRESS", "CLASS", "STATUS",
	    "LAST POLL", "REASON");
	json_array_foreach(list, i, d) {
		put_field(jstr(d, "name"), 21);
		put_field(jstr(d, "address"), 23);
		put_field(jstr(d, "class"), 13);
		put_field(jstr(d, "status"), 9);
		put_field(jstr(d, "last_poll"), 22);
		put_field(jstr(d, "status_reason"), 0);
		putchar('\n');
	}
	json_decref(list);
	return 0;
}

static void
print_value(json_t *v)
{
	if (json_is_real(v))
		printf("%.6g", json_real_value(v));
	else if (json_is_integer(v))
		printf("%lld", (long long)json_integer_value(v));
	else if (json_is_string(v))
		put_field(json_string_value(v), 0);
	else
		printf("-");
}

static int
cmd_device_show(const char *name)
{
	sqlite3 *db = open_db();
	json_t *d, *m, *metrics;
	const char *key;
	json_t *v;
	size_t i;
	int found = 0;

	if (db == NULL)
		return EXIT_RUNTIME;
	d = db_query_device(db, name, &found);
	db_close(db);
	if (d == NULL)
		return found ? fail("cannot read device %s", name) : fail("no device %s", name);
	if (json_out) {
		int rc = print_json(d);

		json_decref(d);
		return rc;
	}
	json_object_foreach(d, key, v) {
		if (strcmp(key, "metrics") == 0)
			continue;
		printf("%-16s ", key);
		print_value(v);
		putchar('\n');
	}
	metrics = json_object_get(d, "metrics");
	printf("\n%-28s %-24s %-16s %s\n", "METRIC", "INSTANCE", "VALUE", "UNIT");
	json_array_foreach(metrics, i, m) {
		const char *label = json_string_value(json_object_get(m, "label"));
		json_t *val = json_object_get(m, "last_value");

		put_field(jstr(m, "metric"), 29);
		put_field(label && *label ? label : jstr(m, "instance"), 25);
		if (json_is_null(val) || val == NULL)
			val = json_object_get(m, "text");
		if (json_is_real(val) || json_is_integer(val)) {
			char buf[32];

			snprintf(buf, sizeof(buf), "%.6g", json_number_value(val));
			put_field(buf, 17);
		} else {
			put_field(json_is_string(val) ? json_string_value(val) : "-", 17);
		}
		put_field(jstr(m, "unit"), 0);
		putchar('\n');
	}
	json_decref(d);
	return 0;
}

json_t *
ctl_request_simple(json_t *req, char *err, size_t errlen)
{
	json_t *reply = ctl_request(conf.state_dir, req, 10000, err, errlen);

	json_decref(req);
	return reply;
}

int
control(json_t *req)
{
	char err[512];
	json_t *reply = ctl_request(conf.state_dir, req, 10000, err, sizeof(err));
	int rc = 0;

	json_decref(req);
	if (reply == NULL)
		return fail("%s", err);
	if (!json_is_true(json_object_get(reply, "ok"))) {
		rc = fail("%s", jstr(reply, "error"));
	} else if (json_out) {
		json_object_del(reply, "ok");
		rc = print_json(reply);
	}
	json_decref(reply);
	return rc;
}

/* nocctl flush [DEVICE]: nocd writes the RRD updates it holds (rrd.write_cache). */
static int
cmd_flush(int argc, char **argv)
{
	char err[512];
	json_t *req = argc == 2 ? json_pack("{s:s, s:s}", "cmd", "flush", "device", argv[1]) :
	    json_pack("{s:s}", "cmd", "flush");
	json_t *reply = ctl_request(conf.state_dir, req, 30000, err, sizeof(err));
	int rc = 0;

	json_decref(req);
	if (reply == NULL)
		return fail("%s", err);
	if (!json_is_true(json_object_get(reply, "ok")))
		rc = fail("%s", jstr(reply, "error"));
	else if (json_out) {
		json_object_del(reply, "ok");
		rc = print_json(reply);
	} else
		printf("%lld files written\n",
		    (long long)json_integer_value(json_object_get(reply, "files")));
	json_decref(reply);
	return rc;
}

static int
read_secret(const char *arg, char *buf, size_t len)
{
	if (strcmp(arg, "-") != 0)
		return copy_string(buf, len, arg);
	if (fgets(buf, (int)len, stdin) == NULL)
		return -1;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

static int
cmd_device_add(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "address", required_argument, NULL, 'a' },
		{ "version", required_argument, NULL, 'V' },
		{ "community", required_argument, NULL, 'C' },
		{ "user", required_argument, NULL, 'u' },
		{ "level", required_argument, NULL, 'l' },
		{ "auth-proto", required_argument, NULL, 'A' },
		{ "auth-key", required_argument, NULL, 'k' },
		{ "priv-proto", required_argument, NULL, 'X' },
		{ "priv-key", required_argument, NULL, 'x' },
		{ "location", required_argument, NULL, 'L' },
		{ "parent", required_argument, NULL, 'p' },
		{ "class", required_argument, NULL, 'K' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	json_t *dev;
	char host[256], key[SECRET_MAX_LEN];
	uint16_t port = 161;
	int ch;

	if (argc < 2 || argv[1][0] == '-')
		usage();
	dev = json_pack("{s:s}", "name", argv[1]);
	optind = 2;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		const char *field = NULL;

		switch (ch) {
		case 'a':
			if (conf_parse_hostport(optarg, host, sizeof(host), &port) < 0) {
				json_decref(dev);
				fprintf(stderr, "nocctl: bad --address %s\n", optarg);
				return EXIT_USAGE;
			}
			json_object_set_new(dev, "address", json_string(host));
			json_object_set_new(dev, "port", json_integer(port));
			continue;
		case 'V': field = "version"; break;
		case 'C': field = "community"; break;
		case 'u': field = "user"; break;
		case 'l': field = "level"; break;
		case 'A': field = "auth"; break;
		case 'X': field = "priv"; break;
		case 'L': field = "location"; break;
		case 'p': field = "parent"; break;
		case 'K': field = "class"; break;
		case 'j': json_out = 1; continue;
		case 'k':
		case 'x':
			if (read_secret(optarg, key, sizeof(key)) < 0) {
				json_decref(dev);
				return fail("cannot read the key");
			}
			json_object_set_new(dev, ch == 'k' ? "auth_key" : "priv_key", json_string(key));
			explicit_bzero(key, sizeof(key));
			continue;
		default:
			json_decref(dev);
			usage();
		}
		json_object_set_new(dev, field, json_string(optarg));
	}
	if (optind != argc || json_object_get(dev, "address") == NULL) {
		json_decref(dev);
		fprintf(stderr, "nocctl: device add needs NAME and --address\n");
		return EXIT_USAGE;
	}
	return control(json_pack("{s:s, s:o}", "cmd", "device-add", "device", dev));
}

/* The lines to draw: one metric, or the group's default graph. */
static int
graph_lines(const struct probe *pr, const char *metric, struct graph_req *g)
{
	if (metric[0]) {
		int c = probe_column_index(pr, metric);

		if (c < 0 || !pr->cols[c].rrd)
			return -1;
		nocd_strlcpy(g->lines[0].ds, metric, sizeof(g->lines[0].ds));
		nocd_strlcpy(g->lines[0].legend, metric, sizeof(g->lines[0].legend));
		nocd_strlcpy(g->lines[0].unit, pr->cols[c].unit, sizeof(g->lines[0].unit));
		g->n_lines = 1;
		return 0;
	}
	for (int i = 0; i < pr->n_graph && g->n_lines < GRAPH_MAX_LINES; i++) {
		int c = probe_column_index(pr, pr->graph[i]);
		struct graph_line *l = &g->lines[g->n_lines++];

		nocd_strlcpy(l->ds, pr->graph[i], sizeof(l->ds));
		nocd_strlcpy(l->legend, pr->graph[i], sizeof(l->legend));
		nocd_strlcpy(l->unit, pr->cols[c].unit, sizeof(l->unit));
	}
	return g->n_lines ? 0 : -1;
}

static int
cmd_graph(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "instance", required_argument, NULL, 'i' },
		{ "start", required_argument, NULL, 's' },
		{ "end", required_argument, NULL, 'e' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	const char *start = "-1d", *end = "now", *out = NULL, *inst_arg = NULL, *dot;
	char group[32] = "", metric[20] = "", instance[64] = "", unit[16], err[1024];
	struct probe_set ps = { .v = NULL };
	const struct probe *pr;
	struct graph_req *g = NULL;
	sqlite3 *db = NULL;
	time_t now = time(NULL);
	int ch, rc = EXIT_RUNTIME;

	if (argc < 3)
		usage();
	optind = 3;
	while ((ch = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (ch) {
		case 'i': inst_arg = optarg; break;
		case 's': start = optarg; break;
		case 'e': end = optarg; break;
		case 'o': out = optarg; break;
		default: usage();
		}
	}
	if (out == NULL || optind != argc)
		usage();
	g = xcalloc(1, sizeof(*g));
	if (parse_time_spec(start, now, &g->start) < 0 || parse_time_spec(end, now, &g->end) < 0 ||
	    g->start >= g->end) {
		fprintf(stderr, "nocctl: bad time range %s .. %s\n", start, end);
		free(g);
		return EXIT_USAGE;
	}
	dot = strchr(argv[2], '.');
	if ((dot ? (size_t)(dot - argv[2]) : strlen(argv[2])) >= sizeof(group) ||
	    (dot && copy_string(metric, sizeof(metric), dot + 1) < 0)) {
		rc = fail("unknown metric %s", argv[2]);
		goto out;
	}
	memcpy(group, argv[2], dot ? (size_t)(dot - argv[2]) : strlen(argv[2]));
	probes_load((const char *const *)conf.probedirs.v, conf.probedirs.n, &ps);
	pr = probes_find(&ps, group);
	if (pr == NULL || graph_lines(pr, metric, g) < 0) {
		rc = fail("unknown metric %s (use GROUP or GROUP.METRIC, see nocctl device show)",
		    argv[2]);
		goto out;
	}
	nocd_strlcpy(instance, inst_arg ? inst_arg : (pr->kind == PROBE_SCALAR ? "_" : ""),
	    sizeof(instance));
	if ((db = open_db()) == NULL)
		goto out;
	switch (db_find_metric(db, argv[1], group, instance, sizeof(instance), g->lines[0].ds,
	    unit, sizeof(unit))) {
	case 0:
		break;
	case 1:
		rc = fail("no data for %s %s%s%s (see nocctl device show %s)", argv[1], argv[2],
		    inst_arg ? " instance " : "", inst_arg ? inst_arg : "", argv[1]);
		goto out;
	default:
		rc = fail("cannot read the database");
		goto out;
	}
	if (rrd_path(conf.state_dir, argv[1], group, instance, g->rrd_file,
	    sizeof(g->rrd_file)) < 0) {
		rc = fail("path too long");
		goto out;
	}
	nocd_strlcpy(g->rrdcached, conf.rrdcached, sizeof(g->rrdcached));
	if (conf.rrdcached[0] == '\0' && conf.rrd_write_cache > 0) {
		/* nocd holds recent updates (rrd.write_cache): have them written first;
		 * if nocd is not running there is nothing held */
		json_t *req = json_pack("{s:s, s:s}", "cmd", "flush", "device", argv[1]);
		json_t *r = ctl_request(conf.state_dir, req, 10000, err, sizeof(err));

		json_decref(req);
		json_decref(r);
	}
	snprintf(g->title, sizeof(g->title), "%s %s %s", argv[1], argv[2],
	    strcmp(instance, "_") ? instance : "");
	if (copy_string(g->output, sizeof(g->output), out) < 0 ||
	    graph_draw(g, err, sizeof(err)) < 0) {
		rc = fail("graph: %s", err);
		goto out;
	}
	rc = 0;
out:
	db_close(db);
	probes_free(&ps);
	free(g);
	return rc;
}

static int
cmd_device(int argc, char **argv)
{
	if (argc < 3)
		usage();
	if (strcmp(argv[1], "add") == 0)
		return cmd_device_add(argc - 1, argv + 1);
	if (argc > 4 || (argc == 4 && strcmp(argv[3], "--json") != 0))
		usage();
	if (argc == 4)
		json_out = 1;
	if (strcmp(argv[1], "show") == 0)
		return cmd_device_show(argv[2]);
	if (strcmp(argv[1], "remove") == 0)
		return control(json_pack("{s:s, s:s}", "cmd", "device-remove", "name", argv[2]));
	if (strcmp(argv[1], "poll") == 0)
		return control(json_pack("{s:s, s:s}", "cmd", "poll-now", "name", argv[2]));
	usage();
	return EXIT_USAGE;
}

int
main(int argc, char **argv)
{
	const char *path = conf_default_path();
	char err[1024];
	int i = 1, rc;

	log_init("nocctl", 1, 0);
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strcmp(argv[i], "--json") == 0)
			json_out = 1;
		else
			usage();
	}
	if (i >= argc)
		usage();
	/* --json may also follow the command */
	for (int k = i + 1; k < argc; k++)
		if (strcmp(argv[k], "--json") == 0 && strcmp(argv[i], "device") != 0) {
			json_out = 1;
			for (int m = k; m < argc - 1; m++)
				argv[m] = argv[m + 1];
			argc--;
			k--;
		}
	if (conf_load(path, &conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "nocctl: %s\n", err);
		return EXIT_RUNTIME;
	}
	argc -= i;
	argv += i;
	if (strcmp(argv[0], "devices") == 0 && argc == 1)
		rc = cmd_devices();
	else if (strcmp(argv[0], "device") == 0)
		rc = cmd_device(argc, argv);
	else if (strcmp(argv[0], "graph") == 0)
		rc = cmd_graph(argc, argv);
	else if (strcmp(argv[0], "stats") == 0 && argc == 1) {
		json_out = 1;	/* counters read best as the JSON they are */
		rc = control(json_pack("{s:s}", "cmd", "stats"));
	}
	else if (strcmp(argv[0], "flush") == 0 && argc <= 2)
		rc = cmd_flush(argc, argv);
	else if (strcmp(argv[0], "ping") == 0 && argc == 1)
		rc = control(json_pack("{s:s}", "cmd", "ping"));
	else if (strcmp(argv[0], "tickets") == 0)
		rc = cmd_tickets(argc, argv);
	else if (strcmp(argv[0], "maintenance") == 0)
		rc = cmd_maintenance(argc, argv);
	else if (strcmp(argv[0], "inventory") == 0)
		rc = cmd_inventory(argc, argv);
	else if (strcmp(argv[0], "asset") == 0)
		rc = cmd_asset(argc, argv);
	else if (strcmp(argv[0], "events") == 0)
		rc = cmd_events(argc, argv);
	else if (strcmp(argv[0], "logs") == 0)
		rc = cmd_logs(argc, argv);
	else if (strcmp(argv[0], "report") == 0)
		rc = cmd_report(argc, argv);	/* nocctl-report.c */
	else if (strcmp(argv[0], "user") == 0)
		rc = cmd_user(argc, argv);	/* nocctl-user.c */
	else
		usage();
	conf_free(&conf);
	return rc;
}
