/*
 * jsonpos.h - where each value of a JSON text stands (line and column)
 *
 * jansson keeps no source positions in loaded values, yet a rule author
 * needs "file:line:col" for an error found after parsing (an unknown
 * field, a bad pattern).  This index is built from the raw text on demand,
 * only when an error must be reported, and maps JSON Pointer paths (RFC
 * 6901: "/rules/3/when/status", "" for the root) to positions.  It assumes
 * the text is valid JSON (jansson accepted it); on anything else it stops
 * indexing where the text goes wrong.  No global state.
 */
#ifndef DSNX_JSONPOS_H
#define DSNX_JSONPOS_H

#include <stddef.h>
#include "dsnexplain.h"

typedef struct dsnx_jsonpos dsnx_jsonpos;

/* Indexes len bytes of JSON text.  DSNX_ENOMEM or DSNX_OK. */
dsnx_status dsnx_jsonpos_build(const char *text, size_t len,
    dsnx_jsonpos **out);
void dsnx_jsonpos_free(dsnx_jsonpos *pos);

/*
 * Position (1-based line and column, in bytes; and byte offset) of the
 * value at path, or with key nonzero of the member name that introduces it
 * (for an array element, key is ignored).  Returns 0, or -1 when the path
 * does not exist; then the longest existing prefix of the path is used and
 * 1 is returned, so an error can still point near its place.
 */
int dsnx_jsonpos_find(const dsnx_jsonpos *pos, const char *path, int key,
    int *line, int *column, size_t *offset);

/* Appends the RFC 6901 escaped form of a member name ('~' -> "~0",
 * '/' -> "~1") to a path buffer of size bytes; returns 0, or -1 if it did
 * not fit (buffer left NUL-terminated). */
int dsnx_jsonpos_append(char *path, size_t size, const char *member);
/* Appends "/N". */
int dsnx_jsonpos_append_index(char *path, size_t size, size_t index);

#endif
