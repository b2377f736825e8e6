/*
 * test_dsn - unit tests for lib/dsn.c (RFC 3464 / 6533 field groups)
 *
 * Exercised through dsnx_report_read(), since the delivery-status reader
 * fills a report: per-message and per-recipient fields, folding, dates,
 * extension fields, the deviations of real MTAs (missing blank lines,
 * indentation, comments after Status), the global (UTF-8) variant, the
 * status code kept beside its text, and the one recipient-field reader
 * nonstd.c shares.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsn.h"
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

#define WRAP_FORMAT \
	"From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\n" \
	"Subject: Undelivered Mail Returned to Sender\n" \
	"Content-Type: multipart/report; report-type=delivery-status;\n" \
	"\tboundary=\"XX\"\n" \
	"\n" \
	"--XX\n" \
	"Content-Type: text/plain\n" \
	"\n" \
	"I'm sorry to have to inform you...\n" \
	"--XX\n" \
	"Content-Type: message/%s\n" \
	"%s" \
	"\n" \
	"%s" \
	"--XX\n" \
	"Content-Type: text/rfc822-headers\n" \
	"\n" \
	"Subject: hi\n" \
	"--XX--\n"

/* Wraps delivery-status text in a multipart/report message. */
static char *
wrap(const char *subtype, const char *cte, const char *status_text)
{
	size_t n = strlen(WRAP_FORMAT) + strlen(subtype) + strlen(cte)
	    + strlen(status_text) + 1;
	char *buf = malloc(n);

	ck_assert_ptr_nonnull(buf);
	snprintf(buf, n, WRAP_FORMAT, subtype, cte, status_text);
	return buf;
}

static dsnx_report *
read_msg(const char *msg)
{
	dsnx_report *r = NULL;

	ck_assert_int_eq(dsnx_report_read(ctx, msg, strlen(msg), &r), DSNX_OK);
	ck_assert_ptr_nonnull(r);
	return r;
}

START_TEST(test_postfix_delay)
{
	char *msg = wrap("delivery-status", "",
	    "Reporting-MTA: dns; mx.example.net\n"
	    "X-Postfix-Queue-ID: 4Ab1Cd2EfG\n"
	    "X-Postfix-Sender: rfc822; alice@example.net\n"
	    "Arrival-Date: Mon, 23 Nov 2026 18:00:00 +0000 (UTC)\n"
	    "\n"
	    "Final-Recipient: rfc822; bob@example.org\n"
	    "Original-Recipient: rfc822;Bob@Example.org\n"
	    "Action: delayed\n"
	    "Status: 4.4.1\n"
	    "Diagnostic-Code: X-Postfix; connect to mx.example.org[192.0.2.7]:25:\n"
	    "    Connection refused\n"
	    "Will-Retry-Until: Sat, 28 Nov 2026 18:00:00 +0000 (UTC)\n"
	    "\n");
	dsnx_report *r = read_msg(msg);
	const dsnx_recipient *rc;
	time_t t;

	ck_assert(dsnx_report_is_dsn(r));
	ck_assert_str_eq(dsnx_report_format(r), "rfc3464");
	ck_assert_str_eq(dsnx_report_reporting_mta(r), "mx.example.net");
	ck_assert_int_eq(dsnx_report_arrival_date(r, &t), 0);
	ck_assert_int_eq((long long)t, 1795456800LL);
	ck_assert_uint_eq(dsnx_report_extra_count(r), 2);
	ck_assert_str_eq(dsnx_report_extra(r, 0)->name, "X-Postfix-Queue-ID");
	ck_assert_str_eq(dsnx_report_extra(r, 0)->value, "4Ab1Cd2EfG");
	ck_assert_uint_eq(dsnx_report_recipient_count(r), 1);
	rc = dsnx_report_recipient(r, 0);
	ck_assert_str_eq(rc->recipient, "bob@example.org");
	ck_assert_str_eq(rc->final_recipient, "rfc822; bob@example.org");
	ck_assert_str_eq(rc->original_recipient, "Bob@Example.org");
	ck_assert_str_eq(rc->action, "delayed");
	ck_assert_str_eq(rc->status, "4.4.1");
	ck_assert_str_eq(rc->diagnostic_type, "X-Postfix");
	ck_assert_str_eq(rc->diagnostic,
	    "connect to mx.example.org[192.0.2.7]:25: Connection refused");
	ck_assert_int_eq(rc->reply, 0);
	ck_assert(rc->has_will_retry_until);
	ck_assert_int_eq((long long)rc->will_retry_until, 1795888800LL);
	ck_assert(!rc->has_last_attempt);
	ck_assert_ptr_nonnull(dsnx_report_status_part(r));
	ck_assert_ptr_nonnull(dsnx_report_returned_part(r));
	ck_assert_ptr_nonnull(dsnx_report_human_part(r));
	dsnx_report_free(r);
	free(msg);
}
END_TEST

START_TEST(test_two_recipients_no_blank_line)
{
	char *msg = wrap("delivery-status", "",
	    "Reporting-MTA: dns;smta.example.net\n"
	    "Received-From-MTA: DNS; localhost\n"
	    "\n\n"
	    "Final-Recipient: RFC822; a@example.org\n"
	    "Action: FAILED\n"
	    "Status: 5.1.1 (user unknown)\n"
	    "Remote-MTA: DNS; mx.example.org\n"
	    "Diagnostic-Code: SMTP; 550 5.1.1 <a@example.org>... User unknown\n"
	    "Last-Attempt-Date: Mon, 23 Nov 2026 18:57:08 GMT\n"
	    "Final-Recipient: RFC822; b@example.org\n"
	    "Action: failed\n"
	    "Status: 4.4.7\n"
	    "X-Actual-Recipient: rfc822; b@internal.example.org\n");
	dsnx_report *r = read_msg(msg);
	const dsnx_recipient *a, *b;

	ck_assert_uint_eq(dsnx_report_recipient_count(r), 2);
	ck_assert_str_eq(dsnx_report_received_from_mta(r), "localhost");
	a = dsnx_report_recipient(r, 0);
	b = dsnx_report_recipient(r, 1);
	ck_assert_str_eq(a->recipient, "a@example.org");
	ck_assert_str_eq(a->action, "failed");
	ck_assert_str_eq(a->status, "5.1.1");
	ck_assert_str_eq(a->status_raw, "5.1.1 (user unknown)");
	ck_assert_str_eq(a->remote_mta, "mx.example.org");
	ck_assert_int_eq(a->reply, 550);
	ck_assert(a->has_last_attempt);
	ck_assert_str_eq(b->recipient, "b@example.org");
	ck_assert_str_eq(b->status, "4.4.7");
	ck_assert_ptr_null(b->diagnostic);
	ck_assert_uint_eq(b->extra_count, 1);
	ck_assert_str_eq(b->extra[0].name, "X-Actual-Recipient");
	dsnx_report_free(r);
	free(msg);
}
END_TEST

START_TEST(test_status_from_diagnostic)
{
	/* Status missing or invalid: the code in the diagnostic is used;
	 * the written value is still kept raw. */
	char *msg = wrap("delivery-status", "",
	    "Reporting-MTA: dns; mx.example.net\n"
	    "\n"
	    "Final-Recipient: rfc822; c@example.org\n"
	    "Action: failed\n"
	    "Status: 5.0\n"
	    "Diagnostic-Code: smtp; 550-5.7.26 Unauthenticated email is not accepted\n"
	    "\n"
	    "Final-Recipient: rfc822; d@example.org\n"
	    "Action: failed\n"
	    "Diagnostic-Code: smtp;554 delivery error (#5.3.0)\n");
	dsnx_report *r = read_msg(msg);

	ck_assert_uint_eq(dsnx_report_recipient_count(r), 2);
	ck_assert_str_eq(dsnx_report_recipient(r, 0)->status, "5.7.26");
	ck_assert_str_eq(dsnx_report_recipient(r, 0)->status_raw, "5.0");
	ck_assert_int_eq(dsnx_report_recipient(r, 0)->reply, 550);
	ck_assert_str_eq(dsnx_report_recipient(r, 1)->status, "5.3.0");
	ck_assert_ptr_null(dsnx_report_recipient(r, 1)->status_raw);
	ck_assert_int_eq(dsnx_report_recipient(r, 1)->reply, 554);
	dsnx_report_free(r);
	free(msg);
}
END_TEST

START_TEST(test_code_beside_text)
{
	/* The code is read once, where the status is decided, and its text
	 * is made from it: the two agree, whatever was written. */
	char *msg = wrap("delivery-status", "",
	    "Reporting-MTA: dns; mx.example.net\n"
	    "\n"
	    "Final-Recipient: rfc822; g@example.org\n"
	    "Action: failed\n"
	    "Status: 5.1.01 (bad destination mailbox)\n"
	    "\n"
	    "Final-Recipient: rfc822; h@example.org\n"
	    "Action: failed\n"
	    "Status: failed; 4.4.7\n");
	dsnx_report *r = read_msg(msg);
	const dsnx_recipient *rc;

	rc = dsnx_report_recipient(r, 0);
	ck_assert_str_eq(rc->status, "5.1.1");
	ck_assert_str_eq(rc->status_raw, "5.1.01 (bad destination mailbox)");
	ck_assert_int_eq(rc->code.cls, 5);
	ck_assert_int_eq(rc->code.subject, 1);
	ck_assert_int_eq(rc->code.detail, 1);
	rc = dsnx_report_recipient(r, 1);
	ck_assert_str_eq(rc->status, "4.4.7");
	ck_assert_int_eq(rc->code.cls, 4);
	ck_assert_int_eq(rc->code.subject, 4);
	ck_assert_int_eq(rc->code.detail, 7);
	dsnx_report_free(r);
	free(msg);
}
END_TEST

START_TEST(test_recipient_field_reader)
{
	/* The one reader of a recipient field's value, which nonstd.c uses
	 * for fields printed in prose: it fills only the field named, and
	 * answers 1 for names that are no recipient field. */
	char *msg = wrap("delivery-status", "",
	    "Reporting-MTA: dns; x\n\nFinal-Recipient: rfc822; z@example.org\n");
	dsnx_report *r = read_msg(msg);
	dsnx_recipient blk;

	memset(&blk, 0, sizeof(blk));
	ck_assert_int_eq(dsnx_dsn_recipient_field(r, &blk, "Final-Recipient",
	    "rfc822; Ann <ann@example.org>", 29), 0);
	ck_assert_str_eq(blk.recipient, "ann@example.org");
	ck_assert_str_eq(blk.final_recipient, "rfc822; Ann <ann@example.org>");
	ck_assert_int_eq(dsnx_dsn_recipient_field(r, &blk, "action",
	    "Failed (permanent)", 18), 0);
	ck_assert_str_eq(blk.action, "failed");
	ck_assert_int_eq(dsnx_dsn_recipient_field(r, &blk, "diagnostic-code",
	    "smtp;550 5.1.1 no such user", 27), 0);
	ck_assert_str_eq(blk.diagnostic_type, "smtp");
	ck_assert_str_eq(blk.diagnostic, "550 5.1.1 no such user");
	ck_assert_ptr_null(blk.status);
	ck_assert_int_eq(dsnx_dsn_recipient_field(r, &blk, "will-retry-until",
	    "Tue, 1 Dec 2026 10:00:00 +0000", 30), 0);
	ck_assert(blk.has_will_retry_until);
	ck_assert_int_eq(dsnx_dsn_recipient_field(r, &blk, "reporting-mta",
	    "dns; y", 6), 1);
	ck_assert_int_eq(dsnx_dsn_recipient_field(r, &blk, "X-Actual-Recipient",
	    "rfc822; b@example.org", 21), 1);
	ck_assert_uint_eq(blk.extra_count, 0);
	ck_assert_str_eq(dsnx_report_reporting_mta(r), "x");
	dsnx_report_free(r);
	free(msg);
}
END_TEST

START_TEST(test_base64_status_part)
{
	/* "Reporting-MTA: dns; x.example\n\nFinal-Recipient: rfc822; e@example.org\n
	 *  Action: failed\nStatus: 5.2.2\n" in base64 */
	char *msg = wrap("delivery-status",
	    "Content-Transfer-Encoding: base64\n",
	    "UmVwb3J0aW5nLU1UQTogZG5zOyB4LmV4YW1wbGUKCkZpbmFsLVJlY2lwaWVudDogcmZj\n"
	    "ODIyOyBlQGV4YW1wbGUub3JnCkFjdGlvbjogZmFpbGVkClN0YXR1czogNS4yLjIK\n");
	dsnx_report *r = read_msg(msg);

	ck_assert_uint_eq(dsnx_report_recipient_count(r), 1);
	ck_assert_str_eq(dsnx_report_recipient(r, 0)->recipient, "e@example.org");
	ck_assert_str_eq(dsnx_report_recipient(r, 0)->status, "5.2.2");
	ck_assert_str_eq(dsnx_report_reporting_mta(r), "x.example");
	dsnx_report_free(r);
	free(msg);
}
END_TEST

START_TEST(test_global_delivery_status)
{
	char *msg = wrap("global-delivery-status", "Content-Transfer-Encoding: 8bit\n",
	    "Reporting-MTA: dns; mx.example.net\n"
	    "\n"
	    "Original-Recipient: utf-8; jürgen@bücher.example\n"
	    "Final-Recipient: utf-8; jürgen@bücher.example\n"
	    "Action: failed\n"
	    "Status: 5.1.1\n");
	dsnx_report *r = read_msg(msg);

	ck_assert_str_eq(dsnx_report_format(r), "rfc6533");
	ck_assert_uint_eq(dsnx_report_recipient_count(r), 1);
	ck_assert_str_eq(dsnx_report_recipient(r, 0)->recipient,
	    "jürgen@bücher.example");
	ck_assert_str_eq(dsnx_report_recipient(r, 0)->original_recipient,
	    "jürgen@bücher.example");
	dsnx_report_free(r);
	free(msg);
}
END_TEST

START_TEST(test_indented_fields)
{
	/* Some gateways indent every line of the report. */
	char *msg = wrap("delivery-status", "",
	    "  Reporting-MTA: dns; gw.example.net\n"
	    "\n"
	    "  Final-Recipient: rfc822; f@example.org\n"
	    "  Action: delayed\n"
	    "  Status: 4.2.0\n"
	    "  Diagnostic-Code: smtp; 450 4.2.0 Greylisted,\n"
	    "      please try again later\n");
	dsnx_report *r = read_msg(msg);
	const dsnx_recipient *rc;

	ck_assert_uint_eq(dsnx_report_recipient_count(r), 1);
	rc = dsnx_report_recipient(r, 0);
	ck_assert_str_eq(rc->action, "delayed");
	ck_assert_str_eq(rc->status, "4.2.0");
	ck_assert_str_eq(rc->diagnostic,
	    "450 4.2.0 Greylisted, please try again later");
	ck_assert_int_eq(rc->reply, 450);
	dsnx_report_free(r);
	free(msg);
}
END_TEST

START_TEST(test_empty_status_part)
{
	/* A report whose status part names nobody is not read as a DSN from
	 * that part; with no other clue it is not a DSN at all. */
	char *msg = wrap("delivery-status", "", "Reporting-MTA: dns; x\n\n");
	dsnx_report *r = read_msg(msg);

	ck_assert_uint_eq(dsnx_report_recipient_count(r), 0);
	dsnx_report_free(r);
	free(msg);
}
END_TEST

static Suite *
dsn_suite(void)
{
	Suite *s = suite_create("dsn");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_postfix_delay);
	tcase_add_test(tc, test_two_recipients_no_blank_line);
	tcase_add_test(tc, test_status_from_diagnostic);
	tcase_add_test(tc, test_code_beside_text);
	tcase_add_test(tc, test_recipient_field_reader);
	tcase_add_test(tc, test_base64_status_part);
	tcase_add_test(tc, test_global_delivery_status);
	tcase_add_test(tc, test_indented_fields);
	tcase_add_test(tc, test_empty_status_part);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(dsn_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
