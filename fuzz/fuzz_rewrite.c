/*
 * fuzz_rewrite - libFuzzer target: the rewrite and what it may change
 *
 * The input is the message handed to dsnx_rewrite_message() (the call
 * behind "dsnexplain rewrite" and the milter), with the shipped rules;
 * the Subject prefix is on for inputs of odd length.  DESIGN.md, "What a
 * rewrite may change", is asserted on every result:
 *
 *   unchanged: the output is the input, with no edits;
 *   rewritten: the output is the old header with the milter's edits
 *     applied (smfi_chgheader/smfi_addheader semantics), the blank line
 *     and the milter's new body, so the CLI writes what the MTA sends;
 *     the edits are one X-DSN-Explain addition, the last addition, at
 *     most a Subject change and, for a single part given a MIME type,
 *     MIME-Version (only where there was none), Content-Type and
 *     Content-Transfer-Encoding, whose old fields are deleted only when
 *     the body is wrapped in multipart/mixed, and changed only in place
 *     (Content-Type to a text/plain in UTF-8, Content-Transfer-Encoding
 *     from 7bit to 8bit); with keep_fields nothing is changed or
 *     deleted; values are one line each (no CR, LF or NUL); the
 *     delivery-status and the returned parts, and every old body part,
 *     are in the output byte for byte; a single part keeps its old text
 *     in front (base64: up to its last group of four), or, wrapped,
 *     inside; and the output, rewritten again, is left alone.  Inputs
 *     whose size has bit 1 set are rewritten with wrap_single on; bits
 *     2-4 choose the language (en, de, fr, es, it), bit 5 keep_fields.
 *
 * LIMITS: the output's MIME is not compared with the input's beyond
 * this (tests/check-rewrite.py does that with independent readers).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
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

/* A growing byte string; out of memory is a harness failure. */
struct bytes {
	char *data;
	size_t len, cap;
};

static void
add_bytes(struct bytes *b, const char *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		if ((b->data = realloc(b->data, b->cap)) == NULL)
			abort();
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

static void
add_str(struct bytes *b, const char *s)
{
	add_bytes(b, s, strlen(s));
}

/* Is the field text at p..p+len called name (any case)? */
static int
field_named(const char *p, size_t len, const char *name)
{
	size_t nl = strlen(name), k = nl;

	if (len <= nl || strncasecmp(p, name, nl) != 0)
		return 0;
	while (k < len && (p[k] == ' ' || p[k] == '\t'))
		k++;
	return k < len && p[k] == ':';
}

/*
 * The header the milter's edits make of the input's, and the blank
 * line: a deletion or change takes the index-th remaining field of its
 * name, additions go at the end, as smfi_chgheader() and
 * smfi_addheader() do.  Lines end as the input's first line does.
 */
static void
edited_header(const char *in, size_t size, const dsnx_mime *mime,
    const dsnx_rewrite *rw, struct bytes *want)
{
	const dsnx_part *root = dsnx_mime_root(mime);
	dsnx_span hdr = dsnx_part_header(root);
	unsigned n = dsnx_part_header_count(root), i, k, seen;
	const char **text, *nl, *cr, *eol = "\n";
	size_t *tlen;
	char **owned;

	nl = memchr(in, '\n', size);
	cr = memchr(in, '\r', size);
	if (cr != NULL && (nl == NULL || cr < nl))
		eol = cr + 1 < in + size && cr[1] == '\n' ? "\r\n" : "\r";
	text = calloc(n + 1, sizeof(*text));
	tlen = calloc(n + 1, sizeof(*tlen));
	owned = calloc(n + 1, sizeof(*owned));
	if (text == NULL || tlen == NULL || owned == NULL)
		abort();
	for (i = 0; i < n; i++) {
		dsnx_span f = dsnx_part_header_field(mime, root, i);
		size_t next = i + 1 < n ? dsnx_part_header_field(mime, root,
		    i + 1).start : hdr.end;

		text[i] = in + f.start;
		tlen[i] = next - f.start;
	}
	for (k = 0; k < dsnx_rewrite_edit_count(rw); k++) {
		const dsnx_header_edit *e = dsnx_rewrite_edit(rw, k);

		if (e->kind == DSNX_EDIT_ADD_HEADER)
			continue;
		for (i = 0, seen = 0; i < n; i++)
			if (text[i] != NULL && field_named(text[i], tlen[i],
			    e->name) && ++seen == e->index)
				break;
		FUZZ_CHECK(i < n, "an edit of %s[%u], which is not there",
		    e->name, e->index);
		if (e->kind == DSNX_EDIT_DELETE_HEADER) {
			text[i] = NULL;
			continue;
		}
		free(owned[i]);
		tlen[i] = strlen(e->name) + 2 + strlen(e->value) + strlen(eol);
		if ((owned[i] = malloc(tlen[i] + 1)) == NULL)
			abort();
		snprintf(owned[i], tlen[i] + 1, "%s: %s%s", e->name, e->value,
		    eol);
		text[i] = owned[i];
	}
	memset(want, 0, sizeof(*want));
	/* What comes before the first field (an mbox "From " line). */
	add_bytes(want, in, n > 0 ? dsnx_part_header_field(mime, root,
	    0).start : hdr.end);
	for (i = 0; i < n; i++)
		if (text[i] != NULL)
			add_bytes(want, text[i], tlen[i]);
	if (want->len > 0 && want->data[want->len - 1] != '\n'
	    && want->data[want->len - 1] != '\r')
		add_str(want, eol);
	for (k = 0; k < dsnx_rewrite_edit_count(rw); k++) {
		const dsnx_header_edit *e = dsnx_rewrite_edit(rw, k);

		if (e->kind != DSNX_EDIT_ADD_HEADER)
			continue;
		add_str(want, e->name);
		add_str(want, ": ");
		add_str(want, e->value);
		add_str(want, eol);
	}
	add_str(want, eol);
	for (i = 0; i < n; i++)
		free(owned[i]);
	free(owned);
	free(text);
	free(tlen);
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

/* Where the old text a single part keeps in front ends: all of it, but
 * for a base64 body's last group of four, which may be encoded again
 * with ours (lib/inplace.c). */
static size_t
front_kept(const char *in, dsnx_span b, dsnx_cte cte)
{
	size_t	i = b.end, n = 0;

	if (cte != DSNX_CTE_BASE64)
		return b.end;
	while (i > b.start && n < 4)
		if (strchr(" \t\r\n", in[--i]) == NULL)
			n++;
	return n == 4 ? i : b.start;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const langs[5] = { "en", "de", "fr", "es", "it" };
	const char *in = (const char *)data;
	dsnx_rewrite_options opt;
	dsnx_rewrite *rw, *again;
	dsnx_mime *mime;
	const dsnx_part *root;
	const char *out, *body, *hv, *subject = NULL, *added_type = NULL;
	const char *last_add = "";
	size_t olen, blen;
	unsigned i, n, adds = 0, deletes = 0;
	int wrapped, changed_type = 0;
	dsnx_mime *inmime;
	dsnx_span b;
	struct bytes want;

	dsnx_rewrite_options_init(&opt);
	opt.subject = size & 1;
	opt.wrap_single = (size >> 1) & 1;
	opt.render.lang = langs[((size >> 2) & 7) % 5];
	opt.keep_fields = (size >> 5) & 1;
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

	if (dsnx_mime_parse(in, size, dsnx_context_limits(ctx), &inmime)
	    != DSNX_OK)
		abort();
	/* The edits: one X-DSN-Explain addition, last; perhaps a Subject
	 * change; for a single part that gets a MIME type, the fields that
	 * declare it (and, when it is wrapped, the old ones deleted). */
	hv = dsnx_rewrite_header_value(rw);
	check_line("X-DSN-Explain", hv);
	n = dsnx_rewrite_edit_count(rw);
	for (i = 0; i < n; i++) {
		const dsnx_header_edit *e = dsnx_rewrite_edit(rw, i);

		check_line(e->name, e->value);
		FUZZ_CHECK(strpbrk(e->name, "\r\n: \t") == NULL, "edit name");
		if (e->kind == DSNX_EDIT_ADD_HEADER)
			last_add = e->name;
		if (e->kind == DSNX_EDIT_ADD_HEADER
		    && strcmp(e->name, "X-DSN-Explain") == 0) {
			FUZZ_CHECK(strcmp(e->value, hv) == 0,
			    "X-DSN-Explain is not the header value");
			adds++;
		} else if (e->kind == DSNX_EDIT_ADD_HEADER) {
			FUZZ_CHECK((strcmp(e->name, "MIME-Version") == 0
			    && strcmp(e->value, "1.0") == 0
			    && count_fields(in, size, "MIME-Version") == 0)
			    || strcmp(e->name, "Content-Type") == 0
			    || strcmp(e->name, "Content-Transfer-Encoding") == 0,
			    "an addition of %s", e->name);
			if (strcmp(e->name, "Content-Type") == 0)
				added_type = e->value;
		} else if (e->kind == DSNX_EDIT_DELETE_HEADER) {
			FUZZ_CHECK(strcmp(e->name, "Content-Type") == 0
			    || strcmp(e->name, "Content-Transfer-Encoding") == 0,
			    "a deletion of %s", e->name);
			deletes++;
		} else if (strcmp(e->name, "Content-Type") == 0) {
			FUZZ_CHECK(e->index == 1 && !opt.keep_fields
			    && strncasecmp(e->value, "text/plain", 10) == 0
			    && strstr(e->value, "charset=utf-8") != NULL,
			    "a change of Content-Type to %s", e->value);
			changed_type = 1;
		} else if (strcmp(e->name, "Content-Transfer-Encoding") == 0) {
			FUZZ_CHECK(e->index == 1 && !opt.keep_fields
			    && strcmp(e->value, "8bit") == 0
			    && dsnx_part_cte(dsnx_mime_root(inmime))
			    == DSNX_CTE_7BIT,
			    "a change of Content-Transfer-Encoding to %s", e->value);
		} else {
			FUZZ_CHECK(strcmp(e->name, "Subject") == 0
			    && e->index == 1 && opt.subject && !opt.keep_fields
			    && subject == NULL,
			    "a change of %s[%u]", e->name, e->index);
			subject = e->value;
		}
	}
	FUZZ_CHECK(adds == 1, "%u X-DSN-Explain additions", adds);
	FUZZ_CHECK(strcmp(last_add, "X-DSN-Explain") == 0,
	    "X-DSN-Explain is not the last addition");
	wrapped = added_type != NULL
	    && strncmp(added_type, "multipart/mixed;", 16) == 0;
	FUZZ_CHECK(deletes == 0 || (wrapped && opt.wrap_single),
	    "old fields deleted, but the body is not wrapped");
	FUZZ_CHECK(!changed_type || (!wrapped && strcmp(dsnx_part_type(
	    dsnx_mime_root(inmime)), "multipart") != 0),
	    "Content-Type changed, but not of a single part in place");
	FUZZ_CHECK(count_fields(in, size, "X-DSN-Explain") == 0,
	    "rewritten though X-DSN-Explain was there");
	FUZZ_CHECK(count_fields(out, olen, "X-DSN-Explain") == 1,
	    "the output has %u X-DSN-Explain fields",
	    count_fields(out, olen, "X-DSN-Explain"));

	/* The output is the old header with the milter's edits applied, the
	 * blank line, and the milter's new body: what the CLI writes is what
	 * the MTA sends. */
	mime = inmime;
	root = dsnx_mime_root(mime);
	b = dsnx_part_body(root);
	body = dsnx_rewrite_body(rw, &blen);
	FUZZ_CHECK(body != NULL, "changed, but no body for the milter");
	edited_header(in, size, mime, rw, &want);
	FUZZ_CHECK(olen == want.len + blen && memcmp(out, want.data, want.len)
	    == 0, "the header is not the old one with the milter's edits");
	FUZZ_CHECK(memcmp(out + want.len, body, blen) == 0,
	    "the milter's body is not the output's");
	free(want.data);

	/* A multipart whose boundary never occurs has no parts: it reads as
	 * one text, and ours follows it like a single part's. */
	if (strcmp(dsnx_part_type(root), "multipart") == 0
	    && dsnx_part_child(root) != NULL) {
		const dsnx_part *first = dsnx_part_child(root);
		size_t from = dsnx_part_whole(first).start;

		FUZZ_CHECK(blen >= b.end - from && memcmp(body + blen
		    - (b.end - from), in + from, b.end - from) == 0,
		    "the old body parts are not kept byte for byte");
	} else if (wrapped) {
		FUZZ_CHECK(contains(body, blen, in + b.start, b.end - b.start),
		    "the wrapped text is not kept byte for byte");
	} else {
		size_t keep = front_kept(in, b, dsnx_part_cte(root));

		FUZZ_CHECK(blen >= keep - b.start && memcmp(body, in + b.start,
		    keep - b.start) == 0, "the old text is not kept in front");
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
