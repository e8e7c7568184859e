/* Syslog parsing (RFC 5424, RFC 3164, what devices really send) and TCP framing. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <regex.h>
#include <string.h>
#include <cmocka.h>

#include "syslogd.h"
#include "util.h"

static void
parse(const char *in, struct syslog_msg *m, char *buf, size_t len)
{
	nocd_strlcpy(buf, in, len);
	syslog_parse(buf, strlen(buf), m);
}

static void
test_rfc5424(void **state)
{
	char buf[512];
	struct syslog_msg m;

	(void)state;
	parse("<165>1 2026-11-24T06:00:00.123+08:00 core-sw1 IOS 1234 LINK "
	    "[exampleSDID@32473 iut=\"3\" eventSource=\"App\\]lication\"][x@1 a=\"b\"] "
	    "\xef\xbb\xbfInterface Gi1/0/1 down", &m, buf, sizeof(buf));
	assert_int_equal(m.facility, 20);
	assert_int_equal(m.severity, 5);
	assert_true(m.rfc5424);
	assert_int_equal(m.time, 1795471200);	/* 2026-11-23T22:00:00Z */
	assert_string_equal(m.hostname, "core-sw1");
	assert_string_equal(m.app, "IOS");
	assert_string_equal(m.procid, "1234");
	assert_string_equal(m.msgid, "LINK");
	assert_non_null(strstr(m.sd, "[x@1 a=\"b\"]"));
	assert_string_equal(m.text, "Interface Gi1/0/1 down");
	/* nil values and no MSG */
	parse("<14>1 - - - - - -", &m, buf, sizeof(buf));
	assert_null(m.hostname);
	assert_null(m.app);
	assert_int_equal(m.time, 0);
	assert_string_equal(m.text, "");
}

static void
test_rfc3164(void **state)
{
	char buf[512];
	struct syslog_msg m;

	(void)state;
	parse("<34>Oct 11 22:14:15 mymachine su[230]: 'su root' failed for lonvick", &m, buf,
	    sizeof(buf));
	assert_int_equal(m.facility, 4);
	assert_int_equal(m.severity, 2);
	assert_false(m.rfc5424);
	assert_true(m.time != 0);
	assert_string_equal(m.hostname, "mymachine");
	assert_string_equal(m.app, "su");
	assert_string_equal(m.procid, "230");
	assert_string_equal(m.text, "'su root' failed for lonvick");
	/* no hostname (a tag right after the time) */
	parse("<13>Nov  5 01:02:03 kernel: disk sda failed", &m, buf, sizeof(buf));
	assert_null(m.hostname);
	assert_string_equal(m.app, "kernel");
	assert_string_equal(m.text, "disk sda failed");
	/* rsyslog's forwarding format: RFC 3339 time, host, tag */
	parse("<14>2026-11-25T05:22:57.405997+00:00 web1 nginx[77]: upstream timed out", &m, buf,
	    sizeof(buf));
	assert_int_equal(m.time, 1795584177);
	assert_string_equal(m.hostname, "web1");
	assert_string_equal(m.app, "nginx");
	assert_string_equal(m.procid, "77");
	assert_string_equal(m.text, "upstream timed out");
	/* Cisco's own: sequence number and a starred time; all of it is text */
	parse("<189>123: *Mar  1 00:00:11.123: %LINK-3-UPDOWN: Interface Gi0/1, changed state to up",
	    &m, buf, sizeof(buf));
	assert_int_equal(m.severity, 5);
	assert_non_null(strstr(m.text, "%LINK-3-UPDOWN"));
}

static void
test_hostile(void **state)
{
	char buf[512];
	struct syslog_msg m;
	static const char *const bad[] = { "", "<", "<>", "<1", "<1234>x", "<999>x", "<01>x",
		"<13>1 ", "<13>1 [unterminated", "<13>1 2026-13-45T99:99:99Z h a p m [a", "\x01\x02",
		"<13>Feb 30 99:99:99 h t: x", "<13>[", "<13>tag[", "<13>tag[1" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int pri;

		nocd_strlcpy(buf, bad[i], sizeof(buf));
		pri = syslog_parse(buf, strlen(bad[i]), &m);

		assert_non_null(m.text);
		(void)pri;
	}
	parse("<999>bad", &m, buf, sizeof(buf));
	assert_int_equal(m.severity, -1);
	/* control characters never survive */
	memcpy(buf, "<13>a\x00" "b\x1b[31mc\n", 15);
	syslog_parse(buf, 14, &m);
	assert_null(strpbrk(m.text, "\x1b\n"));
	assert_string_equal(m.text, "a b [31mc");
}

static void
test_framing(void **state)
{
	size_t off, len, used;

	(void)state;
	/* octet counting */
	assert_int_equal(syslog_frame("11 <13>hello x", 14, 100, &off, &len, &used), 1);
	assert_int_equal(off, 3);
	assert_int_equal(len, 11);
	assert_int_equal(used, 14);
	assert_int_equal(syslog_frame("11 <13>hel", 10, 100, &off, &len, &used), 0);
	assert_int_equal(syslog_frame("123", 3, 100, &off, &len, &used), 0);
	assert_int_equal(syslog_frame("200 <13>", 8, 100, &off, &len, &used), -1);
	assert_int_equal(syslog_frame("0 ", 2, 100, &off, &len, &used), -1);
	assert_int_equal(syslog_frame("12345678901 x", 13, 1000000, &off, &len, &used), -1);
	assert_int_equal(syslog_frame("12x", 3, 100, &off, &len, &used), -1);
	/* LF framing, CR stripped */
	assert_int_equal(syslog_frame("<13>one\r\n<13>two\n", 18, 100, &off, &len, &used), 1);
	assert_int_equal(off, 0);
	assert_int_equal(len, 7);
	assert_int_equal(used, 9);
	assert_int_equal(syslog_frame("<13>no end yet", 14, 100, &off, &len, &used), 0);
	assert_int_equal(syslog_frame("<13>xxxxxxxxxxxxxxxxxxxx", 24, 10, &off, &len, &used), -1);
	/* exactly max bytes before the LF is a message; one more is refused (found by fuzzing) */
	assert_int_equal(syslog_frame("0123456789\n", 11, 10, &off, &len, &used), -1);
	assert_int_equal(syslog_frame("<123456789\n", 11, 10, &off, &len, &used), 1);
	assert_int_equal(len, 10);
	assert_int_equal(syslog_frame("<1234567890\n", 12, 10, &off, &len, &used), -1);
}

/* The text every match contains, which lets a line skip regexec(): it must
 * never name text a matching line can lack (that rule would go silent). */
static void
test_regex_literal(void **state)
{
	static const struct {
		const char *re, *lit;
	} cases[] = {
		{ "%LINK-[0-9]-UPDOWN: Interface ([^, ]+), changed state to up",
		  ", changed state to up" },
		{ "IFNET/[0-9]/(LINK_STATE|IF_STATE).*Interface ([^ ]+) has turned into UP",
		  " has turned into UP" },
		{ "SNMP_TRAP_LINK_DOWN: .*ifName ([^ ,]+)", "SNMP_TRAP_LINK_DOWN: " },
		/* optional atoms and groups are left out */
		{ "(fan|fan tray) ?([^ ,:]*) (has )?(failed|fault)", "" },
		{ "colou?r sensor", "r sensor" },
		{ "abc+d", "abc" },
		{ "temp{1,2}erature", "erature" },
		{ "a[[:alpha:]]bcdef", "bcdef" },
		{ "[]x]yz-long", "yz-long" },
		{ "disk\\.fail", "disk.fail" },
		/* a top-level alternation: no text is certain */
		{ "power supply failed|PSU failed", "" },
		{ "ab", "" },
		/* malformed: nothing */
		{ "abc[def", "" },
	};
	static const char *const lines[] = {
		"%LINK-3-UPDOWN: Interface Gi1/0/7, changed state to up",
		"IFNET/4/LINK_STATE(l): Interface GE0/0/1 has turned into UP state",
		"SNMP_TRAP_LINK_DOWN: ifIndex 5, ifName ge-0/0/1",
		"fan tray 2 has failed", "color sensor", "abcccd", "tempperature",
		"aXbcdef", "]yz-long", "disk.fail", "PSU failed", "ab",
	};
	char out[48];
	regex_t re;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		syslog_regex_literal(cases[i].re, out, sizeof(out));
		if (strcmp(out, cases[i].lit) != 0)
			fail_msg("%s: got '%s', want '%s'", cases[i].re, out, cases[i].lit);
	}
	/* each line that matches its expression contains the literal */
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		assert_int_equal(regcomp(&re, cases[i].re, REG_EXTENDED | REG_ICASE), 0);
		assert_int_equal(regexec(&re, lines[i], 0, NULL, 0), 0);
		syslog_regex_literal(cases[i].re, out, sizeof(out));
		assert_non_null(strcasestr(lines[i], out));
		regfree(&re);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc5424),
		cmocka_unit_test(test_rfc3164),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_framing),
		cmocka_unit_test(test_regex_literal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
