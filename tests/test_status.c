/*
 * NAME
 *	test_status - unit tests for lib/status.c
 * DESCRIPTION
 *	Registry completeness (RFC 3463 plus the IANA additions up to
 *	X.7.30, nothing else), dsnx_code_parse() validation,
 *	dsnx_code_find() and dsnx_reply_find() on text from real bounces,
 *	dsnx_code_format().  Exits nonzero when a test fails.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "dsnexplain.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Every registered subject.detail pair. */
static const struct {
	unsigned subject;
	unsigned detail;
} registered[] = {
	/* RFC 3463 */
	{0, 0},
	{1, 0}, {1, 1}, {1, 2}, {1, 3}, {1, 4}, {1, 5}, {1, 6}, {1, 7}, {1, 8},
	{2, 0}, {2, 1}, {2, 2}, {2, 3}, {2, 4},
	{3, 0}, {3, 1}, {3, 2}, {3, 3}, {3, 4}, {3, 5},
	{4, 0}, {4, 1}, {4, 2}, {4, 3}, {4, 4}, {4, 5}, {4, 6}, {4, 7},
	{5, 0}, {5, 1}, {5, 2}, {5, 3}, {5, 4}, {5, 5},
	{6, 0}, {6, 1}, {6, 2}, {6, 3}, {6, 4}, {6, 5},
	{7, 0}, {7, 1}, {7, 2}, {7, 3}, {7, 4}, {7, 5}, {7, 6}, {7, 7},
	/* IANA additions */
	{1, 9}, {1, 10}, {3, 6}, {5, 6},
	{6, 6}, {6, 7}, {6, 8}, {6, 9}, {6, 10},
	{7, 8}, {7, 9}, {7, 10}, {7, 11}, {7, 12}, {7, 13}, {7, 14}, {7, 15},
	{7, 16}, {7, 17}, {7, 18}, {7, 19}, {7, 20}, {7, 21}, {7, 22}, {7, 23},
	{7, 24}, {7, 25}, {7, 26}, {7, 27}, {7, 28}, {7, 29}, {7, 30},
};

START_TEST(test_registry_count)
{
	/* 49 from RFC 3463, 32 added in the IANA registry. */
	ck_assert_uint_eq(ARRAY_LEN(registered), 81);
}
END_TEST

START_TEST(test_registry_each)
{
	static const unsigned char classes[] = {2, 4, 5};
	dsnx_code code;
	const char *m;
	size_t c;

	for (c = 0; c < ARRAY_LEN(classes); c++) {
		code.cls = classes[c];
		code.subject = (unsigned short)registered[_i].subject;
		code.detail = (unsigned short)registered[_i].detail;
		ck_assert_msg(dsnx_code_registered(&code), "%u.%u.%u not registered",
		    code.cls, code.subject, code.detail);
		m = dsnx_code_meaning(&code);
		ck_assert_ptr_nonnull(m);
		ck_assert_uint_gt(strlen(m), 5);
		ck_assert_uint_lt(strlen(m), 80);
	}
}
END_TEST

START_TEST(test_registry_nothing_else)
{
	dsnx_code code, bad = {0, 0, 0};
	unsigned s, d, count = 0, wrong = 0;
	int registered_now, has_meaning;

	/*
	 * A million codes: one assertion at the end, not two per code.  In
	 * Check's fork mode every ck_assert() reports its location to the
	 * parent through a pipe, which made this test take seconds under
	 * ASan, near Check's default 4 s timeout on a busy machine.
	 */
	code.cls = 5;
	for (s = 0; s <= 999; s++) {
		for (d = 0; d <= 999; d++) {
			code.subject = (unsigned short)s;
			code.detail = (unsigned short)d;
			registered_now = dsnx_code_registered(&code);
			has_meaning = dsnx_code_meaning(&code) != NULL;
			count += registered_now != 0;
			if ((registered_now != 0) != has_meaning && wrong++ == 0)
				bad = code;
		}
	}
	ck_assert_msg(wrong == 0, "%u codes whose meaning disagrees with the "
	    "registry, the first %u.%u.%u", wrong, bad.cls, bad.subject,
	    bad.detail);
	ck_assert_uint_eq(count, ARRAY_LEN(registered));
}
END_TEST

START_TEST(test_registry_vendor_codes)
{
	static const dsnx_code vendor[] = {
		{5, 7, 509}, {4, 7, 650}, {5, 4, 300}, {5, 0, 350}, {4, 4, 8},
		{5, 4, 8}, {4, 7, 32}, {5, 7, 31}, {5, 1, 11}, {5, 8, 0},
		{4, 4, 316}, {4, 7, 321},
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(vendor); i++) {
		ck_assert_int_eq(dsnx_code_registered(&vendor[i]), 0);
		ck_assert_ptr_null(dsnx_code_meaning(&vendor[i]));
	}
	ck_assert_ptr_null(dsnx_code_meaning(NULL));
	ck_assert_int_eq(dsnx_code_registered(NULL), 0);
}
END_TEST

START_TEST(test_meaning_ignores_class)
{
	dsnx_code a = {4, 2, 2}, b = {5, 2, 2}, c = {2, 2, 2};

	ck_assert_str_eq(dsnx_code_meaning(&a), dsnx_code_meaning(&b));
	ck_assert_str_eq(dsnx_code_meaning(&a), dsnx_code_meaning(&c));
}
END_TEST

START_TEST(test_meaning_key_codes)
{
	/* The words a reader relies on must be there. */
	static const struct {
		dsnx_code code;
		const char *word;
	} cases[] = {
		{{5, 1, 1}, "mailbox"}, {{5, 2, 2}, "full"},
		{{4, 4, 7}, "expired"}, {{5, 7, 23}, "SPF"},
		{{5, 7, 25}, "Reverse DNS"}, {{5, 7, 26}, "authentication"},
		{{5, 7, 27}, "null MX"}, {{5, 1, 10}, "null MX"},
		{{5, 7, 29}, "ARC"}, {{5, 7, 30}, "REQUIRETLS"},
		{{5, 7, 20}, "DKIM"}, {{5, 6, 10}, "deprecated"},
		{{5, 7, 28}, "flood"}, {{5, 7, 13}, "disabled"},
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(cases); i++) {
		ck_assert_ptr_nonnull(dsnx_code_meaning(&cases[i].code));
		ck_assert_msg(strstr(dsnx_code_meaning(&cases[i].code),
		    cases[i].word) != NULL, "%u.%u.%u: \"%s\" lacks \"%s\"",
		    cases[i].code.cls, cases[i].code.subject,
		    cases[i].code.detail, dsnx_code_meaning(&cases[i].code),
		    cases[i].word);
	}
}
END_TEST

START_TEST(test_subject_meaning)
{
	unsigned s;

	for (s = 0; s <= 7; s++)
		ck_assert_ptr_nonnull(dsnx_code_subject_meaning(s));
	ck_assert_str_eq(dsnx_code_subject_meaning(1), "Addressing status");
	ck_assert_str_eq(dsnx_code_subject_meaning(7),
	    "Security or policy status");
	ck_assert_ptr_null(dsnx_code_subject_meaning(8));
	ck_assert_ptr_null(dsnx_code_subject_meaning(999));
}
END_TEST

static const struct {
	const char *s;
	int cls, subject, detail;	/* cls 0: must fail */
} parse_cases[] = {
	{"5.1.1", 5, 1, 1},
	{"4.4.7", 4, 4, 7},
	{"2.0.0", 2, 0, 0},
	{"5.7.509", 5, 7, 509},
	{"4.999.999", 4, 999, 999},
	{"5.01.001", 5, 1, 1},
	{"", 0, 0, 0},
	{"5", 0, 0, 0},
	{"5.1", 0, 0, 0},
	{"5.1.", 0, 0, 0},
	{"5..1", 0, 0, 0},
	{".1.1", 0, 0, 0},
	{"3.1.1", 0, 0, 0},
	{"1.1.1", 0, 0, 0},
	{"6.1.1", 0, 0, 0},
	{"0.0.0", 0, 0, 0},
	{"5.1000.1", 0, 0, 0},
	{"5.1.1000", 0, 0, 0},
	{"5.1.1.1", 0, 0, 0},
	{" 5.1.1", 0, 0, 0},
	{"5.1.1 ", 0, 0, 0},
	{"5.1.1x", 0, 0, 0},
	{"55.1.1", 0, 0, 0},
	{"5,1,1", 0, 0, 0},
	{"5.a.1", 0, 0, 0},
	{"5.-1.1", 0, 0, 0},
	{"+5.1.1", 0, 0, 0},
};

START_TEST(test_parse)
{
	dsnx_code code = {9, 9, 9};
	const char *s = parse_cases[_i].s;
	int r = dsnx_code_parse(s, strlen(s), &code);

	if (parse_cases[_i].cls == 0) {
		ck_assert_msg(r == -1, "\"%s\" accepted", s);
		return;
	}
	ck_assert_msg(r == 0, "\"%s\" rejected", s);
	ck_assert_uint_eq(code.cls, parse_cases[_i].cls);
	ck_assert_uint_eq(code.subject, parse_cases[_i].subject);
	ck_assert_uint_eq(code.detail, parse_cases[_i].detail);
}
END_TEST

START_TEST(test_parse_exact_len)
{
	dsnx_code code;

	/* Only len bytes count, whatever follows. */
	ck_assert_int_eq(dsnx_code_parse("5.1.1 user", 5, &code), 0);
	ck_assert_uint_eq(code.detail, 1);
	ck_assert_int_eq(dsnx_code_parse("5.1.12", 5, &code), 0);
	ck_assert_uint_eq(code.detail, 1);
	ck_assert_int_eq(dsnx_code_parse("5.1.1", 4, &code), -1);
	ck_assert_int_eq(dsnx_code_parse("5.1.1\0", 6, &code), -1);
	ck_assert_int_eq(dsnx_code_parse("5.1.1", 5, NULL), 0);
	ck_assert_int_eq(dsnx_code_parse(NULL, 5, &code), -1);
}
END_TEST

static const struct {
	const char *text;
	long offset;		/* -1: no match */
	size_t len;
	int cls, subject, detail;
} find_cases[] = {
	{"550 5.1.1 <x@y>: User unknown", 4, 5, 5, 1, 1},
	{"smtp; 550-5.7.26 This mail has been blocked", 10, 6, 5, 7, 26},
	{"#5.1.0 Address rejected", 1, 5, 5, 1, 0},
	{"Sorry, I couldn't find a mail exchanger (#4.4.1)", 42, 5, 4, 4, 1},
	{"status=4.4.7", 7, 5, 4, 4, 7},
	{"host mx[192.0.2.1] said: 452 4.2.2 Mailbox full", 29, 5, 4, 2, 2},
	{"5.7.1", 0, 5, 5, 7, 1},
	{"[5.7.1]", 1, 5, 5, 7, 1},
	{"<5.7.1>", 1, 5, 5, 7, 1},
	{"\"5.7.1\"", 1, 5, 5, 7, 1},
	{"Status: 5.2.2 (mailbox full)", 8, 5, 5, 2, 2},
	{"rejected: 5.7.509 Access denied", 10, 7, 5, 7, 509},
	{"421 4.7.0 Try again later.", 4, 5, 4, 7, 0},
	{"ends in 5.1.1.", 8, 5, 5, 1, 1},
	{"from 192.0.2.1: 550 5.7.1 denied", 20, 5, 5, 7, 1},
	{"Exim 4.72 said 5.1.1", 15, 5, 5, 1, 1},
	{"at 10.5.1.1 then 4.4.2", 17, 5, 4, 4, 2},
	{"192.0.2.1", -1, 0, 0, 0, 0},
	{"10.5.1.1", -1, 0, 0, 0, 0},
	{"Exim 4.72", -1, 0, 0, 0, 0},
	{"version 5.1.12.3", -1, 0, 0, 0, 0},
	{"version 5.1.12", -1, 0, 0, 0, 0},
	{"Dovecot v2.3.19", -1, 0, 0, 0, 0},
	{"Postfix 2.10.1", -1, 0, 0, 0, 0},
	{"1.2.3", -1, 0, 0, 0, 0},
	{"2.1.5x", -1, 0, 0, 0, 0},
	{"v5.1.1", -1, 0, 0, 0, 0},
	{"5.1.1.1", -1, 0, 0, 0, 0},
	{"x5.1.1", -1, 0, 0, 0, 0},
	{"on 4.12.2019 at noon", -1, 0, 0, 0, 0},
	{"on 24.4.2013", -1, 0, 0, 0, 0},
	{"at 4.05.12", -1, 0, 0, 0, 0},
	{"on 4.5.19 10:30", -1, 0, 0, 0, 0},
	{"at 4.5.05 sharp", -1, 0, 0, 0, 0},
	{"5.1", -1, 0, 0, 0, 0},
	{"5.1.", -1, 0, 0, 0, 0},
	{"", -1, 0, 0, 0, 0},
	{"3.1.1 6.1.1", -1, 0, 0, 0, 0},
	{"5.1.1000", -1, 0, 0, 0, 0},
};

START_TEST(test_find)
{
	const char *t = find_cases[_i].text;
	dsnx_code code = {0, 0, 0};
	size_t mlen = 99;
	long off = dsnx_code_find(t, strlen(t), &code, &mlen);

	ck_assert_msg(off == find_cases[_i].offset, "\"%s\": offset %ld, "
	    "expected %ld", t, off, find_cases[_i].offset);
	if (off < 0)
		return;
	ck_assert_uint_eq(mlen, find_cases[_i].len);
	ck_assert_uint_eq(code.cls, find_cases[_i].cls);
	ck_assert_uint_eq(code.subject, find_cases[_i].subject);
	ck_assert_uint_eq(code.detail, find_cases[_i].detail);
}
END_TEST

START_TEST(test_find_bounds)
{
	/* Must not read past len. */
	char *p = malloc(5);
	dsnx_code code;
	size_t mlen;

	ck_assert_ptr_nonnull(p);
	memcpy(p, "5.1.1", 5);
	ck_assert_int_eq(dsnx_code_find(p, 5, &code, &mlen), 0);
	ck_assert_int_eq(dsnx_code_find(p, 4, &code, &mlen), -1);
	/* "5.1.12" cut after "5.1.1" is a code of its own */
	ck_assert_int_eq(dsnx_code_find("x 5.1.12", 7, &code, &mlen), 2);
	ck_assert_uint_eq(code.detail, 1);
	ck_assert_int_eq(dsnx_code_find(p, 5, NULL, NULL), 0);
	ck_assert_int_eq(dsnx_code_find(NULL, 5, &code, &mlen), -1);
	free(p);
}
END_TEST

START_TEST(test_find_long_input)
{
	/* Linear scan over a long run of near-misses. */
	size_t n = 1u << 20, i;
	char *p = malloc(n);
	dsnx_code code;
	size_t mlen;

	ck_assert_ptr_nonnull(p);
	for (i = 0; i < n; i++)
		p[i] = "5.1."[i % 4];
	ck_assert_int_eq(dsnx_code_find(p, n, &code, &mlen), -1);
	ck_assert_int_eq(dsnx_reply_find(p, n), 0);
	memcpy(p + n - 6, " 4.2.2", 6);
	ck_assert_int_eq(dsnx_code_find(p, n, &code, &mlen), (long)(n - 5));
	for (i = 0; i < n; i++)
		p[i] = (i % 4 == 3) ? ' ' : '5';
	ck_assert_int_eq(dsnx_reply_find(p, n), 555);
	free(p);
}
END_TEST

static const struct {
	const char *text;
	int reply;
} reply_cases[] = {
	{"550 5.1.1 <x@y>: User unknown", 550},
	{"smtp; 550-5.7.26 This mail has been blocked", 550},
	{"smtp;550 5.1.1 no", 550},
	{"host mx[192.0.2.1] said: 452 4.2.2 Mailbox full", 452},
	{"host mx[192.0.2.1] said: 554 delivery error", 554},
	{"Connected to 192.0.2.250:25 but sender was rejected.\n"
	    "Remote host said: 553 sorry, not allowed", 553},
	{"host mx.example.com [192.0.2.1]: 550 Unrouteable address", 550},
	{"(in reply to RCPT TO command) 550 5.1.1 unknown", 550},
	/* an enhanced code after it beats an earlier bare number */
	{"message of 250 lines: 452 4.3.1 Insufficient storage", 452},
	/* line start beats a number in mid-sentence */
	{"size 250 bytes\n421 Service not available", 421},
	{"tried 250 times; 550 Mailbox unavailable", 550},
	{"tried 250 times: 550 Mailbox unavailable", 550},
	{"250-PIPELINING", 250},
	{"421", 421},
	{"Sorry, I couldn't find a mail exchanger (#4.4.1)", 0},
	{"Sorry, no mailbox here by that name. (#5.1.1)", 0},
	{"connect to mx.example.com[192.0.2.1]:25: Connection refused", 0},
	{"port :250 closed", 0},
	{"192.0.2.250 failed", 0},
	{"250.1.2.3 failed", 0},
	{"Thu, 24 Apr 2013 00:00:00 +0900", 0},
	{"at 23:59:59 on 2013-04-24", 0},
	{"code 600 or 199 or 260 or 5500 or 55", 0},
	{"ranges 450-459 are mine", 0},
	{"x550 a550 #550 550x 550. 550:", 0},
	{"", 0},
};

START_TEST(test_reply)
{
	const char *t = reply_cases[_i].text;
	int r = dsnx_reply_find(t, strlen(t));

	ck_assert_msg(r == reply_cases[_i].reply, "\"%s\": %d, expected %d",
	    t, r, reply_cases[_i].reply);
}
END_TEST

START_TEST(test_reply_bounds)
{
	ck_assert_int_eq(dsnx_reply_find("5501", 3), 550);
	ck_assert_int_eq(dsnx_reply_find("550", 2), 0);
	ck_assert_int_eq(dsnx_reply_find(NULL, 3), 0);
}
END_TEST

START_TEST(test_format)
{
	dsnx_code code = {5, 7, 26}, big = {255, 999, 999};
	char buf[16];

	ck_assert_ptr_eq(dsnx_code_format(&code, buf, sizeof(buf)), buf);
	ck_assert_str_eq(buf, "5.7.26");
	ck_assert_ptr_eq(dsnx_code_format(&big, buf, 12), buf);
	ck_assert_str_eq(buf, "255.999.999");
	ck_assert_ptr_null(dsnx_code_format(&code, buf, 6));
	ck_assert_ptr_eq(dsnx_code_format(&code, buf, 7), buf);
	ck_assert_ptr_null(dsnx_code_format(&code, NULL, 12));
	ck_assert_ptr_null(dsnx_code_format(NULL, buf, 12));
	ck_assert_ptr_null(dsnx_code_format(&code, buf, 0));
}
END_TEST

START_TEST(test_format_parse_roundtrip)
{
	dsnx_code code, back;
	char buf[12];
	size_t i;

	for (i = 0; i < ARRAY_LEN(registered); i++) {
		code.cls = 4;
		code.subject = (unsigned short)registered[i].subject;
		code.detail = (unsigned short)registered[i].detail;
		ck_assert_ptr_nonnull(dsnx_code_format(&code, buf, sizeof(buf)));
		ck_assert_int_eq(dsnx_code_parse(buf, strlen(buf), &back), 0);
		ck_assert_uint_eq(back.cls, code.cls);
		ck_assert_uint_eq(back.subject, code.subject);
		ck_assert_uint_eq(back.detail, code.detail);
		ck_assert_int_eq(dsnx_code_find(buf, strlen(buf), &back, NULL), 0);
	}
}
END_TEST

/* Every registered code has its own meaning in each translation, and
 * nothing else has one; other languages get the English meaning. */
START_TEST(test_meanings_translated)
{
	static const char *const langs[] = { "de", "fr", "es", "it" };
	dsnx_code code = { 4, 0, 0 };
	unsigned s, d, l, missing = 0, extra = 0;
	char where[64] = "";

	for (s = 0; s < 10; s++)
		for (d = 0; d < 40; d++) {
			const char *en;

			code.subject = (unsigned short)s;
			code.detail = (unsigned short)d;
			en = dsnx_code_meaning(&code);
			for (l = 0; l < 4; l++) {
				const char *t = dsnx_code_meaning_lang(&code, langs[l]);

				if (en == NULL && t != NULL)
					extra++;
				if (en != NULL && (t == NULL || strcmp(t, en) == 0)
				    && missing++ == 0)
					snprintf(where, sizeof(where), "%s %u.%u",
					    langs[l], s, d);
			}
			ck_assert(dsnx_code_meaning_lang(&code, "nl") == en);
			ck_assert(dsnx_code_meaning_lang(&code, NULL) == en);
		}
	ck_assert_msg(missing == 0, "%u meanings untranslated, the first %s",
	    missing, where);
	ck_assert_uint_eq(extra, 0);
	code.subject = 1;
	code.detail = 1;
	ck_assert_str_eq(dsnx_code_meaning_lang(&code, "de"),
	    "Empfängerpostfach existiert nicht oder die Adresse ist falsch");
	ck_assert_ptr_null(dsnx_code_meaning_lang(NULL, "de"));
}
END_TEST

static Suite *
status_suite(void)
{
	Suite *s = suite_create("status");
	TCase *tc;

	tc = tcase_create("registry");
	tcase_add_test(tc, test_registry_count);
	tcase_add_test(tc, test_meanings_translated);
	tcase_add_loop_test(tc, test_registry_each, 0, ARRAY_LEN(registered));
	tcase_add_test(tc, test_registry_nothing_else);
	tcase_add_test(tc, test_registry_vendor_codes);
	tcase_add_test(tc, test_meaning_ignores_class);
	tcase_add_test(tc, test_meaning_key_codes);
	tcase_add_test(tc, test_subject_meaning);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_parse, 0, ARRAY_LEN(parse_cases));
	tcase_add_test(tc, test_parse_exact_len);
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_format_parse_roundtrip);
	suite_add_tcase(s, tc);

	tc = tcase_create("find");
	tcase_add_loop_test(tc, test_find, 0, ARRAY_LEN(find_cases));
	tcase_add_test(tc, test_find_bounds);
	tcase_add_test(tc, test_find_long_input);
	tcase_add_loop_test(tc, test_reply, 0, ARRAY_LEN(reply_cases));
	tcase_add_test(tc, test_reply_bounds);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(status_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
