/*
 * test_encode - unit tests for lib/encode.c
 *
 * Quoted-printable and base64 as the rewrite writes our text, and the
 * conversion of our UTF-8 text into a part's charset with fallbacks.
 */
#include "config.h"

#include <check.h>
#include <string.h>

#include "encode.h"

static void
ck_buf(dsnx_buf *b, const char *want, size_t len)
{
	ck_assert_msg(b->len == len && memcmp(b->data, want, len) == 0,
	    "got [%.*s] (%zu bytes), want [%.*s] (%zu)", (int)b->len,
	    b->data != NULL ? b->data : "", b->len, (int)len, want, len);
}

START_TEST(test_qp_specials)
{
	dsnx_buf b;

	dsnx_buf_init(&b, 0);
	dsnx_qp_encode(&b, "a=b \nFrom x\n-- y\n\xc3\xa4", 19, "\r\n");
	ck_buf(&b, "a=3Db=20\r\n=46rom x\r\n=2D- y\r\n=C3=A4", 34);
	dsnx_buf_free(&b);
}
END_TEST

START_TEST(test_qp_soft_breaks)
{
	char	in[200];
	const char *p, *nl;
	dsnx_buf b;

	memset(in, 'x', sizeof(in));
	dsnx_buf_init(&b, 0);
	dsnx_qp_encode(&b, in, sizeof(in), "\n");
	for (p = b.data; (nl = memchr(p, '\n', b.len - (size_t)(p - b.data)))
	    != NULL; p = nl + 1) {
		ck_assert_uint_le((size_t)(nl - p), 76);
		ck_assert_int_eq(nl[-1], '=');
	}
	dsnx_buf_free(&b);
}
END_TEST

START_TEST(test_base64)
{
	dsnx_buf b;

	dsnx_buf_init(&b, 0);
	dsnx_base64_encode(&b, (const unsigned char *)"Man", 3, 0, "\n");
	ck_buf(&b, "TWFu\n", 5);
	dsnx_buf_reset(&b);
	dsnx_base64_encode(&b, (const unsigned char *)"Ma", 2, 0, "\n");
	ck_buf(&b, "TWE=\n", 5);
	dsnx_buf_reset(&b);
	dsnx_base64_encode(&b, (const unsigned char *)"M", 1, 0, "\r\n");
	ck_buf(&b, "TQ==\r\n", 6);
	/* A line already 74 long takes no further group of four. */
	dsnx_buf_reset(&b);
	dsnx_base64_encode(&b, (const unsigned char *)"ManMan", 6, 72, "\n");
	ck_buf(&b, "TWFu\nTWFu\n", 10);
	dsnx_buf_free(&b);
}
END_TEST

START_TEST(test_from_utf8_latin1)
{
	static const char in[] = "Gr\xc3\xbc\xc3\x9f" "e \xe2\x80\x9ex\xe2\x80\x9c "
	    "\xe2\x80\x93 5 \xe2\x82\xac";
	dsnx_buf b;
	int	lossy = 0;

	dsnx_buf_init(&b, 0);
	ck_assert(dsnx_from_utf8("iso-8859-1", in, strlen(in), &b, &lossy)
	    == DSNX_OK);
	ck_buf(&b, "Gr\xfc\xdf" "e \"x\" - 5 EUR", 17);
	ck_assert_int_eq(lossy, 1);
	/* windows-1252 has all of them */
	dsnx_buf_reset(&b);
	lossy = 0;
	ck_assert(dsnx_from_utf8("windows-1252", in, strlen(in), &b, &lossy)
	    == DSNX_OK);
	ck_buf(&b, "Gr\xfc\xdf" "e \x84x\x93 \x96 5 \x80", 15);
	ck_assert_int_eq(lossy, 0);
	/* ASCII: the letters spelt out */
	dsnx_buf_reset(&b);
	ck_assert(dsnx_from_utf8("us-ascii", in, strlen(in), &b, &lossy)
	    == DSNX_OK);
	ck_buf(&b, "Gruesse \"x\" - 5 EUR", 19);
	dsnx_buf_free(&b);
}
END_TEST

/* A stateful charset: Japanese in JIS X 0208, the fallback in ASCII,
 * and the text ends in ASCII. */
START_TEST(test_from_utf8_iso2022jp)
{
	static const char in[] = "\xe6\x97\xa5\xe6\x9c\xac \xc3\xa4\n";
	dsnx_buf b;
	int	lossy = 0;

	dsnx_buf_init(&b, 0);
	ck_assert(dsnx_from_utf8("iso-2022-jp", in, strlen(in), &b, &lossy)
	    == DSNX_OK);
	ck_buf(&b, "\x1b$BF|K\\\x1b(B ae\n", 14);
	ck_assert_int_eq(lossy, 1);
	dsnx_buf_free(&b);
}
END_TEST

START_TEST(test_from_utf8_refuses)
{
	dsnx_buf b;
	int	lossy = 0;

	dsnx_buf_init(&b, 0);
	ck_assert(dsnx_from_utf8("no-such-charset-x", "a", 1, &b, &lossy)
	    == DSNX_EINVAL);
	ck_assert(dsnx_from_utf8("iso-8859-1", "a\xc3", 2, &b, &lossy)
	    == DSNX_EINVAL);
	ck_assert(dsnx_from_utf8("iso-8859-1", "\xed\xa0\x80", 3, &b, &lossy)
	    == DSNX_EINVAL);	/* a surrogate */
	dsnx_buf_free(&b);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("encode");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_qp_specials);
	tcase_add_test(tc, test_qp_soft_breaks);
	tcase_add_test(tc, test_base64);
	tcase_add_test(tc, test_from_utf8_latin1);
	tcase_add_test(tc, test_from_utf8_iso2022jp);
	tcase_add_test(tc, test_from_utf8_refuses);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
