/*
 * NAME
 *	nonstd - read bounces that carry no delivery-status part
 * SYNOPSIS
 *	#include "nonstd.h"
 *
 *	dsnx_status dsnx_formats_compile(defs, &formats, &err)
 *	int dsnx_nonstd_read(formats, report)
 * DESCRIPTION
 *	One engine for every format description in formats.c.  It picks the
 *	human-readable text (the first text part outside a returned message;
 *	HTML reduced to text when there is nothing else), finds the first
 *	format whose header patterns and text marker match, cuts the text
 *	from the marker to where the returned message begins, and reads
 *	recipients from the format's recipient pattern.  Each recipient's
 *	diagnostic is the text from its address up to the next recipient.
 *	When the pattern finds nobody, X-Failed-Recipients and then the
 *	returned message's To: are used, with the whole cut text as the
 *	diagnostic.
 *
 *	Knowledge of particular MTAs belongs in formats.c, not here.
 * LIMITS
 *	Every pattern runs under PCRE2 match and depth limits (a limit hit
 *	counts as no match).  Diagnostics are capped at DIAG_MAX bytes.  At
 *	most max_recipients recipients.
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

#include "codec.h"
#include "nonstd.h"
#include "report.h"

#define DIAG_MAX 2048
#define MATCH_LIMIT 200000
#define DEPTH_LIMIT 5000

enum { P_FROM, P_SUBJECT, P_HEADER, P_MARKER, P_END, P_RECIPIENT, P_COUNT };

typedef struct compiled_format {
	const dsnx_format_def *def;
	pcre2_code *re[P_COUNT];
} compiled_format;

struct dsnx_formats {
	compiled_format *v;
	unsigned count;
	pcre2_match_context *mctx;
};

static const char *const pattern_names[P_COUNT] = {
	"from", "subject", "header", "marker", "end", "recipient"
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
	default: return d->recipient;
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
	pcre2_match_context_free(f->mctx);
	free(f->v);
	free(f);
}

dsnx_status
dsnx_formats_compile(const dsnx_format_def *defs, dsnx_formats **out,
    dsnx_error_t *err)
{
	dsnx_formats *f;
	unsigned n = 0, i;
	int k, code;
	PCRE2_SIZE off;
	pcre2_compile_context *cctx;

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
	for (i = 0; i < n; i++) {
		f->v[i].def = &defs[i];
		f->count = i + 1;
		for (k = 0; k < P_COUNT; k++) {
			const char *pat = def_pattern(&defs[i], k);

			if (pat == NULL)
				continue;
			f->v[i].re[k] = pcre2_compile((PCRE2_SPTR)pat,
			    PCRE2_ZERO_TERMINATED, PCRE2_CASELESS | PCRE2_MULTILINE
			    | PCRE2_UTF | PCRE2_UCP, &code, &off, cctx);
			if (f->v[i].re[k] == NULL) {
				if (err != NULL) {
					PCRE2_UCHAR msg[120];

					pcre2_get_error_message(code, msg, sizeof(msg));
					memset(err, 0, sizeof(*err));
					err->position = off;
					err->column = (int)off + 1;
					snprintf(err->source, sizeof(err->source),
					    "format %s, %s pattern", defs[i].name,
					    pattern_names[k]);
					snprintf(err->text, sizeof(err->text), "%s", msg);
				}
				pcre2_compile_context_free(cctx);
				dsnx_formats_free(f);
				return DSNX_EPARSE;
			}
			/* JIT is an optimisation; without it matching still works. */
			(void)pcre2_jit_compile(f->v[i].re[k], PCRE2_JIT_COMPLETE);
		}
	}
	pcre2_compile_context_free(cctx);
	*out = f;
	return DSNX_OK;
}

/* ------------------------------------------------------------- matching */

typedef struct matcher {
	const dsnx_formats *formats;
	pcre2_match_data *md;
} matcher;

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

/* Tries the header pattern against every field of the top header. */
static int
match_any_header(matcher *mt, const pcre2_code *re, dsnx_report *r)
{
	const dsnx_part *root = r->mime->parts[0];
	unsigned i;

	for (i = 0; i < root->field_count; i++) {
		const dsnx_hfield *f = dsnx_mime_field(r->mime, root, i);
		size_t name_len = f->name_len;
		dsnx_buf line;
		int hit;

		if (dsnx_mime_unfold(r->mime, f, &r->scratch) != DSNX_OK)
			return 0;
		dsnx_buf_init(&line, r->ctx->limits.max_header_field * 3 + 256);
		dsnx_buf_append(&line, r->mime->buf + f->start, name_len);
		dsnx_buf_append(&line, ": ", 2);
		dsnx_utf8_sanitize(dsnx_buf_str(&r->scratch), r->scratch.len, &line,
		    NULL);
		hit = run(mt, re, dsnx_buf_str(&line), line.len, 0, NULL, NULL,
		    NULL, NULL);
		dsnx_buf_free(&line);
		if (hit)
			return 1;
	}
	return 0;
}

/* -------------------------------------------------------- picking text */

static int
is_returned(const dsnx_part *p)
{
	return (strcmp(p->type, "message") == 0
	    && strcmp(p->subtype, "delivery-status") != 0
	    && strcmp(p->subtype, "global-delivery-status") != 0)
	    || (strcmp(p->type, "text") == 0
	    && strcmp(p->subtype, "rfc822-headers") == 0);
}

static int
under_returned(const dsnx_part *p)
{
	for (p = p->parent; p != NULL; p = p->parent)
		if (is_returned(p))
			return 1;
	return 0;
}

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

/* The human-readable text: first text/plain outside returned messages,
 * else the first text/html reduced to text. */
static const char *
pick_text(dsnx_report *r, size_t *len)
{
	dsnx_mime *m = r->mime;
	const dsnx_part *html = NULL;
	unsigned i;

	for (i = 0; i < m->part_count; i++) {
		const dsnx_part *p = m->parts[i];

		if (p->child != NULL || under_returned(p) || is_returned(p))
			continue;
		if (strcmp(p->type, "text") == 0 && strcmp(p->subtype, "plain") == 0) {
			r->human_part = p;
			return dsnx_part_text(m, p, len);
		}
		if (html == NULL && strcmp(p->type, "text") == 0
		    && strcmp(p->subtype, "html") == 0)
			html = p;
	}
	if (html != NULL) {
		const char *h;
		size_t hlen;
		dsnx_buf out;
		char *t = NULL;

		h = dsnx_part_text(m, html, &hlen);
		if (h == NULL)
			return NULL;
		dsnx_buf_init(&out, hlen + 1);
		if (html_to_text(h, hlen, &out) == DSNX_OK) {
			t = dsnx_arena_strndup(&r->arena, dsnx_buf_str(&out), out.len);
			*len = out.len;
		}
		dsnx_buf_free(&out);
		r->human_part = html;
		return t;
	}
	*len = 0;
	return "";
}

static void
note_returned(dsnx_report *r)
{
	dsnx_mime *m = r->mime;
	unsigned i;

	for (i = 1; i < m->part_count && r->returned_part == NULL; i++)
		if (is_returned(m->parts[i]) && !under_returned(m->parts[i]))
			r->returned_part = m->parts[i];
}

/* ---------------------------------------------------------- recipients */

/* Collapses runs of white space (line ends too) into single spaces. */
static const char *
squeeze(dsnx_report *r, const char *s, size_t len)
{
	char *out, *o;
	size_t i;
	int space = 1;

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

static int
seen_address(dsnx_report *r, const char *addr)
{
	unsigned i;

	for (i = 0; i < r->rcpt_count; i++)
		if (r->rcpts[i].recipient != NULL
		    && strcasecmp(r->rcpts[i].recipient, addr) == 0)
			return 1;
	return 0;
}

typedef struct hit {
	size_t line;        /* start of the whole match */
	size_t after;       /* end of the address group */
	const char *addr;
} hit;

/* Finds recipients with re in text[start, end).  Returns how many were
 * added, -1 for out of memory. */
static int
read_recipients(matcher *mt, const pcre2_code *re, dsnx_report *r,
    const char *text, size_t start, size_t end)
{
	hit hits[64];
	unsigned n = 0, i;
	size_t pos = start, m0, m1, g0, g1;

	while (n < sizeof(hits) / sizeof(hits[0])
	    && run(mt, re, text, end, pos, &m0, &m1, &g0, &g1)) {
		if (g0 != PCRE2_UNSET && g1 > g0) {
			const char *a = dsnx_report_address(r, text + g0, g1 - g0);
			unsigned k;
			int dup = 0;

			if (a == NULL)
				return -1;
			for (k = 0; k < n; k++)
				if (strcasecmp(hits[k].addr, a) == 0)
					dup = 1;
			if (!dup && strchr(a, '@') != NULL) {
				hits[n].line = m0;
				hits[n].after = g1;
				hits[n].addr = a;
				n++;
			}
		}
		pos = m1 > m0 ? m1 : m0 + 1;
	}
	for (i = 0; i < n; i++) {
		size_t dend = i + 1 < n ? hits[i + 1].line : end;
		dsnx_recipient *rc;

		if (seen_address(r, hits[i].addr))
			continue;
		if ((rc = dsnx_report_add(r)) == NULL)
			return (r->flags & DSNX_REPORT_TRUNCATED) ? (int)i : -1;
		rc->recipient = hits[i].addr;
		if (dend > hits[i].after) {
			rc->diagnostic = squeeze(r, text + hits[i].after,
			    dend - hits[i].after);
			if (rc->diagnostic == NULL)
				return -1;
			if (rc->diagnostic[0] == '\0')
				rc->diagnostic = NULL;
		}
	}
	return (int)n;
}

/* Fallback: addresses from a header field of the top-level header or of
 * the returned message. */
static int
recipients_from_header(dsnx_report *r, const dsnx_part *part,
    const char *name, const char *diag)
{
	const char *v, *p;
	int added = 0;

	if (part == NULL)
		return 0;
	v = dsnx_part_header_get(r->mime, part, name, 0);
	if (v == NULL)
		return 0;
	for (p = v; *p != '\0'; ) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		const char *a = dsnx_report_address(r, p, len);
		dsnx_recipient *rc;

		if (a != NULL && strchr(a, '@') != NULL && !seen_address(r, a)) {
			if ((rc = dsnx_report_add(r)) == NULL)
				return added;
			rc->recipient = a;
			rc->diagnostic = diag;
			added++;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return added;
}

int
dsnx_nonstd_read(const dsnx_formats *formats, dsnx_report *r)
{
	matcher mt;
	const compiled_format *cf = NULL;
	const char *text;
	size_t len = 0, start, end, m0, m1;
	unsigned i;
	int n = 0;

	mt.formats = formats;
	mt.md = pcre2_match_data_create(4, NULL);
	if (mt.md == NULL)
		return -1;
	note_returned(r);
	if ((text = pick_text(r, &len)) == NULL) {
		pcre2_match_data_free(mt.md);
		return -1;
	}
	for (i = 0; i < formats->count && cf == NULL; i++) {
		const compiled_format *f = &formats->v[i];
		int header_ok;

		if (f->re[P_FROM] == NULL && f->re[P_SUBJECT] == NULL
		    && f->re[P_HEADER] == NULL)
			header_ok = 1;
		else
			header_ok = match_str(&mt, f->re[P_FROM], r->from)
			    || match_str(&mt, f->re[P_SUBJECT], r->subject)
			    || (f->re[P_HEADER] != NULL
			    && match_any_header(&mt, f->re[P_HEADER], r));
		if (!header_ok)
			continue;
		start = 0;
		if (f->re[P_MARKER] != NULL) {
			if (!run(&mt, f->re[P_MARKER], text, len, 0, &m0, &m1, NULL,
			    NULL))
				continue;
			start = m0;
		}
		cf = f;
	}
	if (cf == NULL) {
		pcre2_match_data_free(mt.md);
		return 0;
	}
	end = len;
	if (run(&mt, cf->re[P_END], text, len, start, &m0, &m1, NULL, NULL))
		end = m0;
	if (cf->re[P_RECIPIENT] != NULL)
		n = read_recipients(&mt, cf->re[P_RECIPIENT], r, text, start, end);
	if (n == 0 && r->rcpt_count == 0) {
		const char *diag = squeeze(r, text + start, end - start);

		if (diag != NULL && diag[0] == '\0')
			diag = NULL;
		n = recipients_from_header(r, r->mime->parts[0],
		    "x-failed-recipients", diag);
		if (n == 0 && r->returned_part != NULL) {
			const dsnx_part *inner = r->returned_part->child
			    ? r->returned_part->child : NULL;

			n = recipients_from_header(r, inner, "to", diag);
		}
	}
	pcre2_match_data_free(mt.md);
	if (n < 0)
		return -1;
	if (r->rcpt_count == 0)
		return 0;
	r->format = cf->def->name;
	return 1;
}
