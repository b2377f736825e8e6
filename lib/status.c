/*
 * NAME
 *	status - RFC 3463 enhanced status codes and SMTP reply codes
 * SYNOPSIS
 *	#include "dsnexplain.h"
 *
 *	int	dsnx_code_parse(const char *s, size_t len, dsnx_code *out);
 *	long	dsnx_code_find(const char *text, size_t len, dsnx_code *out,
 *			size_t *match_len);
 *	int	dsnx_reply_find(const char *text, size_t len);
 *	char	*dsnx_code_format(const dsnx_code *code, char *buf,
 *			size_t size);
 *	const char *dsnx_code_meaning(const dsnx_code *code);
 *	const char *dsnx_code_subject_meaning(unsigned subject);
 *	int	dsnx_code_registered(const dsnx_code *code);
 * DESCRIPTION
 *	dsnx_code_parse() accepts exactly len bytes of the form
 *	class "." subject "." detail, where class is 2, 4 or 5 and subject
 *	and detail are 1-3 digits each (leading zeros allowed, as the
 *	RFC 3463 grammar does not forbid them).  Nothing else may precede or
 *	follow.  out may be NULL to validate only.
 *
 *	dsnx_code_find() returns the offset of the first code in free text
 *	that stands as a word of its own, and its length in *match_len.
 *	It is stricter than dsnx_code_parse() because free text is full of
 *	dotted numbers:
 *	.IP \(bu
 *	the byte before must not be a digit, a letter or '.' ("v5.1.1",
 *	"192.0.2.1", "10.5.1.1"); anything else ('#', '(', '[', space,
 *	':', '<', '"', '=', '-', ...) is fine;
 *	.IP \(bu
 *	the subject is a single digit 0-7 (the only subjects that exist)
 *	and the detail has no leading zero, which rules out most version
 *	numbers ("2.10.1") and times or dates ("4.05.12");
 *	.IP \(bu
 *	the byte after must not be a digit or a letter, nor '.' followed
 *	by a digit ("5.1.1.1", "2.1.5x", "4.12.2019");
 *	.IP \(bu
 *	a code preceded by the word "version", "ver", "v", "release",
 *	"rel", "rev", "revision" or "build" is a version number;
 *	.IP \(bu
 *	a code with a two-digit detail followed by white space and a
 *	time of day ("4.5.19 10:30") is a date.
 *	.PP
 *	dsnx_reply_find() returns the first three-digit SMTP reply code
 *	[245][0-5][0-9] that stands as a word of its own: the byte before
 *	is not a digit, letter, '.', ':' (port numbers such as ":25"),
 *	'#', '-', '/', '_', '+', '@', '%', '$', '&', '*', '\\' or '~'; the
 *	byte after is white space, the end of the text, or '-' (a
 *	multi-line reply "550-5.7.26") not followed by a bare number.
 *	Candidates are ranked, and the first one of the best rank wins:
 *	.IP 3
 *	followed by an enhanced status code ("550 5.1.1", "550-5.7.26");
 *	the first such candidate is returned at once;
 *	.IP 2
 *	at the start of a line, or after ';' ("smtp; 550 ...") or after
 *	':' and white space ("said: 550 ...", Exim's "host x [ip]: 550");
 *	.IP 1
 *	anywhere else.
 *	.PP
 *	dsnx_code_format() writes "c.s.d" into buf and returns buf, or
 *	NULL when buf is NULL or too small (12 bytes always suffice for a
 *	code whose subject and detail are at most 999).
 *
 *	dsnx_code_meaning() returns a short English meaning of the
 *	subject.detail pair, whatever the class, taken from RFC 3463 and
 *	the IANA "Enumerated Status Codes" registry (RFC 5248) up to X.7.30;
 *	NULL when the pair is not registered (vendor codes such as
 *	5.7.509 or 4.7.650).  dsnx_code_subject_meaning() does the same
 *	for a subject 0-7.  dsnx_code_registered() tells whether the
 *	subject.detail pair is in that registry.
 * LIMITS
 *	No allocation, no global state; dsnx_code_find() and
 *	dsnx_reply_find() run in time linear in len and never read past
 *	len bytes (the text need not be NUL-terminated).
 * DIAGNOSTICS
 *	dsnx_code_parse() returns -1 and dsnx_code_find() returns -1 when
 *	there is no code; dsnx_reply_find() returns 0 when there is no
 *	reply code.
 * SEE ALSO
 *	RFC 3463, enhanced mail system status codes
 *	RFC 5248, the IANA registry of enhanced status codes
 *	RFC 5321, SMTP reply codes
 */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dsnexplain.h"

#define SUBJECT_COUNT 8		/* X.0 to X.7 */
#define DETAIL_MAX 30		/* highest registered detail (X.7.30) */

static const char *const subject_meanings[SUBJECT_COUNT] = {
	"Other or undefined status",
	"Addressing status",
	"Mailbox status",
	"Mail system status",
	"Network and routing status",
	"Mail delivery protocol status",
	"Message content or media status",
	"Security or policy status",
};

/*
 * Meanings indexed directly by subject and detail; a NULL slot is an
 * unregistered code.  RFC 3463 rows first in each subject, then the IANA
 * additions.
 */
static const char *const detail_meanings[SUBJECT_COUNT][DETAIL_MAX + 1] = {
	[0] = {
		[0] = "Other or undefined status",
	},
	[1] = {
		[0] = "Other addressing problem",
		[1] = "Recipient mailbox does not exist or its address is wrong",
		[2] = "Recipient domain does not exist or takes no mail",
		[3] = "Recipient address has invalid syntax",
		[4] = "Recipient address is ambiguous",
		[5] = "Recipient address is valid",
		[6] = "Mailbox has moved and no forwarding address is known",
		[7] = "Sender address has invalid syntax",
		[8] = "Sender domain is invalid or does not exist",
		[9] = "Relayed to a mail system that cannot report further",
		[10] = "Recipient domain has a null MX and takes no mail",
	},
	[2] = {
		[0] = "Other mailbox problem",
		[1] = "Mailbox is disabled and takes no messages",
		[2] = "Mailbox is full",
		[3] = "Message is larger than the mailbox accepts",
		[4] = "Mailing list expansion failed",
	},
	[3] = {
		[0] = "Other mail system problem",
		[1] = "Receiving mail system is out of storage",
		[2] = "Receiving mail system does not take messages now",
		[3] = "Receiving mail system lacks a feature the message needs",
		[4] = "Message is larger than the mail system allows",
		[5] = "Receiving mail system is misconfigured",
		[6] = "Requested message priority was changed",
	},
	[4] = {
		[0] = "Other network or routing problem",
		[1] = "Destination host did not answer",
		[2] = "Connection was lost or timed out",
		[3] = "Directory server (such as DNS) failed",
		[4] = "No route to the destination could be found",
		[5] = "Mail system is congested",
		[6] = "Message is looping between mail systems",
		[7] = "Message expired before it could be delivered",
	},
	[5] = {
		[0] = "Other mail protocol problem",
		[1] = "Command not recognized or not allowed",
		[2] = "Command has invalid syntax",
		[3] = "Too many recipients for one message",
		[4] = "Command arguments are invalid",
		[5] = "Protocol version mismatch",
		[6] = "Authentication exchange line is too long",
	},
	[6] = {
		[0] = "Other message content or media problem",
		[1] = "Media type is not supported",
		[2] = "Content must be converted but conversion is prohibited",
		[3] = "Content must be converted but that is not supported",
		[4] = "Message was converted and some content was lost",
		[5] = "Content conversion failed",
		[6] = "Referenced message content is not available",
		[7] = "Non-ASCII addresses are not allowed for this sender "
		    "or recipient",
		[8] = "A UTF-8 reply is needed but the client cannot take one",
		[9] = "A UTF-8 header cannot be passed on to the next system",
		[10] = "UTF-8 reply needed but not allowed (deprecated, see X.6.8)",
	},
	[7] = {
		[0] = "Other security or policy problem",
		[1] = "Delivery not authorized; refused by policy",
		[2] = "Sender may not expand this mailing list",
		[3] = "Security conversion needed but not possible",
		[4] = "Security features are not supported",
		[5] = "Cryptographic processing failed",
		[6] = "Cryptographic algorithm is not supported",
		[7] = "Message integrity check failed",
		[8] = "Authentication credentials are invalid",
		[9] = "Authentication mechanism is too weak",
		[10] = "Encryption is required",
		[11] = "Authentication mechanism requires encryption",
		[12] = "Password must be changed before authenticating",
		[13] = "User account is disabled",
		[14] = "A trust relationship is required",
		[15] = "Message priority is too low",
		[16] = "Message is too large for its priority",
		[17] = "Mailbox has a new owner since the sender's check (RRVS)",
		[18] = "Domain has a new owner since the sender's check (RRVS)",
		[19] = "Mailbox owner check (RRVS) could not be completed",
		[20] = "No passing DKIM signature was found",
		[21] = "No acceptable DKIM signature was found",
		[22] = "No valid DKIM signature matches the author's domain",
		[23] = "SPF check failed",
		[24] = "SPF check could not be completed",
		[25] = "Reverse DNS check failed",
		[26] = "More than one authentication check failed",
		[27] = "Sender domain has a null MX",
		[28] = "Message is part of a mail flood",
		[29] = "ARC validation failed",
		[30] = "REQUIRETLS is required but not supported",
	},
};

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int
is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

int
dsnx_code_parse(const char *s, size_t len, dsnx_code *out)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned value[2];
	size_t i, n;
	int part;

	if (s == NULL || len < 5)
		return -1;
	if (p[0] != '2' && p[0] != '4' && p[0] != '5')
		return -1;
	i = 1;
	for (part = 0; part < 2; part++) {
		if (i >= len || p[i] != '.')
			return -1;
		i++;
		value[part] = 0;
		for (n = 0; i < len && is_digit(p[i]); i++, n++) {
			if (n == 3)
				return -1;
			value[part] = value[part] * 10 + (unsigned)(p[i] - '0');
		}
		if (n == 0)
			return -1;
	}
	if (i != len)
		return -1;
	if (out != NULL) {
		out->cls = (unsigned char)(p[0] - '0');
		out->subject = (unsigned short)value[0];
		out->detail = (unsigned short)value[1];
	}
	return 0;
}

/*
 * The strict form used in free text: class, one subject digit 0-7, and
 * a detail of 1-3 digits without leading zero.  Returns the length
 * matched (5 to 7) or 0.  Does not look at the bytes around it.
 */
static size_t
strict_code_at(const unsigned char *p, size_t len, dsnx_code *code)
{
	unsigned detail = 0;
	size_t i;

	if (len < 5 || (p[0] != '2' && p[0] != '4' && p[0] != '5'))
		return 0;
	if (p[1] != '.' || p[2] < '0' || p[2] > '7' || p[3] != '.')
		return 0;
	if (!is_digit(p[4]))
		return 0;
	for (i = 4; i < len && i < 7 && is_digit(p[i]); i++)
		detail = detail * 10 + (unsigned)(p[i] - '0');
	if (p[4] == '0' && i > 5)
		return 0;
	code->cls = (unsigned char)(p[0] - '0');
	code->subject = (unsigned short)(p[2] - '0');
	code->detail = (unsigned short)detail;
	return i;
}

/* May this byte come right before a code in free text? */
static int
code_left_ok(unsigned char c)
{
	return !is_digit(c) && !is_alpha(c) && c != '.';
}

/* May the text at p (len bytes left) come right after a code? */
static int
code_right_ok(const unsigned char *p, size_t len)
{
	if (len == 0)
		return 1;
	if (is_digit(p[0]) || is_alpha(p[0]))
		return 0;
	if (p[0] == '.' && len > 1 && is_digit(p[1]))
		return 0;
	return 1;
}

/* Is the code at offset pos preceded by a word announcing a version? */
static int
after_version_word(const unsigned char *t, size_t pos)
{
	static const char *const words[] = {
		"version", "ver", "v", "release", "rel", "rev", "revision",
		"build",
	};
	char word[9];
	size_t i = pos, n = 0, k;

	while (i > 0 && pos - i < 4 && (t[i - 1] == ' ' || t[i - 1] == '\t'))
		i--;
	if (i > 0 && t[i - 1] == '.')	/* "ver. 5.1.1" */
		i--;
	while (i > 0 && is_alpha(t[i - 1]) && n < sizeof(word) - 1) {
		i--;
		n++;
	}
	if (n == 0 || (i > 0 && is_alpha(t[i - 1])))
		return 0;
	for (k = 0; k < n; k++)
		word[k] = (char)lower(t[i + k]);
	word[n] = '\0';
	for (k = 0; k < sizeof(words) / sizeof(words[0]); k++)
		if (strcmp(word, words[k]) == 0)
			return 1;
	return 0;
}

/* Does the text at p look like white space then a time "h:" or "hh:"? */
static int
time_follows(const unsigned char *p, size_t len)
{
	size_t i = 0, d;

	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i == 0)
		return 0;
	for (d = 0; i < len && d < 3 && is_digit(p[i]); i++, d++)
		;
	return (d == 1 || d == 2) && i < len && p[i] == ':';
}

long
dsnx_code_find(const char *text, size_t len, dsnx_code *out,
    size_t *match_len)
{
	const unsigned char *t = (const unsigned char *)text;
	dsnx_code code;
	size_t i, n;

	if (text == NULL)
		return -1;
	for (i = 0; i + 5 <= len && i <= (size_t)LONG_MAX; i++) {
		if (t[i] != '2' && t[i] != '4' && t[i] != '5')
			continue;
		if (t[i + 1] != '.' || (i > 0 && !code_left_ok(t[i - 1])))
			continue;
		if ((n = strict_code_at(t + i, len - i, &code)) == 0)
			continue;
		if (!code_right_ok(t + i + n, len - i - n))
			continue;
		if (after_version_word(t, i))
			continue;
		if (n == 6 && time_follows(t + i + n, len - i - n))
			continue;
		if (out != NULL)
			*out = code;
		if (match_len != NULL)
			*match_len = n;
		return (long)i;
	}
	return -1;
}

/* May this byte come right before an SMTP reply code? */
static int
reply_left_ok(unsigned char c)
{
	if (is_digit(c) || is_alpha(c))
		return 0;
	return strchr(".:#-/_+@%$&*\\~", c) == NULL || c == '\0';
}

/*
 * Rank of the reply code at offset pos (see DESCRIPTION); after is the
 * offset of the byte following its three digits.
 */
static int
reply_rank(const unsigned char *t, size_t len, size_t pos, size_t after)
{
	dsnx_code code;
	size_t i, n;

	i = after;
	if (i < len && t[i] == '-') {
		i++;
	} else {
		while (i < len && (t[i] == ' ' || t[i] == '\t'))
			i++;
	}
	if (i > after && (n = strict_code_at(t + i, len - i, &code)) != 0
	    && code_right_ok(t + i + n, len - i - n))
		return 3;

	i = pos;
	while (i > 0 && (t[i - 1] == ' ' || t[i - 1] == '\t'))
		i--;
	if (i == 0 || t[i - 1] == '\n' || t[i - 1] == '\r')
		return 2;
	if (t[i - 1] == ';')
		return 2;
	if (t[i - 1] == ':' && i < pos)
		return 2;
	return 1;
}

/*
 * The first position at or after i where t holds '2', '4' or '5' (the
 * first digit of every reply code), or len.  Eight bytes at a time
 * while none of them is one (a word holds byte c when x ^ c has a zero
 * byte): a recipient's excerpt is mostly words, and a test of every
 * byte was most of what dsnx_reply_find() cost.
 */
static size_t
reply_start(const unsigned char *t, size_t i, size_t len)
{
	const uint64_t ones = 0x0101010101010101ull;
	const uint64_t highs = 0x8080808080808080ull;
	uint64_t x, a, b, c;

	for (; len - i >= 8; i += 8) {
		memcpy(&x, t + i, 8);
		a = x ^ (ones * '2');
		b = x ^ (ones * '4');
		c = x ^ (ones * '5');
		if ((((a - ones) & ~a) | ((b - ones) & ~b) | ((c - ones) & ~c))
		    & highs)
			break;
	}
	while (i < len && t[i] != '2' && t[i] != '4' && t[i] != '5')
		i++;
	return i;
}

int
dsnx_reply_find(const char *text, size_t len)
{
	const unsigned char *t = (const unsigned char *)text;
	dsnx_code code;
	int best = 0, best_rank = 0, rank, value;
	size_t i, j;

	if (text == NULL)
		return 0;
	for (i = 0; (i = reply_start(t, i, len)) + 3 <= len; i++) {
		if (t[i + 1] < '0' || t[i + 1] > '5' || !is_digit(t[i + 2]))
			continue;
		if (i > 0 && !reply_left_ok(t[i - 1]))
			continue;
		j = i + 3;
		if (j < len && !is_space(t[j])) {
			if (t[j] != '-')
				continue;
			/* "550-5.7.26" or "250-PIPELINING", not "450-459" */
			if (j + 1 < len && is_digit(t[j + 1])
			    && strict_code_at(t + j + 1, len - j - 1, &code) == 0)
				continue;
		}
		rank = reply_rank(t, len, i, j);
		value = (t[i] - '0') * 100 + (t[i + 1] - '0') * 10
		    + (t[i + 2] - '0');
		if (rank == 3)
			return value;
		if (rank > best_rank) {
			best_rank = rank;
			best = value;
		}
	}
	return best;
}

char *
dsnx_code_format(const dsnx_code *code, char *buf, size_t size)
{
	int n;

	if (code == NULL || buf == NULL || size == 0)
		return NULL;
	n = snprintf(buf, size, "%u.%u.%u", (unsigned)code->cls,
	    (unsigned)code->subject, (unsigned)code->detail);
	if (n < 0 || (size_t)n >= size)
		return NULL;
	return buf;
}

const char *
dsnx_code_meaning(const dsnx_code *code)
{
	if (code == NULL || code->subject >= SUBJECT_COUNT
	    || code->detail > DETAIL_MAX)
		return NULL;
	return detail_meanings[code->subject][code->detail];
}

const char *
dsnx_code_subject_meaning(unsigned subject)
{
	return subject < SUBJECT_COUNT ? subject_meanings[subject] : NULL;
}

int
dsnx_code_registered(const dsnx_code *code)
{
	return dsnx_code_meaning(code) != NULL;
}
