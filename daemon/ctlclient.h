/* nocctl's side of the control socket. */
#ifndef NOCD_CTLCLIENT_H
#define NOCD_CTLCLIENT_H

#include <jansson.h>
#include <stddef.h>

/* Send one request, wait for its answer (timeout_ms). NULL with err set on
 * a connection error; the answer otherwise (caller decrefs). */
json_t *ctl_request(const char *state_dir, json_t *req, int timeout_ms,
	char *err, size_t errlen);

#endif
