/* The event loop: epoll for descriptors, a heap of timers, signals as events. */
#ifndef NOCD_EVLOOP_H
#define NOCD_EVLOOP_H

#include <stdint.h>

struct evloop;
struct ev_timer;

typedef void (*ev_fd_cb)(int fd, uint32_t events, void *arg);
typedef void (*ev_timer_cb)(void *arg);
typedef void (*ev_signal_cb)(int signo, void *arg);

struct evloop *evloop_new(void);
void evloop_free(struct evloop *loop);

/* events: EPOLLIN / EPOLLOUT */
int evloop_add_fd(struct evloop *loop, int fd, uint32_t events, ev_fd_cb cb, void *arg);
int evloop_del_fd(struct evloop *loop, int fd);

/* A one-shot timer at an absolute mono_ms() time. The handle is valid until
 * the callback has run or evloop_timer_cancel() is called. */
struct ev_timer *evloop_timer_at(struct evloop *loop, int64_t at_ms, ev_timer_cb cb, void *arg);
void evloop_timer_cancel(struct evloop *loop, struct ev_timer *t);
/* Re-arms a pending timer (same callback) at another time, as if it were new:
 * it runs after timers already due at that time. Cheaper than cancel and add. */
void evloop_timer_move(struct evloop *loop, struct ev_timer *t, int64_t at_ms);

/* Signals are blocked and read through a signalfd. */
int evloop_add_signal(struct evloop *loop, int signo, ev_signal_cb cb, void *arg);

/* Run until evloop_stop(); returns 0, or -1 on an epoll error. */
int evloop_run(struct evloop *loop);
void evloop_stop(struct evloop *loop);

#endif
