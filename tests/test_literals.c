/*
 * test_literals - the prefilter's literal extraction (lib/literals.c)
 *
 * dsnx_pattern_literal and dsnx_pattern_literals read a pattern as text
 * and name what every match must contain.  Checked by example (runs,
 * groups, classes, escapes, quantifiers, modes, the buffer), by one
 * regression case per bug found so far (each pattern matches its text,
 * so its literal must be in that text), and by two property tests
 * against PCRE2 itself: random patterns built from small pieces, with a
 * text made from the same pieces, which PCRE2 must agree matches; then
 * the literal, or one member of the set, must occur in the lower-cased
 * text.  The random generator is seeded, so a failure can be replayed.
 */
#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8

#include <check.h>
#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "literals.h"

/* The literal of pattern, or "" when there is none. */
static const char *
lit(const char *pattern)
{
	static char buf[256];
	size_t n;

	memset(buf, 0x55, sizeof(buf));
	n = dsnx_pattern_literal(pattern, buf, sizeof(buf));
	if (n == 0)
		return "";
	ck_assert_uint_eq(strlen(buf), n);
	return buf;
}

START_TEST(test_literal_examples)
{
	const char *l;

	/* The longest run, lower-cased.  A ':' next to it may be kept: it is
	 * required text too. */
	l = lit("connect to \\S+: connection refused");
	ck_assert_ptr_nonnull(strstr(l, "connection refused"));
	ck_assert_ptr_nonnull(strstr(": connection refused", l));
	ck_assert_str_eq(lit("Inbox\\s+full"), "inbox");
	/* A word nearly every bounce holds filters nothing: a shorter, rarer
	 * literal is kept instead. */
	ck_assert_str_eq(lit("Mailbox\\s+full"), "full");
	ck_assert_str_eq(lit("rejected\\s+by\\s+BATV"), "batv");
	ck_assert_str_eq(lit("MAILBOX FULL"), "mailbox full");
	/* Top-level alternation: nothing is required. */
	ck_assert_str_eq(lit("a|b"), "");
	ck_assert_str_eq(lit("mailbox full|quota exceeded"), "");
	/* Optional last letter dropped; under 3 bytes is no literal. */
	ck_assert_str_eq(lit("abc?"), "");
	ck_assert_str_eq(lit("abcd?"), "abc");
	ck_assert_str_eq(lit("abcd*"), "abc");
	ck_assert_str_eq(lit("abcd+"), "abcd");
	ck_assert_str_eq(lit("ab"), "");
	/* Groups and classes end runs and are skipped. */
	ck_assert_str_eq(lit("(foo|bar)+ bazqux"), "bazqux");
	ck_assert_str_eq(lit("x[abc]yzw"), "yzw");
	ck_assert_str_eq(lit("[a\\]b]xyzw"), "xyzw");
	ck_assert_str_eq(lit("(?i)(a)(b)user unknown"), "abuser unknown");
	ck_assert_str_eq(lit("(?i)(a)+(b)+user unknown"), "user unknown");
	/* Escaped punctuation is text. */
	ck_assert_str_eq(lit("4\\.4\\.7 queue"), "4.4.7 queue");
	ck_assert_str_eq(lit("\\(#5\\.1\\.1\\)"), "(#5.1.1)");
	/* Extended mode or \Q: no literal. */
	ck_assert_str_eq(lit("(?x) mailbox full"), "");
	ck_assert_str_eq(lit("(?xx)mailbox full"), "");
	ck_assert_str_eq(lit("(?i)(?x)mail box"), "");
	ck_assert_str_eq(lit("\\Qa.b\\E mailbox"), "");
	/* Surrounding blanks are trimmed. */
	ck_assert_str_eq(lit("\\d  over quota  \\d"), "over quota");
	/* Anchors end runs. */
	ck_assert_str_eq(lit("^relay\\d+\\.example\\.net$"), ".example.net");
}
END_TEST

/* Characters without case (CJK, kana, Hangul) are text, as their
 * UTF-8 bytes; one with case beyond ASCII ends a run, and so does a
 * quantifier that may repeat a caseless one zero times. */
START_TEST(test_literal_caseless_scripts)
{
	ck_assert_str_eq(lit("\u30c7\u30a3\u30ec\u30af\u30c8\u30ea\u306b\u306f"),
	    "\u30c7\u30a3\u30ec\u30af\u30c8\u30ea\u306b\u306f");
	ck_assert_str_eq(lit("User \u898b\u3064\u304b\u308a\u307e\u305b\u3093"),
	    "user \u898b\u3064\u304b\u308a\u307e\u305b\u3093");
	ck_assert_str_eq(lit("\uc0ac\uc6a9\uc790 \uc5c6\uc74c"), "\uc0ac\uc6a9\uc790 \uc5c6\uc74c");
	/* The optional character is not required: the runs around it are. */
	ck_assert_str_eq(lit("abcd\u30c7?efgh"), "abcd");
	ck_assert_str_eq(lit("abcd\u30c7*efghij"), "efghij");
	ck_assert_str_eq(lit("abcd\u30c7+efg"), "abcd\u30c7");
	/* A letter with case ends a run: "\u00c9" matches "\u00e9" caselessly. */
	ck_assert_str_eq(lit("(?i)r\u00e9pertori\u00e9 dans"), "pertori");
	ck_assert_str_eq(lit("\u00e9"), "");
}
END_TEST

START_TEST(test_literal_quantifiers)
{
	/* A run followed by '*', '?' or a '{' that allows zero loses its
	 * last character; "{2}" may keep it (it is required) or drop it. */
	{
		const char *l = lit("abcdef{2}");

		ck_assert_msg(strcmp(l, "abcde") == 0 || strcmp(l, "abcdef") == 0,
		    "abcdef{2} gave \"%s\"", l);
		l = lit("abcdef{1,3}");
		ck_assert_msg(strcmp(l, "abcde") == 0 || strcmp(l, "abcdef") == 0,
		    "abcdef{1,3} gave \"%s\"", l);
	}
	ck_assert_str_eq(lit("abcdef{0,3}"), "abcde");
	ck_assert_str_eq(lit("abcdef{0}"), "abcde");
	ck_assert_str_eq(lit("abcdef{,3}"), "abcde");
	ck_assert_str_eq(lit("abcdef*"), "abcde");
	ck_assert_str_eq(lit("abcdef?"), "abcde");
	ck_assert_str_eq(lit("abcdef+?"), "abcdef");
	/* The digits of a counted quantifier are no text. */
	ck_assert_str_eq(lit("ab{2,3}"), "");
	ck_assert_str_eq(lit("x{100}"), "");
	ck_assert_str_eq(lit("a{1,234}b"), "");
	ck_assert_str_eq(lit("x{2}2222"), "2222");
	ck_assert_str_eq(lit("[0-9]{3} mailbox"), "mailbox");
	/* A quantifier after a group leaves runs outside it alone. */
	ck_assert_str_eq(lit("(ab)?cdef"), "cdef");
	ck_assert_str_eq(lit("cdef(ab)*"), "cdef");
}
END_TEST

/* How many members pattern's literal set has. */
static unsigned
set_count(const char *pattern)
{
	literal_set ls;

	dsnx_pattern_literals(pattern, &ls);
	return ls.count;
}

/* The members of pattern's literal set, sorted, joined by '|'. */
static const char *
set_of(const char *pattern)
{
	static char buf[LITERAL_SET_MAX * (LITERAL_MAX + 1) + 1];
	literal_set ls;
	unsigned k, j;
	size_t n = 0;

	dsnx_pattern_literals(pattern, &ls);
	for (k = 1; k < ls.count; k++)	/* insertion sort: a few members */
		for (j = k; j > 0 && (strncmp(ls.lit[j - 1], ls.lit[j],
		    LITERAL_MAX) > 0); j--) {
			char t[LITERAL_MAX];
			size_t tl = ls.len[j];

			memcpy(t, ls.lit[j], LITERAL_MAX);
			memcpy(ls.lit[j], ls.lit[j - 1], LITERAL_MAX);
			memcpy(ls.lit[j - 1], t, LITERAL_MAX);
			ls.len[j] = ls.len[j - 1];
			ls.len[j - 1] = tl;
		}
	for (k = 0; k < ls.count; k++) {
		if (k > 0)
			buf[n++] = '|';
		memcpy(buf + n, ls.lit[k], ls.len[k]);
		n += ls.len[k];
	}
	buf[n] = '\0';
	return buf;
}

START_TEST(test_literal_products)
{
	/* Text and groups whose strings are all known are concatenated:
	 * a common word next to a group becomes the phrases it is part of. */
	ck_assert_str_eq(set_of("connection (?:dropped|lost)"),
	    "connection dropped|connection lost");
	ck_assert_str_eq(set_of("connection (?:was |has been )?(?:dropped|lost)"),
	    "connection dropped|connection has been dropped|"
	    "connection has been lost|connection lost|connection was dropped|"
	    "connection was lost");
	/* An optional character: both strings, the shorter absorbs. */
	ck_assert_str_eq(set_of("relays?"), "relay");
	ck_assert_str_eq(set_of("\\brelay(?:ing)?\\b denied"),
	    "relay denied|relaying denied");
	/* Zero-width items do not end the phrase. */
	ck_assert_str_eq(set_of("^host(?=s? )\\b unknown$"), "host unknown");
	ck_assert_str_eq(set_of("over(?! the)quota"), "overquota");
	/* Whatever is not known text ends it: the longer side is kept. */
	ck_assert_str_eq(set_of("inbox (?:is )?\\s*full"), "inbox");
	ck_assert_str_eq(set_of("(?:mailbox|inbox)\\s+(?:is )?full now"),
	    "full now");
	/* Too many combinations: a branch falls back to its own best
	 * literal rather than losing the whole set, and only the branch
	 * that does not fit does (the first keeps its 40 phrases). */
#define WIDE "(?:a|b|c|d|e|f|g)(?:h|i|j|k|l|m|n)(?:o|p|q|r|s)"
	ck_assert_uint_eq(7 * 7 * 5 + 1, 246);
	ck_assert_uint_le(7 * 7 * 5 * 2, LITERAL_SET_MAX * 2);
	ck_assert_uint_gt(7 * 7 * 5 * 2, LITERAL_SET_MAX);
	ck_assert_uint_eq(set_count(WIDE " xyz|" WIDE " uvw"), 246);
	ck_assert(strstr(set_of(WIDE " xyz|" WIDE " uvw"), "|uvw") != NULL);
#undef WIDE
	/* Within a branch, a product too big starts again from the group. */
	ck_assert_str_eq(set_of("(?:aa|bb|cc|dd|ee|ff|gg)(?:hh|ii|jj|kk|ll|mm|nn)"
	    "(?:oo|pp|qq|rr|ss|tt) al"), "oo al|pp al|qq al|rr al|ss al|tt al");
	/* One branch too wide for the union (245 phrases beside 12) is read
	 * without products alone; the other keeps its phrases ("too big",
	 * not "too"). */
	ck_assert_uint_gt(7 * 7 * 5 + 12, LITERAL_SET_MAX);
	ck_assert_str_eq(set_of("too (?:large|big|long|wide|fat|short|small|tall|"
	    "heavy|light|old|new)|(?:a|b|c|d|e|f|g)(?:h|i|j|k|l|m|n)(?:o|p|q|r|s)"
	    " xyz"), "too big|too fat|too heavy|too large|too light|too long|"
	    "too new|too old|too short|too small|too tall|too wide|xyz");
	/* A named group or an atomic group is not plain text. */
	ck_assert_str_eq(set_of("(?<n>abc)def"), "def");
	ck_assert_str_eq(set_of("(?>abcd)efg"), "efg");
}
END_TEST

START_TEST(test_literal_buffer)
{
	char small[4];

	/* A literal that does not fit is no literal (not a truncated one). */
	ck_assert_uint_eq(dsnx_pattern_literal("abcdef", small, sizeof(small)), 0);
	ck_assert_uint_eq(dsnx_pattern_literal("abc", small, sizeof(small)), 3);
	ck_assert_str_eq(small, "abc");
	ck_assert_uint_eq(dsnx_pattern_literal("", small, sizeof(small)), 0);
}
END_TEST

/* The PCRE2 calls the property tests use, in one place. */
typedef struct pcre {
	__typeof__(pcre2_compile_8) *compile;
	__typeof__(pcre2_match_8) *match;
	__typeof__(pcre2_match_data_create_from_pattern_8) *md_create;
	__typeof__(pcre2_match_data_free_8) *md_free;
	__typeof__(pcre2_code_free_8) *code_free;
} pcre;

static void
pcre_open(pcre *p)
{
	p->compile = pcre2_compile_8;
	p->match = pcre2_match_8;
	p->md_create = pcre2_match_data_create_from_pattern_8;
	p->md_free = pcre2_match_data_free_8;
	p->code_free = pcre2_code_free_8;
}

/* Does pattern match text as the rules run it?  -1 if it does not compile. */
static int
pcre_matches(const pcre *p, const char *pattern, const char *text)
{
	int code, rc;
	PCRE2_SIZE off;
	pcre2_code *re = p->compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	    PCRE2_CASELESS | PCRE2_MULTILINE | PCRE2_UTF, &code, &off, NULL);
	pcre2_match_data *md;

	if (re == NULL)
		return -1;
	ck_assert_ptr_nonnull(md = p->md_create(re, NULL));
	rc = p->match(re, (PCRE2_SPTR)text, strlen(text), 0, 0, md, NULL);
	p->md_free(md);
	p->code_free(re);
	return rc >= 0;
}

static uint64_t rng_state;

static unsigned
rnd(unsigned n)
{
	/* xorshift64*: deterministic, so a failure can be replayed. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (unsigned)((rng_state * 2685821657736338717ull) >> 33) % n;
}

/* One piece of pattern with a string it matches. */
typedef struct atom {
	const char *re;
	const char *sample;     /* one string the atom matches */
} atom;

static const atom atoms[] = {
	{ "user", "USER" }, { "mail", "mail" }, { "box", "box" },
	{ " full", " Full" }, { "5\\.1\\.1", "5.1.1" }, { "quota", "quota" },
	{ "d", "d" }, { "e", "E" }, { "f", "f" }, { "g", "g" },
	{ "a", "a" }, { "b", "b" }, { "c", "c" }, { "A", "a" }, { "B", "B" },
	{ " ", " " }, { "1", "1" }, { "2", "2" }, { ":", ":" }, { "-", "-" },
	{ ",", "," }, { "@", "@" }, { "<", "<" }, { ">", ">" }, { "=", "=" },
	{ "\\.", "." }, { "\\(", "(" }, { "\\)", ")" }, { "\\[", "[" },
	{ "\\+", "+" }, { "\\?", "?" }, { "\\*", "*" }, { "\\{", "{" },
	{ "\\}", "}" }, { "\\|", "|" }, { "\\\\", "\\" }, { "\\$", "$" },
	{ ".", "x" }, { "\\d", "7" }, { "\\s", " " }, { "\\S", "q" },
	{ "\\w", "w" }, { "[ab]", "b" }, { "[^a]", "c" }, { "[a-c]", "C" },
	{ "[.]", "." }, { "[\\]a]", "]" }, { "(a|b)", "a" }, { "(?:ab|c)", "c" },
	{ "(ab)", "Ab" }, { "(?i:Ab)", "aB" }, { "(?=a)a", "a" },
	{ "\\bx", "x" },
};

/* Quantifiers: how many times the atom's sample is repeated. */
static const struct {
	const char *q;
	unsigned min, max;
} quants[] = {
	{ "", 1, 1 }, { "", 1, 1 }, { "", 1, 1 }, { "", 1, 1 }, { "", 1, 1 },
	{ "", 1, 1 }, { "", 1, 1 }, { "", 1, 1 }, { "", 1, 1 }, { "", 1, 1 },
	{ "?", 0, 1 }, { "*", 0, 3 }, { "+", 1, 3 }, { "??", 0, 1 },
	{ "+?", 1, 2 }, { "{2}", 2, 2 }, { "{1,3}", 1, 3 }, { "{0,2}", 0, 2 },
	{ "{2,}", 2, 4 },
};

/*
 * Known bugs in dsnx_pattern_literal and dsnx_pattern_literals
 * (the prefilter's literal extraction): each pattern below
 * matches the text beside it (PCRE2, caseless), but the literal extracted
 * for it is not in that text, so the prefilter would skip a rule that
 * matches.  The loader catches such a rule only when one of its examples
 * happens to exercise it ("the prefilter rejects an example the patterns
 * match").  Each case is a separate loop iteration so all are reported.
 */
static const struct {
	const char *pattern, *text;
} literal_bugs[] = {
	/* Regression: \x41 is 'A'; "41bcd" is taken as text. */
	{ "\\x41bcd", "Abcd" },
	/* Regression: \p{Han} is a property; "han" is taken as text. */
	{ "\\p{Han}", "\xe6\xbc\xa2" },
	/* Regression: \N{U+0041} is 'A'; "u+0041" ... "0041" taken as text. */
	{ "\\N{U+0041}bcd", "Abcd" },
	/* Regression: \k<w> is a back reference; "<w>" is taken as text. */
	{ "(?<word>abc)\\k<word>", "abcabc" },
	/* Was a bug before the rewrite (4654801): ']' first in a class is a
	 * member, not its end.  Passes now; kept as a regression check. */
	{ "x[]abc]yz", "x]yz" },
	{ "x[^]abc]yz", "xqyz" },
	/* Regression: a POSIX class "[:digit:]" ends the class walk early. */
	{ "[[:digit:]xyz]+", "1" },
	/* Regression: extended mode switched on with other letters, "(?ix)". */
	{ "(?ix)foo bar", "foobar" },
	/* Regression: \c takes the next character as its argument. */
	{ "\\cAbcd", "\001bcd" },
	/* Regression: octal \12 (a newline): "2abc" is taken as text. */
	{ "\\12abc", "\nabc" },
	/* Regression: \x{4abc} is U+4ABC; "4abc" taken as text. */
	{ "\\x{4abc}", "\xe4\xaa\xbc" },
	/* Regression: \pL is one letter; "labc" taken as text. */
	{ "\\pLabc", "xabc" },
	/* Regression: a backtracking verb's name is taken as text. */
	{ "abc(*COMMIT)", "abc" },
	{ "(*UTF)x\\d", "x1" },
};

START_TEST(test_literal_regressions)
{
	const char *l = lit(literal_bugs[_i].pattern);
	char lower[64];
	size_t k;
	pcre p;

	/* First: the pattern does match the text. */
	pcre_open(&p);
	ck_assert_int_eq(pcre_matches(&p, literal_bugs[_i].pattern,
	    literal_bugs[_i].text), 1);

	for (k = 0; literal_bugs[_i].text[k] != '\0' && k + 1 < sizeof(lower); k++) {
		char c = literal_bugs[_i].text[k];

		lower[k] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	lower[k] = '\0';
	ck_assert_msg(l[0] == '\0' || strstr(lower, l) != NULL,
	    "pattern \"%s\" matches \"%s\" but its literal \"%s\" is not in it",
	    literal_bugs[_i].pattern, literal_bugs[_i].text, l);
}
END_TEST

/* ---------------------------------------------------- property test */

/*
 * One random (pattern, text) pair where text was built from the pattern's
 * pieces, so it usually matches; 1 if PCRE2 agrees it does.
 */
static int
gen_pair(const pcre *p, char *pattern, size_t psize, char *text, size_t tsize)
{
	size_t pl = 0, tl = 0, k;
	unsigned natoms = 1 + rnd(8), i, j, reps;

	(void)tsize;	/* at most 4 + 8 * 4 * 5 + 3 bytes: well below */
	pattern[0] = '\0';
	/* Anchored now and then; otherwise noise before the match. */
	if (rnd(4) == 0)
		pl += (size_t)snprintf(pattern + pl, psize - pl, "^");
	else
		for (j = rnd(4); j > 0; j--)
			text[tl++] = "xyz .:-1"[rnd(8)];
	for (i = 0; i < natoms; i++) {
		const atom *a = &atoms[rnd(sizeof(atoms) / sizeof(atoms[0]))];
		unsigned q = rnd(sizeof(quants) / sizeof(quants[0]));

		pl += (size_t)snprintf(pattern + pl, psize - pl, "%s%s", a->re,
		    quants[q].q);
		reps = quants[q].min + rnd(quants[q].max - quants[q].min + 1);
		for (j = 0; j < reps; j++)
			for (k = 0; a->sample[k] != '\0'; k++) {
				char c = a->sample[k];

				/* Caseless: flip letters now and then. */
				if (rnd(3) == 0 && ((c >= 'a' && c <= 'z')
				    || (c >= 'A' && c <= 'Z')))
					c ^= 0x20;
				text[tl++] = c;
			}
	}
	/* Sometimes a top-level alternation, sometimes trailing noise. */
	if (rnd(8) == 0)
		pl += (size_t)snprintf(pattern + pl, psize - pl, "|%s",
		    rnd(2) ? "zz" : "quota exceeded");
	for (j = rnd(3); j > 0; j--)
		text[tl++] = "xyz .:-1"[rnd(8)];
	text[tl] = '\0';
	return pcre_matches(p, pattern, text) == 1;
}

static void
lower_ascii(const char *s, char *out)
{
	for (; *s != '\0'; s++)
		*out++ = (char)(*s >= 'A' && *s <= 'Z' ? *s + 32 : *s);
	*out = '\0';
}

START_TEST(test_literal_property)
{
	pcre p;
	unsigned pairs = 0, with_literal = 0, tries = 0;

	/* For 2,000 pairs where the pattern matches the text, the literal
	 * (if any) occurs in the lower-cased text. */
	pcre_open(&p);
	rng_state = 0x9e3779b97f4a7c15ull;
	while (pairs < 2000) {
		char pattern[256], text[512], lower[512], l[256];

		ck_assert_uint_lt(++tries, 20000);
		if (!gen_pair(&p, pattern, sizeof(pattern), text, sizeof(text)))
			continue;	/* does not compile, or the sample missed */
		pairs++;
		if (dsnx_pattern_literal(pattern, l, sizeof(l)) == 0)
			continue;
		with_literal++;
		lower_ascii(text, lower);
		ck_assert_msg(strstr(lower, l) != NULL,
		    "pair %u: pattern \"%s\" matches \"%s\" but its literal \"%s\" "
		    "is not in it", pairs, pattern, text, l);
	}
	/* The test means something only if literals were found often. */
	ck_assert_uint_gt(with_literal, 500);
}
END_TEST

START_TEST(test_literal_set_property)
{
	pcre p;
	unsigned pairs = 0, with_set = 0, multi = 0, tries = 0;

	/* The same for the sets the prefilter uses: at least one member of
	 * a non-empty set occurs in every text the pattern matches. */
	pcre_open(&p);
	rng_state = 0x2545f4914f6cdd1dull;
	while (pairs < 2000) {
		char pattern[256], text[512], lower[512];
		literal_set ls;
		unsigned k;
		int found = 0;

		ck_assert_uint_lt(++tries, 20000);
		if (!gen_pair(&p, pattern, sizeof(pattern), text, sizeof(text)))
			continue;
		pairs++;
		dsnx_pattern_literals(pattern, &ls);
		if (ls.count == 0)
			continue;
		with_set++;
		multi += ls.count > 1;
		lower_ascii(text, lower);
		for (k = 0; k < ls.count && !found; k++) {
			char one[LITERAL_MAX + 1];

			ck_assert_uint_ge(ls.len[k], 3);
			ck_assert_uint_lt(ls.len[k], sizeof(one));
			memcpy(one, ls.lit[k], ls.len[k]);
			one[ls.len[k]] = '\0';
			found = strstr(lower, one) != NULL;
		}
		ck_assert_msg(found, "pair %u: pattern \"%s\" matches \"%s\" but "
		    "none of its %u literals (first \"%.*s\") is in it", pairs,
		    pattern, text, ls.count, (int)ls.len[0], ls.lit[0]);
	}
	ck_assert_uint_gt(with_set, 500);
	ck_assert_uint_gt(multi, 20);
}
END_TEST

static Suite *
literals_suite(void)
{
	Suite *s = suite_create("literals");
	TCase *te = tcase_create("examples");
	TCase *tp = tcase_create("property");

	tcase_add_test(te, test_literal_examples);
	tcase_add_test(te, test_literal_caseless_scripts);
	tcase_add_test(te, test_literal_quantifiers);
	tcase_add_test(te, test_literal_products);
	tcase_add_test(te, test_literal_buffer);
	tcase_add_loop_test(te, test_literal_regressions, 0,
	    (int)(sizeof(literal_bugs) / sizeof(literal_bugs[0])));
	suite_add_tcase(s, te);

	tcase_add_test(tp, test_literal_property);
	tcase_add_test(tp, test_literal_set_property);
	tcase_set_timeout(tp, 60);
	suite_add_tcase(s, tp);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(literals_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
