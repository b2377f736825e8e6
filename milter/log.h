/*
 * log - one line per event, to syslog or to standard error
 *
 * The milter's only output channel.  Lines are written whole (one
 * write per line), so threads never interleave inside a line.  Control
 * characters and invalid UTF-8 in a line are written as \xHH (see
 * log.c), whatever their source: a rule file's text, a message's queue
 * id or a path.
 */
#ifndef MILTER_LOG_H
#define MILTER_LOG_H

#include <syslog.h>

/* use_syslog 0: standard error, each line prefixed "dsnexplain-milter[PID]: ". */
void milter_log_open(int use_syslog, int facility);
void milter_log(int priority, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* MILTER_LOG_H */
