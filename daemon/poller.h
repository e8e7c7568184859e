/*
 * The poller: every device on its own schedule, one request in flight per
 * device, thousands of devices in flight at once, on the event loop. Results
 * go to the store; nothing here touches a disk.
 */
#ifndef NOCD_POLLER_H
#define NOCD_POLLER_H

#include <stddef.h>
#include <stdint.h>

struct evloop;
struct nocd_conf;
struct device_conf;
struct probe_set;
struct vendor_catalog;
struct json_t;

struct poller;

struct poller *poller_new(struct evloop *loop, const struct nocd_conf *conf,
	const struct probe_set *probes, const struct vendor_catalog *vendors);
void poller_free(struct poller *p);

/* Add or replace a device (same name: settings replaced, history kept). */
int poller_add_device(struct poller *p, const struct device_conf *d);
int poller_remove_device(struct poller *p, const char *name);
int poller_has_device(const struct poller *p, const char *name);
/* The settings a device is polled with, NULL if unknown. */
const struct device_conf *poller_device_conf(const struct poller *p, const char *name);
size_t poller_device_count(const struct poller *p);
/* Apply a new config: devices added, changed, removed; poll settings. */
int poller_reconfigure(struct poller *p, const struct nocd_conf *conf,
	const struct probe_set *probes);
/* Poll a device now (nocctl device poll). */
int poller_poll_now(struct poller *p, const char *name);

struct poller_stats {
	uint64_t polls_started, polls_ok, polls_failed;
	uint64_t pdus_sent, pdus_received, varbinds;
	uint64_t timeouts, bad_responses, bad_values, send_errors;
	size_t in_flight;
};
void poller_get_stats(const struct poller *p, struct poller_stats *s);
struct rule_engine;
const struct rule_engine *poller_rules(const struct poller *p);
/* The device polled at this address (as configured), NULL if none. */
const char *poller_find_by_address(struct poller *p, const char *address);

#endif
