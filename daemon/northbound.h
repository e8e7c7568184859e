/*
 * Northbound notifications: a ticket's change as an SNMP trap or inform in
 * nocd's own MIB (mibs/NOCD-MIB.txt) to a manager of managers.
 *
 * Net-SNMP's library is not built reentrant, so every SNMP call stays on the
 * event loop thread, with the poller and the trap receiver. An alert channel
 * thread hands its notice over (a queue and a pipe that wakes the loop) and
 * waits for the outcome: sent (a trap), acknowledged (an inform), or why not.
 * The loop never blocks: SNMPv3 engine discovery for informs and the
 * inform's retransmissions run asynchronously like the poller's requests.
 */
#ifndef NOCD_NORTHBOUND_H
#define NOCD_NORTHBOUND_H

struct evloop;
struct device_conf;
struct notice;

int northbound_start(struct evloop *loop);
void northbound_stop(void);
/* Wake every channel thread waiting for an outcome ("channel restarting"); the
 * requests themselves run to their end. For alerts_stop() at a reload. */
void northbound_abandon(void);

/*
 * From any thread: send the notice to the receiver described by d
 * (address, port, version 2c or 3, community or USM user; for a v3 trap
 * usm.engine_id is nocd's engine ID as the receiver knows it). Waits at
 * most timeout_ms. Returns 0, or -1 with the reason in why.
 */
int northbound_send(const struct device_conf *d, int inform, const struct notice *n,
	int timeout_ms, char *why, size_t wlen);

/* The notification's OID and varbinds, for the tests: NULL on error. */
struct snmp_pdu;
struct snmp_pdu *northbound_pdu(const struct notice *n, int inform);

#endif
