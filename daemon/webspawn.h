/*
 * nocd's side of the web console: bind listen.http while still root, then,
 * unprivileged, run nocweb with those descriptors and run it again when it
 * dies. nocweb holds no privileges and no secrets of nocd's.
 */
#ifndef NOCD_WEBSPAWN_H
#define NOCD_WEBSPAWN_H

#include <stddef.h>

struct evloop;
struct nocd_conf;

/* A listening TCP socket for "HOST:PORT" ("[V6]:PORT"); -1 with err set. */
int webspawn_listen(const char *spec, char *err, size_t errlen);
/* Root phase: bind every listen.http address; -1 when one cannot be bound. */
int webspawn_bind(const struct nocd_conf *conf, char *err, size_t errlen);
/* Unprivileged: start nocweb (when anything was bound); it logs to syslog
 * when to_syslog (nocd has daemonised), else to nocd's standard error. */
void webspawn_start(struct evloop *loop, const struct nocd_conf *conf, int to_syslog);
/* After a reload: nocweb reads the config when it starts, so a changed web
 * group or probe directory restarts it (its logins end). listen.http changes
 * at the next start of nocd. */
void webspawn_reconfigure(const struct nocd_conf *conf);
/* Stop nocweb and close the sockets. */
void webspawn_stop(void);

#endif
