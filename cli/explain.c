/*
 * explain - "dsnexplain explain": show how a bounce was read and classified
 *
 * Prints what the library read from the message (format, parts, fields)
 * and, per recipient, every rule the index let through in the order tried,
 * with the condition that failed (or that the literal prefilter ruled it
 * out), and the verdict.  A field read only up to a limit is said to be
 * cut.  Message text is shown with control characters replaced.  Output
 * is for people; its layout is not a contract.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void
show(const char *label, const char *value)
{
	size_t i;

	if (value == NULL)
		return;
	printf("  %-19s ", label);
	for (i = 0; value[i] != '\0' && i < 600; i++) {
		unsigned char c = (unsigned char)value[i];

		putchar(c < 32 || c == 127 ? ' ' : c);
	}
	if (value[i] != '\0')
		fputs("...", stdout);
	putchar('\n');
}

/* Says that a field was read only up to a limit, and what that means
 * for the rules. */
static void
show_cut(const char *name, const char *value, int cut)
{
	if (value == NULL || !cut)
		return;
	printf("  %-19s %s was cut: longer than a limit, only its first %zu "
	    "bytes were read; no pattern matches at the cut\n", "note:", name,
	    strlen(value));
}

static void
show_part(const char *label, const dsnx_part *p)
{
	dsnx_span s;

	if (p == NULL)
		return;
	s = dsnx_part_whole(p);
	printf("  %-19s part %u, %s/%s, bytes %zu-%zu\n", label,
	    dsnx_part_index(p), dsnx_part_type(p), dsnx_part_subtype(p), s.start,
	    s.end);
}

/* The whole message is classified in one pass; its steps are kept and
 * shown under each recipient.  Their strings belong to the rule set. */
typedef struct steps {
	dsnx_trace_step *step;
	size_t count, cap;
	int nomem;
} steps;

static void
keep_step(const dsnx_trace_step *step, void *arg)
{
	steps *t = arg;

	if (t->count == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		dsnx_trace_step *p = realloc(t->step, cap * sizeof(*p));

		if (p == NULL) {
			t->nomem = 1;
			return;
		}
		t->step = p;
		t->cap = cap;
	}
	t->step[t->count++] = *step;
}

static unsigned
show_steps(const steps *t, unsigned recipient)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < t->count; i++) {
		const dsnx_trace_step *step = &t->step[i];

		if (step->recipient != recipient)
			continue;
		n++;
		if (step->matched)
			printf("    %-7s %-44s MATCHED\n", step->kind, step->rule);
		else
			printf("    %-7s %-44s no: %s%s%s\n", step->kind, step->rule,
			    step->failed ? step->failed : "?",
			    step->prefiltered ? " (literal absent)" : "",
			    step->remembered ? " (message-wide, evaluated once)" : "");
	}
	return n;
}

int
cmd_explain(int argc, char **argv)
{
	const char *rules_dir = NULL, *site_dir = NULL, *file = NULL;
	dsnx_ruleset *rules;
	dsnx_context *ctx;
	dsnx_report *r;
	dsnx_classification *verdicts = NULL;
	dsnx_classify_options copt;
	steps trace = { NULL, 0, 0, 0 };
	char why[256], *buf;
	size_t len;
	unsigned i, n;
	int k, a;

	dsnx_classify_options_init(&copt);
	for (a = 1; a < argc; a++) {
		if ((k = cli_rule_option(argc, argv, &a, &rules_dir, &site_dir)) < 0)
			return EXIT_TROUBLE;
		if (k == 0 && (k = cli_budget_option(argc, argv, &a, &copt)) < 0)
			return EXIT_TROUBLE;
		if (k == 0) {
			if (file != NULL || (argv[a][0] == '-' && argv[a][1] != '\0')) {
				fprintf(stderr, "usage: %s explain [--rules DIR] "
				    "[--site-rules DIR] [--match-budget N] [--match-cpu MS] "
				    "FILE\n", progname);
				return EXIT_TROUBLE;
			}
			file = argv[a];
		}
	}
	if (file == NULL) {
		fprintf(stderr, "usage: %s explain [--rules DIR] [--site-rules DIR] "
		    "FILE\n", progname);
		return EXIT_TROUBLE;
	}
	if ((rules = cli_load_rules(rules_dir, site_dir, NULL)) == NULL)
		return EXIT_TROUBLE;
	if (dsnx_context_new(NULL, &ctx, NULL) != DSNX_OK) {
		dsnx_ruleset_unref(rules);
		return EXIT_TROUBLE;
	}
	if (cli_read_file(file, dsnx_context_limits(ctx)->max_message, &buf, &len,
	    why, sizeof(why)) != 0) {
		cli_warn("%s: %s: %s", progname, file, why);
		dsnx_context_free(ctx);
		dsnx_ruleset_unref(rules);
		return EXIT_TROUBLE;
	}
	if (dsnx_report_read(ctx, buf, len, &r) != DSNX_OK) {
		cli_warn("%s: %s: cannot read the message", progname, file);
		free(buf);
		dsnx_context_free(ctx);
		dsnx_ruleset_unref(rules);
		return EXIT_TROUBLE;
	}
	printf("%s: %s", file, dsnx_report_is_dsn(r) ? "a DSN" : "not a DSN");
	if (dsnx_report_is_dsn(r))
		printf(", read as %s", dsnx_report_format(r));
	else if (dsnx_report_not_dsn_why(r) != NULL)
		printf(" (%s)", dsnx_report_not_dsn_why(r));
	printf(", %u MIME part%s%s\n", dsnx_mime_part_count(dsnx_report_mime(r)),
	    dsnx_mime_part_count(dsnx_report_mime(r)) == 1 ? "" : "s",
	    dsnx_report_flags(r) & DSNX_REPORT_MIME_ERRORS
	    ? ", with MIME problems" : "");
	show("Subject:", dsnx_report_subject(r));
	show("From:", dsnx_report_from(r));
	show("structure:", dsnx_report_detection(r));
	show("Reporting-MTA:", dsnx_report_reporting_mta(r));
	show_cut("Reporting-MTA", dsnx_report_reporting_mta(r),
	    dsnx_report_reporting_mta_cut(r));
	show("Arrival-Date:", dsnx_report_arrival_date_raw(r));
	show_part("human-readable:", dsnx_report_human_part(r));
	if (dsnx_report_text_cut(r))
		printf("  %-19s the human-readable text was cut: longer than a "
		    "limit, only its first %zu decoded bytes were read; no "
		    "pattern matches at the cut\n", "note:",
		    dsnx_context_limits(ctx)->max_decoded);
	show_part("delivery-status:", dsnx_report_status_part(r));
	show_part("returned message:", dsnx_report_returned_part(r));
	copt.trace = keep_step;
	copt.trace_arg = &trace;
	if (dsnx_classify_message(rules, r, &copt, &verdicts) != DSNX_OK
	    || trace.nomem) {
		cli_warn("%s: %s: out of memory", progname, file);
		dsnx_classification_free(verdicts);
		free(trace.step);
		dsnx_report_free(r);
		free(buf);
		dsnx_context_free(ctx);
		dsnx_ruleset_unref(rules);
		return EXIT_TROUBLE;
	}
	n = dsnx_report_recipient_count(r);
	for (i = 0; i < n; i++) {
		const dsnx_recipient *rc = dsnx_report_recipient(r, i);
		const dsnx_verdict *v = dsnx_classification_verdict(verdicts, i);
		const char *outcome = dsnx_outcome_name(v->outcome);
		char reply[8];

		printf("\nrecipient %u: %s\n", i + 1, rc->recipient ? rc->recipient
		    : "(unknown)");
		show("Action:", rc->action);
		show("Status:", rc->status_raw ? rc->status_raw : rc->status);
		snprintf(reply, sizeof(reply), "%d", rc->reply);
		show("reply code:", rc->reply ? reply : NULL);
		show("Remote-MTA:", rc->remote_mta);
		show_cut("Remote-MTA", rc->remote_mta, rc->remote_mta_cut);
		show("Diagnostic-Code:", rc->diagnostic);
		show_cut("Diagnostic-Code", rc->diagnostic, rc->diagnostic_cut);
		if (dsnx_report_recipient_reply(r, i) != rc->diagnostic)
			show("reply as read:", dsnx_report_recipient_reply(r, i));
		show("its own text:", dsnx_report_recipient_excerpt(r, i));
		show("Last-Attempt-Date:", rc->last_attempt_raw);
		show("Will-Retry-Until:", rc->will_retry_until_raw);
		show("outcome as stated:", dsnx_outcome_name(dsnx_outcome_of(rc,
		    dsnx_report_is_dsn(r))));
		printf("  rules tried (highest priority first; others skipped by "
		    "status):\n");
		if (show_steps(&trace, i) == 0)
			printf("    (none)\n");
		printf("  verdict: outcome %s%s%s%s, reason %s, cause %s%s%s%s, "
		    "severity %s\n", outcome ? outcome : "unknown",
		    v->outcome_rule ? " (rule " : "", v->outcome_rule
		    ? v->outcome_rule : "", v->outcome_rule ? ")" : "", v->reason,
		    v->cause ? v->cause : "none", v->rule ? " (rule " : "",
		    v->rule ? v->rule : "", v->rule ? ")" : "", v->severity);
		if (v->limit_hits > 0)
			printf("  note: %u pattern%s stopped by the PCRE2 limits "
			    "(counted as no match)\n", v->limit_hits,
			    v->limit_hits == 1 ? "" : "s");
		if (v->unclassified)
			printf("  note: not classified: the message's match budget "
			    "ran out\n");
	}
	printf("\nmatch budget: %lu steps used%s\n",
	    dsnx_classification_steps(verdicts),
	    dsnx_classification_unclassified(verdicts) > 0 ? " (ran out)" : "");
	dsnx_classification_free(verdicts);
	free(trace.step);
	dsnx_report_free(r);
	free(buf);
	dsnx_context_free(ctx);
	dsnx_ruleset_unref(rules);
	return 0;
}
