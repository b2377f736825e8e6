/*
 * NAME
 *	render - the explanation as text and as HTML; dates for the reader
 * SYNOPSIS
 *	#include "dsnexplain.h"
 *
 *	dsnx_status dsnx_render(rules, report, verdicts, options, &rendition)
 *
 *	dsnx_status dsnx_explanation_render(x, &rendition)
 *
 *	int dsnx_utc_offset_parse(text, &minutes)
 * DESCRIPTION
 *	The explanation of a message is built once, as a model
 *	(explanation.c), and laid out twice: as text/plain (render_text.c)
 *	and as text/html (render_html.c).  dsnx_render() does all three for
 *	a caller that wants only the renditions.
 *
 *	Dates are formatted for the reader here, in one function, in the
 *	zone the options name.
 * LIMITS
 *	Those of explanation.c; the renditions grow with the groups shown,
 *	not with the number of recipients.
 * DIAGNOSTICS
 *	DSNX_ENOMEM, or DSNX_EINVAL for missing arguments.
 * SEE ALSO
 *	explanation.c, render_text.c, render_html.c, rewrite.c.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <strings.h>

#include "explanation.h"

int
dsnx_utc_offset_parse(const char *v, int *out)
{
	int h, m = 0, sign;

	if (!strcasecmp(v, "UTC") || !strcasecmp(v, "GMT") || !strcmp(v, "Z")) {
		*out = 0;
		return 0;
	}
	if (v[0] != '+' && v[0] != '-')
		return -1;
	sign = v[0] == '-' ? -1 : 1;
	if (!isdigit((unsigned char)v[1]) || !isdigit((unsigned char)v[2]))
		return -1;
	h = (v[1] - '0') * 10 + (v[2] - '0');
	v += 3;
	if (*v == ':')
		v++;
	if (*v != '\0') {
		if (!isdigit((unsigned char)v[0]) || !isdigit((unsigned char)v[1])
		    || v[2] != '\0')
			return -1;
		m = (v[0] - '0') * 10 + (v[1] - '0');
	}
	if (h > 14 || m > 59)
		return -1;
	*out = sign * (h * 60 + m);
	return 0;
}

void
dsnx_render_options_init(dsnx_render_options *o)
{
	o->lang = "en";
	o->fallback_lang = NULL;
	o->tz = NULL;
	o->width = 72;
}

void
dsnx_rendition_free(dsnx_rendition *r)
{
	if (r == NULL)
		return;
	free(r->text);
	free(r->html);
	memset(r, 0, sizeof(*r));
}

/* The zone is asked per date: its offset depends on the instant. */
void
dsnx_render_date(const dsnx_render_options *options, time_t t, char *buf,
    size_t size)
{
	struct tm tm;
	const char *abbr;
	long off = dsnx_tz_offset_at(options->tz, t, &abbr);
	long m = (off < 0 ? -off : off) / 60;
	time_t local = t + (time_t)off;

	if (gmtime_r(&local, &tm) == NULL) {
		snprintf(buf, size, "?");
		return;
	}
	if (off == 0 && (abbr == NULL || strcmp(abbr, "UTC") == 0))
		snprintf(buf, size, "%04d-%02d-%02d %02d:%02d UTC",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min);
	else
		snprintf(buf, size, "%04d-%02d-%02d %02d:%02d %s%s(UTC%c%02ld:%02ld)",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, abbr ? abbr : "", abbr ? " " : "",
		    off < 0 ? '-' : '+', m / 60, m % 60);
}

dsnx_status
dsnx_explanation_render(const dsnx_explanation *x, dsnx_rendition *out)
{
	dsnx_buf text, html;
	dsnx_status st;

	if (x == NULL || out == NULL)
		return DSNX_EINVAL;
	memset(out, 0, sizeof(*out));
	dsnx_buf_init(&text, 0);
	dsnx_buf_init(&html, 0);
	if ((st = dsnx_render_text(x, &text)) != DSNX_OK
	    || (st = dsnx_render_html(x, &html)) != DSNX_OK) {
		dsnx_buf_free(&text);
		dsnx_buf_free(&html);
		return st;
	}
	out->text = text.data;
	out->text_len = text.len;
	out->html = html.data;
	out->html_len = html.len;
	return DSNX_OK;
}

dsnx_status
dsnx_render(const dsnx_ruleset *rules, const dsnx_report *report,
    const dsnx_classification *verdicts, const dsnx_render_options *options,
    dsnx_rendition *out)
{
	dsnx_explanation *x;
	dsnx_status st;

	if (out == NULL)
		return DSNX_EINVAL;
	memset(out, 0, sizeof(*out));
	if ((st = dsnx_explanation_build(rules, report, verdicts, options, &x))
	    != DSNX_OK)
		return st;
	st = dsnx_explanation_render(x, out);
	dsnx_explanation_free(x);
	return st;
}
