/*
 * guard - limits on the worker's MTA connections that libmilter lacks
 *
 * A cap on open connections kept below the descriptor limit, and
 * MilterTimeout as a deadline per connection (a complete command at
 * least every MilterTimeout) and per message (its content, from the
 * first header to the end, within MilterTimeout).  A connection past
 * either is shut down under libmilter, which then ends the session as
 * if the MTA had hung up.  Does not parse the milter protocol, touch
 * messages or open the listening socket.
 */
#ifndef MILTER_GUARD_H
#define MILTER_GUARD_H

#include "settings.h"

/* Once, before smfi_main(): sizes the table from RLIMIT_NOFILE, logs
 * the connection limit in force and starts the watchdog thread.
 * Returns 0, or -1 (logged). */
int guard_start(const milter_settings *s);

/*
 * From the callbacks.  A connection is known by the slot that
 * guard_claim() returned in its first callback (xxfi_negotiate), and
 * owner is the callbacks' own per-connection pointer, so that a slot
 * reused by a later connection is never taken for this one.  Every
 * function accepts slot -1 (not tracked) and then does nothing.
 */
int guard_claim(const void *owner);
/* A command arrived: the idle deadline starts again. */
void guard_progress(int slot, const void *owner);
/* The message's content starts (first call counts) or ends. */
void guard_content(int slot, const void *owner, int started);
/* Non-zero once the content has taken longer than MilterTimeout. */
int guard_content_late(int slot, const void *owner);
/* The connection ends (xxfi_close). */
void guard_release(int slot, const void *owner);
/* xxfi_close of a connection that never reached a callback of ours:
 * releases what this thread last read end of file from, if unclaimed. */
void guard_release_unclaimed(void);

#endif /* MILTER_GUARD_H */
