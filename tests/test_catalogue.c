/*
 * test_catalogue - what a loaded set's catalogue answers (lib/catalogue.c)
 *
 * A small set of causes and strings in English, German and French is
 * written to a mkdtemp() directory and loaded.  Checked: a cause's text
 * in the language asked for, English for a language the cause has no
 * text in or for no language, every member of a text, an unknown cause;
 * a string in the language asked for, English for a key the language
 * lacks or for no language, NULL for a key no language has; which
 * languages the set has.  Missing translations reach the callback as
 * warnings and do not refuse the set; an empty set has no strings.
 * A text or a language tag with a control character in it (CR LF in a
 * site's Subject label, TAB, ESC, DEL, C1, U+2028/9) refuses the set at
 * that character's line and column; texts in other scripts load.
 *
 * What lint says about a wrong catalogue is tested from data
 * (tests/rules-cases: causes-wrong-shape, strings-errors, ...).
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dsnexplain.h"
#include "rule_dir.h"

static char tmp[512];

static void
setup(void)
{
	rule_dir_make(tmp, sizeof(tmp), "catalogue");
}

static void
teardown(void)
{
	rule_dir_remove(tmp);
}

static void
put(const char *name, const char *text)
{
	rule_dir_put(tmp, name, text);
}

static const char causes_json[] =
    "{\"causes\": {\n"
    "  \"c-one\": {\"who\": \"sender\", \"text\": {\n"
    "    \"en\": {\"title\": \"One\", \"summary\": \"S1\", \"sender\": \"Do one\",\n"
    "      \"admin\": [\"A1\"]},\n"
    "    \"de\": {\"title\": \"Eins\", \"summary\": \"E1\", \"sender\": \"Tu eins\",\n"
    "      \"admin\": [\"B1\", \"B2\"], \"references\": [\"RFC 3463\", \"RFC 5321\"]}}},\n"
    "  \"c-two\": {\"who\": \"our-admin\", \"text\": {\n"
    "    \"en\": {\"title\": \"Two\", \"summary\": \"S2\", \"sender\": \"Do two\",\n"
    "      \"admin\": [\"A2\"], \"references\": [\"RFC 3464\"]}}}\n"
    "}}\n";

static const char strings_json[] =
    "{\"strings\": {\n"
    "  \"en\": {\"greeting\": \"Hello\", \"farewell\": \"Goodbye\"},\n"
    "  \"de\": {\"greeting\": \"Hallo\", \"farewell\": \"Auf Wiedersehen\"},\n"
    "  \"fr\": {\"greeting\": \"Bonjour\"}\n"
    "}}\n";

typedef struct seen {
	unsigned errors, warnings;
	char last_warning[DSNX_ERROR_TEXT_LENGTH];
} seen;

static void
count(const dsnx_error_t *err, void *arg)
{
	seen *s = arg;

	if (err->warning) {
		s->warnings++;
		snprintf(s->last_warning, sizeof(s->last_warning), "%s", err->text);
	} else
		s->errors++;
}

static dsnx_ruleset *
load_both(seen *s)
{
	dsnx_ruleset *set = NULL;

	put("00-causes.json", causes_json);
	put("10-strings.json", strings_json);
	memset(s, 0, sizeof(*s));
	ck_assert_int_eq(dsnx_ruleset_load(tmp, NULL, count, s, &set), DSNX_OK);
	ck_assert_ptr_nonnull(set);
	return set;
}

START_TEST(test_cause_text_languages)
{
	dsnx_cause_text t;
	dsnx_ruleset *set;
	seen s;

	set = load_both(&s);
	ck_assert_uint_eq(dsnx_ruleset_cause_count(set), 2);
	ck_assert_int_eq(dsnx_cause_text_get(set, "c-one", "de", &t), 0);
	ck_assert_str_eq(t.who, "sender");
	ck_assert_str_eq(t.title, "Eins");
	ck_assert_str_eq(t.summary, "E1");
	ck_assert_str_eq(t.sender, "Tu eins");
	ck_assert_uint_eq(t.admin_count, 2);
	ck_assert_str_eq(t.admin[0], "B1");
	ck_assert_str_eq(t.admin[1], "B2");
	ck_assert_uint_eq(t.reference_count, 2);
	ck_assert_str_eq(t.references[1], "RFC 5321");
	/* French has no text for c-one, nor has a NULL language. */
	ck_assert_int_eq(dsnx_cause_text_get(set, "c-one", "fr", &t), 0);
	ck_assert_str_eq(t.title, "One");
	ck_assert_uint_eq(t.reference_count, 0);
	ck_assert_int_eq(dsnx_cause_text_get(set, "c-one", NULL, &t), 0);
	ck_assert_str_eq(t.title, "One");
	ck_assert_str_eq(t.admin[0], "A1");
	/* Who acts is the cause's, in any language. */
	ck_assert_int_eq(dsnx_cause_text_get(set, "c-two", "de", &t), 0);
	ck_assert_str_eq(t.who, "our-admin");
	ck_assert_str_eq(t.title, "Two");
	ck_assert_str_eq(t.references[0], "RFC 3464");
	/* Unknown causes, including a prefix and a near miss. */
	ck_assert_int_eq(dsnx_cause_text_get(set, "c-three", "en", &t), -1);
	ck_assert_int_eq(dsnx_cause_text_get(set, "c-", "en", &t), -1);
	ck_assert_int_eq(dsnx_cause_text_get(set, "c-onee", "en", &t), -1);
	dsnx_ruleset_unref(set);
}
END_TEST

START_TEST(test_strings_fall_back)
{
	dsnx_ruleset *set;
	seen s;

	set = load_both(&s);
	ck_assert_str_eq(dsnx_ruleset_string(set, "de", "greeting"), "Hallo");
	ck_assert_str_eq(dsnx_ruleset_string(set, "fr", "greeting"), "Bonjour");
	/* A key French lacks, an unknown language, no language: English. */
	ck_assert_str_eq(dsnx_ruleset_string(set, "fr", "farewell"), "Goodbye");
	ck_assert_str_eq(dsnx_ruleset_string(set, "xx", "farewell"), "Goodbye");
	ck_assert_str_eq(dsnx_ruleset_string(set, NULL, "greeting"), "Hello");
	ck_assert_ptr_null(dsnx_ruleset_string(set, "de", "nothing"));
	ck_assert_ptr_null(dsnx_ruleset_string(set, NULL, "nothing"));
	dsnx_ruleset_unref(set);
}
END_TEST

START_TEST(test_has_lang)
{
	dsnx_ruleset *set;
	seen s;

	set = load_both(&s);
	ck_assert_int_eq(dsnx_ruleset_has_lang(set, "en"), 1);
	ck_assert_int_eq(dsnx_ruleset_has_lang(set, "de"), 1);
	ck_assert_int_eq(dsnx_ruleset_has_lang(set, "fr"), 1);
	ck_assert_int_eq(dsnx_ruleset_has_lang(set, "it"), 0);
	/* A language tag, not a prefix of one. */
	ck_assert_int_eq(dsnx_ruleset_has_lang(set, "d"), 0);
	dsnx_ruleset_unref(set);
}
END_TEST

START_TEST(test_missing_translations_warn)
{
	dsnx_ruleset *set;
	seen s;

	/* French lacks "farewell" and both causes, German lacks c-two: four
	 * warnings, no error, and the set is loaded. */
	set = load_both(&s);
	ck_assert_uint_eq(s.errors, 0);
	ck_assert_uint_eq(s.warnings, 4);
	ck_assert_ptr_nonnull(strstr(s.last_warning, "missing translation"));
	dsnx_ruleset_unref(set);
}
END_TEST

START_TEST(test_empty_catalogue)
{
	dsnx_ruleset *set = NULL;
	dsnx_cause_text t;
	seen s;

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(dsnx_ruleset_load(tmp, NULL, count, &s, &set), DSNX_OK);
	ck_assert_uint_eq(s.errors + s.warnings, 0);
	ck_assert_uint_eq(dsnx_ruleset_cause_count(set), 0);
	ck_assert_int_eq(dsnx_cause_text_get(set, "c-one", "en", &t), -1);
	ck_assert_ptr_null(dsnx_ruleset_string(set, "en", "greeting"));
	ck_assert_int_eq(dsnx_ruleset_has_lang(set, "en"), 0);
	dsnx_ruleset_unref(set);
}
END_TEST

/* What the first error said, and where. */
typedef struct first_error {
	unsigned errors;
	dsnx_error_t err;
} first_error;

static void
keep_first(const dsnx_error_t *err, void *arg)
{
	first_error *f = arg;

	if (!err->warning && f->errors++ == 0)
		f->err = *err;
}

/*
 * A site file that gives a Subject label a CR LF (a new header field) is
 * refused at the CR, whatever the text; so is every other control
 * character in a string or a cause text, TAB included; plain texts in
 * many scripts load.
 */
START_TEST(test_control_characters_refused)
{
	static const char *const bad[] = {
	    "\"Undeliverable\\r\\nBcc: victim@example.org\"",
	    "\"Undeliverable\\nX\"", "\"tab\\there\"", "\"esc \\u001b[2J\"",
	    "\"del \\u007f\"", "\"C1 \\u0085 NEL\"", "\"C1 \\u009b CSI\"",
	    "\"line \\u2028 separator\"", "\"para \\u2029 separator\"",
	};
	static const char *const good[] = {
	    "\"Nicht zugestellt\"", "\"Non distribu\\u00e9\"",
	    "\"\\u914d\\u4fe1\\u4e0d\\u80fd\"", "\"\\u00a0no-break \\u00bb\\u00ab\"",
	};
	char site[600], text[300];
	unsigned i;

	snprintf(site, sizeof(site), "%s/site", tmp);
	ck_assert_int_eq(mkdir(site, 0700), 0);
	put("00-causes.json", causes_json);
	put("10-strings.json", strings_json);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		dsnx_ruleset *set = NULL;
		first_error f;

		snprintf(text, sizeof(text), "{\"strings\": {\"en\": {\n"
		    "  \"subject.failed\": %s}}}\n", bad[i]);
		rule_dir_put(site, "local.json", text);
		memset(&f, 0, sizeof(f));
		ck_assert_int_eq(dsnx_ruleset_load(tmp, site, keep_first, &f,
		    &set), DSNX_EPARSE);
		ck_assert_ptr_null(set);
		ck_assert_uint_eq(f.errors, 1);
		ck_assert_msg(strstr(f.err.source, "local.json") != NULL, "%s",
		    f.err.source);
		ck_assert_int_eq(f.err.line, 2);
		/* The column of the escape, past "  \"subject.failed\": \"". */
		ck_assert_int_gt(f.err.column, 22);
		ck_assert_msg(strstr(f.err.text, "control character") != NULL,
		    "%s: %s", bad[i], f.err.text);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		dsnx_ruleset *set = NULL;
		first_error f;

		snprintf(text, sizeof(text), "{\"strings\": {\"en\": {\n"
		    "  \"subject.failed\": %s}}}\n", good[i]);
		rule_dir_put(site, "local.json", text);
		memset(&f, 0, sizeof(f));
		ck_assert_int_eq(dsnx_ruleset_load(tmp, site, keep_first, &f,
		    &set), DSNX_OK);
		ck_assert_uint_eq(f.errors, 0);
		dsnx_ruleset_unref(set);
	}
	/* The exact place of the first one: the backslash of "\r". */
	{
		dsnx_ruleset *set = NULL;
		first_error f;

		snprintf(text, sizeof(text), "{\"strings\": {\"en\": {\n"
		    "  \"subject.failed\": %s}}}\n", bad[0]);
		rule_dir_put(site, "local.json", text);
		memset(&f, 0, sizeof(f));
		(void)dsnx_ruleset_load(tmp, site, keep_first, &f, &set);
		ck_assert_int_eq(f.err.column, 35);
	}
}
END_TEST

/* A cause text (title, summary, sender, an admin hint, a reference) and
 * a language tag are held to the same rule. */
START_TEST(test_cause_texts_plain)
{
	static const char *const where[] = {
	    "\"title\": \"One\\r\\n\", \"summary\": \"S\", \"sender\": \"D\", "
	    "\"admin\": [\"A\"]",
	    "\"title\": \"One\", \"summary\": \"S\\t\", \"sender\": \"D\", "
	    "\"admin\": [\"A\"]",
	    "\"title\": \"One\", \"summary\": \"S\", \"sender\": \"D\\u001b\", "
	    "\"admin\": [\"A\"]",
	    "\"title\": \"One\", \"summary\": \"S\", \"sender\": \"D\", "
	    "\"admin\": [\"A\", \"B\\n\"]",
	    "\"title\": \"One\", \"summary\": \"S\", \"sender\": \"D\", "
	    "\"admin\": [\"A\"], \"references\": [\"RFC\\r3463\"]",
	};
	char text[600];
	unsigned i;

	for (i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		dsnx_ruleset *set = NULL;
		first_error f;

		snprintf(text, sizeof(text), "{\"causes\": {\"c-one\": "
		    "{\"who\": \"sender\", \"text\": {\"en\": {\n  %s}}}}}\n",
		    where[i]);
		put("00-causes.json", text);
		memset(&f, 0, sizeof(f));
		ck_assert_int_eq(dsnx_ruleset_load(tmp, NULL, keep_first, &f,
		    &set), DSNX_EPARSE);
		ck_assert_uint_eq(f.errors, 1);
		ck_assert_int_eq(f.err.line, 2);
		ck_assert_msg(strstr(f.err.text, "control character") != NULL,
		    "%s", f.err.text);
	}
	{
		dsnx_ruleset *set = NULL;
		first_error f;

		put("00-causes.json", "{\"strings\": {\"e\\nn\": {\"a\": \"b\"}}}");
		memset(&f, 0, sizeof(f));
		ck_assert_int_eq(dsnx_ruleset_load(tmp, NULL, keep_first, &f,
		    &set), DSNX_EPARSE);
		ck_assert_msg(strstr(f.err.text, "bad language entry") != NULL,
		    "%s", f.err.text);
	}
}
END_TEST

static Suite *
catalogue_suite(void)
{
	Suite *s = suite_create("catalogue");
	TCase *tc = tcase_create("lookup");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_cause_text_languages);
	tcase_add_test(tc, test_strings_fall_back);
	tcase_add_test(tc, test_has_lang);
	tcase_add_test(tc, test_missing_translations_warn);
	tcase_add_test(tc, test_empty_catalogue);
	tcase_add_test(tc, test_control_characters_refused);
	tcase_add_test(tc, test_cause_texts_plain);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(catalogue_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
