/*
 * NAME
 *	rewrite - the enriched bounce: explanation added, everything else kept
 * SYNOPSIS
 *	#include "dsnexplain.h"
 *
 *	dsnx_status dsnx_rewrite_message(ctx, rules, buf, len, options, &rw)
 * DESCRIPTION
 *	Builds the new message from the old one's bytes.  The header block
 *	is copied as it is (but for the two fields a single part may have
 *	widened or, wrapped, takes along, below); one X-DSN-Explain field is
 *	added after it (and, if asked, the Subject gets the outcome in front
 *	of its old value).
 *	What is added, the field's value and the two renditions, comes from
 *	the explanation model (explanation.c), built once and kept for the
 *	caller (dsnx_rewrite_explanation()); this file only places it.
 *	The body changes in one place only, the human-readable part:
 *
 *	  multipart (report or mixed): our multipart/alternative (text/plain,
 *	  text/html) is inserted as the first body part; every old part, the
 *	  preamble and the epilogue follow byte for byte.  A report then has
 *	  four parts where RFC 6522 names three; nesting the old first part
 *	  inside ours instead changes how Sisimai reads many real bounces
 *	  (see body_multipart()).
 *
 *	  a single part, MIME or not (README.md, "Single-part bounces"):
 *	  our text rendition follows the old text in the same part, in its
 *	  charset and transfer encoding, its declaration widened where it
 *	  must be (inplace.c plans it and writes the body; this file
 *	  writes the fields the plan changes or adds).  Where that cannot
 *	  be (not text/plain, a cut-short base64 body, ...), it passes
 *	  unchanged, or with the wrap_single option becomes
 *	  multipart/mixed: its first part the old body, byte for byte,
 *	  under the old Content-Type and Content-Transfer-Encoding fields
 *	  moved there byte for byte; ours follows as in the multipart
 *	  case.  The top Content-Type repeats the old charset parameter.
 *	  A multipart whose boundary never occurs reads as one text (mail
 *	  readers show it so): our text follows it.  A JSON body (a
 *	  provider's notification for software) passes unchanged.
 *
 *	Our parts open with Content-Language (RFC 3282): besides naming the
 *	language, this keeps Sisimai 4.25's flattener, which reads a nested
 *	part only when Content-Type is its first field, from reading our
 *	explanation as part of the bounce.
 *
 *	New lines use the message's own line ends (CRLF from a milter).  Our
 *	parts are quoted-printable, so the result is 7-bit where the input
 *	was, except for a bounce without MIME in a language that needs
 *	UTF-8: that one is declared 8bit (an MTA converts it for a peer
 *	without 8BITMIME).  Boundaries are "=_dsnx_" and a hash of the
 *	message, checked not
 *	to occur in it, so the output depends on the input bytes alone.
 *
 *	MIME damage that mail readers read through (a closing delimiter
 *	missing or misspelt, text before the first delimiter, a missing
 *	start delimiter, a part header without its blank line, a boundary
 *	never found below the top, a wrong charset) does not stop a rewrite:
 *	every old byte is copied, in order, so readers meet the same damage.
 *	On any doubt the message passes unchanged, with the reason: not a
 *	DSN, X-DSN-Explain already present, over the size limit, NUL bytes,
 *	more fields than the field limit (the copy would drop some), a header
 *	block that never ends, a part, depth or boundary limit reached; each
 *	reason names its case.
 * LIMITS
 *	Memory: the parse, the renditions and one output buffer of about the
 *	input's size.  Verdicts for at most max_recipients recipients.
 * DIAGNOSTICS
 *	DSNX_ENOMEM, DSNX_EINVAL.  Everything else is "unchanged, because".
 * SEE ALSO
 *	explanation.c, render.c, RFC 6522 (the human-readable part),
 *	RFC 2045 (QP).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "codec.h"
#include "encode.h"
#include "inplace.h"
#include "mime.h"
#include "rules.h"

#define EDITS_MAX 12


struct dsnx_rewrite {
	int changed;
	const char *why;
	dsnx_buf out;               /* the whole new message */
	size_t body_offset;         /* where its body starts */
	const char *orig;           /* unchanged: the caller's bytes */
	size_t orig_len;
	dsnx_header_edit edits[EDITS_MAX];
	unsigned edit_count;
	const char *header_value;   /* X-DSN-Explain, the model's */
	char *subject_value;
	char ctype_value[DSNX_INPLACE_CTYPE_MAX]; /* a Content-Type we write */
	unsigned recipients;        /* in the report, when it was a DSN */
	dsnx_classification *verdicts;  /* when it was classified */
	dsnx_explanation *explanation;  /* likewise */
};

void
dsnx_rewrite_options_init(dsnx_rewrite_options *o)
{
	dsnx_render_options_init(&o->render);
	dsnx_classify_options_init(&o->classify);
	o->max_size = 0;
	o->subject = 0;
	o->wrap_single = 0;
	o->keep_fields = 0;
}

void
dsnx_rewrite_free(dsnx_rewrite *rw)
{
	if (rw == NULL)
		return;
	dsnx_buf_free(&rw->out);
	free(rw->subject_value);
	dsnx_explanation_free(rw->explanation);
	dsnx_classification_free(rw->verdicts);
	free(rw);
}

const dsnx_classification *
dsnx_rewrite_verdicts(const dsnx_rewrite *rw)
{
	return rw->verdicts;
}

const dsnx_explanation *
dsnx_rewrite_explanation(const dsnx_rewrite *rw)
{
	return rw->explanation;
}

int
dsnx_rewrite_changed(const dsnx_rewrite *rw)
{
	return rw->changed;
}

const char *
dsnx_rewrite_why(const dsnx_rewrite *rw)
{
	return rw->why;
}

const char *
dsnx_rewrite_output(const dsnx_rewrite *rw, size_t *len)
{
	if (!rw->changed) {
		*len = rw->orig_len;
		return rw->orig;
	}
	*len = rw->out.len;
	return dsnx_buf_str(&rw->out);
}

const char *
dsnx_rewrite_body(const dsnx_rewrite *rw, size_t *len)
{
	if (!rw->changed) {
		*len = 0;
		return NULL;
	}
	*len = rw->out.len - rw->body_offset;
	return dsnx_buf_str(&rw->out) + rw->body_offset;
}

unsigned
dsnx_rewrite_edit_count(const dsnx_rewrite *rw)
{
	return rw->changed ? rw->edit_count : 0;
}

const dsnx_header_edit *
dsnx_rewrite_edit(const dsnx_rewrite *rw, unsigned i)
{
	return rw->changed && i < rw->edit_count ? &rw->edits[i] : NULL;
}

unsigned
dsnx_rewrite_recipient_count(const dsnx_rewrite *rw)
{
	return rw->recipients;
}

const char *
dsnx_rewrite_header_value(const dsnx_rewrite *rw)
{
	return rw->changed ? rw->header_value : NULL;
}

/* ------------------------------------------------------------ helpers */

static void
put(dsnx_buf *b, const char *s)
{
	dsnx_buf_append(b, s, strlen(s));
}

/* The message's own line end: that of its first line. */
static const char *
line_end_of(const char *buf, size_t len)
{
	const char *nl = memchr(buf, '\n', len);
	const char *cr = memchr(buf, '\r', len);

	if (cr != NULL && (nl == NULL || cr < nl))
		return cr + 1 < buf + len && cr[1] == '\n' ? "\r\n" : "\r";
	return "\n";
}

static uint64_t
fnv1a(const char *s, size_t len, uint64_t h)
{
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* A boundary that does not occur in the message: =_dsnx_<hash>. */
static void
make_boundary(const char *buf, size_t len, char *out, size_t size)
{
	uint64_t h = fnv1a(buf, len, 0xcbf29ce484222325ULL);
	unsigned round;

	for (round = 0; round < 64; round++) {
		snprintf(out, size, "=_dsnx_%016llx", (unsigned long long)h);
		if (memmem(buf, len, out, strlen(out)) == NULL)
			return;
		h = fnv1a(out, strlen(out), h);
	}
}

/*
 * Appends len bytes of UTF-8 as RFC 2047 "B" encoded words of at most
 * 75 characters each (section 2), cut between characters, separated by
 * a space (which readers drop between encoded words, section 6.2).
 */
static void
put_encoded_words(dsnx_buf *b, const char *s, size_t len)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	/* "=?UTF-8?B?" + 60 base64 characters + "?=" is 72. */
	const size_t chunk = 45;
	size_t at = 0, n, i;

	while (at < len) {
		n = len - at < chunk ? len - at : chunk;
		while (at + n < len && n > 1
		    && ((unsigned char)s[at + n] & 0xC0) == 0x80)
			n--;
		if (at > 0)
			dsnx_buf_putc(b, ' ');
		put(b, "=?UTF-8?B?");
		for (i = 0; i < n; i += 3) {
			const unsigned char *u = (const unsigned char *)s + at + i;
			unsigned v = (unsigned)u[0] << 16;

			if (i + 1 < n)
				v |= (unsigned)u[1] << 8;
			if (i + 2 < n)
				v |= u[2];
			dsnx_buf_putc(b, b64[(v >> 18) & 63]);
			dsnx_buf_putc(b, b64[(v >> 12) & 63]);
			dsnx_buf_putc(b, i + 1 < n ? b64[(v >> 6) & 63] : '=');
			dsnx_buf_putc(b, i + 2 < n ? b64[v & 63] : '=');
		}
		put(b, "?=");
		at += n;
	}
}

/* Bytes the "Subject: " line may take without its line end: RFC 5322's
 * 998; the value is never folded, the same for the milter's edit and the
 * message written. */
#define SUBJECT_LINE_MAX 998

/*
 * The outcome prefix for the Subject, RFC 2047 encoded when not ASCII.
 * The label is a rule text, so plain already (the loader refuses control
 * characters); it is checked again here because this is where a CR or LF
 * would become a header field of its own.  NULL (the Subject is left as
 * it was) for such a label or when the line would be too long.
 */
static char *
subject_value(const dsnx_ruleset *rules, const char *lang,
    dsnx_outcome outcome, const char *old)
{
	char key[40];
	const char *label;
	dsnx_buf b, raw;
	char *s = NULL;

	snprintf(key, sizeof(key), "subject.%s",
	    dsnx_outcome_name(outcome) ? dsnx_outcome_name(outcome) : "failed");
	if ((label = dsnx_ruleset_string(rules, lang, key)) == NULL
	    || dsnx_text_control(label, strlen(label)) != strlen(label))
		return NULL;
	dsnx_buf_init(&raw, 0);
	dsnx_buf_putc(&raw, '[');
	put(&raw, label);
	dsnx_buf_putc(&raw, ']');
	dsnx_buf_init(&b, 0);
	if (dsnx_ascii_only(raw.data, raw.len))
		dsnx_buf_append(&b, raw.data, raw.len);
	else
		put_encoded_words(&b, raw.data, raw.len);
	if (strlen("Subject: ") + b.len + 1 + strlen(old) <= SUBJECT_LINE_MAX) {
		dsnx_buf_putc(&b, ' ');
		put(&b, old);
		s = b.overflow ? NULL : strdup(dsnx_buf_str(&b));
	}
	dsnx_buf_free(&b);
	dsnx_buf_free(&raw);
	return s;
}

/* Our multipart/alternative part: header, blank line, body; no final
 * line end. */
static void
put_alternative(dsnx_buf *b, const dsnx_rendition *rd, const char *bnd,
    const char *lang, const char *eol)
{
	put(b, "Content-Type: multipart/alternative; boundary=\"");
	put(b, bnd);
	put(b, "_a\"");
	put(b, eol);
	put(b, eol);
	put(b, "--");
	put(b, bnd);
	put(b, "_a");
	put(b, eol);
	put(b, "Content-Language: ");
	put(b, lang);
	put(b, eol);
	put(b, "Content-Type: text/plain; charset=utf-8");
	put(b, eol);
	put(b, "Content-Transfer-Encoding: quoted-printable");
	put(b, eol);
	put(b, eol);
	dsnx_qp_encode(b, rd->text, rd->text_len, eol);
	put(b, eol);
	put(b, "--");
	put(b, bnd);
	put(b, "_a");
	put(b, eol);
	put(b, "Content-Language: ");
	put(b, lang);
	put(b, eol);
	put(b, "Content-Type: text/html; charset=utf-8");
	put(b, eol);
	put(b, "Content-Transfer-Encoding: quoted-printable");
	put(b, eol);
	put(b, eol);
	dsnx_qp_encode(b, rd->html, rd->html_len, eol);
	put(b, eol);
	put(b, "--");
	put(b, bnd);
	put(b, "_a--");
}

/* --------------------------------------------------------------- body */

/*
 * Body of a multipart message: ours is inserted as the first body part,
 * and everything else, byte for byte, follows.  (Wrapping the old first
 * part in a multipart/mixed with ours would keep a report at three parts,
 * but Sisimai 4.25 stops reading a nested part whose first header line is
 * not Content-Type, and many MTAs write the human-readable part without
 * any header: the bounce would read differently.)
 */
static int
body_multipart(dsnx_buf *o, const char *buf, const dsnx_mime *mime,
    const dsnx_part *root, const dsnx_rendition *rd, const char *bnd,
    const char *lang, const char *eol)
{
	const dsnx_part *first = dsnx_part_child(root);
	const char *outer = dsnx_part_param(mime, root, "boundary");
	dsnx_span body = dsnx_part_body(root), old;

	if (first == NULL || outer == NULL)
		return -1;
	old = dsnx_part_whole(first);
	dsnx_buf_append(o, buf + body.start, old.start - body.start);
	put_alternative(o, rd, bnd, lang, eol);
	put(o, eol);
	put(o, "--");
	put(o, outer);
	put(o, eol);
	dsnx_buf_append(o, buf + old.start, body.end - old.start);
	return 0;
}

/* Root fields that say how to read the old body.  When a single-part
 * bounce is wrapped they move, byte for byte, into the header of the
 * old text's own part, where they go on saying it. */
static int
moved_field(const dsnx_mime *mime, const dsnx_hfield *f)
{
	return dsnx_mime_field_is(mime, f, "content-type")
	    || dsnx_mime_field_is(mime, f, "content-transfer-encoding");
}

/* Is the body one JSON document and nothing else (a provider's machine
 * notification, such as Amazon SNS's "email-json" delivery, which
 * software reads as a whole)?  A JSON body that a "--" line closes, with
 * a footer for people after it (SNS's "email" delivery), is text for
 * people: readers such as Sisimai stop at that line, and our text goes
 * after the footer like any other. */
static int
json_whole_body(const char *buf, dsnx_span body)
{
	size_t i = body.start, line, end;

	while (i < body.end && (buf[i] == ' ' || buf[i] == '\t'
	    || buf[i] == '\r' || buf[i] == '\n'))
		i++;
	if (i >= body.end || buf[i] != '{')
		return 0;
	for (line = i; line < body.end; line = end + 1) {
		const char *nl = memchr(buf + line, '\n', body.end - line);

		end = nl != NULL ? (size_t)(nl - buf) : body.end;
		if (line + 2 <= end && buf[line] == '-' && buf[line + 1] == '-') {
			size_t k = line + 2;

			while (k < end && (buf[k] == ' ' || buf[k] == '\r'))
				k++;
			if (k == end)
				return 0;
		}
	}
	return 1;
}

/* A charset parameter worth repeating: a plain token. */
static int
charset_token(const char *cs)
{
	size_t i;

	if (cs == NULL || cs[0] == '\0' || strlen(cs) > 40)
		return 0;
	for (i = 0; cs[i] != '\0'; i++)
		if (!((cs[i] >= 'a' && cs[i] <= 'z') || (cs[i] >= 'A'
		    && cs[i] <= 'Z') || (cs[i] >= '0' && cs[i] <= '9')
		    || strchr("-_.:", cs[i]) != NULL))
			return 0;
	return 1;
}

/*
 * A single text part that cannot take our text in place (inplace.c),
 * with the wrap_single option: the body becomes multipart/mixed, the old
 * body first as its own part, under its old Content-Type and
 * Content-Transfer-Encoding fields, moved there byte for byte, then our
 * multipart/alternative.
 * The old body's bytes follow unchanged; the line end after them belongs
 * to the delimiter (RFC 2046 5.1.1), so the part holds every one of
 * them.  Old text first, as in the append case: Sisimai flattens the
 * parts and reads the bounce from the first text it meets (ours first
 * made it read 11 of 476 corpus bounces differently, README.md).  A
 * part without Content-Type gets "text/plain" (what it meant at the top,
 * RFC 2045 5.2) as its first field: Sisimai 4.25 reads a nested part
 * only when Content-Type comes first.
 */
static void
body_wrap(dsnx_buf *o, const char *buf, const dsnx_mime *mime,
    const dsnx_part *root, const dsnx_rendition *rd, const char *bnd,
    const char *lang, const char *eol)
{
	dsnx_span body = dsnx_part_body(root);
	unsigned i, n = dsnx_part_header_count(root);
	int have_ct = 0, have_cte = 0;

	put(o, "--");
	put(o, bnd);
	put(o, eol);
	/* Content-Type first, whatever the old order was. */
	for (i = 0; i < n; i++) {
		const dsnx_hfield *f = dsnx_mime_field(mime, root, i);

		if (dsnx_mime_field_is(mime, f, "content-type")) {
			dsnx_buf_append(o, buf + f->start, f->end - f->start);
			put(o, eol);
			have_ct = 1;
		}
	}
	if (!have_ct) {
		put(o, "Content-Type: text/plain");
		put(o, eol);
	}
	for (i = 0; i < n; i++) {
		const dsnx_hfield *f = dsnx_mime_field(mime, root, i);

		if (dsnx_mime_field_is(mime, f, "content-transfer-encoding")) {
			dsnx_buf_append(o, buf + f->start, f->end - f->start);
			put(o, eol);
			have_cte = 1;
		}
	}
	if (!have_cte && !dsnx_ascii_only(buf + body.start,
	    body.end - body.start)) {
		put(o, "Content-Transfer-Encoding: 8bit");
		put(o, eol);
	}
	put(o, eol);
	dsnx_buf_append(o, buf + body.start, body.end - body.start);
	put(o, eol);
	put(o, "--");
	put(o, bnd);
	put(o, eol);
	put_alternative(o, rd, bnd, lang, eol);
	put(o, eol);
	put(o, "--");
	put(o, bnd);
	put(o, "--");
	put(o, eol);
}

/* ------------------------------------------------------------ driver */

static dsnx_rewrite *
unchanged(dsnx_rewrite *rw, const char *why)
{
	rw->changed = 0;
	rw->why = why;
	dsnx_buf_free(&rw->out);
	return rw;
}

/*
 * The MIME problems that still stop a rewrite, each named.  Damage that
 * mail readers read through (a closing delimiter missing or misspelt,
 * text before the first delimiter, a part header without its blank line,
 * a boundary that never occurs in a nested part or at the top, a wrong
 * charset) does not: every part is copied as the bytes it was, so the
 * readers meet the same damage in the same place.  What remains would
 * make us drop bytes (fields past the field limit are not recorded, so
 * the header copy would lose them; a header block that never ends leaves
 * no body to carry the text) or is a limit that stopped the parse.
 */
static const char *
unsafe_reason(const dsnx_mime *mime, const dsnx_part *root)
{
	unsigned e = dsnx_mime_errors(mime);

	if (e & DSNX_MIME_NUL)
		return "NUL bytes in the message";
	if (e & DSNX_MIME_MANY_HEADERS)
		return "more header fields than the limit (a rewrite would drop "
		    "those past it)";
	if (e & DSNX_MIME_PARTS)
		return "more MIME parts than the limit";
	if (e & DSNX_MIME_DEPTH)
		return "MIME parts nested deeper than the limit";
	if (e & DSNX_MIME_LONG_BOUNDARY)
		return "a MIME boundary longer than the limit";
	if (dsnx_part_header(root).end == root->end
	    && dsnx_part_body(root).start == root->end
	    && dsnx_part_header_count(root) > 0)
		return "the header block never ends (no body to explain)";
	return NULL;
}

static void
add_edit(dsnx_rewrite *rw, dsnx_edit_kind kind, const char *name,
    const char *value, unsigned index)
{
	if (rw->edit_count < EDITS_MAX) {
		dsnx_header_edit *e = &rw->edits[rw->edit_count++];

		e->kind = kind;
		e->name = name;
		e->value = value;
		e->index = index;
	}
}

/*
 * The fields an in-place plan adds, after the old ones, and the milter
 * edits for those it adds or changes.  Added in this order: what
 * MIME-Version opens, the type, then its encoding.
 */
static void
declare_inplace(dsnx_rewrite *rw, const dsnx_inplace *plan, const char *eol)
{
	if (plan->ctype != DSNX_FIELD_KEEP)
		snprintf(rw->ctype_value, sizeof(rw->ctype_value), "%s",
		    plan->ctype_value);
	if (plan->mime_version == DSNX_FIELD_ADD) {
		put(&rw->out, "MIME-Version: 1.0");
		put(&rw->out, eol);
		add_edit(rw, DSNX_EDIT_ADD_HEADER, "MIME-Version", "1.0", 0);
	}
	if (plan->ctype == DSNX_FIELD_ADD) {
		put(&rw->out, "Content-Type: ");
		put(&rw->out, rw->ctype_value);
		put(&rw->out, eol);
	}
	if (plan->ctype != DSNX_FIELD_KEEP)
		add_edit(rw, plan->ctype == DSNX_FIELD_ADD ? DSNX_EDIT_ADD_HEADER
		    : DSNX_EDIT_CHANGE_HEADER, "Content-Type", rw->ctype_value,
		    plan->ctype == DSNX_FIELD_ADD ? 0 : 1);
	if (plan->cte == DSNX_FIELD_ADD) {
		put(&rw->out, "Content-Transfer-Encoding: ");
		put(&rw->out, plan->cte_value);
		put(&rw->out, eol);
	}
	if (plan->cte != DSNX_FIELD_KEEP)
		add_edit(rw, plan->cte == DSNX_FIELD_ADD ? DSNX_EDIT_ADD_HEADER
		    : DSNX_EDIT_CHANGE_HEADER, "Content-Transfer-Encoding",
		    plan->cte_value, plan->cte == DSNX_FIELD_ADD ? 0 : 1);
}

dsnx_status
dsnx_rewrite_message(const dsnx_context *ctx, const dsnx_ruleset *rules,
    const char *buf, size_t len, const dsnx_rewrite_options *options,
    dsnx_rewrite **out)
{
	dsnx_rewrite_options defaults;
	dsnx_rewrite *rw;
	dsnx_report *r = NULL;
	dsnx_classification *v = NULL;
	dsnx_rendition rd = { NULL, 0, NULL, 0 };
	const dsnx_mime *mime;
	const dsnx_part *root;
	const char *eol, *lang, *why, *cs;
	dsnx_outcome worst;
	enum { BODY_MULTIPART, BODY_INPLACE, BODY_WRAP } how;
	dsnx_inplace plan;
	const char *cannot;
	unsigned deletes[2] = { 0, 0 };
	char bnd[48];
	unsigned n, i, fields;
	int subject_at = -1;
	dsnx_status st;

	if (ctx == NULL || rules == NULL || out == NULL || (buf == NULL && len))
		return DSNX_EINVAL;
	*out = NULL;
	if (options == NULL) {
		dsnx_rewrite_options_init(&defaults);
		options = &defaults;
	}
	if ((rw = calloc(1, sizeof(*rw))) == NULL)
		return DSNX_ENOMEM;
	dsnx_inplace_init(&plan);	/* freed where the rewrite ends */
	rw->orig = buf;
	rw->orig_len = len;
	dsnx_buf_init(&rw->out, 0);
	*out = rw;
	if ((options->max_size > 0 && len > options->max_size)
	    || len > dsnx_context_limits(ctx)->max_message) {
		unchanged(rw, "larger than the size limit");
		return DSNX_OK;
	}
	if ((st = dsnx_report_read(ctx, buf, len, &r)) != DSNX_OK) {
		if (st == DSNX_ENOMEM) {
			dsnx_rewrite_free(rw);
			*out = NULL;
			return st;
		}
		unchanged(rw, "the message could not be read");
		return DSNX_OK;
	}
	mime = dsnx_report_mime(r);
	root = dsnx_mime_root(mime);
	if (dsnx_mime_find_field(mime, root, "x-dsn-explain") >= 0) {
		unchanged(rw, "already explained (X-DSN-Explain present)");
		goto done;
	}
	if (!dsnx_report_is_dsn(r)) {
		unchanged(rw, "not a delivery status notification");
		goto done;
	}
	if ((why = unsafe_reason(mime, root)) != NULL) {
		unchanged(rw, why);
		goto done;
	}
	n = dsnx_report_recipient_count(r);
	rw->recipients = n;
	if ((st = dsnx_classify_message(rules, r, &options->classify, &v))
	    != DSNX_OK)
		goto fail;
	rw->verdicts = v;
	if ((st = dsnx_explanation_build(rules, r, v, &options->render,
	    &rw->explanation)) != DSNX_OK
	    || (st = dsnx_explanation_render(rw->explanation, &rd)) != DSNX_OK)
		goto fail;
	worst = dsnx_explanation_worst(rw->explanation);
	rw->header_value = dsnx_explanation_header(rw->explanation);

	eol = line_end_of(buf, len);
	lang = dsnx_explanation_lang(rw->explanation);
	make_boundary(buf, len, bnd, sizeof(bnd));
	/* A multipart whose boundary never occurs reads as one text (mail
	 * readers show it so); it is wrapped like a single part. */
	if (strcmp(dsnx_part_type(root), "multipart") == 0
	    && dsnx_part_child(root) != NULL)
		how = BODY_MULTIPART;
	else if (strcmp(dsnx_part_type(root), "multipart") == 0) {
		/* After the bytes that read as its text. */
		how = BODY_INPLACE;
		if (dsnx_inplace_as_is(&plan, rd.text, rd.text_len) != DSNX_OK)
			goto nomem;
	} else if (json_whole_body(buf, dsnx_part_body(root))) {
		unchanged(rw, "a single-part JSON document (a machine "
		    "notification, read by software only as the whole body)");
		goto done;
	} else if ((st = dsnx_inplace_plan(mime, root, rd.text, rd.text_len,
	    !options->keep_fields, &plan, &cannot)) != DSNX_OK)
		goto fail;
	else if (cannot == NULL)
		how = BODY_INPLACE;
	else if (options->wrap_single && strcmp(dsnx_part_type(root), "text")
	    == 0)
		how = BODY_WRAP;
	else if (options->wrap_single) {
		/* A delivery-status or message part that is the whole message
		 * would lose its own header by the move: readers take it for
		 * the bounce's. */
		unchanged(rw, "a single-part bounce that is not text (its "
		    "type cannot move into a part of a multipart/mixed)");
		goto done;
	}
	else {
		unchanged(rw, cannot);
		goto done;
	}
	if (how == BODY_WRAP) {
		/* Each moved field is one milter edit; a handful is plenty
		 * for any real bounce. */
		unsigned moved = 0;

		for (i = 0; i < dsnx_part_header_count(root); i++)
			moved += (unsigned)moved_field(mime, dsnx_mime_field(mime,
			    root, i));
		if (moved > 4) {
			unchanged(rw, "more than four Content-Type and "
			    "Content-Transfer-Encoding fields at the top");
			goto done;
		}
	}
	if (dsnx_buf_reserve(&rw->out, len + rd.text_len * 2 + rd.html_len * 2
	    + 4096) != DSNX_OK)
		goto nomem;

	/* Header block: the old fields, the Subject perhaps changed. */
	if (options->subject && !options->keep_fields
	    && (subject_at = dsnx_mime_find_field(mime, root, "subject")) >= 0) {
		/* The old value as written (encoded words stay encoded). */
		dsnx_buf old;

		dsnx_buf_init(&old, dsnx_context_limits(ctx)->max_header_field + 1);
		if (dsnx_mime_unfold(mime, dsnx_mime_field(mime, root,
		    (unsigned)subject_at), &old) != DSNX_OK || old.len > 900
		    || (rw->subject_value = subject_value(rules,
		    options->render.lang, worst, dsnx_buf_str(&old))) == NULL)
			subject_at = -1;
		dsnx_buf_free(&old);
	}
	fields = dsnx_part_header_count(root);
	for (i = 0; i < fields; i++) {
		dsnx_span f = dsnx_part_header_field(mime, root, i);
		size_t next = i + 1 < fields ? dsnx_part_header_field(mime, root,
		    i + 1).start : dsnx_part_header(root).end;

		if (i == 0)	/* an mbox "From " line before the first field */
			dsnx_buf_append(&rw->out, buf, f.start);
		if (how == BODY_WRAP && moved_field(mime, dsnx_mime_field(mime,
		    root, i))) {
			deletes[dsnx_mime_field_is(mime, dsnx_mime_field(mime, root,
			    i), "content-type") ? 0 : 1]++;
			continue;
		}
		if ((int)i == subject_at) {
			put(&rw->out, "Subject: ");
			put(&rw->out, rw->subject_value);
			put(&rw->out, eol);
		} else if (how == BODY_INPLACE && plan.ctype == DSNX_FIELD_CHANGE
		    && dsnx_mime_field_is(mime, dsnx_mime_field(mime, root, i),
		    "content-type")) {
			put(&rw->out, "Content-Type: ");
			put(&rw->out, plan.ctype_value);
			put(&rw->out, eol);
		} else if (how == BODY_INPLACE && plan.cte == DSNX_FIELD_CHANGE
		    && dsnx_mime_field_is(mime, dsnx_mime_field(mime, root, i),
		    "content-transfer-encoding")) {
			put(&rw->out, "Content-Transfer-Encoding: ");
			put(&rw->out, plan.cte_value);
			put(&rw->out, eol);
		} else
			dsnx_buf_append(&rw->out, buf + f.start, next - f.start);
	}
	if (fields == 0)
		dsnx_buf_append(&rw->out, buf, dsnx_part_header(root).end);
	/* A header that did not end its last line gets one. */
	if (rw->out.len > 0 && rw->out.data[rw->out.len - 1] != '\n'
	    && rw->out.data[rw->out.len - 1] != '\r')
		put(&rw->out, eol);
	if (how == BODY_WRAP) {
		/* The milter deletes the moved fields, last occurrence first
		 * so that the indexes stay right, and appends ours as the CLI
		 * writes them. */
		while (deletes[0] > 0)
			add_edit(rw, DSNX_EDIT_DELETE_HEADER, "Content-Type", "",
			    deletes[0]--);
		while (deletes[1] > 0)
			add_edit(rw, DSNX_EDIT_DELETE_HEADER,
			    "Content-Transfer-Encoding", "", deletes[1]--);
		if (dsnx_mime_find_field(mime, root, "mime-version") < 0) {
			put(&rw->out, "MIME-Version: 1.0");
			put(&rw->out, eol);
			add_edit(rw, DSNX_EDIT_ADD_HEADER, "MIME-Version", "1.0", 0);
		}
		/* The old charset parameter goes on, last, though a multipart
		 * has no use for it: Sisimai's Lotus Notes reader, for one,
		 * takes the charset of the text from the top Content-Type. */
		cs = strcmp(dsnx_part_type(root), "text") == 0 ? dsnx_part_param(
		    mime, root, "charset") : NULL;
		snprintf(rw->ctype_value, sizeof(rw->ctype_value),
		    "multipart/mixed; boundary=\"%s\"%s%s", bnd,
		    charset_token(cs) ? "; charset=" : "",
		    charset_token(cs) ? cs : "");
		put(&rw->out, "Content-Type: ");
		put(&rw->out, rw->ctype_value);
		put(&rw->out, eol);
		add_edit(rw, DSNX_EDIT_ADD_HEADER, "Content-Type", rw->ctype_value,
		    0);
	}
	if (how == BODY_INPLACE)
		declare_inplace(rw, &plan, eol);
	put(&rw->out, "X-DSN-Explain: ");
	put(&rw->out, rw->header_value);
	put(&rw->out, eol);
	add_edit(rw, DSNX_EDIT_ADD_HEADER, "X-DSN-Explain", rw->header_value, 0);
	if (subject_at >= 0)
		add_edit(rw, DSNX_EDIT_CHANGE_HEADER, "Subject", rw->subject_value, 1);

	put(&rw->out, eol);
	rw->body_offset = rw->out.len;

	if (how == BODY_MULTIPART) {
		if (body_multipart(&rw->out, buf, mime, root, &rd, bnd, lang,
		    eol) != 0) {
			unchanged(rw, "no body part to explain");
			goto done;
		}
	} else if (how == BODY_INPLACE) {
		if (dsnx_inplace_write(&rw->out, buf, root, &plan, eol)
		    != DSNX_OK)
			goto nomem;
	} else
		body_wrap(&rw->out, buf, mime, root, &rd, bnd, lang, eol);
	if (rw->out.overflow)
		goto nomem;
	rw->changed = 1;
	rw->why = NULL;
done:
	dsnx_inplace_free(&plan);
	dsnx_rendition_free(&rd);
	dsnx_report_free(r);
	return DSNX_OK;
nomem:
	st = DSNX_ENOMEM;
fail:
	dsnx_inplace_free(&plan);
	dsnx_rendition_free(&rd);
	dsnx_report_free(r);
	dsnx_rewrite_free(rw);
	*out = NULL;
	return st;
}
