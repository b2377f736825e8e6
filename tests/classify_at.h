/*
 * classify_at.h - one recipient's verdict, for tests that check one
 *
 * The library classifies whole messages (dsnx_classify_message); tests
 * that look at a single recipient use this to take verdict i of it.
 */
#ifndef DSNX_TEST_CLASSIFY_AT_H
#define DSNX_TEST_CLASSIFY_AT_H

#include "dsnexplain.h"

/* The whole message is classified, trace (may be NULL) sees every step. */
static inline dsnx_status
classify_trace_at(const dsnx_ruleset *set, const dsnx_report *r, unsigned i,
    dsnx_verdict *out, dsnx_trace_fn *trace, void *arg)
{
	dsnx_classification *c = NULL;
	dsnx_classify_options o;
	dsnx_status st;

	if (out == NULL)
		return DSNX_EINVAL;
	dsnx_classify_options_init(&o);
	o.trace = trace;
	o.trace_arg = arg;
	if ((st = dsnx_classify_message(set, r, &o, &c)) != DSNX_OK)
		return st;
	if (i >= dsnx_classification_count(c))
		st = DSNX_EINVAL;
	else
		*out = *dsnx_classification_verdict(c, i);
	dsnx_classification_free(c);
	return st;
}

static inline dsnx_status
classify_at(const dsnx_ruleset *set, const dsnx_report *r, unsigned i,
    dsnx_verdict *out)
{
	return classify_trace_at(set, r, i, out, NULL, NULL);
}

#endif
