/*
 * NAME
 *	outcome - what happened to a recipient, before and beside the rules
 * SYNOPSIS
 *	#include "dsnexplain.h"
 *
 *	dsnx_outcome dsnx_outcome_of(rcpt, is_dsn)
 *	const char *dsnx_outcome_name(outcome)
 *	int dsnx_outcome_parse(name)
 *	int dsnx_outcome_rank(outcome)
 * DESCRIPTION
 *	The one owner of the outcome vocabulary: its names (the JSON output,
 *	rule files and X-DSN-Explain use them), its severity order, and the
 *	outcome Action and Status alone give.  Outcome rules may change that
 *	first outcome (match.c); nothing here reads text.
 * SEE ALSO
 *	classify.c, RFC 3464 section 2.3.3 (Action), RFC 3463 (X.4.7).
 */
#include "config.h"

#include <string.h>

#include "rules.h"

static const char *const names[DSNX_OUTCOME_COUNT] = {
	NULL, "failed", "expired", "delayed", "delivered"
};

const char *
dsnx_outcome_name(dsnx_outcome o)
{
	return (unsigned)o < DSNX_OUTCOME_COUNT ? names[o] : NULL;
}

int
dsnx_outcome_parse(const char *name)
{
	int i;

	for (i = 1; name != NULL && i < DSNX_OUTCOME_COUNT; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

int
dsnx_outcome_rank(dsnx_outcome o)
{
	switch (o) {
	case DSNX_OUTCOME_EXPIRED:
		return 1;
	case DSNX_OUTCOME_DELAYED:
		return 2;
	case DSNX_OUTCOME_DELIVERED:
		return 3;
	default:
		return 0;
	}
}

dsnx_outcome
dsnx_outcome_of(const dsnx_recipient *rc, int is_dsn)
{
	const char *a = rc->action;
	int has = rc->status != NULL;

	if (a != NULL) {
		if (strcmp(a, "delayed") == 0)
			return DSNX_OUTCOME_DELAYED;
		if (strcmp(a, "delivered") == 0 || strcmp(a, "relayed") == 0
		    || strcmp(a, "expanded") == 0)
			return DSNX_OUTCOME_DELIVERED;
		if (strcmp(a, "failed") == 0)
			return has && (rc->code.cls == 4 || (rc->code.subject == 4
			    && rc->code.detail == 7)) ? DSNX_OUTCOME_EXPIRED
			    : DSNX_OUTCOME_FAILED;
	}
	/* No Action, or one RFC 3464 does not define: a failure report. */
	if (!is_dsn)
		return DSNX_OUTCOME_NONE;
	if (has && rc->code.cls == 4)
		return DSNX_OUTCOME_EXPIRED;
	if (has && rc->code.cls == 2)
		return DSNX_OUTCOME_DELIVERED;
	return DSNX_OUTCOME_FAILED;
}
