/*
 * test_nonstd - unit tests for lib/nonstd.c and the table in formats.c
 *
 * Bounces without a delivery-status part, one per family of wording
 * (qmail, Exim, old Sendmail, Gmail, HTML-only, plain prose), the
 * fallbacks (X-Failed-Recipients, the returned message's To:), RFC 3464
 * fields printed in prose (read as a report's are), and pattern compile
 * errors naming format and pattern.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsnexplain.h"
#include "nonstd.h"

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

START_TEST(test_qmail)
{
	dsnx_report *r = read_msg(
	    "From: MAILER-DAEMON@mx.example.net\n"
	    "Subject: failure notice\n"
	    "\n"
	    "Hi. This is the qmail-send program at mx.example.net.\n"
	    "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
	    "This is a permanent error; I've given up. Sorry it didn't work out.\n"
	    "\n"
	    "<carol@example.org>:\n"
	    "192.0.2.9 does not like recipient.\n"
	    "Remote host said: 550 5.1.1 <carol@example.org>: Recipient unknown\n"
	    "Giving up on 192.0.2.9.\n"
	    "\n"
	    "<dave@example.org>:\n"
	    "Sorry, I couldn't find any host named example.org. (#5.1.2)\n"
	    "\n"
	    "--- Below this line is a copy of the message.\n"
	    "\n"
	    "To: <eve@example.com>\n"
	    "Subject: hello\n");
	const dsnx_recipient *a, *b;

	ck_assert(dsnx_report_is_dsn(r));
	ck_assert_str_eq(dsnx_report_format(r), "qmail");
	ck_assert_uint_eq(dsnx_report_recipient_count(r), 2);
	a = dsnx_report_recipient(r, 0);
	b = dsnx_report_recipient(r, 1);
	ck_assert_str_eq(a->recipient, "carol@example.org");
	ck_assert_str_eq(a->status, "5.1.1");
	ck_assert_int_eq(a->reply, 550);
	ck_assert_ptr_null(a->action);
	ck_assert_ptr_nonnull(strstr(a->diagnostic, "Recipient unknown"));
	/* The diagnostic stops before the next recipient. */
	ck_assert_ptr_null(strstr(a->diagnostic, "dave"));
	ck_assert_str_eq(b->recipient, "dave@example.org");
	ck_assert_str_eq(b->status, "5.1.2");
	/* The returned copy is not read as recipients. */
	ck_assert_ptr_null(strstr(b->diagnostic, "eve@"));
	dsnx_report_free(r);
}
END_TEST

/* A recipient's text in prose longer than the 2,048 bytes a diagnostic
 * keeps: the diagnostic is its start, marked cut; a short one is not. */
START_TEST(test_qmail_long_diagnostic_cut)
{
	char *msg = NULL;
	size_t len = 0, i;
	FILE *fp = open_memstream(&msg, &len);
	dsnx_report *r;
	const dsnx_recipient *a, *b;

	ck_assert_ptr_nonnull(fp);
	fputs("From: MAILER-DAEMON@mx.example.net\n"
	    "Subject: failure notice\n\n"
	    "Hi. This is the qmail-send program at mx.example.net.\n"
	    "I'm afraid I wasn't able to deliver your message to the following "
	    "addresses.\nThis is a permanent error; I've given up. Sorry it "
	    "didn't work out.\n\n<carol@example.org>:\n"
	    "Remote host said: 552 5.2.2 mailbox full", fp);
	for (i = 0; i < 600; i++)
		fputs(" blah", fp);
	fputs("\n\n<dave@example.org>:\n"
	    "Sorry, I couldn't find any host named example.org. (#5.1.2)\n\n"
	    "--- Below this line is a copy of the message.\n\n"
	    "To: <eve@example.com>\nSubject: hello\n", fp);
	ck_assert_int_eq(fclose(fp), 0);
	r = read_msg(msg);
	ck_assert_uint_eq(dsnx_report_recipient_count(r), 2);
	a = dsnx_report_recipient(r, 0);
	b = dsnx_report_recipient(r, 1);
	ck_assert_ptr_nonnull(a->diagnostic);
	ck_assert_uint_le(strlen(a->diagnostic), 2048);
	ck_assert_int_eq(a->diagnostic_cut, 1);
	ck_assert_ptr_nonnull(b->diagnostic);
	ck_assert_int_eq(b->diagnostic_cut, 0);
	dsnx_report_free(r);
	free(msg);
}
END_TEST

START_TEST(test_exim)
{
	dsnx_report *r = read_msg(
	    "From: Mail Delivery System <Mailer-Daemon@mx.example.net>\n"
	    "Subject: Mail delivery failed: returning message to sender\n"
	    "X-Failed-Recipients: frank@example.org\n"
	    "\n"
	    "This message was created automatically by mail delivery software.\n"
	    "\n"
	    "A message that you sent could not be delivered to one or more of its\n"
	    "recipients. This is a permanent error. The following address(es) failed:\n"
	    "\n"
	    "  frank@example.org\n"
	    "    host mx.example.org [192.0.2.4]\n"
	    "    SMTP error from remote mail server after RCPT TO:<frank@example.org>:\n"
	    "    552 5.2.2 Mailbox over quota\n"
	    "\n"
	    "------ This is a copy of the message, including all the headers. ------\n"
	    "\n"
	    "To: gina@example.com\n");
	const dsnx_recipient *a;

	ck_assert(dsnx_report_is_dsn(r));
	ck_assert_str_eq(dsnx_report_format(r), "exim");
	ck_assert_uint_eq(dsnx_report_recipient_count(r), 1);
	a = dsnx_report_recipient(r, 0);
	ck_assert_str_eq(a->recipient, "frank@example.org");
	ck_assert_str_eq(a->status, "5.2.2");
	ck_assert_int_eq(a->reply, 552);
	dsnx_report_free(r);
}
END_TEST

START_TEST(test_adjacent_recipients)
{
	/* Addresses on consecutive indented lines: each recipient's text
	 * ends where the next one's line starts (a stretch running past it
	 * once read out of bounds). */
	dsnx_report *r = read_msg(
	    "From: Mail Delivery System <Mailer-Daemon@mx.example.net>\n"
	    "Subject: Mail delivery failed: returning message to sender\n"
	    "\n"
	    "This message was created automatically by mail delivery software.\n"
	    "\n"
	    "A message that you sent could not be delivered to one or more of its\n"
	    "recipients. This is a permanent error. The following address(es) failed:\n"
	    "\n"
	    "  la@example.org\n"
	    "  lb@example.org\n"
	    "    550 5.1.1 No such user\n");

	ck_assert(dsnx_report_is_dsn(r));
	ck_assert_uint_eq(dsnx_report_recipient_count(r), 2);
	ck_assert_str_eq(dsnx_report_recipient(r, 0)->recipient, "la@example.org");
	ck_assert_str_eq(dsnx_report_recipient(r, 1)->recipient, "lb@example.org");
	ck_assert_str_eq(dsnx_report_recipient(r, 1)->status, "5.1.1");
	if (dsnx_report_recipient(r, 0)->diagnostic != NULL)
		ck_assert_ptr_null(strstr(dsnx_report_recipient(r, 0)->diagnostic,
		    "lb@"));
	dsnx_report_free(r);
}
END_TEST

START_TEST(test_failed_recipients_fallback)
{
	/* Exim's marker, but no indented address: the header names them. */
	dsnx_report *r = read_msg(
	    "From: Mail Delivery System <Mailer-Daemon@mx.example.net>\n"
	    "Subject: Mail delivery failed\n"
	    "X-Failed-Recipients: h@example.org, i@example.org\n"
	    "\n"
	    "This message was created automatically by mail delivery software.\n"
	    "retry timeout exceeded\n");

	ck_assert(dsnx_report_is_dsn(r));
	ck_assert_uint_eq(dsnx_report_recipient_count(r), 2);
	ck_assert_str_eq(dsnx_report_recipient(r, 1)->recipient, "i@example.org");
	ck_assert_str_eq(dsnx_report_recipient(r, 0)->diagnostic,
	    "This message was created automatically by mail delivery software. "
	    "retry timeout exceeded");
	dsnx_report_free(r);
}
END_TEST

START_TEST(test_old_sendmail)
{
	dsnx_report *r = read_msg(
	    "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>\n"
	    "Subject: Returned mail: User unknown\n"
	    "\n"
	    "   ----- The following addresses had permanent fatal errors -----\n"
	    "<judy@example.org>\n"
	    "\n"
	    "   ----- Transcript of session follows -----\n"
	    "... while talking to mx.example.org.:\n"
	    ">>> RCPT To:<judy@example.org>\n"
	    "<<< 550 5.1.1 <judy@example.org>... User unknown\n"
	    "\n"
	    "   ----- Original message follows -----\n");

	ck_assert(dsnx_report_is_dsn(r));
	ck_assert_str_eq(dsnx_report_format(r), "sendmail");
	ck_assert_uint_eq(dsnx_report_recipient_count(r), 1);
	ck_assert_str_eq(dsnx_report_recipient(r, 0)->recipient, "judy@example.org");
	dsnx_report_free(r);
}
END_TEST

START_TEST(test_v5_transcript_reply_above)
{
	/* MAIL FROM refused: the reason is the reply above the recipient's
	 * line; the line after it is about another host. */
	dsnx_report *r = read_msg(
	    "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>\n"
	    "Subject: Returned mail: Remote protocol error\n"
	    "\n"
	    "   ----- Transcript of session follows -----\n"
	    "While talking to mx.example.edu:\n"
	    ">>> MAIL From:<ann@example.jp>\n"
	    "<<< 550 Insecure Mail Relay\n"
	    "554 <bob@example.edu>... Remote protocol error\n"
	    "421 example.org (smtp)... Deferred: Connection timed out\n"
	    "\n"
	    "   ----- Unsent message follows -----\n");
	const dsnx_recipient *b;

	ck_assert(dsnx_report_is_dsn(r));
	ck_assert_str_eq(dsnx_report_format(r), "v5sendmail");
	ck_assert_uint_eq(dsnx_report_recipient_count(r), 1);
	b = dsnx_report_recipient(r, 0);
	ck_assert_str_eq(b->recipient, "bob@example.edu");
	ck_assert_str_eq(b->diagnostic, "550 Insecure Mail Relay Remote protocol error");
	ck_assert_str_eq(b->status, "5.0.0");
	dsnx_report_free(r);
}
END_TEST

START_TEST(test_html_only)
{
	dsnx_report *r = read_msg(
	    "From: postmaster@example.net\n"
	    "Subject: Undeliverable: hello\n"
	    "Content-Type: text/html; charset=utf-8\n"
	    "\n"
	    "<html><body><p>Delivery has failed to these recipients:</p>"
	    "<p>kim&#64;example.org</p><p>Remote server returned "
	    "'550 5.4.1 Recipient address rejected: Access denied'</p>"
	    "<script>alert(1)</script></body></html>\n");

	ck_assert(dsnx_report_is_dsn(r));
	ck_assert_uint_eq(dsnx_report_recipient_count(r), 1);
	ck_assert_str_eq(dsnx_report_recipient(r, 0)->recipient, "kim@example.org");
	ck_assert_str_eq(dsnx_report_recipient(r, 0)->status, "5.4.1");
	ck_assert_ptr_null(strstr(dsnx_report_recipient(r, 0)->diagnostic, "alert"));
	dsnx_report_free(r);
}
END_TEST

START_TEST(test_not_a_bounce_from_postmaster)
{
	/* A postmaster writing a normal note is no bounce. */
	dsnx_report *r = read_msg(
	    "From: postmaster@example.net\n"
	    "Subject: maintenance tonight\n"
	    "\n"
	    "The mail server will restart at 22:00.\n");

	ck_assert(!dsnx_report_is_dsn(r));
	dsnx_report_free(r);
}
END_TEST

/*
 * RFC 3464 fields printed in a bounce's prose are read by the same
 * reader as a real delivery-status part: the same block gives the same
 * recipient, action, status (code and text), diagnostic type and text.
 */
#define EMBEDDED_BLOCK \
	"Final-Recipient: rfc822; <bob@example.org>\n" \
	"Action: Delayed\n" \
	"Status: 4.4.1 (connection timed out)\n" \
	"Diagnostic-Code: X-Postfix; connect to mx.example.org[192.0.2.1]:25:\n" \
	"    Connection timed out\n"

START_TEST(test_embedded_fields)
{
	dsnx_report *prose = read_msg(
	    "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\n"
	    "Subject: Undelivered Mail Returned to Sender\n"
	    "\n"
	    "This is the mail system at host mx.example.net.\n"
	    "\n"
	    "<ann@example.org>: host mx.example.org said: 550 5.1.1 unknown\n"
	    "\n"
	    "Final-Recipient: rfc822; ann@example.org\n"
	    "Action: failed\n"
	    "Status: 5.2.2\n"
	    "\n"
	    EMBEDDED_BLOCK);
	dsnx_report *dsn = read_msg(
	    "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\n"
	    "Subject: Undelivered Mail Returned to Sender\n"
	    "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n"
	    "\n--b\n\ndelayed\n--b\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.example.net\n\n"
	    EMBEDDED_BLOCK
	    "--b--\n");
	const dsnx_recipient *ann, *a, *b;

	ck_assert_str_eq(dsnx_report_format(prose), "postfix");
	ck_assert_uint_eq(dsnx_report_recipient_count(prose), 2);
	/* Found by the prose: the block adds its Action, but not its Status,
	 * since the diagnostic holds a code of its own. */
	ann = dsnx_report_recipient(prose, 0);
	ck_assert_str_eq(ann->recipient, "ann@example.org");
	ck_assert_str_eq(ann->action, "failed");
	ck_assert_str_eq(ann->status, "5.1.1");
	/* Added by the block: read as the report reads it. */
	a = dsnx_report_recipient(prose, 1);
	b = dsnx_report_recipient(dsn, 0);
	ck_assert_str_eq(b->recipient, "bob@example.org");
	ck_assert_str_eq(a->recipient, b->recipient);
	ck_assert_str_eq(b->action, "delayed");
	ck_assert_str_eq(a->action, b->action);
	ck_assert_str_eq(b->status, "4.4.1");
	ck_assert_str_eq(a->status, b->status);
	ck_assert_int_eq(a->code.cls, 4);
	ck_assert_int_eq(a->code.subject, 4);
	ck_assert_int_eq(a->code.detail, 1);
	ck_assert_str_eq(b->diagnostic_type, "X-Postfix");
	ck_assert_str_eq(a->diagnostic_type, b->diagnostic_type);
	ck_assert_str_eq(b->diagnostic,
	    "connect to mx.example.org[192.0.2.1]:25: Connection timed out");
	ck_assert_str_eq(a->diagnostic, b->diagnostic);
	dsnx_report_free(prose);
	dsnx_report_free(dsn);
}
END_TEST

/*
 * A bounce of a format no description knows is read by its structure:
 * null sender, a mailer daemon, a failure subject, failure wording and
 * an address near it.  The same words in a person's mail, from a person
 * to a person, are not a bounce.  Both say why in their signals.
 */
START_TEST(test_structure)
{
	static const char bounce[] =
	    "Return-Path: <>\r\n"
	    "From: MAILER-DAEMON@relay.example.net\r\n"
	    "To: sender@example.com\r\n"
	    "Subject: Email Delivery Failure\r\n\r\n"
	    "This notification tells you that an email you addressed to:\r\n"
	    "  ~~ ann@example.org ~~\r\n"
	    "could not be delivered.  The problem appears to be:\r\n"
	    "  ~~ 550 5.1.1 mailbox unavailable\r\n";
	static const char person[] =
	    "Return-Path: <bob@example.com>\r\n"
	    "From: Bob <bob@example.com>\r\n"
	    "To: ann@example.org\r\n"
	    "Subject: about yesterday\r\n\r\n"
	    "My mail to carl@example.net could not be delivered, he says\r\n"
	    "his mailbox is full.  Can you tell him?\r\n";
	static const char person_subject[] =
	    "Return-Path: <bob@example.com>\r\n"
	    "From: Bob <bob@example.com>\r\n"
	    "To: ann@example.org\r\n"
	    "Subject: undeliverable mail to Carl\r\n\r\n"
	    "My mail to carl@example.net could not be delivered, he says\r\n"
	    "his mailbox is full.  Can you tell him?\r\n";
	dsnx_report *r = read_msg(bounce);
	const char *why;

	ck_assert(dsnx_report_is_dsn(r));
	ck_assert_str_eq(dsnx_report_format(r), "structure");
	ck_assert_uint_eq(dsnx_report_recipient_count(r), 1);
	ck_assert_str_eq(dsnx_report_recipient(r, 0)->recipient,
	    "ann@example.org");
	ck_assert_ptr_nonnull(why = dsnx_report_detection(r));
	ck_assert_ptr_nonnull(strstr(why, "null-sender +2"));
	ck_assert_ptr_nonnull(strstr(why, "address-near-wording +2"));
	ck_assert_ptr_nonnull(strstr(why, "absent: auto-submitted"));
	dsnx_report_free(r);

	/* Nothing but the text could speak for a bounce, and the text
	 * alone cannot make one: it is not read. */
	r = read_msg(person);
	ck_assert(!dsnx_report_is_dsn(r));
	ck_assert_ptr_nonnull(why = dsnx_report_detection(r));
	ck_assert_ptr_nonnull(strstr(why, "not a bounce"));
	ck_assert_ptr_nonnull(strstr(why, "absent: null-sender"));
	ck_assert_ptr_nonnull(strstr(why, "the text was not read"));
	ck_assert_ptr_null(strstr(why, "failure-wording +"));
	dsnx_report_free(r);

	/* A bounce-like Subject could make it: the text is read, and its
	 * wording and address still fall short of the sender signals. */
	r = read_msg(person_subject);
	ck_assert(!dsnx_report_is_dsn(r));
	ck_assert_ptr_nonnull(why = dsnx_report_detection(r));
	ck_assert_ptr_nonnull(strstr(why, "not a bounce"));
	ck_assert_ptr_nonnull(strstr(why, "failure-wording +2"));
	ck_assert_ptr_nonnull(strstr(why, "address-near-wording +2"));
	ck_assert_ptr_null(strstr(why, "not read"));
	dsnx_report_free(r);
}
END_TEST

/* A bounce a person forwarded is read from the forwarded notice on: its
 * recipient, not the forwarder nor the forwarded header's addresses.
 * The same separator in a reply, or above a person's own mail, is no
 * bounce. */
START_TEST(test_forwarded_notice)
{
	static const char gmail_fwd[] =
	    "From: Frank <frank@example.com>\r\n"
	    "To: help@example.com\r\n"
	    "Subject: Fwd: Returned mail: see transcript for details\r\n\r\n"
	    "It bounced, why?\r\n\r\n"
	    "---------- Forwarded message ---------\r\n"
	    "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>\r\n"
	    "Date: Mon, 7 Dec 2026 09:00:00 +0000\r\n"
	    "Subject: Returned mail: see transcript for details\r\n"
	    "To: frank@example.com\r\n\r\n"
	    "   ----- The following addresses had permanent fatal errors -----\r\n"
	    "<gina@example.net>\r\n"
	    "    (reason: 550 5.1.1 User unknown)\r\n";
	static const char outlook_fw[] =
	    "From: Frank <frank@example.com>\r\n"
	    "To: help@example.com\r\n"
	    "Subject: WG: Unzustellbar: hello\r\n\r\n"
	    "-----Original Message-----\r\n"
	    "From: Microsoft Outlook <postmaster@example.org>\r\n"
	    "Sent: Monday, December 7, 2026 9:00 AM\r\n"
	    "To: Frank <frank@example.com>\r\n"
	    "Subject: Undeliverable: hello\r\n\r\n"
	    "Delivery has failed to these recipients or groups:\r\n\r\n"
	    "lena@example.org\r\n"
	    "The email address you entered couldn't be found.\r\n";
	static const char reply[] =
	    "From: Frank <frank@example.com>\r\n"
	    "To: help@example.com\r\n"
	    "Subject: RE: Undeliverable: hello\r\n\r\n"
	    "Thanks, fixed.\r\n\r\n"
	    "-----Original Message-----\r\n"
	    "From: Microsoft Outlook <postmaster@example.org>\r\n"
	    "Subject: Undeliverable: hello\r\n\r\n"
	    "Delivery has failed to these recipients or groups:\r\n\r\n"
	    "lena@example.org\r\n";
	static const char person_fwd[] =
	    "From: Frank <frank@example.com>\r\n"
	    "To: help@example.com\r\n"
	    "Subject: Fwd: trip\r\n\r\n"
	    "---------- Forwarded message ---------\r\n"
	    "From: Ann <ann@example.org>\r\n"
	    "Subject: trip\r\n\r\n"
	    "My mail to carl@example.net could not be delivered, he says.\r\n";
	dsnx_report *r = read_msg(gmail_fwd);
	const char *why;

	ck_assert(dsnx_report_is_dsn(r));
	ck_assert_str_eq(dsnx_report_format(r), "structure");
	ck_assert_uint_eq(dsnx_report_recipient_count(r), 1);
	ck_assert_str_eq(dsnx_report_recipient(r, 0)->recipient,
	    "gina@example.net");
	ck_assert_ptr_nonnull(why = dsnx_report_detection(r));
	ck_assert_ptr_nonnull(strstr(why, "forwarded-notice +3"));
	dsnx_report_free(r);

	r = read_msg(outlook_fw);
	ck_assert(dsnx_report_is_dsn(r));
	ck_assert_uint_eq(dsnx_report_recipient_count(r), 1);
	ck_assert_str_eq(dsnx_report_recipient(r, 0)->recipient,
	    "lena@example.org");
	dsnx_report_free(r);

	r = read_msg(reply);
	ck_assert(!dsnx_report_is_dsn(r));
	ck_assert_ptr_nonnull(why = dsnx_report_detection(r));
	ck_assert_ptr_nonnull(strstr(why, "absent:"));
	ck_assert_ptr_nonnull(strstr(strstr(why, "absent:"), "forwarded-notice"));
	dsnx_report_free(r);

	r = read_msg(person_fwd);
	ck_assert(!dsnx_report_is_dsn(r));
	dsnx_report_free(r);
}
END_TEST

/* A recipient the structure found takes the reply its own lines quote
 * as its diagnostic, and its status from there. */
START_TEST(test_structure_reply_from_transcript)
{
	static const char msg[] =
	    "From: MDaemon@example.net\r\n"
	    "To: sender@example.com\r\n"
	    "Subject: Permanent Delivery Failure\r\n\r\n"
	    "The attached message had PERMANENT fatal delivery errors!\r\n\r\n"
	    "--- Session Transcript ---\r\n"
	    " 10:00:00: *  To: pat@example.org\r\n"
	    " 10:00:01: --> RCPT To:<pat@example.org>\r\n"
	    " 10:00:01: <-- 550 5.1.1 <pat@example.org>... User unknown\r\n"
	    "--- End Transcript ---\r\n";
	dsnx_report *r = read_msg(msg);
	const dsnx_recipient *rc;

	ck_assert(dsnx_report_is_dsn(r));
	ck_assert_str_eq(dsnx_report_format(r), "structure");
	ck_assert_uint_eq(dsnx_report_recipient_count(r), 1);
	rc = dsnx_report_recipient(r, 0);
	ck_assert_str_eq(rc->recipient, "pat@example.org");
	ck_assert_ptr_nonnull(rc->diagnostic);
	ck_assert_msg(strncmp(rc->diagnostic, "550 5.1.1 <pat@example.org>", 27)
	    == 0, "diagnostic %s", rc->diagnostic);
	ck_assert_str_eq(rc->status, "5.1.1");
	ck_assert_int_eq(rc->reply, 550);
	dsnx_report_free(r);
}
END_TEST

/* A notice in another language is a bounce by the same signals: its
 * Subject and failure wording are known in the languages we write. */
START_TEST(test_structure_localized)
{
	static const char msg[] =
	    "From: Microsoft Outlook <postmaster@example.net>\r\n"
	    "To: sender@example.com\r\n"
	    "Subject: Unzustellbar: hallo\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
	    "Die Zustellung an folgende Empf\xc3\xa4nger oder Gruppen ist "
	    "fehlgeschlagen:\r\n\r\n"
	    "anna@example.org\r\n"
	    "Die eingegebene E-Mail-Adresse wurde nicht gefunden.\r\n";
	dsnx_report *r = read_msg(msg);

	ck_assert(dsnx_report_is_dsn(r));
	ck_assert_uint_eq(dsnx_report_recipient_count(r), 1);
	ck_assert_str_eq(dsnx_report_recipient(r, 0)->recipient,
	    "anna@example.org");
	dsnx_report_free(r);
}
END_TEST

/* Exchange writes "'addr' on DATE": the quotes are not the address's. */
START_TEST(test_quoted_address)
{
	static const char msg[] =
	    "From: System Administrator <postmaster@example.org>\r\n"
	    "To: sender@example.com\r\n"
	    "Subject: Undeliverable: report\r\n\r\n"
	    "Your message did not reach some or all of the intended recipients.\r\n\r\n"
	    "The following recipient(s) could not be reached:\r\n\r\n"
	    "      'jack@example.org' on 12/7/2026 9:01 AM\r\n"
	    "            The recipient name is not recognized\r\n";
	dsnx_report *r = read_msg(msg);

	ck_assert(dsnx_report_is_dsn(r));
	ck_assert_uint_eq(dsnx_report_recipient_count(r), 1);
	ck_assert_str_eq(dsnx_report_recipient(r, 0)->recipient,
	    "jack@example.org");
	dsnx_report_free(r);
}
END_TEST

/* "The first N lines of your original message follow:" ends the notice,
 * even with the returned header run on in the same line: the
 * recipient's text stops there. */
START_TEST(test_returned_marker_first_lines)
{
	dsnx_report *r = read_msg(
	    "Return-Path: <>\n"
	    "From: Postmaster@example.ch\n"
	    "To: jack@example.com\n"
	    "Subject: Mail Delivery Failure\n\n"
	    "Delivery of email to this address\n\n"
	    "\"sd@example.ch\"\n\n"
	    "has failed due to a full mailbox.  We have already made numerous\n"
	    "attempts to deliver this message over the last few days.\n\n"
	    "The first 50 lines of your original message follow:> Received: "
	    "from mx.example.net\n"
	    ">       for <sd@example.ch>; Sun, 31 Jan 2010 02:17:45 +0100\n"
	    "> From: Jack <jack@example.com>\n"
	    "> Subject: Free money, click here\n");
	const dsnx_recipient *rc;

	ck_assert(dsnx_report_is_dsn(r));
	ck_assert_uint_eq(dsnx_report_recipient_count(r), 1);
	rc = dsnx_report_recipient(r, 0);
	ck_assert_str_eq(rc->recipient, "sd@example.ch");
	ck_assert_ptr_nonnull(rc->diagnostic);
	ck_assert_ptr_nonnull(strstr(rc->diagnostic, "full mailbox"));
	ck_assert_ptr_null(strstr(rc->diagnostic, "Received"));
	ck_assert_ptr_null(strstr(rc->diagnostic, "money"));
	dsnx_report_free(r);
}
END_TEST

/* What a recipient's excerpt reads stops where the inline returned
 * message starts: its Received line naming the recipient is not the
 * notice's. */
START_TEST(test_excerpt_stops_at_returned)
{
	dsnx_report *r = read_msg(
	    "Return-Path: <>\r\n"
	    "From: MAILER-DAEMON@relay.example.net\r\n"
	    "To: sender@example.com\r\n"
	    "Subject: Email Delivery Failure\r\n\r\n"
	    "This notification tells you that an email you addressed to:\r\n"
	    "  ~~ ann@example.org ~~\r\n"
	    "could not be delivered.\r\n\r\n"
	    "Received: from mx.example.com by relay.example.net\r\n"
	    "\tfor <ann@example.org>; Sun, 31 Jan 2010 02:17:45 +0100\r\n"
	    "Subject: hello\r\n\r\nhello\r\n");
	const char *x;

	ck_assert(dsnx_report_is_dsn(r));
	ck_assert_str_eq(dsnx_report_format(r), "structure");
	ck_assert_uint_eq(dsnx_report_recipient_count(r), 1);
	x = dsnx_report_recipient_excerpt(r, 0);
	ck_assert_msg(x == NULL || strstr(x, "2010") == NULL,
	    "the excerpt reads the returned message: %s", x);
	dsnx_report_free(r);
}
END_TEST

START_TEST(test_compile_error)
{
	static const dsnx_format_def bad[] = {
		{ .name = "broken", .marker = "ok", .recipient = "(unclosed" },
		{ .name = NULL }
	};
	dsnx_formats *f = (dsnx_formats *)1;
	dsnx_error_t err;

	ck_assert_int_eq(dsnx_formats_compile(bad, &f, &err), DSNX_EPARSE);
	ck_assert_ptr_null(f);
	ck_assert_str_eq(err.source, "format broken, recipient pattern");
	ck_assert_int_eq(err.column, 10);
	ck_assert(strlen(err.text) > 0);
	/* The shipped table compiles. */
	ck_assert_int_eq(dsnx_formats_compile(dsnx_format_table, &f, &err), DSNX_OK);
	dsnx_formats_free(f);
}
END_TEST

static Suite *
nonstd_suite(void)
{
	Suite *s = suite_create("nonstd");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_qmail);
	tcase_add_test(tc, test_qmail_long_diagnostic_cut);
	tcase_add_test(tc, test_exim);
	tcase_add_test(tc, test_v5_transcript_reply_above);
	tcase_add_test(tc, test_adjacent_recipients);
	tcase_add_test(tc, test_failed_recipients_fallback);
	tcase_add_test(tc, test_old_sendmail);
	tcase_add_test(tc, test_html_only);
	tcase_add_test(tc, test_not_a_bounce_from_postmaster);
	tcase_add_test(tc, test_embedded_fields);
	tcase_add_test(tc, test_compile_error);
	tcase_add_test(tc, test_structure);
	tcase_add_test(tc, test_forwarded_notice);
	tcase_add_test(tc, test_quoted_address);
	tcase_add_test(tc, test_structure_localized);
	tcase_add_test(tc, test_structure_reply_from_transcript);
	tcase_add_test(tc, test_returned_marker_first_lines);
	tcase_add_test(tc, test_excerpt_stops_at_returned);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(nonstd_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
