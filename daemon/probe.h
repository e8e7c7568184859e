/*
 * Probes are data: files in the probe directories (libconfig syntax) say
 * which OIDs to read, how to name, scale and store them. Adding a device
 * class or a vendor table is a new file, not new code.
 */
#ifndef NOCD_PROBE_H
#define NOCD_PROBE_H

#include <stddef.h>
#include <stdint.h>

#define PROBE_OID_MAX 64	/* sub-identifiers */
#define PROBE_MAX_COLUMNS 32
#define PROBE_MAX_ALTS 2	/* preferred OID and one fallback (HC counter, 32-bit counter) */

enum probe_kind { PROBE_SCALAR, PROBE_TABLE };

enum column_type {
	COL_GAUGE,	/* value as read, times scale */
	COL_COUNTER,	/* a rate per second is stored */
	COL_STATE,	/* an enumerated state, stored as its number */
	COL_TEXT,	/* text: kept in the database, not in RRD */
	COL_DERIVED	/* computed from other columns of the row */
};

enum derive_op { DERIVE_NONE, DERIVE_PERCENT, DERIVE_PRODUCT, DERIVE_DIFF, DERIVE_SENSOR };

#define PROBE_MAX_STATES 16

/* One value of an enumerated state column: what it means, how bad it is. */
struct probe_state {
	int32_t value;
	char meaning[30];
	uint8_t severity;	/* enum severity (rules.h); 0 = clear */
};

struct probe_oid {
	uint32_t sub[PROBE_OID_MAX];
	size_t len;
	double scale;		/* applied to what this OID returns */
};

struct probe_column {
	char name[20];		/* also the RRD data source name */
	enum column_type type;
	struct probe_oid alts[PROBE_MAX_ALTS];
	int n_alts;
	char unit[16];		/* "bits/s", "%", "bytes", "C", "state" ... */
	double min, max;	/* plausible range after scaling; NAN = open */
	int rrd;		/* kept in the RRD file */
	int max_rate_col;	/* counter: column whose value bounds the rate, -1 */
	enum derive_op derive;
	int derive_a, derive_b, derive_c;	/* column indexes (c: sensor precision) */
	struct probe_state states[PROBE_MAX_STATES];
	int n_states;
	char category[16];	/* ticket category of its state problems; "" = the probe's */
};

struct probe {
	char name[32];		/* the metric group: RRD directory, `group.metric` */
	char file[256];		/* where it was defined, for messages */
	enum probe_kind kind;
	/* table: labels for the instance (first that answers), e.g. ifName, ifDescr */
	struct probe_oid label[PROBE_MAX_ALTS];
	int n_label;
	struct probe_column cols[PROBE_MAX_COLUMNS];
	int n_cols;
	char graph[4][20];	/* columns drawn by default for `graph DEVICE group` */
	int n_graph;
	char classes[8][32];	/* device classes this probe applies to; none = all */
	int n_classes;
	int every;		/* seconds between polls of this probe; 0 = every poll */
	int inventory;		/* rows are physical components */
	int instance_by_label;	/* instance = the row's label, not its index */
	char category[16];	/* default ticket category of state problems */
};

/* How a device's class is recognised: every condition given must hold. */
struct class_rule {
	char class_name[32];
	char vendor[32];	/* "" = from the enterprise catalog */
	int priority;
	char oid_prefix[4][64];
	int n_oid;
	char descr_re[128];	/* POSIX ERE, case-insensitive */
	char probes[4][32];	/* these probes found rows */
	int n_probes;
	char file[256];
	int line;
};

struct rule;

/* Everything the profile files define. */
struct probe_set {
	struct probe *v;
	size_t n;
	struct class_rule *classes;
	size_t n_classes;
	struct rule *rules;
	size_t n_rules;
};

/* The state of a column's value, NULL when the column lists none for it. */
const struct probe_state *probe_column_state(const struct probe_column *c, double value);
/*
 * The class of a device: the best class rule that matches. has_rows(i) says
 * whether probe i found rows. Returns NULL when none matches.
 */
const struct class_rule *probes_classify(const struct probe_set *set, const char *sys_object_id,
	const char *sys_descr, int (*has_rows)(const void *ctx, size_t probe_idx), const void *ctx);

/*
 * Load every *.conf file of the directories. A file with an error is named
 * with its line and skipped; the others still load. Returns the number of
 * files that failed (0 = all good), or -1 when nothing at all could be read.
 */
int probes_load(const char *const *dirs, size_t ndirs, struct probe_set *set);
int probes_load_file(const char *path, struct probe_set *set, char *err, size_t errlen);
void probes_free(struct probe_set *set);
const struct probe *probes_find(const struct probe_set *set, const char *name);
int probe_column_index(const struct probe *p, const char *name);

int oid_parse(const char *s, struct probe_oid *o);	/* "1.3.6.1..." */
int oid_format(const uint32_t *sub, size_t len, char *buf, size_t buflen);

#endif
