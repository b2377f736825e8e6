/*
 * test_buf - unit tests for lib/buf.c
 *
 * The cap is the point of dsnx_buf: what fits is kept, the rest is
 * refused with DSNX_ELIMIT, and the contents stay a C string.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

START_TEST(empty_buffer)
{
	dsnx_buf b;

	dsnx_buf_init(&b, 0);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_eq(b.limit, SIZE_MAX / 2);
	ck_assert_str_eq(dsnx_buf_str(&b), "");
	ck_assert_int_eq(dsnx_buf_append(&b, "", 0), DSNX_OK);
	ck_assert_str_eq(dsnx_buf_str(&b), "");
	dsnx_buf_reset(&b);		/* harmless without storage */
	dsnx_buf_free(&b);
	dsnx_buf_free(&b);		/* and twice */
	ck_assert_ptr_null(b.data);
}
END_TEST

START_TEST(append_and_putc)
{
	dsnx_buf b;

	dsnx_buf_init(&b, 0);
	ck_assert_int_eq(dsnx_buf_append(&b, "hello", 5), DSNX_OK);
	ck_assert_int_eq(dsnx_buf_putc(&b, ','), DSNX_OK);
	ck_assert_int_eq(dsnx_buf_putc(&b, ' '), DSNX_OK);
	ck_assert_int_eq(dsnx_buf_append(&b, "world!", 5), DSNX_OK);
	ck_assert_uint_eq(b.len, 12);
	ck_assert_str_eq(dsnx_buf_str(&b), "hello, world");
	ck_assert_int_eq(b.overflow, 0);
	/* NUL bytes are data; the terminator is extra. */
	ck_assert_int_eq(dsnx_buf_append(&b, "\0x", 2), DSNX_OK);
	ck_assert_uint_eq(b.len, 14);
	ck_assert_mem_eq(b.data + 12, "\0x\0", 3);
	dsnx_buf_free(&b);
}
END_TEST

START_TEST(growth)
{
	dsnx_buf b;
	size_t	i, failed_putc = 0, wrong = 0;

	/*
	 * Counted, asserted once: in Check's fork mode every passing
	 * ck_assert() also reports its location to the parent through a pipe,
	 * and 200,000 of them made this test slow under ASan on a busy machine.
	 */
	dsnx_buf_init(&b, 0);
	for (i = 0; i < 100000; i++)
		failed_putc += dsnx_buf_putc(&b, 'a' + (int)(i % 26)) != DSNX_OK;
	ck_assert_uint_eq(failed_putc, 0);
	ck_assert_uint_eq(b.len, 100000);
	ck_assert_uint_gt(b.cap, b.len);
	for (i = 0; i < 100000; i++)
		wrong += b.data[i] != 'a' + (int)(i % 26);
	ck_assert_uint_eq(wrong, 0);
	ck_assert_int_eq(b.data[b.len], '\0');
	dsnx_buf_free(&b);
}
END_TEST

START_TEST(cap_keeps_prefix)
{
	dsnx_buf b;

	dsnx_buf_init(&b, 8);
	ck_assert_int_eq(dsnx_buf_append(&b, "12345", 5), DSNX_OK);
	ck_assert_int_eq(dsnx_buf_append(&b, "67890", 5), DSNX_ELIMIT);
	ck_assert_uint_eq(b.len, 8);
	ck_assert_str_eq(dsnx_buf_str(&b), "12345678");
	ck_assert_int_eq(b.overflow, 1);
	ck_assert_int_eq(dsnx_buf_putc(&b, 'x'), DSNX_ELIMIT);
	ck_assert_int_eq(dsnx_buf_append(&b, "", 0), DSNX_OK);
	ck_assert_str_eq(dsnx_buf_str(&b), "12345678");

	/* reset clears the flag and the contents, not the cap. */
	dsnx_buf_reset(&b);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_int_eq(b.overflow, 0);
	ck_assert_str_eq(dsnx_buf_str(&b), "");
	ck_assert_int_eq(dsnx_buf_append(&b, "abcdefghi", 9), DSNX_ELIMIT);
	ck_assert_str_eq(dsnx_buf_str(&b), "abcdefgh");
	dsnx_buf_free(&b);
	ck_assert_uint_eq(b.limit, 8);	/* free keeps the cap */
}
END_TEST

START_TEST(cap_of_one_byte)
{
	dsnx_buf b;

	dsnx_buf_init(&b, 1);
	ck_assert_int_eq(dsnx_buf_putc(&b, 'a'), DSNX_OK);
	ck_assert_int_eq(dsnx_buf_putc(&b, 'b'), DSNX_ELIMIT);
	ck_assert_str_eq(dsnx_buf_str(&b), "a");
	dsnx_buf_free(&b);
}
END_TEST

START_TEST(reserve)
{
	dsnx_buf b;

	dsnx_buf_init(&b, 100);
	ck_assert_int_eq(dsnx_buf_reserve(&b, 10), DSNX_OK);
	ck_assert_uint_ge(b.cap, 11);
	/* Reserving past the cap only reserves up to it. */
	ck_assert_int_eq(dsnx_buf_reserve(&b, SIZE_MAX / 2), DSNX_OK);
	ck_assert_uint_ge(b.cap, 101);
	ck_assert_uint_le(b.cap, 256);
	dsnx_buf_free(&b);

	dsnx_buf_init(&b, 0);
	ck_assert_int_eq(dsnx_buf_reserve(&b, 5000), DSNX_OK);
	ck_assert_uint_ge(b.cap, 5001);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_int_eq(dsnx_buf_append(&b, "x", 1), DSNX_OK);
	ck_assert_str_eq(dsnx_buf_str(&b), "x");
	dsnx_buf_free(&b);
}
END_TEST

static Suite *
buf_suite(void)
{
	Suite  *s = suite_create("buf");
	TCase  *tc = tcase_create("buf");

	tcase_add_test(tc, empty_buffer);
	tcase_add_test(tc, append_and_putc);
	tcase_add_test(tc, growth);
	tcase_add_test(tc, cap_keeps_prefix);
	tcase_add_test(tc, cap_of_one_byte);
	tcase_add_test(tc, reserve);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(buf_suite());
	int	failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
