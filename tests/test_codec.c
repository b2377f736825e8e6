/*
 * test_codec - unit tests for lib/codec.c
 *
 * Known vectors from RFC 2045 and RFC 2047, hostile input (NUL, invalid
 * UTF-8, broken encodings), the buffer cap, and the promise that the
 * common charsets never reach iconv.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* RTLD_NEXT */
#endif
#include "config.h"

#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "codec.h"

/* Counts the library's iconv_open() calls, then does the real thing. */
static unsigned iconv_open_calls;

iconv_t
iconv_open(const char *tocode, const char *fromcode)
{
	static iconv_t (*real_iconv_open)(const char *, const char *);
	void   *sym;

	iconv_open_calls++;
	if (real_iconv_open == NULL) {
		sym = dlsym(RTLD_NEXT, "iconv_open");
		memcpy(&real_iconv_open, &sym, sizeof(sym));
	}
	if (real_iconv_open == NULL) {
		errno = EINVAL;
		return (iconv_t)-1;
	}
	return real_iconv_open(tocode, fromcode);
}

#define L(lit)	lit, (sizeof(lit) - 1)

typedef dsnx_status (*decoder)(const char *, size_t, dsnx_buf *, int *);

static const char *
escaped(const char *s, size_t len)
{
	static char text[512];
	size_t	i, n = 0;

	for (i = 0; i < len && n + 5 < sizeof(text); i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7F && c != '\\')
			text[n++] = (char)c;
		else
			n += (size_t)snprintf(text + n, sizeof(text) - n, "\\x%02x", c);
	}
	text[n] = '\0';
	return text;
}

/* Runs fn on in and checks the output, status DSNX_OK and *bad. */
static void
decodes_to(decoder fn, const char *in, size_t len, const char *want,
    size_t want_len, int want_bad)
{
	dsnx_buf out;
	int	bad = 0;
	dsnx_status st;
	char	input[512];

	snprintf(input, sizeof(input), "%s", escaped(in, len));
	dsnx_buf_init(&out, 0);
	st = fn(in, len, &out, &bad);
	ck_assert_msg(st == DSNX_OK, "status %d for \"%s\"", (int)st, input);
	ck_assert_msg(out.len == want_len && memcmp(dsnx_buf_str(&out), want,
	    want_len) == 0, "\"%s\" gave \"%s\"", input,
	    escaped(dsnx_buf_str(&out), out.len));
	ck_assert_msg(dsnx_buf_str(&out)[out.len] == '\0', "no NUL for \"%s\"",
	    input);
	ck_assert_msg(bad == want_bad, "bad=%d for \"%s\"", bad, input);
	dsnx_buf_free(&out);
}

static const char *to_utf8_charset;

static dsnx_status
to_utf8_with(const char *in, size_t len, dsnx_buf *out, int *bad)
{
	return dsnx_to_utf8(to_utf8_charset, in, len, out, bad);
}

static void
converts_to(const char *charset, const char *in, size_t len, const char *want,
    size_t want_len, int want_bad)
{
	to_utf8_charset = charset;
	decodes_to(to_utf8_with, in, len, want, want_len, want_bad);
}

#define DECODES(fn, in, want, bad) decodes_to(fn, L(in), L(want), bad)
#define CONVERTS(cs, in, want, bad) converts_to(cs, L(in), L(want), bad)

static void
base64_encode(const unsigned char *in, size_t len, char *out)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t	i;
	unsigned long v;

	for (i = 0; i + 2 < len; i += 3) {
		v = (unsigned long)in[i] << 16 | in[i + 1] << 8 | in[i + 2];
		*out++ = alphabet[v >> 18 & 63];
		*out++ = alphabet[v >> 12 & 63];
		*out++ = alphabet[v >> 6 & 63];
		*out++ = alphabet[v & 63];
		if ((i / 3) % 19 == 18) {
			*out++ = '\r';
			*out++ = '\n';
		}
	}
	if (len - i == 1) {
		v = (unsigned long)in[i] << 16;
		*out++ = alphabet[v >> 18 & 63];
		*out++ = alphabet[v >> 12 & 63];
		*out++ = '=';
		*out++ = '=';
	} else if (len - i == 2) {
		v = (unsigned long)in[i] << 16 | in[i + 1] << 8;
		*out++ = alphabet[v >> 18 & 63];
		*out++ = alphabet[v >> 12 & 63];
		*out++ = alphabet[v >> 6 & 63];
		*out++ = '=';
	}
	*out = '\0';
}

/* --------------------------------------------------------------- base64 */

START_TEST(base64_vectors)
{
	/* RFC 4648 section 10. */
	DECODES(dsnx_base64_decode, "", "", 0);
	DECODES(dsnx_base64_decode, "Zg==", "f", 0);
	DECODES(dsnx_base64_decode, "Zm8=", "fo", 0);
	DECODES(dsnx_base64_decode, "Zm9v", "foo", 0);
	DECODES(dsnx_base64_decode, "Zm9vYg==", "foob", 0);
	DECODES(dsnx_base64_decode, "Zm9vYmE=", "fooba", 0);
	DECODES(dsnx_base64_decode, "Zm9vYmFy", "foobar", 0);
	DECODES(dsnx_base64_decode, "SGVsbG8sIFdvcmxkIQ==", "Hello, World!", 0);
}
END_TEST

START_TEST(base64_tolerance)
{
	DECODES(dsnx_base64_decode, "SGVs\r\nbG8s\n IFdv\tcmxk\r\nIQ==\r\n",
	    "Hello, World!", 0);
	DECODES(dsnx_base64_decode, "Zm9vYg", "foob", 0);	/* no padding */
	DECODES(dsnx_base64_decode, "Zm9vYmE", "fooba", 0);
	DECODES(dsnx_base64_decode, "Zm9v!Yg*=", "foob", 1);	/* junk */
	DECODES(dsnx_base64_decode, "Zm9vY", "foo", 1);		/* dangling */
	DECODES(dsnx_base64_decode, "Zg==Zg==", "f", 1);	/* after padding */
	DECODES(dsnx_base64_decode, "Zg==  \r\n", "f", 0);
	DECODES(dsnx_base64_decode, "Zg===", "f", 0);
	DECODES(dsnx_base64_decode, "\xff\x80Zm9v", "foo", 1);	/* 8-bit junk */
	DECODES(dsnx_base64_decode, "=", "", 0);
	DECODES(dsnx_base64_decode, "AEEA", "\0A\0", 0);	/* NUL bytes out */
	DECODES(dsnx_base64_decode, "Zm\0\x39v", "foo", 1);	/* NUL byte in */
}
END_TEST

START_TEST(base64_all_bytes)
{
	unsigned char bytes[3000];
	char	encoded[4200];
	dsnx_buf out;
	size_t	i;
	int	bad = 0;

	for (i = 0; i < sizeof(bytes); i++)
		bytes[i] = (unsigned char)(i * 7 + i / 256);
	for (i = sizeof(bytes) - 2; i <= sizeof(bytes); i++) {
		base64_encode(bytes, i, encoded);
		dsnx_buf_init(&out, 0);
		ck_assert_int_eq(dsnx_base64_decode(encoded, strlen(encoded), &out,
		    &bad), DSNX_OK);
		ck_assert_uint_eq(out.len, i);
		ck_assert_mem_eq(out.data, bytes, i);
		ck_assert_int_eq(bad, 0);
		dsnx_buf_free(&out);
	}
}
END_TEST

START_TEST(base64_appends_and_null_bad)
{
	dsnx_buf out;

	dsnx_buf_init(&out, 0);
	ck_assert_int_eq(dsnx_buf_append(&out, "x:", 2), DSNX_OK);
	ck_assert_int_eq(dsnx_base64_decode(L("Zm9v!"), &out, NULL), DSNX_OK);
	ck_assert_str_eq(dsnx_buf_str(&out), "x:foo");
	dsnx_buf_free(&out);
}
END_TEST

/* ---------------------------------------------------- quoted-printable */

START_TEST(qp_vectors)
{
	/* RFC 2045 section 6.7, rule 5. */
	DECODES(dsnx_qp_decode,
	    "Now's the time =\r\nfor all folk to come=\r\n to the aid of their country.",
	    "Now's the time for all folk to come to the aid of their country.", 0);
	DECODES(dsnx_qp_decode, "caf=E9 caf=c3=a9", "caf\xE9 caf\xC3\xA9", 0);
	DECODES(dsnx_qp_decode, "a=\nb=\rc", "abc", 0);
	DECODES(dsnx_qp_decode, "a= \t\r\nb", "ab", 0);	/* transport padding */
	DECODES(dsnx_qp_decode, "line  \r\nnext\t\nlast ", "line\r\nnext\nlast", 0);
	DECODES(dsnx_qp_decode, "a  b\tc", "a  b\tc", 0);
	DECODES(dsnx_qp_decode, "ends with soft break=", "ends with soft break", 0);
	DECODES(dsnx_qp_decode, "=3D=3d=00", "==\0", 0);
	DECODES(dsnx_qp_decode, "", "", 0);
	DECODES(dsnx_qp_decode, "\xE9\0\r\n", "\xE9\0\r\n", 0);
}
END_TEST

START_TEST(qp_invalid)
{
	DECODES(dsnx_qp_decode, "a=zz", "a=zz", 1);
	DECODES(dsnx_qp_decode, "a=4", "a=4", 1);
	DECODES(dsnx_qp_decode, "a=4g", "a=4g", 1);
	DECODES(dsnx_qp_decode, "1+1=2", "1+1=2", 1);
	DECODES(dsnx_qp_decode, "= x", "= x", 1);
	DECODES(dsnx_qp_decode, "==41", "=A", 1);
}
END_TEST

/* The body decoder as first written, a word at a time: the reference
 * the faster one must agree with on every input. */
static int
ref_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void
ref_qp(const unsigned char *in, size_t len, dsnx_buf *out, int *bad)
{
	size_t	i = 0, j;
	unsigned char c;

#define WSP(x) ((x) == ' ' || (x) == '\t')
	while (i < len) {
		c = in[i];
		if (c == '=') {
			if (len - i >= 3 && ref_hex(in[i + 1]) >= 0
			    && ref_hex(in[i + 2]) >= 0) {
				char b = (char)(ref_hex(in[i + 1]) << 4
				    | ref_hex(in[i + 2]));

				(void)dsnx_buf_append(out, &b, 1);
				i += 3;
				continue;
			}
			for (j = i + 1; j < len && WSP(in[j]); j++)
				continue;
			if (j == len) {
				i = j;
				continue;
			}
			if (in[j] == '\r' || in[j] == '\n') {
				if (in[j] == '\r' && j + 1 < len && in[j + 1] == '\n')
					j++;
				i = j + 1;
				continue;
			}
			*bad = 1;
			(void)dsnx_buf_append(out, "=", 1);
			i++;
			continue;
		}
		if (WSP(c)) {
			for (j = i + 1; j < len && WSP(in[j]); j++)
				continue;
			if (j == len || in[j] == '\r' || in[j] == '\n') {
				i = j;
				continue;
			}
		} else {
			for (j = i + 1; j < len && in[j] != '=' && !WSP(in[j]);)
				j++;
		}
		(void)dsnx_buf_append(out, in + i, j - i);
		i = j;
	}
#undef WSP
}

START_TEST(qp_random)
{
	static const char alpha[] = "ab =\t\r\n3DfF_x\xE9";
	unsigned char in[200];
	unsigned seed = 1;
	size_t	n, k, iter;
	dsnx_buf got, want;
	int	gbad, wbad;

	for (iter = 0; iter < 20000; iter++) {
		n = (seed = seed * 1103515245u + 12345u) >> 16 & 127;
		for (k = 0; k < n; k++) {
			seed = seed * 1103515245u + 12345u;
			in[k] = (unsigned char)alpha[(seed >> 16) % (sizeof(alpha) - 1)];
		}
		dsnx_buf_init(&got, 0);
		dsnx_buf_init(&want, 0);
		gbad = wbad = 0;
		ck_assert_int_eq(dsnx_qp_decode((const char *)in, n, &got, &gbad),
		    DSNX_OK);
		ref_qp(in, n, &want, &wbad);
		ck_assert_uint_eq(got.len, want.len);
		ck_assert_mem_eq(dsnx_buf_str(&got), dsnx_buf_str(&want), got.len);
		ck_assert_int_eq(gbad, wbad);
		dsnx_buf_free(&got);
		dsnx_buf_free(&want);
	}
}
END_TEST

START_TEST(qword_vectors)
{
	DECODES(dsnx_qword_decode, "Keith_Moore", "Keith Moore", 0);
	DECODES(dsnx_qword_decode, "Andr=E9", "Andr\xE9", 0);
	DECODES(dsnx_qword_decode, "a=5Fb=5f", "a_b_", 0);
	DECODES(dsnx_qword_decode, "__", "  ", 0);
	DECODES(dsnx_qword_decode, "x=", "x=", 1);
	DECODES(dsnx_qword_decode, "x=\r\ny", "x=\r\ny", 1);	/* no soft breaks */
	DECODES(dsnx_qword_decode, "a b ", "a b ", 0);		/* no stripping */
	DECODES(dsnx_qword_decode, "", "", 0);
}
END_TEST

/* --------------------------------------------------------------- UTF-8 */

static int
valid(const char *s, size_t len)
{
	return dsnx_utf8_valid(s, len);
}

#define VALID(lit)	valid(L(lit))

START_TEST(utf8_validity)
{
	ck_assert(VALID(""));
	ck_assert(VALID("plain ASCII text, long enough for word steps"));
	ck_assert(VALID("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF"));
	ck_assert(VALID("\xED\x9F\xBF\xEE\x80\x80"));	/* around surrogates */
	ck_assert(!VALID("\xC0\xAF"));			/* overlong '/' */
	ck_assert(!VALID("\xC1\xBF"));
	ck_assert(!VALID("\xE0\x80\xAF"));
	ck_assert(!VALID("\xF0\x80\x80\xAF"));
	ck_assert(!VALID("\xED\xA0\x80"));		/* surrogate */
	ck_assert(!VALID("\xED\xBF\xBF"));
	ck_assert(!VALID("\xF4\x90\x80\x80"));		/* above U+10FFFF */
	ck_assert(!VALID("\xF5\x80\x80\x80"));
	ck_assert(!VALID("\xFF"));
	ck_assert(!VALID("\x80"));
	ck_assert(!VALID("\xE2\x82"));			/* truncated */
	ck_assert(!VALID("\xF0\x9F\x98"));
	ck_assert(!VALID("abc\0def"));			/* NUL */
	ck_assert(!VALID("0123456789abcdef\0"));
	ck_assert(!VALID("0123456789abc\xE9xyz0123456789"));
	ck_assert(!VALID("01234567\x80"));
	ck_assert(dsnx_utf8_valid(NULL, 0));
}
END_TEST

#define FFFD "\xEF\xBF\xBD"

START_TEST(utf8_sanitize)
{
	DECODES(dsnx_utf8_sanitize, "", "", 0);
	DECODES(dsnx_utf8_sanitize, "h\xC3\xA9llo \xF0\x9F\x98\x80", "h\xC3\xA9llo \xF0\x9F\x98\x80", 0);
	DECODES(dsnx_utf8_sanitize, "a\0b", "a" FFFD "b", 1);
	DECODES(dsnx_utf8_sanitize, "\xC0\xAF", FFFD FFFD, 1);
	DECODES(dsnx_utf8_sanitize, "\xE0\x80\xAF", FFFD FFFD FFFD, 1);
	DECODES(dsnx_utf8_sanitize, "\xED\xA0\x80", FFFD FFFD FFFD, 1);
	DECODES(dsnx_utf8_sanitize, "\xF4\x90\x80\x80", FFFD FFFD FFFD FFFD, 1);
	DECODES(dsnx_utf8_sanitize, "\xF5\x80", FFFD FFFD, 1);
	/* A truncated sequence is one maximal subpart. */
	DECODES(dsnx_utf8_sanitize, "\xE2\x82" "A", FFFD "A", 1);
	DECODES(dsnx_utf8_sanitize, "x\xF0\x9F\x98", "x" FFFD, 1);
	DECODES(dsnx_utf8_sanitize, "\xE9t\xE9", FFFD "t" FFFD, 1);
}
END_TEST

START_TEST(utf8_long_mixed)
{
	char	in[9000], want[20000];
	size_t	i, n = 0, m = 0;
	dsnx_buf out;
	int	bad = 0;

	/* Runs longer than any internal stage, broken up by bad bytes. */
	for (i = 0; n + 8 < sizeof(in); i++) {
		if (i % 997 == 0) {
			in[n++] = '\xE9';
			memcpy(want + m, "\xC3\xA9", 2);
			m += 2;
		} else if (i % 3 == 0) {
			memcpy(in + n, "\xE2\x82\xAC", 3);
			memcpy(want + m, "\xE2\x82\xAC", 3);
			n += 3;
			m += 3;
		} else {
			in[n++] = (char)('a' + i % 26);
			want[m++] = (char)('a' + i % 26);
		}
	}
	dsnx_buf_init(&out, 0);
	ck_assert_int_eq(dsnx_to_utf8(NULL, in, n, &out, &bad), DSNX_OK);
	ck_assert_uint_eq(out.len, m);
	ck_assert_mem_eq(out.data, want, m);
	ck_assert_int_eq(bad, 1);
	dsnx_buf_free(&out);
}
END_TEST

/* ---------------------------------------------------------- charsets */

START_TEST(charset_utf8_and_fallback)
{
	CONVERTS(NULL, "h\xC3\xA9llo", "h\xC3\xA9llo", 0);
	CONVERTS("", "h\xC3\xA9llo", "h\xC3\xA9llo", 0);
	CONVERTS("UTF-8", "\xE2\x82\xAC", "\xE2\x82\xAC", 0);
	CONVERTS(" \"utf8\" ", "\xE2\x82\xAC", "\xE2\x82\xAC", 0);
	/* An invalid byte is one Latin-1 character. */
	CONVERTS(NULL, "caf\xE9", "caf\xC3\xA9", 1);
	CONVERTS("utf-8", "\xC3\xA9\xE9", "\xC3\xA9\xC3\xA9", 1);
	CONVERTS("utf-8", "\xE2\x82" "A", "\xC3\xA2\xC2\x82" "A", 1);
	CONVERTS("us-ascii", "\xE9t\xE9", "\xC3\xA9t\xC3\xA9", 1);
	CONVERTS("US-ASCII", "plain", "plain", 0);
	CONVERTS("x-unknown", "\xC3\xA9", "\xC3\xA9", 0);
	CONVERTS("unknown-8bit", "\xE9", "\xC3\xA9", 1);
	CONVERTS("8bit", "ok", "ok", 0);
	/* Names iconv does not know, or that are no names at all. */
	CONVERTS("x-no-such-charset", "caf\xC3\xA9", "caf\xC3\xA9", 1);
	CONVERTS("utf-8//TRANSLIT", "x", "x", 1);
	CONVERTS("a-charset-name-far-too-long-to-be-real-at-all", "x", "x", 1);
	CONVERTS(NULL, "a\0b", "a" FFFD "b", 1);
	CONVERTS(NULL, "", "", 0);
}
END_TEST

START_TEST(charset_single_byte)
{
	CONVERTS("iso-8859-1", "caf\xE9 \xA0\xFF", "caf\xC3\xA9 \xC2\xA0\xC3\xBF", 0);
	CONVERTS("ISO_8859-1", "\x80", "\xC2\x80", 0);
	CONVERTS("latin1", "a\0b", "a" FFFD "b", 1);
	CONVERTS("ISO-8859-15", "\xA4", "\xE2\x82\xAC", 0);
	CONVERTS("windows-1252", "\x93quoted\x94\x80",
	    "\xE2\x80\x9cquoted\xE2\x80\x9d\xE2\x82\xAC", 0);
	CONVERTS("windows-1252", "a\0b", "a" FFFD "b", 1);
	CONVERTS("koi8-r", "\xF0\xD2\xC9\xD7\xC5\xD4",
	    "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82", 0);
	CONVERTS("iso-8859-8-i", "\xF9\xEC\xE5\xED",
	    "\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D", 0);
	CONVERTS("'ISO-8859-2'", "\xB1", "\xC4\x85", 0);
	CONVERTS("utf-16le", "a\0\0\0b\0", "a" FFFD "b", 1);
}
END_TEST

START_TEST(charset_multibyte)
{
	CONVERTS("shift_jis", "\x82\xA0", "\xE3\x81\x82", 0);
	CONVERTS("x-sjis", "\x82\xA0", "\xE3\x81\x82", 0);
	CONVERTS("euc-jp", "\xC6\xFC\xCB\xDC", "\xE6\x97\xA5\xE6\x9C\xAC", 0);
	CONVERTS("iso-2022-jp", "\x1B$BF|K\\\x1B(B", "\xE6\x97\xA5\xE6\x9C\xAC", 0);
	CONVERTS("big5", "\xA4\xA4\xA4\xE5", "\xE4\xB8\xAD\xE6\x96\x87", 0);
	CONVERTS("ks_c_5601-1987", "\xC7\xD1\xB1\xDB", "\xED\x95\x9C\xEA\xB8\x80", 0);
	CONVERTS("gb2312", "\xD6\xD0\xCE\xC4", "\xE4\xB8\xAD\xE6\x96\x87", 0);
	/* A GBK character: gb2312 is read as its superset GB18030. */
	CONVERTS("gb2312", "\x81\x40", "\xE4\xB8\x82", 0);
}
END_TEST

START_TEST(charset_invalid_bytes)
{
	/* A sequence cut short at the end, and bytes no charset maps. */
	CONVERTS("shift_jis", "\x82\xA0\x82", "\xE3\x81\x82" FFFD, 1);
	CONVERTS("euc-jp", "a\xFF" "b", "a" FFFD "b", 1);
	CONVERTS("utf-16le", "a\0\0\xDC", "a" FFFD FFFD, 1);
	CONVERTS("iso-2022-jp", "\x1B$BF|\xFF", "\xE6\x97\xA5" FFFD, 1);
}
END_TEST

START_TEST(charset_long_iconv)
{
	static const char word[] = "\xF0\xD2\xC9\xD7\xC5\xD4 ";
	static const char want[] =
	    "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82 ";
	char	in[7 * 1000];
	dsnx_buf out;
	size_t	i;
	int	bad = 0;

	for (i = 0; i < 1000; i++)
		memcpy(in + i * 7, word, 7);
	dsnx_buf_init(&out, 0);
	ck_assert_int_eq(dsnx_to_utf8("KOI8-R", in, sizeof(in), &out, &bad),
	    DSNX_OK);
	ck_assert_uint_eq(out.len, 1000 * (sizeof(want) - 1));
	for (i = 0; i < 1000; i++)
		ck_assert_mem_eq(out.data + i * 13, want, 13);
	ck_assert_int_eq(bad, 0);
	dsnx_buf_free(&out);
}
END_TEST

START_TEST(charset_avoids_iconv)
{
	dsnx_buf out;
	int	bad = 0;

	dsnx_buf_init(&out, 0);
	iconv_open_calls = 0;
	ck_assert_int_eq(dsnx_to_utf8(NULL, L("caf\xC3\xA9"), &out, &bad), DSNX_OK);
	ck_assert_int_eq(dsnx_to_utf8("", L("x"), &out, &bad), DSNX_OK);
	ck_assert_int_eq(dsnx_to_utf8("us-ascii", L("x"), &out, &bad), DSNX_OK);
	ck_assert_int_eq(dsnx_to_utf8("UTF-8", L("x"), &out, &bad), DSNX_OK);
	ck_assert_int_eq(dsnx_to_utf8("unknown-8bit", L("\xE9"), &out, &bad), DSNX_OK);
	ck_assert_int_eq(dsnx_to_utf8("iso-8859-1", L("\xE9"), &out, &bad), DSNX_OK);
	/* ASCII text needs no converter whatever its label says. */
	ck_assert_int_eq(dsnx_to_utf8("iso-8859-15", L("plain text"), &out, &bad), DSNX_OK);
	ck_assert_int_eq(dsnx_to_utf8("iso-2022-jp", L("plain text"), &out, &bad), DSNX_OK);
	ck_assert_uint_eq(iconv_open_calls, 0);
	ck_assert_int_eq(dsnx_to_utf8("iso-8859-15", L("text \xA4"), &out, &bad), DSNX_OK);
	ck_assert_uint_eq(iconv_open_calls, 1);
	ck_assert_str_eq(dsnx_buf_str(&out), "caf\xC3\xA9xxx\xC3\xA9\xC3\xA9"
	    "plain textplain texttext \xE2\x82\xAC");
	dsnx_buf_free(&out);
}
END_TEST

/* ------------------------------------------------------------ RFC 2047 */

#define HEADER(in, want, bad) DECODES(dsnx_rfc2047_decode, in, want, bad)

START_TEST(rfc2047_rfc_examples)
{
	/* RFC 2047 section 8. */
	HEADER("=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>",
	    "Keith Moore <moore@cs.utk.edu>", 0);
	HEADER("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>",
	    "Keld J\xC3\xB8rn Simonsen <keld@dkuug.dk>", 0);
	HEADER("=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>",
	    "Andr\xC3\xA9 Pirard <PIRARD@vm1.ulg.ac.be>", 0);
	HEADER("=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\r\n "
	    "=?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=",
	    "If you can read this you understand the example.", 0);
	HEADER("(=?ISO-8859-1?Q?a?=)", "(a)", 0);
	HEADER("(=?ISO-8859-1?Q?a?= b)", "(a b)", 0);
	HEADER("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)", 0);
	HEADER("(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)", "(ab)", 0);
	HEADER("(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)", "(ab)", 0);
	HEADER("(=?ISO-8859-1?Q?a_b?=)", "(a b)", 0);
	HEADER("(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", "(a b)", 0);
	/* RFC 2231 section 5: a language suffix. */
	HEADER("=?US-ASCII*EN?Q?Keith_Moore?=", "Keith Moore", 0);
}
END_TEST

START_TEST(rfc2047_japanese)
{
	HEADER("Subject: =?ISO-2022-JP?B?GyRCRnxLXDhsJE4lRiU5JUgbKEI=?=",
	    "Subject: \xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE3\x81\xAE"
	    "\xE3\x83\x86\xE3\x82\xB9\xE3\x83\x88", 0);
	HEADER("=?shift_jis?B?grGC8YLJgr+CzQ==?=",
	    "\xE3\x81\x93\xE3\x82\x93\xE3\x81\xAB\xE3\x81\xA1\xE3\x81\xAF", 0);
}
END_TEST

START_TEST(rfc2047_split_characters)
{
	/* One character's bytes spread over adjacent words. */
	HEADER("=?utf-8?q?=E6=97?= =?UTF-8?Q?=A5?=", "\xE6\x97\xA5", 0);
	HEADER("=?utf-8?B?5pc=?=\r\n =?utf-8?B?peacrA==?=",
	    "\xE6\x97\xA5\xE6\x9C\xAC", 0);
	HEADER("=?shift_jis?q?=82?= =?Shift_JIS?q?=A0?=", "\xE3\x81\x82", 0);
	/* Words in another charset end the run: the fragment is damage. */
	HEADER("=?utf-8?q?=E6=97?= =?iso-8859-1?q?x?=", "\xC3\xA6\xC2\x97x", 1);
}
END_TEST

START_TEST(rfc2047_long_run)
{
	/* 2000 words of 7 raw bytes each split "あ" (82 A0) everywhere,
	 * far more than one run stage holds. */
	char   *in = malloc(2000 * 40), *want = malloc(7000 * 3 + 1);
	size_t	n = 0, m = 0, i, k;
	dsnx_buf out;
	int	bad = 0;

	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_nonnull(want);
	for (i = 0; i < 2000; i++) {
		n += (size_t)sprintf(in + n, "%s=?SJIS?Q?", i ? " " : "");
		for (k = 0; k < 7; k++)
			n += (size_t)sprintf(in + n, "=%02X",
			    (i * 7 + k) % 2 ? 0xA0 : 0x82);
		n += (size_t)sprintf(in + n, "?=");
	}
	for (i = 0; i < 7000; i++) {
		memcpy(want + m, "\xE3\x81\x82", 3);
		m += 3;
	}
	dsnx_buf_init(&out, 0);
	ck_assert_int_eq(dsnx_rfc2047_decode(in, n, &out, &bad), DSNX_OK);
	ck_assert_uint_eq(out.len, m);
	ck_assert_mem_eq(out.data, want, m);
	ck_assert_int_eq(bad, 0);
	dsnx_buf_free(&out);

	/* The same with UTF-8, which takes the path without iconv. */
	n = m = 0;
	for (i = 0; i < 3000; i++) {
		n += (size_t)sprintf(in + n, "=?utf-8?q?=%02X=%02X?= ",
		    (unsigned char)"\xE6\x97\xA5"[(2 * i) % 3],
		    (unsigned char)"\xE6\x97\xA5"[(2 * i + 1) % 3]);
	}
	for (i = 0; i < 2000; i++) {
		memcpy(want + m, "\xE6\x97\xA5", 3);
		m += 3;
	}
	want[m++] = ' ';	/* the space after the last word stays */
	dsnx_buf_init(&out, 0);
	ck_assert_int_eq(dsnx_rfc2047_decode(in, n, &out, &bad), DSNX_OK);
	ck_assert_uint_eq(out.len, m);
	ck_assert_mem_eq(out.data, want, m);
	ck_assert_int_eq(bad, 0);
	dsnx_buf_free(&out);
	free(in);
	free(want);
}
END_TEST

START_TEST(rfc2047_malformed)
{
	HEADER("=?utf-8?x?abc?=", "=?utf-8?x?abc?=", 0);
	HEADER("=?utf-8?q?abc", "=?utf-8?q?abc", 0);
	HEADER("=??q?abc?=", "=??q?abc?=", 0);
	HEADER("=?*en?q?abc?=", "=?*en?q?abc?=", 0);
	HEADER("=?utf-8?q?a b?=", "=?utf-8?q?a b?=", 0);
	HEADER("=?utf-8?q?a?b?=", "=?utf-8?q?a?b?=", 0);
	HEADER("=?utf-8?q?caf\xE9?=", "=?utf-8?q?caf\xC3\xA9?=", 1);
	HEADER("=?utf-8?q?" "?=", "", 0);
	HEADER("a =?utf-8?q?b?=c", "a bc", 0);
	HEADER(" \t=?utf-8?q?a?=", " \ta", 0);	/* only between words */
	HEADER("=?utf-8?q?a?= b =?utf-8?q?c?=", "a b c", 0);
	HEADER("=?utf-8?q?a?= =?bad =?utf-8?q?c?=", "a =?bad c", 0);
	HEADER("=?utf-8?q?a?=   ", "a   ", 0);
	HEADER("= ? =?= =?", "= ? =?= =?", 0);
	HEADER("=?x-no-such?q?caf=E9?=", "caf\xC3\xA9", 1);
	HEADER("=?utf-8?b?!!!?=", "", 1);
	HEADER("=?utf-8?q?a=00b?= x\0y", "a" FFFD "b x" FFFD "y", 1);
	HEADER("no words at all, caf\xE9", "no words at all, caf\xC3\xA9", 1);
	HEADER("", "", 0);
}
END_TEST

START_TEST(rfc2047_too_long_word)
{
	char   *in = malloc(5000);
	dsnx_buf out;
	int	bad = 0;
	size_t	n;

	ck_assert_ptr_nonnull(in);
	memcpy(in, "=?utf-8?q?", 10);
	memset(in + 10, 'a', 4000);
	memcpy(in + 4010, "?=", 2);
	n = 4012;
	dsnx_buf_init(&out, 0);
	ck_assert_int_eq(dsnx_rfc2047_decode(in, n, &out, &bad), DSNX_OK);
	ck_assert_uint_eq(out.len, n);
	ck_assert_mem_eq(out.data, in, n);
	dsnx_buf_free(&out);
	free(in);
}
END_TEST

/* --------------------------------------------------------------- limits */

START_TEST(cap_keeps_prefix)
{
	dsnx_buf out;
	int	bad = 0;

	dsnx_buf_init(&out, 5);
	ck_assert_int_eq(dsnx_base64_decode(L("SGVsbG8sIFdvcmxkIQ=="), &out, &bad),
	    DSNX_ELIMIT);
	ck_assert_str_eq(dsnx_buf_str(&out), "Hello");
	ck_assert(out.overflow);
	dsnx_buf_free(&out);

	dsnx_buf_init(&out, 3);
	ck_assert_int_eq(dsnx_qp_decode(L("ab=3Dcd"), &out, &bad), DSNX_ELIMIT);
	ck_assert_str_eq(dsnx_buf_str(&out), "ab=");
	dsnx_buf_free(&out);

	dsnx_buf_init(&out, 2);
	ck_assert_int_eq(dsnx_qword_decode(L("a_b"), &out, &bad), DSNX_ELIMIT);
	ck_assert_str_eq(dsnx_buf_str(&out), "a ");
	dsnx_buf_free(&out);
	ck_assert_int_eq(bad, 0);
}
END_TEST

START_TEST(cap_cuts_between_characters)
{
	dsnx_buf out;
	int	bad = 0;

	/* "h" + two bytes of U+00E9: the cap falls inside the character. */
	dsnx_buf_init(&out, 2);
	ck_assert_int_eq(dsnx_to_utf8(NULL, L("h\xC3\xA9"), &out, &bad),
	    DSNX_ELIMIT);
	ck_assert_uint_eq(out.len, 1);
	ck_assert_str_eq(dsnx_buf_str(&out), "h");
	dsnx_buf_free(&out);

	dsnx_buf_init(&out, 5);
	ck_assert_int_eq(dsnx_to_utf8("koi8-r", L("\xF0\xD2\xC9\xD7"), &out,
	    &bad), DSNX_ELIMIT);
	ck_assert_str_eq(dsnx_buf_str(&out), "\xD0\x9F\xD1\x80");
	dsnx_buf_free(&out);

	dsnx_buf_init(&out, 8);
	ck_assert_int_eq(dsnx_utf8_sanitize(L("abc\xF0\x9F\x98\x80\xF0\x9F\x98\x80"),
	    &out, &bad), DSNX_ELIMIT);
	ck_assert_str_eq(dsnx_buf_str(&out), "abc\xF0\x9F\x98\x80");
	dsnx_buf_free(&out);

	dsnx_buf_init(&out, 4);
	ck_assert_int_eq(dsnx_rfc2047_decode(L("=?utf-8?q?x=C3=A9=C3=A9?="), &out,
	    &bad), DSNX_ELIMIT);
	ck_assert_str_eq(dsnx_buf_str(&out), "x\xC3\xA9");
	dsnx_buf_free(&out);
	ck_assert_int_eq(bad, 0);

	/* What was in the buffer before the call is never trimmed. */
	dsnx_buf_init(&out, 3);
	ck_assert_int_eq(dsnx_buf_append(&out, "\xC3\xA9", 2), DSNX_OK);
	ck_assert_int_eq(dsnx_to_utf8(NULL, L("\xE2\x82\xAC"), &out, &bad),
	    DSNX_ELIMIT);
	ck_assert_str_eq(dsnx_buf_str(&out), "\xC3\xA9");
	dsnx_buf_free(&out);
}
END_TEST

START_TEST(cap_big_input_stops)
{
	char   *in = malloc(1 << 20);
	dsnx_buf out;
	int	bad = 0;

	ck_assert_ptr_nonnull(in);
	memset(in, 'A', 1 << 20);
	dsnx_buf_init(&out, 1000);
	ck_assert_int_eq(dsnx_base64_decode(in, 1 << 20, &out, &bad), DSNX_ELIMIT);
	ck_assert_uint_eq(out.len, 1000);
	ck_assert(out.cap <= 4096);
	dsnx_buf_reset(&out);
	ck_assert_int_eq(dsnx_to_utf8(NULL, in, 1 << 20, &out, &bad), DSNX_ELIMIT);
	ck_assert_uint_eq(out.len, 1000);
	dsnx_buf_reset(&out);
	ck_assert_int_eq(dsnx_qp_decode(in, 1 << 20, &out, &bad), DSNX_ELIMIT);
	ck_assert_uint_eq(out.len, 1000);
	dsnx_buf_free(&out);
	free(in);
}
END_TEST

/* -------------------------------------------------------------- hostile */

START_TEST(hostile_many_word_starts)
{
	size_t	n = 1 << 20, i;
	char   *in = malloc(n);
	static const char pattern[] = "=?a?q?xx=?b?B?yy\t=?=?";
	dsnx_buf out;
	int	bad = 0;

	/* Quadratic scanning would not finish within the test timeout. */
	ck_assert_ptr_nonnull(in);
	for (i = 0; i < n; i++)
		in[i] = pattern[i % (sizeof(pattern) - 1)];
	dsnx_buf_init(&out, 0);
	ck_assert_int_eq(dsnx_rfc2047_decode(in, n, &out, &bad), DSNX_OK);
	ck_assert_uint_eq(out.len, n);
	ck_assert_mem_eq(out.data, in, n);
	dsnx_buf_free(&out);
	free(in);
}
END_TEST

START_TEST(hostile_random_bytes)
{
	unsigned char in[4096];
	unsigned long seed = 12345;
	static const char *const charsets[] = {
		NULL, "utf-8", "iso-8859-1", "shift_jis", "iso-2022-jp",
		"utf-16", "utf-7", "gb2312", "x-nonsense"
	};
	dsnx_buf out;
	size_t	i, round, c;
	int	bad;

	dsnx_buf_init(&out, 0);
	for (round = 0; round < 40; round++) {
		for (i = 0; i < sizeof(in); i++) {
			seed = seed * 1103515245 + 12345;
			in[i] = (unsigned char)(seed >> 16);
			if (round % 2 && in[i] > 0x7F && in[i] < 0xC0)
				in[i] = "=?qQbB_ \r\n"[in[i] % 10];
		}
		for (c = 0; c < sizeof(charsets) / sizeof(charsets[0]); c++) {
			dsnx_buf_reset(&out);
			bad = 0;
			ck_assert_int_eq(dsnx_to_utf8(charsets[c], (char *)in,
			    sizeof(in), &out, &bad), DSNX_OK);
			ck_assert(dsnx_utf8_valid(out.data, out.len));
		}
		dsnx_buf_reset(&out);
		ck_assert_int_eq(dsnx_rfc2047_decode((char *)in, sizeof(in),
		    &out, &bad), DSNX_OK);
		ck_assert(dsnx_utf8_valid(out.data, out.len));
		dsnx_buf_reset(&out);
		ck_assert_int_eq(dsnx_utf8_sanitize((char *)in, sizeof(in),
		    &out, &bad), DSNX_OK);
		ck_assert(dsnx_utf8_valid(out.data, out.len));
		dsnx_buf_reset(&out);
		ck_assert_int_eq(dsnx_qp_decode((char *)in, sizeof(in), &out,
		    &bad), DSNX_OK);
		dsnx_buf_reset(&out);
		ck_assert_int_eq(dsnx_base64_decode((char *)in, sizeof(in), &out,
		    &bad), DSNX_OK);
	}
	dsnx_buf_free(&out);
}
END_TEST

START_TEST(hostile_exact_lengths)
{
	/* Inputs live at the very end of an allocation, so ASan and
	 * valgrind catch any read past len. */
	static const char *const cases[] = {
		"=", "=4", "=?", "=?a", "=?a?", "=?a?q", "=?a?q?", "=?a?q?x",
		"=?a?q?x?", "\xE2", "\xF0\x9F\x98", "Zm9vY", "\xC3",
	};
	dsnx_buf out;
	size_t	i, len;
	char   *copy;
	int	bad = 0;

	dsnx_buf_init(&out, 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = strlen(cases[i]);
		copy = malloc(len);
		ck_assert_ptr_nonnull(copy);
		memcpy(copy, cases[i], len);
		dsnx_base64_decode(copy, len, &out, &bad);
		dsnx_qp_decode(copy, len, &out, &bad);
		dsnx_qword_decode(copy, len, &out, &bad);
		dsnx_to_utf8(NULL, copy, len, &out, &bad);
		dsnx_to_utf8("shift_jis", copy, len, &out, &bad);
		dsnx_utf8_sanitize(copy, len, &out, &bad);
		(void)dsnx_utf8_valid(copy, len);
		dsnx_rfc2047_decode(copy, len, &out, &bad);
		free(copy);
	}
	dsnx_buf_free(&out);
}
END_TEST

/* One UTF-8 character: its length and code point; what is no character
 * (overlong, surrogate, past U+10FFFF, cut short) is 0. */
START_TEST(utf8_char_one)
{
	static const struct {
		const char *s;
		size_t len, want;
		unsigned cp;
	} cases[] = {
		{ "A", 1, 1, 0x41 },
		{ "\xc3\xa4x", 3, 2, 0xE4 },
		{ "\xe2\x80\x9e", 3, 3, 0x201E },
		{ "\xf0\x9f\x98\x80", 4, 4, 0x1F600 },
		{ "\xc0\xaf", 2, 0, 0 },		/* overlong */
		{ "\xed\xa0\x80", 3, 0, 0 },	/* surrogate */
		{ "\xf4\x90\x80\x80", 4, 0, 0 },	/* past U+10FFFF */
		{ "\xe2\x80", 2, 0, 0 },		/* cut short */
		{ "", 0, 0, 0 },
	};
	unsigned i, cp;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cp = 0;
		ck_assert_uint_eq(dsnx_utf8_char((const unsigned char *)
		    cases[i].s, cases[i].len, &cp), cases[i].want);
		if (cases[i].want > 0)
			ck_assert_uint_eq(cp, cases[i].cp);
	}
	ck_assert(dsnx_ascii_only("plain\ttext\n", 11));
	ck_assert(!dsnx_ascii_only("Gr\xfc\xdf" "e", 5));
	ck_assert(dsnx_ascii_only("", 0));
}
END_TEST

static Suite *
codec_suite(void)
{
	Suite  *s = suite_create("codec");
	TCase  *tc;

	tc = tcase_create("base64");
	tcase_add_test(tc, base64_vectors);
	tcase_add_test(tc, base64_tolerance);
	tcase_add_test(tc, base64_all_bytes);
	tcase_add_test(tc, base64_appends_and_null_bad);
	suite_add_tcase(s, tc);

	tc = tcase_create("quoted-printable");
	tcase_add_test(tc, qp_vectors);
	tcase_add_test(tc, qp_invalid);
	tcase_add_test(tc, qp_random);
	tcase_add_test(tc, qword_vectors);
	suite_add_tcase(s, tc);

	tc = tcase_create("utf8");
	tcase_add_test(tc, utf8_validity);
	tcase_add_test(tc, utf8_sanitize);
	tcase_add_test(tc, utf8_long_mixed);
	suite_add_tcase(s, tc);

	tc = tcase_create("charset");
	tcase_add_test(tc, charset_utf8_and_fallback);
	tcase_add_test(tc, charset_single_byte);
	tcase_add_test(tc, charset_multibyte);
	tcase_add_test(tc, charset_invalid_bytes);
	tcase_add_test(tc, charset_long_iconv);
	tcase_add_test(tc, charset_avoids_iconv);
	suite_add_tcase(s, tc);

	tc = tcase_create("rfc2047");
	tcase_add_test(tc, rfc2047_rfc_examples);
	tcase_add_test(tc, rfc2047_japanese);
	tcase_add_test(tc, rfc2047_split_characters);
	tcase_add_test(tc, rfc2047_long_run);
	tcase_add_test(tc, rfc2047_malformed);
	tcase_add_test(tc, rfc2047_too_long_word);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_test(tc, cap_keeps_prefix);
	tcase_add_test(tc, cap_cuts_between_characters);
	tcase_add_test(tc, cap_big_input_stops);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, hostile_many_word_starts);
	tcase_add_test(tc, hostile_random_bytes);
	tcase_add_test(tc, hostile_exact_lengths);
	tcase_add_test(tc, utf8_char_one);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(codec_suite());
	int	failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
