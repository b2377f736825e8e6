/*
 * nonstd.h - bounces without a delivery-status part
 *
 * qmail, Exim, Sendmail's older texts, Exchange 2003, Lotus Notes,
 * Courier, provider bounces: each writes its own prose.  A table of format
 * descriptions (formats.c) says how to recognise each and where its
 * recipients and diagnostics stand; one engine (nonstd.c) applies them.
 * The descriptions are plain data (strings of PCRE2 patterns) so that they
 * can move into rule files without touching the engine.
 */
#ifndef DSNX_NONSTD_H
#define DSNX_NONSTD_H

#include "dsnexplain.h"

typedef struct dsnx_formats dsnx_formats;
struct dsnx_report;

/*
 * One format.  Every pattern is a PCRE2 pattern, compiled caseless and
 * multiline (^ and $ at LF or CRLF line ends); NULL means "not used".  A
 * message is of this format when one of from/subject/header matches
 * (header is tried against each raw header field "Name: value"), or all
 * of those set when gate_all is nonzero, and, if marker is set, marker
 * matches one of the message's text parts.
 *
 * A recipient's stretch of text runs from its recipient match to the next
 * recipient match.  status and diagnostic are looked for in that stretch
 * (diagnostic then in the whole bounce text); capture group 1 is the
 * value (for diagnostic the whole match when there is no group 1).
 */
typedef struct dsnx_format_def {
	const char *name;
	const char *from;       /* the From field, decoded */
	const char *subject;    /* the Subject field, decoded */
	const char *header;     /* any one header field, unfolded */
	const char *marker;     /* the bounce text: where the explanation starts */
	const char *end;        /* the bounce text: where the returned message starts */
	const char *recipient;  /* a recipient line; group 1 holds the address */
	const char *status;     /* group 1: the recipient's status code */
	const char *diagnostic; /* group 1: the recipient's diagnostic text */
	int gate_all;           /* from, subject and header must all match */
	int score_gate;         /* or: the structural score passes (nonstd.c) */
	int transcript;         /* recipients stand in a Sendmail-style session
	                         * transcript (transcript.c) */
} dsnx_format_def;

/* The shipped table, ended by an entry whose name is NULL. */
extern const dsnx_format_def dsnx_format_table[];
/* The From field of an automated bounce sender (mailer-daemon,
 * postmaster, "Mail Delivery System", <>, ...): the one bounce-sender
 * heuristic, used by the formats' gates and by report.c. */
extern const char dsnx_bounce_from_pattern[];
/* The structural detector's patterns (see nonstd.c, "structure"): a
 * bounce's Subject, the lines after which a returned message or its
 * header stands, and failure wording in any MTA's words. */
extern const char dsnx_bounce_subject_pattern[];
extern const char dsnx_returned_pattern[];
extern const char dsnx_failure_wording_pattern[];
/* A forward's separator line and Subject (formats.c says which). */
extern const char dsnx_forward_marker_pattern[];
extern const char dsnx_forward_subject_pattern[];

dsnx_status dsnx_formats_compile(const dsnx_format_def *defs,
    dsnx_formats **out, dsnx_error_t *err);
void dsnx_formats_free(dsnx_formats *formats);
/* Does from (a decoded From field; may be NULL) match
 * dsnx_bounce_from_pattern?  0 also when memory ran out. */
int dsnx_formats_bounce_sender(const dsnx_formats *formats,
    const char *from);
/* Does subject (may be NULL) match dsnx_forward_subject_pattern? */
int dsnx_formats_forward_subject(const dsnx_formats *formats,
    const char *subject);

/*
 * Tries every format on a message that has no delivery-status part.
 * Returns 1 if it recognised a bounce (and filled recipients), 0 if not,
 * -1 when memory ran out.
 */
int dsnx_nonstd_read(const dsnx_formats *formats, struct dsnx_report *report);

#endif
