#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf.h"
#include "evloop.h"
#include "log.h"
#include "util.h"
#include "webspawn.h"

#define MAX_HTTP 8
#define RESTART_DELAY_MS 2000		/* after a crash */
#define RESTART_DELAY_QUICK_MS 15000	/* after a crash within a minute of starting */

static struct {
	int fds[MAX_HTTP];
	size_t n;
	char program[PATH_MAX];
	char conf_path[PATH_MAX];
	struct evloop *loop;
	pid_t pid;
	int pidfd;
	int64_t started_ms;
	struct ev_timer *restart;
	int stopping;
	int to_syslog;
	int restart_now;		/* asked for: no delay */
	struct web_conf web;		/* what the running nocweb was started with */
	char probedirs[1024];
} ws = { .pid = -1, .pidfd = -1 };

int
webspawn_listen(const char *spec, char *err, size_t errlen)
{
	char host[256], port_s[8];
	struct addrinfo hints, *res = NULL;
	uint16_t port = 0;
	int fd = -1, one = 1, rc;

	if (conf_parse_hostport(spec, host, sizeof(host), &port) < 0 || port == 0) {
		set_err(err, errlen, "listen.http %s: not HOST:PORT", spec);
		return -1;
	}
	snprintf(port_s, sizeof(port_s), "%u", port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host[0] ? host : NULL, port_s, &hints, &res)) != 0) {
		set_err(err, errlen, "listen.http %s: %s", spec, gai_strerror(rc));
		return -1;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 64) < 0) {
		set_err(err, errlen, "listen.http %s: %s", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

int
webspawn_bind(const struct nocd_conf *conf, char *err, size_t errlen)
{
	char self[PATH_MAX];
	ssize_t n;

	for (size_t i = 0; i < conf->listen_http.n && ws.n < MAX_HTTP; i++) {
		int fd = webspawn_listen(conf->listen_http.v[i], err, errlen);

		if (fd < 0)
			return -1;
		ws.fds[ws.n++] = fd;
	}
	if (ws.n == 0)
		return 0;
	/* nocweb is installed beside nocd (both in sbin; both in the build tree) */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		set_err(err, errlen, "cannot find my own program: %s", strerror(errno));
		return -1;
	}
	self[n] = '\0';
	snprintf(ws.program, sizeof(ws.program), "%s/nocweb", dirname(self));
	if (realpath(conf->path, ws.conf_path) == NULL)
		nocd_strlcpy(ws.conf_path, conf->path, sizeof(ws.conf_path));
	return 0;
}

static void start_child(void *arg);

static void
child_exited(int fd, uint32_t events, void *arg)
{
	int status = 0;
	int64_t ran;

	if (waitpid(ws.pid, &status, WNOHANG) == 0)
		return;
	evloop_del_fd(ws.loop, ws.pidfd);
	close(ws.pidfd);
	ws.pidfd = -1;
	ws.pid = -1;
	if (ws.stopping)
		return;
	if (ws.restart_now) {
		ws.restart_now = 0;
		start_child(NULL);
		return;
	}
	ran = mono_ms() - ws.started_ms;
	if (WIFSIGNALED(status))
		log_warnx("nocweb killed by signal %d: restarting", WTERMSIG(status));
	else
		log_warnx("nocweb exited with status %d: restarting", WEXITSTATUS(status));
	ws.restart = evloop_timer_at(ws.loop, mono_ms() + (ran < 60000 ? RESTART_DELAY_QUICK_MS :
	    RESTART_DELAY_MS), start_child, NULL);
}

static void
exec_child(void)
{
	char *argv[3 + 2 * MAX_HTTP + 3];
	char fdarg[MAX_HTTP][16];
	sigset_t all;
	int a = 0;

	/* nocd's blocked signals (signalfd) and ignored SIGPIPE are not nocweb's */
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGPIPE, SIG_DFL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	/* nothing of nocd's but the listening sockets goes through exec */
	syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */);
	argv[a++] = (char *)"nocweb";
	argv[a++] = (char *)"-c";
	argv[a++] = ws.conf_path;
	for (size_t i = 0; i < ws.n; i++) {
		fcntl(ws.fds[i], F_SETFD, 0);
		snprintf(fdarg[i], sizeof(fdarg[i]), "%d", ws.fds[i]);
		argv[a++] = (char *)"--fd";
		argv[a++] = fdarg[i];
	}
	if (log_get_verbose())
		argv[a++] = (char *)"-v";
	if (ws.to_syslog)
		argv[a++] = (char *)"--syslog";
	argv[a] = NULL;
	execv(ws.program, argv);
	fprintf(stderr, "nocd: cannot run %s: %s\n", ws.program, strerror(errno));
	_exit(127);
}

static void
start_child(void *arg)
{
	pid_t pid;

	ws.restart = NULL;
	if (ws.stopping || ws.pid > 0)
		return;
	pid = fork();
	if (pid < 0) {
		log_warn("cannot start nocweb");
		ws.restart = evloop_timer_at(ws.loop, mono_ms() + RESTART_DELAY_QUICK_MS,
		    start_child, NULL);
		return;
	}
	if (pid == 0)
		exec_child();
	ws.pid = pid;
	ws.started_ms = mono_ms();
	ws.pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (ws.pidfd < 0 || evloop_add_fd(ws.loop, ws.pidfd, EPOLLIN, child_exited, NULL) < 0)
		log_warn("nocweb (pid %ld) will not be restarted if it dies", (long)pid);
	log_info("nocweb started (pid %ld) on %zu address%s", (long)pid, ws.n,
	    ws.n == 1 ? "" : "es");
}

static void
remember(const struct nocd_conf *conf)
{
	ws.web = conf->web;
	ws.probedirs[0] = '\0';
	for (size_t i = 0; i < conf->probedirs.n; i++) {
		nocd_strlcpy(ws.probedirs + strlen(ws.probedirs), conf->probedirs.v[i],
		    sizeof(ws.probedirs) - strlen(ws.probedirs));
		nocd_strlcpy(ws.probedirs + strlen(ws.probedirs), "\n",
		    sizeof(ws.probedirs) - strlen(ws.probedirs));
	}
}

void
webspawn_reconfigure(const struct nocd_conf *conf)
{
	char old[sizeof(ws.probedirs)];
	struct web_conf was = ws.web;

	if (ws.n == 0)
		return;
	memcpy(old, ws.probedirs, sizeof(old));
	remember(conf);
	if (was.anonymous_view == ws.web.anonymous_view &&
	    was.session_timeout == ws.web.session_timeout &&
	    strcmp(was.language, ws.web.language) == 0 && strcmp(old, ws.probedirs) == 0)
		return;
	log_info("web settings changed: restarting nocweb");
	if (ws.pid > 0) {
		ws.restart_now = 1;
		kill(ws.pid, SIGTERM);
	}
}

void
webspawn_start(struct evloop *loop, const struct nocd_conf *conf, int to_syslog)
{
	ws.loop = loop;
	ws.to_syslog = to_syslog;
	remember(conf);
	if (ws.n == 0)
		return;
	if (access(ws.program, X_OK) < 0) {
		log_warnx("web console not started: %s: %s", ws.program, strerror(errno));
		return;
	}
	start_child(NULL);
}

void
webspawn_stop(void)
{
	ws.stopping = 1;
	if (ws.restart)
		evloop_timer_cancel(ws.loop, ws.restart);
	ws.restart = NULL;
	if (ws.pid > 0) {
		struct pollfd p = { .fd = ws.pidfd, .events = POLLIN };

		kill(ws.pid, SIGTERM);
		if (ws.pidfd < 0 || poll(&p, 1, 3000) <= 0)
			kill(ws.pid, SIGKILL);
		waitpid(ws.pid, NULL, 0);
		ws.pid = -1;
	}
	if (ws.pidfd >= 0) {
		evloop_del_fd(ws.loop, ws.pidfd);
		close(ws.pidfd);
		ws.pidfd = -1;
	}
	for (size_t i = 0; i < ws.n; i++)
		close(ws.fds[i]);
	ws.n = 0;
}
