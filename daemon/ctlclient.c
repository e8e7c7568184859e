#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "ctlclient.h"
#include "util.h"

static int
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

json_t *
ctl_request(const char *state_dir, json_t *req, int timeout_ms, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	char buf[65536];
	size_t len = 0;
	char *out = NULL;
	json_t *reply = NULL;
	json_error_t jerr;
	int fd;
	int64_t deadline = mono_ms() + timeout_ms;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if ((size_t)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s", state_dir,
	    CONTROL_SOCKET) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "control socket path too long");
		return NULL;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		snprintf(err, errlen, "cannot reach nocd at %s: %s (is it running?)",
		    sun.sun_path, strerror(errno));
		goto out;
	}
	out = json_dumps(req, JSON_COMPACT);
	if (out == NULL || write_all(fd, out, strlen(out)) < 0 || write_all(fd, "\n", 1) < 0) {
		snprintf(err, errlen, "cannot send to nocd: %s", strerror(errno));
		goto out;
	}
	while (len < sizeof(buf) - 1 && memchr(buf, '\n', len) == NULL) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - mono_ms();
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) {
			snprintf(err, errlen, "nocd did not answer in time");
			goto out;
		}
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	reply = json_loads(buf, JSON_DISABLE_EOF_CHECK, &jerr);
	if (reply == NULL)
		snprintf(err, errlen, "bad answer from nocd: %s", jerr.text);
out:
	if (out) {
		explicit_bzero(out, strlen(out));
		free(out);
	}
	if (fd >= 0)
		close(fd);
	return reply;
}
