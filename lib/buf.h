/*
 * buf.h - growable byte buffer with a hard cap
 *
 * A dsnx_buf holds bytes plus a terminating NUL that is not counted in
 * len.  Appending beyond the cap keeps what fits, sets 'overflow' and
 * returns DSNX_ELIMIT, so that a caller decoding hostile input gets a
 * bounded, still usable prefix.  Not thread-safe; no global state.
 */
#ifndef DSNX_BUF_H
#define DSNX_BUF_H

#include <stddef.h>
#include "dsnexplain.h"

typedef struct dsnx_buf {
	char *data;       /* NUL-terminated when not NULL */
	size_t len;
	size_t cap;       /* allocated bytes, including room for the NUL */
	size_t limit;     /* most bytes len may reach; 0 means SIZE_MAX/2 */
	int overflow;     /* set once an append was cut short (cap or ENOMEM) */
} dsnx_buf;

void dsnx_buf_init(dsnx_buf *buf, size_t limit);
void dsnx_buf_free(dsnx_buf *buf);
void dsnx_buf_reset(dsnx_buf *buf);   /* len = 0; keeps memory */
dsnx_status dsnx_buf_append(dsnx_buf *buf, const void *data, size_t len);
dsnx_status dsnx_buf_putc(dsnx_buf *buf, int c);
dsnx_status dsnx_buf_reserve(dsnx_buf *buf, size_t extra);
/* Always a valid string, "" for an empty buffer. */
const char *dsnx_buf_str(const dsnx_buf *buf);

#endif
