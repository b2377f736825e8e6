/*
 * shipped_rules.h - a Check suite run with the shipped rule set loaded
 *
 * For the test programs that read messages with rules/ of the source
 * tree (RULES_DIR): a context with the default limits and the rule set,
 * made once before the suite runs and freed after it.  Static: each
 * test program has its own.
 */
#ifndef DSNX_TEST_SHIPPED_RULES_H
#define DSNX_TEST_SHIPPED_RULES_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "dsnexplain.h"

static dsnx_context *ctx;
static dsnx_ruleset *rules;

static void
shipped_rules_problem(const dsnx_error_t *err, void *arg)
{
	(void)arg;
	fprintf(stderr, "%s:%d:%d: %s\n", err->source, err->line, err->column,
	    err->text);
}

/* Runs suite; EXIT_SUCCESS when every test passed. */
static int
run_with_shipped_rules(Suite *suite)
{
	SRunner *sr = srunner_create(suite);
	dsnx_status st;
	int failed;

	if ((st = dsnx_context_new(NULL, &ctx, NULL)) != DSNX_OK) {
		fprintf(stderr, "dsnx_context_new: %s\n", dsnx_strstatus(st));
		srunner_free(sr);
		return EXIT_FAILURE;
	}
	if ((st = dsnx_ruleset_load(RULES_DIR, NULL, shipped_rules_problem,
	    NULL, &rules)) != DSNX_OK) {
		fprintf(stderr, "%s: rules do not load: %s\n", RULES_DIR,
		    dsnx_strstatus(st));
		dsnx_context_free(ctx);
		srunner_free(sr);
		return EXIT_FAILURE;
	}
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	dsnx_ruleset_unref(rules);
	dsnx_context_free(ctx);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
