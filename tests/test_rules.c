/*
 * test_rules - the rule set through its C API (dsnx_ruleset_load and
 * what a loaded set answers)
 *
 * Every case writes a small rule directory under a fresh mkdtemp()
 * directory (removed again by the fixture), loads it, and checks the
 * returned status, what the set answers, and the problems reported
 * through the dsnx_error_fn callback.
 *
 * Covered: a valid minimal set (counts, files that are not read,
 * ref/unref), an empty directory, patterns that do not compile (the
 * column inside the pattern string is the opening quote plus PCRE2's own
 * offset, JSON escapes counted in raw bytes), a backtracking pattern
 * against a hostile diagnostic, a file that is too large (not read into
 * memory), entries that cannot be read, a missing shipped directory and
 * bad arguments, a NULL callback, and site rules and causes that
 * replace or disable shipped ones, seen through classification.
 *
 * What lint says about a rule file (each message at its line and
 * column) is tested from data: one directory per case in
 * tests/rules-cases, run by tests/rules-cases.sh.
 *
 * None of this uses the shipped rules in rules/.
 */
#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8

#include <check.h>
#include <errno.h>
#include <fcntl.h>
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
#include "rule_dir.h"
#include "rules.h"

/* ------------------------------------------------------------ fixture */

static char tmp[512];
static char shipped[600];
static char site[600];

static void
setup(void)
{
	rule_dir_make(tmp, sizeof(tmp), "rules");
	snprintf(shipped, sizeof(shipped), "%s/shipped", tmp);
	snprintf(site, sizeof(site), "%s/site", tmp);
	ck_assert_int_eq(mkdir(shipped, 0755), 0);
}

static void
teardown(void)
{
	rule_dir_remove(tmp);
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
static void
load_bad(const char *text, errs *e)
{
	dsnx_ruleset *set;

	rule_dir_put(shipped, "00-causes.json", causes_json);
	rule_dir_put(shipped, "10-test.json", text);
	ck_assert_int_eq(load(NULL, e, &set), DSNX_EPARSE);
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

	rule_dir_put(shipped, "00-causes.json", causes_json);
	rule_dir_put(shipped, "10-test.json", minimal_json);
	/* Files not ending in .json, and hidden files, are not read. */
	rule_dir_put(shipped, "README.md", "not json {");
	rule_dir_put(shipped, ".hidden.json", "not json {");
	rule_dir_put(shipped, "x.json~", "not json {");
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

	rule_dir_put(shipped, "00-causes.json", causes_json);
	rule_dir_put(shipped, "10-test.json", minimal_json);
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

	rule_dir_put(shipped, "00-causes.json", causes_json);
	rule_dir_put(shipped, "10-test.json", text);
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

/* -------------------------------------------------- files that fail */

START_TEST(test_file_too_large)
{
	dsnx_ruleset *set;
	struct rusage before, after;
	const dsnx_error_t *err;
	char path[1024];
	errs e;
	int fd;

	rule_dir_put(shipped, "00-causes.json", causes_json);
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
	rule_dir_put(shipped, "00-causes.json", causes_json);
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

	rule_dir_put(shipped, "00-causes.json", causes_json);
	rule_dir_put(shipped, "10-test.json", minimal_json);
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

	rule_dir_put(shipped, "00-causes.json", causes_json);
	rule_dir_put(shipped, "10-test.json", minimal_json);
	rule_dir_put(shipped, "20-bad.json", "{\"rules\": 3}\n");
	ck_assert_int_eq(dsnx_ruleset_load(shipped, NULL, NULL, NULL, &set),
	    DSNX_EPARSE);
	ck_assert_ptr_null(set);
	ck_assert_int_eq(load(NULL, &e, &set), DSNX_EPARSE);
	ck_assert_uint_eq(e.n, 1);
	ck_assert(names_file(&e.e[0], "20-bad.json"));
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
	rule_dir_put(shipped, "00-causes.json", causes_json);
	rule_dir_put(shipped, "10-base.json", site_base_json);
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

	rule_dir_put(shipped, "00-causes.json", causes_json);
	rule_dir_put(shipped, "10-base.json", site_base_json);
	ck_assert_int_eq(mkdir(site, 0755), 0);
	rule_dir_put(site, "local.json", local);
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

	rule_dir_put(shipped, "00-causes.json", causes_json);
	rule_dir_put(shipped, "10-base.json", site_base_json);
	ck_assert_int_eq(mkdir(site, 0755), 0);
	rule_dir_put(site, "local.json", local);
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

	rule_dir_put(shipped, "00-causes.json", causes_json);
	rule_dir_put(shipped, "10-base.json", site_base_json);
	ck_assert_int_eq(mkdir(site, 0755), 0);
	rule_dir_put(site, "local.json", local);
	ck_assert_int_eq(load(site, &e, &set), DSNX_OK);
	ck_assert_uint_eq(dsnx_ruleset_rule_count(set), 1);
	classify_511(set, &v);
	/* The catch-all lower down decides now. */
	ck_assert_str_eq(v.rule, "t.keep");
	ck_assert_str_eq(v.reason, "systemerror");
	dsnx_ruleset_unref(set);
}
END_TEST

/*
 * Every shipped rule with a text condition gives the prefilter a literal
 * for one of them, so that it is skipped where its words are absent:
 * one branch without a literal in a shared named pattern (a phrase in a
 * script the literal reader did not take) once made six rules run their
 * expressions on every message.  The catch-alls that
 * read any text, and the weak tier's "blocked" (its words are all common
 * words), are the exceptions.
 */
START_TEST(test_shipped_rules_prefiltered)
{
	static const char *const unfiltered[] = {
		"00-iana.other-with-text", "00-iana.nothing-with-text",
		"80-weak-wording.blocked", NULL
	};
	dsnx_ruleset *set = NULL;
	unsigned i, k, missing = 0;

	ck_assert_int_eq(dsnx_ruleset_load(RULES_DIR, NULL, NULL, NULL, &set),
	    DSNX_OK);
	for (i = 0; i < set->rule_count; i++) {
		const rule *r = &set->rules[i];
		int text = 0, literal = 0, allowed = 0;

		for (k = 0; k < r->when_count; k++)
			if (r->when[k].re != NULL) {
				text = 1;
				literal |= r->when[k].has_literal;
			}
		for (k = 0; unfiltered[k] != NULL; k++)
			allowed |= strcmp(unfiltered[k], r->id) == 0;
		if (text && !literal && !allowed) {
			fprintf(stderr, "rule %s: no text condition has a literal "
			    "for the prefilter\n", r->id);
			missing++;
		}
	}
	ck_assert_uint_eq(missing, 0);
	dsnx_ruleset_unref(set);
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
	tcase_add_test(tc, test_error_refuses_whole_set);
	tcase_add_test(tc, test_shipped_rules_prefiltered);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(tp, setup, teardown);
	tcase_add_test(tp, test_bad_regex);
	tcase_add_test(tp, test_bad_regex_escaped_column);
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
