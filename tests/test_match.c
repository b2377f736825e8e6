/*
 * test_match - matching semantics of lib/match.c through dsnx_classify
 *
 * Small rule sets are written to a mkdtemp() directory and loaded; small
 * DSNs are built in memory (multipart/report with a delivery-status part,
 * or a qmail-style bounce for the non-standard case), read with
 * dsnx_report_read and classified.  Covered: status, reply, action,
 * outcome and format conditions; every text field; unless; priority
 * order and ties; outcome rules; reasons keyed by outcome; severity; no
 * match; the trace of dsnx_classify_message; dsnx_outcome_of.  The literal
 * extraction behind the prefilter has its own test, test_literals.
 *
 * None of this uses the shipped rules in rules/.
 */
#include "config.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dsnexplain.h"
#include "classify_at.h"
#include "rule_dir.h"
#include "rules.h"

/* ------------------------------------------------------------ fixture */

static char tmp[512];
static dsnx_context *ctx;
static dsnx_ruleset *set;

static void
setup(void)
{
	rule_dir_make(tmp, sizeof(tmp), "match");
	ck_assert_int_eq(dsnx_context_new(NULL, &ctx, NULL), DSNX_OK);
	set = NULL;
}

static void
teardown(void)
{
	dsnx_ruleset_unref(set);
	set = NULL;
	dsnx_context_free(ctx);
	ctx = NULL;
	rule_dir_remove(tmp);
}

static void
put(const char *name, const char *text)
{
	rule_dir_put(tmp, name, text);
}

static void
print_error(const dsnx_error_t *err, void *arg)
{
	(void)arg;
	fprintf(stderr, "%s:%d:%d: %s\n", err->source, err->line, err->column,
	    err->text);
}

static const char causes_json[] =
    "{\"causes\": {\n"
    "  \"c-one\": {\"who\": \"sender\", \"text\": {\"en\": {\"title\": \"One\",\n"
    "    \"summary\": \"S\", \"sender\": \"X\", \"admin\": [\"A\"]}}},\n"
    "  \"c-two\": {\"who\": \"recipient-side\", \"text\": {\"en\": {\"title\": \"Two\",\n"
    "    \"summary\": \"S\", \"sender\": \"X\", \"admin\": [\"A\"]}}},\n"
    "  \"c-three\": {\"who\": \"our-admin\", \"text\": {\"en\": {\"title\": \"Three\",\n"
    "    \"summary\": \"S\", \"sender\": \"X\", \"admin\": [\"A\"]}}}\n"
    "}}\n";

/* Loads the catalogue plus the rule files given as name, text pairs
 * (NULL-terminated) into set. */
static void
load_files(const char *name, ...)
{
	va_list ap;
	dsnx_status st;

	put("00-causes.json", causes_json);
	va_start(ap, name);
	while (name != NULL) {
		put(name, va_arg(ap, const char *));
		name = va_arg(ap, const char *);
	}
	va_end(ap);
	st = dsnx_ruleset_load(tmp, NULL, print_error, NULL, &set);
	ck_assert_msg(st == DSNX_OK, "rule set did not load: %s",
	    dsnx_strstatus(st));
}

/* One rule file holding the rules (comma-separated JSON objects). */
static void
load_rules(const char *rules)
{
	char *text;
	size_t n = strlen(rules) + 64;

	ck_assert_ptr_nonnull(text = malloc(n));
	snprintf(text, n, "{\"rules\": [\n%s\n]}\n", rules);
	load_files("10-test.json", text, (const char *)NULL);
	free(text);
}

/* A cause rule; when, reason are JSON text, ex one match example. */
#define RULE(id, prio, when, reason, cause, ex) \
	"{\"id\": \"" id "\", \"priority\": " #prio ", \"when\": " when ", " \
	"\"reason\": " reason ", \"cause\": \"" cause "\", " \
	"\"examples\": {\"match\": [" ex "]}}"

/* ------------------------------------------------------------- messages */

typedef struct msg {
	const char *subject;        /* NULL: a default */
	const char *from;           /* NULL: a default */
	const char *headers;        /* extra header lines, each ending "\r\n" */
	const char *human;          /* text/plain part; NULL: none */
	const char *reporting_mta;  /* NULL: none */
	const char *action;         /* NULL: no Action field */
	const char *status;         /* NULL: no Status field */
	const char *remote_mta;     /* NULL: none */
	const char *diagnostic;     /* NULL: none */
} msg;

/* A multipart/report DSN for one recipient; free() the result. */
static char *
build_dsn(const msg *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "From: %s\r\n", m->from ? m->from
	    : "Mail Delivery System <MAILER-DAEMON@mx.example.net>");
	fprintf(fp, "To: sender@example.com\r\n");
	fprintf(fp, "Subject: %s\r\n", m->subject ? m->subject
	    : "Undelivered Mail Returned to Sender");
	fprintf(fp, "%sMIME-Version: 1.0\r\n", m->headers ? m->headers : "");
	fprintf(fp, "Content-Type: multipart/report; report-type=delivery-status;\r\n"
	    "\tboundary=\"=_BND_=\"\r\n\r\n");
	fprintf(fp, "This is a MIME-encapsulated message.\r\n\r\n");
	if (m->human != NULL)
		fprintf(fp, "--=_BND_=\r\nContent-Type: text/plain; charset=utf-8\r\n"
		    "\r\n%s\r\n\r\n", m->human);
	fprintf(fp, "--=_BND_=\r\nContent-Type: message/delivery-status\r\n\r\n");
	if (m->reporting_mta != NULL)
		fprintf(fp, "Reporting-MTA: dns; %s\r\n", m->reporting_mta);
	fprintf(fp, "Arrival-Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\n");
	fprintf(fp, "Final-Recipient: rfc822; bob@example.org\r\n");
	if (m->action != NULL)
		fprintf(fp, "Action: %s\r\n", m->action);
	if (m->status != NULL)
		fprintf(fp, "Status: %s\r\n", m->status);
	if (m->remote_mta != NULL)
		fprintf(fp, "Remote-MTA: dns; %s\r\n", m->remote_mta);
	if (m->diagnostic != NULL)
		fprintf(fp, "Diagnostic-Code: smtp; %s\r\n", m->diagnostic);
	fprintf(fp, "\r\n--=_BND_=\r\nContent-Type: text/rfc822-headers\r\n\r\n"
	    "From: sender@example.com\r\nTo: bob@example.org\r\n"
	    "Subject: hello\r\n\r\n--=_BND_=--\r\n");
	ck_assert_int_eq(fclose(fp), 0);
	return buf;
}

/* Reads text and classifies recipient 0; the verdict's strings belong
 * to the rule set, so the report can go. */
static dsnx_verdict
classify_text(const char *text)
{
	dsnx_report *r = NULL;
	dsnx_verdict v;

	ck_assert_int_eq(dsnx_report_read(ctx, text, strlen(text), &r), DSNX_OK);
	ck_assert(dsnx_report_is_dsn(r));
	ck_assert_uint_ge(dsnx_report_recipient_count(r), 1);
	ck_assert_int_eq(classify_at(set, r, 0, &v), DSNX_OK);
	dsnx_report_free(r);
	return v;
}

static dsnx_verdict
classify(const msg *m)
{
	char *text = build_dsn(m);
	dsnx_verdict v = classify_text(text);

	free(text);
	return v;
}

/* The id of the rule that decided, "-" for none. */
static const char *
rule_of(const msg *m)
{
	dsnx_verdict v = classify(m);

	return v.rule ? v.rule : "-";
}

/* The common case: failed, with status and diagnostic. */
#define FAILED(st, diag) \
	((msg){ .action = "failed", .status = (st), .diagnostic = (diag) })

/* ---------------------------------------------------- code conditions */

START_TEST(test_status_exact_and_globs)
{
	load_rules(
	    RULE("t.exact", 900, "{\"status\": \"5.1.1\"}", "\"userunknown\"",
		"c-one", "{\"status\": \"5.1.1\"}") ",\n"
	    RULE("t.subject", 800, "{\"status\": \"5.1.*\"}", "\"hostunknown\"",
		"c-one", "{\"status\": \"5.1.2\"}") ",\n"
	    RULE("t.detail", 700, "{\"status\": \"*.7.26\"}", "\"authfailure\"",
		"c-one", "{\"status\": \"5.7.26\"}") ",\n"
	    RULE("t.list", 600, "{\"status\": [\"4.2.2\", \"5.2.*\"]}",
		"\"mailboxfull\"", "c-one", "{\"status\": \"4.2.2\"}"));
	ck_assert_str_eq(rule_of(&FAILED("5.1.1", "550 no such user")), "t.exact");
	ck_assert_str_eq(rule_of(&FAILED("5.1.2", "550 bad domain")), "t.subject");
	ck_assert_str_eq(rule_of(&FAILED("5.1.10", "550 null mx")), "t.subject");
	ck_assert_str_eq(rule_of(&FAILED("5.7.26", "550 dmarc")), "t.detail");
	ck_assert_str_eq(rule_of(&FAILED("4.7.26", "450 dmarc")), "t.detail");
	ck_assert_str_eq(rule_of(&FAILED("5.7.2", "550 x")), "-");
	ck_assert_str_eq(rule_of(&FAILED("5.7.260", "550 x")), "-");
	ck_assert_str_eq(rule_of(&FAILED("4.1.1", "450 later")), "-");
	ck_assert_str_eq(rule_of(&FAILED("4.2.2", "452 full")), "t.list");
	ck_assert_str_eq(rule_of(&FAILED("5.2.0", "552 full")), "t.list");
	ck_assert_str_eq(rule_of(&FAILED("4.2.1", "452 x")), "-");
}
END_TEST

START_TEST(test_status_high_subject)
{
	/* Subjects above 7 share one bucket: still told apart. */
	load_rules(
	    RULE("t.nine", 900, "{\"status\": \"5.9.1\"}", "\"systemerror\"",
		"c-one", "{\"status\": \"5.9.1\"}") ",\n"
	    RULE("t.eight", 800, "{\"status\": \"5.8.*\"}", "\"systemerror\"",
		"c-two", "{\"status\": \"5.8.3\"}"));
	ck_assert_str_eq(rule_of(&FAILED("5.9.1", "550 x")), "t.nine");
	ck_assert_str_eq(rule_of(&FAILED("5.8.1", "550 x")), "t.eight");
	ck_assert_str_eq(rule_of(&FAILED("5.9.2", "550 x")), "-");
	ck_assert_str_eq(rule_of(&FAILED("5.10.1", "550 x")), "-");
}
END_TEST

START_TEST(test_status_none)
{
	load_rules(
	    RULE("t.none", 900, "{\"status\": \"none\"}", "\"undefined\"",
		"c-one", "{\"diagnostic\": \"x\"}") ",\n"
	    RULE("t.any5", 800, "{\"status\": \"5.*.*\"}", "\"systemerror\"",
		"c-two", "{\"status\": \"5.0.0\"}"));
	/* No Status, and no code in the diagnostic to take one from. */
	ck_assert_str_eq(rule_of(&(msg){ .action = "failed",
	    .diagnostic = "mailbox is on vacation" }), "t.none");
	ck_assert_str_eq(rule_of(&FAILED("5.1.1", "550 no")), "t.any5");
	/* A code in the diagnostic stands in for a missing Status. */
	ck_assert_str_eq(rule_of(&(msg){ .action = "failed",
	    .diagnostic = "550 5.1.1 user unknown" }), "t.any5");
}
END_TEST

START_TEST(test_reply_globs)
{
	load_rules(
	    RULE("t.r550", 900, "{\"reply\": \"550\"}", "\"userunknown\"",
		"c-one", "{\"reply\": \"550\"}") ",\n"
	    RULE("t.r55x", 800, "{\"reply\": \"55*\"}", "\"rejected\"",
		"c-one", "{\"reply\": 554}") ",\n"
	    RULE("t.r4xx", 700, "{\"reply\": \"4**\"}", "\"expired\"",
		"c-one", "{\"reply\": \"421\"}") ",\n"
	    RULE("t.rnone", 600, "{\"reply\": \"none\"}", "\"undefined\"",
		"c-one", "{\"status\": \"5.0.0\"}"));
	ck_assert_str_eq(rule_of(&FAILED("5.1.1", "550 5.1.1 no such user")),
	    "t.r550");
	ck_assert_str_eq(rule_of(&FAILED("5.7.1", "554 5.7.1 rejected")), "t.r55x");
	ck_assert_str_eq(rule_of(&FAILED("4.7.0", "421 4.7.0 try later")),
	    "t.r4xx");
	ck_assert_str_eq(rule_of(&FAILED("5.0.0", "unrouteable address")),
	    "t.rnone");
	ck_assert_str_eq(rule_of(&FAILED("5.0.0", "530 auth required")), "-");
}
END_TEST

START_TEST(test_action_words)
{
	load_rules(
	    RULE("t.delayed", 900, "{\"action\": \"delayed\"}", "\"expired\"",
		"c-one", "{\"action\": \"delayed\"}") ",\n"
	    RULE("t.deliv", 800, "{\"action\": [\"delivered\", \"relayed\"]}",
		"\"delivered\"", "c-one", "{\"action\": \"relayed\"}") ",\n"
	    RULE("t.none", 700, "{\"action\": \"none\"}", "\"undefined\"",
		"c-one", "{\"status\": \"5.0.0\"}"));
	ck_assert_str_eq(rule_of(&(msg){ .action = "delayed", .status = "4.4.1",
	    .diagnostic = "no route" }), "t.delayed");
	/* Action values are case-insensitive. */
	ck_assert_str_eq(rule_of(&(msg){ .action = "Delayed", .status = "4.4.1",
	    .diagnostic = "no route" }), "t.delayed");
	ck_assert_str_eq(rule_of(&(msg){ .action = "relayed", .status = "2.0.0" }),
	    "t.deliv");
	ck_assert_str_eq(rule_of(&(msg){ .action = "delivered", .status = "2.0.0" }),
	    "t.deliv");
	ck_assert_str_eq(rule_of(&(msg){ .status = "5.0.0", .diagnostic = "x" }),
	    "t.none");
	ck_assert_str_eq(rule_of(&FAILED("5.0.0", "x")), "-");
}
END_TEST

START_TEST(test_outcome_conditions)
{
	load_rules(
	    RULE("t.expired", 900, "{\"outcome\": \"expired\"}", "\"expired\"",
		"c-one", "{\"action\": \"failed\", \"status\": \"4.4.7\"}") ",\n"
	    RULE("t.failed", 800, "{\"outcome\": \"failed\"}", "\"rejected\"",
		"c-two", "{\"action\": \"failed\", \"status\": \"5.0.0\"}") ",\n"
	    RULE("t.delayed", 700, "{\"outcome\": \"delayed\"}", "\"expired\"",
		"c-three", "{\"action\": \"delayed\"}"));
	/* Action failed with a 4.x.x status, or with X.4.7: expired. */
	ck_assert_str_eq(rule_of(&FAILED("4.4.1", "no route")), "t.expired");
	ck_assert_str_eq(rule_of(&FAILED("5.4.7", "timeout")), "t.expired");
	ck_assert_str_eq(rule_of(&FAILED("5.4.1", "no answer")), "t.failed");
	ck_assert_str_eq(rule_of(&(msg){ .action = "delayed", .status = "4.4.1" }),
	    "t.delayed");
	ck_assert_str_eq(rule_of(&(msg){ .action = "delivered", .status = "2.0.0" }),
	    "-");
}
END_TEST

START_TEST(test_format_condition)
{
	static const char qmail[] =
	    "From: MAILER-DAEMON@mx.example.net\n"
	    "Subject: failure notice\n"
	    "\n"
	    "Hi. This is the qmail-send program at mx.example.net.\n"
	    "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
	    "This is a permanent error; I've given up. Sorry it didn't work out.\n"
	    "\n"
	    "<carol@example.org>:\n"
	    "192.0.2.9 does not like recipient.\n"
	    "Remote host said: 550 5.1.1 <carol@example.org>: Recipient unknown\n"
	    "Giving up on 192.0.2.9.\n"
	    "\n"
	    "--- Below this line is a copy of the message.\n";
	dsnx_verdict v;

	load_rules(
	    RULE("t.qmail", 900, "{\"format\": \"qmail\"}", "\"userunknown\"",
		"c-one", "{\"format\": \"qmail\"}") ",\n"
	    RULE("t.std", 800, "{\"format\": [\"rfc3464\", \"rfc6533\"]}",
		"\"userunknown\"", "c-two", "{\"format\": \"rfc3464\"}"));
	v = classify_text(qmail);
	ck_assert_str_eq(v.rule, "t.qmail");
	ck_assert_str_eq(rule_of(&FAILED("5.1.1", "550 x")), "t.std");
}
END_TEST

/* ---------------------------------------------------------- text fields */

START_TEST(test_diagnostic_field)
{
	load_rules(
	    RULE("t.diag", 900, "{\"diagnostic\": \"mailbox\\\\s+full\"}",
		"\"mailboxfull\"", "c-one", "{\"diagnostic\": \"Mailbox  FULL\"}"));
	/* Case-insensitive by default. */
	ck_assert_str_eq(rule_of(&FAILED("5.2.2", "552 5.2.2 MAILBOX FULL")),
	    "t.diag");
	ck_assert_str_eq(rule_of(&FAILED("5.2.2", "552 mailbox is full")), "-");
	/* Absent never matches. */
	ck_assert_str_eq(rule_of(&(msg){ .action = "failed", .status = "5.2.2" }),
	    "-");
}
END_TEST

START_TEST(test_case_sensitive_pattern)
{
	load_rules(
	    RULE("t.cs", 900, "{\"diagnostic\": \"(?-i)MAILBOX FULL\"}",
		"\"mailboxfull\"", "c-one", "{\"diagnostic\": \"552 MAILBOX FULL\"}"));
	ck_assert_str_eq(rule_of(&FAILED("5.2.2", "552 MAILBOX FULL")), "t.cs");
	ck_assert_str_eq(rule_of(&FAILED("5.2.2", "552 mailbox full")), "-");
}
END_TEST

/* A named pattern from an earlier file, used after the load (when the
 * files' JSON is gone), by two rules; an escaped "(?&" is text. */
START_TEST(test_named_pattern)
{
	load_files("10-shared.json",
	    "{\"patterns\": {\"full\": \"mailbox\\\\s+(?:is\\\\s+)?full\"},"
	    " \"rules\": []}",
	    "20-test.json", "{\"rules\": [\n"
	    RULE("t.full-4", 900, "{\"status\": \"4.*.*\", \"diagnostic\": "
		"\"(?&full)\"}", "\"mailboxfull\"", "c-one",
		"{\"status\": \"4.2.2\", \"diagnostic\": \"452 mailbox full\"}")
	    ",\n"
	    RULE("t.full-5", 890, "{\"diagnostic\": \"over quota|(?&full)\"}",
		"\"mailboxfull\"", "c-one", "{\"diagnostic\": \"mailbox is full\"}")
	    ",\n"
	    RULE("t.text", 880, "{\"diagnostic\": \"\\\\(?&full\\\\)\"}",
		"\"mailboxfull\"", "c-one", "{\"diagnostic\": \"(?&full)\"}")
	    "\n]}\n", (const char *)NULL);
	ck_assert_str_eq(rule_of(&FAILED("4.2.2", "452 Mailbox is FULL")),
	    "t.full-4");
	ck_assert_str_eq(rule_of(&FAILED("5.2.2", "552 mailbox full")),
	    "t.full-5");
	ck_assert_str_eq(rule_of(&FAILED("5.2.2", "552 (?&full)")), "t.text");
	ck_assert_str_eq(rule_of(&FAILED("5.2.2", "552 mailbox empty")), "-");
}
END_TEST

START_TEST(test_remote_mta_field)
{
	load_rules(
	    RULE("t.remote", 900, "{\"remote_mta\": \"\\\\.protection\\\\.outlook\\\\.com$\"}",
		"\"blocked\"", "c-one",
		"{\"remote_mta\": \"x.mail.protection.outlook.com\"}"));
	ck_assert_str_eq(rule_of(&(msg){ .action = "failed", .status = "5.7.1",
	    .remote_mta = "example-org.mail.protection.outlook.com",
	    .diagnostic = "550 5.7.1 rejected" }), "t.remote");
	ck_assert_str_eq(rule_of(&(msg){ .action = "failed", .status = "5.7.1",
	    .remote_mta = "mx.example.org", .diagnostic = "550 5.7.1 rejected" }),
	    "-");
	/* No Remote-MTA at all: no match, even though the pattern is there
	 * in the diagnostic. */
	ck_assert_str_eq(rule_of(&(msg){ .action = "failed", .status = "5.7.1",
	    .diagnostic = "550 a.protection.outlook.com" }), "-");
}
END_TEST

START_TEST(test_reporting_mta_field)
{
	load_rules(
	    RULE("t.reporting", 900, "{\"reporting_mta\": \"^relay\\\\d+\\\\.example\\\\.net$\"}",
		"\"systemerror\"", "c-three",
		"{\"reporting_mta\": \"relay7.example.net\"}"));
	ck_assert_str_eq(rule_of(&(msg){ .action = "failed", .status = "5.0.0",
	    .reporting_mta = "relay12.example.net" }), "t.reporting");
	ck_assert_str_eq(rule_of(&(msg){ .action = "failed", .status = "5.0.0",
	    .reporting_mta = "mx.example.net" }), "-");
	ck_assert_str_eq(rule_of(&(msg){ .action = "failed", .status = "5.0.0" }),
	    "-");
}
END_TEST

START_TEST(test_text_field)
{
	load_rules(
	    RULE("t.text", 900, "{\"text\": \"could not be delivered to one or more\"}",
		"\"undefined\"", "c-one",
		"{\"text\": \"Your message could not be delivered to one or more recipients.\"}"));
	ck_assert_str_eq(rule_of(&(msg){ .action = "failed", .status = "5.0.0",
	    .human = "Your message could NOT be delivered to one or more\r\n"
	    "recipients." }), "t.text");
	/* The words only in the diagnostic are not the text. */
	ck_assert_str_eq(rule_of(&(msg){ .action = "failed", .status = "5.0.0",
	    .diagnostic = "could not be delivered to one or more" }), "-");
	ck_assert_str_eq(rule_of(&(msg){ .action = "failed", .status = "5.0.0",
	    .human = "Delivery failed." }), "-");
}
END_TEST

START_TEST(test_subject_field)
{
	load_rules(
	    RULE("t.subject", 900, "{\"subject\": \"^Undeliverable:\"}",
		"\"undefined\"", "c-one", "{\"subject\": \"Undeliverable: hi\"}"));
	ck_assert_str_eq(rule_of(&(msg){ .action = "failed", .status = "5.0.0",
	    .subject = "Undeliverable: hello" }), "t.subject");
	/* Decoded (RFC 2047) before matching. */
	ck_assert_str_eq(rule_of(&(msg){ .action = "failed", .status = "5.0.0",
	    .subject = "=?utf-8?q?Undeliverable=3A_hello?=" }), "t.subject");
	ck_assert_str_eq(rule_of(&(msg){ .action = "failed", .status = "5.0.0",
	    .subject = "Re: Undeliverable: hello" }), "-");
}
END_TEST

START_TEST(test_from_field)
{
	load_rules(
	    RULE("t.from", 900, "{\"from\": \"postmaster@example\\\\.com\"}",
		"\"undefined\"", "c-one", "{\"from\": \"postmaster@example.com\"}"));
	ck_assert_str_eq(rule_of(&(msg){ .action = "failed", .status = "5.0.0",
	    .from = "Postmaster <postmaster@example.com>" }), "t.from");
	ck_assert_str_eq(rule_of(&(msg){ .action = "failed", .status = "5.0.0",
	    .from = "MAILER-DAEMON@example.com" }), "-");
}
END_TEST

START_TEST(test_headers_field)
{
	load_rules(
	    RULE("t.hdr", 900,
		"{\"headers\": {\"X-Mailer\": \"^Acme Mail\", \"X-Env\": \"prod\"}}",
		"\"undefined\"", "c-one",
		"{\"headers\": {\"x-mailer\": \"Acme Mail 2\", \"X-Env\": \"prod\"}}"));
	ck_assert_str_eq(rule_of(&(msg){ .action = "failed", .status = "5.0.0",
	    .headers = "X-Mailer: Acme Mail 3.1\r\nX-Env: prod-eu\r\n" }), "t.hdr");
	/* Header names are case-insensitive. */
	ck_assert_str_eq(rule_of(&(msg){ .action = "failed", .status = "5.0.0",
	    .headers = "x-mailer: acme mail\r\nX-ENV: prod\r\n" }), "t.hdr");
	/* Every header condition must hold; an absent header fails. */
	ck_assert_str_eq(rule_of(&(msg){ .action = "failed", .status = "5.0.0",
	    .headers = "X-Mailer: Acme Mail 3.1\r\n" }), "-");
	ck_assert_str_eq(rule_of(&(msg){ .action = "failed", .status = "5.0.0",
	    .headers = "X-Mailer: Other\r\nX-Env: prod\r\n" }), "-");
}
END_TEST

START_TEST(test_all_conditions_must_hold)
{
	load_rules(
	    RULE("t.both", 900,
		"{\"status\": \"5.1.1\", \"diagnostic\": \"user unknown\"}",
		"\"userunknown\"", "c-one",
		"{\"status\": \"5.1.1\", \"diagnostic\": \"User unknown\"}"));
	ck_assert_str_eq(rule_of(&FAILED("5.1.1", "550 User unknown")), "t.both");
	ck_assert_str_eq(rule_of(&FAILED("5.1.2", "550 User unknown")), "-");
	ck_assert_str_eq(rule_of(&FAILED("5.1.1", "550 no such mailbox")), "-");
}
END_TEST

START_TEST(test_unless)
{
	load_rules(
	    "{\"id\": \"t.unless\", \"priority\": 900,\n"
	    " \"when\": {\"status\": \"5.1.1\"},\n"
	    " \"unless\": {\"diagnostic\": \"quota\", \"remote_mta\": \"example\\\\.org$\"},\n"
	    " \"reason\": \"userunknown\", \"cause\": \"c-one\",\n"
	    " \"examples\": {\"match\": [{\"status\": \"5.1.1\"}],\n"
	    "   \"no_match\": [{\"status\": \"5.1.1\", \"diagnostic\": \"quota\",\n"
	    "                 \"remote_mta\": \"mx.example.org\"}]}}");
	/* unless holds only when all its conditions hold. */
	ck_assert_str_eq(rule_of(&(msg){ .action = "failed", .status = "5.1.1",
	    .diagnostic = "550 over quota", .remote_mta = "mx.example.org" }), "-");
	ck_assert_str_eq(rule_of(&(msg){ .action = "failed", .status = "5.1.1",
	    .diagnostic = "550 over quota", .remote_mta = "mx.example.com" }),
	    "t.unless");
	ck_assert_str_eq(rule_of(&(msg){ .action = "failed", .status = "5.1.1",
	    .diagnostic = "550 unknown", .remote_mta = "mx.example.org" }),
	    "t.unless");
}
END_TEST

/* ------------------------------------------------------------- ordering */

START_TEST(test_priority_order)
{
	/* Written low to high: the highest priority wins all the same. */
	load_rules(
	    RULE("t.low", 100, "{\"status\": \"5.*.*\"}", "\"systemerror\"",
		"c-one", "{\"status\": \"5.1.1\"}") ",\n"
	    RULE("t.mid", 500, "{\"status\": \"5.1.*\"}", "\"hostunknown\"",
		"c-two", "{\"status\": \"5.1.1\"}") ",\n"
	    RULE("t.high", 1000, "{\"status\": \"5.1.1\"}", "\"userunknown\"",
		"c-three", "{\"status\": \"5.1.1\"}"));
	{
		dsnx_verdict v = classify(&FAILED("5.1.1", "550 x"));

		ck_assert_str_eq(v.rule, "t.high");
		ck_assert_str_eq(v.cause, "c-three");
		ck_assert_str_eq(v.reason, "userunknown");
	}
	ck_assert_str_eq(rule_of(&FAILED("5.1.3", "550 x")), "t.mid");
	ck_assert_str_eq(rule_of(&FAILED("5.7.1", "550 x")), "t.low");
}
END_TEST

START_TEST(test_priority_tie_file_order)
{
	/* Equal priorities: first in the file, then first file by name. */
	load_files(
	    "20-b.json", "{\"rules\": ["
	    RULE("t.b1", 500, "{\"status\": \"5.*.*\"}", "\"rejected\"", "c-two",
		"{\"status\": \"5.1.1\"}") "]}",
	    "10-a.json", "{\"rules\": ["
	    RULE("t.a1", 500, "{\"status\": \"5.1.1\"}", "\"userunknown\"", "c-one",
		"{\"status\": \"5.1.1\"}") ",\n"
	    RULE("t.a2", 500, "{\"status\": \"5.1.*\"}", "\"hostunknown\"", "c-one",
		"{\"status\": \"5.1.1\"}") "]}",
	    (const char *)NULL);
	ck_assert_str_eq(rule_of(&FAILED("5.1.1", "550 x")), "t.a1");
	ck_assert_str_eq(rule_of(&FAILED("5.1.2", "550 x")), "t.a2");
	ck_assert_str_eq(rule_of(&FAILED("5.2.2", "552 x")), "t.b1");
}
END_TEST

START_TEST(test_default_priority)
{
	/* No priority is 500: above 499, below 501, ties by order. */
	load_rules(
	    "{\"id\": \"t.499\", \"priority\": 499, \"when\": {\"status\": \"5.*.*\"},"
	    " \"reason\": \"rejected\", \"cause\": \"c-one\","
	    " \"examples\": {\"match\": [{\"status\": \"5.1.1\"}]}},\n"
	    "{\"id\": \"t.default\", \"when\": {\"status\": \"5.*.*\"},"
	    " \"reason\": \"rejected\", \"cause\": \"c-one\","
	    " \"examples\": {\"match\": [{\"status\": \"5.1.1\"}]}},\n"
	    "{\"id\": \"t.501\", \"priority\": 501, \"when\": {\"status\": \"5.1.*\"},"
	    " \"reason\": \"rejected\", \"cause\": \"c-one\","
	    " \"examples\": {\"match\": [{\"status\": \"5.1.1\"}]}}");
	ck_assert_str_eq(rule_of(&FAILED("5.1.1", "550 x")), "t.501");
	ck_assert_str_eq(rule_of(&FAILED("5.2.1", "550 x")), "t.default");
}
END_TEST

/* --------------------------------------------------------- outcome rules */

static const char qmail_giving_up[] =
    "From: MAILER-DAEMON@mx.example.net\n"
    "Subject: failure notice\n"
    "\n"
    "Hi. This is the qmail-send program at mx.example.net.\n"
    "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
    "This is a permanent error; I've given up. Sorry it didn't work out.\n"
    "\n"
    "<carol@example.org>:\n"
    "192.0.2.9 does not like recipient.\n"
    "Remote host said: 550 5.5.0 <carol@example.org>: message has been queued too long\n"
    "Giving up on 192.0.2.9.\n"
    "\n"
    "--- Below this line is a copy of the message.\n";

static const char outcome_rules[] =
    "{\"id\": \"t.give-up\", \"kind\": \"outcome\", \"priority\": 900,\n"
    " \"when\": {\"action\": \"none\", \"diagnostic\": \"queued too long\"},\n"
    " \"outcome\": \"expired\",\n"
    " \"examples\": {\"match\": [{\"diagnostic\": \"queued too long\"}],\n"
    "   \"no_match\": [{\"action\": \"failed\", \"diagnostic\": \"queued too long\"}]}},\n"
    "{\"id\": \"t.by-outcome\", \"priority\": 800,\n"
    " \"when\": {\"outcome\": \"expired\"},\n"
    " \"reason\": \"expired\", \"cause\": \"c-two\",\n"
    " \"examples\": {\"match\": [{\"action\": \"failed\", \"status\": \"4.4.7\"}]}},\n"
    "{\"id\": \"t.other\", \"priority\": 100,\n"
    " \"when\": {\"status\": \"5.*.*\"},\n"
    " \"reason\": \"rejected\", \"cause\": \"c-one\",\n"
    " \"examples\": {\"match\": [{\"status\": \"5.5.0\"}]}}";

START_TEST(test_outcome_rule_nonstd)
{
	dsnx_report *r = NULL;
	dsnx_verdict v;

	load_rules(outcome_rules);
	ck_assert_int_eq(dsnx_report_read(ctx, qmail_giving_up,
	    strlen(qmail_giving_up), &r), DSNX_OK);
	ck_assert_str_eq(dsnx_report_format(r), "qmail");
	ck_assert_ptr_null(dsnx_report_recipient(r, 0)->action);
	/* Before the outcome rules, a 5.x.x Action-less bounce is failed. */
	ck_assert_int_eq(dsnx_outcome_of(dsnx_report_recipient(r, 0), 1),
	    DSNX_OUTCOME_FAILED);
	ck_assert_int_eq(classify_at(set, r, 0, &v), DSNX_OK);
	ck_assert_str_eq(dsnx_outcome_name(v.outcome), "expired");
	ck_assert_str_eq(v.outcome_rule, "t.give-up");
	/* The cause rules see the outcome the outcome rule gave. */
	ck_assert_str_eq(v.rule, "t.by-outcome");
	ck_assert_str_eq(v.cause, "c-two");
	ck_assert_str_eq(v.reason, "expired");
	ck_assert_str_eq(v.severity, "error");
	dsnx_report_free(r);
}
END_TEST

START_TEST(test_outcome_rule_not_for_action)
{
	dsnx_verdict v;

	/* With an Action, the give-up rule (action none) does not apply. */
	load_rules(outcome_rules);
	v = classify(&FAILED("5.5.0", "550 5.5.0 message has been queued too long"));
	ck_assert_str_eq(dsnx_outcome_name(v.outcome), "failed");
	ck_assert_ptr_null(v.outcome_rule);
	ck_assert_str_eq(v.rule, "t.other");
	ck_assert_str_eq(v.reason, "rejected");
}
END_TEST

START_TEST(test_outcome_rule_to_delayed)
{
	dsnx_verdict v;

	load_rules(
	    "{\"id\": \"t.warn\", \"kind\": \"outcome\", \"priority\": 900,\n"
	    " \"when\": {\"subject\": \"^Delayed Mail\"}, \"unless\": {\"action\": \"failed\"},\n"
	    " \"outcome\": \"delayed\",\n"
	    " \"examples\": {\"match\": [{\"subject\": \"Delayed Mail (still being retried)\"}]}}");
	v = classify(&(msg){ .subject = "Delayed Mail (still being retried)",
	    .status = "4.4.1", .diagnostic = "connect timed out" });
	ck_assert_str_eq(dsnx_outcome_name(v.outcome), "delayed");
	ck_assert_str_eq(v.severity, "warning");
	ck_assert_str_eq(v.outcome_rule, "t.warn");
	ck_assert_str_eq(v.reason, "undefined");
	v = classify(&(msg){ .subject = "Delayed Mail (still being retried)",
	    .action = "failed", .status = "4.4.1" });
	ck_assert_str_eq(dsnx_outcome_name(v.outcome), "expired");
	ck_assert_ptr_null(v.outcome_rule);
}
END_TEST

START_TEST(test_reason_by_outcome)
{
	load_rules(
	    "{\"id\": \"t.net\", \"priority\": 900,\n"
	    " \"when\": {\"status\": \"*.4.1\"},\n"
	    " \"reason\": {\"delayed\": \"onhold\", \"failed\": \"networkerror\","
	    " \"default\": \"expired\"},\n"
	    " \"cause\": \"c-one\",\n"
	    " \"examples\": {\"match\": [{\"status\": \"4.4.1\"}]}},\n"
	    "{\"id\": \"t.nodefault\", \"priority\": 800,\n"
	    " \"when\": {\"status\": \"*.4.2\"},\n"
	    " \"reason\": {\"failed\": \"networkerror\"},\n"
	    " \"cause\": \"c-two\",\n"
	    " \"examples\": {\"match\": [{\"status\": \"4.4.2\"}]}}");
	ck_assert_str_eq(classify(&(msg){ .action = "delayed", .status = "4.4.1" })
	    .reason, "onhold");
	ck_assert_str_eq(classify(&FAILED("5.4.1", "no answer")).reason,
	    "networkerror");
	/* expired has no entry: the default. */
	ck_assert_str_eq(classify(&FAILED("4.4.1", "no answer")).reason,
	    "expired");
	/* Neither an entry nor a default: the rule matched, the reason is
	 * undefined but the cause is known. */
	{
		dsnx_verdict v = classify(&(msg){ .action = "delayed",
		    .status = "4.4.2" });

		ck_assert_str_eq(v.rule, "t.nodefault");
		ck_assert_str_eq(v.cause, "c-two");
		ck_assert_str_eq(v.reason, "undefined");
	}
}
END_TEST

START_TEST(test_severity)
{
	dsnx_verdict v;

	load_rules(
	    RULE("t.any", 100, "{\"status\": [\"2.*.*\", \"4.*.*\", \"5.*.*\"]}",
		"\"undefined\"", "c-one", "{\"status\": \"2.0.0\"}"));
	v = classify(&(msg){ .action = "delivered", .status = "2.0.0" });
	ck_assert_str_eq(dsnx_outcome_name(v.outcome), "delivered");
	ck_assert_str_eq(v.severity, "info");
	v = classify(&(msg){ .action = "relayed", .status = "2.0.0" });
	ck_assert_str_eq(dsnx_outcome_name(v.outcome), "delivered");
	ck_assert_str_eq(v.severity, "info");
	v = classify(&(msg){ .action = "delayed", .status = "4.4.1" });
	ck_assert_str_eq(dsnx_outcome_name(v.outcome), "delayed");
	ck_assert_str_eq(v.severity, "warning");
	v = classify(&FAILED("5.1.1", "550 x"));
	ck_assert_str_eq(dsnx_outcome_name(v.outcome), "failed");
	ck_assert_str_eq(v.severity, "error");
	v = classify(&FAILED("4.4.7", "timeout"));
	ck_assert_str_eq(dsnx_outcome_name(v.outcome), "expired");
	ck_assert_str_eq(v.severity, "error");
}
END_TEST

START_TEST(test_no_rule_matched)
{
	dsnx_verdict v;

	load_rules(
	    RULE("t.only", 100, "{\"status\": \"5.1.1\"}", "\"userunknown\"",
		"c-one", "{\"status\": \"5.1.1\"}"));
	v = classify(&(msg){ .action = "delayed", .status = "4.4.1",
	    .diagnostic = "connection timed out" });
	ck_assert_str_eq(v.reason, "undefined");
	ck_assert_ptr_null(v.cause);
	ck_assert_ptr_null(v.rule);
	ck_assert_ptr_null(v.outcome_rule);
	ck_assert_str_eq(dsnx_outcome_name(v.outcome), "delayed");
	ck_assert_str_eq(v.severity, "warning");
	ck_assert_uint_eq(v.limit_hits, 0);
}
END_TEST

START_TEST(test_classify_bad_arguments)
{
	char *text = build_dsn(&FAILED("5.1.1", "550 x"));
	dsnx_report *r = NULL, *not_dsn = NULL;
	dsnx_verdict v;
	dsnx_classification *c = NULL;
	static const char plain[] = "From: a@example.org\nSubject: hi\n\nhello\n";

	load_rules(
	    RULE("t.only", 100, "{\"status\": \"5.1.1\"}", "\"userunknown\"",
		"c-one", "{\"status\": \"5.1.1\"}"));
	ck_assert_int_eq(dsnx_report_read(ctx, text, strlen(text), &r), DSNX_OK);
	ck_assert_int_eq(classify_at(set, r, 1, &v), DSNX_EINVAL);
	ck_assert_int_eq(classify_at(NULL, r, 0, &v), DSNX_EINVAL);
	ck_assert_int_eq(classify_at(set, NULL, 0, &v), DSNX_EINVAL);
	ck_assert_int_eq(classify_at(set, r, 0, NULL), DSNX_EINVAL);
	ck_assert_int_eq(classify_at(set, r, 0, &v), DSNX_OK);
	ck_assert_int_eq(dsnx_report_read(ctx, plain, strlen(plain), &not_dsn),
	    DSNX_OK);
	ck_assert(!dsnx_report_is_dsn(not_dsn));
	ck_assert_int_eq(classify_at(set, not_dsn, 0, &v), DSNX_EINVAL);
	ck_assert_int_eq(dsnx_classify_message(set, NULL, NULL, &c), DSNX_EINVAL);
	ck_assert_int_eq(dsnx_classify_message(NULL, r, NULL, &c), DSNX_EINVAL);
	ck_assert_int_eq(dsnx_classify_message(set, r, NULL, NULL), DSNX_EINVAL);
	dsnx_report_free(not_dsn);
	dsnx_report_free(r);
	free(text);
}
END_TEST

START_TEST(test_outcome_of)
{
	dsnx_recipient rc;

#define STATUS(s) do { rc.status = (s); \
	ck_assert_int_eq(dsnx_code_parse(s, strlen(s), &rc.code), 0); } while (0)
	memset(&rc, 0, sizeof(rc));
	ck_assert_int_eq(dsnx_outcome_of(&rc, 0), DSNX_OUTCOME_NONE);
	STATUS("5.1.1");
	ck_assert_int_eq(dsnx_outcome_of(&rc, 0), DSNX_OUTCOME_NONE);
	/* No Action in a DSN: a failure report. */
	ck_assert_int_eq(dsnx_outcome_of(&rc, 1), DSNX_OUTCOME_FAILED);
	STATUS("4.4.1");
	ck_assert_int_eq(dsnx_outcome_of(&rc, 1), DSNX_OUTCOME_EXPIRED);
	STATUS("2.0.0");
	ck_assert_int_eq(dsnx_outcome_of(&rc, 1), DSNX_OUTCOME_DELIVERED);
	STATUS("5.1.1");
	rc.action = "failed";
	ck_assert_int_eq(dsnx_outcome_of(&rc, 0), DSNX_OUTCOME_FAILED);
	STATUS("4.2.2");
	ck_assert_int_eq(dsnx_outcome_of(&rc, 0), DSNX_OUTCOME_EXPIRED);
	STATUS("5.4.7");
	ck_assert_int_eq(dsnx_outcome_of(&rc, 0), DSNX_OUTCOME_EXPIRED);
	STATUS("5.4.70");
	ck_assert_int_eq(dsnx_outcome_of(&rc, 0), DSNX_OUTCOME_FAILED);
	rc.status = NULL;
	ck_assert_int_eq(dsnx_outcome_of(&rc, 0), DSNX_OUTCOME_FAILED);
	rc.action = "delayed";
	ck_assert_int_eq(dsnx_outcome_of(&rc, 0), DSNX_OUTCOME_DELAYED);
	rc.action = "delivered";
	ck_assert_int_eq(dsnx_outcome_of(&rc, 0), DSNX_OUTCOME_DELIVERED);
	rc.action = "relayed";
	ck_assert_int_eq(dsnx_outcome_of(&rc, 0), DSNX_OUTCOME_DELIVERED);
	rc.action = "expanded";
	ck_assert_int_eq(dsnx_outcome_of(&rc, 0), DSNX_OUTCOME_DELIVERED);
	rc.action = "bounced";
	ck_assert_int_eq(dsnx_outcome_of(&rc, 0), DSNX_OUTCOME_NONE);
	ck_assert_int_eq(dsnx_outcome_of(&rc, 1), DSNX_OUTCOME_FAILED);
#undef STATUS
	/* Names and ranks. */
	ck_assert_str_eq(dsnx_outcome_name(DSNX_OUTCOME_EXPIRED), "expired");
	ck_assert_ptr_null(dsnx_outcome_name(DSNX_OUTCOME_NONE));
	ck_assert_ptr_null(dsnx_outcome_name((dsnx_outcome)99));
	ck_assert_int_eq(dsnx_outcome_parse("delayed"), DSNX_OUTCOME_DELAYED);
	ck_assert_int_eq(dsnx_outcome_parse("default"), -1);
	ck_assert_int_eq(dsnx_outcome_parse(NULL), -1);
	ck_assert_int_lt(dsnx_outcome_rank(DSNX_OUTCOME_FAILED),
	    dsnx_outcome_rank(DSNX_OUTCOME_EXPIRED));
	ck_assert_int_lt(dsnx_outcome_rank(DSNX_OUTCOME_EXPIRED),
	    dsnx_outcome_rank(DSNX_OUTCOME_DELAYED));
	ck_assert_int_lt(dsnx_outcome_rank(DSNX_OUTCOME_DELAYED),
	    dsnx_outcome_rank(DSNX_OUTCOME_DELIVERED));
	ck_assert_int_eq(dsnx_outcome_rank(DSNX_OUTCOME_NONE),
	    dsnx_outcome_rank(DSNX_OUTCOME_FAILED));
}
END_TEST

START_TEST(test_prefilter_misses_rule)
{
	/*
	 * Regression (literal extraction): "\\pL" is one letter, but
	 * the extractor reads the 'L' as text and requires "lost mailbox".
	 * The rule's example ("lost mailbox") contains that, so loading
	 * accepts the rule; a diagnostic the pattern matches without it
	 * ("host mailbox") is then skipped by the prefilter: no match.
	 */
	dsnx_verdict v;

	load_rules(
	    RULE("t.letter", 900, "{\"diagnostic\": \"\\\\pLost mailbox\"}",
		"\"mailboxfull\"", "c-one", "{\"diagnostic\": \"550 lost mailbox\"}"));
	v = classify(&FAILED("5.2.2", "550 lost mailbox"));
	ck_assert_str_eq(v.rule ? v.rule : "-", "t.letter");
	v = classify(&FAILED("5.2.2", "550 host mailbox unavailable"));
	ck_assert_msg(v.rule != NULL, "the pattern matches \"550 host mailbox "
	    "unavailable\", yet the prefilter skipped the rule");
}
END_TEST

START_TEST(test_long_text_cut)
{
	/*
	 * Regression (run_pattern): a text value over RULE_SUBJECT_MAX
	 * bytes is matched on its first RULE_SUBJECT_MAX bytes, cut without
	 * regard to UTF-8, and PCRE2 runs with PCRE2_NO_UTF_CHECK.  A
	 * two-byte character across the cut is then read whole by PCRE2's
	 * interpreter, one byte past the subject: "a\\x{e9}" matches although
	 * only half of the e-acute is inside the window.  With the JIT (the
	 * default) it does not match; without it (under valgrind, or where
	 * there is no JIT) it does: undefined behaviour, as PCRE2 documents
	 * for invalid UTF with NO_UTF_CHECK.  Cutting back to a character
	 * boundary would fix it.
	 */
	size_t n = RULE_SUBJECT_MAX + 64, k;
	char *human = malloc(n + 1);
	dsnx_verdict v;
	const char *got;

	ck_assert_ptr_nonnull(human);
	for (k = 0; k < n; k++)
		human[k] = (char)(k % 70 == 69 ? '\n' : 'a');
	human[RULE_SUBJECT_MAX - 1] = '\xc3';	/* U+00E9 across the cut */
	human[RULE_SUBJECT_MAX] = '\xa9';
	human[n] = '\0';
	load_rules(
	    RULE("t.tail", 900, "{\"text\": \"a\\\\x{e9}\"}", "\"undefined\"",
		"c-one", "{\"text\": \"a\\u00e9\"}") ",\n"
	    RULE("t.early", 800, "{\"text\": \"^a{60}\"}", "\"undefined\"",
		"c-two", "{\"text\": \"" 
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}"));
	v = classify(&(msg){ .action = "failed", .status = "5.0.0",
	    .human = human });
	free(human);
	got = v.rule ? v.rule : "-";
	ck_assert_msg(strcmp(got, "t.early") == 0, "rule %s matched; \"t.tail\" "
	    "means the character cut in half was read whole", got);
}
END_TEST

/* ----------------------------------------------------------------- trace */

#define MAX_STEPS 32

typedef struct steps {
	unsigned n;
	dsnx_trace_step s[MAX_STEPS];
} steps;

static void
record(const dsnx_trace_step *step, void *arg)
{
	steps *t = arg;

	if (t->n < MAX_STEPS)
		t->s[t->n] = *step;
	t->n++;
}

START_TEST(test_trace)
{
	/* File order scrambles priorities on purpose. */
	char *text;
	dsnx_report *r = NULL;
	dsnx_verdict v, plain;
	steps t;

	load_rules(
	    RULE("t.p600", 600, "{\"status\": \"5.*.*\"}", "\"rejected\"",
		"c-one", "{\"status\": \"5.1.1\"}") ",\n"
	    RULE("t.p900-quota", 900, "{\"diagnostic\": \"quota exceeded\"}",
		"\"mailboxfull\"", "c-one", "{\"diagnostic\": \"quota exceeded\"}") ",\n"
	    RULE("t.p700-user", 700, "{\"diagnostic\": \"user (unknown|gone)\"}",
		"\"userunknown\"", "c-two", "{\"diagnostic\": \"user gone\"}") ",\n"
	    RULE("t.p800-reply", 800, "{\"reply\": \"4**\"}", "\"expired\"",
		"c-one", "{\"reply\": \"450\"}") ",\n"
	    RULE("t.p850-noliteral", 850, "{\"diagnostic\": \"(?:quota|full)\"}",
		"\"mailboxfull\"", "c-one", "{\"diagnostic\": \"full\"}") ",\n"
	    RULE("t.p860-unless", 860, "{\"status\": \"5.1.1\"}",
		"\"userunknown\"", "c-one", "{\"status\": \"5.1.1\"}")
	    ",\n"
	    "{\"id\": \"t.p870-unless\", \"priority\": 870, \"when\": {\"status\": \"5.1.1\"},"
	    " \"unless\": {\"remote_mta\": \"example\"}, \"reason\": \"userunknown\","
	    " \"cause\": \"c-one\", \"examples\": {\"match\": [{\"status\": \"5.1.1\"}]}},\n"
	    "{\"id\": \"t.o950\", \"kind\": \"outcome\", \"priority\": 950,"
	    " \"when\": {\"subject\": \"never-here\"}, \"outcome\": \"delayed\","
	    " \"examples\": {\"match\": [{\"subject\": \"never-here\"}]}},\n"
	    "{\"id\": \"t.o100\", \"kind\": \"outcome\", \"priority\": 100,"
	    " \"when\": {\"status\": \"4.*.*\"}, \"outcome\": \"delayed\","
	    " \"examples\": {\"match\": [{\"status\": \"4.4.1\"}]}}");
	/* 5.1.2: the 5.1.1 rules share its bucket but fail on status. */
	text = build_dsn(&(msg){ .action = "failed", .status = "5.1.2",
	    .remote_mta = "mx.example.org",
	    .diagnostic = "550 5.1.2 user unknown here" });
	ck_assert_int_eq(dsnx_report_read(ctx, text, strlen(text), &r), DSNX_OK);
	memset(&t, 0, sizeof(t));
	ck_assert_int_eq(classify_trace_at(set, r, 0, &v, record, &t), DSNX_OK);
	ck_assert_int_eq(classify_at(set, r, 0, &plain), DSNX_OK);
	ck_assert_str_eq(v.rule, "t.p700-user");
	ck_assert_str_eq(plain.rule, v.rule);
	ck_assert_str_eq(plain.reason, v.reason);
	ck_assert_str_eq(v.reason, "userunknown");
	ck_assert_str_eq(v.cause, "c-two");

	/* Outcome rules first (t.o100 is not in a 5.x bucket), then the
	 * cause rules of the 5.1 bucket in priority order, up to the match;
	 * t.p600 (5.*.*) comes after it and is not tried. */
	ck_assert_uint_eq(t.n, 7);
	ck_assert_str_eq(t.s[0].rule, "t.o950");
	ck_assert_str_eq(t.s[0].kind, "outcome");
	ck_assert_int_eq(t.s[0].matched, 0);
	ck_assert_str_eq(t.s[0].failed, "subject");
	ck_assert_int_eq(t.s[0].prefiltered, 1);

	ck_assert_str_eq(t.s[1].rule, "t.p900-quota");
	ck_assert_str_eq(t.s[1].kind, "cause");
	ck_assert_int_eq(t.s[1].matched, 0);
	ck_assert_str_eq(t.s[1].failed, "diagnostic");
	ck_assert_int_eq(t.s[1].prefiltered, 1);

	/* Need 5.1.1: same bucket as 5.1.2, so tried, and fail on status. */
	ck_assert_str_eq(t.s[2].rule, "t.p870-unless");
	ck_assert_int_eq(t.s[2].matched, 0);
	ck_assert_str_eq(t.s[2].failed, "status");
	ck_assert_int_eq(t.s[2].prefiltered, 0);
	ck_assert_str_eq(t.s[3].rule, "t.p860-unless");
	ck_assert_str_eq(t.s[3].failed, "status");

	/* No single literal for an alternation of short words. */
	ck_assert_str_eq(t.s[4].rule, "t.p850-noliteral");
	ck_assert_int_eq(t.s[4].matched, 0);
	ck_assert_str_eq(t.s[4].failed, "diagnostic");

	ck_assert_str_eq(t.s[5].rule, "t.p800-reply");
	ck_assert_int_eq(t.s[5].matched, 0);
	ck_assert_str_eq(t.s[5].failed, "reply");
	ck_assert_int_eq(t.s[5].prefiltered, 0);

	ck_assert_str_eq(t.s[6].rule, "t.p700-user");
	ck_assert_str_eq(t.s[6].kind, "cause");
	ck_assert_int_eq(t.s[6].matched, 1);
	ck_assert_ptr_null(t.s[6].failed);
	ck_assert_int_eq(t.s[6].prefiltered, 0);
	dsnx_report_free(r);
	free(text);
}
END_TEST

START_TEST(test_trace_order_and_unless)
{
	char *text;
	dsnx_report *r = NULL;
	dsnx_verdict v;
	steps t;
	unsigned i;

	load_rules(
	    RULE("t.p860", 860, "{\"status\": \"5.1.1\", \"diagnostic\": \"nomatchhere\"}",
		"\"userunknown\"", "c-one",
		"{\"status\": \"5.1.1\", \"diagnostic\": \"nomatchhere\"}") ",\n"
	    "{\"id\": \"t.p870-unless\", \"priority\": 870, \"when\": {\"status\": \"5.1.1\"},"
	    " \"unless\": {\"remote_mta\": \"example\"}, \"reason\": \"userunknown\","
	    " \"cause\": \"c-one\", \"examples\": {\"match\": [{\"status\": \"5.1.1\"}]}},\n"
	    RULE("t.p10", 10, "{\"status\": \"*.*.*\"}", "\"undefined\"",
		"c-three", "{\"status\": \"5.1.1\"}") ",\n"
	    RULE("t.p500", 500, "{\"status\": \"5.1.1\"}", "\"hostunknown\"",
		"c-one", "{\"status\": \"5.1.1\"}"));
	text = build_dsn(&(msg){ .action = "failed", .status = "5.1.1",
	    .remote_mta = "mx.example.org", .diagnostic = "550 gone" });
	ck_assert_int_eq(dsnx_report_read(ctx, text, strlen(text), &r), DSNX_OK);
	memset(&t, 0, sizeof(t));
	ck_assert_int_eq(classify_trace_at(set, r, 0, &v, record, &t), DSNX_OK);
	ck_assert_uint_eq(t.n, 3);
	ck_assert_str_eq(t.s[0].rule, "t.p870-unless");
	ck_assert_str_eq(t.s[0].failed, "unless");
	ck_assert_int_eq(t.s[0].prefiltered, 0);
	ck_assert_str_eq(t.s[1].rule, "t.p860");
	ck_assert_str_eq(t.s[1].failed, "diagnostic");
	ck_assert_int_eq(t.s[1].prefiltered, 1);
	ck_assert_str_eq(t.s[2].rule, "t.p500");
	ck_assert_int_eq(t.s[2].matched, 1);
	for (i = 0; i < t.n; i++)
		ck_assert_str_eq(t.s[i].kind, "cause");
	ck_assert_str_eq(v.rule, "t.p500");
	dsnx_report_free(r);
	free(text);
}
END_TEST

static Suite *
match_suite(void)
{
	Suite *s = suite_create("match");
	TCase *tc = tcase_create("classify");
	TCase *tt = tcase_create("trace");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_status_exact_and_globs);
	tcase_add_test(tc, test_status_high_subject);
	tcase_add_test(tc, test_status_none);
	tcase_add_test(tc, test_reply_globs);
	tcase_add_test(tc, test_action_words);
	tcase_add_test(tc, test_outcome_conditions);
	tcase_add_test(tc, test_format_condition);
	tcase_add_test(tc, test_diagnostic_field);
	tcase_add_test(tc, test_named_pattern);
	tcase_add_test(tc, test_case_sensitive_pattern);
	tcase_add_test(tc, test_remote_mta_field);
	tcase_add_test(tc, test_reporting_mta_field);
	tcase_add_test(tc, test_text_field);
	tcase_add_test(tc, test_subject_field);
	tcase_add_test(tc, test_from_field);
	tcase_add_test(tc, test_headers_field);
	tcase_add_test(tc, test_all_conditions_must_hold);
	tcase_add_test(tc, test_unless);
	tcase_add_test(tc, test_priority_order);
	tcase_add_test(tc, test_priority_tie_file_order);
	tcase_add_test(tc, test_default_priority);
	tcase_add_test(tc, test_outcome_rule_nonstd);
	tcase_add_test(tc, test_outcome_rule_not_for_action);
	tcase_add_test(tc, test_outcome_rule_to_delayed);
	tcase_add_test(tc, test_reason_by_outcome);
	tcase_add_test(tc, test_severity);
	tcase_add_test(tc, test_no_rule_matched);
	tcase_add_test(tc, test_classify_bad_arguments);
	tcase_add_test(tc, test_outcome_of);
	tcase_add_test(tc, test_prefilter_misses_rule);
	tcase_add_test(tc, test_long_text_cut);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(tt, setup, teardown);
	tcase_add_test(tt, test_trace);
	tcase_add_test(tt, test_trace_order_and_unless);
	suite_add_tcase(s, tt);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(match_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
