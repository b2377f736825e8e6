/*
 * NAME
 *	acsearch - many literals in one pass (Aho-Corasick)
 * SYNOPSIS
 *	#include "acsearch.h"
 *
 *	dsnx_status dsnx_ac_new(dsnx_ac **out)
 *	void	dsnx_ac_free(dsnx_ac *ac)
 *	dsnx_status dsnx_ac_add(dsnx_ac *ac, const char *literal,
 *		size_t len, unsigned id)
 *	dsnx_status dsnx_ac_compile(dsnx_ac *ac)
 *	size_t	dsnx_ac_words(const dsnx_ac *ac)
 *	void	dsnx_ac_scan(const dsnx_ac *ac, const char *text,
 *		size_t len, uint64_t *seen)
 * DESCRIPTION
 *	Literals are folded (ASCII A-Z to a-z, through a table; no locale)
 *	and kept until dsnx_ac_compile(), which sorts them and builds the
 *	trie in one pass (each literal shares with the trie exactly its
 *	common prefix with the previous one), then renumbers the states
 *	breadth-first, so that the children of a state are consecutive,
 *	a failure link always points to a smaller number, and shallow (hot)
 *	states come first.
 *
 *	Bytes are mapped to classes: each folded byte that occurs in some
 *	literal has a class of its own, all other bytes share class 0, so a
 *	row of the transition table has ncls entries rather than 256
 *	(typically 30 to 60 for English literals).
 *
 *	When states x classes fit in 2^24 entries (64 MiB), the automaton is
 *	a full DFA: the table holds goto and failure folded together, as
 *	row offsets (state x ncls) so a step is one load and one add, and
 *	the states with output are numbered last so a step tests for output
 *	with one comparison.  A full DFA of at most 65,536 states keeps
 *	row numbers in 16 bits instead (a step multiplies by ncls): half
 *	the bytes, so more of the rows a scan visits stay in the cache.
 *	Otherwise the first 2^24 / ncls states (the
 *	shallowest) get dense rows and the others keep their goto edges
 *	(sorted, searched by bisection) and failure link, which a scan
 *	follows until it reaches a dense state; that is still linear in
 *	the length of the text.
 *
 *	A step of a full DFA waits for the table load of the step before,
 *	so one scan runs at the latency of a load and the core mostly
 *	waits.  A long text is scanned in four lanes in lockstep instead,
 *	each starting at the root the longest literal's length before its
 *	quarter (ac_scan_lanes()): together they set the same bits as one
 *	scan, about twice as fast.
 *
 *	Each state lists the ids of the literals that end exactly there;
 *	a dictionary link points to the nearest state along the failure
 *	chain that has such a list, so a state with output reports every
 *	literal that ends at that position without the lists being copied
 *	(which could be quadratic).
 * LIMITS
 *	A literal is at least 1 byte; all literals together at most 1 GiB.
 *	Any unsigned id is accepted; dsnx_ac_words() is (largest id + 64) /
 *	64, or 1 with no literals.  After dsnx_ac_compile() the object is
 *	read-only and may be scanned by many threads at once; a scan
 *	before compiling finds nothing.
 * DIAGNOSTICS
 *	DSNX_EINVAL for a NULL or empty literal, an add after compiling, or
 *	a second compile; DSNX_ELIMIT when the literals exceed 1 GiB;
 *	DSNX_ENOMEM when allocation fails (the object can only be freed
 *	then; scans of it find nothing).
 * SEE ALSO
 *	A. V. Aho, M. J. Corasick, "Efficient string matching: an aid to
 *	bibliographic search", CACM 18(6), 1975.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acsearch.h"

#define AC_DENSE_BUDGET	((size_t)1 << 24)	/* table entries */
#define AC_MAX_BYTES	((size_t)1 << 30)	/* all literals together */

typedef struct ac_lit {
	size_t	off;			/* in the pool, folded */
	size_t	len;
	unsigned id;
} ac_lit;

typedef struct ac_sorted {
	const unsigned char *p;
	size_t	len;
	unsigned id;
} ac_sorted;

struct dsnx_ac {
	int	compiled;
	unsigned max_id;
	unsigned char fold[256];
	unsigned char cls[256];		/* byte -> class, folding included */
	/* Before compiling. */
	unsigned char *pool;
	size_t	pool_len;
	size_t	pool_cap;
	ac_lit *lits;
	size_t	nlits;
	size_t	lits_cap;
	/* After compiling. */
	uint32_t nstates;
	uint32_t ncls;
	uint32_t maxlen;		/* the longest literal */
	uint32_t ndense;		/* states with a dense row */
	uint32_t *delta;		/* ndense x ncls */
	uint16_t *delta16;		/* full DFA of few states, or NULL */
	uint32_t out_row;		/* full DFA: rows from here have output
					 * (offsets in delta, rows in delta16) */
	uint32_t *row_state;		/* full DFA: row number -> state */
	uint32_t *first_child;		/* sparse states: children are */
	uint8_t *nchild;		/* first_child .. + nchild - 1 */
	uint8_t *label;			/* class of the edge into a state */
	uint32_t *fail;			/* sparse states only */
	uint8_t *has_out;		/* sparse automaton only */
	uint32_t *out_start;		/* nstates + 1: own ids of each state */
	unsigned *out_ids;
	uint32_t *dict;			/* next state with own ids, 0: none */
};

dsnx_status
dsnx_ac_new(dsnx_ac **out)
{
	dsnx_ac *ac;
	unsigned b;

	*out = NULL;
	if ((ac = calloc(1, sizeof(*ac))) == NULL)
		return DSNX_ENOMEM;
	for (b = 0; b < 256; b++)
		ac->fold[b] = (unsigned char)(b >= 'A' && b <= 'Z' ? b + 32 : b);
	*out = ac;
	return DSNX_OK;
}

static void
ac_free_build(dsnx_ac *ac)
{
	free(ac->pool);
	free(ac->lits);
	ac->pool = NULL;
	ac->lits = NULL;
	ac->pool_len = ac->pool_cap = 0;
	ac->lits_cap = 0;
}

void
dsnx_ac_free(dsnx_ac *ac)
{
	if (ac == NULL)
		return;
	ac_free_build(ac);
	free(ac->delta);
	free(ac->delta16);
	free(ac->row_state);
	free(ac->first_child);
	free(ac->nchild);
	free(ac->label);
	free(ac->fail);
	free(ac->has_out);
	free(ac->out_start);
	free(ac->out_ids);
	free(ac->dict);
	free(ac);
}

dsnx_status
dsnx_ac_add(dsnx_ac *ac, const char *literal, size_t len, unsigned id)
{
	const unsigned char *s = (const unsigned char *)literal;
	size_t	k, cap;
	void   *p;

	if (ac == NULL || ac->compiled || literal == NULL || len == 0)
		return DSNX_EINVAL;
	if (len > AC_MAX_BYTES - ac->pool_len)
		return DSNX_ELIMIT;
	if (ac->pool_len + len > ac->pool_cap) {
		for (cap = ac->pool_cap ? ac->pool_cap : 1024;
		     cap < ac->pool_len + len; cap *= 2)
			 /* void */ ;
		if ((p = realloc(ac->pool, cap)) == NULL)
			return DSNX_ENOMEM;
		ac->pool = p;
		ac->pool_cap = cap;
	}
	if (ac->nlits == ac->lits_cap) {
		cap = ac->lits_cap ? ac->lits_cap * 2 : 64;
		if ((p = realloc(ac->lits, cap * sizeof(ac_lit))) == NULL)
			return DSNX_ENOMEM;
		ac->lits = p;
		ac->lits_cap = cap;
	}
	for (k = 0; k < len; k++)
		ac->pool[ac->pool_len + k] = ac->fold[s[k]];
	ac->lits[ac->nlits].off = ac->pool_len;
	ac->lits[ac->nlits].len = len;
	ac->lits[ac->nlits].id = id;
	ac->nlits++;
	ac->pool_len += len;
	if (id > ac->max_id)
		ac->max_id = id;
	return DSNX_OK;
}

size_t
dsnx_ac_words(const dsnx_ac *ac)
{
	return ac == NULL ? 1 : (size_t)(ac->max_id / 64) + 1;
}

static int
ac_cmp(const void *a, const void *b)
{
	const ac_sorted *x = a, *y = b;
	size_t	n = x->len < y->len ? x->len : y->len;
	int	r = memcmp(x->p, y->p, n);

	if (r != 0)
		return r;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* Goto edge of a state by class, or 0 (the root is nobody's child). */
static inline uint32_t
ac_goto(const dsnx_ac *ac, uint32_t s, unsigned c)
{
	uint32_t lo = ac->first_child[s], hi = lo + ac->nchild[s], mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ac->label[mid] < c)
			lo = mid + 1;
		else if (ac->label[mid] > c)
			hi = mid;
		else
			return mid;
	}
	return 0;
}

/* Transition of the automaton (goto, else failure) from state f. */
static inline uint32_t
ac_step(const dsnx_ac *ac, uint32_t f, unsigned c)
{
	uint32_t t;

	while (f >= ac->ndense) {
		if ((t = ac_goto(ac, f, c)) != 0)
			return t;
		f = ac->fail[f];
	}
	return ac->delta[(size_t)f * ac->ncls + c];
}

/*
 * Builds the trie from the sorted literals and numbers its states
 * breadth-first: fills first_child, nchild, label and the own ids of
 * each state (out_start, out_ids).
 */
static dsnx_status
ac_build_trie(dsnx_ac *ac, const ac_sorted *lits, size_t n)
{
	size_t	nodes = 1, maxlen = 0, i, j, lcp, prevlen = 0, head, tail;
	uint32_t *tfirst = NULL, *tnext = NULL, *tlast = NULL, *path = NULL;
	uint32_t *term = NULL, *newid = NULL, *queue = NULL;
	uint8_t *tlabel = NULL;
	dsnx_status st = DSNX_ENOMEM;
	const unsigned char *prev = NULL;
	uint32_t node, v, s;

	/* Count the nodes: each literal adds what it does not share with
	 * the one before. */
	for (i = 0; i < n; i++) {
		for (lcp = 0; prev != NULL && lcp < prevlen && lcp < lits[i].len
		     && prev[lcp] == lits[i].p[lcp]; lcp++)
			 /* void */ ;
		nodes += lits[i].len - lcp;
		if (lits[i].len > maxlen)
			maxlen = lits[i].len;
		prev = lits[i].p;
		prevlen = lits[i].len;
	}
	ac->nstates = (uint32_t)nodes;
	ac->maxlen = (uint32_t)maxlen;
	if ((tfirst = calloc(nodes, sizeof(uint32_t))) == NULL
	    || (tnext = calloc(nodes, sizeof(uint32_t))) == NULL
	    || (tlast = calloc(nodes, sizeof(uint32_t))) == NULL
	    || (tlabel = calloc(nodes, 1)) == NULL
	    || (path = calloc(maxlen + 1, sizeof(uint32_t))) == NULL
	    || (term = calloc(n + 1, sizeof(uint32_t))) == NULL
	    || (newid = calloc(nodes, sizeof(uint32_t))) == NULL
	    || (queue = calloc(nodes, sizeof(uint32_t))) == NULL
	    || (ac->first_child = calloc(nodes, sizeof(uint32_t))) == NULL
	    || (ac->nchild = calloc(nodes, 1)) == NULL
	    || (ac->label = calloc(nodes, 1)) == NULL
	    || (ac->out_start = calloc(nodes + 1, sizeof(uint32_t))) == NULL
	    || (ac->out_ids = calloc(n + 1, sizeof(unsigned))) == NULL)
		goto done;

	/* Trie in sorted order: new children always come last. */
	nodes = 1;
	prev = NULL;
	prevlen = 0;
	for (i = 0; i < n; i++) {
		for (lcp = 0; prev != NULL && lcp < prevlen && lcp < lits[i].len
		     && prev[lcp] == lits[i].p[lcp]; lcp++)
			 /* void */ ;
		node = lcp == 0 ? 0 : path[lcp - 1];
		for (j = lcp; j < lits[i].len; j++) {
			v = (uint32_t)nodes++;
			tlabel[v] = ac->cls[lits[i].p[j]];
			if (tfirst[node] == 0)
				tfirst[node] = v;
			else
				tnext[tlast[node]] = v;
			tlast[node] = v;
			path[j] = node = v;
		}
		term[i] = path[lits[i].len - 1];
		prev = lits[i].p;
		prevlen = lits[i].len;
	}

	/* Breadth-first numbering; children of a state become consecutive. */
	queue[0] = 0;
	newid[0] = 0;
	for (head = 0, tail = 1; head < tail; head++) {
		node = queue[head];
		s = (uint32_t)head;
		ac->first_child[s] = (uint32_t)tail;
		for (v = tfirst[node]; v != 0; v = tnext[v]) {
			newid[v] = (uint32_t)tail;
			ac->label[tail] = tlabel[v];
			queue[tail++] = v;
			ac->nchild[s]++;
		}
	}

	/* Own ids of each state, bucketed by state. */
	for (i = 0; i < n; i++)
		ac->out_start[newid[term[i]] + 1]++;
	for (i = 0; i < ac->nstates; i++)
		ac->out_start[i + 1] += ac->out_start[i];
	/* tlast[] is free now: the fill cursor of each state. */
	{
		uint32_t *fill = tlast;		/* reuse: nstates entries */

		memcpy(fill, ac->out_start, ac->nstates * sizeof(uint32_t));
		for (i = 0; i < n; i++)
			ac->out_ids[fill[newid[term[i]]]++] = lits[i].id;
	}
	st = DSNX_OK;
done:
	free(tfirst);
	free(tnext);
	free(tlast);
	free(tlabel);
	free(path);
	free(term);
	free(newid);
	free(queue);
	return st;
}

/* Failure links, dictionary links and dense rows, in breadth-first order. */
static dsnx_status
ac_build_links(dsnx_ac *ac)
{
	uint32_t n = ac->nstates, ncls = ac->ncls, s, v, f, c;
	uint32_t *row;

	if ((ac->fail = calloc(n, sizeof(uint32_t))) == NULL
	    || (ac->dict = calloc(n, sizeof(uint32_t))) == NULL
	    || (ac->delta = calloc((size_t)ac->ndense * ncls,
				   sizeof(uint32_t))) == NULL)
		return DSNX_ENOMEM;
	for (s = 0; s < n; s++) {
		if (s < ac->ndense) {
			row = ac->delta + (size_t)s * ncls;
			if (s != 0)
				memcpy(row, ac->delta + (size_t)ac->fail[s] * ncls,
				       ncls * sizeof(uint32_t));
			for (v = ac->first_child[s];
			     v < ac->first_child[s] + ac->nchild[s]; v++)
				row[ac->label[v]] = v;
		}
		for (v = ac->first_child[s];
		     v < ac->first_child[s] + ac->nchild[s]; v++) {
			c = ac->label[v];
			f = s == 0 ? 0 : ac_step(ac, ac->fail[s], c);
			ac->fail[v] = f;
			ac->dict[v] = ac->out_start[f + 1] > ac->out_start[f] ?
			    f : ac->dict[f];
		}
	}
	return DSNX_OK;
}

/* At most this many states: the full DFA's table holds 16-bit rows. */
#define AC_SMALL_STATES	65536u

/*
 * Halves the table of a full DFA of at most AC_SMALL_STATES states: its
 * entries become row numbers in 16 bits (a step multiplies by ncls).  A
 * scan's time is mostly spent waiting for table rows that are not in
 * the cache (the rest of a message's reading pushes them out), and half
 * the bytes are half the cache lines.  Falls back to the 32-bit table
 * when memory runs out.
 */
static dsnx_status
ac_shrink_dfa(dsnx_ac *ac)
{
	size_t	k, n = (size_t)ac->nstates * ac->ncls;

	if ((ac->delta16 = malloc(n * sizeof(uint16_t))) == NULL)
		return DSNX_OK;
	for (k = 0; k < n; k++)
		ac->delta16[k] = (uint16_t)(ac->delta[k] / ac->ncls);
	ac->out_row /= ac->ncls;
	free(ac->delta);
	ac->delta = NULL;
	return DSNX_OK;
}

/* Renumbers the dense rows of a full DFA: row offsets, output states last. */
static dsnx_status
ac_finish_dfa(dsnx_ac *ac)
{
	uint32_t n = ac->nstates, ncls = ac->ncls, s, c, quiet = 0, loud;
	uint32_t *perm, *nd;

	if ((perm = calloc(n, sizeof(uint32_t))) == NULL)
		return DSNX_ENOMEM;
	if ((ac->row_state = calloc(n, sizeof(uint32_t))) == NULL
	    || (nd = calloc((size_t)n * ncls, sizeof(uint32_t))) == NULL) {
		free(perm);
		return DSNX_ENOMEM;
	}
	for (s = 0; s < n; s++)
		if (ac->out_start[s + 1] == ac->out_start[s] && ac->dict[s] == 0)
			quiet++;
	ac->out_row = quiet * ncls;
	for (s = 0, loud = quiet, quiet = 0; s < n; s++) {
		if (ac->out_start[s + 1] == ac->out_start[s] && ac->dict[s] == 0)
			perm[s] = quiet++;
		else
			perm[s] = loud++;
		ac->row_state[perm[s]] = s;
	}
	for (s = 0; s < n; s++)
		for (c = 0; c < ncls; c++)
			nd[(size_t)perm[s] * ncls + c] =
			    perm[ac->delta[(size_t)s * ncls + c]] * ncls;
	free(ac->delta);
	ac->delta = nd;
	free(perm);
	/* Failure and goto edges are folded into the table now. */
	free(ac->fail);
	free(ac->first_child);
	free(ac->nchild);
	free(ac->label);
	ac->fail = ac->first_child = NULL;
	ac->nchild = ac->label = NULL;
	return n <= AC_SMALL_STATES ? ac_shrink_dfa(ac) : DSNX_OK;
}

dsnx_status
dsnx_ac_compile(dsnx_ac *ac)
{
	ac_sorted *lits;
	unsigned char used[256];
	size_t	i, k;
	unsigned b;
	dsnx_status st;

	if (ac == NULL || ac->compiled)
		return DSNX_EINVAL;
	ac->compiled = -1;		/* until it succeeds: no retry, no scan */
	/* Byte classes: one per folded byte that occurs, 0 for the rest. */
	memset(used, 0, sizeof(used));
	for (k = 0; k < ac->pool_len; k++)
		used[ac->pool[k]] = 1;
	ac->ncls = 1;
	{
		unsigned char fcls[256];

		for (b = 0; b < 256; b++)
			fcls[b] = used[b] ? (unsigned char)ac->ncls++ : 0;
		for (b = 0; b < 256; b++)
			ac->cls[b] = fcls[ac->fold[b]];
	}
	if ((lits = calloc(ac->nlits + 1, sizeof(ac_sorted))) == NULL)
		return DSNX_ENOMEM;
	for (i = 0; i < ac->nlits; i++) {
		lits[i].p = ac->pool + ac->lits[i].off;
		lits[i].len = ac->lits[i].len;
		lits[i].id = ac->lits[i].id;
	}
	qsort(lits, ac->nlits, sizeof(ac_sorted), ac_cmp);
	st = ac_build_trie(ac, lits, ac->nlits);
	free(lits);
	if (st != DSNX_OK)
		return st;
	ac_free_build(ac);
	if ((size_t)ac->nstates * ac->ncls <= AC_DENSE_BUDGET)
		ac->ndense = ac->nstates;
	else
		ac->ndense = (uint32_t)(AC_DENSE_BUDGET / ac->ncls);
	if ((st = ac_build_links(ac)) != DSNX_OK)
		return st;
	if (ac->ndense == ac->nstates) {
		if ((st = ac_finish_dfa(ac)) != DSNX_OK)
			return st;
	} else {
		if ((ac->has_out = calloc(ac->nstates, 1)) == NULL)
			return DSNX_ENOMEM;
		for (i = 0; i < ac->nstates; i++)
			ac->has_out[i] = ac->out_start[i + 1] > ac->out_start[i]
			    || ac->dict[i] != 0;
	}
	ac->compiled = 1;
	return DSNX_OK;
}

/* Sets the bits of every literal ending in state s. */
static void
ac_report(const dsnx_ac *ac, uint32_t s, uint64_t *seen)
{
	uint32_t k;
	unsigned id;

	for (; s != 0; s = ac->dict[s]) {
		for (k = ac->out_start[s]; k < ac->out_start[s + 1]; k++) {
			id = ac->out_ids[k];
			seen[id / 64] |= (uint64_t)1 << (id % 64);
		}
	}
}

/* Full DFA: runs over [p, end) from row offset s, returns the one
 * reached. */
static uint32_t
ac_run_dfa(const dsnx_ac *ac, const unsigned char *p,
    const unsigned char *end, uint32_t s, uint64_t *seen)
{
	const unsigned char *cls = ac->cls;
	const uint32_t *delta = ac->delta;
	uint32_t out = ac->out_row;

	for (; p < end; p++) {
		s = delta[s + cls[*p]];
		if (s >= out)
			ac_report(ac, ac->row_state[s / ac->ncls], seen);
	}
	return s;
}

/* The same with the 16-bit table: s is a row number. */
static uint32_t
ac_run_dfa16(const dsnx_ac *ac, const unsigned char *p,
    const unsigned char *end, uint32_t s, uint64_t *seen)
{
	const unsigned char *cls = ac->cls;
	const uint16_t *delta = ac->delta16;
	uint32_t out = ac->out_row, ncls = ac->ncls;

	for (; p < end; p++) {
		s = delta[s * ncls + cls[*p]];
		if (s >= out)
			ac_report(ac, ac->row_state[s], seen);
	}
	return s;
}

#define AC_LANES	4
#define AC_LANE_MIN	16		/* bytes a lane has beyond its overlap */

/*
 * The lockstep loop, without calls so that the four states stay in
 * registers: steps the lanes (lane k at q + k * stride) until one of
 * them reaches a state with output or q reaches stop.  Returns the
 * position after the last step; st holds the states there.
 */
static const unsigned char *
ac_lanes_quiet(const dsnx_ac *ac, const unsigned char *q,
    const unsigned char *stop, size_t stride, uint32_t *st)
{
	const unsigned char *cls = ac->cls;
	const uint32_t *delta = ac->delta;
	uint32_t s0 = st[0], s1 = st[1], s2 = st[2], s3 = st[3];
	uint32_t out = ac->out_row;
	size_t	stride3 = 3 * stride;

	while (q < stop) {
		s0 = delta[s0 + cls[q[0]]];
		s1 = delta[s1 + cls[q[stride]]];
		s2 = delta[s2 + cls[q[2 * stride]]];
		s3 = delta[s3 + cls[q[stride3]]];
		q++;
		if ((s0 >= out) | (s1 >= out) | (s2 >= out) | (s3 >= out))
			break;
	}
	st[0] = s0;
	st[1] = s1;
	st[2] = s2;
	st[3] = s3;
	return q;
}

/* The same with the 16-bit table: the states are row numbers. */
static const unsigned char *
ac_lanes_quiet16(const dsnx_ac *ac, const unsigned char *q,
    const unsigned char *stop, size_t stride, uint32_t *st)
{
	const unsigned char *cls = ac->cls;
	const uint16_t *delta = ac->delta16;
	uint32_t s0 = st[0], s1 = st[1], s2 = st[2], s3 = st[3];
	uint32_t out = ac->out_row, ncls = ac->ncls;
	size_t	stride3 = 3 * stride;

	while (q < stop) {
		s0 = delta[s0 * ncls + cls[q[0]]];
		s1 = delta[s1 * ncls + cls[q[stride]]];
		s2 = delta[s2 * ncls + cls[q[2 * stride]]];
		s3 = delta[s3 * ncls + cls[q[stride3]]];
		q++;
		if ((s0 >= out) | (s1 >= out) | (s2 >= out) | (s3 >= out))
			break;
	}
	st[0] = s0;
	st[1] = s1;
	st[2] = s2;
	st[3] = s3;
	return q;
}

/*
 * Full DFA over a long text, in AC_LANES lanes at once.  Each step of a
 * scan waits for the table load of the step before, so one scan runs
 * at the latency of a load (worse when the row is not in the cache),
 * and the core mostly waits; four independent scans in lockstep overlap
 * their loads.  Lane k starts at the root at k * stride and runs lane =
 * stride + back bytes (back = maxlen - 1), overlapping the next lane by
 * back bytes.  A lane started at the root reports exactly the
 * occurrences that begin at or after its start, and an occurrence that
 * ends in the last stride bytes of lane k begins at most back bytes
 * before them, inside lane k; those stretches (all of lane 0) cover the
 * text, so the lanes together set exactly the bits of one scan.  The
 * few bytes the division leaves over (fewer than AC_LANES) go to the
 * last lane.  The caller makes sure stride > 0.
 */
static void
ac_scan_lanes(const dsnx_ac *ac, const unsigned char *p, size_t len,
    uint64_t *seen)
{
	size_t	back = ac->maxlen - 1;
	size_t	lane = (len + (AC_LANES - 1) * back) / AC_LANES;
	size_t	stride = lane - back;
	const unsigned char *q = p, *stop = p + lane;
	uint32_t st[AC_LANES] = { 0, 0, 0, 0 };
	uint32_t per_row = ac->delta16 != NULL ? 1 : ac->ncls;
	unsigned k;

	while (q < stop) {
		q = ac->delta16 != NULL
		    ? ac_lanes_quiet16(ac, q, stop, stride, st)
		    : ac_lanes_quiet(ac, q, stop, stride, st);
		for (k = 0; k < AC_LANES; k++)
			if (st[k] >= ac->out_row)
				ac_report(ac, ac->row_state[st[k] / per_row], seen);
	}
	q = stop + (AC_LANES - 1) * stride;
	if (ac->delta16 != NULL)
		(void)ac_run_dfa16(ac, q, p + len, st[AC_LANES - 1], seen);
	else
		(void)ac_run_dfa(ac, q, p + len, st[AC_LANES - 1], seen);
}

void
dsnx_ac_scan(const dsnx_ac *ac, const char *text, size_t len,
    uint64_t *seen)
{
	const unsigned char *p = (const unsigned char *)text;
	const unsigned char *end = p + len;
	const unsigned char *cls;
	const uint32_t *delta;
	uint32_t s = 0, ncls, t;

	if (ac == NULL || ac->compiled != 1 || ac->out_start[ac->nstates] == 0
	    || len == 0)
		return;
	cls = ac->cls;
	delta = ac->delta;
	ncls = ac->ncls;
	if (ac->ndense == ac->nstates) {
		if (len / AC_LANES >= (size_t)ac->maxlen + AC_LANE_MIN)
			ac_scan_lanes(ac, p, len, seen);
		else if (ac->delta16 != NULL)
			(void)ac_run_dfa16(ac, p, end, 0, seen);
		else
			(void)ac_run_dfa(ac, p, end, 0, seen);
		return;
	}
	for (; p < end; p++) {
		unsigned c = cls[*p];

		while (s >= ac->ndense) {
			if ((t = ac_goto(ac, s, c)) != 0) {
				s = t;
				goto moved;
			}
			s = ac->fail[s];
		}
		s = delta[(size_t)s * ncls + c];
moved:
		if (ac->has_out[s])
			ac_report(ac, s, seen);
	}
}
