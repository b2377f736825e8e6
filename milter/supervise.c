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
 * young; a worker that fails before its first start is fatal.
 */
#include "supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "worker.h"

static int
write_pid_file(const char *path)
{
	char tmp[4096 + 8], text[32];
	FILE *fp;
	long other;
	int fd, n;

	if ((fp = fopen(path, "r")) != NULL) {
		if (fscanf(fp, "%ld", &other) == 1 && other > 1
		    && other != (long)getpid() && kill((pid_t)other, 0) == 0) {
			fclose(fp);
			milter_log(LOG_ERR, "%s: process %ld is running; not "
			    "starting a second milter", path, other);
			return -1;
		}
		fclose(fp);
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	n = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0
	    || write(fd, text, (size_t)n) != n || close(fd) != 0
	    || rename(tmp, path) != 0) {
		milter_log(LOG_ERR, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			unlink(tmp);
		return -1;
	}
	return 0;
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

static pid_t
start_worker(milter_state *good, const milter_sources *src, int ready_fd,
    int detach, pid_t parent)
{
	sigset_t blocked;
	pid_t pid = fork();

	if (pid != 0)
		return pid;
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
supervise(milter_state *good, const milter_sources *src, int ready_fd,
    int detach)
{
	const char *pid_file = good->settings.pid_file;
	char pid_path[4096], how[64];
	sigset_t set;
	siginfo_t info;
	struct timespec wait_for;
	pid_t worker, parent = getpid();
	time_t started, restart_at = 0;
	int sig, status, stopping = 0, backoff = 0, first = 1, rc = 0;
	time_t stop_deadline = 0;

	pid_path[0] = '\0';
	if (pid_file != NULL) {
		snprintf(pid_path, sizeof(pid_path), "%s", pid_file);
		if (write_pid_file(pid_path) != 0) {
			milter_state_unref(good);
			return 1;
		}
	}
	admin_signals(&set, 1);
	sigprocmask(SIG_BLOCK, &set, NULL);

	worker = start_worker(good, src, ready_fd, detach, parent);
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
			}
			if (worker == 0 && !stopping && restart_at != 0
			    && time(NULL) >= restart_at) {
				worker = start_worker(good, src, -1, detach, parent);
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
	if (pid_path[0] != '\0')
		unlink(pid_path);
	milter_state_unref(good);
	return rc;
}
