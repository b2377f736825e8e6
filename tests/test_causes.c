/*
 * test_causes - the shipped rule set against the real-world causes of
 * deferrals and expiries
 *
 * Reads TESTDATA_DIR/causes.jsonl: one JSON object a line, one or more
 * lines for each item of section 7 of shared/notes/reference-facts.md
 * (items 1 to 60):
 *
 *	{"item": 7, "action": "delayed", "status": "4.4.3",
 *	 "diagnostic": "Host or domain name not found. ...",
 *	 "diagnostic_type": "X-Postfix",	(optional, default "smtp")
 *	 "remote_mta": "mx.example.org",	(optional)
 *	 "text": "human-readable part",		(optional)
 *	 "subject": "bounce Subject",		(optional)
 *	 "note": "for people",			(optional)
 *	 "cause": "dns-tempfail", "outcome": "delayed"}
 *
 * A line without "diagnostic" gets no Diagnostic-Code field (a Sendmail
 * return whose cause is only in the transcript).  For every line the test
 * builds an RFC 3464 multipart/report message in memory (From
 * MAILER-DAEMON, a text/plain human part, a message/delivery-status part
 * with Reporting-MTA, Final-Recipient, Action, Status, Remote-MTA and
 * Diagnostic-Code, long fields folded at white space), reads it with
 * dsnx_report_read(), classifies recipient 0 with the whole rule set
 * (RULES_DIR, or $DSNX_RULES_DIR) and compares the cause and the outcome
 * with the line's.  Every mismatch is printed with the item, the
 * diagnostic, expected and actual values and the rule that won, then
 *
 *	causes: N of M right
 *
 * and the test fails if any line is wrong.  A second test checks that the
 * data covers every item from 1 to 60 and names only catalogue causes.
 *
 * With $DSNX_CAUSES_DUMP set to a directory, every message built is also
 * written there as line-N.eml (N the line of causes.jsonl), for
 * "dsnexplain explain --rules rules DIR/line-N.eml".
 */
#include "config.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dsnexplain.h"
#include "classify_at.h"

#define FIRST_ITEM 1
#define LAST_ITEM 60
#define FOLD_WIDTH 76

static dsnx_ruleset *rules;
static dsnx_context *ctx;

/* ------------------------------------------------------------ message */

/* A growable string; aborts the test on allocation failure. */
typedef struct sbuf {
	char *s;
	size_t len;
	size_t cap;
} sbuf;

static void
sb_add(sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;

		while (b->len + n + 1 > cap)
			cap *= 2;
		b->s = realloc(b->s, cap);
		ck_assert_ptr_nonnull(b->s);
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
sb_puts(sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void sb_printf(sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
sb_printf(sbuf *b, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	ck_assert(n >= 0 && (size_t)n < sizeof(tmp));
	sb_add(b, tmp, (size_t)n);
}

/*
 * Appends "name: value" as a header field, folded (RFC 5322 2.2.3): a
 * CRLF goes in before a space where the line would pass FOLD_WIDTH, so
 * the continuation line starts with that space and unfolding gives the
 * value back unchanged.  A run without spaces longer than the width
 * stays on one line.
 */
static void
sb_field(sbuf *b, const char *name, const char *value)
{
	size_t col = strlen(name) + 2;
	const char *p = value;

	sb_puts(b, name);
	sb_puts(b, ": ");
	while (*p != '\0') {
		/* The next word: spaces before it, then non-spaces. */
		const char *w = p;
		size_t n;

		while (*w == ' ')
			w++;
		while (*w != '\0' && *w != ' ')
			w++;
		n = (size_t)(w - p);
		if (p != value && *p == ' ' && col + n > FOLD_WIDTH) {
			sb_puts(b, "\r\n");
			col = 0;
		}
		sb_add(b, p, n);
		col += n;
		p = w;
	}
	sb_puts(b, "\r\n");
}

/* Appends text with every line end made CRLF. */
static void
sb_body(sbuf *b, const char *text)
{
	const char *p = text;

	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		if (n > 0 && p[n - 1] == '\r')
			n--;
		sb_add(b, p, n);
		sb_puts(b, "\r\n");
		p = nl ? nl + 1 : p + strlen(p);
	}
}

static const char *
str_member(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Builds the bounce for one data line into b. */
static void
build_message(sbuf *b, json_t *line)
{
	static const char boundary[] = "=_dsnx-causes-0123456789";
	const char *action = str_member(line, "action");
	const char *status = str_member(line, "status");
	const char *diag = str_member(line, "diagnostic");
	const char *dtype = str_member(line, "diagnostic_type");
	const char *remote = str_member(line, "remote_mta");
	const char *text = str_member(line, "text");
	const char *subject = str_member(line, "subject");
	int delayed = action != NULL && strcmp(action, "delayed") == 0;

	if (subject == NULL)
		subject = delayed ? "Delayed Mail (still being retried)"
		    : "Undelivered Mail Returned to Sender";
	if (text == NULL)
		text = "This is the mail system at host mail.example.net.\n\n"
		    "This report concerns a message you sent. The details are\n"
		    "in the delivery status report below.\n";

	sb_puts(b, "Return-Path: <>\r\n");
	sb_puts(b, "Date: Mon, 10 Jun 2024 09:30:00 +0000\r\n");
	sb_puts(b, "From: MAILER-DAEMON@mail.example.net (Mail Delivery System)\r\n");
	sb_puts(b, "To: sender@example.net\r\n");
	sb_field(b, "Subject", subject);
	sb_puts(b, "Message-ID: <20240610093000.4F1A2C0123@mail.example.net>\r\n");
	sb_puts(b, "MIME-Version: 1.0\r\n");
	sb_printf(b, "Content-Type: multipart/report; report-type=delivery-status;\r\n"
	    "\tboundary=\"%s\"\r\n", boundary);
	sb_puts(b, "\r\nThis is a MIME-encapsulated message.\r\n\r\n");

	sb_printf(b, "--%s\r\n", boundary);
	sb_puts(b, "Content-Description: Notification\r\n");
	sb_puts(b, "Content-Type: text/plain; charset=utf-8\r\n");
	sb_puts(b, "Content-Transfer-Encoding: 8bit\r\n\r\n");
	sb_body(b, text);
	sb_puts(b, "\r\n");

	sb_printf(b, "--%s\r\n", boundary);
	sb_puts(b, "Content-Description: Delivery report\r\n");
	sb_puts(b, "Content-Type: message/delivery-status\r\n\r\n");
	sb_puts(b, "Reporting-MTA: dns; mail.example.net\r\n");
	sb_puts(b, "Arrival-Date: Mon, 3 Jun 2024 08:12:01 +0000\r\n\r\n");
	sb_puts(b, "Final-Recipient: rfc822; rcpt@example.org\r\n");
	sb_puts(b, "Original-Recipient: rfc822;rcpt@example.org\r\n");
	sb_printf(b, "Action: %s\r\n", action);
	sb_printf(b, "Status: %s\r\n", status);
	if (remote != NULL)
		sb_printf(b, "Remote-MTA: dns; %s\r\n", remote);
	if (diag != NULL) {
		sbuf v = {0};

		sb_printf(&v, "%s; ", dtype ? dtype : "smtp");
		sb_puts(&v, diag);
		sb_field(b, "Diagnostic-Code", v.s);
		free(v.s);
	}
	sb_puts(b, "Last-Attempt-Date: Mon, 10 Jun 2024 09:29:58 +0000\r\n");
	if (delayed)
		sb_puts(b, "Will-Retry-Until: Sat, 8 Jun 2024 08:12:01 +0000\r\n");
	sb_puts(b, "\r\n");

	sb_printf(b, "--%s\r\n", boundary);
	sb_puts(b, "Content-Description: Undelivered Message Headers\r\n");
	sb_puts(b, "Content-Type: text/rfc822-headers\r\n\r\n");
	sb_puts(b, "From: Sender <sender@example.net>\r\n");
	sb_puts(b, "To: rcpt@example.org\r\n");
	sb_puts(b, "Subject: Quarterly report\r\n");
	sb_puts(b, "Message-ID: <20240603081201.ABC123@example.net>\r\n");
	sb_puts(b, "Date: Mon, 3 Jun 2024 08:12:00 +0000\r\n\r\n");
	sb_printf(b, "--%s--\r\n", boundary);
}

/* Writes the message to $DSNX_CAUSES_DUMP/line-N.eml when that is set. */
static void
dump_message(const sbuf *b, int line)
{
	const char *dir = getenv("DSNX_CAUSES_DUMP");
	char path[1024];
	FILE *f;

	if (dir == NULL || *dir == '\0')
		return;
	snprintf(path, sizeof(path), "%s/line-%d.eml", dir, line);
	f = fopen(path, "wb");
	ck_assert_msg(f != NULL, "cannot write %s", path);
	ck_assert_uint_eq(fwrite(b->s, 1, b->len, f), b->len);
	ck_assert_int_eq(fclose(f), 0);
}

/* ---------------------------------------------------------------- data */

/* Loads causes.jsonl as an array of objects; fails the test on errors. */
static json_t *
load_lines(void)
{
	char path[1024];
	char line[65536];
	json_t *all = json_array();
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "%s/causes.jsonl", TESTDATA_DIR);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		json_error_t err;
		json_t *o;

		n++;
		ck_assert_msg(strchr(line, '\n') != NULL || feof(f),
		    "%s:%d: line too long", path, n);
		if (line[strspn(line, " \t\r\n")] == '\0')
			continue;
		o = json_loads(line, 0, &err);
		ck_assert_msg(o != NULL, "%s:%d:%d: %s", path, n, err.column,
		    err.text);
		ck_assert_msg(json_is_object(o), "%s:%d: not an object", path, n);
		ck_assert_msg(json_is_integer(json_object_get(o, "item")),
		    "%s:%d: no item number", path, n);
		ck_assert_msg(str_member(o, "action") && str_member(o, "status")
		    && str_member(o, "cause") && str_member(o, "outcome"),
		    "%s:%d: action, status, cause and outcome are required",
		    path, n);
		json_object_set_new(o, "line", json_integer(n));
		json_array_append_new(all, o);
	}
	fclose(f);
	ck_assert_msg(json_array_size(all) > 0, "%s: no data", path);
	return all;
}

static const char *
or_none(const char *s)
{
	return s ? s : "(none)";
}

/* ---------------------------------------------------------------- tests */

START_TEST(test_every_cause)
{
	json_t *all = load_lines();
	unsigned right = 0, total = 0;
	json_t *o;
	size_t i;

	json_array_foreach(all, i, o) {
		const char *want_cause = str_member(o, "cause");
		const char *want_outcome = str_member(o, "outcome");
		dsnx_report *report = NULL;
		dsnx_verdict v;
		sbuf msg = {0};
		int cause_ok, outcome_ok;

		build_message(&msg, o);
		dump_message(&msg,
		    (int)json_integer_value(json_object_get(o, "line")));
		ck_assert_int_eq(dsnx_report_read(ctx, msg.s, msg.len, &report),
		    DSNX_OK);
		ck_assert_msg(dsnx_report_is_dsn(report),
		    "line %d: the built message is no DSN",
		    (int)json_integer_value(json_object_get(o, "line")));
		ck_assert_uint_eq(dsnx_report_recipient_count(report), 1);
		ck_assert_int_eq(classify_at(rules, report, 0, &v), DSNX_OK);

		total++;
		cause_ok = v.cause != NULL && strcmp(v.cause, want_cause) == 0;
		outcome_ok = dsnx_outcome_name(v.outcome) != NULL
		    && strcmp(dsnx_outcome_name(v.outcome), want_outcome) == 0;
		if (cause_ok && outcome_ok) {
			right++;
		} else {
			const dsnx_recipient *r = dsnx_report_recipient(report, 0);

			printf("item %d (line %d): %s %s: %s\n",
			    (int)json_integer_value(json_object_get(o, "item")),
			    (int)json_integer_value(json_object_get(o, "line")),
			    str_member(o, "action"), str_member(o, "status"),
			    or_none(r->diagnostic));
			if (!cause_ok)
				printf("    cause: expected %s, got %s (rule %s)\n",
				    want_cause, or_none(v.cause), or_none(v.rule));
			if (!outcome_ok)
				printf("    outcome: expected %s, got %s (outcome rule %s)\n",
				    want_outcome, or_none(dsnx_outcome_name(v.outcome)),
				    or_none(v.outcome_rule));
		}
		dsnx_report_free(report);
		free(msg.s);
	}
	printf("causes: %u of %u right\n", right, total);
	fflush(stdout);
	json_decref(all);
	ck_assert_msg(right == total, "%u of %u lines classified wrongly",
	    total - right, total);
}
END_TEST

START_TEST(test_data_covers_every_item)
{
	json_t *all = load_lines();
	unsigned char seen[LAST_ITEM + 1] = {0};
	json_t *o;
	size_t i;
	int item;

	json_array_foreach(all, i, o) {
		const char *cause = str_member(o, "cause");
		const char *outcome = str_member(o, "outcome");
		dsnx_cause_text t;

		item = (int)json_integer_value(json_object_get(o, "item"));
		ck_assert_msg(item >= FIRST_ITEM && item <= LAST_ITEM,
		    "item %d is outside %d..%d", item, FIRST_ITEM, LAST_ITEM);
		seen[item] = 1;
		ck_assert_msg(dsnx_cause_text_get(rules, cause, "en", &t) == 0,
		    "item %d: %s is no cause of the catalogue", item, cause);
		ck_assert_msg(strcmp(outcome, "delayed") == 0
		    || strcmp(outcome, "expired") == 0
		    || strcmp(outcome, "failed") == 0,
		    "item %d: bad outcome %s", item, outcome);
	}
	for (item = FIRST_ITEM; item <= LAST_ITEM; item++)
		ck_assert_msg(seen[item], "no line for item %d", item);
	json_decref(all);
}
END_TEST

static Suite *
causes_suite(void)
{
	Suite *s = suite_create("causes");
	TCase *tc = tcase_create("causes");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_data_covers_every_item);
	tcase_add_test(tc, test_every_cause);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	const char *dir = getenv("DSNX_RULES_DIR");
	dsnx_error_t err;
	dsnx_status st;
	SRunner *sr;
	int failed;

	if (dir == NULL || *dir == '\0')
		dir = RULES_DIR;
	st = dsnx_ruleset_load(dir, NULL, NULL, NULL, &rules);
	if (st != DSNX_OK) {
		fprintf(stderr, "test_causes: cannot load the rules in %s: %s\n",
		    dir, dsnx_strstatus(st));
		return EXIT_FAILURE;
	}
	if (dsnx_context_new(NULL, &ctx, &err) != DSNX_OK) {
		fprintf(stderr, "test_causes: no context: %s\n", err.text);
		dsnx_ruleset_unref(rules);
		return EXIT_FAILURE;
	}

	sr = srunner_create(causes_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);

	dsnx_context_free(ctx);
	dsnx_ruleset_unref(rules);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
