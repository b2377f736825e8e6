/*
 * inplace.h - our text inside a single-part bounce's own text part
 *
 * Decides whether our plain-text explanation can follow the original
 * text in the one text/plain part of a single-part bounce, in the
 * part's charset and transfer encoding, and which of the part's three
 * MIME fields must say more for it (dsnx_inplace_plan()); then writes
 * the body (dsnx_inplace_write()).  The header block itself is
 * rewrite.c's, which applies the plan's field edits.
 */
#ifndef DSNX_INPLACE_H
#define DSNX_INPLACE_H

#include <stddef.h>
#include "buf.h"
#include "codec.h"
#include "mime.h"

typedef enum dsnx_field_edit {
	DSNX_FIELD_KEEP,
	DSNX_FIELD_ADD,		/* the field is absent: add it */
	DSNX_FIELD_CHANGE	/* its one occurrence gets the new value */
} dsnx_field_edit;

#define DSNX_INPLACE_CTYPE_MAX	1024

typedef struct dsnx_inplace {
	dsnx_field_edit mime_version;		/* KEEP or ADD "1.0" */
	dsnx_field_edit ctype;
	char	ctype_value[DSNX_INPLACE_CTYPE_MAX];
	dsnx_field_edit cte;
	const char *cte_value;			/* "8bit" when not KEEP */
	char	charset[DSNX_CHARSET_NAME_SIZE];	/* our text's, for iconv */
	dsnx_cte encoding;	/* the part's: our text is written in it */
	dsnx_buf text;		/* our text in charset, lines ending '\n' */
	int	lossy;		/* some characters had to become fallbacks */
} dsnx_inplace;

/*
 * Plans our text (UTF-8, len bytes, lines ending in '\n') into part.
 * With may_change 0 no field of the part is changed, only added (a
 * milter the MTA granted no header changes): ours then takes fallbacks
 * where a change would have let it be written whole.  Returns DSNX_OK
 * with *why NULL and *plan filled, or with *why saying why our text
 * cannot go there; DSNX_ENOMEM.  *plan is overwritten, so it must hold
 * nothing (fresh from dsnx_inplace_init(), or freed); it is freed with
 * dsnx_inplace_free() in every case.
 */
dsnx_status dsnx_inplace_plan(const dsnx_mime *mime, const dsnx_part *part,
    const char *text, size_t len, int may_change, dsnx_inplace *plan,
    const char **why);
/* An empty plan, safe to free (it allocates nothing). */
void dsnx_inplace_init(dsnx_inplace *plan);
/* A plan that writes our text as it is, in UTF-8, declaring nothing:
 * for a multipart whose boundary never occurs, read as one text.
 * *plan is overwritten, as by dsnx_inplace_plan(). */
dsnx_status dsnx_inplace_as_is(dsnx_inplace *plan, const char *text,
    size_t len);
void dsnx_inplace_free(dsnx_inplace *plan);

/* Appends to o the part's body, then our text as planned. */
dsnx_status dsnx_inplace_write(dsnx_buf *o, const char *buf,
    const dsnx_part *part, const dsnx_inplace *plan, const char *eol);

#endif
