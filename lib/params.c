/*
 * NAME
 *	params - Content-Type and similar structured header values
 * SYNOPSIS
 *	#include "params.h"
 *
 *	dsnx_status dsnx_ctype_parse(dsnx_arena *arena, const char *value,
 *		size_t len, dsnx_ctype *out)
 *	const char *dsnx_param_get(const dsnx_param *params,
 *		const char *name)
 *	dsnx_cte dsnx_cte_parse(const char *value, size_t len)
 * DESCRIPTION
 *	dsnx_ctype_parse() splits "type/subtype; name=value; ..." (RFC 2045,
 *	RFC 2183 for Content-Disposition, where the subtype is simply
 *	empty).  White space and comments may appear around every token,
 *	'/' and '='.  A parameter without '=' or with an empty name is
 *	skipped; junk after a value is skipped up to the next ';'.  Unquoted
 *	values are read liberally, up to white space, ';', '(' or '"', since
 *	real mailers write boundary=----=_Part_1 without quotes.  A
 *	quoted-string may lack its closing quote: it then runs to the end.
 *
 *	RFC 2231: name*=charset'lang'%XX, name*0=, name*1*=, in any order,
 *	are joined in section order (gaps are skipped rather than fatal)
 *	and converted to UTF-8 with dsnx_to_utf8() from the charset given
 *	in section 0.  When a parameter appears both in RFC 2231 form and
 *	plainly (mailers send "filename=" as a fallback for old readers),
 *	the RFC 2231 form wins, being the precise one.  Otherwise the first
 *	occurrence of a name wins.  Plain values that are not UTF-8 are
 *	repaired as dsnx_to_utf8() does for an unlabelled text.  RFC 2047
 *	encoded words inside parameter values are not decoded: that is not
 *	standard, and a boundary must stay byte for byte as written.
 *
 *	Names, types and subtypes are compared and stored in lower case
 *	(ASCII only; no locale is consulted).
 * LIMITS
 *	CTYPE_MAX_PARAMS distinct parameter names per value and
 *	RFC2231_MAX_SECTIONS sections (0..63) per parameter; more are
 *	ignored.  Comment nesting is tracked to COMMENT_DEPTH_MAX levels;
 *	deeper '(' count as comment text, so hostile nesting ends the
 *	comment early instead of costing anything.  A converted value that
 *	grows to more than four times its raw size is cut.
 * DIAGNOSTICS
 *	dsnx_ctype_parse() returns DSNX_ENOMEM when the arena fails, else
 *	DSNX_OK: malformed input is not an error here.
 * SEE ALSO
 *	codec(3), RFC 2045, RFC 2183, RFC 2231
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "codec.h"
#include "params.h"

#define CTYPE_MAX_PARAMS	128
#define RFC2231_MAX_SECTIONS	64
#define COMMENT_DEPTH_MAX	64
#define CHARSET_MAX		63
#define CONVERT_STAGE_SIZE	1024

typedef struct scanner {
	const unsigned char *s;
	size_t	len;
	size_t	pos;
} scanner;

typedef struct text {
	const char *ptr;
	size_t	len;
} text;

typedef struct rfc2231_section {
	text	value;
	int	extended;	/* "name*N*": percent-encoded */
	int	present;
} rfc2231_section;

/* Everything seen for one parameter name. */
typedef struct param_slot {
	struct param_slot *next;
	char   *name;		/* lower case */
	size_t	name_len;
	text	plain;		/* name=value */
	int	has_plain;
	text	single;		/* name*=charset'lang'value */
	int	has_single;
	rfc2231_section *sections;	/* name*N[*]=, allocated on demand */
} param_slot;

static inline unsigned char
ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c;
}

static inline int
is_fws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* RFC 2045 token: printable ASCII except tspecials. */
static int
is_token_char(unsigned char c)
{
	if (c <= ' ' || c >= 0x7F)
		return 0;
	switch (c) {
	case '(': case ')': case '<': case '>': case '@': case ',': case ';':
	case ':': case '\\': case '"': case '/': case '[': case ']': case '?':
	case '=':
		return 0;
	}
	return 1;
}

/* What an unquoted value may contain in practice (tspecials included). */
static int
is_loose_value_char(unsigned char c)
{
	return c > ' ' && c != 0x7F && c != ';' && c != '(' && c != '"';
}

static void
skip_comment(scanner *sc)
{
	unsigned depth = 0;
	unsigned char c;

	while (sc->pos < sc->len) {
		c = sc->s[sc->pos++];
		if (c == '\\') {
			if (sc->pos < sc->len)
				sc->pos++;
		} else if (c == '(') {
			if (depth < COMMENT_DEPTH_MAX)
				depth++;
		} else if (c == ')') {
			if (--depth == 0)
				return;
		}
	}
}

static void
skip_cfws(scanner *sc)
{
	while (sc->pos < sc->len) {
		if (is_fws(sc->s[sc->pos]))
			sc->pos++;
		else if (sc->s[sc->pos] == '(')
			skip_comment(sc);
		else
			break;
	}
}

static text
scan_token(scanner *sc)
{
	text	t;

	t.ptr = (const char *)sc->s + sc->pos;
	while (sc->pos < sc->len && is_token_char(sc->s[sc->pos]))
		sc->pos++;
	t.len = (size_t)((const char *)sc->s + sc->pos - t.ptr);
	return t;
}

/*
 * Finds the closing quote of the quoted-string whose opening quote is at
 * start, or returns len when there is none.
 */
static size_t
quoted_string_end(const unsigned char *s, size_t len, size_t start)
{
	size_t	i;

	for (i = start + 1; i < len; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i;
	}
	return len;
}

/*
 * Skips junk up to the next top-level ';'.  A quote without a partner is
 * taken as an ordinary character, and after one such miss all quotes
 * are, so that a run of lone quotes cannot make this quadratic.
 */
static void
skip_to_semicolon(scanner *sc)
{
	int	quotes_unmatched = 0;
	size_t	end;
	unsigned char c;

	while (sc->pos < sc->len && (c = sc->s[sc->pos]) != ';') {
		if (c == '"' && !quotes_unmatched) {
			end = quoted_string_end(sc->s, sc->len, sc->pos);
			if (end < sc->len)
				sc->pos = end + 1;
			else {
				quotes_unmatched = 1;
				sc->pos++;
			}
		} else if (c == '(') {
			skip_comment(sc);
		} else {
			sc->pos++;
		}
	}
}

/* Reads a quoted-string (at '"'), removing the backslash escapes. */
static dsnx_status
scan_quoted(dsnx_arena *arena, scanner *sc, text *out)
{
	size_t	start = sc->pos + 1, end, i, n;
	char   *copy;

	end = quoted_string_end(sc->s, sc->len, sc->pos);
	sc->pos = end < sc->len ? end + 1 : sc->len;
	out->ptr = (const char *)sc->s + start;
	out->len = end - start;
	if (memchr(out->ptr, '\\', out->len) == NULL)
		return DSNX_OK;
	if ((copy = dsnx_arena_alloc(arena, out->len + 1)) == NULL)
		return DSNX_ENOMEM;
	for (i = start, n = 0; i < end; i++) {
		if (sc->s[i] == '\\' && i + 1 < end)
			i++;
		copy[n++] = (char)sc->s[i];
	}
	out->ptr = copy;
	out->len = n;
	return DSNX_OK;
}

static char *
arena_lower(dsnx_arena *arena, text t)
{
	char   *p = dsnx_arena_strndup(arena, t.ptr, t.len);
	size_t	i;

	if (p != NULL)
		for (i = 0; i < t.len; i++)
			p[i] = (char)ascii_lower((unsigned char)p[i]);
	return p;
}

/*
 * Converts raw bytes to a UTF-8 string in the arena.  The conversion
 * goes first into a small stage so that the arena only pays for the
 * result; a long value gets room for the worst expansion instead.
 */
static const char *
arena_utf8(dsnx_arena *arena, const char *charset, const char *raw, size_t len)
{
	char	stage[CONVERT_STAGE_SIZE];
	dsnx_buf conv;
	size_t	room;
	dsnx_status st;

	if (charset == NULL && dsnx_utf8_valid(raw, len))
		return dsnx_arena_strndup(arena, raw, len);
	conv.data = stage;
	conv.len = 0;
	conv.cap = sizeof(stage);
	conv.limit = sizeof(stage) - 1;
	conv.overflow = 0;
	stage[0] = '\0';
	/* The buffer already owns storage as large as its limit, so it
	 * never reallocates (and is never freed). */
	st = dsnx_to_utf8(charset, raw, len, &conv, NULL);
	if (st == DSNX_OK)
		return dsnx_arena_strndup(arena, stage, conv.len);
	if (len > (SIZE_MAX - 8) / 4)
		return NULL;
	room = len * 4 + 4;
	if ((conv.data = dsnx_arena_alloc(arena, room + 1)) == NULL)
		return NULL;
	conv.len = 0;
	conv.cap = room + 1;
	conv.limit = room;
	conv.overflow = 0;
	conv.data[0] = '\0';
	st = dsnx_to_utf8(charset, raw, len, &conv, NULL);
	return st == DSNX_ENOMEM ? NULL : conv.data;
}

static param_slot *
slot_find(param_slot *slots, const char *name, size_t len)
{
	param_slot *slot;
	size_t	i;

	for (slot = slots; slot != NULL; slot = slot->next) {
		if (slot->name_len != len)
			continue;
		for (i = 0; i < len; i++)
			if ((unsigned char)slot->name[i]
			    != ascii_lower((unsigned char)name[i]))
				break;
		if (i == len)
			return slot;
	}
	return NULL;
}

/*
 * Splits "name", "name*", "name*N" and "name*N*".  Returns 0 for a name
 * to ignore (empty base, junk suffix, section out of range).
 */
static int
param_name_split(text name, text *base, int *section, int *extended)
{
	const char *star = memchr(name.ptr, '*', name.len);
	const char *digits;
	size_t	ndigits, i;
	int	n = 0;

	*section = -1;
	*extended = 0;
	base->ptr = name.ptr;
	base->len = star != NULL ? (size_t)(star - name.ptr) : name.len;
	if (base->len == 0)
		return 0;
	if (star == NULL)
		return 1;
	digits = star + 1;
	ndigits = name.len - base->len - 1;
	if (ndigits == 0) {
		*extended = 1;			/* "name*" */
		return 1;
	}
	if (digits[ndigits - 1] == '*') {
		*extended = 1;
		ndigits--;
	}
	if (ndigits == 0)
		return 0;			/* "name**" */
	for (i = 0; i < ndigits; i++) {
		if (digits[i] < '0' || digits[i] > '9')
			return 0;
		n = n * 10 + (digits[i] - '0');
		if (n >= RFC2231_MAX_SECTIONS)
			return 0;
	}
	*section = n;
	return 1;
}

static dsnx_status
param_record(dsnx_arena *arena, param_slot **slots, param_slot **tail,
    unsigned *count, text name, text value)
{
	param_slot *slot;
	rfc2231_section *sec;
	text	base;
	int	section, extended;

	if (!param_name_split(name, &base, &section, &extended))
		return DSNX_OK;
	if ((slot = slot_find(*slots, base.ptr, base.len)) == NULL) {
		if (*count >= CTYPE_MAX_PARAMS)
			return DSNX_OK;
		if ((slot = dsnx_arena_zalloc(arena, sizeof(*slot))) == NULL
		    || (slot->name = arena_lower(arena, base)) == NULL)
			return DSNX_ENOMEM;
		slot->name_len = base.len;
		if (*tail != NULL)
			(*tail)->next = slot;
		else
			*slots = slot;
		*tail = slot;
		++*count;
	}
	if (section >= 0) {
		if (slot->sections == NULL) {
			slot->sections = dsnx_arena_zalloc(arena,
			    RFC2231_MAX_SECTIONS * sizeof(*slot->sections));
			if (slot->sections == NULL)
				return DSNX_ENOMEM;
		}
		sec = &slot->sections[section];
		if (!sec->present) {
			sec->present = 1;
			sec->extended = extended;
			sec->value = value;
		}
	} else if (extended) {
		if (!slot->has_single) {
			slot->has_single = 1;
			slot->single = value;
		}
	} else if (!slot->has_plain) {
		slot->has_plain = 1;
		slot->plain = value;
	}
	return DSNX_OK;
}

/* Takes "charset'language'" off the front of an RFC 2231 value. */
static void
rfc2231_split_charset(text *value, char *charset, size_t size)
{
	const char *q1, *q2;
	size_t	n;

	charset[0] = '\0';
	if ((q1 = memchr(value->ptr, '\'', value->len)) == NULL)
		return;
	n = (size_t)(q1 - value->ptr);
	q2 = memchr(q1 + 1, '\'', value->len - n - 1);
	if (q2 == NULL)
		return;
	if (n < size) {
		memcpy(charset, value->ptr, n);
		charset[n] = '\0';
	} else {
		/* No real charset name is this long. */
		memcpy(charset, "x-overlong", sizeof("x-overlong"));
	}
	value->len -= (size_t)(q2 + 1 - value->ptr);
	value->ptr = q2 + 1;
}

static int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = ascii_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Appends t to raw, undoing %XX if percent; a bad '%' stays literal. */
static size_t
append_raw(char *raw, text t, int percent)
{
	size_t	i, n = 0;
	int	hi, lo;

	for (i = 0; i < t.len; i++) {
		if (percent && t.ptr[i] == '%' && t.len - i >= 3
		    && (hi = hex_value((unsigned char)t.ptr[i + 1])) >= 0
		    && (lo = hex_value((unsigned char)t.ptr[i + 2])) >= 0) {
			raw[n++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			raw[n++] = t.ptr[i];
		}
	}
	return n;
}

static const char *
param_value(dsnx_arena *arena, const param_slot *slot)
{
	char	charset[CHARSET_MAX + 1];
	const rfc2231_section *sec;
	text	t;
	size_t	total = 0, n = 0;
	char   *raw;
	int	i, any = 0;

	charset[0] = '\0';
	if (slot->sections != NULL) {
		for (i = 0; i < RFC2231_MAX_SECTIONS; i++)
			if (slot->sections[i].present) {
				total += slot->sections[i].value.len;
				any = 1;
			}
	}
	if (!any && !slot->has_single)
		return arena_utf8(arena, NULL, slot->plain.ptr, slot->plain.len);
	if (!any)
		total = slot->single.len;
	if ((raw = dsnx_arena_alloc(arena, total + 1)) == NULL)
		return NULL;
	if (!any) {
		t = slot->single;
		rfc2231_split_charset(&t, charset, sizeof(charset));
		n = append_raw(raw, t, 1);
	} else {
		for (i = 0; i < RFC2231_MAX_SECTIONS; i++) {
			sec = &slot->sections[i];
			if (!sec->present)
				continue;
			t = sec->value;
			if (i == 0 && sec->extended)
				rfc2231_split_charset(&t, charset,
				    sizeof(charset));
			n += append_raw(raw + n, t, sec->extended);
		}
	}
	return arena_utf8(arena, charset[0] != '\0' ? charset : NULL, raw, n);
}

dsnx_status
dsnx_ctype_parse(dsnx_arena *arena, const char *value, size_t len,
    dsnx_ctype *out)
{
	param_slot *slots = NULL, *tail = NULL, *slot;
	dsnx_param *param, *last = NULL;
	scanner	sc;
	text	type, subtype, name, pvalue;
	unsigned count = 0;
	size_t	start;
	int	slash;
	dsnx_status st;

	out->type = "";
	out->subtype = "";
	out->params = NULL;
	sc.s = (const unsigned char *)(value != NULL ? value : "");
	sc.len = value != NULL ? len : 0;
	sc.pos = 0;

	skip_cfws(&sc);
	type = scan_token(&sc);
	skip_cfws(&sc);
	subtype.ptr = NULL;
	subtype.len = 0;
	if ((slash = sc.pos < sc.len && sc.s[sc.pos] == '/') != 0) {
		sc.pos++;
		skip_cfws(&sc);
		subtype = scan_token(&sc);
	}
	if (type.len > 0 && subtype.len > 0) {
		if ((out->type = arena_lower(arena, type)) == NULL
		    || (out->subtype = arena_lower(arena, subtype)) == NULL)
			return DSNX_ENOMEM;
	} else if (type.len > 0 && !slash
	    && (sc.pos >= sc.len || sc.s[sc.pos] == ';')) {
		/* Content-Disposition: one token is the whole value. */
		if ((out->type = arena_lower(arena, type)) == NULL)
			return DSNX_ENOMEM;
	}

	for (;;) {
		skip_to_semicolon(&sc);
		if (sc.pos >= sc.len)
			break;
		sc.pos++;
		skip_cfws(&sc);
		name = scan_token(&sc);
		if (name.len == 0)
			continue;
		skip_cfws(&sc);
		if (sc.pos >= sc.len || sc.s[sc.pos] != '=')
			continue;
		sc.pos++;
		skip_cfws(&sc);
		if (sc.pos < sc.len && sc.s[sc.pos] == '"') {
			if ((st = scan_quoted(arena, &sc, &pvalue)) != DSNX_OK)
				return st;
		} else {
			start = sc.pos;
			while (sc.pos < sc.len
			    && is_loose_value_char(sc.s[sc.pos]))
				sc.pos++;
			pvalue.ptr = (const char *)sc.s + start;
			pvalue.len = sc.pos - start;
		}
		st = param_record(arena, &slots, &tail, &count, name, pvalue);
		if (st != DSNX_OK)
			return st;
	}

	for (slot = slots; slot != NULL; slot = slot->next) {
		if ((param = dsnx_arena_alloc(arena, sizeof(*param))) == NULL
		    || (param->value = param_value(arena, slot)) == NULL)
			return DSNX_ENOMEM;
		param->name = slot->name;
		param->next = NULL;
		if (last != NULL)
			last->next = param;
		else
			out->params = param;
		last = param;
	}
	return DSNX_OK;
}

const char *
dsnx_param_get(const dsnx_param *params, const char *name)
{
	const dsnx_param *p;
	const unsigned char *a, *b;

	if (name == NULL)
		return NULL;
	for (p = params; p != NULL; p = p->next) {
		a = (const unsigned char *)p->name;
		b = (const unsigned char *)name;
		while (*a != '\0' && ascii_lower(*a) == ascii_lower(*b)) {
			a++;
			b++;
		}
		if (*a == '\0' && *b == '\0')
			return p->value;
	}
	return NULL;
}

dsnx_cte
dsnx_cte_parse(const char *value, size_t len)
{
	static const struct {
		const char *name;
		dsnx_cte cte;
	} encodings[] = {
		{"7bit", DSNX_CTE_7BIT},
		{"8bit", DSNX_CTE_8BIT},
		{"binary", DSNX_CTE_BINARY},
		{"quoted-printable", DSNX_CTE_QP},
		{"base64", DSNX_CTE_BASE64},
		/* Seen in the wild. */
		{"7-bit", DSNX_CTE_7BIT},
		{"8-bit", DSNX_CTE_8BIT},
	};
	scanner	sc;
	text	token;
	size_t	i, j;

	sc.s = (const unsigned char *)(value != NULL ? value : "");
	sc.len = value != NULL ? len : 0;
	sc.pos = 0;
	skip_cfws(&sc);
	token = scan_token(&sc);
	if (token.len == 0)
		return sc.pos >= sc.len ? DSNX_CTE_7BIT : DSNX_CTE_UNKNOWN;
	for (i = 0; i < sizeof(encodings) / sizeof(encodings[0]); i++) {
		const char *name = encodings[i].name;

		for (j = 0; j < token.len && name[j] != '\0'; j++)
			if (ascii_lower((unsigned char)token.ptr[j])
			    != (unsigned char)name[j])
				break;
		if (j == token.len && name[j] == '\0')
			return encodings[i].cte;
	}
	return DSNX_CTE_UNKNOWN;
}
