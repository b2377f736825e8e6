/*
 * NAME
 *	rules_compile - a condition's values in the form matching uses
 * SYNOPSIS
 *	#include "rules_loader.h"
 *
 *	void	dsnx_load_pattern(loader *ld, unsigned file, const char *path,
 *		condition *c, const char *pattern)
 *	pcre2_code *dsnx_load_compile(loader *ld, unsigned file,
 *		const char *path, const char *pattern, int expanded)
 *	int	dsnx_status_pattern_parse(const char *s, status_pat *out)
 *	int	dsnx_reply_pattern_parse(const char *s, char out[4])
 *	pcre2_match_context *dsnx_load_match_context(void)
 *
 *	#include "rules.h"
 *
 *	void	dsnx_regex_jit(pcre2_code *re)
 * DESCRIPTION
 *	dsnx_load_pattern() writes out the pattern's uses of named patterns
 *	(rules_patterns.c), compiles it with PCRE2, caseless, multi-line
 *	and UTF-8 (dsnx_load_compile(), which also reports a pattern that
 *	does not compile), and JIT-compiles it; the
 *	loader keeps every compiled pattern in the set so that it is freed
 *	with the set, whether a rule uses it or a site rule replaced it.  A
 *	pattern that does not compile is reported with PCRE2's message at
 *	the byte of the pattern string PCRE2 names.
 *
 *	dsnx_status_pattern_parse() reads "5.1.1", "4.7.*", "*.4.7" or
 *	"none"; dsnx_reply_pattern_parse() reads "550", "55*", "4**" or
 *	"none".  Both return 0, or -1 for anything else; the caller
 *	reports.
 *
 *	dsnx_load_match_context() makes the match context every rule
 *	pattern runs under.  dsnx_regex_jit() JIT-compiles a pattern, except
 *	under valgrind, whose memcheck reports JIT code reading whole words
 *	past the subject; the non-standard formats' patterns use it too.
 * LIMITS
 *	RULE_MATCH_LIMIT, RULE_DEPTH_LIMIT and RULE_HEAP_LIMIT_KB (rules.h)
 *	for every match.  Status classes 2, 4 and 5 only; a status part has
 *	at most three digits.
 * SEE ALSO
 *	match.c (where the patterns run), nonstd.c, pcre2api(3).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "rules_loader.h"

#ifdef HAVE_VALGRIND_VALGRIND_H
#include <valgrind/valgrind.h>
#define UNDER_VALGRIND() RUNNING_ON_VALGRIND
#else
#define UNDER_VALGRIND() 0
#endif

void
dsnx_regex_jit(pcre2_code *re)
{
	if (!UNDER_VALGRIND())
		(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
}

pcre2_match_context *
dsnx_load_match_context(void)
{
	pcre2_match_context *mctx = pcre2_match_context_create(NULL);

	if (mctx == NULL)
		return NULL;
	pcre2_set_match_limit(mctx, RULE_MATCH_LIMIT);
	pcre2_set_depth_limit(mctx, RULE_DEPTH_LIMIT);
	pcre2_set_heap_limit(mctx, RULE_HEAP_LIMIT_KB);
	return mctx;
}

/* The set owns every compiled pattern; 0, or -1 when out of memory. */
static int
keep_code(dsnx_ruleset *set, pcre2_code *re)
{
	if (set->code_count == set->code_cap) {
		unsigned cap = set->code_cap ? set->code_cap * 2 : 256;
		pcre2_code **v = realloc(set->codes, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		set->codes = v;
		set->code_cap = cap;
	}
	set->codes[set->code_count++] = re;
	return 0;
}

/*
 * Does the pattern assert anything about text around a position: a
 * lookahead or lookbehind ("(?=", "(?!", "(?<=", "(?<!") or an
 * alphabetic assertion or group ("(*pla:", "(*napla:", "(*atomic:",
 * ...; all lower case, unlike the verbs)?  A lookahead may read up to
 * the end of a value, so on a value that was cut it could see "nothing
 * follows" where the field went on (see match.c).  Read lexically:
 * escapes, \Q...\E and character classes are skipped; anything it is
 * unsure of (a comment of (?x) mode) counts as yes, the safe side.
 */
static int
looks_around(const char *p)
{
	for (; *p != '\0'; p++) {
		if (p[0] == '\\') {
			if (p[1] == 'Q') {
				const char *e = strstr(p + 2, "\\E");

				if (e == NULL)
					return 0;
				p = e + 1;
			} else if (p[1] != '\0')
				p++;
			continue;
		}
		if (p[0] == '[') {
			/* A class: ']' first (after '^') is a member. */
			p++;
			if (*p == '^')
				p++;
			if (*p == ']')
				p++;
			for (; *p != '\0' && *p != ']'; p++) {
				if (p[0] == '\\' && p[1] != '\0')
					p++;
				else if (p[0] == '[' && p[1] == ':') {
					const char *e = strstr(p + 2, ":]");

					if (e != NULL)
						p = e + 1;
				}
			}
			if (*p == '\0')
				return 0;
			continue;
		}
		if (p[0] != '(')
			continue;
		if (p[1] == '?' && (p[2] == '=' || p[2] == '!'
		    || (p[2] == '<' && (p[3] == '=' || p[3] == '!'))))
			return 1;
		if (p[1] == '*' && p[2] >= 'a' && p[2] <= 'z')
			return 1;
	}
	return 0;
}

pcre2_code *
dsnx_load_compile(loader *ld, unsigned file, const char *path,
    const char *pattern, int expanded)
{
	int code;
	PCRE2_SIZE off;
	PCRE2_UCHAR msg[160];
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern,
	    PCRE2_ZERO_TERMINATED, PCRE2_CASELESS | PCRE2_MULTILINE
	    | PCRE2_UTF, &code, &off, NULL);

	if (re != NULL)
		return re;
	pcre2_get_error_message(code, msg, sizeof(msg));
	/* PCRE2's offset is into what was compiled; only without named
	 * patterns written out is that the string in the file. */
	if (expanded)
		dsnx_load_problem(ld, LOAD_AT(file, path), "bad pattern: %s (at "
		    "offset %zu of the pattern with its (?&name) written out)",
		    (char *)msg, (size_t)off);
	else
		dsnx_load_problem(ld, (load_at){ .file = file, .path = path,
		    .in_string = 1, .offset = off },
		    "bad pattern: %s (at offset %zu)", (char *)msg, (size_t)off);
	return NULL;
}

void
dsnx_load_pattern(loader *ld, unsigned file, const char *path, condition *c,
    const char *pattern)
{
	int expanded;
	const char *full = dsnx_load_expand(ld, file, path, pattern,
	    &expanded);

	if (full == NULL)
		return;
	c->pattern = expanded ? full : dsnx_load_keep(ld, pattern);
	c->looks_around = looks_around(full);
	if ((c->re = dsnx_load_compile(ld, file, path, full, expanded)) == NULL)
		return;
	if (keep_code(ld->set, c->re) != 0) {
		pcre2_code_free(c->re);
		c->re = NULL;
		ld->oom = 1;
		return;
	}
	dsnx_regex_jit(c->re);
}

int
dsnx_status_pattern_parse(const char *s, status_pat *out)
{
	short part[3];
	int i;
	const char *p = s;

	memset(out, 0, sizeof(*out));
	if (strcmp(s, "none") == 0) {
		out->none = 1;
		return 0;
	}
	for (i = 0; i < 3; i++) {
		if (*p == '*') {
			part[i] = -1;
			p++;
		} else {
			int v = 0, d = 0;

			while (*p >= '0' && *p <= '9' && d < 4) {
				v = v * 10 + (*p++ - '0');
				d++;
			}
			if (d == 0 || d > 3)
				return -1;
			part[i] = (short)v;
		}
		if (i < 2 && *p++ != '.')
			return -1;
	}
	if (*p != '\0')
		return -1;
	if (part[0] != -1 && part[0] != 2 && part[0] != 4 && part[0] != 5)
		return -1;
	out->cls = part[0];
	out->subject = part[1];
	out->detail = part[2];
	return 0;
}

int
dsnx_reply_pattern_parse(const char *s, char out[4])
{
	int i;

	if (strcmp(s, "none") == 0) {
		out[0] = '\0';
		return 0;
	}
	if (strlen(s) != 3)
		return -1;
	for (i = 0; i < 3; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '*'))
			return -1;
	if (s[0] != '*' && (s[0] < '2' || s[0] > '5'))
		return -1;
	memcpy(out, s, 4);
	return 0;
}
