/*
 * NAME
 *	plaintext - control characters: found in rule texts, escaped in logs
 * SYNOPSIS
 *	#include "dsnexplain.h"
 *
 *	size_t	dsnx_text_control(const char *s, size_t len)
 *	size_t	dsnx_text_escape(char *out, size_t size, const char *s,
 *		size_t len)
 * DESCRIPTION
 *	A control character is C0 (U+0000 to U+001F, TAB included), DEL,
 *	C1 (U+0080 to U+009F) or one of the Unicode line breaks U+2028 and
 *	U+2029.  None of them has a place in a text shown to a person: in a
 *	header field a CR or LF starts a new field, in a log line a new
 *	line, on a terminal an ESC or a C1 CSI starts a command.  TAB is
 *	one of them on purpose: our texts are single paragraphs that go
 *	into a Subject, HTML and plain text alike, where a TAB has no
 *	meaning, and in a header it would read as folding white space.
 *
 *	dsnx_text_control() gives the byte offset of the first control
 *	character of the UTF-8 text s, or len when there is none.  The
 *	rule loader refuses a text where it is not len; the rewrite checks
 *	a Subject label with it once more before it goes into a header.
 *
 *	dsnx_text_escape() copies s for a log line or a terminal: every
 *	byte of a control character, and every byte that does not belong
 *	to a valid UTF-8 sequence, becomes "\xHH"; everything else is
 *	copied as it is.  out always ends with a NUL; an escape is never
 *	cut in half.  It returns the length of what it wrote.
 * LIMITS
 *	Linear in len.  Backslashes are not escaped: the aim is that no
 *	text breaks a line or talks to a terminal, not a reversible form.
 * SEE ALSO
 *	catalogue.c (the loader's check), milter/log.c, cli/dsnexplain.c.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "codec.h"
#include "dsnexplain.h"

/* Is the valid sequence of n bytes at s a control character? */
static int
is_control(const unsigned char *s, size_t n)
{
	if (n == 1)
		return s[0] < 0x20 || s[0] == 0x7F;
	if (n == 2)
		return s[0] == 0xC2 && s[1] <= 0x9F;
	if (n == 3)
		return s[0] == 0xE2 && s[1] == 0x80 && (s[2] == 0xA8 || s[2] == 0xA9);
	return 0;
}

size_t
dsnx_text_control(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;
	unsigned cp;

	while (i < len) {
		if ((n = dsnx_utf8_char(u + i, len - i, &cp)) == 0)
			n = 1;		/* not ours to judge: the loader has UTF-8 */
		else if (is_control(u + i, n))
			return i;
		i += n;
	}
	return len;
}

size_t
dsnx_text_escape(char *out, size_t size, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, o = 0, n, k;
	unsigned cp;
	int escape;

	if (size == 0)
		return 0;
	while (i < len) {
		n = dsnx_utf8_char(u + i, len - i, &cp);
		escape = n == 0 || is_control(u + i, n);
		if (n == 0)
			n = 1;
		if (escape) {
			if (o + 4 * n >= size)
				break;
			for (k = 0; k < n; k++, o += 4)
				snprintf(out + o, 5, "\\x%02x", u[i + k]);
		} else {
			if (o + n >= size)
				break;
			memcpy(out + o, u + i, n);
			o += n;
		}
		i += n;
	}
	out[o] = '\0';
	return o;
}
