/*
 * NAME
 *	render - the plain-language explanation, as text and as HTML
 * SYNOPSIS
 *	#include "dsnexplain.h"
 *
 *	dsnx_status dsnx_render(rules, report, verdicts, options, &rendition)
 *
 *	int dsnx_utc_offset_parse(text, &minutes)
 * DESCRIPTION
 *	For each group of recipients that share an outcome and a cause: a
 *	headline, what happened (the cause's title and summary), whether the
 *	mail may still arrive (until when, or after how long it was given
 *	up), who must act, what the sender can do, and a picture of the path
 *	sender -> sending system -> recipient's system with the place where it
 *	broke marked.  Then, for the mail administrator, the facts of every
 *	recipient (reporting and remote MTA, status and its meaning, the full
 *	diagnostic, dates, queue id, rule) and the cause's hints.
 *
 *	Sentences come from the rule set: the cause catalogue and the user
 *	interface strings, in the requested language with English standing
 *	in for anything missing.  Nothing from the message is ever used as a
 *	template: placeholders are filled only in our own strings.
 *
 *	The text rendition wraps at options.width columns (code points).  The
 *	HTML rendition uses inline CSS only, tables for layout and the path
 *	picture, no scripts, images or remote resources.
 * LIMITS
 *	A diagnostic is shown up to DIAG_SHOWN code points.  Control
 *	characters (C0, C1, DEL) and Unicode direction overrides and
 *	isolates are removed from all message text; in HTML, & < > " ' are
 *	escaped.
 * DIAGNOSTICS
 *	DSNX_ENOMEM, or DSNX_EINVAL for missing arguments.
 * SEE ALSO
 *	rewrite.c, rules.c (catalogue and strings).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <strings.h>

#include "buf.h"
#include "mime.h"
#include "report.h"
#include "rules.h"

#define DIAG_SHOWN 2000
#define GROUPS_MAX 64

int
dsnx_utc_offset_parse(const char *v, int *out)
{
	int h, m = 0, sign;

	if (!strcasecmp(v, "UTC") || !strcasecmp(v, "GMT") || !strcmp(v, "Z")) {
		*out = 0;
		return 0;
	}
	if (v[0] != '+' && v[0] != '-')
		return -1;
	sign = v[0] == '-' ? -1 : 1;
	if (!isdigit((unsigned char)v[1]) || !isdigit((unsigned char)v[2]))
		return -1;
	h = (v[1] - '0') * 10 + (v[2] - '0');
	v += 3;
	if (*v == ':')
		v++;
	if (*v != '\0') {
		if (!isdigit((unsigned char)v[0]) || !isdigit((unsigned char)v[1])
		    || v[2] != '\0')
			return -1;
		m = (v[0] - '0') * 10 + (v[1] - '0');
	}
	if (h > 14 || m > 59)
		return -1;
	*out = sign * (h * 60 + m);
	return 0;
}

void
dsnx_render_options_init(dsnx_render_options *o)
{
	o->lang = "en";
	o->tz = NULL;
	o->width = 72;
}

void
dsnx_rendition_free(dsnx_rendition *r)
{
	if (r == NULL)
		return;
	free(r->text);
	free(r->html);
	memset(r, 0, sizeof(*r));
}

/* ------------------------------------------------------ cleaning text */

/* Length of the UTF-8 sequence starting with byte c (1 for junk). */
static size_t
seq_len(unsigned char c)
{
	return c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

static unsigned
decode_cp(const unsigned char *p, size_t n)
{
	switch (n) {
	case 2: return ((p[0] & 0x1Fu) << 6) | (p[1] & 0x3Fu);
	case 3: return ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6)
	    | (p[2] & 0x3Fu);
	case 4: return ((p[0] & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12)
	    | ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3Fu);
	default: return p[0];
	}
}

/* Characters that must not reach a reader from a remote server: they can
 * hide or reorder text (direction overrides) or act on a terminal. */
static int
unsafe_cp(unsigned cp)
{
	return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F)
	    || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E)
	    || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x061C || cp == 0xFEFF;
}

/*
 * Appends untrusted UTF-8 text (valid UTF-8: the report guarantees it),
 * without unsafe characters (line ends and tabs become spaces), at most
 * max code points, HTML-escaped when html is set.
 */
static void
put_clean(dsnx_buf *b, const char *s, size_t max, int html)
{
	const unsigned char *p = (const unsigned char *)s, *run;
	size_t n = 0;

	if (s == NULL)
		return;
	/* Plain characters are copied in runs; only the others cost more. */
	for (run = p; *p != '\0'; ) {
		size_t l = seq_len(*p), k;
		unsigned cp;
		const char *rep = NULL;

		for (k = 1; k < l; k++)
			if (p[k] == '\0')
				goto out;
		if (n++ >= max) {
			dsnx_buf_append(b, run, (size_t)(p - run));
			dsnx_buf_append(b, "\xe2\x80\xa6", 3);	/* ... */
			return;
		}
		if (l == 1 && *p >= 0x20 && *p != 0x7F && !(html && strchr("&<>\"'",
		    *p) != NULL)) {
			p++;
			continue;
		}
		cp = decode_cp(p, l);
		if (cp == '\t' || cp == '\r' || cp == '\n')
			rep = " ";
		else if (unsafe_cp(cp))
			rep = "";
		else if (html && cp == '&')
			rep = "&amp;";
		else if (html && cp == '<')
			rep = "&lt;";
		else if (html && cp == '>')
			rep = "&gt;";
		else if (html && cp == '"')
			rep = "&quot;";
		else if (html && cp == '\'')
			rep = "&#39;";
		if (rep == NULL) {	/* a plain multibyte character */
			p += l;
			continue;
		}
		dsnx_buf_append(b, run, (size_t)(p - run));
		dsnx_buf_append(b, rep, strlen(rep));
		p += l;
		run = p;
	}
out:
	dsnx_buf_append(b, run, (size_t)(p - run));
}

/* ---------------------------------------------------- our own strings */

typedef struct ctx {
	const dsnx_ruleset *rules;
	const dsnx_report *report;
	const dsnx_verdict *verdicts;
	const dsnx_render_options *opt;
	const char *lang;
	dsnx_buf fill;      /* scratch for filled strings */
} ctx;

static const char *
str(ctx *c, const char *key)
{
	const char *s = dsnx_ruleset_string(c->rules, c->lang, key);

	return s != NULL ? s : key;
}

/*
 * Our string for key with {name} placeholders replaced by values (names[i]
 * -> values[i]; values are already safe for the target rendition).  A
 * placeholder without a value is dropped.
 */
static const char *
fill(ctx *c, const char *key, const char *const *names,
    const char *const *values, unsigned count)
{
	const char *s = str(c, key), *open, *close;
	unsigned i;

	dsnx_buf_reset(&c->fill);
	while ((open = strchr(s, '{')) != NULL
	    && (close = strchr(open, '}')) != NULL) {
		dsnx_buf_append(&c->fill, s, (size_t)(open - s));
		for (i = 0; i < count; i++)
			if (strlen(names[i]) == (size_t)(close - open - 1)
			    && strncmp(names[i], open + 1, (size_t)(close - open - 1))
			    == 0)
				dsnx_buf_append(&c->fill, values[i], strlen(values[i]));
		s = close + 1;
	}
	dsnx_buf_append(&c->fill, s, strlen(s));
	return dsnx_buf_str(&c->fill);
}

/* The zone is asked per date: its offset depends on the instant. */
static void
format_date(ctx *c, time_t t, char *buf, size_t size)
{
	struct tm tm;
	const char *abbr;
	long off = dsnx_tz_offset_at(c->opt->tz, t, &abbr);
	long m = (off < 0 ? -off : off) / 60;
	time_t local = t + (time_t)off;

	if (gmtime_r(&local, &tm) == NULL) {
		snprintf(buf, size, "?");
		return;
	}
	if (off == 0 && (abbr == NULL || strcmp(abbr, "UTC") == 0))
		snprintf(buf, size, "%04d-%02d-%02d %02d:%02d UTC",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min);
	else
		snprintf(buf, size, "%04d-%02d-%02d %02d:%02d %s%s(UTC%c%02ld:%02ld)",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, abbr ? abbr : "", abbr ? " " : "",
		    off < 0 ? '-' : '+', m / 60, m % 60);
}

/* "3 days", "5 hours", "40 minutes": the largest unit that fits. */
static const char *
format_duration(ctx *c, long seconds, char *buf, size_t size)
{
	static const struct { long unit; const char *one, *many; } units[] = {
		{ 86400, "duration.day", "duration.days" },
		{ 3600, "duration.hour", "duration.hours" },
		{ 60, "duration.minute", "duration.minutes" },
	};
	const char *names[1] = { "n" };
	char num[24];
	const char *values[1] = { num };
	size_t i;
	long n = 0;

	for (i = 0; i < 3; i++)
		if ((n = seconds / units[i].unit) >= 1 || i == 2)
			break;
	if (n < 1)
		n = 1;
	snprintf(num, sizeof(num), "%ld", n);
	snprintf(buf, size, "%s", n == 1 ? str(c, units[i].one)
	    : fill(c, units[i].many, names, values, 1));
	return buf;
}

/* -------------------------------------------------------------- groups */

typedef struct group {
	const char *outcome;        /* its name, NULL when unknown */
	dsnx_outcome code;
	const char *cause;
	unsigned members[64];
	unsigned count;
} group;

static int
same(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Groups recipients by outcome and cause, the most severe group first. */
static unsigned
make_groups(ctx *c, group *g)
{
	unsigned n = dsnx_report_recipient_count(c->report), i, k, count = 0;

	for (i = 0; i < n; i++) {
		const dsnx_verdict *v = &c->verdicts[i];
		const char *key = v->cause ? v->cause : "undetermined";

		for (k = 0; k < count; k++)
			if (g[k].code == v->outcome && same(g[k].cause, key))
				break;
		if (k == count) {
			if (count == GROUPS_MAX)
				continue;
			memset(&g[count], 0, sizeof(g[count]));
			g[count].outcome = dsnx_outcome_name(v->outcome);
			g[count].code = v->outcome;
			g[count].cause = key;
			count++;
		}
		if (g[k].count < 64)
			g[k].members[g[k].count++] = i;
	}
	/* Stable insertion sort by severity. */
	for (i = 1; i < count; i++) {
		group t = g[i];

		for (k = i; k > 0 && dsnx_outcome_rank(g[k - 1].code)
		    > dsnx_outcome_rank(t.code); k--)
			g[k] = g[k - 1];
		g[k] = t;
	}
	return count;
}

static const char *
outcome_key(const char *outcome)
{
	return outcome != NULL ? outcome : "failed";
}

/* The recipients of a group, cleaned, joined with ", " (html-escaped). */
static void
put_recipients(ctx *c, dsnx_buf *b, const group *g, int html)
{
	unsigned i;

	for (i = 0; i < g->count && i < 10; i++) {
		const dsnx_recipient *rc = dsnx_report_recipient(c->report,
		    g->members[i]);

		if (i > 0)
			dsnx_buf_append(b, ", ", 2);
		put_clean(b, rc->recipient ? rc->recipient : "?", 254, html);
	}
	if (g->count > 10) {
		char more[32];

		snprintf(more, sizeof(more), ", +%u", g->count - 10);
		dsnx_buf_append(b, more, strlen(more));
	}
}

/* Whether the mail may still arrive, as a sentence of ours. */
static const char *
arrive_sentence(ctx *c, const group *g)
{
	const dsnx_recipient *rc = dsnx_report_recipient(c->report, g->members[0]);
	const char *o = outcome_key(g->outcome);
	char date[64], dur[64];
	time_t start;

	if (strcmp(o, "delayed") == 0) {
		if (rc->has_will_retry_until) {
			const char *names[1] = { "until" };
			const char *values[1] = { date };

			format_date(c, rc->will_retry_until, date, sizeof(date));
			return fill(c, "arrive.delayed.until", names, values, 1);
		}
		return str(c, "arrive.delayed");
	}
	if (strcmp(o, "expired") == 0) {
		if (rc->has_last_attempt
		    && dsnx_report_arrival_date(c->report, &start) == 0
		    && rc->last_attempt > start) {
			const char *names[1] = { "duration" };
			const char *values[1] = { dur };

			format_duration(c, (long)(rc->last_attempt - start), dur,
			    sizeof(dur));
			return fill(c, "arrive.expired.after", names, values, 1);
		}
		return str(c, "arrive.expired");
	}
	if (strcmp(o, "delivered") == 0)
		return str(c, "arrive.delivered");
	return str(c, "arrive.failed");
}

static const char *
headline(ctx *c, const group *g, int html)
{
	const char *names[1] = { "recipients" };
	const char *values[1];
	char key[40];
	dsnx_buf list;
	const char *s;
	char *copy;

	dsnx_buf_init(&list, 0);
	put_recipients(c, &list, g, html);
	values[0] = dsnx_buf_str(&list);
	snprintf(key, sizeof(key), "headline.%s", outcome_key(g->outcome));
	s = fill(c, key, names, values, 1);
	copy = strdup(s);
	dsnx_buf_free(&list);
	/* The caller uses it at once; keep it in the fill buffer. */
	dsnx_buf_reset(&c->fill);
	if (copy != NULL) {
		dsnx_buf_append(&c->fill, copy, strlen(copy));
		free(copy);
	}
	return dsnx_buf_str(&c->fill);
}

/* Queue id: a Postfix X-Postfix-Queue-ID field of the report, if any. */
static const char *
queue_id(const dsnx_report *r)
{
	unsigned i;

	for (i = 0; i < dsnx_report_extra_count(r); i++) {
		const dsnx_field *f = dsnx_report_extra(r, i);

		if (strcasecmp(f->name, "X-Postfix-Queue-ID") == 0)
			return f->value;
	}
	return NULL;
}

/* ---------------------------------------------------------- text form */

/* Appends s wrapped at width code points, each line after indent spaces. */
static void
wrap(dsnx_buf *b, const char *s, unsigned indent, unsigned width)
{
	const char *p = s;

	while (*p != '\0') {
		const char *line = p, *brk = NULL, *q = p;
		unsigned cols = indent;

		while (*q != '\0' && cols < width) {
			if (*q == ' ')
				brk = q;
			q += seq_len((unsigned char)*q);
			cols++;
		}
		if (*q != '\0' && brk != NULL && brk > line)
			q = brk;	/* break at the last space */
		for (cols = 0; cols < indent; cols++)
			dsnx_buf_putc(b, ' ');
		dsnx_buf_append(b, line, (size_t)(q - line));
		dsnx_buf_putc(b, '\n');
		p = q;
		while (*p == ' ')
			p++;
	}
}

static void
text_label(ctx *c, dsnx_buf *b, const char *key, const char *value)
{
	dsnx_buf line;
	const char *label = str(c, key);

	if (value == NULL || value[0] == '\0')
		return;
	dsnx_buf_init(&line, 0);
	dsnx_buf_append(&line, label, strlen(label));
	dsnx_buf_append(&line, ": ", 2);
	put_clean(&line, value, DIAG_SHOWN, 0);
	wrap(b, dsnx_buf_str(&line), 4, c->opt->width);
	dsnx_buf_free(&line);
}

static void
text_heading(dsnx_buf *b, const char *s)
{
	dsnx_buf_putc(b, '\n');
	dsnx_buf_append(b, s, strlen(s));
	dsnx_buf_putc(b, '\n');
}

/* The path picture, in text: the broken place between > <. */
static void
text_picture(ctx *c, dsnx_buf *b, const char *who, const char *outcome)
{
	const char *boxes[3] = { str(c, "picture.sender"),
	    str(c, "picture.sending"), str(c, "picture.receiving") };
	int broken = -1, i;

	if (outcome == NULL || strcmp(outcome, "delivered") != 0)
		broken = who == NULL ? -1 : strcmp(who, "sender") == 0 ? 0
		    : strcmp(who, "our-admin") == 0 ? 1 : 2;
	dsnx_buf_append(b, "\n  ", 3);
	for (i = 0; i < 3; i++) {
		if (i > 0)
			dsnx_buf_append(b, " --> ", 5);
		dsnx_buf_append(b, i == broken ? ">>" : "[", i == broken ? 2 : 1);
		dsnx_buf_append(b, boxes[i], strlen(boxes[i]));
		dsnx_buf_append(b, i == broken ? "<<" : "]", i == broken ? 2 : 1);
	}
	dsnx_buf_putc(b, '\n');
	if (broken >= 0) {
		dsnx_buf_append(b, "  (>>...<<: ", 12);
		dsnx_buf_append(b, str(c, "picture.here"),
		    strlen(str(c, "picture.here")));
		dsnx_buf_append(b, ")\n", 2);
	}
}

static void
text_group(ctx *c, dsnx_buf *b, const group *g)
{
	dsnx_cause_text ct;
	dsnx_buf para;
	const char *h;
	unsigned width = c->opt->width;

	memset(&ct, 0, sizeof(ct));
	(void)dsnx_cause_text_get(c->rules, g->cause, c->lang, &ct);
	dsnx_buf_init(&para, 0);
	h = headline(c, g, 0);
	dsnx_buf_append(&para, h, strlen(h));
	dsnx_buf_putc(&para, '.');
	wrap(b, dsnx_buf_str(&para), 0, width);
	dsnx_buf_reset(&para);
	text_heading(b, str(c, "section.what"));
	if (ct.title != NULL) {
		dsnx_buf_append(&para, ct.title, strlen(ct.title));
		dsnx_buf_append(&para, ". ", 2);
	}
	if (ct.summary != NULL)
		dsnx_buf_append(&para, ct.summary, strlen(ct.summary));
	wrap(b, dsnx_buf_str(&para), 2, width);
	text_picture(c, b, ct.who, g->outcome);
	text_heading(b, str(c, "section.arrive"));
	wrap(b, arrive_sentence(c, g), 2, width);
	if (g->outcome == NULL || strcmp(g->outcome, "delivered") != 0) {
		char key[40];

		text_heading(b, str(c, "section.who"));
		snprintf(key, sizeof(key), "who.%s", ct.who ? ct.who : "our-admin");
		wrap(b, str(c, key), 2, width);
		if (ct.sender != NULL) {
			text_heading(b, str(c, "section.todo"));
			wrap(b, ct.sender, 2, width);
		}
	}
	dsnx_buf_free(&para);
}

static void
text_admin(ctx *c, dsnx_buf *b, const group *g, unsigned ngroups)
{
	unsigned i, k;
	char date[64], num[16];

	(void)ngroups;
	for (i = 0; i < g->count; i++) {
		const dsnx_recipient *rc = dsnx_report_recipient(c->report,
		    g->members[i]);
		const dsnx_verdict *v = &c->verdicts[g->members[i]];
		dsnx_code code;

		/* The address behind a label, never alone on a line: bounce
		 * parsers read an indented bare address as a recipient line. */
		dsnx_buf_putc(b, '\n');
		text_label(c, b, "label.recipient", rc->recipient ? rc->recipient
		    : "?");
		text_label(c, b, "label.reporting_mta",
		    dsnx_report_reporting_mta(c->report));
		text_label(c, b, "label.remote_mta", rc->remote_mta);
		if (rc->status != NULL) {
			dsnx_buf st;
			const char *meaning = NULL;

			dsnx_buf_init(&st, 0);
			dsnx_buf_append(&st, rc->status, strlen(rc->status));
			if (dsnx_code_parse(rc->status, strlen(rc->status), &code) == 0)
				meaning = dsnx_code_meaning(&code);
			if (meaning != NULL) {
				dsnx_buf_append(&st, " (", 2);
				dsnx_buf_append(&st, meaning, strlen(meaning));
				dsnx_buf_putc(&st, ')');
			}
			if (rc->reply) {
				snprintf(num, sizeof(num), ", %d", rc->reply);
				dsnx_buf_append(&st, num, strlen(num));
			}
			text_label(c, b, "label.status", dsnx_buf_str(&st));
			dsnx_buf_free(&st);
		}
		text_label(c, b, "label.diagnostic", rc->diagnostic);
		if (rc->has_last_attempt) {
			format_date(c, rc->last_attempt, date, sizeof(date));
			text_label(c, b, "label.last_attempt", date);
		}
		if (rc->has_will_retry_until) {
			format_date(c, rc->will_retry_until, date, sizeof(date));
			text_label(c, b, "label.retry_until", date);
		}
		text_label(c, b, "label.queue_id", queue_id(c->report));
		text_label(c, b, "label.cause", v->cause);
		text_label(c, b, "label.rule", v->rule);
	}
	{
		dsnx_cause_text ct;

		if (dsnx_cause_text_get(c->rules, g->cause, c->lang, &ct) == 0
		    && ct.admin_count > 0) {
			dsnx_buf_append(b, "    ", 4);
			dsnx_buf_append(b, str(c, "label.hints"),
			    strlen(str(c, "label.hints")));
			dsnx_buf_append(b, ":\n", 2);
			for (k = 0; k < ct.admin_count; k++) {
				dsnx_buf item;

				dsnx_buf_init(&item, 0);
				dsnx_buf_append(&item, "- ", 2);
				dsnx_buf_append(&item, ct.admin[k], strlen(ct.admin[k]));
				wrap(b, dsnx_buf_str(&item), 6, c->opt->width);
				dsnx_buf_free(&item);
			}
			for (k = 0; k < ct.reference_count; k++) {
				if (k == 0) {
					dsnx_buf_append(b, "    ", 4);
					dsnx_buf_append(b, str(c, "label.references"),
					    strlen(str(c, "label.references")));
					dsnx_buf_append(b, ":\n", 2);
				}
				dsnx_buf_append(b, "      ", 6);
				dsnx_buf_append(b, ct.references[k],
				    strlen(ct.references[k]));
				dsnx_buf_putc(b, '\n');
			}
		}
	}
}

/* ---------------------------------------------------------- HTML form */

static void
html_put(dsnx_buf *b, const char *s)
{
	dsnx_buf_append(b, s, strlen(s));
}

/* Our own strings are trusted, but escaping them costs nothing and keeps
 * a rule author's '<' from becoming markup. */
static void
html_text(dsnx_buf *b, const char *s)
{
	put_clean(b, s, (size_t)-1, 1);
}

static const char *
color_of(const char *outcome)
{
	if (outcome != NULL && strcmp(outcome, "delayed") == 0)
		return "#9a6700";
	if (outcome != NULL && strcmp(outcome, "delivered") == 0)
		return "#1a7f37";
	return "#b42318";
}

static void
html_picture(ctx *c, dsnx_buf *b, const char *who, const char *outcome)
{
	const char *boxes[3] = { "picture.sender", "picture.sending",
	    "picture.receiving" };
	int broken = -1, i;

	if (outcome == NULL || strcmp(outcome, "delivered") != 0)
		broken = who == NULL ? -1 : strcmp(who, "sender") == 0 ? 0
		    : strcmp(who, "our-admin") == 0 ? 1 : 2;
	html_put(b, "<table role=\"presentation\" cellpadding=\"0\" "
	    "cellspacing=\"0\" style=\"margin:12px 0;border-collapse:collapse;\">"
	    "<tr>");
	for (i = 0; i < 3; i++) {
		if (i > 0)
			html_put(b, "<td style=\"padding:0 6px;font-size:18px;"
			    "color:#57606a;\">&rarr;</td>");
		html_put(b, "<td style=\"padding:8px 10px;font-size:13px;"
		    "text-align:center;border-radius:6px;border:2px solid ");
		html_put(b, i == broken ? "#b42318;background:#fdecea;"
		    "font-weight:bold;" : "#d0d7de;background:#f6f8fa;");
		html_put(b, "\">");
		html_text(b, str(c, boxes[i]));
		if (i == broken) {
			html_put(b, "<br><span style=\"font-size:11px;font-weight:"
			    "normal;color:#b42318;\">");
			html_text(b, str(c, "picture.here"));
			html_put(b, "</span>");
		}
		html_put(b, "</td>");
	}
	html_put(b, "</tr></table>\n");
}

static void
html_h2(dsnx_buf *b, const char *s)
{
	html_put(b, "<h2 style=\"font-size:15px;margin:16px 0 4px;color:#1f2328;\">");
	html_text(b, s);
	html_put(b, "</h2>\n");
}

static void
html_p(dsnx_buf *b, const char *s)
{
	html_put(b, "<p style=\"margin:0 0 8px;font-size:14px;line-height:1.45;\">");
	html_text(b, s);
	html_put(b, "</p>\n");
}

static void
html_group(ctx *c, dsnx_buf *b, const group *g)
{
	dsnx_cause_text ct;

	memset(&ct, 0, sizeof(ct));
	(void)dsnx_cause_text_get(c->rules, g->cause, c->lang, &ct);
	html_put(b, "<div style=\"background:#ffffff;border:1px solid #d0d7de;"
	    "border-radius:6px;padding:16px 20px;margin:0 0 16px;\">\n"
	    "<h1 style=\"font-size:20px;line-height:1.3;margin:0 0 12px;color:");
	html_put(b, color_of(g->outcome));
	html_put(b, ";\">");
	html_put(b, headline(c, g, 1));	/* addresses already escaped */
	html_put(b, "</h1>\n");
	html_put(b, "<p style=\"margin:0 0 8px;font-size:14px;line-height:1.45;\">"
	    "<strong>");
	html_text(b, ct.title ? ct.title : "");
	html_put(b, "</strong><br>");
	html_text(b, ct.summary ? ct.summary : "");
	html_put(b, "</p>\n");
	html_picture(c, b, ct.who, g->outcome);
	html_h2(b, str(c, "section.arrive"));
	html_p(b, arrive_sentence(c, g));
	if (g->outcome == NULL || strcmp(g->outcome, "delivered") != 0) {
		char key[40];

		html_h2(b, str(c, "section.who"));
		snprintf(key, sizeof(key), "who.%s", ct.who ? ct.who : "our-admin");
		html_p(b, str(c, key));
		if (ct.sender != NULL) {
			html_h2(b, str(c, "section.todo"));
			html_p(b, ct.sender);
		}
	}
	html_put(b, "</div>\n");
}

static void
html_row(ctx *c, dsnx_buf *b, const char *key, const char *value)
{
	if (value == NULL || value[0] == '\0')
		return;
	html_put(b, "<tr><td style=\"padding:2px 12px 2px 0;color:#57606a;"
	    "vertical-align:top;white-space:nowrap;\">");
	html_text(b, str(c, key));
	html_put(b, "</td><td style=\"padding:2px 0;font-family:Consolas,Menlo,"
	    "monospace;word-break:break-all;\">");
	put_clean(b, value, DIAG_SHOWN, 1);
	html_put(b, "</td></tr>\n");
}

static void
html_admin(ctx *c, dsnx_buf *b, const group *g)
{
	dsnx_cause_text ct;
	unsigned i, k;
	char date[64];

	for (i = 0; i < g->count; i++) {
		const dsnx_recipient *rc = dsnx_report_recipient(c->report,
		    g->members[i]);
		const dsnx_verdict *v = &c->verdicts[g->members[i]];
		dsnx_code code;
		dsnx_buf st;

		html_put(b, "<p style=\"margin:12px 0 4px;font-weight:bold;\">");
		put_clean(b, rc->recipient ? rc->recipient : "?", 254, 1);
		html_put(b, "</p>\n<table role=\"presentation\" cellpadding=\"0\" "
		    "cellspacing=\"0\" style=\"font-size:12px;border-collapse:"
		    "collapse;\">\n");
		html_row(c, b, "label.reporting_mta",
		    dsnx_report_reporting_mta(c->report));
		html_row(c, b, "label.remote_mta", rc->remote_mta);
		dsnx_buf_init(&st, 0);
		if (rc->status != NULL) {
			const char *meaning = NULL;

			dsnx_buf_append(&st, rc->status, strlen(rc->status));
			if (dsnx_code_parse(rc->status, strlen(rc->status), &code) == 0)
				meaning = dsnx_code_meaning(&code);
			if (meaning != NULL) {
				dsnx_buf_append(&st, " (", 2);
				dsnx_buf_append(&st, meaning, strlen(meaning));
				dsnx_buf_putc(&st, ')');
			}
		}
		html_row(c, b, "label.status", dsnx_buf_str(&st));
		dsnx_buf_free(&st);
		html_row(c, b, "label.diagnostic", rc->diagnostic);
		if (rc->has_last_attempt) {
			format_date(c, rc->last_attempt, date, sizeof(date));
			html_row(c, b, "label.last_attempt", date);
		}
		if (rc->has_will_retry_until) {
			format_date(c, rc->will_retry_until, date, sizeof(date));
			html_row(c, b, "label.retry_until", date);
		}
		html_row(c, b, "label.queue_id", queue_id(c->report));
		html_row(c, b, "label.cause", v->cause);
		html_row(c, b, "label.rule", v->rule);
		html_put(b, "</table>\n");
	}
	if (dsnx_cause_text_get(c->rules, g->cause, c->lang, &ct) == 0
	    && ct.admin_count > 0) {
		html_put(b, "<p style=\"margin:8px 0 2px;\">");
		html_text(b, str(c, "label.hints"));
		html_put(b, "</p><ul style=\"margin:0;padding-left:20px;\">\n");
		for (k = 0; k < ct.admin_count; k++) {
			html_put(b, "<li style=\"margin:0 0 2px;\">");
			html_text(b, ct.admin[k]);
			html_put(b, "</li>\n");
		}
		html_put(b, "</ul>\n");
		if (ct.reference_count > 0) {
			html_put(b, "<p style=\"margin:6px 0 0;color:#57606a;\">");
			html_text(b, str(c, "label.references"));
			html_put(b, ": ");
			for (k = 0; k < ct.reference_count; k++) {
				if (k > 0)
					html_put(b, "; ");
				html_text(b, ct.references[k]);
			}
			html_put(b, "</p>\n");
		}
	}
}

/* ------------------------------------------------------------- driver */

dsnx_status
dsnx_render(const dsnx_ruleset *rules, const dsnx_report *report,
    const dsnx_classification *verdicts, const dsnx_render_options *options,
    dsnx_rendition *out)
{
	group *g;
	dsnx_render_options defaults;
	dsnx_buf text, html;
	ctx c;
	unsigned n, i;
	dsnx_status st = DSNX_OK;

	if (rules == NULL || report == NULL || out == NULL || verdicts == NULL
	    || dsnx_classification_count(verdicts)
	    != dsnx_report_recipient_count(report))
		return DSNX_EINVAL;
	memset(out, 0, sizeof(*out));
	if (options == NULL) {
		dsnx_render_options_init(&defaults);
		options = &defaults;
	}
	if ((g = calloc(GROUPS_MAX, sizeof(*g))) == NULL)
		return DSNX_ENOMEM;
	memset(&c, 0, sizeof(c));
	c.rules = rules;
	c.report = report;
	c.verdicts = dsnx_classification_verdict(verdicts, 0);
	c.opt = options;
	c.lang = options->lang != NULL && dsnx_ruleset_has_lang(rules,
	    options->lang) ? options->lang : "en";
	dsnx_buf_init(&c.fill, 0);
	dsnx_buf_init(&text, 0);
	dsnx_buf_init(&html, 0);

	n = make_groups(&c, g);
	for (i = 0; i < n; i++) {
		if (i > 0)
			dsnx_buf_append(&text, "\n\n", 2);
		text_group(&c, &text, &g[i]);
	}
	text_heading(&text, "");
	text.data[--text.len] = '\0';
	dsnx_buf_append(&text, str(&c, "section.admin"),
	    strlen(str(&c, "section.admin")));
	dsnx_buf_putc(&text, '\n');
	for (i = 0; i < n; i++)
		text_admin(&c, &text, &g[i], n);
	dsnx_buf_append(&text, "\n-- \n", 5);
	wrap(&text, str(&c, "footer"), 0, options->width);

	html_put(&html, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width\"><title>");
	if (n > 0) {
		const char *h = headline(&c, &g[0], 1);

		html_put(&html, h);
	}
	html_put(&html, "</title></head>\n<body style=\"margin:0;padding:0;"
	    "background:#f4f5f7;\">\n<div style=\"max-width:640px;margin:0 auto;"
	    "padding:16px;font-family:Arial,Helvetica,sans-serif;color:#1f2328;\">\n");
	for (i = 0; i < n; i++)
		html_group(&c, &html, &g[i]);
	html_put(&html, "<div style=\"background:#ffffff;border:1px solid #d0d7de;"
	    "border-radius:6px;padding:12px 20px;margin:0 0 16px;font-size:13px;"
	    "color:#1f2328;\">\n");
	html_h2(&html, str(&c, "section.admin"));
	for (i = 0; i < n; i++)
		html_admin(&c, &html, &g[i]);
	html_put(&html, "</div>\n<p style=\"font-size:12px;color:#57606a;"
	    "margin:0;\">");
	html_text(&html, str(&c, "footer"));
	html_put(&html, "</p>\n</div>\n</body></html>\n");

	if (text.overflow || html.overflow || text.data == NULL || html.data == NULL)
		st = DSNX_ENOMEM;
	dsnx_buf_free(&c.fill);
	free(g);
	if (st != DSNX_OK) {
		dsnx_buf_free(&text);
		dsnx_buf_free(&html);
		return st;
	}
	out->text = text.data;
	out->text_len = text.len;
	out->html = html.data;
	out->html_len = html.len;
	return DSNX_OK;
}
