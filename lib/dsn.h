/*
 * dsn.h - RFC 3464 / RFC 6533 delivery-status fields
 *
 * Reads the text of a message/delivery-status or
 * message/global-delivery-status part into per-message fields and one
 * recipient record per recipient block.  Knows nothing of MIME.
 */
#ifndef DSNX_DSN_H
#define DSNX_DSN_H

#include <stddef.h>
#include "report.h"

/* Parses len bytes of delivery-status text (already transfer-decoded,
 * UTF-8) into report.  Returns the number of recipient blocks read, or -1
 * when memory ran out. */
int dsnx_dsn_parse(dsnx_report *report, const char *text, size_t len);

#endif
