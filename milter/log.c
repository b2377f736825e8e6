/*
 * log - one line per event, to syslog or to standard error
 *
 * The destination is process state set once at start and again after a
 * reload (the worker may switch between syslog and standard error);
 * a mutex guards the switch, not the writes.
 */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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
	char line[2048];
	va_list ap;
	int n, k, use_syslog;

	pthread_mutex_lock(&log_lock);
	use_syslog = log_syslog;
	pthread_mutex_unlock(&log_lock);
	va_start(ap, fmt);
	if (use_syslog) {
		vsyslog(priority, fmt, ap);
		va_end(ap);
		return;
	}
	n = snprintf(line, sizeof(line), "dsnexplain-milter[%ld]: ",
	    (long)getpid());
	k = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (k < 0)
		return;
	n += k;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, (size_t)n);
}
