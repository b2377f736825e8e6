/*
 * fuzz_mlfi - libFuzzer target: the milter's callbacks, packet by packet
 *
 * milter/mlfi.c's callbacks (milter_desc) are called as libmilter calls
 * them for one connection, with a fake SMFICTX (smfi_shim.c), from a
 * stream of records in the input:
 *
 *   byte 0            bit 0: the second configuration (below)
 *   then records      op (1 byte), length (2 bytes, little endian),
 *                     payload (cut at the end of the input)
 *
 *   op % 10: 0 negotiate (payload: actions, steps, 4 bytes LE each;
 *   all offered when absent), 1 MAIL FROM (the sender), 2 header (name
 *   NUL value), 3 end of header, 4 body chunk, 5 end of message, 6 abort,
 *   7 DATA, 8 the queue id macro, 9 make edits fail (bit mask).
 *
 * The order libmilter enforces is kept: negotiation first, header
 * fields before the end of header, body chunks after it, nothing of a
 * message after a callback ended it (accept, reject, skip), and the
 * connection closed at the end.  The shim checks what goes back to the
 * MTA; the sanitizers check the rest.
 *
 * The two configurations: the defaults with RewriteSubject and
 * InspectNonNullSenders on, and MaximumSize=64k with BodyChunkSize=1000
 * and LogUnchanged on.  Both use the tree's rules.
 *
 * LIMITS: one connection per input; the real libmilter (packet framing,
 * threads) is not part of this target: tests/milter.sh covers it.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "mlfi.h"
#include "smfi_shim.h"
#include "state.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static milter_state *states[2];

static void
problem(const char *text, void *arg)
{
	(void)arg;
	fprintf(stderr, "fuzz_mlfi: %s\n", text);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char rules[4200];
	const char *a0[] = { rules, "RewriteSubject=yes",
	    "InspectNonNullSenders=yes" };
	const char *a1[] = { rules, "MaximumSize=64k", "BodyChunkSize=1000",
	    "LogUnchanged=yes" };
	milter_sources src = { NULL, 0, NULL, 0 };

	(void)argc;
	(void)argv;
	snprintf(rules, sizeof(rules), "Rules=%s", fuzz_rules_dir());
	src.assignments = a0;
	src.assignment_count = 3;
	states[0] = milter_state_load(&src, problem, NULL);
	src.assignments = a1;
	src.assignment_count = 4;
	states[1] = milter_state_load(&src, problem, NULL);
	if (states[0] == NULL || states[1] == NULL)
		abort();
	return 0;
}

enum { CONNECTED, IN_MAIL, IN_HEADER, IN_BODY, SKIPPING };

static unsigned long
le32(const unsigned char *p, size_t n, unsigned long dflt)
{
	if (n < 4)
		return dflt;
	return p[0] | (unsigned long)p[1] << 8 | (unsigned long)p[2] << 16
	    | (unsigned long)p[3] << 24;
}

/* A callback's answer ends the message unless it is continue-like. */
static int
goes_on(sfsistat rc)
{
	return rc == SMFIS_CONTINUE || rc == SMFIS_NOREPLY;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smfiDesc *d = &milter_desc;
	SMFICTX ctx;
	unsigned long actions, steps, want_a = 0, want_s = 0, w2, w3;
	size_t off = 1, i;
	int state = CONNECTED, negotiated = 0;
	char *qid = NULL;
	sfsistat rc;

	if (size < 1)
		return 0;
	memset(&ctx, 0, sizeof(ctx));
	milter_state_install(milter_state_ref(states[data[0] & 1]));
	while (off < size) {
		unsigned op = data[off] % 10;
		size_t n = off + 3 <= size ? (size_t)(data[off + 1]
		    | data[off + 2] << 8) : 0;
		const unsigned char *p = data + (off + 3 < size ? off + 3 : size);
		char *s;

		off += 3;
		if (off > size)
			off = size;
		if (n > size - off)
			n = size - off;
		off += n;
		/* The payload as a string, as libmilter hands them over. */
		if ((s = malloc(n + 1)) == NULL)
			break;
		memcpy(s, p, n);
		s[n] = '\0';

		if (!negotiated) {
			actions = op == 0 ? le32(p, n, 0x1ff) : 0x1ff;
			steps = op == 0 ? le32(p + 4, n >= 4 ? n - 4 : 0,
			    0x3fffff) : 0x3fffff;
			rc = d->xxfi_negotiate(&ctx, actions, steps, 0, 0,
			    &want_a, &want_s, &w2, &w3);
			negotiated = 1;
			if (rc != SMFIS_CONTINUE) {
				free(s);
				break;
			}
			FUZZ_CHECK((want_a & ~actions) == 0
			    && (want_s & ~steps) == 0,
			    "asked for more than the MTA offered");
			ctx.actions = want_a;
			if (op == 0) {
				free(s);
				continue;
			}
		}
		switch (op) {
		case 1: {
			char *argv[2] = { s, NULL };

			if (state != CONNECTED)
				d->xxfi_abort(&ctx);
			rc = d->xxfi_envfrom(&ctx, argv);
			state = goes_on(rc) ? IN_MAIL : CONNECTED;
			break;
		}
		case 2:
			if (state != IN_MAIL && state != IN_HEADER)
				break;
			i = strlen(s);
			rc = d->xxfi_header(&ctx, s, i < n ? s + i + 1 : s + i);
			FUZZ_CHECK(rc != SMFIS_NOREPLY
			    || (want_s & SMFIP_NR_HDR), "NOREPLY not negotiated");
			state = goes_on(rc) ? IN_HEADER : CONNECTED;
			break;
		case 3:
			if (state != IN_MAIL && state != IN_HEADER)
				break;
			rc = d->xxfi_eoh(&ctx);
			FUZZ_CHECK(rc != SMFIS_NOREPLY
			    || (want_s & SMFIP_NR_EOH), "NOREPLY not negotiated");
			state = goes_on(rc) ? IN_BODY : CONNECTED;
			break;
		case 4:
			if (state != IN_BODY || n == 0)
				break;
			rc = d->xxfi_body(&ctx, (unsigned char *)s, n);
			FUZZ_CHECK(rc != SMFIS_SKIP || (want_s & SMFIP_SKIP),
			    "SKIP not negotiated");
			state = rc == SMFIS_SKIP ? SKIPPING
			    : goes_on(rc) ? IN_BODY : CONNECTED;
			break;
		case 5:
			if (state == CONNECTED)
				break;
			ctx.in_eom = 1;
			rc = d->xxfi_eom(&ctx);
			ctx.in_eom = 0;
			/* What a rewrite may edit: X-DSN-Explain, and for a
			 * single part given a MIME type MIME-Version,
			 * Content-Type and Content-Transfer-Encoding; the
			 * Subject, and when wrapped at most four old type
			 * fields deleted (fuzz_rewrite checks which). */
			FUZZ_CHECK(ctx.added <= 4 && ctx.changed <= 5,
			    "%u headers added, %u changed", ctx.added,
			    ctx.changed);
			ctx.added = ctx.changed = 0;
			state = CONNECTED;
			break;
		case 6:
			if (state != CONNECTED)
				d->xxfi_abort(&ctx);
			state = CONNECTED;
			break;
		case 7:
			if (state == IN_MAIL)
				(void)d->xxfi_data(&ctx);
			break;
		case 8:
			free(qid);
			qid = n > 0 ? strdup(s) : NULL;
			ctx.queue_id = qid;
			break;
		case 9:
			ctx.fail = n > 0 ? p[0] & 7 : 0;
			break;
		}
		free(s);
	}
	if (negotiated)
		d->xxfi_close(&ctx);
	FUZZ_CHECK(ctx.priv == NULL, "private data left after close");
	FUZZ_CHECK(milter_inflight() == 0, "%u messages still in flight",
	    milter_inflight());
	free(qid);
	return 0;
}
