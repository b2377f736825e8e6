/*
 * test_ourtext - our own text is never read as bounce data
 *
 * Bounce processors (mailing-list managers above all) pick bounced
 * addresses out of every text part with loose patterns.  Whatever the
 * explanation adds to a notice must therefore hold nothing that such a
 * pattern takes for an address or for a line of a bounce report, beyond
 * what the original notice holds itself.  This test renders every cause
 * of the shipped catalogue in every language, as text and as HTML, for a
 * recipient that failed, one that is delayed and one that was delivered,
 * plus the unclassified explanation (the match budget run out), and
 * checks each rendition against the shapes below.  It also checks every
 * catalogue text of every cause and language directly, so that a text a
 * rendition does not show (a sender's advice of a delivered recipient)
 * is held to the same rules.
 *
 * How every cause is reached: a scratch site rule directory holds one
 * rule per cause, of the highest priority, matching a probe word in the
 * diagnostic ("ourtext-probe-N"); the shipped rules stay loaded around
 * them, as in production.
 *
 * What comes from the message (the recipient's address, the diagnostic,
 * the reporting MTA) is replaced by a marker before the checks, so that
 * the shapes test only our text and the way it frames those values.
 *
 * The shapes (PCRE2, UTF, case-insensitive where it says so); a hit in
 * any rendition or catalogue text fails, naming cause, language, outcome
 * and the line:
 *   address    [^\s@]@[^\s@] | (?:^|\s)@[\w<]    any x@y, and @host / @<x>
 *   angle      <[^<>\s]*>    an address or placeholder in angle brackets
 *   arrow      <-            "addr <-- ..." (Sendmail/Exim style lists)
 *   colon      ^\s*<?ADDR>?\s*:   an address opening a line, then a colon
 *   dots       ADDR>?\.\.\.  Sendmail's "addr... User unknown"
 *   after      ADDR>?[\s,]+(?:could|was|has|is|cannot|can't|will)\s+not
 *              the address followed by a failure verb
 *   before     (?i)(?:deliver(?:ed|y)?|reach(?:ed)?|sent)\s+to:?\s*<?ADDR
 *              "could not be delivered to ADDR", "delivery to ADDR"
 *   phrase     (?i)could not be delivered to|following (?:addresses|
 *              recipients?)|permanent fatal errors|undeliverable to
 *              English bounce phrases, in our text only
 * (ADDR is the marker that stands for the recipient's address.)
 */
#include "config.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "dsnexplain.h"
#include "rule_dir.h"
#include "sbuf.h"

#define TIMEOUT 300
#define RCPT "rcpt.person@example.org"
#define MARK "RCPTMARK"

static const char *const langs[] = { "en", "de", "fr", "es", "it" };
#define NLANGS (sizeof(langs) / sizeof(langs[0]))

static const struct shape {
	const char *name;
	const char *re;
} shapes[] = {
	{ "address", "[^\\s@]@[^\\s@]|(?:^|\\s)@[\\w<]" },
	{ "angle", "<[^<>\\s]*>" },
	{ "arrow", "<-" },
	{ "colon", "(?m)^\\s*<?" MARK ">?\\s*:" },
	{ "dots", MARK ">?\\.\\.\\." },
	{ "after", MARK ">?[\\s,]+(?:could|was|has|is|cannot|can't|will)\\s+not" },
	{ "before", "(?i)(?:deliver(?:ed|y)?|reach(?:ed)?|sent)\\s+to:?\\s*<?"
	    MARK },
	{ "phrase", "(?i)could not be delivered to|following (?:addresses|"
	    "recipients?)|permanent fatal errors|undeliverable to" },
};
#define NSHAPES (sizeof(shapes) / sizeof(shapes[0]))

static pcre2_code *compiled[NSHAPES];
static pcre2_match_data *md;
static char **causes;
static size_t ncauses;
static char sitedir[512];
static dsnx_context *ctx;
static dsnx_ruleset *rules;

static void
problem(const dsnx_error_t *err, void *arg)
{
	(void)arg;
	fprintf(stderr, "%s:%d:%d: %s\n", err->source, err->line, err->column,
	    err->text);
}

/* The cause names of the shipped catalogue, read from its file. */
static void
read_causes(void)
{
	json_error_t jerr;
	json_t *root, *c;
	const char *key;
	json_t *val;

	root = json_load_file(RULES_DIR "/causes.json", 0, &jerr);
	ck_assert_msg(root != NULL, "causes.json: %s", jerr.text);
	c = json_object_get(root, "causes");
	ck_assert(json_is_object(c));
	causes = calloc(json_object_size(c), sizeof(*causes));
	ck_assert_ptr_nonnull(causes);
	json_object_foreach(c, key, val) {
		(void)val;
		causes[ncauses] = strdup(key);
		ck_assert_ptr_nonnull(causes[ncauses]);
		ncauses++;
	}
	json_decref(root);
	ck_assert_uint_gt(ncauses, 0);
}

/* One site rule per cause, probe word N in the diagnostic. */
static void
write_site_rules(void)
{
	sbuf b;
	size_t i;
	char one[1024];

	memset(&b, 0, sizeof(b));
	sb_str(&b, "{\"rules\": [\n");
	for (i = 0; i < ncauses; i++) {
		snprintf(one, sizeof(one), "%s{\"id\": \"99-ourtext.probe-%zu\", "
		    "\"priority\": 1000, \"when\": {\"diagnostic\": "
		    "\"ourtext-probe-%zu\\\\b\"}, \"reason\": \"undefined\", "
		    "\"cause\": \"%s\", \"examples\": {\"match\": [{\"status\": "
		    "\"5.0.0\", \"action\": \"failed\", \"diagnostic\": "
		    "\"550 5.0.0 ourtext-probe-%zu\"}]}}\n", i ? "," : "", i, i,
		    causes[i], i);
		sb_str(&b, one);
	}
	sb_str(&b, "]}\n");
	rule_dir_make(sitedir, sizeof(sitedir), "ourtext");
	rule_dir_put(sitedir, "99-ourtext.json", b.p);
	sb_free(&b);
}

static void
setup(void)
{
	size_t i;
	int code;
	PCRE2_SIZE off;

	read_causes();
	write_site_rules();
	ck_assert(dsnx_context_new(NULL, &ctx, NULL) == DSNX_OK);
	ck_assert(dsnx_ruleset_load(RULES_DIR, sitedir, problem, NULL, &rules)
	    == DSNX_OK);
	for (i = 0; i < NSHAPES; i++) {
		compiled[i] = pcre2_compile((PCRE2_SPTR)shapes[i].re,
		    PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP, &code, &off,
		    NULL);
		ck_assert_msg(compiled[i] != NULL, "shape %s does not compile",
		    shapes[i].name);
	}
	md = pcre2_match_data_create(4, NULL);
	ck_assert_ptr_nonnull(md);
}

static void
teardown(void)
{
	size_t i;

	for (i = 0; i < NSHAPES; i++)
		pcre2_code_free(compiled[i]);
	pcre2_match_data_free(md);
	dsnx_ruleset_unref(rules);
	dsnx_context_free(ctx);
	rule_dir_remove(sitedir);
	for (i = 0; i < ncauses; i++)
		free(causes[i]);
	free(causes);
	causes = NULL;
	ncauses = 0;
}

/* Replaces every occurrence of from in s (in place; to is not longer). */
static void
replace(char *s, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to);
	char *p = s;

	ck_assert_uint_le(tl, fl);
	while ((p = strstr(p, from)) != NULL) {
		memcpy(p, to, tl);
		memmove(p + tl, p + fl, strlen(p + fl) + 1);
		p += tl;
	}
}

/* The HTML rendition as the reader sees its words: tags dropped (each
 * becomes a space), then the entities decoded. */
static char *
html_words(const char *h)
{
	static const struct { const char *ent, *ch; } ents[] = {
		{ "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" },
		{ "&quot;", "\"" }, { "&#39;", "'" },
	};
	char *out = malloc(strlen(h) + 1), *o = out;
	size_t i;

	ck_assert_ptr_nonnull(out);
	while (*h) {
		if (*h == '<') {
			while (*h && *h != '>')
				h++;
			if (*h)
				h++;
			*o++ = ' ';
			continue;
		}
		for (i = 0; i < sizeof(ents) / sizeof(ents[0]); i++)
			if (strncmp(h, ents[i].ent, strlen(ents[i].ent)) == 0)
				break;
		if (i < sizeof(ents) / sizeof(ents[0])) {
			*o++ = ents[i].ch[0];
			h += strlen(ents[i].ent);
		} else
			*o++ = *h++;
	}
	*o = '\0';
	return out;
}

/* The line of s around offset at, for the failure message. */
static void
line_at(const char *s, size_t at, char *out, size_t size)
{
	size_t a = at, z = at;

	while (a > 0 && s[a - 1] != '\n')
		a--;
	while (s[z] && s[z] != '\n')
		z++;
	snprintf(out, size, "%.*s", (int)(z - a), s + a);
}

/* Number of shapes found in s, each printed with where. */
static unsigned
hits(const char *s, const char *where)
{
	unsigned n = 0;
	size_t i;
	char line[300];
	int rc;

	for (i = 0; i < NSHAPES; i++) {
		rc = pcre2_match(compiled[i], (PCRE2_SPTR)s, strlen(s), 0, 0, md,
		    NULL);
		if (rc >= 0) {
			line_at(s, pcre2_get_ovector_pointer(md)[0], line,
			    sizeof(line));
			fprintf(stderr, "test_ourtext: %s: shape %s in \"%s\"\n",
			    where, shapes[i].name, line);
			n++;
		} else
			ck_assert_msg(rc == PCRE2_ERROR_NOMATCH, "pcre2_match: %d", rc);
	}
	return n;
}

/* The message a cause is rendered from. */
static void
make_dsn(sbuf *b, size_t cause, const char *action)
{
	char block[512];
	int failed = strcmp(action, "failed") == 0;
	int delayed = strcmp(action, "delayed") == 0;
	const char *status = failed ? "5.0.0" : delayed ? "4.0.0" : "2.0.0";
	const char *reply = failed ? "550" : delayed ? "450" : "250";

	sb_str(b, "From: MAILER-DAEMON@mx.example.net\n"
	    "To: sender@example.net\nSubject: Delivery Status Notification\n"
	    "MIME-Version: 1.0\nContent-Type: multipart/report; "
	    "report-type=delivery-status; boundary=\"b\"\n\n--b\n"
	    "Content-Type: text/plain\n\nA notice.\n\n--b\n"
	    "Content-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.example.net\n");
	snprintf(block, sizeof(block), "\nFinal-Recipient: rfc822; " RCPT "\n"
	    "Action: %s\nStatus: %s\nDiagnostic-Code: smtp; %s %s "
	    "ourtext-probe-%zu\n", action, status, reply, status, cause);
	sb_str(b, block);
	sb_str(b, "\n--b--\n");
}

/* Renders msg in lang and counts the shapes of both renditions. */
static unsigned
render_check(const sbuf *msg, const char *lang, const char *what,
    const dsnx_classify_options *copt, const char *want_cause)
{
	dsnx_report *report;
	dsnx_classification *v;
	dsnx_explanation *x;
	dsnx_rendition rd;
	dsnx_render_options ropt;
	char where[200], *text, *html;
	unsigned n;

	dsnx_render_options_init(&ropt);
	ropt.lang = lang;
	ck_assert(dsnx_report_read(ctx, msg->p, msg->len, &report) == DSNX_OK);
	ck_assert(dsnx_classify_message(rules, report, copt, &v) == DSNX_OK);
	if (want_cause != NULL) {
		const char *got = dsnx_classification_verdict(v, 0)->cause;

		ck_assert_msg(got != NULL && strcmp(got, want_cause) == 0,
		    "%s: the probe reached cause %s, not %s", what,
		    got ? got : "(none)", want_cause);
	}
	ck_assert(dsnx_explanation_build(rules, report, v, &ropt, &x)
	    == DSNX_OK);
	ck_assert(dsnx_explanation_render(x, &rd) == DSNX_OK);
	text = strdup(rd.text);
	ck_assert_ptr_nonnull(text);
	html = html_words(rd.html);
	/* The message's own values, then our text around them. */
	replace(text, RCPT, MARK);
	replace(html, RCPT, MARK);
	snprintf(where, sizeof(where), "%s, %s, text", what, lang);
	n = hits(text, where);
	snprintf(where, sizeof(where), "%s, %s, HTML", what, lang);
	n += hits(html, where);
	free(text);
	free(html);
	dsnx_rendition_free(&rd);
	dsnx_explanation_free(x);
	dsnx_classification_free(v);
	dsnx_report_free(report);
	return n;
}

START_TEST(every_cause_rendered)
{
	static const char *const actions[] = { "failed", "delayed",
	    "delivered" };
	dsnx_classify_options copt;
	size_t c, l, a;
	unsigned n = 0, renders = 0;
	char what[200];
	sbuf msg;

	dsnx_classify_options_init(&copt);
	copt.match_budget = 0;
	copt.cpu_ms = 0;
	for (c = 0; c < ncauses; c++)
		for (a = 0; a < sizeof(actions) / sizeof(actions[0]); a++) {
			memset(&msg, 0, sizeof(msg));
			make_dsn(&msg, c, actions[a]);
			for (l = 0; l < NLANGS; l++) {
				snprintf(what, sizeof(what), "cause %s, %s", causes[c],
				    actions[a]);
				/* A delivered recipient has no cause to show. */
				n += render_check(&msg, langs[l], what, &copt,
				    strcmp(actions[a], "delivered") ? causes[c] : NULL);
				renders++;
			}
			sb_free(&msg);
		}
	printf("test_ourtext: %u renditions (text and HTML) of %zu causes in "
	    "%zu languages, %u shapes found\n", renders, ncauses, NLANGS, n);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(unclassified_rendered)
{
	dsnx_classify_options copt;
	unsigned n = 0;
	size_t l;
	sbuf msg;

	/* A budget of one step leaves the recipient unclassified. */
	dsnx_classify_options_init(&copt);
	copt.match_budget = 1;
	copt.cpu_ms = 0;
	memset(&msg, 0, sizeof(msg));
	make_dsn(&msg, 0, "failed");
	for (l = 0; l < NLANGS; l++)
		n += render_check(&msg, langs[l], "unclassified", &copt, NULL);
	sb_free(&msg);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(every_catalogue_text)
{
	dsnx_cause_text ct;
	size_t c, l;
	unsigned i, n = 0, texts = 0;
	char where[200];

	for (c = 0; c < ncauses; c++)
		for (l = 0; l < NLANGS; l++) {
			memset(&ct, 0, sizeof(ct));
			ck_assert_int_eq(dsnx_cause_text_get(rules, causes[c],
			    langs[l], &ct), 0);
			snprintf(where, sizeof(where), "catalogue %s, %s", causes[c],
			    langs[l]);
			if (ct.title)
				n += hits(ct.title, where), texts++;
			if (ct.summary)
				n += hits(ct.summary, where), texts++;
			if (ct.sender)
				n += hits(ct.sender, where), texts++;
			for (i = 0; i < ct.admin_count; i++)
				n += hits(ct.admin[i], where), texts++;
			for (i = 0; i < ct.reference_count; i++)
				n += hits(ct.references[i], where), texts++;
		}
	printf("test_ourtext: %u catalogue texts, %u shapes found\n", texts, n);
	ck_assert_uint_eq(n, 0);
}
END_TEST

/* The shapes must catch what they are written for (a test that cannot
 * fail proves nothing). */
START_TEST(shapes_catch)
{
	static const char *const bad[] = {
		"e.g. \"550 5.1.1 <user@domain>: Recipient address rejected\"",
		"swaks --to <addr> --server <mx>",
		"dig @ns1 MX example.org",
		"send as root@localhost",
		MARK ": Recipient address rejected",
		"   <" MARK ">: User unknown",
		MARK "... User unknown",
		"addr <-- host said",
		"Your message to " MARK " could not be delivered.",
		"Your message could not be delivered to " MARK ".",
		"Delivery to " MARK " failed",
		"The following addresses had permanent fatal errors",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(hits(bad[i], "self-test") > 0, "no shape catches "
		    "\"%s\"", bad[i]);
	ck_assert_uint_eq(hits("Not delivered: your message to " MARK ".\n"
	    "Check the part after the @, \"swaks --to RECIPIENT --server MX\"",
	    "self-test"), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ourtext");
	TCase *tc = tcase_create("ourtext");
	SRunner *sr;
	int failed;

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, TIMEOUT);
	tcase_add_test(tc, shapes_catch);
	tcase_add_test(tc, every_catalogue_text);
	tcase_add_test(tc, every_cause_rendered);
	tcase_add_test(tc, unclassified_rendered);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
