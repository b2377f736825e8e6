/*
 * dsn.h - RFC 3464 / RFC 6533 delivery-status fields
 *
 * Reads the text of a message/delivery-status or
 * message/global-delivery-status part into per-message fields and one
 * recipient record per recipient block, and reads single recipient
 * fields for nonstd.c, which finds them printed in prose.  Knows nothing
 * of MIME.
 */
#ifndef DSNX_DSN_H
#define DSNX_DSN_H

#include <stddef.h>
#include "report.h"

/* Parses len bytes of delivery-status text (already transfer-decoded,
 * UTF-8) into report.  Returns the number of recipient blocks read, or -1
 * when memory ran out. */
int dsnx_dsn_parse(dsnx_report *report, const char *text, size_t len);

/*
 * Reads one recipient field called name (value unfolded, UTF-8) into
 * rcpt, as the recipient groups of a report are read: the one reader of
 * each RFC 3464 recipient field.  Extension fields are not kept.
 * Returns 0, 1 when name is no RFC 3464 recipient field, -1 when memory
 * ran out.
 */
int dsnx_dsn_recipient_field(dsnx_report *report, dsnx_recipient *rcpt,
    const char *name, const char *value, size_t len);

#endif
