/*
 * log - one line per event, to syslog or to standard error
 *
 * The milter's only output channel.  Lines are written whole (one
 * write per line), so threads never interleave inside a line.  Text
 * from a message (a queue id, a reason) is passed through as it is:
 * callers log only values we produced or checked.
 */
#ifndef MILTER_LOG_H
#define MILTER_LOG_H

#include <syslog.h>

/* use_syslog 0: standard error, each line prefixed "dsnexplain-milter[PID]: ". */
void milter_log_open(int use_syslog, int facility);
void milter_log(int priority, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* MILTER_LOG_H */
