/*
 * bench_memory - peak memory of rewriting one large bounce
 *
 * Usage: bench_memory RULES_DIR [MEGABYTES]
 *
 * Builds in memory a Postfix-style bounce (multipart/report) that returns
 * the original message in full, with a base64 attachment making the whole
 * about MEGABYTES (default 25) large, rewrites it once with
 * dsnx_rewrite_message() and prints the process's peak resident size
 * (getrusage) against the message size:
 *
 *	memory: 25.0 MB bounce, peak RSS 61.2 MB = 2.45x (target <= 3x)
 *
 * The peak includes the message itself, the rewritten copy, the parse and
 * the rule set.  Not a test; `make bench` runs it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "dsnexplain.h"

static const char head[] =
    "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "To: alice@example.net\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/report; report-type=delivery-status;\n"
    "\tboundary=\"R\"\n"
    "\n"
    "--R\n"
    "Content-Type: text/plain; charset=us-ascii\n"
    "\n"
    "This is the mail system at host mx.example.net.\n"
    "I'm sorry to have to inform you that your message could not\n"
    "be delivered to one or more recipients.\n"
    "--R\n"
    "Content-Type: message/delivery-status\n"
    "\n"
    "Reporting-MTA: dns; mx.example.net\n"
    "\n"
    "Final-Recipient: rfc822; bob@example.org\n"
    "Action: failed\n"
    "Status: 5.2.2\n"
    "Diagnostic-Code: smtp; 552 5.2.2 Mailbox full\n"
    "--R\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "From: alice@example.net\n"
    "To: bob@example.org\n"
    "Subject: the big file\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"A\"\n"
    "\n"
    "--A\n"
    "Content-Type: text/plain\n"
    "\n"
    "Here it is.\n"
    "--A\n"
    "Content-Type: application/octet-stream\n"
    "Content-Transfer-Encoding: base64\n"
    "\n";
static const char tail[] = "--A--\n--R--\n";

int
main(int argc, char **argv)
{
	double mb = argc > 2 ? atof(argv[2]) : 25.0;
	size_t target = (size_t)(mb * 1e6), len, i, olen;
	dsnx_context *ctx;
	dsnx_ruleset *rules;
	dsnx_rewrite *rw;
	struct rusage ru;
	char *msg, *p;

	if (argc < 2 || mb <= 0 || mb > 1000) {
		fprintf(stderr, "usage: bench_memory RULES_DIR [MEGABYTES]\n");
		return 2;
	}
	if (dsnx_ruleset_load(argv[1], NULL, NULL, NULL, &rules) != DSNX_OK
	    || dsnx_context_new(NULL, &ctx, NULL) != DSNX_OK) {
		fprintf(stderr, "bench_memory: cannot load rules or context\n");
		return 2;
	}
	if ((msg = malloc(target + sizeof(head) + sizeof(tail) + 80)) == NULL)
		return 2;
	p = msg;
	memcpy(p, head, sizeof(head) - 1);
	p += sizeof(head) - 1;
	/* 76-column base64 lines of a repeating pattern. */
	for (i = 0; (size_t)(p - msg) + 77 < target; i++) {
		memcpy(p, "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx", 72);
		memcpy(p + 72, "MjM0\n", 5);
		p += 77;
	}
	memcpy(p, tail, sizeof(tail) - 1);
	p += sizeof(tail) - 1;
	len = (size_t)(p - msg);

	if (dsnx_rewrite_message(ctx, rules, msg, len, NULL, &rw) != DSNX_OK) {
		fprintf(stderr, "bench_memory: rewrite failed\n");
		return 1;
	}
	(void)dsnx_rewrite_output(rw, &olen);
	getrusage(RUSAGE_SELF, &ru);
	printf("memory: %.1f MB bounce (%s, %.1f MB out), peak RSS %.1f MB = "
	    "%.2fx (target <= 3x)\n", len / 1e6, dsnx_rewrite_changed(rw)
	    ? "rewritten" : "unchanged", olen / 1e6, ru.ru_maxrss * 1024.0 / 1e6,
	    ru.ru_maxrss * 1024.0 / (double)len);
	dsnx_rewrite_free(rw);
	free(msg);
	dsnx_context_free(ctx);
	dsnx_ruleset_unref(rules);
	return 0;
}
