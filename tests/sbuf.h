/*
 * sbuf.h - a growable byte string for building test messages
 *
 * Shared by the Check programs that assemble messages in memory.  Holds
 * NUL bytes; always NUL-terminated after its content.  Allocation failure
 * fails the running test.  Static inline: each test program takes what
 * it uses.
 */
#ifndef DSNX_TEST_SBUF_H
#define DSNX_TEST_SBUF_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

typedef struct sbuf {
	char *p;
	size_t len;
	size_t cap;
} sbuf;

static inline void
sb_reserve(sbuf *b, size_t extra)
{
	size_t cap;
	char *p;

	if (b->len + extra + 1 <= b->cap)
		return;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra + 1)
		cap *= 2;
	p = realloc(b->p, cap);
	ck_assert_msg(p != NULL, "out of memory building a test message");
	b->p = p;
	b->cap = cap;
}

static inline void
sb_add(sbuf *b, const void *data, size_t len)
{
	sb_reserve(b, len);
	memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
}

static inline void
sb_str(sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static inline void
sb_free(sbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

#endif
