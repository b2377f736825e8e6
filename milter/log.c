/*
 * log - one line per event, to syslog or to standard error
 *
 * The destination is process state set once at start and again after a
 * reload (the worker may switch between syslog and standard error);
 * a mutex guards the switch, not the writes.
 *
 * Every line is formatted first and then escaped (dsnx_text_escape()):
 * a control character or an invalid UTF-8 byte from a rule file, a
 * message or a path is written as \xHH, so no value can end a line,
 * forge the next one or reach a terminal as a command.
 */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dsnexplain.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int log_syslog;

void
milter_log_open(int use_syslog, int facility)
{
	pthread_mutex_lock(&log_lock);
	if (log_syslog)
		closelog();
	log_syslog = use_syslog;
	if (use_syslog)
		openlog("dsnexplain-milter", LOG_PID | LOG_NDELAY, facility);
	pthread_mutex_unlock(&log_lock);
}

void
milter_log(int priority, const char *fmt, ...)
{
	char text[2048], line[2048];
	va_list ap;
	int n, k, use_syslog;

	pthread_mutex_lock(&log_lock);
	use_syslog = log_syslog;
	pthread_mutex_unlock(&log_lock);
	va_start(ap, fmt);
	k = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (k < 0)
		return;
	if ((size_t)k >= sizeof(text))
		k = (int)sizeof(text) - 1;
	if (use_syslog) {
		(void)dsnx_text_escape(line, sizeof(line), text, (size_t)k);
		syslog(priority, "%s", line);
		return;
	}
	n = snprintf(line, sizeof(line), "dsnexplain-milter[%ld]: ",
	    (long)getpid());
	n += (int)dsnx_text_escape(line + n, sizeof(line) - (size_t)n - 1, text,
	    (size_t)k);
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, (size_t)n);
}
