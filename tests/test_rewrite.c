/*
 * test_rewrite - dsnx_rewrite_message() through the public API
 *
 * Hostile remote text (script tags, attribute injection, a CR LF and a
 * fake header inside a folded Diagnostic-Code, a diagnostic near the
 * 64 KiB field cap beside a 1 MB returned message, invalid UTF-8, Unicode
 * direction overrides and isolates, the message's own boundary inside a
 * diagnostic) must come out inert in both renditions.  The checks read the
 * output with code of their own: the header block is split into fields
 * here, our multipart/alternative is found by its boundary parameter and
 * its parts are quoted-printable decoded here, and UTF-8 is validated
 * here.
 *
 * Then the contract of a rewrite: idempotence, "not a DSN", the size
 * limit, the non-MIME (qmail) case, single text/plain parts in UTF-8 and
 * in iso-2022-jp, determinism, CRLF in gives CRLF out, the Subject
 * option, and the milter's view (header edits and body) agreeing with the
 * whole output.
 *
 * The rule set is rules/ of the source tree (RULES_DIR), loaded once.
 */
#include "config.h"

#include <check.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dsnexplain.h"
#include "codec.h"
#include "sbuf.h"
#include "rule_dir.h"
#include "shipped_rules.h"

#define TIMEOUT 120

/* ------------------------------------------------------------ helpers */

/* Appends text whose '\n' become eol. */
static void
sb_lines(sbuf *b, const char *eol, const char *text)
{
	const char *nl;

	while ((nl = strchr(text, '\n')) != NULL) {
		sb_add(b, text, (size_t)(nl - text));
		sb_str(b, eol);
		text = nl + 1;
	}
	sb_str(b, text);
}

static const char *
mem_find(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	size_t i;

	if (nlen == 0)
		return hay;
	for (i = 0; i + nlen <= hlen; i++)
		if (hay[i] == needle[0] && memcmp(hay + i, needle, nlen) == 0)
			return hay + i;
	return NULL;
}

static const char *
mem_find_ci(const char *hay, size_t hlen, const char *needle)
{
	size_t i, nlen = strlen(needle);

	for (i = 0; i + nlen <= hlen; i++)
		if (strncasecmp(hay + i, needle, nlen) == 0)
			return hay + i;
	return NULL;
}

/* Strict UTF-8 (RFC 3629), no NUL. */
static int
utf8_ok(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, k, j;
	uint32_t cp, min;

	while (i < n) {
		unsigned c = s[i];

		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			k = 1;
			cp = c & 0x1F;
			min = 0x80;
		} else if (c >= 0xE0 && c <= 0xEF) {
			k = 2;
			cp = c & 0x0F;
			min = 0x800;
		} else if (c >= 0xF0 && c <= 0xF4) {
			k = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else
			return 0;
		if (i + k >= n)
			return 0;
		for (j = 1; j <= k; j++) {
			if (i + j >= n || (s[i + j] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + j] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += k + 1;
	}
	return 1;
}

/* Next code point of valid UTF-8 at s[*i]. */
static uint32_t
utf8_next(const unsigned char *s, size_t *i)
{
	uint32_t c = s[*i];

	if (c < 0x80) {
		*i += 1;
		return c;
	}
	if (c < 0xE0) {
		c = ((c & 0x1F) << 6) | (s[*i + 1] & 0x3F);
		*i += 2;
		return c;
	}
	if (c < 0xF0) {
		c = ((c & 0x0F) << 12) | ((s[*i + 1] & 0x3FU) << 6)
		    | (s[*i + 2] & 0x3F);
		*i += 3;
		return c;
	}
	c = ((c & 0x07) << 18) | ((s[*i + 1] & 0x3FU) << 12)
	    | ((s[*i + 2] & 0x3FU) << 6) | (s[*i + 3] & 0x3F);
	*i += 4;
	return c;
}

static int
is_bidi_control(uint32_t c)
{
	return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069)
	    || c == 0x200E || c == 0x200F || c == 0x061C;
}

/* Text rendition: valid UTF-8, no control characters but LF, no
 * direction controls.  Returns a message or NULL. */
static const char *
text_clean(const char *s, size_t n, int allow_cr_tab)
{
	size_t i = 0;

	if (!utf8_ok(s, n))
		return "invalid UTF-8";
	while (i < n) {
		uint32_t c = utf8_next((const unsigned char *)s, &i);

		if (c == '\n')
			continue;
		if (allow_cr_tab && (c == '\r' || c == '\t'))
			continue;
		if (c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F))
			return "a control character";
		if (is_bidi_control(c))
			return "a direction override or isolate";
	}
	return NULL;
}

/* Quoted-printable decoding (RFC 2045 6.7), lenient like a reader. */
static void
qp_decode(const char *s, size_t n, sbuf *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '=') {
			if (i + 1 < n && s[i + 1] == '\n') {
				i += 1;
				continue;
			}
			if (i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
				i += 2;
				continue;
			}
			if (i + 2 < n && strchr("0123456789ABCDEFabcdef", s[i + 1])
			    && strchr("0123456789ABCDEFabcdef", s[i + 2])) {
				char hex[3] = { s[i + 1], s[i + 2], 0 };
				char c = (char)strtol(hex, NULL, 16);

				sb_add(out, &c, 1);
				i += 2;
				continue;
			}
		}
		if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
			continue;	/* hard line break: keep it as LF */
		sb_add(out, s + i, 1);
	}
}

/* End of the header block: offset of the empty line's start; *body set
 * to the body's first byte. */
static size_t
header_end(const char *s, size_t n, size_t *body)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] != '\n')
			continue;
		if (i + 1 < n && s[i + 1] == '\n') {
			*body = i + 2;
			return i + 1;
		}
		if (i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
			*body = i + 3;
			return i + 1;
		}
	}
	*body = n;
	return n;
}

/* Header fields, raw (name through the last continuation line, line
 * end excluded). */
typedef struct field {
	const char *p;
	size_t len;
} field;

static unsigned
split_fields(const char *s, size_t n, field *f, unsigned max)
{
	size_t i = 0, end = 0;
	unsigned count = 0;

	while (i < n) {
		size_t ls = i, le;

		while (i < n && s[i] != '\n')
			i++;
		le = i;
		if (i < n)
			i++;
		if (le > ls && s[le - 1] == '\r')
			le--;
		if ((s[ls] == ' ' || s[ls] == '\t') && count > 0) {
			f[count - 1].len = le - (size_t)(f[count - 1].p - s);
			continue;
		}
		ck_assert_uint_lt(count, max);
		f[count].p = s + ls;
		f[count].len = le - ls;
		count++;
		end = le;
	}
	(void)end;
	return count;
}

static int
field_is(const field *f, const char *name)
{
	size_t n = strlen(name);

	return f->len > n && strncasecmp(f->p, name, n) == 0 && f->p[n] == ':';
}

static int
field_in(const field *f, const field *list, unsigned count)
{
	unsigned i;

	for (i = 0; i < count; i++)
		if (list[i].len == f->len && memcmp(list[i].p, f->p, f->len) == 0)
			return 1;
	return 0;
}

/* ------------------------------------------------------ test messages */

#define OUTER "4E2D3C1B0A.1768993552/mx.example.net"

/*
 * A Postfix-style multipart/report with the diagnostic bytes diag put
 * raw after "Diagnostic-Code: smtp; " and the returned message's body
 * rbody, with eol line ends elsewhere.
 */
static void
make_dsn(sbuf *b, const char *eol, const char *remote, const char *diag,
    size_t diag_len, const char *rbody, size_t rbody_len)
{
	sb_lines(b, eol,
	    "Return-Path: <>\n"
	    "Received: by mx.example.net (Postfix)\n"
	    "\tid 4E2D3C1B0A; Wed, 21 Jan 2026 13:05:52 +0200 (EET)\n"
	    "Date: Wed, 21 Jan 2026 13:05:52 +0200 (EET)\n"
	    "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\n"
	    "Subject: Undelivered Mail Returned to Sender\n"
	    "To: sender@example.net\n"
	    "Auto-Submitted: auto-replied\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\n"
	    "\tboundary=\"" OUTER "\"\n"
	    "Message-Id: <20260121110552.4E2D3C1B0A@mx.example.net>\n"
	    "\n"
	    "This is a MIME-encapsulated message.\n"
	    "\n"
	    "--" OUTER "\n"
	    "Content-Description: Notification\n"
	    "Content-Type: text/plain; charset=us-ascii\n"
	    "\n"
	    "This is the mail system at host mx.example.net.\n"
	    "\n"
	    "I'm sorry to have to inform you that your message could not\n"
	    "be delivered to one or more recipients. It's attached below.\n"
	    "\n"
	    "--" OUTER "\n"
	    "Content-Description: Delivery report\n"
	    "Content-Type: message/delivery-status\n"
	    "\n"
	    "Reporting-MTA: dns; mx.example.net\n"
	    "X-Postfix-Queue-ID: 4E2D3C1B0A\n"
	    "Arrival-Date: Wed, 21 Jan 2026 13:05:50 +0200 (EET)\n"
	    "\n"
	    "Final-Recipient: rfc822; victim.user@example.org\n"
	    "Original-Recipient: rfc822;victim.user@example.org\n"
	    "Action: failed\n"
	    "Status: 5.1.1\n"
	    "Remote-MTA: dns; ");
	sb_str(b, remote);
	sb_str(b, eol);
	sb_str(b, "Diagnostic-Code: smtp; ");
	sb_add(b, diag, diag_len);
	sb_str(b, eol);
	sb_lines(b, eol,
	    "\n"
	    "--" OUTER "\n"
	    "Content-Description: Undelivered Message\n"
	    "Content-Type: message/rfc822\n"
	    "\n"
	    "Return-Path: <sender@example.net>\n"
	    "From: Sender <sender@example.net>\n"
	    "To: victim.user@example.org\n"
	    "Subject: Quarterly figures\n"
	    "Message-ID: <a1@example.net>\n"
	    "\n");
	sb_add(b, rbody, rbody_len);
	sb_lines(b, eol, "\n--" OUTER "--\n");
}

static void
make_dsn_diag(sbuf *b, const char *eol, const char *diag)
{
	sbuf body = { 0 };

	sb_lines(&body, eol, "Hello.\n");
	make_dsn(b, eol, "mx.example.org", diag, strlen(diag), body.p, body.len);
	sb_free(&body);
}

static const char QMAIL_BODY[] =
    "Hi. This is the qmail-send program at mx.example.net.\n"
    "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
    "This is a permanent error; I've given up. Sorry it didn't work out.\n"
    "\n"
    "<katrin.vogel@example.org>:\n"
    "192.0.2.91 does not like recipient.\n"
    "Remote host said: 550 5.1.1 <katrin.vogel@example.org>: No such user here\n"
    "Giving up on 192.0.2.91.\n"
    "(#5.1.1)\n"
    "\n"
    "--- Below this line is a copy of the message.\n"
    "\n"
    "Return-Path: <tomasz.wrona@example.net>\n"
    "From: Tomasz Wrona <tomasz.wrona@example.net>\n"
    "To: katrin.vogel@example.org\n"
    "Subject: Photos from the trip\n"
    "\n"
    "The link to the album is below.\n";

static const char QMAIL_HEAD[] =
    "Return-Path: <>\n"
    "Received: (qmail 30117 invoked for bounce); 17 Jun 2026 18:02:44 -0000\n"
    "Date: 17 Jun 2026 18:02:44 -0000\n"
    "From: MAILER-DAEMON@mx.example.net\n"
    "To: tomasz.wrona@example.net\n"
    "Subject: failure notice\n";

/* ------------------------------------------------------------ running */

static dsnx_rewrite *
rewrite_opt(const char *buf, size_t len, const dsnx_rewrite_options *o)
{
	dsnx_rewrite *rw = NULL;
	dsnx_status st = dsnx_rewrite_message(ctx, rules, buf, len, o, &rw);

	ck_assert_msg(st == DSNX_OK, "dsnx_rewrite_message: %s",
	    dsnx_strstatus(st));
	ck_assert_ptr_nonnull(rw);
	return rw;
}

static dsnx_rewrite *
rewrite(const char *buf, size_t len)
{
	return rewrite_opt(buf, len, NULL);
}

/* Our multipart/alternative's two parts, decoded. */
typedef struct ours {
	sbuf text;             /* decoded text/plain */
	sbuf html;             /* decoded text/html */
	const char *enc_start; /* the encoded parts, boundary lines included */
	size_t enc_len;
} ours;

static void
ours_free(ours *o)
{
	sb_free(&o->text);
	sb_free(&o->html);
}

/* Finds boundary="..._a" of our multipart/alternative in out and
 * decodes its parts with this file's own code. */
static void
find_ours(const char *out, size_t len, ours *o)
{
	static const char key[] = "multipart/alternative; boundary=\"";
	const char *p = mem_find(out, len, key, sizeof(key) - 1), *q, *end;
	char delim[128];
	size_t dl;

	memset(o, 0, sizeof(*o));
	ck_assert_msg(p != NULL, "no multipart/alternative in the output");
	p += sizeof(key) - 1;
	q = memchr(p, '"', (size_t)(out + len - p));
	ck_assert_ptr_nonnull(q);
	ck_assert_uint_lt((size_t)(q - p), sizeof(delim) - 3);
	dl = (size_t)snprintf(delim, sizeof(delim), "--%.*s", (int)(q - p), p);
	/* the first delimiter line after the parameter */
	p = mem_find(q, (size_t)(out + len - q), delim, dl);
	ck_assert_ptr_nonnull(p);
	o->enc_start = p;
	end = out + len;
	for (;;) {
		const char *hs, *he, *bs, *be, *next;
		size_t hlen, body;

		p += dl;
		if (p + 2 <= end && p[0] == '-' && p[1] == '-') {
			p += 2;
			break;
		}
		while (p < end && *p != '\n')
			p++;
		ck_assert(p < end);
		hs = ++p;
		hlen = header_end(hs, (size_t)(end - hs), &body);
		he = hs + hlen;
		bs = hs + body;
		next = mem_find(bs, (size_t)(end - bs), delim, dl);
		ck_assert_msg(next != NULL, "our part has no closing delimiter");
		be = next;
		/* the line end before the delimiter belongs to it */
		if (be > bs && be[-1] == '\n')
			be--;
		if (be > bs && be[-1] == '\r')
			be--;
		if (mem_find_ci(hs, (size_t)(he - hs), "text/plain") != NULL) {
			ck_assert(mem_find_ci(hs, (size_t)(he - hs),
			    "quoted-printable") != NULL);
			qp_decode(bs, (size_t)(be - bs), &o->text);
		} else if (mem_find_ci(hs, (size_t)(he - hs), "text/html") != NULL) {
			ck_assert(mem_find_ci(hs, (size_t)(he - hs),
			    "quoted-printable") != NULL);
			qp_decode(bs, (size_t)(be - bs), &o->html);
		} else
			ck_abort_msg("unexpected part in our alternative");
		p = next;
	}
	o->enc_len = (size_t)(p - o->enc_start);
	ck_assert_msg(o->text.len > 0, "no text/plain rendition");
	ck_assert_msg(o->html.len > 0, "no text/html rendition");
}

/* Every tag of the HTML: no script, image, frame, object, and no event
 * handler or javascript: URL in any attribute. */
static void
check_html_inert(const char *h, size_t n)
{
	size_t i;
	const char *msg;

	ck_assert_msg((msg = text_clean(h, n, 1)) == NULL,
	    "HTML rendition has %s", msg);
	ck_assert_msg(mem_find_ci(h, n, "<script") == NULL, "raw <script in HTML");
	ck_assert_msg(mem_find_ci(h, n, "<img") == NULL, "raw <img in HTML");
	ck_assert_msg(mem_find_ci(h, n, "<iframe") == NULL, "raw <iframe in HTML");
	ck_assert_msg(mem_find_ci(h, n, "<object") == NULL, "raw <object in HTML");
	for (i = 0; i < n; i++) {
		const char *e;
		size_t tl;

		if (h[i] != '<')
			continue;
		e = memchr(h + i, '>', n - i);
		ck_assert_msg(e != NULL, "unterminated tag in HTML");
		tl = (size_t)(e - (h + i));
		ck_assert_msg(mem_find_ci(h + i, tl, "onerror") == NULL
		    && mem_find_ci(h + i, tl, "onload") == NULL
		    && mem_find_ci(h + i, tl, "javascript:") == NULL,
		    "an event handler or script URL inside a tag: %.*s",
		    (int)(tl > 200 ? 200 : tl), h + i);
		i += tl;
	}
}

static void
check_value_chars(const char *v)
{
	const char *p;

	ck_assert_ptr_nonnull(v);
	for (p = v; *p; p++)
		ck_assert_msg((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')
		    || (*p >= '0' && *p <= '9') || strchr(".,;=_ -", *p) != NULL,
		    "X-DSN-Explain value has byte 0x%02x: %s",
		    (unsigned char)*p, v);
}

/*
 * Output header fields: those of the input, in order, plus exactly one
 * X-DSN-Explain, plus the names in allowed (NULL-terminated) at most
 * once each.
 */
static void
check_header_block(const char *in, size_t inlen, const char *out,
    size_t outlen, const char *const *allowed)
{
	static field fi[512], fo[512];
	size_t ib, ob, ie = header_end(in, inlen, &ib);
	size_t oe = header_end(out, outlen, &ob);
	unsigned ni = split_fields(in, ie, fi, 512);
	unsigned no = split_fields(out, oe, fo, 512);
	unsigned i, k = 0, explain = 0;

	for (i = 0; i < no; i++) {
		const char *const *a;
		int ok = 0;

		if (k < ni && fo[i].len == fi[k].len
		    && memcmp(fo[i].p, fi[k].p, fi[k].len) == 0) {
			k++;
			continue;
		}
		if (field_is(&fo[i], "X-DSN-Explain")) {
			explain++;
			continue;
		}
		for (a = allowed; a != NULL && *a != NULL; a++)
			if (field_is(&fo[i], *a) && !field_in(&fo[i], fi, ni)) {
				ok = 1;
				/* a changed field stands where the old one was */
				if (k < ni && field_is(&fi[k], *a))
					k++;
			}
		ck_assert_msg(ok, "a header field not in the input: %.*s",
		    (int)(fo[i].len > 100 ? 100 : fo[i].len), fo[i].p);
	}
	ck_assert_msg(k == ni, "input header fields missing or reordered "
	    "(%u of %u kept)", k, ni);
	ck_assert_uint_eq(explain, 1);
}

/* No line of out (from start) starts with "--" and the message's own
 * boundary inside our parts; our encoded lines are at most 76 long. */
static void
check_encoded(const ours *o, const char *outer)
{
	const char *p = o->enc_start, *end = o->enc_start + o->enc_len;
	size_t ol = outer ? strlen(outer) : 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (ll > 0 && p[ll - 1] == '\r')
			ll--;
		ck_assert_msg(ll <= 76, "encoded line of %zu bytes", ll);
		if (outer != NULL)
			ck_assert_msg(!(ll >= ol + 2 && p[0] == '-' && p[1] == '-'
			    && memcmp(p + 2, outer, ol) == 0),
			    "a line inside our part starts with the message's "
			    "boundary delimiter: %.*s", (int)ll, p);
		p = nl ? nl + 1 : end;
	}
}

/* Everything about a changed message that does not depend on its kind. */
static void
check_inert_allowing(const char *in, size_t inlen, dsnx_rewrite *rw,
    const char *outer, const char *const *allowed)
{
	const char *out, *msg;
	size_t outlen;
	ours o;

	ck_assert_msg(dsnx_rewrite_changed(rw), "unchanged: %s",
	    dsnx_rewrite_why(rw));
	out = dsnx_rewrite_output(rw, &outlen);
	check_header_block(in, inlen, out, outlen, allowed);
	check_value_chars(dsnx_rewrite_header_value(rw));
	find_ours(out, outlen, &o);
	ck_assert_msg((msg = text_clean(o.text.p, o.text.len, 0)) == NULL,
	    "text rendition has %s", msg);
	check_html_inert(o.html.p, o.html.len);
	check_encoded(&o, outer);
	ours_free(&o);
}

static void
check_inert(const char *in, size_t inlen, dsnx_rewrite *rw, const char *outer)
{
	check_inert_allowing(in, inlen, rw, outer, NULL);
}

/* The delivery-status part and everything after it, kept byte for byte. */
static void
check_tail_kept(const char *in, size_t inlen, const char *out, size_t outlen)
{
	static const char ds[] = "Content-Description: Delivery report";
	const char *p = mem_find(in, inlen, ds, sizeof(ds) - 1);

	ck_assert_ptr_nonnull(p);
	ck_assert_msg(mem_find(out, outlen, p, (size_t)(in + inlen - p)) != NULL,
	    "the status part and returned message are not byte-identical");
}

/* ---------------------------------------------------- hostile content */

/* Makes a DSN with the diagnostic diag and remote MTA remote, rewrites
 * it, checks it; want_text and want_html (may be NULL) must then occur in
 * the decoded renditions, to show the hostile text did reach them. */
static void
hostile_case_want(const char *eol, const char *remote, const char *diag,
    size_t diag_len, const char *want_text, const char *want_html)
{
	sbuf b = { 0 }, body = { 0 };
	dsnx_rewrite *rw;
	const char *out;
	size_t outlen;
	ours o;

	sb_lines(&body, eol, "Hello.\n");
	make_dsn(&b, eol, remote, diag, diag_len, body.p, body.len);
	sb_free(&body);
	rw = rewrite(b.p, b.len);
	check_inert(b.p, b.len, rw, OUTER);
	out = dsnx_rewrite_output(rw, &outlen);
	check_tail_kept(b.p, b.len, out, outlen);
	find_ours(out, outlen, &o);
	if (want_text != NULL)
		ck_assert_msg(mem_find(o.text.p, o.text.len, want_text,
		    strlen(want_text)) != NULL, "\"%s\" not in the text rendition",
		    want_text);
	if (want_html != NULL)
		ck_assert_msg(mem_find(o.html.p, o.html.len, want_html,
		    strlen(want_html)) != NULL, "\"%s\" not in the HTML rendition",
		    want_html);
	ours_free(&o);
	dsnx_rewrite_free(rw);
	sb_free(&b);
}

static void
hostile_case(const char *eol, const char *remote, const char *diag,
    size_t diag_len)
{
	hostile_case_want(eol, remote, diag, diag_len, NULL, NULL);
}

START_TEST(test_script_tag)
{
	static const char d[] = "550 5.1.1 <victim.user@example.org>: "
	    "<script>alert(1)</script> User unknown";

	hostile_case_want("\n", "<script>alert(2)</script>.example.org", d,
	    sizeof(d) - 1, "alert(1)", "&lt;script&gt;alert(1)&lt;/script&gt;");
}
END_TEST

START_TEST(test_attribute_injection)
{
	static const char d[] = "550 5.1.1 \"><img src=x onerror=alert(1)> "
	    "'><svg onload=alert(1)> <a href=\"javascript:alert(1)\">x</a>";

	hostile_case_want("\n", "\"><img src=x onerror=alert(1)>", d,
	    sizeof(d) - 1, "onerror=alert(1)", "&lt;img src=x onerror=alert(1)&gt;");
}
END_TEST

/* A folded Diagnostic-Code whose continuation carries a CR LF and a
 * fake header, in an LF message and in a CRLF message. */
START_TEST(test_crlf_fake_header)
{
	static const char d[] = "550 5.1.1 <victim.user@example.org>: User\n"
	    "    unknown \r\nBcc: victim@example.com\n"
	    "    in virtual mailbox table\r\nX-Injected: yes";
	static const char d2[] = "550 5.1.1 <victim.user@example.org>: User\r\n"
	    "    unknown\r\nBcc: victim@example.com\r\n"
	    "    \rSubject: forged\r\n    in virtual mailbox table";
	sbuf b = { 0 };
	dsnx_rewrite *rw;
	const char *out;
	size_t outlen, ob;

	hostile_case("\n", "mx.example.org", d, sizeof(d) - 1);
	hostile_case("\r\n", "mx.example.org", d2, sizeof(d2) - 1);

	/* and explicitly: no Bcc: in the output's header block */
	make_dsn(&b, "\n", "mx.example.org", d, sizeof(d) - 1, "Hi.\n", 4);
	rw = rewrite(b.p, b.len);
	out = dsnx_rewrite_output(rw, &outlen);
	ck_assert(mem_find_ci(out, header_end(out, outlen, &ob), "bcc:") == NULL);
	ck_assert(mem_find_ci(out, header_end(out, outlen, &ob), "x-injected") == NULL);
	dsnx_rewrite_free(rw);
	sb_free(&b);
}
END_TEST

/* A Diagnostic-Code near the 64 KiB field cap, a 1 MB returned body. */
START_TEST(test_huge_diagnostic)
{
	sbuf d = { 0 }, body = { 0 }, b = { 0 };
	dsnx_rewrite *rw;
	const char *out;
	size_t outlen, i;
	ours o;

	sb_str(&d, "550 5.1.1 <victim.user@example.org>: <script>x</script>");
	while (d.len < 63 * 1024) {
		sb_str(&d, "\n    ");
		for (i = 0; i < 7; i++)
			sb_str(&d, "&<>\"' AAAAA");
	}
	for (i = 0; body.len < 1024 * 1024; i++) {
		char line[80];

		snprintf(line, sizeof(line), "line %zu of the returned message, "
		    "kept as it was.\n", i);
		sb_str(&body, line);
	}
	make_dsn(&b, "\n", "mx.example.org", d.p, d.len, body.p, body.len);
	rw = rewrite(b.p, b.len);
	check_inert(b.p, b.len, rw, OUTER);
	out = dsnx_rewrite_output(rw, &outlen);
	check_tail_kept(b.p, b.len, out, outlen);
	/* the shown diagnostic is capped: the renditions stay small */
	find_ours(out, outlen, &o);
	ck_assert_uint_lt(o.text.len, 48 * 1024);
	ck_assert_uint_lt(o.html.len, 96 * 1024);
	ours_free(&o);
	dsnx_rewrite_free(rw);
	sb_free(&b);
	sb_free(&d);
	sb_free(&body);
}
END_TEST

/* Over the 64 KiB field cap: unchanged with a reason, or inert. */
START_TEST(test_diagnostic_over_cap)
{
	sbuf d = { 0 }, b = { 0 };
	dsnx_rewrite *rw;
	size_t i;

	sb_str(&d, "550 5.1.1 <victim.user@example.org>: <script>x</script>");
	while (d.len < 80 * 1024) {
		sb_str(&d, "\n    ");
		for (i = 0; i < 7; i++)
			sb_str(&d, "<img src=x onerror=alert(1)>");
	}
	make_dsn(&b, "\n", "mx.example.org", d.p, d.len, "Hi.\n", 4);
	rw = rewrite(b.p, b.len);
	if (dsnx_rewrite_changed(rw))
		check_inert(b.p, b.len, rw, OUTER);
	else
		ck_assert_ptr_nonnull(dsnx_rewrite_why(rw));
	dsnx_rewrite_free(rw);
	sb_free(&b);
	sb_free(&d);
}
END_TEST

START_TEST(test_invalid_utf8)
{
	static const char d[] = "550 5.1.1 \xff\xfe <victim.user@example.org> "
	    "\xc3\x28 \xe2\x82 \xed\xa0\x80 \xf8\x88\x80\x80\x80 \xc0\xaf"
	    " caf\xc3\xa9 \x80\x81\x9b[31m ESC\x1b[2J BEL\x07 DEL\x7f";

	hostile_case_want("\n", "mx\xff.example.org", d, sizeof(d) - 1,
	    "caf\xc3\xa9", "caf\xc3\xa9");
}
END_TEST

START_TEST(test_bidi_controls)
{
	static const char d[] = "550 5.1.1 <victim.user@example.org>: "
	    "\xe2\x80\xae" "exe.txt \xe2\x81\xa6 LRI \xe2\x81\xa7 RLI "
	    "\xe2\x81\xa8 FSI \xe2\x81\xa9 PDI \xe2\x80\xaa\xe2\x80\xab"
	    "\xe2\x80\xac\xe2\x80\xad C1 \xc2\x85\xc2\x9b end";

	hostile_case_want("\n", "\xe2\x80\xaegro.elpmaxe.xm", d, sizeof(d) - 1,
	    "exe.txt", "exe.txt");
}
END_TEST

/*
 * The message's own boundary inside the diagnostic: no line of our parts
 * may start with its delimiter (RFC 2046 5.1.1: the delimiter must not
 * appear inside the encapsulated parts; readers that match it as a line
 * prefix, as many do, would cut the message there).
 */
START_TEST(test_outer_boundary_in_diagnostic)
{
	sbuf d = { 0 };
	int k;

	sb_str(&d, "550 5.1.1 <victim.user@example.org>:");
	for (k = 0; k < 40; k++) {
		sb_str(&d, k % 2 ? "\n    " : " ");
		sb_reserve(&d, (size_t)k);
		memset(d.p + d.len, 'x', (size_t)k);
		d.len += (size_t)k;
		d.p[d.len] = '\0';
		sb_str(&d, "--" OUTER);
	}
	hostile_case("\n", "mx.example.org", d.p, d.len);
	sb_free(&d);
}
END_TEST

/* --------------------------------------------------------- contracts */

START_TEST(test_idempotent)
{
	sbuf b = { 0 };
	dsnx_rewrite *rw, *rw2;
	const char *out, *out2;
	size_t outlen, outlen2;

	make_dsn_diag(&b, "\n", "550 5.1.1 <victim.user@example.org>: "
	    "Recipient address rejected: User unknown");
	rw = rewrite(b.p, b.len);
	ck_assert(dsnx_rewrite_changed(rw));
	out = dsnx_rewrite_output(rw, &outlen);
	rw2 = rewrite(out, outlen);
	ck_assert(!dsnx_rewrite_changed(rw2));
	ck_assert_ptr_nonnull(dsnx_rewrite_why(rw2));
	ck_assert_msg(strstr(dsnx_rewrite_why(rw2), "X-DSN-Explain") != NULL,
	    "why: %s", dsnx_rewrite_why(rw2));
	out2 = dsnx_rewrite_output(rw2, &outlen2);
	ck_assert_uint_eq(outlen2, outlen);
	ck_assert(memcmp(out2, out, outlen) == 0);
	ck_assert_uint_eq(dsnx_rewrite_edit_count(rw2), 0);
	ck_assert_ptr_null(dsnx_rewrite_header_value(rw2));
	dsnx_rewrite_free(rw2);
	dsnx_rewrite_free(rw);
	sb_free(&b);
}
END_TEST

START_TEST(test_not_a_dsn)
{
	static const char m[] =
	    "From: Alice <alice@example.net>\n"
	    "To: bob@example.org\n"
	    "Subject: lunch?\n"
	    "Date: Wed, 21 Jan 2026 13:05:52 +0200\n"
	    "\n"
	    "Are you free on Friday? Status: 5.1.1 is not a thing here.\n";
	dsnx_rewrite *rw = rewrite(m, sizeof(m) - 1);
	const char *out;
	size_t len;

	ck_assert(!dsnx_rewrite_changed(rw));
	ck_assert_ptr_nonnull(dsnx_rewrite_why(rw));
	ck_assert(strlen(dsnx_rewrite_why(rw)) > 0);
	out = dsnx_rewrite_output(rw, &len);
	ck_assert_uint_eq(len, sizeof(m) - 1);
	ck_assert(memcmp(out, m, len) == 0);
	dsnx_rewrite_free(rw);
}
END_TEST

/* Amazon SES by SNS.  The "email" delivery closes its JSON with a "--"
 * line and a footer for people: it is explained after the footer, the
 * JSON and the footer kept byte for byte.  The "email-json" delivery is
 * one JSON document, read by software as a whole: unchanged.  A
 * Complaint is a spam report, not a delivery status: unchanged. */
static const char SES_HEAD[] =
    "From: AWS Notifications <no-reply@sns.amazonaws.com>\n"
    "To: ops@example.net\n"
    "Subject: AWS Notification Message\n"
    "Date: Fri, 21 Oct 2026 00:06:40 +0000\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=UTF-8\n"
    "Content-Transfer-Encoding: 7bit\n"
    "x-amz-sns-message-id: ad6bdf42-f483-5bae-bf50-8fc1aad3f981\n"
    "\n";
static const char SES_BOUNCE[] =
    "{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":"
    "\"Permanent\",\"bouncedRecipients\":[{\"emailAddress\":"
    "\"ann@example.org\",\"action\":\"failed\",\"status\":\"5.1.1\","
    "\"diagnosticCode\":\"smtp; 550 5.1.1 user unknown\"}]}}\n";
static const char SES_FOOTER[] =
    "\n--\nIf you wish to stop receiving notifications from this topic, "
    "please click the link below to unsubscribe.\n";

static void
ses_message(sbuf *b, const char *json, int footer)
{
	sb_str(b, SES_HEAD);
	sb_str(b, json);
	if (footer)
		sb_str(b, SES_FOOTER);
}

START_TEST(test_ses_email_explained)
{
	sbuf b = { 0 };
	dsnx_rewrite *rw;
	const char *out, *json;
	size_t outlen;

	ses_message(&b, SES_BOUNCE, 1);
	rw = rewrite(b.p, b.len);
	ck_assert_msg(dsnx_rewrite_changed(rw), "unchanged: %s",
	    dsnx_rewrite_why(rw));
	out = dsnx_rewrite_output(rw, &outlen);
	json = mem_find(out, outlen, SES_BOUNCE, strlen(SES_BOUNCE));
	ck_assert_ptr_nonnull(json);
	/* the JSON and its footer as they were, our text after them */
	ck_assert(mem_find(json, outlen - (size_t)(json - out), SES_FOOTER,
	    strlen(SES_FOOTER)) == json + strlen(SES_BOUNCE));
	ck_assert(mem_find(json, outlen - (size_t)(json - out), "dsnexplain",
	    10) != NULL);
	dsnx_rewrite_free(rw);
	sb_free(&b);
}
END_TEST

START_TEST(test_ses_json_whole_unchanged)
{
	sbuf b = { 0 };
	dsnx_rewrite *rw;

	ses_message(&b, SES_BOUNCE, 0);
	rw = rewrite(b.p, b.len);
	ck_assert(!dsnx_rewrite_changed(rw));
	ck_assert_ptr_nonnull(strstr(dsnx_rewrite_why(rw), "JSON"));
	dsnx_rewrite_free(rw);
	sb_free(&b);
}
END_TEST

START_TEST(test_ses_complaint_not_a_dsn)
{
	sbuf b = { 0 };
	dsnx_rewrite *rw;

	ses_message(&b, "{\"notificationType\":\"Complaint\",\"complaint\":{"
	    "\"complainedRecipients\":[{\"emailAddress\":\"ann@example.org\"}],"
	    "\"complaintFeedbackType\":\"abuse\"}}\n", 1);
	rw = rewrite(b.p, b.len);
	ck_assert(!dsnx_rewrite_changed(rw));
	ck_assert_ptr_nonnull(strstr(dsnx_rewrite_why(rw),
	    "not a delivery status notification"));
	dsnx_rewrite_free(rw);
	sb_free(&b);
}
END_TEST

START_TEST(test_over_max_size)
{
	sbuf b = { 0 };
	dsnx_rewrite_options o;
	dsnx_rewrite *rw;
	const char *out;
	size_t len;

	make_dsn_diag(&b, "\n", "550 5.1.1 user unknown");
	dsnx_rewrite_options_init(&o);
	o.max_size = b.len - 1;
	rw = rewrite_opt(b.p, b.len, &o);
	ck_assert(!dsnx_rewrite_changed(rw));
	ck_assert_ptr_nonnull(dsnx_rewrite_why(rw));
	out = dsnx_rewrite_output(rw, &len);
	ck_assert_uint_eq(len, b.len);
	ck_assert(memcmp(out, b.p, len) == 0);
	dsnx_rewrite_free(rw);
	/* exactly at the limit: rewritten */
	o.max_size = b.len;
	rw = rewrite_opt(b.p, b.len, &o);
	ck_assert(dsnx_rewrite_changed(rw));
	dsnx_rewrite_free(rw);
	sb_free(&b);
}
END_TEST

static void check_milter_view(const char *in, size_t inlen, dsnx_rewrite *rw,
    const char *eol);

/*
 * A bounce without MIME (qmail): no header but X-DSN-Explain is added, the
 * old body stays first and byte for byte (bounce parsers read it from its
 * first line), and our text rendition follows it.
 */
static void
qmail_case(const char *eol)
{
	sbuf b = { 0 }, body = { 0 };
	dsnx_rewrite *rw;
	const char *out, *mb, *msg;
	size_t outlen, ob, mblen;

	sb_lines(&b, eol, QMAIL_HEAD);
	sb_str(&b, eol);
	sb_lines(&body, eol, QMAIL_BODY);
	sb_add(&b, body.p, body.len);
	rw = rewrite(b.p, b.len);
	ck_assert_msg(dsnx_rewrite_changed(rw), "unchanged: %s",
	    dsnx_rewrite_why(rw));
	out = dsnx_rewrite_output(rw, &outlen);
	check_header_block(b.p, b.len, out, outlen, NULL);
	header_end(out, outlen, &ob);
	ck_assert(mem_find_ci(out, ob, "\nMIME-Version:") == NULL);
	ck_assert(mem_find_ci(out, ob, "\nContent-Type:") == NULL);
	/* the old body first, byte for byte, then ours */
	ck_assert_uint_gt(outlen - ob, body.len);
	ck_assert_msg(memcmp(out + ob, body.p, body.len) == 0,
	    "the old body is not kept first byte for byte");
	ck_assert_msg((msg = text_clean(out + ob + body.len,
	    outlen - ob - body.len, eol[0] == '\r')) == NULL,
	    "appended text has %s", msg);
	ck_assert(mem_find_ci(out + ob, outlen - ob, "<html") == NULL);
	ck_assert_uint_eq(dsnx_rewrite_edit_count(rw), 1);
	ck_assert_str_eq(dsnx_rewrite_edit(rw, 0)->name, "X-DSN-Explain");
	mb = dsnx_rewrite_body(rw, &mblen);
	ck_assert_uint_eq(mblen, outlen - ob);
	ck_assert(memcmp(mb, out + ob, mblen) == 0);
	/* (No HTML here: the appended text was checked above.) */
	check_milter_view(b.p, b.len, rw, eol);
	dsnx_rewrite_free(rw);
	sb_free(&b);
	sb_free(&body);
}

START_TEST(test_qmail_non_mime)
{
	qmail_case("\n");
}
END_TEST

START_TEST(test_qmail_non_mime_crlf)
{
	qmail_case("\r\n");
}
END_TEST

/* A single text/plain part in charset cs and encoding cte; returns the
 * rewrite. */
static dsnx_rewrite *
single_part(sbuf *b, const char *cs, const char *cte)
{
	dsnx_report *r = NULL;

	sb_str(b, QMAIL_HEAD);
	sb_str(b, "MIME-Version: 1.0\nContent-Type: text/plain; charset=");
	sb_str(b, cs);
	sb_str(b, "\nContent-Transfer-Encoding: ");
	sb_str(b, cte);
	sb_str(b, "\n\n");
	sb_str(b, QMAIL_BODY);
	/* it must be a DSN, so that "unchanged" below means what it says */
	ck_assert(dsnx_report_read(ctx, b->p, b->len, &r) == DSNX_OK);
	ck_assert_msg(dsnx_report_is_dsn(r), "the single-part qmail bounce is "
	    "not recognised as a DSN");
	dsnx_report_free(r);
	return rewrite(b->p, b->len);
}

START_TEST(test_header_stays_short)
{
	/* Thirty recipients with thirty different verdicts: the added field
	 * must stay one line, far below RFC 5322's 998 characters. */
	sbuf b = { 0 };
	dsnx_rewrite *rw;
	const char *v;
	char line[256];
	unsigned i;

	sb_str(&b, "From: MAILER-DAEMON@mx.example.net\n"
	    "Subject: Undelivered Mail\n"
	    "Content-Type: multipart/report; report-type=delivery-status; "
	    "boundary=b\n\n--b\n\nfailed\n--b\n"
	    "Content-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.example.net\n");
	for (i = 0; i < 30; i++) {
		snprintf(line, sizeof(line), "\nFinal-Recipient: rfc822; u%u@example.org\n"
		    "Action: failed\nStatus: 5.%u.%u\n"
		    "Diagnostic-Code: smtp; 550 5.%u.%u refused\n",
		    i, i % 8, i % 20, i % 8, i % 20);
		sb_str(&b, line);
	}
	sb_str(&b, "--b--\n");
	rw = rewrite(b.p, b.len);
	ck_assert(dsnx_rewrite_changed(rw));
	v = dsnx_rewrite_header_value(rw);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_lt(strlen(v) + strlen("X-DSN-Explain: "), 998);
	ck_assert(strchr(v, '\n') == NULL && strchr(v, '\r') == NULL);
	dsnx_rewrite_free(rw);
	sb_free(&b);
}
END_TEST

START_TEST(test_single_part_utf8)
{
	sbuf b = { 0 };
	dsnx_rewrite *rw = single_part(&b, "utf-8", "8bit");
	const char *out, *msg;
	size_t outlen, ob, tl;

	ck_assert_msg(dsnx_rewrite_changed(rw), "unchanged: %s",
	    dsnx_rewrite_why(rw));
	out = dsnx_rewrite_output(rw, &outlen);
	check_header_block(b.p, b.len, out, outlen, NULL);
	check_value_chars(dsnx_rewrite_header_value(rw));
	header_end(out, outlen, &ob);
	/* the old body first, byte for byte, then ours */
	tl = strlen(QMAIL_BODY);
	ck_assert_uint_gt(outlen - ob, tl);
	ck_assert_msg(memcmp(out + ob, QMAIL_BODY, tl) == 0,
	    "the old body is not kept first byte for byte");
	ck_assert_msg((msg = text_clean(out + ob + tl, outlen - ob - tl, 0))
	    == NULL, "appended text has %s", msg);
	ck_assert(mem_find_ci(out + ob, outlen - ob, "<html") == NULL);
	ck_assert_uint_eq(dsnx_rewrite_edit_count(rw), 1);
	dsnx_rewrite_free(rw);
	sb_free(&b);
}
END_TEST

/*
 * A wrapped single-part bounce: the header is the input's without its
 * Content-Type and Content-Transfer-Encoding, plus MIME-Version (when it
 * had none), our multipart/mixed and X-DSN-Explain; the body is a part
 * whose header holds the moved fields byte for byte and whose body is the
 * old body byte for byte (the line end after it being the delimiter's),
 * then our multipart/alternative.
 */
static void
check_wrapped(const char *in, size_t inlen, dsnx_rewrite *rw,
    const char *eol)
{
	static field fi[512], fo[512];
	const char *out, *ct, *q, *p;
	size_t outlen, ib, ob, ie = header_end(in, inlen, &ib), oe, bl;
	unsigned ni = split_fields(in, ie, fi, 512), no, i, k = 0, moved = 0;
	char delim[128], closing[128];
	size_t cl;
	sbuf part = { 0 };
	ours o;

	ck_assert_msg(dsnx_rewrite_changed(rw), "unchanged: %s",
	    dsnx_rewrite_why(rw));
	out = dsnx_rewrite_output(rw, &outlen);
	oe = header_end(out, outlen, &ob);
	no = split_fields(out, oe, fo, 512);
	for (i = 0; i < ni; i++) {
		if (field_is(&fi[i], "Content-Type")
		    || field_is(&fi[i], "Content-Transfer-Encoding")) {
			moved++;
			ck_assert(!field_in(&fi[i], fo, no));
			continue;
		}
		while (k < no && !(fo[k].len == fi[i].len
		    && memcmp(fo[k].p, fi[i].p, fi[i].len) == 0))
			k++;
		ck_assert_msg(k < no, "input field missing or reordered: %.*s",
		    (int)fi[i].len, fi[i].p);
	}
	ct = mem_find_ci(out, oe, "\nContent-Type: multipart/mixed; boundary=\"");
	ck_assert_msg(ct != NULL, "no multipart/mixed at the top");
	ct += strlen("\nContent-Type: multipart/mixed; boundary=\"");
	q = memchr(ct, '"', (size_t)(out + oe - ct));
	ck_assert_ptr_nonnull(q);
	snprintf(delim, sizeof(delim), "%s--%.*s%s", eol, (int)(q - ct), ct,
	    eol);
	ck_assert(mem_find_ci(out, oe, "\nMIME-Version:") != NULL);
	/* ours first */
	ck_assert_msg(memcmp(out + ob, delim + strlen(eol), strlen(delim)
	    - strlen(eol)) == 0, "the body does not open with a delimiter");
	/* the old text's part first: the moved fields, the old body */
	p = out + ob + strlen(delim) - strlen(eol);
	for (i = 0; i < ni; i++)	/* Content-Type first */
		if (field_is(&fi[i], "Content-Type")) {
			sb_add(&part, fi[i].p, fi[i].len);
			sb_str(&part, eol);
		}
	for (i = 0; i < ni; i++)
		if (field_is(&fi[i], "Content-Transfer-Encoding")) {
			sb_add(&part, fi[i].p, fi[i].len);
			sb_str(&part, eol);
		}
	if (moved == 0)
		ck_assert_msg(strncmp(p, "Content-Type: text/plain", 24) == 0,
		    "the old text's part does not open with Content-Type");
	else
		ck_assert_msg((size_t)(out + outlen - p) > part.len
		    && memcmp(p, part.p, part.len) == 0, "the moved fields do "
		    "not open the part header byte for byte");
	sb_free(&part);
	p = mem_find(p, (size_t)(out + outlen - p), eol, strlen(eol));
	ck_assert_ptr_nonnull(p);
	p = mem_find(p, (size_t)(out + outlen - p), eol, strlen(eol));
	while (p != NULL && strncmp(p + strlen(eol), eol, strlen(eol)) != 0)
		p = mem_find(p + 1, (size_t)(out + outlen - p - 1), eol,
		    strlen(eol));
	ck_assert_ptr_nonnull(p);
	p += 2 * strlen(eol);	/* the old body starts after the blank line */
	bl = inlen > ib ? inlen - ib : 0;
	ck_assert_msg((size_t)(out + outlen - p) > bl + strlen(delim)
	    && memcmp(p, in + ib, bl) == 0
	    && memcmp(p + bl, delim, strlen(delim)) == 0,
	    "the old body is not the first part, byte for byte, with a "
	    "delimiter after it");
	/* then ours, the last part */
	find_ours(p + bl, (size_t)(out + outlen - p - bl), &o);
	ck_assert_uint_gt(o.text.len, 0);
	ck_assert_uint_gt(o.html.len, 0);
	ck_assert_msg(mem_find(p + bl, (size_t)(out + outlen - p - bl),
	    "Content-Language: ", 18) != NULL, "our parts name no language");
	ours_free(&o);
	snprintf(closing, sizeof(closing), "%s--%.*s--%s", eol, (int)(q - ct),
	    ct, eol);
	cl = strlen(closing);
	ck_assert_msg(outlen >= cl && memcmp(out + outlen - cl, closing, cl)
	    == 0, "no closing delimiter at the end");
	check_milter_view(in, inlen, rw, eol);
}

/* In lang, single parts wrapped where they cannot take our text in
 * place (wrap_single: off by default, test_wrap_single_off). */
static dsnx_rewrite *
rewrite_lang(const char *buf, size_t len, const char *lang)
{
	dsnx_rewrite_options o;

	dsnx_rewrite_options_init(&o);
	o.render.lang = lang;
	o.wrap_single = 1;
	return rewrite_opt(buf, len, &o);
}

/* A single text/plain qmail bounce in charset cs and encoding cte, the
 * body given (already in that charset and encoding). */
static void
make_single(sbuf *b, const char *cs, const char *cte, const char *body)
{
	sb_str(b, QMAIL_HEAD);
	sb_str(b, "MIME-Version: 1.0\nContent-Type: text/plain; charset=");
	sb_str(b, cs);
	sb_str(b, "\nContent-Transfer-Encoding: ");
	sb_str(b, cte);
	sb_str(b, "\n\n");
	sb_str(b, body);
}

/*
 * The kinds a single-part bounce comes in; each language must explain
 * each, in place: the old text first, byte for byte (base64: up to its
 * padded last group), ours after it in the part's charset and encoding.
 * ascii_body: the old text reads as ASCII, so the part may be relabelled
 * UTF-8; marker: a word of our German footer as that charset writes it.
 */
static const struct single_kind {
	const char *cs, *cte;
	int ascii_body;
	const char *marker_de;
} single_kinds[] = {
	{ "utf-8", "8bit", 1, "Erl\xc3\xa4uterung" },
	{ "us-ascii", "7bit", 1, "Erl\xc3\xa4uterung" },
	{ "utf-8", "7bit", 1, "Erl\xc3\xa4uterung" },
	{ "iso-8859-1", "8bit", 0, "Erl\xe4uterung" },
	{ "iso-8859-15", "quoted-printable", 1, "Erl\xc3\xa4uterung" },
	{ "koi8-r", "8bit", 0, "Erlaeuterung" },
	{ "iso-2022-jp", "7bit", 0, "Erlaeuterung" },
	{ "utf-8", "quoted-printable", 1, "Erl\xc3\xa4uterung" },
	{ "utf-8", "base64", 1, "Erl\xc3\xa4uterung" },
	{ "windows-1252", "8bit", 0, "Erl\xe4uterung" },
};

/* The body of a part, transfer-decoded. */
static void
decode_body(const char *body, size_t len, const char *cte, dsnx_buf *out)
{
	int bad = 0;

	dsnx_buf_init(out, 0);
	if (strcmp(cte, "base64") == 0)
		ck_assert(dsnx_base64_decode(body, len, out, &bad) == DSNX_OK);
	else if (strcmp(cte, "quoted-printable") == 0)
		ck_assert(dsnx_qp_decode(body, len, out, &bad) == DSNX_OK);
	else
		ck_assert(dsnx_buf_append(out, body, len) == DSNX_OK);
}

START_TEST(test_single_part_kinds)
{
	static const char *const langs[] = { "en", "de", "fr", "es", "it" };
	static field fi[64], fo[64];
	const struct single_kind *sk = &single_kinds[_i / 5];
	const char *lang = langs[_i % 5];
	const char *body = QMAIL_BODY, *out;
	size_t outlen, ib, ob, ie, oe, keep;
	unsigned ni, no, i;
	sbuf b = { 0 };
	dsnx_buf was, now;
	dsnx_report *r = NULL;
	dsnx_rewrite *rw;

	if (strcmp(sk->cte, "base64") == 0)
		body = "SGkuIFRoaXMgaXMgdGhlIHFtYWlsLXNlbmQgcHJvZ3JhbSBhdCBteC5l\n"
		    "eGFtcGxlLm5ldC4KPGthdHJpbi52b2dlbEBleGFtcGxlLm9yZz46CjU1\n"
		    "MCA1LjEuMSBObyBzdWNoIHVzZXIgaGVyZQo=\n";
	else if (strcmp(sk->cs, "iso-2022-jp") == 0)
		body = "Hi. This is the qmail-send program at mx.example.net.\n"
		    "\x1b$B%G%#%l%/%H%j$N%j%9%H$K$\"$j$^$;$s\x1b(B\n"
		    "<katrin.vogel@example.org>:\n"
		    "Remote host said: 550 5.1.1 <katrin.vogel@example.org>: "
		    "No such user here\n";
	else if (strcmp(sk->cte, "8bit") == 0 && strncmp(sk->cs, "utf", 3) != 0)
		body = "Hi. This is the qmail-send program at mx.example.net.\n"
		    "Sehr geehrte Damen und Herren, Zustellung fehlgeschlagen \xfc\xe4\n"
		    "<katrin.vogel@example.org>:\n"
		    "Remote host said: 550 5.1.1 <katrin.vogel@example.org>: "
		    "No such user here\n";
	make_single(&b, sk->cs, sk->cte, body);
	ck_assert(dsnx_report_read(ctx, b.p, b.len, &r) == DSNX_OK);
	ck_assert_msg(dsnx_report_is_dsn(r), "%s %s: not a DSN", sk->cs, sk->cte);
	dsnx_report_free(r);
	rw = rewrite_lang(b.p, b.len, lang);
	ck_assert_msg(dsnx_rewrite_changed(rw), "%s %s %s: unchanged: %s",
	    sk->cs, sk->cte, lang, dsnx_rewrite_why(rw));
	out = dsnx_rewrite_output(rw, &outlen);
	ie = header_end(b.p, b.len, &ib);
	oe = header_end(out, outlen, &ob);
	ck_assert(mem_find_ci(out, oe, "multipart") == NULL);
	/* Every old field stays where it was; only Content-Type (to UTF-8,
	 * for an ASCII text) and Content-Transfer-Encoding (7bit to 8bit)
	 * may say more. */
	ni = split_fields(b.p, ie, fi, 64);
	no = split_fields(out, oe, fo, 64);
	ck_assert_uint_eq(no, ni + 1);
	for (i = 0; i < ni; i++) {
		if (fo[i].len == fi[i].len && memcmp(fo[i].p, fi[i].p,
		    fi[i].len) == 0)
			continue;
		if (field_is(&fi[i], "Content-Transfer-Encoding"))
			ck_assert_msg(strcmp(sk->cte, "7bit") == 0
			    && fo[i].len == 31 && strncmp(fo[i].p,
			    "Content-Transfer-Encoding: 8bit", 31) == 0,
			    "%s %s %s: %.*s", sk->cs, sk->cte, lang,
			    (int)fo[i].len, fo[i].p);
		else
			ck_assert_msg(field_is(&fi[i], "Content-Type")
			    && sk->ascii_body && fo[i].len == 39 && strncmp(fo[i].p,
			    "Content-Type: text/plain; charset=utf-8", 39) == 0,
			    "%s %s %s: %.*s", sk->cs, sk->cte, lang,
			    (int)fo[i].len, fo[i].p);
	}
	ck_assert(field_is(&fo[ni], "X-DSN-Explain"));
	/* The old body's bytes first: all of them, but for base64's padded
	 * last group, which is encoded again with ours. */
	keep = strlen(body);
	if (strcmp(sk->cte, "base64") == 0)
		keep -= strlen("ZQo=\n");
	ck_assert_msg(outlen - ob > keep && memcmp(out + ob, body, keep) == 0,
	    "%s %s %s: the old body is not first", sk->cs, sk->cte, lang);
	decode_body(body, strlen(body), sk->cte, &was);
	decode_body(out + ob, outlen - ob, sk->cte, &now);
	ck_assert_msg(now.len > was.len && memcmp(now.data, was.data,
	    was.len) == 0, "%s %s %s: the old text, decoded, is not first",
	    sk->cs, sk->cte, lang);
	if (strcmp(lang, "de") == 0)
		ck_assert_msg(memmem(now.data, now.len, sk->marker_de,
		    strlen(sk->marker_de)) != NULL, "%s %s: no \"%s\" in ours",
		    sk->cs, sk->cte, sk->marker_de);
	if (strcmp(sk->cs, "iso-2022-jp") == 0)
		ck_assert(memmem(now.data + was.len - 1, now.len - was.len + 1,
		    "\n\n\x1b(B", 5) != NULL);
	if (strcmp(sk->cte, "7bit") == 0 && strstr(out, "8bit") == NULL)
		ck_assert(dsnx_ascii_only(out + ob, outlen - ob));
	dsnx_buf_free(&was);
	dsnx_buf_free(&now);
	check_milter_view(b.p, b.len, rw, "\n");
	dsnx_rewrite_free(rw);
	sb_free(&b);
}
END_TEST

/* Without MIME, in another language than English: the US-ASCII body is
 * declared UTF-8 (it is) and our text follows it in the one part. */
static void
qmail_declared(const char *eol)
{
	sbuf b = { 0 }, body = { 0 };
	dsnx_rewrite *rw;
	const char *out;
	size_t outlen, ob;
	static const char *const allowed[] = { "MIME-Version", "Content-Type",
	    "Content-Transfer-Encoding", NULL };

	sb_lines(&b, eol, QMAIL_HEAD);
	sb_str(&b, eol);
	sb_lines(&body, eol, QMAIL_BODY);
	sb_add(&b, body.p, body.len);
	rw = rewrite_lang(b.p, b.len, "de");
	ck_assert_msg(dsnx_rewrite_changed(rw), "unchanged: %s",
	    dsnx_rewrite_why(rw));
	out = dsnx_rewrite_output(rw, &outlen);
	check_header_block(b.p, b.len, out, outlen, allowed);
	header_end(out, outlen, &ob);
	ck_assert(mem_find_ci(out, ob, "Content-Type: text/plain; charset=utf-8")
	    != NULL);
	ck_assert(mem_find_ci(out, ob, "Content-Transfer-Encoding: 8bit") != NULL);
	ck_assert_msg(memcmp(out + ob, body.p, body.len) == 0,
	    "the old body is not kept first byte for byte");
	ck_assert(!dsnx_ascii_only(out + ob + body.len, outlen - ob - body.len));
	check_milter_view(b.p, b.len, rw, eol);
	dsnx_rewrite_free(rw);
	sb_free(&b);
	sb_free(&body);
}

START_TEST(test_qmail_declared)
{
	qmail_declared("\n");
	qmail_declared("\r\n");
}
END_TEST

/* A base64 text cut short (a group of four left incomplete): our text
 * cannot follow it.  By default it passes unchanged and the reason says
 * why; wrapping is only an option, since bounce processors then read a
 * wrapped bounce's inline returned message as bounce text. */
#define CUT_BASE64 "SGkuIFRoaXMgaXMgdGhlIHFtYWlsLXNlbmQgcHJvZ3JhbSBhdCBteC5l\n" \
	"eGFtcGxlLm5ldC4KPGthdHJpbi52b2dlbEBleGFtcGxlLm9yZz46CjU1\n" \
	"MCA1LjEuMSBObyBzdWNoIHVzZXIgaGVyZQ\n"

START_TEST(test_wrap_single_off)
{
	sbuf b = { 0 };
	dsnx_rewrite_options o;
	dsnx_rewrite *rw;
	const char *out;
	size_t outlen;

	make_single(&b, "utf-8", "base64", CUT_BASE64);
	dsnx_rewrite_options_init(&o);
	o.render.lang = "fr";
	rw = rewrite_opt(b.p, b.len, &o);
	ck_assert(!dsnx_rewrite_changed(rw));
	ck_assert_ptr_nonnull(strstr(dsnx_rewrite_why(rw), "cut short"));
	out = dsnx_rewrite_output(rw, &outlen);
	ck_assert_uint_eq(outlen, b.len);
	ck_assert(memcmp(out, b.p, b.len) == 0);
	dsnx_rewrite_free(rw);
	sb_free(&b);
}
END_TEST

/* Without MIME and with 8-bit bytes of no known charset: nothing can be
 * declared that reads them the same, so ours follows in ASCII. */
START_TEST(test_non_mime_8bit_in_place)
{
	sbuf b = { 0 };
	dsnx_rewrite *rw;
	const char *out;
	size_t outlen, ib, ob;

	sb_str(&b, QMAIL_HEAD);
	sb_str(&b, "\n");
	sb_str(&b, QMAIL_BODY);
	sb_str(&b, "Gr\xfc\xdf" "e\n");
	rw = rewrite_lang(b.p, b.len, "fr");
	ck_assert_msg(dsnx_rewrite_changed(rw), "unchanged: %s",
	    dsnx_rewrite_why(rw));
	out = dsnx_rewrite_output(rw, &outlen);
	check_header_block(b.p, b.len, out, outlen, NULL);
	header_end(b.p, b.len, &ib);
	header_end(out, outlen, &ob);
	ck_assert(memcmp(out + ob, b.p + ib, b.len - ib) == 0);
	ck_assert(dsnx_ascii_only(out + ob + (b.len - ib), outlen - ob
	    - (b.len - ib)));
	ck_assert(mem_find(out, outlen, "dsnexplain", 10) != NULL);
	check_milter_view(b.p, b.len, rw, "\n");
	dsnx_rewrite_free(rw);
	sb_free(&b);
}
END_TEST

/* Wrapped (the option on) with the Content-Transfer-Encoding standing
 * before Content-Type at the top: in the part, Content-Type comes first
 * (Sisimai reads a nested part only so); CRLF line ends stay CRLF. */
START_TEST(test_wrapped_cte_first_crlf)
{
	static const char part_head[] = "\r\nContent-Type: text/plain;\r\n\t"
	    "charset=\"ISO-8859-1\"\r\nContent-Transfer-Encoding: "
	    "base64\r\n\r\n";
	static const char top_cs[] = "; charset=ISO-8859-1\r\n";
	sbuf b = { 0 };
	dsnx_rewrite *rw;
	const char *out;
	size_t outlen;

	sb_lines(&b, "\r\n", QMAIL_HEAD);
	sb_str(&b, "MIME-Version: 1.0\r\nContent-Transfer-Encoding: base64"
	    "\r\nContent-Type: text/plain;\r\n\tcharset=\"ISO-8859-1\"\r\n\r\n");
	sb_lines(&b, "\r\n", CUT_BASE64);
	rw = rewrite_lang(b.p, b.len, "it");
	check_wrapped(b.p, b.len, rw, "\r\n");
	out = dsnx_rewrite_output(rw, &outlen);
	ck_assert(mem_find(out, outlen, part_head, strlen(part_head)) != NULL);
	ck_assert(mem_find(out, outlen, top_cs, strlen(top_cs)) != NULL);
	dsnx_rewrite_free(rw);
	sb_free(&b);
}
END_TEST

/* ------------------------------------------------------------ damage */

#define DMG_HEAD "From: MAILER-DAEMON@mx.example.net\n" \
	"To: tomasz.wrona@example.net\n" \
	"Subject: Undelivered Mail Returned to Sender\n" \
	"MIME-Version: 1.0\n" \
	"Content-Type: multipart/report; report-type=delivery-status;\n" \
	"\tboundary=\"B.1/mx\"\n\n"
#define DMG_TEXT "Content-Type: text/plain\n\nThis is the mail system at " \
	"host mx.example.net.\n\n<katrin.vogel@example.org>: host " \
	"mx.example.org said: 550 5.1.1 user unknown\n"
#define DMG_STATUS "--B.1/mx\nContent-Type: message/delivery-status\n\n" \
	"Reporting-MTA: dns; mx.example.net\n\n" \
	"Final-Recipient: rfc822; katrin.vogel@example.org\n" \
	"Action: failed\nStatus: 5.1.1\n" \
	"Diagnostic-Code: smtp; 550 5.1.1 user unknown\n"
#define DMG_RETURNED "--B.1/mx\nContent-Type: message/rfc822\n\n" \
	"From: tomasz.wrona@example.net\nTo: katrin.vogel@example.org\n" \
	"Subject: Photos\n\nThe link is below.\n"

static const struct damage {
	const char *name, *msg;
} damages[] = {
	{ "no closing delimiter",
	  DMG_HEAD "--B.1/mx\n" DMG_TEXT DMG_STATUS DMG_RETURNED },
	{ "misspelt closing delimiter",
	  DMG_HEAD "--B.1/mx\n" DMG_TEXT DMG_STATUS DMG_RETURNED "--B.1/mx-\n" },
	{ "text before the first delimiter",
	  DMG_HEAD "This is a MIME-encapsulated message.\n\n--B.1/mx\n" DMG_TEXT
	  DMG_STATUS DMG_RETURNED "--B.1/mx--\n" },
	{ "no start delimiter",
	  DMG_HEAD DMG_TEXT DMG_STATUS DMG_RETURNED "--B.1/mx--\n" },
	{ "part header without its blank line",
	  DMG_HEAD "--B.1/mx\nContent-Type: text/plain\nThis is the mail system"
	  " at host mx.example.net.\n<katrin.vogel@example.org>: 550 5.1.1\n"
	  DMG_STATUS DMG_RETURNED "--B.1/mx--\n" },
	{ "a folded parameter without white space",
	  DMG_HEAD "--B.1/mx\nContent-Type: multipart/alternative;\n"
	  "boundary=\"alt\"\n\n--alt\nContent-Type: text/plain\n\n"
	  "Delivery has failed.\n--alt--\n"
	  DMG_STATUS DMG_RETURNED "--B.1/mx--\n" },
	{ "wrong declared charset",
	  DMG_HEAD "--B.1/mx\nContent-Type: text/plain; charset=utf-8\n\n"
	  "Zustellung an M\xfcller fehlgeschlagen.\n"
	  DMG_STATUS DMG_RETURNED "--B.1/mx--\n" },
	{ "no boundary in the returned message",
	  DMG_HEAD "--B.1/mx\n" DMG_TEXT DMG_STATUS
	  "--B.1/mx\nContent-Type: message/rfc822\n\n"
	  "From: tomasz.wrona@example.net\n"
	  "Content-Type: multipart/alternative; boundary=\"gone\"\n\n"
	  "The link is below.\n--B.1/mx--\n" },
	{ "header never ends in the returned headers",
	  DMG_HEAD "--B.1/mx\n" DMG_TEXT DMG_STATUS
	  "--B.1/mx\nContent-Type: text/rfc822-headers\n\n"
	  "From: tomasz.wrona@example.net\nSubject: Photos\n--B.1/mx--\n" },
};

/* Every byte of the old body is in the new one, in order, and the only
 * insertion is one run (our part and a delimiter) in one place. */
static void
check_one_insertion(const char *in, size_t inlen, const char *out,
    size_t outlen)
{
	size_t ib, ob, il, ol, pre = 0, suf = 0;

	header_end(in, inlen, &ib);
	header_end(out, outlen, &ob);
	il = inlen - ib;
	ol = outlen - ob;
	ck_assert_uint_gt(ol, il);
	while (pre < il && in[ib + pre] == out[ob + pre])
		pre++;
	while (suf < il - pre && in[inlen - 1 - suf] == out[outlen - 1 - suf])
		suf++;
	ck_assert_msg(pre + suf == il, "old body bytes lost or moved "
	    "(%zu + %zu of %zu kept around one insertion)", pre, suf, il);
}

START_TEST(test_damage_explained)
{
	const struct damage *d = &damages[_i / 2];
	const char *lang = _i % 2 ? "de" : "en";
	dsnx_rewrite *rw = rewrite_lang(d->msg, strlen(d->msg), lang);
	const char *out;
	size_t outlen;

	ck_assert_msg(dsnx_rewrite_changed(rw), "%s (%s): unchanged: %s",
	    d->name, lang, dsnx_rewrite_why(rw));
	out = dsnx_rewrite_output(rw, &outlen);
	check_inert(d->msg, strlen(d->msg), rw, "B.1/mx");
	check_one_insertion(d->msg, strlen(d->msg), out, outlen);
	check_milter_view(d->msg, strlen(d->msg), rw, "\n");
	dsnx_rewrite_free(rw);
}
END_TEST

/* A top-level boundary that never occurs (the delimiters misspelt): the
 * body reads as one text, and ours follows it. */
START_TEST(test_damage_top_boundary_never_found)
{
	static const char msg[] = "From: MAILER-DAEMON@mx.example.net\n"
	    "Subject: Undelivered Mail Returned to Sender\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\n"
	    "\tboundary=\"A.1/mx\"\n\n"
	    "--B.1/mx\n" DMG_TEXT DMG_STATUS DMG_RETURNED "--B.1/mx--\n";
	dsnx_report *r = NULL;
	dsnx_rewrite *rw;
	const char *out;
	size_t outlen, ib, ob;

	ck_assert(dsnx_report_read(ctx, msg, strlen(msg), &r) == DSNX_OK);
	if (!dsnx_report_is_dsn(r)) {
		/* nothing to explain then; it must pass unchanged */
		dsnx_report_free(r);
		rw = rewrite_lang(msg, strlen(msg), "fr");
		ck_assert(!dsnx_rewrite_changed(rw));
		dsnx_rewrite_free(rw);
		return;
	}
	dsnx_report_free(r);
	rw = rewrite_lang(msg, strlen(msg), "fr");
	ck_assert_msg(dsnx_rewrite_changed(rw), "unchanged: %s",
	    dsnx_rewrite_why(rw));
	out = dsnx_rewrite_output(rw, &outlen);
	check_header_block(msg, strlen(msg), out, outlen, NULL);
	header_end(msg, strlen(msg), &ib);
	header_end(out, outlen, &ob);
	ck_assert(memcmp(out + ob, msg + ib, strlen(msg) - ib) == 0);
	dsnx_rewrite_free(rw);
}
END_TEST

/* What still stops a rewrite names its case. */
START_TEST(test_damage_unsafe_named)
{
	static const char msg[] = DMG_HEAD "--B.1/mx\n" DMG_TEXT DMG_STATUS
	    DMG_RETURNED "--B.1/mx--\nnul \0 here\n";
	dsnx_rewrite *rw = rewrite(msg, sizeof(msg) - 1);
	size_t outlen;

	ck_assert(!dsnx_rewrite_changed(rw));
	ck_assert_ptr_nonnull(strstr(dsnx_rewrite_why(rw), "NUL"));
	ck_assert(dsnx_rewrite_output(rw, &outlen) == msg);
	ck_assert_uint_eq(outlen, sizeof(msg) - 1);
	dsnx_rewrite_free(rw);
}
END_TEST

START_TEST(test_deterministic)
{
	sbuf b = { 0 };
	dsnx_rewrite *rw1, *rw2;
	const char *o1, *o2;
	size_t l1, l2;

	make_dsn_diag(&b, "\n", "451 4.7.0 Temporary rate limit <x@example.org>");
	rw1 = rewrite(b.p, b.len);
	rw2 = rewrite(b.p, b.len);
	ck_assert(dsnx_rewrite_changed(rw1));
	o1 = dsnx_rewrite_output(rw1, &l1);
	o2 = dsnx_rewrite_output(rw2, &l2);
	ck_assert_uint_eq(l1, l2);
	ck_assert(memcmp(o1, o2, l1) == 0);
	ck_assert_str_eq(dsnx_rewrite_header_value(rw1),
	    dsnx_rewrite_header_value(rw2));
	dsnx_rewrite_free(rw1);
	dsnx_rewrite_free(rw2);
	sb_free(&b);
}
END_TEST

START_TEST(test_crlf_in_crlf_out)
{
	static const char *const subject_only[] = { "Subject", NULL };
	sbuf b = { 0 };
	dsnx_rewrite *rw;
	dsnx_rewrite_options o;
	const char *out;
	size_t outlen, i;

	make_dsn_diag(&b, "\r\n", "550 5.1.1 <victim.user@example.org>: "
	    "Recipient address rejected: User unknown in virtual mailbox table");
	for (i = 0; i < b.len; i++)	/* the input itself is CRLF-only */
		ck_assert(b.p[i] != '\n' || (i > 0 && b.p[i - 1] == '\r'));
	dsnx_rewrite_options_init(&o);
	o.subject = 1;
	rw = rewrite_opt(b.p, b.len, &o);
	check_inert_allowing(b.p, b.len, rw, OUTER, subject_only);
	check_milter_view(b.p, b.len, rw, "\r\n");
	out = dsnx_rewrite_output(rw, &outlen);
	for (i = 0; i < outlen; i++) {
		ck_assert_msg(out[i] != '\n' || (i > 0 && out[i - 1] == '\r'),
		    "bare LF at offset %zu: ...%.*s", i,
		    (int)(i > 40 ? 40 : i), out + i - (i > 40 ? 40 : i));
		ck_assert_msg(out[i] != '\r' || (i + 1 < outlen && out[i + 1] == '\n'),
		    "bare CR at offset %zu", i);
	}
	dsnx_rewrite_free(rw);
	sb_free(&b);
}
END_TEST

/* Applies the milter edits to the input's header block and compares the
 * result with the output's header block; the body with the rest. */
static void
check_milter_view(const char *in, size_t inlen, dsnx_rewrite *rw,
    const char *eol)
{
	static field fi[512];
	sbuf h = { 0 };
	size_t ib, ie = header_end(in, inlen, &ib), ob, oe, blen;
	unsigned ni = split_fields(in, ie, fi, 512), i, k, seen_subject = 0;
	const char *out, *body;
	size_t outlen;

	out = dsnx_rewrite_output(rw, &outlen);
	oe = header_end(out, outlen, &ob);
	for (i = 0; i < ni; i++) {
		const dsnx_header_edit *chg = NULL;
		unsigned occurrence = 0, j;

		for (j = 0; j <= i; j++)
			if (fi[j].len > 0 && fi[i].len > 0) {
				const char *c = memchr(fi[i].p, ':', fi[i].len);
				size_t nl = c ? (size_t)(c - fi[i].p) : 0;

				if (fi[j].len > nl && strncasecmp(fi[j].p, fi[i].p, nl) == 0
				    && fi[j].p[nl] == ':')
					occurrence++;
			}
		for (k = 0; k < dsnx_rewrite_edit_count(rw); k++) {
			const dsnx_header_edit *e = dsnx_rewrite_edit(rw, k);

			if (e->kind != DSNX_EDIT_ADD_HEADER && field_is(&fi[i], e->name)
			    && e->index == occurrence)
				chg = e;
		}
		if (chg != NULL && chg->kind == DSNX_EDIT_DELETE_HEADER)
			continue;
		if (chg != NULL) {
			sb_str(&h, chg->name);
			sb_str(&h, ": ");
			sb_str(&h, chg->value);
		} else
			sb_add(&h, fi[i].p, fi[i].len);
		sb_str(&h, eol);
	}
	for (k = 0; k < dsnx_rewrite_edit_count(rw); k++) {
		const dsnx_header_edit *e = dsnx_rewrite_edit(rw, k);

		ck_assert_ptr_nonnull(e);
		ck_assert_ptr_nonnull(e->name);
		ck_assert_ptr_nonnull(e->value);
		ck_assert(strchr(e->value, '\n') == NULL && strchr(e->value, '\r') == NULL);
		if (e->kind == DSNX_EDIT_ADD_HEADER) {
			sb_str(&h, e->name);
			sb_str(&h, ": ");
			sb_str(&h, e->value);
			sb_str(&h, eol);
		} else if (e->kind == DSNX_EDIT_DELETE_HEADER) {
			ck_assert_msg(strcasecmp(e->name, "Content-Type") == 0
			    || strcasecmp(e->name, "Content-Transfer-Encoding") == 0,
			    "deletes %s", e->name);
			ck_assert_uint_ge(e->index, 1);
		} else {
			ck_assert_msg(strcmp(e->name, "Subject") == 0
			    || strcmp(e->name, "Content-Type") == 0
			    || strcmp(e->name, "Content-Transfer-Encoding") == 0,
			    "changes %s", e->name);
			ck_assert_uint_eq(e->index, 1);
			seen_subject += strcmp(e->name, "Subject") == 0;
		}
	}
	ck_assert_ptr_null(dsnx_rewrite_edit(rw, dsnx_rewrite_edit_count(rw)));
	ck_assert_msg(h.len == oe && memcmp(h.p, out, oe) == 0,
	    "header block after the milter edits differs from the output's:\n"
	    "%.*s\n---- output:\n%.*s", (int)h.len, h.p, (int)oe, out);
	body = dsnx_rewrite_body(rw, &blen);
	ck_assert_ptr_nonnull(body);
	ck_assert_uint_eq(blen, outlen - ob);
	ck_assert(memcmp(body, out + ob, blen) == 0);
	(void)seen_subject;
	sb_free(&h);
}

/*
 * A site's new language, its label in other scripts and of many
 * characters: the Subject
 * carries it as RFC 2047 encoded words of at most 75 characters, cut
 * between characters, the line under 998 and free of CR, LF and 8-bit
 * bytes; a site headline with markup in it is escaped in the HTML.
 */
START_TEST(test_subject_site_label)
{
	static const char site_json[] =
	    "{\"strings\": {\"eo\": {\n"
	    "  \"subject.failed\": \"\\u00c4rger: Zustellung fehlgeschlagen, "
	    "\\u00fcberpr\\u00fcfen Sie die Adresse \\u2013 \\u914d\\u4fe1"
	    "\\u4e0d\\u80fd \\u2013 \\u00e4\\u00f6\\u00fc\\u00df\",\n"
	    "  \"headline.failed\": \"<b>Nicht</b> zugestellt & {recipients}\"}}}\n";
	char dir[512];
	dsnx_ruleset *set = NULL;
	dsnx_rewrite_options o;
	dsnx_rewrite *rw = NULL;
	dsnx_rendition rd = { NULL, 0, NULL, 0 };
	sbuf b = { 0 };
	const char *out, *subj, *e, *w;
	size_t outlen, ob, oe;
	unsigned words = 0, k;

	rule_dir_make(dir, sizeof(dir), "rewrite-site");
	rule_dir_put(dir, "local.json", site_json);
	ck_assert_int_eq(dsnx_ruleset_load(RULES_DIR, dir, NULL, NULL, &set),
	    DSNX_OK);
	make_dsn_diag(&b, "\r\n", "550 5.1.1 <victim.user@example.org>: "
	    "Recipient address rejected: User unknown");
	dsnx_rewrite_options_init(&o);
	o.subject = 1;
	o.render.lang = "eo";
	ck_assert_int_eq(dsnx_rewrite_message(ctx, set, b.p, b.len, &o, &rw),
	    DSNX_OK);
	ck_assert(dsnx_rewrite_changed(rw));
	out = dsnx_rewrite_output(rw, &outlen);
	oe = header_end(out, outlen, &ob);
	subj = mem_find(out, oe, "\nSubject: ", 10);
	ck_assert_ptr_nonnull(subj);
	subj++;
	e = mem_find(subj, (size_t)(out + oe - subj), "\r\n", 2);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_le((size_t)(e - subj), 998);
	for (w = subj; w < e; w++) {
		ck_assert_msg((unsigned char)*w >= 0x20 && (unsigned char)*w < 0x7f,
		    "byte %02x in the Subject", (unsigned char)*w);
	}
	/* every encoded word 75 characters at most */
	for (w = subj; (w = mem_find(w, (size_t)(e - w), "=?UTF-8?B?", 10))
	    != NULL; ) {
		const char *end = mem_find(w + 10, (size_t)(e - w - 10), "?=", 2);

		ck_assert_ptr_nonnull(end);
		ck_assert_uint_le((size_t)(end + 2 - w), 75);
		words++;
		w = end + 2;
	}
	ck_assert_uint_ge(words, 2);
	ck_assert_msg(mem_find(subj, (size_t)(e - subj),
	    "Undelivered Mail Returned to Sender", 35) != NULL,
	    "old Subject not kept");
	for (k = 0; k < dsnx_rewrite_edit_count(rw); k++) {
		const dsnx_header_edit *ed = dsnx_rewrite_edit(rw, k);

		ck_assert(strchr(ed->value, '\r') == NULL
		    && strchr(ed->value, '\n') == NULL);
		if (ed->kind == DSNX_EDIT_CHANGE_HEADER)
			ck_assert_uint_eq(strlen("Subject: ") + strlen(ed->value),
			    (size_t)(e - subj));
	}
	/* the headline's markup is text in the HTML */
	ck_assert_int_eq(dsnx_explanation_render(dsnx_rewrite_explanation(rw),
	    &rd), DSNX_OK);
	ck_assert_ptr_null(strstr(rd.html, "<b>Nicht"));
	ck_assert_ptr_nonnull(strstr(rd.html, "&lt;b&gt;Nicht&lt;/b&gt; "
	    "zugestellt &amp; "));
	dsnx_rendition_free(&rd);
	dsnx_rewrite_free(rw);
	dsnx_ruleset_unref(set);
	rule_dir_remove(dir);
	sb_free(&b);
}
END_TEST

START_TEST(test_subject_option)
{
	sbuf b = { 0 };
	dsnx_rewrite_options o;
	dsnx_rewrite *rw;
	const char *out, *subj;
	size_t outlen, ob, oe;
	unsigned k, chg = 0, add = 0;
	static const char old[] = "Undelivered Mail Returned to Sender";

	make_dsn_diag(&b, "\n", "550 5.1.1 <victim.user@example.org>: "
	    "Recipient address rejected: User unknown");
	dsnx_rewrite_options_init(&o);
	o.subject = 1;
	rw = rewrite_opt(b.p, b.len, &o);
	ck_assert(dsnx_rewrite_changed(rw));
	out = dsnx_rewrite_output(rw, &outlen);
	oe = header_end(out, outlen, &ob);
	subj = mem_find(out, oe, "\nSubject: ", 10);
	ck_assert_ptr_nonnull(subj);
	subj += 10;
	ck_assert_msg(strncmp(subj, old, strlen(old)) != 0,
	    "Subject not prefixed");
	{
		const char *e = memchr(subj, '\n', (size_t)(out + oe - subj));
		size_t sl = (size_t)(e - subj);

		ck_assert_ptr_nonnull(e);
		ck_assert_msg(sl > strlen(old)
		    && memcmp(e - strlen(old), old, strlen(old)) == 0,
		    "old Subject text not kept at the end: %.*s", (int)sl, subj);
	}
	for (k = 0; k < dsnx_rewrite_edit_count(rw); k++) {
		const dsnx_header_edit *e = dsnx_rewrite_edit(rw, k);

		if (e->kind == DSNX_EDIT_CHANGE_HEADER) {
			ck_assert_str_eq(e->name, "Subject");
			ck_assert(strstr(e->value, old) != NULL);
			chg++;
		} else if (strcmp(e->name, "X-DSN-Explain") == 0) {
			ck_assert_str_eq(e->value, dsnx_rewrite_header_value(rw));
			add++;
		}
	}
	ck_assert_uint_eq(chg, 1);
	ck_assert_uint_eq(add, 1);
	check_milter_view(b.p, b.len, rw, "\n");
	dsnx_rewrite_free(rw);

	/* in German the label may not be ASCII: the header must stay ASCII */
	o.render.lang = "de";
	rw = rewrite_opt(b.p, b.len, &o);
	ck_assert(dsnx_rewrite_changed(rw));
	out = dsnx_rewrite_output(rw, &outlen);
	oe = header_end(out, outlen, &ob);
	for (k = 0; k < oe; k++)
		ck_assert_msg((unsigned char)out[k] < 0x80,
		    "8-bit byte in the header block with --lang de");
	check_milter_view(b.p, b.len, rw, "\n");
	dsnx_rewrite_free(rw);
	sb_free(&b);
}
END_TEST

START_TEST(test_milter_view)
{
	sbuf b = { 0 };
	dsnx_rewrite *rw;
	const dsnx_header_edit *e;

	make_dsn_diag(&b, "\r\n", "550 5.1.1 <victim.user@example.org>: "
	    "Recipient address rejected: User unknown");
	rw = rewrite(b.p, b.len);
	ck_assert(dsnx_rewrite_changed(rw));
	ck_assert_uint_eq(dsnx_rewrite_edit_count(rw), 1);
	e = dsnx_rewrite_edit(rw, 0);
	ck_assert(e->kind == DSNX_EDIT_ADD_HEADER);
	ck_assert_str_eq(e->name, "X-DSN-Explain");
	ck_assert_str_eq(e->value, dsnx_rewrite_header_value(rw));
	check_value_chars(e->value);
	check_milter_view(b.p, b.len, rw, "\r\n");
	dsnx_rewrite_free(rw);
	sb_free(&b);
}
END_TEST

START_TEST(test_unchanged_milter_view)
{
	static const char m[] = "From: a@example.net\nSubject: hi\n\nhello\n";
	dsnx_rewrite *rw = rewrite(m, sizeof(m) - 1);
	size_t blen = 1;

	ck_assert(!dsnx_rewrite_changed(rw));
	ck_assert_uint_eq(dsnx_rewrite_edit_count(rw), 0);
	ck_assert_ptr_null(dsnx_rewrite_edit(rw, 0));
	ck_assert_ptr_null(dsnx_rewrite_body(rw, &blen));
	ck_assert_uint_eq(blen, 0);
	dsnx_rewrite_free(rw);
}
END_TEST

START_TEST(test_languages_parse)
{
	static const char *const langs[] = { "en", "de", "fr", "es", "it", "xx", NULL };
	sbuf b = { 0 };
	unsigned i;

	make_dsn_diag(&b, "\n", "451 4.4.7 <script>x</script> \xe2\x80\xae"
	    "delivery time expired");
	for (i = 0; langs[i] != NULL; i++) {
		dsnx_rewrite_options o;
		dsnx_rewrite *rw;

		dsnx_rewrite_options_init(&o);
		o.render.lang = langs[i];
		rw = rewrite_opt(b.p, b.len, &o);
		check_inert(b.p, b.len, rw, OUTER);
		dsnx_rewrite_free(rw);
	}
	sb_free(&b);
}
END_TEST

START_TEST(test_bad_arguments)
{
	dsnx_rewrite *rw = (dsnx_rewrite *)1;

	ck_assert(dsnx_rewrite_message(NULL, rules, "x", 1, NULL, &rw)
	    == DSNX_EINVAL);
	ck_assert(dsnx_rewrite_message(ctx, NULL, "x", 1, NULL, &rw)
	    == DSNX_EINVAL);
	ck_assert(dsnx_rewrite_message(ctx, rules, NULL, 1, NULL, &rw)
	    == DSNX_EINVAL);
	ck_assert(dsnx_rewrite_message(ctx, rules, "x", 1, NULL, NULL)
	    == DSNX_EINVAL);
	/* empty input: unchanged, not an error */
	ck_assert(dsnx_rewrite_message(ctx, rules, "", 0, NULL, &rw) == DSNX_OK);
	ck_assert(!dsnx_rewrite_changed(rw));
	dsnx_rewrite_free(rw);
	dsnx_rewrite_free(NULL);
}
END_TEST

/* --------------------------------------------------------------- main */

static Suite *
rewrite_suite(void)
{
	Suite *s = suite_create("rewrite");
	TCase *h = tcase_create("hostile");
	TCase *c = tcase_create("contract");

	tcase_set_timeout(h, TIMEOUT);
	tcase_add_test(h, test_script_tag);
	tcase_add_test(h, test_attribute_injection);
	tcase_add_test(h, test_crlf_fake_header);
	tcase_add_test(h, test_huge_diagnostic);
	tcase_add_test(h, test_diagnostic_over_cap);
	tcase_add_test(h, test_invalid_utf8);
	tcase_add_test(h, test_bidi_controls);
	tcase_add_test(h, test_outer_boundary_in_diagnostic);
	tcase_add_test(h, test_languages_parse);
	suite_add_tcase(s, h);

	tcase_set_timeout(c, TIMEOUT);
	tcase_add_test(c, test_idempotent);
	tcase_add_test(c, test_not_a_dsn);
	tcase_add_test(c, test_ses_email_explained);
	tcase_add_test(c, test_ses_json_whole_unchanged);
	tcase_add_test(c, test_ses_complaint_not_a_dsn);
	tcase_add_test(c, test_over_max_size);
	tcase_add_test(c, test_qmail_non_mime);
	tcase_add_test(c, test_qmail_non_mime_crlf);
	tcase_add_test(c, test_single_part_utf8);
	tcase_add_test(c, test_header_stays_short);
	tcase_add_loop_test(c, test_single_part_kinds, 0,
	    (int)(sizeof(single_kinds) / sizeof(single_kinds[0])) * 5);
	tcase_add_test(c, test_qmail_declared);
	tcase_add_test(c, test_wrap_single_off);
	tcase_add_test(c, test_non_mime_8bit_in_place);
	tcase_add_test(c, test_wrapped_cte_first_crlf);
	tcase_add_loop_test(c, test_damage_explained, 0,
	    (int)(sizeof(damages) / sizeof(damages[0])) * 2);
	tcase_add_test(c, test_damage_top_boundary_never_found);
	tcase_add_test(c, test_damage_unsafe_named);
	tcase_add_test(c, test_deterministic);
	tcase_add_test(c, test_crlf_in_crlf_out);
	tcase_add_test(c, test_subject_option);
	tcase_add_test(c, test_subject_site_label);
	tcase_add_test(c, test_milter_view);
	tcase_add_test(c, test_unchanged_milter_view);
	tcase_add_test(c, test_bad_arguments);
	suite_add_tcase(s, c);
	return s;
}

int
main(void)
{
	return run_with_shipped_rules(rewrite_suite());
}
