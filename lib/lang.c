/*
 * NAME
 *	lang - the reader's language, chosen from the returned message
 * SYNOPSIS
 *	#include "dsnexplain.h"
 *
 *	dsnx_lang_source dsnx_lang_choose(rules, report, fallback, out, size)
 *	const char *dsnx_lang_source_name(source)
 * DESCRIPTION
 *	The one place where "auto" becomes a language.  A DSN goes back to
 *	the person who wrote the returned message, so that message says
 *	best what its reader reads, in this order:
 *	.IP 1
 *	its Content-Language (RFC 3282): the language the sender wrote in;
 *	the first tag of the list that the rule set has texts in;
 *	.IP 2
 *	its Accept-Language (written by Outlook, Exchange and others, with
 *	RFC 9110 syntax): the languages the sender's mail program prefers,
 *	tried by descending q value, ties in the order written, q=0 and
 *	"*" never;
 *	.IP 3
 *	the fallback the caller configured, when the rule set has it, else
 *	English.
 *	.PP
 *	The bounce's own Content-Language is not consulted: it names the
 *	language the reporting system wrote its notice in, which the remote
 *	site chose (an Exchange server writes in its own locale), not the
 *	reader.
 *
 *	A tag matches a language of the rule set whole ("pt-br"), or by
 *	its primary subtag ("de-AT" gives "de"), in any case.
 * LIMITS
 *	Reads at most TAGS_MAX tags of a field; a tag is at most 35 bytes
 *	(RFC 5646's longest useful tag) and a language of the rule set at
 *	most 8.  No allocation.
 * SEE ALSO
 *	RFC 3282 (Content-Language), RFC 9110 section 12.5.4
 *	(Accept-Language), RFC 5646 (language tags), explanation.c.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "dsnexplain.h"

#define TAG_MAX 35
#define TAGS_MAX 32

const char *
dsnx_lang_source_name(dsnx_lang_source source)
{
	switch (source) {
	case DSNX_LANG_CONTENT: return "content-language";
	case DSNX_LANG_ACCEPT: return "accept-language";
	case DSNX_LANG_FALLBACK: return "fallback";
	default: return "configured";
	}
}

/*
 * Does the rule set have tag (len bytes), whole or by its primary
 * subtag?  The language, lower case, goes to out.
 */
static int
have(const dsnx_ruleset *rules, const char *tag, size_t len, char *out,
    size_t size)
{
	char t[TAG_MAX + 1];
	size_t i, primary = 0;

	if (len == 0 || len > TAG_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)tag[i];

		if (!isalnum(c) && c != '-')
			return 0;
		t[i] = (char)tolower(c);
		if (c == '-' && primary == 0)
			primary = i;
	}
	t[len] = '\0';
	if (len <= 8 && size > len && dsnx_ruleset_has_lang(rules, t)) {
		memcpy(out, t, len + 1);
		return 1;
	}
	if (primary >= 2 && primary <= 8 && size > primary) {
		t[primary] = '\0';
		if (dsnx_ruleset_has_lang(rules, t)) {
			memcpy(out, t, primary + 1);
			return 1;
		}
	}
	return 0;
}

/* One element of a comma-separated list: its tag and its q value in
 * thousandths (1000 when none is given). */
typedef struct tag {
	const char *s;
	size_t len;
	unsigned q;
} tag;

/* "0.8" -> 800; anything unreadable counts as 0, as if refused. */
static unsigned
qvalue(const char *p, const char *end)
{
	unsigned q, scale = 100;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end || (*p != '0' && *p != '1'))
		return 0;
	q = (unsigned)(*p++ - '0') * 1000;
	if (p < end && *p == '.')
		for (p++; p < end && isdigit((unsigned char)*p) && scale > 0;
		    p++, scale /= 10)
			q += (unsigned)(*p - '0') * scale;
	return q > 1000 ? 1000 : q;
}

/* Splits a field value into at most TAGS_MAX tags; returns the count. */
static unsigned
split(const char *v, tag *tags)
{
	unsigned n = 0;

	while (*v != '\0' && n < TAGS_MAX) {
		const char *end = strchr(v, ','), *p, *semi;

		if (end == NULL)
			end = v + strlen(v);
		for (p = v; p < end && (*p == ' ' || *p == '\t'); p++)
			;
		tags[n].s = p;
		while (p < end && *p != ';' && *p != ' ' && *p != '\t'
		    && *p != '(')
			p++;
		tags[n].len = (size_t)(p - tags[n].s);
		tags[n].q = 1000;
		if ((semi = memchr(p, ';', (size_t)(end - p))) != NULL) {
			for (semi++; semi < end && (*semi == ' '
			    || *semi == '\t'); semi++)
				;
			if (end - semi >= 2 && (semi[0] == 'q' || semi[0] == 'Q')
			    && semi[1] == '=')
				tags[n].q = qvalue(semi + 2, end);
		}
		if (tags[n].len > 0)
			n++;
		v = *end == ',' ? end + 1 : end;
	}
	return n;
}

static int
from_content_language(const dsnx_ruleset *rules, const char *v, char *out,
    size_t size)
{
	tag tags[TAGS_MAX];
	unsigned i, n = split(v, tags);

	for (i = 0; i < n; i++)
		if (have(rules, tags[i].s, tags[i].len, out, size))
			return 1;
	return 0;
}

static int
from_accept_language(const dsnx_ruleset *rules, const char *v, char *out,
    size_t size)
{
	tag tags[TAGS_MAX];
	unsigned i, n = split(v, tags), best;
	int pick;

	/* Highest q first, the first written among equals; each tag tried
	 * once: n is small, so a selection is enough. */
	for (;;) {
		pick = -1;
		best = 0;
		for (i = 0; i < n; i++)
			if (tags[i].q > best) {
				best = tags[i].q;
				pick = (int)i;
			}
		if (pick < 0)
			return 0;
		if (have(rules, tags[pick].s, tags[pick].len, out, size))
			return 1;
		tags[pick].q = 0;
	}
}

dsnx_lang_source
dsnx_lang_choose(const dsnx_ruleset *rules, const dsnx_report *report,
    const char *fallback, char *out, size_t size)
{
	const char *v;

	if (size == 0)
		return DSNX_LANG_FALLBACK;
	out[0] = '\0';
	if (rules != NULL && report != NULL) {
		if ((v = dsnx_report_returned_field(report, "Content-Language"))
		    != NULL && from_content_language(rules, v, out, size))
			return DSNX_LANG_CONTENT;
		if ((v = dsnx_report_returned_field(report, "Accept-Language"))
		    != NULL && from_accept_language(rules, v, out, size))
			return DSNX_LANG_ACCEPT;
	}
	if (fallback == NULL || rules == NULL
	    || !have(rules, fallback, strlen(fallback), out, size))
		snprintf(out, size, "en");
	return DSNX_LANG_FALLBACK;
}
