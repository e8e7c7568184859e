#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "evloop.h"
#include "log.h"
#include "util.h"

struct fd_watch {
	ev_fd_cb cb;
	void *arg;
	int active;
};

/*
 * A timer's handle. The heap holds each timer's key (time, sequence) next to
 * its pointer, so sifting compares keys in one array and touches a timer only
 * to note where it moved: with thousands of timers, mostly idle between polls,
 * the heap stays a few contiguous pages instead of a load per comparison.
 */
struct ev_timer {
	size_t heap_index;
	ev_timer_cb cb;
	void *arg;
	struct ev_timer *next_free;
};

struct heap_ent {
	int64_t at;
	uint64_t seq;		/* keeps timers of the same time in order */
	struct ev_timer *t;
};

/*
 * Handles come from slabs, reused last-freed first, so the ones in use stay
 * close together; under AddressSanitizer each is its own allocation, so that
 * a handle used after its end is caught.
 */
#if defined(__SANITIZE_ADDRESS__)
#define TIMER_POOL	0
#else
#define TIMER_POOL	1
#endif
#define TIMER_SLAB	256
struct timer_slab {
	struct timer_slab *next;
	struct ev_timer t[TIMER_SLAB];
};

struct sig_watch {
	int signo;
	ev_signal_cb cb;
	void *arg;
};

struct evloop {
	int epfd;
	int running;
	struct fd_watch *fds;	/* indexed by descriptor */
	size_t nfds;
	struct heap_ent *heap;	/* a 4-ary min-heap on (at, seq) */
	size_t heap_len, heap_cap;
	uint64_t timer_seq;
	struct ev_timer *free_timers;
	struct timer_slab *slabs;
	int sigfd;
	sigset_t sigmask;
	struct sig_watch sigs[16];
	size_t nsigs;
};

struct evloop *
evloop_new(void)
{
	struct evloop *loop = xcalloc(1, sizeof(*loop));

	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		log_warn("epoll_create1");
		free(loop);
		return NULL;
	}
	loop->sigfd = -1;
	sigemptyset(&loop->sigmask);
	return loop;
}

void
evloop_free(struct evloop *loop)
{
	if (loop == NULL)
		return;
	if (!TIMER_POOL)
		for (size_t i = 0; i < loop->heap_len; i++)
			free(loop->heap[i].t);
	while (loop->slabs) {
		struct timer_slab *next = loop->slabs->next;

		free(loop->slabs);
		loop->slabs = next;
	}
	free(loop->heap);
	free(loop->fds);
	if (loop->sigfd >= 0)
		close(loop->sigfd);
	close(loop->epfd);
	free(loop);
}

int
evloop_add_fd(struct evloop *loop, int fd, uint32_t events, ev_fd_cb cb, void *arg)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	if (fd < 0)
		return -1;
	if ((size_t)fd >= loop->nfds) {
		size_t n = (size_t)fd + 64;

		loop->fds = xreallocarray(loop->fds, n, sizeof(*loop->fds));
		memset(loop->fds + loop->nfds, 0, (n - loop->nfds) * sizeof(*loop->fds));
		loop->nfds = n;
	}
	if (epoll_ctl(loop->epfd, loop->fds[fd].active ? EPOLL_CTL_MOD : EPOLL_CTL_ADD,
	    fd, &ev) < 0) {
		log_warn("epoll_ctl(%d)", fd);
		return -1;
	}
	loop->fds[fd].cb = cb;
	loop->fds[fd].arg = arg;
	loop->fds[fd].active = 1;
	return 0;
}

int
evloop_del_fd(struct evloop *loop, int fd)
{
	if (fd < 0 || (size_t)fd >= loop->nfds || !loop->fds[fd].active)
		return -1;
	loop->fds[fd].active = 0;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL) < 0 && errno != EBADF)
		log_warn("epoll_ctl del(%d)", fd);
	return 0;
}

/* --- timers: a 4-ary min-heap on (at, seq) --- */

#define HEAP_ARITY	4

static int
ent_before(const struct heap_ent *a, const struct heap_ent *b)
{
	return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void
heap_put(struct evloop *loop, size_t i, struct heap_ent e)
{
	loop->heap[i] = e;
	e.t->heap_index = i;
}

/* Moves e up from the hole at i to its place. */
static void
heap_up(struct evloop *loop, size_t i, struct heap_ent e)
{
	while (i > 0) {
		size_t parent = (i - 1) / HEAP_ARITY;

		if (!ent_before(&e, &loop->heap[parent]))
			break;
		heap_put(loop, i, loop->heap[parent]);
		i = parent;
	}
	heap_put(loop, i, e);
}

/* Moves e down from the hole at i to its place. */
static void
heap_down(struct evloop *loop, size_t i, struct heap_ent e)
{
	for (;;) {
		size_t first = HEAP_ARITY * i + 1, m;

		if (first >= loop->heap_len)
			break;
		m = first;
		for (size_t c = first + 1; c < first + HEAP_ARITY && c < loop->heap_len; c++)
			if (ent_before(&loop->heap[c], &loop->heap[m]))
				m = c;
		if (!ent_before(&loop->heap[m], &e))
			break;
		heap_put(loop, i, loop->heap[m]);
		i = m;
	}
	heap_put(loop, i, e);
}

/* Puts e where the hole at i is, up or down as its key says. */
static void
heap_place(struct evloop *loop, size_t i, struct heap_ent e)
{
	if (i > 0 && ent_before(&e, &loop->heap[(i - 1) / HEAP_ARITY]))
		heap_up(loop, i, e);
	else
		heap_down(loop, i, e);
}

static void
heap_remove(struct evloop *loop, size_t i)
{
	size_t last = --loop->heap_len;

	if (i != last)
		heap_place(loop, i, loop->heap[last]);
}

static struct ev_timer *
timer_get(struct evloop *loop)
{
	struct ev_timer *t;

	if (!TIMER_POOL)
		return xcalloc(1, sizeof(*t));
	if (loop->free_timers == NULL) {
		struct timer_slab *s = xcalloc(1, sizeof(*s));

		s->next = loop->slabs;
		loop->slabs = s;
		for (size_t i = TIMER_SLAB; i-- > 0;) {
			s->t[i].next_free = loop->free_timers;
			loop->free_timers = &s->t[i];
		}
	}
	t = loop->free_timers;
	loop->free_timers = t->next_free;
	t->next_free = NULL;
	return t;
}

static void
timer_put(struct evloop *loop, struct ev_timer *t)
{
	if (!TIMER_POOL) {
		free(t);
		return;
	}
	t->cb = NULL;
	t->arg = NULL;
	t->next_free = loop->free_timers;
	loop->free_timers = t;
}

struct ev_timer *
evloop_timer_at(struct evloop *loop, int64_t at_ms, ev_timer_cb cb, void *arg)
{
	struct ev_timer *t = timer_get(loop);
	struct heap_ent e = { .at = at_ms, .seq = loop->timer_seq++, .t = t };

	t->cb = cb;
	t->arg = arg;
	if (loop->heap_len == loop->heap_cap) {
		loop->heap_cap = loop->heap_cap ? loop->heap_cap * 2 : 64;
		loop->heap = xreallocarray(loop->heap, loop->heap_cap, sizeof(*loop->heap));
	}
	heap_up(loop, loop->heap_len++, e);
	return t;
}

void
evloop_timer_move(struct evloop *loop, struct ev_timer *t, int64_t at_ms)
{
	struct heap_ent e = { .at = at_ms, .seq = loop->timer_seq++, .t = t };

	heap_place(loop, t->heap_index, e);
}

void
evloop_timer_cancel(struct evloop *loop, struct ev_timer *t)
{
	if (t == NULL)
		return;
	heap_remove(loop, t->heap_index);
	timer_put(loop, t);
}

static void
run_due_timers(struct evloop *loop)
{
	int64_t now = mono_ms();
	/* Bounded: timers added while running wait for the next turn. */
	size_t budget = loop->heap_len;

	while (budget-- > 0 && loop->heap_len > 0 && loop->heap[0].at <= now) {
		struct ev_timer *t = loop->heap[0].t;
		ev_timer_cb cb = t->cb;
		void *arg = t->arg;

		heap_remove(loop, 0);
		timer_put(loop, t);
		cb(arg);
	}
}

/* --- signals --- */

static void
signal_ready(int fd, uint32_t events, void *arg)
{
	struct evloop *loop = arg;
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		for (size_t i = 0; i < loop->nsigs; i++)
			if (loop->sigs[i].signo == (int)si.ssi_signo)
				loop->sigs[i].cb((int)si.ssi_signo, loop->sigs[i].arg);
	}
}

int
evloop_add_signal(struct evloop *loop, int signo, ev_signal_cb cb, void *arg)
{
	int fd;

	if (loop->nsigs == ARRAY_SIZE(loop->sigs))
		return -1;
	sigaddset(&loop->sigmask, signo);
	if (sigprocmask(SIG_BLOCK, &loop->sigmask, NULL) < 0)
		return -1;
	fd = signalfd(loop->sigfd, &loop->sigmask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0) {
		log_warn("signalfd");
		return -1;
	}
	if (loop->sigfd < 0) {
		loop->sigfd = fd;
		if (evloop_add_fd(loop, fd, EPOLLIN, signal_ready, loop) < 0)
			return -1;
	}
	loop->sigs[loop->nsigs].signo = signo;
	loop->sigs[loop->nsigs].cb = cb;
	loop->sigs[loop->nsigs].arg = arg;
	loop->nsigs++;
	return 0;
}

int
evloop_run(struct evloop *loop)
{
	struct epoll_event evs[256];

	loop->running = 1;
	while (loop->running) {
		int timeout = -1, n;

		if (loop->heap_len > 0) {
			int64_t wait = loop->heap[0].at - mono_ms();

			timeout = wait < 0 ? 0 : (wait > 60000 ? 60000 : (int)wait);
		}
		n = epoll_wait(loop->epfd, evs, (int)ARRAY_SIZE(evs), timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_warn("epoll_wait");
			return -1;
		}
		for (int i = 0; i < n && loop->running; i++) {
			int fd = evs[i].data.fd;

			if ((size_t)fd < loop->nfds && loop->fds[fd].active)
				loop->fds[fd].cb(fd, evs[i].events, loop->fds[fd].arg);
		}
		run_due_timers(loop);
	}
	return 0;
}

void
evloop_stop(struct evloop *loop)
{
	loop->running = 0;
}
