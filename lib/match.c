/*
 * NAME
 *	match - evaluate one rule's conditions against a rule input
 * SYNOPSIS
 *	#include "rules.h"
 *
 *	int dsnx_rule_matches(set, rule, input, scratch, prefilter, &failed, &pre)
 *	const rule *dsnx_rule_first_match(set, kind, input, scratch, trace, arg, i)
 * DESCRIPTION
 *	Only rules that can match are tried.  Rules sit in buckets by the
 *	status class and subject their status condition allows, so a 5.1.1
 *	recipient never meets a rule for 4.7.x.  Every text condition carries
 *	the longest literal its pattern requires; one Aho-Corasick scan per
 *	field and message finds which literals occur, and a rule whose
 *	literal is absent is skipped without running its pattern.  Without
 *	a trace the bucket is walked as a bit set, 64 rules at a time
 *	against the bits of the literals found, so the many rules skipped
 *	cost nothing each.
 *
 *	The scratch lives for one message.  Fields that are the same for
 *	every recipient (the human-readable text, Subject, From, reporting
 *	MTA, format, header fields) are scanned once, and a condition on one
 *	of them is evaluated once: later recipients read the remembered
 *	result.  Only a recipient's own fields (status, reply, action,
 *	outcome, diagnostic, remote MTA) are looked at again.
 *
 *	Every pattern run is charged to the message's match budget (see
 *	dsnx_classify_options in dsnexplain.h); once it is spent no pattern
 *	runs and every rule fails.
 * LIMITS
 *	Text values longer than RULE_SUBJECT_MAX are matched on their first
 *	RULE_SUBJECT_MAX bytes.  A value cut there, or by the report (a
 *	Diagnostic-Code over max_header_field), never matches at the cut:
 *	"$" does not match there (PCRE2_NOTEOL), a match ending at the cut
 *	(\z, \Z, \b, a run stopped by the end) does not count, and a
 *	pattern with a lookaround, which might read up to the cut, is not
 *	run (no match).  Every pattern runs under RULE_MATCH_LIMIT
 *	(or what is left of the budget), RULE_DEPTH_LIMIT and
 *	RULE_HEAP_LIMIT_KB; a pattern that hits one counts as no match and is
 *	counted in limit_hits.  The prefilter folds ASCII case only: a pattern
 *	that matches a literal only through Unicode case folding (U+017F for
 *	"s") is not found.
 * SEE ALSO
 *	classify.c (the per-message driver), rules_index.c (buckets and
 *	the literal index), literals.c, acsearch.c, dsnexplain-rules(5).
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
	"remote_mta", "reporting_mta", "text", "subject", "from",
	"recipient_text", "headers"
};

const char *const dsnx_outcome_names[RO_COUNT] = {
	"delayed", "expired", "failed", "delivered", "default"
};

int
dsnx_outcome_reason_index(dsnx_outcome o)
{
	switch (o) {
	case DSNX_OUTCOME_DELAYED:
		return RO_DELAYED;
	case DSNX_OUTCOME_EXPIRED:
		return RO_EXPIRED;
	case DSNX_OUTCOME_DELIVERED:
		return RO_DELIVERED;
	default:
		return RO_FAILED;
	}
}

int
dsnx_outcome_index(const char *name)
{
	int i;

	for (i = 0; i < RO_COUNT; i++)
		if (strcmp(name, dsnx_outcome_names[i]) == 0)
			return i;
	return -1;
}

int
dsnx_rule_field_message_wide(enum rule_field f)
{
	switch (f) {
	case RF_FORMAT:
	case RF_REPORTING_MTA:
	case RF_TEXT:
	case RF_SUBJECT:
	case RF_FROM:
	case RF_HEADER:
		return 1;
	default:
		return 0;
	}
}

/* Code conditions first, then the text of the whole message, then the
 * recipient's own text. */
static int
condition_rank(const condition *c)
{
	if (c->field < RF_FIRST_TEXT)
		return 0;
	return dsnx_rule_field_message_wide(c->field) ? 1 : 2;
}

/*
 * A rule holds when all its conditions do, so their order is free: the
 * cheap ones go first.  A message-wide text condition is evaluated once
 * per message and remembered, a recipient's diagnostic once per rule and
 * recipient, so a rule that asks both ("unknown user" in the reply and
 * "RCPT TO" in the notice) looks at the notice first.  Stable within a
 * rank.
 */
static void
order_conditions(condition *c, unsigned n)
{
	unsigned i, j;

	for (i = 1; i < n; i++) {
		condition t = c[i];

		for (j = i; j > 0 && condition_rank(&c[j - 1]) > condition_rank(&t); j--)
			c[j] = c[j - 1];
		c[j] = t;
	}
}

void
dsnx_rules_number_conditions(dsnx_ruleset *set)
{
	unsigned i, k, id = 0;

	for (i = 0; i < set->rule_count; i++) {
		rule *r = &set->rules[i];

		order_conditions(r->when, r->when_count);
		order_conditions(r->unless, r->unless_count);
		for (k = 0; k < r->when_count; k++) {
			r->when[k].id = id++;
			r->when[k].message_wide
			    = dsnx_rule_field_message_wide(r->when[k].field);
		}
		for (k = 0; k < r->unless_count; k++) {
			r->unless[k].id = id++;
			r->unless[k].message_wide
			    = dsnx_rule_field_message_wide(r->unless[k].field);
		}
	}
	set->condition_count = id;
}

/* ------------------------------------------------------------ matching */

int
dsnx_rule_scratch_init(const dsnx_ruleset *set, rule_scratch *s,
    unsigned long budget, unsigned cpu_ms)
{
	memset(s, 0, sizeof(*s));
	s->budget = budget;
	s->cpu_ms = cpu_ms;
	if ((s->md = pcre2_match_data_create(1, NULL)) == NULL)
		goto fail;
	if ((s->mctx = pcre2_match_context_copy(set->mctx)) == NULL)
		goto fail;
	if (set->seen_words > 0 && (s->seen_store = calloc(RF_COUNT
	    * set->seen_words, sizeof(uint64_t))) == NULL)
		goto fail;
	s->memo_count = set->condition_count;
	if (s->memo_count > 0
	    && (s->memo = calloc(s->memo_count, 1)) == NULL)
		goto fail;
	if (cpu_ms > 0)
		(void)clock_gettime(CLOCK_THREAD_CPUTIME_ID, &s->cpu_start);
	return 0;
fail:
	dsnx_rule_scratch_free(s);
	return -1;
}

void
dsnx_rule_scratch_free(rule_scratch *s)
{
	pcre2_match_data_free(s->md);
	pcre2_match_context_free(s->mctx);
	free(s->seen_store);
	free(s->memo);
	memset(s, 0, sizeof(*s));
}

void
dsnx_rule_scratch_message(const dsnx_ruleset *set, rule_scratch *s)
{
	if (s->seen_store != NULL)
		memset(s->seen_store, 0, RF_COUNT * set->seen_words
		    * sizeof(uint64_t));
	memset(s->seen, 0, sizeof(s->seen));
	if (s->memo != NULL)
		memset(s->memo, 0, s->memo_count);
}

/* The recipient's own fields are scanned again; the message's stay. */
void
dsnx_rule_scratch_recipient(rule_scratch *s)
{
	int f;

	for (f = 0; f < RF_COUNT; f++)
		if (!dsnx_rule_field_message_wide((enum rule_field)f))
			s->seen[f] = NULL;
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

/* How often the CPU clock is read: a system call, so not every run. */
#define CPU_CHECK_EVERY 32

static void
charge(rule_scratch *s, unsigned long steps)
{
	s->steps += steps;
	if (s->budget > 0 && s->steps >= s->budget)
		s->exhausted = 1;
	if (s->cpu_ms > 0 && ++s->runs % CPU_CHECK_EVERY == 0) {
		struct timespec now;
		long long ms;

		if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now) == 0) {
			ms = (long long)(now.tv_sec - s->cpu_start.tv_sec) * 1000
			    + (now.tv_nsec - s->cpu_start.tv_nsec) / 1000000;
			if (ms >= (long long)s->cpu_ms)
				s->exhausted = 1;
		}
	}
}

/*
 * Did a match found in a cut value depend on where the value was cut?
 * It did when it ends at the cut, or where only line ends follow up to
 * it: \z, \Z, \b or a run that stopped there say something about text
 * that was never seen.  A match that ends earlier read nothing past its
 * end but through a lookaround, and patterns with one are not run on
 * cut values at all; so such a match holds for the whole field too.
 */
static int
ends_at_cut(const char *v, size_t len, pcre2_match_data *md)
{
	PCRE2_SIZE end = pcre2_get_ovector_pointer(md)[1];

	while (end < len && (v[end] == '\r' || v[end] == '\n'))
		end++;
	return end >= len;
}

/*
 * Runs c's pattern on len bytes of v.  A value that is only the start of
 * its field (cut: flagged by the report, or longer than RULE_SUBJECT_MAX
 * and cut here) is matched so that nothing matches at the cut:
 * PCRE2_NOTEOL ("$" is never true there), no match that ends at the cut
 * (ends_at_cut()), and no pattern with a lookaround.
 */
static int
run_pattern(const condition *c, const char *v, size_t len, int cut,
    rule_scratch *s)
{
	uint32_t limit = RULE_MATCH_LIMIT, options = PCRE2_NO_UTF_CHECK;
	int rc;

	if (v == NULL)
		return 0;
	if (s->exhausted)
		return 0;
	if (len > RULE_SUBJECT_MAX) {
		/* Cut between characters: PCRE2 is told the text is valid. */
		len = RULE_SUBJECT_MAX;
		while (len > 0 && ((unsigned char)v[len] & 0xC0) == 0x80)
			len--;
		cut = 1;
	}
	if (cut) {
		if (c->looks_around)
			return 0;
		options |= PCRE2_NOTEOL;
	}
	if (s->budget > 0 && s->budget - s->steps < limit)
		limit = (uint32_t)(s->budget - s->steps);
	pcre2_set_match_limit(s->mctx, limit);
	rc = pcre2_match(c->re, (PCRE2_SPTR)v, len, 0, options, s->md, s->mctx);
	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT
	    || rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT) {
		s->limit_hits++;
		charge(s, limit);
		return 0;
	}
	charge(s, 1 + len / 64);
	return rc >= 0 && !(cut && ends_at_cut(v, len, s->md));
}

static int
evaluate(const condition *c, const rule_input *in, rule_scratch *s)
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

		return v != NULL && run_pattern(c, v, strlen(v), 0, s);
	}
	default:
		return run_pattern(c, in->value[c->field], in->len[c->field],
		    (in->cut >> c->field) & 1, s);
	}
}

/*
 * A message-wide condition is evaluated once per message.  A result
 * reached after the budget ran out is not kept: it may be a "no" that
 * only means "not run".
 */
static int
condition_holds(const condition *c, const rule_input *in, rule_scratch *s)
{
	int yes;

	if (c->message_wide && s->memo != NULL && c->id < s->memo_count
	    && s->memo[c->id] != 0) {
		s->memo_hits++;
		return s->memo[c->id] == 2;
	}
	yes = evaluate(c, in, s);
	if (c->message_wide && s->memo != NULL && c->id < s->memo_count
	    && !s->exhausted)
		s->memo[c->id] = yes ? 2 : 1;
	return yes;
}

/* The rules whose literals on field f occur in the input (bit i: rule
 * i), the field scanned on the first call; NULL for an absent field. */
static const uint64_t *
literals_seen(const dsnx_ruleset *set, enum rule_field f,
    const rule_input *in, rule_scratch *s)
{
	if (in->value[f] == NULL)
		return NULL;
	if (s->seen[f] == NULL) {
		s->seen[f] = s->seen_store + (size_t)f * set->seen_words;
		/* The scan only sets bits: what an earlier recipient's field
		 * held must not stay marked for this one. */
		memset(s->seen[f], 0, set->seen_words * sizeof(uint64_t));
		/* The whole value: the literal may lie past the cut the
		 * pattern sees, which only makes the filter let more through. */
		dsnx_ac_scan(set->literals[f], in->value[f], in->len[f], s->seen[f]);
	}
	return s->seen[f];
}

/* Is the literal of rule r's condition on field present in the input? */
static int
literal_present(const dsnx_ruleset *set, const rule *r, enum rule_field f,
    const rule_input *in, rule_scratch *s)
{
	const uint64_t *seen = literals_seen(set, f, in, s);

	return seen != NULL && (seen[r->index / 64] >> (r->index % 64)) & 1;
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
		if (!condition_holds(&r->when[i], in, s)) {
			if (failed != NULL)
				*failed = dsnx_rule_field_names[r->when[i].field];
			return 0;
		}
	}
	if (r->unless_count > 0) {
		for (i = 0; i < r->unless_count; i++)
			if (!condition_holds(&r->unless[i], in, s))
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

/* Is field f of the input scanned already, or absent (nothing to scan)? */
static int
field_known(const rule_input *in, const rule_scratch *s, int f)
{
	return s->seen[f] != NULL || in->value[f] == NULL;
}

/* Drops from cand (word w of a rule set) the rules that need a literal
 * of field f (known) that does not occur. */
static uint64_t
drop_absent(const dsnx_ruleset *set, uint64_t cand, size_t w, int f,
    const rule_input *in, rule_scratch *s)
{
	const uint64_t *seen = literals_seen(set, (enum rule_field)f, in, s);

	return cand & (~set->need_bits[f][w] | (seen != NULL ? seen[w] : 0));
}

/* The number of the lowest set bit of x (x != 0). */
static unsigned
lowest_bit(uint64_t x)
{
#if defined(__GNUC__)
	return (unsigned)__builtin_ctzll(x);
#else
	unsigned n = 0;

	for (; (x & 1) == 0; x >>= 1)
		n++;
	return n;
#endif
}

/*
 * dsnx_rule_first_match() without a trace: the bucket as a bit set, a
 * word of 64 rules at a time, so the rules whose literals are absent
 * (most of them) cost nothing each.  The same rules as the bucket list
 * in the same order (the list is in rule order too), and the fields are
 * scanned when the list walk would scan them: when the first rule left
 * needs one, in field order, none after a literal that is absent.
 */
static const rule *
first_match_bits(const dsnx_ruleset *set, enum rule_kind kind, unsigned b,
    const rule_input *in, rule_scratch *s)
{
	const uint64_t *bits = set->bucket_bits[kind][b];
	uint64_t cand;
	size_t	w;
	unsigned i;
	int	f;

	for (w = 0; w < set->rule_words && !s->exhausted; w++) {
		cand = bits[w];
		for (f = RF_FIRST_TEXT; f < RF_HEADER && cand != 0; f++)
			if (field_known(in, s, f) && (cand & set->need_bits[f][w]))
				cand = drop_absent(set, cand, w, f, in, s);
		while (cand != 0 && !s->exhausted) {
			const rule *r = &set->rules[w * 64 + (i = lowest_bit(cand))];

			for (f = RF_FIRST_TEXT; f < RF_HEADER && (cand >> i & 1); f++)
				if ((r->literal_fields >> f & 1) && !field_known(in, s, f))
					cand = drop_absent(set, cand, w, f, in, s);
			if (!(cand >> i & 1))
				continue;
			cand &= cand - 1;
			if (dsnx_rule_matches(set, r, in, s, 0, NULL, NULL))
				return r;
		}
	}
	return NULL;
}

const rule *
dsnx_rule_first_match(const dsnx_ruleset *set, enum rule_kind kind,
    const rule_input *in, rule_scratch *s, dsnx_trace_fn *trace, void *arg,
    unsigned recipient)
{
	unsigned bi = dsnx_rule_bucket(in->has_status, &in->status);
	const bucket *b = &set->index[kind][bi];
	unsigned i;

	if (trace == NULL && set->rule_words > 0 && s->seen_store != NULL)
		return first_match_bits(set, kind, bi, in, s);
	for (i = 0; i < b->count && !s->exhausted; i++) {
		const rule *r = &set->rules[b->rules[i]];
		const char *failed = NULL;
		unsigned memo_before = s->memo_hits;
		int pre = 0, ok;

		/* Most rules fail on a missing literal: test the bits here,
		 * without a call, when nobody traces. */
		if (trace == NULL && r->literal_fields != 0 && s->seen_store != NULL) {
			unsigned f, skip = 0;

			for (f = RF_FIRST_TEXT; f < RF_HEADER && !skip; f++)
				if ((r->literal_fields >> f & 1)
				    && !literal_present(set, r, (enum rule_field)f, in, s))
					skip = 1;
			if (skip)
				continue;
			if (dsnx_rule_matches(set, r, in, s, 0, NULL, NULL))
				return r;
			continue;
		}
		ok = dsnx_rule_matches(set, r, in, s, 1, trace ? &failed : NULL,
		    trace ? &pre : NULL);
		if (trace != NULL) {
			dsnx_trace_step step;

			memset(&step, 0, sizeof(step));
			step.recipient = recipient;
			step.rule = r->id;
			step.kind = kind == RK_CAUSE ? "cause" : "outcome";
			step.matched = ok;
			step.failed = failed;
			step.prefiltered = pre;
			step.remembered = s->memo_hits != memo_before;
			trace(&step, arg);
		}
		if (ok)
			return r;
	}
	return NULL;
}
