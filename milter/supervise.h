/*
 * supervise - the parent process: signals, pid file, worker restarts
 *
 * The supervisor owns the pid file and the signals an administrator
 * sends.  It keeps the last good settings and rules, forks the worker
 * with them, turns SIGHUP into a reload (SIGUSR1 to the worker) and
 * SIGTERM/SIGINT into a draining stop (SIGUSR2), and restarts a worker
 * that dies.  It never touches mail.
 */
#ifndef MILTER_SUPERVISE_H
#define MILTER_SUPERVISE_H

#include "state.h"

/* Runs until stopped; returns the process exit status.  Takes over the
 * reference to st.  ready_fd as for worker_run(). */
int supervise(milter_state *st, const milter_sources *src, int ready_fd,
    int detach);

#endif /* MILTER_SUPERVISE_H */
