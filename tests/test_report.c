/*
 * test_report - unit tests for lib/report.c (is it a DSN, and which parts)
 *
 * Detection decisions: standard reports, feedback reports, read receipts,
 * auto-replies and ordinary mail; a delivery-status part quoted inside a
 * returned message must not count, unless a bounce sender wrapped it or
 * a person forwarded a bounce;
 * which part is the returned message; the one status filler for standard
 * and non-standard formats; the message's own header as the report holds
 * it; context errors and arguments.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "dsnexplain.h"

static dsnx_context *ctx;

static void
setup(void)
{
	ck_assert_int_eq(dsnx_context_new(NULL, &ctx, NULL), DSNX_OK);
}

static void
teardown(void)
{
	dsnx_context_free(ctx);
}

static dsnx_report *
read_msg(const char *msg)
{
	dsnx_report *r = NULL;

	ck_assert_int_eq(dsnx_report_read(ctx, msg, strlen(msg), &r), DSNX_OK);
	return r;
}

/* The header of the excerpt messages below, up to their text part's
 * body. */
#define REPORT_HEAD \
    "From: MAILER-DAEMON@mx.example.net\r\n" \
    "To: sender@example.com\r\nSubject: Undelivered Mail\r\n" \
    "MIME-Version: 1.0\r\n" \
    "Content-Type: multipart/report; report-type=delivery-status;\r\n" \
    "\tboundary=\"=_B_=\"\r\n\r\n" \
    "--=_B_=\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"

/* Each recipient's excerpt holds what the lines naming it say, and
 * stops at the next recipient; a multi-line reply reads as one. */
static const char excerpt_msg[] =
    REPORT_HEAD
    "<ann@example.org> (expanded from <team@example.org>): host\r\n"
    "    mx.example.org[192.0.2.1] said: 552 5.2.2 Mailbox full\r\n"
    "<bob@example.org>... Deferred: Connection refused by mx.example.org.\r\n"
    "  cy@example.org\r\n"
    "    retry timeout exceeded\r\n"
    "unrelated line\r\n"
    "\r\n"
    "... while talking to mx.example.org.:\r\n"
    ">>> RCPT To:<bob@example.org>\r\n"
    "<<< 451 4.7.1 Greylisted\r\n"
    ">>> RCPT To:<ann@example.org>\r\n"
    "\r\n"
    "--=_B_=\r\nContent-Type: message/delivery-status\r\n\r\n"
    "Reporting-MTA: dns; mx.example.net\r\n\r\n"
    "Final-Recipient: rfc822; ann@example.org\r\n"
    "Original-Recipient: rfc822; team@example.org\r\n"
    "Action: failed\r\nStatus: 5.2.2\r\n\r\n"
    "Final-Recipient: rfc822; bob@example.org\r\n"
    "Action: delayed\r\nStatus: 4.4.1\r\n\r\n"
    "Final-Recipient: rfc822; cy@example.org\r\n"
    "Action: failed\r\nStatus: 5.0.0\r\n"
    "Diagnostic-Code: smtp; 550-5.1.1 The email account that you tried to\r\n"
    " reach does not exist. Please try 550-5.1.1 double-checking the\r\n"
    " address. 550 5.1.1 https://support.example/?p=NoSuchUser\r\n"
    "\r\n--=_B_=--\r\n";

/* A name at the very start of the text, and one in other letter case,
 * are found; a recipient the text does not name has no excerpt. */
static const char excerpt_edge_msg[] =
    REPORT_HEAD
    "ann@example.org: 550 5.1.1 no such user\r\n"
    "Dan@Example.ORG: 552 5.2.2 over quota\r\n"
    "\r\n"
    "--=_B_=\r\nContent-Type: message/delivery-status\r\n\r\n"
    "Reporting-MTA: dns; mx.example.net\r\n\r\n"
    "Final-Recipient: rfc822; ann@example.org\r\n"
    "Action: failed\r\nStatus: 5.1.1\r\n\r\n"
    "Final-Recipient: rfc822; dan@example.org\r\n"
    "Action: failed\r\nStatus: 5.2.2\r\n\r\n"
    "Final-Recipient: rfc822; eve@example.org\r\n"
    "Action: failed\r\nStatus: 5.0.0\r\n"
    "\r\n--=_B_=--\r\n";

/* Recipient i's excerpt holds the text has and not the text lacks
 * (either may be NULL). */
static void
excerpt_says(const dsnx_report *r, unsigned i, const char *has,
    const char *lacks)
{
	const char *x = dsnx_report_recipient_excerpt(r, i);

	ck_assert_msg(x != NULL, "recipient %u has no excerpt", i);
	if (has != NULL)
		ck_assert_msg(strstr(x, has) != NULL, "recipient %u: \"%s\" is "
		    "not in \"%s\"", i, has, x);
	if (lacks != NULL)
		ck_assert_msg(strstr(x, lacks) == NULL, "recipient %u: \"%s\" "
		    "is in \"%s\"", i, lacks, x);
}

START_TEST(test_recipient_excerpt_edges)
{
	dsnx_report *r = read_msg(excerpt_edge_msg);

	ck_assert_uint_eq(dsnx_report_recipient_count(r), 3);
	excerpt_says(r, 0, "no such user", NULL);
	excerpt_says(r, 1, "over quota", NULL);
	ck_assert_ptr_null(dsnx_report_recipient_excerpt(r, 2));
	dsnx_report_free(r);
}
END_TEST

/* A line at the mention's indentation belongs to it when it opens with
 * a reason label, or when the mention's line ends with a colon (up to a
 * blank line); an unlabelled one, or one naming the next recipient,
 * does not. */
static const char excerpt_label_msg[] =
    REPORT_HEAD
    "Message delivery to ann@example.org failed.\r\n"
    "Reason: Invalid recipient / subscriber not found\r\n"
    "Delivery to bob@example.org failed.\r\n"
    "Remote host said : 552 quota exceeded\r\n"
    "Please reply to the postmaster.\r\n"
    "Reasonably sure: not a label\r\n"
    "\r\n"
    "Your message to cy@example.org could not be delivered:\r\n"
    "the domain example.org has no mail server.\r\n"
    "\r\n"
    "A paragraph about nobody.\r\n"
    "--=_B_=\r\nContent-Type: message/delivery-status\r\n\r\n"
    "Reporting-MTA: dns; mx.example.net\r\n\r\n"
    "Final-Recipient: rfc822; ann@example.org\r\n"
    "Action: failed\r\nStatus: 5.0.0\r\n\r\n"
    "Final-Recipient: rfc822; bob@example.org\r\n"
    "Action: failed\r\nStatus: 5.0.0\r\n\r\n"
    "Final-Recipient: rfc822; cy@example.org\r\n"
    "Action: failed\r\nStatus: 5.0.0\r\n"
    "\r\n--=_B_=--\r\n";

START_TEST(test_recipient_excerpt_label)
{
	dsnx_report *r = read_msg(excerpt_label_msg);

	ck_assert_uint_eq(dsnx_report_recipient_count(r), 3);
	excerpt_says(r, 0, "subscriber not found", "quota");
	excerpt_says(r, 1, "552 quota exceeded", "postmaster");
	excerpt_says(r, 1, NULL, "Reasonably");
	/* A mention that ends with a colon: its paragraph follows. */
	excerpt_says(r, 2, "has no mail server", "nobody");
	dsnx_report_free(r);
}
END_TEST

START_TEST(test_recipient_excerpt)
{
	dsnx_report *r = read_msg(excerpt_msg);
	const char *x;

	ck_assert_uint_eq(dsnx_report_recipient_count(r), 3);
	excerpt_says(r, 0, "552 5.2.2 Mailbox full", "Connection refused");
	excerpt_says(r, 0, NULL, "ann@example.org");
	excerpt_says(r, 1, "Deferred: Connection refused", "retry timeout");
	excerpt_says(r, 1, "<<< 451 4.7.1 Greylisted", "Mailbox full");
	x = dsnx_report_recipient_excerpt(r, 2);
	ck_assert_ptr_nonnull(x);
	ck_assert_str_eq(x, "retry timeout exceeded");
	/* The reply the rules read: one sentence, its first prefix kept. */
	x = dsnx_report_recipient_reply(r, 2);
	ck_assert_ptr_nonnull(x);
	ck_assert_ptr_nonnull(strstr(x, "Please try double-checking the"));
	ck_assert_ptr_nonnull(strstr(x, "address. https://"));
	ck_assert_ptr_nonnull(strstr(x, "550-5.1.1 The email account"));
	/* A one-line reply is the diagnostic itself. */
	ck_assert_ptr_null(dsnx_report_recipient_reply(r, 0));
	ck_assert_ptr_null(dsnx_report_recipient_excerpt(r, 3));
	dsnx_report_free(r);
}
END_TEST

START_TEST(test_feedback_report)
{
	dsnx_report *r = read_msg(
	    "From: feedback@example.net\n"
	    "Subject: complaint\n"
	    "Content-Type: multipart/report; report-type=feedback-report; boundary=f\n"
	    "\n"
	    "--f\n"
	    "Content-Type: text/plain\n\nA complaint.\n"
	    "--f\n"
	    "Content-Type: message/feedback-report\n\nFeedback-Type: abuse\n"
	    "--f--\n");

	ck_assert(!dsnx_report_is_dsn(r));
	ck_assert_str_eq(dsnx_report_not_dsn_why(r), "feedback-report");
	ck_assert_ptr_null(dsnx_report_format(r));
	dsnx_report_free(r);
}
END_TEST

START_TEST(test_auto_reply)
{
	dsnx_report *r = read_msg(
	    "From: MAILER-DAEMON@example.net\n"
	    "Subject: Out of office: Delivery Status Notification\n"
	    "Auto-Submitted: auto-replied (vacation)\n"
	    "\n"
	    "I am away until Monday.\n");

	ck_assert(!dsnx_report_is_dsn(r));
	ck_assert_str_eq(dsnx_report_not_dsn_why(r), "auto-reply");
	dsnx_report_free(r);
}
END_TEST

START_TEST(test_read_receipt)
{
	dsnx_report *r = read_msg(
	    "Content-Type: multipart/report; report-type=disposition-notification;"
	    " boundary=m\n\n--m\n\nread\n--m\n"
	    "Content-Type: message/disposition-notification\n\n"
	    "Final-Recipient: rfc822; a@example.org\nDisposition: manual-action/"
	    "MDN-sent-manually; displayed\n--m--\n");

	ck_assert(!dsnx_report_is_dsn(r));
	ck_assert_str_eq(dsnx_report_not_dsn_why(r), "disposition-notification");
	dsnx_report_free(r);
}
END_TEST

START_TEST(test_ordinary_mail)
{
	dsnx_report *r = read_msg(
	    "From: alice@example.net\nTo: bob@example.org\nSubject: lunch?\n\n"
	    "bob@example.org:\nare you free at noon?\n");

	ck_assert(!dsnx_report_is_dsn(r));
	ck_assert_ptr_null(dsnx_report_not_dsn_why(r));
	ck_assert_uint_eq(dsnx_report_recipient_count(r), 0);
	dsnx_report_free(r);
}
END_TEST

/* A message that attaches one holding a delivery-status part: the
 * report is not this message's, unless a person forwards a bounce
 * (a forward's Subject, the attached message from a bounce sender). */
#define ATTACHED_REPORT(subject, inner_from) \
	"From: alice@example.net\nSubject: " subject "\n" \
	"Content-Type: multipart/mixed; boundary=o\n\n" \
	"--o\n\nsee attached\n" \
	"--o\nContent-Type: message/rfc822\n\n" \
	"From: " inner_from "\n" \
	"Content-Type: multipart/report; report-type=delivery-status; boundary=i\n\n" \
	"--i\n\nfailed\n" \
	"--i\nContent-Type: message/delivery-status\n\n" \
	"Reporting-MTA: dns; x\n\nFinal-Recipient: rfc822; z@example.org\n" \
	"Action: failed\nStatus: 5.1.1\n" \
	"--i--\n" \
	"--o--\n"

START_TEST(test_quoted_report_ignored)
{
	static const char *const not_reports[] = {
		ATTACHED_REPORT("look at this", "MAILER-DAEMON@example.net"),
		ATTACHED_REPORT("Fwd: look at this", "Bob <bob@example.org>"),
		ATTACHED_REPORT("Re: Undelivered Mail", "MAILER-DAEMON@example.net"),
	};
	dsnx_report *r;
	unsigned i;

	for (i = 0; i < sizeof(not_reports) / sizeof(not_reports[0]); i++) {
		r = read_msg(not_reports[i]);
		ck_assert_msg(!dsnx_report_is_dsn(r), "case %u", i);
		ck_assert_ptr_null(dsnx_report_status_part(r));
		dsnx_report_free(r);
	}
	r = read_msg(ATTACHED_REPORT("Fwd: Undelivered Mail",
	    "Mail Delivery System <MAILER-DAEMON@example.net>"));
	ck_assert(dsnx_report_is_dsn(r));
	ck_assert_ptr_nonnull(dsnx_report_status_part(r));
	ck_assert_uint_eq(dsnx_report_recipient_count(r), 1);
	ck_assert_str_eq(dsnx_report_recipient(r, 0)->recipient, "z@example.org");
	dsnx_report_free(r);
}
END_TEST

START_TEST(test_header_accessors)
{
	dsnx_report *r = read_msg(
	    "From: =?UTF-8?Q?Mail_Delivery_System?= <MAILER-DAEMON@example.net>\n"
	    "Subject: =?UTF-8?B?VW56dXN0ZWxsYmFy?=\n"
	    "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n"
	    "\n--b\n\nx\n--b\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.example.net\nOriginal-Envelope-Id: ENV-1\n"
	    "\nFinal-Recipient: rfc822; q@example.org\nAction: relayed\n"
	    "Status: 2.0.0\n--b--\n");

	ck_assert(dsnx_report_is_dsn(r));
	ck_assert_str_eq(dsnx_report_subject(r), "Unzustellbar");
	ck_assert_str_eq(dsnx_report_from(r),
	    "Mail Delivery System <MAILER-DAEMON@example.net>");
	ck_assert_str_eq(dsnx_report_original_envelope_id(r), "ENV-1");
	ck_assert_str_eq(dsnx_report_recipient(r, 0)->action, "relayed");
	ck_assert_ptr_null(dsnx_report_recipient(r, 1));
	ck_assert_ptr_nonnull(dsnx_report_mime(r));
	ck_assert_uint_eq(dsnx_report_flags(r), 0);
	dsnx_report_free(r);
}
END_TEST

/*
 * One "returned message" predicate for the report and the non-standard
 * reader, on the cases where the two used to disagree: a report whose
 * third part is message/partial holds the returned message (the report
 * reader missed it); a non-standard bounce whose only message part is
 * a reference (message/external-body) returns no message (the
 * non-standard reader took any message part).
 */
START_TEST(test_returned_part)
{
	dsnx_report *r = read_msg(
	    "From: MAILER-DAEMON@mx.example.net\n"
	    "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n"
	    "\n--b\n\nfailed\n--b\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.example.net\n\n"
	    "Final-Recipient: rfc822; a@example.org\nAction: failed\nStatus: 5.1.1\n"
	    "--b\nContent-Type: message/partial\n\n"
	    "From: a@example.net\nSubject: hello\n\nhi\n"
	    "--b--\n");
	const dsnx_part *p;

	ck_assert_str_eq(dsnx_report_format(r), "rfc3464");
	ck_assert_ptr_nonnull(p = dsnx_report_returned_part(r));
	ck_assert_str_eq(dsnx_part_type(p), "message");
	ck_assert_str_eq(dsnx_part_subtype(p), "partial");
	dsnx_report_free(r);

	r = read_msg(
	    "From: MAILER-DAEMON@mx.example.net\n"
	    "Subject: failure notice\n"
	    "Content-Type: multipart/mixed; boundary=m\n"
	    "\n--m\nContent-Type: text/plain\n\n"
	    "Hi. This is the qmail-send program at mx.example.net.\n"
	    "I'm afraid I wasn't able to deliver your message to the following"
	    " addresses.\n\n"
	    "<b@example.org>:\nRemote host said: 550 5.1.1 unknown\n"
	    "--m\nContent-Type: message/external-body; access-type=URL;"
	    " URL=\"http://example.net/m\"\n\n"
	    "Content-Type: text/plain\n\n"
	    "--m\nContent-Type: message/rfc822\n\n"
	    "From: a@example.net\nTo: b@example.org\nSubject: hello\n\nhi\n"
	    "--m--\n");
	ck_assert_str_eq(dsnx_report_format(r), "qmail");
	ck_assert_ptr_nonnull(p = dsnx_report_returned_part(r));
	ck_assert_str_eq(dsnx_part_subtype(p), "rfc822");
	dsnx_report_free(r);
}
END_TEST

/* A read receipt in the RFC 6533 form is no bounce either. */
START_TEST(test_global_read_receipt)
{
	dsnx_report *r = read_msg(
	    "From: MAILER-DAEMON@mx.example.net\n"
	    "Subject: Delivery Status Notification\n"
	    "Content-Type: multipart/mixed; boundary=m\n"
	    "\n--m\n\nDisplayed.\n"
	    "--m\nContent-Type: message/global-disposition-notification\n\n"
	    "Final-Recipient: rfc822; a@example.org\n"
	    "Disposition: manual-action/MDN-sent-manually; displayed\n"
	    "--m--\n");

	ck_assert(!dsnx_report_is_dsn(r));
	ck_assert_str_eq(dsnx_report_not_dsn_why(r), "disposition-notification");
	dsnx_report_free(r);
}
END_TEST

#define WRAPPED(from) \
	"From: " from "\n" \
	"Subject: Undeliverable: hello\n" \
	"Content-Type: multipart/mixed; boundary=o\n\n" \
	"--o\n\nYour message could not be delivered.\n" \
	"--o\nContent-Type: message/rfc822\n\n" \
	"From: MAILER-DAEMON@inner.example.net\n" \
	"Content-Type: multipart/report; report-type=delivery-status;" \
	" boundary=i\n\n" \
	"--i\n\nfailed\n" \
	"--i\nContent-Type: message/delivery-status\n\n" \
	"Reporting-MTA: dns; inner.example.net\n\n" \
	"Final-Recipient: rfc822; z@example.org\n" \
	"Action: failed\nStatus: 5.1.1\n" \
	"--i--\n" \
	"--o--\n"

/*
 * One bounce-sender test: the one the non-standard formats are gated on
 * decides too whether a report wrapped in a returned message is read.
 */
START_TEST(test_bounce_sender)
{
	static const char *const yes[] = {
		"MAILER-DAEMON@mx.example.net",
		"Mail Delivery System <MAILER-DAEMON@mx.example.net>",
		"postmaster@example.net",
		"Mail Delivery Subsystem <mailer@gw.example.net>",
		"<bounces@gw.example.net>",
		"<>",
		NULL
	};
	static const char *const no[] = {
		"Alice <alice@example.net>",
		"list-bounces@lists.example.net",
		"mailman@example.net",
		"",
		NULL
	};
	dsnx_report *r;
	unsigned i;

	for (i = 0; yes[i] != NULL; i++)
		ck_assert_msg(dsnx_bounce_sender(ctx, yes[i]), "%s", yes[i]);
	for (i = 0; no[i] != NULL; i++)
		ck_assert_msg(!dsnx_bounce_sender(ctx, no[i]), "%s", no[i]);
	ck_assert(!dsnx_bounce_sender(ctx, NULL));
	ck_assert(!dsnx_bounce_sender(NULL, yes[0]));

	/* A gateway's bounce that wraps the report it received. */
	r = read_msg(WRAPPED("Mail Delivery System <mailer@gw.example.net>"));
	ck_assert(dsnx_report_is_dsn(r));
	ck_assert_str_eq(dsnx_report_reporting_mta(r), "inner.example.net");
	ck_assert_str_eq(dsnx_part_subtype(dsnx_report_returned_part(r)), "rfc822");
	dsnx_report_free(r);
	/* The same, forwarded by a person: not this message's report. */
	r = read_msg(WRAPPED("Alice <alice@example.net>"));
	ck_assert_ptr_null(dsnx_report_status_part(r));
	dsnx_report_free(r);
}
END_TEST

/* The code travels beside its text: both say the same. */
static void
assert_code(const dsnx_recipient *rc, const char *text, int cls, int subject,
    int detail)
{
	ck_assert_ptr_nonnull(rc->status);
	ck_assert_str_eq(rc->status, text);
	ck_assert_int_eq(rc->code.cls, cls);
	ck_assert_int_eq(rc->code.subject, subject);
	ck_assert_int_eq(rc->code.detail, detail);
}

/*
 * One status filler for every reader: the code in the diagnostic when
 * Status gives none; a reply code alone gives its class only for the
 * non-standard formats.  The same diagnostics, read from an RFC 3464
 * report and from a qmail bounce.
 */
START_TEST(test_status_filler)
{
	dsnx_report *r = read_msg(
	    "From: MAILER-DAEMON@mx.example.net\n"
	    "Subject: Undelivered Mail Returned to Sender\n"
	    "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n"
	    "\n--b\n\nfailed\n--b\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.example.net\n\n"
	    "Final-Recipient: rfc822; a@example.org\nAction: failed\n"
	    "Status: 5.1.1 (unknown user)\n"
	    "Diagnostic-Code: smtp; 550 5.7.1 not this one\n\n"
	    "Final-Recipient: rfc822; b@example.org\nAction: failed\n"
	    "Status: 5.0\n"
	    "Diagnostic-Code: smtp; 550 5.7.1 Relaying denied\n\n"
	    "Final-Recipient: rfc822; c@example.org\nAction: failed\n"
	    "Diagnostic-Code: smtp; 550 No such user here\n"
	    "--b--\n");

	ck_assert_uint_eq(dsnx_report_recipient_count(r), 3);
	assert_code(dsnx_report_recipient(r, 0), "5.1.1", 5, 1, 1);
	assert_code(dsnx_report_recipient(r, 1), "5.7.1", 5, 7, 1);
	/* RFC 3464: no status is invented from a reply code. */
	ck_assert_ptr_null(dsnx_report_recipient(r, 2)->status);
	ck_assert_int_eq(dsnx_report_recipient(r, 2)->reply, 550);
	dsnx_report_free(r);

	r = read_msg(
	    "From: MAILER-DAEMON@mx.example.net\n"
	    "Subject: failure notice\n"
	    "\n"
	    "Hi. This is the qmail-send program at mx.example.net.\n"
	    "I'm afraid I wasn't able to deliver your message to the following"
	    " addresses.\n"
	    "\n"
	    "<b@example.org>:\n"
	    "Remote host said: 550 5.7.1 Relaying denied\n"
	    "\n"
	    "<c@example.org>:\n"
	    "Remote host said: 550 No such user here\n"
	    "\n"
	    "<d@example.org>:\n"
	    "Remote host said: 421 try again later\n"
	    "\n"
	    "<e@example.org>:\n"
	    "Connection refused\n");

	ck_assert_str_eq(dsnx_report_format(r), "qmail");
	ck_assert_uint_eq(dsnx_report_recipient_count(r), 4);
	assert_code(dsnx_report_recipient(r, 0), "5.7.1", 5, 7, 1);
	ck_assert_int_eq(dsnx_report_recipient(r, 0)->reply, 550);
	assert_code(dsnx_report_recipient(r, 1), "5.0.0", 5, 0, 0);
	ck_assert_int_eq(dsnx_report_recipient(r, 1)->reply, 550);
	assert_code(dsnx_report_recipient(r, 2), "4.0.0", 4, 0, 0);
	ck_assert_int_eq(dsnx_report_recipient(r, 2)->reply, 421);
	ck_assert_ptr_null(dsnx_report_recipient(r, 3)->status);
	ck_assert_int_eq(dsnx_report_recipient(r, 3)->reply, 0);
	dsnx_report_free(r);
}
END_TEST

/*
 * The message's own header, read with the report: every field says what
 * the MIME reader says of it (unfolded, RFC 2047 decoded), the first of
 * a name wins, and the values kept are bounded by max_decoded.
 */
#define HEADER_MSG \
	"X-Mailer: =?UTF-8?B?TWFpbGVy?= 1.0\n" \
	"Subject: =?ISO-8859-1?Q?Unzustellbar=3A_gr=FC=DFe?=\n" \
	"Received: from a\n\tby b\n" \
	"Received: from c\n" \
	"From: Mail Delivery System <MAILER-DAEMON@example.net>\n" \
	"\n" \
	"body\n"

START_TEST(test_own_header)
{
	dsnx_report *r = read_msg(HEADER_MSG);
	dsnx_mime *m;
	dsnx_limits lim;
	dsnx_context *small;
	unsigned i;

	ck_assert_uint_eq(dsnx_report_header_count(r), 5);
	ck_assert_str_eq(dsnx_report_header(r, "SUBJECT"), "Unzustellbar: grüße");
	ck_assert_str_eq(dsnx_report_header(r, "x-mailer"), "Mailer 1.0");
	/* Unfolding removes the line end only (RFC 5322 2.2.3). */
	ck_assert_str_eq(dsnx_report_header(r, "received"), "from a\tby b");
	ck_assert_ptr_null(dsnx_report_header(r, "to"));
	ck_assert_str_eq(dsnx_report_header_field(r, 3)->name, "Received");
	ck_assert_str_eq(dsnx_report_header_field(r, 3)->value, "from c");
	ck_assert_ptr_null(dsnx_report_header_field(r, 5));
	ck_assert_str_eq(dsnx_report_subject(r), dsnx_report_header(r, "subject"));
	ck_assert_str_eq(dsnx_report_from(r), dsnx_report_header(r, "from"));
	/* Each first field of a name as the MIME reader decodes it. */
	ck_assert_int_eq(dsnx_mime_parse(HEADER_MSG, strlen(HEADER_MSG), NULL,
	    &m), DSNX_OK);
	for (i = 0; i < dsnx_report_header_count(r); i++) {
		const char *name = dsnx_report_header_field(r, i)->name;

		ck_assert_str_eq(dsnx_report_header(r, name),
		    dsnx_part_header_get(m, dsnx_mime_root(m), name, 1));
	}
	dsnx_mime_free(m);
	dsnx_report_free(r);

	/* Values past max_decoded are not kept. */
	dsnx_limits_init(&lim);
	lim.max_decoded = 20;
	ck_assert_int_eq(dsnx_context_new(&lim, &small, NULL), DSNX_OK);
	ck_assert_int_eq(dsnx_report_read(small, HEADER_MSG, strlen(HEADER_MSG),
	    &r), DSNX_OK);
	ck_assert_uint_eq(dsnx_report_header_count(r), 2);
	ck_assert_ptr_nonnull(dsnx_report_subject(r));
	ck_assert_ptr_null(dsnx_report_from(r));
	dsnx_report_free(r);
	dsnx_context_free(small);
}
END_TEST

START_TEST(test_recipient_limit)
{
	dsnx_limits lim;
	dsnx_context *small;
	dsnx_report *r;
	const char *msg =
	    "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n"
	    "\n--b\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; x\n\n"
	    "Final-Recipient: rfc822; 1@example.org\nAction: failed\nStatus: 5.0.0\n\n"
	    "Final-Recipient: rfc822; 2@example.org\nAction: failed\nStatus: 5.0.0\n\n"
	    "Final-Recipient: rfc822; 3@example.org\nAction: failed\nStatus: 5.0.0\n"
	    "--b--\n";

	dsnx_limits_init(&lim);
	lim.max_recipients = 2;
	ck_assert_int_eq(dsnx_context_new(&lim, &small, NULL), DSNX_OK);
	ck_assert_int_eq(dsnx_report_read(small, msg, strlen(msg), &r), DSNX_OK);
	ck_assert(dsnx_report_is_dsn(r));
	ck_assert_uint_eq(dsnx_report_recipient_count(r), 2);
	ck_assert(dsnx_report_flags(r) & DSNX_REPORT_TRUNCATED);
	dsnx_report_free(r);
	dsnx_context_free(small);
}
END_TEST

/* The recipient reported is a mail address: an X.400 or bare local
 * Final-Recipient gives way to an Original-Recipient that is one; a
 * Final-Recipient that is an address stays, whatever the original. */
START_TEST(test_recipient_is_an_address)
{
	static const char msg[] =
	    "From: postmaster@gw.example.net\r\n"
	    "To: sender@example.com\r\nSubject: Delivery failure\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/report; report-type=delivery-status;"
	    " boundary=\"B\"\r\n\r\n"
	    "--B\r\nContent-Type: text/plain\r\n\r\nNot delivered.\r\n"
	    "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
	    "Reporting-MTA: dns; gw.example.net\r\n\r\n"
	    "Original-Recipient: rfc822;kate@example.org\r\n"
	    "Final-Recipient: X400; /C=US/ADMD= /PRMD=Corp/O=Org/S=Kate/\r\n"
	    "Action: failed\r\nStatus: 5.1.1\r\n\r\n"
	    "Final-Recipient: rfc822; postmaster\r\n"
	    "Original-Recipient: rfc822; abuse@example.org\r\n"
	    "Action: failed\r\nStatus: 5.1.1\r\n\r\n"
	    "Final-Recipient: rfc822; lee@example.org\r\n"
	    "Original-Recipient: rfc822; team@example.org\r\n"
	    "Action: failed\r\nStatus: 5.1.1\r\n"
	    "\r\n--B--\r\n";
	dsnx_report *r = read_msg(msg);

	ck_assert_uint_eq(dsnx_report_recipient_count(r), 3);
	ck_assert_str_eq(dsnx_report_recipient(r, 0)->recipient,
	    "kate@example.org");
	ck_assert_ptr_nonnull(strstr(dsnx_report_recipient(r, 0)->final_recipient,
	    "X400"));
	ck_assert_str_eq(dsnx_report_recipient(r, 1)->recipient,
	    "abuse@example.org");
	ck_assert_str_eq(dsnx_report_recipient(r, 2)->recipient,
	    "lee@example.org");
	dsnx_report_free(r);
}
END_TEST

START_TEST(test_arguments)
{
	dsnx_report *r = NULL;

	ck_assert_int_eq(dsnx_report_read(NULL, "x", 1, &r), DSNX_EINVAL);
	ck_assert_int_eq(dsnx_report_read(ctx, NULL, 1, &r), DSNX_EINVAL);
	ck_assert_int_eq(dsnx_report_read(ctx, "x", 1, NULL), DSNX_EINVAL);
	ck_assert_int_eq(dsnx_context_new(NULL, NULL, NULL), DSNX_EINVAL);
	ck_assert_str_eq(dsnx_strstatus(DSNX_ELIMIT), "limit exceeded");
	dsnx_report_free(NULL);
	dsnx_context_free(NULL);
	ck_assert_uint_eq(dsnx_context_limits(ctx)->max_depth, 32);
}
END_TEST

static Suite *
report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_feedback_report);
	tcase_add_test(tc, test_auto_reply);
	tcase_add_test(tc, test_read_receipt);
	tcase_add_test(tc, test_ordinary_mail);
	tcase_add_test(tc, test_quoted_report_ignored);
	tcase_add_test(tc, test_header_accessors);
	tcase_add_test(tc, test_returned_part);
	tcase_add_test(tc, test_global_read_receipt);
	tcase_add_test(tc, test_bounce_sender);
	tcase_add_test(tc, test_status_filler);
	tcase_add_test(tc, test_own_header);
	tcase_add_test(tc, test_recipient_limit);
	tcase_add_test(tc, test_arguments);
	tcase_add_test(tc, test_recipient_is_an_address);
	tcase_add_test(tc, test_recipient_excerpt);
	tcase_add_test(tc, test_recipient_excerpt_edges);
	tcase_add_test(tc, test_recipient_excerpt_label);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(report_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
