/*
 * The trap receiver: SNMPv1/v2c traps, v2c/v3 informs (acknowledged) and
 * v3 traps with USM users from the config, received natively through
 * Net-SNMP's library on the event loop. No snmptrapd, no process per trap.
 *
 * The listening transports are opened while nocd is still root
 * (trapd_open), the rest runs unprivileged. A trap becomes an event: the
 * catalog (mibs/traps.conf) gives its name, type, severity and the ticket
 * it opens or clears; the device is found by the source address (and the
 * agent address of v1 traps).
 */
#ifndef NOCD_TRAPD_H
#define NOCD_TRAPD_H

#include <stddef.h>
#include <stdint.h>

struct evloop;
struct nocd_conf;
struct trapd;

/* Name of the device polled at this address, NULL if none. */
typedef const char *(*trapd_lookup_fn)(const char *address, void *arg);

/* As root: bind listen.trap. The library must be initialised. NULL + err on error. */
struct trapd *trapd_open(const struct nocd_conf *conf, char *err, size_t errlen);
/* Unprivileged: users, catalog, sessions on the event loop. */
int trapd_start(struct trapd *t, struct evloop *loop, const struct nocd_conf *conf,
	trapd_lookup_fn lookup, void *lookup_arg);
/* After a reload: communities, catalog, new users (listen addresses need a restart). */
void trapd_reconfigure(struct trapd *t, const struct nocd_conf *conf);
void trapd_free(struct trapd *t);

struct trapd_stats {
	uint64_t received, accepted, informs_acked;
	uint64_t refused_community, refused_auth, refused_unknown_user, refused_decrypt;
	uint64_t refused_engine, malformed, rate_limited, unknown_device, dropped_queue;
	uint64_t storms;		/* storms begun (one ticket each for a known device) */
};
void trapd_get_stats(const struct trapd *t, struct trapd_stats *s);

/* Raw bytes through the library's parser and our trap decoding (fuzz targets). */
int trapd_decode_for_fuzzing(const uint8_t *data, size_t len);

/* The catalog file: errors name file and line. Used by nocd -n too. */
int trapd_check_catalog(const char *path, char *err, size_t errlen);

#endif
