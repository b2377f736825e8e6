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
 *	A branch is a sequence of items.  Plain characters and the groups
 *	whose every string is known (all of whose branches are such text)
 *	are concatenated into an exact set: "connection (?:was )?(?:lost|
 *	dropped)" gives its four phrases, not the common word "connection"
 *	that would let the rule run on nearly every bounce.  A '?' after a
 *	character or such a group adds the strings without it.  Zero-width
 *	items (\b, anchors, lookarounds) leave the set going.  Anything
 *	else ends it, and it becomes a candidate beside the groups the
 *	branch requires (not made optional by a quantifier); the best
 *	candidate is kept: the set whose shortest member is longest, then
 *	the smaller set.  A group or a whole pattern with alternatives
 *	gives the union of its branches' sets, and nothing when one branch
 *	has none; when the union does not fit, its branches are read again
 *	without concatenating groups.  A member that contains another is
 *	dropped (where it occurs, the other does).
 *
 *	Text is ASCII, and the characters of scripts without case (CJK,
 *	kana, Hangul) as their UTF-8 bytes.
 *	Conservative: whatever is not plainly text ends a run (escapes with
 *	a letter or digit, classes, quantifiers, which also take back a
 *	run's last character when they allow zero of it).  Lookarounds,
 *	named and atomic groups and backtracking verbs are never
 *	candidates.  A pattern in extended mode ("(?x)"), with \Q...\E or
 *	with a newline gets no literal at all, as does one with an
 *	unbalanced ')'.
 * LIMITS
 *	A literal is 3 to LITERAL_MAX - 1 bytes (a longer run is cut to its
 *	first LITERAL_MAX - 1 bytes, which are still required); a set has
 *	at most LITERAL_SET_MAX members, or is empty.  Groups nested deeper
 *	than LEVEL_MAX (16) are skipped, which bounds the recursion; the
 *	working sets of each level are allocated (about 150 kilobytes)
 *	rather than put on the stack, and when that fails the pattern gets
 *	no literal.  Case is folded for ASCII only (see match.c).
 * SEE ALSO
 *	rules_index.c (the literal index), match.c (the prefilter),
 *	acsearch.c, pcre2pattern(3).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "literals.h"

static int
is_literal_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	    || (c >= '0' && c <= '9') || c == ' '
	    || strchr("-:,;'\"@/=<>#%&!~`_", c) != NULL;
}

/*
 * The length of the UTF-8 character at s when it is one without case
 * (CJK punctuation, kana, CJK ideographs, Hangul syllables, CJK
 * compatibility ideographs: U+3000-U+9FFF, U+AC00-U+D7A3,
 * U+F900-U+FAFF), else 0.  Such a character is the same bytes in every
 * match, caseless or not, so it can be part of a literal; a character
 * with case beyond ASCII cannot (the prefilter folds ASCII only).
 */
static size_t
caseless_utf8(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned cp;

	if ((u[0] & 0xF0) != 0xE0 || (u[1] & 0xC0) != 0x80
	    || (u[2] & 0xC0) != 0x80)
		return 0;
	cp = ((unsigned)(u[0] & 0x0F) << 12) | ((unsigned)(u[1] & 0x3F) << 6)
	    | (unsigned)(u[2] & 0x3F);
	if ((cp >= 0x3000 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7A3)
	    || (cp >= 0xF900 && cp <= 0xFAFF))
		return 3;
	return 0;
}

static int
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	    || (c >= '0' && c <= '9');
}

/*
 * Sets are filled in two forms.  An exact set lists every string a piece
 * of the pattern can match ("(?:was |has been )?lost" gives "lost",
 * "was lost", "has been lost"), so that the pieces after it can be
 * appended; members may be short or have blanks at their ends.  A
 * candidate set only promises that every match contains one member; its
 * members are trimmed, 3 bytes or more, and none contains another.
 */

/* Copies the members in use only: a whole set is some 18 kilobytes. */
static void
set_copy(literal_set *dst, const literal_set *src)
{
	unsigned k;

	if (dst == src)
		return;
	for (k = 0; k < src->count; k++) {
		memcpy(dst->lit[k], src->lit[k], src->len[k]);
		dst->len[k] = src->len[k];
	}
	dst->count = src->count;
}

/* Adds s to set unless it is there; -1 when the set is full. */
static int
set_add(literal_set *set, const char *s, size_t n)
{
	unsigned k;

	for (k = 0; k < set->count; k++)
		if (set->len[k] == n && memcmp(set->lit[k], s, n) == 0)
			return 0;
	if (set->count == LITERAL_SET_MAX || n >= LITERAL_MAX)
		return -1;
	memcpy(set->lit[set->count], s, n);
	set->len[set->count++] = n;
	return 0;
}

static int
contains(const char *hay, size_t hn, const char *needle, size_t nn)
{
	size_t k;

	for (k = 0; nn <= hn && k <= hn - nn; k++)
		if (memcmp(hay + k, needle, nn) == 0)
			return 1;
	return 0;
}

/*
 * The candidate form of an exact set: members trimmed of blanks, and
 * those that contain another member dropped (where one occurs, the other
 * does).  Empty when a member has fewer than 3 bytes left.
 */
static void
candidate_form(const literal_set *exact, literal_set *out)
{
	literal_set trimmed;
	unsigned k, j;

	trimmed.count = 0;
	out->count = 0;
	for (k = 0; k < exact->count; k++) {
		size_t b = 0, e = exact->len[k];

		while (b < e && exact->lit[k][b] == ' ')
			b++;
		while (e > b && exact->lit[k][e - 1] == ' ')
			e--;
		if (e - b < 3 || set_add(&trimmed, exact->lit[k] + b, e - b) != 0)
			return;
	}
	for (k = 0; k < trimmed.count; k++) {
		int redundant = 0;

		for (j = 0; j < trimmed.count && !redundant; j++)
			redundant = j != k && contains(trimmed.lit[k],
			    trimmed.len[k], trimmed.lit[j], trimmed.len[j])
			    && (trimmed.len[j] < trimmed.len[k] || j < k);
		if (!redundant)
			(void)set_add(out, trimmed.lit[k], trimmed.len[k]);
	}
}

/*
 * Words that nearly every bounce holds somewhere in its replies: a literal
 * that is one of them lets the rule run on nearly every message, however
 * long the word.  Lower case, as the literals are.
 */
static const char *const common_words[] = {
	"accept", "accepted", "access", "account", "address", "allow",
	"allowed", "and", "bad", "block", "blocked", "can't", "cannot",
	"connect", "connection", "delivery", "denied", "doesn't", "domain",
	"don't", "e-mail", "email", "error", "exceeded", "failed", "for",
	"from", "host", "invalid", "list", "listed", "mail", "mail from",
	"mailbox", "message", "messages", "not", "not accepted",
	"not allowed", "not permitted", "path", "permitted", "policy",
	"recipient", "refus", "refused", "reject", "rejected", "relay",
	"return", "reverse", "send", "sender", "sent", "server", "smtp",
	"that", "the", "this", "unable", "unknown", "user", "with", "won't",
	"your",
};

static int
common_word(const char *s, size_t n)
{
	size_t k;

	for (k = 0; k < sizeof(common_words) / sizeof(common_words[0]); k++)
		if (strlen(common_words[k]) == n
		    && memcmp(common_words[k], s, n) == 0)
			return 1;
	return 0;
}

/*
 * The shortest member decides how much a set filters; a common word
 * counts as shorter than any literal (2), so that a set without one wins
 * over a set with one, and a set of nothing else is kept only when there
 * is no other.
 */
static size_t
set_quality(const literal_set *set)
{
	size_t q = SIZE_MAX;
	unsigned i;

	for (i = 0; i < set->count; i++) {
		size_t l = common_word(set->lit[i], set->len[i]) ? 2 : set->len[i];

		if (l < q)
			q = l;
	}
	return set->count ? q : 0;
}

static void
consider(literal_set *best, const literal_set *cand)
{
	size_t qb = set_quality(best), qc = set_quality(cand);

	if (cand->count == 0)
		return;
	if (qc > qb || (qc == qb && cand->count < best->count))
		set_copy(best, cand);
}

/*
 * The scan of one pattern.  Each nesting level has its own working sets,
 * allocated when the level is first entered: a set is some 18 kilobytes,
 * too much to keep one per level on the stack of a milter thread.
 */
#define LEVEL_MAX 16
enum { W_GROUP, W_EXACT, W_TMP, W_ONE, W_BRANCH, W_CAND, W_RAW, W_MIX,
    W_COUNT };
typedef struct scan {
	const char *p;
	size_t i;
	int failed;                 /* out of memory: no literal at all */
	literal_set *level[LEVEL_MAX + 1];
} scan;

static literal_set *
work(scan *sc, unsigned depth, int which)
{
	if (sc->level[depth] == NULL
	    && (sc->level[depth] = malloc(W_COUNT * sizeof(literal_set))) == NULL) {
		sc->failed = 1;
		return NULL;
	}
	return &sc->level[depth][which];
}

static void
exact_reset(literal_set *exact)
{
	exact->count = 1;
	exact->len[0] = 0;
}

/*
 * The exact set so far ends here (something that is not plain text
 * follows): it becomes a candidate, and the next exact set starts empty.
 */
static void
exact_flush(literal_set *best, literal_set *exact, literal_set *tmp,
    int *whole)
{
	candidate_form(exact, tmp);
	consider(best, tmp);
	exact_reset(exact);
	*whole = 0;
}

/* exact = exact x alts, the concatenations; -1 when they do not fit. */
static int
exact_product(literal_set *exact, const literal_set *alts, literal_set *tmp)
{
	unsigned a, b;
	char cat[LITERAL_MAX];

	if ((size_t)exact->count * alts->count > LITERAL_SET_MAX)
		return -1;
	tmp->count = 0;
	for (a = 0; a < exact->count; a++)
		for (b = 0; b < alts->count; b++) {
			size_t n = exact->len[a] + alts->len[b];

			if (n >= LITERAL_MAX)
				return -1;
			memcpy(cat, exact->lit[a], exact->len[a]);
			memcpy(cat + exact->len[a], alts->lit[b], alts->len[b]);
			if (set_add(tmp, cat, n) != 0)
				return -1;
		}
	set_copy(exact, tmp);
	return 0;
}

/* One character of text: appended to every member of the exact set
 * (a member about to outgrow LITERAL_MAX ends the set first). */
static void
exact_char(literal_set *best, literal_set *exact, literal_set *tmp,
    int *whole, char c)
{
	unsigned k;

	for (k = 0; k < exact->count; k++)
		if (exact->len[k] + 1 >= LITERAL_MAX) {
			exact_flush(best, exact, tmp, whole);
			break;
		}
	for (k = 0; k < exact->count; k++)
		exact->lit[k][exact->len[k]++] = c;
}

/* A character or group that a '?' makes optional: exact x {"", alts}. */
static void
exact_optional(literal_set *best, literal_set *exact, literal_set *tmp,
    int *whole, const literal_set *alts)
{
	literal_set with_empty;

	set_copy(&with_empty, alts);
	if (set_add(&with_empty, "", 0) != 0
	    || exact_product(exact, &with_empty, tmp) != 0)
		exact_flush(best, exact, tmp, whole);
}

/* Skips a '?' quantifier and its lazy or possessive mark. */
static void
skip_question(const char *p, size_t *i)
{
	(*i)++;
	if (p[*i] == '?' || p[*i] == '+')
		(*i)++;
}

static int
zero_width_escape(unsigned char e)
{
	return e == 'b' || e == 'B' || e == 'A' || e == 'z' || e == 'Z'
	    || e == 'G';
}

static void alternation(scan *sc, unsigned depth, int products,
    literal_set *out, int *exact_out);

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
 * One branch: a sequence up to '|' or ')'.  Plain text and the groups
 * whose strings are all known build an exact set; whatever else comes
 * (a class, an escape like \s, a repeated item) ends it, and it becomes
 * a candidate.  Required groups are candidates too; the best candidate
 * is kept.  Zero-width items (\b, anchors, lookarounds) end nothing.
 * With products 0, groups are never appended to the exact set (the
 * fallback when the sets grow too big).  *whole: the branch is exact,
 * and best holds its exact set instead of a candidate.
 */
static void
sequence(scan *sc, unsigned depth, int products, literal_set *best,
    int *whole)
{
	const char *p = sc->p;
	size_t *i = &sc->i;
	literal_set *group = work(sc, depth, W_GROUP);
	literal_set *exact = work(sc, depth, W_EXACT);
	literal_set *tmp = work(sc, depth, W_TMP);
	literal_set *one = work(sc, depth, W_ONE);

	best->count = 0;
	*whole = 0;
	if (sc->failed)
		return;
	*whole = 1;
	exact_reset(exact);
	while (p[*i] != '\0' && p[*i] != '|' && p[*i] != ')') {
		unsigned char c = (unsigned char)p[*i];
		int text = 0;

		if (c == '\\' && p[*i + 1] != '\0') {
			unsigned char e = (unsigned char)p[*i + 1];

			*i += 2;
			if (zero_width_escape(e))
				continue;
			if (is_alnum(e)) {	/* \s, \d, \x41 ...: not text */
				exact_flush(best, exact, tmp, whole);
				skip_escape_argument(p, i, e);
				continue;
			}
			c = e;
			text = 1;
		} else if (c >= 0xE0 && caseless_utf8(p + *i) > 0) {
			size_t n = caseless_utf8(p + *i), k;

			/* Its bytes join the run unless a quantifier may
			 * repeat it zero times ('?' included: the one-byte
			 * optional form below is for ASCII). */
			*i += n;
			if (p[*i] == '?' || quantified_optional(p, *i)) {
				exact_flush(best, exact, tmp, whole);
				continue;
			}
			for (k = 0; k < n; k++)
				exact_char(best, exact, tmp, whole, p[*i - n + k]);
			if (p[*i] == '+' || p[*i] == '{')
				exact_flush(best, exact, tmp, whole);
			continue;
		} else if (is_literal_char(c)) {
			(*i)++;
			if (c >= 'A' && c <= 'Z')
				c = (unsigned char)(c + 32);
			text = 1;
		}
		if (text) {
			if (p[*i] == '?' && products) {
				one->count = 1;
				one->lit[0][0] = (char)c;
				one->len[0] = 1;
				skip_question(p, i);
				exact_optional(best, exact, tmp, whole, one);
			} else if (quantified_optional(p, *i)) {
				exact_flush(best, exact, tmp, whole);
			} else {
				exact_char(best, exact, tmp, whole, (char)c);
				if (p[*i] == '+' || p[*i] == '{')
					exact_flush(best, exact, tmp, whole);
			}
			continue;
		}
		if (c == '[') {
			exact_flush(best, exact, tmp, whole);
			skip_class(p, i);
			continue;
		}
		if (c == '{') {
			exact_flush(best, exact, tmp, whole);
			skip_counted(p, i);
			if (p[*i] == '{')
				(*i)++;
			continue;
		}
		if (c == '(') {
			int usable = 1, lookaround = 0, group_exact = 0;

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
				if (p[k] == ':') {
					*i = k + 1;	/* "(?:", "(?i:" */
				} else {
					/* lookaround, named group, ... */
					usable = 0;
					lookaround = k == *i + 1 && (p[k] == '='
					    || p[k] == '!' || (p[k] == '<'
					    && (p[k + 1] == '=' || p[k + 1] == '!')));
					(*i)++;
				}
			}
			if (depth >= LEVEL_MAX) {
				/* Too deep to bother: skip the group. */
				int level = 1;

				exact_flush(best, exact, tmp, whole);
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
			alternation(sc, depth + 1, products, group, &group_exact);
			if (sc->failed)
				return;
			if (p[*i] == ')')
				(*i)++;
			if (lookaround && !quantified_optional(p, *i)
			    && p[*i] != '+' && p[*i] != '{')
				continue;	/* matches no text */
			if (!usable) {
				exact_flush(best, exact, tmp, whole);
			} else if (p[*i] == '?' && products && group_exact) {
				skip_question(p, i);
				exact_optional(best, exact, tmp, whole, group);
			} else if (quantified_optional(p, *i)) {
				exact_flush(best, exact, tmp, whole);
			} else if (group_exact && products && p[*i] != '+'
			    && p[*i] != '{') {
				if (exact_product(exact, group, tmp) != 0) {
					exact_flush(best, exact, tmp, whole);
					set_copy(exact, group);
				}
			} else {
				exact_flush(best, exact, tmp, whole);
				if (group_exact) {
					candidate_form(group, tmp);
					consider(best, tmp);
				} else {
					consider(best, group);
				}
			}
			continue;
		}
		if (c == '^' || c == '$') {	/* anchors match no text */
			(*i)++;
			continue;
		}
		/* . + * ? and anything unusual end the exact set. */
		exact_flush(best, exact, tmp, whole);
		(*i)++;
	}
	if (*whole)
		set_copy(best, exact);
	else
		exact_flush(best, exact, tmp, whole);
}

/*
 * The mixed reading re-reads branches, and each level it is used on can
 * double the work of the levels below: only the pattern's own branches and
 * the groups directly in them get it, which bounds the cost of a deeply
 * nested (or hostile) pattern.
 */
#define MIXED_DEPTH_MAX 1

/* Adds every member of add to set; -1 (set unchanged) when they do not
 * all fit. */
static int
set_union(literal_set *set, const literal_set *add, literal_set *tmp)
{
	unsigned k;

	set_copy(tmp, set);
	for (k = 0; k < add->count; k++)
		if (set_add(tmp, add->lit[k], add->len[k]) != 0)
			return -1;
	set_copy(set, tmp);
	return 0;
}

/* One branch as a candidate set, read with or without products. */
static void
branch_candidates(scan *sc, unsigned depth, int products, literal_set *branch,
    literal_set *tmp)
{
	int bx;

	sequence(sc, depth, products, branch, &bx);
	if (!sc->failed && bx) {
		candidate_form(branch, tmp);
		set_copy(branch, tmp);
	}
}

/* What one branch gives read each way, for alternation_mixed. */
typedef struct branch_reading {
	size_t start;               /* where the branch begins in the pattern */
	unsigned plain, product;    /* set sizes without and with products */
	size_t plain_q, product_q;  /* their set_quality */
	int upgrade;                /* read with products */
} branch_reading;

/*
 * The branches of an alternation whose sets do not fit together: every
 * branch is measured both ways, and the branches are then read with
 * products, cheapest extra members first, as long as the union still
 * fits; the rest are read without.  So one wide branch ("over ?sized?"
 * and four nouns: 32 phrases) no longer costs every other branch its
 * long literals.  -1 when even that does not fit or a branch has no
 * literal; sc->i is then at the end of the alternation all the same.
 */
static int
alternation_mixed(scan *sc, unsigned depth, literal_set *out)
{
	literal_set *branch = work(sc, depth, W_BRANCH);
	literal_set *tmp = work(sc, depth, W_RAW);
	literal_set *mix = work(sc, depth, W_MIX);
	branch_reading *r = NULL;
	size_t n = 0, cap = 0, k, end, total = 0;
	int ok = 1;

	if (sc->failed)
		return -1;
	for (;;) {
		if (n == cap) {
			size_t ncap = cap ? 2 * cap : 16;
			branch_reading *nr = realloc(r, ncap * sizeof(*r));

			if (nr == NULL) {
				free(r);
				sc->failed = 1;
				return -1;
			}
			r = nr;
			cap = ncap;
		}
		r[n].start = sc->i;
		branch_candidates(sc, depth, 0, branch, tmp);
		r[n].plain = branch->count;
		r[n].plain_q = set_quality(branch);
		sc->i = r[n].start;
		branch_candidates(sc, depth, 1, branch, tmp);
		r[n].product = branch->count;
		r[n].product_q = set_quality(branch);
		r[n].upgrade = 0;
		if (sc->failed) {
			free(r);
			return -1;
		}
		if (r[n].plain == 0)
			ok = 0;
		total += r[n].plain;
		n++;
		if (sc->p[sc->i] != '|')
			break;
		sc->i++;
	}
	end = sc->i;
	/* Upgrades that filter better, the fewest extra members first. */
	for (;;) {
		size_t best = n, best_extra = SIZE_MAX;

		for (k = 0; k < n; k++) {
			size_t extra;

			if (r[k].upgrade || r[k].product == 0
			    || r[k].product_q < r[k].plain_q)
				continue;
			extra = r[k].product > r[k].plain
			    ? r[k].product - r[k].plain : 0;
			if (extra < best_extra) {
				best = k;
				best_extra = extra;
			}
		}
		if (best == n || total + best_extra > LITERAL_SET_MAX)
			break;
		r[best].upgrade = 1;
		total += best_extra;
	}
	mix->count = 0;
	for (k = 0; ok && k < n; k++) {
		sc->i = r[k].start;
		branch_candidates(sc, depth, r[k].upgrade, branch, tmp);
		if (sc->failed)
			break;
		ok = branch->count != 0;
		if (ok && set_union(mix, branch, tmp) != 0) {
			/* A member containing another is redundant: drop
			 * those (quadratic, so only when needed) and retry. */
			candidate_form(mix, tmp);
			set_copy(mix, tmp);
			ok = set_union(mix, branch, tmp) == 0;
		}
	}
	free(r);
	sc->i = end;
	if (!ok || sc->failed)
		return -1;
	candidate_form(mix, out);
	return 0;
}

/*
 * Branches separated by '|': every branch must give a literal.  When
 * every branch is exact, so is the union.  When the sets do not fit, the
 * branches are read again: with products where they fit, and without
 * them where not (alternation_mixed), or all without products, which
 * gives fewer, shorter literals; the better of the two is kept.
 */
static void
alternation(scan *sc, unsigned depth, int products, literal_set *out,
    int *exact_out)
{
	literal_set *branch = work(sc, depth, W_BRANCH);
	literal_set *cand = work(sc, depth, W_CAND);
	literal_set *raw = work(sc, depth, W_RAW);
	size_t start = sc->i;
	int all_exact = 1, raw_ok = 1, cand_ok = 1;
	unsigned k;

	out->count = 0;
	*exact_out = 0;
	if (sc->failed)
		return;
	cand->count = 0;
	raw->count = 0;
	for (;;) {
		int bx;

		sequence(sc, depth, products, branch, &bx);
		if (sc->failed)
			return;
		if (bx) {
			for (k = 0; raw_ok && k < branch->count; k++)
				raw_ok = set_add(raw, branch->lit[k],
				    branch->len[k]) == 0;
			candidate_form(branch, out);
			set_copy(branch, out);
			out->count = 0;
		} else {
			all_exact = 0;
		}
		if (branch->count == 0)
			cand_ok = 0;
		for (k = 0; cand_ok && k < branch->count; k++)
			cand_ok = set_add(cand, branch->lit[k], branch->len[k]) == 0;
		if (sc->p[sc->i] != '|')
			break;
		sc->i++;
	}
	if (all_exact && raw_ok) {
		set_copy(out, raw);
		*exact_out = 1;
	} else if (cand_ok) {
		set_copy(out, cand);
	} else if (products && depth > MIXED_DEPTH_MAX) {
		sc->i = start;
		alternation(sc, depth, 0, out, exact_out);
	} else if (products) {
		literal_set *mixed = work(sc, depth, W_CAND);
		size_t end;
		int mixed_ok;

		sc->i = start;
		mixed_ok = alternation_mixed(sc, depth, mixed) == 0;
		if (sc->failed)
			return;
		end = sc->i;
		if (mixed_ok)
			set_copy(out, mixed);
		else
			out->count = 0;
		/* out is a candidate set: mixed is W_CAND of this level, which
		 * the plain reading below overwrites, so it was copied first. */
		sc->i = start;
		{
			literal_set *plain = work(sc, depth, W_MIX);
			int plain_exact;

			alternation(sc, depth, 0, plain, &plain_exact);
			if (sc->failed)
				return;
			/* A tie goes to the mixed reading: branch by branch
			 * its literals contain the plain ones. */
			if (!mixed_ok || set_quality(plain) > set_quality(out)) {
				set_copy(out, plain);
				*exact_out = plain_exact;
			}
		}
		sc->i = end;
	}
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
	scan sc;
	literal_set found;
	int exact = 0;
	unsigned d;

	memset(out, 0, sizeof(*out));
	if (strstr(p, "\\Q") != NULL || strchr(p, '\n') != NULL
	    || extended_mode(p))
		return;
	memset(&sc, 0, sizeof(sc));
	sc.p = p;
	alternation(&sc, 0, 1, &found, &exact);
	if (!sc.failed && p[sc.i] == '\0') {	/* else an unbalanced ')' */
		if (exact)
			candidate_form(&found, out);
		else
			set_copy(out, &found);
	}
	for (d = 0; d <= LEVEL_MAX; d++)
		free(sc.level[d]);
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
