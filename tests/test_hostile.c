/*
 * test_hostile - bad and hostile input through the public API
 *
 * Every case goes through dsnx_report_read() (and dsnx_mime_parse() where
 * the MIME flags are the point): truncated and unbalanced multiparts,
 * missing, wrong and overlong boundaries, absurd nesting, huge lines,
 * header fields and part counts, broken transfer encodings, NUL bytes and
 * invalid UTF-8, empty input and the message size limit.  Each case checks
 * the flags the library must raise, whether the message counts as a DSN
 * and what it found, and that every string the report hands out is valid
 * UTF-8 (checked by a validator of our own, not the library's) and bounded
 * in length.  Big inputs are generated in memory at run time; with
 * DSNX_VALGRIND set the 100 MB line shrinks to 8 MB.
 *
 * It does not test what the fields mean (test_dsn, test_nonstd do) and it
 * does not look at timing beyond Check's per-test timeout.
 */
#include "config.h"

#include <check.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsnexplain.h"
#include "sbuf.h"

#define BIG_TIMEOUT 60

/* ------------------------------------------------------------ helpers */

static void sb_printf(sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
sb_printf(sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	ck_assert_int_ge(n, 0);
	sb_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static void
sb_fill(sbuf *b, int c, size_t n)
{
	sb_reserve(b, n);
	memset(b->p + b->len, c, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Adds a string literal including any NUL bytes inside it. */
#define SB_LIT(b, lit) sb_add((b), (lit), sizeof(lit) - 1)

/*
 * Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above
 * U+10FFFF, and no NUL (a C string handed out must not hide bytes).
 */
static int
utf8_ok(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, k, j;
	uint32_t cp, min;

	while (i < n) {
		unsigned c = s[i];

		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			k = 1;
			cp = c & 0x1F;
			min = 0x80;
		} else if (c >= 0xE0 && c <= 0xEF) {
			k = 2;
			cp = c & 0x0F;
			min = 0x800;
		} else if (c >= 0xF0 && c <= 0xF4) {
			k = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else
			return 0;
		if (n - i <= k)
			return 0;
		for (j = 1; j <= k; j++) {
			if ((s[i + j] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + j] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += k + 1;
	}
	return 1;
}

/* The bound on any string a report hands out: a header field's worth of
 * bytes, each possibly tripled by U+FFFD replacement. */
static size_t
string_bound(const dsnx_limits *lim)
{
	return 3 * lim->max_header_field + 64;
}

static void
check_str(const char *what, const char *s, size_t max)
{
	size_t n;

	if (s == NULL)
		return;
	n = strlen(s);
	ck_assert_msg(n <= max, "%s: %zu bytes, more than %zu", what, n, max);
	ck_assert_msg(utf8_ok(s, n), "%s: not valid UTF-8", what);
}

static void
check_span(dsnx_span s, size_t len, const char *what)
{
	ck_assert_msg(s.start <= s.end && s.end <= len,
	    "%s span [%zu, %zu) outside [0, %zu)", what, s.start, s.end, len);
}

/* Structural invariants of a parse tree over len input bytes. */
static void
check_mime(const dsnx_mime *m, size_t len, const dsnx_limits *lim)
{
	unsigned i, n = dsnx_mime_part_count(m);

	ck_assert_uint_ge(n, 1);
	ck_assert_uint_le(n, lim->max_parts);
	ck_assert_ptr_eq(dsnx_mime_root(m), dsnx_mime_part(m, 0));
	ck_assert_ptr_null(dsnx_mime_part(m, n));
	for (i = 0; i < n; i++) {
		const dsnx_part *p = dsnx_mime_part(m, i);
		dsnx_span whole = dsnx_part_whole(p), head = dsnx_part_header(p);
		dsnx_span body = dsnx_part_body(p);

		ck_assert_uint_eq(dsnx_part_index(p), i);
		ck_assert_uint_le(dsnx_part_depth(p), lim->max_depth);
		check_span(whole, len, "part");
		check_span(head, len, "header");
		check_span(body, len, "body");
		ck_assert_uint_ge(head.start, whole.start);
		ck_assert_uint_le(body.end, whole.end);
		ck_assert_ptr_nonnull(dsnx_part_type(p));
		ck_assert_ptr_nonnull(dsnx_part_subtype(p));
		if (i > 0) {
			ck_assert_ptr_nonnull(dsnx_part_parent(p));
			ck_assert_uint_eq(dsnx_part_depth(p),
			    dsnx_part_depth(dsnx_part_parent(p)) + 1);
		}
	}
}

/* Every invariant a report must keep, whatever the input. */
static void
check_report(const dsnx_report *r, size_t len, const dsnx_limits *lim)
{
	const size_t max = string_bound(lim);
	const dsnx_mime *m = dsnx_report_mime(r);
	unsigned i, k, n = dsnx_report_recipient_count(r);
	char what[64];

	ck_assert_ptr_nonnull(m);
	check_mime(m, len, lim);
	ck_assert_uint_le(n, lim->max_recipients);
	if (dsnx_report_is_dsn(r)) {
		ck_assert_ptr_nonnull(dsnx_report_format(r));
		ck_assert_uint_ge(n, 1);
	} else {
		ck_assert_ptr_null(dsnx_report_format(r));
	}
	check_str("format", dsnx_report_format(r), 64);
	check_str("not_dsn_why", dsnx_report_not_dsn_why(r), 64);
	check_str("reporting_mta", dsnx_report_reporting_mta(r), max);
	check_str("envelope id", dsnx_report_original_envelope_id(r), max);
	check_str("dsn_gateway", dsnx_report_dsn_gateway(r), max);
	check_str("received_from", dsnx_report_received_from_mta(r), max);
	check_str("arrival_date", dsnx_report_arrival_date_raw(r), max);
	check_str("subject", dsnx_report_subject(r), max);
	check_str("from", dsnx_report_from(r), max);
	for (i = 0; i < dsnx_report_extra_count(r); i++) {
		check_str("extra name", dsnx_report_extra(r, i)->name, max);
		check_str("extra value", dsnx_report_extra(r, i)->value, max);
	}
	for (i = 0; i < n; i++) {
		const dsnx_recipient *rc = dsnx_report_recipient(r, i);

		ck_assert_ptr_nonnull(rc);
		snprintf(what, sizeof(what), "recipient %u", i);
		check_str(what, rc->recipient, max);
		check_str("final_recipient", rc->final_recipient, max);
		check_str("original_recipient", rc->original_recipient, max);
		check_str("action", rc->action, 16);
		check_str("status", rc->status, 11);
		if (rc->status != NULL) {
			dsnx_code code;

			ck_assert_int_eq(dsnx_code_parse(rc->status,
			    strlen(rc->status), &code), 0);
		}
		check_str("status_raw", rc->status_raw, max);
		ck_assert(rc->reply == 0 || (rc->reply >= 200 && rc->reply <= 599));
		check_str("remote_mta", rc->remote_mta, max);
		check_str("diagnostic_type", rc->diagnostic_type, max);
		check_str("diagnostic", rc->diagnostic, max);
		check_str("last_attempt", rc->last_attempt_raw, max);
		check_str("will_retry_until", rc->will_retry_until_raw, max);
		check_str("final_log_id", rc->final_log_id, max);
		for (k = 0; k < rc->extra_count; k++) {
			check_str("rcpt extra name", rc->extra[k].name, max);
			check_str("rcpt extra value", rc->extra[k].value, max);
		}
	}
	if (dsnx_report_status_part(r) != NULL)
		check_span(dsnx_part_whole(dsnx_report_status_part(r)), len,
		    "status part");
	if (dsnx_report_returned_part(r) != NULL)
		check_span(dsnx_part_whole(dsnx_report_returned_part(r)), len,
		    "returned part");
	if (dsnx_report_human_part(r) != NULL)
		check_span(dsnx_part_whole(dsnx_report_human_part(r)), len,
		    "human part");
}

static dsnx_context *ctx;
static dsnx_limits deflim;

static void
setup(void)
{
	dsnx_limits_init(&deflim);
	ck_assert_int_eq(dsnx_context_new(&deflim, &ctx, NULL), DSNX_OK);
}

static void
teardown(void)
{
	dsnx_context_free(ctx);
	ctx = NULL;
}

static dsnx_report *
read_with(const dsnx_context *c, const char *buf, size_t len)
{
	dsnx_report *r = NULL;
	dsnx_status st = dsnx_report_read(c, buf, len, &r);

	ck_assert_msg(st == DSNX_OK, "dsnx_report_read: %s",
	    dsnx_strstatus(st));
	ck_assert_ptr_nonnull(r);
	check_report(r, len, dsnx_context_limits(c));
	return r;
}

static dsnx_report *
read_ok(const char *buf, size_t len)
{
	return read_with(ctx, buf, len);
}

static unsigned
mime_errors_of(const dsnx_report *r)
{
	return dsnx_mime_errors(dsnx_report_mime(r));
}

/* The MIME flags through dsnx_mime_parse() alone. */
static unsigned
parse_flags(const char *buf, size_t len, const dsnx_limits *lim)
{
	dsnx_mime *m = NULL;
	unsigned flags;

	ck_assert_int_eq(dsnx_mime_parse(buf, len, lim, &m), DSNX_OK);
	ck_assert_ptr_nonnull(m);
	check_mime(m, len, lim);
	flags = dsnx_mime_errors(m);
	dsnx_mime_free(m);
	return flags;
}

static void
assert_one_recipient(const dsnx_report *r, const char *addr,
    const char *status)
{
	const dsnx_recipient *rc;

	ck_assert_msg(dsnx_report_is_dsn(r), "not recognised as a DSN");
	ck_assert_uint_eq(dsnx_report_recipient_count(r), 1);
	rc = dsnx_report_recipient(r, 0);
	ck_assert_ptr_nonnull(rc->recipient);
	ck_assert_str_eq(rc->recipient, addr);
	if (status != NULL) {
		ck_assert_ptr_nonnull(rc->status);
		ck_assert_str_eq(rc->status, status);
	}
}

#define DSN_HEAD \
	"From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\n" \
	"To: sender@example.net\n" \
	"Subject: Undelivered Mail Returned to Sender\n" \
	"MIME-Version: 1.0\n"

#define DSN_PARTS(b) \
	"--" b "\n" \
	"Content-Type: text/plain; charset=us-ascii\n" \
	"\n" \
	"The mail system\n" \
	"\n" \
	"<bob@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1\n" \
	"    user unknown (in reply to RCPT TO command)\n" \
	"\n" \
	"--" b "\n" \
	"Content-Type: message/delivery-status\n" \
	"\n" \
	"Reporting-MTA: dns; mx.example.net\n" \
	"\n" \
	"Final-Recipient: rfc822; bob@example.org\n" \
	"Action: failed\n" \
	"Status: 5.1.1\n" \
	"Diagnostic-Code: smtp; 550 5.1.1 <bob@example.org>: user unknown\n" \
	"\n" \
	"--" b "\n" \
	"Content-Type: text/rfc822-headers\n" \
	"\n" \
	"From: sender@example.net\n" \
	"To: bob@example.org\n" \
	"Subject: hello\n" \
	"\n" \
	"--" b "--\n"

static const char full_dsn[] =
    DSN_HEAD
    "Content-Type: multipart/report; report-type=delivery-status;\n"
    "\tboundary=\"b1\"\n"
    "\n"
    DSN_PARTS("b1");

/* ---------------------------------------------------------- the tests */

START_TEST(test_sane_baseline)
{
	dsnx_report *r = read_ok(full_dsn, sizeof(full_dsn) - 1);

	ck_assert_uint_eq(mime_errors_of(r), 0);
	ck_assert_uint_eq(dsnx_report_flags(r), 0);
	assert_one_recipient(r, "bob@example.org", "5.1.1");
	ck_assert_str_eq(dsnx_report_format(r), "rfc3464");
	dsnx_report_free(r);
}
END_TEST

START_TEST(test_truncated_mid_part)
{
	const char *cut = strstr(full_dsn, "<bob@example.org>: user unknown\n\n");
	size_t len;
	dsnx_report *r;

	ck_assert_ptr_nonnull(cut);
	len = (size_t)(cut - full_dsn) + 10;	/* "...5.1.1 <bob@exam" */
	ck_assert(parse_flags(full_dsn, len, &deflim) & DSNX_MIME_TRUNCATED);
	r = read_ok(full_dsn, len);
	ck_assert(mime_errors_of(r) & DSNX_MIME_TRUNCATED);
	ck_assert(dsnx_report_flags(r) & DSNX_REPORT_MIME_ERRORS);
	assert_one_recipient(r, "bob@example.org", "5.1.1");
	ck_assert_str_eq(dsnx_report_recipient(r, 0)->action, "failed");
	dsnx_report_free(r);

	/* Cut inside the header block of the status part. */
	cut = strstr(full_dsn, "message/delivery-status");
	len = (size_t)(cut - full_dsn) + 12;	/* "message/deli" */
	r = read_ok(full_dsn, len);
	ck_assert(mime_errors_of(r) & DSNX_MIME_TRUNCATED);
	ck_assert_ptr_null(dsnx_report_status_part(r));
	dsnx_report_free(r);
}
END_TEST

/* Every prefix of a good DSN: no crash, every invariant holds. */
START_TEST(test_truncated_every_prefix)
{
	size_t len, step = getenv("DSNX_VALGRIND") != NULL ? 7 : 1;
	size_t total = sizeof(full_dsn) - 1;
	/* Up to here the closing delimiter is incomplete. */
	size_t closed = (size_t)(strstr(full_dsn, "--b1--") - full_dsn) + 6;
	char *copy;

	for (len = 0; len <= total; len += step) {
		dsnx_report *r;

		/* An exact-size copy, so reading past len is caught. */
		copy = malloc(len ? len : 1);
		ck_assert_ptr_nonnull(copy);
		memcpy(copy, full_dsn, len);
		r = read_ok(copy, len);
		if (len < closed && dsnx_report_status_part(r) != NULL)
			ck_assert_msg(mime_errors_of(r) & DSNX_MIME_TRUNCATED,
			    "prefix of %zu bytes not flagged truncated", len);
		if (len >= closed)
			assert_one_recipient(r, "bob@example.org", "5.1.1");
		dsnx_report_free(r);
		free(copy);
	}
}
END_TEST

START_TEST(test_missing_boundary)
{
	static const char msg[] =
	    DSN_HEAD
	    "Content-Type: multipart/report; report-type=delivery-status\n"
	    "\n"
	    DSN_PARTS("b1");
	dsnx_mime *m = NULL;
	dsnx_report *r;

	ck_assert_int_eq(dsnx_mime_parse(msg, sizeof(msg) - 1, NULL, &m),
	    DSNX_OK);
	ck_assert(dsnx_mime_errors(m) & DSNX_MIME_NO_BOUNDARY);
	ck_assert(!(dsnx_mime_errors(m) & DSNX_MIME_TRUNCATED));
	ck_assert_uint_eq(dsnx_mime_part_count(m), 1);
	ck_assert_str_eq(dsnx_part_type(dsnx_mime_root(m)), "multipart");
	ck_assert_ptr_null(dsnx_part_param(m, dsnx_mime_root(m), "boundary"));
	dsnx_mime_free(m);

	r = read_ok(msg, sizeof(msg) - 1);
	ck_assert(mime_errors_of(r) & DSNX_MIME_NO_BOUNDARY);
	ck_assert(dsnx_report_flags(r) & DSNX_REPORT_MIME_ERRORS);
	ck_assert(dsnx_report_flags(r) & DSNX_REPORT_NO_STATUS_PART);
	ck_assert_ptr_null(dsnx_report_status_part(r));
	/*
	 * A multipart without a usable boundary is read as text (RFC 2045
	 * 5.2; mail readers do the same): the body still says who bounced.
	 */
	assert_one_recipient(r, "bob@example.org", "5.1.1");
	dsnx_report_free(r);

	/* An empty boundary parameter is no boundary either. */
	{
		static const char empty[] =
		    "Content-Type: multipart/mixed; boundary=\"\"\n\n--\n\nx\n----\n";

		ck_assert(parse_flags(empty, sizeof(empty) - 1, &deflim)
		    & DSNX_MIME_NO_BOUNDARY);
	}
}
END_TEST

START_TEST(test_wrong_boundary)
{
	static const char msg[] =
	    DSN_HEAD
	    "Content-Type: multipart/report; report-type=delivery-status;\n"
	    "\tboundary=\"this-boundary-never-appears\"\n"
	    "\n"
	    DSN_PARTS("b1");
	dsnx_report *r;
	unsigned flags = parse_flags(msg, sizeof(msg) - 1, &deflim);

	ck_assert(flags & DSNX_MIME_NO_BOUNDARY);
	ck_assert(!(flags & DSNX_MIME_TRUNCATED));
	r = read_ok(msg, sizeof(msg) - 1);
	ck_assert_uint_eq(dsnx_mime_part_count(dsnx_report_mime(r)), 1);
	ck_assert(dsnx_report_flags(r) & DSNX_REPORT_NO_STATUS_PART);
	ck_assert_ptr_null(dsnx_report_status_part(r));
	assert_one_recipient(r, "bob@example.org", "5.1.1");
	dsnx_report_free(r);
}
END_TEST

#define DEEP 10000

START_TEST(test_deep_nesting_multipart)
{
	sbuf b = { NULL, 0, 0 };
	dsnx_report *r;
	unsigned i, flags, maxdepth = 0;
	const dsnx_mime *m;

	sb_str(&b, DSN_HEAD);
	for (i = 0; i < DEEP; i++)
		sb_printf(&b, "Content-Type: multipart/mixed; boundary=\"n%u\"\n"
		    "\n--n%u\n", i, i);
	sb_str(&b, "Content-Type: message/delivery-status\n\n"
	    "Final-Recipient: rfc822; deep@example.org\n"
	    "Action: failed\nStatus: 5.0.0\n");
	for (i = DEEP; i-- > 0; )
		sb_printf(&b, "\n--n%u--\n", i);

	flags = parse_flags(b.p, b.len, &deflim);
	ck_assert(flags & DSNX_MIME_DEPTH);
	r = read_ok(b.p, b.len);
	m = dsnx_report_mime(r);
	ck_assert(dsnx_mime_errors(m) & DSNX_MIME_DEPTH);
	for (i = 0; i < dsnx_mime_part_count(m); i++)
		if (dsnx_part_depth(dsnx_mime_part(m, i)) > maxdepth)
			maxdepth = dsnx_part_depth(dsnx_mime_part(m, i));
	ck_assert_uint_eq(maxdepth, deflim.max_depth);
	ck_assert_uint_le(dsnx_mime_part_count(m), deflim.max_depth + 1);
	/* The status part lies beyond the depth limit: out of reach. */
	ck_assert(!dsnx_report_is_dsn(r));
	ck_assert_uint_eq(dsnx_report_recipient_count(r), 0);
	ck_assert_ptr_null(dsnx_report_status_part(r));
	dsnx_report_free(r);
	sb_free(&b);
}
END_TEST

START_TEST(test_deep_nesting_same_boundary)
{
	sbuf b = { NULL, 0, 0 };
	dsnx_report *r;
	unsigned i;

	sb_str(&b, DSN_HEAD);
	for (i = 0; i < DEEP; i++)
		sb_str(&b, "Content-Type: multipart/mixed; boundary=x\n\n--x\n");
	sb_str(&b, "Content-Type: text/plain\n\nbottom\n");
	for (i = 0; i < DEEP; i++)
		sb_str(&b, "--x--\n");
	r = read_ok(b.p, b.len);
	ck_assert_uint_ne(mime_errors_of(r), 0);
	ck_assert(dsnx_report_flags(r) & DSNX_REPORT_MIME_ERRORS);
	ck_assert_uint_eq(dsnx_report_recipient_count(r), 0);
	dsnx_report_free(r);
	sb_free(&b);
}
END_TEST

START_TEST(test_deep_nesting_message)
{
	sbuf b = { NULL, 0, 0 };
	dsnx_report *r;
	unsigned i;

	sb_str(&b, DSN_HEAD);
	for (i = 0; i < DEEP; i++)
		sb_str(&b, "Content-Type: message/rfc822\n\n");
	sb_str(&b, "Subject: innermost\n\nFinal-Recipient: rfc822; x@example.org\n");
	ck_assert(parse_flags(b.p, b.len, &deflim) & DSNX_MIME_DEPTH);
	r = read_ok(b.p, b.len);
	ck_assert(mime_errors_of(r) & DSNX_MIME_DEPTH);
	ck_assert_uint_le(dsnx_mime_part_count(dsnx_report_mime(r)),
	    deflim.max_depth + 1);
	ck_assert(!dsnx_report_is_dsn(r));
	dsnx_report_free(r);
	sb_free(&b);
}
END_TEST

static size_t
huge_size(void)
{
	return getenv("DSNX_VALGRIND") != NULL ? (size_t)8 << 20
	    : (size_t)100 * 1000 * 1000;
}

START_TEST(test_huge_line)
{
	const size_t size = huge_size();
	dsnx_limits lim;
	dsnx_context *big = NULL;
	dsnx_report *r = NULL;
	dsnx_mime *m = NULL;
	sbuf b = { NULL, 0, 0 };
	const dsnx_recipient *rc;

	sb_reserve(&b, size + 4096);

	/* Over max_message: refused at once, nothing returned. */
	sb_str(&b, "Subject: big\n\n");
	sb_fill(&b, 'a', size);
	lim = deflim;
	lim.max_message = size / 2;
	ck_assert_int_eq(dsnx_context_new(&lim, &big, NULL), DSNX_OK);
	ck_assert_int_eq(dsnx_report_read(big, b.p, b.len, &r), DSNX_ELIMIT);
	ck_assert_ptr_null(r);
	ck_assert_int_eq(dsnx_mime_parse(b.p, b.len, &lim, &m), DSNX_ELIMIT);
	ck_assert_ptr_null(m);
	dsnx_context_free(big);
	if (size > deflim.max_message) {
		ck_assert_int_eq(dsnx_report_read(ctx, b.p, b.len, &r),
		    DSNX_ELIMIT);
		ck_assert_ptr_null(r);
	}

	lim = deflim;
	lim.max_message = size + 65536;
	ck_assert_int_eq(dsnx_context_new(&lim, &big, NULL), DSNX_OK);

	/* Within the limit: one giant line, no line end, no header. */
	b.len = 0;
	sb_fill(&b, 'a', size);
	r = read_with(big, b.p, b.len);
	ck_assert(!dsnx_report_is_dsn(r));
	dsnx_report_free(r);

	/* A DSN whose human-readable part is one giant line. */
	b.len = 0;
	sb_str(&b, DSN_HEAD "Content-Type: multipart/report; "
	    "report-type=delivery-status; boundary=\"b1\"\n\n"
	    "--b1\nContent-Type: text/plain\n\n");
	sb_fill(&b, 'x', size);
	sb_str(&b, "\n--b1\nContent-Type: message/delivery-status\n\n"
	    "Final-Recipient: rfc822; bob@example.org\n"
	    "Action: failed\nStatus: 5.1.1\n\n--b1--\n");
	r = read_with(big, b.p, b.len);
	assert_one_recipient(r, "bob@example.org", "5.1.1");
	dsnx_report_free(r);

	/* A DSN whose Diagnostic-Code is one giant line: cut, not copied. */
	b.len = 0;
	sb_str(&b, DSN_HEAD "Content-Type: multipart/report; "
	    "report-type=delivery-status; boundary=\"b1\"\n\n"
	    "--b1\nContent-Type: message/delivery-status\n\n"
	    "Final-Recipient: rfc822; bob@example.org\n"
	    "Action: failed\nStatus: 5.1.1\n"
	    "Diagnostic-Code: smtp; 550 5.1.1 ");
	sb_fill(&b, 'd', size);
	sb_str(&b, "\n\n--b1--\n");
	r = read_with(big, b.p, b.len);
	assert_one_recipient(r, "bob@example.org", "5.1.1");
	rc = dsnx_report_recipient(r, 0);
	ck_assert_ptr_nonnull(rc->diagnostic);
	ck_assert_uint_le(strlen(rc->diagnostic), lim.max_header_field);
	ck_assert(strncmp(rc->diagnostic, "550 5.1.1 ddd", 13) == 0);
	ck_assert_int_eq(rc->reply, 550);
	dsnx_report_free(r);

	/* A Subject that is one giant line. */
	b.len = 0;
	sb_str(&b, "From: MAILER-DAEMON@mx.example.net\nSubject: ");
	sb_fill(&b, 's', size);
	sb_str(&b, "\n\nhello\n");
	r = read_with(big, b.p, b.len);
	ck_assert(mime_errors_of(r) & DSNX_MIME_LONG_HEADER);
	ck_assert_ptr_nonnull(dsnx_report_subject(r));
	ck_assert_uint_le(strlen(dsnx_report_subject(r)), lim.max_header_field);
	ck_assert(!dsnx_report_is_dsn(r));
	dsnx_report_free(r);

	dsnx_context_free(big);
	sb_free(&b);
}
END_TEST

/*
 * A 1 MB "address" in the prose of a bounce without a status part.  No
 * address is longer than 256 bytes (RFC 5321 4.5.3.1.3); whatever the
 * reader makes of it, what it hands out must stay bounded.
 */
START_TEST(test_huge_address)
{
	const size_t size = (size_t)1 << 20;
	sbuf b = { NULL, 0, 0 };
	dsnx_report *r;

	sb_str(&b, "From: MAILER-DAEMON@mx.example.net\n"
	    "Subject: failure notice\n\n"
	    "Hi. This is the qmail-send program at mx.example.net.\n"
	    "I'm afraid I wasn't able to deliver your message to the following"
	    " addresses.\n\n<");
	sb_fill(&b, 'a', size);
	sb_str(&b, "@example.org>:\n550 5.1.1 no such user\n\n"
	    "<short@example.org>:\n550 5.1.1 no such user either\n");
	r = read_ok(b.p, b.len);	/* checks every string's length */
	dsnx_report_free(r);

	b.len = 0;
	sb_str(&b, "From: MAILER-DAEMON@mx.example.net\n"
	    "Subject: Undelivered Mail Returned to Sender\n\n");
	sb_fill(&b, 'a', size);
	sb_str(&b, "@example.org: 550 5.1.1 no such user\n");
	r = read_ok(b.p, b.len);
	dsnx_report_free(r);
	sb_free(&b);
}
END_TEST

static void
base64_encode(sbuf *out, const char *in, size_t len, int junk)
{
	static const char al[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, col = 0;

	for (i = 0; i < len; i += 3) {
		unsigned v = (unsigned)(unsigned char)in[i] << 16;
		char q[4];

		if (i + 1 < len)
			v |= (unsigned)(unsigned char)in[i + 1] << 8;
		if (i + 2 < len)
			v |= (unsigned)(unsigned char)in[i + 2];
		q[0] = al[(v >> 18) & 63];
		q[1] = al[(v >> 12) & 63];
		q[2] = i + 1 < len ? al[(v >> 6) & 63] : '=';
		q[3] = i + 2 < len ? al[v & 63] : '=';
		sb_add(out, q, 4);
		if (junk && (i / 3) % 5 == 2)
			sb_str(out, "!*~");	/* not in the alphabet */
		if ((col += 4) >= 72) {
			sb_str(out, "\n");
			col = 0;
		}
	}
	sb_str(out, "\n");
}

START_TEST(test_invalid_base64)
{
	static const char fields[] =
	    "Reporting-MTA: dns; mx.example.net\n\n"
	    "Final-Recipient: rfc822; b64@example.org\n"
	    "Action: delayed\n"
	    "Status: 4.4.1\n"
	    "Diagnostic-Code: X-Postfix; connect to mx.example.org[192.0.2.9]:25:"
	    " Connection refused\n";
	sbuf b = { NULL, 0, 0 };
	dsnx_report *r;

	sb_str(&b, DSN_HEAD "Content-Type: multipart/report; "
	    "report-type=delivery-status; boundary=\"b1\"\n\n"
	    "--b1\nContent-Type: text/plain\n\nDelivery delayed.\n"
	    "--b1\nContent-Type: message/delivery-status\n"
	    "Content-Transfer-Encoding: base64\n\n");
	base64_encode(&b, fields, sizeof(fields) - 1, 1);
	sb_str(&b, "--b1--\n");
	r = read_ok(b.p, b.len);
	ck_assert(mime_errors_of(r) & DSNX_MIME_BAD_ENCODING);
	assert_one_recipient(r, "b64@example.org", "4.4.1");
	ck_assert_str_eq(dsnx_report_recipient(r, 0)->action, "delayed");
	ck_assert_ptr_nonnull(dsnx_report_recipient(r, 0)->diagnostic);
	ck_assert_ptr_nonnull(strstr(dsnx_report_recipient(r, 0)->diagnostic,
	    "Connection refused"));
	dsnx_report_free(r);

	/* Nothing decodable at all. */
	b.len = 0;
	sb_str(&b, DSN_HEAD "Content-Type: multipart/report; "
	    "report-type=delivery-status; boundary=\"b1\"\n\n"
	    "--b1\nContent-Type: text/plain\n\nDelivery failed.\n"
	    "--b1\nContent-Type: message/delivery-status\n"
	    "Content-Transfer-Encoding: base64\n\n"
	    "@@@@ #### !!!! ***\n\xff\xfe\x80\n"
	    "--b1--\n");
	r = read_ok(b.p, b.len);
	ck_assert(mime_errors_of(r) & DSNX_MIME_BAD_ENCODING);
	ck_assert_uint_eq(dsnx_report_recipient_count(r), 0);
	ck_assert(!dsnx_report_is_dsn(r));
	dsnx_report_free(r);
	sb_free(&b);
}
END_TEST

/*
 * DSNX_REPORT_MIME_ERRORS says "the MIME parser flagged problems": it must
 * agree with dsnx_mime_errors(), also for damage found while decoding.
 */
START_TEST(test_report_flags_follow_mime)
{
	static const char fields[] =
	    "Final-Recipient: rfc822; b64@example.org\n"
	    "Action: failed\nStatus: 5.1.1\n";
	sbuf b = { NULL, 0, 0 };
	dsnx_report *r;

	sb_str(&b, DSN_HEAD "Content-Type: multipart/report; "
	    "report-type=delivery-status; boundary=\"b1\"\n\n"
	    "--b1\nContent-Type: message/delivery-status\n"
	    "Content-Transfer-Encoding: base64\n\n");
	base64_encode(&b, fields, sizeof(fields) - 1, 1);
	sb_str(&b, "--b1--\n");
	r = read_ok(b.p, b.len);
	assert_one_recipient(r, "b64@example.org", "5.1.1");
	ck_assert(mime_errors_of(r) & DSNX_MIME_BAD_ENCODING);
	ck_assert_msg(dsnx_report_flags(r) & DSNX_REPORT_MIME_ERRORS,
	    "MIME errors %#x but DSNX_REPORT_MIME_ERRORS not set",
	    mime_errors_of(r));
	dsnx_report_free(r);
	sb_free(&b);
}
END_TEST

START_TEST(test_invalid_qp)
{
	static const char msg[] =
	    DSN_HEAD
	    "Content-Type: multipart/report; report-type=delivery-status;"
	    " boundary=\"b1\"\n\n"
	    "--b1\nContent-Type: text/plain\n\nDelivery failed.\n"
	    "--b1\nContent-Type: message/delivery-status\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n"
	    "Reporting-MTA: dns; mx.example.net\n\n"
	    "Final-Recipient: rfc822; qp=40example.org\n"
	    "Action: failed\n"
	    "Status: 5.2.2\n"
	    "Diagnostic-Code: smtp; 552 5.2.2 mailbox =ZZfull =\xff=4g over=\n"
	    " quota =C3=\n"
	    "\n"
	    "--b1--=";
	dsnx_report *r = read_ok(msg, sizeof(msg) - 1);
	const dsnx_recipient *rc;

	ck_assert(mime_errors_of(r) & DSNX_MIME_BAD_ENCODING);
	assert_one_recipient(r, "qp@example.org", "5.2.2");
	rc = dsnx_report_recipient(r, 0);
	ck_assert_str_eq(rc->action, "failed");
	ck_assert_ptr_nonnull(rc->diagnostic);
	ck_assert_ptr_nonnull(strstr(rc->diagnostic, "mailbox"));
	ck_assert_int_eq(rc->reply, 552);
	dsnx_report_free(r);
}
END_TEST

START_TEST(test_nul_bytes)
{
	sbuf b = { NULL, 0, 0 };
	dsnx_report *r;
	const dsnx_recipient *rc;

	SB_LIT(&b,
	    "From: MAILER-DAEMON@mx.example.net\n"
	    "Subject: Undelivered\0Mail\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status;"
	    " boundary=\"nb\"\n"
	    "\n"
	    "--nb\nContent-Type: text/plain\n\nbody with a \0 NUL\n"
	    "--nb\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx\0.example.net\n\n"
	    "Final-Recipient: rfc822; nul@example.org\n"
	    "Action: failed\n"
	    "Status: 5.1.1\n"
	    "Diagnostic-Code: smtp; 550\0 5.1.1 no such user\n\n"
	    "--nb--\n");
	ck_assert(parse_flags(b.p, b.len, &deflim) & DSNX_MIME_NUL);
	r = read_ok(b.p, b.len);
	ck_assert(mime_errors_of(r) & DSNX_MIME_NUL);
	assert_one_recipient(r, "nul@example.org", "5.1.1");
	rc = dsnx_report_recipient(r, 0);
	/* NUL replaced, not a place where the string silently ends. */
	ck_assert_ptr_nonnull(rc->diagnostic);
	ck_assert_ptr_nonnull(strstr(rc->diagnostic, "no such user"));
	ck_assert_ptr_nonnull(strstr(rc->diagnostic, "\xef\xbf\xbd"));
	ck_assert_ptr_nonnull(dsnx_report_subject(r));
	ck_assert_ptr_nonnull(strstr(dsnx_report_subject(r), "Mail"));
	ck_assert_ptr_nonnull(dsnx_report_reporting_mta(r));
	ck_assert_ptr_nonnull(strstr(dsnx_report_reporting_mta(r),
	    "example.net"));
	dsnx_report_free(r);

	/* A NUL in a field name: not a field; parsing goes on. */
	b.len = 0;
	SB_LIT(&b, "From: a@example.net\nX-N\0l: v\nSubject: s\n\nbody\0\0\n");
	r = read_ok(b.p, b.len);
	ck_assert(mime_errors_of(r) & DSNX_MIME_NUL);
	ck_assert(!dsnx_report_is_dsn(r));
	dsnx_report_free(r);

	/* Nothing but NUL bytes. */
	b.len = 0;
	sb_fill(&b, '\0', 65536);
	r = read_ok(b.p, b.len);
	ck_assert(mime_errors_of(r) & DSNX_MIME_NUL);
	ck_assert(!dsnx_report_is_dsn(r));
	dsnx_report_free(r);
	sb_free(&b);
}
END_TEST

/* Overlong '/', lone continuation bytes, a surrogate, a code point past
 * U+10FFFF, a 5-byte form, a truncated sequence, bytes never valid. */
#define BAD_UTF8 "\xc0\xaf \x80\xbf \xed\xa0\x80 \xf4\x90\x80\x80 " \
	"\xf8\x88\x80\x80\x80 \xff\xfe \xe2\x82"

START_TEST(test_invalid_utf8_dsn)
{
	static const char msg[] =
	    DSN_HEAD
	    "Content-Type: multipart/report; report-type=delivery-status;"
	    " boundary=\"u8\"\n\n"
	    "--u8\nContent-Type: text/plain; charset=utf-8\n\n"
	    "Delivery failed: " BAD_UTF8 "\n"
	    "--u8\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.example.net" BAD_UTF8 "\n"
	    "X-Odd-Field" ": " BAD_UTF8 "\n\n"
	    "Final-Recipient: rfc822; ren\xe9@example.org\n"
	    "Action: failed\n"
	    "Status: 5.2.0 " BAD_UTF8 "\n"
	    "Remote-MTA: dns; mx.example.org" BAD_UTF8 "\n"
	    "Diagnostic-Code: smtp; 550 5.2.0 " BAD_UTF8 " mailbox unavailable\n"
	    "X-Extra: " BAD_UTF8 "\n\n"
	    "--u8--\n";
	dsnx_report *r = read_ok(msg, sizeof(msg) - 1);
	const dsnx_recipient *rc;

	ck_assert(dsnx_report_is_dsn(r));
	ck_assert_uint_eq(dsnx_report_recipient_count(r), 1);
	rc = dsnx_report_recipient(r, 0);
	ck_assert_ptr_nonnull(rc->recipient);
	ck_assert_ptr_nonnull(strstr(rc->recipient, "@example.org"));
	ck_assert_ptr_nonnull(rc->status);
	ck_assert_str_eq(rc->status, "5.2.0");
	ck_assert_ptr_nonnull(rc->diagnostic);
	ck_assert_ptr_nonnull(strstr(rc->diagnostic, "mailbox unavailable"));
	ck_assert_int_eq(rc->reply, 550);
	dsnx_report_free(r);
}
END_TEST

START_TEST(test_invalid_utf8_global)
{
	static const char msg[] =
	    DSN_HEAD
	    "Content-Type: multipart/report; report-type=global-delivery-status;"
	    " boundary=\"g\"\n\n"
	    "--g\nContent-Type: text/plain; charset=utf-8\n\nbounced\n"
	    "--g\nContent-Type: message/global-delivery-status\n"
	    "Content-Transfer-Encoding: 8bit\n\n"
	    "Reporting-MTA: dns; mx.example.net\n\n"
	    "Final-Recipient: utf-8; \xe7\x94\xa8\xe6\x88\xb7@example.org\n"
	    "Action: failed\n"
	    "Status: 5.1.1\n"
	    "Diagnostic-Code: smtp; 550 5.1.1 " BAD_UTF8 "\n\n"
	    "--g--\n";
	dsnx_report *r = read_ok(msg, sizeof(msg) - 1);

	/* Valid UTF-8 addresses stay as they are. */
	assert_one_recipient(r, "\xe7\x94\xa8\xe6\x88\xb7@example.org", "5.1.1");
	ck_assert_str_eq(dsnx_report_format(r), "rfc6533");
	dsnx_report_free(r);
}
END_TEST

START_TEST(test_invalid_utf8_nonstandard)
{
	/* No delivery-status part: the prose reader runs its patterns over
	 * text that claimed to be UTF-8 and is not. */
	static const char msg[] =
	    "From: MAILER-DAEMON@mx.example.net\n"
	    "Subject: failure notice " BAD_UTF8 "\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: 8bit\n"
	    "\n"
	    "Hi. This is the qmail-send program at mx.example.net.\n"
	    "I'm afraid I wasn't able to deliver your message to the following"
	    " addresses.\n"
	    "This is a permanent error; I've given up. Sorry it didn't work out.\n"
	    "\n"
	    "<gone@example.org>:\n"
	    "192.0.2.7 does not like recipient.\n"
	    "Remote host said: 550 5.1.1 " BAD_UTF8 " unknown user\n"
	    "Giving up on 192.0.2.7.\n"
	    "\n"
	    "--- Below this line is a copy of the message.\n"
	    "\n"
	    "Subject: " BAD_UTF8 "\n\n" BAD_UTF8 "\n";
	dsnx_report *r = read_ok(msg, sizeof(msg) - 1);
	const dsnx_recipient *rc;

	ck_assert(mime_errors_of(r) & DSNX_MIME_8BIT_HEADER);
	assert_one_recipient(r, "gone@example.org", "5.1.1");
	ck_assert_str_eq(dsnx_report_format(r), "qmail");
	rc = dsnx_report_recipient(r, 0);
	ck_assert_ptr_nonnull(rc->diagnostic);
	ck_assert_ptr_nonnull(strstr(rc->diagnostic, "unknown user"));
	dsnx_report_free(r);
}
END_TEST

START_TEST(test_invalid_utf8_headers)
{
	/* Raw bytes, and encoded words that decode to invalid UTF-8. */
	static const char msg[] =
	    "From: =?utf-8?B?//7A?= <MAILER-DAEMON@mx.example.net>\n"
	    "Subject: =?utf-8?Q?=C3=28_=ED=A0=80?= raw " BAD_UTF8 "\n"
	    " =?iso-8859-1?Q?caf=E9?= =?x-unknown?B?/w==?=\n"
	    "\n"
	    "hello\n";
	dsnx_report *r = read_ok(msg, sizeof(msg) - 1);

	ck_assert(mime_errors_of(r) & DSNX_MIME_8BIT_HEADER);
	ck_assert_ptr_nonnull(dsnx_report_subject(r));
	ck_assert_ptr_nonnull(strstr(dsnx_report_subject(r), "caf\xc3\xa9"));
	ck_assert_ptr_nonnull(dsnx_report_from(r));
	dsnx_report_free(r);
}
END_TEST

START_TEST(test_long_header_field)
{
	const size_t size = (size_t)1 << 20;
	sbuf b = { NULL, 0, 0 };
	dsnx_report *r;
	dsnx_mime *m = NULL;
	const char *v;
	size_t i;

	/* One 1 MB line, ahead of a good DSN. */
	sb_str(&b, "X-Big: ");
	sb_fill(&b, 'h', size);
	sb_str(&b, "\n");
	sb_add(&b, full_dsn, sizeof(full_dsn) - 1);
	ck_assert_int_eq(dsnx_mime_parse(b.p, b.len, NULL, &m), DSNX_OK);
	ck_assert(dsnx_mime_errors(m) & DSNX_MIME_LONG_HEADER);
	v = dsnx_part_header_get(m, dsnx_mime_root(m), "x-big", 0);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_ge(strlen(v), 1);
	ck_assert_uint_le(strlen(v), deflim.max_header_field);
	dsnx_mime_free(m);
	r = read_ok(b.p, b.len);
	ck_assert(mime_errors_of(r) & DSNX_MIME_LONG_HEADER);
	assert_one_recipient(r, "bob@example.org", "5.1.1");
	dsnx_report_free(r);

	/* A 1 MB Subject folded over 16,000 lines. */
	b.len = 0;
	sb_str(&b, "From: MAILER-DAEMON@mx.example.net\nSubject: Undelivered");
	for (i = 0; i < size / 64; i++)
		sb_str(&b, "\n\tfold fold fold fold fold fold fold fold fold fold"
		    " fold fold");
	sb_str(&b, "\n\nhello\n");
	r = read_ok(b.p, b.len);
	ck_assert(mime_errors_of(r) & DSNX_MIME_LONG_HEADER);
	ck_assert_ptr_nonnull(dsnx_report_subject(r));
	ck_assert_uint_le(strlen(dsnx_report_subject(r)),
	    deflim.max_header_field);
	dsnx_report_free(r);

	/* A 1 MB folded Diagnostic-Code inside the status part. */
	b.len = 0;
	sb_str(&b, DSN_HEAD "Content-Type: multipart/report; "
	    "report-type=delivery-status; boundary=\"b1\"\n\n"
	    "--b1\nContent-Type: message/delivery-status\n\n"
	    "Final-Recipient: rfc822; bob@example.org\n"
	    "Action: failed\nStatus: 5.1.1\n"
	    "Diagnostic-Code: smtp; 550 5.1.1 no");
	for (i = 0; i < size / 64; i++)
		sb_str(&b, "\n    long long long long long long long long long"
		    " long long");
	sb_str(&b, "\n\n--b1--\n");
	r = read_ok(b.p, b.len);
	assert_one_recipient(r, "bob@example.org", "5.1.1");
	ck_assert_ptr_nonnull(dsnx_report_recipient(r, 0)->diagnostic);
	ck_assert_uint_le(strlen(dsnx_report_recipient(r, 0)->diagnostic),
	    deflim.max_header_field + 1);
	dsnx_report_free(r);
	sb_free(&b);
}
END_TEST

START_TEST(test_many_header_fields)
{
	sbuf b = { NULL, 0, 0 };
	dsnx_report *r;
	const dsnx_mime *m;
	unsigned i;

	/* 20,000 fields in an ordinary message. */
	sb_str(&b, "From: someone@example.net\nSubject: hi\n");
	for (i = 0; i < 20000; i++)
		sb_printf(&b, "X-Filler-%05u: %u\n", i, i);
	sb_str(&b, "\nJust a note.\n");
	ck_assert(parse_flags(b.p, b.len, &deflim) & DSNX_MIME_MANY_HEADERS);
	r = read_ok(b.p, b.len);
	m = dsnx_report_mime(r);
	ck_assert(dsnx_mime_errors(m) & DSNX_MIME_MANY_HEADERS);
	ck_assert_uint_le(dsnx_part_header_count(dsnx_mime_root(m)),
	    deflim.max_header_fields);
	ck_assert_uint_ge(dsnx_part_header_count(dsnx_mime_root(m)), 2);
	ck_assert(!dsnx_report_is_dsn(r));
	ck_assert_uint_eq(dsnx_report_recipient_count(r), 0);
	ck_assert_str_eq(dsnx_report_subject(r), "hi");
	dsnx_report_free(r);

	/* 20,000 fields ahead of a DSN's parts: whatever is found, safely. */
	b.len = 0;
	sb_str(&b, DSN_HEAD "Content-Type: multipart/report; "
	    "report-type=delivery-status; boundary=\"b1\"\n");
	for (i = 0; i < 20000; i++)
		sb_printf(&b, "X-Filler-%05u: %u\n", i, i);
	sb_str(&b, "\n" DSN_PARTS("b1"));
	r = read_ok(b.p, b.len);
	ck_assert(mime_errors_of(r) & DSNX_MIME_MANY_HEADERS);
	dsnx_report_free(r);

	/* 9,000 fields: under the limit, the DSN reads normally. */
	b.len = 0;
	sb_str(&b, DSN_HEAD "Content-Type: multipart/report; "
	    "report-type=delivery-status; boundary=\"b1\"\n");
	for (i = 0; i < 9000; i++)
		sb_printf(&b, "X-Filler-%05u: %u\n", i, i);
	sb_str(&b, "\n" DSN_PARTS("b1"));
	r = read_ok(b.p, b.len);
	ck_assert(!(mime_errors_of(r) & DSNX_MIME_MANY_HEADERS));
	assert_one_recipient(r, "bob@example.org", "5.1.1");
	dsnx_report_free(r);
	sb_free(&b);
}
END_TEST

START_TEST(test_many_parts)
{
	sbuf b = { NULL, 0, 0 };
	dsnx_report *r;
	unsigned i;

	/* The status part first, then 5,000 siblings. */
	sb_str(&b, DSN_HEAD "Content-Type: multipart/report; "
	    "report-type=delivery-status; boundary=\"s\"\n\n"
	    "--s\nContent-Type: text/plain\n\nfailed\n"
	    "--s\nContent-Type: message/delivery-status\n\n"
	    "Final-Recipient: rfc822; many@example.org\n"
	    "Action: failed\nStatus: 5.1.1\n\n");
	for (i = 0; i < 5000; i++)
		sb_printf(&b, "--s\nContent-Type: text/plain\n\npart %u\n", i);
	sb_str(&b, "--s--\n");
	ck_assert(parse_flags(b.p, b.len, &deflim) & DSNX_MIME_PARTS);
	r = read_ok(b.p, b.len);
	ck_assert(mime_errors_of(r) & DSNX_MIME_PARTS);
	ck_assert_uint_le(dsnx_mime_part_count(dsnx_report_mime(r)),
	    deflim.max_parts);
	assert_one_recipient(r, "many@example.org", "5.1.1");
	dsnx_report_free(r);

	/* 5,000 parts, the status part last (beyond the limit). */
	b.len = 0;
	sb_str(&b, DSN_HEAD "Content-Type: multipart/report; "
	    "report-type=delivery-status; boundary=\"s\"\n\n");
	for (i = 0; i < 5000; i++)
		sb_str(&b, "--s\n\nx\n");
	sb_str(&b, "--s\nContent-Type: message/delivery-status\n\n"
	    "Final-Recipient: rfc822; last@example.org\n"
	    "Action: failed\nStatus: 5.1.1\n\n--s--\n");
	r = read_ok(b.p, b.len);
	ck_assert(mime_errors_of(r) & DSNX_MIME_PARTS);
	ck_assert_uint_le(dsnx_mime_part_count(dsnx_report_mime(r)),
	    deflim.max_parts);
	ck_assert_ptr_null(dsnx_report_status_part(r));
	dsnx_report_free(r);
	sb_free(&b);
}
END_TEST

/* Empty parts: two delimiter lines in a row.  Spans must stay ordered. */
START_TEST(test_empty_parts)
{
	static const char one[] =
	    "Content-Type: multipart/mixed; boundary=s\n\n--s\n--s\n\nx\n--s--\n";
	sbuf b = { NULL, 0, 0 };
	dsnx_report *r;
	unsigned i;

	ck_assert_uint_eq(parse_flags(one, sizeof(one) - 1, &deflim), 0);

	sb_str(&b, DSN_HEAD "Content-Type: multipart/report; "
	    "report-type=delivery-status; boundary=\"s\"\n\n");
	for (i = 0; i < 5000; i++)
		sb_str(&b, "--s\n");
	sb_str(&b, "--s--\n");
	ck_assert(parse_flags(b.p, b.len, &deflim) & DSNX_MIME_PARTS);
	r = read_ok(b.p, b.len);
	ck_assert(!dsnx_report_is_dsn(r));
	dsnx_report_free(r);
	sb_free(&b);
}
END_TEST

START_TEST(test_many_recipients)
{
	sbuf b = { NULL, 0, 0 };
	dsnx_report *r;
	unsigned i;

	sb_str(&b, DSN_HEAD "Content-Type: multipart/report; "
	    "report-type=delivery-status; boundary=\"r\"\n\n"
	    "--r\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.example.net\n");
	for (i = 0; i < 5000; i++)
		sb_printf(&b, "\nFinal-Recipient: rfc822; u%u@example.org\n"
		    "Action: failed\nStatus: 5.1.1\n", i);
	sb_str(&b, "\n--r--\n");
	r = read_ok(b.p, b.len);
	ck_assert(dsnx_report_is_dsn(r));
	ck_assert(dsnx_report_flags(r) & DSNX_REPORT_TRUNCATED);
	ck_assert_uint_eq(dsnx_report_recipient_count(r),
	    deflim.max_recipients);
	ck_assert_str_eq(dsnx_report_recipient(r, 0)->recipient,
	    "u0@example.org");
	ck_assert_str_eq(dsnx_report_recipient(r, 999)->recipient,
	    "u999@example.org");
	dsnx_report_free(r);
	sb_free(&b);
}
END_TEST

START_TEST(test_empty_input)
{
	static const char *const tiny[] = { "", "\n", "\r\n\r\n", "\r", ":",
	    "--\n", "From \n" };
	dsnx_report *r;
	dsnx_mime *m = NULL;
	size_t i;

	r = read_ok("", 0);
	ck_assert(!dsnx_report_is_dsn(r));
	ck_assert_uint_eq(dsnx_report_recipient_count(r), 0);
	ck_assert_ptr_null(dsnx_report_format(r));
	ck_assert_ptr_null(dsnx_report_subject(r));
	ck_assert_ptr_null(dsnx_report_status_part(r));
	ck_assert_ptr_null(dsnx_report_recipient(r, 0));
	ck_assert_uint_eq(mime_errors_of(r), 0);
	ck_assert_uint_eq(dsnx_mime_part_count(dsnx_report_mime(r)), 1);
	dsnx_report_free(r);

	/* NULL with length 0 is an empty message, not an error. */
	r = read_ok(NULL, 0);
	ck_assert(!dsnx_report_is_dsn(r));
	dsnx_report_free(r);
	ck_assert_int_eq(dsnx_mime_parse(NULL, 0, NULL, &m), DSNX_OK);
	ck_assert_uint_eq(dsnx_mime_errors(m), 0);
	dsnx_mime_free(m);

	for (i = 0; i < sizeof(tiny) / sizeof(tiny[0]); i++) {
		r = read_ok(tiny[i], strlen(tiny[i]));
		ck_assert(!dsnx_report_is_dsn(r));
		dsnx_report_free(r);
	}
}
END_TEST

START_TEST(test_bad_arguments)
{
	dsnx_report *r = (dsnx_report *)&r;
	dsnx_mime *m = (dsnx_mime *)&m;

	ck_assert_int_eq(dsnx_report_read(NULL, "x", 1, &r), DSNX_EINVAL);
	ck_assert_int_eq(dsnx_report_read(ctx, "x", 1, NULL), DSNX_EINVAL);
	ck_assert_int_eq(dsnx_report_read(ctx, NULL, 5, &r), DSNX_EINVAL);
	ck_assert_int_eq(dsnx_mime_parse(NULL, 5, NULL, &m), DSNX_EINVAL);
	ck_assert_int_eq(dsnx_mime_parse("x", 1, NULL, NULL), DSNX_EINVAL);
	ck_assert_int_eq(dsnx_context_new(NULL, NULL, NULL), DSNX_EINVAL);
	dsnx_report_free(NULL);
	dsnx_mime_free(NULL);
	dsnx_context_free(NULL);
}
END_TEST

START_TEST(test_over_max_message)
{
	dsnx_limits lim = deflim;
	dsnx_context *small = NULL;
	dsnx_report *r = NULL;
	dsnx_mime *m = NULL;
	sbuf b = { NULL, 0, 0 };

	lim.max_message = 1024;
	ck_assert_int_eq(dsnx_context_new(&lim, &small, NULL), DSNX_OK);
	ck_assert_uint_eq(dsnx_context_limits(small)->max_message, 1024);
	sb_add(&b, full_dsn, sizeof(full_dsn) - 1);
	ck_assert_uint_lt(b.len, 1024);
	sb_fill(&b, '\n', 1024 - b.len);

	/* Exactly at the limit: read. */
	r = read_with(small, b.p, b.len);
	assert_one_recipient(r, "bob@example.org", "5.1.1");
	dsnx_report_free(r);

	/* One byte over: refused, with nothing to free. */
	sb_str(&b, "\n");
	r = (dsnx_report *)&r;
	ck_assert_int_eq(dsnx_report_read(small, b.p, b.len, &r), DSNX_ELIMIT);
	ck_assert_ptr_null(r);
	ck_assert_int_eq(dsnx_mime_parse(b.p, b.len, &lim, &m), DSNX_ELIMIT);
	ck_assert_ptr_null(m);
	ck_assert_str_eq(dsnx_strstatus(DSNX_ELIMIT), "limit exceeded");
	dsnx_context_free(small);
	sb_free(&b);
}
END_TEST

static void
boundary_message(sbuf *b, size_t blen)
{
	char *bd = malloc(blen + 1);

	ck_assert_ptr_nonnull(bd);
	memset(bd, 'q', blen);
	bd[blen] = '\0';
	b->len = 0;
	sb_printf(b, DSN_HEAD "Content-Type: multipart/report; "
	    "report-type=delivery-status;\n boundary=\"%s\"\n\n"
	    "--%s\nContent-Type: text/plain\n\nfailed\n"
	    "--%s\nContent-Type: message/delivery-status\n\n"
	    "Final-Recipient: rfc822; bnd@example.org\n"
	    "Action: failed\nStatus: 5.1.1\n\n--%s--\n", bd, bd, bd, bd);
	free(bd);
}

START_TEST(test_long_boundary)
{
	sbuf b = { NULL, 0, 0 };
	dsnx_report *r;
	dsnx_limits lim = deflim;
	unsigned flags;

	/* At the limit: fine. */
	boundary_message(&b, deflim.max_boundary);
	r = read_ok(b.p, b.len);
	ck_assert(!(mime_errors_of(r) & DSNX_MIME_LONG_BOUNDARY));
	assert_one_recipient(r, "bnd@example.org", "5.1.1");
	dsnx_report_free(r);

	/* One over. */
	boundary_message(&b, deflim.max_boundary + 1);
	flags = parse_flags(b.p, b.len, &deflim);
	ck_assert(flags & DSNX_MIME_LONG_BOUNDARY);
	r = read_ok(b.p, b.len);
	ck_assert(mime_errors_of(r) & DSNX_MIME_LONG_BOUNDARY);
	ck_assert_uint_eq(dsnx_mime_part_count(dsnx_report_mime(r)), 1);
	ck_assert_ptr_null(dsnx_report_status_part(r));
	dsnx_report_free(r);

	/* Far over: 100,000 characters. */
	boundary_message(&b, 100000);
	ck_assert(parse_flags(b.p, b.len, &deflim) & DSNX_MIME_LONG_BOUNDARY);

	/* A small custom limit. */
	lim.max_boundary = 10;
	boundary_message(&b, 11);
	ck_assert(parse_flags(b.p, b.len, &lim) & DSNX_MIME_LONG_BOUNDARY);
	boundary_message(&b, 10);
	ck_assert(!(parse_flags(b.p, b.len, &lim) & DSNX_MIME_LONG_BOUNDARY));
	sb_free(&b);
}
END_TEST

static Suite *
hostile_suite(void)
{
	Suite *s = suite_create("hostile");
	TCase *small = tcase_create("small");
	TCase *big = tcase_create("big");

	tcase_add_checked_fixture(small, setup, teardown);
	tcase_set_timeout(small, BIG_TIMEOUT);
	tcase_add_test(small, test_sane_baseline);
	tcase_add_test(small, test_truncated_mid_part);
	tcase_add_test(small, test_truncated_every_prefix);
	tcase_add_test(small, test_missing_boundary);
	tcase_add_test(small, test_wrong_boundary);
	tcase_add_test(small, test_invalid_base64);
	tcase_add_test(small, test_report_flags_follow_mime);
	tcase_add_test(small, test_invalid_qp);
	tcase_add_test(small, test_nul_bytes);
	tcase_add_test(small, test_invalid_utf8_dsn);
	tcase_add_test(small, test_invalid_utf8_global);
	tcase_add_test(small, test_invalid_utf8_nonstandard);
	tcase_add_test(small, test_invalid_utf8_headers);
	tcase_add_test(small, test_empty_input);
	tcase_add_test(small, test_bad_arguments);
	tcase_add_test(small, test_over_max_message);
	tcase_add_test(small, test_long_boundary);
	suite_add_tcase(s, small);

	tcase_add_checked_fixture(big, setup, teardown);
	tcase_set_timeout(big, BIG_TIMEOUT);
	tcase_add_test(big, test_deep_nesting_multipart);
	tcase_add_test(big, test_deep_nesting_same_boundary);
	tcase_add_test(big, test_deep_nesting_message);
	tcase_add_test(big, test_huge_line);
	tcase_add_test(big, test_huge_address);
	tcase_add_test(big, test_long_header_field);
	tcase_add_test(big, test_many_header_fields);
	tcase_add_test(big, test_many_parts);
	tcase_add_test(big, test_empty_parts);
	tcase_add_test(big, test_many_recipients);
	suite_add_tcase(s, big);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(hostile_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
