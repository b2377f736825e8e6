/*
 * fuzz_rewrite - libFuzzer target: the rewrite and what it may change
 *
 * The input is the message handed to dsnx_rewrite_message() (the call
 * behind "dsnexplain rewrite" and the milter), with the shipped rules;
 * the Subject prefix is on for inputs of odd length.  DESIGN.md, "What a
 * rewrite may change", is asserted on every result:
 *
 *   unchanged: the output is the input, with no edits;
 *   rewritten: exactly one X-DSN-Explain field, added after the old
 *     header block, which is copied byte for byte (but the Subject when
 *     it was edited); the delivery-status and the returned parts, and
 *     every old body part, are in the output byte for byte; a single-
 *     part body keeps its old text in front; the edits are one
 *     X-DSN-Explain addition and at most a Subject change, their values
 *     one line each (no CR, LF or NUL); the body the milter gets is the
 *     output's own; and the output, rewritten again, is left alone.
 *
 * LIMITS: the output's MIME is not compared with the input's beyond
 * this (tests/check-rewrite.py does that with independent readers).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz_util.h"

static dsnx_context *ctx;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	dsnx_limits limits;

	(void)argc;
	(void)argv;
	dsnx_limits_init(&limits);
	if (dsnx_context_new(&limits, &ctx, NULL) != DSNX_OK)
		abort();
	(void)fuzz_rules();
	return 0;
}

/* One line: no CR, LF or NUL, and it ends where strlen() says. */
static void
check_line(const char *what, const char *v)
{
	FUZZ_CHECK(v != NULL, "%s: no value", what);
	FUZZ_CHECK(strpbrk(v, "\r\n") == NULL, "%s: a line end in \"%.80s\"",
	    what, v);
}

static int
contains(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	return nlen == 0 || memmem(hay, hlen, needle, nlen) != NULL;
}

/* The number of fields called name (any case) in the root header. */
static unsigned
count_fields(const char *buf, size_t len, const char *name)
{
	dsnx_mime *mime;
	unsigned i, n = 0;
	size_t nl = strlen(name);

	if (dsnx_mime_parse(buf, len, dsnx_context_limits(ctx), &mime)
	    != DSNX_OK)
		return (unsigned)-1;
	for (i = 0; i < dsnx_part_header_count(dsnx_mime_root(mime)); i++) {
		dsnx_span f = dsnx_part_header_field(mime,
		    dsnx_mime_root(mime), i);
		const char *p = buf + f.start;
		size_t k = nl;

		if (f.end - f.start > nl && strncasecmp(p, name, nl) == 0) {
			while (k < f.end - f.start && (p[k] == ' '
			    || p[k] == '\t'))
				k++;
			if (k < f.end - f.start && p[k] == ':')
				n++;
		}
	}
	dsnx_mime_free(mime);
	return n;
}

/* Past one line end (CRLF, LF or CR) at pos, if there is one. */
static size_t
skip_eol(const char *s, size_t len, size_t pos)
{
	if (pos < len && s[pos] == '\r')
		pos++;
	if (pos < len && s[pos] == '\n')
		pos++;
	return pos;
}

static void
check_kept(const char *in, size_t len, const char *out, size_t olen)
{
	dsnx_report *r;
	const dsnx_part *keep[2];
	dsnx_span s;
	unsigned i;

	if (dsnx_report_read(ctx, in, len, &r) != DSNX_OK)
		return;
	keep[0] = dsnx_report_status_part(r);
	keep[1] = dsnx_report_returned_part(r);
	for (i = 0; i < 2; i++) {
		if (keep[i] == NULL)
			continue;
		s = dsnx_part_whole(keep[i]);
		FUZZ_CHECK(contains(out, olen, in + s.start, s.end - s.start),
		    "the %s part (bytes %zu-%zu) is not kept byte for byte",
		    i == 0 ? "delivery-status" : "returned", s.start, s.end);
	}
	dsnx_report_free(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	dsnx_rewrite_options opt;
	dsnx_rewrite *rw, *again;
	dsnx_mime *mime;
	const dsnx_part *root;
	const char *out, *body, *hv, *subject = NULL;
	size_t olen, blen, pos, end;
	unsigned i, adds = 0;
	dsnx_span hdr, b;

	dsnx_rewrite_options_init(&opt);
	opt.subject = size & 1;
	if (dsnx_rewrite_message(ctx, fuzz_rules(), in, size, &opt, &rw)
	    != DSNX_OK)
		return 0;
	out = dsnx_rewrite_output(rw, &olen);
	if (!dsnx_rewrite_changed(rw)) {
		FUZZ_CHECK(dsnx_rewrite_why(rw) != NULL, "unchanged, no reason");
		FUZZ_CHECK(olen == size && (size == 0 || memcmp(out, in, size)
		    == 0), "unchanged, but the output differs");
		FUZZ_CHECK(dsnx_rewrite_edit_count(rw) == 0,
		    "unchanged, with %u edits", dsnx_rewrite_edit_count(rw));
		dsnx_rewrite_free(rw);
		return 0;
	}

	/* The edits: one X-DSN-Explain addition, perhaps a Subject. */
	hv = dsnx_rewrite_header_value(rw);
	check_line("X-DSN-Explain", hv);
	for (i = 0; i < dsnx_rewrite_edit_count(rw); i++) {
		const dsnx_header_edit *e = dsnx_rewrite_edit(rw, i);

		check_line(e->name, e->value);
		FUZZ_CHECK(strpbrk(e->name, "\r\n: \t") == NULL, "edit name");
		if (e->kind == DSNX_EDIT_ADD_HEADER) {
			FUZZ_CHECK(strcmp(e->name, "X-DSN-Explain") == 0
			    && strcmp(e->value, hv) == 0,
			    "an addition of %s", e->name);
			adds++;
		} else {
			FUZZ_CHECK(strcmp(e->name, "Subject") == 0
			    && e->index == 1 && opt.subject && subject == NULL,
			    "a change of %s[%u]", e->name, e->index);
			subject = e->value;
		}
	}
	FUZZ_CHECK(adds == 1, "%u X-DSN-Explain additions", adds);
	FUZZ_CHECK(count_fields(in, size, "X-DSN-Explain") == 0,
	    "rewritten though X-DSN-Explain was there");
	FUZZ_CHECK(count_fields(out, olen, "X-DSN-Explain") == 1,
	    "the output has %u X-DSN-Explain fields",
	    count_fields(out, olen, "X-DSN-Explain"));

	/* The old header block, byte for byte, then ours. */
	if (dsnx_mime_parse(in, size, dsnx_context_limits(ctx), &mime)
	    != DSNX_OK)
		abort();
	root = dsnx_mime_root(mime);
	hdr = dsnx_part_header(root);
	b = dsnx_part_body(root);
	if (subject == NULL) {
		FUZZ_CHECK(olen >= hdr.end && memcmp(out, in, hdr.end) == 0,
		    "the header block is not kept byte for byte");
		pos = hdr.end;
	} else {
		/* The old fields up to the Subject, the Subject, the rest. */
		unsigned n = dsnx_part_header_count(root), k;
		const char *p;

		for (k = 0; k < n; k++) {
			dsnx_span f = dsnx_part_header_field(mime, root, k);

			if (f.end - f.start >= 8
			    && strncasecmp(in + f.start, "subject:", 8) == 0)
				break;
		}
		FUZZ_CHECK(k < n, "a Subject edit without a Subject field");
		pos = dsnx_part_header_field(mime, root, k).start;
		end = k + 1 < n ? dsnx_part_header_field(mime, root, k + 1).start
		    : hdr.end;
		FUZZ_CHECK(olen >= pos && memcmp(out, in, pos) == 0,
		    "the fields before the Subject changed");
		p = out + pos;
		FUZZ_CHECK(olen - pos >= 9 + strlen(subject)
		    && memcmp(p, "Subject: ", 9) == 0
		    && memcmp(p + 9, subject, strlen(subject)) == 0,
		    "the Subject edit is not where the old Subject was");
		pos = skip_eol(out, olen, pos + 9 + strlen(subject));
		FUZZ_CHECK(olen - pos >= hdr.end - end
		    && memcmp(out + pos, in + end, hdr.end - end) == 0,
		    "the fields after the Subject changed");
		pos += hdr.end - end;
	}
	pos = skip_eol(out, olen, pos);
	FUZZ_CHECK(olen - pos >= 15 + strlen(hv)
	    && memcmp(out + pos, "X-DSN-Explain: ", 15) == 0
	    && memcmp(out + pos + 15, hv, strlen(hv)) == 0,
	    "X-DSN-Explain is not right after the old header block");

	/* The body: what the milter sends is the output's tail. */
	body = dsnx_rewrite_body(rw, &blen);
	FUZZ_CHECK(blen <= olen && body != NULL
	    && memcmp(body, out + olen - blen, blen) == 0,
	    "the milter's body is not the output's");
	/* A multipart whose boundary never occurs has no parts: it reads as
	 * one text, and ours follows it like a single part's. */
	if (strcmp(dsnx_part_type(root), "multipart") == 0
	    && dsnx_part_child(root) != NULL) {
		const dsnx_part *first = dsnx_part_child(root);
		size_t from = dsnx_part_whole(first).start;

		FUZZ_CHECK(blen >= b.end - from && memcmp(body + blen
		    - (b.end - from), in + from, b.end - from) == 0,
		    "the old body parts are not kept byte for byte");
	} else {
		FUZZ_CHECK(blen >= b.end - b.start && memcmp(body, in + b.start,
		    b.end - b.start) == 0, "the old text is not kept in front");
	}
	check_kept(in, size, out, olen);
	dsnx_mime_free(mime);

	/* Never twice. */
	if (dsnx_rewrite_message(ctx, fuzz_rules(), out, olen, &opt, &again)
	    == DSNX_OK) {
		FUZZ_CHECK(!dsnx_rewrite_changed(again), "rewritten twice");
		dsnx_rewrite_free(again);
	}
	dsnx_rewrite_free(rw);
	return 0;
}
