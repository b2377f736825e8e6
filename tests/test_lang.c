/*
 * test_lang - the reader's language chosen from the returned message
 * (lib/lang.c), and what "auto" gives the explanation: its language,
 * the lang= of X-DSN-Explain, the status meanings in that language.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsnexplain.h"
#include "sbuf.h"
#include "shipped_rules.h"

/*
 * A Postfix-style DSN.  top: extra header lines of the bounce itself;
 * returned: the fields of the returned message (NULL: no returned part);
 * headers_only: as text/rfc822-headers rather than message/rfc822.
 */
static void
make_dsn(sbuf *b, const char *top, const char *returned, int headers_only)
{
	sb_str(b, "From: MAILER-DAEMON@mx.example.net\n"
	    "To: sender@example.net\nSubject: Undelivered Mail\n"
	    "MIME-Version: 1.0\n");
	sb_str(b, top);
	sb_str(b, "Content-Type: multipart/report; report-type=delivery-status;"
	    " boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\n"
	    "This is the mail system at host mx.example.net.\n\n--b\n"
	    "Content-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.example.net\n\n"
	    "Final-Recipient: rfc822; user@example.org\nAction: failed\n"
	    "Status: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\n\n");
	if (returned != NULL) {
		sb_str(b, headers_only ? "--b\nContent-Type: text/rfc822-headers\n\n"
		    : "--b\nContent-Type: message/rfc822\n\n");
		sb_str(b, "From: sender@example.net\nTo: user@example.org\n");
		sb_str(b, returned);
		sb_str(b, headers_only ? "\n" : "\nHello.\n\n");
	}
	sb_str(b, "--b--\n");
}

/* Whether needle is in hay, white space aside (the text wraps). */
static int
has_words(const char *hay, const char *needle)
{
	char *a = malloc(strlen(hay) + 1), *b = malloc(strlen(needle) + 1);
	char *o;
	const char *p;
	int found;

	ck_assert(a != NULL && b != NULL);
	for (o = a, p = hay; *p; p++)
		if (*p != ' ' && *p != '\n')
			*o++ = *p;
	*o = '\0';
	for (o = b, p = needle; *p; p++)
		if (*p != ' ' && *p != '\n')
			*o++ = *p;
	*o = '\0';
	found = strstr(a, b) != NULL;
	free(a);
	free(b);
	return found;
}

/* The language chosen for the DSN, and from where. */
static dsnx_lang_source
choose(const char *top, const char *returned, int headers_only,
    const char *fallback, char *out, size_t size)
{
	sbuf b = { 0 };
	dsnx_report *r;
	dsnx_lang_source src;

	make_dsn(&b, top, returned, headers_only);
	ck_assert(dsnx_report_read(ctx, b.p, b.len, &r) == DSNX_OK);
	ck_assert(dsnx_report_is_dsn(r));
	src = dsnx_lang_choose(rules, r, fallback, out, size);
	dsnx_report_free(r);
	sb_free(&b);
	return src;
}

START_TEST(test_content_language)
{
	char l[16];

	ck_assert_int_eq(choose("", "Content-Language: de-DE\n", 0, "fr", l,
	    sizeof(l)), DSNX_LANG_CONTENT);
	ck_assert_str_eq(l, "de");
	/* The first tag the rules have texts in. */
	ck_assert_int_eq(choose("", "Content-Language: nl, FR-ca\n", 0, NULL,
	    l, sizeof(l)), DSNX_LANG_CONTENT);
	ck_assert_str_eq(l, "fr");
	/* Before Accept-Language. */
	ck_assert_int_eq(choose("", "Accept-Language: it\n"
	    "Content-Language: es\n", 0, NULL, l, sizeof(l)), DSNX_LANG_CONTENT);
	ck_assert_str_eq(l, "es");
	/* text/rfc822-headers: the header block read on its own. */
	ck_assert_int_eq(choose("", "Content-Language: IT\n", 1, NULL, l,
	    sizeof(l)), DSNX_LANG_CONTENT);
	ck_assert_str_eq(l, "it");
}
END_TEST

START_TEST(test_accept_language)
{
	char l[16];

	/* The highest q among the languages we have. */
	ck_assert_int_eq(choose("", "Accept-Language: nl-NL, it;q=0.5, "
	    "es-ES;q=0.9\n", 0, NULL, l, sizeof(l)), DSNX_LANG_ACCEPT);
	ck_assert_str_eq(l, "es");
	/* q=0 is a refusal; "*" names nothing; equal q: the order written. */
	ck_assert_int_eq(choose("", "Accept-Language: de;q=0, *, fr;q=0.1, "
	    "it;q=0.1\n", 0, NULL, l, sizeof(l)), DSNX_LANG_ACCEPT);
	ck_assert_str_eq(l, "fr");
	/* A Content-Language we have no texts in gives way to it. */
	ck_assert_int_eq(choose("", "Content-Language: ja\n"
	    "Accept-Language: de-AT\n", 0, NULL, l, sizeof(l)), DSNX_LANG_ACCEPT);
	ck_assert_str_eq(l, "de");
}
END_TEST

START_TEST(test_fallback)
{
	char l[16];

	ck_assert_int_eq(choose("", "Subject: hi\n", 0, "it", l, sizeof(l)),
	    DSNX_LANG_FALLBACK);
	ck_assert_str_eq(l, "it");
	ck_assert_int_eq(choose("", "Content-Language: ja\n", 0, "xx", l,
	    sizeof(l)), DSNX_LANG_FALLBACK);
	ck_assert_str_eq(l, "en");
	ck_assert_int_eq(choose("", NULL, 0, NULL, l, sizeof(l)),
	    DSNX_LANG_FALLBACK);
	ck_assert_str_eq(l, "en");
	/* The bounce's own Content-Language is the notice writer's. */
	ck_assert_int_eq(choose("Content-Language: de\n", "Subject: hi\n", 0,
	    "fr", l, sizeof(l)), DSNX_LANG_FALLBACK);
	ck_assert_str_eq(l, "fr");
	/* Junk tags are no languages. */
	ck_assert_int_eq(choose("", "Content-Language: d<e>, ;q=1, "
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
	    "Accept-Language: ,,;;q=,\n", 0, NULL, l, sizeof(l)),
	    DSNX_LANG_FALLBACK);
	ck_assert_str_eq(l, "en");
	ck_assert_str_eq(dsnx_lang_source_name(DSNX_LANG_ACCEPT),
	    "accept-language");
}
END_TEST

START_TEST(test_returned_fields)
{
	sbuf b = { 0 };
	dsnx_report *r;

	make_dsn(&b, "Content-Language: de\n", "Subject: =?utf-8?q?Gr=C3=BC"
	    "=C3=9Fe?= aus\n Berlin\nDate: Fri, 30 Oct 2026 09:15:00 +0000\n", 0);
	ck_assert(dsnx_report_read(ctx, b.p, b.len, &r) == DSNX_OK);
	ck_assert_str_eq(dsnx_report_returned_field(r, "subject"),
	    "Grüße aus Berlin");
	ck_assert_str_eq(dsnx_report_returned_field(r, "Date"),
	    "Fri, 30 Oct 2026 09:15:00 +0000");
	/* The bounce's own field is not the returned message's. */
	ck_assert_ptr_null(dsnx_report_returned_field(r, "Content-Language"));
	ck_assert_ptr_null(dsnx_report_returned_field(r, "From"));
	dsnx_report_free(r);
	sb_free(&b);
}
END_TEST

/* "auto" in the explanation: its language, lang= and the meanings. */
START_TEST(test_auto_explanation)
{
	sbuf b = { 0 };
	dsnx_report *r;
	dsnx_classification *v;
	dsnx_explanation *x;
	dsnx_render_options o;
	dsnx_rendition rd;
	const dsnx_code c511 = { 5, 1, 1 };
	const char *h;

	make_dsn(&b, "", "Content-Language: fr-FR\n", 0);
	ck_assert(dsnx_report_read(ctx, b.p, b.len, &r) == DSNX_OK);
	ck_assert(dsnx_classify_message(rules, r, NULL, &v) == DSNX_OK);
	dsnx_render_options_init(&o);
	o.lang = "auto";
	o.fallback_lang = "de";
	ck_assert(dsnx_explanation_build(rules, r, v, &o, &x) == DSNX_OK);
	ck_assert_str_eq(dsnx_explanation_lang(x), "fr");
	ck_assert_int_eq(dsnx_explanation_lang_source(x), DSNX_LANG_CONTENT);
	h = dsnx_explanation_header(x);
	ck_assert_msg(strlen(h) > 8 && strcmp(h + strlen(h) - 9, "; lang=fr")
	    == 0, "header %s", h);
	ck_assert_str_eq(dsnx_explanation_field(x, 5)->name, "lang");
	ck_assert_str_eq(dsnx_explanation_field(x, 5)->value, "fr");
	ck_assert(dsnx_explanation_render(x, &rd) == DSNX_OK);
	/* The status meaning in French, not in English. */
	ck_assert(has_words(rd.text, dsnx_code_meaning_lang(&c511, "fr")));
	ck_assert(!has_words(rd.text, dsnx_code_meaning(&c511)));
	dsnx_rendition_free(&rd);
	dsnx_explanation_free(x);
	/* A language named outright is used as it is. */
	o.lang = "it";
	ck_assert(dsnx_explanation_build(rules, r, v, &o, &x) == DSNX_OK);
	ck_assert_str_eq(dsnx_explanation_lang(x), "it");
	ck_assert_int_eq(dsnx_explanation_lang_source(x), DSNX_LANG_CONFIGURED);
	dsnx_explanation_free(x);
	dsnx_classification_free(v);
	dsnx_report_free(r);
	sb_free(&b);
}
END_TEST

static Suite *
lang_suite(void)
{
	Suite *s = suite_create("lang");
	TCase *c = tcase_create("choose");

	tcase_set_timeout(c, 60);
	tcase_add_test(c, test_content_language);
	tcase_add_test(c, test_accept_language);
	tcase_add_test(c, test_fallback);
	tcase_add_test(c, test_returned_fields);
	tcase_add_test(c, test_auto_explanation);
	suite_add_tcase(s, c);
	return s;
}

int
main(void)
{
	return run_with_shipped_rules(lang_suite());
}
