/*
 * NAME
 *	arena - bump allocator for objects that die together
 * DESCRIPTION
 *	Chunks of at least 8 KiB are chained; a request larger than half a
 *	chunk gets a chunk of its own so small allocations do not waste it.
 * LIMITS
 *	Requests that would overflow size_t fail with NULL.
 */
#include "config.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define ARENA_CHUNK_SIZE 8192

struct dsnx_arena_chunk {
	dsnx_arena_chunk *next;
	alignas(max_align_t) unsigned char data[];
};

void
dsnx_arena_init(dsnx_arena *arena)
{
	arena->head = NULL;
	arena->used = 0;
	arena->size = 0;
	arena->total = 0;
}

void
dsnx_arena_free(dsnx_arena *arena)
{
	dsnx_arena_chunk *c, *next;

	for (c = arena->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	dsnx_arena_init(arena);
}

void *
dsnx_arena_alloc(dsnx_arena *arena, size_t size)
{
	const size_t align = alignof(max_align_t);
	dsnx_arena_chunk *c;
	size_t chunk;

	if (size > SIZE_MAX / 2)
		return NULL;
	size = (size + align - 1) & ~(align - 1);
	if (size == 0)
		size = align;
	if (arena->head != NULL && arena->size - arena->used >= size) {
		void *p = arena->head->data + arena->used;
		arena->used += size;
		return p;
	}
	if (size > ARENA_CHUNK_SIZE / 2) {
		/* A big block gets its own chunk, linked behind the head so the
		 * head's free room stays usable. */
		c = malloc(sizeof(*c) + size);
		if (c == NULL)
			return NULL;
		arena->total += size;
		if (arena->head != NULL) {
			c->next = arena->head->next;
			arena->head->next = c;
		} else {
			c->next = NULL;
			arena->head = c;
			arena->used = arena->size = size;
		}
		return c->data;
	}
	chunk = ARENA_CHUNK_SIZE;
	c = malloc(sizeof(*c) + chunk);
	if (c == NULL)
		return NULL;
	arena->total += chunk;
	c->next = arena->head;
	arena->head = c;
	arena->size = chunk;
	arena->used = size;
	return c->data;
}

void *
dsnx_arena_zalloc(dsnx_arena *arena, size_t size)
{
	void *p = dsnx_arena_alloc(arena, size);

	if (p != NULL)
		memset(p, 0, size);
	return p;
}

char *
dsnx_arena_strndup(dsnx_arena *arena, const char *s, size_t len)
{
	char *p;

	if (len == SIZE_MAX)
		return NULL;
	p = dsnx_arena_alloc(arena, len + 1);
	if (p == NULL)
		return NULL;
	if (len > 0)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *
dsnx_arena_strdup(dsnx_arena *arena, const char *s)
{
	return dsnx_arena_strndup(arena, s, strlen(s));
}
