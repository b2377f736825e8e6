/*
 * NAME
 *	nonstd - read bounces that carry no delivery-status part
 * SYNOPSIS
 *	#include "nonstd.h"
 *
 *	dsnx_status dsnx_formats_compile(defs, &formats, &err)
 *	int dsnx_nonstd_read(formats, report)
 * DESCRIPTION
 *	One engine for every format description in formats.c.  The
 *	candidate texts are the text/plain parts outside any returned
 *	message, then the text/html ones (reduced to text: tags dropped,
 *	scripts and styles skipped, a few entities decoded), and a multipart
 *	whose boundary is missing, read as plain text.  Text parts in other
 *	charsets (ISO-2022-JP, ...) arrive converted to UTF-8 by the MIME
 *	layer.
 *
 *	Formats are tried in table order.  A format applies when its gate
 *	passes (From, Subject or a header field match; all of them with
 *	gate_all) and its marker matches one of the candidate texts (the
 *	first text when it has no marker).  The text is cut from the marker
 *	to where the end pattern finds the returned message, and recipients
 *	are read with the recipient pattern (group 1, PCRE2 branch reset
 *	"(?|...)" for several wordings).  A format that applies but finds
 *	nobody lets the next one try.
 *
 *	A recipient's stretch of text runs from its match to the next
 *	recipient match; in a format marked transcript, transcript.c also
 *	ends it at a line about another address, host or session, and puts
 *	the server replies standing above the recipient's own status line
 *	first.  An address named again later (a session transcript
 *	after a list) takes the first of its stretches that holds a status or
 *	reply code.  Its status is the format's status pattern's group 1 in
 *	that stretch, if set; its diagnostic the diagnostic pattern's group 1
 *	in the stretch, else in the whole cut text, else the stretch itself.
 *
 *	RFC 3464 fields printed into the text (Final-Recipient, Action,
 *	Status, Diagnostic-Code: one block per paragraph) are read too: they
 *	add recipients the prose did not name, and give the others their
 *	Action, and their Status when the diagnostic holds no code.
 *
 *	When no format found anybody, the first format that applied takes
 *	its recipients from X-Failed-Recipients, then from the To: of the
 *	returned message part, then from a To: field in the header block
 *	quoted after the end marker, with the cut text (or the diagnostic
 *	pattern's match) as the diagnostic.
 *
 *	A recipient without a status gets one from its diagnostic as every
 *	recipient does, in report.c, under the convention for non-standard
 *	formats described there (a reply code alone gives its class, "550"
 *	gives 5.0.0); nothing else is inferred here.
 *
 *	Knowledge of particular MTAs belongs in formats.c, not here.
 * LIMITS
 *	Every pattern runs under PCRE2 match and depth limits (a limit hit
 *	counts as no match).  Diagnostics are capped at DIAG_MAX bytes; a
 *	longer one is marked cut (diagnostic_cut).  At
 *	most MAX_TEXTS text parts, MAX_HITS recipient matches per format and
 *	max_recipients recipients; the report fields are looked for in the
 *	first EMBED_SCAN_MAX bytes, an inline returned header in the first
 *	INLINE_HEADER_MAX bytes after the end marker.  No recursion.
 * DIAGNOSTICS
 *	dsnx_formats_compile() names the format and pattern that failed to
 *	compile, with PCRE2's message and offset.
 * SEE ALSO
 *	formats.c, report.c.
 */
#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "codec.h"
#include "acsearch.h"
#include "dsn.h"
#include "literals.h"
#include "nonstd.h"
#include "report.h"
#include "rules.h"
#include "transcript.h"


#define DIAG_MAX 2048
#define MATCH_LIMIT 200000
#define DEPTH_LIMIT 5000
#define MAX_TEXTS 8		/* text parts looked at */
#define MAX_HITS 64		/* recipient matches read */
#define EMBED_SCAN_MAX (64 * 1024)	/* text scanned for report fields */
#define INLINE_HEADER_MAX (16 * 1024)	/* inline returned header read */

enum {
	P_FROM, P_SUBJECT, P_HEADER, P_MARKER, P_END, P_RECIPIENT, P_STATUS,
	P_DIAGNOSTIC, P_COUNT
};

typedef struct compiled_format {
	const dsnx_format_def *def;
	pcre2_code *re[P_COUNT];
	/* The gate's From/Subject pattern is the shared bounce sender /
	 * bounce subject one: its result is the message's, reckoned once. */
	int shared_from, shared_subject;
	/* The marker / header pattern has literals in the prefilter: where
	 * none occurs, the pattern cannot match and is not run. */
	int marker_lit, header_lit;
} compiled_format;

struct dsnx_formats {
	compiled_format *v;
	unsigned count;
	pcre2_code *bounce_from;	/* dsnx_bounce_from_pattern */
	pcre2_code *bounce_subject;	/* dsnx_bounce_subject_pattern */
	pcre2_code *returned;		/* dsnx_returned_pattern */
	pcre2_code *wording;		/* dsnx_failure_wording_pattern */
	pcre2_code *fwd_marker;		/* dsnx_forward_marker_pattern */
	pcre2_code *fwd_subject;	/* dsnx_forward_subject_pattern */
	pcre2_match_context *mctx;
	/* Literals of the marker (id 2i) and header (id 2i+1) patterns of
	 * format i, found in one scan of a text (NULL: no prefilter). */
	dsnx_ac *ac;
	size_t ac_words;
};

static const char *const pattern_names[P_COUNT] = {
	"from", "subject", "header", "marker", "end", "recipient", "status",
	"diagnostic"
};

static const char *
def_pattern(const dsnx_format_def *d, int which)
{
	switch (which) {
	case P_FROM: return d->from;
	case P_SUBJECT: return d->subject;
	case P_HEADER: return d->header;
	case P_MARKER: return d->marker;
	case P_END: return d->end;
	case P_RECIPIENT: return d->recipient;
	case P_STATUS: return d->status;
	default: return d->diagnostic;
	}
}

void
dsnx_formats_free(dsnx_formats *f)
{
	unsigned i;
	int k;

	if (f == NULL)
		return;
	for (i = 0; i < f->count; i++)
		for (k = 0; k < P_COUNT; k++)
			pcre2_code_free(f->v[i].re[k]);
	pcre2_code_free(f->bounce_from);
	pcre2_code_free(f->bounce_subject);
	pcre2_code_free(f->returned);
	pcre2_code_free(f->wording);
	pcre2_code_free(f->fwd_marker);
	pcre2_code_free(f->fwd_subject);
	pcre2_match_context_free(f->mctx);
	dsnx_ac_free(f->ac);
	free(f->v);
	free(f);
}

/* Compiles one pattern, caseless and multiline; on failure fills err
 * (may be NULL) naming what failed. */
static pcre2_code *
compile_one(const char *pat, pcre2_compile_context *cctx, const char *format,
    const char *which, dsnx_error_t *err)
{
	pcre2_code *re;
	PCRE2_SIZE off;
	int code;

	re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
	    PCRE2_CASELESS | PCRE2_MULTILINE | PCRE2_UTF | PCRE2_UCP, &code, &off,
	    cctx);
	if (re == NULL) {
		if (err != NULL) {
			PCRE2_UCHAR msg[120];

			pcre2_get_error_message(code, msg, sizeof(msg));
			memset(err, 0, sizeof(*err));
			err->position = off;
			err->column = (int)off + 1;
			snprintf(err->source, sizeof(err->source),
			    "format %s, %s pattern", format, which);
			snprintf(err->text, sizeof(err->text), "%s", msg);
		}
		return NULL;
	}
	/* JIT is an optimisation; without it matching still works. */
	dsnx_regex_jit(re);
	return re;
}

/* Adds the literals of pattern under id; 1 when it has a set. */
static int
add_literals(dsnx_ac *ac, const char *pattern, unsigned id, dsnx_status *st)
{
	literal_set *ls;
	unsigned k;

	if (pattern == NULL || (ls = malloc(sizeof(*ls))) == NULL)
		return 0;
	dsnx_pattern_literals(pattern, ls);
	for (k = 0; k < ls->count && *st == DSNX_OK; k++)
		*st = dsnx_ac_add(ac, ls->lit[k], ls->len[k], id);
	k = ls->count;
	free(ls);
	return k > 0 && *st == DSNX_OK;
}

/*
 * The formats' gates and markers meet every non-standard bounce, and a
 * marker that is not there costs a scan of the whole text, once per
 * format.  So the literals every match of a marker or header pattern
 * must contain (literals.c, as for the rules) are looked for in one
 * Aho-Corasick scan of each text, and a pattern none of whose literals
 * occurs is not run: the result is the same.  Gates that use the shared
 * bounce sender and subject patterns are noted, to be matched once.
 */
static dsnx_status
build_prefilter(dsnx_formats *f)
{
	dsnx_status st = DSNX_OK;
	unsigned i;
	int any = 0;

	if ((st = dsnx_ac_new(&f->ac)) != DSNX_OK)
		return st;
	for (i = 0; i < f->count && st == DSNX_OK; i++) {
		compiled_format *cf = &f->v[i];
		const dsnx_format_def *d = cf->def;

		cf->shared_from = d->from != NULL
		    && strcmp(d->from, dsnx_bounce_from_pattern) == 0;
		cf->shared_subject = d->subject != NULL
		    && strcmp(d->subject, dsnx_bounce_subject_pattern) == 0;
		cf->marker_lit = add_literals(f->ac, d->marker, 2 * i, &st);
		cf->header_lit = add_literals(f->ac, d->header, 2 * i + 1, &st);
		any |= cf->marker_lit | cf->header_lit;
	}
	if (st == DSNX_OK && any)
		st = dsnx_ac_compile(f->ac);
	if (st != DSNX_OK || !any) {
		dsnx_ac_free(f->ac);
		f->ac = NULL;
		for (i = 0; i < f->count; i++)
			f->v[i].marker_lit = f->v[i].header_lit = 0;
	}
	if (st == DSNX_OK && f->ac != NULL)
		f->ac_words = dsnx_ac_words(f->ac);
	return st;
}

dsnx_status
dsnx_formats_compile(const dsnx_format_def *defs, dsnx_formats **out,
    dsnx_error_t *err)
{
	dsnx_formats *f;
	unsigned n = 0, i;
	int k;
	pcre2_compile_context *cctx;
	dsnx_status st = DSNX_OK;

	*out = NULL;
	while (defs[n].name != NULL)
		n++;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return DSNX_ENOMEM;
	if ((f->v = calloc(n ? n : 1, sizeof(*f->v))) == NULL
	    || (f->mctx = pcre2_match_context_create(NULL)) == NULL) {
		dsnx_formats_free(f);
		return DSNX_ENOMEM;
	}
	if ((cctx = pcre2_compile_context_create(NULL)) == NULL) {
		dsnx_formats_free(f);
		return DSNX_ENOMEM;
	}
	/* Messages arrive with CRLF or LF line ends: ^ and $ accept both. */
	pcre2_set_newline(cctx, PCRE2_NEWLINE_ANYCRLF);
	pcre2_set_bsr(cctx, PCRE2_BSR_ANYCRLF);
	pcre2_set_match_limit(f->mctx, MATCH_LIMIT);
	pcre2_set_depth_limit(f->mctx, DEPTH_LIMIT);
	if ((f->bounce_from = compile_one(dsnx_bounce_from_pattern, cctx,
	    "(all)", "bounce sender", err)) == NULL
	    || (f->bounce_subject = compile_one(dsnx_bounce_subject_pattern,
	    cctx, "(structure)", "bounce subject", err)) == NULL
	    || (f->returned = compile_one(dsnx_returned_pattern, cctx,
	    "(structure)", "returned message", err)) == NULL
	    || (f->wording = compile_one(dsnx_failure_wording_pattern, cctx,
	    "(structure)", "failure wording", err)) == NULL
	    || (f->fwd_marker = compile_one(dsnx_forward_marker_pattern, cctx,
	    "(structure)", "forward separator", err)) == NULL
	    || (f->fwd_subject = compile_one(dsnx_forward_subject_pattern, cctx,
	    "(structure)", "forward subject", err)) == NULL)
		st = DSNX_EPARSE;
	for (i = 0; i < n && st == DSNX_OK; i++) {
		f->v[i].def = &defs[i];
		f->count = i + 1;
		for (k = 0; k < P_COUNT && st == DSNX_OK; k++) {
			const char *pat = def_pattern(&defs[i], k);

			if (pat != NULL && (f->v[i].re[k] = compile_one(pat, cctx,
			    defs[i].name, pattern_names[k], err)) == NULL)
				st = DSNX_EPARSE;
		}
	}
	pcre2_compile_context_free(cctx);
	if (st == DSNX_OK)
		st = build_prefilter(f);
	if (st != DSNX_OK) {
		dsnx_formats_free(f);
		return st;
	}
	*out = f;
	return DSNX_OK;
}

/* ------------------------------------------------------------- matching */

typedef struct matcher {
	const dsnx_formats *formats;
	pcre2_match_data *md;
	/* The message's header fields as "Name: value" lines, made once
	 * for all the formats whose gate tries them (header_lines()). */
	dsnx_buf hlines;
	size_t *hend;			/* where line i ends; NULL: not made */
	/* The message's From and Subject against the shared bounce
	 * patterns: -1 not yet matched, else the result. */
	int from_bounce, subject_bounce;
	/* Prefilter literals seen: per candidate text (slot c) and in the
	 * header lines (slot MAX_TEXTS), ac_words words each; a slot is
	 * scanned when first asked for.  NULL: every pattern is run. */
	uint64_t *seen;
	unsigned char seen_ready[MAX_TEXTS + 1];
} matcher;

static void
matcher_init(matcher *mt, const dsnx_formats *formats)
{
	mt->formats = formats;
	mt->md = NULL;
	dsnx_buf_init(&mt->hlines, 0);
	mt->hend = NULL;
	mt->from_bounce = mt->subject_bounce = -1;
	mt->seen = NULL;
	memset(mt->seen_ready, 0, sizeof(mt->seen_ready));
}

static void
matcher_free(matcher *mt)
{
	pcre2_match_data_free(mt->md);
	dsnx_buf_free(&mt->hlines);
	free(mt->hend);
	free(mt->seen);
	mt->md = NULL;
	mt->hend = NULL;
	mt->seen = NULL;
}

/* Returns 1 and the match's extent (group 0, and group 1 if wanted) on a
 * match at or after start; 0 on no match or when a limit was hit. */
static int
run(matcher *mt, const pcre2_code *re, const char *s, size_t len,
    size_t start, size_t *m0, size_t *m1, size_t *g0, size_t *g1)
{
	PCRE2_SIZE *ov;
	int rc;

	if (re == NULL || start > len)
		return 0;
	rc = pcre2_match(re, (PCRE2_SPTR)s, len, start, PCRE2_NO_UTF_CHECK,
	    mt->md, mt->formats->mctx);
	if (rc <= 0)
		return 0;
	ov = pcre2_get_ovector_pointer(mt->md);
	if (m0 != NULL) {
		*m0 = ov[0];
		*m1 = ov[1];
	}
	if (g0 != NULL) {
		if (rc >= 2 && ov[2] != PCRE2_UNSET) {
			*g0 = ov[2];
			*g1 = ov[3];
		} else {
			*g0 = *g1 = PCRE2_UNSET;
		}
	}
	return 1;
}

static int
match_str(matcher *mt, const pcre2_code *re, const char *s)
{
	return s != NULL && run(mt, re, s, strlen(s), 0, NULL, NULL, NULL, NULL);
}

/* The message's From against the shared bounce sender pattern, matched
 * once however many gates and signals ask. */
static int
from_is_bounce(matcher *mt, const dsnx_report *r)
{
	if (mt->from_bounce < 0)
		mt->from_bounce = match_str(mt, mt->formats->bounce_from, r->from);
	return mt->from_bounce;
}

static int
subject_is_bounce(matcher *mt, const dsnx_report *r)
{
	if (mt->subject_bounce < 0)
		mt->subject_bounce = match_str(mt, mt->formats->bounce_subject,
		    r->subject);
	return mt->subject_bounce;
}

/*
 * Whether a prefiltered pattern (literal id) may match t[0, len), the
 * text of slot: 0 only when none of its literals occurs there.  The
 * slot's text is scanned once, on the first question.
 */
static int
may_match(matcher *mt, unsigned slot, const char *t, size_t len, unsigned id)
{
	const dsnx_formats *f = mt->formats;
	uint64_t *w;

	if (f->ac == NULL || slot > MAX_TEXTS)
		return 1;
	if (mt->seen == NULL && (mt->seen = calloc((MAX_TEXTS + 1)
	    * f->ac_words, sizeof(*mt->seen))) == NULL)
		return 1;
	w = mt->seen + slot * f->ac_words;
	if (!mt->seen_ready[slot]) {
		dsnx_ac_scan(f->ac, t, len, w);
		mt->seen_ready[slot] = 1;
	}
	return (int)((w[id / 64] >> (id % 64)) & 1);
}

/* One match of re against s outside any message's matcher; 0 also
 * when s is NULL or memory ran out. */
static int
match_once(const dsnx_formats *formats, const pcre2_code *re, const char *s)
{
	matcher mt;
	int hit;

	if (s == NULL)
		return 0;
	matcher_init(&mt, formats);
	if ((mt.md = pcre2_match_data_create(1, NULL)) == NULL)
		return 0;
	hit = match_str(&mt, re, s);
	matcher_free(&mt);
	return hit;
}

int
dsnx_formats_bounce_sender(const dsnx_formats *formats, const char *from)
{
	return match_once(formats, formats->bounce_from, from);
}

int
dsnx_formats_forward_subject(const dsnx_formats *formats, const char *subject)
{
	return match_once(formats, formats->fwd_subject, subject);
}

/* Appends len bytes of data to b, at most *room of them. */
static dsnx_status
append_cut(dsnx_buf *b, const char *data, size_t len, size_t *room)
{
	size_t take = len < *room ? len : *room;

	*room -= take;
	return dsnx_buf_append(b, data, take);
}

/*
 * The lines match_any_header() tries, each cut at the same length as
 * there, all in one buffer, made on the first call for a message: a
 * bounce meets the gates of many formats, and making the lines for each
 * of them again was half of what the gates cost.  -1 when memory ran
 * out (nothing made).
 */
static int
header_lines(matcher *mt, const dsnx_report *r)
{
	unsigned i, n = dsnx_report_header_count(r);
	size_t room;

	if (mt->hend != NULL)
		return 0;
	if ((mt->hend = malloc((n + 1) * sizeof(*mt->hend))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		const dsnx_field *f = dsnx_report_header_field(r, i);

		room = r->ctx->limits.max_header_field * 3 + 256;
		if (append_cut(&mt->hlines, f->name, strlen(f->name), &room)
		    != DSNX_OK
		    || append_cut(&mt->hlines, ": ", 2, &room) != DSNX_OK
		    || append_cut(&mt->hlines, f->value, strlen(f->value), &room)
		    != DSNX_OK) {
			dsnx_buf_free(&mt->hlines);
			free(mt->hend);
			mt->hend = NULL;
			return -1;
		}
		mt->hend[i] = mt->hlines.len;
	}
	return 0;
}

/* Tries the header pattern against every field of the message's own
 * header, as "Name: value" (the value decoded, as the report holds it). */
static int
match_any_header(matcher *mt, const pcre2_code *re, const dsnx_report *r)
{
	unsigned i, n = dsnx_report_header_count(r);
	dsnx_buf line;
	int hit = 0;

	if (header_lines(mt, r) == 0) {
		const char *all = dsnx_buf_str(&mt->hlines);
		size_t b = 0;

		for (i = 0; i < n && !hit; i++) {
			hit = run(mt, re, all + b, mt->hend[i] - b, 0, NULL, NULL,
			    NULL, NULL);
			b = mt->hend[i];
		}
		return hit;
	}
	/* Out of memory for all of them: one line at a time. */
	dsnx_buf_init(&line, r->ctx->limits.max_header_field * 3 + 256);
	for (i = 0; i < n && !hit; i++) {
		const dsnx_field *f = dsnx_report_header_field(r, i);

		dsnx_buf_reset(&line);
		dsnx_buf_append(&line, f->name, strlen(f->name));
		dsnx_buf_append(&line, ": ", 2);
		dsnx_buf_append(&line, f->value, strlen(f->value));
		hit = run(mt, re, dsnx_buf_str(&line), line.len, 0, NULL, NULL,
		    NULL, NULL);
	}
	dsnx_buf_free(&line);
	return hit;
}

/* -------------------------------------------------------- picking text */

/* Reduces HTML to text: tags dropped (block tags become line ends),
 * a few entities decoded, scripts and styles skipped. */
static dsnx_status
html_to_text(const char *h, size_t len, dsnx_buf *out)
{
	size_t i = 0;
	dsnx_status st = DSNX_OK;

	while (i < len && st != DSNX_ENOMEM) {
		if (h[i] == '<') {
			size_t j = i + 1;
			int block;

			if (len - j >= 6 && (strncasecmp(h + j, "script", 6) == 0
			    || strncasecmp(h + j, "style", 5) == 0)) {
				const char *close = NULL;
				size_t k;

				for (k = j; k + 2 < len; k++)
					if (h[k] == '<' && h[k + 1] == '/'
					    && (strncasecmp(h + k + 2, "script", 6) == 0
					    || strncasecmp(h + k + 2, "style", 5) == 0)) {
						close = h + k;
						break;
					}
				j = close ? (size_t)(close - h) + 2 : len;
			}
			block = j < len && (h[j] == 'p' || h[j] == 'P' || h[j] == 'b'
			    || h[j] == 'B' || h[j] == 'd' || h[j] == 'D' || h[j] == 't'
			    || h[j] == 'T' || h[j] == 'l' || h[j] == 'L'
			    || (h[j] == '/' && j + 1 < len && (h[j + 1] == 'p'
			    || h[j + 1] == 'P' || h[j + 1] == 'd' || h[j + 1] == 'D'
			    || h[j + 1] == 't' || h[j + 1] == 'T')));
			while (j < len && h[j] != '>')
				j++;
			i = j < len ? j + 1 : len;
			if (block)
				st = dsnx_buf_putc(out, '\n');
			continue;
		}
		if (h[i] == '&') {
			static const struct { const char *ent; char c; } ents[] = {
				{ "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' },
				{ "&quot;", '"' }, { "&nbsp;", ' ' }, { "&#64;", '@' },
				{ "&#39;", '\'' },
			};
			size_t k;
			int done = 0;

			for (k = 0; k < sizeof(ents) / sizeof(ents[0]); k++) {
				size_t el = strlen(ents[k].ent);

				if (len - i >= el && strncasecmp(h + i, ents[k].ent, el) == 0) {
					st = dsnx_buf_putc(out, ents[k].c);
					i += el;
					done = 1;
					break;
				}
			}
			if (done)
				continue;
		}
		st = dsnx_buf_putc(out, h[i]);
		i++;
	}
	return st == DSNX_ELIMIT ? DSNX_OK : st;
}

/* ------------------------------------------------------ candidate texts */

/* A text part that may hold the explanation: text/plain parts outside
 * returned messages, in order, then text/html ones (reduced to text when
 * first asked for). */
typedef struct text_cand {
	const dsnx_part *part;
	const char *text;
	size_t len;
	int html;
	int ready;
} text_cand;

typedef struct texts {
	text_cand v[MAX_TEXTS];
	unsigned n;
} texts;

static void
collect_texts(dsnx_report *r, texts *t)
{
	dsnx_mime *m = r->mime;
	unsigned i;
	int pass;

	t->n = 0;
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < m->part_count && t->n < MAX_TEXTS; i++) {
			const dsnx_part *p = m->parts[i];

			if (p->child != NULL || dsnx_part_is_returned(p)
			    || dsnx_part_returned_depth(p) > 0)
				continue;
			/* A multipart whose boundary could not be found is
			 * read as the plain text it then is. */
			if (!(strcmp(p->type, "text") == 0
			    && strcmp(p->subtype, pass ? "html" : "plain") == 0)
			    && !(pass == 0 && strcmp(p->type, "multipart") == 0))
				continue;
			t->v[t->n].part = p;
			t->v[t->n].html = pass;
			t->v[t->n].ready = 0;
			t->n++;
		}
}

/* The text of candidate i; NULL when memory ran out. */
static const char *
cand_text(dsnx_report *r, text_cand *c, size_t *len)
{
	if (!c->ready) {
		const char *h;
		size_t hlen;

		h = dsnx_part_text(r->mime, c->part, &hlen);
		if (h == NULL)
			return NULL;
		if (c->html) {
			dsnx_buf out;
			char *t = NULL;

			dsnx_buf_init(&out, hlen + 1);
			if (html_to_text(h, hlen, &out) == DSNX_OK)
				t = dsnx_arena_strndup(&r->arena, dsnx_buf_str(&out),
				    out.len);
			c->len = out.len;
			dsnx_buf_free(&out);
			if (t == NULL)
				return NULL;
			c->text = t;
		} else {
			c->text = h;
			c->len = hlen;
		}
		c->ready = 1;
	}
	*len = c->len;
	return c->text;
}

static void
note_returned(dsnx_report *r)
{
	dsnx_mime *m = r->mime;
	unsigned i;

	for (i = 1; i < m->part_count && r->returned_part == NULL; i++)
		if (dsnx_part_is_returned(m->parts[i])
		    && dsnx_part_returned_depth(m->parts[i]) == 0)
			r->returned_part = m->parts[i];
}

/* ---------------------------------------------------------- recipients */

/* Collapses runs of white space (line ends too) into single spaces;
 * *cut (may be NULL) says whether DIAG_MAX cut the text. */
static const char *
squeeze(dsnx_report *r, const char *s, size_t len, int *cut)
{
	char *out, *o;
	size_t i;
	int space = 1;

	if (cut != NULL)
		*cut = len > DIAG_MAX;
	if (len > DIAG_MAX)
		len = DIAG_MAX;
	if ((out = dsnx_arena_alloc(&r->arena, len + 1)) == NULL)
		return NULL;
	o = out;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			if (!space)
				*o++ = ' ';
			space = 1;
		} else {
			*o++ = (char)c;
			space = 0;
		}
	}
	while (o > out && o[-1] == ' ')
		o--;
	*o = '\0';
	/* Cutting at DIAG_MAX may split a UTF-8 sequence. */
	if (!dsnx_utf8_valid(out, (size_t)(o - out)))
		return dsnx_report_text(r, out, (size_t)(o - out));
	return out;
}

/* A transcript recipient's diagnostic: the server replies above its
 * status line, text[above, line) without their "<<<", then its stretch
 * text[from, to); NULL when memory ran out. */
static const char *
with_replies(dsnx_report *r, const char *text, size_t above, size_t line,
    size_t from, size_t to, int *cut)
{
	dsnx_buf b;
	const char *out;
	size_t p = above;

	dsnx_buf_init(&b, 2 * DIAG_MAX);
	while (p < line) {
		size_t q = p, e;

		while (q < line && (text[q] == ' ' || text[q] == '\t'))
			q++;
		if (line - q >= 3 && memcmp(text + q, "<<<", 3) == 0)
			q += 3;
		for (e = q; e < line && text[e] != '\n'; e++)
			;
		(void)dsnx_buf_append(&b, text + q, e - q);
		(void)dsnx_buf_putc(&b, ' ');
		p = e < line ? e + 1 : line;
	}
	if (to > from)
		(void)dsnx_buf_append(&b, text + from, to - from);
	/* A failed append only makes the text shorter. */
	out = squeeze(r, dsnx_buf_str(&b), b.len, cut);
	dsnx_buf_free(&b);
	return out;
}

static dsnx_recipient *
find_address(dsnx_report *r, const char *addr)
{
	unsigned i;

	for (i = 0; i < r->rcpt_count; i++)
		if (r->rcpts[i].recipient != NULL
		    && strcasecmp(r->rcpts[i].recipient, addr) == 0)
			return &r->rcpts[i];
	return NULL;
}

/* Does the text hold an enhanced status code or a reply code? */
static int
has_code(const char *s, size_t len)
{
	dsnx_code c;
	size_t ml;

	return dsnx_code_find(s, len, &c, &ml) >= 0 || dsnx_reply_find(s, len) != 0;
}

/* The status code a format's status pattern captures in text[from, to),
 * validated; 1 if found. */
static int
status_in(matcher *mt, const compiled_format *cf, const char *text,
    size_t from, size_t to, dsnx_code *code)
{
	size_t m0, m1, g0, g1;

	return cf->re[P_STATUS] != NULL
	    && run(mt, cf->re[P_STATUS], text, to, from, &m0, &m1, &g0, &g1)
	    && g0 != PCRE2_UNSET && dsnx_code_parse(text + g0, g1 - g0, code) == 0;
}

/* A diagnostic captured by a format's diagnostic pattern in text[from,
 * to); 1 if found (*out NULL only when memory ran out), *cut whether
 * DIAG_MAX cut it. */
static int
diagnostic_in(matcher *mt, const compiled_format *cf, dsnx_report *r,
    const char *text, size_t from, size_t to, const char **out, int *cut)
{
	size_t m0, m1, g0, g1;

	if (cf->re[P_DIAGNOSTIC] == NULL
	    || !run(mt, cf->re[P_DIAGNOSTIC], text, to, from, &m0, &m1, &g0, &g1))
		return 0;
	if (g0 == PCRE2_UNSET) {
		g0 = m0;
		g1 = m1;
	}
	*out = squeeze(r, text + g0, g1 - g0, cut);
	return 1;
}

/* Where a recipient's own text starts: after the punctuation that closes
 * its address ("<a@b>:", "a@b...", "\"a@b\",") and blanks on its line.
 * The caller clamps it to the start of the next recipient's match. */
static size_t
past_address_end(const char *text, size_t pos, size_t end)
{
	while (pos < end && text[pos] != '\0'
	    && strchr(">]\")':;,. \t", text[pos]) != NULL)
		pos++;
	return pos;
}

typedef struct hit {
	size_t line;        /* start of the whole match */
	size_t after;       /* end of the address group */
	const char *addr;
	unsigned first;     /* index of the first hit with this address */
} hit;

/*
 * Finds recipients with the format's recipient pattern in text[start,
 * end).  An address may be named more than once (a list, then a session
 * transcript): its diagnostic is the stretch after its first mention
 * that holds a status or reply code, else the stretch after the first.
 * Returns how many were added, -1 for out of memory.
 */
static int
read_recipients(matcher *mt, const compiled_format *cf, dsnx_report *r,
    const char *text, size_t start, size_t end)
{
	hit hits[MAX_HITS];
	dsnx_code code;
	unsigned n = 0, i, k;
	int added = 0, whole_state = 0, whole_cut = 0;	/* diagnostic in the
							 * whole text: */
	const char *whole = NULL;	/* 0 not looked, 1 found, -1 none */
	size_t pos = start, m0, m1, g0, g1, above;

	while (n < MAX_HITS
	    && run(mt, cf->re[P_RECIPIENT], text, end, pos, &m0, &m1, &g0, &g1)) {
		if (g0 != PCRE2_UNSET && g1 > g0) {
			const char *a = dsnx_report_address(r, text + g0, g1 - g0);

			if (a != NULL && strchr(a, '@') != NULL) {
				hits[n].line = m0;
				hits[n].after = past_address_end(text, g1, end);
				hits[n].addr = a;
				hits[n].first = n;
				for (k = 0; k < n; k++)
					if (hits[k].first == k
					    && strcasecmp(hits[k].addr, a) == 0) {
						hits[n].first = k;
						break;
					}
				n++;
			}
		}
		pos = m1 > m0 ? m1 : m0 + 1;
	}
	/* A stretch ends where the next match starts, even if that match
	 * began inside the punctuation skipped after this address. */
	for (i = 0; i < n; i++) {
		size_t limit = i + 1 < n ? hits[i + 1].line : end;

		if (hits[i].after > limit)
			hits[i].after = limit;
	}
	for (i = 0; i < n; i++) {
		unsigned pick = i;
		size_t dend;
		dsnx_recipient *rc;

		if (hits[i].first != i || find_address(r, hits[i].addr) != NULL)
			continue;
		dend = i + 1 < n ? hits[i + 1].line : end;
		if (!has_code(text + hits[i].after, dend - hits[i].after))
			for (k = i + 1; k < n; k++) {
				size_t e = k + 1 < n ? hits[k + 1].line : end;

				if (hits[k].first == i
				    && has_code(text + hits[k].after, e - hits[k].after)) {
					pick = k;
					break;
				}
			}
		dend = pick + 1 < n ? hits[pick + 1].line : end;
		above = hits[pick].line;
		if (cf->def->transcript) {
			dend = dsnx_transcript_stretch_end(text, hits[pick].after,
			    dend, hits[i].addr);
			above = dsnx_transcript_replies_above(text, start,
			    hits[pick].line, dend, hits[i].addr);
		}
		if ((rc = dsnx_report_add(r)) == NULL)
			return (r->flags & DSNX_REPORT_TRUNCATED) ? added : -1;
		added++;
		rc->recipient = hits[i].addr;
		if (status_in(mt, cf, text, hits[pick].line, dend, &code)
		    && dsnx_report_set_status(r, rc, &code) < 0)
			return -1;
		if (diagnostic_in(mt, cf, r, text, hits[pick].line, dend,
		    &rc->diagnostic, &rc->diagnostic_cut))
			;
		else if (whole_state == 0 && (whole_state = diagnostic_in(mt, cf,
		    r, text, start, end, &whole, &whole_cut) ? 1 : -1) == 1
		    && whole == NULL)
			return -1;
		if (rc->diagnostic == NULL && whole_state == 1) {
			rc->diagnostic = whole;
			rc->diagnostic_cut = whole_cut;
		} else if (rc->diagnostic == NULL && above < hits[pick].line)
			rc->diagnostic = with_replies(r, text, above,
			    hits[pick].line, hits[pick].after, dend,
			    &rc->diagnostic_cut);
		else if (rc->diagnostic == NULL && dend > hits[pick].after)
			rc->diagnostic = squeeze(r, text + hits[pick].after,
			    dend - hits[pick].after, &rc->diagnostic_cut);
		if (rc->diagnostic == NULL && dend > hits[pick].after)
			return -1;
		if (rc->diagnostic != NULL && rc->diagnostic[0] == '\0') {
			rc->diagnostic = NULL;
			rc->diagnostic_cut = 0;
		}
	}
	return added;
}

/* Fallback: the addresses of a header field's value v (may be NULL) of
 * the top-level header or of the returned message. */
static int
recipients_from_header(dsnx_report *r, const char *v, const char *diag,
    int diag_cut)
{
	const char *p;
	int added = 0;

	if (v == NULL)
		return 0;
	for (p = v; *p != '\0'; ) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		const char *a = dsnx_report_address(r, p, len);
		dsnx_recipient *rc;

		if (a != NULL && strchr(a, '@') != NULL && find_address(r, a) == NULL) {
			if ((rc = dsnx_report_add(r)) == NULL)
				return added;
			rc->recipient = a;
			rc->diagnostic = diag;
			rc->diagnostic_cut = diag_cut;
			added++;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return added;
}

/* ------------------------------------------------ lines of plain text */

/* If line t[b, e) is the field "name:", the offset of its value. */
static size_t
field_value(const char *t, size_t b, size_t e, const char *name)
{
	size_t n = strlen(name);

	if (e - b <= n || strncasecmp(t + b, name, n) != 0 || t[b + n] != ':')
		return 0;
	b += n + 1;
	while (b < e && (t[b] == ' ' || t[b] == '\t'))
		b++;
	return b;
}

/* The RFC 3464 recipient fields read in prose, and where each stands in
 * the paragraph being read. */
static const char *const embedded_names[] = {
	"final-recipient", "status", "action", "diagnostic-code"
};
enum { E_RECIPIENT, E_STATUS, E_ACTION, E_DIAGNOSTIC, E_COUNT };

/* One paragraph's fields t[f0[k], f1[k]) into the report (see
 * read_embedded()).  0, 1 when the report is full, -1 when memory ran
 * out. */
static int
embedded_block(dsnx_report *r, const char *t, const size_t *f0,
    const size_t *f1)
{
	dsnx_recipient blk, *rc;
	int k, is_new = 0, diag_cut = 0;

	memset(&blk, 0, sizeof(blk));
	for (k = 0; k < E_COUNT; k++) {
		const char *val = t + f0[k];
		size_t len = f1[k] - f0[k];

		if (f1[k] <= f0[k])
			continue;
		if (k == E_DIAGNOSTIC) {
			if ((val = squeeze(r, val, len, &diag_cut)) == NULL)
				return -1;
			len = strlen(val);
		}
		if (dsnx_dsn_recipient_field(r, &blk, embedded_names[k], val, len)
		    < 0)
			return -1;
	}
	if (blk.recipient == NULL || strchr(blk.recipient, '@') == NULL)
		return 0;
	if ((rc = find_address(r, blk.recipient)) == NULL) {
		if ((rc = dsnx_report_add(r)) == NULL)
			return (r->flags & DSNX_REPORT_TRUNCATED) ? 1 : -1;
		rc->recipient = blk.recipient;
		is_new = 1;
	}
	if (is_new && blk.diagnostic != NULL && blk.diagnostic[0] != '\0') {
		rc->diagnostic = blk.diagnostic;
		rc->diagnostic_cut = diag_cut;
		rc->diagnostic_type = blk.diagnostic_type;
	}
	if (rc->status == NULL && blk.status != NULL && (rc->diagnostic == NULL
	    || !has_code(rc->diagnostic, strlen(rc->diagnostic)))) {
		rc->status = blk.status;
		rc->code = blk.code;
	}
	if (rc->action == NULL)
		rc->action = blk.action;
	return 0;
}

/*
 * Fields of RFC 3464 recipient blocks written into the text itself (MTAs
 * that print their report as prose, or a report whose MIME structure is
 * broken).  Each paragraph holding a Final-Recipient is one block: a
 * recipient the format did not find is added from it; one it found gets
 * the block's Action, and its Status when the diagnostic holds no code of
 * its own.  What each field's value says is read by dsn.c, as in a real
 * report; a Diagnostic-Code may run on over indented lines, and its
 * white space is squeezed as every diagnostic of this engine is.
 * Returns -1 when memory ran out.
 */
static int
read_embedded(dsnx_report *r, const char *t, size_t start, size_t end)
{
	size_t pos = start, b = 0, e = 0, v, f0[E_COUNT], f1[E_COUNT];
	int more = 1, in_diag = 0, k;

	if (end - start > EMBED_SCAN_MAX)
		end = start + EMBED_SCAN_MAX;
	memset(f0, 0, sizeof(f0));
	memset(f1, 0, sizeof(f1));
	while (more) {
		more = dsnx_text_line(t, end, &pos, &b, &e);
		if (more && e > b && (t[b] == ' ' || t[b] == '\t')) {
			if (in_diag)
				f1[E_DIAGNOSTIC] = e;
			continue;
		}
		in_diag = 0;
		if (more && e > b) {
			for (k = 0; k < E_COUNT; k++)
				if ((v = field_value(t, b, e, embedded_names[k])) != 0) {
					f0[k] = v;
					f1[k] = e;
					in_diag = k == E_DIAGNOSTIC;
					break;
				}
			continue;
		}
		/* End of a paragraph. */
		if (f1[E_RECIPIENT] > f0[E_RECIPIENT]
		    && (k = embedded_block(r, t, f0, f1)) != 0)
			return k < 0 ? -1 : 0;
		memset(f0, 0, sizeof(f0));
		memset(f1, 0, sizeof(f1));
	}
	return 0;
}

/*
 * Fallback for bounces that quote the returned message inline, without a
 * MIME part: the To: field of the header block after the end marker.
 */
static int
recipients_from_inline(dsnx_report *r, const char *t, size_t from,
    size_t len, const char *diag, int diag_cut)
{
	size_t pos = from, b, e, v, end = len;
	unsigned lines = 0;
	int added = 0;

	if (end - from > INLINE_HEADER_MAX)
		end = from + INLINE_HEADER_MAX;
	/* Skip the marker line itself and blank lines, then read fields. */
	(void)dsnx_text_line(t, end, &pos, &b, &e);
	while (dsnx_text_line(t, end, &pos, &b, &e) && lines++ < 200) {
		if (e == b) {
			if (lines > 1)
				break;
			continue;
		}
		if ((v = field_value(t, b, e, "to")) != 0) {
			const char *p = t + v, *stop = t + e;

			while (p < stop) {
				const char *comma = memchr(p, ',', (size_t)(stop - p));
				size_t l = comma ? (size_t)(comma - p) : (size_t)(stop - p);
				const char *a = dsnx_report_address(r, p, l);
				dsnx_recipient *rc;

				if (a != NULL && strchr(a, '@') != NULL
				    && find_address(r, a) == NULL) {
					if ((rc = dsnx_report_add(r)) == NULL)
						return added;
					rc->recipient = a;
					rc->diagnostic = diag;
					rc->diagnostic_cut = diag_cut;
					added++;
				}
				p += l;
				if (p < stop)
					p++;
			}
			break;
		}
	}
	return added;
}


/* ------------------------------------------------------------ structure */

/*
 * Whether a message is a bounce, from its structure rather than from one
 * MTA's sentences: each signal found adds its weight, and a message
 * whose score reaches STRUCT_THRESHOLD, with failure wording and an
 * address near it (the recipient to report), is read as a bounce when
 * no format description read it.  The signals, in dsnexplain(1) too:
 *
 *	null-sender		Return-Path: <>, the envelope sender of
 *				every bounce (RFC 5321 4.5.5)		2
 *	bounce-sender		From: a mailer daemon, postmaster or mail
 *				delivery system (Exchange's system
 *				mailbox too)				2
 *	bounce-subject		Subject: undeliverable, returned mail,
 *				delivery failure, ... (not Re:/Fwd:)	1
 *	auto-submitted		Auto-Submitted: other than "no"		1
 *	failure-wording		the text says delivery failed, an
 *				address is unknown, a 4xx/5xx reply	2
 *	address-near-wording	an address within NEAR_LINES lines of
 *				that wording, not the notice's own
 *				From, To or Return-Path			2
 *	returned-message	a returned message or header part, or
 *				a returned-message marker or header
 *				block in the text			1
 *	forwarded-notice	the text forwards, inline, a message
 *				whose own From or Subject is a
 *				bounce's (see forwarded_notice())	3
 *
 * A message whose other signals leave it below the threshold even with
 * failure wording, an address and a returned-message marker is not read
 * further (explain says so).
 *
 * A person's mail that quotes or describes a bounce lacks the sender
 * signals and stays below the threshold; a bounce from an unknown MTA
 * has most of them.  A bounce a person forwarded carries the sender
 * signals in its forwarded header block, and is read from there on.
 * The verdict and each signal are kept as text for explain.
 */
#define STRUCT_THRESHOLD 6
#define NEAR_LINES 3
#define STRUCT_SCAN_MAX (32 * 1024)
#define STRUCT_WORDING_MAX 32	/* wording matches looked around */
#define STRUCT_ADDRS 16		/* addresses kept */

enum { SIG_NULL_SENDER, SIG_BOUNCE_FROM, SIG_SUBJECT, SIG_AUTO, SIG_WORDING,
	SIG_ADDRESS, SIG_RETURNED, SIG_FORWARDED, SIG_COUNT };

static const struct {
	const char *name;
	int weight;
} signal_defs[SIG_COUNT] = {
	{ "null-sender", 2 }, { "bounce-sender", 2 }, { "bounce-subject", 1 },
	{ "auto-submitted", 1 }, { "failure-wording", 2 },
	{ "address-near-wording", 2 }, { "returned-message", 1 },
	{ "forwarded-notice", 3 },
};

typedef struct structure {
	int on[SIG_COUNT];
	int score;
	int passes;
	const char *addrs[STRUCT_ADDRS];
	unsigned naddrs;
	size_t notice_end;	/* where the notice's text ends */
	int skipped;		/* the text was not read: see read_structure() */
} structure;

/* The bare address of a header field of the notice, or NULL. */
static const char *
own_address(dsnx_report *r, const char *name)
{
	const char *v = dsnx_report_header(r, name);

	return v != NULL ? dsnx_report_address(r, v, strlen(v)) : NULL;
}

/* Start of the line NEAR_LINES lines before pos, and end of the one
 * NEAR_LINES lines after. */
static void
near_window(const char *t, size_t len, size_t pos, size_t *b, size_t *e)
{
	size_t i = pos, j = pos;
	int n;

	for (n = 0; n <= NEAR_LINES && i > 0; ) {
		i--;
		if (t[i] == '\n' && ++n > NEAR_LINES) {
			i++;
			break;
		}
	}
	for (n = 0; j < len; j++)
		if (t[j] == '\n' && ++n > NEAR_LINES)
			break;
	*b = i;
	*e = j;
}

/* Adds the addresses of t[b, e) that are none of the notice's own to
 * st.  -1 when memory ran out. */
static int
near_addresses(dsnx_report *r, const char *t, size_t b, size_t e,
    const char *const own[3], structure *st)
{
	size_t i;

	for (i = b; i < e && st->naddrs < STRUCT_ADDRS; i++) {
		size_t ab = i, ae = i;
		const char *a;
		unsigned k;
		int dup = 0;

		if (t[i] != '@')
			continue;
		while (ab > b && t[ab - 1] != ' ' && t[ab - 1] != '\t'
		    && t[ab - 1] != '\n' && t[ab - 1] != '<' && t[ab - 1] != '"'
		    && t[ab - 1] != '(' && t[ab - 1] != ':' && t[ab - 1] != ',')
			ab--;
		while (ae < e && t[ae] != ' ' && t[ae] != '\t' && t[ae] != '\r'
		    && t[ae] != '\n' && t[ae] != '>' && t[ae] != '"' && t[ae] != ')'
		    && t[ae] != ',' && t[ae] != ';')
			ae++;
		i = ae;
		if (ab == i - 1 || (a = dsnx_report_address(r, t + ab, ae - ab))
		    == NULL)
			continue;
		if (strchr(a, '@') == NULL || strchr(a, '@') == a
		    || strchr(strchr(a, '@'), '.') == NULL)
			continue;
		for (k = 0; k < 3; k++)
			if (own[k] != NULL && strcasecmp(own[k], a) == 0)
				dup = 1;
		for (k = 0; k < st->naddrs && !dup; k++)
			if (strcasecmp(st->addrs[k], a) == 0)
				dup = 1;
		if (!dup)
			st->addrs[st->naddrs++] = a;
	}
	return 0;
}

#define FWD_HEADER_LINES 12	/* lines of a forwarded header block */

/* The value of a "Name: value" line t[b, e) when Name is one of names
 * (a '|'-separated list, lower case), else NULL; *is_field tells
 * whether the line is shaped as a field at all. */
static const char *
field_line(const char *t, size_t b, size_t e, const char *names,
    size_t *vlen, int *is_field)
{
	size_t n = b, k;
	const char *p;

	*is_field = 0;
	while (n < e && n - b < 24 && t[n] != ':' && t[n] != '\n')
		n++;
	if (n >= e || t[n] != ':' || n == b || t[b] == ' ' || t[b] == '\t')
		return NULL;
	*is_field = 1;
	for (p = names; *p != '\0'; p += k + (p[k] == '|')) {
		for (k = 0; p[k] != '\0' && p[k] != '|'; k++)
			;
		if (k == n - b && strncasecmp(p, t + b, k) == 0) {
			b = n + 1;
			while (b < e && (t[b] == ' ' || t[b] == '\t'))
				b++;
			while (e > b && (t[e - 1] == '\r' || t[e - 1] == ' '))
				e--;
			*vlen = e - b;
			return t + b;
		}
	}
	return NULL;
}

/* Does the one-line value v (vlen bytes) match re? */
static int
match_value(matcher *mt, const pcre2_code *re, const char *v, size_t vlen)
{
	return v != NULL && run(mt, re, v, vlen, 0, NULL, NULL, NULL, NULL);
}

/*
 * A bounce forwarded inline by a person: a forward separator in
 * t[0, end) ("---------- Forwarded message ---------", "Begin forwarded
 * message:"; "-----Original Message-----" only under a forward's
 * Subject, since replies write it too), then a header block whose From
 * is a bounce sender's or whose Subject is a bounce's.  1 and *start at
 * the first line after that block, *to the address in the block's To
 * field (NULL without one), else 0.
 */
static int
forwarded_notice(matcher *mt, dsnx_report *r, const char *t, size_t end,
    size_t *start, const char **to)
{
	size_t pos = 0, m0, m1, g0, g1, b, e, vlen = 0;
	int fwd_subject = match_str(mt, mt->formats->fwd_subject, r->subject);

	*to = NULL;

	while (run(mt, mt->formats->fwd_marker, t, end, pos, &m0, &m1, &g0, &g1)) {
		int lines = 0, fields = 0, bounce = 0, is_field;
		const char *v;

		pos = m1 > m0 ? m1 : m0 + 1;
		if (g0 != PCRE2_UNSET && !fwd_subject)
			continue;
		for (b = m1; b < end && t[b] != '\n'; b++)
			;
		for (b = b < end ? b + 1 : end; b < end && lines < FWD_HEADER_LINES;
		    lines++) {
			for (e = b; e < end && t[e] != '\n'; e++)
				;
			if (e == b || (e == b + 1 && t[b] == '\r')) {
				if (fields > 0)
					break;	/* the block's end */
			} else {
				v = field_line(t, b, e, "from|von|de|da|van", &vlen,
				    &is_field);
				bounce |= match_value(mt, mt->formats->bounce_from, v, vlen);
				v = field_line(t, b, e, "subject|betreff|objet|asunto"
				    "|oggetto|onderwerp", &vlen, &is_field);
				bounce |= match_value(mt, mt->formats->bounce_subject, v,
				    vlen);
				if (!is_field)
					break;
				v = field_line(t, b, e, "to|an|\u00e0|a|para|aan", &vlen,
				    &is_field);
				if (v != NULL && *to == NULL)
					*to = dsnx_report_address(r, v, vlen);
				fields++;
			}
			b = e < end ? e + 1 : end;
		}
		if (bounce && fields > 0) {
			*start = b;
			return 1;
		}
	}
	return 0;
}

/* The signals of the message, its first candidate text t[0, len). */
static void
read_structure(matcher *mt, dsnx_report *r, const char *t, size_t len,
    structure *st)
{
	const char *rp = dsnx_report_header(r, "return-path");
	const char *as = dsnx_report_header(r, "auto-submitted");
	const char *own[3], *forwarded_to = NULL;
	size_t end = len, m0, m1, pos = 0, from;
	unsigned n = 0;
	int k, bound;

	memset(st, 0, sizeof(*st));
	if (rp != NULL) {
		while (*rp == ' ' || *rp == '\t')
			rp++;
		st->on[SIG_NULL_SENDER] = strncmp(rp, "<>", 2) == 0;
	}
	st->on[SIG_BOUNCE_FROM] = from_is_bounce(mt, r);
	st->on[SIG_SUBJECT] = subject_is_bounce(mt, r);
	st->on[SIG_AUTO] = as != NULL && strncasecmp(as, "no", 2) != 0;
	st->on[SIG_RETURNED] = r->returned_part != NULL;
	if (end > STRUCT_SCAN_MAX)
		end = STRUCT_SCAN_MAX;
	/* A forwarded notice is read from its own text on. */
	st->on[SIG_FORWARDED] = forwarded_notice(mt, r, t, end, &pos,
	    &forwarded_to);
	from = pos;
	/* Failure wording and an address are needed, and finding them is
	 * most of the cost: a message whose other signals leave the score
	 * short even with them and a returned-message marker (a person's
	 * mail, a feedback report) is not read further. */
	bound = signal_defs[SIG_WORDING].weight + signal_defs[SIG_ADDRESS].weight
	    + (st->on[SIG_RETURNED] ? 0 : signal_defs[SIG_RETURNED].weight);
	for (k = 0; k < SIG_COUNT; k++)
		if (st->on[k])
			bound += signal_defs[k].weight;
	if (bound < STRUCT_THRESHOLD) {
		st->skipped = 1;
		for (k = 0; k < SIG_COUNT; k++)
			if (st->on[k])
				st->score += signal_defs[k].weight;
		return;
	}
	/* The notice ends where the returned message starts. */
	if (run(mt, mt->formats->returned, t, end, pos, &m0, &m1, NULL, NULL)) {
		st->on[SIG_RETURNED] = 1;
		end = m0;
	}
	st->notice_end = end;
	/* The notice's own parties: a forwarded one was sent to the address
	 * its header block names, not to whoever it was forwarded to (a
	 * list manager relays a bounce to the very member who bounced). */
	own[0] = own_address(r, "from");
	own[1] = st->on[SIG_FORWARDED] ? forwarded_to : own_address(r, "to");
	own[2] = own_address(r, "return-path");
	while (n < STRUCT_WORDING_MAX
	    && run(mt, mt->formats->wording, t, end, pos, &m0, &m1, NULL, NULL)) {
		size_t b, e;

		st->on[SIG_WORDING] = 1;
		near_window(t, end, m0, &b, &e);
		if (b < from)
			b = from;	/* not the forwarded header block */
		(void)near_addresses(r, t, b, e, own, st);
		pos = m1 > m0 ? m1 : m0 + 1;
		n++;
	}
	st->on[SIG_ADDRESS] = st->naddrs > 0;
	for (k = 0; k < SIG_COUNT; k++)
		if (st->on[k])
			st->score += signal_defs[k].weight;
	st->passes = st->score >= STRUCT_THRESHOLD && st->on[SIG_WORDING]
	    && st->on[SIG_ADDRESS];
}

/* The signals as explain shows them: "score 9 (needs 6 with wording and
 * an address): null-sender +2, ...; absent: ...". */
static const char *
structure_text(dsnx_report *r, const structure *st)
{
	char buf[512];
	size_t o;
	int k, any = 0;

	o = (size_t)snprintf(buf, sizeof(buf), "score %d (%s at %d with "
	    "failure-wording and address-near-wording):", st->score,
	    st->passes ? "a bounce" : "not a bounce", STRUCT_THRESHOLD);
	for (k = 0; k < SIG_COUNT && o < sizeof(buf); k++)
		if (st->on[k])
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s %s +%d",
			    any++ ? "," : "", signal_defs[k].name,
			    signal_defs[k].weight);
	any = 0;
	for (k = 0; k < SIG_COUNT && o < sizeof(buf); k++)
		if (!st->on[k] && !(st->skipped && (k == SIG_WORDING
		    || k == SIG_ADDRESS || k == SIG_RETURNED)))
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s %s",
			    any++ ? "," : "; absent:", signal_defs[k].name);
	if (st->skipped && o < sizeof(buf))
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "; the text was "
		    "not read: with failure-wording, address-near-wording and "
		    "returned-message the score would stay below %d",
		    STRUCT_THRESHOLD);
	if (o >= sizeof(buf))
		o = sizeof(buf) - 1;
	return dsnx_report_text(r, buf, o);
}

/* Reads the structure the first time it is asked for (st zeroed before):
 * 1 it passes, 0 not, -1 when memory ran out. */
static int
structure_once(matcher *mt, dsnx_report *r, texts *tx, structure *st,
    const char **stext, size_t *slen)
{
	if (r->detection == NULL) {
		if (tx->n > 0 && (*stext = cand_text(r, &tx->v[0], slen)) == NULL)
			return -1;
		read_structure(mt, r, *stext, *slen, st);
		if ((r->detection = structure_text(r, st)) == NULL)
			return -1;
	}
	return st->passes;
}

/* ------------------------------------------------------------ the reader */

/* The header pattern of f may match a field: its literals occur in
 * the header lines (all of them when those cannot be made). */
static int
header_may_match(matcher *mt, const compiled_format *f, const dsnx_report *r)
{
	if (!f->header_lit || header_lines(mt, r) != 0)
		return 1;
	return may_match(mt, MAX_TEXTS, dsnx_buf_str(&mt->hlines),
	    mt->hlines.len, 2 * (unsigned)(f - mt->formats->v) + 1);
}

static int
gate(matcher *mt, const compiled_format *f, dsnx_report *r)
{
	int set = 0, ok = 0;

	if (f->re[P_FROM] != NULL) {
		set++;
		ok += f->shared_from ? from_is_bounce(mt, r)
		    : match_str(mt, f->re[P_FROM], r->from);
		if (ok && !f->def->gate_all)
			return 1;
	}
	if (f->re[P_SUBJECT] != NULL) {
		set++;
		ok += f->shared_subject ? subject_is_bounce(mt, r)
		    : match_str(mt, f->re[P_SUBJECT], r->subject);
		if (ok && !f->def->gate_all)
			return 1;
	}
	if (f->re[P_HEADER] != NULL && (!f->def->gate_all || ok == set)) {
		set++;
		ok += header_may_match(mt, f, r)
		    && match_any_header(mt, f->re[P_HEADER], r);
	}
	if (set == 0)
		return 1;
	return f->def->gate_all ? ok == set : ok > 0;
}

int
dsnx_nonstd_read(const dsnx_formats *formats, dsnx_report *r)
{
	matcher mt;
	const compiled_format *cf = NULL, *first = NULL;
	const char *text = "", *ftext = "";
	size_t len = 0, flen = 0, start = 0, fstart = 0, end, m0, m1;
	texts tx;
	structure st;
	unsigned i, c;
	const dsnx_part *part = NULL, *fpart = NULL;	/* whose text */
	const char *stext = "";
	size_t slen = 0;
	int n = 0, rc = 0, by_structure = 0;

	matcher_init(&mt, formats);
	mt.md = pcre2_match_data_create(4, NULL);
	if (mt.md == NULL)
		return -1;
	note_returned(r);
	collect_texts(r, &tx);
	memset(&st, 0, sizeof(st));
	for (i = 0; i < formats->count && cf == NULL; i++) {
		const compiled_format *f = &formats->v[i];
		int found = 0;

		/* The structure is read only when a format asks for it: the
		 * named formats recognise most bounces without it. */
		if (!gate(&mt, f, r)) {
			if (!f->def->score_gate
			    || structure_once(&mt, r, &tx, &st, &stext, &slen) <= 0)
				continue;
			/* A forwarded notice starts inside the text: the
			 * structure reads it (below), not a format from the
			 * top, whose end marker is the forward's separator. */
			if (st.on[SIG_FORWARDED])
				continue;
		}
		for (c = 0; c < tx.n && !found; c++) {
			if ((text = cand_text(r, &tx.v[c], &len)) == NULL)
				goto nomem;
			part = tx.v[c].part;
			if (f->re[P_MARKER] == NULL) {
				start = 0;
				found = 1;
			} else if ((!f->marker_lit || may_match(&mt, c, text, len, 2 * i))
			    && run(&mt, f->re[P_MARKER], text, len, 0, &m0, &m1,
			    NULL, NULL)) {
				start = m0;
				found = 1;
			}
		}
		if (!found && tx.n == 0 && f->re[P_MARKER] == NULL) {
			text = "";
			len = start = 0;
			part = NULL;
			found = 1;
		}
		if (!found)
			continue;
		if (first == NULL) {
			first = f;
			ftext = text;
			flen = len;
			fstart = start;
			fpart = part;
		}
		end = len;
		if (run(&mt, f->re[P_END], text, len, start, &m0, &m1, NULL, NULL))
			end = m0;
		if (f->re[P_RECIPIENT] != NULL
		    && (n = read_recipients(&mt, f, r, text, start, end)) < 0)
			goto nomem;
		if (read_embedded(r, text, start, len) < 0)
			goto nomem;
		if (r->rcpt_count > 0)
			cf = f;
	}
	if (cf == NULL && first != NULL) {
		/* The first format that recognised the message, without a
		 * recipient of its own: the addresses are in the header. */
		const char *diag;
		int diag_cut = 0;

		cf = first;
		text = ftext;
		len = flen;
		start = fstart;
		part = fpart;
		end = len;
		if (run(&mt, cf->re[P_END], text, len, start, &m0, &m1, NULL, NULL))
			end = m0;
		if (!diagnostic_in(&mt, cf, r, text, start, end, &diag, &diag_cut))
			diag = squeeze(r, text + start, end - start, &diag_cut);
		if (diag == NULL)
			goto nomem;
		if (diag[0] == '\0') {
			diag = NULL;
			diag_cut = 0;
		}
		n = recipients_from_header(r, dsnx_report_header(r,
		    "x-failed-recipients"), diag, diag_cut);
		if (n == 0 && r->returned_part != NULL
		    && r->returned_part->child != NULL)
			n = recipients_from_header(r, dsnx_part_header_get(r->mime,
			    r->returned_part->child, "to", 0), diag, diag_cut);
		if (n == 0 && end < len)
			n = recipients_from_inline(r, text, end, len, diag, diag_cut);
	}
	if (r->rcpt_count == 0
	    && structure_once(&mt, r, &tx, &st, &stext, &slen) < 0)
		goto nomem;
	if (r->rcpt_count == 0 && st.passes) {
		/* No format knew it, but its structure is a bounce's: the
		 * addresses near its failure wording are the recipients, and
		 * what the text says of each is read by report.c. */
		for (c = 0; c < st.naddrs; c++) {
			dsnx_recipient *nr = dsnx_report_add(r);

			if (nr == NULL)
				break;
			nr->recipient = st.addrs[c];
		}
		by_structure = r->rcpt_count > 0;
		text = stext;
		len = slen;
		part = tx.n > 0 ? tx.v[0].part : NULL;
	}
	if (r->rcpt_count == 0) {
		matcher_free(&mt);
		return 0;
	}
	r->format = by_structure ? "structure" : cf->def->name;
	/* The text the bounce was read from is its human-readable part
	 * (HTML already reduced to text), up to where a returned message
	 * it carries inline starts: the rules and each recipient's excerpt
	 * read the notice, not the returned message's own words. */
	r->human_part = part;
	r->human_text = text;
	r->human_len = len;
	if (by_structure && st.on[SIG_FORWARDED])
		r->human_len = st.notice_end;
	else if (run(&mt, by_structure ? mt.formats->returned : cf->re[P_END],
	    text, len, by_structure ? 0 : start, &m0, &m1, NULL, NULL) && m0 > 0)
		r->human_len = m0;
	matcher_free(&mt);
	return 1;
nomem:
	rc = -1;
	matcher_free(&mt);
	return rc;
}
