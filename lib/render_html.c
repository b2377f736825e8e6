/*
 * NAME
 *	render_html - the explanation model laid out as text/html
 * SYNOPSIS
 *	#include "explanation.h"
 *
 *	dsnx_status dsnx_render_html(x, &buf)
 * DESCRIPTION
 *	The same sentence naming the returned message, sections and facts
 *	as the text rendition, as one HTML
 *	document for mail readers: inline CSS only, tables for layout and
 *	for the path picture, no scripts, images or remote resources.
 *	Every string comes from the model, already cleaned; this file
 *	escapes each one (& < > " ') as it lays it out, our own strings
 *	too, so that a rule author's '<' never becomes markup.
 * LIMITS
 *	None of its own: the output grows with the model.
 * DIAGNOSTICS
 *	DSNX_ENOMEM when the buffer could not grow.
 * SEE ALSO
 *	explanation.c (the model), render_text.c (the same facts as text).
 */
#include "config.h"

#include <string.h>

#include "explanation.h"

static void
put(dsnx_buf *b, const char *s)
{
	dsnx_buf_append(b, s, strlen(s));
}

/* Appends s with the characters that mean something in HTML escaped. */
static void
text(dsnx_buf *b, const char *s)
{
	const char *run = s, *rep;

	if (s == NULL)
		return;
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		dsnx_buf_append(b, run, (size_t)(s - run));
		put(b, rep);
		run = s + 1;
	}
	dsnx_buf_append(b, run, (size_t)(s - run));
}

static const char *
color_of(dsnx_outcome outcome)
{
	if (outcome == DSNX_OUTCOME_DELAYED)
		return "#9a6700";
	if (outcome == DSNX_OUTCOME_DELIVERED)
		return "#1a7f37";
	return "#b42318";
}

static void
picture(const dsnx_explanation *x, dsnx_buf *b, int broken)
{
	static const enum dsnx_xp_label boxes[3] = { XP_PICTURE_SENDER,
	    XP_PICTURE_SENDING, XP_PICTURE_RECEIVING };
	int i;

	put(b, "<table role=\"presentation\" cellpadding=\"0\" "
	    "cellspacing=\"0\" style=\"margin:12px 0;border-collapse:collapse;\">"
	    "<tr>");
	for (i = 0; i < 3; i++) {
		if (i > 0)
			put(b, "<td style=\"padding:0 6px;font-size:18px;"
			    "color:#57606a;\">&rarr;</td>");
		put(b, "<td style=\"padding:8px 10px;font-size:13px;"
		    "text-align:center;border-radius:6px;border:2px solid ");
		put(b, i == broken ? "#b42318;background:#fdecea;"
		    "font-weight:bold;" : "#d0d7de;background:#f6f8fa;");
		put(b, "\">");
		text(b, x->label[boxes[i]]);
		if (i == broken) {
			put(b, "<br><span style=\"font-size:11px;font-weight:"
			    "normal;color:#b42318;\">");
			text(b, x->label[XP_PICTURE_HERE]);
			put(b, "</span>");
		}
		put(b, "</td>");
	}
	put(b, "</tr></table>\n");
}

static void
h2(dsnx_buf *b, const char *s)
{
	put(b, "<h2 style=\"font-size:15px;margin:16px 0 4px;color:#1f2328;\">");
	text(b, s);
	put(b, "</h2>\n");
}

static void
p(dsnx_buf *b, const char *s)
{
	put(b, "<p style=\"margin:0 0 8px;font-size:14px;line-height:1.45;\">");
	text(b, s);
	put(b, "</p>\n");
}

static void
group(const dsnx_explanation *x, dsnx_buf *b, const xp_group *g)
{
	put(b, "<div style=\"background:#ffffff;border:1px solid #d0d7de;"
	    "border-radius:6px;padding:16px 20px;margin:0 0 16px;\">\n"
	    "<h1 style=\"font-size:20px;line-height:1.3;margin:0 0 12px;color:");
	put(b, color_of(g->outcome));
	put(b, ";\">");
	text(b, g->headline);
	put(b, "</h1>\n");
	put(b, "<p style=\"margin:0 0 8px;font-size:14px;line-height:1.45;\">"
	    "<strong>");
	text(b, g->title);
	put(b, "</strong><br>");
	text(b, g->summary);
	put(b, "</p>\n");
	picture(x, b, g->broken);
	h2(b, x->label[XP_SECTION_ARRIVE]);
	p(b, g->arrive);
	if (g->who != NULL) {
		h2(b, x->label[XP_SECTION_WHO]);
		p(b, g->who);
	}
	if (g->todo != NULL) {
		h2(b, x->label[XP_SECTION_TODO]);
		p(b, g->todo);
	}
	put(b, "</div>\n");
}

static void
row(dsnx_buf *b, const xp_row *r)
{
	put(b, "<tr><td style=\"padding:2px 12px 2px 0;color:#57606a;"
	    "vertical-align:top;white-space:nowrap;\">");
	text(b, r->label);
	put(b, "</td><td style=\"padding:2px 0;font-family:Consolas,Menlo,"
	    "monospace;word-break:break-all;\">");
	text(b, r->value);
	put(b, "</td></tr>\n");
}

static void
admin(const dsnx_explanation *x, dsnx_buf *b, const xp_group *g)
{
	unsigned i, k;

	for (i = 0; i < g->shown; i++) {
		const xp_facts *f = &g->facts[i];

		put(b, "<p style=\"margin:12px 0 4px;font-weight:bold;\">");
		text(b, f->recipient);
		put(b, "</p>\n<table role=\"presentation\" cellpadding=\"0\" "
		    "cellspacing=\"0\" style=\"font-size:12px;border-collapse:"
		    "collapse;\">\n");
		for (k = 0; k < f->row_count; k++)
			row(b, &f->rows[k]);
		put(b, "</table>\n");
	}
	if (g->more != NULL) {
		put(b, "<p style=\"margin:12px 0 4px;\">");
		text(b, g->more);
		put(b, "</p>\n");
	}
	if (g->hint_count > 0) {
		put(b, "<p style=\"margin:8px 0 2px;\">");
		text(b, x->label[XP_LABEL_HINTS]);
		put(b, "</p><ul style=\"margin:0;padding-left:20px;\">\n");
		for (k = 0; k < g->hint_count; k++) {
			put(b, "<li style=\"margin:0 0 2px;\">");
			text(b, g->hints[k]);
			put(b, "</li>\n");
		}
		put(b, "</ul>\n");
	}
	if (g->reference_count > 0) {
		put(b, "<p style=\"margin:6px 0 0;color:#57606a;\">");
		text(b, x->label[XP_LABEL_REFERENCES]);
		put(b, ": ");
		for (k = 0; k < g->reference_count; k++) {
			if (k > 0)
				put(b, "; ");
			text(b, g->references[k]);
		}
		put(b, "</p>\n");
	}
}

dsnx_status
dsnx_render_html(const dsnx_explanation *x, dsnx_buf *b)
{
	unsigned i;

	put(b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width\"><title>");
	if (x->group_count > 0)
		text(b, x->groups[0].headline);
	put(b, "</title></head>\n<body style=\"margin:0;padding:0;"
	    "background:#f4f5f7;\">\n<div style=\"max-width:640px;margin:0 auto;"
	    "padding:16px;font-family:Arial,Helvetica,sans-serif;color:#1f2328;\">\n");
	if (x->message != NULL) {
		put(b, "<p style=\"margin:0 0 12px;font-size:14px;"
		    "line-height:1.45;color:#1f2328;\">");
		text(b, x->message);
		put(b, "</p>\n");
	}
	for (i = 0; i < x->group_count; i++)
		group(x, b, &x->groups[i]);
	put(b, "<div style=\"background:#ffffff;border:1px solid #d0d7de;"
	    "border-radius:6px;padding:12px 20px;margin:0 0 16px;font-size:13px;"
	    "color:#1f2328;\">\n");
	h2(b, x->label[XP_SECTION_ADMIN]);
	for (i = 0; i < x->group_count; i++)
		admin(x, b, &x->groups[i]);
	put(b, "</div>\n<p style=\"font-size:12px;color:#57606a;"
	    "margin:0;\">");
	text(b, x->label[XP_FOOTER]);
	put(b, "</p>\n</div>\n</body></html>\n");
	return b->overflow || b->data == NULL ? DSNX_ENOMEM : DSNX_OK;
}
