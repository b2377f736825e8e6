/*
 * NAME
 *	rules_examples - run every rule's examples against the indexed set
 * SYNOPSIS
 *	#include "rules_loader.h"
 *
 *	void	dsnx_load_examples(loader *ld)
 * DESCRIPTION
 *	Every rule carries examples: values it must match ("match") and,
 *	optionally, values it must not ("no_match").  Once the set is
 *	indexed, each example is made into a rule input through
 *	dsnx_rule_input_build(), the one builder real recipients go through
 *	too: the example's message-wide members (format, reporting_mta,
 *	text, subject, from, headers) as the message, the others as one
 *	recipient; an "outcome" member stands for the outcome an outcome
 *	rule decided.  The rule alone is matched against it, so an example
 *	says nothing about which rule wins.
 *
 *	A "match" example the rule does not match is reported with the
 *	first condition that failed; a "no_match" example it matches is
 *	reported too.  A "match" example is then matched again through the
 *	prefilter: a pattern that matches while its literal is not found is
 *	a bug in the literal extraction, reported as such.  Examples with
 *	problems of their own (wrong types, unknown members) are reported
 *	and not run.  Rules run in load order, so problems come out in the
 *	order of the files.
 * LIMITS
 *	Examples match without a budget, under the PCRE2 limits of every
 *	match.
 * SEE ALSO
 *	classify.c (dsnx_rule_input_build), match.c, rules_check.c (the
 *	shape of "examples").
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules_loader.h"

static const char *const example_members[] = {
	"status", "reply", "action", "outcome", "format", "diagnostic",
	"remote_mta", "reporting_mta", "text", "subject", "from",
	"recipient_text", "headers", NULL
};

static const char *
example_header(void *arg, const char *name)
{
	json_t *headers = arg;
	const char *key;
	json_t *v;

	json_object_foreach(headers, key, v)
		if (strcasecmp(key, name) == 0 && json_is_string(v))
			return json_string_value(v);
	return NULL;
}

/*
 * Turns an example object into a rule input, through the same builder
 * a real message's recipients go through: the example's message-wide
 * members make a rule_message, the rest a recipient.  0, or -1 after
 * reporting.
 */
static int
example_input(loader *ld, unsigned file, const char *path, json_t *ex,
    rule_input *in)
{
	const char *key, *value[RF_COUNT];
	size_t len[RF_COUNT];
	rule_message msg;
	dsnx_recipient rc;
	rule_evidence ev;
	json_t *v;
	char p[LOAD_PATH_MAX];
	unsigned before = ld->errors;
	int reply = 0, has_reply = 0, outcome = -1;

	memset(value, 0, sizeof(value));
	memset(len, 0, sizeof(len));
	memset(&msg, 0, sizeof(msg));
	memset(&rc, 0, sizeof(rc));
	if (!json_is_object(ex)) {
		dsnx_load_problem(ld, LOAD_AT(file, path),
		    "an example must be an object");
		return -1;
	}
	dsnx_load_check_members(ld, file, path, ex, example_members, "example");
	json_object_foreach(ex, key, v) {
		enum rule_field f = dsnx_load_field_of(key);

		dsnx_load_path(p, path, key);
		if (f == RF_HEADER) {
			if (!json_is_object(v))
				dsnx_load_problem(ld, LOAD_AT(file, p),
				    "example headers must be an object");
			msg.header = example_header;
			msg.header_arg = v;
			continue;
		}
		if (f == RF_REPLY && json_is_integer(v)) {
			reply = (int)json_integer_value(v);
			has_reply = 1;
			continue;
		}
		if (f == RF_COUNT)
			continue;
		if (!json_is_string(v)) {
			dsnx_load_problem(ld, LOAD_AT(file, p),
			    "example value must be a string");
			continue;
		}
		value[f] = json_string_value(v);
		len[f] = json_string_length(v);
	}
	if (value[RF_REPLY] != NULL && !has_reply)
		reply = atoi(value[RF_REPLY]);
	if (value[RF_OUTCOME] != NULL
	    && (outcome = dsnx_outcome_parse(value[RF_OUTCOME])) < 0) {
		dsnx_load_path(p, path, "outcome");
		dsnx_load_problem(ld, LOAD_AT(file, p), "unknown outcome \"%s\"",
		    value[RF_OUTCOME]);
	}
	msg.format = value[RF_FORMAT];
	msg.reporting_mta = value[RF_REPORTING_MTA];
	msg.subject = value[RF_SUBJECT];
	msg.from = value[RF_FROM];
	msg.text = value[RF_TEXT];
	msg.text_len = len[RF_TEXT];
	msg.is_dsn = 1;
	rc.action = value[RF_ACTION];
	if (value[RF_STATUS] != NULL
	    && dsnx_code_parse(value[RF_STATUS], len[RF_STATUS], &rc.code) == 0)
		rc.status = value[RF_STATUS];
	rc.reply = reply;
	rc.diagnostic = value[RF_DIAGNOSTIC];
	rc.remote_mta = value[RF_REMOTE_MTA];
	ev.excerpt = value[RF_RECIPIENT_TEXT];
	ev.reply = NULL;
	dsnx_rule_input_build(in, &msg, &rc, &ev);
	/* An example may give the outcome an outcome rule decided. */
	if (outcome >= 0)
		dsnx_rule_input_outcome(in, (dsnx_outcome)outcome);
	return ld->errors == before ? 0 : -1;
}

static void
run_examples(loader *ld, const rule *r, const draft *d, rule_scratch *s)
{
	static const char *const lists[2] = { "match", "no_match" };
	char lp[LOAD_PATH_MAX], ep[LOAD_PATH_MAX], ex_path[LOAD_PATH_MAX];
	unsigned li;
	size_t i;

	dsnx_load_path(ex_path, d->path, "examples");
	for (li = 0; li < 2; li++) {
		json_t *list = json_object_get(d->examples, lists[li]);

		if (!json_is_array(list))
			continue;
		dsnx_load_path(lp, ex_path, lists[li]);
		for (i = 0; i < json_array_size(list); i++) {
			rule_input in;
			const char *failed = NULL;
			int m, pre;

			dsnx_load_path_index(ep, lp, i);
			if (example_input(ld, d->file, ep, json_array_get(list, i),
			    &in) != 0)
				continue;
			ld->set->example_count++;
			dsnx_rule_scratch_message(ld->set, s);
			m = dsnx_rule_matches(ld->set, r, &in, s, 0, &failed, NULL);
			if (li == 0 && !m)
				dsnx_load_problem(ld, LOAD_AT(d->file, ep),
				    "rule \"%s\" does not match its own example "
				    "(condition \"%s\" fails)", r->id, failed);
			else if (li == 1 && m)
				dsnx_load_problem(ld, LOAD_AT(d->file, ep),
				    "rule \"%s\" matches an example it must not match",
				    r->id);
			else if (li == 0
			    && !dsnx_rule_matches(ld->set, r, &in, s, 1, &failed, &pre))
				/* The pattern matches, so its literal must be there: a
				 * miss here is a bug in the literal extraction. */
				dsnx_load_problem(ld, LOAD_AT(d->file, ep),
				    "rule \"%s\": the prefilter rejects an example the "
				    "patterns match (condition \"%s\"); please report "
				    "this", r->id, failed);
		}
	}
}

void
dsnx_load_examples(loader *ld)
{
	dsnx_ruleset *set = ld->set;
	rule_scratch s;
	unsigned i;

	/* One scratch for all: without a budget nothing carries over from
	 * one example to the next but what scratch_message clears. */
	if (dsnx_rule_scratch_init(set, &s, 0, 0) != 0) {
		ld->oom = 1;
		return;
	}
	for (i = 0; i < ld->rule_count && !ld->oom; i++) {
		const draft *d = &ld->rules[i];

		if (d->dropped || d->examples == NULL || d->placed >= set->rule_count
		    || set->rules[d->placed].order != d->r.order)
			continue;
		run_examples(ld, &set->rules[d->placed], d, &s);
	}
	dsnx_rule_scratch_free(&s);
}
