/*
 * Net-SNMP sessions for polling: one single-session handle per device,
 * v1/v2c/v3 USM, never a blocking call (SNMPv3 engine discovery is done
 * asynchronously by the poller, not by snmp_sess_open's synchronous probe).
 */
#ifndef NOCD_SNMPSESS_H
#define NOCD_SNMPSESS_H

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

struct device_conf;

/* Library set-up: no MIB loading except from mibdirs, no config files read,
 * no log noise on stderr. Call once before any session. */
void snmpsess_library_init(const char *const *mibdirs, size_t n);
void snmpsess_library_shutdown(void);

/*
 * Open a session for a device. cb/cb_arg receive every response. For v3 the
 * session is opened without an engine probe; snmpsess_needs_discovery() then
 * tells that snmpsess_discovery_pdu() must be sent first.
 * Returns the opaque single-session handle, or NULL with a reason in err.
 */
void *snmpsess_open(const struct device_conf *d, int timeout_ms, int retries,
	netsnmp_callback cb, void *cb_arg, char *err, size_t errlen);
void snmpsess_close(void *sessp);
int snmpsess_fd(void *sessp);
int snmpsess_needs_discovery(void *sessp);
netsnmp_pdu *snmpsess_discovery_pdu(void);
/* Take the engine ID from a discovery Report and localise the user's keys. */
int snmpsess_discovery_done(void *sessp, netsnmp_pdu *report, char *err, size_t errlen);
/* A reason for a Report PDU or a library error: "authentication failure",
 * "unknown engine ID", "unknown user name", ... */
const char *snmpsess_report_reason(netsnmp_pdu *report);

int snmpsess_auth_proto(const char *name, const oid **proto, size_t *len);
int snmpsess_priv_proto(const char *name, const oid **proto, size_t *len);

#endif
