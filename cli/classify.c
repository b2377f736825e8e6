/*
 * classify - "dsnexplain classify": what each message reports
 *
 * For every input, reads the report with the library and prints either a
 * JSON object on one line (the shape fixed in DESIGN.md) or a short
 * summary per recipient.  A file that cannot be read is reported on
 * stderr and, with --json, as an object with an "error" member, so that
 * output lines stay one per input; processing goes on with the next file.
 *
 * Outcome, reason, cause, rule and severity come from the rule set
 * (dsnx_classify_message()); a pattern stopped by the PCRE2 limits, and
 * recipients left unclassified because the match budget ran out, are
 * reported on stderr.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

static json_t *
jstr(const char *s)
{
	return s != NULL ? json_stringn(s, strlen(s)) : json_null();
}

static json_t *
jdate(int valid, time_t t)
{
	char buf[32];

	if (!valid)
		return json_null();
	return json_string(dsnx_date_format(t, buf, sizeof(buf)));
}

static json_t *
recipient_json(const dsnx_recipient *rc, const dsnx_verdict *v)
{
	json_t *o = json_object();
	char reply[8];

	snprintf(reply, sizeof(reply), "%d", rc->reply);
	json_object_set_new(o, "recipient", jstr(rc->recipient));
	json_object_set_new(o, "original_recipient", jstr(rc->original_recipient));
	json_object_set_new(o, "action", jstr(rc->action));
	json_object_set_new(o, "status", jstr(rc->status));
	json_object_set_new(o, "reply", rc->reply ? json_string(reply) : json_null());
	json_object_set_new(o, "remote_mta", jstr(rc->remote_mta));
	json_object_set_new(o, "diagnostic_type", jstr(rc->diagnostic_type));
	json_object_set_new(o, "diagnostic", jstr(rc->diagnostic));
	json_object_set_new(o, "last_attempt",
	    jdate(rc->has_last_attempt, rc->last_attempt));
	json_object_set_new(o, "will_retry_until",
	    jdate(rc->has_will_retry_until, rc->will_retry_until));
	json_object_set_new(o, "final_log_id", jstr(rc->final_log_id));
	json_object_set_new(o, "outcome", jstr(dsnx_outcome_name(v->outcome)));
	json_object_set_new(o, "reason", jstr(v->reason));
	json_object_set_new(o, "cause", jstr(v->cause));
	json_object_set_new(o, "rule", jstr(v->rule));
	json_object_set_new(o, "severity", jstr(v->severity));
	if (v->outcome_rule != NULL)
		json_object_set_new(o, "outcome_rule", jstr(v->outcome_rule));
	if (rc->extra_count > 0) {
		json_t *x = json_object();
		unsigned i;

		for (i = 0; i < rc->extra_count; i++)
			if (json_object_get(x, rc->extra[i].name) == NULL)
				json_object_set_new(x, rc->extra[i].name,
				    jstr(rc->extra[i].value));
		json_object_set_new(o, "extensions", x);
	}
	return o;
}

static void
print_json_line(json_t *o)
{
	char *s = json_dumps(o, JSON_PRESERVE_ORDER);

	if (s != NULL) {
		puts(s);
		free(s);
	}
	json_decref(o);
}

static void
print_json(const char *file, const dsnx_report *r,
    const dsnx_classification *vs)
{
	json_t *o = json_object(), *list = json_array();
	time_t t = 0;
	unsigned i, n = dsnx_report_recipient_count(r);
	int dsn = dsnx_report_is_dsn(r);
	int has_arrival = dsnx_report_arrival_date(r, &t) == 0;

	json_object_set_new(o, "file", json_string(file));
	json_object_set_new(o, "dsn", json_boolean(dsn));
	if (dsn) {
		json_object_set_new(o, "format", jstr(dsnx_report_format(r)));
		json_object_set_new(o, "reporting_mta",
		    jstr(dsnx_report_reporting_mta(r)));
		json_object_set_new(o, "arrival_date",
		    jdate(has_arrival, t));
		json_object_set_new(o, "original_envelope_id",
		    jstr(dsnx_report_original_envelope_id(r)));
		for (i = 0; i < n; i++)
			json_array_append_new(list,
			    recipient_json(dsnx_report_recipient(r, i),
			    dsnx_classification_verdict(vs, i)));
	} else if (dsnx_report_not_dsn_why(r) != NULL) {
		json_object_set_new(o, "not_dsn", jstr(dsnx_report_not_dsn_why(r)));
	}
	json_object_set_new(o, "recipients", list);
	print_json_line(o);
}

/* Terminal output shows message text with control characters replaced,
 * so a hostile diagnostic cannot move the cursor or clear the screen. */
static void
print_safe(const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i < max; i++) {
		unsigned char c = (unsigned char)s[i];

		putchar(c < 32 || c == 127 ? '?' : c);
	}
	if (s[i] != '\0')
		fputs("...", stdout);
}

static void
print_text(const char *file, const dsnx_report *r,
    const dsnx_classification *verdicts, const dsnx_ruleset *rules)
{
	unsigned i, n = dsnx_report_recipient_count(r);

	print_safe(file, 4096);
	if (!dsnx_report_is_dsn(r)) {
		const char *why = dsnx_report_not_dsn_why(r);

		printf(": not a DSN%s%s%s\n", why ? " (" : "", why ? why : "",
		    why ? ")" : "");
		return;
	}
	printf(": DSN (%s)", dsnx_report_format(r));
	if (dsnx_report_reporting_mta(r) != NULL) {
		fputs(" from ", stdout);
		print_safe(dsnx_report_reporting_mta(r), 255);
	}
	printf(", %u recipient%s\n", n, n == 1 ? "" : "s");
	for (i = 0; i < n; i++) {
		const dsnx_recipient *rc = dsnx_report_recipient(r, i);
		const dsnx_verdict *v = dsnx_classification_verdict(verdicts, i);
		const char *outcome = dsnx_outcome_name(v->outcome);
		dsnx_cause_text ct;
		const char *meaning = NULL;

		fputs("  ", stdout);
		print_safe(rc->recipient ? rc->recipient : "(unknown recipient)", 255);
		if (outcome != NULL)
			printf(": %s", outcome);
		else if (rc->action != NULL)
			printf(": action %s", rc->action);
		else
			fputs(": no Action stated", stdout);
		if (rc->status != NULL) {
			printf(", status %s", rc->status);
			meaning = dsnx_code_meaning(&rc->code);
			if (meaning != NULL)
				printf(" (%s)", meaning);
		}
		if (rc->reply)
			printf(", reply %d", rc->reply);
		putchar('\n');
		if (rc->remote_mta != NULL) {
			fputs("    remote MTA: ", stdout);
			print_safe(rc->remote_mta, 255);
			putchar('\n');
		}
		if (rc->diagnostic != NULL) {
			fputs("    diagnostic: ", stdout);
			print_safe(rc->diagnostic, 400);
			putchar('\n');
		}
		if (v->cause != NULL) {
			printf("    cause: %s (%s", v->cause, v->reason);
			if (v->rule != NULL)
				printf(", rule %s", v->rule);
			putchar(')');
			if (dsnx_cause_text_get(rules, v->cause, "en", &ct) == 0
			    && ct.title != NULL)
				printf(": %s", ct.title);
			putchar('\n');
		} else if (v->unclassified) {
			printf("    cause: not classified (the match budget ran out)\n");
		} else {
			printf("    cause: not recognised (%s)\n", v->reason);
		}
		if (rc->has_will_retry_until) {
			char buf[32];

			printf("    will retry until: %s\n",
			    dsnx_date_format(rc->will_retry_until, buf, sizeof(buf)));
		}
	}
}

/* Classifies every recipient; says on stderr what the limits cost. */
static int
classify_all(const dsnx_ruleset *rules, const char *file,
    const dsnx_report *r, const dsnx_classify_options *options,
    dsnx_classification **out)
{
	unsigned hits, left;

	if (dsnx_classify_message(rules, r, options, out) != DSNX_OK)
		return -1;
	hits = dsnx_classification_limit_hits(*out);
	left = dsnx_classification_unclassified(*out);
	if (hits > 0)
		cli_warn("%s: %s: %u pattern%s stopped by the PCRE2 limits "
		    "(counted as no match)", progname, file, hits,
		    hits == 1 ? "" : "s");
	if (left > 0)
		cli_warn("%s: %s: the match budget ran out: %u of %u "
		    "recipient%s not classified", progname, file, left,
		    dsnx_classification_count(*out),
		    dsnx_classification_count(*out) == 1 ? "" : "s");
	return 0;
}

static void
print_error(const char *file, const char *why, int json)
{
	cli_warn("%s: %s: %s", progname, file, why);
	if (json) {
		json_t *o = json_object();

		json_object_set_new(o, "file", json_string(file));
		json_object_set_new(o, "error", json_string(why));
		print_json_line(o);
	}
}

int
cmd_classify(int argc, char **argv)
{
	int json = 0, strict = 0, status = 0, i, first = 0, k;
	const char *rules_dir = NULL, *site_dir = NULL;
	dsnx_ruleset *rules;
	dsnx_context *ctx = NULL;
	dsnx_classify_options copt;
	dsnx_error_t err;
	dsnx_limits limits;
	dsnx_status st;

	dsnx_classify_options_init(&copt);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--strict") == 0)
			strict = 1;
		else if ((k = cli_rule_option(argc, argv, &i, &rules_dir,
		    &site_dir)) != 0) {
			if (k < 0)
				return EXIT_TROUBLE;
		} else if ((k = cli_budget_option(argc, argv, &i, &copt)) != 0) {
			if (k < 0)
				return EXIT_TROUBLE;
		} else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "%s: classify: unknown option '%s'\n",
			    progname, argv[i]);
			return EXIT_TROUBLE;
		} else
			break;
	}
	first = i;
	if (first >= argc) {
		fprintf(stderr, "usage: %s classify [--rules DIR] [--site-rules DIR] "
		    "[--json] [--strict] [--match-budget N] [--match-cpu MS] FILE...\n", progname);
		return EXIT_TROUBLE;
	}
	if ((rules = cli_load_rules(rules_dir, site_dir, NULL)) == NULL)
		return EXIT_TROUBLE;
	dsnx_limits_init(&limits);
	memset(&err, 0, sizeof(err));
	if ((st = dsnx_context_new(&limits, &ctx, &err)) != DSNX_OK) {
		cli_warn("%s: %s%s%s", progname, err.source,
		    err.source[0] ? ": " : "", err.text[0] ? err.text
		    : dsnx_strstatus(st));
		dsnx_ruleset_unref(rules);
		return EXIT_TROUBLE;
	}
	for (i = first; i < argc; i++) {
		const char *file = argv[i];
		char why[256], *buf;
		size_t len;
		dsnx_report *r;
		dsnx_classification *vs = NULL;

		if (cli_read_file(file, limits.max_message, &buf, &len, why,
		    sizeof(why)) != 0) {
			print_error(file, why, json);
			status = EXIT_TROUBLE;
			continue;
		}
		st = dsnx_report_read(ctx, buf, len, &r);
		if (st != DSNX_OK) {
			print_error(file, dsnx_strstatus(st), json);
			free(buf);
			status = EXIT_TROUBLE;
			continue;
		}
		if (classify_all(rules, file, r, &copt, &vs) != 0) {
			print_error(file, dsnx_strstatus(DSNX_ENOMEM), json);
			dsnx_report_free(r);
			free(buf);
			status = EXIT_TROUBLE;
			continue;
		}
		if (json)
			print_json(file, r, vs);
		else
			print_text(file, r, vs, rules);
		dsnx_classification_free(vs);
		if (strict && !dsnx_report_is_dsn(r) && status == 0)
			status = EXIT_FINDING;
		dsnx_report_free(r);
		free(buf);
	}
	dsnx_context_free(ctx);
	dsnx_ruleset_unref(rules);
	return status;
}
