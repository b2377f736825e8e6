/*
 * NAME
 *	rules_problem - every problem of a rule load, with its position
 * SYNOPSIS
 *	#include "rules_loader.h"
 *
 *	void	dsnx_load_problem(loader *ld, load_at at, const char *fmt, ...)
 *	void	dsnx_load_path(char *out, const char *base, const char *member)
 *	void	dsnx_load_path_index(char *out, const char *base, size_t i)
 * DESCRIPTION
 *	dsnx_load_problem() is the only way a problem found while loading
 *	rules reaches the caller's dsnx_error_fn: an error (counted, so the
 *	set is refused) or a warning, with the file's name and, where the
 *	problem has a place in a file, its line, column and byte offset.
 *
 *	Places are JSON Pointers built with dsnx_load_path() and
 *	dsnx_load_path_index() as the loader walks a file.  jansson keeps
 *	no positions, so the first problem in a file indexes its text
 *	(jsonpos.c); a file without problems is never indexed.  A place
 *	inside a string value (the offset PCRE2 gives for a pattern) is
 *	turned into a column of the raw text, where escapes such as "\\d"
 *	or "\u0041" are longer than what they stand for.
 * LIMITS
 *	Source names and texts are cut to DSNX_ERROR_SOURCE_LENGTH and
 *	DSNX_ERROR_TEXT_LENGTH bytes; paths to LOAD_PATH_MAX.  A path that
 *	does not exist points at its longest existing prefix.  When the
 *	index cannot be built (no memory), the problem goes out without a
 *	position.
 * SEE ALSO
 *	jsonpos.c, ruleset.c, dsnexplain.h (dsnx_error_t).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_loader.h"

/*
 * Columns from the opening quote of the string at off to the byte that
 * decodes to offset erroff of its value: walks the raw literal, so
 * escapes are accounted for.
 */
static size_t
raw_columns(const source *f, size_t off, size_t erroff)
{
	size_t p, decoded = 0;

	for (p = off + 1; p < f->len && f->text[p] != '"' && decoded < erroff; ) {
		if (f->text[p] == '\\' && p + 1 < f->len) {
			if (f->text[p + 1] == 'u' && p + 5 < f->len) {
				unsigned v = (unsigned)strtoul((char[5]){ f->text[p + 2],
				    f->text[p + 3], f->text[p + 4], f->text[p + 5], 0 },
				    NULL, 16);

				decoded += v < 0x80 ? 1 : v < 0x800 ? 2 : 3;
				p += 6;
			} else {
				decoded++;
				p += 2;
			}
		} else {
			decoded++;
			p++;
		}
	}
	return p - off;
}

/* Line, column and offset of at in file f, where they can be found. */
static void
locate(source *f, const load_at *at, dsnx_error_t *err)
{
	int line = 0, col = 0, found;
	size_t off = 0, shift = 0;

	if (f->pos == NULL)
		(void)dsnx_jsonpos_build(f->text, f->len, &f->pos);
	if (f->pos == NULL)
		return;
	found = dsnx_jsonpos_find(f->pos, at->path, at->key, &line, &col, &off);
	if (found < 0)
		return;
	/* Inside a string only when that string itself was found. */
	if (at->in_string && found == 0 && off < f->len && f->text[off] == '"')
		shift = raw_columns(f, off, at->offset);
	err->line = line;
	err->column = col + (int)shift;
	err->position = off + shift;
}

void
dsnx_load_problem(loader *ld, load_at at, const char *fmt, ...)
{
	dsnx_error_t err;
	source *f = NULL;
	va_list ap;

	memset(&err, 0, sizeof(err));
	if (at.name == NULL && at.file < ld->file_count)
		f = &ld->files[at.file];
	if (at.name != NULL || f != NULL)
		snprintf(err.source, sizeof(err.source), "%s",
		    at.name != NULL ? at.name : f->name);
	err.line = at.line;
	err.column = at.column;
	if (f != NULL && at.path != NULL)
		locate(f, &at, &err);
	err.warning = at.warning;
	va_start(ap, fmt);
	vsnprintf(err.text, sizeof(err.text), fmt, ap);
	va_end(ap);
	if (!at.warning)
		ld->errors++;
	if (ld->on_error != NULL)
		ld->on_error(&err, ld->arg);
}

void
dsnx_load_path(char *out, const char *base, const char *member)
{
	snprintf(out, LOAD_PATH_MAX, "%s", base);
	(void)dsnx_jsonpos_append(out, LOAD_PATH_MAX, member);
}

void
dsnx_load_path_index(char *out, const char *base, size_t i)
{
	snprintf(out, LOAD_PATH_MAX, "%s", base);
	(void)dsnx_jsonpos_append_index(out, LOAD_PATH_MAX, i);
}
