/*
 * test_explanation - the explanation model and its two writers
 *
 * Reports of our own making go through the public calls (read,
 * classify, dsnx_explanation_build, dsnx_explanation_render); the model
 * is then read through lib/explanation.h to check what the writers are
 * given, and the renditions with code of our own (HTML entities decoded
 * here, white space ignored where the text rendition wraps).
 *
 * Counts: 200 recipients name ten and say "+190" in the text and the
 * HTML alike; 1,000 recipients are all counted and the renditions do not
 * grow with them; a group of exactly DSNX_EXPLAIN_SHOWN has no remainder,
 * one more has a remainder of one.  Order: mixed outcomes come most
 * severe first, in the renditions and in the summary fields.  The match
 * budget: recipients it left unclassified form their own group with our
 * own sentences.  Facts: every fact of the model is shown by both
 * renditions, the reply code included.
 *
 * The rule set is rules/ of the source tree (RULES_DIR), loaded once.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dsnexplain.h"
#include "explanation.h"
#include "sbuf.h"
#include "shipped_rules.h"

#define TIMEOUT 120

/* ------------------------------------------------------------ helpers */

/* Kinds of recipient block a test report is made of. */
enum kind { USER_UNKNOWN, EXPIRED, DELAYED, DELIVERED };

static void
add_block(sbuf *b, unsigned i, enum kind k)
{
	char line[512];

	switch (k) {
	case USER_UNKNOWN:
		snprintf(line, sizeof(line), "\nFinal-Recipient: rfc822; "
		    "user%u@example.org\nAction: failed\nStatus: 5.1.1\n"
		    "Remote-MTA: dns; mx.example.org\nDiagnostic-Code: smtp; "
		    "550 5.1.1 <user%u@example.org>: Recipient address rejected: "
		    "User unknown in virtual mailbox table\n", i, i);
		break;
	case EXPIRED:
		snprintf(line, sizeof(line), "\nFinal-Recipient: rfc822; "
		    "user%u@example.net\nAction: failed\nStatus: 4.4.7\n"
		    "Diagnostic-Code: X-Postfix; delivery temporarily suspended: "
		    "connect to mx.example.net[192.0.2.7]:25: Connection timed "
		    "out\n", i);
		break;
	case DELAYED:
		snprintf(line, sizeof(line), "\nFinal-Recipient: rfc822; "
		    "user%u@example.com\nAction: delayed\nStatus: 4.4.1\n"
		    "Diagnostic-Code: X-Postfix; connect to mx.example.com"
		    "[192.0.2.8]:25: Connection refused\n"
		    "Will-Retry-Until: Tue, 3 Nov 2026 10:00:00 +0000\n", i);
		break;
	case DELIVERED:
		snprintf(line, sizeof(line), "\nFinal-Recipient: rfc822; "
		    "user%u@example.edu\nAction: delivered\nStatus: 2.0.0\n"
		    "Diagnostic-Code: smtp; 250 2.0.0 Ok: queued\n", i);
		break;
	}
	sb_str(b, line);
}

/* A multipart/report with one block per kinds[i] (n of them, kinds
 * repeated when shorter). */
static void
make_report(sbuf *b, unsigned n, const enum kind *kinds, unsigned nkinds)
{
	unsigned i;

	sb_str(b, "From: MAILER-DAEMON@mx.example.net\n"
	    "To: sender@example.net\nSubject: Undelivered Mail Returned to "
	    "Sender\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status; "
	    "boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\n"
	    "This is the mail system at host mx.example.net.\n\n--b\n"
	    "Content-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.example.net\n"
	    "X-Postfix-Queue-ID: 4AbCdEf\n"
	    "Arrival-Date: Sun, 1 Nov 2026 10:00:00 +0000\n");
	for (i = 0; i < n; i++)
		add_block(b, i, kinds[i % nkinds]);
	sb_str(b, "\n--b--\n");
}

/* Everything one test looks at. */
typedef struct explained {
	dsnx_report *report;
	dsnx_classification *verdicts;
	dsnx_explanation *x;
	dsnx_rendition rd;
} explained;

/* copt NULL: no match budget at all, so that counts do not depend on
 * how fast this machine (or valgrind) is; the budget has its own test. */
static void
explain(explained *e, const sbuf *msg, const dsnx_classify_options *copt,
    const char *lang)
{
	dsnx_render_options ropt;
	dsnx_classify_options unlimited;

	if (copt == NULL) {
		dsnx_classify_options_init(&unlimited);
		unlimited.match_budget = 0;
		unlimited.cpu_ms = 0;
		copt = &unlimited;
	}
	memset(e, 0, sizeof(*e));
	dsnx_render_options_init(&ropt);
	if (lang != NULL)
		ropt.lang = lang;
	ck_assert(dsnx_report_read(ctx, msg->p, msg->len, &e->report)
	    == DSNX_OK);
	ck_assert(dsnx_report_is_dsn(e->report));
	ck_assert(dsnx_classify_message(rules, e->report, copt, &e->verdicts)
	    == DSNX_OK);
	ck_assert(dsnx_explanation_build(rules, e->report, e->verdicts, &ropt,
	    &e->x) == DSNX_OK);
	ck_assert(dsnx_explanation_render(e->x, &e->rd) == DSNX_OK);
}

static void
explained_free(explained *e)
{
	dsnx_rendition_free(&e->rd);
	dsnx_explanation_free(e->x);
	dsnx_classification_free(e->verdicts);
	dsnx_report_free(e->report);
}

/* Does s end with tail?  (The headline ends with the recipients.) */
static int
ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), k = strlen(tail);

	return n >= k && strcmp(s + n - k, tail) == 0;
}

static unsigned
count_of(const char *hay, const char *needle)
{
	unsigned n = 0;
	const char *p = hay;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += strlen(needle);
	}
	return n;
}

/* s without any white space (the text rendition wraps at spaces). */
static char *
squeeze(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	ck_assert_ptr_nonnull(out);
	for (; *s; s++)
		if (*s != ' ' && *s != '\n' && *s != '\t' && *s != '\r')
			*o++ = *s;
	*o = '\0';
	return out;
}

/* The HTML rendition with its five entities decoded, squeezed. */
static char *
html_plain(const char *h)
{
	static const struct { const char *ent, *ch; } ents[] = {
		{ "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" },
		{ "&quot;", "\"" }, { "&#39;", "'" },
	};
	char *out = malloc(strlen(h) + 1), *o = out, *sq;
	size_t i;

	ck_assert_ptr_nonnull(out);
	while (*h) {
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
	sq = squeeze(out);
	free(out);
	return sq;
}

/* needle (white space ignored) is in the text and in the HTML. */
static void
shown_by_both(const explained *e, const char *needle)
{
	char *t = squeeze(e->rd.text), *h = html_plain(e->rd.html);
	char *n = squeeze(needle);

	ck_assert_msg(strstr(t, n) != NULL, "text rendition lacks \"%s\"",
	    needle);
	ck_assert_msg(strstr(h, n) != NULL, "HTML rendition lacks \"%s\"",
	    needle);
	free(t);
	free(h);
	free(n);
}

static const char *
ui(const char *key)
{
	const char *s = dsnx_ruleset_string(rules, "en", key);

	ck_assert_msg(s != NULL, "no string %s", key);
	return s;
}

/* The filled admin.more sentence for n, as the model should say it. */
static void
more_sentence(unsigned n, char *buf, size_t size)
{
	const char *s = ui("admin.more"), *ph = strstr(s, "{n}");

	ck_assert_ptr_nonnull(ph);
	snprintf(buf, size, "%.*s%u%s", (int)(ph - s), s, n, ph + 3);
}

/* ------------------------------------------------------------ counts */

START_TEST(test_200_recipients)
{
	static const enum kind k[1] = { USER_UNKNOWN };
	sbuf b = { 0 };
	explained e;
	const xp_group *g;
	char more[512];
	unsigned i;

	make_report(&b, 200, k, 1);
	explain(&e, &b, NULL, NULL);
	ck_assert_uint_eq(dsnx_explanation_recipient_count(e.x), 200);
	ck_assert_uint_eq(dsnx_explanation_group_count(e.x), 1);
	g = &e.x->groups[0];
	ck_assert_uint_eq(g->count, 200);
	ck_assert_uint_eq(g->shown, DSNX_EXPLAIN_SHOWN);
	for (i = 0; i < g->count; i++)
		ck_assert_uint_eq(g->members[i], i);
	ck_assert(ends_with(g->headline, "user9@example.org, +190"));
	ck_assert_ptr_null(strstr(g->headline, "user10@"));
	/* the headline: once in the text, in <title> and <h1> in HTML */
	ck_assert_uint_eq(count_of(e.rd.text, "+190"), 1);
	ck_assert_uint_eq(count_of(e.rd.html, "+190"), 2);
	ck_assert_uint_eq(count_of(e.rd.text, "+54"), 0);
	more_sentence(190, more, sizeof(more));
	ck_assert_str_eq(g->more, more);
	shown_by_both(&e, more);
	/* ten recipients detailed in each rendition, not 11 or 64 */
	ck_assert_uint_eq(count_of(e.rd.text, "Recipient: user"), 10);
	ck_assert_uint_eq(count_of(e.rd.html, "font-weight:bold;\">user"), 10);
	ck_assert_ptr_null(strstr(e.rd.text, "user10@"));
	explained_free(&e);
	sb_free(&b);
}
END_TEST

START_TEST(test_1000_recipients)
{
	static const enum kind k[1] = { USER_UNKNOWN };
	sbuf b = { 0 }, small = { 0 };
	explained e, e1;
	char more[512];

	make_report(&b, 1000, k, 1);
	explain(&e, &b, NULL, NULL);
	ck_assert_uint_eq(dsnx_explanation_recipient_count(e.x), 1000);
	ck_assert_uint_eq(e.x->groups[0].count, 1000);
	ck_assert_uint_eq(count_of(e.rd.text, "+990"), 1);
	ck_assert_uint_eq(count_of(e.rd.html, "+990"), 2);
	more_sentence(990, more, sizeof(more));
	shown_by_both(&e, more);
	/* the renditions grow with what is shown, not with the recipients */
	make_report(&small, 11, k, 1);
	explain(&e1, &small, NULL, NULL);
	ck_assert_uint_le(e.rd.text_len, e1.rd.text_len + 8);
	ck_assert_uint_le(e.rd.html_len, e1.rd.html_len + 16);
	explained_free(&e1);
	explained_free(&e);
	sb_free(&small);
	sb_free(&b);
}
END_TEST

START_TEST(test_exactly_the_bound)
{
	static const enum kind k[1] = { USER_UNKNOWN };
	sbuf b = { 0 };
	explained e;
	const xp_group *g;
	char last[64];

	make_report(&b, DSNX_EXPLAIN_SHOWN, k, 1);
	explain(&e, &b, NULL, NULL);
	g = &e.x->groups[0];
	ck_assert_uint_eq(g->count, DSNX_EXPLAIN_SHOWN);
	ck_assert_uint_eq(g->shown, DSNX_EXPLAIN_SHOWN);
	ck_assert_ptr_null(g->more);
	ck_assert_ptr_null(strstr(g->headline, "+"));
	snprintf(last, sizeof(last), "user%u@example.org",
	    DSNX_EXPLAIN_SHOWN - 1);
	ck_assert_ptr_nonnull(strstr(g->headline, last));
	ck_assert_uint_eq(count_of(e.rd.text, "Recipient: user"),
	    DSNX_EXPLAIN_SHOWN);
	explained_free(&e);
	sb_free(&b);

	/* one more: a remainder of one, in the singular */
	memset(&b, 0, sizeof(b));
	make_report(&b, DSNX_EXPLAIN_SHOWN + 1, k, 1);
	explain(&e, &b, NULL, NULL);
	g = &e.x->groups[0];
	ck_assert_uint_eq(g->count, DSNX_EXPLAIN_SHOWN + 1);
	ck_assert(ends_with(g->headline, ", +1"));
	ck_assert_str_eq(g->more, ui("admin.more.one"));
	shown_by_both(&e, ui("admin.more.one"));
	explained_free(&e);
	sb_free(&b);
}
END_TEST

/* ------------------------------------------------------------- order */

START_TEST(test_mixed_outcomes)
{
	/* report order: delivered, delayed, failed, expired, failed */
	static const enum kind k[5] = { DELIVERED, DELAYED, USER_UNKNOWN,
	    EXPIRED, USER_UNKNOWN };
	static const dsnx_outcome want[4] = { DSNX_OUTCOME_FAILED,
	    DSNX_OUTCOME_EXPIRED, DSNX_OUTCOME_DELAYED, DSNX_OUTCOME_DELIVERED };
	sbuf b = { 0 };
	explained e;
	const char *pos[4];
	const dsnx_field *f;
	unsigned i;

	make_report(&b, 5, k, 5);
	explain(&e, &b, NULL, NULL);
	ck_assert_int_eq(dsnx_explanation_worst(e.x), DSNX_OUTCOME_FAILED);
	ck_assert_uint_eq(dsnx_explanation_group_count(e.x), 4);
	for (i = 0; i < 4; i++) {
		const xp_group *g = &e.x->groups[i];

		ck_assert_int_eq(g->outcome, want[i]);
		/* each headline in the text, in the same order */
		ck_assert_ptr_nonnull(pos[i] = strstr(e.rd.text,
		    g->facts[0].recipient));
		if (i > 0)
			ck_assert_msg(pos[i] > pos[i - 1], "group %u shown before "
			    "group %u", i, i - 1);
	}
	ck_assert_uint_eq(e.x->groups[0].count, 2);
	ck_assert_uint_eq(e.x->groups[0].members[0], 2);
	ck_assert_uint_eq(e.x->groups[0].members[1], 4);
	ck_assert_str_eq(e.x->groups[0].cause, "user-unknown");
	/* delivered: nobody must act, nothing to do */
	ck_assert_ptr_null(e.x->groups[3].who);
	ck_assert_ptr_null(e.x->groups[3].todo);
	ck_assert_int_eq(e.x->groups[3].broken, -1);
	/* the summary: the same order, outcome first */
	ck_assert_uint_eq(dsnx_explanation_field_count(e.x), 6);
	ck_assert_str_eq(dsnx_explanation_field(e.x, 5)->name, "lang");
	ck_assert_str_eq(dsnx_explanation_field(e.x, 5)->value, "en");
	f = dsnx_explanation_field(e.x, 0);
	ck_assert_str_eq(f->name, "outcome");
	ck_assert_str_eq(f->value, "failed,expired,delayed,delivered");
	f = dsnx_explanation_field(e.x, 1);
	ck_assert_str_eq(f->name, "status");
	ck_assert_str_eq(f->value, "5.1.1,4.4.7,4.4.1,2.0.0");
	ck_assert_ptr_null(dsnx_explanation_field(e.x, 6));
	ck_assert_msg(strncmp(dsnx_explanation_header(e.x),
	    "v=1; outcome=failed,expired,delayed,delivered; status=5.1.1,4.4.7,"
	    "4.4.1,2.0.0; reason=", 67) == 0, "header: %s",
	    dsnx_explanation_header(e.x));
	explained_free(&e);
	sb_free(&b);
}
END_TEST

START_TEST(test_header_is_the_fields)
{
	/* thirty distinct verdicts: at most DSNX_EXPLAIN_ENTRIES entries,
	 * and the header says exactly what the fields say */
	sbuf b = { 0 };
	explained e;
	char line[256], want[1024];
	size_t n;
	unsigned i, k, commas;

	sb_str(&b, "From: MAILER-DAEMON@mx.example.net\n"
	    "Content-Type: multipart/report; report-type=delivery-status; "
	    "boundary=b\n\n--b\n\nfailed\n--b\n"
	    "Content-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.example.net\n");
	for (i = 0; i < 30; i++) {
		snprintf(line, sizeof(line), "\nFinal-Recipient: rfc822; "
		    "u%u@example.org\nAction: %s\nStatus: %u.%u.%u\n", i,
		    i % 3 == 0 ? "delayed" : "failed", i % 3 == 0 ? 4 : 5, i % 8,
		    i % 20);
		sb_str(&b, line);
	}
	sb_str(&b, "--b--\n");
	explain(&e, &b, NULL, NULL);
	n = (size_t)snprintf(want, sizeof(want), "v=1");
	for (k = 0; k < dsnx_explanation_field_count(e.x); k++) {
		const dsnx_field *f = dsnx_explanation_field(e.x, k);
		const char *p;

		n += (size_t)snprintf(want + n, sizeof(want) - n, "; %s=%s",
		    f->name, f->value);
		for (commas = 0, p = f->value; *p; p++)
			commas += *p == ',';
		/* lang: one language, not one per entry */
		ck_assert_uint_eq(commas + 1, k == 5 ? 1 : DSNX_EXPLAIN_ENTRIES);
	}
	ck_assert_str_eq(dsnx_explanation_header(e.x), want);
	ck_assert_uint_lt(strlen(want) + strlen("X-DSN-Explain: "), 900);
	/* failures before delays */
	ck_assert_ptr_nonnull(strstr(want, "outcome=failed,failed,failed,"
	    "failed;"));
	explained_free(&e);
	sb_free(&b);
}
END_TEST

/* A name of n characters: prefix, then 'x' up to n. */
static void
long_name(char *buf, size_t n, const char *prefix, unsigned i)
{
	size_t k;

	snprintf(buf, n + 1, "%s%u", prefix, i);
	for (k = strlen(buf); k < n; k++)
		buf[k] = 'x';
	buf[n] = '\0';
}

START_TEST(test_header_cut_to_one_line)
{
	/* four verdicts of site rules whose ids (128 characters, the most
	 * a rule id may have) and causes (120) do not fit in 900 characters
	 * together: entries go from the end until the field fits */
	char dir[] = "/tmp/test_explanation.XXXXXX", path[512], id[129], cs[121];
	sbuf json = { 0 }, b = { 0 };
	dsnx_ruleset *site;
	dsnx_report *r;
	dsnx_classification *v;
	dsnx_explanation *x;
	const dsnx_field *f;
	const char *p;
	FILE *fp;
	unsigned i, commas;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	sb_str(&json, "{\"causes\": {\n");
	for (i = 0; i < 4; i++) {
		char cause[512];

		long_name(cs, 120, "site-cause-", i);
		snprintf(cause, sizeof(cause), "%s\"%s\": {\"who\": \"sender\", "
		    "\"text\": {\"en\": {\"title\": \"T\", \"summary\": \"S\", "
		    "\"sender\": \"D\", \"admin\": [\"A\"]}}}\n", i ? "," : "", cs);
		sb_str(&json, cause);
	}
	sb_str(&json, "},\n\"rules\": [\n");
	for (i = 0; i < 4; i++) {
		char rule[1024];

		long_name(id, 128, "site.", i);
		long_name(cs, 120, "site-cause-", i);
		snprintf(rule, sizeof(rule), "%s{\"id\": \"%s\", \"priority\": 1000,"
		    " \"when\": {\"diagnostic\": \"zork%u\"}, \"reason\": "
		    "\"userunknown\", \"cause\": \"%s\", \"examples\": "
		    "{\"match\": [{\"diagnostic\": \"zork%u\"}]}}\n", i ? "," : "",
		    id, i, cs, i);
		sb_str(&json, rule);
	}
	sb_str(&json, "]}\n");
	snprintf(path, sizeof(path), "%s/site.json", dir);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	ck_assert_uint_eq(fwrite(json.p, 1, json.len, fp), json.len);
	fclose(fp);
	ck_assert_int_eq(dsnx_ruleset_load(RULES_DIR, dir, NULL, NULL, &site),
	    DSNX_OK);
	sb_str(&b, "From: MAILER-DAEMON@mx.example.net\n"
	    "Content-Type: multipart/report; report-type=delivery-status; "
	    "boundary=b\n\n--b\n\nfailed\n--b\n"
	    "Content-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.example.net\n");
	for (i = 0; i < 4; i++) {
		char line[256];

		snprintf(line, sizeof(line), "\nFinal-Recipient: rfc822; "
		    "u%u@example.org\nAction: failed\nStatus: 5.1.1\n"
		    "Diagnostic-Code: smtp; 550 zork%u\n", i, i);
		sb_str(&b, line);
	}
	sb_str(&b, "--b--\n");
	ck_assert(dsnx_report_read(ctx, b.p, b.len, &r) == DSNX_OK);
	ck_assert(dsnx_classify_message(site, r, NULL, &v) == DSNX_OK);
	ck_assert(dsnx_explanation_build(site, r, v, NULL, &x) == DSNX_OK);
	ck_assert_uint_lt(strlen(dsnx_explanation_header(x))
	    + strlen("X-DSN-Explain: "), 900);
	/* three entries fit, the fourth (the last shown) does not */
	for (i = 0; i < dsnx_explanation_field_count(x); i++) {
		f = dsnx_explanation_field(x, i);
		for (commas = 0, p = f->value; *p; p++)
			commas += *p == ',';
		ck_assert_uint_eq(commas, i == 5 ? 0 : 2);	/* lang: one */
	}
	f = dsnx_explanation_field(x, 4);
	ck_assert_str_eq(f->name, "rule");
	ck_assert_ptr_nonnull(strstr(f->value, "site.0x"));
	ck_assert_ptr_null(strstr(f->value, "site.3x"));
	/* the explanation itself still has all four */
	ck_assert_uint_eq(dsnx_explanation_group_count(x), 4);
	dsnx_explanation_free(x);
	dsnx_classification_free(v);
	dsnx_report_free(r);
	dsnx_ruleset_unref(site);
	unlink(path);
	rmdir(dir);
	sb_free(&json);
	sb_free(&b);
}
END_TEST

/* ------------------------------------------------------- the budget */

START_TEST(test_unclassified)
{
	static const enum kind k[2] = { USER_UNKNOWN, EXPIRED };
	sbuf b = { 0 };
	explained e;
	dsnx_classify_options copt;
	unsigned long all, lo, hi;
	unsigned i, seen = 0, left;
	const xp_group *g = NULL;

	make_report(&b, 40, k, 2);
	/* what classifying everything costs */
	dsnx_classify_options_init(&copt);
	copt.match_budget = 0;
	copt.cpu_ms = 0;
	explain(&e, &b, &copt, NULL);
	ck_assert_uint_eq(dsnx_explanation_unclassified(e.x), 0);
	all = dsnx_classification_steps(e.verdicts);
	explained_free(&e);
	ck_assert_uint_gt(all, 2);
	/*
	 * A budget that classifies some recipients and not all.  Each pattern
	 * run is given at most what is left (dsnexplain.h), so where the
	 * window lies depends on how many PCRE2 steps the heaviest pattern
	 * needs, which differs between the JIT and the interpreter (under
	 * valgrind): the smallest budget that classifies anyone is found by
	 * doubling from half the cost and then halving the interval.
	 */
	lo = 0;
	hi = all / 2;
	for (;;) {
		copt.match_budget = hi;
		explain(&e, &b, &copt, NULL);
		left = dsnx_explanation_unclassified(e.x);
		explained_free(&e);
		if (left < 40)
			break;
		ck_assert_uint_lt(hi, 1000UL * all + 1000000UL);
		lo = hi;
		hi *= 2;
	}
	while (hi - lo > 1) {
		unsigned long mid = lo + (hi - lo) / 2;

		copt.match_budget = mid;
		explain(&e, &b, &copt, NULL);
		left = dsnx_explanation_unclassified(e.x);
		explained_free(&e);
		if (left < 40)
			hi = mid;
		else
			lo = mid;
	}
	copt.match_budget = hi;
	explain(&e, &b, &copt, NULL);
	left = dsnx_explanation_unclassified(e.x);
	ck_assert_uint_gt(left, 0);
	ck_assert_uint_lt(left, 40);
	ck_assert_uint_eq(left, dsnx_classification_unclassified(e.verdicts));
	for (i = 0; i < e.x->group_count; i++) {
		if (!e.x->groups[i].unclassified)
			continue;
		g = &e.x->groups[i];
		ck_assert_ptr_null(g->cause);
		ck_assert_int_eq(g->broken, -1);
		ck_assert_ptr_null(g->who);
		ck_assert_str_eq(g->title, ui("unclassified.title"));
		ck_assert_str_eq(g->summary, ui("unclassified.summary"));
		ck_assert_str_eq(g->todo, ui("unclassified.sender"));
		ck_assert_uint_eq(g->hint_count, 1);
		ck_assert_str_eq(g->hints[0], ui("unclassified.hint"));
		seen += g->count;
	}
	ck_assert_msg(g != NULL, "no group of unclassified recipients");
	ck_assert_uint_eq(seen, left);
	shown_by_both(&e, ui("unclassified.title"));
	shown_by_both(&e, ui("unclassified.summary"));
	shown_by_both(&e, ui("unclassified.cause"));
	/* their verdicts in the summary: reason undefined, no cause */
	ck_assert_ptr_nonnull(strstr(dsnx_explanation_header(e.x),
	    "undefined"));
	explained_free(&e);
	/* in German, the German sentences */
	explain(&e, &b, &copt, "de");
	ck_assert_str_eq(e.x->lang, "de");
	shown_by_both(&e, dsnx_ruleset_string(rules, "de",
	    "unclassified.title"));
	shown_by_both(&e, dsnx_ruleset_string(rules, "de",
	    "unclassified.cause"));
	explained_free(&e);
	sb_free(&b);
}
END_TEST

START_TEST(test_unclassified_languages)
{
	static const char *const langs[] = { "de", "fr", "es", "it" };
	static const char *const keys[] = { "admin.more", "admin.more.one",
	    "unclassified.title", "unclassified.summary", "unclassified.sender",
	    "unclassified.cause", "unclassified.hint" };
	size_t i, k;

	/* ours in every language, not English standing in */
	for (i = 0; i < sizeof(langs) / sizeof(langs[0]); i++)
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			const char *s = dsnx_ruleset_string(rules, langs[i], keys[k]);

			ck_assert_ptr_nonnull(s);
			ck_assert_msg(strcmp(s, ui(keys[k])) != 0, "%s: %s is the "
			    "English text", langs[i], keys[k]);
		}
}
END_TEST

/* ------------------------------------------------------------- facts */

/* Checks every fact of one sample; returns how many reply codes it
 * showed. */
static unsigned
check_facts(const char *path)
{
	FILE *fp = fopen(path, "rb");
	sbuf b = { 0 };
	char chunk[8192];
	size_t n;
	explained e;
	unsigned gi, i, k, reply = 0;

	ck_assert_msg(fp != NULL, "%s", path);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		sb_add(&b, chunk, n);
	fclose(fp);
	explain(&e, &b, NULL, NULL);
	for (gi = 0; gi < e.x->group_count; gi++) {
		const xp_group *g = &e.x->groups[gi];

		shown_by_both(&e, g->headline);
		shown_by_both(&e, g->arrive);
		for (i = 0; i < g->shown; i++) {
			const xp_facts *f = &g->facts[i];
			const dsnx_recipient *rc = dsnx_report_recipient(e.report,
			    f->index);

			shown_by_both(&e, f->recipient);
			for (k = 0; k < f->row_count; k++) {
				shown_by_both(&e, f->rows[k].label);
				shown_by_both(&e, f->rows[k].value);
			}
			if (rc->reply != 0 && rc->status != NULL) {
				char code[16];

				snprintf(code, sizeof(code), ", %d", rc->reply);
				shown_by_both(&e, code);
				reply++;
			}
		}
		for (k = 0; k < g->hint_count; k++)
			shown_by_both(&e, g->hints[k]);
		for (k = 0; k < g->reference_count; k++)
			shown_by_both(&e, g->references[k]);
	}
	explained_free(&e);
	sb_free(&b);
	return reply;
}

START_TEST(test_same_facts)
{
	static const char *const samples[] = { "postfix-user-unknown-5.1.1",
	    "postfix-expired-rate-limited", "exchange-expired-4.4.7",
	    "gmail-rate-limited", "postfix-delay-warning-4.4.1" };
	char path[512];
	size_t i;
	unsigned replies = 0;

	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		snprintf(path, sizeof(path), "%s/samples/%s.eml", TESTDATA_DIR,
		    samples[i]);
		replies += check_facts(path);
	}
	ck_assert_uint_ge(replies, 4);
}
END_TEST

START_TEST(test_reply_code_in_html)
{
	static const enum kind k[1] = { USER_UNKNOWN };
	sbuf b = { 0 };
	explained e;
	dsnx_code code = { 5, 1, 1 };
	char want[256];

	make_report(&b, 1, k, 1);
	explain(&e, &b, NULL, NULL);
	ck_assert_int_eq(dsnx_report_recipient(e.report, 0)->reply, 550);
	snprintf(want, sizeof(want), "5.1.1 (%s), 550",
	    dsnx_code_meaning(&code));
	ck_assert_str_eq(e.x->groups[0].facts[0].rows[2].value, want);
	shown_by_both(&e, want);
	explained_free(&e);
	sb_free(&b);
}
END_TEST

START_TEST(test_hostile_text_cleaned_once)
{
	sbuf b = { 0 };
	explained e;
	const xp_facts *f;
	unsigned k;

	sb_str(&b, "From: MAILER-DAEMON@mx.example.net\n"
	    "Content-Type: multipart/report; report-type=delivery-status; "
	    "boundary=b\n\n--b\n\nfailed\n--b\n"
	    "Content-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.example.net\n\n"
	    "Final-Recipient: rfc822; u@example.org\nAction: failed\n"
	    "Status: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 <u@example.org>\n"
	    "  \xe2\x80\xae" "evil\xe2\x81\xa6 <script>x</script>\t\x7f end\n"
	    "--b--\n");
	explain(&e, &b, NULL, NULL);
	f = &e.x->groups[0].facts[0];
	for (k = 0; k < f->row_count; k++) {
		const char *v = f->rows[k].value;

		ck_assert_ptr_null(strstr(v, "\xe2\x80\xae"));
		ck_assert_ptr_null(strstr(v, "\xe2\x81\xa6"));
		ck_assert_ptr_null(strchr(v, '\t'));
		ck_assert_ptr_null(strchr(v, '\x7f'));
	}
	ck_assert_ptr_null(strstr(e.rd.html, "<script>"));
	ck_assert_ptr_nonnull(strstr(e.rd.html, "&lt;script&gt;"));
	ck_assert_ptr_nonnull(strstr(e.rd.text, "<script>x</script>"));
	explained_free(&e);
	sb_free(&b);
}
END_TEST

START_TEST(test_bad_arguments)
{
	static const enum kind k[1] = { USER_UNKNOWN };
	sbuf b = { 0 };
	explained e;
	dsnx_explanation *x = (dsnx_explanation *)&b;
	dsnx_rendition rd;

	make_report(&b, 2, k, 1);
	explain(&e, &b, NULL, NULL);
	ck_assert_int_eq(dsnx_explanation_build(NULL, e.report, e.verdicts,
	    NULL, &x), DSNX_EINVAL);
	ck_assert_ptr_null(x);
	ck_assert_int_eq(dsnx_explanation_build(rules, NULL, e.verdicts, NULL,
	    &x), DSNX_EINVAL);
	ck_assert_int_eq(dsnx_explanation_build(rules, e.report, NULL, NULL,
	    &x), DSNX_EINVAL);
	ck_assert_int_eq(dsnx_explanation_build(rules, e.report, e.verdicts,
	    NULL, NULL), DSNX_EINVAL);
	ck_assert_int_eq(dsnx_explanation_render(NULL, &rd), DSNX_EINVAL);
	dsnx_explanation_free(NULL);
	/* options NULL: English, the defaults */
	ck_assert_int_eq(dsnx_explanation_build(rules, e.report, e.verdicts,
	    NULL, &x), DSNX_OK);
	ck_assert_str_eq(x->lang, "en");
	dsnx_explanation_free(x);
	explained_free(&e);
	sb_free(&b);
}
END_TEST

/* A DSN of one block of kind k, its returned message's header given. */
static void
make_returned(sbuf *b, enum kind k, const char *returned)
{
	sb_str(b, "From: MAILER-DAEMON@mx.example.net\n"
	    "To: sender@example.net\nSubject: Undelivered Mail\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status; "
	    "boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\n"
	    "This is the mail system at host mx.example.net.\n\n--b\n"
	    "Content-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.example.net\n"
	    "Arrival-Date: Sun, 1 Nov 2026 10:00:00 +0000\n");
	add_block(b, 0, k);
	sb_str(b, "\n--b\nContent-Type: text/rfc822-headers\n\n"
	    "From: sender@example.net\n");
	sb_str(b, returned);
	sb_str(b, "\n--b--\n");
}

/* The returned message is named: Subject decoded, cleaned and cut,
 * date in the reader's zone; escaped in HTML. */
START_TEST(test_names_the_message)
{
	explained e;
	sbuf b = { 0 };
	char *plain;

	make_returned(&b, USER_UNKNOWN, "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe_"
	    "<b>&_co?=\x01\nDate: Fri, 30 Oct 2026 09:15:00 +0100\n");
	explain(&e, &b, NULL, "de");
	ck_assert_str_eq(e.x->message, "Diese Benachrichtigung betrifft Ihre "
	    "Nachricht „Grüße <b>& co“, gesendet am 2026-10-30 08:15 UTC.");
	/* First in the text, before the headline. */
	ck_assert(strncmp(e.rd.text, "Diese Benachrichtigung", 22) == 0);
	ck_assert_ptr_nonnull(strstr(e.rd.html, "Grüße &lt;b&gt;&amp; co"));
	ck_assert_ptr_null(strstr(e.rd.html, "<b>&"));
	plain = html_plain(e.rd.html);
	ck_assert_ptr_nonnull(strstr(plain, "Grüße<b>&co"));
	free(plain);
	explained_free(&e);
	sb_free(&b);

	/* Long: cut after 80 code points with an ellipsis; no date. */
	b.len = 0;
	make_returned(&b, USER_UNKNOWN, "Subject: "
	    "ääääääääääääääääääääääääääääääääääääääääää"
	    "ääääääääääääääääääääääääääääääääääääääääää\n");
	explain(&e, &b, NULL, "en");
	ck_assert_ptr_nonnull(strstr(e.x->message,
	    "ääääääääääääääääääääääääääääääääääääääää"
	    "ääääääääääääääääääääääääääääääääääääääää…”."));
	ck_assert_ptr_null(strstr(e.x->message, ", sent"));
	explained_free(&e);
	sb_free(&b);

	/* No address a bounce detector could take for a recipient. */
	b.len = 0;
	make_returned(&b, USER_UNKNOWN, "Subject: Re: for bob@example.com\n");
	explain(&e, &b, NULL, "en");
	ck_assert_ptr_nonnull(strstr(e.x->message, "bob\xef\xbc\xa0"
	    "example.com"));
	ck_assert_ptr_null(strstr(e.rd.text, "bob@"));
	ck_assert_ptr_null(strstr(e.rd.html, "bob@"));
	explained_free(&e);
	sb_free(&b);

	/* Nothing returned that names it: no sentence. */
	b.len = 0;
	make_returned(&b, USER_UNKNOWN, "Date: not a date\n");
	explain(&e, &b, NULL, "en");
	ck_assert_ptr_null(e.x->message);
	explained_free(&e);
	sb_free(&b);
}
END_TEST

/* The prefix of our string key in lang, up to its first placeholder. */
static int
starts_like(const char *s, const char *lang, const char *key)
{
	const char *t = dsnx_ruleset_string(rules, lang, key);
	const char *open = strchr(t, '{');
	size_t n = open != NULL ? (size_t)(open - t) : strlen(t);

	return s != NULL && strncmp(s, t, n) == 0;
}

/* The advice follows the outcome known: wait for a delay, send again
 * after ... for an expiry, the cause's own words for a failure. */
START_TEST(test_advice_follows_outcome)
{
	static const char *const langs[] = { "en", "de", "fr", "es", "it" };
	explained e;
	sbuf b = { 0 };
	unsigned l;
	dsnx_cause_text ct;

	for (l = 0; l < 5; l++) {
		b.len = 0;
		make_returned(&b, DELAYED, "Subject: x\n");
		explain(&e, &b, NULL, langs[l]);
		ck_assert_uint_eq(e.x->groups[0].outcome, DSNX_OUTCOME_DELAYED);
		ck_assert_msg(starts_like(e.x->groups[0].todo, langs[l],
		    "todo.delayed.until"), "%s: %s", langs[l],
		    e.x->groups[0].todo);
		explained_free(&e);
		sb_free(&b);

		make_returned(&b, EXPIRED, "Subject: x\n");
		explain(&e, &b, NULL, langs[l]);
		ck_assert_uint_eq(e.x->groups[0].outcome, DSNX_OUTCOME_EXPIRED);
		ck_assert_msg(starts_like(e.x->groups[0].todo, langs[l],
		    "todo.expired.recipient-side"), "%s: %s", langs[l],
		    e.x->groups[0].todo);
		explained_free(&e);
		sb_free(&b);

		make_returned(&b, USER_UNKNOWN, "Subject: x\n");
		explain(&e, &b, NULL, langs[l]);
		memset(&ct, 0, sizeof(ct));
		(void)dsnx_cause_text_get(rules, "user-unknown", langs[l], &ct);
		ck_assert_ptr_nonnull(ct.sender);
		ck_assert_str_eq(e.x->groups[0].todo, ct.sender);
		explained_free(&e);
		sb_free(&b);
	}
}
END_TEST

static Suite *
explanation_suite(void)
{
	Suite *s = suite_create("explanation");
	TCase *c = tcase_create("counts");
	TCase *o = tcase_create("order");
	TCase *f = tcase_create("facts");

	tcase_set_timeout(c, TIMEOUT);
	tcase_add_test(c, test_200_recipients);
	tcase_add_test(c, test_1000_recipients);
	tcase_add_test(c, test_exactly_the_bound);
	tcase_add_test(c, test_unclassified);
	tcase_add_test(c, test_unclassified_languages);
	suite_add_tcase(s, c);
	tcase_set_timeout(o, TIMEOUT);
	tcase_add_test(o, test_mixed_outcomes);
	tcase_add_test(o, test_header_is_the_fields);
	tcase_add_test(o, test_header_cut_to_one_line);
	suite_add_tcase(s, o);
	tcase_set_timeout(f, TIMEOUT);
	tcase_add_test(f, test_same_facts);
	tcase_add_test(f, test_reply_code_in_html);
	tcase_add_test(f, test_hostile_text_cleaned_once);
	tcase_add_test(f, test_bad_arguments);
	tcase_add_test(f, test_names_the_message);
	tcase_add_test(f, test_advice_follows_outcome);
	suite_add_tcase(s, f);
	return s;
}

int
main(void)
{
	return run_with_shipped_rules(explanation_suite());
}
