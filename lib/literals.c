/*
 * NAME
 *	literals - text that every match of a pattern must contain
 * SYNOPSIS
 *	#include "literals.h"
 *
 *	void	dsnx_pattern_literals(const char *pattern, literal_set *out)
 *	size_t	dsnx_pattern_literal(const char *pattern, char *buf,
 *		size_t size)
 * DESCRIPTION
 *	Reads a PCRE2 pattern as text, without compiling it, and finds
 *	literals such that every subject the pattern matches contains at
 *	least one of them, lower-cased (ASCII).  The rule index gives each
 *	text condition these literals, and the prefilter skips a rule whose
 *	literals do not occur in the field (rules_index.c, match.c).
 *
 *	A branch is a sequence of items; its candidates are the runs of
 *	plain characters and the groups it requires (not made optional by
 *	a quantifier), and the best candidate is kept: the set whose
 *	shortest member is longest, then the smaller set.  A group or a
 *	whole pattern with alternatives gives the union of its branches'
 *	sets, and nothing when one branch has none.
 *
 *	Conservative: whatever is not plainly text ends a run (escapes with
 *	a letter or digit, classes, anchors, quantifiers, which also take
 *	back a run's last character when they allow zero of it).
 *	Lookarounds, named groups and backtracking verbs are never
 *	candidates.  A pattern in extended mode ("(?x)"), with \Q...\E or
 *	with a newline gets no literal at all, as does one with an
 *	unbalanced ')'.
 * LIMITS
 *	A literal is 3 to LITERAL_MAX - 1 bytes (a longer run is cut to its
 *	first LITERAL_MAX bytes, which are still required); a set has at
 *	most LITERAL_SET_MAX members, or is empty.  Groups nested deeper
 *	than 32 are skipped, which bounds the recursion.  Case is folded for
 *	ASCII only (see match.c).
 * SEE ALSO
 *	rules_index.c (the literal index), match.c (the prefilter),
 *	acsearch.c, pcre2pattern(3).
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "literals.h"

static int
is_literal_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	    || (c >= '0' && c <= '9') || c == ' '
	    || strchr("-:,;'\"@/=<>#%&!~`_", c) != NULL;
}

static int
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	    || (c >= '0' && c <= '9');
}

/* The shortest member decides how much a set filters. */
static size_t
set_quality(const literal_set *set)
{
	size_t q = SIZE_MAX;
	unsigned i;

	for (i = 0; i < set->count; i++)
		if (set->len[i] < q)
			q = set->len[i];
	return set->count ? q : 0;
}

static void
consider(literal_set *best, const literal_set *cand)
{
	size_t qb = set_quality(best), qc = set_quality(cand);

	if (cand->count == 0)
		return;
	if (qc > qb || (qc == qb && cand->count < best->count))
		*best = *cand;
}

/* A finished run of plain characters is a one-literal candidate. */
static void
flush_run(literal_set *best, char *run, size_t *rl)
{
	literal_set one;
	size_t b = 0, e = *rl;

	while (b < e && run[b] == ' ')
		b++;
	while (e > b && run[e - 1] == ' ')
		e--;
	*rl = 0;
	if (e - b < 3)
		return;
	memset(&one, 0, sizeof(one));
	one.count = 1;
	memcpy(one.lit[0], run + b, e - b);
	one.len[0] = e - b;
	consider(best, &one);
}

static int quantified_optional(const char *p, size_t i);
static void alternation(const char *p, size_t *i, unsigned depth,
    literal_set *out);

/* Skips a character class starting at p[*i] == '['. */
static void
skip_class(const char *p, size_t *i)
{
	size_t k = *i + 1;

	if (p[k] == '^')
		k++;
	if (p[k] == ']')
		k++;
	while (p[k] != '\0' && p[k] != ']') {
		if (p[k] == '\\' && p[k + 1] != '\0')
			k++;
		else if (p[k] == '[' && p[k + 1] == ':') {
			/* A POSIX class "[:digit:]" inside the class. */
			const char *e = strstr(p + k + 2, ":]");

			if (e != NULL)
				k = (size_t)(e - p) + 1;
		}
		k++;
	}
	*i = p[k] == ']' ? k + 1 : k;
}

/* Skips the argument of an escape whose letter is at p[*i - 1]: \x41,
 * \x{4abc}, \o{17}, \cA, \p{Han}, \pL, \N{U+41}, \g{1}, \k<name>, \12. */
static void
skip_escape_argument(const char *p, size_t *i, unsigned char letter)
{
	size_t k = *i;
	char close = 0;

	if (strchr("xopPNgk", letter) != NULL) {
		if (p[k] == '{')
			close = '}';
		else if (p[k] == '<' && (letter == 'k' || letter == 'g'))
			close = '>';
		else if (p[k] == '\'' && (letter == 'k' || letter == 'g'))
			close = '\'';
	}
	if (close != 0) {
		const char *e = strchr(p + k + 1, close);

		*i = e != NULL ? (size_t)(e - p) + 1 : strlen(p);
		return;
	}
	switch (letter) {
	case 'x':	/* up to two hex digits */
		while (k < *i + 2 && strchr("0123456789abcdefABCDEF", p[k]) != NULL
		    && p[k] != '\0')
			k++;
		break;
	case 'c':
	case 'p':
	case 'P':	/* one character: \cA, \pL */
		if (p[k] != '\0')
			k++;
		break;
	case 'g':
		if (p[k] == '-' || p[k] == '+')
			k++;
		/* FALLTHROUGH */
	default:	/* \12: octal or a back reference */
		if ((letter >= '0' && letter <= '9') || letter == 'g')
			while (p[k] >= '0' && p[k] <= '9')
				k++;
		break;
	}
	*i = k;
}

/* Does the item ending just before p[i] allow zero repetitions? */
static int
quantified_optional(const char *p, size_t i)
{
	if (p[i] == '?' || p[i] == '*')
		return 1;
	if (p[i] == '{') {
		size_t k = i + 1;

		if (p[k] == '0' || p[k] == ',')
			return 1;
		while (p[k] >= '0' && p[k] <= '9')
			k++;
		return p[k] != ',' && p[k] != '}';	/* a literal '{' */
	}
	return 0;
}

/* Skips a counted quantifier {n}, {n,}, {n,m} at p[*i], if there is one. */
static void
skip_counted(const char *p, size_t *i)
{
	size_t k = *i + 1;

	while ((p[k] >= '0' && p[k] <= '9') || p[k] == ',')
		k++;
	if (p[k] == '}' && k > *i + 1)
		*i = k + 1;
}

/*
 * One branch: a sequence up to '|' or ')'.  Candidates are the runs of
 * plain characters and the required groups; the best one is kept.
 */
static void
sequence(const char *p, size_t *i, unsigned depth, literal_set *best)
{
	char run[LITERAL_MAX];
	size_t rl = 0;

	memset(best, 0, sizeof(*best));
	while (p[*i] != '\0' && p[*i] != '|' && p[*i] != ')') {
		unsigned char c = (unsigned char)p[*i];

		if (c == '\\' && p[*i + 1] != '\0') {
			unsigned char e = (unsigned char)p[*i + 1];

			*i += 2;
			if (is_alnum(e)) {	/* \s, \d, \b, \x41 ...: not text */
				flush_run(best, run, &rl);
				skip_escape_argument(p, i, e);
				continue;
			}
			if (quantified_optional(p, *i) || p[*i] == '+') {
				flush_run(best, run, &rl);
				if (p[*i] == '+')
					continue;
				continue;
			}
			if (rl < sizeof(run))
				run[rl++] = (char)e;
			continue;
		}
		if (c == '[') {
			flush_run(best, run, &rl);
			skip_class(p, i);
			continue;
		}
		if (c == '{') {
			flush_run(best, run, &rl);
			skip_counted(p, i);
			if (p[*i] == '{')
				(*i)++;
			continue;
		}
		if (c == '(') {
			literal_set group;
			int usable = 1;

			flush_run(best, run, &rl);
			(*i)++;
			if (p[*i] == '*') {
				/* A verb or option setting: (*COMMIT), (*UTF). */
				const char *e = strchr(p + *i, ')');

				*i = e != NULL ? (size_t)(e - p) + 1 : strlen(p);
				continue;
			}
			if (p[*i] == '?') {
				size_t k = *i + 1;

				/* Option settings "(?i)" have no content. */
				while (is_alnum((unsigned char)p[k]) || p[k] == '-')
					k++;
				if (p[k] == ')') {
					*i = k + 1;
					continue;
				}
				if (p[k] == ':')
					*i = k + 1;	/* "(?:", "(?i:" */
				else
					usable = 0;	/* lookaround, named group, ... */
				if (!usable)
					(*i)++;
			}
			if (depth >= 32) {
				/* Too deep to bother: skip the group. */
				int level = 1;

				while (p[*i] != '\0' && level > 0) {
					if (p[*i] == '\\' && p[*i + 1] != '\0')
						(*i)++;
					else if (p[*i] == '(')
						level++;
					else if (p[*i] == ')')
						level--;
					(*i)++;
				}
				continue;
			}
			alternation(p, i, depth + 1, &group);
			if (p[*i] == ')')
				(*i)++;
			if (usable && !quantified_optional(p, *i))
				consider(best, &group);
			continue;
		}
		if (is_literal_char(c)) {
			(*i)++;
			if (quantified_optional(p, *i)) {
				flush_run(best, run, &rl);
				continue;
			}
			if (rl < sizeof(run))
				run[rl++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
			if (p[*i] == '+')
				flush_run(best, run, &rl);
			continue;
		}
		/* . ^ $ + * ? and anything unusual end the run. */
		flush_run(best, run, &rl);
		(*i)++;
	}
	flush_run(best, run, &rl);
}

/* Branches separated by '|': every branch must give a literal. */
static void
alternation(const char *p, size_t *i, unsigned depth, literal_set *out)
{
	literal_set branch;
	int ok = 1;
	unsigned k;

	memset(out, 0, sizeof(*out));
	for (;;) {
		sequence(p, i, depth, &branch);
		if (branch.count == 0 || out->count + branch.count > LITERAL_SET_MAX)
			ok = 0;
		for (k = 0; ok && k < branch.count; k++) {
			memcpy(out->lit[out->count], branch.lit[k], branch.len[k]);
			out->len[out->count++] = branch.len[k];
		}
		if (p[*i] != '|')
			break;
		(*i)++;
	}
	if (!ok)
		memset(out, 0, sizeof(*out));
}

/* Does an inline option group turn on extended mode ("(?x)", "(?ix:")?
 * Then white space in the pattern is no text. */
static int
extended_mode(const char *p)
{
	const char *q;

	for (q = strstr(p, "(?"); q != NULL; q = strstr(q + 2, "(?")) {
		const char *o = q + 2;

		while ((*o >= 'a' && *o <= 'z') || (*o >= 'A' && *o <= 'Z')) {
			if (*o == 'x')
				return 1;
			o++;
		}
	}
	return 0;
}

/*
 * Literals such that every match of the pattern contains at least one of
 * them, lower-cased (ASCII).  A branch of an alternation that offers no
 * literal of at least 3 bytes makes the whole set empty.  Conservative:
 * whatever is not plainly text ends a literal.
 */
void
dsnx_pattern_literals(const char *p, literal_set *out)
{
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	if (strstr(p, "\\Q") != NULL || strchr(p, '\n') != NULL
	    || extended_mode(p))
		return;
	alternation(p, &i, 0, out);
	if (p[i] != '\0')	/* an unbalanced ')': give up */
		memset(out, 0, sizeof(*out));
}

size_t
dsnx_pattern_literal(const char *p, char *buf, size_t size)
{
	literal_set set;

	dsnx_pattern_literals(p, &set);
	if (set.count != 1 || set.len[0] >= size)
		return 0;
	memcpy(buf, set.lit[0], set.len[0]);
	buf[set.len[0]] = '\0';
	return set.len[0];
}
