/*
 * test_state - unit tests for milter/state.c
 *
 * A state loads settings and rules as one snapshot or not at all,
 * reports each problem with its position, and outlives a replacement
 * for as long as a message holds it.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"

typedef struct problems {
	unsigned count;
	char first[512];
} problems;

static void
collect(const char *text, void *arg)
{
	problems *p = arg;

	if (p->count++ == 0)
		snprintf(p->first, sizeof(p->first), "%s", text);
}

static milter_state *
load(const char *const *assign, size_t n, problems *p)
{
	milter_sources src = { NULL, 0, assign, n };

	memset(p, 0, sizeof(*p));
	return milter_state_load(&src, collect, p);
}

START_TEST(loads_rules_and_options)
{
	const char *const a[] = { "Rules=" RULES_DIR, "SiteRules=none",
	    "Language=de", "RewriteSubject=yes", "MaximumSize=1M",
	    "MatchBudget=5000", "MatchCPUTime=20" };
	problems p;
	milter_state *st = load(a, 7, &p);

	ck_assert_ptr_nonnull(st);
	ck_assert_uint_eq(p.count, 0);
	ck_assert_uint_gt(dsnx_ruleset_rule_count(st->rules), 100);
	ck_assert_str_eq(st->options.render.lang, "de");
	ck_assert_int_eq(st->options.subject, 1);
	ck_assert_uint_eq(st->options.max_size, 1024 * 1024);
	ck_assert_uint_eq(st->options.classify.match_budget, 5000);
	ck_assert_uint_eq(st->options.classify.cpu_ms, 20);
	ck_assert_uint_eq(dsnx_context_limits(st->ctx)->max_message, 1024 * 1024);
	milter_state_unref(st);
}
END_TEST

START_TEST(language_auto_and_fallback)
{
	const char *const a[] = { "Rules=" RULES_DIR, "SiteRules=none",
	    "Language=auto", "LanguageFallback=it" };
	const char *const b[] = { "Rules=" RULES_DIR, "SiteRules=none",
	    "Language=auto", "LanguageFallback=xx" };
	const char *const c[] = { "Rules=" RULES_DIR, "SiteRules=none",
	    "LanguageFallback=auto" };
	problems p;
	milter_state *st = load(a, 4, &p);

	ck_assert_ptr_nonnull(st);
	ck_assert_str_eq(st->options.render.lang, "auto");
	ck_assert_str_eq(st->options.render.fallback_lang, "it");
	milter_state_unref(st);
	ck_assert_ptr_null(load(b, 4, &p));
	ck_assert_ptr_nonnull(strstr(p.first, "LanguageFallback"));
	ck_assert_ptr_null(load(c, 3, &p));
	ck_assert_ptr_nonnull(strstr(p.first, "LanguageFallback"));
}
END_TEST

START_TEST(broken_site_rules_fail_with_position)
{
	const char *const a[] = { "Rules=" RULES_DIR,
	    "SiteRules=" TESTDATA_DIR "/rules/bad" };
	problems p;

	ck_assert_ptr_null(load(a, 2, &p));
	ck_assert_uint_gt(p.count, 0);
	/* file:line:col: text */
	ck_assert_msg(strstr(p.first, "10-bad.json:") != NULL, "%s", p.first);
}
END_TEST

START_TEST(bad_setting_or_language_fails)
{
	const char *const a[] = { "Rules=" RULES_DIR, "MaximumSize=huge" };
	const char *const b[] = { "Rules=" RULES_DIR, "SiteRules=none",
	    "Language=xx" };
	const char *const c[] = { "Rules=/nonexistent/rules" };
	problems p;

	ck_assert_ptr_null(load(a, 2, &p));
	ck_assert_ptr_nonnull(strstr(p.first, "command line: MaximumSize"));
	ck_assert_ptr_null(load(b, 3, &p));
	ck_assert_ptr_nonnull(strstr(p.first, "Language"));
	ck_assert_ptr_null(load(c, 1, &p));
	ck_assert_uint_gt(p.count, 0);
}
END_TEST

START_TEST(missing_config_file)
{
	const char *const a[] = { "Rules=" RULES_DIR, "SiteRules=none" };
	milter_sources src = { "/nonexistent/dsnexplain-milter.conf", 1, a, 2 };
	problems p;
	milter_state *st;

	memset(&p, 0, sizeof(p));
	ck_assert_ptr_null(milter_state_load(&src, collect, &p));
	ck_assert_ptr_nonnull(strstr(p.first, "/nonexistent/"));
	src.config_required = 0;
	st = milter_state_load(&src, collect, &p);
	ck_assert_ptr_nonnull(st);
	milter_state_unref(st);
}
END_TEST

START_TEST(install_keeps_old_alive_for_holders)
{
	const char *const a[] = { "Rules=" RULES_DIR, "SiteRules=none" };
	const char *const b[] = { "Rules=" RULES_DIR, "SiteRules=none",
	    "Language=fr" };
	problems p;
	milter_state *first = load(a, 2, &p), *second = load(b, 3, &p);
	milter_state *held, *now;

	ck_assert_ptr_nonnull(first);
	ck_assert_ptr_nonnull(second);
	ck_assert_ptr_null(milter_state_current());
	milter_state_install(first);
	held = milter_state_current();	/* a message in flight */
	ck_assert_ptr_eq(held, first);
	milter_state_install(second);	/* a reload */
	now = milter_state_current();
	ck_assert_ptr_eq(now, second);
	/* The message still has the rules it started with. */
	ck_assert_str_eq(held->settings.language, "en");
	ck_assert_uint_gt(dsnx_ruleset_rule_count(held->rules), 100);
	milter_state_unref(held);
	milter_state_unref(now);
	milter_state_install(NULL);
	ck_assert_ptr_null(milter_state_current());
}
END_TEST

int
main(void)
{
	Suite *suite = suite_create("state");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, loads_rules_and_options);
	tcase_add_test(tc, language_auto_and_fallback);
	tcase_add_test(tc, broken_site_rules_fail_with_position);
	tcase_add_test(tc, bad_setting_or_language_fails);
	tcase_add_test(tc, missing_config_file);
	tcase_add_test(tc, install_keeps_old_alive_for_holders);
	suite_add_tcase(suite, tc);
	sr = srunner_create(suite);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
