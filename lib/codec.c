/*
 * NAME
 *	codec - transfer decodings and charset conversion to UTF-8
 * SYNOPSIS
 *	#include "codec.h"
 *
 *	dsnx_status dsnx_base64_decode(const char *in, size_t len,
 *		dsnx_buf *out, int *bad)
 *	dsnx_status dsnx_qp_decode(const char *in, size_t len,
 *		dsnx_buf *out, int *bad)
 *	dsnx_status dsnx_qword_decode(const char *in, size_t len,
 *		dsnx_buf *out, int *bad)
 *	dsnx_status dsnx_to_utf8(const char *charset, const char *in,
 *		size_t len, dsnx_buf *out, int *bad)
 *	dsnx_status dsnx_utf8_sanitize(const char *in, size_t len,
 *		dsnx_buf *out, int *bad)
 *	int	dsnx_utf8_valid(const char *in, size_t len)
 *	size_t	dsnx_utf8_char(const unsigned char *s, size_t len,
 *		unsigned *cp)
 *	int	dsnx_ascii_only(const char *s, size_t len)
 *	dsnx_charset_kind dsnx_charset_identify(const char *charset,
 *		char name[DSNX_CHARSET_NAME_SIZE])
 *	int	dsnx_charset_ascii_compatible(const char *name)
 *	dsnx_status dsnx_rfc2047_decode(const char *in, size_t len,
 *		dsnx_buf *out, int *bad)
 * DESCRIPTION
 *	These run on every header and body part of every bounce, so the
 *	common cases avoid work: UTF-8 and US-ASCII input is validated in
 *	one pass, eight bytes a step while they are ASCII, and appended in
 *	large runs; ISO-8859-1 is converted without iconv; and for
 *	ASCII-compatible charsets iconv_open() is deferred until the first
 *	byte that needs it, so a plain English text labelled iso-8859-15
 *	never opens a converter.
 *
 *	Input labelled UTF-8, US-ASCII, nothing at all, or an explicitly
 *	unknown charset ("unknown-8bit", "x-unknown", "8bit") is read as
 *	UTF-8.  A byte that does not start a valid UTF-8 sequence is taken
 *	as one ISO-8859-1 character (so the cut sequence "\xE2\x82A" gives
 *	U+00E2 U+0082 'A'): 8-bit mail without a usable label is most often
 *	Latin-1 (or windows-1252, whose letters agree), and mapping byte by
 *	byte keeps the text legible where U+FFFD would destroy it.  Such a
 *	byte sets *bad.  A name iconv does not know is treated the same way
 *	and sets *bad as well; an explicit "unknown" label does not, since
 *	it says nothing false.  (For a name of an ASCII-compatible family,
 *	say "windows-9999", iconv is asked only once a byte needs it, so
 *	pure ASCII text is not flagged.)
 *
 *	dsnx_utf8_sanitize() is stricter: each maximal ill-formed subpart
 *	(Unicode 15, section 3.9) becomes one U+FFFD.  Overlong forms,
 *	surrogates and code points above U+10FFFF are ill-formed.
 *
 *	Charset names are compared case-insensitively after stripping
 *	quotes, white space and an RFC 2231 "*language" suffix; a few
 *	aliases common in mail are mapped to names iconv knows or to a
 *	superset (gb2312 to GB18030, ks_c_5601-1987 to CP949).
 *
 *	dsnx_rfc2047_decode() joins the raw bytes of adjacent encoded words
 *	of the same charset before converting them, so a multibyte
 *	character split between two words decodes correctly.  White space
 *	between two encoded words is dropped; anything else that only looks
 *	like an encoded word is kept as written.
 * LIMITS
 *	NUL bytes, in the input or converted from it, always become U+FFFD
 *	and set *bad, so every UTF-8 result is a C string.
 *	Output never exceeds the buffer's cap.  When the cap cuts a UTF-8
 *	result, the cut falls between characters, never inside one.
 *	Charset names longer than CHARSET_NAME_MAX bytes are unknown.
 *	Encoded words whose text exceeds EWORD_TEXT_MAX bytes (RFC 2047
 *	allows 75 for the whole word, broken mailers write more) or that
 *	contain 8-bit bytes, controls or white space are kept literally.
 * DIAGNOSTICS
 *	DSNX_ENOMEM, DSNX_ELIMIT as described in codec.h.  Damage to the
 *	input (bad encoding, invalid bytes in the charset, NUL bytes,
 *	unknown charset) sets *bad and is otherwise repaired.
 * SEE ALSO
 *	buf(3), ctype(3), iconv(3), RFC 2045, RFC 2047, RFC 2231, RFC 3629
 */
#include "config.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <string.h>

#include "codec.h"

#define CHARSET_NAME_MAX	(DSNX_CHARSET_NAME_SIZE - 1)
#define EWORD_CHARSET_MAX	80	/* charset and "*lang" of an encoded word */
#define EWORD_TEXT_MAX		2048
#define RUN_STAGE_SIZE		(2 * EWORD_TEXT_MAX)
#define WRITER_STAGE_SIZE	2048
#define ICONV_CHUNK_SIZE	1024

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static const char replacement_char[3] = "\xEF\xBF\xBD";	/* U+FFFD */

/* ------------------------------------------------------------- writer */

/*
 * A writer batches small writes into a stage before they reach the
 * dsnx_buf, so per-byte decoding does not pay for the buffer's checks
 * on every byte.  With buf == NULL it fills caller storage instead
 * (used to collect the raw bytes of encoded words).
 */
typedef struct writer {
	dsnx_buf *buf;
	unsigned char *data;
	size_t	len;
	size_t	cap;
	unsigned char stage[WRITER_STAGE_SIZE];
} writer;

static void
writer_init(writer *w, dsnx_buf *buf)
{
	w->buf = buf;
	w->data = w->stage;
	w->len = 0;
	w->cap = sizeof(w->stage);
}

static void
writer_init_fixed(writer *w, unsigned char *storage, size_t size)
{
	w->buf = NULL;
	w->data = storage;
	w->len = 0;
	w->cap = size;
}

static dsnx_status
writer_flush(writer *w)
{
	size_t	n = w->len;

	if (w->buf == NULL || n == 0)
		return DSNX_OK;
	w->len = 0;
	return dsnx_buf_append(w->buf, w->data, n);
}

/* Makes room for n bytes (n <= WRITER_STAGE_SIZE) at data + len. */
static inline dsnx_status
writer_room(writer *w, size_t n)
{
	if (w->cap - w->len >= n)
		return DSNX_OK;
	if (w->buf == NULL)
		return DSNX_ELIMIT;
	return writer_flush(w);
}

static inline dsnx_status
writer_byte(writer *w, unsigned char c)
{
	dsnx_status st;

	if (w->len == w->cap && (st = writer_room(w, 1)) != DSNX_OK)
		return st;
	w->data[w->len++] = c;
	return DSNX_OK;
}

static dsnx_status
writer_bytes(writer *w, const void *p, size_t n)
{
	dsnx_status st;
	size_t	room = w->cap - w->len;

	if (n == 0)
		return DSNX_OK;
	if (n > room) {
		if (w->buf == NULL) {
			memcpy(w->data + w->len, p, room);
			w->len += room;
			return DSNX_ELIMIT;
		}
		if ((st = writer_flush(w)) != DSNX_OK)
			return st;
		/* Long runs (valid UTF-8 text) skip the stage. */
		if (n >= w->cap)
			return dsnx_buf_append(w->buf, p, n);
	}
	memcpy(w->data + w->len, p, n);
	w->len += n;
	return DSNX_OK;
}

static inline dsnx_status
writer_replacement(writer *w)
{
	return writer_bytes(w, replacement_char, sizeof(replacement_char));
}

/*
 * A cap may cut the last character of a UTF-8 result in half; drop the
 * fragment so that callers always get valid UTF-8.  Only bytes after
 * 'start' are ours to drop.
 */
static void
utf8_trim_partial(dsnx_buf *out, size_t start)
{
	size_t	end = out->len, lead = end, need;
	unsigned char c;

	if (out->data == NULL || end <= start)
		return;
	while (lead > start && end - lead < 4) {
		lead--;
		if (((unsigned char)out->data[lead] & 0xC0) != 0x80)
			break;
	}
	c = (unsigned char)out->data[lead];
	if (c < 0xC0)
		return;
	need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
	if (end - lead < need) {
		out->len = lead;
		out->data[lead] = '\0';
	}
}

static dsnx_status
writer_finish(writer *w, dsnx_status st, size_t start, int utf8)
{
	if (st == DSNX_OK)
		st = writer_flush(w);
	if (st == DSNX_ELIMIT && utf8)
		utf8_trim_partial(w->buf, start);
	return st;
}

/* --------------------------------------------------------------- UTF-8 */

/*
 * Length of the well-formed sequence at s (whose first byte is >= 0x80),
 * or 0.  For 0, *maximal is the length of the maximal ill-formed subpart
 * and *truncated says whether the input merely ended too soon.
 */
static size_t
utf8_sequence(const unsigned char *s, size_t n, size_t *maximal,
    int *truncated)
{
	unsigned c = s[0], lo = 0x80, hi = 0xBF;
	size_t	need, i;

	*truncated = 0;
	*maximal = 1;
	if (c >= 0xC2 && c <= 0xDF) {
		need = 1;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 2;
		if (c == 0xE0)
			lo = 0xA0;		/* overlong */
		else if (c == 0xED)
			hi = 0x9F;		/* surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3;
		if (c == 0xF0)
			lo = 0x90;		/* overlong */
		else if (c == 0xF4)
			hi = 0x8F;		/* above U+10FFFF */
	} else {
		return 0;
	}
	for (i = 1; i <= need; i++) {
		if (i >= n) {
			*maximal = i;
			*truncated = 1;
			return 0;
		}
		if (s[i] < lo || s[i] > hi) {
			*maximal = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xBF;
	}
	return need + 1;
}

/* Length of the longest prefix that is valid UTF-8 without NUL. */
static size_t
utf8_valid_prefix(const unsigned char *s, size_t n)
{
	const uint64_t ones = 0x0101010101010101ull;
	const uint64_t highs = 0x8080808080808080ull;
	size_t	i = 0, seq, maximal;
	int	truncated;
	uint64_t v;

	while (i < n) {
		/* Eight ASCII bytes at a time while there is no NUL and no
		 * high bit: mail text is mostly ASCII. */
		while (n - i >= 8) {
			memcpy(&v, s + i, 8);
			if ((((v - ones) & ~v) | v) & highs)
				break;
			i += 8;
		}
		if (i >= n)
			break;
		if (s[i] < 0x80) {
			if (s[i] == 0)
				return i;
			i++;
			continue;
		}
		seq = utf8_sequence(s + i, n - i, &maximal, &truncated);
		if (seq == 0)
			return i;
		i += seq;
	}
	return i;
}

static inline dsnx_status
write_latin1(writer *w, unsigned char c)
{
	dsnx_status st;

	if ((st = writer_room(w, 2)) != DSNX_OK)
		return st;
	w->data[w->len++] = (unsigned char)(0xC0 | (c >> 6));
	w->data[w->len++] = (unsigned char)(0x80 | (c & 0x3F));
	return DSNX_OK;
}

/*
 * Copies UTF-8, repairing what is not: NUL becomes U+FFFD; other invalid
 * input becomes U+FFFD per maximal subpart, or with latin1_fallback one
 * Latin-1 character per byte.  Unless final, a sequence cut short by the
 * end of input is left unconsumed for the next call (*used).
 */
static dsnx_status
utf8_feed(const unsigned char *in, size_t len, int final, int latin1_fallback,
    size_t *used, writer *w, int *bad)
{
	size_t	i = 0, run, maximal;
	int	truncated;
	dsnx_status st = DSNX_OK;

	while (i < len) {
		run = utf8_valid_prefix(in + i, len - i);
		if (run > 0) {
			if ((st = writer_bytes(w, in + i, run)) != DSNX_OK)
				break;
			i += run;
			if (i == len)
				break;
		}
		if (in[i] == '\0') {
			*bad = 1;
			if ((st = writer_replacement(w)) != DSNX_OK)
				break;
			i++;
			continue;
		}
		(void)utf8_sequence(in + i, len - i, &maximal, &truncated);
		if (truncated && !final)
			break;
		*bad = 1;
		if (latin1_fallback) {
			st = write_latin1(w, in[i]);
			i++;
		} else {
			st = writer_replacement(w);
			i += maximal;
		}
		if (st != DSNX_OK)
			break;
	}
	*used = i;
	return st;
}

static dsnx_status
latin1_feed(const unsigned char *in, size_t len, writer *w, int *bad)
{
	size_t	i = 0, j;
	dsnx_status st;

	while (i < len) {
		for (j = i; j < len && in[j] != 0 && in[j] < 0x80; j++)
			continue;
		if ((st = writer_bytes(w, in + i, j - i)) != DSNX_OK)
			return st;
		if ((i = j) == len)
			break;
		if (in[i] == 0) {
			*bad = 1;
			st = writer_replacement(w);
		} else {
			st = write_latin1(w, in[i]);
		}
		if (st != DSNX_OK)
			return st;
		i++;
	}
	return DSNX_OK;
}

/* Copies converter output, which may hold U+0000 from the source. */
static dsnx_status
write_without_nul(writer *w, const char *p, size_t n, int *bad)
{
	const char *nul;
	dsnx_status st;

	while ((nul = memchr(p, '\0', n)) != NULL) {
		*bad = 1;
		if ((st = writer_bytes(w, p, (size_t)(nul - p))) != DSNX_OK
		    || (st = writer_replacement(w)) != DSNX_OK)
			return st;
		n -= (size_t)(nul - p) + 1;
		p = nul + 1;
	}
	return writer_bytes(w, p, n);
}

/* ---------------------------------------------------------- converter */

typedef enum conv_kind {
	CONV_UTF8,		/* UTF-8 with the Latin-1 fallback */
	CONV_LATIN1,
	CONV_ICONV
} conv_kind;

typedef struct converter {
	conv_kind kind;
	int	ascii_prefix;	/* leading ASCII may bypass iconv */
	int	shift_bytes;	/* ISO-2022: ESC, SO, SI change state */
	iconv_t	cd;		/* (iconv_t)-1 until needed */
	char	name[CHARSET_NAME_MAX + 1];
} converter;

static const struct charset_alias {
	const char *alias;
	const char *iconv_name;		/* for CONV_ICONV */
	conv_kind kind;
} charset_aliases[] = {
	/* Most frequent first: the table is searched in order. */
	{"utf-8", NULL, CONV_UTF8},
	{"us-ascii", NULL, CONV_UTF8},
	{"iso-8859-1", NULL, CONV_LATIN1},
	{"utf8", NULL, CONV_UTF8},
	{"ascii", NULL, CONV_UTF8},
	{"x-unknown", NULL, CONV_UTF8},
	{"unknown-8bit", NULL, CONV_UTF8},
	{"unknown", NULL, CONV_UTF8},
	{"8bit", NULL, CONV_UTF8},
	{"x-user-defined", NULL, CONV_UTF8},
	{"ansi_x3.4-1968", NULL, CONV_UTF8},
	{"us", NULL, CONV_UTF8},
	{"iso646-us", NULL, CONV_UTF8},
	{"unicode-1-1-utf-8", NULL, CONV_UTF8},
	{"latin1", NULL, CONV_LATIN1},
	{"latin-1", NULL, CONV_LATIN1},
	{"l1", NULL, CONV_LATIN1},
	{"iso8859-1", NULL, CONV_LATIN1},
	{"iso_8859-1", NULL, CONV_LATIN1},
	{"iso_8859-1:1987", NULL, CONV_LATIN1},
	{"iso-ir-100", NULL, CONV_LATIN1},
	{"cp819", NULL, CONV_LATIN1},
	{"ks_c_5601-1987", "cp949", CONV_ICONV},
	{"ks_c_5601-1989", "cp949", CONV_ICONV},
	{"ks_c_5601", "cp949", CONV_ICONV},
	{"ksc5601", "cp949", CONV_ICONV},
	{"euc-kr", "cp949", CONV_ICONV},
	{"x-sjis", "shift_jis", CONV_ICONV},
	{"sjis", "shift_jis", CONV_ICONV},
	{"shift-jis", "shift_jis", CONV_ICONV},
	{"iso-8859-8-i", "iso-8859-8", CONV_ICONV},
	{"iso-8859-8-e", "iso-8859-8", CONV_ICONV},
	{"iso-8859-6-i", "iso-8859-6", CONV_ICONV},
	{"iso-8859-6-e", "iso-8859-6", CONV_ICONV},
	{"gb2312", "gb18030", CONV_ICONV},
	{"gbk", "gb18030", CONV_ICONV},
	{"x-gbk", "gb18030", CONV_ICONV},
	{"cp936", "gb18030", CONV_ICONV},
	{"euc-cn", "gb18030", CONV_ICONV},
	{"x-euc-cn", "gb18030", CONV_ICONV},
};

/*
 * Charsets whose bytes 0x00-0x7F are ASCII in the initial state, so an
 * ASCII prefix converts to itself.  Shift_JIS is absent on purpose: glibc
 * maps its 0x5C and 0x7E to YEN SIGN and OVERLINE.
 */
static const char *const ascii_compatible[] = {
	"iso-8859-", "iso8859-", "iso_8859-", "windows-", "cp125", "koi8",
	"gb18030", "big5", "euc-", "cp949", "iso-2022-", "tis-620", "cp874",
	"cp437", "cp850", "cp852", "cp866", "ibm437", "ibm850", "ibm852",
	"ibm866",
};

static inline unsigned char
ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c;
}

static int
charset_name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'
	    || c == '_' || c == '.' || c == ':' || c == '+' || c == '('
	    || c == ')';
}

static int
is_space_or_quote(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '"'
	    || c == '\'';
}

static void
conv_open(converter *c, const char *charset, size_t len, int *bad)
{
	const unsigned char *s = (const unsigned char *)charset;
	const unsigned char *star;
	size_t	i;

	c->kind = CONV_UTF8;
	c->ascii_prefix = 0;
	c->shift_bytes = 0;
	c->cd = (iconv_t)-1;
	c->name[0] = '\0';
	if (s == NULL)
		return;
	while (len > 0 && is_space_or_quote(s[0])) {
		s++;
		len--;
	}
	if ((star = memchr(s, '*', len)) != NULL)
		len = (size_t)(star - s);
	while (len > 0 && is_space_or_quote(s[len - 1]))
		len--;
	if (len == 0)
		return;
	if (len > CHARSET_NAME_MAX) {
		*bad = 1;
		return;
	}
	for (i = 0; i < len; i++) {
		c->name[i] = (char)ascii_lower(s[i]);
		/* Also keeps iconv suffixes like "//TRANSLIT" out. */
		if (!charset_name_char((unsigned char)c->name[i])) {
			c->name[0] = '\0';
			*bad = 1;
			return;
		}
	}
	c->name[len] = '\0';
	for (i = 0; i < NELEM(charset_aliases); i++) {
		if (strcmp(c->name, charset_aliases[i].alias) == 0) {
			c->kind = charset_aliases[i].kind;
			if (c->kind == CONV_ICONV)
				strcpy(c->name, charset_aliases[i].iconv_name);
			break;
		}
	}
	if (i == NELEM(charset_aliases))
		c->kind = CONV_ICONV;
	if (c->kind != CONV_ICONV)
		return;
	for (i = 0; i < NELEM(ascii_compatible); i++) {
		if (strncmp(c->name, ascii_compatible[i],
		    strlen(ascii_compatible[i])) == 0) {
			c->ascii_prefix = 1;
			break;
		}
	}
	c->shift_bytes = strncmp(c->name, "iso-2022-", 9) == 0;
}

dsnx_charset_kind
dsnx_charset_identify(const char *charset, char name[DSNX_CHARSET_NAME_SIZE])
{
	static const char *const utf8_names[] = {
		"utf-8", "utf8", "unicode-1-1-utf-8",
	};
	static const char *const ascii_names[] = {
		"us-ascii", "ascii", "ansi_x3.4-1968", "us", "iso646-us",
	};
	converter c;
	int	bad = 0;
	size_t	i;

	conv_open(&c, charset, charset != NULL ? strlen(charset) : 0, &bad);
	strcpy(name, c.name);
	if (c.kind == CONV_LATIN1) {
		strcpy(name, "iso-8859-1");
		return DSNX_CHARSET_OTHER;
	}
	if (c.kind == CONV_ICONV)
		return DSNX_CHARSET_OTHER;
	if (name[0] == '\0')
		return bad ? DSNX_CHARSET_INVALID : DSNX_CHARSET_ASCII;
	for (i = 0; i < NELEM(utf8_names); i++)
		if (strcmp(name, utf8_names[i]) == 0)
			return DSNX_CHARSET_UTF8;
	for (i = 0; i < NELEM(ascii_names); i++)
		if (strcmp(name, ascii_names[i]) == 0)
			return DSNX_CHARSET_ASCII;
	return DSNX_CHARSET_UNKNOWN;
}

int
dsnx_charset_ascii_compatible(const char *name)
{
	size_t	i;

	if (strcmp(name, "iso-8859-1") == 0)
		return 1;
	for (i = 0; i < NELEM(ascii_compatible); i++)
		if (strncmp(name, ascii_compatible[i],
		    strlen(ascii_compatible[i])) == 0)
			return 1;
	return 0;
}

static void
conv_close(converter *c)
{
	if (c->cd != (iconv_t)-1)
		iconv_close(c->cd);
	c->cd = (iconv_t)-1;
}

static size_t
ascii_run(const unsigned char *in, size_t len, int shift_bytes)
{
	size_t	i;

	for (i = 0; i < len && in[i] < 0x80; i++)
		if (shift_bytes && (in[i] == 0x1B || in[i] == 0x0E
		    || in[i] == 0x0F))
			break;
	return i;
}

static dsnx_status
iconv_feed(converter *c, const unsigned char *in, size_t len, int final,
    size_t *used, writer *w, int *bad)
{
	char	chunk[ICONV_CHUNK_SIZE];
	char   *ip, *op;
	size_t	done = 0, ileft, oleft, rest, r;
	int	saved_errno;
	dsnx_status st;

	*used = 0;
	if (c->cd == (iconv_t)-1) {
		if (c->ascii_prefix)
			done = ascii_run(in, len, c->shift_bytes);
		if (done > 0) {
			st = utf8_feed(in, done, 1, 0, &rest, w, bad);
			if (st != DSNX_OK)
				return st;
			*used = done;
			if (done == len)
				return DSNX_OK;
		}
		if ((c->cd = iconv_open("UTF-8", c->name)) == (iconv_t)-1) {
			*bad = 1;
			c->kind = CONV_UTF8;
			st = utf8_feed(in + done, len - done, final, 1, &rest, w,
			    bad);
			*used = done + rest;
			return st;
		}
	}
	ip = (char *)(uintptr_t)(in + done);
	ileft = len - done;
	while (ileft > 0) {
		op = chunk;
		oleft = sizeof(chunk);
		r = iconv(c->cd, &ip, &ileft, &op, &oleft);
		saved_errno = errno;
		if (op > chunk && (st = write_without_nul(w, chunk,
		    (size_t)(op - chunk), bad)) != DSNX_OK)
			return st;
		if (r != (size_t)-1)
			break;
		if (saved_errno == E2BIG && op > chunk)
			continue;
		if (saved_errno == EINVAL && !final)
			break;
		/* EILSEQ, input cut short at the very end, or no progress:
		 * replace one byte and resynchronise after it. */
		*bad = 1;
		if ((st = writer_replacement(w)) != DSNX_OK)
			return st;
		ip++;
		ileft--;
	}
	*used = len - ileft;
	if (final) {
		/* Return to the initial state; for UTF-8 output this writes
		 * nothing, but it resets the descriptor for reuse. */
		op = chunk;
		oleft = sizeof(chunk);
		(void)iconv(c->cd, NULL, NULL, &op, &oleft);
		if (op > chunk)
			return write_without_nul(w, chunk, (size_t)(op - chunk),
			    bad);
	}
	return DSNX_OK;
}

/* Converts what it can; unless final, *used may stop short of len. */
static dsnx_status
conv_feed(converter *c, const unsigned char *in, size_t len, int final,
    size_t *used, writer *w, int *bad)
{
	switch (c->kind) {
	case CONV_LATIN1:
		*used = len;
		return latin1_feed(in, len, w, bad);
	case CONV_ICONV:
		return iconv_feed(c, in, len, final, used, w, bad);
	case CONV_UTF8:
		break;
	}
	return utf8_feed(in, len, final, 1, used, w, bad);
}

/* ------------------------------------------------- transfer decodings */

/* Sextet values; also white space and padding.  Other bytes are 0xff. */
#define B64_SPACE	0x40
#define B64_PAD		0x41

static const unsigned char base64_value[256] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0x40, 0x40, 0x40, 0x40, 0x40, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0x40, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0x3e, 0xff, 0xff, 0xff, 0x3f,
	0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b,
	0x3c, 0x3d, 0xff, 0xff, 0xff, 0x41, 0xff, 0xff,
	0xff, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
	0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e,
	0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16,
	0x17, 0x18, 0x19, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20,
	0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,
	0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30,
	0x31, 0x32, 0x33, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};

static dsnx_status
base64_run(const unsigned char *in, size_t len, writer *w, int *bad)
{
	uint32_t acc = 0;
	unsigned sextets = 0, v;
	size_t	i;
	dsnx_status st;

	for (i = 0; i < len; i++) {
		v = base64_value[in[i]];
		if (v < 64) {
			acc = acc << 6 | v;
			if (++sextets == 4) {
				if ((st = writer_room(w, 3)) != DSNX_OK)
					return st;
				w->data[w->len++] = (unsigned char)(acc >> 16);
				w->data[w->len++] = (unsigned char)(acc >> 8);
				w->data[w->len++] = (unsigned char)acc;
				sextets = 0;
				acc = 0;
			}
		} else if (v == B64_PAD) {
			break;
		} else if (v != B64_SPACE) {
			*bad = 1;
		}
	}
	/* Data after the padding would be silently lost: say so. */
	for (; i < len; i++) {
		v = base64_value[in[i]];
		if (v != B64_PAD && v != B64_SPACE) {
			*bad = 1;
			break;
		}
	}
	switch (sextets) {
	case 1:
		*bad = 1;
		break;
	case 2:
		return writer_byte(w, (unsigned char)(acc >> 4));
	case 3:
		if ((st = writer_byte(w, (unsigned char)(acc >> 10))) != DSNX_OK)
			return st;
		return writer_byte(w, (unsigned char)(acc >> 2));
	}
	return DSNX_OK;
}

static inline int
hex_value(unsigned c)
{
	if (c - '0' < 10u)
		return (int)(c - '0');
	c |= 0x20;
	if (c - 'a' < 6u)
		return (int)(c - 'a' + 10);
	return -1;
}

static inline int
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Where in[t, len) first holds '=', CR or LF (or len).  Eight bytes at
 * a time while none of them is one of those (a word has a byte c when
 * x ^ c has a zero byte), since most of a quoted-printable text is
 * plain: a byte loop was most of qp_run().
 */
static size_t
qp_plain_end(const unsigned char *in, size_t t, size_t len)
{
	const uint64_t ones = 0x0101010101010101ull;
	const uint64_t highs = 0x8080808080808080ull;
	uint64_t x, e, r, n;

	for (; len - t >= 8; t += 8) {
		memcpy(&x, in + t, 8);
		e = x ^ (ones * '=');
		r = x ^ (ones * '\r');
		n = x ^ (ones * '\n');
		if ((((e - ones) & ~e) | ((r - ones) & ~r) | ((n - ones) & ~n))
		    & highs)
			break;
	}
	while (t < len && in[t] != '=' && in[t] != '\r' && in[t] != '\n')
		t++;
	return t;
}

/* Quoted-printable body text, or with qword an RFC 2047 Q text. */
static dsnx_status
qp_run(const unsigned char *in, size_t len, int qword, writer *w, int *bad)
{
	size_t	i = 0, j;
	int	hi, lo;
	dsnx_status st;
	unsigned char c;

	while (i < len) {
		c = in[i];
		if (c == '=') {
			if (len - i >= 3 && (hi = hex_value(in[i + 1])) >= 0
			    && (lo = hex_value(in[i + 2])) >= 0) {
				st = writer_byte(w, (unsigned char)(hi << 4 | lo));
				if (st != DSNX_OK)
					return st;
				i += 3;
				continue;
			}
			if (!qword) {
				/* Soft line break, perhaps with transport padding;
				 * a final '=' ends text that has no line end. */
				for (j = i + 1; j < len && is_wsp(in[j]); j++)
					continue;
				if (j == len) {
					i = j;
					continue;
				}
				if (in[j] == '\r' || in[j] == '\n') {
					if (in[j] == '\r' && j + 1 < len
					    && in[j + 1] == '\n')
						j++;
					i = j + 1;
					continue;
				}
			}
			*bad = 1;
			if ((st = writer_byte(w, '=')) != DSNX_OK)
				return st;
			i++;
			continue;
		}
		if (qword) {
			if (c == '_') {
				if ((st = writer_byte(w, ' ')) != DSNX_OK)
					return st;
				i++;
				continue;
			}
			for (j = i + 1; j < len && in[j] != '=' && in[j] != '_';)
				j++;
		} else {
			/* A whole line (or what precedes an '=') in one
			 * piece, not a word at a time: up to the next '=' or
			 * line end, after the line ends at i, if any.  RFC
			 * 2045 6.7 (3): white space at the end of a line was
			 * added in transport and is removed; before an '=' it
			 * stays. */
			size_t t, next;

			for (j = i; j < len && (in[j] == '\r' || in[j] == '\n'); j++)
				continue;
			t = qp_plain_end(in, j, len);
			next = t;
			if (t == len || in[t] != '=')
				while (t > j && is_wsp(in[t - 1]))
					t--;
			if ((st = writer_bytes(w, in + i, t - i)) != DSNX_OK)
				return st;
			i = next;
			continue;
		}
		if ((st = writer_bytes(w, in + i, j - i)) != DSNX_OK)
			return st;
		i = j;
	}
	return DSNX_OK;
}

/*
 * Large inputs get their output space in one step instead of by doubling;
 * small ones are not worth an allocation before we know they produce
 * anything.
 */
static dsnx_status
reserve_for(dsnx_buf *out, size_t expected)
{
	return expected > WRITER_STAGE_SIZE ? dsnx_buf_reserve(out, expected)
	    : DSNX_OK;
}

/*
 * What every decoder does first: a missing *bad points at scratch, a NULL
 * input reads as empty, room for about expected bytes is reserved, and
 * the writer starts at the end of out.  Returns DSNX_ENOMEM or DSNX_OK.
 */
static dsnx_status
begin_output(writer *w, dsnx_buf *out, const char **in, size_t *len,
    int **bad, int *scratch, size_t expected)
{
	dsnx_status st;

	if (*bad == NULL)
		*bad = scratch;
	if (*in == NULL) {
		*in = "";
		*len = 0;
		expected = 0;
	}
	if ((st = reserve_for(out, expected)) != DSNX_OK)
		return st;
	writer_init(w, out);
	return DSNX_OK;
}

dsnx_status
dsnx_base64_decode(const char *in, size_t len, dsnx_buf *out, int *bad)
{
	writer	w;
	size_t	start = out->len;
	int	ignored;
	dsnx_status st;

	if ((st = begin_output(&w, out, &in, &len, &bad, &ignored,
	    len / 4 * 3 + 3)) != DSNX_OK)
		return st;
	st = base64_run((const unsigned char *)in, len, &w, bad);
	return writer_finish(&w, st, start, 0);
}

static dsnx_status
qp_decode(const char *in, size_t len, int qword, dsnx_buf *out, int *bad)
{
	writer	w;
	size_t	start = out->len;
	int	ignored;
	dsnx_status st;

	if ((st = begin_output(&w, out, &in, &len, &bad, &ignored, len))
	    != DSNX_OK)
		return st;
	st = qp_run((const unsigned char *)in, len, qword, &w, bad);
	return writer_finish(&w, st, start, 0);
}

dsnx_status
dsnx_qp_decode(const char *in, size_t len, dsnx_buf *out, int *bad)
{
	return qp_decode(in, len, 0, out, bad);
}

dsnx_status
dsnx_qword_decode(const char *in, size_t len, dsnx_buf *out, int *bad)
{
	return qp_decode(in, len, 1, out, bad);
}

/* ---------------------------------------------------- public: UTF-8 */

dsnx_status
dsnx_to_utf8(const char *charset, const char *in, size_t len, dsnx_buf *out,
    int *bad)
{
	converter conv;
	writer	w;
	size_t	start = out->len, used;
	int	ignored;
	dsnx_status st;

	if ((st = begin_output(&w, out, &in, &len, &bad, &ignored, len))
	    != DSNX_OK)
		return st;
	/* Opened only now: an early return above leaves nothing open. */
	conv_open(&conv, charset, charset != NULL
	    ? strnlen(charset, CHARSET_NAME_MAX + 64) : 0, bad);
	st = conv_feed(&conv, (const unsigned char *)in, len, 1, &used, &w, bad);
	conv_close(&conv);
	return writer_finish(&w, st, start, 1);
}

dsnx_status
dsnx_utf8_sanitize(const char *in, size_t len, dsnx_buf *out, int *bad)
{
	writer	w;
	size_t	start = out->len, used;
	int	ignored;
	dsnx_status st;

	if ((st = begin_output(&w, out, &in, &len, &bad, &ignored, len))
	    != DSNX_OK)
		return st;
	st = utf8_feed((const unsigned char *)in, len, 1, 0, &used, &w, bad);
	return writer_finish(&w, st, start, 1);
}

size_t
dsnx_utf8_char(const unsigned char *s, size_t len, unsigned *cp)
{
	size_t	n, i;
	unsigned v;

	if (len == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		n = 2, v = s[0] & 0x1F;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		n = 3, v = s[0] & 0x0F;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		n = 4, v = s[0] & 0x07;
	else
		return 0;
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if ((n == 3 && (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF)))
	    || (n == 4 && (v < 0x10000 || v > 0x10FFFF)))
		return 0;
	*cp = v;
	return n;
}

int
dsnx_ascii_only(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

int
dsnx_utf8_valid(const char *in, size_t len)
{
	if (in == NULL)
		return len == 0;
	return utf8_valid_prefix((const unsigned char *)in, len) == len;
}

/* ---------------------------------------------------------- RFC 2047 */

typedef struct encoded_word {
	const unsigned char *charset;	/* without "*language" */
	size_t	charset_len;
	int	base64;
	const unsigned char *text;
	size_t	text_len;
	size_t	size;			/* of the whole "=?...?=" */
} encoded_word;

/*
 * Recognises an encoded word at s.  Each scan stops at the first '?'
 * or forbidden byte, so a header full of "=?" costs linear time.
 */
static int
encoded_word_parse(const unsigned char *s, size_t n, encoded_word *ew)
{
	size_t	i, text, end;
	const unsigned char *star;
	unsigned char enc;

	if (n < 8 || s[0] != '=' || s[1] != '?')
		return 0;
	for (i = 2; i < n && s[i] != '?'; i++)
		if (s[i] <= ' ' || s[i] >= 0x7F || s[i] == '='
		    || i - 2 >= EWORD_CHARSET_MAX)
			return 0;
	if (i == 2 || n - i < 5)
		return 0;
	enc = ascii_lower(s[i + 1]);
	if ((enc != 'b' && enc != 'q') || s[i + 2] != '?')
		return 0;
	ew->charset = s + 2;
	ew->charset_len = i - 2;
	if ((star = memchr(ew->charset, '*', ew->charset_len)) != NULL)
		ew->charset_len = (size_t)(star - ew->charset);
	if (ew->charset_len == 0)
		return 0;
	text = i + 3;
	for (end = text; end < n && s[end] != '?'; end++)
		if (s[end] <= ' ' || s[end] >= 0x7F
		    || end - text >= EWORD_TEXT_MAX)
			return 0;
	if (end + 1 >= n || s[end + 1] != '=')
		return 0;
	ew->base64 = enc == 'b';
	ew->text = s + text;
	ew->text_len = end - text;
	ew->size = end + 2;
	return 1;
}

/*
 * Raw bytes of consecutive encoded words in one charset, converted only
 * when the run ends (or the stage fills), so characters split across
 * words survive.
 */
typedef struct word_run {
	int	active;
	const unsigned char *charset;
	size_t	charset_len;
	converter conv;
	size_t	len;
	unsigned char stage[RUN_STAGE_SIZE];
} word_run;

static dsnx_status
word_run_convert(word_run *run, int final, writer *w, int *bad)
{
	size_t	used;
	dsnx_status st;

	st = conv_feed(&run->conv, run->stage, run->len, final, &used, w, bad);
	if (used > run->len)		/* cannot happen; keeps memmove safe */
		used = run->len;
	memmove(run->stage, run->stage + used, run->len - used);
	run->len -= used;
	return st;
}

static dsnx_status
word_run_end(word_run *run, writer *w, int *bad)
{
	dsnx_status st = DSNX_OK;

	if (run->active) {
		st = word_run_convert(run, 1, w, bad);
		conv_close(&run->conv);
		run->active = 0;
		run->len = 0;
	}
	return st;
}

static int
same_charset(const unsigned char *a, size_t alen, const unsigned char *b,
    size_t blen)
{
	size_t	i;

	if (alen != blen)
		return 0;
	for (i = 0; i < alen; i++)
		if (ascii_lower(a[i]) != ascii_lower(b[i]))
			return 0;
	return 1;
}

static dsnx_status
word_run_add(word_run *run, const encoded_word *ew, writer *w, int *bad)
{
	writer	raw;
	dsnx_status st;

	if (run->active && !same_charset(run->charset, run->charset_len,
	    ew->charset, ew->charset_len)
	    && (st = word_run_end(run, w, bad)) != DSNX_OK)
		return st;
	/* Decoded text is never longer than encoded text. */
	if (run->active && RUN_STAGE_SIZE - run->len < ew->text_len) {
		if ((st = word_run_convert(run, 0, w, bad)) != DSNX_OK)
			return st;
		if (RUN_STAGE_SIZE - run->len < ew->text_len
		    && (st = word_run_end(run, w, bad)) != DSNX_OK)
			return st;
	}
	if (!run->active) {
		conv_open(&run->conv, (const char *)ew->charset,
		    ew->charset_len, bad);
		run->active = 1;
		run->charset = ew->charset;
		run->charset_len = ew->charset_len;
		run->len = 0;
	}
	writer_init_fixed(&raw, run->stage + run->len, RUN_STAGE_SIZE - run->len);
	if (ew->base64)
		st = base64_run(ew->text, ew->text_len, &raw, bad);
	else
		st = qp_run(ew->text, ew->text_len, 1, &raw, bad);
	run->len += raw.len;
	return st;
}

static int
only_white_space(const unsigned char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return 0;
	return 1;
}

dsnx_status
dsnx_rfc2047_decode(const char *cin, size_t len, dsnx_buf *out, int *bad)
{
	const unsigned char *in = (const unsigned char *)cin;
	const unsigned char *eq;
	encoded_word ew;
	word_run run;
	writer	w;
	size_t	start = out->len, i = 0, literal = 0, used;
	int	after_word = 0, ignored;
	dsnx_status st = DSNX_OK;

	if (bad == NULL)
		bad = &ignored;
	if (in == NULL) {
		in = (const unsigned char *)"";
		len = 0;
	}
	writer_init(&w, out);
	run.active = 0;
	run.len = 0;
	while (i < len && (eq = memchr(in + i, '=', len - i)) != NULL) {
		i = (size_t)(eq - in);
		if (!encoded_word_parse(in + i, len - i, &ew)) {
			i++;
			continue;
		}
		if (!after_word || !only_white_space(in + literal, i - literal)) {
			if ((st = word_run_end(&run, &w, bad)) != DSNX_OK
			    || (st = utf8_feed(in + literal, i - literal, 1, 1,
			    &used, &w, bad)) != DSNX_OK)
				goto done;
		}
		if ((st = word_run_add(&run, &ew, &w, bad)) != DSNX_OK)
			goto done;
		i += ew.size;
		literal = i;
		after_word = 1;
	}
	if ((st = word_run_end(&run, &w, bad)) == DSNX_OK)
		st = utf8_feed(in + literal, len - literal, 1, 1, &used, &w, bad);
done:
	if (run.active)
		conv_close(&run.conv);
	return writer_finish(&w, st, start, 1);
}
