/*
 * explanation.h - the explanation model, shared by its writers
 *
 * explanation.c builds a dsnx_explanation once per message: the groups
 * of recipients, their true counts, the worst outcome, and every string
 * the reader and the administrator are shown, already filled in and
 * cleaned of control and direction characters.  render_text.c and
 * render_html.c only lay it out; rewrite.c and the milter's log line
 * read its summary fields.  Nothing outside lib/ (and its tests)
 * includes this file.
 */
#ifndef DSNX_EXPLANATION_H
#define DSNX_EXPLANATION_H

#include <time.h>

#include "arena.h"
#include "buf.h"
#include "dsnexplain.h"

/* Length of the UTF-8 sequence that starts with byte c (1 for junk). */
static inline size_t
dsnx_utf8_seq_len(unsigned char c)
{
	return c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* Our user-interface strings a writer lays out (headings, labels). */
enum dsnx_xp_label {
	XP_SECTION_WHAT, XP_SECTION_ARRIVE, XP_SECTION_WHO, XP_SECTION_TODO,
	XP_SECTION_ADMIN, XP_PICTURE_SENDER, XP_PICTURE_SENDING,
	XP_PICTURE_RECEIVING, XP_PICTURE_HERE, XP_LABEL_RECIPIENT,
	XP_LABEL_HINTS, XP_LABEL_REFERENCES, XP_FOOTER,
	XP_LABEL_COUNT
};

/* One line of an administrator's facts: our label, a cleaned value. */
typedef struct xp_row {
	const char *label;
	const char *value;
} xp_row;

/* Reporting MTA, remote MTA, status, diagnostic, two dates, queue id,
 * cause, rule. */
#define XP_ROWS_MAX 9

/* The facts of one recipient, in the order they are shown. */
typedef struct xp_facts {
	unsigned index;            /* in the report */
	const char *recipient;     /* cleaned address, "?" when unknown */
	xp_row rows[XP_ROWS_MAX];  /* only those with a value */
	unsigned row_count;
} xp_facts;

/* The recipients that share an outcome and a cause (or that were left
 * unclassified together). */
typedef struct xp_group {
	dsnx_outcome outcome;
	const char *cause;         /* catalogue key; "undetermined" when no
	                            * rule matched; NULL when unclassified */
	int unclassified;          /* the match budget ran out first */
	unsigned count;            /* members, exactly */
	unsigned *members;         /* count report indices, in report order */
	unsigned shown;            /* named and detailed: the first shown */
	const char *headline;      /* names the shown, "+N" for the rest */
	const char *title;         /* NULL when the catalogue has none */
	const char *summary;       /* NULL likewise */
	int broken;                /* path picture: -1 nothing marked, 0 the
	                            * sender, 1 the sending system, 2 the
	                            * recipient's system */
	const char *arrive;        /* will it still arrive */
	const char *who;           /* who must act; NULL: no such section */
	const char *todo;          /* what the sender can do; NULL: none */
	xp_facts *facts;           /* shown entries */
	const char *more;          /* the members not detailed; NULL: none */
	const char **hints;        /* for the administrator */
	unsigned hint_count;
	const char **references;
	unsigned reference_count;
} xp_group;

struct dsnx_explanation {
	dsnx_arena arena;          /* every string and array below */
	const char *lang;          /* of every string of ours below */
	dsnx_lang_source lang_source;
	const char *message;       /* names the returned message (its Subject
	                            * and date); NULL when neither is known */
	unsigned width;            /* of the text rendition */
	unsigned recipients;
	dsnx_outcome worst;
	unsigned limit_hits;
	unsigned unclassified;
	xp_group *groups;          /* most severe first */
	unsigned group_count;
	const char *label[XP_LABEL_COUNT];
	dsnx_field fields[6];      /* outcome, status, reason, cause, rule,
	                            * lang */
	unsigned field_count;
	const char *header;        /* "v=1; outcome=..." */
};

/*
 * A date as the reader is shown it, in the zone of the render options
 * (render.c: the one place dates are formatted for reading).
 */
void dsnx_render_date(const dsnx_render_options *options, time_t t,
    char *buf, size_t size);

/* The writers: append the rendition of x to out.  DSNX_ENOMEM when out
 * overflowed. */
dsnx_status dsnx_render_text(const dsnx_explanation *x, dsnx_buf *out);
dsnx_status dsnx_render_html(const dsnx_explanation *x, dsnx_buf *out);

#endif
