/*
 * NAME
 *	test_date - unit tests for lib/date.c
 * DESCRIPTION
 *	Dates as real bounces write them, obsolete RFC 5322 forms, ISO 8601,
 *	range checks, exact epoch values (checked against Python's
 *	email.utils), and a comparison with timegm() over many dates.
 *	Exits nonzero when a test fails.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dsnexplain.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *s;
	long long epoch;
} good[] = {
	/* real bounces */
	{"Thu, 24 Apr 2013 00:00:00 +0900 (JST)", 1366729200LL},
	{"Mon, 23 Nov 2026 18:55:14 +0000 (UTC)", 1795460114LL},
	{"Mon, 23 Nov 2026 18:55:14 +0000", 1795460114LL},
	{"Sat, 29 Feb 2020 12:00 -0800", 1583006400LL},
	{"1 Jan 70 00:00:00 GMT", 0},
	{"Wed, 31 Dec 1969 23:59:59 +0000", -1},
	{"Thu, 24 Apr 2013 00:00:00 -0500", 1366779600LL},
	{"Thu, 24 Apr 2013 00:00:00 +0530", 1366741800LL},
	/* named zones */
	{"Thu, 24 Apr 2013 00:00:00 EST", 1366779600LL},
	{"Thu, 24 Apr 2013 01:00:00 EDT", 1366779600LL},
	{"Wed, 23 Apr 2013 23:00:00 CST", 1366779600LL},
	{"Thu, 24 Apr 2013 00:00:00 CDT", 1366779600LL},
	{"Wed, 23 Apr 2013 22:00:00 MST", 1366779600LL},
	{"Wed, 23 Apr 2013 23:00:00 MDT", 1366779600LL},
	{"Wed, 23 Apr 2013 21:00:00 PST", 1366779600LL},
	{"Wed, 23 Apr 2013 22:00:00 PDT", 1366779600LL},
	{"Thu, 24 Apr 2013 05:00:00 UT", 1366779600LL},
	{"Thu, 24 Apr 2013 05:00:00 UTC", 1366779600LL},
	{"Thu, 24 Apr 2013 05:00:00 Z", 1366779600LL},
	{"Thu, 24 Apr 2013 05:00:00 A", 1366779600LL},	/* military: -0000 */
	{"Thu, 24 Apr 2013 05:00:00 y", 1366779600LL},
	{"Thu, 24 Apr 2013 05:00:00 JST", 1366779600LL},	/* unknown: -0000 */
	{"Thu, 24 Apr 2013 05:00:00 -0000", 1366779600LL},
	{"Thu, 24 Apr 2013 05:00:00 +0000 GMT", 1366779600LL},
	{"Thu, 24 Apr 2013 05:00:00", 1366779600LL},	/* no zone: UTC */
	/* obsolete and lenient syntax */
	{"24 Apr 2013 05:00:00 +0000", 1366779600LL},
	{"Thu 24 Apr 2013 05:00:00 +0000", 1366779600LL},
	{"thu, 24 apr 2013 05:00:00 +0000", 1366779600LL},
	{"THU, 24 APR 2013 05:00:00 +0000", 1366779600LL},
	{"Thursday, 24 April 2013 05:00:00 +0000", 1366779600LL},
	{"Thu, 24 Apr 13 05:00:00 +0000", 1366779600LL},
	{"Thu, 24 Apr 113 05:00:00 +0000", 1366779600LL},
	{"Thu, 24 Apr 2013 5:00:00 +0000", 1366779600LL},
	{"Thu, 24 Apr 2013 05:00 +0000", 1366779600LL},
	{"  Thu,   24  Apr\r\n  2013 05:00:00\r\n\t+0000  ", 1366779600LL},
	{"Thu,24 Apr 2013 05:00:00 +0000", 1366779600LL},
	{"(comment) Thu, 24 (x) Apr (y) 2013 05 : 00 : 00 +0000 (a (nested) "
	    "\\) comment)", 1366779600LL},
	{"Thu, 24 Apr 2013 05:00:00 +0000 (UTC)\r\n", 1366779600LL},
	{"Thu Apr 24 05:00:00 2013", 1366779600LL},	/* ctime order */
	{"Thu Apr 24 14:00:00 2013 +0900", 1366779600LL},
	/* two-digit years */
	{"Fri, 31 Dec 49 23:59:59 +0000", 2524607999LL},
	{"Fri, 1 Jan 99 00:00:00 +0000", 915148800LL},
	{"Sun, 1 Jan 50 00:00:00 +0000", -631152000LL},
	/* leap years and a leap second */
	{"Tue, 29 Feb 2000 00:00:00 +0000", 951782400LL},
	{"Wed, 31 Dec 1969 23:59:60 +0000", -1},
	/* range ends */
	{"Mon, 1 Jan 1900 00:00:00 +0000", -2208988800LL},
	{"Fri, 31 Dec 9999 23:59:59 +0000", 253402300799LL},
	/* ISO 8601 */
	{"2026-11-23T18:55:14Z", 1795460114LL},
	{"2026-11-23t18:55:14z", 1795460114LL},
	{"2026-11-23T20:55:14+02:00", 1795460114LL},
	{"2026-11-23T20:55:14+0200", 1795460114LL},
	{"2026-11-23T20:55:14+02", 1795460114LL},
	{"2026-11-23T13:55:14-05:00", 1795460114LL},
	{"2026-11-23 18:55:14.123456Z", 1795460114LL},
	{"2026-11-23T18:55:14", 1795460114LL},
	{"2026-11-23T18:55Z", 1795460100LL},
	{" 2026-11-23T18:55:14Z (UTC) ", 1795460114LL},
};

START_TEST(test_good)
{
	const char *s = good[_i].s;
	time_t t = 12345;

	ck_assert_msg(dsnx_date_parse(s, strlen(s), &t) == 0,
	    "\"%s\" rejected", s);
	ck_assert_msg((long long)t == good[_i].epoch, "\"%s\": %lld, "
	    "expected %lld", s, (long long)t, good[_i].epoch);
}
END_TEST

static const char *const bad[] = {
	"",
	" ",
	"Thu,",
	"Thu, ",
	"Feb 30",
	"25:00",
	"Sat, 30 Feb 2020 12:00:00 +0000",
	"Fri, 29 Feb 2019 12:00:00 +0000",
	"Thu, 29 Feb 1900 12:00:00 +0000",
	"Thu, 31 Apr 2013 00:00:00 +0000",
	"Thu, 0 Apr 2013 00:00:00 +0000",
	"Thu, 32 Jan 2013 00:00:00 +0000",
	"Thu, 24 Apr 2013 25:00:00 +0000",
	"Thu, 24 Apr 2013 24:00:00 +0000",
	"Thu, 24 Apr 2013 23:60:00 +0000",
	"Thu, 24 Apr 2013 23:59:61 +0000",
	"Thu, 24 Apr 2013 00:00:00 +2400",
	"Thu, 24 Apr 2013 00:00:00 +0060",
	"Thu, 24 Apr 2013 00:00:00 +090",
	"Thu, 24 Apr 2013 00:00:00 +09000",
	"Thu, 24 Apr 2013 00:00:00 0900",
	"Thu, 24 Apr 2013 00:00:00 +0900 xyzzyfoo",
	"Thu, 24 Apr 2013 00:00:00 +0900 junk junk",
	"Thu, 24 Apr 2013 00:00:00 +0900 (JST",
	"Thu, 24 Apr 2013 00:00:00 +0900 ; x",
	"Thu, 24 Apr 2013 00:00:00 Pacific",
	"Thu, 24 Apr 2013 00:0:00 +0000",
	"Thu, 24 Apr 2013 00:00:0 +0000",
	"Thu, 24 Apr 2013 000:00:00 +0000",
	"Thu, 24 Apr 2013 00:00: +0000",
	"Thu, 24 Apr 2013",
	"Thu, 24 Apr 2013 00",
	"Thu, 24 Foo 2013 00:00:00 +0000",
	"Thu, 24 Sept 2013 00:00:00 +0000",
	"Thx, 24 Apr 2013 00:00:00 +0000",
	"Thu, 124 Apr 2013 00:00:00 +0000",
	"Thu, 24 Apr 1899 00:00:00 +0000",
	"Thu, 24 Apr 12013 00:00:00 +0000",
	"Thu, 24 Apr 2 00:00:00 +0000",
	"Thu, , 24 Apr 2013 00:00:00 +0000",
	"Thu, 24-Apr-2013 00:00:00 +0000",
	"Thu, 24 Apr 2013 00:00:00 +0000\x01",
	"24 13 2013 00:00:00",
	"hello world",
	"2026-13-23T18:55:14Z",
	"2026-02-29T18:55:14Z",
	"2026-11-23",
	"2026-11-23T",
	"2026-11-23T18:55:14ZZ",
	"2026-11-23T18:55:14+2:00",
	"2026-11-23T18:55:14+24:00",
	"2026-11-23T18:55:14.Z",
	"2026-11-23X18:55:14Z",
	"1899-12-31T23:59:59Z",
	"(unterminated comment",
	"()",
};

START_TEST(test_bad)
{
	const char *s = bad[_i];
	time_t t = 12345;

	ck_assert_msg(dsnx_date_parse(s, strlen(s), &t) == -1,
	    "\"%s\" accepted as %lld", s, (long long)t);
	ck_assert_int_eq((long long)t, 12345);
}
END_TEST

START_TEST(test_exact_len)
{
	const char *s = "Thu, 24 Apr 2013 00:00:00 +0900 trailing junk!";
	char *p;
	size_t n = strlen("Thu, 24 Apr 2013 00:00:00 +0900");
	time_t t;

	ck_assert_int_eq(dsnx_date_parse(s, n, &t), 0);
	ck_assert_int_eq((long long)t, 1366729200LL);
	ck_assert_int_eq(dsnx_date_parse(s, strlen(s), &t), -1);
	/* not NUL-terminated: exact-size heap copy for the sanitizers */
	p = malloc(n);
	ck_assert_ptr_nonnull(p);
	memcpy(p, s, n);
	ck_assert_int_eq(dsnx_date_parse(p, n, &t), 0);
	ck_assert_int_eq(dsnx_date_parse(p, n - 1, &t), -1);	/* "+090" */
	ck_assert_int_eq(dsnx_date_parse(p, 16, &t), -1);	/* no time */
	free(p);
	ck_assert_int_eq(dsnx_date_parse(NULL, 3, &t), -1);
	ck_assert_int_eq(dsnx_date_parse(s, n, NULL), -1);
}
END_TEST

START_TEST(test_against_timegm)
{
	static const char *const mon[] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
		"Oct", "Nov", "Dec",
	};
	unsigned long seed = 12345;
	struct tm tm;
	char buf[80];
	time_t want, got;
	int i, zh, zm, sign;

	for (i = 0; i < 20000; i++) {
		seed = (seed * 1103515245UL + 12345UL) & 0x7fffffffUL;
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = (int)((seed >> 8) % 8100);	/* 1900-9999 */
		tm.tm_mon = (int)((seed >> 3) % 12);
		seed = (seed * 1103515245UL + 12345UL) & 0x7fffffffUL;
		tm.tm_mday = 1 + (int)((seed >> 8) % 28);
		tm.tm_hour = (int)((seed >> 3) % 24);
		seed = (seed * 1103515245UL + 12345UL) & 0x7fffffffUL;
		tm.tm_min = (int)((seed >> 8) % 60);
		tm.tm_sec = (int)((seed >> 3) % 60);
		seed = (seed * 1103515245UL + 12345UL) & 0x7fffffffUL;
		zh = (int)((seed >> 8) % 15);
		zm = (int)((seed >> 4) % 4) * 15;
		sign = (seed >> 12) & 1 ? -1 : 1;
		want = timegm(&tm) - sign * (zh * 3600 + zm * 60);
		snprintf(buf, sizeof(buf), "%d %s %d %02d:%02d:%02d %c%02d%02d",
		    tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, sign < 0 ? '-' : '+', zh, zm);
		ck_assert_msg(dsnx_date_parse(buf, strlen(buf), &got) == 0,
		    "\"%s\" rejected", buf);
		ck_assert_msg(got == want, "\"%s\": %lld, expected %lld", buf,
		    (long long)got, (long long)want);
	}
}
END_TEST

START_TEST(test_format)
{
	char buf[32];

	ck_assert_ptr_eq(dsnx_date_format(0, buf, sizeof(buf)), buf);
	ck_assert_str_eq(buf, "1970-01-01T00:00:00Z");
	ck_assert_ptr_eq(dsnx_date_format(-1, buf, 21), buf);
	ck_assert_str_eq(buf, "1969-12-31T23:59:59Z");
	ck_assert_ptr_eq(dsnx_date_format(1795460114, buf, 21), buf);
	ck_assert_str_eq(buf, "2026-11-23T18:55:14Z");
	ck_assert_ptr_eq(dsnx_date_format(951782400, buf, 21), buf);
	ck_assert_str_eq(buf, "2000-02-29T00:00:00Z");
	ck_assert_ptr_null(dsnx_date_format(0, buf, 20));
	ck_assert_ptr_null(dsnx_date_format(0, NULL, 21));
	ck_assert_ptr_eq(dsnx_date_format((time_t)253402300799LL, buf, 21), buf);
	ck_assert_str_eq(buf, "9999-12-31T23:59:59Z");
	ck_assert_ptr_null(dsnx_date_format((time_t)253402300800LL, buf, 21));
}
END_TEST

START_TEST(test_format_parse_roundtrip)
{
	char buf[21];
	time_t t, back;
	long long v;

	for (v = -2208988800LL; v < 253402300799LL; v += 9876543211LL / 97) {
		t = (time_t)v;
		ck_assert_ptr_nonnull(dsnx_date_format(t, buf, sizeof(buf)));
		ck_assert_int_eq(dsnx_date_parse(buf, strlen(buf), &back), 0);
		ck_assert_int_eq((long long)back, v);
	}
}
END_TEST

static Suite *
date_suite(void)
{
	Suite *s = suite_create("date");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_good, 0, ARRAY_LEN(good));
	tcase_add_loop_test(tc, test_bad, 0, ARRAY_LEN(bad));
	tcase_add_test(tc, test_exact_len);
	tcase_add_test(tc, test_against_timegm);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("format");
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_format_parse_roundtrip);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(date_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
