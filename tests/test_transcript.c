/*
 * test_transcript - unit tests for lib/transcript.c
 *
 * Where a recipient's evidence ends in a Sendmail-style transcript
 * (another recipient's or host's status line, a new session) and which
 * server replies above its status line belong to it.
 */
#include "config.h"

#include <check.h>
#include <string.h>

#include "transcript.h"

/* The V5 shape: MAIL FROM refused, then the recipient's line, then a
 * line about another host. */
static const char v5[] =
    "While talking to mx.example.edu:\n"
    ">>> MAIL From:<ann@example.jp>\n"
    "<<< 550 Insecure Mail Relay\n"
    "554 <bob@example.edu>... Remote protocol error\n"
    "421 example.org (smtp)... Deferred: Connection timed out\n"
    "While talking to mx.example.net:\n"
    ">>> RCPT To:<cy@example.net>\n"
    "<<< 550 <cy@example.net>... User unknown\n"
    "550 <cy@example.net>... User unknown\n";

static size_t
at(const char *t, const char *s)
{
	const char *p = strstr(t, s);

	ck_assert_ptr_nonnull(p);
	return (size_t)(p - t);
}

START_TEST(test_stretch_ends_at_other_host)
{
	size_t from = at(v5, "Remote protocol"), len = strlen(v5);

	ck_assert_uint_eq(dsnx_transcript_stretch_end(v5, from, len, "bob@example.edu"),
	    at(v5, "421 example.org"));
}
END_TEST

START_TEST(test_stretch_ends_at_new_session)
{
	size_t from = at(v5, "Deferred"), len = strlen(v5);

	/* example.org's own line runs to the next session. */
	ck_assert_uint_eq(dsnx_transcript_stretch_end(v5, from, len, "example.org"),
	    at(v5, "While talking to mx.example.net"));
}
END_TEST

START_TEST(test_stretch_keeps_own_lines)
{
	size_t from = at(v5, "cy@example.net>\n<<<") + strlen("cy@example.net>"),
	    len = strlen(v5);

	/* From the RCPT command, the reply and the recipient's own status
	 * line both belong to it. */
	ck_assert_uint_eq(dsnx_transcript_stretch_end(v5, from, len, "cy@example.net"),
	    len);
}
END_TEST

START_TEST(test_stretch_not_a_transcript_line)
{
	static const char list[] =
	    "<bob@example.edu>\n"
	    "   ----- Transcript of session follows -----\n"
	    "... while talking to mx.example.edu.:\n"
	    ">>> MAIL From:<ann@example.jp>\n"
	    "<<< 553 sender rejected\n"
	    "554 5.0.0 Service unavailable\n";
	size_t len = strlen(list);

	/* A list entry: the transcript below still concerns it. */
	ck_assert_uint_eq(dsnx_transcript_stretch_end(list, 17, len, "bob@example.edu"),
	    len);
}
END_TEST

START_TEST(test_replies_above)
{
	size_t line = at(v5, "554 <bob"), len = strlen(v5);

	ck_assert_uint_eq(dsnx_transcript_replies_above(v5, 0, line, len,
	    "bob@example.edu"), at(v5, "<<< 550 Insecure"));
	/* Not above the floor. */
	ck_assert_uint_eq(dsnx_transcript_replies_above(v5, line - 3, line, len,
	    "bob@example.edu"), line);
	/* Not another recipient's status line. */
	ck_assert_uint_eq(dsnx_transcript_replies_above(v5, 0, line, len,
	    "eve@example.edu"), line);
}
END_TEST

START_TEST(test_replies_to_other_rcpt)
{
	static const char t[] =
	    ">>> RCPT To:<cy@example.net>\n"
	    "<<< 550 User unknown\n"
	    "554 <bob@example.net>... Service unavailable\n";
	size_t line = at(t, "554 <bob");

	/* The reply answered cy's RCPT, not bob's. */
	ck_assert_uint_eq(dsnx_transcript_replies_above(t, 0, line, strlen(t),
	    "bob@example.net"), line);
	/* A reply to MAIL FROM or DATA concerns every recipient. */
	ck_assert_uint_eq(dsnx_transcript_replies_above(v5, 0, at(v5, "554 <bob"),
	    strlen(v5), "bob@example.edu"), at(v5, "<<< 550 Insecure"));
}
END_TEST

START_TEST(test_bounds)
{
	static const char t[] = "<<< 550 no\n554 <bob@example.net>... x";
	size_t line = at(t, "554");

	/* Lengths, not NUL termination: a cut before the status line's end
	 * still reads only what it was given. */
	ck_assert_uint_eq(dsnx_transcript_replies_above(t, 0, line, line + 5,
	    "bob@example.net"), line);
	ck_assert_uint_eq(dsnx_transcript_replies_above(t, 0, line, strlen(t),
	    "bob@example.net"), 0);
	ck_assert_uint_eq(dsnx_transcript_stretch_end(t, 5, 5, "x"), 5);
	ck_assert_uint_eq(dsnx_transcript_replies_above(t, 0, 0, strlen(t),
	    "bob@example.net"), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("transcript");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_stretch_ends_at_other_host);
	tcase_add_test(tc, test_stretch_ends_at_new_session);
	tcase_add_test(tc, test_stretch_keeps_own_lines);
	tcase_add_test(tc, test_stretch_not_a_transcript_line);
	tcase_add_test(tc, test_replies_above);
	tcase_add_test(tc, test_replies_to_other_rcpt);
	tcase_add_test(tc, test_bounds);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
