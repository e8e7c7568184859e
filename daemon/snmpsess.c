#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "log.h"
#include "snmpsess.h"
#include "util.h"

void
snmpsess_library_init(const char *const *mibdirs, size_t n)
{
	char dirs[4096] = "";
	size_t o = 0;

	/* No snmp.conf, no persistent files, nothing printed on stderr. */
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_QUICK_PRINT, 1);
	netsnmp_ds_set_int(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_MIB_WARNINGS, 0);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_MIB_ERRORS, 0);
	snmp_disable_log();
	/* MIB files only from the configured directories; none loaded by default. */
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(dirs + o, sizeof(dirs) - o, "%s%s", o ? ":" : "", mibdirs[i]);

		if (w < 0 || (size_t)w >= sizeof(dirs) - o)
			break;
		o += (size_t)w;
	}
	netsnmp_set_mib_directory(dirs);
	setenv("MIBS", "", 1);
	setenv("MIBDIRS", dirs, 1);
	netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_MIBDIRS, dirs);
	init_snmp("nocd");
}

void
snmpsess_library_shutdown(void)
{
	snmp_shutdown("nocd");
}

static const struct {
	const char *name;
	const oid *proto;
	size_t len;
} auth_protos[] = {
	{ "MD5", usmHMACMD5AuthProtocol, USM_AUTH_PROTO_MD5_LEN },
	{ "SHA", usmHMACSHA1AuthProtocol, USM_AUTH_PROTO_SHA_LEN },
	{ "SHA-1", usmHMACSHA1AuthProtocol, USM_AUTH_PROTO_SHA_LEN },
	{ "SHA-224", usmHMAC128SHA224AuthProtocol, OID_LENGTH(usmHMAC128SHA224AuthProtocol) },
	{ "SHA-256", usmHMAC192SHA256AuthProtocol, OID_LENGTH(usmHMAC192SHA256AuthProtocol) },
	{ "SHA-384", usmHMAC256SHA384AuthProtocol, OID_LENGTH(usmHMAC256SHA384AuthProtocol) },
	{ "SHA-512", usmHMAC384SHA512AuthProtocol, OID_LENGTH(usmHMAC384SHA512AuthProtocol) },
};

static const struct {
	const char *name;
	const oid *proto;
	size_t len;
} priv_protos[] = {
	{ "DES", usmDESPrivProtocol, USM_PRIV_PROTO_DES_LEN },
	{ "AES", usmAESPrivProtocol, USM_PRIV_PROTO_AES_LEN },
	{ "AES-128", usmAESPrivProtocol, USM_PRIV_PROTO_AES_LEN },
	{ "AES-192", usmAES192PrivProtocol, OID_LENGTH(usmAES192PrivProtocol) },
	{ "AES-256", usmAES256PrivProtocol, OID_LENGTH(usmAES256PrivProtocol) },
};

int
snmpsess_auth_proto(const char *name, const oid **proto, size_t *len)
{
	for (size_t i = 0; i < ARRAY_SIZE(auth_protos); i++) {
		if (strcasecmp(name, auth_protos[i].name) == 0) {
			*proto = auth_protos[i].proto;
			*len = auth_protos[i].len;
			return 0;
		}
	}
	return -1;
}

int
snmpsess_priv_proto(const char *name, const oid **proto, size_t *len)
{
	for (size_t i = 0; i < ARRAY_SIZE(priv_protos); i++) {
		if (strcasecmp(name, priv_protos[i].name) == 0) {
			*proto = priv_protos[i].proto;
			*len = priv_protos[i].len;
			return 0;
		}
	}
	return -1;
}

/* Master keys (Ku) from the passphrases; localised once the engine ID is known. */
static int
set_usm_keys(netsnmp_session *s, const struct usm_user *u, char *err, size_t errlen)
{
	const oid *proto;
	size_t len;

	s->securityName = strdup(u->name);
	s->securityNameLen = strlen(u->name);
	s->securityModel = SNMP_SEC_MODEL_USM;
	s->securityLevel = u->level == USM_AUTHPRIV ? SNMP_SEC_LEVEL_AUTHPRIV :
	    u->level == USM_AUTHNOPRIV ? SNMP_SEC_LEVEL_AUTHNOPRIV : SNMP_SEC_LEVEL_NOAUTH;
	if (u->level == USM_NOAUTH)
		return 0;
	if (snmpsess_auth_proto(u->auth_proto, &proto, &len) < 0) {
		snprintf(err, errlen, "unknown authentication protocol");
		return -1;
	}
	s->securityAuthProto = snmp_duplicate_objid(proto, len);
	s->securityAuthProtoLen = len;
	s->securityAuthKeyLen = USM_AUTH_KU_LEN;
	if (generate_Ku(s->securityAuthProto, (u_int)s->securityAuthProtoLen,
	    (const u_char *)u->auth_key, strlen(u->auth_key), s->securityAuthKey,
	    &s->securityAuthKeyLen) != SNMPERR_SUCCESS) {
		snprintf(err, errlen, "cannot derive the authentication key");
		return -1;
	}
	if (u->level != USM_AUTHPRIV)
		return 0;
	if (snmpsess_priv_proto(u->priv_proto, &proto, &len) < 0) {
		snprintf(err, errlen, "unknown privacy protocol");
		return -1;
	}
	s->securityPrivProto = snmp_duplicate_objid(proto, len);
	s->securityPrivProtoLen = len;
	s->securityPrivKeyLen = USM_PRIV_KU_LEN;
	if (generate_Ku(s->securityAuthProto, (u_int)s->securityAuthProtoLen,
	    (const u_char *)u->priv_key, strlen(u->priv_key), s->securityPrivKey,
	    &s->securityPrivKeyLen) != SNMPERR_SUCCESS) {
		snprintf(err, errlen, "cannot derive the privacy key");
		return -1;
	}
	return 0;
}

static int
parse_engine_id(const char *hex, u_char **out, size_t *outlen)
{
	size_t n;

	if (hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X'))
		hex += 2;
	n = strlen(hex);
	if (n == 0 || n % 2 || n / 2 > 32)
		return -1;
	*out = malloc(n / 2);
	if (*out == NULL)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1) {
			free(*out);
			return -1;
		}
		(*out)[i] = (u_char)v;
	}
	*outlen = n / 2;
	return 0;
}

void *
snmpsess_open(const struct device_conf *d, int timeout_ms, int retries,
    netsnmp_callback cb, void *cb_arg, char *err, size_t errlen)
{
	netsnmp_session s, *sp;
	char peer[300];
	void *sessp = NULL;

	snmp_sess_init(&s);
	if (strchr(d->address, ':') != NULL)
		snprintf(peer, sizeof(peer), "udp6:[%s]:%u", d->address, d->port);
	else
		snprintf(peer, sizeof(peer), "udp:%s:%u", d->address, d->port);
	s.peername = peer;
	s.timeout = (long)timeout_ms * 1000L;
	s.retries = retries;
	s.callback = cb;
	s.callback_magic = cb_arg;
	switch (d->version) {
	case SNMP_V1:
	case SNMP_V2C:
		s.version = d->version == SNMP_V1 ? SNMP_VERSION_1 : SNMP_VERSION_2c;
		s.community = (u_char *)strdup(d->community);
		s.community_len = strlen(d->community);
		break;
	case SNMP_V3:
		s.version = SNMP_VERSION_3;
		/* The engine probe of snmp_sess_open blocks: the poller discovers instead. */
		s.flags |= SNMP_FLAGS_DONT_PROBE;
		if (set_usm_keys(&s, &d->usm, err, errlen) < 0)
			goto out;
		if (d->usm.engine_id[0] && parse_engine_id(d->usm.engine_id,
		    &s.securityEngineID, &s.securityEngineIDLen) < 0) {
			snprintf(err, errlen, "bad engine_id");
			goto out;
		}
		break;
	}
	sessp = snmp_sess_open(&s);
	if (sessp == NULL) {
		int liberr, syserr;
		char *msg = NULL;

		snmp_error(&s, &liberr, &syserr, &msg);
		snprintf(err, errlen, "cannot open session: %s", msg ? msg : "unknown error");
		free(msg);
		goto out;
	}
	sp = snmp_sess_session(sessp);
	/*
	 * snmp_sess_open clears the flag once it has skipped its own probe, and
	 * then the first snmp_sess_async_send() without an engine ID probes
	 * synchronously (snmp_sess_synch_response inside the send), blocking
	 * the event loop for the whole timeout of an unreachable device. Keep
	 * it set: discovery is the caller's, asynchronous.
	 */
	sp->flags |= SNMP_FLAGS_DONT_PROBE;
	if (d->version == SNMP_V3 && sp->securityEngineIDLen > 0 &&
	    usm_create_user_from_session(sp) != SNMPERR_SUCCESS) {
		snprintf(err, errlen, "cannot set up the USM user");
		snmp_sess_close(sessp);
		sessp = NULL;
	}
out:
	/* snmp_sess_open copied what it needs */
	free(s.community);
	free(s.securityName);
	free(s.securityAuthProto);
	free(s.securityPrivProto);
	free(s.securityEngineID);
	explicit_bzero(s.securityAuthKey, sizeof(s.securityAuthKey));
	explicit_bzero(s.securityPrivKey, sizeof(s.securityPrivKey));
	return sessp;
}

void
snmpsess_close(void *sessp)
{
	if (sessp != NULL)
		snmp_sess_close(sessp);
}

int
snmpsess_fd(void *sessp)
{
	netsnmp_transport *t = snmp_sess_transport(sessp);

	return t ? t->sock : -1;
}

int
snmpsess_needs_discovery(void *sessp)
{
	netsnmp_session *s = snmp_sess_session(sessp);

	return s->version == SNMP_VERSION_3 && s->securityEngineIDLen == 0;
}

netsnmp_pdu *
snmpsess_discovery_pdu(void)
{
	netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GET);

	/* RFC 3414 4: an unauthenticated request with an empty engine ID and user */
	pdu->version = SNMP_VERSION_3;
	pdu->securityName = strdup("");
	pdu->securityNameLen = 0;
	pdu->securityModel = SNMP_SEC_MODEL_USM;
	pdu->securityLevel = SNMP_SEC_LEVEL_NOAUTH;
	return pdu;
}

int
snmpsess_discovery_done(void *sessp, netsnmp_pdu *report, char *err, size_t errlen)
{
	netsnmp_session *s = snmp_sess_session(sessp);

	if (s->securityEngineIDLen == 0) {
		if (report == NULL || report->securityEngineIDLen == 0 ||
		    report->securityEngineIDLen > 32) {
			snprintf(err, errlen, "unknown engine ID (discovery gave none)");
			return -1;
		}
		s->securityEngineID = netsnmp_memdup(report->securityEngineID,
		    report->securityEngineIDLen);
		if (s->securityEngineID == NULL)
			return -1;
		s->securityEngineIDLen = report->securityEngineIDLen;
	}
	if (s->contextEngineIDLen == 0) {
		s->contextEngineID = netsnmp_memdup(s->securityEngineID, s->securityEngineIDLen);
		s->contextEngineIDLen = s->contextEngineID ? s->securityEngineIDLen : 0;
	}
	if (usm_create_user_from_session(s) != SNMPERR_SUCCESS) {
		snprintf(err, errlen, "cannot localise the USM keys");
		return -1;
	}
	return 0;
}

const char *
snmpsess_report_reason(netsnmp_pdu *report)
{
	static const oid usm_stats[] = { 1, 3, 6, 1, 6, 3, 15, 1, 1 };
	static const char *const reasons[] = {
		"report", "unsupported security level", "not in time window",
		"unknown user name", "unknown engine ID", "authentication failure (wrong digest)",
		"decryption error",
	};
	netsnmp_variable_list *v = report ? report->variables : NULL;

	if (v == NULL || v->name_length < OID_LENGTH(usm_stats) + 1 ||
	    snmp_oid_compare(v->name, OID_LENGTH(usm_stats), usm_stats,
	    OID_LENGTH(usm_stats)) != 0)
		return "report from agent";
	if (v->name[OID_LENGTH(usm_stats)] < ARRAY_SIZE(reasons))
		return reasons[v->name[OID_LENGTH(usm_stats)]];
	return "report from agent";
}
