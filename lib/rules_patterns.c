/*
 * NAME
 *	rules_patterns - named patterns a rule file defines, and the
 *	"(?&name)" that use them
 * SYNOPSIS
 *	#include "rules_loader.h"
 *
 *	void	dsnx_load_patterns(loader *ld, unsigned file, json_t *patterns)
 *	const char *dsnx_load_expand(loader *ld, unsigned file,
 *		const char *path, const char *pattern, int *expanded)
 *	void	dsnx_load_patterns_free(loader *ld)
 * DESCRIPTION
 *	A rule file's "patterns" member names pieces of pattern that several
 *	rules share (a family of wording, a word boundary), so that the piece
 *	has one owner.  A rule pattern uses one with PCRE2's own spelling of
 *	a call, "(?&name)"; the loader writes the definition in its place as
 *	a non-capturing group before the pattern is compiled, so matching,
 *	the literal prefilter and "explain" see the pattern as if it had been
 *	written out.  A definition is visible to the rules of its own file
 *	and of every file loaded after it (the shipped files in name order,
 *	then the site files), and may itself use the definitions before it.
 *
 *	dsnx_load_patterns() checks and keeps one file's definitions: a name
 *	is [a-z_][a-z0-9_]* of at most DSNX_PATTERN_NAME_MAX bytes, defined
 *	once in the whole set, and its pattern must compile on its own; every
 *	problem goes out through dsnx_load_problem() at the definition.
 *
 *	dsnx_load_expand() returns pattern with every "(?&name)" of a defined
 *	name written out, kept in the set's arena, and sets *expanded; or
 *	pattern itself when it uses none.  A "(?&name)" of a name that is not
 *	defined stays as it is: it is PCRE2's call of a group of the pattern,
 *	or PCRE2 reports it.  Escapes, \Q...\E and character classes are
 *	skipped, so "\(?&x)" and "[(?&x)]" are left alone.  It returns NULL
 *	when the result would be longer than DSNX_PATTERN_EXPANDED_MAX
 *	(reported at path of file), or memory ran out (ld->oom).
 * LIMITS
 *	DSNX_PATTERN_NAME_MAX, DSNX_PATTERN_EXPANDED_MAX (rules_loader.h).
 *	Groups inside a definition are numbered in the pattern that uses it
 *	like any other group.
 * SEE ALSO
 *	rules_compile.c (which compiles the expanded pattern), pcre2pattern(3)
 *	("Subroutine calls").
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "rules_loader.h"

static int
valid_name(const char *s)
{
	size_t i;

	if (s[0] == '\0' || strlen(s) > DSNX_PATTERN_NAME_MAX
	    || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')
		    || s[i] == '_'))
			return 0;
	return 1;
}

static const named_pattern *
find_pattern(const loader *ld, const char *name, size_t len)
{
	unsigned i;

	for (i = 0; i < ld->pattern_count; i++)
		if (strlen(ld->patterns[i].name) == len
		    && memcmp(ld->patterns[i].name, name, len) == 0)
			return &ld->patterns[i];
	return NULL;
}

/* The end of a character class that opens at p[0] == '['. */
static const char *
class_end(const char *p)
{
	p++;
	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	while (*p != '\0' && *p != ']') {
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '[' && p[1] == ':') {
			const char *e = strstr(p + 2, ":]");

			if (e != NULL)
				p = e + 1;
		}
		p++;
	}
	return p;
}

const char *
dsnx_load_expand(loader *ld, unsigned file, const char *path,
    const char *pattern, int *expanded)
{
	dsnx_buf out;
	const char *p, *copied = pattern, *kept;

	*expanded = 0;
	if (strstr(pattern, "(?&") == NULL || ld->pattern_count == 0)
		return pattern;
	dsnx_buf_init(&out, DSNX_PATTERN_EXPANDED_MAX);
	for (p = pattern; *p != '\0'; p++) {
		const named_pattern *np;
		size_t n;

		if (*p == '\\' && p[1] == 'Q') {
			const char *e = strstr(p + 2, "\\E");

			if (e == NULL)
				break;
			p = e + 1;
			continue;
		}
		if (*p == '\\') {
			if (p[1] == '\0')
				break;
			p++;
			continue;
		}
		if (*p == '[') {
			p = class_end(p);
			if (*p == '\0')
				break;
			continue;
		}
		if (strncmp(p, "(?&", 3) != 0)
			continue;
		n = strspn(p + 3, "abcdefghijklmnopqrstuvwxyz0123456789_");
		if (p[3 + n] != ')' || (np = find_pattern(ld, p + 3, n)) == NULL)
			continue;
		dsnx_buf_append(&out, copied, (size_t)(p - copied));
		dsnx_buf_append(&out, "(?:", 3);
		dsnx_buf_append(&out, np->body, strlen(np->body));
		dsnx_buf_append(&out, ")", 1);
		p += 3 + n;
		copied = p + 1;
		*expanded = 1;
	}
	if (!*expanded) {
		dsnx_buf_free(&out);
		return pattern;
	}
	dsnx_buf_append(&out, copied, strlen(copied));
	if (out.overflow) {
		/* cut short below the limit: memory ran out */
		if (out.len < DSNX_PATTERN_EXPANDED_MAX)
			ld->oom = 1;
		else
			dsnx_load_problem(ld, LOAD_AT(file, path), "pattern is "
			    "longer than %d bytes with its (?&name) written out",
			    DSNX_PATTERN_EXPANDED_MAX);
		dsnx_buf_free(&out);
		return NULL;
	}
	kept = dsnx_load_keep(ld, dsnx_buf_str(&out));
	dsnx_buf_free(&out);
	return kept;
}

void
dsnx_load_patterns(loader *ld, unsigned file, json_t *patterns)
{
	const char *name;
	json_t *v;
	char path[LOAD_PATH_MAX];

	if (!json_is_object(patterns)) {
		dsnx_load_problem(ld, LOAD_AT(file, "/patterns"),
		    "\"patterns\" must be an object of named patterns");
		return;
	}
	json_object_foreach(patterns, name, v) {
		const named_pattern *old;
		const char *body;
		pcre2_code *re;
		int expanded;

		dsnx_load_path(path, "/patterns", name);
		if (!valid_name(name)) {
			dsnx_load_problem(ld, LOAD_KEY(file, path), "bad pattern "
			    "name \"%s\" (lower-case letters, digits and '_', not "
			    "starting with a digit, at most %d bytes)", name,
			    DSNX_PATTERN_NAME_MAX);
			continue;
		}
		if ((old = find_pattern(ld, name, strlen(name))) != NULL) {
			dsnx_load_problem(ld, LOAD_KEY(file, path), "duplicate "
			    "pattern name \"%s\" (first defined in %s)", name,
			    ld->files[old->file].name);
			continue;
		}
		if (!json_is_string(v)) {
			dsnx_load_problem(ld, LOAD_AT(file, path),
			    "pattern \"%s\" must be a string", name);
			continue;
		}
		body = dsnx_load_expand(ld, file, path, json_string_value(v),
		    &expanded);
		if (body != NULL && !expanded)
			body = dsnx_load_keep(ld, body);
		if (body == NULL) {
			if (ld->oom)
				return;
			continue;
		}
		if ((re = dsnx_load_compile(ld, file, path, body, expanded))
		    == NULL)
			continue;
		pcre2_code_free(re);
		if (ld->pattern_count == ld->pattern_cap) {
			unsigned cap = ld->pattern_cap ? ld->pattern_cap * 2 : 16;
			named_pattern *np = realloc(ld->patterns,
			    cap * sizeof(*np));

			if (np == NULL) {
				ld->oom = 1;
				return;
			}
			ld->patterns = np;
			ld->pattern_cap = cap;
		}
		strcpy(ld->patterns[ld->pattern_count].name, name);
		ld->patterns[ld->pattern_count].body = body;
		ld->patterns[ld->pattern_count].file = file;
		ld->pattern_count++;
	}
}

void
dsnx_load_patterns_free(loader *ld)
{
	free(ld->patterns);
	ld->patterns = NULL;
	ld->pattern_count = ld->pattern_cap = 0;
}
