/*
 * NAME
 *	transcript - one recipient's part of an SMTP session transcript
 * DESCRIPTION
 *	Sendmail (V8 and the V5 family) and MTAs that copy its habit print
 *	the dialogue with the remote server: "While talking to host:",
 *	">>> command", "<<< reply", then one status line per recipient or
 *	host, "[code] who... text".  A recipient's evidence is its own
 *	status line, the replies directly above it when that line only says
 *	that the dialogue failed, and nothing that concerns another address,
 *	another host or another session.
 *
 *	This module only finds those edges.  Which formats are transcripts,
 *	and what becomes of the text, is nonstd.c's business.
 * LIMITS
 *	A status line's "who" is at most WHO_MAX bytes; at most
 *	REPLIES_MAX reply lines are taken from above.  Lengths, never NUL
 *	termination, bound every read.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "report.h"
#include "transcript.h"

#define WHO_MAX 255
#define REPLIES_MAX 4

/* The line around pos: [*b, *e), without its line end. */
static void
line_at(const char *t, size_t end, size_t pos, size_t *b, size_t *e)
{
	size_t i = pos;

	while (i > 0 && t[i - 1] != '\n')
		i--;
	*b = i;
	i = pos;
	while (i < end && t[i] != '\n')
		i++;
	if (i > *b && t[i - 1] == '\r')
		i--;
	*e = i;
}

static size_t
skip_blanks(const char *t, size_t p, size_t e)
{
	while (p < e && (t[p] == ' ' || t[p] == '\t'))
		p++;
	return p;
}

static int
starts_with(const char *t, size_t p, size_t e, const char *word)
{
	size_t n = strlen(word);

	return e - p >= n && strncasecmp(t + p, word, n) == 0;
}

/* p past a token of digits and dots of the given shape ("550",
 * "5.1.1") followed by a blank, or p unchanged. */
static size_t
skip_code(const char *t, size_t p, size_t e, int enhanced)
{
	size_t q = p;
	int dots = 0, digits = 0;

	while (q < e && (isdigit((unsigned char)t[q]) || (enhanced && t[q] == '.'))) {
		if (t[q] == '.')
			dots++;
		else
			digits++;
		q++;
	}
	if (q == e || (t[q] != ' ' && t[q] != '\t'))
		return p;
	if (enhanced ? dots != 2 || digits < 3 : q - p != 3
	    || (t[p] != '2' && t[p] != '4' && t[p] != '5'))
		return p;
	return skip_blanks(t, q, e);
}

/*
 * A status line "[550 [5.1.1 ]]who... text": 1 and who's extent.  Who
 * is one token ("<a@b>", "a@b", "host") optionally followed by one
 * parenthesised word ("example.org (smtp)").
 */
static int
status_line_who(const char *t, size_t b, size_t e, size_t *wb, size_t *we)
{
	size_t p = skip_blanks(t, b, e), q;

	p = skip_code(t, p, e, 0);
	p = skip_code(t, p, e, 1);
	for (q = p; q < e && q - p <= WHO_MAX; q++) {
		if (t[q] == '.' && e - q >= 3 && t[q + 1] == '.' && t[q + 2] == '.') {
			if (q == p || (q + 3 < e && t[q + 3] != ' ' && t[q + 3] != '\t'))
				return 0;
			*wb = p;
			*we = q;
			return 1;
		}
		if (t[q] == ' ' || t[q] == '\t') {
			/* Only " (word)" may follow the token. */
			size_t r = q + 1;

			if (r >= e || t[r] != '(')
				return 0;
			while (r < e && t[r] != ')' && t[r] != ' ' && t[r] != '\t')
				r++;
			if (r >= e || t[r] != ')')
				return 0;
			q = r;
		}
	}
	return 0;
}

/* Is t[b, e) the address addr, with or without angle brackets? */
static int
is_addr(const char *t, size_t b, size_t e, const char *addr)
{
	size_t n = strlen(addr);

	if (e - b >= 2 && t[b] == '<' && t[e - 1] == '>') {
		b++;
		e--;
	}
	return e - b == n && strncasecmp(t + b, addr, n) == 0;
}

static int
opens_session(const char *t, size_t b, size_t e)
{
	size_t p = skip_blanks(t, b, e);

	if (starts_with(t, p, e, "..."))
		p = skip_blanks(t, p + 3, e);
	return starts_with(t, p, e, "while talking to ");
}

size_t
dsnx_transcript_stretch_end(const char *text, size_t from, size_t to,
    const char *addr)
{
	size_t b, e, wb, we, pos;

	if (from >= to)
		return to;
	line_at(text, to, from, &b, &e);
	if (!status_line_who(text, b, e, &wb, &we)
	    && !starts_with(text, skip_blanks(text, b, e), e, ">>>"))
		return to;
	/* The lines after from's own. */
	pos = b;
	(void)dsnx_text_line(text, to, &pos, &b, &e);
	while (dsnx_text_line(text, to, &pos, &b, &e))
		if (opens_session(text, b, e)
		    || (status_line_who(text, b, e, &wb, &we)
		    && !is_addr(text, wb, we, addr)))
			return b;
	return to;
}

/* Is t[b, e) the command ">>> RCPT To:<x>" for an x other than addr? */
static int
rcpt_for_other(const char *t, size_t b, size_t e, const char *addr)
{
	size_t p = skip_blanks(t, b, e), q;

	if (!starts_with(t, p, e, ">>>"))
		return 0;
	p = skip_blanks(t, p + 3, e);
	if (!starts_with(t, p, e, "rcpt to:"))
		return 0;
	p = skip_blanks(t, p + 8, e);
	for (q = p; q < e && t[q] != '>' && t[q] != ' ' && t[q] != '\t'; q++)
		;
	if (q < e && t[q] == '>')
		q++;
	return !is_addr(t, p, q, addr);
}

size_t
dsnx_transcript_replies_above(const char *text, size_t floor, size_t line,
    size_t end, const char *addr)
{
	size_t first = line, b, e, wb, we;
	int taken = 0;

	if (line >= end)
		return line;
	line_at(text, end, line, &b, &e);
	if (!status_line_who(text, b, e, &wb, &we) || !is_addr(text, wb, we, addr))
		return line;
	while (taken < REPLIES_MAX && first > floor) {
		line_at(text, first - 1, first - 1, &b, &e);
		if (b < floor)
			break;
		if (!starts_with(text, skip_blanks(text, b, e), e, "<<<")) {
			/* Replies to another recipient's RCPT are its own. */
			if (rcpt_for_other(text, b, e, addr))
				return line;
			break;
		}
		first = b;
		taken++;
	}
	return first;
}
