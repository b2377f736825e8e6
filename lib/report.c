/*
 * NAME
 *	report - is this message a DSN, and what does it say per recipient
 * SYNOPSIS
 *	#include "dsnexplain.h"
 *
 *	dsnx_status dsnx_context_new(limits, &ctx, &err)
 *	dsnx_status dsnx_report_read(ctx, buf, len, &report)
 *	const char *dsnx_report_header(report, name)
 *	int dsnx_bounce_sender(ctx, from)
 * DESCRIPTION
 *	Parses the message's MIME structure, then reads it one of two ways:
 *	when a message/delivery-status (or RFC 6533 global) part exists, its
 *	fields are the truth (dsn.c); otherwise the format table (nonstd.c,
 *	formats.c) recognises the prose of the many MTAs that write none.
 *	Feedback reports (RFC 5965), read receipts (RFC 8098) and
 *	auto-replies (RFC 3834) are recognised and answered "not a DSN".
 *
 *	For every recipient, the status is the Status: field when it is a
 *	valid code, else the first enhanced code (RFC 3463) in the
 *	diagnostic text; the reply code is read from the diagnostic.  This
 *	is done here, once, for every reader.  One convention more holds for
 *	the non-standard formats only, never for RFC 3464 reports: a
 *	diagnostic with no enhanced code but a 4xx or 5xx reply code gives
 *	that reply's class with subject and detail 0 ("550 No such user"
 *	gives 5.0.0, "421 try later" 4.0.0), the generic code RFC 3463
 *	defines for "permanent/transient failure, no further detail".
 *	Nothing is guessed beyond that.  A status is always set as a code
 *	(dsnx_report_set_status()), its text made from it, so the two never
 *	disagree and nobody parses the text again.
 *
 *	Per recipient, the report also keeps what the human-readable text
 *	says of it (dsnx_report_recipient_excerpt(): the lines that name its
 *	address or its Original-Recipient, each with its continuation lines,
 *	as Postfix, Sendmail, qmail, Exim and OpenSMTPD write them) and its
 *	diagnostic as the rules read it, a multi-line reply's continuation
 *	prefixes taken out (dsnx_report_recipient_reply()).  Both are
 *	derived here, once; classify.c reads them.
 *
 *	The report also remembers which parts hold the human-readable text,
 *	the machine-readable status and the returned message, because a
 *	rewrite must keep the latter two byte for byte.  Whether a part is a
 *	returned message (dsnx_part_is_returned()) and whether the sender
 *	is a bounce sender (dsnx_bounce_sender()) are decided here for all
 *	readers.
 *
 *	The report is complete when dsnx_report_read() returns, and nothing
 *	changes it afterwards: the message's own header fields and the
 *	human-readable text are decoded while it is read, so that a const
 *	report answers every question without decoding through its MIME
 *	tree (which callers see read-only).
 * LIMITS
 *	Those of the context (see dsnx_limits); recipients past
 *	max_recipients are dropped and DSNX_REPORT_TRUNCATED set.  The
 *	message's own header fields are kept decoded up to max_decoded bytes
 *	of values; fields past that read as absent.  Excerpts come from the
 *	first EXCERPT_SCAN_MAX bytes of the text, for the first
 *	EXCERPT_RECIPIENTS recipients, EXCERPT_LINES continuation lines a
 *	mention, about EXCERPT_MAX bytes each.
 * DIAGNOSTICS
 *	Fails only for ENOMEM, EINVAL, or ELIMIT (message too large).
 * SEE ALSO
 *	RFC 6522 (multipart/report), RFC 3464, RFC 6533, RFC 5965, RFC 3834.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codec.h"
#include "dsn.h"
#include "report.h"

dsnx_status
dsnx_context_new(const dsnx_limits *limits, dsnx_context **out,
    dsnx_error_t *err)
{
	dsnx_context *ctx;
	dsnx_status st;

	if (out == NULL)
		return DSNX_EINVAL;
	*out = NULL;
	if ((ctx = calloc(1, sizeof(*ctx))) == NULL)
		return DSNX_ENOMEM;
	if (limits != NULL)
		ctx->limits = *limits;
	else
		dsnx_limits_init(&ctx->limits);
	st = dsnx_formats_compile(dsnx_format_table, &ctx->formats, err);
	if (st != DSNX_OK) {
		free(ctx);
		return st;
	}
	*out = ctx;
	return DSNX_OK;
}

void
dsnx_context_free(dsnx_context *ctx)
{
	if (ctx == NULL)
		return;
	dsnx_formats_free(ctx->formats);
	free(ctx);
}

const dsnx_limits *
dsnx_context_limits(const dsnx_context *ctx)
{
	return &ctx->limits;
}

/* ---------------------------------------------- helpers for the readers */

dsnx_recipient *
dsnx_report_add(dsnx_report *r)
{
	dsnx_recipient *rc;

	if (r->rcpt_count >= r->ctx->limits.max_recipients) {
		r->flags |= DSNX_REPORT_TRUNCATED;
		return NULL;
	}
	if (r->rcpt_count == r->rcpt_cap) {
		unsigned cap = r->rcpt_cap ? r->rcpt_cap * 2 : 4;
		dsnx_recipient *v = realloc(r->rcpts, cap * sizeof(*v));
		dsnx_field **x;

		if (v == NULL)
			return NULL;
		r->rcpts = v;
		if ((x = realloc(r->rcpt_extra, cap * sizeof(*x))) == NULL)
			return NULL;
		r->rcpt_extra = x;
		r->rcpt_cap = cap;
	}
	r->rcpt_extra[r->rcpt_count] = NULL;
	rc = &r->rcpts[r->rcpt_count++];
	memset(rc, 0, sizeof(*rc));
	return rc;
}

const char *
dsnx_report_text(dsnx_report *r, const char *s, size_t len)
{
	dsnx_buf out;
	const char *p;

	if (dsnx_utf8_valid(s, len))
		return dsnx_arena_strndup(&r->arena, s, len);
	dsnx_buf_init(&out, len * 3 + 16);
	if (dsnx_utf8_sanitize(s, len, &out, NULL) == DSNX_ENOMEM) {
		dsnx_buf_free(&out);
		return NULL;
	}
	p = dsnx_arena_strndup(&r->arena, dsnx_buf_str(&out), out.len);
	dsnx_buf_free(&out);
	return p;
}

dsnx_status
dsnx_report_add_extra(dsnx_report *r, dsnx_recipient *rcpt, const char *name,
    size_t name_len, const char *value, size_t value_len)
{
	dsnx_field *list, *v;
	unsigned count, cap;

	/* Recipient extras live in per-recipient arena arrays that grow by
	 * copying; the lists are short (a few X- fields).  The report keeps
	 * the writable pointer; the recipient shows it read-only. */
	list = rcpt ? r->rcpt_extra[rcpt - r->rcpts] : r->extra;
	count = rcpt ? rcpt->extra_count : r->extra_count;
	if (count >= 64)
		return DSNX_OK;	/* enough: more is noise or an attack */
	/* Capacity is 8, then doubles whenever count reaches a power of 2. */
	if (count == 0 || (count >= 8 && (count & (count - 1)) == 0)) {
		cap = count == 0 ? 8 : count * 2;
		v = dsnx_arena_alloc(&r->arena, cap * sizeof(*v));
		if (v == NULL)
			return DSNX_ENOMEM;
		if (count > 0)
			memcpy(v, list, count * sizeof(*v));
		list = v;
	}
	list[count].name = dsnx_report_text(r, name, name_len);
	list[count].value = dsnx_report_text(r, value, value_len);
	if (list[count].name == NULL || list[count].value == NULL)
		return DSNX_ENOMEM;
	if (rcpt != NULL) {
		r->rcpt_extra[rcpt - r->rcpts] = list;
		rcpt->extra = list;
		rcpt->extra_count = count + 1;
	} else {
		r->extra = list;
		r->extra_count = count + 1;
	}
	return DSNX_OK;
}

/* Bytes of an address; 8-bit bytes are UTF-8 (RFC 6531 addresses). */
static int
is_addr_char(int c)
{
	return c >= 0x80 || (c > 32 && c < 127 && c != '<' && c != '>' && c != '(' && c != ')'
	    && c != ',' && c != ';' && c != '"' && c != '[' && c != ']');
}

/* RFC 5321 4.5.3.1.3: a path is at most 256 octets, so an address at
 * most 254.  Anything longer is not an address. */
#define ADDRESS_MAX 254

static const char *
address_copy(dsnx_report *r, const char *s, size_t len)
{
	return len > ADDRESS_MAX ? NULL : dsnx_report_text(r, s, len);
}

const char *
dsnx_report_address(dsnx_report *r, const char *s, size_t len)
{
	const char *lt, *gt, *at, *b, *e;

	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len == 0)
		return NULL;
	/* "Name <a@b>" or "<a@b>" */
	lt = memchr(s, '<', len);
	if (lt != NULL) {
		gt = memchr(lt, '>', len - (size_t)(lt - s));
		if (gt != NULL && gt > lt + 1)
			return address_copy(r, lt + 1, (size_t)(gt - lt - 1));
	}
	/* The word around the first '@'. */
	at = memchr(s, '@', len);
	if (at != NULL) {
		b = at;
		while (b > s && is_addr_char((unsigned char)b[-1]))
			b--;
		e = at;
		while (e < s + len && is_addr_char((unsigned char)*e))
			e++;
		while (e > at + 1 && (e[-1] == '.' || e[-1] == ':'))
			e--;
		/* 'a@b' (Exchange's recipient lines): the quotes are not the
		 * address's; one inside a local part (o'neil@) stays. */
		if (b < at && *b == '\'' && e > at + 1 && e[-1] == '\'') {
			b++;
			e--;
		}
		if (b < at && e > at + 1)
			return address_copy(r, b, (size_t)(e - b));
	}
	/* A bare local part ("rfc822; postmaster") is still the address. */
	for (b = s; b < s + len; b++)
		if (!is_addr_char((unsigned char)*b))
			return NULL;
	return address_copy(r, s, len);
}

int
dsnx_report_set_status(dsnx_report *r, dsnx_recipient *rc,
    const dsnx_code *code)
{
	char buf[16];
	const char *text;

	if (dsnx_code_format(code, buf, sizeof(buf)) == NULL)
		return 0;	/* not a code: nothing to set */
	if ((text = dsnx_report_text(r, buf, strlen(buf))) == NULL)
		return -1;
	rc->code = *code;
	rc->status = text;
	return 0;
}

/*
 * The one status-from-text filler, for every reader: the reply code and,
 * when no valid Status was given, the status from the diagnostic.  With
 * reply_class (the non-standard formats, never RFC 3464) a diagnostic
 * without an enhanced code but with a 4xx or 5xx reply gives that class
 * with subject and detail 0.  -1 when memory ran out.
 */
static int
complete_recipient(dsnx_report *r, dsnx_recipient *rc, int reply_class)
{
	dsnx_code code;
	size_t mlen, dlen;
	int reply;

	if (rc->diagnostic == NULL)
		return 0;
	dlen = strlen(rc->diagnostic);
	reply = dsnx_reply_find(rc->diagnostic, dlen);
	if (rc->reply == 0)
		rc->reply = reply;
	if (rc->status != NULL)
		return 0;
	if (dsnx_code_find(rc->diagnostic, dlen, &code, &mlen) < 0) {
		if (!reply_class || reply < 400)
			return 0;
		code.cls = (unsigned char)(reply / 100);
		code.subject = 0;
		code.detail = 0;
	}
	return dsnx_report_set_status(r, rc, &code);
}

/*
 * The recipient to report is a mail address.  A Final-Recipient that is
 * none (an X.400 O/R address, a local program or daemon name) gives way
 * to an Original-Recipient that is one: that is the address the sender
 * wrote, and the one a list manager knows its member by.
 */
static void
prefer_mail_address(dsnx_recipient *rc)
{
	if (rc->original_recipient != NULL
	    && strchr(rc->original_recipient, '@') != NULL
	    && (rc->recipient == NULL || strchr(rc->recipient, '@') == NULL))
		rc->recipient = rc->original_recipient;
}

/* ------------------------------------------ per-recipient evidence */

/*
 * What the text says about each recipient.  A bounce names its
 * recipients in its human-readable part, each with the reply or the
 * reason that concerns it: "addr: 550 5.2.2 ... Mailbox full"
 * (OpenSMTPD), "<addr>: host ... said: ..." with indented continuation
 * lines (Postfix), "<addr>:" then lines up to a blank one (qmail),
 * "  addr" then more indented lines (Exim), "<addr>... Deferred: ..."
 * and ">>> RCPT To:<addr>" then "<<< reply" (Sendmail's transcript).
 * A recipient's excerpt is every such mention of its address (or of its
 * Original-Recipient, the alias it was "expanded from"): the rest of the
 * mention's line after the address, and its continuation lines.  Classification reads it
 * before the whole text (classify.c), so that two recipients with
 * different causes get different verdicts.
 *
 * The reply text is the diagnostic with the prefixes of a multi-line
 * SMTP reply's continuation lines ("550-5.1.1 ") taken out, so that a
 * sentence the server wrapped over several lines reads as one.
 */
#define EXCERPT_SCAN_MAX (64 * 1024)	/* text looked at */
#define EXCERPT_MAX 2048		/* bytes of one excerpt */
#define EXCERPT_RECIPIENTS 100		/* recipients given one */
#define EXCERPT_LINES 16		/* continuation lines of a mention */

/* The address name (lower case, nlen bytes) in lower-cased t[b, e),
 * standing alone (not part of a longer address)?  Its end, or 0. */
static size_t
names_at(const char *t, size_t b, size_t e, const char *name, size_t nlen)
{
	size_t p = b;

	if (nlen == 0)
		return 0;
	while (p + nlen <= e) {
		const char *hit = memmem(t + p, e - p, name, nlen);
		size_t h;

		if (hit == NULL)
			return 0;
		h = (size_t)(hit - t);
		if ((h == b || !is_addr_char((unsigned char)t[h - 1])
		    || t[h - 1] == ':')
		    && (h + nlen == e || !is_addr_char((unsigned char)t[h + nlen])
		    || t[h + nlen] == '.' || t[h + nlen] == ':'))
			return h + nlen;
		p = h + 1;
	}
	return 0;
}

typedef struct rcpt_names {
	char name[2][ADDRESS_MAX + 1];
	size_t len[2];
} rcpt_names;

static void
names_of(const dsnx_recipient *rc, rcpt_names *n)
{
	const char *v[2];
	int k;
	size_t i;

	v[0] = rc->recipient;
	v[1] = rc->original_recipient;
	for (k = 0; k < 2; k++) {
		n->len[k] = 0;
		if (v[k] == NULL || strchr(v[k], '@') == NULL
		    || strlen(v[k]) > ADDRESS_MAX
		    || (k == 1 && v[0] != NULL && strcasecmp(v[0], v[1]) == 0))
			continue;
		for (i = 0; v[k][i] != '\0'; i++)
			n->name[k][i] = (char)((v[k][i] >= 'A' && v[k][i] <= 'Z')
			    ? v[k][i] + 32 : v[k][i]);
		n->name[k][i] = '\0';
		n->len[k] = i;
	}
}

static size_t
names_any(const char *t, size_t b, size_t e, const rcpt_names *n)
{
	size_t at;
	int k;

	for (k = 0; k < 2; k++)
		if ((at = names_at(t, b, e, n->name[k], n->len[k])) != 0)
			return at;
	return 0;
}

/* The first mention of one of n's names in t[from, end): the end of the
 * address, its start in *start; 0 when there is none. */
static size_t
next_mention(const char *t, size_t from, size_t end, const rcpt_names *n,
    size_t *start)
{
	size_t best = 0, at;
	int k;

	for (k = 0; k < 2; k++)
		if ((at = names_at(t, from, end, n->name[k], n->len[k])) != 0
		    && (best == 0 || at - n->len[k] < *start)) {
			best = at;
			*start = at - n->len[k];
		}
	return best;
}

static size_t
indent_of(const char *t, size_t b, size_t e)
{
	size_t i = b;

	while (i < e && (t[i] == ' ' || t[i] == '\t'))
		i++;
	return i - b;
}

/* Does line t[b, e) name a recipient of the report other than me? */
static int
names_other(const char *t, size_t b, size_t e, const rcpt_names *all,
    unsigned count, unsigned me)
{
	unsigned i;

	if (memchr(t + b, '@', e - b) == NULL)
		return 0;
	for (i = 0; i < count; i++)
		if (i != me && all[i].len[0] + all[i].len[1] > 0
		    && names_any(t, b, e, &all[i]) != 0
		    && names_any(t, b, e, &all[me]) == 0)
			return 1;
	return 0;
}

/* Appends line t[b, e) to out, its indentation dropped. */
static void
excerpt_line(dsnx_buf *out, const char *t, size_t b, size_t e)
{
	b += indent_of(t, b, e);
	if (e <= b)
		return;
	if (out->len > 0)
		(void)dsnx_buf_putc(out, '\n');
	(void)dsnx_buf_append(out, t + b, e - b);
}

/* The line at *pos of t[0, end): its extent [*b, *e) without the LF or
 * a CR before it, *pos moved past it; 0 at the end.  Shared with
 * nonstd.c, which reads prose bounces line by line too. */
int
dsnx_text_line(const char *t, size_t end, size_t *pos, size_t *b, size_t *e)
{
	const char *nl;

	if (*pos >= end)
		return 0;
	*b = *pos;
	nl = memchr(t + *pos, '\n', end - *pos);
	*e = nl ? (size_t)(nl - t) : end;
	*pos = nl ? *e + 1 : end;
	if (*e > *b && t[*e - 1] == '\r')
		(*e)--;
	return 1;
}

/*
 * Does the lower-cased line low[b, e) open with a label that introduces
 * what went wrong ("Reason: ...", "Remote host said: ...", "Error: ...")?
 * Notices that name a recipient on one line often give the cause on the
 * next, at the same indentation, under such a label.
 */
static int
reason_label(const char *low, size_t b, size_t e)
{
	static const char *const labels[] = {
		"reason", "error", "cause", "details", "diagnostic",
		"diagnostic-code", "remote host said", "server response",
		"smtp error", "the error was", "grund", "fehler", "raison",
		"erreur", "motivo", "errore", NULL
	};
	unsigned i;

	for (i = 0; labels[i] != NULL; i++) {
		size_t n = strlen(labels[i]), k;

		if (e - b <= n || memcmp(low + b, labels[i], n) != 0)
			continue;
		for (k = b + n; k < e && (low[k] == ' ' || low[k] == '\t'); k++)
			;
		if (k < e && low[k] == ':')
			return 1;
	}
	return 0;
}

/*
 * One recipient's excerpt from the text (orig: as written, low: lower
 * cased), into out.  A mention's continuation: lines indented deeper
 * than the mention, "<<<" reply lines of a transcript, lines at its
 * indentation that open with a reason label (reason_label()), or, when
 * nothing but the address stands on the mention's line or the line ends
 * with a colon, every line up to a blank one that is indented at least
 * as deep; never past a line naming another recipient.
 */
static void
excerpt_of(const char *orig, const char *low, size_t end,
    const rcpt_names *all, unsigned count, unsigned me, dsnx_buf *out)
{
	size_t pos = 0, b, e, at, from;

	/* One search through the text for each name, not one a line. */
	while ((at = next_mention(low, pos, end, &all[me], &from)) != 0) {
		size_t ind, rest, save, nb, ne;
		int bare, lines = 0;

		b = from;
		while (b > 0 && low[b - 1] != '\n')
			b--;
		pos = b;
		(void)dsnx_text_line(low, end, &pos, &b, &e);
		save = pos;
		ind = indent_of(low, b, e);
		rest = at;
		while (rest < e && strchr(">]\")':;,. \t", low[rest]) != NULL)
			rest++;
		/* Nothing after the address, or a line that ends with a colon
		 * ("Your message to <addr> could not be delivered:"): what
		 * follows, up to a blank line, is about this recipient. */
		{
			size_t last = e;

			while (last > rest && (low[last - 1] == ' '
			    || low[last - 1] == '\t'))
				last--;
			bare = rest == e || (last > rest && low[last - 1] == ':');
		}
		/* What the line says after the address: the address itself
		 * is no evidence (a domain may be called anything), but a
		 * reply code before it ("550 5.1.1 <addr>... User unknown")
		 * is, and the line is kept whole. */
		{
			dsnx_code code;
			size_t ml, pre;

			pre = from - b;
			if (dsnx_code_find(orig + b, pre, &code, &ml) >= 0
			    || dsnx_reply_find(orig + b, pre) != 0)
				excerpt_line(out, orig, b, e);
			else
				excerpt_line(out, orig, rest, e);
		}
		save = pos;
		while (lines < EXCERPT_LINES && dsnx_text_line(low, end, &pos, &nb, &ne)) {
			size_t ni = indent_of(low, nb, ne);

			if (ni == ne - nb || names_other(low, nb, ne, all, count, me))
				break;
			if (!((bare && ni >= ind) || ni > ind || (ne - nb - ni >= 3
			    && memcmp(low + nb + ni, "<<<", 3) == 0)
			    || (ni == ind && reason_label(low, nb + ni, ne))))
				break;
			excerpt_line(out, orig, nb, ne);
			save = pos;
			lines++;
		}
		pos = save;
		if (out->len >= EXCERPT_MAX)
			break;
	}
}

/*
 * The text with a multi-line reply's continuation prefixes taken out:
 * after the first "550-5.1.1 " or "550 ", every later white-space
 * preceded "550-" or "550 " with the same reply code, and the enhanced
 * code after it, goes.  NULL when there was none (or memory ran out:
 * the text then stays as it is, which is only less helpful).
 */
static const char *
reply_text(dsnx_report *r, const char *s)
{
	size_t len = strlen(s), i, o = 0, first = 0;
	int code = dsnx_reply_find(s, len), cut = 0, seen = 0;
	char digits[5], *out;
	const char *m;

	if (code < 200 || code > 599 || len > 64 * 1024)
		return NULL;
	snprintf(digits, sizeof(digits), "%03d-", code);
	/* Only a reply that was written over several lines. */
	if ((m = strstr(s, digits)) == NULL)
		return NULL;
	first = (size_t)(m - s);
	if ((out = dsnx_arena_alloc(&r->arena, len + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; ) {
		if (i > first && (s[i - 1] == ' ' || s[i - 1] == '\t'
		    || s[i - 1] == '\n') && i + 4 <= len
		    && memcmp(s + i, digits, 3) == 0
		    && (s[i + 3] == '-' || s[i + 3] == ' ')) {
			size_t j = i + 4, ml;
			dsnx_code c;

			if (dsnx_code_find(s + j, len - j, &c, &ml) == 0)
				j += ml;
			while (j < len && (s[j] == ' ' || s[j] == '\t'))
				j++;
			while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == '\t'
			    || out[o - 1] == '\n' || out[o - 1] == '\r'))
				o--;
			out[o++] = ' ';
			i = j;
			cut = 1;
			continue;
		}
		out[o++] = s[i++];
	}
	(void)seen;
	out[o] = '\0';
	return cut ? out : NULL;
}

/*
 * Copies n bytes of src to dst with ASCII A-Z lowered, eight at a time:
 * the text of a bounce is lowered once a message and may be 64 KiB, and
 * a byte loop with a test per byte was a few percent of reading one.
 * In each byte, bit 7 of h + 0x3f says "at least 'A'" and of h + 0x25
 * "above 'Z'" (h: the byte's low seven bits, so nothing carries into the
 * next byte); a byte with bit 7 set is never a letter.
 */
static void
lower_copy(char *dst, const char *src, size_t n)
{
	const uint64_t ones = UINT64_C(0x0101010101010101);
	const uint64_t high = ones * 0x80;
	size_t	k = 0;

	for (; k + 8 <= n; k += 8) {
		uint64_t x, h, upper;

		memcpy(&x, src + k, 8);
		h = x & ~high;
		upper = (h + ones * (0x80 - 'A')) ^ (h + ones * (0x7f - 'Z'));
		upper &= ~x & high;
		x |= upper >> 2;
		memcpy(dst + k, &x, 8);
	}
	for (; k < n; k++) {
		unsigned char c = (unsigned char)src[k];

		dst[k] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
}

/*
 * A recipient of a non-standard bounce that no format gave a diagnostic
 * (the structural reader names addresses only) takes the server reply
 * its own text quotes, from the reply code on ("<-- 550 5.1.1 <a@b>...
 * User unknown" in a session transcript), and its status from there as
 * every diagnostic gives one.  -1 when memory ran out.
 */
static int
diagnostic_from_excerpt(dsnx_report *r, unsigned i)
{
	dsnx_recipient *rc = &r->rcpts[i];
	const char *x = r->rcpt_excerpt[i];
	dsnx_code code;
	size_t mlen, xlen;
	long at;

	if (rc->diagnostic != NULL || rc->status != NULL || x == NULL
	    || r->format == NULL || strcmp(r->format, "rfc3464") == 0
	    || strcmp(r->format, "rfc6533") == 0)
		return 0;
	xlen = strlen(x);
	if ((at = dsnx_code_find(x, xlen, &code, &mlen)) < 0)
		return 0;
	/* The reply code in front of it belongs to the reply. */
	if (at >= 4 && x[at - 1] == ' ' && dsnx_reply_find(x + at - 4, 3) != 0)
		at -= 4;
	if ((rc->diagnostic = dsnx_report_text(r, x + at, xlen - (size_t)at))
	    == NULL)
		return -1;
	return complete_recipient(r, rc, 1);
}

/*
 * Where the lower-cased text t[0, len) holds an '@': a name holds one, so
 * it can only stand with its first '@' on one of them.  A recipient none
 * of whose names stands there is passed over without searching the text
 * for it (with many recipients that search was most of the cost).
 */
static size_t *
at_signs(const char *t, size_t len, size_t *count)
{
	size_t n = 0, cap = 0;
	size_t *at = NULL;
	const char *p = t, *end = t + len;

	while ((p = memchr(p, '@', (size_t)(end - p))) != NULL) {
		if (n == cap) {
			size_t *grown;

			cap = cap ? cap * 2 : 64;
			if ((grown = realloc(at, cap * sizeof(*at))) == NULL) {
				free(at);
				return NULL;
			}
			at = grown;
		}
		at[n++] = (size_t)(p - t);
		p++;
	}
	*count = n;
	return at != NULL ? at : calloc(1, sizeof(*at));
}

static int
mentioned(const char *t, size_t len, const size_t *at, size_t count,
    const rcpt_names *n)
{
	size_t j, before;
	const char *a;
	int k;

	for (k = 0; k < 2; k++) {
		if (n->len[k] == 0
		    || (a = memchr(n->name[k], '@', n->len[k])) == NULL)
			continue;
		before = (size_t)(a - n->name[k]);
		for (j = 0; j < count; j++)
			if (at[j] >= before && at[j] - before + n->len[k] <= len
			    && memcmp(t + at[j] - before, n->name[k], n->len[k])
			    == 0)
				return 1;
	}
	return 0;
}

/* Every recipient's excerpt and reply text.  -1 when memory ran out. */
static int
read_evidence(dsnx_report *r)
{
	unsigned n = r->rcpt_count, i;
	rcpt_names *names = NULL;
	char *low = NULL;
	size_t len = r->human_text != NULL ? r->human_len : 0, nat = 0;
	size_t *ats = NULL;
	dsnx_buf out;
	int rc = -1;

	if (n == 0)
		return 0;
	if ((r->rcpt_excerpt = dsnx_arena_alloc(&r->arena, n
	    * sizeof(*r->rcpt_excerpt))) == NULL
	    || (r->rcpt_reply = dsnx_arena_alloc(&r->arena, n
	    * sizeof(*r->rcpt_reply))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		r->rcpt_excerpt[i] = NULL;
		r->rcpt_reply[i] = r->rcpts[i].diagnostic != NULL
		    ? reply_text(r, r->rcpts[i].diagnostic) : NULL;
	}
	if (len == 0)
		return 0;
	if (len > EXCERPT_SCAN_MAX)
		len = EXCERPT_SCAN_MAX;
	if (n > EXCERPT_RECIPIENTS)
		n = EXCERPT_RECIPIENTS;
	if ((names = calloc(n, sizeof(*names))) == NULL
	    || (low = malloc(len + 1)) == NULL)
		goto done;
	lower_copy(low, r->human_text, len);
	low[len] = '\0';
	if ((ats = at_signs(low, len, &nat)) == NULL)
		goto done;
	for (i = 0; i < n; i++)
		names_of(&r->rcpts[i], &names[i]);
	dsnx_buf_init(&out, EXCERPT_MAX + 512);
	for (i = 0; i < n; i++) {
		const char *x;

		if (names[i].len[0] + names[i].len[1] == 0
		    || !mentioned(low, len, ats, nat, &names[i]))
			continue;
		dsnx_buf_reset(&out);
		excerpt_of(r->human_text, low, len, names, n, i, &out);
		if (out.len == 0)
			continue;
		if ((x = dsnx_report_text(r, dsnx_buf_str(&out), out.len)) == NULL) {
			dsnx_buf_free(&out);
			goto done;
		}
		r->rcpt_excerpt[i] = reply_text(r, x);
		if (r->rcpt_excerpt[i] == NULL)
			r->rcpt_excerpt[i] = x;
		if (diagnostic_from_excerpt(r, i) < 0) {
			dsnx_buf_free(&out);
			goto done;
		}
	}
	dsnx_buf_free(&out);
	rc = 0;
done:
	free(ats);
	free(names);
	free(low);
	return rc;
}

/* --------------------------------------------------- reading a message */

/*
 * Decodes the message's own header fields, once, so that the report
 * answers dsnx_report_header() without touching the MIME tree again.
 * Decoded values count against max_decoded, as a part's text does;
 * fields past that read as absent.  -1 when memory ran out.
 */
static int
read_headers(dsnx_report *r)
{
	const dsnx_part *root = dsnx_mime_root(r->mime);
	unsigned i, n = dsnx_part_header_count(root);
	size_t total = 0;

	if (n == 0)
		return 0;
	if ((r->headers = dsnx_arena_alloc(&r->arena, n * sizeof(*r->headers)))
	    == NULL)
		return -1;
	for (i = 0; i < n && total < r->ctx->limits.max_decoded; i++) {
		const dsnx_hfield *f = dsnx_mime_field(r->mime, root, i);
		dsnx_field *h = &r->headers[r->header_count];

		h->name = dsnx_report_text(r, r->mime->buf + f->start,
		    f->name_len);
		h->value = dsnx_mime_field_value(r->mime, f, 1);
		if (h->name == NULL || h->value == NULL)
			return -1;
		total += strlen(h->value);
		r->header_count++;
	}
	return 0;
}

/* The fields of the returned message a reader is shown or its language
 * is chosen by (dsnx_report_returned_field()). */
static const char *const returned_names[4] = {
	"Subject", "Date", "Content-Language", "Accept-Language"
};

/* Keeps the wanted fields of part (of mime) in the report's arena. */
static int
keep_returned(dsnx_report *r, dsnx_mime *mime, const dsnx_part *part)
{
	unsigned k;

	for (k = 0; k < 4; k++) {
		int i = dsnx_mime_find_field(mime, part, returned_names[k]);
		const char *v;

		if (i < 0)
			continue;
		if ((v = dsnx_mime_field_value(mime, dsnx_mime_field(mime, part,
		    (unsigned)i), 1)) == NULL)
			return -1;
		/* Bounded like every header field of the message. */
		if ((r->returned_fields[k] = dsnx_report_text(r, v, strlen(v)))
		    == NULL)
			return -1;
	}
	return 0;
}

/*
 * Reads a few fields of the returned message, once: from the message
 * inside message/rfc822 (or global), or from the header block that a
 * text/rfc822-headers part holds as its body (parsed on its own, within
 * the context's limits).  -1 when memory ran out.
 */
static int
read_returned(dsnx_report *r)
{
	const dsnx_part *p = r->returned_part, *inner;
	dsnx_mime *sub;
	const char *text;
	size_t len;
	int rc;

	if (p == NULL)
		return 0;
	if ((inner = dsnx_part_child(p)) != NULL)
		return keep_returned(r, r->mime, inner);
	if (strcmp(dsnx_part_type(p), "text") != 0)
		return 0;	/* an encoded message/rfc822: left unread */
	if ((text = dsnx_part_text(r->mime, p, &len)) == NULL)
		return -1;
	switch (dsnx_mime_parse(text, len, &r->ctx->limits, &sub)) {
	case DSNX_OK:
		break;
	case DSNX_ENOMEM:
		return -1;
	default:
		return 0;
	}
	rc = keep_returned(r, sub, dsnx_mime_root(sub));
	dsnx_mime_free(sub);
	return rc;
}

static int
part_is(const dsnx_part *p, const char *type, const char *subtype)
{
	return strcmp(p->type, type) == 0 && strcmp(p->subtype, subtype) == 0;
}

static int
is_status_part(const dsnx_part *p)
{
	return strcmp(p->type, "message") == 0
	    && (strcmp(p->subtype, "delivery-status") == 0
	    || strcmp(p->subtype, "global-delivery-status") == 0);
}

/*
 * The one "returned message" predicate, for every reader.  A part holds
 * the returned message, or its header, when it is message/rfc822 or
 * text/rfc822-headers (RFC 6522), message/global or message/global-headers
 * (RFC 6533), message/partial (some MTAs return the message as one
 * fragment), or the unregistered message/rfc822-headers seen in the
 * wild.  A report part (delivery-status, feedback-report,
 * disposition-notification and their global forms) or a reference
 * (message/external-body) holds no returned message.
 */
int
dsnx_part_is_returned(const dsnx_part *p)
{
	static const char *const message[] = {
		"rfc822", "global", "partial", "rfc822-headers", "global-headers"
	};
	size_t i;

	if (strcmp(p->type, "message") == 0) {
		for (i = 0; i < sizeof(message) / sizeof(message[0]); i++)
			if (strcmp(p->subtype, message[i]) == 0)
				return 1;
		return 0;
	}
	return part_is(p, "text", "rfc822-headers");
}

int
dsnx_part_returned_depth(const dsnx_part *p)
{
	int n = 0;

	for (p = p->parent; p != NULL; p = p->parent)
		if (dsnx_part_is_returned(p))
			n++;
	return n;
}

static int
inside_returned(const dsnx_part *p)
{
	return dsnx_part_returned_depth(p) > 0;
}

/* Recognises what is certainly not a bounce: feedback reports, read
 * receipts, auto-replies.  Returns the reason or NULL. */
static const char *
not_a_bounce(dsnx_report *r)
{
	dsnx_mime *m = r->mime;
	const dsnx_part *root = m->parts[0];
	const char *rt;
	unsigned i;

	if (part_is(root, "multipart", "report")
	    && (rt = dsnx_param_get(root->params, "report-type")) != NULL) {
		if (strcasecmp(rt, "feedback-report") == 0)
			return "feedback-report";
		if (strcasecmp(rt, "disposition-notification") == 0)
			return "disposition-notification";
	}
	for (i = 0; i < m->part_count; i++) {
		const dsnx_part *p = m->parts[i];

		if (inside_returned(p))
			continue;
		if (part_is(p, "message", "feedback-report"))
			return "feedback-report";
		if (part_is(p, "message", "disposition-notification")
		    || part_is(p, "message", "global-disposition-notification"))
			return "disposition-notification";
	}
	return NULL;
}

/* Says why a message that no reader recognised is not a DSN, when its
 * header says it is an automatic reply (RFC 3834).  Checked last because
 * MTAs mark their bounces "Auto-Submitted: auto-replied" too. */
static const char *
auto_reply(dsnx_report *r)
{
	const char *v = dsnx_report_header(r, "auto-submitted");

	if (v != NULL && strncasecmp(v, "auto-replied", 12) == 0)
		return "auto-reply";
	return NULL;
}

int
dsnx_bounce_sender(const dsnx_context *ctx, const char *from)
{
	return ctx != NULL && dsnx_formats_bounce_sender(ctx->formats, from);
}

/*
 * Finds the status part outside any returned message.  Some gateways
 * forward the DSN they received as the returned message of a bounce of
 * their own, without a report of their own: when the outer message comes
 * from a bounce sender (dsnx_bounce_sender(), the test the formats of
 * nonstd.c are gated on too), a report wrapped one level deep is read
 * instead.  So is one a person forwarded as an attachment: the outer
 * Subject is a forward's ("Fwd:", "WG:", ...) and the attached message
 * comes from a bounce sender.  A person's mail that merely attaches a
 * message holding a report is neither, and stays unread.
 */
static const dsnx_part *
find_status_part(dsnx_report *r)
{
	dsnx_mime *m = r->mime;
	const dsnx_part *p, *msg;
	unsigned i;
	int wrapper, forward;

	for (i = 0; i < m->part_count; i++)
		if (is_status_part(m->parts[i]) && !inside_returned(m->parts[i]))
			return m->parts[i];
	wrapper = dsnx_bounce_sender(r->ctx, r->from);
	forward = !wrapper && r->ctx != NULL
	    && dsnx_formats_forward_subject(r->ctx->formats, r->subject);
	if (!wrapper && !forward)
		return NULL;
	for (i = 0; i < m->part_count; i++) {
		p = m->parts[i];
		if (!is_status_part(p) || dsnx_part_returned_depth(p) != 1)
			continue;
		if (wrapper)
			return p;
		for (msg = p->parent; msg != NULL && !dsnx_part_is_returned(msg);
		    msg = msg->parent)
			;
		if (msg != NULL && msg->child != NULL && dsnx_bounce_sender(r->ctx,
		    dsnx_part_header_get(m, msg->child, "from", 0)))
			return p;
	}
	return NULL;
}

static void
note_siblings(dsnx_report *r, const dsnx_part *status)
{
	const dsnx_part *p;

	if (status->parent == NULL)
		return;
	for (p = status->parent->child; p != NULL; p = p->next) {
		if (p == status)
			continue;
		if (r->returned_part == NULL && dsnx_part_is_returned(p))
			r->returned_part = p;
		if (r->human_part == NULL && p->index < status->index) {
			const dsnx_part *t = p;

			/* multipart/alternative human part: take its first text */
			while (t->child != NULL && strcmp(t->type, "multipart") == 0)
				t = t->child;
			if (strcmp(t->type, "text") == 0)
				r->human_part = t;
		}
	}
}

/* For a wrapped report, the parts to keep are the outer message's: the
 * returned message that holds the report, and the outer human text. */
static void
note_wrapper(dsnx_report *r, const dsnx_part *status)
{
	const dsnx_part *p;
	unsigned i;

	for (p = status->parent; p != NULL; p = p->parent)
		if (dsnx_part_is_returned(p))
			r->returned_part = p;
	for (i = 0; i < r->mime->part_count; i++) {
		p = r->mime->parts[i];
		if (part_is(p, "text", "plain") && !inside_returned(p)) {
			r->human_part = p;
			break;
		}
	}
}

dsnx_status
dsnx_report_read(const dsnx_context *ctx, const char *buf, size_t len,
    dsnx_report **out)
{
	dsnx_report *r;
	const dsnx_part *status;
	dsnx_status st;
	unsigned i;
	int found = 0, standard = 0;

	if (ctx == NULL || out == NULL || (buf == NULL && len > 0))
		return DSNX_EINVAL;
	*out = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return DSNX_ENOMEM;
	r->ctx = ctx;
	dsnx_arena_init(&r->arena);
	dsnx_buf_init(&r->scratch, ctx->limits.max_header_field + 1);
	if ((st = dsnx_mime_parse(buf, len, &ctx->limits, &r->mime)) != DSNX_OK) {
		dsnx_report_free(r);
		return st;
	}
	if (read_headers(r) < 0) {
		dsnx_report_free(r);
		return DSNX_ENOMEM;
	}
	r->subject = dsnx_report_header(r, "subject");
	r->from = dsnx_report_header(r, "from");

	if ((r->not_dsn_why = not_a_bounce(r)) != NULL) {
		*out = r;
		return DSNX_OK;
	}
	if ((status = find_status_part(r)) != NULL) {
		size_t tlen;
		const char *text = dsnx_part_text(r->mime, status, &tlen);
		int n;

		r->status_part = status;
		if (inside_returned(status))
			note_wrapper(r, status);
		else
			note_siblings(r, status);
		if (text == NULL) {
			dsnx_report_free(r);
			return DSNX_ENOMEM;
		}
		if ((n = dsnx_dsn_parse(r, text, tlen)) < 0) {
			dsnx_report_free(r);
			return DSNX_ENOMEM;
		}
		if (n > 0) {
			found = standard = 1;
			r->format = strcmp(status->subtype, "global-delivery-status")
			    == 0 ? "rfc6533" : "rfc3464";
		}
	} else if (part_is(r->mime->parts[0], "multipart", "report")) {
		r->flags |= DSNX_REPORT_NO_STATUS_PART;
	}
	if (!found) {
		int n = dsnx_nonstd_read(ctx->formats, r);

		if (n < 0) {
			dsnx_report_free(r);
			return DSNX_ENOMEM;
		}
		found = n > 0;
	}
	r->is_dsn = found;
	if (!found)
		r->not_dsn_why = auto_reply(r);
	for (i = 0; i < r->rcpt_count; i++)
		prefer_mail_address(&r->rcpts[i]);
	for (i = 0; i < r->rcpt_count; i++)
		if (complete_recipient(r, &r->rcpts[i], !standard) < 0) {
			dsnx_report_free(r);
			return DSNX_ENOMEM;
		}
	/* Read the human-readable text now, so that the report is complete
	 * and nothing after this changes it. */
	if (r->human_text == NULL && r->human_part != NULL
	    && (r->human_text = dsnx_part_text(r->mime, r->human_part,
	    &r->human_len)) == NULL) {
		dsnx_report_free(r);
		return DSNX_ENOMEM;
	}
	r->human_cut = r->human_part != NULL
	    && dsnx_part_text_cut(r->mime, r->human_part);
	if ((r->is_dsn && read_returned(r) < 0) || read_evidence(r) < 0) {
		dsnx_report_free(r);
		return DSNX_ENOMEM;
	}
	/* Last: decoding parts above can add MIME error bits. */
	if (r->mime->errors)
		r->flags |= DSNX_REPORT_MIME_ERRORS;
	*out = r;
	return DSNX_OK;
}

void
dsnx_report_free(dsnx_report *r)
{
	if (r == NULL)
		return;
	dsnx_mime_free(r->mime);
	dsnx_arena_free(&r->arena);
	dsnx_buf_free(&r->scratch);
	free(r->rcpts);
	free(r->rcpt_extra);
	free(r);
}

/* ------------------------------------------------------------ accessors */

int
dsnx_report_is_dsn(const dsnx_report *r)
{
	return r->is_dsn;
}

const char *
dsnx_report_format(const dsnx_report *r)
{
	return r->is_dsn ? r->format : NULL;
}

const char *
dsnx_report_not_dsn_why(const dsnx_report *r)
{
	return r->not_dsn_why;
}

unsigned
dsnx_report_flags(const dsnx_report *r)
{
	return r->flags;
}

const dsnx_mime *
dsnx_report_mime(const dsnx_report *r)
{
	return r->mime;
}

const char *
dsnx_report_reporting_mta(const dsnx_report *r)
{
	return r->reporting_mta;
}

int
dsnx_report_reporting_mta_cut(const dsnx_report *r)
{
	return r->reporting_mta_cut;
}

int
dsnx_report_text_cut(const dsnx_report *r)
{
	return r->human_cut;
}

const char *
dsnx_report_original_envelope_id(const dsnx_report *r)
{
	return r->original_envelope_id;
}

const char *
dsnx_report_dsn_gateway(const dsnx_report *r)
{
	return r->dsn_gateway;
}

const char *
dsnx_report_received_from_mta(const dsnx_report *r)
{
	return r->received_from_mta;
}

const char *
dsnx_report_arrival_date_raw(const dsnx_report *r)
{
	return r->arrival_date_raw;
}

int
dsnx_report_arrival_date(const dsnx_report *r, time_t *out)
{
	if (!r->has_arrival_date)
		return -1;
	*out = r->arrival_date;
	return 0;
}

unsigned
dsnx_report_extra_count(const dsnx_report *r)
{
	return r->extra_count;
}

const dsnx_field *
dsnx_report_extra(const dsnx_report *r, unsigned i)
{
	return i < r->extra_count ? &r->extra[i] : NULL;
}

const char *
dsnx_report_returned_field(const dsnx_report *r, const char *name)
{
	unsigned k;

	if (r == NULL || name == NULL)
		return NULL;
	for (k = 0; k < 4; k++)
		if (strcasecmp(name, returned_names[k]) == 0)
			return r->returned_fields[k];
	return NULL;
}

const char *
dsnx_report_subject(const dsnx_report *r)
{
	return r->subject;
}

const char *
dsnx_report_from(const dsnx_report *r)
{
	return r->from;
}

const char *
dsnx_report_header(const dsnx_report *r, const char *name)
{
	unsigned i;

	for (i = 0; i < r->header_count; i++)
		if (strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

unsigned
dsnx_report_header_count(const dsnx_report *r)
{
	return r->header_count;
}

const dsnx_field *
dsnx_report_header_field(const dsnx_report *r, unsigned i)
{
	return i < r->header_count ? &r->headers[i] : NULL;
}

unsigned
dsnx_report_recipient_count(const dsnx_report *r)
{
	return r->rcpt_count;
}

const dsnx_recipient *
dsnx_report_recipient(const dsnx_report *r, unsigned i)
{
	return i < r->rcpt_count ? &r->rcpts[i] : NULL;
}

const dsnx_part *
dsnx_report_status_part(const dsnx_report *r)
{
	return r->status_part;
}

const dsnx_part *
dsnx_report_returned_part(const dsnx_report *r)
{
	return r->returned_part;
}

const dsnx_part *
dsnx_report_human_part(const dsnx_report *r)
{
	return r->human_part;
}

const char *
dsnx_report_detection(const dsnx_report *r)
{
	return r->detection;
}

const char *
dsnx_report_recipient_excerpt(const dsnx_report *r, unsigned i)
{
	return i < r->rcpt_count && r->rcpt_excerpt != NULL
	    ? r->rcpt_excerpt[i] : NULL;
}

const char *
dsnx_report_recipient_reply(const dsnx_report *r, unsigned i)
{
	if (i >= r->rcpt_count)
		return NULL;
	if (r->rcpt_reply != NULL && r->rcpt_reply[i] != NULL)
		return r->rcpt_reply[i];
	return r->rcpts[i].diagnostic;
}
