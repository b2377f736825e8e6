/*
 * NAME
 *	render_text - the explanation model laid out as text/plain
 * SYNOPSIS
 *	#include "explanation.h"
 *
 *	dsnx_status dsnx_render_text(x, &buf)
 * DESCRIPTION
 *	First the sentence naming the returned message (its Subject and
 *	date), when the notice returned one; then one section per group
 *	(headline, what happened, the path picture
 *	with the broken place between >> and <<, will it still arrive, who
 *	must act, what the sender can do), then the administrator's facts
 *	of every group, then the footer.  Every string comes from the model,
 *	already cleaned; this file only wraps and indents.
 * LIMITS
 *	Lines of at most the model's width code points, except a single
 *	word longer than that.
 * DIAGNOSTICS
 *	DSNX_ENOMEM when the buffer could not grow.
 * SEE ALSO
 *	explanation.c (the model), render_html.c (the same facts in HTML).
 */
#include "config.h"

#include <string.h>

#include "explanation.h"

static void
put(dsnx_buf *b, const char *s)
{
	dsnx_buf_append(b, s, strlen(s));
}

/* Appends s wrapped at width code points, each line after indent spaces. */
static void
wrap(dsnx_buf *b, const char *s, unsigned indent, unsigned width)
{
	const char *p = s;

	while (*p != '\0') {
		const char *line = p, *brk = NULL, *q = p;
		unsigned cols = indent;

		while (*q != '\0' && cols < width) {
			if (*q == ' ')
				brk = q;
			q += dsnx_utf8_seq_len((unsigned char)*q);
			cols++;
		}
		if (*q != '\0' && brk != NULL && brk > line)
			q = brk;	/* break at the last space */
		for (cols = 0; cols < indent; cols++)
			dsnx_buf_putc(b, ' ');
		dsnx_buf_append(b, line, (size_t)(q - line));
		dsnx_buf_putc(b, '\n');
		p = q;
		while (*p == ' ')
			p++;
	}
}

/* "Label: value", wrapped, or nothing when there is no value. */
static void
label_line(const dsnx_explanation *x, dsnx_buf *b, const char *label,
    const char *value)
{
	dsnx_buf line;

	if (value == NULL || value[0] == '\0')
		return;
	dsnx_buf_init(&line, 0);
	put(&line, label);
	dsnx_buf_append(&line, ": ", 2);
	put(&line, value);
	if (line.overflow)
		b->overflow = 1;
	wrap(b, dsnx_buf_str(&line), 4, x->width);
	dsnx_buf_free(&line);
}

static void
heading(dsnx_buf *b, const char *s)
{
	dsnx_buf_putc(b, '\n');
	put(b, s);
	dsnx_buf_putc(b, '\n');
}

/* The path picture, in text: the broken place between >> <<. */
static void
picture(const dsnx_explanation *x, dsnx_buf *b, int broken)
{
	const char *boxes[3] = { x->label[XP_PICTURE_SENDER],
	    x->label[XP_PICTURE_SENDING], x->label[XP_PICTURE_RECEIVING] };
	int i;

	put(b, "\n  ");
	for (i = 0; i < 3; i++) {
		if (i > 0)
			put(b, " --> ");
		put(b, i == broken ? ">>" : "[");
		put(b, boxes[i]);
		put(b, i == broken ? "<<" : "]");
	}
	dsnx_buf_putc(b, '\n');
	if (broken >= 0) {
		put(b, "  (>>...<<: ");
		put(b, x->label[XP_PICTURE_HERE]);
		put(b, ")\n");
	}
}

static void
group(const dsnx_explanation *x, dsnx_buf *b, const xp_group *g)
{
	dsnx_buf para;

	dsnx_buf_init(&para, 0);
	put(&para, g->headline);
	dsnx_buf_putc(&para, '.');
	wrap(b, dsnx_buf_str(&para), 0, x->width);
	dsnx_buf_reset(&para);
	heading(b, x->label[XP_SECTION_WHAT]);
	if (g->title != NULL) {
		put(&para, g->title);
		dsnx_buf_append(&para, ". ", 2);
	}
	if (g->summary != NULL)
		put(&para, g->summary);
	if (para.overflow)
		b->overflow = 1;
	wrap(b, dsnx_buf_str(&para), 2, x->width);
	picture(x, b, g->broken);
	heading(b, x->label[XP_SECTION_ARRIVE]);
	wrap(b, g->arrive, 2, x->width);
	if (g->who != NULL) {
		heading(b, x->label[XP_SECTION_WHO]);
		wrap(b, g->who, 2, x->width);
	}
	if (g->todo != NULL) {
		heading(b, x->label[XP_SECTION_TODO]);
		wrap(b, g->todo, 2, x->width);
	}
	dsnx_buf_free(&para);
}

static void
admin(const dsnx_explanation *x, dsnx_buf *b, const xp_group *g)
{
	unsigned i, k;

	for (i = 0; i < g->shown; i++) {
		const xp_facts *f = &g->facts[i];

		/* The address behind a label, never alone on a line: bounce
		 * parsers read an indented bare address as a recipient line. */
		dsnx_buf_putc(b, '\n');
		label_line(x, b, x->label[XP_LABEL_RECIPIENT], f->recipient);
		for (k = 0; k < f->row_count; k++)
			label_line(x, b, f->rows[k].label, f->rows[k].value);
	}
	if (g->more != NULL) {
		dsnx_buf_putc(b, '\n');
		wrap(b, g->more, 4, x->width);
	}
	if (g->hint_count > 0) {
		put(b, "    ");
		put(b, x->label[XP_LABEL_HINTS]);
		put(b, ":\n");
		for (k = 0; k < g->hint_count; k++) {
			dsnx_buf item;

			dsnx_buf_init(&item, 0);
			dsnx_buf_append(&item, "- ", 2);
			put(&item, g->hints[k]);
			if (item.overflow)
				b->overflow = 1;
			wrap(b, dsnx_buf_str(&item), 6, x->width);
			dsnx_buf_free(&item);
		}
	}
	for (k = 0; k < g->reference_count; k++) {
		if (k == 0) {
			put(b, "    ");
			put(b, x->label[XP_LABEL_REFERENCES]);
			put(b, ":\n");
		}
		put(b, "      ");
		put(b, g->references[k]);
		dsnx_buf_putc(b, '\n');
	}
}

dsnx_status
dsnx_render_text(const dsnx_explanation *x, dsnx_buf *b)
{
	unsigned i;

	if (x->message != NULL) {
		wrap(b, x->message, 0, x->width);
		dsnx_buf_putc(b, '\n');
	}
	for (i = 0; i < x->group_count; i++) {
		if (i > 0)
			dsnx_buf_append(b, "\n\n", 2);
		group(x, b, &x->groups[i]);
	}
	dsnx_buf_putc(b, '\n');
	put(b, x->label[XP_SECTION_ADMIN]);
	dsnx_buf_putc(b, '\n');
	for (i = 0; i < x->group_count; i++)
		admin(x, b, &x->groups[i]);
	put(b, "\n-- \n");
	wrap(b, x->label[XP_FOOTER], 0, x->width);
	return b->overflow || b->data == NULL ? DSNX_ENOMEM : DSNX_OK;
}
