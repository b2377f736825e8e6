/*
 * test_rules - loader behaviour of lib/rules.c (dsnx_ruleset_load)
 *
 * Every case writes a small rule directory under a fresh mkdtemp()
 * directory (removed again by the fixture), loads it, and checks both the
 * returned status and the problems reported through the dsnx_error_fn
 * callback: file name, line, column and a piece of the text.  Positions
 * are not hard-coded: they are computed from the JSON text the test wrote
 * (pos_of), so the assertions say "the error points at this token".
 *
 * Covered: a valid minimal set (counts, catalogue, ref/unref), JSON
 * syntax errors (jansson's own line:column), the shape of a file,
 * patterns that do not compile (file, line, column inside the pattern
 * string, PCRE2's message), a backtracking pattern against a hostile
 * diagnostic, missing members, wrong types and values, duplicate ids
 * across files, unknown causes and members, examples a rule fails, a
 * file that is too large, entries that cannot be read, a missing shipped
 * directory, and the site directory (replace, disable, disable unknown,
 * absent).
 *
 * None of this uses the shipped rules in rules/.
 */
#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "dsnexplain.h"
#include "classify_at.h"

/* ------------------------------------------------------------ fixture */

static char tmp[512];
static char shipped[600];
static char site[600];

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
setup(void)
{
	const char *t = getenv("TMPDIR");

	snprintf(tmp, sizeof(tmp), "%s/dsnx-rules.XXXXXX", t && *t ? t : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	snprintf(shipped, sizeof(shipped), "%s/shipped", tmp);
	snprintf(site, sizeof(site), "%s/site", tmp);
	ck_assert_int_eq(mkdir(shipped, 0755), 0);
}

static void
teardown(void)
{
	if (tmp[0] != '\0')
		(void)nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	tmp[0] = '\0';
}

/* Writes text to dir/name; returns the full path in a static buffer. */
static const char *
put(const char *dir, const char *name, const char *text)
{
	static char path[1024];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	ck_assert_msg(fp != NULL, "cannot create %s: %s", path, strerror(errno));
	ck_assert_uint_eq(fwrite(text, 1, strlen(text), fp), strlen(text));
	ck_assert_int_eq(fclose(fp), 0);
	return path;
}

/* ----------------------------------------------------- error collector */

#define MAX_ERRS 64

typedef struct errs {
	unsigned n;
	dsnx_error_t e[MAX_ERRS];
} errs;

static void
collect(const dsnx_error_t *err, void *arg)
{
	errs *x = arg;

	if (x->n < MAX_ERRS)
		x->e[x->n] = *err;
	x->n++;
}

static void
dump(const errs *x)
{
	unsigned i;

	for (i = 0; i < x->n && i < MAX_ERRS; i++)
		fprintf(stderr, "  [%u] %s:%d:%d: %s\n", i, x->e[i].source,
		    x->e[i].line, x->e[i].column, x->e[i].text);
}

/* The first error whose text contains needle, or NULL. */
static const dsnx_error_t *
find_err(const errs *x, const char *needle)
{
	unsigned i;

	for (i = 0; i < x->n && i < MAX_ERRS; i++)
		if (strstr(x->e[i].text, needle) != NULL)
			return &x->e[i];
	return NULL;
}

static const dsnx_error_t *
need_err(const errs *x, const char *needle)
{
	const dsnx_error_t *e = find_err(x, needle);

	if (e == NULL)
		dump(x);
	ck_assert_msg(e != NULL, "no error containing \"%s\" (%u errors)",
	    needle, x->n);
	return e;
}

/* Does the error's source end with the file name name? */
static int
names_file(const dsnx_error_t *e, const char *name)
{
	size_t a = strlen(e->source), b = strlen(name);

	return a >= b && strcmp(e->source + a - b, name) == 0
	    && (a == b || e->source[a - b - 1] == '/');
}

/* 1-based line and column (bytes) of the first occurrence of needle. */
static void
pos_of(const char *text, const char *needle, int *line, int *col)
{
	const char *hit = strstr(text, needle), *p, *bol = text;

	ck_assert_msg(hit != NULL, "test bug: \"%s\" not in the text", needle);
	*line = 1;
	for (p = text; p < hit; p++)
		if (*p == '\n') {
			(*line)++;
			bol = p + 1;
		}
	*col = (int)(hit - bol) + 1;
}

/* Asserts that e points exactly at needle in text. */
static void
assert_at(const dsnx_error_t *e, const char *text, const char *needle)
{
	int line, col;

	pos_of(text, needle, &line, &col);
	ck_assert_msg(e->line == line && e->column == col,
	    "error \"%s\" at %d:%d, expected %d:%d (at %s)", e->text, e->line,
	    e->column, line, col, needle);
}

/* Asserts that e is on the line of needle. */
static void
assert_line(const dsnx_error_t *e, const char *text, const char *needle)
{
	int line, col;

	pos_of(text, needle, &line, &col);
	ck_assert_msg(e->line == line, "error \"%s\" on line %d, expected %d "
	    "(line of %s)", e->text, e->line, line, needle);
	ck_assert_int_gt(e->column, 0);
}

/* --------------------------------------------------------- rule texts */

static const char causes_json[] =
    "{\n"
    "  \"causes\": {\n"
    "    \"c-one\": {\"who\": \"sender\", \"text\": {\"en\": {\"title\": \"One\",\n"
    "      \"summary\": \"S1\", \"sender\": \"Do one\", \"admin\": [\"A1\"]}}},\n"
    "    \"c-two\": {\"who\": \"our-admin\", \"text\": {\n"
    "      \"en\": {\"title\": \"Two\", \"summary\": \"S2\", \"sender\": \"Do two\",\n"
    "        \"admin\": [\"A2\", \"A3\"], \"references\": [\"RFC 3463\"]},\n"
    "      \"de\": {\"title\": \"Zwei\", \"summary\": \"Z2\", \"sender\": \"Tu zwei\",\n"
    "        \"admin\": [\"B2\"]}}}\n"
    "  }\n"
    "}\n";

static const char minimal_json[] =
    "{\n"
    "  \"rules\": [\n"
    "    {\n"
    "      \"id\": \"t.user-unknown\",\n"
    "      \"description\": \"no such user\",\n"
    "      \"priority\": 700,\n"
    "      \"when\": {\"status\": \"5.1.1\", \"diagnostic\": \"user unknown\"},\n"
    "      \"reason\": \"userunknown\",\n"
    "      \"cause\": \"c-one\",\n"
    "      \"examples\": {\n"
    "        \"match\": [{\"status\": \"5.1.1\", \"diagnostic\": \"550 5.1.1 User unknown\"}],\n"
    "        \"no_match\": [{\"status\": \"5.1.1\", \"diagnostic\": \"550 5.1.1 mailbox full\"}]\n"
    "      }\n"
    "    }\n"
    "  ]\n"
    "}\n";

/*
 * Loads shipped (and site, may be NULL) into *out, checking the contract
 * common to all cases: *out is NULL unless the result is DSNX_OK, and a
 * failure always came with at least one reported problem.
 */
static dsnx_status
load(const char *site_dir, errs *e, dsnx_ruleset **out)
{
	dsnx_status st;

	memset(e, 0, sizeof(*e));
	*out = (dsnx_ruleset *)(uintptr_t)1;	/* must be overwritten */
	st = dsnx_ruleset_load(shipped, site_dir, collect, e, out);
	if (st == DSNX_OK) {
		if (e->n != 0)
			dump(e);
		ck_assert_uint_eq(e->n, 0);
		ck_assert_ptr_nonnull(*out);
	} else {
		ck_assert_ptr_null(*out);
		ck_assert_uint_gt(e->n, 0);
	}
	return st;
}

/* Writes the catalogue and one rule file, loads, expects DSNX_EPARSE. */
static const char *
load_bad(const char *text, errs *e)
{
	dsnx_ruleset *set;
	static char path[1024];

	put(shipped, "00-causes.json", causes_json);
	snprintf(path, sizeof(path), "%s", put(shipped, "10-test.json", text));
	ck_assert_int_eq(load(NULL, e, &set), DSNX_EPARSE);
	return path;
}

/* Like load_bad, and the error with needle is in 10-test.json. */
static const dsnx_error_t *
bad_one(const char *text, errs *e, const char *needle)
{
	const dsnx_error_t *err;

	load_bad(text, e);
	err = need_err(e, needle);
	ck_assert_msg(names_file(err, "10-test.json"), "source is %s", err->source);
	return err;
}

/* A rule file with one rule; body is what goes between the braces. */
static char *
one_rule(const char *body)
{
	static char buf[8192];

	snprintf(buf, sizeof(buf),
	    "{\n"
	    "  \"rules\": [\n"
	    "    {\n"
	    "%s\n"
	    "    }\n"
	    "  ]\n"
	    "}\n", body);
	return buf;
}

#define EX_511 "      \"examples\": {\"match\": [{\"status\": \"5.1.1\"}]}"

/* ------------------------------------------------------- a valid set */

START_TEST(test_valid_minimal)
{
	dsnx_ruleset *set;
	dsnx_cause_text t;
	errs e;

	put(shipped, "00-causes.json", causes_json);
	put(shipped, "10-test.json", minimal_json);
	/* Files not ending in .json, and hidden files, are not read. */
	put(shipped, "README.md", "not json {");
	put(shipped, ".hidden.json", "not json {");
	put(shipped, "x.json~", "not json {");
	ck_assert_int_eq(load(NULL, &e, &set), DSNX_OK);
	ck_assert_uint_eq(dsnx_ruleset_rule_count(set), 1);
	ck_assert_uint_eq(dsnx_ruleset_cause_count(set), 2);
	ck_assert_uint_eq(dsnx_ruleset_example_count(set), 2);

	ck_assert_int_eq(dsnx_cause_text_get(set, "c-two", "en", &t), 0);
	ck_assert_str_eq(t.who, "our-admin");
	ck_assert_str_eq(t.title, "Two");
	ck_assert_str_eq(t.summary, "S2");
	ck_assert_str_eq(t.sender, "Do two");
	ck_assert_uint_eq(t.admin_count, 2);
	ck_assert_str_eq(t.admin[1], "A3");
	ck_assert_uint_eq(t.reference_count, 1);
	ck_assert_str_eq(t.references[0], "RFC 3463");
	ck_assert_int_eq(dsnx_cause_text_get(set, "c-two", "de", &t), 0);
	ck_assert_str_eq(t.title, "Zwei");
	/* An unknown language falls back to English. */
	ck_assert_int_eq(dsnx_cause_text_get(set, "c-one", "fr", &t), 0);
	ck_assert_str_eq(t.title, "One");
	ck_assert_str_eq(t.who, "sender");
	ck_assert_uint_eq(t.reference_count, 0);
	ck_assert_int_eq(dsnx_cause_text_get(set, "c-three", "en", &t), -1);
	dsnx_ruleset_unref(set);
}
END_TEST

START_TEST(test_empty_directory)
{
	dsnx_ruleset *set;
	errs e;

	/* No rule files at all is a valid, empty set. */
	ck_assert_int_eq(load(NULL, &e, &set), DSNX_OK);
	ck_assert_uint_eq(dsnx_ruleset_rule_count(set), 0);
	ck_assert_uint_eq(dsnx_ruleset_cause_count(set), 0);
	dsnx_ruleset_unref(set);
}
END_TEST

START_TEST(test_ref_unref)
{
	dsnx_ruleset *set, *again;
	dsnx_cause_text t;
	errs e;

	put(shipped, "00-causes.json", causes_json);
	put(shipped, "10-test.json", minimal_json);
	ck_assert_int_eq(load(NULL, &e, &set), DSNX_OK);
	again = dsnx_ruleset_ref(set);
	ck_assert_ptr_eq(again, set);
	ck_assert_ptr_null(dsnx_ruleset_ref(NULL));
	dsnx_ruleset_unref(NULL);
	/* One reference left: still alive (ASan/valgrind would object). */
	dsnx_ruleset_unref(set);
	ck_assert_uint_eq(dsnx_ruleset_rule_count(again), 1);
	ck_assert_int_eq(dsnx_cause_text_get(again, "c-one", "en", &t), 0);
	ck_assert_str_eq(t.title, "One");
	/* The last one frees it; a leak checker sees nothing left. */
	dsnx_ruleset_unref(again);
}
END_TEST

/* -------------------------------------------------------- file shape */

START_TEST(test_invalid_json)
{
	/* A missing comma after line 4's member. */
	static const char text[] =
	    "{\n"
	    "  \"rules\": [\n"
	    "    {\n"
	    "      \"id\": \"t.x\"\n"
	    "      \"priority\": 5\n"
	    "    }\n"
	    "  ]\n"
	    "}\n";
	json_error_t jerr;
	const dsnx_error_t *err;
	errs e;

	ck_assert_ptr_null(json_loadb(text, strlen(text), 0, &jerr));
	load_bad(text, &e);
	ck_assert_uint_eq(e.n, 1);
	err = &e.e[0];
	ck_assert(names_file(err, "10-test.json"));
	/* jansson's own position and words, not a guess. */
	ck_assert_int_eq(err->line, 5);
	ck_assert_int_eq(err->line, jerr.line);
	ck_assert_int_eq(err->column, jerr.column);
	ck_assert_int_gt(err->column, 0);
	ck_assert_str_eq(err->text, jerr.text);
}
END_TEST

START_TEST(test_duplicate_member_json)
{
	/* Duplicate member names are refused (JSON_REJECT_DUPLICATES). */
	static const char text[] =
	    "{\n"
	    "  \"rules\": [],\n"
	    "  \"rules\": []\n"
	    "}\n";
	const dsnx_error_t *err;
	errs e;

	load_bad(text, &e);
	ck_assert_uint_eq(e.n, 1);
	err = &e.e[0];
	ck_assert(names_file(err, "10-test.json"));
	ck_assert_int_eq(err->line, 3);
	ck_assert_ptr_nonnull(strstr(err->text, "duplicate"));
}
END_TEST

START_TEST(test_top_not_object)
{
	static const char text[] = "\n  [\n    {\"id\": \"t.x\"}\n  ]\n";
	const dsnx_error_t *err;
	errs e;

	err = bad_one(text, &e, "one JSON object");
	ck_assert_uint_eq(e.n, 1);
	assert_at(err, text, "[");
}
END_TEST

START_TEST(test_unknown_top_member)
{
	static const char text[] =
	    "{\n"
	    "  \"rules\": [],\n"
	    "  \"rulez\": []\n"
	    "}\n";
	const dsnx_error_t *err;
	errs e;

	err = bad_one(text, &e, "unknown member \"rulez\"");
	ck_assert_uint_eq(e.n, 1);
	assert_at(err, text, "\"rulez\"");
}
END_TEST

START_TEST(test_rules_not_array)
{
	static const char text[] = "{\n  \"rules\": {\"id\": \"t.x\"}\n}\n";
	const dsnx_error_t *err;
	errs e;

	err = bad_one(text, &e, "\"rules\" must be an array");
	assert_at(err, text, "{\"id\"");
}
END_TEST

/* ----------------------------------------------------------- patterns */

/* PCRE2's message for pattern, as the library would print it. */
static void
pcre2_message(const char *pattern, char *msg, size_t size, size_t *off)
{
	int code;
	PCRE2_SIZE eo;
	pcre2_code *re;

	re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	    PCRE2_CASELESS | PCRE2_UTF, &code, &eo, NULL);
	ck_assert_ptr_null(re);
	pcre2_get_error_message(code, (PCRE2_UCHAR *)msg, size);
	*off = eo;
}

START_TEST(test_bad_regex)
{
	/* The error is in the middle of the pattern: a reversed range. */
	const char *text = one_rule(
	    "      \"id\": \"t.bad-regex\",\n"
	    "      \"when\": {\n"
	    "        \"status\": \"5.1.1\",\n"
	    "        \"diagnostic\": \"user [z-a]nknown here\"\n"
	    "      },\n"
	    "      \"reason\": \"userunknown\",\n"
	    "      \"cause\": \"c-one\",\n"
	    EX_511);
	char msg[256];
	size_t off;
	int line, col;
	const dsnx_error_t *err;
	errs e;

	pcre2_message("user [z-a]nknown here", msg, sizeof(msg), &off);
	ck_assert(off > 0 && off < strlen("user [z-a]nknown here"));
	load_bad(text, &e);
	err = need_err(&e, msg);
	ck_assert(names_file(err, "10-test.json"));
	/* The line of the pattern, and the column of the offending byte:
	 * the opening quote, plus one, plus PCRE2's offset. */
	pos_of(text, "\"user [z-a]", &line, &col);
	ck_assert_int_eq(err->line, line);
	ck_assert_int_eq(err->column, col + 1 + (int)off);
	ck_assert(err->column > col
	    && err->column <= col + 1 + (int)strlen("user [z-a]nknown here"));
	ck_assert_ptr_nonnull(strstr(err->text, "bad pattern"));
}
END_TEST

START_TEST(test_bad_regex_escaped_column)
{
	/* JSON escapes before the error: the column counts the raw text
	 * ("\\d" is three bytes in the file, two in the pattern). */
	const char *text = one_rule(
	    "      \"id\": \"t.bad-regex2\",\n"
	    "      \"when\": {\"diagnostic\": \"\\\\d+ \\u0041BC (unclosed\"},\n"
	    "      \"reason\": \"userunknown\",\n"
	    "      \"cause\": \"c-one\",\n"
	    EX_511);
	char msg[256];
	size_t off;
	int line, col;
	const dsnx_error_t *err;
	errs e;

	pcre2_message("\\d+ ABC (unclosed", msg, sizeof(msg), &off);
	ck_assert_uint_eq(off, strlen("\\d+ ABC (unclosed"));
	load_bad(text, &e);
	err = need_err(&e, msg);
	pos_of(text, "\"\\\\d+", &line, &col);
	ck_assert_int_eq(err->line, line);
	/* Raw: "\\d+ \u0041BC (unclosed" is off + 1 (for \\) + 5 (for \u0041). */
	ck_assert_int_eq(err->column, col + 1 + (int)off + 1 + 5);
}
END_TEST

START_TEST(test_bad_regex_in_headers)
{
	const char *text = one_rule(
	    "      \"id\": \"t.bad-header-regex\",\n"
	    "      \"when\": {\"headers\": {\"X-Mailer\": \"foo(\"}},\n"
	    "      \"reason\": \"userunknown\",\n"
	    "      \"cause\": \"c-one\",\n"
	    EX_511);
	const dsnx_error_t *err;
	errs e;

	err = bad_one(text, &e, "bad pattern");
	assert_line(err, text, "\"foo(\"");
	/* Inside the string: after its opening quote, not past its end. */
	{
		int line, col;

		pos_of(text, "\"foo(\"", &line, &col);
		ck_assert(err->column > col && err->column <= col + 5);
	}
}
END_TEST

/* A multipart/report DSN whose Diagnostic-Code holds diag. */
static char *
dsn_with_diagnostic(const char *status, const char *diag)
{
	static const char head[] =
	    "From: MAILER-DAEMON@mx.example.net\r\n"
	    "To: sender@example.com\r\n"
	    "Subject: Undelivered Mail Returned to Sender\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\r\n"
	    "\tboundary=\"BND.1\"\r\n"
	    "\r\n"
	    "--BND.1\r\n"
	    "Content-Type: text/plain\r\n"
	    "\r\n"
	    "Delivery failed.\r\n"
	    "\r\n"
	    "--BND.1\r\n"
	    "Content-Type: message/delivery-status\r\n"
	    "\r\n"
	    "Reporting-MTA: dns; mx.example.net\r\n"
	    "\r\n"
	    "Final-Recipient: rfc822; bob@example.org\r\n"
	    "Action: failed\r\n";
	size_t n = sizeof(head) + strlen(diag) + 256;
	char *buf = malloc(n);

	ck_assert_ptr_nonnull(buf);
	snprintf(buf, n, "%sStatus: %s\r\nDiagnostic-Code: smtp; %s\r\n"
	    "\r\n--BND.1--\r\n", head, status, diag);
	return buf;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

START_TEST(test_catastrophic_regex)
{
	/* Exponential backtracking patterns; the examples are short, so
	 * loading is quick.  The hostile diagnostic is 1 MB of 'a' (or 'x');
	 * the reader keeps at most max_header_field (64 KiB) of it, which
	 * is still far beyond what (a+)+ can backtrack through.  A class
	 * rather than one letter at the end, so PCRE2's "required last
	 * character" check cannot reject the subject up front. */
	static const char text[] =
	    "{\n"
	    "  \"rules\": [\n"
	    "    {\"id\": \"t.evil-a\", \"priority\": 900,\n"
	    "     \"when\": {\"diagnostic\": \"(a+)+[b#]\"},\n"
	    "     \"reason\": \"userunknown\", \"cause\": \"c-one\",\n"
	    "     \"examples\": {\"match\": [{\"diagnostic\": \"aaaab\"}],\n"
	    "                  \"no_match\": [{\"diagnostic\": \"aaaa!\"}]}},\n"
	    "    {\"id\": \"t.evil-x\", \"priority\": 800,\n"
	    "     \"when\": {\"diagnostic\": \"(x+x+)+[yz]\"},\n"
	    "     \"reason\": \"userunknown\", \"cause\": \"c-one\",\n"
	    "     \"examples\": {\"match\": [{\"diagnostic\": \"xxy\"}]}}\n"
	    "  ]\n"
	    "}\n";
	static const char fill[2] = { 'a', 'x' };
	dsnx_ruleset *set;
	dsnx_context *ctx;
	errs e;
	size_t big = 1u << 20;
	unsigned k;

	put(shipped, "00-causes.json", causes_json);
	put(shipped, "10-test.json", text);
	ck_assert_int_eq(load(NULL, &e, &set), DSNX_OK);
	ck_assert_int_eq(dsnx_context_new(NULL, &ctx, NULL), DSNX_OK);
	for (k = 0; k < 2; k++) {
		char *diag = malloc(big + 2), *msg;
		dsnx_report *r = NULL;
		dsnx_verdict v;
		double t0, t;

		ck_assert_ptr_nonnull(diag);
		memset(diag, fill[k], big);
		diag[big] = '!';
		diag[big + 1] = '\0';
		msg = dsn_with_diagnostic("5.0.0", diag);
		ck_assert_int_eq(dsnx_report_read(ctx, msg, strlen(msg), &r),
		    DSNX_OK);
		ck_assert(dsnx_report_is_dsn(r));
		ck_assert_uint_eq(dsnx_report_recipient_count(r), 1);
		/* Long enough to be hostile even after the field cap. */
		ck_assert_uint_gt(strlen(dsnx_report_recipient(r, 0)->diagnostic),
		    32768);
		t0 = now();
		ck_assert_int_eq(classify_at(set, r, 0, &v), DSNX_OK);
		t = now() - t0;
		ck_assert_msg(t < 2.0, "classifying took %.2f s", t);
		/* Either a limit stopped the pattern, or it did not match. */
		ck_assert(v.limit_hits > 0 || v.rule == NULL);
		ck_assert_ptr_null(v.rule);
		ck_assert_str_eq(v.reason, "undefined");
		dsnx_report_free(r);
		free(msg);
		free(diag);
	}
	dsnx_context_free(ctx);
	dsnx_ruleset_unref(set);
}
END_TEST

/* ---------------------------------------------------- missing members */

START_TEST(test_missing_id)
{
	const char *text = one_rule(
	    "      \"when\": {\"status\": \"5.1.1\"},\n"
	    "      \"reason\": \"userunknown\",\n"
	    "      \"cause\": \"c-one\",\n"
	    EX_511);
	const dsnx_error_t *err;
	errs e;

	err = bad_one(text, &e, "needs an \"id\"");
	ck_assert_uint_eq(e.n, 1);
	assert_at(err, text, "{\n      \"when\"");
}
END_TEST

START_TEST(test_bad_id)
{
	const char *text = one_rule(
	    "      \"id\": \"T.Upper\",\n"
	    "      \"when\": {\"status\": \"5.1.1\"},\n"
	    "      \"reason\": \"userunknown\",\n"
	    "      \"cause\": \"c-one\",\n"
	    EX_511);
	const dsnx_error_t *err;
	errs e;

	err = bad_one(text, &e, "needs an \"id\"");
	assert_at(err, text, "\"T.Upper\"");
}
END_TEST

START_TEST(test_missing_when)
{
	const char *text = one_rule(
	    "      \"id\": \"t.no-when\",\n"
	    "      \"reason\": \"userunknown\",\n"
	    "      \"cause\": \"c-one\",\n"
	    EX_511);
	const dsnx_error_t *err;
	errs e;

	err = bad_one(text, &e, "missing \"when\"");
	ck_assert_ptr_nonnull(strstr(err->text, "t.no-when"));
	assert_at(err, text, "{\n      \"id\"");
}
END_TEST

START_TEST(test_missing_reason)
{
	const char *text = one_rule(
	    "      \"id\": \"t.no-reason\",\n"
	    "      \"when\": {\"status\": \"5.1.1\"},\n"
	    "      \"cause\": \"c-one\",\n"
	    EX_511);
	const dsnx_error_t *err;
	errs e;

	err = bad_one(text, &e, "missing \"reason\"");
	ck_assert_uint_eq(e.n, 1);
	assert_at(err, text, "{\n      \"id\"");
}
END_TEST

START_TEST(test_missing_cause)
{
	const char *text = one_rule(
	    "      \"id\": \"t.no-cause\",\n"
	    "      \"when\": {\"status\": \"5.1.1\"},\n"
	    "      \"reason\": \"userunknown\",\n"
	    EX_511);
	const dsnx_error_t *err;
	errs e;

	err = bad_one(text, &e, "\"cause\"");
	ck_assert_uint_eq(e.n, 1);
	ck_assert_ptr_nonnull(strstr(err->text, "missing"));
	assert_at(err, text, "{\n      \"id\"");
}
END_TEST

START_TEST(test_missing_examples)
{
	const char *text = one_rule(
	    "      \"id\": \"t.no-examples\",\n"
	    "      \"when\": {\"status\": \"5.1.1\"},\n"
	    "      \"reason\": \"userunknown\",\n"
	    "      \"cause\": \"c-one\"");
	const dsnx_error_t *err;
	errs e;

	err = bad_one(text, &e, "needs \"examples\"");
	ck_assert_uint_eq(e.n, 1);
	assert_at(err, text, "{\n      \"id\"");
}
END_TEST

START_TEST(test_empty_match_examples)
{
	const char *text = one_rule(
	    "      \"id\": \"t.empty-examples\",\n"
	    "      \"when\": {\"status\": \"5.1.1\"},\n"
	    "      \"reason\": \"userunknown\",\n"
	    "      \"cause\": \"c-one\",\n"
	    "      \"examples\": {\"match\": [], \"no_match\": [{\"status\": \"5.2.2\"}]}");
	const dsnx_error_t *err;
	errs e;

	err = bad_one(text, &e, "at least one \"match\"");
	assert_at(err, text, "{\"match\"");
}
END_TEST

/* -------------------------------------------------------- wrong types */

START_TEST(test_priority_string)
{
	const char *text = one_rule(
	    "      \"id\": \"t.prio\",\n"
	    "      \"priority\": \"high\",\n"
	    "      \"when\": {\"status\": \"5.1.1\"},\n"
	    "      \"reason\": \"userunknown\",\n"
	    "      \"cause\": \"c-one\",\n"
	    EX_511);
	const dsnx_error_t *err;
	errs e;

	err = bad_one(text, &e, "priority must be an integer from 0 to 1000");
	ck_assert_uint_eq(e.n, 1);
	assert_at(err, text, "\"high\"");
}
END_TEST

START_TEST(test_priority_range)
{
	const char *text = one_rule(
	    "      \"id\": \"t.prio\",\n"
	    "      \"priority\": 5000,\n"
	    "      \"when\": {\"status\": \"5.1.1\"},\n"
	    "      \"reason\": \"userunknown\",\n"
	    "      \"cause\": \"c-one\",\n"
	    EX_511);
	const dsnx_error_t *err;
	errs e;

	err = bad_one(text, &e, "priority must be an integer from 0 to 1000");
	ck_assert_uint_eq(e.n, 1);
	assert_at(err, text, "5000");
}
END_TEST

START_TEST(test_when_array)
{
	const char *text = one_rule(
	    "      \"id\": \"t.when-array\",\n"
	    "      \"when\": [{\"status\": \"5.1.1\"}],\n"
	    "      \"reason\": \"userunknown\",\n"
	    "      \"cause\": \"c-one\",\n"
	    EX_511);
	const dsnx_error_t *err;
	errs e;

	err = bad_one(text, &e, "non-empty object of conditions");
	assert_at(err, text, "[{\"status\"");
}
END_TEST

START_TEST(test_when_empty)
{
	const char *text = one_rule(
	    "      \"id\": \"t.when-empty\",\n"
	    "      \"when\": {},\n"
	    "      \"reason\": \"userunknown\",\n"
	    "      \"cause\": \"c-one\",\n"
	    EX_511);
	const dsnx_error_t *err;
	errs e;

	err = bad_one(text, &e, "non-empty object of conditions");
	assert_at(err, text, "{},");
}
END_TEST

START_TEST(test_bad_status_pattern)
{
	const char *text = one_rule(
	    "      \"id\": \"t.status\",\n"
	    "      \"when\": {\"status\": [\"5.1.1\", \"5.x.1\"]},\n"
	    "      \"reason\": \"userunknown\",\n"
	    "      \"cause\": \"c-one\",\n"
	    EX_511);
	const dsnx_error_t *err;
	errs e;

	err = bad_one(text, &e, "bad status pattern \"5.x.1\"");
	assert_line(err, text, "\"5.x.1\"");
}
END_TEST

START_TEST(test_bad_status_patterns_more)
{
	/* Each of these is refused. */
	static const char *const bad[] = {
		"3.1.1", "5.1", "5.1.1.1", "5.1.1 ", "5..1", "5.1234.1", "", "*",
		"NONE", "5.1.*x"
	};
	unsigned i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char body[512];
		errs e;

		snprintf(body, sizeof(body),
		    "      \"id\": \"t.status\",\n"
		    "      \"when\": {\"status\": \"%s\"},\n"
		    "      \"reason\": \"userunknown\",\n"
		    "      \"cause\": \"c-one\",\n"
		    EX_511, bad[i]);
		load_bad(one_rule(body), &e);
		if (find_err(&e, "bad status pattern") == NULL)
			dump(&e);
		ck_assert_msg(find_err(&e, "bad status pattern") != NULL,
		    "status pattern \"%s\" accepted", bad[i]);
		teardown();
		setup();
	}
}
END_TEST

START_TEST(test_bad_reply_pattern)
{
	const char *text = one_rule(
	    "      \"id\": \"t.reply\",\n"
	    "      \"when\": {\"reply\": \"5555\"},\n"
	    "      \"reason\": \"userunknown\",\n"
	    "      \"cause\": \"c-one\",\n"
	    "      \"examples\": {\"match\": [{\"reply\": \"555\"}]}");
	const dsnx_error_t *err;
	errs e;

	err = bad_one(text, &e, "bad reply pattern \"5555\"");
	assert_at(err, text, "\"5555\"");
}
END_TEST

START_TEST(test_unknown_action)
{
	const char *text = one_rule(
	    "      \"id\": \"t.action\",\n"
	    "      \"when\": {\"action\": \"bounced\"},\n"
	    "      \"reason\": \"userunknown\",\n"
	    "      \"cause\": \"c-one\",\n"
	    "      \"examples\": {\"match\": [{\"action\": \"bounced\"}]}");
	const dsnx_error_t *err;
	errs e;

	err = bad_one(text, &e, "unknown action \"bounced\"");
	assert_at(err, text, "\"bounced\"}");
}
END_TEST

START_TEST(test_unknown_outcome_condition)
{
	const char *text = one_rule(
	    "      \"id\": \"t.outcome-cond\",\n"
	    "      \"when\": {\"outcome\": [\"failed\", \"bounced\"]},\n"
	    "      \"reason\": \"userunknown\",\n"
	    "      \"cause\": \"c-one\",\n"
	    EX_511);
	const dsnx_error_t *err;
	errs e;

	err = bad_one(text, &e, "unknown outcome \"bounced\"");
	assert_line(err, text, "\"bounced\"");
}
END_TEST

START_TEST(test_unknown_reason)
{
	const char *text = one_rule(
	    "      \"id\": \"t.reason\",\n"
	    "      \"when\": {\"status\": \"5.1.1\"},\n"
	    "      \"reason\": \"notareason\",\n"
	    "      \"cause\": \"c-one\",\n"
	    EX_511);
	const dsnx_error_t *err;
	errs e;

	err = bad_one(text, &e, "unknown reason \"notareason\"");
	ck_assert_uint_eq(e.n, 1);
	assert_at(err, text, "\"notareason\"");
}
END_TEST

START_TEST(test_reason_unknown_outcome_key)
{
	const char *text = one_rule(
	    "      \"id\": \"t.reason-key\",\n"
	    "      \"when\": {\"status\": \"5.1.1\"},\n"
	    "      \"reason\": {\"failed\": \"userunknown\",\n"
	    "                 \"sometimes\": \"blocked\"},\n"
	    "      \"cause\": \"c-one\",\n"
	    EX_511);
	const dsnx_error_t *err;
	errs e;

	err = bad_one(text, &e, "unknown outcome \"sometimes\"");
	ck_assert_uint_eq(e.n, 1);
	assert_at(err, text, "\"sometimes\"");
}
END_TEST

START_TEST(test_reason_object_bad_value)
{
	const char *text = one_rule(
	    "      \"id\": \"t.reason-val\",\n"
	    "      \"when\": {\"status\": \"5.1.1\"},\n"
	    "      \"reason\": {\"failed\": \"userunknown\", \"delayed\": 7},\n"
	    "      \"cause\": \"c-one\",\n"
	    EX_511);
	const dsnx_error_t *err;
	errs e;

	err = bad_one(text, &e, "unknown reason");
	ck_assert_uint_eq(e.n, 1);
	assert_at(err, text, "7}");
}
END_TEST

START_TEST(test_outcome_rule_with_cause)
{
	const char *text = one_rule(
	    "      \"id\": \"t.outcome-cause\",\n"
	    "      \"kind\": \"outcome\",\n"
	    "      \"when\": {\"status\": \"5.1.1\"},\n"
	    "      \"outcome\": \"expired\",\n"
	    "      \"cause\": \"c-one\",\n"
	    EX_511);
	const dsnx_error_t *err;
	errs e;

	err = bad_one(text, &e, "outcome rules take no reason or cause");
	ck_assert_uint_eq(e.n, 1);
	assert_at(err, text, "\"cause\"");
}
END_TEST

START_TEST(test_outcome_rule_bad_outcome)
{
	const char *text = one_rule(
	    "      \"id\": \"t.outcome-default\",\n"
	    "      \"kind\": \"outcome\",\n"
	    "      \"when\": {\"status\": \"5.1.1\"},\n"
	    "      \"outcome\": \"default\",\n"
	    EX_511);
	const dsnx_error_t *err;
	errs e;

	err = bad_one(text, &e, "needs \"outcome\"");
	ck_assert_uint_eq(e.n, 1);
	assert_at(err, text, "\"default\"");
}
END_TEST

START_TEST(test_cause_rule_with_outcome)
{
	const char *text = one_rule(
	    "      \"id\": \"t.cause-outcome\",\n"
	    "      \"when\": {\"status\": \"5.1.1\"},\n"
	    "      \"reason\": \"userunknown\",\n"
	    "      \"cause\": \"c-one\",\n"
	    "      \"outcome\": \"failed\",\n"
	    EX_511);
	const dsnx_error_t *err;
	errs e;

	err = bad_one(text, &e, "\"outcome\" is for rules of kind");
	ck_assert_uint_eq(e.n, 1);
	assert_at(err, text, "\"outcome\"");
}
END_TEST

START_TEST(test_bad_kind)
{
	const char *text = one_rule(
	    "      \"id\": \"t.kind\",\n"
	    "      \"kind\": \"verdict\",\n"
	    "      \"when\": {\"status\": \"5.1.1\"},\n"
	    "      \"reason\": \"userunknown\",\n"
	    "      \"cause\": \"c-one\",\n"
	    EX_511);
	const dsnx_error_t *err;
	errs e;

	err = bad_one(text, &e, "kind must be");
	ck_assert_uint_eq(e.n, 1);
	assert_at(err, text, "\"verdict\"");
}
END_TEST

START_TEST(test_text_condition_not_string)
{
	const char *text = one_rule(
	    "      \"id\": \"t.diag-array\",\n"
	    "      \"when\": {\"diagnostic\": [\"a\", \"b\"]},\n"
	    "      \"reason\": \"userunknown\",\n"
	    "      \"cause\": \"c-one\",\n"
	    EX_511);
	const dsnx_error_t *err;
	errs e;

	err = bad_one(text, &e, "expected a pattern string");
	assert_at(err, text, "[\"a\"");
}
END_TEST

/* ----------------------------------------------- ids, causes, members */

START_TEST(test_duplicate_id_two_files)
{
	static const char a[] =
	    "{\"rules\": [\n"
	    "  {\"id\": \"t.dup\", \"when\": {\"status\": \"5.1.1\"},\n"
	    "   \"reason\": \"userunknown\", \"cause\": \"c-one\",\n"
	    "   \"examples\": {\"match\": [{\"status\": \"5.1.1\"}]}}\n"
	    "]}\n";
	static const char b[] =
	    "{\"rules\": [\n"
	    "  {\"id\": \"t.other\", \"when\": {\"status\": \"5.2.2\"},\n"
	    "   \"reason\": \"mailboxfull\", \"cause\": \"c-one\",\n"
	    "   \"examples\": {\"match\": [{\"status\": \"5.2.2\"}]}},\n"
	    "  {\"id\": \"t.dup\", \"when\": {\"status\": \"5.1.2\"},\n"
	    "   \"reason\": \"hostunknown\", \"cause\": \"c-one\",\n"
	    "   \"examples\": {\"match\": [{\"status\": \"5.1.2\"}]}}\n"
	    "]}\n";
	dsnx_ruleset *set;
	const dsnx_error_t *err;
	errs e;

	put(shipped, "00-causes.json", causes_json);
	put(shipped, "10-a.json", a);
	put(shipped, "20-b.json", b);
	ck_assert_int_eq(load(NULL, &e, &set), DSNX_EPARSE);
	ck_assert_uint_eq(e.n, 1);
	err = need_err(&e, "duplicate rule id \"t.dup\"");
	/* Both files are named: the source is the second, the text names
	 * the first. */
	ck_assert(names_file(err, "20-b.json"));
	ck_assert_ptr_nonnull(strstr(err->text, "10-a.json"));
	assert_at(err, b, "{\"id\": \"t.dup\"");
}
END_TEST

START_TEST(test_duplicate_id_same_file)
{
	const char *text =
	    "{\"rules\": [\n"
	    "  {\"id\": \"t.dup\", \"when\": {\"status\": \"5.1.1\"},\n"
	    "   \"reason\": \"userunknown\", \"cause\": \"c-one\",\n"
	    "   \"examples\": {\"match\": [{\"status\": \"5.1.1\"}]}},\n"
	    "  {\"id\": \"t.dup\", \"when\": {\"status\": \"5.1.2\"},\n"
	    "   \"reason\": \"hostunknown\", \"cause\": \"c-one\",\n"
	    "   \"examples\": {\"match\": [{\"status\": \"5.1.2\"}]}}\n"
	    "]}\n";
	const dsnx_error_t *err;
	errs e;

	err = bad_one(text, &e, "duplicate rule id \"t.dup\"");
	ck_assert_uint_eq(e.n, 1);
	ck_assert_int_eq(err->line, 5);
}
END_TEST

START_TEST(test_duplicate_cause)
{
	static const char more[] =
	    "{\n"
	    "  \"causes\": {\n"
	    "    \"c-one\": {\"who\": \"sender\", \"text\": {\"en\": {\"title\": \"Again\",\n"
	    "      \"summary\": \"S\", \"sender\": \"X\", \"admin\": [\"A\"]}}}\n"
	    "  }\n"
	    "}\n";
	const dsnx_error_t *err;
	errs e;

	err = bad_one(more, &e, "duplicate cause \"c-one\"");
	ck_assert_ptr_nonnull(strstr(err->text, "00-causes.json"));
	assert_at(err, more, "\"c-one\"");
}
END_TEST

START_TEST(test_unknown_cause)
{
	const char *text = one_rule(
	    "      \"id\": \"t.cause\",\n"
	    "      \"when\": {\"status\": \"5.1.1\"},\n"
	    "      \"reason\": \"userunknown\",\n"
	    "      \"cause\": \"conection-refused\",\n"
	    EX_511);
	const dsnx_error_t *err;
	errs e;

	err = bad_one(text, &e, "unknown cause \"conection-refused\"");
	ck_assert_uint_eq(e.n, 1);
	ck_assert_ptr_nonnull(strstr(err->text, "t.cause"));
	assert_at(err, text, "\"conection-refused\"");
}
END_TEST

START_TEST(test_bad_cause_entry)
{
	static const char text[] =
	    "{\n"
	    "  \"causes\": {\n"
	    "    \"c-bad\": {\"who\": \"everyone\", \"text\": {\"en\": {\"title\": \"T\",\n"
	    "      \"summary\": \"\", \"sender\": \"X\", \"admin\": []}}}\n"
	    "  }\n"
	    "}\n";
	errs e;

	load_bad(text, &e);
	assert_at(need_err(&e, "\"who\" must be"), text, "\"everyone\"");
	assert_at(need_err(&e, "missing or empty \"summary\""), text, "\"\",");
	assert_at(need_err(&e, "non-empty array"), text, "[]");
	ck_assert_uint_eq(e.n, 3);
}
END_TEST

START_TEST(test_unknown_rule_member)
{
	const char *text = one_rule(
	    "      \"id\": \"t.member\",\n"
	    "      \"when\": {\"status\": \"5.1.1\"},\n"
	    "      \"reason\": \"userunknown\",\n"
	    "      \"colour\": \"blue\",\n"
	    "      \"cause\": \"c-one\",\n"
	    EX_511);
	const dsnx_error_t *err;
	errs e;

	err = bad_one(text, &e, "unknown member \"colour\"");
	ck_assert_uint_eq(e.n, 1);
	assert_at(err, text, "\"colour\"");
}
END_TEST

START_TEST(test_unknown_condition)
{
	const char *text = one_rule(
	    "      \"id\": \"t.cond\",\n"
	    "      \"when\": {\"status\": \"5.1.1\",\n"
	    "               \"diagnotic\": \"user unknown\"},\n"
	    "      \"reason\": \"userunknown\",\n"
	    "      \"cause\": \"c-one\",\n"
	    EX_511);
	const dsnx_error_t *err;
	errs e;

	err = bad_one(text, &e, "unknown condition \"diagnotic\"");
	ck_assert_uint_eq(e.n, 1);
	assert_at(err, text, "\"diagnotic\"");
}
END_TEST

START_TEST(test_unknown_example_member)
{
	const char *text = one_rule(
	    "      \"id\": \"t.ex-member\",\n"
	    "      \"when\": {\"status\": \"5.1.1\"},\n"
	    "      \"reason\": \"userunknown\",\n"
	    "      \"cause\": \"c-one\",\n"
	    "      \"examples\": {\"match\": [{\"status\": \"5.1.1\", \"diagnotic\": \"x\"}]}");
	const dsnx_error_t *err;
	errs e;

	err = bad_one(text, &e, "unknown member \"diagnotic\"");
	ck_assert_uint_eq(e.n, 1);
	assert_at(err, text, "\"diagnotic\"");
}
END_TEST

/* ----------------------------------------------------------- examples */

START_TEST(test_example_fails_rule)
{
	const char *text = one_rule(
	    "      \"id\": \"t.ex-fail\",\n"
	    "      \"when\": {\"status\": \"5.1.1\", \"diagnostic\": \"user unknown\"},\n"
	    "      \"reason\": \"userunknown\",\n"
	    "      \"cause\": \"c-one\",\n"
	    "      \"examples\": {\"match\": [\n"
	    "        {\"status\": \"5.1.1\", \"diagnostic\": \"550 User unknown\"},\n"
	    "        {\"status\": \"5.1.1\", \"diagnostic\": \"550 mailbox full\"}\n"
	    "      ]}");
	const dsnx_error_t *err;
	errs e;

	err = bad_one(text, &e, "does not match its own example");
	ck_assert_uint_eq(e.n, 1);
	ck_assert_ptr_nonnull(strstr(err->text, "t.ex-fail"));
	ck_assert_ptr_nonnull(strstr(err->text, "\"diagnostic\""));
	/* The line of the failing (second) example. */
	assert_at(err, text, "{\"status\": \"5.1.1\", \"diagnostic\": \"550 mailbox");
}
END_TEST

START_TEST(test_no_match_example_matches)
{
	const char *text = one_rule(
	    "      \"id\": \"t.ex-nomatch\",\n"
	    "      \"when\": {\"status\": \"5.1.*\"},\n"
	    "      \"reason\": \"userunknown\",\n"
	    "      \"cause\": \"c-one\",\n"
	    "      \"examples\": {\n"
	    "        \"match\": [{\"status\": \"5.1.1\"}],\n"
	    "        \"no_match\": [\n"
	    "          {\"status\": \"4.1.1\"},\n"
	    "          {\"status\": \"5.1.2\"}\n"
	    "        ]\n"
	    "      }");
	const dsnx_error_t *err;
	errs e;

	err = bad_one(text, &e, "matches an example it must not match");
	ck_assert_uint_eq(e.n, 1);
	assert_at(err, text, "{\"status\": \"5.1.2\"}");
}
END_TEST

START_TEST(test_example_unless)
{
	/* Examples run through unless too. */
	const char *text = one_rule(
	    "      \"id\": \"t.ex-unless\",\n"
	    "      \"when\": {\"status\": \"5.1.1\"},\n"
	    "      \"unless\": {\"diagnostic\": \"quota\"},\n"
	    "      \"reason\": \"userunknown\",\n"
	    "      \"cause\": \"c-one\",\n"
	    "      \"examples\": {\"match\": [\n"
	    "        {\"status\": \"5.1.1\", \"diagnostic\": \"over quota\"}]}");
	const dsnx_error_t *err;
	errs e;

	err = bad_one(text, &e, "does not match its own example");
	ck_assert_ptr_nonnull(strstr(err->text, "\"unless\""));
	assert_at(err, text, "{\"status\": \"5.1.1\", \"diagnostic\": \"over");
}
END_TEST

/* -------------------------------------------------- files that fail */

START_TEST(test_file_too_large)
{
	dsnx_ruleset *set;
	struct rusage before, after;
	const dsnx_error_t *err;
	char path[1024];
	errs e;
	int fd;

	put(shipped, "00-causes.json", causes_json);
	snprintf(path, sizeof(path), "%s/50-huge.json", shipped);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	/* 50 MB, sparse: nothing is written, so this is cheap. */
	ck_assert_int_eq(ftruncate(fd, 50L << 20), 0);
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_eq(getrusage(RUSAGE_SELF, &before), 0);
	ck_assert_int_ne(load(NULL, &e, &set), DSNX_OK);
	ck_assert_int_eq(getrusage(RUSAGE_SELF, &after), 0);
	ck_assert_uint_eq(e.n, 1);
	err = need_err(&e, "too large");
	ck_assert(names_file(err, "50-huge.json"));
	ck_assert_int_eq(err->line, 0);
	/* It was not read into memory (the high-water mark grew < 40 MB). */
	ck_assert_int_lt(after.ru_maxrss - before.ru_maxrss, 40L << 10);
}
END_TEST

START_TEST(test_directory_named_json)
{
	dsnx_ruleset *set;
	const dsnx_error_t *err;
	char path[1024];
	errs e;

	/* We may run as root, so chmod 000 would not stop a read: use an
	 * entry that no one can read as a file. */
	put(shipped, "00-causes.json", causes_json);
	snprintf(path, sizeof(path), "%s/x.json", shipped);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	ck_assert_int_eq(load(NULL, &e, &set), DSNX_EIO);
	ck_assert_uint_eq(e.n, 1);
	err = &e.e[0];
	ck_assert(names_file(err, "x.json"));
	ck_assert_int_eq(err->line, 0);
	ck_assert_int_eq(err->column, 0);
	ck_assert_ptr_nonnull(strstr(err->text, "not a regular file"));
}
END_TEST

START_TEST(test_dangling_symlink)
{
	dsnx_ruleset *set;
	const dsnx_error_t *err;
	char path[1024];
	errs e;

	put(shipped, "00-causes.json", causes_json);
	put(shipped, "10-test.json", minimal_json);
	snprintf(path, sizeof(path), "%s/x.json", shipped);
	ck_assert_int_eq(symlink("nowhere", path), 0);
	ck_assert_int_eq(load(NULL, &e, &set), DSNX_EIO);
	ck_assert_uint_eq(e.n, 1);
	err = &e.e[0];
	ck_assert(names_file(err, "x.json"));
	ck_assert_int_eq(err->line, 0);
	ck_assert_ptr_nonnull(strstr(err->text, strerror(ENOENT)));
}
END_TEST

START_TEST(test_missing_shipped_dir)
{
	dsnx_ruleset *set = (dsnx_ruleset *)(uintptr_t)1;
	char path[1024];
	errs e;

	memset(&e, 0, sizeof(e));
	snprintf(path, sizeof(path), "%s/no-such-dir", tmp);
	ck_assert_int_eq(dsnx_ruleset_load(path, NULL, collect, &e, &set), DSNX_EIO);
	ck_assert_ptr_null(set);
	ck_assert_uint_eq(e.n, 1);
	ck_assert_str_eq(e.e[0].source, path);
	ck_assert_int_eq(e.e[0].line, 0);
	ck_assert_ptr_nonnull(strstr(e.e[0].text, strerror(ENOENT)));
	/* A NULL directory or out is the caller's mistake. */
	ck_assert_int_eq(dsnx_ruleset_load(NULL, NULL, NULL, NULL, &set),
	    DSNX_EINVAL);
	ck_assert_int_eq(dsnx_ruleset_load(shipped, NULL, NULL, NULL, NULL),
	    DSNX_EINVAL);
}
END_TEST

START_TEST(test_error_refuses_whole_set)
{
	/* One good file and one bad one: nothing is returned, and the
	 * callback may be NULL. */
	dsnx_ruleset *set = (dsnx_ruleset *)(uintptr_t)1;
	errs e;

	put(shipped, "00-causes.json", causes_json);
	put(shipped, "10-test.json", minimal_json);
	put(shipped, "20-bad.json", "{\"rules\": 3}\n");
	ck_assert_int_eq(dsnx_ruleset_load(shipped, NULL, NULL, NULL, &set),
	    DSNX_EPARSE);
	ck_assert_ptr_null(set);
	ck_assert_int_eq(load(NULL, &e, &set), DSNX_EPARSE);
	ck_assert_uint_eq(e.n, 1);
	ck_assert(names_file(&e.e[0], "20-bad.json"));
}
END_TEST

START_TEST(test_every_error_has_position)
{
	/* Many mistakes in one file: every one is reported (loading goes
	 * on), in that file, at a line and column. */
	const char *text =
	    "{\n"
	    "  \"rules\": [\n"
	    "    {\"id\": \"t.a\", \"priority\": -1, \"when\": {\"status\": \"9.9.9\"},\n"
	    "     \"reason\": \"nope\", \"cause\": \"c-none\", \"extra\": 1,\n"
	    "     \"examples\": {\"match\": [{\"status\": \"5.1.1\"}], \"maybe\": []}},\n"
	    "    {\"id\": \"t.b\", \"when\": {\"diagnostic\": \"(\", \"reply\": 550},\n"
	    "     \"unless\": {},\n"
	    "     \"reason\": {\"failed\": \"blocked\", \"later\": \"blocked\"},\n"
	    "     \"cause\": \"c-one\",\n"
	    "     \"examples\": {\"match\": [{\"diagnostic\": 5}]}},\n"
	    "    {\"id\": \"t.c\", \"kind\": \"outcome\", \"when\": {\"action\": \"gone\"},\n"
	    "     \"outcome\": \"lost\", \"reason\": \"blocked\",\n"
	    "     \"examples\": {\"match\": [{\"action\": \"failed\"}]}},\n"
	    "    \"not a rule\"\n"
	    "  ],\n"
	    "  \"causes\": {\"Bad.Name\": {}, \"c-x\": {\"who\": \"sender\"}}\n"
	    "}\n";
	unsigned i;
	errs e;

	load_bad(text, &e);
	ck_assert_uint_ge(e.n, 15);
	ck_assert_uint_le(e.n, MAX_ERRS);
	for (i = 0; i < e.n; i++) {
		const dsnx_error_t *err = &e.e[i];

		ck_assert_msg(names_file(err, "10-test.json"), "[%u] source %s",
		    i, err->source);
		ck_assert_msg(err->line > 1 && err->line <= 16 && err->column > 0,
		    "[%u] %s at %d:%d", i, err->text, err->line, err->column);
		ck_assert(strlen(err->text) > 0);
	}
	/* A sample of them, at their places. */
	assert_line(need_err(&e, "bad status pattern \"9.9.9\""), text, "9.9.9");
	assert_at(need_err(&e, "unknown member \"extra\""), text, "\"extra\"");
	assert_at(need_err(&e, "unknown member \"maybe\""), text, "\"maybe\"");
	assert_at(need_err(&e, "unknown reason \"nope\""), text, "\"nope\"");
	assert_at(need_err(&e, "unknown outcome \"later\""), text, "\"later\"");
	assert_at(need_err(&e, "unknown action \"gone\""), text, "\"gone\"");
	assert_at(need_err(&e, "a rule must be an object"), text, "\"not a rule\"");
	assert_at(need_err(&e, "bad cause name \"Bad.Name\""), text, "\"Bad.Name\"");
	assert_line(need_err(&e, "expected a string or a non-empty array"), text,
	    "550");
	assert_at(need_err(&e, "example value must be a string"), text, "5}");
}
END_TEST

/* ---------------------------------------------------------- site rules */

static const char site_base_json[] =
    "{\"rules\": [\n"
    "  {\"id\": \"t.base\", \"when\": {\"status\": \"5.1.1\"},\n"
    "   \"reason\": \"userunknown\", \"cause\": \"c-one\",\n"
    "   \"examples\": {\"match\": [{\"status\": \"5.1.1\"}]}},\n"
    "  {\"id\": \"t.keep\", \"priority\": 100, \"when\": {\"status\": \"5.*.*\"},\n"
    "   \"reason\": \"systemerror\", \"cause\": \"c-one\",\n"
    "   \"examples\": {\"match\": [{\"status\": \"5.1.1\"}]}}\n"
    "]}\n";

/* Classifies a 5.1.1 recipient. */
static void
classify_511(const dsnx_ruleset *set, dsnx_verdict *v)
{
	dsnx_context *ctx;
	dsnx_report *r = NULL;
	char *msg = dsn_with_diagnostic("5.1.1", "550 5.1.1 <bob@example.org>: "
	    "Recipient address rejected: User unknown");

	ck_assert_int_eq(dsnx_context_new(NULL, &ctx, NULL), DSNX_OK);
	ck_assert_int_eq(dsnx_report_read(ctx, msg, strlen(msg), &r), DSNX_OK);
	ck_assert_uint_eq(dsnx_report_recipient_count(r), 1);
	ck_assert_int_eq(classify_at(set, r, 0, v), DSNX_OK);
	ck_assert_int_eq(classify_at(set, r, 1, v) , DSNX_EINVAL);
	ck_assert_int_eq(classify_at(set, r, 0, v), DSNX_OK);
	dsnx_report_free(r);
	dsnx_context_free(ctx);
	free(msg);
}

START_TEST(test_site_baseline)
{
	dsnx_ruleset *set;
	dsnx_verdict v;
	errs e;

	/* A missing site directory is fine. */
	put(shipped, "00-causes.json", causes_json);
	put(shipped, "10-base.json", site_base_json);
	ck_assert_int_eq(load(site, &e, &set), DSNX_OK);
	ck_assert_uint_eq(dsnx_ruleset_rule_count(set), 2);
	classify_511(set, &v);
	ck_assert_str_eq(v.rule, "t.base");
	ck_assert_str_eq(v.cause, "c-one");
	ck_assert_str_eq(v.reason, "userunknown");
	dsnx_ruleset_unref(set);
}
END_TEST

START_TEST(test_site_replaces)
{
	static const char local[] =
	    "{\"rules\": [\n"
	    "  {\"id\": \"t.base\", \"when\": {\"status\": \"5.1.1\"},\n"
	    "   \"reason\": \"blocked\", \"cause\": \"c-two\",\n"
	    "   \"examples\": {\"match\": [{\"status\": \"5.1.1\"}]}}\n"
	    "]}\n";
	dsnx_ruleset *set;
	dsnx_verdict v;
	errs e;

	put(shipped, "00-causes.json", causes_json);
	put(shipped, "10-base.json", site_base_json);
	ck_assert_int_eq(mkdir(site, 0755), 0);
	put(site, "local.json", local);
	ck_assert_int_eq(load(site, &e, &set), DSNX_OK);
	ck_assert_uint_eq(dsnx_ruleset_rule_count(set), 2);
	classify_511(set, &v);
	ck_assert_str_eq(v.rule, "t.base");
	ck_assert_str_eq(v.cause, "c-two");
	ck_assert_str_eq(v.reason, "blocked");
	dsnx_ruleset_unref(set);
}
END_TEST

START_TEST(test_site_cause_replaces)
{
	static const char local[] =
	    "{\"causes\": {\"c-one\": {\"who\": \"recipient-side\", \"text\": {\"en\": {\n"
	    "  \"title\": \"Local one\", \"summary\": \"L\", \"sender\": \"Call us\",\n"
	    "  \"admin\": [\"x\"]}}}}}\n";
	dsnx_ruleset *set;
	dsnx_cause_text t;
	errs e;

	put(shipped, "00-causes.json", causes_json);
	put(shipped, "10-base.json", site_base_json);
	ck_assert_int_eq(mkdir(site, 0755), 0);
	put(site, "local.json", local);
	ck_assert_int_eq(load(site, &e, &set), DSNX_OK);
	ck_assert_uint_eq(dsnx_ruleset_cause_count(set), 2);
	ck_assert_int_eq(dsnx_cause_text_get(set, "c-one", "en", &t), 0);
	ck_assert_str_eq(t.title, "Local one");
	ck_assert_str_eq(t.who, "recipient-side");
	dsnx_ruleset_unref(set);
}
END_TEST

START_TEST(test_site_disables)
{
	static const char local[] =
	    "{\"rules\": [{\"id\": \"t.base\", \"disabled\": true}]}\n";
	dsnx_ruleset *set;
	dsnx_verdict v;
	errs e;

	put(shipped, "00-causes.json", causes_json);
	put(shipped, "10-base.json", site_base_json);
	ck_assert_int_eq(mkdir(site, 0755), 0);
	put(site, "local.json", local);
	ck_assert_int_eq(load(site, &e, &set), DSNX_OK);
	ck_assert_uint_eq(dsnx_ruleset_rule_count(set), 1);
	classify_511(set, &v);
	/* The catch-all lower down decides now. */
	ck_assert_str_eq(v.rule, "t.keep");
	ck_assert_str_eq(v.reason, "systemerror");
	dsnx_ruleset_unref(set);
}
END_TEST

START_TEST(test_site_disable_unknown)
{
	static const char local[] =
	    "{\"rules\": [\n"
	    "  {\"id\": \"t.nosuch\", \"disabled\": true}\n"
	    "]}\n";
	dsnx_ruleset *set;
	const dsnx_error_t *err;
	errs e;

	put(shipped, "00-causes.json", causes_json);
	put(shipped, "10-base.json", site_base_json);
	ck_assert_int_eq(mkdir(site, 0755), 0);
	put(site, "local.json", local);
	ck_assert_int_eq(load(site, &e, &set), DSNX_EPARSE);
	ck_assert_uint_eq(e.n, 1);
	err = need_err(&e, "t.nosuch");
	ck_assert(names_file(err, "local.json"));
	ck_assert_ptr_nonnull(strstr(err->text, "disabled"));
	assert_at(err, local, "{\"id\": \"t.nosuch\"");
}
END_TEST

START_TEST(test_site_duplicate_in_site)
{
	/* Two site files with the same new id collide like shipped ones. */
	static const char one[] =
	    "{\"rules\": [{\"id\": \"t.new\", \"when\": {\"status\": \"5.7.1\"},\n"
	    "   \"reason\": \"blocked\", \"cause\": \"c-two\",\n"
	    "   \"examples\": {\"match\": [{\"status\": \"5.7.1\"}]}}]}\n";
	dsnx_ruleset *set;
	const dsnx_error_t *err;
	errs e;

	put(shipped, "00-causes.json", causes_json);
	ck_assert_int_eq(mkdir(site, 0755), 0);
	put(site, "a.json", one);
	put(site, "b.json", one);
	ck_assert_int_eq(load(site, &e, &set), DSNX_EPARSE);
	ck_assert_uint_eq(e.n, 1);
	err = need_err(&e, "duplicate rule id \"t.new\"");
	ck_assert(names_file(err, "b.json"));
	ck_assert_ptr_nonnull(strstr(err->text, "a.json"));
}
END_TEST

START_TEST(test_site_errors_count)
{
	/* A site file with a mistake refuses the whole set too. */
	dsnx_ruleset *set;
	const dsnx_error_t *err;
	errs e;

	put(shipped, "00-causes.json", causes_json);
	put(shipped, "10-base.json", site_base_json);
	ck_assert_int_eq(mkdir(site, 0755), 0);
	put(site, "local.json", "{\"rules\": [{\"id\": \"t.base\", \"when\": "
	    "{\"status\": \"5.1.1\"}, \"reason\": \"blocked\", \"cause\": \"c-9\", "
	    "\"examples\": {\"match\": [{\"status\": \"5.1.1\"}]}}]}\n");
	ck_assert_int_eq(load(site, &e, &set), DSNX_EPARSE);
	err = need_err(&e, "unknown cause \"c-9\"");
	ck_assert(names_file(err, "local.json"));
	ck_assert_int_eq(err->line, 1);
}
END_TEST

static Suite *
rules_suite(void)
{
	Suite *s = suite_create("rules");
	TCase *tc = tcase_create("load");
	TCase *tp = tcase_create("patterns");
	TCase *tf = tcase_create("files");
	TCase *ts = tcase_create("site");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_valid_minimal);
	tcase_add_test(tc, test_empty_directory);
	tcase_add_test(tc, test_ref_unref);
	tcase_add_test(tc, test_invalid_json);
	tcase_add_test(tc, test_duplicate_member_json);
	tcase_add_test(tc, test_top_not_object);
	tcase_add_test(tc, test_unknown_top_member);
	tcase_add_test(tc, test_rules_not_array);
	tcase_add_test(tc, test_missing_id);
	tcase_add_test(tc, test_bad_id);
	tcase_add_test(tc, test_missing_when);
	tcase_add_test(tc, test_missing_reason);
	tcase_add_test(tc, test_missing_cause);
	tcase_add_test(tc, test_missing_examples);
	tcase_add_test(tc, test_empty_match_examples);
	tcase_add_test(tc, test_priority_string);
	tcase_add_test(tc, test_priority_range);
	tcase_add_test(tc, test_when_array);
	tcase_add_test(tc, test_when_empty);
	tcase_add_test(tc, test_bad_status_pattern);
	tcase_add_test(tc, test_bad_status_patterns_more);
	tcase_add_test(tc, test_bad_reply_pattern);
	tcase_add_test(tc, test_unknown_action);
	tcase_add_test(tc, test_unknown_outcome_condition);
	tcase_add_test(tc, test_unknown_reason);
	tcase_add_test(tc, test_reason_unknown_outcome_key);
	tcase_add_test(tc, test_reason_object_bad_value);
	tcase_add_test(tc, test_outcome_rule_with_cause);
	tcase_add_test(tc, test_outcome_rule_bad_outcome);
	tcase_add_test(tc, test_cause_rule_with_outcome);
	tcase_add_test(tc, test_bad_kind);
	tcase_add_test(tc, test_text_condition_not_string);
	tcase_add_test(tc, test_duplicate_id_two_files);
	tcase_add_test(tc, test_duplicate_id_same_file);
	tcase_add_test(tc, test_duplicate_cause);
	tcase_add_test(tc, test_unknown_cause);
	tcase_add_test(tc, test_bad_cause_entry);
	tcase_add_test(tc, test_unknown_rule_member);
	tcase_add_test(tc, test_unknown_condition);
	tcase_add_test(tc, test_unknown_example_member);
	tcase_add_test(tc, test_example_fails_rule);
	tcase_add_test(tc, test_no_match_example_matches);
	tcase_add_test(tc, test_example_unless);
	tcase_add_test(tc, test_error_refuses_whole_set);
	tcase_add_test(tc, test_every_error_has_position);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(tp, setup, teardown);
	tcase_add_test(tp, test_bad_regex);
	tcase_add_test(tp, test_bad_regex_escaped_column);
	tcase_add_test(tp, test_bad_regex_in_headers);
	tcase_add_test(tp, test_catastrophic_regex);
	tcase_set_timeout(tp, 30);
	suite_add_tcase(s, tp);

	tcase_add_checked_fixture(tf, setup, teardown);
	tcase_add_test(tf, test_file_too_large);
	tcase_add_test(tf, test_directory_named_json);
	tcase_add_test(tf, test_dangling_symlink);
	tcase_add_test(tf, test_missing_shipped_dir);
	suite_add_tcase(s, tf);

	tcase_add_checked_fixture(ts, setup, teardown);
	tcase_add_test(ts, test_site_baseline);
	tcase_add_test(ts, test_site_replaces);
	tcase_add_test(ts, test_site_cause_replaces);
	tcase_add_test(ts, test_site_disables);
	tcase_add_test(ts, test_site_disable_unknown);
	tcase_add_test(ts, test_site_duplicate_in_site);
	tcase_add_test(ts, test_site_errors_count);
	suite_add_tcase(s, ts);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(rules_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
