/*
 * mlfi - the libmilter callbacks: collect DSNs, rewrite them at the end
 *
 * Decides per transaction as early as the protocol allows, collects a
 * candidate's header and body up to MaximumSize, and at end of message
 * hands the bytes to dsnx_rewrite_message() (the call behind
 * "dsnexplain rewrite") and applies its edits.  Every failure lets the
 * message pass unchanged.  Does not open sockets or handle signals.
 */
#ifndef MILTER_MLFI_H
#define MILTER_MLFI_H

#include <libmilter/mfapi.h>

/* The callback table for smfi_register(). */
extern struct smfiDesc milter_desc;

/* Messages between MAIL FROM and their end, for a draining shutdown. */
unsigned milter_inflight(void);
/* From now on every new transaction is accepted untouched. */
void milter_drain(void);

#endif /* MILTER_MLFI_H */
