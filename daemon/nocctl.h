/* What the parts of nocctl share. */
#ifndef NOCD_NOCCTL_H
#define NOCD_NOCCTL_H

#include <jansson.h>
#include <sqlite3.h>

#include "conf.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

extern struct nocd_conf conf;
extern int json_out;

void usage(void) __attribute__((noreturn));
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int print_json(json_t *j);
sqlite3 *open_db(void);
void put_field(const char *s, int width);	/* control characters shown as '?' */
const char *jstr(json_t *o, const char *key);	/* "-" when absent */
int control(json_t *req);			/* send an action; takes req */
/* Send a request and return the reply (NULL with err set); takes req. */
json_t *ctl_request_simple(json_t *req, char *err, size_t errlen);

/* nocctl-tickets.c */
int cmd_tickets(int argc, char **argv);
int cmd_maintenance(int argc, char **argv);
int cmd_inventory(int argc, char **argv);
int cmd_asset(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_logs(int argc, char **argv);

#endif
