/*
 * arena.h - bump allocator for objects that die together
 *
 * A parsed message and its report allocate many small strings that are all
 * released at once; an arena makes that one free() per chunk.  Not
 * thread-safe; no global state.
 */
#ifndef DSNX_ARENA_H
#define DSNX_ARENA_H

#include <stddef.h>

typedef struct dsnx_arena_chunk dsnx_arena_chunk;

typedef struct dsnx_arena {
	dsnx_arena_chunk *head;
	size_t used;          /* bytes used in head */
	size_t size;          /* usable bytes in head */
	size_t total;         /* bytes allocated over all chunks */
} dsnx_arena;

void dsnx_arena_init(dsnx_arena *arena);
void dsnx_arena_free(dsnx_arena *arena);
/* Aligned for any type; NULL on allocation failure or overflow. */
void *dsnx_arena_alloc(dsnx_arena *arena, size_t size);
void *dsnx_arena_zalloc(dsnx_arena *arena, size_t size);
/* Copies len bytes and adds a NUL. */
char *dsnx_arena_strndup(dsnx_arena *arena, const char *s, size_t len);
char *dsnx_arena_strdup(dsnx_arena *arena, const char *s);

#endif
