/*
 * NAME
 *	encode - transfer encodings and conversion from UTF-8, for our text
 * SYNOPSIS
 *	#include "codec.h"
#include "encode.h"
 *
 *	void	dsnx_qp_encode(dsnx_buf *b, const char *s, size_t len,
 *		const char *eol)
 *	void	dsnx_base64_encode(dsnx_buf *b, const unsigned char *s,
 *		size_t len, size_t col, const char *eol)
 *	dsnx_status dsnx_from_utf8(const char *charset, const char *in,
 *		size_t len, dsnx_buf *out, int *lossy)
 * DESCRIPTION
 *	The rewrite writes its text into parts whose charset and transfer
 *	encoding it does not choose: a single-part bounce in ISO-8859-1
 *	quoted-printable takes our text in ISO-8859-1 quoted-printable.
 *	This module does that writing; decoding message bytes is codec.c's.
 *
 *	dsnx_from_utf8() converts one character at a time, so that a
 *	character the charset lacks costs only itself: it becomes an ASCII
 *	fallback of our own table (typographic punctuation, the Latin-1
 *	letters: "Zustellung fuer" is still German) or '?'.  The fallback is
 *	converted too, so a stateful charset switches back to ASCII for it.
 *	iconv's //TRANSLIT is not used: what it writes depends on the
 *	locale, and the rewrite must give the same bytes everywhere.
 * LIMITS
 *	Output is capped by the buffer (dsnx_buf's overflow flag).
 * SEE ALSO
 *	codec(3), iconv(3), RFC 2045, RFC 1468
 */
#include "config.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <string.h>

#include "codec.h"
#include "encode.h"

static void
put(dsnx_buf *b, const char *s)
{
	dsnx_buf_append(b, s, strlen(s));
}

void
dsnx_qp_encode(dsnx_buf *b, const char *s, size_t len, const char *eol)
{
	static const char hex[] = "0123456789ABCDEF";
	char	line[80];
	size_t	i, col = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n') {
			dsnx_buf_append(b, line, col);
			put(b, eol);
			col = 0;
			continue;
		}
		if (col + 3 > 75) {	/* soft line break */
			line[col++] = '=';
			dsnx_buf_append(b, line, col);
			put(b, eol);
			col = 0;
		}
		/* Blanks before a line end must be encoded (they would be
		 * stripped in transport).  At the start of a line, '-' is
		 * encoded so that no line can look like a boundary of the
		 * message, and 'F' so that no line starts "From ". */
		if (((c >= 33 && c <= 126 && c != '=')
		    || ((c == ' ' || c == '\t') && i + 1 < len && s[i + 1] != '\n'))
		    && !(col == 0 && (c == '-' || c == 'F')))
			line[col++] = (char)c;
		else {
			line[col++] = '=';
			line[col++] = hex[c >> 4];
			line[col++] = hex[c & 15];
		}
	}
	dsnx_buf_append(b, line, col);
}

void
dsnx_base64_encode(dsnx_buf *b, const unsigned char *s, size_t len,
    size_t col, const char *eol)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t	i;

	for (i = 0; i < len; i += 3) {
		unsigned v = (unsigned)s[i] << 16;
		char	q[4];

		if (i + 1 < len)
			v |= (unsigned)s[i + 1] << 8;
		if (i + 2 < len)
			v |= s[i + 2];
		q[0] = alphabet[(v >> 18) & 63];
		q[1] = alphabet[(v >> 12) & 63];
		q[2] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
		q[3] = i + 2 < len ? alphabet[v & 63] : '=';
		if (col + 4 > 76) {
			put(b, eol);
			col = 0;
		}
		dsnx_buf_append(b, q, 4);
		col += 4;
	}
	put(b, eol);
}

/* ------------------------------------------------------ from UTF-8 */

/* ASCII for U+00C0 to U+00FF, in order. */
static const char *const latin1_letters[64] = {
	"A", "A", "A", "A", "Ae", "A", "AE", "C",
	"E", "E", "E", "E", "I", "I", "I", "I",
	"D", "N", "O", "O", "O", "O", "Oe", "x",
	"O", "U", "U", "U", "Ue", "Y", "Th", "ss",
	"a", "a", "a", "a", "ae", "a", "ae", "c",
	"e", "e", "e", "e", "i", "i", "i", "i",
	"d", "n", "o", "o", "o", "o", "oe", "/",
	"o", "u", "u", "u", "ue", "y", "th", "y",
};

static const struct {
	unsigned cp;
	const char *ascii;
} fallbacks[] = {
	{0x00A0, " "}, {0x00A1, "!"}, {0x00AB, "\""}, {0x00B7, "."},
	{0x00BB, "\""}, {0x00BF, "?"}, {0x0152, "OE"}, {0x0153, "oe"},
	{0x2010, "-"}, {0x2011, "-"}, {0x2013, "-"}, {0x2014, "-"},
	{0x2018, "'"}, {0x2019, "'"}, {0x201A, ","}, {0x201C, "\""},
	{0x201D, "\""}, {0x201E, "\""}, {0x2026, "..."}, {0x20AC, "EUR"},
	{0x2192, "->"},
};

static const char *
ascii_fallback(unsigned cp)
{
	size_t	i;

	if (cp >= 0xC0 && cp <= 0xFF)
		return latin1_letters[cp - 0xC0];
	for (i = 0; i < sizeof(fallbacks) / sizeof(fallbacks[0]); i++)
		if (fallbacks[i].cp == cp)
			return fallbacks[i].ascii;
	return "?";
}

/* Converts in whole through cd; nonzero when cd cannot. */
static int
convert(iconv_t cd, const char *in, size_t len, dsnx_buf *out)
{
	char	chunk[64];
	char   *ip = (char *)(uintptr_t)in, *op;
	size_t	ileft = len, oleft, r;

	while (ileft > 0) {
		op = chunk;
		oleft = sizeof(chunk);
		r = iconv(cd, &ip, &ileft, &op, &oleft);
		if (op > chunk)
			dsnx_buf_append(out, chunk, (size_t)(op - chunk));
		if (r == (size_t)-1 && errno != E2BIG)
			return -1;
	}
	return 0;
}

/* Writes what returns cd to its initial state (ISO-2022: ESC ( B). */
static void
initial_state(iconv_t cd, dsnx_buf *out)
{
	char	chunk[16], *op = chunk;
	size_t	oleft = sizeof(chunk);

	(void)iconv(cd, NULL, NULL, &op, &oleft);
	if (op > chunk)
		dsnx_buf_append(out, chunk, (size_t)(op - chunk));
}

dsnx_status
dsnx_from_utf8(const char *charset, const char *in, size_t len,
    dsnx_buf *out, int *lossy)
{
	const unsigned char *s = (const unsigned char *)in;
	/* In these, ASCII is ASCII in the initial state: runs of it are
	 * copied, not converted a character at a time (codec.c). */
	int	ascii_as_is = strcmp(charset, "us-ascii") == 0
	    || dsnx_charset_ascii_compatible(charset);
	size_t	i, n;
	unsigned cp;
	iconv_t	cd;

	if (ascii_as_is && dsnx_ascii_only(in, len))
		return dsnx_buf_append(out, in, len);
	if ((cd = iconv_open(charset, "UTF-8")) == (iconv_t)-1)
		return DSNX_EINVAL;
	for (i = 0; i < len; i += n) {
		if (ascii_as_is && s[i] < 0x80) {
			for (n = 1; i + n < len && s[i + n] < 0x80; n++)
				;
			initial_state(cd, out);
			dsnx_buf_append(out, in + i, n);
			continue;
		}
		if ((n = dsnx_utf8_char(s + i, len - i, &cp)) == 0) {
			iconv_close(cd);
			return DSNX_EINVAL;
		}
		if (convert(cd, in + i, n, out) != 0) {
			const char *alt = ascii_fallback(cp);

			*lossy = 1;
			if (convert(cd, alt, strlen(alt), out) != 0)
				dsnx_buf_putc(out, '?');
		}
	}
	initial_state(cd, out);
	iconv_close(cd);
	return out->overflow ? DSNX_ENOMEM : DSNX_OK;
}
