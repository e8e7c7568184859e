/* Names from devices and users never leave their directory and never collide. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "sanitize.h"

static int
safe(const char *s)
{
	if (s[0] == '\0' || s[0] == '.' || strlen(s) >= SANITIZED_MAX)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || *s == '.' || *s == '-' || *s == '_' || *s == '~'))
			return 0;
	return 1;
}

static void
test_hostile(void **state)
{
	static const char *const in[] = {
		"../etc/passwd", "/", "%", "%s%n", ".", "..", "", "a/b", "..\\..", "\n", " ",
		"eth1/../../x", "C:\\x", "~root", "-rf",
	};
	char out[SANITIZED_MAX];

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		assert_int_equal(name_sanitize(in[i], out, sizeof(out)), 0);
		if (!safe(out) || strstr(out, "/") || strcmp(out, "..") == 0)
			fail_msg("'%s' -> unsafe '%s'", in[i], out);
	}
	name_sanitize("Gi1/0/1", out, sizeof(out));
	assert_string_equal(out, "Gi1_2f0_2f1");
	name_sanitize("a_b", out, sizeof(out));
	assert_string_equal(out, "a_5fb");
	name_sanitize("", out, sizeof(out));
	assert_string_equal(out, "_");
	name_sanitize(".hidden", out, sizeof(out));
	assert_string_equal(out, "_2ehidden");
	/* never two dots in a row, not even inside one component */
	assert_int_equal(name_sanitize("../../x", out, sizeof(out)), 0);
	assert_string_equal(out, "_2e_2e_2f._2e_2fx");
	assert_int_equal(name_sanitize("a..b...c", out, sizeof(out)), 0);
	assert_string_equal(out, "a._2eb._2e_2ec");
	assert_int_equal(name_sanitize("x", out, SANITIZED_MAX - 1), -1);
}

/* Distinct inputs give distinct outputs, short or cut with a hash. */
static void
test_injective(void **state)
{
	enum { N = 2000 };
	char (*outs)[SANITIZED_MAX] = calloc(N, SANITIZED_MAX);
	char (*ins)[300] = calloc(N, 300);
	unsigned seed = 12345;

	assert_non_null(outs);
	assert_non_null(ins);
	for (int i = 0; i < N; i++) {
		int len = 1 + (int)(rand_r(&seed) % (i % 4 == 0 ? 290 : 12));

		for (int k = 0; k < len; k++)
			ins[i][k] = (char)(1 + rand_r(&seed) % 255);
		ins[i][len] = '\0';
		assert_int_equal(name_sanitize(ins[i], outs[i], SANITIZED_MAX), 0);
		if (!safe(outs[i]))
			fail_msg("unsafe output '%s'", outs[i]);
	}
	for (int i = 0; i < N; i++)
		for (int j = i + 1; j < N; j++)
			if (strcmp(ins[i], ins[j]) != 0 && strcmp(outs[i], outs[j]) == 0)
				fail_msg("collision: %d and %d -> %s", i, j, outs[i]);
	/* the classic trap: the escape character itself */
	{
		char a[SANITIZED_MAX], b[SANITIZED_MAX];

		name_sanitize("_2f", a, sizeof(a));
		name_sanitize("/", b, sizeof(b));
		assert_string_not_equal(a, b);
	}
	free(outs);
	free(ins);
}

static void
test_long_names(void **state)
{
	char a[400], b[400], oa[SANITIZED_MAX], ob[SANITIZED_MAX];

	memset(a, 'x', sizeof(a) - 1);
	a[sizeof(a) - 1] = '\0';
	memcpy(b, a, sizeof(b));
	b[398] = 'y';		/* differs only past the cut */
	name_sanitize(a, oa, sizeof(oa));
	name_sanitize(b, ob, sizeof(ob));
	assert_true(strlen(oa) < SANITIZED_MAX);
	assert_string_not_equal(oa, ob);
}

static void
test_validators(void **state)
{
	assert_true(name_is_valid("core-sw1"));
	assert_true(name_is_valid("ups_a.room2"));
	assert_false(name_is_valid(""));
	assert_false(name_is_valid(".x"));
	assert_false(name_is_valid("-x"));
	assert_false(name_is_valid("a/b"));
	assert_false(name_is_valid("../x"));
	assert_false(name_is_valid("a b"));
	assert_false(name_is_valid("0123456789012345678901234567890123456789012345678901234567890123"));
	assert_true(ds_name_is_valid("in_bits"));
	assert_false(ds_name_is_valid("in-bits"));
	assert_false(ds_name_is_valid("a:b"));
	assert_false(ds_name_is_valid("abcdefghijklmnopqrst"));
	assert_false(ds_name_is_valid(""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_injective),
		cmocka_unit_test(test_long_names),
		cmocka_unit_test(test_validators),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
