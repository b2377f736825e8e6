/*
 * report.h - the report under construction, shared inside the library
 *
 * dsn.c (RFC 3464/6533 fields) and nonstd.c (other bounce formats) fill a
 * dsnx_report through these functions; report.c decides which of them
 * reads a given message and answers the public accessors.  Nothing outside
 * lib/ includes this file.
 */
#ifndef DSNX_REPORT_H
#define DSNX_REPORT_H

#include "arena.h"
#include "buf.h"
#include "dsnexplain.h"
#include "mime.h"
#include "nonstd.h"

struct dsnx_context {
	dsnx_limits limits;
	dsnx_formats *formats;
};

struct dsnx_report {
	const dsnx_context *ctx;
	dsnx_mime *mime;
	dsnx_arena arena;
	int is_dsn;
	const char *format;
	const char *not_dsn_why;
	unsigned flags;
	const char *reporting_mta;
	int reporting_mta_cut;      /* it is the start of a longer field */
	const char *original_envelope_id;
	const char *dsn_gateway;
	const char *received_from_mta;
	const char *arrival_date_raw;
	time_t arrival_date;
	int has_arrival_date;
	dsnx_field *extra;
	unsigned extra_count;
	unsigned extra_cap;
	dsnx_field *headers;        /* the message's own fields, decoded */
	unsigned header_count;
	const char *subject;
	const char *from;
	dsnx_recipient *rcpts;
	dsnx_field **rcpt_extra;    /* rcpts[i].extra, writable while reading */
	unsigned rcpt_count;
	unsigned rcpt_cap;
	const dsnx_part *status_part;
	const dsnx_part *returned_part;
	const dsnx_part *human_part;
	const char *returned_fields[4]; /* Subject, Date, Content-Language,
	                            * Accept-Language of the returned message */
	const char *human_text;     /* its text as read, once known */
	size_t human_len;
	int human_cut;              /* the text is the start of a longer one */
	const char *detection;      /* nonstd.c: the structural signals */
	const char **rcpt_excerpt;  /* per recipient: what the text says of it */
	const char **rcpt_reply;    /* per recipient: diagnostic, reply unwrapped */
	dsnx_buf scratch;
};

/* A new, zeroed recipient at the end of the list; NULL when out of memory
 * or past max_recipients (then DSNX_REPORT_TRUNCATED is set). */
dsnx_recipient *dsnx_report_add(dsnx_report *report);
/* Appends an extension field to the per-message list or to rcpt's
 * (rcpt: NULL, or one of the report's recipients). */
dsnx_status dsnx_report_add_extra(dsnx_report *report, dsnx_recipient *rcpt,
    const char *name, size_t name_len, const char *value, size_t value_len);
/* Arena copy of len bytes, made valid UTF-8 (U+FFFD for bad bytes). */
const char *dsnx_report_text(dsnx_report *report, const char *s, size_t len);
/* Extracts a bare address from "rfc822; <a@b>", "<a@b>", "Name <a@b>",
 * returning an arena string, or NULL when nothing address-like is there
 * (or it is longer than an address can be, or memory ran out). */
const char *dsnx_report_address(dsnx_report *report, const char *s,
    size_t len);
/* Does part hold a returned message or its header?  The one predicate
 * every reader uses (see report.c for the types). */
int dsnx_part_is_returned(const dsnx_part *part);
/* How many returned messages enclose part (0: it is outside them all). */
int dsnx_part_returned_depth(const dsnx_part *part);
/* Sets rcpt's status: the code and its text together, so that
 * rcpt->code is valid whenever rcpt->status is set.  The one place a
 * code is turned into text.  -1 when memory ran out. */
int dsnx_report_set_status(dsnx_report *report, dsnx_recipient *rcpt,
    const dsnx_code *code);
/* The line at *pos of t[0, end) as [*b, *e), without its LF or a CR
 * before it; *pos moves past it.  0 at the end of the text. */
int dsnx_text_line(const char *t, size_t end, size_t *pos, size_t *b,
    size_t *e);

#endif
