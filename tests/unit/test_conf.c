/* The config file: every key, every error names its file and line, no secret leaks. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "util.h"

static char dir[64];
static char path[128];
static char err[1024];

static void
write_conf(const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Load `text`; expect failure with "PATH:LINE: " and `needle` in the message. */
static void
expect_error(const char *text, int line, const char *needle)
{
	struct nocd_conf c;
	char prefix[200];

	write_conf(text);
	err[0] = '\0';
	assert_int_equal(conf_load(path, &c, err, sizeof(err)), -1);
	snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	if (strncmp(err, prefix, strlen(prefix)) != 0 || strstr(err, needle) == NULL)
		fail_msg("expected '%s...%s', got '%s'", prefix, needle, err);
}

static int
setup(void **state)
{
	snprintf(dir, sizeof(dir), "%s", "/tmp/nocd-conf-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/nocd.conf", dir);
	return 0;
}

static int
teardown(void **state)
{
	unlink(path);
	rmdir(dir);
	return 0;
}

static void
test_defaults(void **state)
{
	struct nocd_conf c;

	write_conf("# nothing but defaults\n");
	assert_int_equal(conf_load(path, &c, err, sizeof(err)), 0);
	assert_string_equal(c.state_dir, "/var/lib/nocd");
	assert_string_equal(c.user, "nocd");
	assert_int_equal(c.poll_interval, 60);
	assert_int_equal(c.poll_timeout_ms, 2000);
	assert_int_equal(c.poll_retries, 1);
	assert_int_equal(c.listen_trap.n, 1);
	assert_string_equal(c.listen_trap.v[0], "udp:0.0.0.0:162");
	assert_int_equal(c.listen_syslog.n, 2);
	assert_string_equal(c.listen_relp.v[0], "0.0.0.0:2514");
	assert_string_equal(c.listen_http.v[0], "127.0.0.1:8080");
	assert_string_equal(c.rrdcached, "");
	assert_int_equal(c.n_devices, 0);
	conf_free(&c);
}

/* The example of the interface document, every key. */
static void
test_full(void **state)
{
	struct nocd_conf c;
	char want[256];

	write_conf(
	    "state_dir = \"state\";\n"
	    "user = \"nobody\";\n"
	    "poll = { interval = 30; timeout_ms = 1500; retries = 2; max_repetitions = 10; };\n"
	    "listen = {\n"
	    "  trap   = [ \"udp:0.0.0.0:10162\" ];\n"
	    "  syslog = [ \"udp:0.0.0.0:10514\", \"tcp:[::1]:10514\" ];\n"
	    "  relp   = [ \"0.0.0.0:12514\" ];\n"
	    "  http   = [ \"127.0.0.1:18080\" ];\n"
	    "};\n"
	    "rrd = { rrdcached = \"unix:/run/rrdcached.sock\"; };\n"
	    "mibdirs = [ \"/usr/share/nocd/mibs\" ];\n"
	    "trap = {\n"
	    "  communities = [ \"public\" ];\n"
	    "  users = ( { name = \"traps\"; engine_id = \"0x80001f8880c71100000000000\";\n"
	    "    level = \"authPriv\"; auth = \"SHA-256\"; auth_key = \"trapauth1\";\n"
	    "    priv = \"AES\"; priv_key = \"trappriv1\"; } );\n"
	    "};\n"
	    "devices = (\n"
	    "  { name = \"core-sw1\"; address = \"10.0.0.1\"; port = 161; version = \"2c\";\n"
	    "    community = \"public\"; location = \"Room A, rack 3\"; parent = \"\"; },\n"
	    "  { name = \"ups-a\"; address = \"10.0.0.20\"; version = \"3\"; user = \"ops\";\n"
	    "    level = \"authPriv\"; auth = \"SHA-512\"; auth_key = \"authkey123\";\n"
	    "    priv = \"AES-256\"; priv_key = \"privkey123\"; parent = \"core-sw1\";\n"
	    "    interval = 10; timeout_ms = 500; retries = 0; class = \"ups\"; }\n"
	    ");\n");
	if (conf_load(path, &c, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	snprintf(want, sizeof(want), "%s/state", dir);
	assert_string_equal(c.state_dir, want);	/* relative to the config file */
	assert_string_equal(c.user, "nobody");
	assert_int_equal(c.poll_interval, 30);
	assert_int_equal(c.poll_max_repetitions, 10);
	assert_int_equal(c.listen_syslog.n, 2);
	assert_string_equal(c.listen_syslog.v[1], "tcp:[::1]:10514");
	assert_string_equal(c.rrdcached, "unix:/run/rrdcached.sock");
	assert_int_equal(c.n_trap_users, 1);
	assert_int_equal(c.trap_users[0].level, USM_AUTHPRIV);
	assert_string_equal(c.trap_communities.v[0], "public");
	assert_int_equal(c.n_devices, 2);
	assert_string_equal(c.devices[0].name, "core-sw1");
	assert_int_equal(c.devices[0].version, SNMP_V2C);
	assert_int_equal(c.devices[0].line, 19);
	assert_int_equal(conf_device_interval(&c, &c.devices[0]), 30);
	assert_int_equal(conf_device_retries(&c, &c.devices[0]), 2);
	assert_int_equal(c.devices[1].version, SNMP_V3);
	assert_string_equal(c.devices[1].usm.name, "ops");
	assert_string_equal(c.devices[1].usm.auth_proto, "SHA-512");
	assert_string_equal(c.devices[1].usm.priv_proto, "AES-256");
	assert_int_equal(conf_device_interval(&c, &c.devices[1]), 10);
	assert_int_equal(conf_device_timeout_ms(&c, &c.devices[1]), 500);
	assert_int_equal(conf_device_retries(&c, &c.devices[1]), 0);
	assert_string_equal(c.devices[1].class_name, "ups");
	conf_free(&c);
}

static void
test_unknown_keys(void **state)
{
	expect_error("state_dir = \"/tmp\";\nstatedir = \"/tmp\";\n", 2, "unknown key 'statedir'");
	expect_error("poll = {\n  interval = 60;\n  timeout = 5;\n};\n", 3,
	    "unknown key 'poll.timeout'");
	expect_error("devices = (\n { name = \"a\"; address = \"1.2.3.4\";\n"
	    "   community = \"public\";\n   comunity = \"x\"; }\n);\n", 4,
	    "unknown key 'devices.comunity'");
	expect_error("trap = { users = ( { name = \"t\"; authkey = \"12345678\"; } ); };\n", 1,
	    "unknown key 'trap.users.authkey'");
}

static void
test_types_and_ranges(void **state)
{
	expect_error("\n\npoll = { interval = \"60\"; };\n", 3, "poll.interval must be an integer");
	expect_error("poll = { interval = 0; };\n", 1, "between 5 and 86400");
	expect_error("poll = { retries = 99; };\n", 1, "between 0 and 10");
	expect_error("state_dir = 5;\n", 1, "state_dir must be a string");
	expect_error("listen = { trap = \"udp:0.0.0.0:162\"; };\n", 1, "list of strings");
	expect_error("listen = { trap = [ \"0.0.0.0:162\" ]; };\n", 1, "udp:HOST:PORT");
	expect_error("listen = { relp = [ \"0.0.0.0:99999\" ]; };\n", 1, "HOST:PORT");
	expect_error("rrd = { rrdcached = \"nonsense\"; };\n", 1, "rrd.rrdcached");
	expect_error("devices = (\n { name = \"a\"; address = \"1.2.3.4\"; community = \"c\";\n"
	    "   port = 70000; }\n);\n", 3, "between 1 and 65535");
}

static void
test_devices(void **state)
{
	expect_error("devices = ( { address = \"1.2.3.4\"; community = \"c\"; } );\n", 1,
	    "without a name");
	expect_error("devices = (\n { name = \"../x\"; address = \"1.2.3.4\"; community = \"c\"; }\n);\n",
	    2, "device name");
	expect_error("devices = (\n { name = \"a\"; address = \"1.2.3.4\"; community = \"c\"; },\n"
	    " { name = \"a\"; address = \"1.2.3.5\"; community = \"c\"; }\n);\n", 3,
	    "already defined at line 2");
	expect_error("devices = ( { name = \"a\"; address = \"1.2.3.4\"; version = \"4\"; } );\n", 1,
	    "version must be");
	expect_error("devices = ( { name = \"a\"; address = \"1.2.3.4\"; } );\n", 1,
	    "need a community");
	expect_error("devices = ( { name = \"a\"; address = \"1.2 3.4\"; community = \"c\"; } );\n", 1,
	    "address");
	expect_error("devices = ( { name = \"a\"; address = \"1.2.3.4\"; community = \"c\";\n"
	    "  parent = \"nobody\"; } );\n", 1, "parent nobody is not a device");
	expect_error("devices = ( { name = \"a\"; address = \"1.2.3.4\"; version = \"3\"; } );\n", 1,
	    "needs a user name");
	expect_error("devices = ( { name = \"a\"; address = \"1.2.3.4\"; version = \"3\";\n"
	    "  user = \"u\"; level = \"authPriv\"; auth = \"SHA-999\"; auth_key = \"longenough\";\n"
	    "  priv_key = \"longenough\"; } );\n", 1, "auth must be one of");
	expect_error("devices = ( { name = \"a\"; address = \"1.2.3.4\"; version = \"3\";\n"
	    "  user = \"u\"; level = \"sometimes\"; } );\n", 2, "level must be");
}

/* A key that is too short is refused without ever being printed. */
static void
test_secrets_not_printed(void **state)
{
	expect_error("devices = ( { name = \"a\"; address = \"1.2.3.4\"; version = \"3\";\n"
	    "  user = \"u\"; auth_key = \"Sekr3t\"; } );\n", 1, "at least 8 characters");
	assert_null(strstr(err, "Sekr3t"));
	expect_error("devices = ( { name = \"a\"; address = \"1.2.3.4\"; version = \"3\";\n"
	    "  user = \"u\"; auth_key = \"Sekr3tSekr3t\"; priv_key = \"Pr1v\"; } );\n", 1,
	    "priv_key must be at least 8");
	assert_null(strstr(err, "Pr1v"));
	assert_null(strstr(err, "Sekr3tSekr3t"));
}

static void
test_v3_level_implied(void **state)
{
	struct nocd_conf c;

	write_conf("devices = ( { name = \"a\"; address = \"::1\"; version = \"3\"; user = \"u\";\n"
	    "  auth_key = \"authauth\"; priv_key = \"privpriv\"; },\n"
	    "  { name = \"b\"; address = \"host.example\"; version = \"3\"; user = \"u\"; } );\n");
	if (conf_load(path, &c, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(c.devices[0].usm.level, USM_AUTHPRIV);
	assert_string_equal(c.devices[0].usm.auth_proto, "SHA-256");
	assert_string_equal(c.devices[0].usm.priv_proto, "AES");
	assert_int_equal(c.devices[1].usm.level, USM_NOAUTH);
	conf_free(&c);
}

static void
test_syntax_and_io(void **state)
{
	struct nocd_conf c;
	char missing[160];

	expect_error("poll = { interval = ; };\n", 1, "syntax error");
	expect_error("state_dir = \"/tmp\";\n\n\ndevices = ( { name = \"a\" ;; } );\n", 4, "syntax");
	snprintf(missing, sizeof(missing), "%s/absent.conf", dir);
	assert_int_equal(conf_load(missing, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "absent.conf:0: cannot read"));
}

static void
test_hostport(void **state)
{
	char host[64];
	uint16_t port = 161;

	assert_int_equal(conf_parse_hostport("10.0.0.1", host, sizeof(host), &port), 0);
	assert_string_equal(host, "10.0.0.1");
	assert_int_equal(port, 161);
	assert_int_equal(conf_parse_hostport("10.0.0.1:1161", host, sizeof(host), &port), 0);
	assert_int_equal(port, 1161);
	assert_int_equal(conf_parse_hostport("[fe80::1]:162", host, sizeof(host), &port), 0);
	assert_string_equal(host, "fe80::1");
	assert_int_equal(port, 162);
	assert_int_equal(conf_parse_hostport("fe80::2", host, sizeof(host), &port), 0);
	assert_string_equal(host, "fe80::2");
	assert_int_equal(conf_parse_hostport("a:0", host, sizeof(host), &port), -1);
	assert_int_equal(conf_parse_hostport("a:65536", host, sizeof(host), &port), -1);
	assert_int_equal(conf_parse_hostport("a:", host, sizeof(host), &port), -1);
	assert_int_equal(conf_parse_hostport(":161", host, sizeof(host), &port), -1);
	assert_int_equal(conf_parse_hostport("[::1", host, sizeof(host), &port), -1);
}

static void
test_versions(void **state)
{
	enum snmp_version v;
	enum usm_level l;

	assert_int_equal(conf_parse_version("1", &v), 0);
	assert_int_equal(v, SNMP_V1);
	assert_int_equal(conf_parse_version("2c", &v), 0);
	assert_int_equal(v, SNMP_V2C);
	assert_int_equal(conf_parse_version("3", &v), 0);
	assert_string_equal(conf_version_str(v), "3");
	assert_int_equal(conf_parse_version("2d", &v), -1);
	assert_int_equal(conf_parse_level("AUTHPRIV", &l), 0);
	assert_string_equal(conf_level_str(l), "authPriv");
	assert_int_equal(conf_parse_level("auth", &l), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_types_and_ranges),
		cmocka_unit_test(test_devices),
		cmocka_unit_test(test_secrets_not_printed),
		cmocka_unit_test(test_v3_level_implied),
		cmocka_unit_test(test_syntax_and_io),
		cmocka_unit_test(test_hostport),
		cmocka_unit_test(test_versions),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
