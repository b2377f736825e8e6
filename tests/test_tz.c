/*
 * NAME
 *	test_tz - unit tests for lib/tz.c
 * DESCRIPTION
 *	Fixed offsets; TZif files built here (version 1, version 2 with a
 *	footer for the northern and the southern hemisphere, the
 *	rule forms Jn, n and Mm.w.d); every truncation of a file and
 *	garbage of several kinds refused with EPARSE and bounded; names that
 *	try to leave the zoneinfo directory refused; and, from the system's
 *	tz database when tzdata is installed, Europe/Berlin in summer, in
 *	winter, at both transition hours in the table and after it (the
 *	footer), Australia/Sydney, and a numeric abbreviation.  Expected
 *	values were computed with Python's zoneinfo.  Exits nonzero when a
 *	test fails.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dsnexplain.h"

#define ZONEINFO "/usr/share/zoneinfo"
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------ building TZif */

typedef struct tzif {
	unsigned char b[4096];
	size_t len;
} tzif;

static void
put32(tzif *f, uint32_t v)
{
	f->b[f->len++] = (unsigned char)(v >> 24);
	f->b[f->len++] = (unsigned char)(v >> 16);
	f->b[f->len++] = (unsigned char)(v >> 8);
	f->b[f->len++] = (unsigned char)v;
}

static void
put64(tzif *f, int64_t v)
{
	put32(f, (uint32_t)((uint64_t)v >> 32));
	put32(f, (uint32_t)v);
}

typedef struct type_spec {
	int32_t utoff;
	unsigned char isdst, desig;
} type_spec;

static void
put_block(tzif *f, char version, int wide, size_t nt, const int64_t *times,
    const unsigned char *idx, size_t ntypes, const type_spec *types,
    const char *chars, size_t nchars)
{
	size_t i;

	memcpy(f->b + f->len, "TZif", 4);
	f->len += 4;
	f->b[f->len++] = (unsigned char)version;
	memset(f->b + f->len, 0, 15);
	f->len += 15;
	put32(f, 0);                    /* isutcnt */
	put32(f, 0);                    /* isstdcnt */
	put32(f, 0);                    /* leapcnt */
	put32(f, (uint32_t)nt);
	put32(f, (uint32_t)ntypes);
	put32(f, (uint32_t)nchars);
	for (i = 0; i < nt; i++) {
		if (wide)
			put64(f, times[i]);
		else
			put32(f, (uint32_t)times[i]);
	}
	for (i = 0; i < nt; i++)
		f->b[f->len++] = idx[i];
	for (i = 0; i < ntypes; i++) {
		put32(f, (uint32_t)types[i].utoff);
		f->b[f->len++] = types[i].isdst;
		f->b[f->len++] = types[i].desig;
	}
	memcpy(f->b + f->len, chars, nchars);
	f->len += nchars;
}

/* A version 2 file: the same data in both blocks, then the footer. */
static void
make_v2(tzif *f, size_t nt, const int64_t *times, const unsigned char *idx,
    size_t ntypes, const type_spec *types, const char *chars, size_t nchars,
    const char *footer)
{
	f->len = 0;
	put_block(f, '2', 0, nt, times, idx, ntypes, types, chars, nchars);
	put_block(f, '2', 1, nt, times, idx, ntypes, types, chars, nchars);
	f->b[f->len++] = '\n';
	memcpy(f->b + f->len, footer, strlen(footer));
	f->len += strlen(footer);
	f->b[f->len++] = '\n';
}

static dsnx_tz *
parse_ok(const tzif *f)
{
	dsnx_tz *tz = NULL;
	dsnx_error_t err;
	dsnx_status st = dsnx_tz_parse("test", f->b, f->len, &tz, &err);

	ck_assert_msg(st == DSNX_OK, "parse failed: %s", err.text);
	return tz;
}

/* Offset at t, and the abbreviation shown ("" for none). */
static void
expect(const dsnx_tz *tz, long long t, long off, const char *abbr)
{
	const char *a = "unset";
	long got = dsnx_tz_offset_at(tz, (time_t)t, &a);

	ck_assert_msg(got == off, "%s at %lld: offset %ld, want %ld",
	    dsnx_tz_name(tz), t, got, off);
	ck_assert_msg(strcmp(a ? a : "", abbr) == 0, "%s at %lld: abbreviation "
	    "\"%s\", want \"%s\"", dsnx_tz_name(tz), t, a ? a : "", abbr);
}

static int
have_tzdata(void)
{
	if (access(ZONEINFO "/Europe/Berlin", R_OK) == 0)
		return 1;
	printf("test_tz: no %s/Europe/Berlin (apt-get install tzdata); "
	    "skipping the tests on the system's zones\n", ZONEINFO);
	return 0;
}

/* ----------------------------------------------------- fixed offsets */

START_TEST(test_fixed)
{
	static const struct {
		const char *text;
		long off;
		const char *name;
	} cases[] = {
		{ "UTC", 0, "UTC" }, { "gmt", 0, "UTC" }, { "Z", 0, "UTC" },
		{ "+05:30", 19800, "+05:30" }, { "-0800", -28800, "-08:00" },
		{ "+14", 50400, "+14:00" }, { "-00:00", 0, "UTC" },
	};
	dsnx_tz *tz;
	dsnx_error_t err;
	size_t i;

	for (i = 0; i < ARRAY_LEN(cases); i++) {
		ck_assert_msg(dsnx_tz_load(cases[i].text, "/nonexistent", &tz, &err)
		    == DSNX_OK, "%s: %s", cases[i].text, err.text);
		expect(tz, 0, cases[i].off, "");
		expect(tz, 1782907200LL, cases[i].off, "");
		ck_assert_str_eq(dsnx_tz_name(tz), cases[i].name);
		dsnx_tz_free(tz);
	}
	ck_assert_int_eq(dsnx_tz_fixed(-330, &tz), DSNX_OK);
	expect(tz, 0, -19800, "");
	ck_assert_str_eq(dsnx_tz_name(tz), "-05:30");
	dsnx_tz_free(tz);
	ck_assert_int_eq(dsnx_tz_fixed(26 * 60, &tz), DSNX_EINVAL);
	ck_assert_ptr_null(tz);
	/* NULL is UTC everywhere a zone is taken. */
	expect(NULL, 1782907200LL, 0, "");
	ck_assert_str_eq(dsnx_tz_name(NULL), "UTC");
	dsnx_tz_free(NULL);
}
END_TEST

START_TEST(test_bad_offsets)
{
	static const char *const bad[] = { "+25:00", "+1", "-05:3", "+05:60",
	    "+05:30x", "-", "+" };
	dsnx_tz *tz = (dsnx_tz *)1;
	dsnx_error_t err;
	size_t i;

	for (i = 0; i < ARRAY_LEN(bad); i++) {
		ck_assert_msg(dsnx_tz_load(bad[i], ZONEINFO, &tz, &err)
		    == DSNX_EINVAL, "accepted %s", bad[i]);
		ck_assert_ptr_null(tz);
		ck_assert_str_eq(err.source, bad[i]);
		ck_assert_ptr_nonnull(strstr(err.text, "offset"));
	}
}
END_TEST

/* ------------------------------------------------------ built files */

/* A made-up zone: +1 h standard, +2 h from 2000-01-01 to 2000-07-01. */
static const int64_t v1_times[] = { 946684800, 962409600 };
static const unsigned char v1_idx[] = { 1, 0 };
static const type_spec v1_types[] = { { 3600, 0, 0 }, { 7200, 1, 4 } };
static const char v1_chars[] = "XST\0XDT";

START_TEST(test_version1)
{
	tzif f = { .len = 0 };
	dsnx_tz *tz;

	put_block(&f, 0, 0, 2, v1_times, v1_idx, 2, v1_types, v1_chars,
	    sizeof(v1_chars));
	tz = parse_ok(&f);
	ck_assert_str_eq(dsnx_tz_name(tz), "test");
	expect(tz, 0, 3600, "XST");                 /* before: type 0 */
	expect(tz, 946684799, 3600, "XST");
	expect(tz, 946684800, 7200, "XDT");
	expect(tz, 962409599, 7200, "XDT");
	expect(tz, 962409600, 3600, "XST");
	expect(tz, 4000000000LL, 3600, "XST");      /* after: the last type */
	dsnx_tz_free(tz);
}
END_TEST

/* Europe/Berlin's rules, as the footer alone. */
START_TEST(test_footer_north)
{
	static const type_spec types[] = { { 3600, 0, 0 } };
	tzif f;
	dsnx_tz *tz;

	make_v2(&f, 0, NULL, NULL, 1, types, "CET", 4,
	    "CET-1CEST,M3.5.0,M10.5.0/3");
	tz = parse_ok(&f);
	expect(tz, 1782907200LL, 7200, "CEST");     /* 2026-07-01 12:00 UTC */
	expect(tz, 1768478400LL, 3600, "CET");      /* 2026-01-15 12:00 UTC */
	expect(tz, 1774745999LL, 3600, "CET");      /* 2026-03-29 00:59:59 */
	expect(tz, 1774746000LL, 7200, "CEST");     /* 2026-03-29 01:00 */
	expect(tz, 1792889999LL, 7200, "CEST");     /* 2026-10-25 00:59:59 */
	expect(tz, 1792890000LL, 3600, "CET");      /* 2026-10-25 01:00 */
	expect(tz, 2216249999LL, 3600, "CET");      /* 2040-03-25 */
	expect(tz, 2216250000LL, 7200, "CEST");
	expect(tz, 4118083200LL, 7200, "CEST");     /* 2100-07-01 */
	dsnx_tz_free(tz);
}
END_TEST

/* Australia/Sydney's: DST across the new year, end at 03:00 DST. */
START_TEST(test_footer_south)
{
	static const type_spec types[] = { { 36000, 0, 0 } };
	tzif f;
	dsnx_tz *tz;

	make_v2(&f, 0, NULL, NULL, 1, types, "AEST", 5,
	    "AEST-10AEDT,M10.1.0,M4.1.0/3");
	tz = parse_ok(&f);
	expect(tz, 2368051200LL, 39600, "AEDT");    /* 2045-01-15 */
	expect(tz, 2383689600LL, 36000, "AEST");    /* 2045-07-15 */
	expect(tz, 2374675199LL, 39600, "AEDT");    /* 2045-04-01 15:59:59 */
	expect(tz, 2374675200LL, 36000, "AEST");
	expect(tz, 2390399999LL, 36000, "AEST");    /* 2045-09-30 15:59:59 */
	expect(tz, 2390400000LL, 39600, "AEDT");
	dsnx_tz_free(tz);
}
END_TEST

/* Jn skips February 29, n counts it; quoted names; a negative time. */
START_TEST(test_footer_forms)
{
	static const type_spec types[] = { { 0, 0, 0 } };
	tzif f;
	dsnx_tz *tz;

	/* DST from day J60 (March 1, leap year or not) 00:00 to day 300. */
	make_v2(&f, 0, NULL, NULL, 1, types, "AAA", 4, "AAA0BBB,J60/0,300/0");
	tz = parse_ok(&f);
	/* 2024 is a leap year: March 1 is 2024-03-01 00:00 UTC. */
	expect(tz, 1709251199LL, 0, "AAA");
	expect(tz, 1709251200LL, 3600, "BBB");
	/* Day 300 (0-based) of 2024 is October 27; ends 00:00 BBB. */
	expect(tz, 1729983600LL - 1, 3600, "BBB");
	expect(tz, 1729983600LL, 0, "AAA");
	dsnx_tz_free(tz);

	/* Numeric names in <>, an explicit DST offset, hours beyond 24. */
	make_v2(&f, 0, NULL, NULL, 1, types, "-03", 4,
	    "<-03>3<-02>2,M3.2.0/-1,M11.1.0/26");
	tz = parse_ok(&f);
	expect(tz, 1768478400LL, -10800, "");       /* January: -03 */
	expect(tz, 1782907200LL, -7200, "");        /* July: -02 */
	dsnx_tz_free(tz);

	/* No DST at all. */
	make_v2(&f, 0, NULL, NULL, 1, types, "-03", 4, "<+0530>-5:30");
	tz = parse_ok(&f);
	expect(tz, 1782907200LL, 19800, "");
	dsnx_tz_free(tz);
}
END_TEST

/* Transitions up to 2000, then the footer. */
START_TEST(test_table_then_footer)
{
	static const int64_t times[] = { -1000000000LL, 946684800 };
	static const unsigned char idx[] = { 1, 0 };
	static const type_spec types[] = { { 3600, 0, 0 }, { 7200, 1, 4 } };
	tzif f;
	dsnx_tz *tz;

	make_v2(&f, 2, times, idx, 2, types, "CET\0CEST", 9,
	    "CET-1CEST,M3.5.0,M10.5.0/3");
	tz = parse_ok(&f);
	expect(tz, -2000000000LL, 3600, "CET");      /* before the first */
	expect(tz, 0, 7200, "CEST");                 /* from the table */
	expect(tz, 1782907200LL, 7200, "CEST");      /* footer, summer */
	expect(tz, 1768478400LL, 3600, "CET");       /* footer, winter */
	dsnx_tz_free(tz);
}
END_TEST

/* ------------------------------------------------------------ garbage */

static void
expect_parse_error(const void *data, size_t len, const char *what)
{
	dsnx_tz *tz = (dsnx_tz *)1;
	dsnx_error_t err;
	dsnx_status st = dsnx_tz_parse("bad", data, len, &tz, &err);

	ck_assert_msg(st == DSNX_EPARSE, "%s: status %d, not EPARSE", what, st);
	ck_assert_ptr_null(tz);
	ck_assert_str_eq(err.source, "bad");
	ck_assert_msg(err.text[0] != '\0', "%s: no reason", what);
}

START_TEST(test_truncated)
{
	tzif f;
	size_t n;
	dsnx_tz *tz;

	make_v2(&f, 2, v1_times, v1_idx, 2, v1_types, v1_chars, sizeof(v1_chars),
	    "XST-1");
	tz = parse_ok(&f);
	dsnx_tz_free(tz);
	/* Every proper prefix is refused; none is read past its end (ASan
	 * and valgrind watch, since each prefix is a copy of its own). */
	for (n = 0; n < f.len; n++) {
		unsigned char *copy = malloc(n + 1);

		ck_assert_ptr_nonnull(copy);
		memcpy(copy, f.b, n);
		expect_parse_error(copy, n, "prefix");
		free(copy);
	}
}
END_TEST

START_TEST(test_garbage)
{
	static const type_spec types[] = { { 3600, 0, 0 } };
	static const type_spec far[] = { { 100000, 0, 0 } };
	static const int64_t down[] = { 100, 50 };
	static const unsigned char idx[] = { 0, 0 }, idx_bad[] = { 0, 5 };
	static const char text[] = "# This is not a zone file\nEurope/Berlin\n";
	/* Offsets of timecnt, typecnt and charcnt in the header. */
	static const size_t count_at[] = { 32, 36, 40 };
	static const char *const footers[] = { "CET", "C-1", "CET-1CEST",
	    "CET-1CEST,M3.5.0", "CET-1CEST,M13.5.0,M10.5.0",
	    "CET-1CEST,M3.6.0,M10.5.0", "CET-1CEST,M3.5.7,M10.5.0",
	    "CET-1CEST,J0,J365", "CET-1CEST,366,0", "CET-1CEST,M3.5.0/168,M10.5.0",
	    "CET-1CEST,M3.5.0,M10.5.0 ", "CET-25", "<CE T>-1", "CET-1:5",
	    "CET-1CEST,M+3.5.0,M10.5.0" };
	tzif f;
	size_t i;

	expect_parse_error(text, sizeof(text) - 1, "text");
	expect_parse_error("TZif", 4, "magic alone");

	/* Counts far beyond the file, and beyond any limit. */
	for (i = 0; i < ARRAY_LEN(count_at); i++) {
		make_v2(&f, 0, NULL, NULL, 1, types, "CET", 4, "CET-1");
		memset(f.b + count_at[i], 0xff, 4);
		expect_parse_error(f.b, f.len, "huge count");
		memset(f.b + count_at[i], 0, 3);
		f.b[count_at[i] + 3] = 200;
		expect_parse_error(f.b, f.len, "count past the end");
	}
	make_v2(&f, 0, NULL, NULL, 0, types, "CET", 4, "CET-1");
	expect_parse_error(f.b, f.len, "no types");
	make_v2(&f, 0, NULL, NULL, 1, types, "CET", 4, "CET-1");
	f.b[4] = '9';
	expect_parse_error(f.b, f.len, "version 9");
	f.b[28 + 3] = 1;	/* a leap second record */
	f.b[4] = '2';
	expect_parse_error(f.b, f.len, "leap seconds");
	make_v2(&f, 2, down, idx, 1, types, "CET", 4, "CET-1");
	expect_parse_error(f.b, f.len, "descending times");
	make_v2(&f, 2, v1_times, idx_bad, 1, types, "CET", 4, "CET-1");
	expect_parse_error(f.b, f.len, "type index");
	make_v2(&f, 0, NULL, NULL, 1, far, "CET", 4, "CET-1");
	expect_parse_error(f.b, f.len, "offset out of range");
	make_v2(&f, 0, NULL, NULL, 1, types, "CETX", 4, "CET-1");
	expect_parse_error(f.b, f.len, "designations without NUL");

	/* Footers that are no TZ string. */
	for (i = 0; i < ARRAY_LEN(footers); i++) {
		make_v2(&f, 0, NULL, NULL, 1, types, "CET", 4, footers[i]);
		expect_parse_error(f.b, f.len, footers[i]);
	}
	/* No newline after the footer. */
	make_v2(&f, 0, NULL, NULL, 1, types, "CET", 4, "CET-1");
	expect_parse_error(f.b, f.len - 1, "unterminated footer");
}
END_TEST

/* ---------------------------------------------------------- file names */

static char dir[64];

static void
make_dir(void)
{
	char path[128];
	FILE *fp;
	tzif f;

	snprintf(dir, sizeof(dir), "/tmp/test_tz.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/Area", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	make_v2(&f, 0, NULL, NULL, 1, v1_types, v1_chars, sizeof(v1_chars),
	    "XST-1");
	snprintf(path, sizeof(path), "%s/Area/Good", dir);
	ck_assert_ptr_nonnull(fp = fopen(path, "wb"));
	fwrite(f.b, 1, f.len, fp);
	fclose(fp);
	snprintf(path, sizeof(path), "%s/Area/Garbage", dir);
	ck_assert_ptr_nonnull(fp = fopen(path, "wb"));
	fputs("this is not a TZif file\n", fp);
	fclose(fp);
	snprintf(path, sizeof(path), "%s/Area/Short", dir);
	ck_assert_ptr_nonnull(fp = fopen(path, "wb"));
	fwrite(f.b, 1, f.len / 2, fp);
	fclose(fp);
}

static void
remove_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void
expect_load(const char *name, dsnx_status want, const char *text)
{
	dsnx_tz *tz = (dsnx_tz *)1;
	dsnx_error_t err;
	dsnx_status st = dsnx_tz_load(name, dir, &tz, &err);

	ck_assert_msg(st == want, "%s: status %d, want %d (%s)", name, st, want,
	    st == DSNX_OK ? "" : err.text);
	if (want == DSNX_OK) {
		dsnx_tz_free(tz);
		return;
	}
	ck_assert_ptr_null(tz);
	ck_assert_str_eq(err.source, name);
	ck_assert_msg(strstr(err.text, text) != NULL, "%s: \"%s\" lacks \"%s\"",
	    name, err.text, text);
}

START_TEST(test_names)
{
	char abs_good[128], abs_out[128];

	make_dir();
	expect_load("Area/Good", DSNX_OK, "");
	snprintf(abs_good, sizeof(abs_good), "%s/Area/Good", dir);
	expect_load(abs_good, DSNX_OK, "");
	/* Out of the directory, or trying to. */
	expect_load("../../etc/passwd", DSNX_EINVAL, "..");
	expect_load("Area/../Area/Good", DSNX_EINVAL, "..");
	snprintf(abs_out, sizeof(abs_out), "%s/../etc/passwd", dir);
	expect_load(abs_out, DSNX_EINVAL, "..");
	expect_load("/etc/passwd", DSNX_EINVAL, "absolute");
	snprintf(abs_out, sizeof(abs_out), "%sX/Area/Good", dir);
	expect_load(abs_out, DSNX_EINVAL, "absolute");
	expect_load("Area//Good", DSNX_EINVAL, "component");
	expect_load("Area/./Good", DSNX_EINVAL, "component");
	expect_load("Area/Good/", DSNX_EINVAL, "component");
	expect_load("Area/Go od", DSNX_EINVAL, "letters");
	expect_load("Area/Go\nod", DSNX_EINVAL, "letters");
	expect_load("", DSNX_EINVAL, "empty");
	/* Unknown zones, directories and files that are no zone. */
	expect_load("Area/Nowhere", DSNX_EIO, "unknown time zone");
	expect_load("Area/Good/Deeper", DSNX_EIO, "unknown time zone");
	expect_load("Area", DSNX_EIO, "directory");
	expect_load("Area/Garbage", DSNX_EPARSE, "not a TZif file");
	expect_load("Area/Short", DSNX_EPARSE, "truncated");
	/* The file is named in the reason. */
	expect_load("Area/Garbage", DSNX_EPARSE, "/Area/Garbage: ");
	remove_dir();
}
END_TEST

/* -------------------------------------------- the system's tz database */

START_TEST(test_berlin)
{
	dsnx_tz *tz;
	dsnx_error_t err;

	if (!have_tzdata())
		return;
	ck_assert_msg(dsnx_tz_load("Europe/Berlin", NULL, &tz, &err) == DSNX_OK,
	    "%s", err.text);
	ck_assert_str_eq(dsnx_tz_name(tz), "Europe/Berlin");
	expect(tz, 1782907200LL, 7200, "CEST");     /* 2026-07-01 12:00 UTC */
	expect(tz, 1768478400LL, 3600, "CET");      /* 2026-01-15 12:00 UTC */
	/* 2026-03-29: 02:00 CET becomes 03:00 CEST at 01:00 UTC. */
	expect(tz, 1774745999LL, 3600, "CET");
	expect(tz, 1774746000LL, 7200, "CEST");
	/* 2026-10-25: 03:00 CEST becomes 02:00 CET at 01:00 UTC. */
	expect(tz, 1792889999LL, 7200, "CEST");
	expect(tz, 1792890000LL, 3600, "CET");
	expect(tz, 299678400LL, 3600, "CET");       /* 1979: no DST yet */
	/* Past the table of a "fat" file: the footer's rule. */
	expect(tz, 2216249999LL, 3600, "CET");      /* 2040-03-25 */
	expect(tz, 2216250000LL, 7200, "CEST");
	expect(tz, 2234998799LL, 7200, "CEST");     /* 2040-10-28 */
	expect(tz, 2234998800LL, 3600, "CET");
	dsnx_tz_free(tz);

	/* The same zone by its absolute path. */
	ck_assert_int_eq(dsnx_tz_load(ZONEINFO "/Europe/Berlin", NULL, &tz, &err),
	    DSNX_OK);
	expect(tz, 1782907200LL, 7200, "CEST");
	dsnx_tz_free(tz);
}
END_TEST

START_TEST(test_system_zones)
{
	dsnx_tz *tz;
	dsnx_error_t err;

	if (!have_tzdata())
		return;
	ck_assert_int_eq(dsnx_tz_load("Australia/Sydney", NULL, &tz, &err),
	    DSNX_OK);
	expect(tz, 2368051200LL, 39600, "AEDT");
	expect(tz, 2383689600LL, 36000, "AEST");
	dsnx_tz_free(tz);
	/* Numeric abbreviations are not shown. */
	ck_assert_int_eq(dsnx_tz_load("America/Sao_Paulo", NULL, &tz, &err),
	    DSNX_OK);
	expect(tz, 1782907200LL, -10800, "");
	dsnx_tz_free(tz);
	ck_assert_int_eq(dsnx_tz_load("Etc/UTC", NULL, &tz, &err), DSNX_OK);
	expect(tz, 1782907200LL, 0, "UTC");
	dsnx_tz_free(tz);
	ck_assert_int_eq(dsnx_tz_load("Europe/Berln", NULL, &tz, &err), DSNX_EIO);
	ck_assert_ptr_nonnull(strstr(err.text, "unknown time zone"));
	ck_assert_int_eq(dsnx_tz_load("Europe", NULL, &tz, &err), DSNX_EIO);
	ck_assert_int_eq(dsnx_tz_load("../../../etc/passwd", NULL, &tz, &err),
	    DSNX_EINVAL);
	ck_assert_int_eq(dsnx_tz_load("/etc/passwd", NULL, &tz, &err),
	    DSNX_EINVAL);
	ck_assert_int_eq(dsnx_tz_load(ZONEINFO "/../../etc/passwd", NULL, &tz,
	    &err), DSNX_EINVAL);
}
END_TEST

static Suite *
tz_suite(void)
{
	Suite *s = suite_create("tz");
	TCase *tc;

	tc = tcase_create("fixed");
	tcase_add_test(tc, test_fixed);
	tcase_add_test(tc, test_bad_offsets);
	suite_add_tcase(s, tc);

	tc = tcase_create("tzif");
	tcase_add_test(tc, test_version1);
	tcase_add_test(tc, test_footer_north);
	tcase_add_test(tc, test_footer_south);
	tcase_add_test(tc, test_footer_forms);
	tcase_add_test(tc, test_table_then_footer);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_garbage);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_berlin);
	tcase_add_test(tc, test_system_zones);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(tz_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
