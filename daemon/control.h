/*
 * The control socket: STATE_DIR/nocd.sock, mode 0660 (owner and group).
 * One JSON object per line each way: {"cmd":"device-add", ...} ->
 * {"ok":true, ...} or {"ok":false,"error":"..."}.
 */
#ifndef NOCD_CONTROL_H
#define NOCD_CONTROL_H

#define CONTROL_SOCKET "nocd.sock"

struct evloop;
struct poller;
struct nocd_conf;

int control_init(struct evloop *loop, const char *state_dir, struct poller *poller,
	const struct nocd_conf *conf);
void control_set_conf(const struct nocd_conf *conf);
void control_shutdown(void);

struct trapd;
/* Counters of the trap receiver for `nocctl stats` (NULL: none). */
void control_set_trapd(struct trapd *t);
struct syslogd;
void control_set_syslogd(struct syslogd *s);

#endif
