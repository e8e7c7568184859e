/*
 * The one config module. Every option has a type, a default and a check in
 * the schema table of conf.c; errors read "FILE:LINE: message".
 */
#ifndef NOCD_CONF_H
#define NOCD_CONF_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#define NAME_MAX_LEN 64
#define SECRET_MAX_LEN 128

enum snmp_version { SNMP_V1 = 1, SNMP_V2C = 2, SNMP_V3 = 3 };
enum usm_level { USM_NOAUTH = 0, USM_AUTHNOPRIV, USM_AUTHPRIV };

/* An SNMPv3 USM identity: a polled device's or a trap sender's. */
struct usm_user {
	char name[NAME_MAX_LEN];
	char engine_id[80];		/* hex "0x..." or "" (discovered) */
	enum usm_level level;
	char auth_proto[16];		/* MD5 SHA SHA-224 SHA-256 SHA-384 SHA-512 */
	char auth_key[SECRET_MAX_LEN];
	char priv_proto[16];		/* DES AES AES-128 AES-192 AES-256 */
	char priv_key[SECRET_MAX_LEN];
};

struct device_conf {
	char name[NAME_MAX_LEN];
	char address[256];
	uint16_t port;
	enum snmp_version version;
	char community[SECRET_MAX_LEN];
	struct usm_user usm;		/* version 3 only */
	char location[256];
	char parent[NAME_MAX_LEN];
	char class_name[32];		/* forced class; "" = chosen from what it answers */
	char group[NAME_MAX_LEN];	/* for maintenance windows and reports; "" = none */
	int interval;			/* seconds; 0 = poll.interval */
	int timeout_ms;			/* 0 = poll.timeout_ms */
	int retries;			/* -1 = poll.retries */
	int line;			/* line in the config file; 0 = added at run time */
};

struct strlist {
	char **v;
	size_t n;
};
void strlist_add(struct strlist *l, const char *s);
void strlist_free(struct strlist *l);

struct nocd_conf {
	char path[PATH_MAX];
	char state_dir[PATH_MAX];
	char user[NAME_MAX_LEN];
	int poll_interval;
	int poll_timeout_ms;
	int poll_retries;
	int poll_max_repetitions;
	int poll_max_rows;		/* rows per table before it counts as absurd */
	struct strlist listen_trap, listen_syslog, listen_relp, listen_http;
	char rrdcached[PATH_MAX];
	int rrd_write_cache;		/* seconds direct RRD updates are held; 0 = none */
	struct strlist mibdirs;
	struct strlist probedirs;
	char vendor_catalog[PATH_MAX];
	struct strlist trap_communities;
	struct usm_user *trap_users;
	size_t n_trap_users;
	struct device_conf *devices;
	size_t n_devices;
	int events_max_age_days;	/* events kept this long */
	long long events_max_rows;	/* and at most this many */
	char trap_catalog[PATH_MAX];	/* trap OIDs to event types and tickets */
	double trap_rate;		/* traps per second per source, sustained */
	int trap_storm_clear;		/* seconds without a drop that end a storm */
	char syslog_rules[PATH_MAX];	/* syslog lines to event types and tickets */
	int syslog_max_message;		/* bytes */
	int syslog_idle_timeout;	/* seconds before an idle TCP sender is closed */
	int syslog_max_connections;
	double syslog_rate;		/* messages per second per source, sustained */
	int syslog_storm_clear;		/* seconds without a drop that end a storm */
	struct alert_conf *alerts;	/* notification channels; NULL = none */
	struct rule *rules;		/* replace or add to the profiles' rules */
	size_t n_rules;
	struct ticket_conf {
		int sla_s[6];		/* response time by severity (rules.h), 0 = none */
		int escalate_after_s;	/* unacknowledged this long: escalated; 0 = never */
		int flap_window_s;	/* a problem back within this reopens its ticket */
		int warranty_days;	/* warranty ending this soon raises a ticket */
	} tickets;
	struct web_conf {		/* the web console, nocweb */
		int anonymous_view;	/* pages readable without logging in */
		char language[16];	/* "auto" (Accept-Language), "en", "zh_CN" */
		int session_timeout;	/* seconds a login lasts */
	} web;
};

/* Defaults for every key, then the file over them. On error returns -1 and
 * writes "FILE:LINE: message" into err. */
int conf_load(const char *path, struct nocd_conf *conf, char *err, size_t errlen);
void conf_free(struct nocd_conf *conf);
/*
 * Forget the devices list (and the secrets in it) once the poller and the
 * database have taken their copies: nocd keeps one copy per device, not two.
 */
void conf_drop_devices(struct nocd_conf *conf);
void conf_defaults(struct nocd_conf *conf);

/*
 * The first member of a libconfig group whose name is not in the
 * NULL-terminated allowed list (NULL if none): every data file's parser
 * reports it as "FILE:LINE: unknown key 'x' in ...".
 */
struct config_setting_t;
struct config_setting_t *conf_unknown_key(const struct config_setting_t *group,
	const char *const *allowed);

/* The config file nocctl and nocd use when none is named. */
const char *conf_default_path(void);

/* Checks shared by the config file and `nocctl device add`. */
int conf_device_check(const struct device_conf *d, char *err, size_t errlen);
void conf_device_defaults(struct device_conf *d);
int conf_parse_version(const char *s, enum snmp_version *v);
const char *conf_version_str(enum snmp_version v);
int conf_parse_level(const char *s, enum usm_level *l);
const char *conf_level_str(enum usm_level l);
/* Parse "HOST", "HOST:PORT", "[V6]:PORT" into address and port. */
int conf_parse_hostport(const char *s, char *host, size_t hostlen, uint16_t *port);

/* Effective per-device poll settings. */
int conf_device_interval(const struct nocd_conf *c, const struct device_conf *d);
int conf_device_timeout_ms(const struct nocd_conf *c, const struct device_conf *d);
int conf_device_retries(const struct nocd_conf *c, const struct device_conf *d);

#endif
