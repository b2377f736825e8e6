/*
 * NAME
 *	rules_index - the loaded rules in match order, bucketed and with
 *	their literals indexed
 * SYNOPSIS
 *	#include "rules_loader.h"
 *
 *	void	dsnx_load_assemble(loader *ld)
 *
 *	#include "rules.h"
 *
 *	unsigned dsnx_rule_bucket(int has_status, const dsnx_code *code)
 * DESCRIPTION
 *	dsnx_load_assemble() makes the set's rules from the drafts that
 *	site rules did not replace or remove, sorted by priority (highest
 *	first), then load order; each draft learns where its rule went.
 *
 *	Each rule goes into the status buckets its status condition allows
 *	(class 2, 4 or 5 by subject 0 to 7 or other, and "no status"), one
 *	list per kind, so matching a recipient looks only at the rules of
 *	its bucket, still in priority order.  dsnx_rule_bucket() names the
 *	bucket of a status; it and the bucket lists are made here so that
 *	they agree.
 *
 *	Each text field gets one Aho-Corasick automaton holding, under the
 *	rule's index, the literals of that rule's conditions on the field
 *	(literals.c), so the prefilter (match.c) scans a field once for all
 *	rules.  Last, the conditions are numbered for the per-message
 *	memory of message-wide results (match.c).
 * LIMITS
 *	Memory is one bucket list of rule_count + 1 entries per bucket and
 *	kind, plus the automata.  Conditions on header fields have no
 *	literals.
 * DIAGNOSTICS
 *	Running out of memory sets ld->oom; nothing is reported.
 * SEE ALSO
 *	literals.c, acsearch.c, match.c.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "literals.h"
#include "rules_loader.h"

unsigned
dsnx_rule_bucket(int has_status, const dsnx_code *code)
{
	unsigned cls;

	if (!has_status)
		return BUCKETS - 1;
	cls = code->cls == 2 ? 0 : code->cls == 4 ? 1 : 2;
	return cls * 9 + (code->subject <= 7 ? code->subject : 8);
}

/* Which buckets a rule's status condition allows (all without one). */
static void
rule_buckets(const rule *r, unsigned char *mark)
{
	unsigned i, k, cls, subj;
	const condition *c = NULL;

	for (i = 0; i < r->when_count; i++)
		if (r->when[i].field == RF_STATUS)
			c = &r->when[i];
	if (c == NULL) {
		memset(mark, 1, BUCKETS);
		return;
	}
	memset(mark, 0, BUCKETS);
	for (k = 0; k < c->count; k++) {
		const status_pat *p = &c->status[k];

		if (p->none) {
			mark[BUCKETS - 1] = 1;
			continue;
		}
		for (cls = 0; cls < 3; cls++) {
			static const short classes[3] = { 2, 4, 5 };

			if (p->cls >= 0 && p->cls != classes[cls])
				continue;
			for (subj = 0; subj < 9; subj++)
				if (p->subject < 0 || (p->subject <= 7
				    ? (unsigned)p->subject == subj : subj == 8))
					mark[cls * 9 + subj] = 1;
		}
	}
}

static int
build_buckets(loader *ld)
{
	dsnx_ruleset *set = ld->set;
	unsigned char mark[BUCKETS];
	unsigned i, b, k;

	for (k = 0; k < 2; k++)
		for (b = 0; b < BUCKETS; b++) {
			set->index[k][b].rules = dsnx_load_alloc(ld,
			    (set->rule_count + 1) * sizeof(unsigned));
			if (set->index[k][b].rules == NULL)
				return -1;
		}
	for (i = 0; i < set->rule_count; i++) {
		rule *r = &set->rules[i];

		rule_buckets(r, mark);
		for (b = 0; b < BUCKETS; b++)
			if (mark[b]) {
				bucket *bk = &set->index[r->kind][b];

				bk->rules[bk->count++] = i;
			}
	}
	return 0;
}

static int
build_literals(dsnx_ruleset *set)
{
	literal_set *lits;
	unsigned i, k, j;
	int f;

	for (f = RF_FIRST_TEXT; f < RF_HEADER; f++)
		if (dsnx_ac_new(&set->literals[f]) != DSNX_OK)
			return -1;
	/* Some 18 kilobytes: not on the stack of a milter thread. */
	if ((lits = malloc(sizeof(*lits))) == NULL)
		return -1;
	for (i = 0; i < set->rule_count; i++) {
		rule *r = &set->rules[i];

		for (k = 0; k < r->when_count; k++) {
			condition *c = &r->when[k];

			if (c->field < RF_FIRST_TEXT || c->field == RF_HEADER
			    || c->pattern == NULL)
				continue;
			/* Any one of the literals found marks the rule. */
			dsnx_pattern_literals(c->pattern, lits);
			for (j = 0; j < lits->count; j++)
				if (dsnx_ac_add(set->literals[c->field], lits->lit[j],
				    lits->len[j], i) != DSNX_OK) {
					free(lits);
					return -1;
				}
			c->has_literal = lits->count > 0;
			if (c->has_literal)
				r->literal_fields |= 1u << c->field;
		}
	}
	free(lits);
	for (f = RF_FIRST_TEXT; f < RF_HEADER; f++) {
		size_t w;

		if (dsnx_ac_compile(set->literals[f]) != DSNX_OK)
			return -1;
		w = dsnx_ac_words(set->literals[f]);
		if (w > set->seen_words)
			set->seen_words = w;
	}
	if (set->seen_words < (set->rule_count + 63) / 64 + 1)
		set->seen_words = (set->rule_count + 63) / 64 + 1;
	return 0;
}

/*
 * The buckets and the literal requirements as bit sets, for the
 * prefilter of match.c, which then skips a whole word of rules whose
 * literals are absent at once instead of looking at them one by one.
 * Left NULL (lists only) when memory runs out.
 */
static void
build_bits(loader *ld)
{
	dsnx_ruleset *set = ld->set;
	size_t w = (set->rule_count + 63) / 64 + 1, bytes = w * sizeof(uint64_t);
	unsigned i, b, k;
	int f;

	for (k = 0; k < 2; k++)
		for (b = 0; b < BUCKETS; b++)
			if ((set->bucket_bits[k][b] = dsnx_load_alloc(ld, bytes))
			    == NULL)
				return;
	for (f = RF_FIRST_TEXT; f < RF_HEADER; f++)
		if ((set->need_bits[f] = dsnx_load_alloc(ld, bytes)) == NULL)
			return;
	for (k = 0; k < 2; k++)
		for (b = 0; b < BUCKETS; b++)
			for (i = 0; i < set->index[k][b].count; i++) {
				unsigned r = set->index[k][b].rules[i];

				set->bucket_bits[k][b][r / 64] |= (uint64_t)1 << (r % 64);
			}
	for (i = 0; i < set->rule_count; i++)
		for (f = RF_FIRST_TEXT; f < RF_HEADER; f++)
			if (set->rules[i].literal_fields >> f & 1)
				set->need_bits[f][i / 64] |= (uint64_t)1 << (i % 64);
	set->rule_words = w;
}

static int
rule_cmp(const void *a, const void *b)
{
	const rule *x = a, *y = b;

	if (x->priority != y->priority)
		return x->priority > y->priority ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

void
dsnx_load_assemble(loader *ld)
{
	dsnx_ruleset *set = ld->set;
	unsigned i, n;

	for (i = n = 0; i < ld->rule_count; i++)
		n += !ld->rules[i].dropped;
	set->rules = dsnx_load_alloc(ld, n * sizeof(rule));
	for (i = n = 0; set->rules != NULL && i < ld->rule_count; i++)
		if (!ld->rules[i].dropped)
			set->rules[n++] = ld->rules[i].r;
	set->rule_count = n;
	if (set->rules != NULL && n > 0)
		qsort(set->rules, n, sizeof(rule), rule_cmp);
	for (i = 0; i < n; i++) {
		set->rules[i].index = i;
		/* A rule's load order is its draft's index. */
		ld->rules[set->rules[i].order].placed = i;
	}
	if (!ld->oom && (build_buckets(ld) != 0 || build_literals(set) != 0))
		ld->oom = 1;
	if (!ld->oom)
		build_bits(ld);
	dsnx_rules_number_conditions(set);
}
