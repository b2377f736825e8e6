/*
 * NAME
 *	classify - the verdicts on every recipient of one report
 * SYNOPSIS
 *	#include "dsnexplain.h"
 *
 *	dsnx_status dsnx_classify_message(rules, report, options, &c)
 * DESCRIPTION
 *	A recipient is classified in two steps.  First the outcome: what
 *	Action and Status say (dsnx_outcome_of()), then the outcome rules,
 *	whose first match in priority order may change it (give-up or delay
 *	wording).  Then the cause: the first cause rule that matches gives
 *	the cause and the reason for that outcome.
 *
 *	The whole message is classified in one pass with one scratch, so
 *	what is the same for every recipient (the human-readable text and
 *	the other message-wide fields, see match.c) is scanned and matched
 *	once, however many recipients there are.  dsnx_rule_input_build()
 *	is the one place a rule input is made, here and for the examples
 *	of the rule files.
 *
 *	The match budget is shared by all recipients.  When it runs out the
 *	recipients not yet classified keep their first outcome and get
 *	reason "undefined", no cause, and unclassified = 1; a recipient whose
 *	classification it interrupted is treated the same, so no verdict
 *	rests on rules that were skipped.
 * LIMITS
 *	At most the report's recipients (max_recipients of the context).
 * SEE ALSO
 *	match.c, outcome.c, ruleset.c, rules_examples.c.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "rules.h"

struct dsnx_classification {
	dsnx_verdict *verdicts;
	unsigned count;
	unsigned limit_hits;
	unsigned unclassified;
	unsigned long steps;
	dsnx_outcome worst;
};

void
dsnx_classify_options_init(dsnx_classify_options *o)
{
	memset(o, 0, sizeof(*o));
	o->match_budget = DSNX_MATCH_BUDGET_DEFAULT;
	o->cpu_ms = DSNX_MATCH_CPU_MS_DEFAULT;
}

/* The header lookup of a real message: arg is the rule_message, which
 * names its report; the report decoded its fields when it was read. */
static const char *
report_header(void *arg, const char *name)
{
	const rule_message *m = arg;

	return dsnx_report_header(m->report, name);
}

void
dsnx_rule_message_of(const dsnx_report *r, rule_message *m)
{
	memset(m, 0, sizeof(*m));
	m->format = dsnx_report_format(r);
	m->reporting_mta = dsnx_report_reporting_mta(r);
	m->subject = dsnx_report_subject(r);
	m->from = dsnx_report_from(r);
	m->text = r->human_text;
	m->text_len = r->human_text != NULL ? r->human_len : 0;
	if (dsnx_report_text_cut(r))
		m->cut |= 1u << RF_TEXT;
	if (dsnx_report_reporting_mta_cut(r))
		m->cut |= 1u << RF_REPORTING_MTA;
	m->is_dsn = dsnx_report_is_dsn(r);
	m->report = r;
	m->header = report_header;
	m->header_arg = m;
}

static void
set_value(rule_input *in, enum rule_field f, const char *v)
{
	in->value[f] = v;
	in->len[f] = v ? strlen(v) : 0;
}

void
dsnx_rule_input_outcome(rule_input *in, dsnx_outcome outcome)
{
	set_value(in, RF_OUTCOME, dsnx_outcome_name(outcome));
}

void
dsnx_rule_input_build(rule_input *in, const rule_message *m,
    const dsnx_recipient *rc, const rule_evidence *ev)
{
	const char *excerpt = ev != NULL ? ev->excerpt : NULL;
	const char *diag = ev != NULL && ev->reply != NULL ? ev->reply
	    : rc->diagnostic;

	memset(in, 0, sizeof(*in));
	in->cut = m->cut;
	set_value(in, RF_FORMAT, m->format);
	set_value(in, RF_REPORTING_MTA, m->reporting_mta);
	set_value(in, RF_SUBJECT, m->subject);
	set_value(in, RF_FROM, m->from);
	in->value[RF_TEXT] = m->text;
	in->len[RF_TEXT] = m->text != NULL ? m->text_len : 0;
	in->header = m->header;
	in->header_arg = m->header_arg;

	if (rc->status != NULL) {
		in->has_status = 1;
		in->status = rc->code;
	}
	in->reply = rc->reply;
	if (diag == NULL && excerpt != NULL) {
		diag = excerpt;
		if (in->reply == 0)
			in->reply = dsnx_reply_find(excerpt, strlen(excerpt));
	}
	set_value(in, RF_STATUS, rc->status);
	set_value(in, RF_ACTION, rc->action);
	set_value(in, RF_DIAGNOSTIC, diag);
	set_value(in, RF_RECIPIENT_TEXT, excerpt);
	set_value(in, RF_REMOTE_MTA, rc->remote_mta);
	if (rc->diagnostic_cut)
		in->cut |= 1u << RF_DIAGNOSTIC;
	if (rc->remote_mta_cut)
		in->cut |= 1u << RF_REMOTE_MTA;
	dsnx_rule_input_outcome(in, dsnx_outcome_of(rc, m->is_dsn));
}

static const char *
severity_of(dsnx_outcome outcome)
{
	switch (outcome) {
	case DSNX_OUTCOME_DELIVERED:
		return "info";
	case DSNX_OUTCOME_DELAYED:
		return "warning";
	default:
		return "error";
	}
}

/* One recipient; the scratch carries what earlier recipients found. */
static void
classify_one(const dsnx_ruleset *set, const rule_message *msg,
    const dsnx_recipient *rc, unsigned i, rule_scratch *s,
    const dsnx_classify_options *o, dsnx_verdict *out)
{
	rule_input in;
	rule_evidence ev;
	const rule *r;
	dsnx_outcome first = dsnx_outcome_of(rc, msg->is_dsn), outcome = first;
	unsigned hits = s->limit_hits;
	int idx;

	memset(out, 0, sizeof(*out));
	out->reason = "undefined";
	ev.excerpt = msg->report != NULL
	    ? dsnx_report_recipient_excerpt(msg->report, i) : NULL;
	ev.reply = msg->report != NULL
	    ? dsnx_report_recipient_reply(msg->report, i) : NULL;
	dsnx_rule_input_build(&in, msg, rc, &ev);
	dsnx_rule_scratch_recipient(s);
	if ((r = dsnx_rule_first_match(set, RK_OUTCOME, &in, s, o->trace,
	    o->trace_arg, i)) != NULL) {
		outcome = r->outcome;
		out->outcome_rule = r->id;
		dsnx_rule_input_outcome(&in, outcome);
	}
	r = dsnx_rule_first_match(set, RK_CAUSE, &in, s, o->trace, o->trace_arg,
	    i);
	out->limit_hits = s->limit_hits - hits;
	if (s->exhausted) {
		/* Rules were skipped: only what Action and Status say holds. */
		out->outcome = first;
		out->outcome_rule = NULL;
		out->severity = severity_of(first);
		out->unclassified = 1;
		return;
	}
	out->outcome = outcome;
	out->severity = severity_of(outcome);
	if (r != NULL) {
		idx = dsnx_outcome_reason_index(outcome);
		out->rule = r->id;
		out->cause = r->cause;
		if (r->reason[idx] != NULL)
			out->reason = r->reason[idx];
		else if (r->reason[RO_DEFAULT] != NULL)
			out->reason = r->reason[RO_DEFAULT];
	}
}

dsnx_status
dsnx_classify_message(const dsnx_ruleset *set, const dsnx_report *report,
    const dsnx_classify_options *options, dsnx_classification **out)
{
	dsnx_classify_options defaults;
	dsnx_classification *c;
	rule_message msg;
	rule_scratch s;
	unsigned i, n;

	if (set == NULL || report == NULL || out == NULL)
		return DSNX_EINVAL;
	*out = NULL;
	if (options == NULL) {
		dsnx_classify_options_init(&defaults);
		options = &defaults;
	}
	n = dsnx_report_recipient_count(report);
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return DSNX_ENOMEM;
	if ((c->verdicts = calloc(n ? n : 1, sizeof(dsnx_verdict))) == NULL) {
		free(c);
		return DSNX_ENOMEM;
	}
	if (dsnx_rule_scratch_init(set, &s, options->match_budget,
	    options->cpu_ms) != 0) {
		dsnx_classification_free(c);
		return DSNX_ENOMEM;
	}
	c->count = n;
	dsnx_rule_message_of(report, &msg);
	for (i = 0; i < n; i++) {
		dsnx_verdict *v = &c->verdicts[i];

		classify_one(set, &msg, dsnx_report_recipient(report, i), i, &s,
		    options, v);
		c->unclassified += v->unclassified;
		if (i == 0 || dsnx_outcome_rank(v->outcome)
		    < dsnx_outcome_rank(c->worst))
			c->worst = v->outcome;
	}
	c->limit_hits = s.limit_hits;
	c->steps = s.steps;
	dsnx_rule_scratch_free(&s);
	*out = c;
	return DSNX_OK;
}

void
dsnx_classification_free(dsnx_classification *c)
{
	if (c == NULL)
		return;
	free(c->verdicts);
	free(c);
}

unsigned
dsnx_classification_count(const dsnx_classification *c)
{
	return c != NULL ? c->count : 0;
}

const dsnx_verdict *
dsnx_classification_verdict(const dsnx_classification *c, unsigned i)
{
	return c != NULL && i < c->count ? &c->verdicts[i] : NULL;
}

unsigned
dsnx_classification_limit_hits(const dsnx_classification *c)
{
	return c->limit_hits;
}

unsigned
dsnx_classification_unclassified(const dsnx_classification *c)
{
	return c->unclassified;
}

unsigned long
dsnx_classification_steps(const dsnx_classification *c)
{
	return c->steps;
}

dsnx_outcome
dsnx_classification_worst(const dsnx_classification *c)
{
	return c->worst;
}
