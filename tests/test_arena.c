/*
 * test_arena - unit tests for lib/arena.c
 *
 * Alignment, zeroing, copies with embedded NUL bytes, big blocks mixed
 * with small ones, and requests too large to satisfy.
 */
#include "config.h"

#include <check.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

static dsnx_arena arena;

static void
setup(void)
{
	dsnx_arena_init(&arena);
}

static void
teardown(void)
{
	dsnx_arena_free(&arena);
}

START_TEST(alignment)
{
	size_t	sizes[] = {1, 3, 7, 8, 13, 16, 31, 100, 4097, 9000, 0, 1};
	size_t	i;
	void   *p;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		p = dsnx_arena_alloc(&arena, sizes[i]);
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq((uintptr_t)p % alignof(max_align_t), 0);
		memset(p, 0xA5, sizes[i]);	/* tools catch overruns */
	}
}
END_TEST

START_TEST(distinct_blocks)
{
	unsigned char *p[2000];
	size_t	i, j;

	/* Enough to fill several chunks, big and small interleaved. */
	for (i = 0; i < 2000; i++) {
		p[i] = dsnx_arena_alloc(&arena, i % 100 == 99 ? 6000 : 24);
		ck_assert_ptr_nonnull(p[i]);
		memset(p[i], (int)(i & 0xFF), i % 100 == 99 ? 6000 : 24);
	}
	for (i = 0; i < 2000; i++)
		for (j = 0; j < 24; j++)
			ck_assert_uint_eq(p[i][j], i & 0xFF);
	ck_assert_uint_ge(arena.total, 2000 * 24 + 20 * 6000);
}
END_TEST

START_TEST(zalloc)
{
	unsigned char *p;
	size_t	i;

	p = dsnx_arena_alloc(&arena, 64);
	memset(p, 0xFF, 64);
	p = dsnx_arena_zalloc(&arena, 5000);
	ck_assert_ptr_nonnull(p);
	for (i = 0; i < 5000; i++)
		ck_assert_uint_eq(p[i], 0);
	p = dsnx_arena_zalloc(&arena, 40);
	for (i = 0; i < 40; i++)
		ck_assert_uint_eq(p[i], 0);
}
END_TEST

START_TEST(string_copies)
{
	char   *s;

	s = dsnx_arena_strndup(&arena, "a\0b", 3);
	ck_assert_ptr_nonnull(s);
	ck_assert_mem_eq(s, "a\0b\0", 4);
	s = dsnx_arena_strndup(&arena, "abcdef", 3);
	ck_assert_str_eq(s, "abc");
	s = dsnx_arena_strndup(&arena, NULL, 0);
	ck_assert_str_eq(s, "");
	s = dsnx_arena_strdup(&arena, "hello");
	ck_assert_str_eq(s, "hello");
}
END_TEST

START_TEST(impossible_requests)
{
	ck_assert_ptr_null(dsnx_arena_alloc(&arena, SIZE_MAX));
	ck_assert_ptr_null(dsnx_arena_alloc(&arena, SIZE_MAX / 2 + 1));
	ck_assert_ptr_null(dsnx_arena_zalloc(&arena, SIZE_MAX - 3));
	ck_assert_ptr_null(dsnx_arena_strndup(&arena, "x", SIZE_MAX));
	/* The arena still works afterwards. */
	ck_assert_ptr_nonnull(dsnx_arena_alloc(&arena, 10));
}
END_TEST

START_TEST(free_and_reuse)
{
	dsnx_arena a;

	dsnx_arena_init(&a);
	dsnx_arena_free(&a);		/* empty arena */
	ck_assert_ptr_nonnull(dsnx_arena_strdup(&a, "one"));
	ck_assert_ptr_nonnull(dsnx_arena_alloc(&a, 100000));
	dsnx_arena_free(&a);
	ck_assert_ptr_null(a.head);
	ck_assert_uint_eq(a.total, 0);
	ck_assert_str_eq(dsnx_arena_strdup(&a, "two"), "two");
	dsnx_arena_free(&a);
}
END_TEST

START_TEST(first_block_big)
{
	char   *big, *small;

	/* A big first block must not hide free room from later ones. */
	big = dsnx_arena_alloc(&arena, 10000);
	ck_assert_ptr_nonnull(big);
	memset(big, 'b', 10000);
	small = dsnx_arena_strdup(&arena, "small");
	ck_assert_str_eq(small, "small");
	ck_assert_uint_eq((unsigned char)big[9999], 'b');
}
END_TEST

static Suite *
arena_suite(void)
{
	Suite  *s = suite_create("arena");
	TCase  *tc = tcase_create("arena");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, alignment);
	tcase_add_test(tc, distinct_blocks);
	tcase_add_test(tc, zalloc);
	tcase_add_test(tc, string_copies);
	tcase_add_test(tc, impossible_requests);
	tcase_add_test(tc, free_and_reuse);
	tcase_add_test(tc, first_block_big);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(arena_suite());
	int	failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
