/*
 * test_acsearch - unit tests for lib/acsearch.c
 *
 * The textbook example, case folding limited to ASCII letters, shared
 * ids, bytes that are not text, literals that end inside others, edge
 * cases of the API, and a cross-check against a naive search on random
 * literal sets and texts (fixed seed), both for a full DFA and for an
 * automaton too big for one (dense rows for shallow states only).
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acsearch.h"

static int
bit(const uint64_t *seen, unsigned id)
{
	return (int)((seen[id / 64] >> (id % 64)) & 1);
}

/* Builds an automaton of NUL-terminated literals with ids 0, 1, ... */
static dsnx_ac *
make(const char *const *lits, size_t n)
{
	dsnx_ac *ac;
	size_t	i;

	ck_assert_int_eq(dsnx_ac_new(&ac), DSNX_OK);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(dsnx_ac_add(ac, lits[i], strlen(lits[i]),
					     (unsigned)i), DSNX_OK);
	ck_assert_int_eq(dsnx_ac_compile(ac), DSNX_OK);
	return ac;
}

/* Scans text and returns the set bits of ids 0..31 as a mask. */
static uint32_t
scan_mask(const dsnx_ac *ac, const char *text, size_t len)
{
	uint64_t seen[4];
	uint32_t mask = 0;
	unsigned id;

	ck_assert_uint_le(dsnx_ac_words(ac), 4);
	memset(seen, 0, sizeof(seen));
	dsnx_ac_scan(ac, text, len, seen);
	for (id = 0; id < 32; id++)
		if (bit(seen, id))
			mask |= (uint32_t)1 << id;
	return mask;
}

#define SCAN(ac, s)	scan_mask((ac), (s), sizeof(s) - 1)

START_TEST(textbook)
{
	static const char *const lits[] = { "he", "she", "his", "hers" };
	dsnx_ac *ac = make(lits, 4);

	ck_assert_uint_eq(SCAN(ac, "ushers"), 0x1 | 0x2 | 0x8);
	ck_assert_uint_eq(SCAN(ac, "ahishers"), 0xF);
	ck_assert_uint_eq(SCAN(ac, "hi s"), 0);
	ck_assert_uint_eq(SCAN(ac, "h"), 0);
	ck_assert_uint_eq(SCAN(ac, ""), 0);
	ck_assert_uint_eq(scan_mask(ac, NULL, 0), 0);
	ck_assert_uint_eq(dsnx_ac_words(ac), 1);
	dsnx_ac_free(ac);
}
END_TEST

START_TEST(case_folding)
{
	static const char *const lits[] = {
		"Connection Refused", "[x]", "@a", "\xc3\x89t\xc3\xa9", "z"
	};
	dsnx_ac *ac = make(lits, 5);

	ck_assert_uint_eq(SCAN(ac, "connect: CONNECTION refused"), 0x1);
	ck_assert_uint_eq(SCAN(ac, "CoNnEcTiOn ReFuSeD"), 0x1);
	ck_assert_uint_eq(SCAN(ac, "connection  refused"), 0);
	/* Only A-Z fold: '[' and '{', '@' and '`' differ by 32 as well. */
	ck_assert_uint_eq(SCAN(ac, "{X}"), 0);
	ck_assert_uint_eq(SCAN(ac, "[X]"), 0x2);
	ck_assert_uint_eq(SCAN(ac, "`a"), 0);
	ck_assert_uint_eq(SCAN(ac, "@A"), 0x4);
	/* Non-ASCII bytes match exactly: no Latin-1 or UTF-8 folding. */
	ck_assert_uint_eq(SCAN(ac, "\xc3\x89T\xc3\xa9"), 0x8);
	ck_assert_uint_eq(SCAN(ac, "\xc3\xa9t\xc3\xa9"), 0);
	ck_assert_uint_eq(SCAN(ac, "Z"), 0x10);
	/* 'z' + 32 is '\x9a', 'Z' - 32 is ':'. */
	ck_assert_uint_eq(SCAN(ac, "\x9a:"), 0);
	dsnx_ac_free(ac);
}
END_TEST

START_TEST(shared_ids)
{
	dsnx_ac *ac;
	uint64_t seen[2];

	ck_assert_int_eq(dsnx_ac_new(&ac), DSNX_OK);
	ck_assert_int_eq(dsnx_ac_add(ac, "quota", 5, 3), DSNX_OK);
	ck_assert_int_eq(dsnx_ac_add(ac, "mailbox full", 12, 3), DSNX_OK);
	ck_assert_int_eq(dsnx_ac_add(ac, "full", 4, 70), DSNX_OK);
	ck_assert_int_eq(dsnx_ac_add(ac, "full", 4, 5), DSNX_OK);
	ck_assert_int_eq(dsnx_ac_add(ac, "FULL", 4, 6), DSNX_OK);
	ck_assert_uint_eq(dsnx_ac_words(ac), 2);
	ck_assert_int_eq(dsnx_ac_compile(ac), DSNX_OK);
	ck_assert_uint_eq(dsnx_ac_words(ac), 2);

	memset(seen, 0, sizeof(seen));
	dsnx_ac_scan(ac, "Mailbox Full", 12, seen);
	ck_assert_int_eq(bit(seen, 3), 1);
	ck_assert_int_eq(bit(seen, 5), 1);
	ck_assert_int_eq(bit(seen, 6), 1);
	ck_assert_int_eq(bit(seen, 70), 1);
	ck_assert_uint_eq(seen[0], (1u << 3) | (1u << 5) | (1u << 6));
	ck_assert_uint_eq(seen[1], (uint64_t)1 << 6);

	memset(seen, 0, sizeof(seen));
	dsnx_ac_scan(ac, "over quota", 10, seen);
	ck_assert_uint_eq(seen[0], 1u << 3);
	ck_assert_uint_eq(seen[1], 0);
	dsnx_ac_free(ac);
}
END_TEST

START_TEST(binary_bytes)
{
	dsnx_ac *ac;
	uint64_t seen[1];
	static const char text[] = "x\xff\0a\x80\x80\x80y";

	ck_assert_int_eq(dsnx_ac_new(&ac), DSNX_OK);
	ck_assert_int_eq(dsnx_ac_add(ac, "\xff\0A", 3, 0), DSNX_OK);
	ck_assert_int_eq(dsnx_ac_add(ac, "\0", 1, 1), DSNX_OK);
	ck_assert_int_eq(dsnx_ac_add(ac, "\x80\x80", 2, 2), DSNX_OK);
	ck_assert_int_eq(dsnx_ac_add(ac, "\x80\x80\x80\x80", 4, 3), DSNX_OK);
	ck_assert_int_eq(dsnx_ac_add(ac, "\xfe", 1, 4), DSNX_OK);
	ck_assert_int_eq(dsnx_ac_compile(ac), DSNX_OK);
	memset(seen, 0, sizeof(seen));
	dsnx_ac_scan(ac, text, sizeof(text) - 1, seen);
	ck_assert_uint_eq(seen[0], 0x7);
	dsnx_ac_free(ac);
}
END_TEST

START_TEST(suffixes)
{
	static const char *const lits[] = {
		"abcd", "bcd", "cd", "d", "bc", "abcde", "xabcd"
	};
	dsnx_ac *ac = make(lits, 7);

	ck_assert_uint_eq(SCAN(ac, "-abcd-"), 0x1F);
	ck_assert_uint_eq(SCAN(ac, "-bcd-"), 0x1E);
	ck_assert_uint_eq(SCAN(ac, "abcde"), 0x3F);
	ck_assert_uint_eq(SCAN(ac, "xabcd"), 0x5F);
	ck_assert_uint_eq(SCAN(ac, "abc"), 0x10);
	ck_assert_uint_eq(SCAN(ac, "ABCABCD"), 0x1F);
	dsnx_ac_free(ac);
}
END_TEST

START_TEST(api_edges)
{
	dsnx_ac *ac;
	uint64_t seen[1] = { 0 };
	uint64_t big[15626];

	/* No literals: compiles, finds nothing. */
	ck_assert_int_eq(dsnx_ac_new(&ac), DSNX_OK);
	ck_assert_uint_eq(dsnx_ac_words(ac), 1);
	dsnx_ac_scan(ac, "text", 4, seen);	/* before compile: nothing */
	ck_assert_int_eq(dsnx_ac_compile(ac), DSNX_OK);
	dsnx_ac_scan(ac, "anything at all", 15, seen);
	ck_assert_uint_eq(seen[0], 0);
	ck_assert_int_eq(dsnx_ac_add(ac, "late", 4, 0), DSNX_EINVAL);
	ck_assert_int_eq(dsnx_ac_compile(ac), DSNX_EINVAL);
	dsnx_ac_free(ac);

	ck_assert_int_eq(dsnx_ac_new(&ac), DSNX_OK);
	ck_assert_int_eq(dsnx_ac_add(ac, "", 0, 0), DSNX_EINVAL);
	ck_assert_int_eq(dsnx_ac_add(ac, "x", 0, 0), DSNX_EINVAL);
	ck_assert_int_eq(dsnx_ac_add(ac, NULL, 1, 0), DSNX_EINVAL);
	ck_assert_int_eq(dsnx_ac_add(ac, "x", 1, 1000000), DSNX_OK);
	ck_assert_int_eq(dsnx_ac_add(ac, "y", 1, 63), DSNX_OK);
	ck_assert_uint_eq(dsnx_ac_words(ac), (1000000 + 64) / 64);
	ck_assert_int_eq(dsnx_ac_compile(ac), DSNX_OK);
	ck_assert_int_eq(dsnx_ac_add(ac, "z", 1, 0), DSNX_EINVAL);
	memset(big, 0, sizeof(big));
	dsnx_ac_scan(ac, "xX", 2, big);
	ck_assert_int_eq(bit(big, 1000000), 1);
	ck_assert_int_eq(bit(big, 63), 0);
	dsnx_ac_scan(ac, "Y", 1, big);
	ck_assert_int_eq(bit(big, 63), 1);
	ck_assert_uint_eq(big[0], (uint64_t)1 << 63);
	dsnx_ac_free(ac);

	/* One literal only, the whole text. */
	ck_assert_int_eq(dsnx_ac_new(&ac), DSNX_OK);
	ck_assert_int_eq(dsnx_ac_add(ac, "Q", 1, 0), DSNX_OK);
	ck_assert_int_eq(dsnx_ac_compile(ac), DSNX_OK);
	seen[0] = 0;
	dsnx_ac_scan(ac, "q", 1, seen);
	ck_assert_uint_eq(seen[0], 1);
	dsnx_ac_free(ac);
	dsnx_ac_free(NULL);
}
END_TEST

/* ------------------------------------------------------------ random */

static uint64_t rng_state;

static uint64_t
rng(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

static unsigned char
fold(unsigned char c)
{
	return (unsigned char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
}

/* Does the folded literal occur in the folded text? */
static int
naive_occurs(const unsigned char *text, size_t tlen,
    const unsigned char *lit, size_t llen)
{
	size_t	i, k;

	for (i = 0; i + llen <= tlen; i++) {
		for (k = 0; k < llen && fold(text[i + k]) == fold(lit[k]); k++)
			 /* void */ ;
		if (k == llen)
			return 1;
	}
	return 0;
}

/* Folds into out (len bytes); for memmem on folded copies. */
static void
fold_copy(unsigned char *out, const unsigned char *in, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		out[i] = fold(in[i]);
}

START_TEST(random_small)
{
	/* Few symbols, so that literals overlap and nest a lot. */
	static const unsigned char alpha[] = "aAbB[{\xc3\x00\xff";
	unsigned char lits[40][8], text[300];
	size_t	llen[40], nl, tl, i, k, iter, words;
	unsigned ids[40];
	uint64_t seen[4], want[4];
	dsnx_ac *ac;

	rng_state = UINT64_C(0x9E3779B97F4A7C15);
	for (iter = 0; iter < 4000; iter++) {
		size_t	asize = 2 + (size_t)(rng() % (sizeof(alpha) - 2));

		nl = (size_t)(rng() % 40);
		ck_assert_int_eq(dsnx_ac_new(&ac), DSNX_OK);
		for (i = 0; i < nl; i++) {
			llen[i] = 1 + (size_t)(rng() % 7);
			for (k = 0; k < llen[i]; k++)
				lits[i][k] = alpha[rng() % asize];
			ids[i] = (unsigned)(rng() % 200);
			ck_assert_int_eq(dsnx_ac_add(ac, (const char *)lits[i],
						     llen[i], ids[i]), DSNX_OK);
		}
		ck_assert_int_eq(dsnx_ac_compile(ac), DSNX_OK);
		words = dsnx_ac_words(ac);
		ck_assert_uint_le(words, 4);
		for (k = 0; k < 5; k++) {
			tl = (size_t)(rng() % sizeof(text));
			for (i = 0; i < tl; i++)
				text[i] = rng() % 8 == 0 ? (unsigned char)rng()
				    : alpha[rng() % asize];
			memset(want, 0, sizeof(want));
			for (i = 0; i < nl; i++)
				if (naive_occurs(text, tl, lits[i], llen[i]))
					want[ids[i] / 64] |= (uint64_t)1 << (ids[i] % 64);
			memset(seen, 0, sizeof(seen));
			dsnx_ac_scan(ac, (const char *)text, tl, seen);
			ck_assert_mem_eq(seen, want, sizeof(seen));
		}
		dsnx_ac_free(ac);
	}
}
END_TEST

/*
 * Long texts, which a full DFA scans in several lanes at once, each
 * starting a little before its share: literals planted across every
 * place a lane may start or stop, at the very start and end, and cut
 * short there, must be found exactly as one scan finds them.
 */
START_TEST(random_lanes)
{
	static const unsigned char alpha[] = "abAB xyz";
	unsigned char lits[30][48], text[6000];
	size_t	llen[30], nl, tl, i, k, j, iter, at, share, maxlen;
	unsigned ids[30];
	uint64_t seen[2], want[2];
	dsnx_ac *ac;

	rng_state = 4242;
	for (iter = 0; iter < 300; iter++) {
		nl = 1 + (size_t)(rng() % 30);
		maxlen = 0;
		ck_assert_int_eq(dsnx_ac_new(&ac), DSNX_OK);
		for (i = 0; i < nl; i++) {
			llen[i] = 1 + (size_t)(rng() % 48);
			for (k = 0; k < llen[i]; k++)
				lits[i][k] = alpha[rng() % (sizeof(alpha) - 1)];
			ids[i] = (unsigned)(rng() % 100);
			if (llen[i] > maxlen)
				maxlen = llen[i];
			ck_assert_int_eq(dsnx_ac_add(ac, (const char *)lits[i],
						     llen[i], ids[i]), DSNX_OK);
		}
		ck_assert_int_eq(dsnx_ac_compile(ac), DSNX_OK);
		tl = (size_t)(rng() % sizeof(text));
		for (i = 0; i < tl; i++)
			text[i] = (unsigned char)('0' + rng() % 10);
		/* Around each quarter (and the ends): a literal ending or
		 * starting a few bytes either side. */
		share = tl / 4;
		for (j = 0; j <= 4 && tl > 0; j++) {
			i = (size_t)(rng() % nl);
			at = j * share + (size_t)(rng() % (2 * maxlen + 1));
			at = at >= maxlen ? at - maxlen : 0;
			if (at + llen[i] > tl)
				at = tl >= llen[i] ? tl - llen[i] : 0;
			k = llen[i] <= tl - at ? llen[i] : tl - at;
			memcpy(text + at, lits[i], k);
		}
		memset(want, 0, sizeof(want));
		for (i = 0; i < nl; i++)
			if (naive_occurs(text, tl, lits[i], llen[i]))
				want[ids[i] / 64] |= (uint64_t)1 << (ids[i] % 64);
		memset(seen, 0, sizeof(seen));
		dsnx_ac_scan(ac, (const char *)text, tl, seen);
		ck_assert_mem_eq(seen, want, sizeof(seen));
		/* Every prefix length near the size where lanes begin
		 * (4 x (longest literal + 16), acsearch.c). */
		for (k = 4 * (maxlen + 12); k < 4 * (maxlen + 20) && k <= tl; k++) {
			memset(want, 0, sizeof(want));
			for (i = 0; i < nl; i++)
				if (naive_occurs(text, k, lits[i], llen[i]))
					want[ids[i] / 64] |= (uint64_t)1 << (ids[i] % 64);
			memset(seen, 0, sizeof(seen));
			dsnx_ac_scan(ac, (const char *)text, k, seen);
			ck_assert_mem_eq(seen, want, sizeof(seen));
		}
		dsnx_ac_free(ac);
	}
}
END_TEST

/*
 * A literal set whose full DFA would exceed the dense budget (about
 * 110,000 states over 231 classes), so that deep states are sparse;
 * checked against memmem on folded copies.
 */
START_TEST(random_sparse)
{
	enum { NL = 16000, LL = 40, TL = 20000 };
	unsigned char (*lits)[LL] = malloc(sizeof(*lits) * NL);
	unsigned char *text = malloc(TL), *ftext = malloc(TL), flit[LL];
	uint64_t seen[(NL + 64) / 64], want[(NL + 64) / 64];
	size_t	i, k, iter, at, len;
	dsnx_ac *ac;

	ck_assert_ptr_nonnull(lits);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(ftext);
	rng_state = 12345;
	ck_assert_int_eq(dsnx_ac_new(&ac), DSNX_OK);
	for (i = 0; i < NL; i++) {
		/* Shared prefixes now and then, to have some structure. */
		k = 0;
		if (i > 0 && rng() % 4 == 0) {
			memcpy(lits[i], lits[rng() % i], LL);
			k = (size_t)(rng() % LL);
		}
		for (; k < LL; k++)
			lits[i][k] = (unsigned char)rng();
		len = 1 + (size_t)(rng() % (LL - 1));
		ck_assert_int_eq(dsnx_ac_add(ac, (const char *)lits[i], len,
					     (unsigned)i), DSNX_OK);
		lits[i][LL - 1] = (unsigned char)len;	/* remember it */
	}
	ck_assert_int_eq(dsnx_ac_compile(ac), DSNX_OK);
	for (iter = 0; iter < 8; iter++) {
		for (i = 0; i < TL; i++)
			text[i] = (unsigned char)rng();
		/* Plant literals, some cut short, some case-changed. */
		for (k = 0; k < 300; k++) {
			i = (size_t)(rng() % NL);
			len = lits[i][LL - 1];
			len = rng() % 5 == 0 && len > 1 ? len - 1 : len;
			at = (size_t)(rng() % (TL - LL));
			memcpy(text + at, lits[i], len);
			if (rng() % 2)
				for (; len > 0; len--)
					if (text[at + len - 1] >= 'a'
					    && text[at + len - 1] <= 'z')
						text[at + len - 1] -= 32;
		}
		fold_copy(ftext, text, TL);
		memset(want, 0, sizeof(want));
		for (i = 0; i < NL; i++) {
			len = lits[i][LL - 1];
			fold_copy(flit, lits[i], len);
			if (memmem(ftext, TL, flit, len) != NULL)
				want[i / 64] |= (uint64_t)1 << (i % 64);
		}
		memset(seen, 0, sizeof(seen));
		dsnx_ac_scan(ac, (const char *)text, TL, seen);
		ck_assert_mem_eq(seen, want, sizeof(seen));
	}
	dsnx_ac_free(ac);
	free(lits);
	free(text);
	free(ftext);
}
END_TEST

/*
 * Over 65,536 states but few classes: a full DFA too big for 16-bit
 * rows keeps the 32-bit table, lanes included; checked against memmem
 * on folded copies like random_sparse.
 */
START_TEST(random_wide)
{
	enum { NL = 6000, LL = 24, TL = 30000 };
	static const unsigned char alpha[] = "abcdefgH";
	unsigned char (*lits)[LL] = malloc(sizeof(*lits) * NL);
	unsigned char *text = malloc(TL), *ftext = malloc(TL), flit[LL];
	uint64_t seen[(NL + 64) / 64], want[(NL + 64) / 64];
	size_t	i, k, iter, at, len, tl;
	dsnx_ac *ac;

	ck_assert_ptr_nonnull(lits);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(ftext);
	rng_state = 2024;
	ck_assert_int_eq(dsnx_ac_new(&ac), DSNX_OK);
	for (i = 0; i < NL; i++) {
		for (k = 0; k < LL - 1; k++)
			lits[i][k] = alpha[rng() % (sizeof(alpha) - 1)];
		len = 16 + (size_t)(rng() % (LL - 17));
		ck_assert_int_eq(dsnx_ac_add(ac, (const char *)lits[i], len,
					     (unsigned)i), DSNX_OK);
		lits[i][LL - 1] = (unsigned char)len;
	}
	ck_assert_int_eq(dsnx_ac_compile(ac), DSNX_OK);
	for (iter = 0; iter < 6; iter++) {
		tl = iter == 0 ? 300 : TL / iter;	/* one lane and four */
		for (i = 0; i < tl; i++)
			text[i] = alpha[rng() % (sizeof(alpha) - 1)];
		for (k = 0; k < tl / 100; k++) {
			i = (size_t)(rng() % NL);
			len = lits[i][LL - 1];
			at = (size_t)(rng() % (tl - LL));
			memcpy(text + at, lits[i], len);
		}
		fold_copy(ftext, text, tl);
		memset(want, 0, sizeof(want));
		for (i = 0; i < NL; i++) {
			len = lits[i][LL - 1];
			fold_copy(flit, lits[i], len);
			if (memmem(ftext, tl, flit, len) != NULL)
				want[i / 64] |= (uint64_t)1 << (i % 64);
		}
		memset(seen, 0, sizeof(seen));
		dsnx_ac_scan(ac, (const char *)text, tl, seen);
		ck_assert_mem_eq(seen, want, sizeof(seen));
	}
	dsnx_ac_free(ac);
	free(lits);
	free(text);
	free(ftext);
}
END_TEST

/* 100,000 word-like literals: compile and scan in well under a second. */
START_TEST(many_literals)
{
	enum { NL = 100000, TL = 1 << 20 };
	static const char letters[] = "abcdefghijklmnopqrstuvwxyz .-:";
	char (*lits)[24] = malloc(sizeof(*lits) * NL);
	char   *text = malloc(TL);
	uint64_t *seen;
	size_t	i, k, len, nset, words;
	dsnx_ac *ac;
	clock_t	t0;
	double	compile_s, scan_s;

	ck_assert_ptr_nonnull(lits);
	ck_assert_ptr_nonnull(text);
	rng_state = 777;
	ck_assert_int_eq(dsnx_ac_new(&ac), DSNX_OK);
	t0 = clock();
	for (i = 0; i < NL; i++) {
		len = 6 + (size_t)(rng() % 18);
		for (k = 0; k < len; k++)
			lits[i][k] = letters[rng() % (sizeof(letters) - 1)];
		lits[i][len] = '\0';
		ck_assert_int_eq(dsnx_ac_add(ac, lits[i], len, (unsigned)i),
				 DSNX_OK);
	}
	ck_assert_int_eq(dsnx_ac_compile(ac), DSNX_OK);
	compile_s = (double)(clock() - t0) / CLOCKS_PER_SEC;
	for (i = 0; i < TL; i++)
		text[i] = letters[rng() % (sizeof(letters) - 1)];
	for (i = 0; i < 1000; i++) {
		k = i * 1024 + (size_t)(rng() % 1000);	/* no overlaps */
		memcpy(text + k, lits[i * 97], strlen(lits[i * 97]));
	}
	words = dsnx_ac_words(ac);
	ck_assert_uint_eq(words, (NL - 1 + 64) / 64);
	seen = calloc(words, sizeof(uint64_t));
	ck_assert_ptr_nonnull(seen);
	t0 = clock();
	dsnx_ac_scan(ac, text, TL, seen);
	scan_s = (double)(clock() - t0) / CLOCKS_PER_SEC;
	for (i = 0, nset = 0; i < NL; i++) {
		if (!bit(seen, (unsigned)i))
			continue;
		nset++;
		ck_assert_ptr_nonnull(memmem(text, TL, lits[i], strlen(lits[i])));
	}
	for (i = 0; i < 1000; i++)
		ck_assert_int_eq(bit(seen, (unsigned)(i * 97)), 1);
	ck_assert_uint_ge(nset, 1000);
	fprintf(stderr, "many_literals: compile %.3f s, scan of 1 MiB %.3f s,"
		" %zu found\n", compile_s, scan_s, nset);
	ck_assert(compile_s < 10.0);	/* generous: valgrind, sanitizers */
	ck_assert(scan_s < 10.0);
	free(seen);
	dsnx_ac_free(ac);
	free(lits);
	free(text);
}
END_TEST

static Suite *
acsearch_suite(void)
{
	Suite  *s = suite_create("acsearch");
	TCase  *tc = tcase_create("acsearch");
	TCase  *big = tcase_create("big");

	tcase_add_test(tc, textbook);
	tcase_add_test(tc, case_folding);
	tcase_add_test(tc, shared_ids);
	tcase_add_test(tc, binary_bytes);
	tcase_add_test(tc, suffixes);
	tcase_add_test(tc, api_edges);
	tcase_add_test(tc, random_small);
	tcase_add_test(tc, random_lanes);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	tcase_add_test(big, random_sparse);
	tcase_add_test(big, random_wide);
	tcase_add_test(big, many_literals);
	tcase_set_timeout(big, 300);
	suite_add_tcase(s, big);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(acsearch_suite());
	int	failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
