/* The enterprise catalog and sysObjectID parsing. */
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

#include "log.h"
#include "vendor.h"

#ifndef TEST_SRCDIR
#define TEST_SRCDIR "."
#endif

static void
test_shipped_catalog(void **state)
{
	char err[256];
	struct vendor_catalog *c = vendor_catalog_load(TEST_SRCDIR "/mibs/enterprises.txt", err,
	    sizeof(err));

	if (c == NULL)
		fail_msg("%s", err);
	assert_string_equal(vendor_lookup(c, 9), "Cisco");
	assert_string_equal(vendor_lookup(c, 318), "APC");
	assert_string_equal(vendor_lookup(c, 8072), "Net-SNMP");
	assert_string_equal(vendor_lookup(c, 2636), "Juniper Networks");
	assert_null(vendor_lookup(c, 4294967295U));
	assert_null(vendor_lookup(c, 0));
	vendor_catalog_free(c);
}

static void
test_enterprise_of(void **state)
{
	assert_int_equal(vendor_enterprise_of("1.3.6.1.4.1.9.1.516"), 9);
	assert_int_equal(vendor_enterprise_of(".1.3.6.1.4.1.8072.3.2.10"), 8072);
	assert_int_equal(vendor_enterprise_of("1.3.6.1.4.1.3854"), 3854);
	assert_int_equal(vendor_enterprise_of("1.3.6.1.4.1."), 0);
	assert_int_equal(vendor_enterprise_of("1.3.6.1.4.1"), 0);
	assert_int_equal(vendor_enterprise_of("1.3.6.1.2.1.1"), 0);
	assert_int_equal(vendor_enterprise_of("1.3.6.1.4.1.99999999999.1"), 0);
	assert_int_equal(vendor_enterprise_of("1.3.6.1.4.1.9x.1"), 0);
	assert_int_equal(vendor_enterprise_of(""), 0);
	assert_int_equal(vendor_enterprise_of(NULL), 0);
}

static void
test_bad_lines(void **state)
{
	char path[] = "/tmp/nocd-vendor-XXXXXX", err[256];
	int fd = mkstemp(path);
	FILE *f;
	struct vendor_catalog *c;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("# comment\n9 Cisco\nnot a line\n99999999999 Too Big\n42\n  318   APC  # trailing\n"
	    "\n12 Twelve\n", f);
	fclose(f);
	c = vendor_catalog_load(path, err, sizeof(err));
	unlink(path);
	assert_non_null(c);
	assert_string_equal(vendor_lookup(c, 9), "Cisco");
	assert_string_equal(vendor_lookup(c, 318), "APC");
	assert_string_equal(vendor_lookup(c, 12), "Twelve");
	assert_null(vendor_lookup(c, 42));
	vendor_catalog_free(c);
	assert_null(vendor_catalog_load("/nonexistent/catalog", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/catalog"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_catalog),
		cmocka_unit_test(test_enterprise_of),
		cmocka_unit_test(test_bad_lines),
	};

	log_init("test_vendor", 1, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
