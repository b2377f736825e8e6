/*
 * NAME
 *	explanation - what one explained message shows and says, built once
 * SYNOPSIS
 *	#include "dsnexplain.h"
 *
 *	dsnx_status dsnx_explanation_build(rules, report, verdicts,
 *		options, &x)
 *	void dsnx_explanation_free(x)
 *
 *	dsnx_outcome dsnx_explanation_worst(x)
 *	const dsnx_field *dsnx_explanation_field(x, i)
 *	const char *dsnx_explanation_header(x)
 * DESCRIPTION
 *	The one place where the facts of an explanation are derived.  The
 *	recipients of a report are grouped by outcome and cause; those the
 *	match budget left unclassified form groups of their own, with our
 *	own honest sentences instead of a cause's.  Groups are ordered most
 *	severe first (dsnx_outcome_rank), ties in the order their first
 *	member appears in the report.
 *
 *	The language is chosen here, once: the one the options name, or
 *	with "auto" the reader's (dsnx_lang_choose(), lang.c).  The
 *	returned message is named once for the whole explanation: its
 *	Subject (decoded, cleaned, cut after SUBJECT_SHOWN code points) and
 *	its sent date in the reader's zone.
 *
 *	For each group every string to show is made here, in the chosen
 *	language: the headline naming its first members, the cause's
 *	title and summary, whether the mail may still arrive (dates in the
 *	reader's zone), who must act, what the sender can do (by the
 *	outcome known: wait for a delay, send again after the fix for an
 *	expiry, the cause's own advice for a failure and for an expiry the
 *	sender must fix), which place of the path picture is marked, and
 *	for the administrator each shown recipient's facts as label/value rows, the cause's hints and
 *	references.  Text taken from the message is cleaned here, once;
 *	the writers (render_text.c, render_html.c) only lay the model out
 *	and escape for their format.
 *
 *	The summary fields (outcome, status, reason, cause, rule), one
 *	entry per distinct verdict, most severe first, and the language
 *	(lang), are what the X-DSN-Explain field and the milter's log line
 *	carry.  They hold our own tokens, validated status codes and the
 *	rule set's language tags only, never message text.
 *
 *	Sentences come from the rule set (the catalogue and the interface
 *	strings, English standing in); placeholders are filled only in our
 *	own strings, never in text from the message.
 * LIMITS
 *	Every group counts its members exactly, for any number of
 *	recipients; it names and details its first DSNX_EXPLAIN_SHOWN and
 *	says how many more there are.  There is at most one group per
 *	outcome and cause (plus one per outcome for unclassified
 *	recipients), so no more groups than recipients or than outcomes
 *	times causes.  A diagnostic or other field is shown up to
 *	DIAG_SHOWN code points, an address up to ADDRESS_SHOWN, the
 *	returned message's Subject up to SUBJECT_SHOWN.  Control
 *	characters (C0, C1, DEL) and Unicode direction marks, overrides
 *	and isolates are removed from every string shown.  X-DSN-Explain
 *	holds at most DSNX_EXPLAIN_ENTRIES entries and, with its name,
 *	at most EXPLAIN_LINE_MAX characters (later entries are dropped).
 * DIAGNOSTICS
 *	DSNX_ENOMEM, or DSNX_EINVAL for missing or mismatched arguments.
 * SEE ALSO
 *	classify.c (the verdicts), render.c, render_text.c, render_html.c,
 *	rewrite.c.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "explanation.h"

#define DIAG_SHOWN 2000
#define ADDRESS_SHOWN 254
#define SUBJECT_SHOWN 80
#define EXPLAIN_LINE_MAX 900

static const char *const label_keys[XP_LABEL_COUNT] = {
	[XP_SECTION_WHAT] = "section.what",
	[XP_SECTION_ARRIVE] = "section.arrive",
	[XP_SECTION_WHO] = "section.who",
	[XP_SECTION_TODO] = "section.todo",
	[XP_SECTION_ADMIN] = "section.admin",
	[XP_PICTURE_SENDER] = "picture.sender",
	[XP_PICTURE_SENDING] = "picture.sending",
	[XP_PICTURE_RECEIVING] = "picture.receiving",
	[XP_PICTURE_HERE] = "picture.here",
	[XP_LABEL_RECIPIENT] = "label.recipient",
	[XP_LABEL_HINTS] = "label.hints",
	[XP_LABEL_REFERENCES] = "label.references",
	[XP_FOOTER] = "footer",
};

/* What building needs beyond the model itself. */
typedef struct builder {
	dsnx_explanation *x;
	const dsnx_ruleset *rules;
	const dsnx_report *report;
	const dsnx_verdict *verdicts;
	const dsnx_render_options *opt;
	dsnx_buf scratch;
	int nomem;
	const char *reporting_mta;  /* cleaned, shared by every recipient */
	const char *queue_id;       /* likewise */
} builder;

/* ------------------------------------------------------ cleaning text */

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
 * hide or reorder text (direction marks and overrides) or act on a
 * terminal. */
static int
unsafe_cp(unsigned cp)
{
	return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F)
	    || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E)
	    || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x061C || cp == 0xFEFF;
}

/*
 * An arena copy of UTF-8 text (valid: the report guarantees it) without
 * unsafe characters, line ends and tabs made spaces, cut after max code
 * points with an ellipsis.  NULL for NULL.
 */
static const char *
keep(builder *b, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out, *o;
	size_t n = 0;

	if (s == NULL)
		return NULL;
	/* Never longer than the input plus the ellipsis. */
	if ((out = dsnx_arena_alloc(&b->x->arena, strlen(s) + 4)) == NULL) {
		b->nomem = 1;
		return NULL;
	}
	for (o = out; *p != '\0'; ) {
		size_t l = dsnx_utf8_seq_len(*p), k;
		unsigned cp;

		for (k = 1; k < l; k++)
			if (p[k] == '\0')
				goto out;
		if (n++ >= max) {
			memcpy(o, "\xe2\x80\xa6", 3);	/* ... */
			o += 3;
			break;
		}
		cp = decode_cp(p, l);
		if (cp == '\t' || cp == '\r' || cp == '\n')
			*o++ = ' ';
		else if (!unsafe_cp(cp)) {
			memcpy(o, p, l);
			o += l;
		}
		p += l;
	}
out:
	*o = '\0';
	return out;
}

/* ---------------------------------------------------- our own strings */

static const char *
str(builder *b, const char *key)
{
	const char *s = dsnx_ruleset_string(b->rules, b->x->lang, key);

	return s != NULL ? s : key;
}

static const char *
keep_str(builder *b, const char *key)
{
	return keep(b, str(b, key), (size_t)-1);
}

/*
 * Our string for key with {name} placeholders replaced by values (names[i]
 * -> values[i]), kept.  A placeholder without a value is dropped.
 */
static const char *
fill(builder *b, const char *key, const char *const *names,
    const char *const *values, unsigned count)
{
	const char *s = str(b, key), *open, *close;
	unsigned i;

	dsnx_buf_reset(&b->scratch);
	while ((open = strchr(s, '{')) != NULL
	    && (close = strchr(open, '}')) != NULL) {
		dsnx_buf_append(&b->scratch, s, (size_t)(open - s));
		for (i = 0; i < count; i++)
			if (strlen(names[i]) == (size_t)(close - open - 1)
			    && strncmp(names[i], open + 1, (size_t)(close - open - 1))
			    == 0)
				dsnx_buf_append(&b->scratch, values[i], strlen(values[i]));
		s = close + 1;
	}
	dsnx_buf_append(&b->scratch, s, strlen(s));
	if (b->scratch.overflow)
		b->nomem = 1;
	return keep(b, dsnx_buf_str(&b->scratch), (size_t)-1);
}

static const char *
fill_number(builder *b, const char *key, unsigned long n)
{
	const char *names[1] = { "n" };
	char num[24];
	const char *values[1] = { num };

	snprintf(num, sizeof(num), "%lu", n);
	return fill(b, key, names, values, 1);
}

/* "3 days", "5 hours", "40 minutes": the largest unit that fits. */
static const char *
duration(builder *b, long seconds)
{
	static const struct { long unit; const char *one, *many; } units[] = {
		{ 86400, "duration.day", "duration.days" },
		{ 3600, "duration.hour", "duration.hours" },
		{ 60, "duration.minute", "duration.minutes" },
	};
	size_t i;
	long n = 0;

	for (i = 0; i < 3; i++)
		if ((n = seconds / units[i].unit) >= 1 || i == 2)
			break;
	if (n < 1)
		n = 1;
	return n == 1 ? keep_str(b, units[i].one)
	    : fill_number(b, units[i].many, (unsigned long)n);
}

static const char *
date(builder *b, time_t t)
{
	char buf[64];

	dsnx_render_date(b->opt, t, buf, sizeof(buf));
	return keep(b, buf, (size_t)-1);
}

/* ------------------------------------------------------------ groups */

static int
same(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* The group key of recipient i: its outcome, and its cause or none. */
static const char *
cause_key(const dsnx_verdict *v)
{
	if (v->unclassified)
		return NULL;
	return v->cause != NULL ? v->cause : "undetermined";
}

static int
in_group(const xp_group *g, const dsnx_verdict *v)
{
	return g->outcome == v->outcome && g->unclassified == (v->unclassified
	    != 0) && same(g->cause, cause_key(v));
}

/*
 * Sorts recipients into groups, every member counted, the most severe
 * group first.  Groups are found by a linear search: there are few of
 * them (one per outcome and cause at most).
 */
static int
make_groups(builder *b)
{
	dsnx_explanation *x = b->x;
	unsigned n = x->recipients, i, k, *gid, cap = 0, *fillc;
	xp_group *g = NULL, t;

	if ((gid = calloc(n + 1, sizeof(*gid))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		const dsnx_verdict *v = &b->verdicts[i];

		for (k = 0; k < x->group_count; k++)
			if (in_group(&g[k], v))
				break;
		if (k == x->group_count) {
			if (k == cap) {
				xp_group *ng;

				cap = cap ? cap * 2 : 8;
				if ((ng = realloc(g, cap * sizeof(*g))) == NULL)
					goto fail;
				g = ng;
			}
			memset(&g[k], 0, sizeof(g[k]));
			g[k].outcome = v->outcome;
			g[k].unclassified = v->unclassified != 0;
			g[k].cause = cause_key(v);
			x->group_count++;
		}
		g[k].count++;
		gid[i] = k;
	}
	x->groups = dsnx_arena_zalloc(&x->arena, (x->group_count + 1)
	    * sizeof(*g));
	fillc = calloc(x->group_count + 1, sizeof(*fillc));
	if (x->groups == NULL || fillc == NULL) {
		free(fillc);
		goto fail;
	}
	for (k = 0; k < x->group_count; k++) {
		g[k].members = dsnx_arena_alloc(&x->arena, g[k].count
		    * sizeof(unsigned));
		if (g[k].members == NULL) {
			free(fillc);
			goto fail;
		}
	}
	for (i = 0; i < n; i++)
		g[gid[i]].members[fillc[gid[i]]++] = i;
	free(fillc);
	/* Stable insertion sort by severity. */
	for (i = 1; i < x->group_count; i++) {
		t = g[i];
		for (k = i; k > 0 && dsnx_outcome_rank(g[k - 1].outcome)
		    > dsnx_outcome_rank(t.outcome); k--)
			g[k] = g[k - 1];
		g[k] = t;
	}
	if (x->group_count > 0)
		memcpy(x->groups, g, x->group_count * sizeof(*g));
	free(g);
	free(gid);
	return 0;
fail:
	free(g);
	free(gid);
	x->group_count = 0;
	return -1;
}

static const char *
outcome_key(dsnx_outcome o)
{
	const char *name = dsnx_outcome_name(o);

	return name != NULL ? name : "failed";
}

/* Whether the mail may still arrive, as a sentence of ours. */
static const char *
arrive_sentence(builder *b, const xp_group *g)
{
	const dsnx_recipient *rc = dsnx_report_recipient(b->report,
	    g->members[0]);
	time_t start;

	switch (g->outcome) {
	case DSNX_OUTCOME_DELAYED:
		if (rc->has_will_retry_until) {
			const char *names[1] = { "until" };
			const char *values[1];

			if ((values[0] = date(b, rc->will_retry_until)) == NULL)
				return NULL;
			return fill(b, "arrive.delayed.until", names, values, 1);
		}
		return keep_str(b, "arrive.delayed");
	case DSNX_OUTCOME_EXPIRED:
		if (rc->has_last_attempt
		    && dsnx_report_arrival_date(b->report, &start) == 0
		    && rc->last_attempt > start) {
			const char *names[1] = { "duration" };
			const char *values[1];

			if ((values[0] = duration(b, (long)(rc->last_attempt
			    - start))) == NULL)
				return NULL;
			return fill(b, "arrive.expired.after", names, values, 1);
		}
		return keep_str(b, "arrive.expired");
	case DSNX_OUTCOME_DELIVERED:
		return keep_str(b, "arrive.delivered");
	default:
		return keep_str(b, "arrive.failed");
	}
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

static void
add_row(builder *b, xp_facts *f, const char *key, const char *value)
{
	if (value == NULL || value[0] == '\0' || f->row_count == XP_ROWS_MAX)
		return;
	f->rows[f->row_count].label = keep_str(b, key);
	f->rows[f->row_count].value = value;
	f->row_count++;
}

/* "5.1.1 (Bad destination mailbox address), 550" from the parsed code
 * and reply, or NULL when the recipient has no valid status. */
static const char *
status_line(builder *b, const dsnx_recipient *rc)
{
	const char *meaning;
	char line[256], code[16];

	if (rc->status == NULL)
		return NULL;
	dsnx_code_format(&rc->code, code, sizeof(code));
	meaning = dsnx_code_meaning_lang(&rc->code, b->x->lang);
	snprintf(line, sizeof(line), "%s%s%s%s", code, meaning ? " (" : "",
	    meaning ? meaning : "", meaning ? ")" : "");
	if (rc->reply)
		snprintf(line + strlen(line), sizeof(line) - strlen(line), ", %d",
		    rc->reply);
	return keep(b, line, (size_t)-1);
}

static void
make_facts(builder *b, const xp_group *g, xp_facts *f, unsigned index)
{
	const dsnx_recipient *rc = dsnx_report_recipient(b->report, index);
	const dsnx_verdict *v = &b->verdicts[index];

	f->index = index;
	f->recipient = keep(b, rc->recipient ? rc->recipient : "?",
	    ADDRESS_SHOWN);
	add_row(b, f, "label.reporting_mta", b->reporting_mta);
	add_row(b, f, "label.remote_mta", keep(b, rc->remote_mta, DIAG_SHOWN));
	add_row(b, f, "label.status", status_line(b, rc));
	add_row(b, f, "label.diagnostic", keep(b, rc->diagnostic, DIAG_SHOWN));
	if (rc->has_last_attempt)
		add_row(b, f, "label.last_attempt", date(b, rc->last_attempt));
	if (rc->has_will_retry_until)
		add_row(b, f, "label.retry_until", date(b, rc->will_retry_until));
	add_row(b, f, "label.queue_id", b->queue_id);
	add_row(b, f, "label.cause", g->unclassified
	    ? keep_str(b, "unclassified.cause") : keep(b, v->cause, DIAG_SHOWN));
	add_row(b, f, "label.rule", keep(b, v->rule, DIAG_SHOWN));
}

/* Cleaned copies of n catalogue strings. */
static const char **
keep_list(builder *b, const char *const *s, unsigned n)
{
	const char **out;
	unsigned i;

	if (n == 0)
		return NULL;
	if ((out = dsnx_arena_alloc(&b->x->arena, n * sizeof(*out))) == NULL) {
		b->nomem = 1;
		return NULL;
	}
	for (i = 0; i < n; i++)
		out[i] = keep(b, s[i], (size_t)-1);
	return out;
}

/* The headline: "Your message to a, b, +8 could not be delivered". */
static const char *
headline(builder *b, const xp_group *g)
{
	const char *names[1] = { "recipients" };
	const char *values[1];
	char key[40], more[32];
	dsnx_buf list;
	const char *s;
	unsigned i;

	dsnx_buf_init(&list, 0);
	for (i = 0; i < g->shown; i++) {
		if (i > 0)
			dsnx_buf_append(&list, ", ", 2);
		dsnx_buf_append(&list, g->facts[i].recipient,
		    strlen(g->facts[i].recipient));
	}
	if (g->count > g->shown) {
		snprintf(more, sizeof(more), ", +%u", g->count - g->shown);
		dsnx_buf_append(&list, more, strlen(more));
	}
	if (list.overflow)
		b->nomem = 1;
	values[0] = dsnx_buf_str(&list);
	snprintf(key, sizeof(key), "headline.%s", outcome_key(g->outcome));
	s = fill(b, key, names, values, 1);
	dsnx_buf_free(&list);
	return s;
}

/* For a delay: wait, until when when the notice says. */
static const char *
todo_delayed(builder *b, const xp_group *g)
{
	const dsnx_recipient *rc = dsnx_report_recipient(b->report,
	    g->members[0]);
	const char *names[1] = { "until" };
	const char *values[1];

	if (!rc->has_will_retry_until)
		return keep_str(b, "todo.delayed");
	if ((values[0] = date(b, rc->will_retry_until)) == NULL)
		return NULL;
	return fill(b, "todo.delayed.until", names, values, 1);
}

static void
describe(builder *b, xp_group *g)
{
	dsnx_cause_text ct;
	unsigned i;
	int delivered = g->outcome == DSNX_OUTCOME_DELIVERED;

	memset(&ct, 0, sizeof(ct));
	if (!g->unclassified)
		(void)dsnx_cause_text_get(b->rules, g->cause, b->x->lang, &ct);
	g->cause = keep(b, g->cause, (size_t)-1);
	g->shown = g->count < DSNX_EXPLAIN_SHOWN ? g->count : DSNX_EXPLAIN_SHOWN;
	if ((g->facts = dsnx_arena_zalloc(&b->x->arena, (g->shown + 1)
	    * sizeof(*g->facts))) == NULL) {
		b->nomem = 1;
		return;
	}
	for (i = 0; i < g->shown; i++)
		make_facts(b, g, &g->facts[i], g->members[i]);
	if (g->count == g->shown + 1)
		g->more = keep_str(b, "admin.more.one");
	else if (g->count > g->shown)
		g->more = fill_number(b, "admin.more", g->count - g->shown);
	g->headline = headline(b, g);
	g->arrive = arrive_sentence(b, g);
	g->broken = -1;
	if (g->unclassified) {
		/* No rule had its say: no cause, no place to mark, nobody
		 * named to act; only what we know and where to look. */
		g->title = keep_str(b, "unclassified.title");
		g->summary = keep_str(b, "unclassified.summary");
		if (g->outcome == DSNX_OUTCOME_DELAYED)
			g->todo = todo_delayed(b, g);
		else if (!delivered)
			g->todo = keep_str(b, "unclassified.sender");
		g->hints = keep_list(b, (const char *const[]){
		    str(b, "unclassified.hint") }, 1);
		g->hint_count = g->hints != NULL;
		return;
	}
	g->title = keep(b, ct.title, (size_t)-1);
	g->summary = keep(b, ct.summary, (size_t)-1);
	if (!delivered && ct.who != NULL)
		g->broken = strcmp(ct.who, "sender") == 0 ? 0
		    : strcmp(ct.who, "our-admin") == 0 ? 1 : 2;
	if (!delivered) {
		char key[40];

		snprintf(key, sizeof(key), "who.%s",
		    ct.who ? ct.who : "our-admin");
		g->who = keep_str(b, key);
		/* The outcome is known: say what follows from it, rather
		 * than the cause's advice for either case. */
		if (g->outcome == DSNX_OUTCOME_DELAYED)
			g->todo = todo_delayed(b, g);
		else if (g->outcome == DSNX_OUTCOME_EXPIRED && (ct.who == NULL
		    || strcmp(ct.who, "sender") != 0)) {
			/* Sending again needs someone else's fix first; what
			 * the sender must fix, the cause's advice says. */
			snprintf(key, sizeof(key), "todo.expired.%s",
			    ct.who ? ct.who : "our-admin");
			g->todo = keep_str(b, key);
		} else
			g->todo = keep(b, ct.sender, (size_t)-1);
	}
	g->hints = keep_list(b, ct.admin, ct.admin_count);
	g->hint_count = g->hints != NULL ? ct.admin_count : 0;
	g->references = keep_list(b, ct.references, ct.reference_count);
	g->reference_count = g->references != NULL ? ct.reference_count : 0;
}

/*
 * s with every '@' made U+FF20 (FULLWIDTH COMMERCIAL AT), which reads
 * the same.  A subject such as "Re: mail for bob@example.org" moved into
 * our first part would otherwise be read by bounce detectors that scan
 * the first text for addresses as a bounced recipient.
 */
static const char *
no_address(builder *b, const char *s)
{
	size_t n = 0;
	const char *p;
	char *out, *o;

	if (s == NULL || strchr(s, '@') == NULL)
		return s;
	for (p = s; *p != '\0'; p++)
		n += *p == '@';
	if ((out = dsnx_arena_alloc(&b->x->arena, strlen(s) + 2 * n + 1))
	    == NULL) {
		b->nomem = 1;
		return NULL;
	}
	for (o = out, p = s; *p != '\0'; p++)
		if (*p == '@') {
			memcpy(o, "\xef\xbc\xa0", 3);
			o += 3;
		} else
			*o++ = *p;
	*o = '\0';
	return out;
}

/*
 * The sentence that names the returned message: its Subject (decoded,
 * cleaned, cut after SUBJECT_SHOWN code points, no ASCII '@') and the
 * date it was
 * sent, in the reader's zone.  NULL when the notice returned neither.
 */
static const char *
message_sentence(builder *b)
{
	const char *subject = dsnx_report_returned_field(b->report, "Subject");
	const char *sent = dsnx_report_returned_field(b->report, "Date");
	const char *names[2] = { "subject", "date" };
	const char *values[2] = { NULL, NULL };
	time_t t;

	if (subject != NULL) {
		while (*subject == ' ')
			subject++;
		if (*subject != '\0')
			values[0] = no_address(b, keep(b, subject,
			    SUBJECT_SHOWN));
	}
	if (sent != NULL && dsnx_date_parse(sent, strlen(sent), &t) == 0)
		values[1] = date(b, t);
	if (values[0] != NULL && values[1] != NULL)
		return fill(b, "message.subject_date", names, values, 2);
	if (values[0] != NULL)
		return fill(b, "message.subject", names, values, 1);
	if (values[1] != NULL)
		return fill(b, "message.date", names + 1, values + 1, 1);
	return NULL;
}

/* ------------------------------------------------------ summary fields */

/* One distinct verdict of the summary. */
typedef struct entry {
	dsnx_outcome outcome;
	const dsnx_code *code;      /* NULL: no valid status */
	const char *reason, *cause, *rule;
} entry;

static int
same_entry(const entry *a, const entry *z)
{
	return a->outcome == z->outcome && same(a->reason, z->reason)
	    && same(a->cause, z->cause) && same(a->rule, z->rule)
	    && ((a->code == NULL && z->code == NULL) || (a->code != NULL
	    && z->code != NULL && a->code->cls == z->code->cls
	    && a->code->subject == z->code->subject
	    && a->code->detail == z->code->detail));
}

/* Field k (outcome, status, reason, cause, rule) of the first count
 * entries, comma-separated. */
static void
put_field(dsnx_buf *o, const entry *e, unsigned count, unsigned k)
{
	unsigned i;
	char code[16];
	const char *val;

	if (count == 0)	/* no recipients: nothing is known */
		dsnx_buf_append(o, "none", 4);
	for (i = 0; i < count; i++) {
		switch (k) {
		case 0: val = dsnx_outcome_name(e[i].outcome); break;
		case 1: val = e[i].code != NULL ? dsnx_code_format(e[i].code,
		    code, sizeof(code)) : NULL; break;
		case 2: val = e[i].reason; break;
		case 3: val = e[i].cause; break;
		default: val = e[i].rule; break;
		}
		if (i > 0)
			dsnx_buf_putc(o, ',');
		val = val != NULL ? val : "none";
		dsnx_buf_append(o, val, strlen(val));
	}
}

/*
 * The summary: the distinct verdicts in the order the explanation shows
 * them (groups most severe first, members in report order), at most
 * DSNX_EXPLAIN_ENTRIES, as five fields; then the header value made of
 * them, with entries dropped from the end until it fits one line.
 */
static void
summarize(builder *b)
{
	static const char *const names[5] = { "outcome", "status", "reason",
	    "cause", "rule" };
	dsnx_explanation *x = b->x;
	entry e[DSNX_EXPLAIN_ENTRIES];
	unsigned count = 0, gi, m, k, i;
	dsnx_buf *o = &b->scratch;

	for (gi = 0; gi < x->group_count; gi++)
		for (m = 0; m < x->groups[gi].count
		    && count < DSNX_EXPLAIN_ENTRIES; m++) {
			unsigned idx = x->groups[gi].members[m];
			const dsnx_recipient *rc = dsnx_report_recipient(b->report,
			    idx);
			const dsnx_verdict *v = &b->verdicts[idx];
			entry c = { v->outcome, rc->status ? &rc->code : NULL,
			    v->reason, v->cause, v->rule };

			for (i = 0; i < count; i++)
				if (same_entry(&e[i], &c))
					break;
			if (i == count)
				e[count++] = c;
		}
	for (;;) {
		dsnx_buf_reset(o);
		dsnx_buf_append(o, "v=1", 3);
		for (k = 0; k < 5; k++) {
			dsnx_buf_append(o, "; ", 2);
			dsnx_buf_append(o, names[k], strlen(names[k]));
			dsnx_buf_putc(o, '=');
			put_field(o, e, count, k);
		}
		dsnx_buf_append(o, "; lang=", 7);
		dsnx_buf_append(o, x->lang, strlen(x->lang));
		if (count <= 1 || o->len + sizeof("X-DSN-Explain: ")
		    <= EXPLAIN_LINE_MAX)
			break;
		count--;
	}
	if (o->overflow || (x->header = dsnx_arena_strdup(&x->arena,
	    dsnx_buf_str(o))) == NULL) {
		b->nomem = 1;
		return;
	}
	for (k = 0; k < 5; k++) {
		dsnx_buf_reset(o);
		put_field(o, e, count, k);
		x->fields[k].name = names[k];
		if (o->overflow || (x->fields[k].value = dsnx_arena_strdup(
		    &x->arena, dsnx_buf_str(o))) == NULL) {
			b->nomem = 1;
			return;
		}
	}
	x->fields[5].name = "lang";
	x->fields[5].value = x->lang;
	x->field_count = 6;
}

/* ------------------------------------------------------------ driver */

dsnx_status
dsnx_explanation_build(const dsnx_ruleset *rules, const dsnx_report *report,
    const dsnx_classification *verdicts, const dsnx_render_options *options,
    dsnx_explanation **out)
{
	dsnx_render_options defaults;
	dsnx_explanation *x;
	builder b;
	unsigned i;
	char chosen[16];

	if (out == NULL)
		return DSNX_EINVAL;
	*out = NULL;
	if (rules == NULL || report == NULL || verdicts == NULL
	    || dsnx_classification_count(verdicts)
	    != dsnx_report_recipient_count(report))
		return DSNX_EINVAL;
	if (options == NULL) {
		dsnx_render_options_init(&defaults);
		options = &defaults;
	}
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return DSNX_ENOMEM;
	dsnx_arena_init(&x->arena);
	if (options->lang != NULL && strcmp(options->lang, "auto") == 0)
		x->lang_source = dsnx_lang_choose(rules, report,
		    options->fallback_lang, chosen, sizeof(chosen));
	else {
		x->lang_source = DSNX_LANG_CONFIGURED;
		snprintf(chosen, sizeof(chosen), "%s", options->lang != NULL
		    && dsnx_ruleset_has_lang(rules, options->lang)
		    ? options->lang : "en");
	}
	x->lang = dsnx_arena_strdup(&x->arena, chosen);
	x->width = options->width;
	x->recipients = dsnx_report_recipient_count(report);
	x->worst = dsnx_classification_worst(verdicts);
	x->limit_hits = dsnx_classification_limit_hits(verdicts);
	x->unclassified = dsnx_classification_unclassified(verdicts);
	memset(&b, 0, sizeof(b));
	b.x = x;
	b.rules = rules;
	b.report = report;
	b.verdicts = dsnx_classification_verdict(verdicts, 0);
	b.opt = options;
	dsnx_buf_init(&b.scratch, 0);
	if (x->lang == NULL || make_groups(&b) != 0)
		goto nomem;
	for (i = 0; i < XP_LABEL_COUNT; i++)
		x->label[i] = keep_str(&b, label_keys[i]);
	b.reporting_mta = keep(&b, dsnx_report_reporting_mta(report),
	    DIAG_SHOWN);
	b.queue_id = keep(&b, queue_id(report), DIAG_SHOWN);
	x->message = message_sentence(&b);
	for (i = 0; i < x->group_count && !b.nomem; i++)
		describe(&b, &x->groups[i]);
	if (!b.nomem)
		summarize(&b);
	if (b.nomem)
		goto nomem;
	dsnx_buf_free(&b.scratch);
	*out = x;
	return DSNX_OK;
nomem:
	dsnx_buf_free(&b.scratch);
	dsnx_explanation_free(x);
	return DSNX_ENOMEM;
}

void
dsnx_explanation_free(dsnx_explanation *x)
{
	if (x == NULL)
		return;
	dsnx_arena_free(&x->arena);
	free(x);
}

unsigned
dsnx_explanation_recipient_count(const dsnx_explanation *x)
{
	return x->recipients;
}

dsnx_outcome
dsnx_explanation_worst(const dsnx_explanation *x)
{
	return x->worst;
}

unsigned
dsnx_explanation_group_count(const dsnx_explanation *x)
{
	return x->group_count;
}

unsigned
dsnx_explanation_limit_hits(const dsnx_explanation *x)
{
	return x->limit_hits;
}

unsigned
dsnx_explanation_unclassified(const dsnx_explanation *x)
{
	return x->unclassified;
}

unsigned
dsnx_explanation_field_count(const dsnx_explanation *x)
{
	return x->field_count;
}

const dsnx_field *
dsnx_explanation_field(const dsnx_explanation *x, unsigned i)
{
	return i < x->field_count ? &x->fields[i] : NULL;
}

const char *
dsnx_explanation_header(const dsnx_explanation *x)
{
	return x->header;
}

const char *
dsnx_explanation_lang(const dsnx_explanation *x)
{
	return x->lang;
}

dsnx_lang_source
dsnx_explanation_lang_source(const dsnx_explanation *x)
{
	return x->lang_source;
}
