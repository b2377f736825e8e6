/*
 * test_plaintext - control characters found and escaped (lib/plaintext.c)
 *
 * dsnx_text_control(): the offset of the first C0 (TAB too), DEL, C1,
 * U+2028 or U+2029, len for plain text in any script, and invalid UTF-8
 * left to others.  dsnx_text_escape(): control characters and invalid
 * UTF-8 as \xHH, other text as it is, an output that is always ended
 * and never holds half an escape.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "dsnexplain.h"

static size_t
control(const char *s)
{
	return dsnx_text_control(s, strlen(s));
}

START_TEST(test_control_found)
{
	ck_assert_uint_eq(control("plain text"), 10);
	ck_assert_uint_eq(control(""), 0);
	ck_assert_uint_eq(control("Nicht zugestellt: \xc3\xa4\xc3\xb6\xc3\xbc"),
	    strlen("Nicht zugestellt: \xc3\xa4\xc3\xb6\xc3\xbc"));
	ck_assert_uint_eq(control("\xe9\x85\x8d\xe4\xbf\xa1 \xf0\x9f\x93\xa8"), 11);
	ck_assert_uint_eq(control("\xc2\xa0nbsp"), 6);       /* U+00A0 is not C1 */
	ck_assert_uint_eq(control("\xe2\x80\xa7 x"), 5);     /* U+2027 is not */
	ck_assert_uint_eq(control("ab\rc"), 2);
	ck_assert_uint_eq(control("ab\nc"), 2);
	ck_assert_uint_eq(control("a\tb"), 1);
	ck_assert_uint_eq(control("\x1b[2J"), 0);
	ck_assert_uint_eq(control("x\x7f"), 1);
	ck_assert_uint_eq(control("x\xc2\x85y"), 1);         /* NEL */
	ck_assert_uint_eq(control("xy\xc2\x9b"), 2);         /* CSI */
	ck_assert_uint_eq(control("\xc3\xa4\xe2\x80\xa8"), 2);  /* U+2028 */
	ck_assert_uint_eq(control("\xe2\x80\xa9"), 0);       /* U+2029 */
	/* NUL inside the length counts */
	ck_assert_uint_eq(dsnx_text_control("ab\0c", 4), 2);
	/* invalid UTF-8 is no control character of its own */
	ck_assert_uint_eq(control("a\xff\xc2"), 3);
}
END_TEST

static const char *
esc(const char *s, size_t size)
{
	static char out[256];

	ck_assert_uint_le(size, sizeof(out));
	memset(out, 'Z', sizeof(out));
	(void)dsnx_text_escape(out, size, s, strlen(s));
	return out;
}

START_TEST(test_escape)
{
	ck_assert_str_eq(esc("plain", 64), "plain");
	ck_assert_str_eq(esc("a\r\nInjected: yes", 64), "a\\x0d\\x0aInjected: yes");
	ck_assert_str_eq(esc("t\tb", 64), "t\\x09b");
	ck_assert_str_eq(esc("\x1b[31mred", 64), "\\x1b[31mred");
	ck_assert_str_eq(esc("nel\xc2\x85!", 64), "nel\\xc2\\x85!");
	ck_assert_str_eq(esc("\xe2\x80\xa8", 64), "\\xe2\\x80\\xa8");
	ck_assert_str_eq(esc("caf\xc3\xa9", 64), "caf\xc3\xa9");
	ck_assert_str_eq(esc("bad\xff\xc3", 64), "bad\\xff\\xc3");
	ck_assert_str_eq(esc("overlong \xc0\xaf", 64), "overlong \\xc0\\xaf");
	ck_assert_str_eq(esc("back\\slash", 64), "back\\slash");
	/* cut: never half an escape or half a character, always ended */
	ck_assert_str_eq(esc("ab\r", 5), "ab");
	ck_assert_str_eq(esc("ab\r", 7), "ab\\x0d");
	ck_assert_str_eq(esc("a\xc3\xa9", 3), "a");
	ck_assert_str_eq(esc("abc", 1), "");
	ck_assert_uint_eq(dsnx_text_escape(NULL, 0, "abc", 3), 0);
	{
		char out[16];

		ck_assert_uint_eq(dsnx_text_escape(out, sizeof(out), "a\nb", 3), 6);
		ck_assert_str_eq(out, "a\\x0ab");
		/* the escape has no control character left in it */
		ck_assert_uint_eq(control(out), 6);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("plaintext");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_control_found);
	tcase_add_test(tc, test_escape);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
