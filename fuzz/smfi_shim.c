/*
 * smfi_shim - the libmilter calls milter/mlfi.c makes, without libmilter
 *
 * Each call is checked against what libmilter permits (smfi_addheader
 * and the others only from xxfi_eom, and only with the action granted
 * at negotiation) and against what the MTA must never get from us: a
 * header name that is no field name, a value with a line end in it
 * (header injection), a body chunk outside 1..65535 bytes.  A failure
 * is simulated when the driver asks, so the error paths run too.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "guard.h"
#include "log.h"
#include "smfi_shim.h"

void *
smfi_getpriv(SMFICTX *ctx)
{
	return ctx->priv;
}

int
smfi_setpriv(SMFICTX *ctx, void *priv)
{
	ctx->priv = priv;
	return MI_SUCCESS;
}

char *
smfi_getsymval(SMFICTX *ctx, char *name)
{
	return strcmp(name, "i") == 0 ? (char *)ctx->queue_id : NULL;
}

static void
check_header(const char *what, const char *name, const char *value)
{
	size_t i;

	FUZZ_CHECK(name != NULL && name[0] != '\0', "%s: no name", what);
	for (i = 0; name[i] != '\0'; i++)
		FUZZ_CHECK(name[i] > 32 && name[i] < 127 && name[i] != ':',
		    "%s: byte 0x%02x in the name", what, (unsigned char)name[i]);
	FUZZ_CHECK(value != NULL, "%s %s: no value", what, name);
	FUZZ_CHECK(strpbrk(value, "\r\n") == NULL,
	    "%s %s: a line end in the value \"%.80s\"", what, name, value);
}

int
smfi_addheader(SMFICTX *ctx, char *name, char *value)
{
	FUZZ_CHECK(ctx->in_eom, "smfi_addheader outside xxfi_eom");
	FUZZ_CHECK(ctx->actions & SMFIF_ADDHDRS, "SMFIF_ADDHDRS not granted");
	check_header("smfi_addheader", name, value);
	if (ctx->fail & 1)
		return MI_FAILURE;
	ctx->added++;
	return MI_SUCCESS;
}

int
smfi_chgheader(SMFICTX *ctx, char *name, int index, char *value)
{
	FUZZ_CHECK(ctx->in_eom, "smfi_chgheader outside xxfi_eom");
	FUZZ_CHECK(ctx->actions & SMFIF_CHGHDRS, "SMFIF_CHGHDRS not granted");
	FUZZ_CHECK(index >= 1, "smfi_chgheader index %d", index);
	check_header("smfi_chgheader", name, value);
	if (ctx->fail & 2)
		return MI_FAILURE;
	ctx->changed++;
	return MI_SUCCESS;
}

static volatile unsigned char body_sink;

int
smfi_replacebody(SMFICTX *ctx, unsigned char *body, int len)
{
	int i;

	FUZZ_CHECK(ctx->in_eom, "smfi_replacebody outside xxfi_eom");
	FUZZ_CHECK(ctx->actions & SMFIF_CHGBODY, "SMFIF_CHGBODY not granted");
	FUZZ_CHECK(body != NULL && len > 0 && len <= 65535,
	    "smfi_replacebody of %d bytes", len);
	for (i = 0; i < len; i++)	/* the sanitizers see every byte */
		body_sink ^= body[i];
	if (ctx->fail & 4)
		return MI_FAILURE;
	ctx->body_bytes += (size_t)len;
	return MI_SUCCESS;
}

void
milter_log(int priority, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	size_t i;

	(void)priority;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	for (i = 0; line[i] != '\0'; i++)
		FUZZ_CHECK((unsigned char)line[i] >= 32 && line[i] != 127,
		    "byte 0x%02x in the log line \"%.120s\"",
		    (unsigned char)line[i], line);
	if (getenv("DSNX_FUZZ_LOG") != NULL)
		fprintf(stderr, "log: %s\n", line);
}

/*
 * milter/guard.c is left out: it defines accept() and read() for the
 * whole program, which would catch libFuzzer's own reads.  Without the
 * watchdog no connection is tracked (slot -1) and none is ever late,
 * which is what guard.c itself does for a connection it cannot track.
 */
int
guard_claim(const void *owner)
{
	(void)owner;
	return -1;
}

void
guard_progress(int slot, const void *owner)
{
	(void)slot;
	(void)owner;
}

void
guard_content(int slot, const void *owner, int started)
{
	(void)slot;
	(void)owner;
	(void)started;
}

int
guard_content_late(int slot, const void *owner)
{
	(void)slot;
	(void)owner;
	return 0;
}

void
guard_release(int slot, const void *owner)
{
	(void)slot;
	(void)owner;
}

void
guard_release_unclaimed(void)
{
}
