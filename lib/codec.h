/*
 * codec.h - transfer decodings and charset conversion to UTF-8
 *
 * Base64 and quoted-printable (RFC 2045), RFC 2047 encoded words, and
 * conversion of any iconv-known charset to UTF-8.  Output goes to a capped
 * dsnx_buf.  Every function decodes what it can and reports damage through
 * *bad instead of failing: a bounce with a broken encoding must still be
 * readable.  No function here allocates outside the given buffer except the
 * iconv descriptor it opens and closes within the call.
 */
#ifndef DSNX_CODEC_H
#define DSNX_CODEC_H

#include <stddef.h>
#include "buf.h"

/*
 * Each returns DSNX_OK, DSNX_ENOMEM or DSNX_ELIMIT (output cut at the
 * buffer's cap).  *bad (may be NULL) is set to 1 when the input had
 * invalid characters or sequences, and is never cleared.
 */

/* Skips whitespace and line ends; stops at '=' padding; ignores other
 * junk characters (setting *bad); a dangling 1-character tail is dropped. */
dsnx_status dsnx_base64_decode(const char *in, size_t len, dsnx_buf *out,
    int *bad);
/* "=XX" (either case), soft line breaks "=\r\n", "=\n", "=\r", and a lone
 * '=' or bad hex kept literally (setting *bad). */
dsnx_status dsnx_qp_decode(const char *in, size_t len, dsnx_buf *out,
    int *bad);
/* RFC 2047 Q encoding: '_' is a space, "=XX" as above; no soft breaks. */
dsnx_status dsnx_qword_decode(const char *in, size_t len, dsnx_buf *out,
    int *bad);

/*
 * Converts len bytes in charset (case-insensitive name; NULL, "", unknown
 * names and "us-ascii" are read as UTF-8 with a Latin-1 fallback for bytes
 * that are not valid UTF-8) to UTF-8.  Invalid sequences become U+FFFD.
 * NUL bytes become U+FFFD too, so the result is a C string.
 */
dsnx_status dsnx_to_utf8(const char *charset, const char *in, size_t len,
    dsnx_buf *out, int *bad);
/* Copies valid UTF-8, replacing NUL and invalid sequences with U+FFFD. */
dsnx_status dsnx_utf8_sanitize(const char *in, size_t len, dsnx_buf *out,
    int *bad);
/* Nonzero when len bytes are valid UTF-8 without NUL. */
int dsnx_utf8_valid(const char *in, size_t len);
/* The valid UTF-8 sequence at s (at most len bytes): its length, its code
 * point in *cp; 0 when the bytes there are not one (overlong forms,
 * surrogates and code points above U+10FFFF are not). */
size_t dsnx_utf8_char(const unsigned char *s, size_t len, unsigned *cp);
/* Nonzero when every one of the len bytes is ASCII. */
int dsnx_ascii_only(const char *s, size_t len);

/*
 * What a declared charset label names, by the rules dsnx_to_utf8() reads
 * it with; name gets the label trimmed, in lower case, aliases mapped to
 * the name iconv knows ("latin1" -> "iso-8859-1", "ks_c_5601-1987" ->
 * "cp949"), or "" for no label or an invalid one.  UNKNOWN is a label
 * that says the charset is not known ("unknown-8bit", "x-unknown").
 */
#define DSNX_CHARSET_NAME_SIZE	41
typedef enum dsnx_charset_kind {
	DSNX_CHARSET_UTF8,
	DSNX_CHARSET_ASCII,	/* US-ASCII or its aliases, or no label */
	DSNX_CHARSET_UNKNOWN,
	DSNX_CHARSET_OTHER,	/* name is for iconv */
	DSNX_CHARSET_INVALID
} dsnx_charset_kind;
dsnx_charset_kind dsnx_charset_identify(const char *charset,
    char name[DSNX_CHARSET_NAME_SIZE]);
/* Nonzero for a charset name (as identified) whose bytes 0x00-0x7F are
 * ASCII in its initial state (ISO-2022 ones included). */
int dsnx_charset_ascii_compatible(const char *name);

/*
 * Decodes an unfolded header value with RFC 2047 encoded words
 * (=?charset?B|Q?text?=, also charset*lang), drops whitespace between
 * adjacent encoded words, converts to UTF-8.  Text outside encoded words
 * is taken as UTF-8 (with the same Latin-1 fallback as above).
 */
dsnx_status dsnx_rfc2047_decode(const char *in, size_t len, dsnx_buf *out,
    int *bad);

#endif
