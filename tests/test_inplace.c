/*
 * test_inplace - unit tests for lib/inplace.c
 *
 * Which single parts our text can follow in place, in what charset, and
 * which of the part's MIME fields say more for it; what the body then
 * holds.
 */
#include "config.h"

#include <check.h>
#include <string.h>

#include "inplace.h"

#define HEAD "From: MAILER-DAEMON@mx.example.net\nSubject: failure notice\n"
#define BODY "<ann@example.org>:\n550 5.1.1 No such user here\n"
#define GERMAN "Zustellung f\xc3\xbcr ann \xe2\x80\x93 dsnexplain\n"

typedef struct planned {
	dsnx_mime *mime;
	dsnx_inplace plan;
	const char *why;
} planned;

static void
plan_with(planned *p, const char *msg, const char *text, int may_change)
{
	ck_assert(dsnx_mime_parse(msg, strlen(msg), NULL, &p->mime)
	    == DSNX_OK);
	ck_assert(dsnx_inplace_plan(p->mime, dsnx_mime_root(p->mime), text,
	    strlen(text), may_change, &p->plan, &p->why) == DSNX_OK);
}

static void
plan_for(planned *p, const char *msg, const char *text)
{
	plan_with(p, msg, text, 1);
}

static void
planned_free(planned *p)
{
	dsnx_inplace_free(&p->plan);
	dsnx_mime_free(p->mime);
}

/* The body written by the plan, as a string. */
static void
written(planned *p, const char *msg, dsnx_buf *out)
{
	dsnx_buf_init(out, 0);
	ck_assert(dsnx_inplace_write(out, msg, dsnx_mime_root(p->mime),
	    &p->plan, "\n") == DSNX_OK);
}

/* UTF-8 in 8bit: nothing to say, ours after a blank line. */
START_TEST(test_utf8_8bit_as_is)
{
	static const char msg[] = HEAD "MIME-Version: 1.0\nContent-Type: "
	    "text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
	    BODY;
	planned p;
	dsnx_buf b;

	plan_for(&p, msg, GERMAN);
	ck_assert_ptr_null(p.why);
	ck_assert_int_eq(p.plan.ctype, DSNX_FIELD_KEEP);
	ck_assert_int_eq(p.plan.cte, DSNX_FIELD_KEEP);
	ck_assert_int_eq(p.plan.mime_version, DSNX_FIELD_KEEP);
	written(&p, msg, &b);
	ck_assert_str_eq(b.data, BODY "\n" GERMAN);
	dsnx_buf_free(&b);
	planned_free(&p);
}
END_TEST

/* US-ASCII in 7bit, ours not ASCII: relabelled UTF-8 (the other
 * parameters and the comment kept), declared 8bit. */
START_TEST(test_ascii_relabelled)
{
	static const char msg[] = HEAD "MIME-Version: 1.0\nContent-Type: "
	    "text/plain; format=flowed;\n\tcharset=\"US-ASCII\" (plain)\n"
	    "Content-Transfer-Encoding: 7bit\n\n" BODY;
	planned p;

	plan_for(&p, msg, GERMAN);
	ck_assert_ptr_null(p.why);
	ck_assert_int_eq(p.plan.ctype, DSNX_FIELD_CHANGE);
	ck_assert_str_eq(p.plan.ctype_value,
	    "text/plain; format=flowed;\tcharset=utf-8 (plain)");
	ck_assert_int_eq(p.plan.cte, DSNX_FIELD_CHANGE);
	ck_assert_str_eq(p.plan.cte_value, "8bit");
	ck_assert_str_eq(p.plan.charset, "utf-8");
	ck_assert_int_eq(p.plan.lossy, 0);
	planned_free(&p);
	/* English needs nothing of it. */
	plan_for(&p, msg, "Delivery to ann failed.\n");
	ck_assert_ptr_null(p.why);
	ck_assert_int_eq(p.plan.ctype, DSNX_FIELD_KEEP);
	ck_assert_int_eq(p.plan.cte, DSNX_FIELD_KEEP);
	planned_free(&p);
}
END_TEST

/* Granted no header changes: the part keeps its fields, 7bit and all,
 * and ours is written in ASCII. */
START_TEST(test_may_not_change)
{
	static const char msg[] = HEAD "MIME-Version: 1.0\nContent-Type: "
	    "text/plain; charset=us-ascii\nContent-Transfer-Encoding: 7bit\n\n"
	    BODY;
	planned p;
	dsnx_buf b;

	plan_with(&p, msg, GERMAN, 0);
	ck_assert_ptr_null(p.why);
	ck_assert_int_eq(p.plan.ctype, DSNX_FIELD_KEEP);
	ck_assert_int_eq(p.plan.cte, DSNX_FIELD_KEEP);
	ck_assert_int_eq(p.plan.lossy, 1);
	written(&p, msg, &b);
	ck_assert_str_eq(b.data, BODY "\nZustellung fuer ann - dsnexplain\n");
	dsnx_buf_free(&b);
	planned_free(&p);
}
END_TEST

/* No MIME at all: the three fields are added. */
START_TEST(test_no_mime_declared)
{
	static const char msg[] = HEAD "\n" BODY;
	planned p;

	plan_for(&p, msg, GERMAN);
	ck_assert_ptr_null(p.why);
	ck_assert_int_eq(p.plan.mime_version, DSNX_FIELD_ADD);
	ck_assert_int_eq(p.plan.ctype, DSNX_FIELD_ADD);
	ck_assert_str_eq(p.plan.ctype_value, "text/plain; charset=utf-8");
	ck_assert_int_eq(p.plan.cte, DSNX_FIELD_ADD);
	planned_free(&p);
}
END_TEST

/* Latin-1 text with 8-bit bytes: not relabelled (its bytes are not
 * UTF-8); ours in Latin-1, the dash a fallback. */
START_TEST(test_latin1_lossy)
{
	static const char msg[] = HEAD "MIME-Version: 1.0\nContent-Type: "
	    "text/plain; charset=ISO-8859-1\nContent-Transfer-Encoding: "
	    "8bit\n\nGr\xfc\xdf" "e\n" BODY;
	planned p;
	dsnx_buf b;

	plan_for(&p, msg, GERMAN);
	ck_assert_ptr_null(p.why);
	ck_assert_int_eq(p.plan.ctype, DSNX_FIELD_KEEP);
	ck_assert_str_eq(p.plan.charset, "iso-8859-1");
	ck_assert_int_eq(p.plan.lossy, 1);
	written(&p, msg, &b);
	ck_assert_str_eq(b.data, "Gr\xfc\xdf" "e\n" BODY "\n"
	    "Zustellung f\xfcr ann - dsnexplain\n");
	dsnx_buf_free(&b);
	planned_free(&p);
}
END_TEST

/* Quoted-printable: ours encoded after the old lines, which stay. */
START_TEST(test_qp_appended)
{
	static const char msg[] = HEAD "MIME-Version: 1.0\nContent-Type: "
	    "text/plain; charset=utf-8\nContent-Transfer-Encoding: "
	    "quoted-printable\n\nGr=C3=BC=C3=9Fe, a long line that is =\n"
	    "broken softly\n";
	planned p;
	dsnx_buf b;

	plan_for(&p, msg, GERMAN);
	ck_assert_ptr_null(p.why);
	written(&p, msg, &b);
	ck_assert_str_eq(b.data, "Gr=C3=BC=C3=9Fe, a long line that is =\n"
	    "broken softly\n\nZustellung f=C3=BCr ann =E2=80=93 dsnexplain\n");
	dsnx_buf_free(&b);
	planned_free(&p);
}
END_TEST

/* Base64: the old groups stay but the padded last one, encoded again
 * with a line end and ours after its two bytes. */
START_TEST(test_base64_tail)
{
	static const char msg[] = HEAD "MIME-Version: 1.0\nContent-Type: "
	    "text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
	    "TWFuTWE=\n";	/* "ManMa" */
	planned p;
	dsnx_buf b;

	plan_for(&p, msg, "ok\n");
	ck_assert_ptr_null(p.why);
	written(&p, msg, &b);
	/* "Ma\r\n\r\nok\r\n" after "Man" */
	ck_assert_str_eq(b.data, "TWFuTWENCg0Kb2sNCg==\n");
	dsnx_buf_free(&b);
	planned_free(&p);
}
END_TEST

/* ISO-2022-JP: ours starts from ASCII even after a text that did not
 * return to it. */
START_TEST(test_iso2022_starts_ascii)
{
	static const char msg[] = HEAD "MIME-Version: 1.0\nContent-Type: "
	    "text/plain; charset=iso-2022-jp\n\n" BODY "\x1b$BF|K\\";
	planned p;
	dsnx_buf b;

	plan_for(&p, msg, "ok\n");
	ck_assert_ptr_null(p.why);
	ck_assert_int_eq(p.plan.cte, DSNX_FIELD_KEEP);
	written(&p, msg, &b);
	ck_assert_str_eq(b.data, BODY "\x1b$BF|K\\\n\n\x1b(Bok\n");
	dsnx_buf_free(&b);
	planned_free(&p);
}
END_TEST

/* What cannot take it, and says why. */
START_TEST(test_refused)
{
	static const struct {
		const char *msg, *why;
	} cases[] = {
		{ HEAD "MIME-Version: 1.0\nContent-Type: text/html\n\n<p>x\n",
		    "not text/plain" },
		{ HEAD "MIME-Version: 1.0\nContent-Type: text/plain\n"
		    "Content-Type: text/plain; charset=koi8-r\n\n" BODY,
		    "more than one" },
		{ HEAD "MIME-Version: 1.0\nContent-Transfer-Encoding: "
		    "x-uuencode\n\n" BODY, "does not define" },
		{ HEAD "MIME-Version: 1.0\nContent-Transfer-Encoding: "
		    "base64\n\nTWFuTW\n", "cut short" },
		{ HEAD "MIME-Version: 1.0\nContent-Type: text/plain; "
		    "charset=utf-16\n\n" BODY, "line ends" },
	};
	unsigned i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		planned p;

		plan_for(&p, cases[i].msg, "ok\n");
		ck_assert_msg(p.why != NULL && strstr(p.why, cases[i].why)
		    != NULL, "case %u: %s", i, p.why ? p.why : "(planned)");
		planned_free(&p);
	}
}
END_TEST

/* A charset iconv does not know, of an ASCII-compatible family: ours is
 * written in ASCII. */
START_TEST(test_unknown_charset_ascii)
{
	static const char msg[] = HEAD "MIME-Version: 1.0\nContent-Type: "
	    "text/plain; charset=windows-9999\n\nGr\xfc\xdf" "e\n" BODY;
	planned p;
	dsnx_buf b;

	plan_for(&p, msg, GERMAN);
	ck_assert_ptr_null(p.why);
	ck_assert_str_eq(p.plan.charset, "us-ascii");
	written(&p, msg, &b);
	ck_assert_str_eq(b.data, "Gr\xfc\xdf" "e\n" BODY "\n"
	    "Zustellung fuer ann - dsnexplain\n");
	dsnx_buf_free(&b);
	planned_free(&p);
}
END_TEST

/* A charset in RFC 2231 form is not rewritten: ours gets fallbacks. */
START_TEST(test_rfc2231_charset_kept)
{
	static const char msg[] = HEAD "MIME-Version: 1.0\nContent-Type: "
	    "text/plain; charset*=us-ascii''us-ascii\n\n" BODY;
	planned p;

	plan_for(&p, msg, GERMAN);
	ck_assert_ptr_null(p.why);
	ck_assert_int_eq(p.plan.ctype, DSNX_FIELD_KEEP);
	ck_assert_int_eq(p.plan.lossy, 1);
	planned_free(&p);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("inplace");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_utf8_8bit_as_is);
	tcase_add_test(tc, test_ascii_relabelled);
	tcase_add_test(tc, test_no_mime_declared);
	tcase_add_test(tc, test_may_not_change);
	tcase_add_test(tc, test_latin1_lossy);
	tcase_add_test(tc, test_qp_appended);
	tcase_add_test(tc, test_base64_tail);
	tcase_add_test(tc, test_iso2022_starts_ascii);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_rfc2231_charset_kept);
	tcase_add_test(tc, test_unknown_charset_ascii);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
