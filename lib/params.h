/*
 * params.h - structured MIME header values: Content-Type and parameters
 *
 * Splits "type/subtype; name=value; ..." into its pieces, lower-casing
 * type, subtype and parameter names, unquoting quoted-strings, joining
 * RFC 2231 continuations (name*0=, name*1*=) and decoding RFC 2231
 * charset'language'%XX values to UTF-8.  Also used for
 * Content-Disposition and Content-Transfer-Encoding.  Strings are
 * allocated from the caller's arena.  Tolerant: junk is skipped, never
 * fatal; comments "(...)" are removed.
 */
#ifndef DSNX_PARAMS_H
#define DSNX_PARAMS_H

#include <stddef.h>
#include "arena.h"
#include "dsnexplain.h"

typedef struct dsnx_param {
	const char *name;     /* lower case, without any "*N" or "*" suffix */
	const char *value;    /* decoded, UTF-8 */
	struct dsnx_param *next;
} dsnx_param;

typedef struct dsnx_ctype {
	const char *type;     /* lower case; "" when missing or invalid */
	const char *subtype;  /* lower case; "" when missing or invalid */
	dsnx_param *params;   /* in order of first appearance; NULL if none */
} dsnx_ctype;

/* Parses an unfolded header value (not NUL-terminated).  Returns
 * DSNX_ENOMEM or DSNX_OK; a value that is no type/subtype gives "" / "". */
dsnx_status dsnx_ctype_parse(dsnx_arena *arena, const char *value, size_t len,
    dsnx_ctype *out);
/* The parameter named name (case-insensitive), or NULL. */
const char *dsnx_param_get(const dsnx_param *params, const char *name);
/* Maps a Content-Transfer-Encoding value to its enum (case-insensitive,
 * surrounding whitespace and comments ignored); unknown -> DSNX_CTE_UNKNOWN,
 * empty -> DSNX_CTE_7BIT. */
dsnx_cte dsnx_cte_parse(const char *value, size_t len);

#endif
