/*
 * supervise - the parent process: signals, pid file, worker restarts
 *
 * Why two processes: libmilter starts a thread that sigwait()s for
 * SIGHUP, SIGTERM and SIGINT and stops the milter on any of them, and
 * with the worker pool a stop freezes sessions mid-message.  Nothing in
 * the API turns that off.  So the process an administrator signals is
 * this one, which speaks no milter protocol, and the worker only ever
 * gets SIGUSR1 (reload) and SIGUSR2 (drain and stop) from it.
 *
 * Restarts back off from 1 s to 30 s while the worker keeps dying
 * young; a worker that fails before its first start is fatal.  The
 * supervisor runs with the service user's ids (main.c drops them before
 * it gets here) and keeps the listening socket open across restarts, so
 * neither a reload (SIGHUP: the settings and every rule file read
 * again) nor a restart happens as root.  While no worker runs, the MTA's
 * connections wait in the socket's backlog instead of being refused.
 */
#include "supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "worker.h"

/*
 * The pid file.  Written by the process that starts (root, if started as
 * root) in a directory others may be able to write: nothing is opened
 * through a name we did not just create (O_CREAT|O_EXCL|O_NOFOLLOW on a
 * temporary name of our own, then rename() over the final name, which
 * replaces a planted link instead of following it).  The descriptor
 * stays open with an flock() on it for the supervisor's lifetime; that
 * lock, not "some process has that number", is what makes a pid file
 * live, so a stale one naming a recycled pid does not stop a start.
 */
static int
pid_file_holder(const char *path, long *pid)
{
	char text[32];
	ssize_t n;
	int fd, live;

	*pid = 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return errno == ELOOP ? -1 : 0;
	n = read(fd, text, sizeof(text) - 1);
	if (n > 0) {
		text[n] = '\0';
		*pid = strtol(text, NULL, 10);
	}
	live = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
	close(fd);
	return live;
}

int
milter_pidfile_create(milter_pidfile *pf, const char *path)
{
	char tmp[sizeof(pf->path) + 48], text[32];
	struct stat mine, there;
	long other;
	int fd = -1, n, i, held;

	pf->fd = -1;
	if (snprintf(pf->path, sizeof(pf->path), "%s", path)
	    >= (int)sizeof(pf->path)) {
		milter_log(LOG_ERR, "PidFile: path too long");
		return -1;
	}
	held = pid_file_holder(path, &other);
	if (held > 0) {
		milter_log(LOG_ERR, "%s: a milter is running (pid %ld holds the "
		    "lock on it); not starting a second one", path, other);
		return -1;
	}
	if (held < 0)
		milter_log(LOG_WARNING, "%s is a symbolic link; replacing the "
		    "link, not what it points to", path);
	else if (other > 0)
		milter_log(LOG_INFO, "%s: stale (pid %ld holds no lock on it); "
		    "replacing it", path, other);
	for (i = 0; i < 100 && fd < 0; i++) {
		snprintf(tmp, sizeof(tmp), "%s.%ld.%d.tmp", path, (long)getpid(), i);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    0644);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	n = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0
	    || write(fd, text, (size_t)n) != n || fstat(fd, &mine) != 0
	    || rename(tmp, path) != 0) {
		milter_log(LOG_ERR, "%s: %s", fd < 0 ? tmp : path, strerror(errno));
		if (fd >= 0) {
			unlink(tmp);
			close(fd);
		}
		return -1;
	}
	/* Two starts at once: the later rename wins, the earlier one leaves. */
	if (lstat(path, &there) != 0 || there.st_dev != mine.st_dev
	    || there.st_ino != mine.st_ino) {
		milter_log(LOG_ERR, "%s: taken by another milter starting at the "
		    "same time", path);
		close(fd);
		return -1;
	}
	pf->fd = fd;
	pf->dev = mine.st_dev;
	pf->ino = mine.st_ino;
	return 0;
}

void
milter_pidfile_remove(milter_pidfile *pf)
{
	struct stat sb;

	if (pf == NULL || pf->fd < 0)
		return;
	/* Only our own file; after the drop a directory root owns keeps it,
	 * harmless: without our lock it is stale. */
	if (lstat(pf->path, &sb) == 0 && sb.st_dev == pf->dev
	    && sb.st_ino == pf->ino)
		(void)unlink(pf->path);
	close(pf->fd);
	pf->fd = -1;
}

/* The worker reloads too and logs every problem; saying them twice
 * would only confuse. */
static void
ignore_problem(const char *text, void *arg)
{
	(void)text;
	(void)arg;
}

/* The signals the supervisor waits for; the worker starts with them
 * blocked (libmilter and its control thread wait for their own). */
static void
admin_signals(sigset_t *set, int with_child)
{
	sigemptyset(set);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGUSR2);
	if (with_child)
		sigaddset(set, SIGCHLD);
}

void
milter_hold_admin_signals(void)
{
	sigset_t set;

	admin_signals(&set, 0);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

static pid_t
start_worker(milter_state *good, const milter_sources *src, int ready_fd,
    int detach, pid_t parent, const milter_pidfile *pf)
{
	sigset_t blocked;
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	/* The lock means "the supervisor lives"; the worker holds no copy. */
	if (pf != NULL && pf->fd >= 0)
		close(pf->fd);
	/* A supervisor killed with SIGKILL must not leave us serving. */
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(0);
	/* Out of the terminal's process group: a ^C reaches the supervisor,
	 * which drains us, rather than libmilter, which would not. */
	(void)setpgid(0, 0);
	admin_signals(&blocked, 0);
	pthread_sigmask(SIG_SETMASK, &blocked, NULL);
	worker_run(milter_state_ref(good), src, ready_fd, detach);
}

static void
describe(int status, char *out, size_t size)
{
	if (WIFEXITED(status))
		snprintf(out, size, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(out, size, "was killed by signal %d", WTERMSIG(status));
	else
		snprintf(out, size, "ended (status 0x%x)", status);
}

int
supervise(milter_state *good, const milter_sources *src,
    milter_pidfile *pf, int ready_fd, int detach)
{
	char how[64];
	sigset_t set;
	siginfo_t info;
	struct timespec wait_for;
	pid_t worker, parent = getpid();
	time_t started, restart_at = 0;
	int sig, status, stopping = 0, backoff = 0, first = 1, rc = 0;
	time_t stop_deadline = 0;

	admin_signals(&set, 1);
	sigprocmask(SIG_BLOCK, &set, NULL);

	worker = start_worker(good, src, ready_fd, detach, parent, pf);
	started = time(NULL);
	if (ready_fd >= 0)
		close(ready_fd);	/* the waiter sees EOF if the worker dies */
	if (worker < 0) {
		milter_log(LOG_ERR, "fork: %s", strerror(errno));
		rc = 1;
		goto out;
	}
	if (detach)
		worker_detach_stdio();

	for (;;) {
		wait_for.tv_sec = 1;
		wait_for.tv_nsec = 0;
		sig = sigtimedwait(&set, &info, &wait_for);
		if (sig < 0) {
			if (stopping && worker > 0 && time(NULL) > stop_deadline) {
				milter_log(LOG_ERR, "the worker did not stop in time; "
				    "killing it");
				kill(worker, SIGKILL);
			} else if (stopping && worker > 0) {
				/* Again each second: a worker that is draining
				 * already leaves it pending; one that had not
				 * yet begun to wait for it cannot miss it. */
				kill(worker, SIGUSR2);
			}
			if (worker == 0 && !stopping && restart_at != 0
			    && time(NULL) >= restart_at) {
				worker = start_worker(good, src, -1, detach, parent, pf);
				if (worker < 0) {
					milter_log(LOG_ERR, "fork: %s", strerror(errno));
					worker = 0;
					restart_at = time(NULL) + backoff;
				} else {
					started = time(NULL);
					restart_at = 0;
				}
			}
			continue;
		}
		if (sig == SIGHUP) {
			milter_state *st = milter_state_load(src, ignore_problem, NULL);

			/* The worker reloads itself and logs the outcome; our
			 * copy only seeds the next restart. */
			if (st != NULL) {
				milter_state_unref(good);
				good = st;
			}
			if (worker > 0)
				kill(worker, SIGUSR1);
		} else if (sig == SIGTERM || sig == SIGINT) {
			stopping = 1;
			stop_deadline = time(NULL) + good->settings.shutdown_timeout + 10;
			if (worker > 0)
				kill(worker, SIGUSR2);
			else
				break;
		} else if (sig == SIGCHLD) {
			pid_t pid;

			while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
				if (pid != worker)
					continue;
				worker = 0;
				if (stopping)
					goto out;
				describe(status, how, sizeof(how));
				if (first && WIFEXITED(status)
				    && WEXITSTATUS(status) == WORKER_EXIT_STARTUP) {
					milter_log(LOG_ERR, "the worker could not start; "
					    "giving up");
					rc = 1;
					goto out;
				}
				/* We hold no privilege to make a new socket, and
				 * a restart must not be a new try at one. */
				if (WIFEXITED(status)
				    && WEXITSTATUS(status) == WORKER_EXIT_LISTENER) {
					milter_log(LOG_ERR, "the worker lost the listening "
					    "socket; stopping (start the milter again)");
					rc = 1;
					goto out;
				}
				if (!good->settings.auto_restart) {
					milter_log(LOG_ERR, "the worker %s; AutoRestart "
					    "is off", how);
					rc = 1;
					goto out;
				}
				backoff = time(NULL) - started > 60 || backoff == 0
				    ? 1 : backoff * 2 > 30 ? 30 : backoff * 2;
				milter_log(LOG_WARNING, "the worker %s; restarting "
				    "in %d s", how, backoff);
				restart_at = time(NULL) + backoff;
			}
			first = 0;
		}
	}
out:
	if (worker > 0) {
		kill(worker, SIGTERM);
		waitpid(worker, &status, 0);
	}
	milter_pidfile_remove(pf);
	milter_state_unref(good);
	return rc;
}
