/*
 * supervise - the parent process: signals, pid file, worker restarts
 *
 * The supervisor owns the pid file, the listening socket (opened before
 * it starts, see worker.h) and the signals an administrator sends.  It keeps the last good settings and rules, forks the worker
 * with them, turns SIGHUP into a reload (SIGUSR1 to the worker) and
 * SIGTERM/SIGINT into a draining stop (SIGUSR2), and restarts a worker
 * that dies.  It never touches mail.
 */
#ifndef MILTER_SUPERVISE_H
#define MILTER_SUPERVISE_H

#include "state.h"

#include <sys/types.h>

/* A pid file we wrote and hold locked (fd -1: none). */
typedef struct milter_pidfile {
	int fd;
	dev_t dev;
	ino_t ino;
	char path[4096];
} milter_pidfile;

/* Writes the pid file at path (supervise.c says how); 0, or -1 logged
 * (another milter holds it, or it cannot be written). */
int milter_pidfile_create(milter_pidfile *pf, const char *path);
/* Removes it if it is still ours, and lets the lock go. */
void milter_pidfile_remove(milter_pidfile *pf);

/* Blocks SIGHUP, SIGTERM, SIGINT, SIGUSR1 and SIGUSR2 from here on.
 * Called before the rules are read: that takes seconds on a loaded host,
 * and a reload or stop sent meanwhile must wait for supervise() instead
 * of ending the process by the signal's default action. */
void milter_hold_admin_signals(void);

/* Runs until stopped; returns the process exit status.  Takes over the
 * reference to st, and pf (may be NULL), removed at the end.  ready_fd
 * as for worker_run(). */
int supervise(milter_state *st, const milter_sources *src,
    milter_pidfile *pf, int ready_fd, int detach);

#endif /* MILTER_SUPERVISE_H */
