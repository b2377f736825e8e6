/*
 * NAME
 *	buf - growable byte buffer with a hard cap
 * DESCRIPTION
 *	Storage grows geometrically.  The cap ('limit') bounds the memory a
 *	hostile input can make us spend on one decoded value.
 * LIMITS
 *	len never exceeds limit; data[len] is always NUL once allocated.
 * DIAGNOSTICS
 *	DSNX_ENOMEM when allocation fails (the buffer is unchanged);
 *	DSNX_ELIMIT when data was cut at the cap (the prefix is kept).
 *	Either way 'overflow' is set, so a writer that ignores each result
 *	can check once at the end whether the content is complete.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

static const char empty_string[1] = "";

void
dsnx_buf_init(dsnx_buf *buf, size_t limit)
{
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
	buf->limit = limit ? limit : SIZE_MAX / 2;
	buf->overflow = 0;
}

void
dsnx_buf_free(dsnx_buf *buf)
{
	free(buf->data);
	dsnx_buf_init(buf, buf->limit);
}

void
dsnx_buf_reset(dsnx_buf *buf)
{
	buf->len = 0;
	buf->overflow = 0;
	if (buf->data != NULL)
		buf->data[0] = '\0';
}

dsnx_status
dsnx_buf_reserve(dsnx_buf *buf, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > buf->limit - buf->len)
		extra = buf->limit - buf->len;
	need = buf->len + extra + 1;
	if (need <= buf->cap)
		return DSNX_OK;
	cap = buf->cap ? buf->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 4 ? need : cap * 2;
	p = realloc(buf->data, cap);
	if (p == NULL)
		return DSNX_ENOMEM;
	buf->data = p;
	buf->cap = cap;
	return DSNX_OK;
}

dsnx_status
dsnx_buf_append(dsnx_buf *buf, const void *data, size_t len)
{
	size_t room, take;
	dsnx_status st;

	/* The common case, a small append that fits: no growth, no cap. */
	if (buf->data != NULL && len < buf->cap - buf->len
	    && len <= buf->limit - buf->len) {
		memcpy(buf->data + buf->len, data, len);
		buf->len += len;
		buf->data[buf->len] = '\0';
		return DSNX_OK;
	}
	room = buf->limit - buf->len;
	take = len < room ? len : room;
	if ((st = dsnx_buf_reserve(buf, take)) != DSNX_OK) {
		buf->overflow = 1;	/* the content is incomplete */
		return st;
	}
	if (buf->data == NULL)	/* nothing to append, nothing allocated */
		return take < len ? (buf->overflow = 1, DSNX_ELIMIT) : DSNX_OK;
	if (take > 0)
		memcpy(buf->data + buf->len, data, take);
	buf->len += take;
	buf->data[buf->len] = '\0';
	if (take < len) {
		buf->overflow = 1;
		return DSNX_ELIMIT;
	}
	return DSNX_OK;
}

dsnx_status
dsnx_buf_putc(dsnx_buf *buf, int c)
{
	char ch = (char)c;

	if (buf->len + 1 < buf->cap && buf->len < buf->limit) {
		buf->data[buf->len++] = ch;
		buf->data[buf->len] = '\0';
		return DSNX_OK;
	}
	return dsnx_buf_append(buf, &ch, 1);
}

const char *
dsnx_buf_str(const dsnx_buf *buf)
{
	return buf->data != NULL ? buf->data : empty_string;
}
