/*
 * test_mime - unit tests for lib/mime.c
 *
 * Structure (parts, types, defaults), offsets into the original buffer,
 * line ends (CRLF, LF, bare CR), header unfolding and decoding, transfer
 * decodings through dsnx_part_text(), and the error flags.  Hostile sizes
 * are in test_hostile.c.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "dsnexplain.h"

static dsnx_mime *
parse(const char *msg)
{
	dsnx_mime *m = NULL;

	ck_assert_int_eq(dsnx_mime_parse(msg, strlen(msg), NULL, &m), DSNX_OK);
	ck_assert_ptr_nonnull(m);
	return m;
}

/* The bytes of a span, as a fresh string (for comparisons). */
static char *
span_str(const char *buf, dsnx_span s)
{
	char *p = malloc(s.end - s.start + 1);

	ck_assert_ptr_nonnull(p);
	memcpy(p, buf + s.start, s.end - s.start);
	p[s.end - s.start] = '\0';
	return p;
}

static const char report_lf[] =
    "From: MAILER-DAEMON@example.net\n"
    "Subject: Undelivered Mail\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/report; report-type=delivery-status;\n"
    "\tboundary=\"B1/x\"\n"
    "\n"
    "preamble\n"
    "--B1/x\n"
    "Content-Type: text/plain; charset=us-ascii\n"
    "\n"
    "Your message could not be delivered.\n"
    "--B1/x\n"
    "Content-Type: message/delivery-status\n"
    "\n"
    "Reporting-MTA: dns; mx.example.net\n"
    "\n"
    "Final-Recipient: rfc822; bob@example.org\n"
    "Action: failed\n"
    "Status: 5.1.1\n"
    "--B1/x\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "From: alice@example.net\n"
    "To: bob@example.org\n"
    "Subject: hello\n"
    "\n"
    "hi bob\n"
    "--B1/x--\n"
    "epilogue\n";

START_TEST(test_structure)
{
	dsnx_mime *m = parse(report_lf);
	const dsnx_part *root = dsnx_mime_root(m), *p;
	char *s;

	ck_assert_str_eq(dsnx_part_type(root), "multipart");
	ck_assert_str_eq(dsnx_part_subtype(root), "report");
	ck_assert_str_eq(dsnx_part_param(m, root, "report-type"), "delivery-status");
	ck_assert_str_eq(dsnx_part_param(m, root, "boundary"), "B1/x");
	/* root, text, status, rfc822, enclosed message */
	ck_assert_uint_eq(dsnx_mime_part_count(m), 5);
	p = dsnx_part_child(root);
	ck_assert_str_eq(dsnx_part_type(p), "text");
	ck_assert_uint_eq(dsnx_part_depth(p), 1);
	s = span_str(report_lf, dsnx_part_body(p));
	/* The line end before a delimiter belongs to the delimiter. */
	ck_assert_str_eq(s, "Your message could not be delivered.");
	free(s);
	p = dsnx_part_next(p);
	ck_assert_str_eq(dsnx_part_subtype(p), "delivery-status");
	s = span_str(report_lf, dsnx_part_whole(p));
	ck_assert(strncmp(s, "Content-Type: message/delivery-status\n", 38) == 0);
	ck_assert(s[strlen(s) - 1] == '1');	/* "Status: 5.1.1" */
	free(s);
	p = dsnx_part_next(p);
	ck_assert_str_eq(dsnx_part_subtype(p), "rfc822");
	ck_assert_ptr_nonnull(dsnx_part_child(p));
	ck_assert_str_eq(dsnx_part_header_get(m, dsnx_part_child(p), "subject", 1),
	    "hello");
	ck_assert_ptr_null(dsnx_part_next(p));
	ck_assert_uint_eq(dsnx_mime_errors(m), 0);
	dsnx_mime_free(m);
}
END_TEST

/* The same message with CRLF and with bare CR gives the same tree, and the
 * offsets still point at the same content. */
static char *
convert_line_ends(const char *lf, const char *eol)
{
	size_t n = strlen(lf), el = strlen(eol), i, o = 0;
	char *out = malloc(n * el + 1);

	ck_assert_ptr_nonnull(out);
	for (i = 0; i < n; i++) {
		if (lf[i] == '\n') {
			memcpy(out + o, eol, el);
			o += el;
		} else
			out[o++] = lf[i];
	}
	out[o] = '\0';
	return out;
}

START_TEST(test_line_ends)
{
	static const char *const ends[] = { "\r\n", "\r" };
	size_t i;

	for (i = 0; i < 2; i++) {
		char *msg = convert_line_ends(report_lf, ends[i]);
		dsnx_mime *m = parse(msg);
		const dsnx_part *p;
		char *s;

		ck_assert_uint_eq(dsnx_mime_part_count(m), 5);
		ck_assert_str_eq(dsnx_part_param(m, dsnx_mime_root(m), "boundary"),
		    "B1/x");
		p = dsnx_part_child(dsnx_mime_root(m));
		s = span_str(msg, dsnx_part_body(p));
		ck_assert_str_eq(s, "Your message could not be delivered.");
		free(s);
		ck_assert_uint_eq(dsnx_mime_errors(m), 0);
		dsnx_mime_free(m);
		free(msg);
	}
}
END_TEST

START_TEST(test_unfold_and_decode)
{
	const char *msg =
	    "Subject: =?ISO-8859-1?Q?Unzustellbar:_Gr=FC=DFe?=\r\n"
	    " =?UTF-8?B?w6Rw?=\r\n"
	    "X-Long: first\r\n"
	    "\tsecond\r\n"
	    "  third  \r\n"
	    "Content-Type: text/plain;\r\n"
	    " charset*0*=us-ascii'en'a;\r\n"
	    " charset*1=bc\r\n"
	    "\r\n"
	    "body\r\n";
	dsnx_mime *m = parse(msg);
	const dsnx_part *root = dsnx_mime_root(m);

	ck_assert_str_eq(dsnx_part_header_get(m, root, "subject", 1),
	    "Unzustellbar: Grüßeäp");
	ck_assert_str_eq(dsnx_part_header_get(m, root, "X-LONG", 0),
	    "first\tsecond  third");
	ck_assert_str_eq(dsnx_part_param(m, root, "charset"), "abc");
	ck_assert_ptr_null(dsnx_part_header_get(m, root, "x-absent", 0));
	ck_assert_uint_eq(dsnx_part_header_count(root), 3);
	{
		dsnx_span f = dsnx_part_header_field(m, root, 1);
		char *s = span_str(msg, f);

		ck_assert_str_eq(s, "X-Long: first\r\n\tsecond\r\n  third  ");
		free(s);
	}
	dsnx_mime_free(m);
}
END_TEST

START_TEST(test_transfer_encodings)
{
	const char *msg =
	    "Content-Type: multipart/mixed; boundary=b\n"
	    "\n"
	    "--b\n"
	    "Content-Type: text/plain; charset=iso-8859-1\n"
	    "Content-Transfer-Encoding: quoted-printable\n"
	    "\n"
	    "Gr=FC=DFe, soft=\n"
	    "break\n"
	    "--b\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\n"
	    "w6TDtsO8IGJvdW5jZQ==\n"
	    "--b\n"
	    "Content-Type: text/plain; charset=iso-2022-jp\n"
	    "\n"
	    "\x1b$B$3$s$K$A$O\x1b(B\n"
	    "--b--\n";
	dsnx_mime *m = parse(msg);
	const dsnx_part *p = dsnx_part_child(dsnx_mime_root(m));
	size_t len;

	ck_assert_int_eq(dsnx_part_cte(p), DSNX_CTE_QP);
	ck_assert_str_eq(dsnx_part_text(m, p, &len), "Grüße, softbreak");
	ck_assert_uint_eq(len, strlen("Grüße, softbreak"));
	p = dsnx_part_next(p);
	ck_assert_int_eq(dsnx_part_cte(p), DSNX_CTE_BASE64);
	ck_assert_str_eq(dsnx_part_text(m, p, &len), "äöü bounce");
	p = dsnx_part_next(p);
	ck_assert_str_eq(dsnx_part_text(m, p, &len), "こんにちは");
	ck_assert_uint_eq(dsnx_mime_errors(m), 0);
	dsnx_mime_free(m);
}
END_TEST

START_TEST(test_defaults)
{
	/* No Content-Type: text/plain.  Digest children: message/rfc822. */
	const char *msg =
	    "Content-Type: multipart/digest; boundary=\"d\"\n"
	    "\n"
	    "--d\n"
	    "\n"
	    "Subject: inner\n"
	    "\n"
	    "x\n"
	    "--d--\n";
	dsnx_mime *m = parse(msg);
	const dsnx_part *p = dsnx_part_child(dsnx_mime_root(m));

	ck_assert_str_eq(dsnx_part_type(p), "message");
	ck_assert_str_eq(dsnx_part_subtype(p), "rfc822");
	ck_assert_str_eq(dsnx_part_header_get(m, dsnx_part_child(p), "subject", 1),
	    "inner");
	dsnx_mime_free(m);

	m = parse("Subject: plain\n\nbody\n");
	ck_assert_str_eq(dsnx_part_type(dsnx_mime_root(m)), "text");
	ck_assert_str_eq(dsnx_part_subtype(dsnx_mime_root(m)), "plain");
	dsnx_mime_free(m);

	/* An unreadable Content-Type is text/plain. */
	m = parse("Content-Type: garbage\n\nbody\n");
	ck_assert_str_eq(dsnx_part_type(dsnx_mime_root(m)), "text");
	dsnx_mime_free(m);
}
END_TEST

START_TEST(test_boundary_rules)
{
	/* "--b" must not match "--bb" lines; the close delimiter may have
	 * trailing white space; text before the first delimiter is preamble. */
	const char *msg =
	    "Content-Type: multipart/mixed; boundary=b\n"
	    "\n"
	    "--bb not a delimiter\n"
	    "--b \t\n"
	    "\n"
	    "one\n"
	    "--bb\n"
	    "still one\n"
	    "--b--  \n";
	dsnx_mime *m = parse(msg);
	const dsnx_part *p = dsnx_part_child(dsnx_mime_root(m));
	size_t len;

	ck_assert_uint_eq(dsnx_mime_part_count(m), 2);
	ck_assert_str_eq(dsnx_part_text(m, p, &len), "one\n--bb\nstill one");
	ck_assert_uint_eq(dsnx_mime_errors(m), 0);
	dsnx_mime_free(m);
}
END_TEST

START_TEST(test_error_flags)
{
	dsnx_mime *m;

	/* Missing closing delimiter: the last part runs to the end. */
	m = parse("Content-Type: multipart/mixed; boundary=z\n\n--z\n\ncut off");
	ck_assert(dsnx_mime_errors(m) & DSNX_MIME_TRUNCATED);
	ck_assert_uint_eq(dsnx_mime_part_count(m), 2);
	dsnx_mime_free(m);

	/* No boundary parameter at all. */
	m = parse("Content-Type: multipart/mixed\n\n--z\n\nx\n--z--\n");
	ck_assert(dsnx_mime_errors(m) & DSNX_MIME_NO_BOUNDARY);
	ck_assert_uint_eq(dsnx_mime_part_count(m), 1);
	dsnx_mime_free(m);

	/* A boundary that never appears. */
	m = parse("Content-Type: multipart/mixed; boundary=q\n\n--z\n\nx\n");
	ck_assert(dsnx_mime_errors(m) & DSNX_MIME_NO_BOUNDARY);
	dsnx_mime_free(m);

	/* Header without body separator. */
	m = parse("Subject: x\nFrom: y");
	ck_assert(dsnx_mime_errors(m) & DSNX_MIME_NO_BODY);
	dsnx_mime_free(m);

	/* A line that is no field ends the header, flagged. */
	m = parse("Subject: x\nthis is not a header\nbody\n");
	ck_assert(dsnx_mime_errors(m) & DSNX_MIME_BAD_HEADER);
	ck_assert_uint_eq(dsnx_part_body(dsnx_mime_root(m)).start, 11);
	dsnx_mime_free(m);

	/* Bad base64 decodes what it can and says so. */
	m = parse("Content-Transfer-Encoding: base64\n\naGVs*bG8=\n");
	ck_assert_str_eq(dsnx_part_text(m, dsnx_mime_root(m), NULL), "hello");
	ck_assert(dsnx_mime_errors(m) & DSNX_MIME_BAD_ENCODING);
	dsnx_mime_free(m);

	/* 8-bit bytes in a header are flagged, and come out as UTF-8. */
	m = parse("Subject: caf\xe9\n\nx\n");
	ck_assert(dsnx_mime_errors(m) & DSNX_MIME_8BIT_HEADER);
	ck_assert_str_eq(dsnx_part_header_get(m, dsnx_mime_root(m), "subject", 1),
	    "café");
	dsnx_mime_free(m);
}
END_TEST

/*
 * The damage real MTAs ship, read as mail readers (Python's email, mail
 * clients) read it: each part's offsets must still cover every byte, in
 * order, so that a rewrite can keep them.
 */
START_TEST(test_damage_read_through)
{
	dsnx_mime *m;
	const dsnx_part *root, *p;
	size_t len;
	const char *msg;

	/* A misspelt closing delimiter is content of the last part. */
	msg = "Content-Type: multipart/mixed; boundary=z\n\n--z\n\none\n--z-\n";
	m = parse(msg);
	p = dsnx_part_child(dsnx_mime_root(m));
	ck_assert_ptr_nonnull(p);
	ck_assert(dsnx_mime_errors(m) & DSNX_MIME_TRUNCATED);
	ck_assert_uint_eq(dsnx_part_whole(p).end, strlen(msg));
	ck_assert_str_eq(dsnx_part_text(m, p, &len), "one\n--z-\n");
	dsnx_mime_free(m);

	/* Text before the first delimiter: the preamble, not a part; the
	 * first part starts after the delimiter line. */
	msg = "Content-Type: multipart/report; boundary=z\n\n"
	    "Delivery failed.\n--z\nContent-Type: text/plain\n\nsee above\n--z--\n";
	m = parse(msg);
	root = dsnx_mime_root(m);
	p = dsnx_part_child(root);
	ck_assert_uint_eq(dsnx_mime_part_count(m), 2);
	ck_assert_uint_eq(dsnx_part_whole(p).start, strlen(
	    "Content-Type: multipart/report; boundary=z\n\nDelivery failed.\n--z\n"));
	ck_assert_uint_eq(dsnx_mime_errors(m), 0);
	dsnx_mime_free(m);

	/* No start delimiter: what stands before the second part's delimiter
	 * is preamble too, the second part is the first child. */
	msg = "Content-Type: multipart/report; boundary=z\n\n"
	    "Content-Type: text/plain\n\nDelivery failed.\n"
	    "--z\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.example.net\n--z--\n";
	m = parse(msg);
	p = dsnx_part_child(dsnx_mime_root(m));
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(dsnx_part_type(p), "message");
	ck_assert_ptr_null(dsnx_part_next(p));
	dsnx_mime_free(m);

	/* A part header without its blank line: the first line that is no
	 * field opens the body (flagged), and no byte is lost. */
	msg = "Content-Type: multipart/mixed; boundary=z\n\n"
	    "--z\nContent-Type: text/plain\nYour message was not delivered.\n"
	    "--z--\n";
	m = parse(msg);
	p = dsnx_part_child(dsnx_mime_root(m));
	ck_assert(dsnx_mime_errors(m) & DSNX_MIME_BAD_HEADER);
	ck_assert_str_eq(dsnx_part_subtype(p), "plain");
	ck_assert_uint_eq(dsnx_part_header(p).end, dsnx_part_body(p).start);
	ck_assert_str_eq(dsnx_part_text(m, p, &len),
	    "Your message was not delivered.");
	dsnx_mime_free(m);

	/* A continuation line without its leading white space ends the
	 * header there; the multipart it started has no boundary, and reads
	 * as text, as mail readers read it. */
	msg = "Content-Type: multipart/mixed; boundary=z\n\n"
	    "--z\nContent-Type: multipart/alternative;\nboundary=\"y\"\n\n"
	    "--y\n\ntext\n--y--\n--z--\n";
	m = parse(msg);
	p = dsnx_part_child(dsnx_mime_root(m));
	ck_assert(dsnx_mime_errors(m) & DSNX_MIME_BAD_HEADER);
	ck_assert(dsnx_mime_errors(m) & DSNX_MIME_NO_BOUNDARY);
	ck_assert_ptr_null(dsnx_part_child(p));
	ck_assert_uint_eq(dsnx_part_whole(p).end, strlen(msg) - strlen("\n--z--\n"));
	dsnx_mime_free(m);

	/* A wrong declared charset: UTF-8 said, Latin-1 bytes written; the
	 * text comes out as readers show it, flagged. */
	m = parse("Content-Type: text/plain; charset=utf-8\n\nZustellung an M\xfcller\n");
	ck_assert_str_eq(dsnx_part_text(m, dsnx_mime_root(m), &len),
	    "Zustellung an M\xc3\xbcller\n");
	ck_assert(dsnx_mime_errors(m) & DSNX_MIME_BAD_CHARSET);
	dsnx_mime_free(m);

	/* A boundary missing in the returned message does not hide the
	 * parts around it. */
	msg = "Content-Type: multipart/report; boundary=z\n\n"
	    "--z\n\nfailed\n--z\nContent-Type: message/rfc822\n\n"
	    "Content-Type: multipart/alternative; boundary=gone\n\nhello\n"
	    "--z--\n";
	m = parse(msg);
	ck_assert(dsnx_mime_errors(m) & DSNX_MIME_NO_BOUNDARY);
	ck_assert_uint_eq(dsnx_mime_part_count(m), 4);
	dsnx_mime_free(m);
}
END_TEST

START_TEST(test_nul_bytes)
{
	static const char msg[] = "Subject: a\0b\n\nbo\0dy\n";
	dsnx_mime *m = NULL;
	size_t len;
	const char *t;

	ck_assert_int_eq(dsnx_mime_parse(msg, sizeof(msg) - 1, NULL, &m), DSNX_OK);
	ck_assert(dsnx_mime_errors(m) & DSNX_MIME_NUL);
	t = dsnx_part_text(m, dsnx_mime_root(m), &len);
	ck_assert_uint_eq(strlen(t), len);	/* no NUL inside */
	ck_assert(strstr(t, "bo") == t);
	dsnx_mime_free(m);
}
END_TEST

START_TEST(test_mbox_from_line)
{
	dsnx_mime *m = parse("From MAILER-DAEMON Mon Nov 23 10:00:00 2026\n"
	    "Subject: x\n\nbody\n");

	ck_assert_str_eq(dsnx_part_header_get(m, dsnx_mime_root(m), "subject", 0),
	    "x");
	ck_assert_uint_eq(dsnx_mime_errors(m), 0);
	dsnx_mime_free(m);
}
END_TEST

/* A top line of spaces continues nothing; the fields after it are read,
 * as Python's email reads them.  A part body that opens indented text
 * stays a part with no header. */
START_TEST(test_leading_white_line)
{
	dsnx_mime *m = parse("          \r\nSubject: x\r\nContent-Type: "
	    "multipart/mixed; boundary=b\r\n\r\n--b\r\n  indented\r\n"
	    "--b--\r\n");
	const dsnx_part *root = dsnx_mime_root(m);

	ck_assert_str_eq(dsnx_part_header_get(m, root, "subject", 0), "x");
	ck_assert_str_eq(dsnx_part_type(root), "multipart");
	ck_assert_uint_eq(dsnx_part_header_count(root), 2);
	ck_assert_uint_eq(dsnx_part_header_count(dsnx_part_child(root)), 0);
	ck_assert_uint_eq(dsnx_mime_errors(m), 0);
	dsnx_mime_free(m);
	/* Not followed by a field: no header, as before. */
	m = parse("   \nno field here\n");
	ck_assert_uint_eq(dsnx_part_header_count(dsnx_mime_root(m)), 0);
	dsnx_mime_free(m);
}
END_TEST

START_TEST(test_invalid_arguments)
{
	dsnx_mime *m = NULL;
	dsnx_limits lim;

	ck_assert_int_eq(dsnx_mime_parse(NULL, 5, NULL, &m), DSNX_EINVAL);
	ck_assert_int_eq(dsnx_mime_parse("x", 1, NULL, NULL), DSNX_EINVAL);
	dsnx_limits_init(&lim);
	lim.max_message = 4;
	ck_assert_int_eq(dsnx_mime_parse("12345", 5, &lim, &m), DSNX_ELIMIT);
	ck_assert_ptr_null(m);
	/* An empty message is a valid, empty text/plain message. */
	ck_assert_int_eq(dsnx_mime_parse("", 0, NULL, &m), DSNX_OK);
	ck_assert_uint_eq(dsnx_mime_part_count(m), 1);
	dsnx_mime_free(m);
}
END_TEST

static Suite *
mime_suite(void)
{
	Suite *s = suite_create("mime");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_structure);
	tcase_add_test(tc, test_line_ends);
	tcase_add_test(tc, test_unfold_and_decode);
	tcase_add_test(tc, test_transfer_encodings);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_boundary_rules);
	tcase_add_test(tc, test_error_flags);
	tcase_add_test(tc, test_damage_read_through);
	tcase_add_test(tc, test_nul_bytes);
	tcase_add_test(tc, test_mbox_from_line);
	tcase_add_test(tc, test_leading_white_line);
	tcase_add_test(tc, test_invalid_arguments);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(mime_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
