/*
 * NAME
 *	inplace - our text inside a single-part bounce's own text part
 * SYNOPSIS
 *	#include "inplace.h"
 *
 *	dsnx_status dsnx_inplace_plan(mime, part, text, len, &plan, &why)
 *	void	dsnx_inplace_init(&plan)
 *	dsnx_status dsnx_inplace_as_is(&plan, text, len)
 *	dsnx_status dsnx_inplace_write(o, buf, part, &plan, eol)
 *	void	dsnx_inplace_free(&plan)
 * DESCRIPTION
 *	A single-part bounce is read by bounce processors from its one
 *	text: Sisimai and Mail::DeliveryStatus::BounceParser find the
 *	recipients, codes and reasons in it.  Our text therefore follows the
 *	old text inside the same part, after a blank line, so that what they
 *	read first is unchanged (README.md, "Single-part bounces", records
 *	the structures measured against them).  Wrapping the part in a
 *	multipart/mixed instead made BounceParser read the returned message
 *	of 25 of 29 such bounces as bounce text.
 *
 *	Our text is written in the part's own terms:
 *	  - its charset: converted from UTF-8 (encode.c), ISO-2022 ones
 *	    starting from ASCII (RFC 1468);
 *	  - its transfer encoding: as it is for 7bit, 8bit and binary;
 *	    quoted-printable lines after the old ones; for base64, the old
 *	    body's last group of four, if it is padded, is encoded again
 *	    with our bytes after its own (every earlier byte stays);
 *	and where the charset cannot carry it, the declaration is widened
 *	only to one that reads every old byte the same:
 *	  - a part whose decoded text is ASCII, labelled US-ASCII, nothing,
 *	    or another ASCII-compatible charset, is relabelled UTF-8 (its
 *	    Content-Type's charset parameter is changed or added, every
 *	    other byte of the field kept);
 *	  - an identity part (7bit, or no field) that must now hold 8-bit
 *	    bytes is declared 8bit;
 *	  - a message without MIME gets MIME-Version, Content-Type and
 *	    Content-Transfer-Encoding fields saying so.
 *	Every address in our text is spelt "local at domain"
 *	(spell_addresses()): in the one text, bounce processors read it as
 *	another bounced recipient.
 *	Only where neither works (an 8-bit ISO-8859-1 text and German, an
 *	ISO-2022-JP one and French) does a character our text needs become
 *	its ASCII fallback (encode.c), and plan.lossy says so.
 * LIMITS
 *	Content-Type values up to DSNX_INPLACE_CTYPE_MAX - 1 bytes are
 *	changed; a longer one, or a charset given in RFC 2231 form, is not
 *	(our text is then written with fallbacks).  More than one
 *	Content-Type or Content-Transfer-Encoding field, a transfer encoding
 *	not in RFC 2045, a charset in which CR and LF are not ASCII's, a
 *	type other than text/plain, a base64 body whose groups do not come
 *	out even: no plan, and the reason why.
 * SEE ALSO
 *	rewrite(3), encode(3), RFC 2045, RFC 2046 4.1.2, RFC 1468
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "codec.h"
#include "encode.h"
#include "inplace.h"

static void
put(dsnx_buf *b, const char *s)
{
	dsnx_buf_append(b, s, strlen(s));
}

/* Does the text read as ASCII, shift bytes of ISO-2022 excluded? */
static int
reads_as_ascii(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x80 || c == 0x1B || c == 0x0E || c == 0x0F)
			return 0;
	}
	return 1;
}

static unsigned
field_count(const dsnx_mime *mime, const dsnx_part *part, const char *name)
{
	unsigned i, n = 0;

	for (i = 0; i < part->field_count; i++)
		n += (unsigned)dsnx_mime_field_is(mime, dsnx_mime_field(mime,
		    part, i), name);
	return n;
}

/* Charsets in which CR, LF and our ASCII fallbacks are single ASCII
 * bytes, so our text can follow the old one byte for byte. */
static int
line_compatible(const char *name)
{
	return dsnx_charset_ascii_compatible(name)
	    || strcmp(name, "shift_jis") == 0 || strcmp(name, "cp932") == 0
	    || strcmp(name, "windows-31j") == 0;
}

/* ------------------------------------------ the charset parameter */

/* Past a comment starting at v[i] == '(' (nested, quoted pairs). */
static size_t
skip_comment(const char *v, size_t i, size_t len)
{
	unsigned depth = 0;

	for (; i < len; i++) {
		if (v[i] == '\\' && i + 1 < len)
			i++;
		else if (v[i] == '(')
			depth++;
		else if (v[i] == ')' && --depth == 0)
			return i + 1;
	}
	return len;
}

/* Past a quoted-string starting at v[i] == '"'. */
static size_t
skip_quoted(const char *v, size_t i, size_t len)
{
	for (i++; i < len; i++) {
		if (v[i] == '\\' && i + 1 < len)
			i++;
		else if (v[i] == '"')
			return i + 1;
	}
	return len;
}

static size_t
skip_blanks(const char *v, size_t i, size_t len)
{
	while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == '('))
		i = v[i] == '(' ? skip_comment(v, i, len) : i + 1;
	return i;
}

/*
 * The unfolded Content-Type value v with its charset parameter's value
 * made "utf-8" (or the parameter added at the end), into out.  Nonzero
 * when it cannot be done safely: not text/plain, an RFC 2231 charset,
 * or too long.
 */
static int
relabel_utf8(const char *v, size_t len, char *out, size_t size)
{
	size_t	i, name, name_end, vs = 0, ve = 0;
	int	found = 0;

	i = skip_blanks(v, 0, len);
	if (len - i < 10 || strncasecmp(v + i, "text/plain", 10) != 0)
		return -1;
	for (i += 10; i < len; ) {
		if (v[i] == '"')
			i = skip_quoted(v, i, len);
		else if (v[i] == '(')
			i = skip_comment(v, i, len);
		else if (v[i] != ';')
			i++;
		else {
			name = skip_blanks(v, i + 1, len);
			for (name_end = name; name_end < len
			    && strchr(" \t=;(\"", v[name_end]) == NULL; name_end++)
				;
			i = name_end;
			if (name_end - name >= 7
			    && strncasecmp(v + name, "charset", 7) == 0
			    && name_end - name > 7)
				return -1;	/* charset*, charset*0 */
			if (name_end - name != 7
			    || strncasecmp(v + name, "charset", 7) != 0)
				continue;
			i = skip_blanks(v, i, len);
			if (i >= len || v[i] != '=')
				return -1;
			vs = skip_blanks(v, i + 1, len);
			if (vs < len && v[vs] == '"')
				ve = skip_quoted(v, vs, len);
			else
				for (ve = vs; ve < len
				    && strchr(" \t;(", v[ve]) == NULL; ve++)
					;
			if (found)
				return -1;	/* two of them */
			found = 1;
			i = ve;
		}
	}
	if (!found) {
		while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'
		    || v[len - 1] == ';'))
			len--;
		vs = ve = len;
	}
	if ((size_t)snprintf(out, size, "%.*s%sutf-8%.*s", (int)vs, v,
	    found ? "" : "; charset=", (int)(len - ve), v + ve) >= size)
		return -1;
	return 0;
}

/* --------------------------------------------------------------- plan */

static dsnx_status
decoded_body(const dsnx_mime *mime, const dsnx_part *part, dsnx_buf *out)
{
	const char *b = mime->buf + part->body_start;
	size_t	len = part->end - part->body_start;
	int	bad = 0;

	if (part->cte == DSNX_CTE_QP)
		return dsnx_qp_decode(b, len, out, &bad);
	if (part->cte == DSNX_CTE_BASE64)
		return dsnx_base64_decode(b, len, out, &bad);
	return dsnx_buf_append(out, b, len);
}

/* Relabels the part UTF-8 when its decoded text reads as ASCII. */
static dsnx_status
try_relabel(const dsnx_mime *mime, const dsnx_part *part, int may_change,
    dsnx_inplace *plan, int *done)
{
	dsnx_buf body, value;
	int	at;
	dsnx_status st;

	*done = 0;
	dsnx_buf_init(&body, 0);
	if ((st = decoded_body(mime, part, &body)) != DSNX_OK
	    || !reads_as_ascii(body.data != NULL ? body.data : "", body.len)) {
		dsnx_buf_free(&body);
		return st == DSNX_ELIMIT ? DSNX_OK : st;
	}
	dsnx_buf_free(&body);
	if ((at = dsnx_mime_find_field(mime, part, "content-type")) >= 0
	    && !may_change)
		return DSNX_OK;
	if (at < 0) {
		plan->ctype = DSNX_FIELD_ADD;
		strcpy(plan->ctype_value, "text/plain; charset=utf-8");
	} else {
		dsnx_buf_init(&value, mime->limits.max_header_field + 1);
		if ((st = dsnx_mime_unfold(mime, dsnx_mime_field(mime, part,
		    (unsigned)at), &value)) != DSNX_OK) {
			dsnx_buf_free(&value);
			return st == DSNX_ELIMIT ? DSNX_OK : st;
		}
		at = relabel_utf8(dsnx_buf_str(&value), value.len,
		    plan->ctype_value, sizeof(plan->ctype_value));
		dsnx_buf_free(&value);
		if (at != 0)
			return DSNX_OK;
		plan->ctype = DSNX_FIELD_CHANGE;
	}
	strcpy(plan->charset, "utf-8");
	*done = 1;
	return DSNX_OK;
}

static int
address_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	    || (c >= '0' && c <= '9') || c >= 0x80
	    || (c != '\0' && strchr("._%+-!#$&'*/=?^`{|}~", c) != NULL);
}

/*
 * Our text with every address spelt "local at domain": here it follows
 * the bounce's own report, and a bounce processor reads every address
 * in it as one more bounced recipient, with our words as the reason
 * (BounceParser, and mailing-list managers like it).  The report above
 * names each address as it is; a lone '@' ("the part before the @")
 * stays.
 */
static dsnx_status
spell_addresses(const char *text, size_t len, dsnx_buf *out)
{
	size_t	i, start = 0;

	for (i = 1; i + 1 < len; i++)
		if (text[i] == '@' && address_char((unsigned char)text[i - 1])
		    && (address_char((unsigned char)text[i + 1])
		    || text[i + 1] == '[')) {
			dsnx_buf_append(out, text + start, i - start);
			dsnx_buf_append(out, " at ", 4);
			start = i + 1;
		}
	dsnx_buf_append(out, text + start, len - start);
	return out->overflow ? DSNX_ENOMEM : DSNX_OK;
}

static dsnx_status
convert_text(dsnx_inplace *plan, const char *text, size_t len)
{
	dsnx_buf spelt;
	int	lossy = 0;
	dsnx_status st;

	dsnx_buf_reset(&plan->text);
	plan->lossy = 0;
	if (strcmp(plan->charset, "utf-8") == 0)
		return spell_addresses(text, len, &plan->text);
	dsnx_buf_init(&spelt, 0);
	if ((st = spell_addresses(text, len, &spelt)) == DSNX_OK)
		st = dsnx_from_utf8(plan->charset, spelt.data != NULL
		    ? spelt.data : "", spelt.len, &plan->text, &lossy);
	if (st == DSNX_EINVAL && strcmp(plan->charset, "us-ascii") != 0) {
		/* A name of an ASCII-compatible family iconv does not know
		 * ("windows-9999"): its ASCII is still ASCII. */
		strcpy(plan->charset, "us-ascii");
		dsnx_buf_reset(&plan->text);
		lossy = 0;
		st = dsnx_from_utf8(plan->charset, spelt.data != NULL
		    ? spelt.data : "", spelt.len, &plan->text, &lossy);
	}
	dsnx_buf_free(&spelt);
	plan->lossy = lossy;
	return st;
}

/* Does a base64 body end in whole groups of four? */
static int
base64_even(const char *b, size_t len)
{
	size_t	i, n = 0;

	for (i = 0; i < len; i++)
		if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r' && b[i] != '\n')
			n++;
	return n % 4 == 0;
}

dsnx_status
dsnx_inplace_plan(const dsnx_mime *mime, const dsnx_part *part,
    const char *text, size_t len, int may_change, dsnx_inplace *plan,
    const char **why)
{
	char	name[DSNX_CHARSET_NAME_SIZE];
	dsnx_charset_kind kind;
	int	relabelled = 0;
	dsnx_status st;

	dsnx_inplace_init(plan);
	*why = NULL;
	if (strcmp(part->type, "text") != 0
	    || strcmp(part->subtype, "plain") != 0) {
		*why = "a single-part bounce that is not text/plain";
		return DSNX_OK;
	}
	if (field_count(mime, part, "content-type") > 1
	    || field_count(mime, part, "content-transfer-encoding") > 1) {
		*why = "a single-part bounce with more than one Content-Type "
		    "or Content-Transfer-Encoding field (readers differ on "
		    "which one counts)";
		return DSNX_OK;
	}
	plan->encoding = part->cte;
	if (part->cte == DSNX_CTE_UNKNOWN) {
		*why = "a single-part bounce in a transfer encoding RFC 2045 "
		    "does not define";
		return DSNX_OK;
	}
	if (part->cte == DSNX_CTE_BASE64 && !base64_even(mime->buf
	    + part->body_start, part->end - part->body_start)) {
		*why = "a single-part base64 bounce whose last group of four "
		    "is cut short";
		return DSNX_OK;
	}
	kind = dsnx_charset_identify(dsnx_part_param(mime, part, "charset"),
	    name);
	if (kind == DSNX_CHARSET_UTF8)
		strcpy(plan->charset, "utf-8");
	else if (kind == DSNX_CHARSET_OTHER) {
		if (!line_compatible(name)) {
			*why = "a single-part bounce in a charset whose line "
			    "ends are not ASCII's";
			return DSNX_OK;
		}
		strcpy(plan->charset, name);
	} else
		strcpy(plan->charset, "us-ascii");

	if ((st = convert_text(plan, text, len)) != DSNX_OK)
		goto fail;
	if (plan->lossy && kind != DSNX_CHARSET_UTF8) {
		st = try_relabel(mime, part, may_change, plan, &relabelled);
		if (st != DSNX_OK)
			goto fail;
		if (relabelled && (st = convert_text(plan, text, len))
		    != DSNX_OK)
			goto fail;
	}
	if (part->cte == DSNX_CTE_7BIT
	    && !dsnx_ascii_only(plan->text.data != NULL ? plan->text.data : "",
	    plan->text.len)) {
		plan->cte_value = "8bit";
		plan->cte = dsnx_mime_find_field(mime, part,
		    "content-transfer-encoding") < 0 ? DSNX_FIELD_ADD
		    : DSNX_FIELD_CHANGE;
		if (plan->cte == DSNX_FIELD_CHANGE && !may_change) {
			/* 7bit it stays, so ours is ASCII, which every
			 * charset it can be has (line_compatible()). */
			plan->cte = DSNX_FIELD_KEEP;
			strcpy(plan->charset, "us-ascii");
			if ((st = convert_text(plan, text, len)) != DSNX_OK)
				goto fail;
		}
	}
	if ((plan->ctype != DSNX_FIELD_KEEP || plan->cte != DSNX_FIELD_KEEP)
	    && dsnx_mime_find_field(mime, part, "mime-version") < 0)
		plan->mime_version = DSNX_FIELD_ADD;
	return DSNX_OK;
fail:
	dsnx_inplace_free(plan);
	if (st != DSNX_EINVAL)
		return st;
	*why = "a single-part bounce in a charset iconv cannot write";
	return DSNX_OK;
}

void
dsnx_inplace_init(dsnx_inplace *plan)
{
	memset(plan, 0, sizeof(*plan));
	dsnx_buf_init(&plan->text, 0);
}

dsnx_status
dsnx_inplace_as_is(dsnx_inplace *plan, const char *text, size_t len)
{
	dsnx_inplace_init(plan);
	strcpy(plan->charset, "utf-8");
	plan->encoding = DSNX_CTE_8BIT;
	return spell_addresses(text, len, &plan->text);
}

void
dsnx_inplace_free(dsnx_inplace *plan)
{
	dsnx_buf_free(&plan->text);
}

/* -------------------------------------------------------------- write */

static void
put_lines(dsnx_buf *o, const char *s, size_t len, const char *eol)
{
	size_t	i, start = 0;

	for (i = 0; i < len; i++)
		if (s[i] == '\n') {
			dsnx_buf_append(o, s + start, i - start);
			put(o, eol);
			start = i + 1;
		}
	dsnx_buf_append(o, s + start, len - start);
}

/*
 * Base64: the old groups up to a padded last one stay as they are; the
 * padded group's bytes are encoded again, with a line end if the old
 * text lacked one, a blank line and our text (in CRLF, the canonical
 * form of text, RFC 2045 6.8) after them.
 */
static void
write_base64(dsnx_buf *o, const char *b, size_t len, const dsnx_inplace *plan,
    const char *eol)
{
	dsnx_buf tail;
	size_t	i, last = len, n = 0, col = 0, keep;
	int	bad = 0;

	/* Where the last group of four starts. */
	for (i = len; i > 0 && n < 4; i--)
		if (b[i - 1] != ' ' && b[i - 1] != '\t' && b[i - 1] != '\r'
		    && b[i - 1] != '\n') {
			n++;
			last = i - 1;
		}
	keep = n == 4 && memchr(b + last, '=', len - last) != NULL ? last : len;
	while (keep == len && keep > 0 && (b[keep - 1] == '\r'
	    || b[keep - 1] == '\n' || b[keep - 1] == ' '
	    || b[keep - 1] == '\t'))
		keep--;
	dsnx_buf_append(o, b, keep);
	for (i = keep; i > 0 && b[i - 1] != '\n' && b[i - 1] != '\r'; i--)
		col++;
	dsnx_buf_init(&tail, 0);
	if (keep < len)
		(void)dsnx_base64_decode(b + keep, len - keep, &tail, &bad);
	else {
		/* The old text's own last bytes tell whether it ended its
		 * line; decode the last group for that. */
		dsnx_buf end;

		dsnx_buf_init(&end, 0);
		(void)dsnx_base64_decode(b + last, len - last, &end, &bad);
		if (end.len == 0 || end.data[end.len - 1] != '\n')
			dsnx_buf_append(&tail, "\r\n", 2);
		dsnx_buf_free(&end);
	}
	if (keep < len && (tail.len == 0 || tail.data[tail.len - 1] != '\n'))
		dsnx_buf_append(&tail, "\r\n", 2);
	dsnx_buf_append(&tail, "\r\n", 2);
	for (i = 0; i < plan->text.len; i++) {
		if (plan->text.data[i] == '\n')
			dsnx_buf_putc(&tail, '\r');
		dsnx_buf_putc(&tail, plan->text.data[i]);
	}
	if (col >= 76) {
		put(o, eol);
		col = 0;
	}
	dsnx_base64_encode(o, (const unsigned char *)tail.data, tail.len, col,
	    eol);
	if (tail.overflow)
		o->overflow = 1;
	dsnx_buf_free(&tail);
}

dsnx_status
dsnx_inplace_write(dsnx_buf *o, const char *buf, const dsnx_part *part,
    const dsnx_inplace *plan, const char *eol)
{
	const char *b = buf + part->body_start;
	size_t	len = part->end - part->body_start;
	const char *t = plan->text.data != NULL ? plan->text.data : "";

	if (plan->encoding == DSNX_CTE_BASE64) {
		write_base64(o, b, len, plan, eol);
		return o->overflow ? DSNX_ENOMEM : DSNX_OK;
	}
	dsnx_buf_append(o, b, len);
	if (len > 0 && b[len - 1] != '\n' && b[len - 1] != '\r')
		put(o, eol);
	put(o, eol);
	/* An ISO-2022 text should end each line in ASCII; one that did
	 * not must not shift our first line. */
	if (strncmp(plan->charset, "iso-2022-", 9) == 0)
		put(o, plan->encoding == DSNX_CTE_QP ? "=1B(B" : "\x1b(B");
	if (plan->encoding == DSNX_CTE_QP)
		dsnx_qp_encode(o, t, plan->text.len, eol);
	else
		put_lines(o, t, plan->text.len, eol);
	return o->overflow ? DSNX_ENOMEM : DSNX_OK;
}
