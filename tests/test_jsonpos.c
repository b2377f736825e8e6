/*
 * test_jsonpos - unit tests for lib/jsonpos.c
 *
 * Positions of member names and values in nested objects and arrays,
 * JSON Pointer escapes and decoded member names (\uXXXX, surrogate
 * pairs), CRLF line ends, the fallback to the longest existing prefix,
 * the depth bound, text that is not JSON, and generated files of some
 * megabytes with hundreds of thousands to millions of values.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonpos.h"

static dsnx_jsonpos *
build(const char *text)
{
	dsnx_jsonpos *pos;

	ck_assert_int_eq(dsnx_jsonpos_build(text, strlen(text), &pos), DSNX_OK);
	ck_assert_ptr_nonnull(pos);
	return pos;
}

/* Asserts what find returns and where it points. */
static void
at(const dsnx_jsonpos *pos, const char *path, int key, int want_ret,
    int want_line, int want_col)
{
	int	line = -7, col = -7;
	size_t	off = 12345;

	ck_assert_msg(dsnx_jsonpos_find(pos, path, key, &line, &col, &off)
		      == want_ret, "path '%s' return", path);
	ck_assert_msg(line == want_line && col == want_col,
		      "path '%s' key %d: got %d:%d, want %d:%d", path, key,
		      line, col, want_line, want_col);
}

static size_t
offset_of(const dsnx_jsonpos *pos, const char *path, int key)
{
	size_t	off = 0;

	(void)dsnx_jsonpos_find(pos, path, key, NULL, NULL, &off);
	return off;
}

static const char nested[] =
    "{\n"
    "  \"rules\": [\n"
    "    {\"name\": \"x\", \"when\": {\"status\": \"5.1.1\"}},\n"
    "    {\"name\":\"y\",\"n\":-12.5e+3,\"t\":true,\"f\":false,\"z\":null}\n"
    "  ],\n"
    "  \"a/b\": 1, \"c~d\": [1, [2, 3]], \"e\": {}, \"g\": []\n"
    "}\n";

START_TEST(nested_values)
{
	dsnx_jsonpos *pos = build(nested);

	at(pos, "", 0, 0, 1, 1);
	at(pos, "", 1, 0, 1, 1);		/* the root has no name */
	at(pos, "/rules", 1, 0, 2, 3);
	at(pos, "/rules", 0, 0, 2, 12);
	at(pos, "/rules/0", 0, 0, 3, 5);
	at(pos, "/rules/0", 1, 0, 3, 5);	/* key ignored in arrays */
	at(pos, "/rules/0/name", 1, 0, 3, 6);
	at(pos, "/rules/0/name", 0, 0, 3, 14);
	at(pos, "/rules/0/when", 0, 0, 3, 27);
	at(pos, "/rules/0/when/status", 1, 0, 3, 28);
	at(pos, "/rules/0/when/status", 0, 0, 3, 38);
	at(pos, "/rules/1", 0, 0, 4, 5);
	at(pos, "/rules/1/name", 0, 0, 4, 13);
	at(pos, "/rules/1/n", 1, 0, 4, 17);
	at(pos, "/rules/1/n", 0, 0, 4, 21);
	at(pos, "/rules/1/t", 0, 0, 4, 34);
	at(pos, "/rules/1/f", 0, 0, 4, 43);
	at(pos, "/rules/1/z", 1, 0, 4, 49);
	at(pos, "/rules/1/z", 0, 0, 4, 53);
	at(pos, "/a~1b", 1, 0, 6, 3);
	at(pos, "/a~1b", 0, 0, 6, 10);
	at(pos, "/c~0d", 0, 0, 6, 20);
	at(pos, "/c~0d/0", 0, 0, 6, 21);
	at(pos, "/c~0d/1", 0, 0, 6, 24);
	at(pos, "/c~0d/1/1", 1, 0, 6, 28);
	at(pos, "/e", 0, 0, 6, 38);
	at(pos, "/g", 0, 0, 6, 47);
	ck_assert_int_eq(nested[offset_of(pos, "/rules/0/when/status", 0)], '"');
	ck_assert_int_eq(nested[offset_of(pos, "/rules/1/n", 0)], '-');
	ck_assert_uint_eq(offset_of(pos, "/rules", 1), 4);
	dsnx_jsonpos_free(pos);
}
END_TEST

START_TEST(prefix_fallback)
{
	dsnx_jsonpos *pos = build(nested);

	at(pos, "/rules/5", 0, 1, 2, 12);
	at(pos, "/rules/5", 1, 1, 2, 12);	/* the value holding the gap */
	at(pos, "/rules/0/nope", 1, 1, 3, 5);
	at(pos, "/rules/0/when/status/x", 0, 1, 3, 38);	/* into a scalar */
	at(pos, "/rules/01", 0, 1, 2, 12);	/* no leading zeros */
	at(pos, "/rules/-", 0, 1, 2, 12);
	at(pos, "/rules/", 0, 1, 2, 12);
	at(pos, "/rules/99999999999999999999999", 0, 1, 2, 12);
	at(pos, "/a/b", 0, 1, 1, 1);		/* "/" must be escaped */
	at(pos, "/c~0d/1/2", 0, 1, 6, 24);
	at(pos, "/e/x", 0, 1, 6, 38);
	at(pos, "/g/0", 0, 1, 6, 47);
	at(pos, "rules", 0, 1, 1, 1);		/* not a pointer: the root */
	at(pos, "/RULES", 0, 1, 1, 1);		/* names are case-sensitive */
	at(pos, NULL, 0, 0, 1, 1);
	dsnx_jsonpos_free(pos);

	/* Nothing indexed: -1 and zeros. */
	pos = build("");
	at(pos, "", 0, -1, 0, 0);
	at(pos, "/a", 1, -1, 0, 0);
	ck_assert_uint_eq(offset_of(pos, "", 0), 0);
	dsnx_jsonpos_free(pos);
	pos = build("  \n\t ");
	at(pos, "", 0, -1, 0, 0);
	dsnx_jsonpos_free(pos);
	ck_assert_int_eq(dsnx_jsonpos_find(NULL, "", 0, NULL, NULL, NULL), -1);

	/* A scalar root, then trailing garbage that is ignored. */
	pos = build("\n  42  ] junk");
	at(pos, "", 0, 0, 2, 3);
	at(pos, "/0", 0, 1, 2, 3);
	dsnx_jsonpos_free(pos);
}
END_TEST

START_TEST(escaped_names)
{
	static const char text[] =
	    "{\"\\u00e9t\\u00E9\": 1, \"\\ud83d\\ude00\": 2,\n"
	    " \"a\\\"b\\\\c\\/d\\n\\t\": 3, \"\\u0000x\": 4, \"x\": 5,\n"
	    " \"\\ud800z\": 6, \"~1\": 7, \"\": 8, \"\\u2028\": {\"\": 9}}";
	dsnx_jsonpos *pos = build(text);

	at(pos, "/\xc3\xa9t\xc3\xa9", 1, 0, 1, 2);
	at(pos, "/\xc3\xa9t\xc3\xa9", 0, 0, 1, 19);
	at(pos, "/\xf0\x9f\x98\x80", 0, 0, 1, 38);
	at(pos, "/a\"b\\c~1d\n\t", 1, 0, 2, 2);
	at(pos, "/a\"b\\c~1d\n\t", 0, 0, 2, 20);
	at(pos, "/", 0, 0, 3, 29);	/* the empty name */
	at(pos, "/x", 1, 0, 2, 37);	/* not the one behind U+0000 */
	at(pos, "/\xef\xbf\xbdz", 0, 0, 3, 13);	/* lone surrogate */
	at(pos, "/~01", 0, 0, 3, 22);
	at(pos, "/~1", 0, 1, 1, 1);
	at(pos, "/\xe2\x80\xa8/", 0, 0, 3, 47);
	dsnx_jsonpos_free(pos);
}
END_TEST

START_TEST(line_ends)
{
	static const char crlf[] =
	    "{\r\n  \"a\": 1,\r\n\r\n  \"b\": [\r\n 2,\r3]\r\n}";
	dsnx_jsonpos *pos = build(crlf);

	at(pos, "", 0, 0, 1, 1);
	at(pos, "/a", 1, 0, 2, 3);
	at(pos, "/a", 0, 0, 2, 8);
	at(pos, "/b", 1, 0, 4, 3);
	at(pos, "/b", 0, 0, 4, 8);
	at(pos, "/b/0", 0, 0, 5, 2);
	at(pos, "/b/1", 0, 0, 5, 5);		/* a lone CR ends no line */
	dsnx_jsonpos_free(pos);

	/* A newline inside a string counts (invalid JSON, but indexed). */
	pos = build("[\"a\nb\", 1]");
	at(pos, "/1", 0, 0, 2, 5);
	dsnx_jsonpos_free(pos);
}
END_TEST

START_TEST(duplicates_and_bad_text)
{
	dsnx_jsonpos *pos = build("{\"a\": 1, \"b\": 2, \"a\": 3}");

	at(pos, "/a", 0, 0, 1, 7);		/* the first one wins */
	at(pos, "/b", 0, 0, 1, 15);
	dsnx_jsonpos_free(pos);

	/* Indexing stops where the text goes wrong. */
	pos = build("{\"a\": [1, 2], \"b\": tru, \"c\": 3}");
	at(pos, "/a/1", 0, 0, 1, 11);
	at(pos, "/c", 0, 1, 1, 1);
	dsnx_jsonpos_free(pos);
	pos = build("{\"a\": [1, 2 \"b\": 1}");
	at(pos, "/a/1", 0, 0, 1, 11);
	at(pos, "/b", 0, 1, 1, 1);
	dsnx_jsonpos_free(pos);
	pos = build("{\"a\": \"unterminated");
	at(pos, "/a", 1, 0, 1, 2);
	dsnx_jsonpos_free(pos);
	pos = build("[1, -, 2]");
	at(pos, "/0", 0, 0, 1, 2);
	at(pos, "/2", 0, 1, 1, 1);
	dsnx_jsonpos_free(pos);
	pos = build("{\"a\\x\": 1}");
	at(pos, "", 0, 0, 1, 1);
	at(pos, "/a\\x", 0, 1, 1, 1);
	dsnx_jsonpos_free(pos);
	/* Cut anywhere, a text still indexes what came before the cut. */
	{
		size_t	n;

		for (n = 0; n < sizeof(nested) - 1; n++) {
			ck_assert_int_eq(dsnx_jsonpos_build(nested, n, &pos),
					 DSNX_OK);
			(void)dsnx_jsonpos_find(pos, "/rules/1/z", 0, NULL,
						NULL, NULL);
			(void)dsnx_jsonpos_find(pos, "/c~0d/1/1", 1, NULL,
						NULL, NULL);
			dsnx_jsonpos_free(pos);
		}
	}
	dsnx_jsonpos_free(NULL);
}
END_TEST

START_TEST(append)
{
	char	path[16] = "";

	ck_assert_int_eq(dsnx_jsonpos_append(path, sizeof(path), "a/b"), 0);
	ck_assert_str_eq(path, "/a~1b");
	ck_assert_int_eq(dsnx_jsonpos_append_index(path, sizeof(path), 12), 0);
	ck_assert_str_eq(path, "/a~1b/12");
	ck_assert_int_eq(dsnx_jsonpos_append(path, sizeof(path), "~x"), 0);
	ck_assert_str_eq(path, "/a~1b/12/~0x");
	/* 12 bytes used; "/yy" needs 3 more and the NUL: 16 exactly. */
	ck_assert_int_eq(dsnx_jsonpos_append(path, sizeof(path), "yyy"), -1);
	ck_assert_str_eq(path, "/a~1b/12/~0x");
	ck_assert_int_eq(dsnx_jsonpos_append(path, sizeof(path), "a/"), -1);
	ck_assert_str_eq(path, "/a~1b/12/~0x");
	ck_assert_int_eq(dsnx_jsonpos_append(path, sizeof(path), "yy"), 0);
	ck_assert_str_eq(path, "/a~1b/12/~0x/yy");
	ck_assert_int_eq(dsnx_jsonpos_append(path, sizeof(path), ""), -1);
	ck_assert_int_eq(dsnx_jsonpos_append_index(path, sizeof(path), 0), -1);
	ck_assert_str_eq(path, "/a~1b/12/~0x/yy");

	strcpy(path, "");
	ck_assert_int_eq(dsnx_jsonpos_append(path, sizeof(path), ""), 0);
	ck_assert_str_eq(path, "/");
	ck_assert_int_eq(dsnx_jsonpos_append_index(path, sizeof(path),
						   (size_t)9999999999ULL), 0);
	ck_assert_str_eq(path, "//9999999999");
	ck_assert_int_eq(dsnx_jsonpos_append_index(path, sizeof(path), 100), -1);
	ck_assert_int_eq(dsnx_jsonpos_append_index(path, sizeof(path), 10), 0);
	ck_assert_str_eq(path, "//9999999999/10");
	/* Unterminated input is cut and refused. */
	memset(path, 'x', sizeof(path));
	ck_assert_int_eq(dsnx_jsonpos_append(path, sizeof(path), "a"), -1);
	ck_assert_uint_eq(strlen(path), sizeof(path) - 1);
	ck_assert_int_eq(dsnx_jsonpos_append(NULL, 4, "a"), -1);
	ck_assert_int_eq(dsnx_jsonpos_append(path, 0, "a"), -1);
	ck_assert_int_eq(dsnx_jsonpos_append_index(path, 0, 1), -1);

	/* The built paths find what they name. */
	{
		dsnx_jsonpos *pos = build(nested);
		char	p[64] = "";

		ck_assert_int_eq(dsnx_jsonpos_append(p, sizeof(p), "c~d"), 0);
		ck_assert_int_eq(dsnx_jsonpos_append_index(p, sizeof(p), 1), 0);
		ck_assert_int_eq(dsnx_jsonpos_append_index(p, sizeof(p), 0), 0);
		at(pos, p, 0, 0, 6, 25);
		p[0] = '\0';
		ck_assert_int_eq(dsnx_jsonpos_append(p, sizeof(p), "a/b"), 0);
		at(pos, p, 1, 0, 6, 3);
		dsnx_jsonpos_free(pos);
	}
}
END_TEST

/* "[[[...7...]]]" nested depth times; the path to the 7 in *path. */
static char *
deep_text(size_t depth, char **path)
{
	char   *t = malloc(2 * depth + 2);
	char   *p = malloc(2 * depth + 1);
	size_t	i;

	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(p);
	for (i = 0; i < depth; i++) {
		t[i] = '[';
		t[depth + 1 + i] = ']';
		p[2 * i] = '/';
		p[2 * i + 1] = '0';
	}
	t[depth] = '7';
	t[2 * depth + 1] = '\0';
	p[2 * depth] = '\0';
	*path = p;
	return t;
}

START_TEST(deep_nesting)
{
	dsnx_jsonpos *pos;
	char   *text, *path;

	/* 10,000 levels are indexed, without recursion. */
	text = deep_text(10000, &path);
	pos = build(text);
	at(pos, path, 0, 0, 1, 10001);
	path[2 * 5000] = '\0';
	at(pos, path, 0, 0, 1, 5001);
	dsnx_jsonpos_free(pos);
	free(text);
	free(path);

	/* The 10,001st container is recorded, its contents are not. */
	text = deep_text(10001, &path);
	pos = build(text);
	at(pos, path, 0, 1, 1, 10001);
	path[2 * 10000] = '\0';
	at(pos, path, 0, 0, 1, 10001);
	dsnx_jsonpos_free(pos);
	free(text);
	free(path);

	/* Far deeper than that: stops, no stack growth. */
	text = deep_text(1000000, &path);
	pos = build(text);
	at(pos, path, 0, 1, 1, 10001);
	dsnx_jsonpos_free(pos);
	free(text);
	free(path);
}
END_TEST

/*
 * About 5 MB, one array element per line:
 *   {"id": 17, "name": "item 17", "tags": ["a", "b"]},
 */
START_TEST(big_file)
{
	enum { N = 110000 };
	size_t	cap = (size_t)N * 64 + 64, len = 0, i;
	char   *text = malloc(cap);
	char	path[64];
	dsnx_jsonpos *pos;
	int	line, col, idw;

	if (text == NULL) {
		ck_abort_msg("out of memory");
		return;
	}
	len += (size_t)snprintf(text + len, cap - len, "{\"count\": %d, \"items\": [\n", N);
	for (i = 0; i < N; i++)
		len += (size_t)snprintf(text + len, cap - len,
		    "  {\"id\": %zu, \"name\": \"item %zu\", \"tags\": [\"a\", \"b\"]}%s\n",
		    i, i, i + 1 < N ? "," : "");
	len += (size_t)snprintf(text + len, cap - len, "], \"end\": true}\n");
	ck_assert_uint_gt(len, 5000000);
	ck_assert_int_eq(dsnx_jsonpos_build(text, len, &pos), DSNX_OK);

	at(pos, "/count", 0, 0, 1, 11);
	at(pos, "/items", 1, 0, 1, 19);
	at(pos, "/end", 1, 0, N + 2, 4);
	for (i = 0; i < N; i += 7919) {
		idw = snprintf(path, sizeof(path), "%zu", i);
		snprintf(path, sizeof(path), "/items/%zu", i);
		at(pos, path, 0, 0, (int)i + 2, 3);
		snprintf(path, sizeof(path), "/items/%zu/id", i);
		at(pos, path, 1, 0, (int)i + 2, 4);
		at(pos, path, 0, 0, (int)i + 2, 10);
		snprintf(path, sizeof(path), "/items/%zu/name", i);
		at(pos, path, 1, 0, (int)i + 2, 10 + idw + 2);
		at(pos, path, 0, 0, (int)i + 2, 10 + idw + 10);
		snprintf(path, sizeof(path), "/items/%zu/tags/1", i);
		at(pos, path, 0, 0, (int)i + 2, 10 + idw + 10 + 7 + idw + 16);
		ck_assert_int_eq(dsnx_jsonpos_find(pos, path, 0, &line, &col,
						   NULL), 0);
		ck_assert_int_eq(text[offset_of(pos, path, 0)], '"');
		ck_assert_int_eq(text[offset_of(pos, path, 0) + 1], 'b');
	}
	at(pos, "/items/110000", 0, 1, 1, 28);
	at(pos, "/items/109999/tags/2", 0, 1, N + 1,
	   10 + 6 + 10 + 7 + 6 + 10);
	dsnx_jsonpos_free(pos);
	free(text);
}
END_TEST

/* Two and a half million values on one line. */
START_TEST(flat_file)
{
	enum { N = 2500000 };
	char   *text = malloc(2 * (size_t)N + 2);
	dsnx_jsonpos *pos;
	size_t	i;

	ck_assert_ptr_nonnull(text);
	text[0] = '[';
	for (i = 0; i < N; i++) {
		text[1 + 2 * i] = (char)('0' + i % 10);
		text[2 + 2 * i] = i + 1 < N ? ',' : ']';
	}
	text[2 * (size_t)N + 1] = '\0';
	ck_assert_int_eq(dsnx_jsonpos_build(text, 2 * (size_t)N + 1, &pos),
			 DSNX_OK);
	at(pos, "/0", 0, 0, 1, 2);
	at(pos, "/2499999", 0, 0, 1, 2 * 2499999 + 2);
	at(pos, "/2500000", 0, 1, 1, 1);
	dsnx_jsonpos_free(pos);
	free(text);
}
END_TEST

static Suite *
jsonpos_suite(void)
{
	Suite  *s = suite_create("jsonpos");
	TCase  *tc = tcase_create("jsonpos");
	TCase  *big = tcase_create("big");

	tcase_add_test(tc, nested_values);
	tcase_add_test(tc, prefix_fallback);
	tcase_add_test(tc, escaped_names);
	tcase_add_test(tc, line_ends);
	tcase_add_test(tc, duplicates_and_bad_text);
	tcase_add_test(tc, append);
	suite_add_tcase(s, tc);
	tcase_add_test(big, deep_nesting);
	tcase_add_test(big, big_file);
	tcase_add_test(big, flat_file);
	tcase_set_timeout(big, 300);
	suite_add_tcase(s, big);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(jsonpos_suite());
	int	failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
