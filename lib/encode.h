/*
 * encode.h - transfer encodings and conversion from UTF-8, for our text
 *
 * The writing direction of codec.h: what the rewrite adds to a part is
 * written in that part's charset and transfer encoding.  Input is our
 * own text (UTF-8, lines ending in '\n'); output goes to a dsnx_buf.
 * Nothing here reads message bytes.
 */
#ifndef DSNX_ENCODE_H
#define DSNX_ENCODE_H

#include <stddef.h>
#include "buf.h"

/* Quoted-printable (RFC 2045 6.7), lines ending in eol, at most 76
 * characters; no line starts with '-' or "From ". */
void dsnx_qp_encode(dsnx_buf *b, const char *s, size_t len, const char *eol);

/* Base64 (RFC 2045 6.8) of len bytes, continuing a line that already
 * holds col characters; lines of 76 characters end in eol, the last
 * one too. */
void dsnx_base64_encode(dsnx_buf *b, const unsigned char *s, size_t len,
    size_t col, const char *eol);

/*
 * Converts UTF-8 text to the charset name (as dsnx_charset_identify()
 * gives it, "us-ascii" for plain ASCII).  A character the charset lacks
 * is written as its ASCII fallback ("ae" for U+00E4, '"' for U+201E,
 * "EUR" for U+20AC) or '?', and sets *lossy.  A stateful charset
 * (ISO-2022) ends in its initial state.  Returns DSNX_OK, DSNX_ENOMEM,
 * or DSNX_EINVAL when iconv does not know the charset or the input is
 * not UTF-8.
 */
dsnx_status dsnx_from_utf8(const char *charset, const char *in, size_t len,
    dsnx_buf *out, int *lossy);

#endif
