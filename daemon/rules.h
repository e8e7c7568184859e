/*
 * Monitoring rules: conditions on what a poll found that open and clear
 * tickets. Rules are data, shipped in the profile files (probes/NAME.conf,
 * `rules = ( ... )`) and overridden by name in nocd.conf. The engine runs on
 * the event loop after every poll; it keeps, per device, rule and instance,
 * how many polls in a row the condition held, and emits a raise when the
 * trigger count is reached and a clear when the recovery condition has held
 * for the clear count. Only those transitions leave the event loop (as
 * ticket operations for the store thread); a problem that stays is a
 * counter, not a write.
 */
#ifndef NOCD_RULES_H
#define NOCD_RULES_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define RULE_MAX_SET 16

enum severity { SEV_CLEAR = 0, SEV_INFO, SEV_WARNING, SEV_MINOR, SEV_MAJOR, SEV_CRITICAL };

const char *severity_name(int sev);		/* "critical" ... "clear" */
int severity_parse(const char *s);		/* -1 when unknown */
int category_is_valid(const char *s);

enum rule_cond {
	RC_ABOVE, RC_BELOW, RC_EQUAL, RC_IN, RC_BAD_STATES, RC_RATE_ABOVE, RC_FULL_WITHIN
};

struct rule {
	char name[32];
	char file[256];
	int line;
	char group[32];			/* "device" for device.down */
	char metric[20];
	enum rule_cond cond;
	double threshold;		/* above/below/equal/rate_above/full_within_days */
	double set[RULE_MAX_SET];	/* in */
	int n_set;
	double was[RULE_MAX_SET];	/* only after one of these values */
	int n_was;
	int has_clear;
	double clear;			/* clear_below / clear_above */
	int count, clear_count;
	int severity;			/* enum severity; bad_states: from the states map */
	char category[16];
	char classes[8][32];
	int n_classes;
	char devices[8][64];
	int n_devices;
	char instances[128];		/* POSIX ERE, case-insensitive; "" = all */
	char where_column[20];
	double where_in[RULE_MAX_SET];
	int n_where;
	char message[256];
	int enabled;
};

struct config_setting_t;
/* Parse one rule group; errors read "FILE:LINE: message". */
int rule_parse(struct config_setting_t *s, const char *path, struct rule *r, char *err,
	size_t errlen);

/* --- what the engine hands to the store --- */

enum ticket_op_kind { TOP_RAISE, TOP_CLEAR };

struct ticket_op {
	enum ticket_op_kind kind;
	char device[64];
	char rule[32];
	char instance[64];
	char category[16];
	int severity;
	char title[256];
	double value;
	time_t when;
	int availability;	/* the device itself is unreachable (parent links) */
	char source[8];		/* "poll" (default), "trap", "syslog" */
	int64_t received_ms;	/* monotonic ms the trap or line arrived (alert latency) */
	int after_restart;	/* first sighting since nocd started: no new occurrence */
	long long count;	/* occurrences this op stands for (a storm's messages); 0 = 1 */
};

struct ticket_ops {
	struct ticket_op *v;
	size_t n, cap;
};
void ticket_ops_add(struct ticket_ops *ops, const struct ticket_op *op);
void ticket_ops_free(struct ticket_ops *ops);

/* --- the engine --- */

struct probe_set;
struct nocd_conf;
struct poll_result;
struct rule_engine;
struct rule_dev;	/* one device's rule states */

/* Profile rules, then the config's rules replacing those of the same name. */
struct rule_engine *rules_engine_new(const struct probe_set *ps, const struct nocd_conf *conf);
void rules_engine_free(struct rule_engine *e);
size_t rules_engine_count(const struct rule_engine *e);
size_t rules_engine_ignored(const struct rule_engine *e);	/* named what is not there */

/*
 * Tickets open when nocd started ("device|rule|instance" keys; the map is
 * taken over): their problems start out raised, so that a recovery clears
 * them and a problem that persists is not counted again.
 */
struct hashmap;
void rules_set_open_tickets(struct hashmap *keys);

struct rule_dev *rule_dev_new(void);
void rule_dev_free(struct rule_dev *rd);

/*
 * Evaluate every rule that applies to the device against one poll.
 * dev_class may be "" (not known yet). Transitions are appended to out.
 */
void rules_eval(struct rule_engine *e, struct rule_dev *rd, const char *device,
	const char *dev_class, const struct poll_result *r, struct ticket_ops *out);

/*
 * Whether one of the device's availability rules (metric device.down) is
 * raised now: its ticket is open, or was suppressed. rd may be NULL.
 */
int rules_unreachable_raised(const struct rule_engine *e, const struct rule_dev *rd);

struct rule_stats {
	uint64_t evaluations, raised, cleared;
};
void rules_get_stats(const struct rule_engine *e, struct rule_stats *s);

/* "{device} is {value}" with the placeholders filled; never a format string. */
struct rule_vars {
	const char *device, *instance, *label, *unit, *state, *reason, *metric;
	double value, threshold;
};
void rule_format(const char *tmpl, const struct rule_vars *v, char *out, size_t outlen);

#endif
