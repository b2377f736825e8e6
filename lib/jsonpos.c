/*
 * NAME
 *	jsonpos - line and column of each value of a JSON text
 * SYNOPSIS
 *	#include "jsonpos.h"
 *
 *	dsnx_status dsnx_jsonpos_build(const char *text, size_t len,
 *		dsnx_jsonpos **out)
 *	void	dsnx_jsonpos_free(dsnx_jsonpos *pos)
 *	int	dsnx_jsonpos_find(const dsnx_jsonpos *pos, const char *path,
 *		int key, int *line, int *column, size_t *offset)
 *	int	dsnx_jsonpos_append(char *path, size_t size,
 *		const char *member)
 *	int	dsnx_jsonpos_append_index(char *path, size_t size,
 *		size_t index)
 * DESCRIPTION
 *	dsnx_jsonpos_build() scans the text once, with an explicit stack
 *	instead of recursion, and records one node per value in document
 *	order (preorder), in 16 bytes: the low 32 bits of the byte offset
 *	of the value (offsets grow with node numbers, so a short table of
 *	the first node past each 4 GiB supplies the high bits), the
 *	distance back to the member name that introduces it (its opening
 *	quote; 0 for the root and for array elements), the index one past
 *	the last node of its subtree, and for an object member the offset
 *	of its name, decoded to UTF-8 (escapes, \\uXXXX and surrogate
 *	pairs; a lone surrogate becomes U+FFFD) and NUL-terminated, in a
 *	pool of names.  Paths are not stored: they are implied by the
 *	tree, so memory is linear in the number of values (a 50 MB file
 *	of one value per line takes about 16 bytes per value plus the
 *	names plus 12 bytes per line).  Lines are not counted per node
 *	either: the scan keeps one (start offset, line number) pair for
 *	each line on which a recorded position lies, and the line of an
 *	offset is found by binary search.
 *
 *	Lines are 1-based and end at '\\n' (so "\\r\\n" ends one line);
 *	columns are 1-based and count bytes.
 *
 *	dsnx_jsonpos_find() walks the path (RFC 6901; "" is the root,
 *	"~0" stands for '~' and "~1" for '/') down the tree: the children
 *	of a node are the nodes up to its end, and the next sibling of a
 *	child is at the child's end, so one step costs at most the number
 *	of members of that object or array.  Among members of the same
 *	name the first one wins.  An array index is decimal without
 *	leading zeros.  With key nonzero, the position is that of the
 *	member name when the path ends at an object member, else that of
 *	the value.  When the path does not exist the deepest existing
 *	node on it is used (its value, whatever key says, since the
 *	missing part would be inside it) and 1 is returned; a path that
 *	does not start with '/' falls back to the root in that way.
 *
 *	dsnx_jsonpos_append() appends '/' and the escaped member name;
 *	dsnx_jsonpos_append_index() appends '/' and a decimal index.
 * LIMITS
 *	The text is assumed to be valid JSON.  Indexing stops, and what
 *	was recorded so far stays valid, at the first byte that is not,
 *	at a container that would be nested more than 10,000 deep (it is
 *	recorded, its contents are not), after 2^32 - 2 values, when the
 *	names exceed 4 GiB, or at a value 4 GiB or more past its name.
 *	Lines and columns beyond INT_MAX are reported as INT_MAX.  A
 *	member name containing U+0000 can never be reached by a path
 *	(paths are C strings).  Scalars at the top level are accepted
 *	(jansson's JSON_DECODE_ANY); anything after the root value is
 *	ignored.
 * DIAGNOSTICS
 *	dsnx_jsonpos_build() returns DSNX_ENOMEM (nothing is built) or
 *	DSNX_OK.  dsnx_jsonpos_find() returns 0 for an exact match, 1 for
 *	a fallback to a prefix, and -1 when nothing was indexed (then
 *	line, column and offset are set to 0).  The append functions
 *	return -1 and leave the path as it was when the result would not
 *	fit in size bytes with its NUL.
 * SEE ALSO
 *	RFC 8259 (JSON), RFC 6901 (JSON Pointer).
 */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonpos.h"

#define JP_MAX_DEPTH	10000
#define JP_NO_NAME	UINT32_MAX		/* root, array element */
#define JP_BAD_NAME	(UINT32_MAX - 1)	/* name holds U+0000 */
#define JP_MAX_NAMES	((size_t)UINT32_MAX - 2)	/* pool bytes */
#define JP_MAX_NODES	((size_t)UINT32_MAX - 1)
#define JP_NO_KEY	UINT64_MAX

/* Offsets grow with node numbers, so their high 32 bits are kept apart. */
typedef struct jp_node {
	uint32_t val_lo;		/* first byte of the value, low 32 bits */
	uint32_t key_gap;		/* value minus opening quote of name; 0: none */
	uint32_t end;			/* one past the last node of the subtree */
	uint32_t name;			/* offset in names, JP_NO_NAME, JP_BAD_NAME */
} jp_node;

struct dsnx_jsonpos {
	jp_node *nodes;
	size_t	nnodes;
	size_t	nodes_cap;
	uint32_t *hi_first;		/* [k]: first node at or past (k + 1) << 32 */
	size_t	nhi;
	size_t	hi_cap;
	char   *names;			/* NUL-terminated decoded names */
	size_t	names_len;
	size_t	names_cap;
	uint64_t *line_start;		/* sorted; one per line holding a position */
	uint32_t *line_no;
	size_t	nlines;
	size_t	lines_cap;
};

typedef struct jp_frame {
	uint32_t node;
	int	object;
} jp_frame;

typedef struct jp_build {
	dsnx_jsonpos *pos;
	const unsigned char *s;
	size_t	len;
	size_t	i;			/* scan position */
	size_t	nl_off;			/* newlines counted up to here */
	size_t	line;			/* line number at nl_off */
	size_t	line_begin;		/* offset where that line starts */
	size_t	last_line;		/* last line put in the table, 0: none */
	jp_frame *stack;
	size_t	depth;
	size_t	stack_cap;
} jp_build;

/* Outcome of one scanning step: go on, stop indexing, or out of memory. */
enum {
	JP_GO, JP_STOP, JP_NOMEM
};

/* Grows an array of n elements to room for at least need elements. */
static int
jp_grow(void **arr, size_t *cap, size_t need, size_t elsize)
{
	size_t	ncap;
	void   *p;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : 64;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / elsize)
			return -1;
		ncap *= 2;
	}
	if ((p = realloc(*arr, ncap * elsize)) == NULL)
		return -1;
	*arr = p;
	*cap = ncap;
	return 0;
}

/* Counts lines up to off (offsets come in increasing order) and makes
 * sure the line of off is in the table. */
static int
jp_note_line(jp_build *b, size_t off)
{
	dsnx_jsonpos *pos = b->pos;
	const unsigned char *p = b->s + b->nl_off;
	const unsigned char *end = b->s + off;
	const unsigned char *nl;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		b->line++;
		b->line_begin = (size_t)(nl + 1 - b->s);
		p = nl + 1;
	}
	b->nl_off = off;
	if (b->line == b->last_line)
		return JP_GO;
	if (pos->nlines == pos->lines_cap) {
		size_t	cap = pos->lines_cap;
		uint32_t *q;

		if (jp_grow((void **)&pos->line_start, &cap, pos->nlines + 1,
			    sizeof(uint64_t)) < 0)
			return JP_NOMEM;
		if ((q = realloc(pos->line_no, cap * sizeof(uint32_t))) == NULL)
			return JP_NOMEM;	/* lines_cap is still right for both */
		pos->line_no = q;
		pos->lines_cap = cap;
	}
	pos->line_start[pos->nlines] = b->line_begin;
	pos->line_no[pos->nlines] = b->line > UINT32_MAX ? UINT32_MAX :
	    (uint32_t)b->line;
	pos->nlines++;
	b->last_line = b->line;
	return JP_GO;
}

static void
jp_skip_ws(jp_build *b)
{
	while (b->i < b->len) {
		unsigned char c = b->s[b->i];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		b->i++;
	}
}

static int
jp_hex4(const unsigned char *p, unsigned *out)
{
	unsigned v = 0;
	int	k;

	for (k = 0; k < 4; k++) {
		unsigned char c = p[k];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/*
 * Finds the end of the string whose opening quote is at b->i: returns
 * the offset of the closing quote, or SIZE_MAX when the string is cut or
 * holds a bad escape.
 */
static size_t
jp_string_end(const jp_build *b)
{
	size_t	i = b->i + 1;
	unsigned u;

	while (i < b->len) {
		unsigned char c = b->s[i];

		if (c == '"')
			return i;
		if (c != '\\') {
			i++;
			continue;
		}
		if (i + 1 >= b->len)
			return SIZE_MAX;
		switch (b->s[i + 1]) {
		case '"': case '\\': case '/': case 'b':
		case 'f': case 'n': case 'r': case 't':
			i += 2;
			break;
		case 'u':
			if (b->len - i < 6 || jp_hex4(b->s + i + 2, &u) < 0)
				return SIZE_MAX;
			i += 6;
			break;
		default:
			return SIZE_MAX;
		}
	}
	return SIZE_MAX;
}

static char *
jp_put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xC0 | (cp >> 6));
		*o++ = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xE0 | (cp >> 12));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
		*o++ = (char)(0x80 | (cp & 0x3F));
	} else {
		*o++ = (char)(0xF0 | (cp >> 18));
		*o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
		*o++ = (char)(0x80 | (cp & 0x3F));
	}
	return o;
}

/*
 * Decodes the member name at b->i (already checked by jp_string_end(),
 * which returned close) into the pool; leaves b->i after the closing
 * quote and the name's pool offset (or JP_BAD_NAME) in *name.
 */
static int
jp_decode_name(jp_build *b, size_t close, uint32_t *name)
{
	dsnx_jsonpos *pos = b->pos;
	const unsigned char *p = b->s + b->i + 1;
	const unsigned char *end = b->s + close;
	size_t	raw = (size_t)(end - p);
	char   *start, *o;
	int	bad = 0;

	/* Decoded text is never longer than its escaped form. */
	if (pos->names_len + raw + 1 > JP_MAX_NAMES)
		return JP_STOP;
	if (jp_grow((void **)&pos->names, &pos->names_cap,
		    pos->names_len + raw + 1, 1) < 0)
		return JP_NOMEM;
	start = o = pos->names + pos->names_len;
	while (p < end) {
		unsigned cp, lo;

		if (*p != '\\') {
			*o++ = (char)*p++;
			continue;
		}
		switch (p[1]) {
		case 'b': *o++ = '\b'; p += 2; continue;
		case 'f': *o++ = '\f'; p += 2; continue;
		case 'n': *o++ = '\n'; p += 2; continue;
		case 'r': *o++ = '\r'; p += 2; continue;
		case 't': *o++ = '\t'; p += 2; continue;
		case 'u': break;
		default: *o++ = (char)p[1]; p += 2; continue;
		}
		(void)jp_hex4(p + 2, &cp);
		p += 6;
		if (cp >= 0xD800 && cp <= 0xDBFF && end - p >= 6 && p[0] == '\\'
		    && p[1] == 'u' && jp_hex4(p + 2, &lo) == 0
		    && lo >= 0xDC00 && lo <= 0xDFFF) {
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			p += 6;
		} else if (cp >= 0xD800 && cp <= 0xDFFF) {
			cp = 0xFFFD;
		}
		if (cp == 0)
			bad = 1;
		o = jp_put_utf8(o, cp);
	}
	*o++ = '\0';
	*name = bad ? JP_BAD_NAME : (uint32_t)pos->names_len;
	if (!bad)
		pos->names_len += (size_t)(o - start);
	b->i = close + 1;
	return JP_GO;
}

/* Skips a number at b->i per RFC 8259. */
static int
jp_skip_number(jp_build *b)
{
	const unsigned char *s = b->s;
	size_t	i = b->i, n = b->len, d;

	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0') {
		i++;
	} else {
		for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			 /* void */ ;
		if (i == d)
			return JP_STOP;
	}
	if (i < n && s[i] == '.') {
		for (d = ++i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			 /* void */ ;
		if (i == d)
			return JP_STOP;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			 /* void */ ;
		if (i == d)
			return JP_STOP;
	}
	b->i = i;
	return JP_GO;
}

static int
jp_skip_word(jp_build *b, const char *word, size_t wlen)
{
	if (b->len - b->i < wlen || memcmp(b->s + b->i, word, wlen) != 0)
		return JP_STOP;
	b->i += wlen;
	return JP_GO;
}

/* Records a value starting at b->i. */
static int
jp_add_node(jp_build *b, uint64_t key_off, uint32_t name)
{
	dsnx_jsonpos *pos = b->pos;
	jp_node *nd;
	int	r;

	if (pos->nnodes >= JP_MAX_NODES)
		return JP_STOP;
	if (key_off != JP_NO_KEY && b->i - key_off >= UINT32_MAX)
		return JP_STOP;
	while (((uint64_t)b->i >> 32) > pos->nhi) {
		if (jp_grow((void **)&pos->hi_first, &pos->hi_cap, pos->nhi + 1,
			    sizeof(uint32_t)) < 0)
			return JP_NOMEM;
		pos->hi_first[pos->nhi++] = (uint32_t)pos->nnodes;
	}
	if (key_off != JP_NO_KEY
	    && (r = jp_note_line(b, (size_t)key_off)) != JP_GO)
		return r;
	if ((r = jp_note_line(b, b->i)) != JP_GO)
		return r;
	if (jp_grow((void **)&pos->nodes, &pos->nodes_cap, pos->nnodes + 1,
		    sizeof(jp_node)) < 0)
		return JP_NOMEM;
	nd = pos->nodes + pos->nnodes++;
	nd->val_lo = (uint32_t)b->i;
	nd->key_gap = key_off == JP_NO_KEY ? 0 : (uint32_t)(b->i - key_off);
	nd->end = (uint32_t)pos->nnodes;
	nd->name = name;
	return JP_GO;
}

enum {
	JP_ST_VALUE, JP_ST_AFTER, JP_ST_MEMBER
};

/* The scanner proper: a loop over three states, no recursion. */
static int
jp_scan(jp_build *b)
{
	dsnx_jsonpos *pos = b->pos;
	uint64_t key_off = JP_NO_KEY;
	uint32_t name = JP_NO_NAME;
	int	state = JP_ST_VALUE;
	int	r;
	size_t	close;
	unsigned char c;

	for (;;) {
		switch (state) {
		case JP_ST_VALUE:
			jp_skip_ws(b);
			if (b->i >= b->len)
				return JP_STOP;
			c = b->s[b->i];
			if ((r = jp_add_node(b, key_off, name)) != JP_GO)
				return r;
			key_off = JP_NO_KEY;
			name = JP_NO_NAME;
			state = JP_ST_AFTER;
			switch (c) {
			case '{':
			case '[':
				if (b->depth >= JP_MAX_DEPTH)
					return JP_STOP;
				if (jp_grow((void **)&b->stack, &b->stack_cap,
					    b->depth + 1, sizeof(jp_frame)) < 0)
					return JP_NOMEM;
				b->stack[b->depth].node = (uint32_t)(pos->nnodes - 1);
				b->stack[b->depth].object = c == '{';
				b->depth++;
				b->i++;
				jp_skip_ws(b);
				if (b->i >= b->len)
					return JP_STOP;
				if (b->s[b->i] == (c == '{' ? '}' : ']')) {
					b->i++;
					b->depth--;	/* node end already right */
				} else {
					state = c == '{' ? JP_ST_MEMBER : JP_ST_VALUE;
				}
				break;
			case '"':
				if ((close = jp_string_end(b)) == SIZE_MAX)
					return JP_STOP;
				b->i = close + 1;
				break;
			case 't':
				r = jp_skip_word(b, "true", 4);
				break;
			case 'f':
				r = jp_skip_word(b, "false", 5);
				break;
			case 'n':
				r = jp_skip_word(b, "null", 4);
				break;
			default:
				if (c == '-' || (c >= '0' && c <= '9'))
					r = jp_skip_number(b);
				else
					r = JP_STOP;
				break;
			}
			if (r != JP_GO)
				return r;
			break;
		case JP_ST_AFTER:
			if (b->depth == 0)
				return JP_GO;
			jp_skip_ws(b);
			if (b->i >= b->len)
				return JP_STOP;
			c = b->s[b->i];
			if (c == ',') {
				b->i++;
				state = b->stack[b->depth - 1].object ?
				    JP_ST_MEMBER : JP_ST_VALUE;
			} else if (c == (b->stack[b->depth - 1].object ? '}' : ']')) {
				b->i++;
				b->depth--;
				pos->nodes[b->stack[b->depth].node].end =
				    (uint32_t)pos->nnodes;
			} else {
				return JP_STOP;
			}
			break;
		case JP_ST_MEMBER:
			jp_skip_ws(b);
			if (b->i >= b->len || b->s[b->i] != '"')
				return JP_STOP;
			if ((close = jp_string_end(b)) == SIZE_MAX)
				return JP_STOP;
			key_off = b->i;
			if ((r = jp_decode_name(b, close, &name)) != JP_GO)
				return r;
			jp_skip_ws(b);
			if (b->i >= b->len || b->s[b->i] != ':')
				return JP_STOP;
			b->i++;
			state = JP_ST_VALUE;
			break;
		}
	}
}

dsnx_status
dsnx_jsonpos_build(const char *text, size_t len, dsnx_jsonpos **out)
{
	dsnx_jsonpos *pos;
	jp_build b;
	int	r;

	*out = NULL;
	if ((pos = calloc(1, sizeof(*pos))) == NULL)
		return DSNX_ENOMEM;
	memset(&b, 0, sizeof(b));
	b.pos = pos;
	b.s = (const unsigned char *)(text != NULL ? text : "");
	b.len = text != NULL ? len : 0;
	b.line = 1;
	r = jp_scan(&b);
	/* Containers left open where indexing stopped end here. */
	while (b.depth > 0) {
		b.depth--;
		pos->nodes[b.stack[b.depth].node].end = (uint32_t)pos->nnodes;
	}
	free(b.stack);
	if (r == JP_NOMEM) {
		dsnx_jsonpos_free(pos);
		return DSNX_ENOMEM;
	}
	*out = pos;
	return DSNX_OK;
}

void
dsnx_jsonpos_free(dsnx_jsonpos *pos)
{
	if (pos == NULL)
		return;
	free(pos->nodes);
	free(pos->hi_first);
	free(pos->names);
	free(pos->line_start);
	free(pos->line_no);
	free(pos);
}

/* Does the pool name equal the escaped path segment seg[0..len)? */
static int
jp_name_eq(const char *name, const char *seg, size_t len)
{
	size_t	k;

	for (k = 0; k < len; k++, name++) {
		char	c = seg[k];

		if (c == '~' && k + 1 < len && (seg[k + 1] == '0' || seg[k + 1] == '1'))
			c = seg[++k] == '0' ? '~' : '/';
		if (*name != c)
			return 0;
	}
	return *name == '\0';
}

/* Parses an RFC 6901 array index; -1 when seg is none. */
static int
jp_index(const char *seg, size_t len, size_t *out)
{
	size_t	v = 0, k;

	if (len == 0 || (len > 1 && seg[0] == '0'))
		return -1;
	for (k = 0; k < len; k++) {
		if (seg[k] < '0' || seg[k] > '9')
			return -1;
		if (v > (SIZE_MAX - 9) / 10)
			return -1;
		v = v * 10 + (size_t)(seg[k] - '0');
	}
	*out = v;
	return 0;
}

/* The child of node cur named by seg, or SIZE_MAX. */
static size_t
jp_child(const dsnx_jsonpos *pos, size_t cur, const char *seg, size_t len)
{
	size_t	c = cur + 1, end = pos->nodes[cur].end, idx, k;

	if (c >= end)
		return SIZE_MAX;
	if (pos->nodes[c].name == JP_NO_NAME) {
		if (jp_index(seg, len, &idx) < 0)
			return SIZE_MAX;
		for (k = 0; c < end; k++, c = pos->nodes[c].end)
			if (k == idx)
				return c;
		return SIZE_MAX;
	}
	for (; c < end; c = pos->nodes[c].end)
		if (pos->nodes[c].name != JP_BAD_NAME
		    && jp_name_eq(pos->names + pos->nodes[c].name, seg, len))
			return c;
	return SIZE_MAX;
}

/* Byte offset of the value of node n. */
static uint64_t
jp_val_off(const dsnx_jsonpos *pos, size_t n)
{
	uint64_t hi = 0;

	while (hi < pos->nhi && pos->hi_first[hi] <= n)
		hi++;
	return hi << 32 | pos->nodes[n].val_lo;
}

static void
jp_where(const dsnx_jsonpos *pos, uint64_t off, int *line, int *column)
{
	size_t	lo = 0, hi = pos->nlines, mid;
	uint64_t col;

	/* Greatest line start <= off; the table holds the line of off. */
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (pos->line_start[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	if (line != NULL)
		*line = pos->line_no[lo] > INT_MAX ? INT_MAX : (int)pos->line_no[lo];
	col = off - pos->line_start[lo] + 1;
	if (column != NULL)
		*column = col > INT_MAX ? INT_MAX : (int)col;
}

int
dsnx_jsonpos_find(const dsnx_jsonpos *pos, const char *path, int key,
    int *line, int *column, size_t *offset)
{
	const char *p = path != NULL ? path : "";
	size_t	cur = 0, next, len;
	uint64_t off;
	int	exact = 1;

	if (pos == NULL || pos->nnodes == 0) {
		if (line != NULL)
			*line = 0;
		if (column != NULL)
			*column = 0;
		if (offset != NULL)
			*offset = 0;
		return -1;
	}
	while (*p != '\0') {
		if (*p != '/') {
			exact = 0;
			break;
		}
		p++;
		len = strcspn(p, "/");
		if ((next = jp_child(pos, cur, p, len)) == SIZE_MAX) {
			exact = 0;
			break;
		}
		cur = next;
		p += len;
	}
	off = jp_val_off(pos, cur);
	if (exact && key)
		off -= pos->nodes[cur].key_gap;
	jp_where(pos, off, line, column);
	if (offset != NULL)
		*offset = (size_t)off;
	return exact ? 0 : 1;
}

/* Length of the path, or size (and the path cut) when it has no NUL. */
static size_t
jp_pathlen(char *path, size_t size)
{
	const char *nul = memchr(path, '\0', size);

	if (nul == NULL) {
		path[size - 1] = '\0';
		return size;
	}
	return (size_t)(nul - path);
}

int
dsnx_jsonpos_append(char *path, size_t size, const char *member)
{
	size_t	len, at;
	const char *m;

	if (path == NULL || size == 0)
		return -1;
	if ((len = jp_pathlen(path, size)) == size)
		return -1;
	if (member == NULL || len + 1 >= size)
		return -1;
	at = len;
	path[at++] = '/';
	for (m = member; *m != '\0'; m++) {
		if (*m == '~' || *m == '/') {
			if (size - at < 3)
				goto full;
			path[at++] = '~';
			path[at++] = *m == '~' ? '0' : '1';
		} else {
			if (size - at < 2)
				goto full;
			path[at++] = *m;
		}
	}
	path[at] = '\0';
	return 0;
full:
	path[len] = '\0';
	return -1;
}

int
dsnx_jsonpos_append_index(char *path, size_t size, size_t index)
{
	char	num[3 * sizeof(size_t) + 2];
	size_t	len, n;

	if (path == NULL || size == 0)
		return -1;
	if ((len = jp_pathlen(path, size)) == size)
		return -1;
	n = (size_t)snprintf(num, sizeof(num), "/%zu", index);
	if (n >= size - len)
		return -1;
	memcpy(path + len, num, n + 1);
	return 0;
}
