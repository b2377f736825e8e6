/*
 * transcript.h - where one recipient's evidence stands in a Sendmail-style
 * SMTP session transcript
 *
 * A transcript mixes several recipients and hosts:
 *
 *	While talking to mx.example.edu:
 *	>>> MAIL From:<ann@example.jp>
 *	<<< 550 Insecure Mail Relay
 *	554 <bob@example.edu>... Remote protocol error
 *	421 example.org (smtp)... Deferred: Connection timed out ...
 *
 * Bob's line says only that the dialogue broke off; the reason is the
 * server's reply above it.  The line below is about another host.  These
 * functions find both edges; they read text[0, end) by length, allocate
 * nothing and keep no state.
 */
#ifndef DSNX_TRANSCRIPT_H
#define DSNX_TRANSCRIPT_H

#include <stddef.h>

/*
 * The end of the recipient addr's evidence that starts at from and may
 * run to to, when from's line is a transcript line (a status line or a
 * ">>> command"): the start of the first later line that opens another
 * session ("While talking to host:") or is a status line ("[code] who...
 * text") about someone else than addr.  to when there is none, or when
 * from's line is not part of a transcript (a list of addresses above
 * it: the transcript below still concerns it).
 */
size_t dsnx_transcript_stretch_end(const char *text, size_t from, size_t to,
    const char *addr);

/*
 * When the line that starts at line (and ends before end) is addr's own
 * status line: the server replies ("<<< ...") standing directly above
 * it, not above floor, unless they answer another recipient's ">>> RCPT
 * To:".  The start of the first of them; line when there is none or the
 * line is not addr's status line.  At most four lines.
 */
size_t dsnx_transcript_replies_above(const char *text, size_t floor,
    size_t line, size_t end, const char *addr);

#endif
