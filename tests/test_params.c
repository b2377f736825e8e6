/*
 * test_params - unit tests for lib/params.c
 *
 * Content-Type and Content-Disposition values from RFC 2045, RFC 2183
 * and RFC 2231, the junk real mailers write, and hostile input.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "params.h"

#define L(lit)	lit, (sizeof(lit) - 1)

static dsnx_arena arena;
static dsnx_ctype ct;

static void
setup(void)
{
	dsnx_arena_init(&arena);
}

static void
teardown(void)
{
	dsnx_arena_free(&arena);
}

static void
parse(const char *value, size_t len)
{
	ck_assert_int_eq(dsnx_ctype_parse(&arena, value, len, &ct), DSNX_OK);
	ck_assert_ptr_nonnull(ct.type);
	ck_assert_ptr_nonnull(ct.subtype);
}

#define PARSE(lit)	parse(L(lit))

static unsigned
param_count(void)
{
	const dsnx_param *p;
	unsigned n = 0;

	for (p = ct.params; p != NULL; p = p->next)
		n++;
	return n;
}

static const char *
param(const char *name)
{
	return dsnx_param_get(ct.params, name);
}

#define ASSERT_PARAM(name, want) do { \
	const char *got_ = param(name); \
	ck_assert_msg(got_ != NULL, "no parameter %s", name); \
	ck_assert_str_eq(got_, want); \
} while (0)

START_TEST(simple)
{
	PARSE("text/plain; charset=us-ascii");
	ck_assert_str_eq(ct.type, "text");
	ck_assert_str_eq(ct.subtype, "plain");
	ASSERT_PARAM("charset", "us-ascii");
	ck_assert_uint_eq(param_count(), 1);
	ck_assert_ptr_null(param("format"));

	PARSE("TEXT/Plain; CharSet=\"UTF-8\"; Format=Flowed");
	ck_assert_str_eq(ct.type, "text");
	ck_assert_str_eq(ct.subtype, "plain");
	ck_assert_str_eq(ct.params->name, "charset");
	ck_assert_str_eq(ct.params->next->name, "format");
	ASSERT_PARAM("charset", "UTF-8");	/* values keep their case */
	ASSERT_PARAM("CHARSET", "UTF-8");
	ASSERT_PARAM("format", "Flowed");

	PARSE("multipart/report; report-type=delivery-status;\r\n\tboundary=\"9B095B5ADSN=_01D5AB2C3D4E5F60\"");
	ck_assert_str_eq(ct.type, "multipart");
	ck_assert_str_eq(ct.subtype, "report");
	ASSERT_PARAM("report-type", "delivery-status");
	ASSERT_PARAM("boundary", "9B095B5ADSN=_01D5AB2C3D4E5F60");
	ck_assert_ptr_null(dsnx_param_get(ct.params, NULL));
	ck_assert_ptr_null(dsnx_param_get(NULL, "charset"));
}
END_TEST

START_TEST(comments)
{
	char	deep[200];

	/* RFC 2045 section 5.1. */
	PARSE("text/plain; charset=us-ascii (Plain text)");
	ASSERT_PARAM("charset", "us-ascii");
	ck_assert_uint_eq(param_count(), 1);

	PARSE("(lead) text (a (nested) comment) / (x) html (\\) escaped) ; "
	    "charset (c) = (d) \"utf-8\" (e (f (g))) ; format=flowed");
	ck_assert_str_eq(ct.type, "text");
	ck_assert_str_eq(ct.subtype, "html");
	ASSERT_PARAM("charset", "utf-8");
	ASSERT_PARAM("format", "flowed");

	/* Nesting is tracked 64 levels deep; deeper parentheses are text. */
	memset(deep, '(', 64);
	memset(deep + 64, ')', 64);
	memcpy(deep + 128, "text/plain", 10);
	parse(deep, 138);
	ck_assert_str_eq(ct.type, "text");
	memset(deep, '(', 65);
	memset(deep + 65, ')', 65);
	memcpy(deep + 130, "text/plain", 10);
	parse(deep, 140);
	ck_assert_str_eq(ct.type, "");

	PARSE("text/plain (unterminated ; charset=x");
	ck_assert_str_eq(ct.subtype, "plain");
	ck_assert_ptr_null(ct.params);
}
END_TEST

START_TEST(junk)
{
	PARSE("multipart / mixed ; boundary = \"abc\"");
	ck_assert_str_eq(ct.type, "multipart");
	ck_assert_str_eq(ct.subtype, "mixed");
	ASSERT_PARAM("boundary", "abc");

	PARSE("text/plain; charset; format=flowed");	/* missing '=' */
	ck_assert_ptr_null(param("charset"));
	ASSERT_PARAM("format", "flowed");

	PARSE("text/plain;;; =x; charset=utf-8;");
	ck_assert_uint_eq(param_count(), 1);
	ASSERT_PARAM("charset", "utf-8");

	PARSE("text/plain; name=\"abc def");		/* unterminated */
	ASSERT_PARAM("name", "abc def");

	PARSE("text/plain; name=\"a\\\"b\\\\c\"; next=1");
	ASSERT_PARAM("name", "a\"b\\c");
	ASSERT_PARAM("next", "1");

	PARSE("text/plain; boundary=\"a;b\"; x=y");
	ASSERT_PARAM("boundary", "a;b");
	ASSERT_PARAM("x", "y");

	PARSE("multipart/alternative; boundary=----=_NextPart_000_0001_01D5");
	ASSERT_PARAM("boundary", "----=_NextPart_000_0001_01D5");

	PARSE("text/plain; charset=utf-8 junk \"x;y\" here; format=flowed");
	ASSERT_PARAM("charset", "utf-8");
	ASSERT_PARAM("format", "flowed");
	ck_assert_uint_eq(param_count(), 2);

	PARSE("text/plain; a=\"\"; b=");
	ASSERT_PARAM("a", "");
	ASSERT_PARAM("b", "");

	PARSE("text/plain; x=1\"; y=2");
	ASSERT_PARAM("x", "1");
	ASSERT_PARAM("y", "2");
}
END_TEST

START_TEST(duplicates)
{
	PARSE("text/plain; charset=first; CHARSET=second; charset=third");
	ck_assert_uint_eq(param_count(), 1);
	ASSERT_PARAM("charset", "first");
}
END_TEST

START_TEST(missing_type)
{
	PARSE("");
	ck_assert_str_eq(ct.type, "");
	ck_assert_str_eq(ct.subtype, "");
	ck_assert_ptr_null(ct.params);

	ck_assert_int_eq(dsnx_ctype_parse(&arena, NULL, 0, &ct), DSNX_OK);
	ck_assert_str_eq(ct.type, "");

	PARSE("; charset=utf-8");
	ck_assert_str_eq(ct.type, "");
	ck_assert_str_eq(ct.subtype, "");
	ASSERT_PARAM("charset", "utf-8");

	PARSE("text/; charset=utf-8");
	ck_assert_str_eq(ct.type, "");
	ck_assert_str_eq(ct.subtype, "");
	ASSERT_PARAM("charset", "utf-8");

	PARSE("/plain");
	ck_assert_str_eq(ct.type, "");
	ck_assert_str_eq(ct.subtype, "");

	PARSE("t\xE9xt/plain; charset=x");
	ck_assert_str_eq(ct.type, "");
	ASSERT_PARAM("charset", "x");
}
END_TEST

START_TEST(disposition)
{
	/* RFC 2183 section 2. */
	PARSE("attachment; filename=genome.jpeg;\r\n"
	    " modification-date=\"Wed, 12 Feb 1997 16:29:51 -0500\"");
	ck_assert_str_eq(ct.type, "attachment");
	ck_assert_str_eq(ct.subtype, "");
	ASSERT_PARAM("filename", "genome.jpeg");
	ASSERT_PARAM("modification-date", "Wed, 12 Feb 1997 16:29:51 -0500");

	PARSE("INLINE");
	ck_assert_str_eq(ct.type, "inline");
}
END_TEST

START_TEST(rfc2231_examples)
{
	/* RFC 2231 section 3. */
	PARSE("message/external-body; access-type=URL;\r\n"
	    " URL*0=\"ftp://\";\r\n"
	    " URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\"");
	ASSERT_PARAM("access-type", "URL");
	ASSERT_PARAM("url", "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar");
	ck_assert_uint_eq(param_count(), 2);

	/* Section 4. */
	PARSE("application/x-stuff;\r\n"
	    " title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A");
	ck_assert_str_eq(ct.params->name, "title");
	ASSERT_PARAM("title", "This is ***fun***");

	/* Section 4.1. */
	PARSE("application/x-stuff;\r\n"
	    " title*0*=us-ascii'en'This%20is%20even%20more%20;\r\n"
	    " title*1*=%2A%2A%2Afun%2A%2A%2A%20;\r\n"
	    " title*2=\"isn't it!\"");
	ASSERT_PARAM("title", "This is even more ***fun*** isn't it!");
	ck_assert_uint_eq(param_count(), 1);
}
END_TEST

START_TEST(rfc2231_order_and_charsets)
{
	PARSE("application/x-stuff; title*2=\"isn't it!\";"
	    " title*1*=%2A%2A%2Afun%2A%2A%2A%20;"
	    " title*0*=us-ascii'en'This%20is%20even%20more%20");
	ASSERT_PARAM("title", "This is even more ***fun*** isn't it!");

	PARSE("application/pdf; filename*=iso-8859-1''caf%E9.pdf");
	ASSERT_PARAM("filename", "caf\xC3\xA9.pdf");

	PARSE("application/pdf; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf");
	ASSERT_PARAM("filename", "r\xC3\xA9sum\xC3\xA9.pdf");

	PARSE("application/pdf; filename*=\"utf-8'en'quoted%20too\"");
	ASSERT_PARAM("filename", "quoted too");

	/* A character split between sections. */
	PARSE("text/plain; name*0*=shift_jis'ja'%82; name*1*=%A0");
	ASSERT_PARAM("name", "\xE3\x81\x82");

	/* The RFC 2231 form beats the plain fallback, in either order. */
	PARSE("attachment; filename=\"fallback.txt\"; size=3;"
	    " filename*=utf-8''%E2%82%AC.txt");
	ASSERT_PARAM("filename", "\xE2\x82\xAC.txt");
	ck_assert_str_eq(ct.params->name, "filename");
	ck_assert_str_eq(ct.params->next->name, "size");
	PARSE("attachment; filename*0*=utf-8''%E2%82%AC; filename=plain");
	ASSERT_PARAM("filename", "\xE2\x82\xAC");

	/* Damage. */
	PARSE("x/y; a*=us-ascii''100%zz%4; b*=no%20quotes; c*=utf-8'x; d*=''%E9");
	ASSERT_PARAM("a", "100%zz%4");
	ASSERT_PARAM("b", "no quotes");
	ASSERT_PARAM("c", "utf-8'x");
	ASSERT_PARAM("d", "\xC3\xA9");
	PARSE("x/y; e*=x-no-such-charset''%C3%A9; f*=utf-8''a%00b");
	ASSERT_PARAM("e", "\xC3\xA9");
	ASSERT_PARAM("f", "a\xEF\xBF\xBD" "b");
}
END_TEST

START_TEST(rfc2231_sections)
{
	char	value[2048];
	char	want[200];
	size_t	n = 0;
	int	i;

	n += (size_t)snprintf(value + n, sizeof(value) - n, "text/plain");
	for (i = 63; i >= 0; i--)
		n += (size_t)snprintf(value + n, sizeof(value) - n,
		    "; long*%d=%c%c", i, 'a' + i % 26, 'A' + i % 26);
	for (i = 0; i < 64; i++) {
		want[2 * i] = (char)('a' + i % 26);
		want[2 * i + 1] = (char)('A' + i % 26);
	}
	want[128] = '\0';
	parse(value, n);
	ASSERT_PARAM("long", want);

	PARSE("text/plain; x*64=dropped; y*99999999999999999999=dropped;"
	    " z*1x=dropped; *0=dropped; w**=dropped; v*00=zero; v*01=one");
	ck_assert_ptr_null(param("x"));
	ck_assert_ptr_null(param("y"));
	ck_assert_ptr_null(param("z"));
	ck_assert_ptr_null(param("w"));
	ASSERT_PARAM("v", "zeroone");

	/* A gap is skipped, and a duplicate section keeps its first value. */
	PARSE("text/plain; g*0=a; g*2=c; g*0=x");
	ASSERT_PARAM("g", "ac");
}
END_TEST

START_TEST(eight_bit_values)
{
	PARSE("text/plain; name=caf\xE9; other=\"\xC3\xA9t\xC3\xA9\"");
	ASSERT_PARAM("name", "caf\xC3\xA9");
	ASSERT_PARAM("other", "\xC3\xA9t\xC3\xA9");

	parse(L("text/plain; name=\"a\0b\"; after=1"));
	ASSERT_PARAM("name", "a\xEF\xBF\xBD" "b");
	ASSERT_PARAM("after", "1");
}
END_TEST

START_TEST(long_converted_value)
{
	/* Longer than the conversion stage: the slow path. */
	char   *value = malloc(20000), *want = malloc(20000);
	size_t	n, i;

	ck_assert_ptr_nonnull(value);
	ck_assert_ptr_nonnull(want);
	n = (size_t)sprintf(value, "text/plain; name=\"");
	for (i = 0; i < 3000; i++) {
		value[n++] = '\xE9';
		want[2 * i] = '\xC3';
		want[2 * i + 1] = '\xA9';
	}
	value[n++] = '"';
	want[6000] = '\0';
	parse(value, n);
	ASSERT_PARAM("name", want);

	n = (size_t)sprintf(value, "text/plain; name*=koi8-r''");
	for (i = 0; i < 2000; i++)
		n += (size_t)sprintf(value + n, "%%F0");
	for (i = 0; i < 2000; i++)
		memcpy(want + 2 * i, "\xD0\x9F", 2);
	want[4000] = '\0';
	parse(value, n);
	ASSERT_PARAM("name", want);
	free(value);
	free(want);
}
END_TEST

START_TEST(hostile)
{
	size_t	size = 65536, i, n;
	char   *value = malloc(size);

	ck_assert_ptr_nonnull(value);

	/* Deep nesting: no stack, no quadratic time. */
	memset(value, '(', size);
	parse(value, size);
	ck_assert_str_eq(ct.type, "");

	/* Lone quotes in junk. */
	memcpy(value, "text/plain; ", 12);
	for (i = 12; i < size; i++)
		value[i] = i % 2 ? '"' : '\\';
	parse(value, size);
	ck_assert_str_eq(ct.subtype, "plain");

	/* Thousands of parameters: the first CTYPE_MAX_PARAMS are kept. */
	n = (size_t)sprintf(value, "text/plain");
	for (i = 0; n + 16 < size; i++)
		n += (size_t)sprintf(value + n, ";p%zu=%zu", i, i);
	parse(value, n);
	ck_assert_uint_eq(param_count(), 128);
	ASSERT_PARAM("p0", "0");
	ASSERT_PARAM("p127", "127");
	ck_assert_ptr_null(param("p128"));

	/* Random bytes from a small alphabet of meaningful characters. */
	for (n = 0; n < 200; n++) {
		unsigned long seed = n * 2654435761u + 1;
		size_t	len = 1 + n * 7;

		for (i = 0; i < len; i++) {
			seed = seed * 1103515245 + 12345;
			value[i] = "a*0'%;=\"\\() /\xE9\0"[(seed >> 16) % 16];
		}
		parse(value, len);
	}
	free(value);
}
END_TEST

START_TEST(cte)
{
	ck_assert_int_eq(dsnx_cte_parse(L("7bit")), DSNX_CTE_7BIT);
	ck_assert_int_eq(dsnx_cte_parse(L("8BIT")), DSNX_CTE_8BIT);
	ck_assert_int_eq(dsnx_cte_parse(L("binary")), DSNX_CTE_BINARY);
	ck_assert_int_eq(dsnx_cte_parse(L("Quoted-Printable")), DSNX_CTE_QP);
	ck_assert_int_eq(dsnx_cte_parse(L(" base64 (encoded) ")), DSNX_CTE_BASE64);
	ck_assert_int_eq(dsnx_cte_parse(L("(c) BASE64")), DSNX_CTE_BASE64);
	ck_assert_int_eq(dsnx_cte_parse(L("base64;")), DSNX_CTE_BASE64);
	ck_assert_int_eq(dsnx_cte_parse(L("8-bit")), DSNX_CTE_8BIT);
	ck_assert_int_eq(dsnx_cte_parse(L("")), DSNX_CTE_7BIT);
	ck_assert_int_eq(dsnx_cte_parse(L("  \t")), DSNX_CTE_7BIT);
	ck_assert_int_eq(dsnx_cte_parse(L("(only a comment)")), DSNX_CTE_7BIT);
	ck_assert_int_eq(dsnx_cte_parse(NULL, 0), DSNX_CTE_7BIT);
	ck_assert_int_eq(dsnx_cte_parse(L("x-uuencode")), DSNX_CTE_UNKNOWN);
	ck_assert_int_eq(dsnx_cte_parse(L("base64x")), DSNX_CTE_UNKNOWN);
	ck_assert_int_eq(dsnx_cte_parse(L("base")), DSNX_CTE_UNKNOWN);
	ck_assert_int_eq(dsnx_cte_parse(L("\"base64\"")), DSNX_CTE_UNKNOWN);
	/* Exactly len bytes count. */
	ck_assert_int_eq(dsnx_cte_parse("base64", 4), DSNX_CTE_UNKNOWN);
	ck_assert_int_eq(dsnx_cte_parse("7bitjunk", 4), DSNX_CTE_7BIT);
}
END_TEST

static Suite *
params_suite(void)
{
	Suite  *s = suite_create("params");
	TCase  *tc;

	tc = tcase_create("content-type");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, simple);
	tcase_add_test(tc, comments);
	tcase_add_test(tc, junk);
	tcase_add_test(tc, duplicates);
	tcase_add_test(tc, missing_type);
	tcase_add_test(tc, disposition);
	tcase_add_test(tc, eight_bit_values);
	suite_add_tcase(s, tc);

	tc = tcase_create("rfc2231");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rfc2231_examples);
	tcase_add_test(tc, rfc2231_order_and_charsets);
	tcase_add_test(tc, rfc2231_sections);
	tcase_add_test(tc, long_converted_value);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, hostile);
	suite_add_tcase(s, tc);

	tc = tcase_create("cte");
	tcase_add_test(tc, cte);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(params_suite());
	int	failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
