/*
 * mime.h - the MIME tree's layout, shared inside the library
 *
 * The public view is the opaque dsnx_mime / dsnx_part of dsnexplain.h.
 * Modules of the library (dsn, nonstd, report) read these structures
 * directly to avoid per-field accessor calls on the hot path.  Nothing
 * outside lib/ includes this file.
 */
#ifndef DSNX_MIME_H
#define DSNX_MIME_H

#include "arena.h"
#include "buf.h"
#include "params.h"
#include "dsnexplain.h"

/* One header field, raw: [start, end) excludes the final line end. */
typedef struct dsnx_hfield {
	size_t start;
	size_t end;
	size_t name_len;    /* bytes of the name, before any space and ':' */
} dsnx_hfield;

struct dsnx_part {
	unsigned index;
	unsigned depth;
	dsnx_part *parent;
	dsnx_part *child;
	dsnx_part *next;
	size_t start;           /* first byte of the header block */
	size_t header_end;      /* end of the last header line's content */
	size_t body_start;      /* first byte after the blank line */
	size_t end;             /* one past the body's last byte */
	unsigned field_first;   /* index into dsnx_mime.fields */
	unsigned field_count;
	const char *type;       /* lower case, defaults applied */
	const char *subtype;
	dsnx_param *params;
	dsnx_cte cte;
	const char *text;       /* decoded UTF-8 body once asked for */
	size_t text_len;
	int text_done;
	int text_cut;           /* the body was longer than max_decoded */
};

struct dsnx_mime {
	const char *buf;
	size_t len;
	dsnx_limits limits;
	dsnx_arena arena;
	dsnx_part **parts;
	unsigned part_count;
	unsigned part_cap;
	dsnx_hfield *fields;
	unsigned field_count;
	unsigned field_cap;
	unsigned errors;
	dsnx_buf scratch;       /* reused for unfolding */
};

/* End of the line at pos in b[0, end) (its CR or LF, or end); *next is
 * where the next line starts.  CRLF, LF and bare CR all end a line. */
size_t dsnx_line_end(const char *b, size_t pos, size_t end, size_t *next);

/* Field i of part, raw; NULL-safe callers check field_count first. */
const dsnx_hfield *dsnx_mime_field(const dsnx_mime *mime,
    const dsnx_part *part, unsigned i);
/* Index (within part) of the first field called name, or -1. */
int dsnx_mime_find_field(const dsnx_mime *mime, const dsnx_part *part,
    const char *name);
/* Unfolds the value of a raw field into out (reset first); leading and
 * trailing white space dropped; capped at limits.max_header_field. */
dsnx_status dsnx_mime_unfold(const dsnx_mime *mime, const dsnx_hfield *field,
    dsnx_buf *out);
/* The value of a raw field, unfolded, RFC 2047 decoded when decode is
 * nonzero, in UTF-8: an arena string of mime, or NULL when memory ran
 * out.  The one decoder of header values (dsnx_part_header_get() too). */
const char *dsnx_mime_field_value(dsnx_mime *mime, const dsnx_hfield *field,
    int decode);
/* Nonzero for the case-insensitive name of field. */
int dsnx_mime_field_is(const dsnx_mime *mime, const dsnx_hfield *field,
    const char *name);

#endif
