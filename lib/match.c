/*
 * NAME
 *	match - evaluate rules against a recipient: outcome, reason, cause
 * SYNOPSIS
 *	#include "dsnexplain.h"
 *
 *	dsnx_status dsnx_classify(rules, report, i, &verdict)
 *	dsnx_status dsnx_classify_trace(rules, report, i, &verdict, fn, arg)
 *	const char *dsnx_outcome_of(rcpt)
 * DESCRIPTION
 *	A recipient is classified in two steps.  First the outcome: what
 *	Action and Status say (delayed; expired for Action failed with a
 *	4.x.x status or X.4.7; failed; delivered), then the outcome rules,
 *	whose first match in priority order may change it (give-up or delay
 *	wording).  Then the cause: the first cause rule that matches gives
 *	the cause and the reason for that outcome.
 *
 *	Only rules that can match are tried.  Rules sit in buckets by the
 *	status class and subject their status condition allows, so a 5.1.1
 *	recipient never meets a rule for 4.7.x.  Every text condition carries
 *	the longest literal its pattern requires; one Aho-Corasick scan per
 *	field finds which literals occur, and a rule whose literal is absent
 *	is skipped without running its pattern.
 *
 *	A bounce without an Action (most non-standard formats) is a failure
 *	report: its outcome is expired for a 4.x.x status (the sender's
 *	system gave up on a temporary failure), failed otherwise, unless an
 *	outcome rule says more.
 * LIMITS
 *	Text values longer than RULE_SUBJECT_MAX are matched on their first
 *	RULE_SUBJECT_MAX bytes.  Every pattern runs under the PCRE2 match,
 *	depth and heap limits of the set; a pattern that hits one counts as no
 *	match and is counted in verdict.limit_hits.  The prefilter folds ASCII
 *	case only: a pattern that matches a literal only through Unicode case
 *	folding (U+017F for "s") is not found.
 * SEE ALSO
 *	rules.c, acsearch.c, dsnexplain-rules(5).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime.h"
#include "report.h"
#include "rules.h"

const char *const dsnx_rule_field_names[RF_COUNT] = {
	"status", "reply", "action", "outcome", "format", "diagnostic",
	"remote_mta", "reporting_mta", "text", "subject", "from", "headers"
};

const char *const dsnx_outcome_names[RO_COUNT] = {
	"delayed", "expired", "failed", "delivered", "default"
};

int
dsnx_outcome_index(const char *name)
{
	int i;

	for (i = 0; i < RO_COUNT; i++)
		if (strcmp(name, dsnx_outcome_names[i]) == 0)
			return i;
	return -1;
}

const char *
dsnx_outcome_of(const dsnx_recipient *rc)
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

unsigned
dsnx_rule_bucket(int has_status, const dsnx_code *code)
{
	unsigned cls;

	if (!has_status)
		return BUCKETS - 1;
	cls = code->cls == 2 ? 0 : code->cls == 4 ? 1 : 2;
	return cls * 9 + (code->subject <= 7 ? code->subject : 8);
}

/* ------------------------------------------------ literal extraction */

static int
is_literal_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	    || (c >= '0' && c <= '9') || c == ' '
	    || strchr("-:,;'\"@/=<>#%&!~`_", c) != NULL;
}

/*
 * Walks the pattern's top level (outside groups and classes), collecting
 * runs of plain ASCII characters.  A quantifier that allows zero
 * repetitions drops the character before it; '+' and anything else special
 * end the run.  A top-level alternation means no literal is required at
 * all.  The walk is conservative: when unsure, it ends a run.
 */
size_t
dsnx_pattern_literal(const char *p, char *buf, size_t size)
{
	char run[256], best[256];
	size_t rl = 0, bl = 0, i, n = strlen(p);
	int depth = 0, in_class = 0;

	if (strstr(p, "(?x") != NULL || strstr(p, "\\Q") != NULL)
		return 0;
	for (i = 0; i <= n; i++) {
		unsigned char c = (unsigned char)p[i];
		int keep = 0;
		unsigned char lit = 0;

		if (in_class) {
			if (c == '\\' && i + 1 < n)
				i++;
			else if (c == ']')
				in_class = 0;
			continue;
		}
		if (c == '\\' && i + 1 < n) {
			unsigned char e = (unsigned char)p[i + 1];

			if (depth == 0 && !((e >= 'a' && e <= 'z')
			    || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9'))) {
				keep = 1;
				lit = e;
			}
			i++;
		} else if (c == '[') {
			in_class = 1;
		} else if (c == '{') {
			/* A counted quantifier {n}, {n,} or {n,m}: its digits
			 * are no text. */
			size_t j = i + 1;

			while (j < n && ((p[j] >= '0' && p[j] <= '9') || p[j] == ','))
				j++;
			if (j < n && p[j] == '}' && j > i + 1)
				i = j;
		} else if (c == '(') {
			depth++;
		} else if (c == ')') {
			if (depth > 0)
				depth--;
		} else if (c == '|' && depth == 0) {
			return 0;
		} else if (depth == 0 && c != '\0' && is_literal_char(c)) {
			keep = 1;
			lit = c;
		}
		if (keep) {
			/* A following quantifier that allows zero drops it. */
			unsigned char q = (unsigned char)p[i + 1];

			if (q == '?' || q == '*' || q == '{') {
				keep = 0;
			} else if (rl < sizeof(run)) {
				run[rl++] = (char)(lit >= 'A' && lit <= 'Z'
				    ? lit + 32 : lit);
				continue;
			}
		}
		if (rl > bl) {
			memcpy(best, run, rl);
			bl = rl;
		}
		rl = 0;
	}
	/* Surrounding blanks add nothing and may be written differently. */
	while (bl > 0 && best[bl - 1] == ' ')
		bl--;
	i = 0;
	while (i < bl && best[i] == ' ')
		i++;
	if (bl - i < 3 || bl - i >= size)
		return 0;
	memcpy(buf, best + i, bl - i);
	buf[bl - i] = '\0';
	return bl - i;
}

/* ------------------------------------------------------------ matching */

int
dsnx_rule_scratch_init(const dsnx_ruleset *set, rule_scratch *s)
{
	memset(s, 0, sizeof(*s));
	s->md = pcre2_match_data_create(1, NULL);
	if (s->md == NULL)
		return -1;
	if (set->seen_words > 0) {
		s->seen_store = calloc(RF_COUNT * set->seen_words, sizeof(uint64_t));
		if (s->seen_store == NULL) {
			pcre2_match_data_free(s->md);
			return -1;
		}
	}
	return 0;
}

void
dsnx_rule_scratch_free(rule_scratch *s)
{
	pcre2_match_data_free(s->md);
	free(s->seen_store);
	memset(s, 0, sizeof(*s));
}

static int
glob_status(const status_pat *p, const rule_input *in)
{
	if (p->none)
		return !in->has_status;
	if (!in->has_status)
		return 0;
	return (p->cls < 0 || p->cls == in->status.cls)
	    && (p->subject < 0 || p->subject == in->status.subject)
	    && (p->detail < 0 || p->detail == in->status.detail);
}

static int
glob_reply(const char *pat, int reply)
{
	char r[4];
	int i;

	if (pat[0] == '\0')
		return reply == 0;
	if (reply < 100 || reply > 999)
		return 0;
	r[0] = (char)('0' + reply / 100);
	r[1] = (char)('0' + reply / 10 % 10);
	r[2] = (char)('0' + reply % 10);
	for (i = 0; i < 3; i++)
		if (pat[i] != '*' && pat[i] != r[i])
			return 0;
	return 1;
}

static int
word_in(const condition *c, const char *value)
{
	unsigned i;

	for (i = 0; i < c->count; i++) {
		if (strcmp(c->words[i], "none") == 0) {
			if (value == NULL)
				return 1;
		} else if (value != NULL && strcasecmp(c->words[i], value) == 0)
			return 1;
	}
	return 0;
}

static int
run_pattern(const dsnx_ruleset *set, const condition *c, const char *v,
    size_t len, rule_scratch *s)
{
	int rc;

	if (v == NULL)
		return 0;
	if (len > RULE_SUBJECT_MAX)
		len = RULE_SUBJECT_MAX;
	rc = pcre2_match(c->re, (PCRE2_SPTR)v, len, 0, PCRE2_NO_UTF_CHECK, s->md,
	    set->mctx);
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT
	    || rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT)
		s->limit_hits++;
	return 0;
}

static int
condition_holds(const dsnx_ruleset *set, const condition *c,
    const rule_input *in, rule_scratch *s)
{
	unsigned i;

	switch (c->field) {
	case RF_STATUS:
		for (i = 0; i < c->count; i++)
			if (glob_status(&c->status[i], in))
				return 1;
		return 0;
	case RF_REPLY:
		for (i = 0; i < c->count; i++)
			if (glob_reply(c->reply[i], in->reply))
				return 1;
		return 0;
	case RF_ACTION:
	case RF_OUTCOME:
	case RF_FORMAT:
		return word_in(c, in->value[c->field]);
	case RF_HEADER: {
		const char *v = in->header ? in->header(in->header_arg, c->header)
		    : NULL;

		return v != NULL && run_pattern(set, c, v, strlen(v), s);
	}
	default:
		return run_pattern(set, c, in->value[c->field], in->len[c->field], s);
	}
}

/* Is the literal of rule r's condition on field present in the input? */
static int
literal_present(const dsnx_ruleset *set, const rule *r, enum rule_field f,
    const rule_input *in, rule_scratch *s)
{
	if (in->value[f] == NULL)
		return 0;
	if (s->seen[f] == NULL) {
		s->seen[f] = s->seen_store + (size_t)f * set->seen_words;
		dsnx_ac_scan(set->literals[f], in->value[f],
		    in->len[f] > RULE_SUBJECT_MAX ? RULE_SUBJECT_MAX : in->len[f],
		    s->seen[f]);
	}
	return (s->seen[f][r->index / 64] >> (r->index % 64)) & 1;
}

int
dsnx_rule_matches(const dsnx_ruleset *set, const rule *r,
    const rule_input *in, rule_scratch *s, int use_prefilter,
    const char **failed, int *prefiltered)
{
	unsigned i;

	if (prefiltered != NULL)
		*prefiltered = 0;
	if (use_prefilter && s->seen_store != NULL) {
		for (i = 0; i < r->when_count; i++) {
			const condition *c = &r->when[i];

			if (c->has_literal && !literal_present(set, r, c->field, in, s)) {
				if (failed != NULL)
					*failed = dsnx_rule_field_names[c->field];
				if (prefiltered != NULL)
					*prefiltered = 1;
				return 0;
			}
		}
	}
	/* Cheap code conditions were put first when the rule was built. */
	for (i = 0; i < r->when_count; i++) {
		if (!condition_holds(set, &r->when[i], in, s)) {
			if (failed != NULL)
				*failed = dsnx_rule_field_names[r->when[i].field];
			return 0;
		}
	}
	if (r->unless_count > 0) {
		for (i = 0; i < r->unless_count; i++)
			if (!condition_holds(set, &r->unless[i], in, s))
				break;
		if (i == r->unless_count) {
			if (failed != NULL)
				*failed = "unless";
			return 0;
		}
	}
	if (failed != NULL)
		*failed = NULL;
	return 1;
}

/* ------------------------------------------------------- classification */

typedef struct header_lookup {
	dsnx_mime *mime;
} header_lookup;

static const char *
report_header(void *arg, const char *name)
{
	header_lookup *h = arg;

	return dsnx_part_header_get(h->mime, h->mime->parts[0], name, 1);
}

static void
set_value(rule_input *in, enum rule_field f, const char *v)
{
	in->value[f] = v;
	in->len[f] = v ? strlen(v) : 0;
}

/* The first rule of a kind, in priority order, that matches. */
static const rule *
first_match(const dsnx_ruleset *set, enum rule_kind kind, const rule_input *in,
    rule_scratch *s, dsnx_trace_fn *trace, void *arg)
{
	const bucket *b = &set->index[kind][dsnx_rule_bucket(in->has_status,
	    &in->status)];
	unsigned i;

	for (i = 0; i < b->count; i++) {
		const rule *r = &set->rules[b->rules[i]];
		const char *failed = NULL;
		int pre = 0, ok;

		ok = dsnx_rule_matches(set, r, in, s, 1, trace ? &failed : NULL,
		    trace ? &pre : NULL);
		if (trace != NULL) {
			dsnx_trace_step step = { r->id,
			    kind == RK_CAUSE ? "cause" : "outcome", ok, failed, pre };

			trace(&step, arg);
		}
		if (ok)
			return r;
	}
	return NULL;
}

static const char *
severity_of(const char *outcome)
{
	if (outcome == NULL)
		return "error";
	if (strcmp(outcome, "delivered") == 0)
		return "info";
	if (strcmp(outcome, "delayed") == 0)
		return "warning";
	return "error";
}

dsnx_status
dsnx_classify_trace(const dsnx_ruleset *set, const dsnx_report *report,
    unsigned i, dsnx_verdict *out, dsnx_trace_fn *trace, void *arg)
{
	const dsnx_recipient *rc;
	rule_input in;
	rule_scratch s;
	header_lookup hl;
	const rule *r;
	const char *outcome, *human = NULL;
	size_t human_len = 0;
	int idx;

	if (set == NULL || report == NULL || out == NULL)
		return DSNX_EINVAL;
	if ((rc = dsnx_report_recipient(report, i)) == NULL)
		return DSNX_EINVAL;
	memset(out, 0, sizeof(*out));
	memset(&in, 0, sizeof(in));
	if (rc->status != NULL
	    && dsnx_code_parse(rc->status, strlen(rc->status), &in.status) == 0)
		in.has_status = 1;
	in.reply = rc->reply;
	set_value(&in, RF_STATUS, rc->status);
	set_value(&in, RF_ACTION, rc->action);
	set_value(&in, RF_FORMAT, dsnx_report_format(report));
	set_value(&in, RF_DIAGNOSTIC, rc->diagnostic);
	set_value(&in, RF_REMOTE_MTA, rc->remote_mta);
	set_value(&in, RF_REPORTING_MTA, dsnx_report_reporting_mta(report));
	set_value(&in, RF_SUBJECT, dsnx_report_subject(report));
	set_value(&in, RF_FROM, dsnx_report_from(report));
	if (report->human_part != NULL)
		human = dsnx_part_text(report->mime, report->human_part, &human_len);
	in.value[RF_TEXT] = human;
	in.len[RF_TEXT] = human ? human_len : 0;
	hl.mime = report->mime;
	in.header = report_header;
	in.header_arg = &hl;

	outcome = dsnx_outcome_of(rc);
	if (outcome == NULL && report->is_dsn)
		outcome = in.has_status && in.status.cls == 4 ? "expired"
		    : in.has_status && in.status.cls == 2 ? "delivered" : "failed";
	set_value(&in, RF_OUTCOME, outcome);

	if (dsnx_rule_scratch_init(set, &s) != 0)
		return DSNX_ENOMEM;
	if ((r = first_match(set, RK_OUTCOME, &in, &s, trace, arg)) != NULL) {
		outcome = r->outcome;
		out->outcome_rule = r->id;
		set_value(&in, RF_OUTCOME, outcome);
	}
	out->outcome = outcome;
	out->severity = severity_of(outcome);
	out->reason = "undefined";
	if ((r = first_match(set, RK_CAUSE, &in, &s, trace, arg)) != NULL) {
		idx = outcome != NULL ? dsnx_outcome_index(outcome) : -1;
		out->rule = r->id;
		out->cause = r->cause;
		if (idx >= 0 && r->reason[idx] != NULL)
			out->reason = r->reason[idx];
		else if (r->reason[RO_DEFAULT] != NULL)
			out->reason = r->reason[RO_DEFAULT];
	}
	out->limit_hits = s.limit_hits;
	dsnx_rule_scratch_free(&s);
	return DSNX_OK;
}

dsnx_status
dsnx_classify(const dsnx_ruleset *set, const dsnx_report *report, unsigned i,
    dsnx_verdict *out)
{
	return dsnx_classify_trace(set, report, i, out, NULL, NULL);
}
