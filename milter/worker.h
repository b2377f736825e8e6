/*
 * worker - the process that speaks the milter protocol
 *
 * Opens the socket, drops privileges, reports readiness, and runs
 * libmilter until told to stop.  SIGUSR1 reloads the settings and rules
 * (keeping the last good set on any problem); SIGUSR2 drains: new
 * transactions pass untouched, messages in flight finish, then the
 * worker exits.  The supervisor turns SIGHUP and SIGTERM into these,
 * because libmilter's own signal thread stops the milter on either.
 */
#ifndef MILTER_WORKER_H
#define MILTER_WORKER_H

#include "state.h"

/* Exit status of a worker that could not start (socket, user): */
#define WORKER_EXIT_STARTUP 3

/* Never returns.  ready_fd (or -1) gets one byte once the socket
 * listens; detach: redirect standard streams to /dev/null after that. */
void worker_run(milter_state *st, const milter_sources *src, int ready_fd,
    int detach) __attribute__((noreturn));

/* Points the standard streams at /dev/null (a daemon's). */
void worker_detach_stdio(void);

/* Checks that user[:group] exists (and can be switched to); 0 or -1
 * with a message in why. */
int worker_check_user(const char *spec, char *why, size_t size);

#endif /* MILTER_WORKER_H */
