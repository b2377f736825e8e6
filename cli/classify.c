/*
 * classify - "dsnexplain classify": what each message reports
 *
 * For every input, reads the report with the library and prints either a
 * JSON object on one line (the shape fixed in DESIGN.md) or a short
 * summary per recipient.  A file that cannot be read is reported on
 * stderr and, with --json, as an object with an "error" member, so that
 * output lines stay one per input; processing goes on with the next file.
 *
 * The outcome (delayed, expired, failed, delivered) is derived from what
 * the message states (Action and Status), nothing else.  Reason, cause and
 * rule come from rule files, which this version does not read yet: they
 * are printed as null.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

/*
 * delayed: still retrying.  expired: gave up after retrying (Action failed
 * with a 4.x.x status, or X.4.7).  failed: permanent.  delivered: success,
 * relay and expansion notices.  NULL when the message does not say.
 */
static const char *
outcome_of(const dsnx_recipient *rc)
{
	const char *a = rc->action, *s = rc->status;

	if (a == NULL)
		return NULL;
	if (strcmp(a, "delayed") == 0)
		return "delayed";
	if (strcmp(a, "delivered") == 0 || strcmp(a, "relayed") == 0
	    || strcmp(a, "expanded") == 0)
		return "delivered";
	if (strcmp(a, "failed") == 0) {
		if (s != NULL && (s[0] == '4' || strcmp(s + 1, ".4.7") == 0))
			return "expired";
		return "failed";
	}
	return NULL;
}

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
recipient_json(const dsnx_recipient *rc)
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
	json_object_set_new(o, "outcome", jstr(outcome_of(rc)));
	json_object_set_new(o, "reason", json_null());
	json_object_set_new(o, "cause", json_null());
	json_object_set_new(o, "rule", json_null());
	json_object_set_new(o, "severity", json_null());
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
print_json(const char *file, const dsnx_report *r)
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
			    recipient_json(dsnx_report_recipient(r, i)));
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
print_text(const char *file, const dsnx_report *r)
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
		const char *outcome = outcome_of(rc);
		dsnx_code code;
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
			if (dsnx_code_parse(rc->status, strlen(rc->status), &code) == 0)
				meaning = dsnx_code_meaning(&code);
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
		if (rc->has_will_retry_until) {
			char buf[32];

			printf("    will retry until: %s\n",
			    dsnx_date_format(rc->will_retry_until, buf, sizeof(buf)));
		}
	}
}

static void
print_error(const char *file, const char *why, int json)
{
	fprintf(stderr, "%s: %s: %s\n", progname, file, why);
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
	int json = 0, strict = 0, status = 0, i, first = 0;
	const char *rules = NULL;
	dsnx_context *ctx = NULL;
	dsnx_error_t err;
	dsnx_limits limits;
	dsnx_status st;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--strict") == 0)
			strict = 1;
		else if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc)
			rules = argv[++i];
		else if (strncmp(argv[i], "--rules=", 8) == 0)
			rules = argv[i] + 8;
		else if (strcmp(argv[i], "--") == 0) {
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
		fprintf(stderr, "usage: %s classify [--rules DIR] [--json] "
		    "[--strict] FILE...\n", progname);
		return EXIT_TROUBLE;
	}
	if (rules != NULL && cli_check_rules_dir(rules) != 0)
		return EXIT_TROUBLE;
	dsnx_limits_init(&limits);
	memset(&err, 0, sizeof(err));
	if ((st = dsnx_context_new(&limits, &ctx, &err)) != DSNX_OK) {
		fprintf(stderr, "%s: %s%s%s\n", progname, err.source,
		    err.source[0] ? ": " : "", err.text[0] ? err.text
		    : dsnx_strstatus(st));
		return EXIT_TROUBLE;
	}
	for (i = first; i < argc; i++) {
		const char *file = argv[i];
		char why[256], *buf;
		size_t len;
		dsnx_report *r;

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
		if (json)
			print_json(file, r);
		else
			print_text(file, r);
		if (strict && !dsnx_report_is_dsn(r) && status == 0)
			status = EXIT_FINDING;
		dsnx_report_free(r);
		free(buf);
	}
	dsnx_context_free(ctx);
	return status;
}
