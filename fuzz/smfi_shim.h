/*
 * smfi_shim.h - the libmilter calls milter/mlfi.c makes, without libmilter
 *
 * fuzz_mlfi drives mlfi.c's callbacks directly with a fake SMFICTX; this
 * shim stands in for the smfi_* functions they call (private data, a
 * macro, the header and body edits) and for milter_log(), and checks
 * each call as libmilter and the MTA would have it: edits only at end
 * of message and only those negotiated, header values one line, body
 * chunks within the protocol's size, log lines without control
 * characters.
 */
#ifndef FUZZ_SMFI_SHIM_H
#define FUZZ_SMFI_SHIM_H

#include <stddef.h>

#include <libmilter/mfapi.h>

struct smfi_str {
	void *priv;
	const char *queue_id;     /* macro "i", or NULL */
	unsigned long actions;    /* granted at negotiation */
	int in_eom;               /* edits are allowed only now */
	unsigned fail;            /* bit 0 addheader, 1 chgheader, 2 body: fail */
	unsigned added, changed;
	size_t body_bytes;
};

#endif
