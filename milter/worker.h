/*
 * worker - the process that speaks the milter protocol
 *
 * Runs libmilter on the socket the supervisor opened (see the start-up
 * steps below), reports readiness, and serves until told to stop.  SIGUSR1 reloads the settings and rules
 * (keeping the last good set on any problem); SIGUSR2 drains: new
 * transactions pass untouched, messages in flight finish, then the
 * worker exits.  The supervisor turns SIGHUP and SIGTERM into these,
 * because libmilter's own signal thread stops the milter on either.
 */
#ifndef MILTER_WORKER_H
#define MILTER_WORKER_H

#include "state.h"

/* Exit status of a worker that could not start: */
#define WORKER_EXIT_STARTUP 3
/* ... and of one whose libmilter gave up the listening socket: */
#define WORKER_EXIT_LISTENER 4

/*
 * The start-up steps, in the supervisor, in this order (worker.c says
 * why): worker_listen_as_root() while still root opens what must be
 * opened as root (an inet socket; a unix socket in a directory root
 * owns) and does nothing when not root; worker_drop_privileges() gives
 * root up for good; worker_listen() opens the socket if the first step
 * did not.  Each returns 0 or -1 after logging why.  Workers forked
 * afterwards inherit the socket.
 */
int worker_listen_as_root(const milter_settings *s);
int worker_drop_privileges(const char *spec);
int worker_listen(const milter_settings *s);

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
