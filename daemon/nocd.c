/*
 * nocd: the table of contents of the daemon. Modules start in order and
 * stop in reverse; the work is in the modules.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alerts.h"
#include "conf.h"
#include "control.h"
#include "db.h"
#include "evloop.h"
#include "hashmap.h"
#include "log.h"
#include "northbound.h"
#include "poller.h"
#include "privdrop.h"
#include "probe.h"
#include "rules.h"
#include "snmpsess.h"
#include "store.h"
#include "syslogd.h"
#include "trapd.h"
#include "util.h"
#include "vendor.h"
#include "webspawn.h"

static struct {
	struct nocd_conf *conf;
	struct probe_set *probes;
	struct vendor_catalog *vendors;
	struct evloop *loop;
	struct poller *poller;
	struct trapd *trapd;
	struct syslogd *syslogd;
	char pidfile[PATH_MAX];
} nocd;

static void
usage(void)
{
	fprintf(stderr, "usage: nocd [-fnv] [-c FILE]\n"
	    "  -c FILE  configuration file (default %s)\n"
	    "  -f       stay in the foreground, log to stderr\n"
	    "  -n       check the configuration and exit\n"
	    "  -v       verbose (debug) logging\n", conf_default_path());
	exit(2);
}

static struct probe_set *
load_probes(const struct nocd_conf *conf, int *failed)
{
	struct probe_set *ps = xcalloc(1, sizeof(*ps));

	*failed = probes_load((const char *const *)conf->probedirs.v, conf->probedirs.n, ps);
	if (ps->n == 0)
		log_warnx("no probes loaded from the probe directories: only the system group "
		    "will be polled");
	return ps;
}

/*
 * Problems whose tickets are open start out raised in the rule engine, so
 * that a restart neither counts them again nor forgets to clear them.
 */
static void
load_open_tickets(sqlite3 *db)
{
	struct hashmap *keys = hashmap_new(64);
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, "SELECT device || '|' || rule || '|' || instance FROM tickets"
	    " WHERE state IN ('open', 'acknowledged', 'assigned')", -1, &st, NULL) == SQLITE_OK)
		while (sqlite3_step(st) == SQLITE_ROW)
			hashmap_put(keys, (const char *)sqlite3_column_text(st, 0), (void *)1);
	sqlite3_finalize(st);
	rules_set_open_tickets(keys);
}

/* Config devices into the database; run-time devices back from it. */
static int
sync_database(const struct nocd_conf *conf, struct device_conf **api, size_t *n_api)
{
	char err[512];
	sqlite3 *db = db_open_rw(conf->state_dir, err, sizeof(err));
	int rc = -1;

	if (db == NULL) {
		log_warnx("%s", err);
		return -1;
	}
	if (db_begin(db) < 0)
		goto out;
	for (size_t i = 0; i < conf->n_devices; i++)
		if (db_device_upsert(db, &conf->devices[i], "config") < 0)
			goto rollback;
	if (db_device_prune_config(db, conf->devices, conf->n_devices) < 0)
		goto rollback;
	if (db_commit(db) < 0)
		goto rollback;
	rc = db_devices_load_api(db, api, n_api);
	if (rc == 0)
		load_open_tickets(db);
	goto out;
rollback:
	db_rollback(db);
out:
	db_close(db);
	return rc;
}

/* The device a trap or a syslog line comes from: by its address, else by name. */
static const char *
lookup_device(const char *address, void *arg)
{
	const char *name = poller_find_by_address(arg, address);

	if (name == NULL && poller_has_device(arg, address))
		name = poller_device_conf(arg, address)->name;
	return name;
}

static void
on_terminate(int signo, void *arg)
{
	log_info("signal %d: stopping", signo);
	evloop_stop(nocd.loop);
}

static void
on_reload(int signo, void *arg)
{
	struct nocd_conf *conf = xcalloc(1, sizeof(*conf));
	struct probe_set *probes, *old_probes = nocd.probes;
	struct nocd_conf *old = nocd.conf;
	char err[1024];
	int failed;

	if (conf_load(old->path, conf, err, sizeof(err)) < 0) {
		log_warnx("reload refused, running configuration kept: %s", err);
		conf_free(conf);
		free(conf);
		return;
	}
	if (strcmp(conf->state_dir, old->state_dir) != 0 || strcmp(conf->user, old->user) != 0) {
		log_warnx("reload: state_dir and user take effect at the next start");
		nocd_strlcpy(conf->state_dir, old->state_dir, sizeof(conf->state_dir));
		nocd_strlcpy(conf->user, old->user, sizeof(conf->user));
	}
	probes = load_probes(conf, &failed);
	poller_reconfigure(nocd.poller, conf, probes);
	control_set_conf(conf);
	store_set_conf(conf);
	trapd_reconfigure(nocd.trapd, conf);
	syslogd_reconfigure(nocd.syslogd, conf);
	/* channels restart only when they changed: queued retries are kept otherwise */
	if ((conf->alerts == NULL) != (old->alerts == NULL) || (conf->alerts &&
	    alerts_conf_differs(conf->alerts, old->alerts)))
		alerts_start(conf);
	store_sync_config(conf->devices, conf->n_devices);
	conf_drop_devices(conf);
	webspawn_reconfigure(conf);
	nocd.conf = conf;
	nocd.probes = probes;
	probes_free(old_probes);
	free(old_probes);
	conf_free(old);
	free(old);
	log_info("configuration reloaded: %zu devices, %zu probes",
	    poller_device_count(nocd.poller), probes->n);
}

static int
prepare_state_dir(const struct nocd_conf *conf)
{
	uid_t uid;
	gid_t gid;

	if (mkdir_p(conf->state_dir, 0750) < 0) {
		log_warn("state_dir %s", conf->state_dir);
		return -1;
	}
	if (geteuid() == 0) {
		if (privdrop_lookup(conf->user, &uid, &gid) < 0) {
			log_warnx("user %s does not exist", conf->user);
			return -1;
		}
		if (chown(conf->state_dir, uid, gid) < 0) {
			log_warn("chown %s", conf->state_dir);
			return -1;
		}
	}
	return 0;
}

static void
daemonize(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		fatal("fork");
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		fatal("setsid");
	pid = fork();
	if (pid < 0)
		fatal("fork");
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0)
		fatal("chdir /");
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	log_to_syslog();
}

static void
write_pidfile(const char *state_dir)
{
	FILE *f;

	int n = snprintf(nocd.pidfile, sizeof(nocd.pidfile), "%s/nocd.pid", state_dir);

	if (n < 0 || (size_t)n >= sizeof(nocd.pidfile)) {
		nocd.pidfile[0] = '\0';
		return;
	}
	f = fopen(nocd.pidfile, "w");
	if (f == NULL) {
		log_warn("pid file %s", nocd.pidfile);
		nocd.pidfile[0] = '\0';
		return;
	}
	fprintf(f, "%ld\n", (long)getpid());
	if (fclose(f) != 0)
		log_warn("pid file %s", nocd.pidfile);
}

static void
add_devices(const struct device_conf *devs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (poller_add_device(nocd.poller, &devs[i]) < 0)
			log_warnx("%s: not polled", devs[i].name);
}

/*
 * The heap on 2 MB pages: glibc's malloc.hugetlb tunable, which glibc reads
 * only when a program starts, so nocd starts itself once more with it set.
 * On the virtual machine nocd is built on, a 4 KB page first read after a
 * 30 ms sleep took about 9 us, a 2 MB one 0.4 us (tests/bench/coldpages);
 * a poll touches many (timers, sessions, device state, the database cache).
 * Huge pages took about a fifth off nocd's CPU per poll in one A/B run
 * (BENCHMARKS.md). Left alone when GLIBC_TUNABLES
 * is set (the operator's own choice, and how the second start knows it is
 * one), with NOCD_HUGEPAGES=0, and under valgrind, which would lose the
 * program at the exec.
 */
static void
heap_on_huge_pages(char **argv)
{
	const char *opt = getenv("NOCD_HUGEPAGES"), *pre = getenv("LD_PRELOAD");
	char self[PATH_MAX];
	ssize_t n;

	if (getenv("GLIBC_TUNABLES") != NULL || (opt != NULL && strcmp(opt, "0") == 0) ||
	    (pre != NULL && strstr(pre, "vgpreload") != NULL))
		return;
	/*
	 * The binary's own path, not /proc/self/exe: the process's name (ps,
	 * pgrep, pidof, top) is the name of the file executed.
	 */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0 || (size_t)n >= sizeof(self) - 1)
		return;
	self[n] = '\0';
	if (setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1", 0) < 0)
		return;
	execv(self, argv);
	unsetenv("GLIBC_TUNABLES");	/* gone or replaced: go on with small pages */
}

int
main(int argc, char **argv)
{
	const char *path = conf_default_path();
	int foreground = 0, check = 0, verbose = 0, ch, failed;
	char err[1024];
	struct device_conf *api = NULL;
	size_t n_api = 0;

	heap_on_huge_pages(argv);	/* first: it may start nocd again */
	/*
	 * No fastbins. Net-SNMP allocates every varbind as 1,136 bytes, past
	 * glibc's per-thread cache, and a request that large first merges every
	 * fastbin chunk back (malloc_consolidate): about 70 times a poll, which
	 * undid what the fastbins saved. Small blocks still come from the
	 * per-thread cache. A trade: as shipped (RRD updates held) a poll costs
	 * about 5 % less CPU; writing every sample to the files directly
	 * (rrd.write_cache = 0), where librrd's own small blocks miss the
	 * fastbins, about 7 % more (BENCHMARKS.md).
	 */
	(void)mallopt(M_MXFAST, 0);
	/*
	 * The zone, read once: with TZ unset glibc stats /etc/localtime in every
	 * mktime(), which an RFC 3164 timestamp needs (a syslog flood made that
	 * one system call per line). A new zone takes a restart, as in most
	 * daemons. Before any thread: setenv() is not thread-safe.
	 */
	if (getenv("TZ") == NULL)
		setenv("TZ", ":/etc/localtime", 0);
	tzset();

	while ((ch = getopt(argc, argv, "c:fnvh")) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'f': foreground = 1; break;
		case 'n': check = 1; break;
		case 'v': verbose = 1; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	log_init("nocd", 1, verbose);
	nocd.conf = xcalloc(1, sizeof(*nocd.conf));
	if (conf_load(path, nocd.conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (check) {
		struct rule_engine *re;
		size_t ignored;

		nocd.probes = load_probes(nocd.conf, &failed);
		if (failed != 0)
			return 1;
		/* rules naming a probe or column nobody defines are errors here */
		re = rules_engine_new(nocd.probes, nocd.conf);
		ignored = rules_engine_ignored(re);
		rules_engine_free(re);
		if (ignored)
			return 1;
		/* the trap catalog, when there is one to read */
		if (access(nocd.conf->trap_catalog, F_OK) == 0 &&
		    trapd_check_catalog(nocd.conf->trap_catalog, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		if (access(nocd.conf->syslog_rules, F_OK) == 0 &&
		    syslogd_check_rules(nocd.conf->syslog_rules, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		printf("configuration OK\n");
		return 0;
	}

	/* privileged part: what needs root happens here, then never again */
	if (prepare_state_dir(nocd.conf) < 0)
		return 1;
	privdrop_raise_nofile();
	/* the SNMP library first: the trap transports are its own, bound as root */
	snmpsess_library_init((const char *const *)nocd.conf->mibdirs.v, nocd.conf->mibdirs.n);
	if ((nocd.trapd = trapd_open(nocd.conf, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	if ((nocd.syslogd = syslogd_open(nocd.conf, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	/* the web console's ports too: nocweb gets them, never root */
	if (webspawn_bind(nocd.conf, err, sizeof(err)) < 0)
		fatalx("%s", err);
	if (!foreground)
		daemonize();
	if (privdrop_to_user(nocd.conf->user) < 0)
		fatalx("cannot drop privileges to %s", nocd.conf->user);
	umask(0027);
	write_pidfile(nocd.conf->state_dir);

	/* unprivileged from here on */
	if (sync_database(nocd.conf, &api, &n_api) < 0)
		fatalx("cannot prepare the database in %s", nocd.conf->state_dir);
	nocd.probes = load_probes(nocd.conf, &failed);
	nocd.vendors = vendor_catalog_load(nocd.conf->vendor_catalog, err, sizeof(err));
	if (nocd.vendors == NULL)
		log_warnx("vendor catalog: %s", err);
	nocd.loop = evloop_new();
	if (nocd.loop == NULL)
		fatalx("cannot create the event loop");
	evloop_add_signal(nocd.loop, SIGTERM, on_terminate, NULL);
	evloop_add_signal(nocd.loop, SIGINT, on_terminate, NULL);
	evloop_add_signal(nocd.loop, SIGHUP, on_reload, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (store_start(nocd.conf) < 0)
		fatalx("cannot start the store");
	if (northbound_start(nocd.loop) < 0)
		fatalx("cannot start northbound notifications");
	alerts_start(nocd.conf);
	nocd.poller = poller_new(nocd.loop, nocd.conf, nocd.probes, nocd.vendors);
	add_devices(nocd.conf->devices, nocd.conf->n_devices);
	conf_drop_devices(nocd.conf);
	add_devices(api, n_api);
	if (api) {
		explicit_bzero(api, n_api * sizeof(*api));
		free(api);
	}
	trapd_start(nocd.trapd, nocd.loop, nocd.conf, lookup_device, nocd.poller);
	syslogd_start(nocd.syslogd, nocd.loop, nocd.conf, lookup_device, nocd.poller);
	control_set_trapd(nocd.trapd);
	control_set_syslogd(nocd.syslogd);
	if (control_init(nocd.loop, nocd.conf->state_dir, nocd.poller, nocd.conf) < 0)
		fatalx("cannot open the control socket");
	webspawn_start(nocd.loop, nocd.conf, !foreground);
	log_info("nocd %s started: %zu devices, %zu probes, state in %s", PACKAGE_VERSION,
	    poller_device_count(nocd.poller), nocd.probes->n, nocd.conf->state_dir);

	evloop_run(nocd.loop);

	webspawn_stop();
	control_shutdown();
	alerts_stop();
	northbound_stop();
	trapd_free(nocd.trapd);
	syslogd_free(nocd.syslogd);
	poller_free(nocd.poller);
	store_stop();
	snmpsess_library_shutdown();
	evloop_free(nocd.loop);
	vendor_catalog_free(nocd.vendors);
	probes_free(nocd.probes);
	free(nocd.probes);
	if (nocd.pidfile[0])
		unlink(nocd.pidfile);
	log_info("stopped");
	conf_free(nocd.conf);
	free(nocd.conf);
	return 0;
}
