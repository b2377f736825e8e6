/*
 * NAME
 *	mime - MIME structure of one message, with offsets into its bytes
 * SYNOPSIS
 *	#include "dsnexplain.h"
 *
 *	dsnx_status dsnx_mime_parse(buf, len, limits, &mime)
 *	const dsnx_part *dsnx_mime_root(mime)
 *	const char *dsnx_part_header_get(mime, part, name, decode)
 *	const char *dsnx_part_text(mime, part, &len)
 * DESCRIPTION
 *	Splits a message into header fields and a tree of parts (multipart
 *	children, the message inside message/rfc822 and message/global)
 *	without copying it: every part records where its header block, its
 *	body and its whole extent lie in the caller's buffer, so that a
 *	rewrite can later keep parts byte for byte.  Line ends may be CRLF,
 *	LF or a bare CR, mixed.  Header values are unfolded and decoded only
 *	when asked for; bodies are transfer-decoded and converted to UTF-8
 *	only when asked for, and then cached.
 *
 *	It does not read what the parts mean (dsn.c and nonstd.c do), and it
 *	does not validate addresses or dates.
 * LIMITS
 *	From dsnx_limits: message size, nesting depth, part count, header
 *	fields per message, header field length (longer ones are kept but
 *	unfolded only up to the limit), boundary length, decoded bytes per
 *	part.  Recursion depth is bounded by max_depth.  Work is linear in
 *	the input times the nesting depth.
 * DIAGNOSTICS
 *	Malformed input never fails the parse; it sets DSNX_MIME_* bits that
 *	dsnx_mime_errors() returns.  Only allocation failure, a message over
 *	max_message or invalid arguments make dsnx_mime_parse() fail.
 * SEE ALSO
 *	RFC 2045, RFC 2046 (multipart, boundaries), RFC 5322 (header fields),
 *	params.c (Content-Type), codec.c (decodings).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codec.h"
#include "mime.h"

/* Where the line starting at pos ends (at its CR or LF, or at end), and
 * where the next one starts. */
size_t
dsnx_line_end(const char *b, size_t pos, size_t end, size_t *next)
{
	const char *lf, *cr;
	size_t p = pos;

	/* Two memchr() calls (the LF, then a CR before it) rather than a
	 * test of every byte: every header line of every part comes
	 * through here. */
	if (p < end) {
		lf = memchr(b + p, '\n', end - p);
		p = lf != NULL ? (size_t)(lf - b) : end;
		if ((cr = memchr(b + pos, '\r', p - pos)) != NULL)
			p = (size_t)(cr - b);
	}
	if (p >= end) {
		*next = end;
		return end;
	}
	if (b[p] == '\r' && p + 1 < end && b[p + 1] == '\n')
		*next = p + 2;
	else
		*next = p + 1;
	return p;
}

static int
is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

static dsnx_status
add_field(dsnx_mime *m, const dsnx_hfield *f)
{
	if (m->field_count == m->field_cap) {
		unsigned cap = m->field_cap ? m->field_cap * 2 : 64;
		dsnx_hfield *p = realloc(m->fields, cap * sizeof(*p));

		if (p == NULL)
			return DSNX_ENOMEM;
		m->fields = p;
		m->field_cap = cap;
	}
	m->fields[m->field_count++] = *f;
	return DSNX_OK;
}

/* Length of a field name at the start of line [pos, eol), or 0 when the
 * line is not a header field.  The name is printable US-ASCII without ':';
 * white space may stand between the name and the colon (obsolete syntax). */
static size_t
field_name_length(const char *b, size_t pos, size_t eol)
{
	size_t p = pos, name_end;

	while (p < eol && (unsigned char)b[p] > 32 && (unsigned char)b[p] < 127
	    && b[p] != ':')
		p++;
	name_end = p;
	if (name_end == pos)
		return 0;
	while (p < eol && is_wsp(b[p]))
		p++;
	if (p >= eol || b[p] != ':')
		return 0;
	return name_end - pos;
}

static void
note_8bit(dsnx_mime *m, size_t start, size_t end)
{
	const unsigned char *p = (const unsigned char *)m->buf + start;
	const unsigned char *e = (const unsigned char *)m->buf + end;

	if (m->errors & DSNX_MIME_8BIT_HEADER)
		return;
	/* Eight bytes at a time: every field of every header comes here. */
	for (; e - p >= 8; p += 8) {
		uint64_t x;

		memcpy(&x, p, 8);
		if (x & UINT64_C(0x8080808080808080)) {
			m->errors |= DSNX_MIME_8BIT_HEADER;
			return;
		}
	}
	for (; p < e; p++) {
		if (*p >= 0x80) {
			m->errors |= DSNX_MIME_8BIT_HEADER;
			return;
		}
	}
}

/* Closes the field being collected, if any. */
static dsnx_status
finish_field(dsnx_mime *m, dsnx_part *part, dsnx_hfield *cur, int *open)
{
	if (!*open)
		return DSNX_OK;
	*open = 0;
	if (cur->end - cur->start > m->limits.max_header_field)
		m->errors |= DSNX_MIME_LONG_HEADER;
	note_8bit(m, cur->start, cur->end);
	if (m->field_count >= m->limits.max_header_fields) {
		m->errors |= DSNX_MIME_MANY_HEADERS;
		return DSNX_OK;
	}
	part->field_count++;
	return add_field(m, cur);
}

/*
 * Reads the header block of a part that starts at pos and may extend to
 * end.  A line that is neither a field nor a continuation ends the block
 * as a blank line would (the line then belongs to the body), which is how
 * mail readers treat it too.
 */
static dsnx_status
parse_header_block(dsnx_mime *m, dsnx_part *part, size_t pos, size_t end,
    int top)
{
	const char *b = m->buf;
	dsnx_hfield cur = {0, 0, 0};
	int open = 0;
	size_t eol, next, name_len;
	dsnx_status st;

	part->start = pos;
	part->field_first = m->field_count;
	part->field_count = 0;
	/* An mbox separator line before the first field. */
	if (top && end - pos >= 5 && memcmp(b + pos, "From ", 5) == 0) {
		dsnx_line_end(b, pos, end, &next);
		pos = next;
	}
	/* Lines of white space before the first field continue nothing;
	 * mail readers (Python's email among them) pass over them and read
	 * the fields that follow.  Seen at the top of a Gmail bounce. */
	if (top) {
		size_t q = pos;

		while (q < end && is_wsp(b[q]))
			(void)dsnx_line_end(b, q, end, &q);
		if (q != pos && q < end && field_name_length(b, q,
		    dsnx_line_end(b, q, end, &next)) > 0)
			pos = q;
	}
	while (pos < end) {
		eol = dsnx_line_end(b, pos, end, &next);
		if (eol == pos) {
			if ((st = finish_field(m, part, &cur, &open)) != DSNX_OK)
				return st;
			part->header_end = pos;
			part->body_start = next;
			return DSNX_OK;
		}
		if (is_wsp(b[pos]) && open) {
			cur.end = eol;
			pos = next;
			continue;
		}
		name_len = field_name_length(b, pos, eol);
		if ((st = finish_field(m, part, &cur, &open)) != DSNX_OK)
			return st;
		if (name_len == 0) {
			/* Not a field; a first line that is not one means a part
			 * with no header at all, which needs no flag. */
			if (pos != part->start)
				m->errors |= DSNX_MIME_BAD_HEADER;
			part->header_end = pos;
			part->body_start = pos;
			return DSNX_OK;
		}
		cur.start = pos;
		cur.end = eol;
		cur.name_len = name_len;
		open = 1;
		pos = next;
	}
	if ((st = finish_field(m, part, &cur, &open)) != DSNX_OK)
		return st;
	if (part->field_count > 0)
		m->errors |= DSNX_MIME_NO_BODY;
	part->header_end = end;
	part->body_start = end;
	return DSNX_OK;
}

const dsnx_hfield *
dsnx_mime_field(const dsnx_mime *mime, const dsnx_part *part, unsigned i)
{
	if (i >= part->field_count)
		return NULL;
	return &mime->fields[part->field_first + i];
}

int
dsnx_mime_field_is(const dsnx_mime *mime, const dsnx_hfield *field,
    const char *name)
{
	size_t n = strlen(name);

	return field->name_len == n
	    && strncasecmp(mime->buf + field->start, name, n) == 0;
}

int
dsnx_mime_find_field(const dsnx_mime *mime, const dsnx_part *part,
    const char *name)
{
	size_t n = strlen(name);		/* once, not once a field */
	unsigned i;

	for (i = 0; i < part->field_count; i++) {
		const dsnx_hfield *f = &mime->fields[part->field_first + i];

		if (f->name_len == n
		    && strncasecmp(mime->buf + f->start, name, n) == 0)
			return (int)i;
	}
	return -1;
}

dsnx_status
dsnx_mime_unfold(const dsnx_mime *mime, const dsnx_hfield *field,
    dsnx_buf *out)
{
	const char *b = mime->buf;
	size_t p = field->start + field->name_len, end = field->end;
	size_t take, run, after;
	dsnx_status st = DSNX_OK;

	dsnx_buf_reset(out);
	/* Past the name, optional white space and the colon. */
	while (p < end && b[p] != ':')
		p++;
	if (p < end)
		p++;
	while (p < end && (is_wsp(b[p]) || b[p] == '\r' || b[p] == '\n'))
		p++;
	if (end - p > mime->limits.max_header_field)
		end = p + mime->limits.max_header_field;
	while (p < end && st == DSNX_OK) {
		/* Copy up to the next line end in one piece; a line end
		 * inside a field is folding, and unfolding removes it. */
		run = dsnx_line_end(b, p, end, &after);
		take = run - p;
		if (take > 0)
			st = dsnx_buf_append(out, b + p, take);
		p = run;
		while (p < end && (b[p] == '\r' || b[p] == '\n'))
			p++;
	}
	while (out->len > 0 && is_wsp(out->data[out->len - 1]))
		out->data[--out->len] = '\0';
	return st == DSNX_ELIMIT ? DSNX_OK : st;
}

static dsnx_status
new_part(dsnx_mime *m, dsnx_part *parent, dsnx_part **out)
{
	dsnx_part *p;

	if (m->part_count >= m->limits.max_parts) {
		m->errors |= DSNX_MIME_PARTS;
		*out = NULL;
		return DSNX_OK;
	}
	if (m->part_count == m->part_cap) {
		unsigned cap = m->part_cap ? m->part_cap * 2 : 16;
		dsnx_part **v = realloc(m->parts, cap * sizeof(*v));

		if (v == NULL)
			return DSNX_ENOMEM;
		m->parts = v;
		m->part_cap = cap;
	}
	p = dsnx_arena_zalloc(&m->arena, sizeof(*p));
	if (p == NULL)
		return DSNX_ENOMEM;
	p->index = m->part_count;
	p->parent = parent;
	p->depth = parent ? parent->depth + 1 : 0;
	m->parts[m->part_count++] = p;
	if (parent != NULL) {
		dsnx_part **link = &parent->child;

		while (*link != NULL)
			link = &(*link)->next;
		*link = p;
	}
	*out = p;
	return DSNX_OK;
}

static dsnx_status
read_content_type(dsnx_mime *m, dsnx_part *part, const char *def_type,
    const char *def_subtype)
{
	const dsnx_hfield *f;
	dsnx_ctype ct;
	dsnx_status st;
	int i;

	part->type = def_type;
	part->subtype = def_subtype;
	part->params = NULL;
	part->cte = DSNX_CTE_7BIT;
	if ((i = dsnx_mime_find_field(m, part, "content-type")) >= 0) {
		f = dsnx_mime_field(m, part, (unsigned)i);
		if ((st = dsnx_mime_unfold(m, f, &m->scratch)) != DSNX_OK)
			return st;
		st = dsnx_ctype_parse(&m->arena, m->scratch.data ? m->scratch.data
		    : "", m->scratch.len, &ct);
		if (st != DSNX_OK)
			return st;
		/* An unreadable Content-Type means text/plain (RFC 2045 5.2),
		 * but its parameters may still be useful. */
		if (ct.type[0] != '\0' && ct.subtype[0] != '\0') {
			part->type = ct.type;
			part->subtype = ct.subtype;
		} else {
			part->type = "text";
			part->subtype = "plain";
		}
		part->params = ct.params;
	}
	if ((i = dsnx_mime_find_field(m, part, "content-transfer-encoding")) >= 0) {
		f = dsnx_mime_field(m, part, (unsigned)i);
		if ((st = dsnx_mime_unfold(m, f, &m->scratch)) != DSNX_OK)
			return st;
		part->cte = dsnx_cte_parse(dsnx_buf_str(&m->scratch), m->scratch.len);
	}
	return DSNX_OK;
}

static dsnx_status parse_body(dsnx_mime *m, dsnx_part *part);

/* Reads a part's header block and then its body, as a child of parent. */
static dsnx_status
parse_child(dsnx_mime *m, dsnx_part *parent, size_t start, size_t end,
    const char *def_type, const char *def_subtype)
{
	dsnx_part *child;
	dsnx_status st;

	if ((st = new_part(m, parent, &child)) != DSNX_OK || child == NULL)
		return st;
	child->end = end;
	if ((st = parse_header_block(m, child, start, end, 0)) != DSNX_OK)
		return st;
	if ((st = read_content_type(m, child, def_type, def_subtype)) != DSNX_OK)
		return st;
	return parse_body(m, child);
}

/* Where the content before a delimiter found at p ends: the line end in
 * front of the delimiter belongs to the delimiter (RFC 2046 5.1.1). */
static size_t
content_end_before(const char *b, size_t body_start, size_t p)
{
	if (p <= body_start)
		return p;
	if (b[p - 1] == '\n') {
		if (p - 1 > body_start && b[p - 2] == '\r')
			return p - 2;
		return p - 1;
	}
	if (b[p - 1] == '\r')
		return p - 1;
	return p;
}

/*
 * Finds the next delimiter line "--boundary" or "--boundary--" at or
 * after pos.  Returns its offset or end; sets *close and *after (the
 * first byte after the delimiter line).
 */
static size_t
find_delimiter(const char *b, size_t body_start, size_t pos, size_t end,
    const char *delim, size_t dlen, int *close, size_t *after)
{
	const char *hit;
	size_t p, q, next;

	while (pos < end && end - pos >= dlen) {
		hit = memmem(b + pos, end - pos, delim, dlen);
		if (hit == NULL)
			break;
		p = (size_t)(hit - b);
		if (p == body_start || b[p - 1] == '\n' || b[p - 1] == '\r') {
			q = p + dlen;
			*close = 0;
			if (end - q >= 2 && b[q] == '-' && b[q + 1] == '-') {
				*close = 1;
				q += 2;
			}
			while (q < end && is_wsp(b[q]))
				q++;
			if (q >= end || b[q] == '\r' || b[q] == '\n') {
				dsnx_line_end(b, q, end, &next);
				*after = next;
				return p;
			}
		}
		pos = p + 1;
	}
	*close = 0;
	*after = end;
	return end;
}

static dsnx_status
parse_multipart(dsnx_mime *m, dsnx_part *part)
{
	const char *boundary = dsnx_param_get(part->params, "boundary");
	const int digest = strcmp(part->subtype, "digest") == 0;
	size_t blen, dlen, pos, d, after, part_start = 0;
	int close = 0, inside = 0;
	char *delim;
	dsnx_status st;

	if (boundary == NULL || boundary[0] == '\0') {
		m->errors |= DSNX_MIME_NO_BOUNDARY;
		return DSNX_OK;
	}
	blen = strlen(boundary);
	if (blen > m->limits.max_boundary) {
		m->errors |= DSNX_MIME_LONG_BOUNDARY;
		return DSNX_OK;
	}
	dlen = blen + 2;
	if ((delim = dsnx_arena_alloc(&m->arena, dlen)) == NULL)
		return DSNX_ENOMEM;
	delim[0] = delim[1] = '-';
	memcpy(delim + 2, boundary, blen);

	pos = part->body_start;
	for (;;) {
		d = find_delimiter(m->buf, part->body_start, pos, part->end, delim,
		    dlen, &close, &after);
		if (d >= part->end)
			break;
		if (inside) {
			size_t content_end = content_end_before(m->buf,
			    part->body_start, d);

			/* Two delimiters on consecutive lines: an empty part,
			 * whose end must not fall before its start. */
			if (content_end < part_start)
				content_end = part_start;
			st = parse_child(m, part, part_start, content_end,
			    digest ? "message" : "text", digest ? "rfc822" : "plain");
			if (st != DSNX_OK)
				return st;
			if (m->errors & DSNX_MIME_PARTS)
				return DSNX_OK;
		}
		if (close)
			return DSNX_OK;
		inside = 1;
		part_start = after;
		pos = after;
	}
	if (!inside) {
		m->errors |= DSNX_MIME_NO_BOUNDARY;
		return DSNX_OK;
	}
	m->errors |= DSNX_MIME_TRUNCATED;
	return parse_child(m, part, part_start, part->end,
	    digest ? "message" : "text", digest ? "rfc822" : "plain");
}

static dsnx_status
parse_body(dsnx_mime *m, dsnx_part *part)
{
	if (strcmp(part->type, "multipart") != 0
	    && !(strcmp(part->type, "message") == 0
	    && (strcmp(part->subtype, "rfc822") == 0
	    || strcmp(part->subtype, "global") == 0)))
		return DSNX_OK;
	if (part->depth + 1 > m->limits.max_depth) {
		m->errors |= DSNX_MIME_DEPTH;
		return DSNX_OK;
	}
	if (part->type[0] == 'm' && part->type[1] == 'u')
		return parse_multipart(m, part);
	/* An encoded message/rfc822 is not allowed (RFC 2046 5.2.1); leave
	 * it a leaf rather than parse encoded bytes as header fields. */
	if (part->cte == DSNX_CTE_BASE64 || part->cte == DSNX_CTE_QP)
		return DSNX_OK;
	return parse_child(m, part, part->body_start, part->end, "text", "plain");
}

dsnx_status
dsnx_mime_parse(const char *buf, size_t len, const dsnx_limits *limits,
    dsnx_mime **out)
{
	dsnx_mime *m;
	dsnx_part *root;
	dsnx_status st;

	if (out == NULL || (buf == NULL && len > 0))
		return DSNX_EINVAL;
	*out = NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return DSNX_ENOMEM;
	if (limits != NULL)
		m->limits = *limits;
	else
		dsnx_limits_init(&m->limits);
	if (len > m->limits.max_message) {
		free(m);
		return DSNX_ELIMIT;
	}
	m->buf = buf ? buf : "";
	m->len = len;
	dsnx_arena_init(&m->arena);
	dsnx_buf_init(&m->scratch, m->limits.max_header_field + 1);
	if (len > 0 && memchr(buf, '\0', len) != NULL)
		m->errors |= DSNX_MIME_NUL;

	if ((st = new_part(m, NULL, &root)) != DSNX_OK || root == NULL)
		goto fail;
	root->end = len;
	if ((st = parse_header_block(m, root, 0, len, 1)) != DSNX_OK)
		goto fail;
	if ((st = read_content_type(m, root, "text", "plain")) != DSNX_OK)
		goto fail;
	if ((st = parse_body(m, root)) != DSNX_OK)
		goto fail;
	*out = m;
	return DSNX_OK;
fail:
	dsnx_mime_free(m);
	return st != DSNX_OK ? st : DSNX_ENOMEM;
}

void
dsnx_mime_free(dsnx_mime *mime)
{
	if (mime == NULL)
		return;
	dsnx_arena_free(&mime->arena);
	dsnx_buf_free(&mime->scratch);
	free(mime->parts);
	free(mime->fields);
	free(mime);
}

unsigned
dsnx_mime_errors(const dsnx_mime *mime)
{
	return mime->errors;
}

const dsnx_part *
dsnx_mime_root(const dsnx_mime *mime)
{
	return mime->parts[0];
}

unsigned
dsnx_mime_part_count(const dsnx_mime *mime)
{
	return mime->part_count;
}

const dsnx_part *
dsnx_mime_part(const dsnx_mime *mime, unsigned index)
{
	return index < mime->part_count ? mime->parts[index] : NULL;
}

dsnx_span
dsnx_part_whole(const dsnx_part *part)
{
	dsnx_span s = { part->start, part->end };

	return s;
}

dsnx_span
dsnx_part_header(const dsnx_part *part)
{
	dsnx_span s = { part->start, part->header_end };

	return s;
}

dsnx_span
dsnx_part_body(const dsnx_part *part)
{
	dsnx_span s = { part->body_start, part->end };

	if (s.start > s.end)
		s.start = s.end;
	return s;
}

unsigned
dsnx_part_index(const dsnx_part *part)
{
	return part->index;
}

unsigned
dsnx_part_depth(const dsnx_part *part)
{
	return part->depth;
}

const dsnx_part *
dsnx_part_parent(const dsnx_part *part)
{
	return part->parent;
}

const dsnx_part *
dsnx_part_child(const dsnx_part *part)
{
	return part->child;
}

const dsnx_part *
dsnx_part_next(const dsnx_part *part)
{
	return part->next;
}

const char *
dsnx_part_type(const dsnx_part *part)
{
	return part->type;
}

const char *
dsnx_part_subtype(const dsnx_part *part)
{
	return part->subtype;
}

const char *
dsnx_part_param(const dsnx_mime *mime, const dsnx_part *part,
    const char *name)
{
	(void)mime;
	return dsnx_param_get(part->params, name);
}

dsnx_cte
dsnx_part_cte(const dsnx_part *part)
{
	return part->cte;
}

unsigned
dsnx_part_header_count(const dsnx_part *part)
{
	return part->field_count;
}

dsnx_span
dsnx_part_header_field(const dsnx_mime *mime, const dsnx_part *part,
    unsigned i)
{
	const dsnx_hfield *f = dsnx_mime_field(mime, part, i);
	dsnx_span s = { 0, 0 };

	if (f != NULL) {
		s.start = f->start;
		s.end = f->end;
	}
	return s;
}

/* Does s[0, len) hold "=?", as every encoded word starts?  memchr()
 * for the '=': glibc's memmem() costs more than the search here. */
static int
has_word_start(const char *s, size_t len)
{
	const char *p = s, *end = s + len;

	while ((p = memchr(p, '=', (size_t)(end - p))) != NULL) {
		if (++p < end && *p == '?')
			return 1;
	}
	return 0;
}

const char *
dsnx_mime_field_value(dsnx_mime *mime, const dsnx_hfield *field, int decode)
{
	dsnx_buf out;
	const char *result = NULL;
	int bad = 0;
	dsnx_status st;

	if (dsnx_mime_unfold(mime, field, &mime->scratch) != DSNX_OK)
		return NULL;
	/* Most values hold no encoded word ("=?" starts every one) and are
	 * valid UTF-8 already, and decoding would copy them unchanged:
	 * keep them as they are, without a buffer of their own. */
	if (decode && !has_word_start(dsnx_buf_str(&mime->scratch),
	    mime->scratch.len) && dsnx_utf8_valid(dsnx_buf_str(&mime->scratch),
	    mime->scratch.len))
		return dsnx_arena_strndup(&mime->arena,
		    dsnx_buf_str(&mime->scratch), mime->scratch.len);
	dsnx_buf_init(&out, mime->limits.max_header_field * 3 + 16);
	if (decode)
		st = dsnx_rfc2047_decode(dsnx_buf_str(&mime->scratch),
		    mime->scratch.len, &out, &bad);
	else
		st = dsnx_to_utf8(NULL, dsnx_buf_str(&mime->scratch),
		    mime->scratch.len, &out, &bad);
	if (st != DSNX_ENOMEM)
		result = dsnx_arena_strndup(&mime->arena, dsnx_buf_str(&out), out.len);
	dsnx_buf_free(&out);
	return result;
}

const char *
dsnx_part_header_get(dsnx_mime *mime, const dsnx_part *part,
    const char *name, int decode)
{
	int i;

	if ((i = dsnx_mime_find_field(mime, part, name)) < 0)
		return NULL;
	return dsnx_mime_field_value(mime, dsnx_mime_field(mime, part,
	    (unsigned)i), decode);
}

int
dsnx_part_text_cut(const dsnx_mime *mime, const dsnx_part *cpart)
{
	const dsnx_part *part = mime->parts[cpart->index];

	return part->text_done && part->text_cut;
}

const char *
dsnx_part_text(dsnx_mime *mime, const dsnx_part *cpart, size_t *len)
{
	dsnx_part *part = mime->parts[cpart->index];
	const char *raw = mime->buf + part->body_start;
	size_t raw_len = part->end > part->body_start
	    ? part->end - part->body_start : 0;
	const char *charset = NULL;
	dsnx_buf decoded, text;
	const char *src;
	size_t src_len;
	int bad = 0;
	dsnx_status st = DSNX_OK;

	if (part->text_done) {
		if (len != NULL)
			*len = part->text_len;
		return part->text;
	}
	dsnx_buf_init(&decoded, mime->limits.max_decoded);
	dsnx_buf_init(&text, mime->limits.max_decoded * 3 + 16);
	switch (part->cte) {
	case DSNX_CTE_BASE64:
		st = dsnx_base64_decode(raw, raw_len, &decoded, &bad);
		src = dsnx_buf_str(&decoded);
		src_len = decoded.len;
		break;
	case DSNX_CTE_QP:
		st = dsnx_qp_decode(raw, raw_len, &decoded, &bad);
		src = dsnx_buf_str(&decoded);
		src_len = decoded.len;
		break;
	default:
		src = raw;
		src_len = raw_len < mime->limits.max_decoded ? raw_len
		    : mime->limits.max_decoded;
		break;
	}
	if (bad)
		mime->errors |= DSNX_MIME_BAD_ENCODING;
	part->text_cut = decoded.overflow || (part->cte != DSNX_CTE_BASE64
	    && part->cte != DSNX_CTE_QP && raw_len > mime->limits.max_decoded);
	if (st != DSNX_ENOMEM) {
		bad = 0;
		if (strcmp(part->type, "text") == 0)
			charset = dsnx_param_get(part->params, "charset");
		st = dsnx_to_utf8(charset, src, src_len, &text, &bad);
		if (bad)
			mime->errors |= DSNX_MIME_BAD_CHARSET;
	}
	if (st != DSNX_ENOMEM) {
		part->text = dsnx_arena_strndup(&mime->arena, dsnx_buf_str(&text),
		    text.len);
		part->text_len = part->text ? text.len : 0;
		part->text_done = part->text != NULL;
		part->text_cut |= text.overflow;
	}
	dsnx_buf_free(&decoded);
	dsnx_buf_free(&text);
	if (len != NULL)
		*len = part->text_len;
	return part->text;
}
