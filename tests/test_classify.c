/*
 * test_classify - lib/classify.c: one pass per message, one match budget
 *
 * What a whole-message classification promises beyond the matching
 * semantics test_match.c checks: a condition on a message-wide field is
 * evaluated once however many recipients there are, while each
 * recipient's own fields are looked at for that recipient; the verdicts
 * come in report order with the worst outcome; the match budget stops a
 * catastrophic rule set, leaves the remaining recipients unclassified
 * (outcome from Action and Status, reason "undefined") and the rewritten
 * message is still explained and valid.  A Diagnostic-Code cut at the
 * field limit is marked cut, and no pattern matches at the cut.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsnexplain.h"
#include "rule_dir.h"

static char tmp[512];
static dsnx_context *ctx;
static dsnx_ruleset *set;

static void
setup(void)
{
	rule_dir_make(tmp, sizeof(tmp), "classify");
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
print_error(const dsnx_error_t *err, void *arg)
{
	(void)arg;
	fprintf(stderr, "%s:%d:%d: %s\n", err->source, err->line, err->column,
	    err->text);
}

static const char causes_json[] =
    "{\"causes\": {\n"
    "  \"c-text\": {\"who\": \"sender\", \"text\": {\"en\": {\"title\": \"T\",\n"
    "    \"summary\": \"S\", \"sender\": \"X\", \"admin\": [\"A\"]}}},\n"
    "  \"c-diag\": {\"who\": \"recipient-side\", \"text\": {\"en\": {\"title\": \"D\",\n"
    "    \"summary\": \"S\", \"sender\": \"X\", \"admin\": [\"A\"]}}}\n"
    "}}\n"
    "\n";

static const char strings_json[] =
    "{\"strings\": {\"en\": {\"footer\": \"f\"}}}\n";

/* Loads the catalogue and one rule file holding rules. */
static void
load_rules(const char *rules)
{
	static const char *const names[3] = { "00-causes.json",
	    "01-strings.json", "10-test.json" };
	char *file;
	size_t n = strlen(rules) + 32;
	dsnx_status st;

	rule_dir_put(tmp, names[0], causes_json);
	rule_dir_put(tmp, names[1], strings_json);
	ck_assert_ptr_nonnull(file = malloc(n));
	snprintf(file, n, "{\"rules\": [\n%s\n]}\n", rules);
	rule_dir_put(tmp, names[2], file);
	free(file);
	st = dsnx_ruleset_load(tmp, NULL, print_error, NULL, &set);
	ck_assert_msg(st == DSNX_OK, "rule set did not load: %s",
	    dsnx_strstatus(st));
}

/*
 * A DSN with n recipients.  Recipient i fails with 5.1.1 and a
 * diagnostic naming it; every third one says "mailbox full" instead, and
 * recipient 1 is delayed.  text is the human-readable part.  The
 * diagnostics are long runs of words, on which the catastrophic patterns
 * below backtrack until the PCRE2 limit stops them.
 */
static char *
build_dsn(unsigned n, const char *text)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	unsigned i;

	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "From: MAILER-DAEMON@mx.example.net\r\n"
	    "To: sender@example.com\r\nSubject: Undelivered Mail\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\r\n"
	    "\tboundary=\"=_B_=\"\r\n\r\n"
	    "--=_B_=\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n\r\n"
	    "--=_B_=\r\nContent-Type: message/delivery-status\r\n\r\n"
	    "Reporting-MTA: dns; mx.example.net\r\n", text);
	for (i = 0; i < n; i++) {
		fprintf(fp, "\r\nFinal-Recipient: rfc822; user%u@example.org\r\n", i);
		if (i == 1)
			fprintf(fp, "Action: delayed\r\nStatus: 4.4.1\r\n"
			    "Diagnostic-Code: smtp; 451 4.4.1 try later %u\r\n", i);
		else if (i % 3 == 2)
			fprintf(fp, "Action: failed\r\nStatus: 5.2.2\r\n"
			    "Diagnostic-Code: smtp; 552 5.2.2 mailbox full of mail that "
			    "nobody reads any more %u\r\n", i);
		else
			fprintf(fp, "Action: failed\r\nStatus: 5.1.1\r\n"
			    "Diagnostic-Code: smtp; 550 5.1.1 no such user here at this "
			    "address and none with a name like it %u\r\n", i);
	}
	fprintf(fp, "\r\n--=_B_=\r\nContent-Type: text/rfc822-headers\r\n\r\n"
	    "From: sender@example.com\r\nSubject: hello\r\n\r\n--=_B_=--\r\n");
	ck_assert_int_eq(fclose(fp), 0);
	return buf;
}

static const char text_and_diag_rules[] =
    "{\"id\": \"t.full\", \"priority\": 900,"
    " \"when\": {\"diagnostic\": \"mailbox full\"},"
    " \"reason\": \"mailboxfull\", \"cause\": \"c-diag\","
    " \"examples\": {\"match\": [{\"diagnostic\": \"mailbox full\"}]}},\n"
    "{\"id\": \"t.text\", \"priority\": 800,"
    " \"when\": {\"text\": \"the (?:remote|far) end said\"},"
    " \"reason\": \"userunknown\", \"cause\": \"c-text\","
    " \"examples\": {\"match\": [{\"text\": \"the far end said\"}]}}";

typedef struct tally {
	unsigned text_runs;          /* t.text tried, not remembered */
	unsigned text_remembered;
	unsigned last_recipient;
	int in_order;
} tally;

static void
count_steps(const dsnx_trace_step *step, void *arg)
{
	tally *t = arg;

	if (step->recipient < t->last_recipient)
		t->in_order = 0;
	t->last_recipient = step->recipient;
	if (strcmp(step->rule, "t.text") == 0) {
		if (step->remembered)
			t->text_remembered++;
		else
			t->text_runs++;
	}
}

START_TEST(test_message_wide_once)
{
	enum { N = 50 };
	char *msg = build_dsn(N, "Hello. The remote end said: go away.");
	dsnx_report *r = NULL;
	dsnx_classification *c = NULL;
	dsnx_classify_options o;
	tally t = { 0, 0, 0, 1 };
	unsigned i;

	load_rules(text_and_diag_rules);
	ck_assert_int_eq(dsnx_report_read(ctx, msg, strlen(msg), &r), DSNX_OK);
	ck_assert_uint_eq(dsnx_report_recipient_count(r), N);
	dsnx_classify_options_init(&o);
	o.trace = count_steps;
	o.trace_arg = &t;
	ck_assert_int_eq(dsnx_classify_message(set, r, &o, &c), DSNX_OK);
	ck_assert_uint_eq(dsnx_classification_count(c), N);
	/* The text condition ran once; every other recipient that reached
	 * the rule read the remembered answer. */
	ck_assert_uint_eq(t.text_runs, 1);
	ck_assert_uint_gt(t.text_remembered, 0);
	ck_assert(t.in_order);
	for (i = 0; i < N; i++) {
		const dsnx_verdict *v = dsnx_classification_verdict(c, i);

		/* Each recipient's own diagnostic still decides first. */
		if (i % 3 == 2 && i != 1) {
			ck_assert_str_eq(v->rule, "t.full");
			ck_assert_str_eq(v->reason, "mailboxfull");
		} else {
			ck_assert_str_eq(v->rule, "t.text");
			ck_assert_str_eq(v->cause, "c-text");
		}
		ck_assert_int_eq(v->outcome, i == 1 ? DSNX_OUTCOME_DELAYED
		    : DSNX_OUTCOME_FAILED);
		ck_assert_int_eq(v->unclassified, 0);
	}
	ck_assert_ptr_null(dsnx_classification_verdict(c, N));
	ck_assert_int_eq(dsnx_classification_worst(c), DSNX_OUTCOME_FAILED);
	ck_assert_uint_eq(dsnx_classification_unclassified(c), 0);
	ck_assert_uint_gt(dsnx_classification_steps(c), 0);
	dsnx_classification_free(c);
	dsnx_report_free(r);
	free(msg);
}
END_TEST

typedef struct prefilter_tally {
	unsigned full_prefiltered[8];   /* per recipient: t.full skipped */
	unsigned full_tried[8];
} prefilter_tally;

static void
note_full(const dsnx_trace_step *step, void *arg)
{
	prefilter_tally *t = arg;

	if (strcmp(step->rule, "t.full") != 0 || step->recipient >= 8)
		return;
	if (step->prefiltered)
		t->full_prefiltered[step->recipient]++;
	else
		t->full_tried[step->recipient]++;
}

START_TEST(test_prefilter_per_recipient)
{
	/* Recipient 2 says "mailbox full"; recipients 3 and 4 do not, and
	 * the literal seen in recipient 2's diagnostic must not let t.full
	 * run its pattern on theirs (it did: the scan's marks piled up from
	 * one recipient to the next, and after a few hundred recipients
	 * every rule ran on every one). */
	char *msg = build_dsn(6, "Hello.");
	dsnx_report *r = NULL;
	dsnx_classification *c = NULL;
	dsnx_classify_options o;
	prefilter_tally t;
	unsigned i;

	memset(&t, 0, sizeof(t));
	load_rules(text_and_diag_rules);
	ck_assert_int_eq(dsnx_report_read(ctx, msg, strlen(msg), &r), DSNX_OK);
	dsnx_classify_options_init(&o);
	o.trace = note_full;
	o.trace_arg = &t;
	ck_assert_int_eq(dsnx_classify_message(set, r, &o, &c), DSNX_OK);
	for (i = 0; i < 6; i++) {
		const dsnx_verdict *v = dsnx_classification_verdict(c, i);

		if (i % 3 == 2 && i != 1) {
			ck_assert_uint_eq(t.full_tried[i], 1);
			ck_assert_str_eq(v->rule, "t.full");
		} else {
			ck_assert_msg(t.full_prefiltered[i] == 1 && t.full_tried[i] == 0,
			    "recipient %u: t.full tried %u, skipped %u", i,
			    t.full_tried[i], t.full_prefiltered[i]);
		}
	}
	dsnx_classification_free(c);
	dsnx_report_free(r);
	free(msg);
}
END_TEST

/* Text that makes the pattern below backtrack until a PCRE2 limit. */
static const char catastrophic_rules[] =
    "{\"id\": \"t.evil-text\", \"priority\": 990,"
    " \"when\": {\"text\": \"(\\\\w+\\\\s?)+[^\\\\w\\\\s]{2}\\\\d\"},"
    " \"reason\": \"undefined\", \"cause\": \"c-text\","
    " \"examples\": {\"match\": [{\"text\": \"ab::1\"}]}},\n"
    "{\"id\": \"t.evil-diag\", \"priority\": 980,"
    " \"when\": {\"diagnostic\": \"(\\\\w+\\\\s?)+[^\\\\w\\\\s]{2}\\\\d\"},"
    " \"reason\": \"undefined\", \"cause\": \"c-diag\","
    " \"examples\": {\"match\": [{\"diagnostic\": \"ab::1\"}]}},\n"
    "{\"id\": \"t.full\", \"priority\": 900,"
    " \"when\": {\"diagnostic\": \"mailbox full\"},"
    " \"reason\": \"mailboxfull\", \"cause\": \"c-diag\","
    " \"examples\": {\"match\": [{\"diagnostic\": \"mailbox full\"}]}}";

static const char slow_text[] =
    "Your message could not be delivered to some recipients after "
    "several attempts because their servers said no: nothing more";

START_TEST(test_budget_stops_catastrophic_rules)
{
	enum { N = 20 };
	char *msg = build_dsn(N, slow_text);
	dsnx_report *r = NULL;
	dsnx_classification *c = NULL;
	dsnx_classify_options o;
	unsigned i, left;

	load_rules(catastrophic_rules);
	ck_assert_int_eq(dsnx_report_read(ctx, msg, strlen(msg), &r), DSNX_OK);
	dsnx_classify_options_init(&o);
	o.match_budget = 300000;	/* three patterns stopped by the limit */
	o.cpu_ms = 0;
	ck_assert_int_eq(dsnx_classify_message(set, r, &o, &c), DSNX_OK);
	left = dsnx_classification_unclassified(c);
	ck_assert_uint_gt(left, 0);
	ck_assert_uint_ge(dsnx_classification_limit_hits(c), 1);
	ck_assert_uint_ge(dsnx_classification_steps(c), o.match_budget);
	for (i = 0; i < N; i++) {
		const dsnx_verdict *v = dsnx_classification_verdict(c, i);

		if (!v->unclassified)
			continue;
		/* Nothing rests on rules that were skipped. */
		ck_assert_str_eq(v->reason, "undefined");
		ck_assert_ptr_null(v->cause);
		ck_assert_ptr_null(v->rule);
		ck_assert_ptr_null(v->outcome_rule);
		ck_assert_int_eq(v->outcome, i == 1 ? DSNX_OUTCOME_DELAYED
		    : DSNX_OUTCOME_FAILED);
	}
	/* Once it ran out, everything after is unclassified too. */
	for (i = N - left; i < N; i++)
		ck_assert_int_eq(dsnx_classification_verdict(c, i)->unclassified, 1);
	dsnx_classification_free(c);

	/* Without a budget the same message costs far more steps. */
	o.match_budget = 0;
	ck_assert_int_eq(dsnx_classify_message(set, r, &o, &c), DSNX_OK);
	ck_assert_uint_eq(dsnx_classification_unclassified(c), 0);
	ck_assert_uint_gt(dsnx_classification_steps(c), 300000);
	ck_assert_str_eq(dsnx_classification_verdict(c, 2)->rule, "t.full");
	dsnx_classification_free(c);
	dsnx_report_free(r);
	free(msg);
}
END_TEST

START_TEST(test_budget_rewrite_still_explained)
{
	char *msg = build_dsn(5, slow_text);
	dsnx_rewrite_options o;
	dsnx_rewrite *rw = NULL;
	dsnx_report *again = NULL;
	const char *out;
	size_t len;

	load_rules(catastrophic_rules);
	dsnx_rewrite_options_init(&o);
	o.classify.match_budget = 1000;
	ck_assert_int_eq(dsnx_rewrite_message(ctx, set, msg, strlen(msg), &o,
	    &rw), DSNX_OK);
	ck_assert(dsnx_rewrite_changed(rw));
	ck_assert_ptr_nonnull(dsnx_rewrite_verdicts(rw));
	ck_assert_uint_eq(dsnx_classification_unclassified(
	    dsnx_rewrite_verdicts(rw)), 5);
	ck_assert_ptr_nonnull(strstr(dsnx_rewrite_header_value(rw),
	    "reason=undefined"));
	/* The result reads as the same DSN. */
	out = dsnx_rewrite_output(rw, &len);
	ck_assert_int_eq(dsnx_report_read(ctx, out, len, &again), DSNX_OK);
	ck_assert(dsnx_report_is_dsn(again));
	ck_assert_uint_eq(dsnx_report_recipient_count(again), 5);
	ck_assert_uint_eq(dsnx_report_flags(again) & DSNX_REPORT_MIME_ERRORS, 0);
	dsnx_report_free(again);
	dsnx_rewrite_free(rw);
	free(msg);
}
END_TEST

/*
 * Two recipients with the same vague status and no Diagnostic-Code,
 * whose causes stand only in the human-readable part, each in the lines
 * that name it (OpenSMTPD's "addr: reply", qmail's "<addr>:" block):
 * each gets the verdict of its own lines, not the whole text's.
 */
static const char two_causes_msg[] =
    "From: MAILER-DAEMON@mx.example.net\r\n"
    "To: sender@example.com\r\nSubject: Undelivered Mail\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/report; report-type=delivery-status;\r\n"
    "\tboundary=\"=_B_=\"\r\n\r\n"
    "--=_B_=\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    "An error has occurred for the following recipients:\r\n\r\n"
    "ann@example.org: 552 5.2.2 Sorry, mailbox full\r\n\r\n"
    "<bob@example.org>:\r\n192.0.2.1 does not like recipient.\r\n"
    "Remote host said: 550 no such user here\r\n\r\n"
    "--=_B_=\r\nContent-Type: message/delivery-status\r\n\r\n"
    "Reporting-MTA: dns; mx.example.net\r\n\r\n"
    "Final-Recipient: rfc822; ann@example.org\r\n"
    "Action: failed\r\nStatus: 5.0.0\r\n\r\n"
    "Final-Recipient: rfc822; bob@example.org\r\n"
    "Action: failed\r\nStatus: 5.0.0\r\n\r\n"
    "Final-Recipient: rfc822; cy@example.org\r\n"
    "Action: failed\r\nStatus: 5.0.0\r\n"
    "\r\n--=_B_=--\r\n";

static const char own_text_rules[] =
    "{\"id\": \"t.full\", \"priority\": 900,"
    " \"when\": {\"diagnostic\": \"mailbox full\"},"
    " \"reason\": \"mailboxfull\", \"cause\": \"c-diag\","
    " \"examples\": {\"match\": [{\"diagnostic\": \"mailbox full\"}]}},\n"
    "{\"id\": \"t.unknown\", \"priority\": 890,"
    " \"when\": {\"recipient_text\": \"no such user\"},"
    " \"reason\": \"userunknown\", \"cause\": \"c-text\","
    " \"examples\": {\"match\": [{\"recipient_text\": \"no such user\"}],"
    "  \"no_match\": [{\"text\": \"no such user\"}]}},\n"
    "{\"id\": \"t.text\", \"priority\": 800,"
    " \"when\": {\"text\": \"mailbox full|no such user\"},"
    " \"reason\": \"undefined\", \"cause\": \"c-text\","
    " \"examples\": {\"match\": [{\"text\": \"no such user\"}]}}";

START_TEST(test_recipients_own_text)
{
	dsnx_report *r = NULL;
	dsnx_classification *c = NULL;
	const dsnx_verdict *v;

	load_rules(own_text_rules);
	ck_assert_int_eq(dsnx_report_read(ctx, two_causes_msg,
	    strlen(two_causes_msg), &r), DSNX_OK);
	ck_assert_uint_eq(dsnx_report_recipient_count(r), 3);
	ck_assert_int_eq(dsnx_classify_message(set, r, NULL, &c), DSNX_OK);
	/* ann: her line is the diagnostic she lacks. */
	v = dsnx_classification_verdict(c, 0);
	ck_assert_str_eq(v->rule, "t.full");
	ck_assert_str_eq(v->reason, "mailboxfull");
	/* bob: his block, read as recipient_text, not ann's line. */
	v = dsnx_classification_verdict(c, 1);
	ck_assert_str_eq(v->rule, "t.unknown");
	ck_assert_str_eq(v->reason, "userunknown");
	/* cy is named nowhere: only the whole text speaks for him. */
	ck_assert_ptr_null(dsnx_report_recipient_excerpt(r, 2));
	v = dsnx_classification_verdict(c, 2);
	ck_assert_str_eq(v->rule, "t.text");
	dsnx_classification_free(c);
	dsnx_report_free(r);
}
END_TEST

START_TEST(test_not_a_dsn_and_errors)
{
	static const char plain[] = "From: a@example.org\nSubject: hi\n\nhello\n";
	dsnx_report *r = NULL;
	dsnx_classification *c = NULL;

	load_rules(text_and_diag_rules);
	ck_assert_int_eq(dsnx_report_read(ctx, plain, strlen(plain), &r), DSNX_OK);
	ck_assert_int_eq(dsnx_classify_message(set, r, NULL, &c), DSNX_OK);
	ck_assert_uint_eq(dsnx_classification_count(c), 0);
	ck_assert_ptr_null(dsnx_classification_verdict(c, 0));
	ck_assert_int_eq(dsnx_classification_worst(c), DSNX_OUTCOME_NONE);
	dsnx_classification_free(c);
	ck_assert_int_eq(dsnx_classify_message(NULL, r, NULL, &c), DSNX_EINVAL);
	ck_assert_int_eq(dsnx_classify_message(set, NULL, NULL, &c), DSNX_EINVAL);
	ck_assert_int_eq(dsnx_classify_message(set, r, NULL, NULL), DSNX_EINVAL);
	dsnx_classification_free(NULL);
	dsnx_report_free(r);
}
END_TEST

/*
 * A cut field.  A Diagnostic-Code longer than max_header_field (64 KiB)
 * is read only up to there; where the cut falls right after "mailbox
 * full", patterns anchored at the end (\z, \Z, $), \b, and a lookahead
 * that sees nothing after it would match the cut text, though the field
 * goes on ("... user unknown").  None of them may match; a pattern that
 * needs no end still does; the report says the field was cut.  The same
 * rules on a field that does end there match as before.
 */
static const char cut_rules[] =
    "{\"id\": \"t.end-z\", \"priority\": 900,"
    " \"when\": {\"diagnostic\": \"mailbox full\\\\z\"},"
    " \"reason\": \"mailboxfull\", \"cause\": \"c-diag\","
    " \"examples\": {\"match\": [{\"diagnostic\": \"mailbox full\"}]}},\n"
    "{\"id\": \"t.end-big-z\", \"priority\": 890,"
    " \"when\": {\"diagnostic\": \"mailbox full\\\\Z\"},"
    " \"reason\": \"mailboxfull\", \"cause\": \"c-diag\","
    " \"examples\": {\"match\": [{\"diagnostic\": \"mailbox full\"}]}},\n"
    "{\"id\": \"t.end-dollar\", \"priority\": 880,"
    " \"when\": {\"diagnostic\": \"mailbox full$\"},"
    " \"reason\": \"mailboxfull\", \"cause\": \"c-diag\","
    " \"examples\": {\"match\": [{\"diagnostic\": \"mailbox full\"}]}},\n"
    "{\"id\": \"t.lookahead\", \"priority\": 870,"
    " \"when\": {\"diagnostic\": \"mailbox (?!.*unknown)\"},"
    " \"reason\": \"mailboxfull\", \"cause\": \"c-diag\","
    " \"examples\": {\"match\": [{\"diagnostic\": \"mailbox full\"}]}},\n"
    "{\"id\": \"t.word-end\", \"priority\": 860,"
    " \"when\": {\"diagnostic\": \"mailbox full\\\\b\"},"
    " \"reason\": \"mailboxfull\", \"cause\": \"c-diag\","
    " \"examples\": {\"match\": [{\"diagnostic\": \"mailbox full\"}]}},\n"
    "{\"id\": \"t.greedy\", \"priority\": 850,"
    " \"when\": {\"diagnostic\": \"mailbox f.*\"},"
    " \"reason\": \"mailboxfull\", \"cause\": \"c-diag\","
    " \"examples\": {\"match\": [{\"diagnostic\": \"mailbox full\"}]}},\n"
    "{\"id\": \"t.plain\", \"priority\": 100,"
    " \"when\": {\"diagnostic\": \"5\\\\.2\\\\.2 yada\"},"
    " \"reason\": \"undefined\", \"cause\": \"c-text\","
    " \"examples\": {\"match\": [{\"diagnostic\": \"5.2.2 yada\"}]}}";

/* A DSN whose one recipient's Diagnostic-Code is value, on one line. */
static char *
dsn_with_diagnostic(const char *value)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "From: MAILER-DAEMON@mx.example.net\r\n"
	    "To: sender@example.com\r\nSubject: Undelivered Mail\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\r\n"
	    "\tboundary=\"=_B_=\"\r\n\r\n"
	    "--=_B_=\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello.\r\n"
	    "\r\n--=_B_=\r\nContent-Type: message/delivery-status\r\n\r\n"
	    "Reporting-MTA: dns; mx.example.net\r\n\r\n"
	    "Final-Recipient: rfc822; user@example.org\r\n"
	    "Action: failed\r\nStatus: 5.2.2\r\nDiagnostic-Code: %s\r\n"
	    "\r\n--=_B_=--\r\n", value);
	ck_assert_int_eq(fclose(fp), 0);
	return buf;
}

/* "smtp; 552 5.2.2 yada yada ..." + tail, its first cap bytes ending
 * with the end of tail; then more (may be ""). */
static char *
long_value(size_t cap, const char *tail, const char *more)
{
	static const char head[] = "smtp; 552 5.2.2 ";
	size_t n = cap + strlen(more) + 1, fill, i;
	char *v = malloc(n);

	ck_assert_ptr_nonnull(v);
	fill = cap - strlen(head) - strlen(tail);
	memcpy(v, head, strlen(head));
	for (i = 0; i < fill; i++)
		v[strlen(head) + i] = "yada "[i % 5];
	memcpy(v + strlen(head) + fill, tail, strlen(tail));
	memcpy(v + cap, more, strlen(more) + 1);
	return v;
}

/* The verdict's rule for a message whose diagnostic is value. */
static const char *
rule_for(const char *value, int *cut, size_t *diag_len, char *last,
    size_t last_size)
{
	char *msg = dsn_with_diagnostic(value);
	dsnx_report *r = NULL;
	dsnx_classification *c = NULL;
	const dsnx_recipient *rc;
	const char *rule;

	ck_assert_int_eq(dsnx_report_read(ctx, msg, strlen(msg), &r), DSNX_OK);
	ck_assert_uint_eq(dsnx_report_recipient_count(r), 1);
	rc = dsnx_report_recipient(r, 0);
	ck_assert_ptr_nonnull(rc->diagnostic);
	*cut = rc->diagnostic_cut;
	*diag_len = strlen(rc->diagnostic);
	snprintf(last, last_size, "%s", rc->diagnostic + (*diag_len > last_size
	    - 1 ? *diag_len - (last_size - 1) : 0));
	ck_assert_int_eq(dsnx_classify_message(set, r, NULL, &c), DSNX_OK);
	rule = dsnx_classification_verdict(c, 0)->rule;
	dsnx_classification_free(c);
	dsnx_report_free(r);
	free(msg);
	return rule;	/* the set's string */
}

START_TEST(test_cut_field_no_match_at_cut)
{
	const size_t cap = dsnx_context_limits(ctx)->max_header_field;
	char *v, last[14];
	const char *rule;
	size_t dlen;
	int cut;

	load_rules(cut_rules);
	/* Cut right after "mailbox full"; the field goes on. */
	v = long_value(cap, " mailbox full", " - no: user unknown here");
	rule = rule_for(v, &cut, &dlen, last, sizeof(last));
	ck_assert_int_eq(cut, 1);
	ck_assert_uint_eq(dlen, cap - strlen("smtp; "));
	ck_assert_str_eq(last, " mailbox full");
	ck_assert_str_eq(rule, "t.plain");
	free(v);

	/* The same bytes where the field really ends there: not cut, and
	 * the end-anchored rule decides. */
	v = long_value(cap - 100, " mailbox full", "");
	rule = rule_for(v, &cut, &dlen, last, sizeof(last));
	ck_assert_int_eq(cut, 0);
	ck_assert_str_eq(rule, "t.end-z");
	free(v);

	/* Longer than the cap by one byte only: still cut. */
	v = long_value(cap, " mailbox full", "!");
	rule = rule_for(v, &cut, &dlen, last, sizeof(last));
	ck_assert_int_eq(cut, 1);
	ck_assert_str_eq(rule, "t.plain");
	free(v);

	/* Exactly at the cap: all of it was read, nothing is cut. */
	v = long_value(cap, " mailbox full", "");
	rule = rule_for(v, &cut, &dlen, last, sizeof(last));
	ck_assert_int_eq(cut, 0);
	ck_assert_str_eq(rule, "t.end-z");
	free(v);

	/* A cut inside a UTF-8 sequence leaves the whole characters only,
	 * no U+FFFD; a match before the cut still counts. */
	v = long_value(cap + 1, " mailbox full \xc3\xa9", "\xa9 more");
	v[cap - 1] = 'x';       /* "...full x" then the cut inside "\xc3\xa9" */
	v[cap] = '\xc3';
	rule = rule_for(v, &cut, &dlen, last, sizeof(last));
	ck_assert_int_eq(cut, 1);
	ck_assert_msg(strstr(last, "\xef\xbf\xbd") == NULL, "U+FFFD at the cut");
	ck_assert_str_eq(rule, "t.word-end");
	free(v);
}
END_TEST

/*
 * A cut text.  The human-readable part is decoded only up to max_decoded;
 * when the cut falls right after "the mailbox is full", a text rule
 * anchored at the end must not match, though it does when the text
 * really ends there.  Quoted-printable text is cut the same way.
 */
static const char text_cut_rules[] =
    "{\"id\": \"t.text-end\", \"priority\": 900,"
    " \"when\": {\"text\": \"the mailbox is full\\\\s*\\\\z\"},"
    " \"reason\": \"mailboxfull\", \"cause\": \"c-diag\","
    " \"examples\": {\"match\": [{\"text\": \"the mailbox is full\"}]}},\n"
    "{\"id\": \"t.plain\", \"priority\": 100,"
    " \"when\": {\"status\": \"5.2.2\"},"
    " \"reason\": \"undefined\", \"cause\": \"c-text\","
    " \"examples\": {\"match\": [{\"status\": \"5.2.2\"}]}}";

/* The rule for a DSN whose text part (in cte) holds fill bytes of "x",
 * "the mailbox is full", then more. */
static const char *
rule_for_text(dsnx_context *c, const char *cte, size_t fill,
    const char *more, int *cut)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *fp = open_memstream(&buf, &len);
	dsnx_report *r = NULL;
	dsnx_classification *verdicts = NULL;
	const char *rule;

	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "From: MAILER-DAEMON@mx.example.net\r\n"
	    "To: sender@example.com\r\nSubject: Undelivered Mail\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\r\n"
	    "\tboundary=\"=_B_=\"\r\n\r\n"
	    "--=_B_=\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: %s\r\n\r\n", cte);
	for (i = 0; i < fill; i++)
		fputc(i % 64 == 63 ? '\n' : 'x', fp);
	fprintf(fp, "the mailbox is full%s\r\n"
	    "\r\n--=_B_=\r\nContent-Type: message/delivery-status\r\n\r\n"
	    "Reporting-MTA: dns; mx.example.net\r\n\r\n"
	    "Final-Recipient: rfc822; user@example.org\r\n"
	    "Action: failed\r\nStatus: 5.2.2\r\n"
	    "\r\n--=_B_=--\r\n", more);
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_int_eq(dsnx_report_read(c, buf, len, &r), DSNX_OK);
	*cut = dsnx_report_text_cut(r);
	ck_assert_int_eq(dsnx_classify_message(set, r, NULL, &verdicts),
	    DSNX_OK);
	rule = dsnx_classification_verdict(verdicts, 0)->rule;
	dsnx_classification_free(verdicts);
	dsnx_report_free(r);
	free(buf);
	return rule;
}

START_TEST(test_cut_text_no_match_at_cut)
{
	dsnx_context *small;
	dsnx_limits lim;
	const char *rule;
	const size_t cap = 4096, phrase = strlen("the mailbox is full");
	int cut;

	load_rules(text_cut_rules);
	dsnx_limits_init(&lim);
	lim.max_decoded = cap;
	ck_assert_int_eq(dsnx_context_new(&lim, &small, NULL), DSNX_OK);
	/* The cut right after the phrase; the text goes on. */
	rule = rule_for_text(small, "8bit", cap - phrase,
	    " - no: user unknown", &cut);
	ck_assert_int_eq(cut, 1);
	ck_assert_str_eq(rule, "t.plain");
	rule = rule_for_text(small, "quoted-printable", cap - phrase,
	    " - no: user unknown", &cut);
	ck_assert_int_eq(cut, 1);
	ck_assert_str_eq(rule, "t.plain");
	/* Where the text does end there: not cut, the anchored rule. */
	rule = rule_for_text(small, "8bit", cap - phrase - 200, "", &cut);
	ck_assert_int_eq(cut, 0);
	ck_assert_str_eq(rule, "t.text-end");
	dsnx_context_free(small);
}
END_TEST

static Suite *
classify_suite(void)
{
	Suite *s = suite_create("classify");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_message_wide_once);
	tcase_add_test(tc, test_prefilter_per_recipient);
	tcase_add_test(tc, test_budget_stops_catastrophic_rules);
	tcase_add_test(tc, test_budget_rewrite_still_explained);
	tcase_add_test(tc, test_not_a_dsn_and_errors);
	tcase_add_test(tc, test_cut_field_no_match_at_cut);
	tcase_add_test(tc, test_cut_text_no_match_at_cut);
	tcase_add_test(tc, test_recipients_own_text);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(classify_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
