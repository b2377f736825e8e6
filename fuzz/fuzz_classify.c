/*
 * fuzz_classify - libFuzzer target: a message read, classified, explained
 *
 * The path of "dsnexplain classify" and "dsnexplain explain" through the
 * library, on the input as the message: the MIME tree walked part by
 * part (fields, parameters, decoded text), the report read and every
 * field of it touched, each recipient classified against the shipped
 * rules with the trace on, the cause texts looked up, the explanation
 * model built and both renditions made.
 *
 * Invariants checked beyond the sanitizers: one verdict per recipient;
 * the X-DSN-Explain value is one line of printable ASCII under 900
 * bytes; the renditions hold no control character but line ends (and
 * tabs), and every tag of the HTML is a known element without event
 * handlers or script URLs (message text is escaped there).
 *
 * LIMITS: the language and time zone come from the input's length, so
 * the input bytes stay the message's own.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz_util.h"

static dsnx_context *ctx;
static dsnx_tz *plus0530;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	dsnx_limits limits;

	(void)argc;
	(void)argv;
	dsnx_limits_init(&limits);
	if (dsnx_context_new(&limits, &ctx, NULL) != DSNX_OK
	    || dsnx_tz_fixed(330, &plus0530) != DSNX_OK)
		abort();
	(void)fuzz_rules();
	return 0;
}

/* Makes the sanitizers read every byte of a string we were handed. */
static size_t sink;

static void
touch(const char *s)
{
	if (s != NULL)
		sink += strlen(s);
}

static void
walk_mime(const char *buf, size_t len)
{
	dsnx_mime *mime;
	unsigned i, j, n;
	size_t tlen;

	if (dsnx_mime_parse(buf, len, dsnx_context_limits(ctx), &mime)
	    != DSNX_OK)
		return;
	n = dsnx_mime_part_count(mime);
	for (i = 0; i < n; i++) {
		const dsnx_part *p = dsnx_mime_part(mime, i);
		dsnx_span s = dsnx_part_whole(p), h = dsnx_part_header(p),
		    b = dsnx_part_body(p);

		FUZZ_CHECK(s.start <= s.end && s.end <= len, "part %u span", i);
		FUZZ_CHECK(h.start <= h.end && h.end <= len
		    && b.start <= b.end && b.end <= len, "part %u header/body", i);
		touch(dsnx_part_type(p));
		touch(dsnx_part_subtype(p));
		touch(dsnx_part_param(mime, p, "charset"));
		touch(dsnx_part_param(mime, p, "boundary"));
		touch(dsnx_part_header_get(mime, p, "subject", 1));
		touch(dsnx_part_header_get(mime, p, "content-type", 0));
		for (j = 0; j < dsnx_part_header_count(p); j++) {
			dsnx_span f = dsnx_part_header_field(mime, p, j);

			FUZZ_CHECK(f.start <= f.end && f.end <= len,
			    "field %u of part %u", j, i);
		}
		touch(dsnx_part_text(mime, p, &tlen));
	}
	dsnx_mime_free(mime);
}

static void
trace(const dsnx_trace_step *step, void *arg)
{
	(void)arg;
	touch(step->rule);
	touch(step->kind);
	touch(step->failed);
}

/*
 * Message text is escaped in the HTML, so every tag is the renderer's
 * own: a known element, with no event handler and no script URL among
 * its attributes.
 */
static void
check_markup(const char *s, size_t len)
{
	static const char *const known[] = { "!DOCTYPE", "html", "head",
	    "meta", "title", "body", "div", "span", "p", "br", "h1", "h2",
	    "h3", "strong", "em", "b", "i", "ul", "ol", "li", "table", "tr",
	    "td", "th", "tbody", "thead", "code", "pre", "small", "hr", NULL };
	const char *p = s, *end = s + len, *gt;
	size_t n, k;

	while ((p = memchr(p, '<', (size_t)(end - p))) != NULL) {
		gt = memchr(p, '>', (size_t)(end - p));
		FUZZ_CHECK(gt != NULL, "an unclosed tag: \"%.80s\"", p);
		p++;
		if (*p == '/')
			p++;
		n = strspn(p, "!ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789");
		for (k = 0; known[k] != NULL; k++)
			if (strlen(known[k]) == n && strncasecmp(p, known[k], n) == 0)
				break;
		FUZZ_CHECK(known[k] != NULL, "an unknown tag in the HTML "
		    "rendition: \"%.80s\"", p - 1);
		for (; p < gt; p++) {
			FUZZ_CHECK(*p != '<', "'<' inside a tag: \"%.80s\"", p);
			FUZZ_CHECK(!((p[-1] == ' ' || p[-1] == '"')
			    && strncasecmp(p, "on", 2) == 0 && p + 2 < gt
			    && strchr("abcdefghijklmnopqrstuvwxyz", p[2] | 32)
			    && p[2] != '\0'), "an event handler: \"%.80s\"", p);
			FUZZ_CHECK(strncasecmp(p, "javascript:", 11) != 0,
			    "a script URL: \"%.80s\"", p);
		}
		p = gt + 1;
	}
}

static void
check_rendition(const char *s, size_t len, int html)
{
	size_t i;

	FUZZ_CHECK(s != NULL && strlen(s) == len, "rendition length");
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		FUZZ_CHECK(c >= 32 || c == '\n' || c == '\t' || c == '\r',
		    "control character 0x%02x at %zu of the %s rendition", c, i,
		    html ? "HTML" : "text");
	}
	if (html)
		check_markup(s, len);
}

static void
check_header_value(const char *v)
{
	size_t i;

	FUZZ_CHECK(v != NULL, "no X-DSN-Explain value");
	for (i = 0; v[i] != '\0'; i++)
		FUZZ_CHECK(v[i] >= 32 && v[i] < 127,
		    "byte 0x%02x at %zu of X-DSN-Explain", (unsigned char)v[i], i);
	FUZZ_CHECK(i + sizeof("X-DSN-Explain: ") < 900,
	    "X-DSN-Explain of %zu bytes", i);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const langs[] = { "en", "de", "fr", "es", "it",
	    "xx" };
	const char *buf = (const char *)data;
	dsnx_ruleset *rules = fuzz_rules();
	dsnx_report *r;
	dsnx_classification *vs = NULL;
	dsnx_classify_options copt;
	dsnx_render_options ropt;
	dsnx_rendition rd;
	dsnx_explanation *x = NULL;
	dsnx_cause_text ct;
	time_t t;
	unsigned i, j, n;

	walk_mime(buf, size);
	if (dsnx_report_read(ctx, buf, size, &r) != DSNX_OK)
		return 0;
	touch(dsnx_report_format(r));
	touch(dsnx_report_not_dsn_why(r));
	touch(dsnx_report_reporting_mta(r));
	touch(dsnx_report_original_envelope_id(r));
	touch(dsnx_report_dsn_gateway(r));
	touch(dsnx_report_received_from_mta(r));
	touch(dsnx_report_arrival_date_raw(r));
	(void)dsnx_report_arrival_date(r, &t);
	touch(dsnx_report_subject(r));
	touch(dsnx_report_from(r));
	for (i = 0; i < dsnx_report_extra_count(r); i++) {
		touch(dsnx_report_extra(r, i)->name);
		touch(dsnx_report_extra(r, i)->value);
	}
	for (i = 0; i < dsnx_report_header_count(r); i++) {
		touch(dsnx_report_header_field(r, i)->name);
		touch(dsnx_report_header_field(r, i)->value);
	}
	n = dsnx_report_recipient_count(r);
	for (i = 0; i < n; i++) {
		const dsnx_recipient *rc = dsnx_report_recipient(r, i);
		char code[16];

		touch(rc->recipient);
		touch(rc->final_recipient);
		touch(rc->original_recipient);
		touch(rc->action);
		touch(rc->status_raw);
		touch(rc->remote_mta);
		touch(rc->diagnostic_type);
		touch(rc->diagnostic);
		touch(rc->last_attempt_raw);
		touch(rc->will_retry_until_raw);
		touch(rc->final_log_id);
		for (j = 0; j < rc->extra_count; j++) {
			touch(rc->extra[j].name);
			touch(rc->extra[j].value);
		}
		if (rc->status != NULL) {
			FUZZ_CHECK(strcmp(dsnx_code_format(&rc->code, code,
			    sizeof(code)), rc->status) == 0,
			    "status \"%s\" is not its code", rc->status);
			touch(dsnx_code_meaning(&rc->code));
		}
	}

	dsnx_classify_options_init(&copt);
	copt.trace = trace;
	if (dsnx_classify_message(rules, r, &copt, &vs) != DSNX_OK)
		goto done;
	FUZZ_CHECK(dsnx_classification_count(vs) == n, "%u verdicts for %u "
	    "recipients", dsnx_classification_count(vs), n);
	for (i = 0; i < n; i++) {
		const dsnx_verdict *v = dsnx_classification_verdict(vs, i);

		FUZZ_CHECK(v->reason != NULL && v->severity != NULL,
		    "verdict %u without reason or severity", i);
		if (v->cause != NULL)
			FUZZ_CHECK(dsnx_cause_text_get(rules, v->cause,
			    langs[size % 5], &ct) == 0, "cause %s has no text",
			    v->cause);
	}

	dsnx_render_options_init(&ropt);
	ropt.lang = langs[size % 6];
	ropt.tz = size % 3 == 0 ? plus0530 : NULL;
	ropt.width = size % 7 == 0 ? 40 : 72;
	if (dsnx_render(rules, r, vs, &ropt, &rd) == DSNX_OK) {
		check_rendition(rd.text, rd.text_len, 0);
		check_rendition(rd.html, rd.html_len, 1);
		dsnx_rendition_free(&rd);
	}
	if (dsnx_explanation_build(rules, r, vs, &ropt, &x) == DSNX_OK) {
		check_header_value(dsnx_explanation_header(x));
		for (i = 0; i < dsnx_explanation_field_count(x); i++) {
			touch(dsnx_explanation_field(x, i)->name);
			touch(dsnx_explanation_field(x, i)->value);
		}
		FUZZ_CHECK(dsnx_explanation_recipient_count(x) == n,
		    "the explanation counts %u of %u recipients",
		    dsnx_explanation_recipient_count(x), n);
		dsnx_explanation_free(x);
	}
done:
	dsnx_classification_free(vs);
	dsnx_report_free(r);
	return 0;
}
