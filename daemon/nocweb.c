/*
 * nocweb: the web console. It runs as nocd's unprivileged user, started by
 * nocd with the listening sockets nocd bound as root (--fd N), or on its
 * own for tests (nocweb -c FILE binds listen.http itself). It reads the
 * database and the RRD files, never writes them: actions go to nocd over the
 * control socket. Once started it sets no_new_privs and a syscall allow-list.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <linux/netlink.h>
#include <microhttpd.h>
#include <pthread.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conf.h"
#include "db.h"
#include "log.h"
#include "util.h"
#include "web.h"
#include "webspawn.h"

#define MAX_LISTEN 8

struct web_state web;

sqlite3 *
web_db(void)
{
	char err[512];

	if (web.db == NULL && (web.db = db_open_ro(web.conf.state_dir, err, sizeof(err))) == NULL)
		log_warnx("%s", err);
	return web.db;
}

static void
usage(void)
{
	fprintf(stderr, "usage: nocweb [-v] [-c FILE] [--fd N ...] [--listen HOST:PORT ...]"
	    " [--no-seccomp] [--syslog]\n"
	    "  -c FILE        configuration file (default %s)\n"
	    "  --fd N         serve on this listening socket (from nocd); repeatable\n"
	    "  --listen A:P   bind this address instead of listen.http; repeatable\n"
	    "  --no-seccomp   no syscall filter (debugging)\n"
	    "  --syslog       log to syslog, not standard error (nocd passes it when daemonised)\n"
	    "  -v             verbose (debug) logging\n", conf_default_path());
	exit(2);
}

/* What the console needs once it serves: files, sockets, threads' basics. */
static const char *const allowed_syscalls[] = {
	"read", "write", "readv", "writev", "pread64", "pwrite64", "lseek", "close",
	"fstat", "stat", "lstat", "newfstatat", "statx", "statfs", "fstatfs", "openat", "open",
	"unlink", "unlinkat", "rmdir", "rename", "renameat", "access", "faccessat", "faccessat2",
	"readlink", "readlinkat", "getdents64", "getcwd", "fcntl", "ioctl", "fsync",
	"fdatasync", "ftruncate", "fallocate", "flock", "fadvise64", "umask", "fchmod",
	"fchown", "mkdir", "mkdirat", "mmap", "munmap", "mremap", "mprotect", "madvise", "brk",
	"mincore", "futex", "set_robust_list", "get_robust_list", "rseq", "rt_sigaction",
	"rt_sigprocmask", "rt_sigreturn", "rt_sigtimedwait", "sigaltstack", "restart_syscall",
	"epoll_wait", "epoll_pwait", "epoll_ctl", "epoll_create1", "poll", "ppoll", "select",
	"pselect6", "eventfd2", "pipe2", "dup", "dup2", "dup3", "accept", "accept4",
	"recvfrom", "recvmsg", "sendto", "sendmsg", "sendfile", "shutdown", "setsockopt",
	"getsockopt", "getsockname", "getpeername", "connect", "getrandom",
	"clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday",
	"time", "getpid", "gettid", "getppid", "getuid", "geteuid", "getgid", "getegid",
	"getresuid", "getresgid", "getgroups", "uname", "sysinfo", "prlimit64", "getrlimit",
	"sched_yield", "sched_getaffinity", "exit", "exit_group", "tgkill", "membarrier",
	/* threads: glib (pango, under librrd's graphs) starts its own; execve stays out */
	"clone", "clone3", "getpriority", "fsetxattr", "fgetxattr", "lgetxattr", "getxattr",
};

static int
sandbox(void)
{
	scmp_filter_ctx ctx;
	int rc = -1;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		log_warn("no_new_privs");
		return -1;
	}
	/* anything else fails with EPERM rather than killing the console */
	if ((ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM))) == NULL)
		return -1;
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1) < 0)
		goto out;
	for (size_t i = 0; i < ARRAY_SIZE(allowed_syscalls); i++) {
		int nr = seccomp_syscall_resolve_name(allowed_syscalls[i]);

		if (nr != __NR_SCMP_ERROR && seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0) < 0)
			goto out;
	}
	/* new sockets: the control socket, syslog, rrdcached (getaddrinfo asks netlink
	 * route about local addresses); no raw, packet or other netlink ones */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
	    SCMP_A0(SCMP_CMP_EQ, AF_UNIX)) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
	    SCMP_A0(SCMP_CMP_EQ, AF_INET)) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
	    SCMP_A0(SCMP_CMP_EQ, AF_INET6)) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 2,
	    SCMP_A0(SCMP_CMP_EQ, AF_NETLINK), SCMP_A2(SCMP_CMP_EQ, NETLINK_ROUTE)) < 0)
		goto out;
	rc = seccomp_load(ctx);
out:
	seccomp_release(ctx);
	if (rc < 0)
		log_warnx("cannot load the syscall filter");
	return rc < 0 ? -1 : 0;
}

static void
remove_tmpdir(void)
{
	DIR *d = opendir(web.tmpdir);
	struct dirent *e;

	while (d && (e = readdir(d)) != NULL) {
		if (e->d_name[0] != '.')
			unlinkat(dirfd(d), e->d_name, 0);
	}
	if (d)
		closedir(d);
	rmdir(web.tmpdir);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "fd", required_argument, NULL, 'F' },
		{ "listen", required_argument, NULL, 'L' },
		{ "no-seccomp", no_argument, NULL, 'S' },
		{ "syslog", no_argument, NULL, 'Y' },
		{ NULL, 0, NULL, 0 }
	};
	const char *path = conf_default_path(), *listen_override[MAX_LISTEN];
	int fds[MAX_LISTEN], n_fds = 0, n_listen = 0, verbose = 0, no_seccomp = 0, ch, sig;
	int to_syslog = 0;
	struct MHD_Daemon *daemons[MAX_LISTEN];
	char err[1024];
	sigset_t set;

	while ((ch = getopt_long(argc, argv, "c:vh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'v': verbose = 1; break;
		case 'S': no_seccomp = 1; break;
		case 'Y': to_syslog = 1; break;
		case 'F': {
			char *end;
			long fd = strtol(optarg, &end, 10);

			if (*end || fd < 3 || fd > 65535 || n_fds >= MAX_LISTEN)
				usage();
			fds[n_fds++] = (int)fd;
			break;
		}
		case 'L':
			if (n_listen >= MAX_LISTEN)
				usage();
			listen_override[n_listen++] = optarg;
			break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	log_init("nocweb", 1, verbose);
	if (to_syslog)
		log_to_syslog();
	if (conf_load(path, &web.conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "nocweb: %s\n", err);
		return 1;
	}
	if (geteuid() == 0 && n_fds == 0)
		log_warnx("running as root: nocd starts nocweb as its own user instead");
	/* standalone: bind what we serve ourselves */
	for (int i = 0; n_fds == 0 && i < n_listen; i++)
		if ((fds[i] = webspawn_listen(listen_override[i], err, sizeof(err))) < 0)
			fatalx("%s", err);
	if (n_fds == 0)
		n_fds = n_listen;
	for (size_t i = 0; n_fds == 0 && i < web.conf.listen_http.n && i < MAX_LISTEN; i++) {
		if ((fds[i] = webspawn_listen(web.conf.listen_http.v[i], err, sizeof(err))) < 0)
			fatalx("%s", err);
		if (i + 1 == web.conf.listen_http.n || i + 1 == MAX_LISTEN)
			n_fds = (int)i + 1;
	}
	if (n_fds == 0)
		fatalx("nothing to listen on: listen.http is empty");
	probes_load((const char *const *)web.conf.probedirs.v, web.conf.probedirs.n, &web.probes);
	snprintf(web.tmpdir, sizeof(web.tmpdir), "%s/nocweb-XXXXXX",
	    getenv("TMPDIR") && getenv("TMPDIR")[0] == '/' ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(web.tmpdir) == NULL)
		fatal("cannot create a directory for graphs in %s", web.tmpdir);
	signal(SIGPIPE, SIG_IGN);
	/* the server threads inherit this: only sigwait() below sees these */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (web_db() != NULL && !web.conf.web.anonymous_view) {
		/* opened now if it exists (on first use otherwise); a console nobody can use says so */
		json_t *users = webusers_list(web.db);

		if (users && json_array_size(users) == 0)
			log_warnx("no console users yet: nocctl user add NAME --role admin");
		json_decref(users);
	}
	for (int i = 0; i < n_fds; i++)
		if ((daemons[i] = webserver_start(fds[i])) == NULL)
			fatalx("cannot start the HTTP server on descriptor %d", fds[i]);
#if defined(__SANITIZE_ADDRESS__)
	/* LeakSanitizer stops the world with clone and ptrace at exit */
	log_info("syscall filter off: built with AddressSanitizer");
	no_seccomp = 1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fatal("no_new_privs");
#endif
	if (!no_seccomp && sandbox() < 0)
		fatalx("cannot restrict myself: refusing to serve");
	log_info("nocweb %s serving %d socket%s, state in %s", PACKAGE_VERSION, n_fds,
	    n_fds == 1 ? "" : "s", web.conf.state_dir);
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			log_info("SIGHUP: nocweb reads its configuration when nocd restarts it");
			continue;
		}
		break;
	}
	log_info("signal %d: stopping", sig);
	for (int i = 0; i < n_fds; i++)
		webserver_stop(daemons[i]);
	remove_tmpdir();
	db_close(web.db);
	probes_free(&web.probes);
	conf_free(&web.conf);
	return 0;
}
