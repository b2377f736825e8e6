/*
 * worker - the process that speaks the milter protocol, and the
 * start-up steps that give it a socket and take root away
 *
 * Privileges (the design, and why): the supervisor opens the listening
 * socket once, before any worker exists, and every worker inherits it
 * with libmilter's own state through fork(): smfi_main() uses a socket
 * smfi_opensocket() already opened.  Root, when we are started as root,
 * is needed for nothing but that and the pid file, and is given up
 * for good (initgroups, setgid, setuid, checked) right after, before a
 * rule file is read; no process of the milter runs as root afterwards,
 * and a worker that dies is restarted without the socket being touched
 * again.  This is Postfix's master(8) model, minus the root master:
 * a socket is an object handed down, not a path looked up again.
 *
 * No chmod() or chown() on the socket's path, ever: on Linux fchmod()
 * on a socket descriptor does not reach the file, and a path in a
 * directory the service user owns can be swapped for a link between
 * bind() and chmod() (that race once gave the service user root's
 * files).  Instead the socket is created with its final owner and mode:
 * under a umask derived from SocketMode, by the user who controls its
 * directory.  A directory owned by the service user is written to only
 * as that user, after the drop; a directory owned by root (writable by
 * nobody else) gets the socket from root with the service user's group
 * as the effective group, so the file is root:GROUP with SocketMode.
 * Any other directory, and one whose ancestors others could change, is
 * refused (filetrust.c's rule).  inet sockets are bound as root, so a
 * port below 1024 still works.  Started as an ordinary user (the
 * systemd unit), all of this is that user's business and nothing
 * changes ids.
 *
 * The worker: the control thread starts with SIGUSR1/SIGUSR2 blocked
 * everywhere else, then smfi_main().  A draining stop waits at most
 * ShutdownTimeout for messages in flight before leaving: with Debian's
 * worker-pool libmilter, smfi_stop() would freeze sessions mid-message.
 * If smfi_main() ever returns, libmilter has closed (and unlinked) the
 * socket: the worker exits with WORKER_EXIT_LISTENER and the supervisor
 * stops rather than restart workers on a socket nobody can reach.
 *
 * An inet socket named without a host listens on the loopback address
 * only; one on any other address is logged as a warning.  The limits
 * on MTA connections (guard.c) start just before smfi_main().
 */
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "filetrust.h"
#include "guard.h"
#include "log.h"
#include "mlfi.h"

typedef struct user_ids {
	uid_t uid;
	gid_t gid;
	char name[256];
} user_ids;

static int
lookup_user(const char *spec, user_ids *ids, char *why, size_t size)
{
	char user[256];
	const char *colon = strchr(spec, ':');
	struct passwd *pw;
	struct group *gr;
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);

	if (n == 0 || n >= sizeof(user)) {
		snprintf(why, size, "UserID: bad user \"%s\"", spec);
		return -1;
	}
	memcpy(user, spec, n);
	user[n] = '\0';
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(why, size, "UserID: no user \"%s\"", user);
		return -1;
	}
	ids->uid = pw->pw_uid;
	ids->gid = pw->pw_gid;
	snprintf(ids->name, sizeof(ids->name), "%s", user);
	if (colon != NULL) {
		if ((gr = getgrnam(colon + 1)) == NULL) {
			snprintf(why, size, "UserID: no group \"%s\"", colon + 1);
			return -1;
		}
		ids->gid = gr->gr_gid;
	}
	if (geteuid() != 0 && geteuid() != ids->uid) {
		snprintf(why, size, "UserID: only root can switch to \"%s\"", user);
		return -1;
	}
	return 0;
}

int
worker_check_user(const char *spec, char *why, size_t size)
{
	user_ids ids;

	return lookup_user(spec, &ids, why, size);
}

int
worker_drop_privileges(const char *spec)
{
	user_ids ids;
	char why[300];

	if (lookup_user(spec, &ids, why, sizeof(why)) != 0) {
		milter_log(LOG_ERR, "%s", why);
		return -1;
	}
	if (geteuid() != 0)
		return 0;	/* already that user (checked above) */
	if (initgroups(ids.name, ids.gid) != 0 || setgid(ids.gid) != 0
	    || setuid(ids.uid) != 0) {
		milter_log(LOG_ERR, "cannot become %s: %s", spec, strerror(errno));
		return -1;
	}
	/* For good: a saved set-user-ID of 0 would let us back. */
	if (ids.uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		milter_log(LOG_ERR, "could regain root after becoming %s; "
		    "stopping", spec);
		return -1;
	}
	return 0;
}

/* The file system path of a unix socket spec, or NULL for inet. */
static const char *
unix_path(const char *sock)
{
	if (strncasecmp(sock, "unix:", 5) == 0)
		return sock + 5;
	if (strncasecmp(sock, "local:", 6) == 0)
		return sock + 6;
	return sock[0] == '/' ? sock : NULL;
}

/* A unix socket that accepts connections belongs to a live milter:
 * libmilter would unlink it and steal the name. */
static int
socket_in_use(const char *path)
{
	struct sockaddr_un sun;
	int fd, rc;

	if (strlen(path) >= sizeof(sun.sun_path))
		return 0;
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		return 0;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return rc;
}

/*
 * Turns Nagle off on the listening TCP socket; accepted connections
 * inherit it.  At end of message we write an added header, the body
 * chunks and the final reply as separate small packets: with Nagle the
 * last waits for the MTA's delayed ACK, about 40 ms per DSN.  libmilter
 * keeps its listening descriptor to itself, so find it.
 */
static void
tcp_nodelay_on_listener(void)
{
	struct rlimit rl;
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, max = 1024, yes = 1, listening;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536)
		max = (int)rl.rlim_cur;
	for (fd = 0; fd < max; fd++) {
		len = sizeof(listening);
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0
		    || !listening)
			continue;
		len = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0
		    || (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
			continue;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes)) != 0)
			milter_log(LOG_WARNING, "TCP_NODELAY: %s", strerror(errno));
	}
}

/*
 * The socket spec given to libmilter: "inet:PORT" and "inet6:PORT"
 * name no host, and libmilter would listen on every address; they get
 * the loopback address (said in the log) instead.
 */
static const char *
listen_spec(const char *sock, char *buf, size_t size)
{
	const char *loopback = NULL;

	if (strchr(sock, '@') != NULL)
		return sock;
	if (strncasecmp(sock, "inet:", 5) == 0)
		loopback = "127.0.0.1";
	else if (strncasecmp(sock, "inet6:", 6) == 0)
		loopback = "::1";
	if (loopback == NULL
	    || (size_t)snprintf(buf, size, "%s@[%s]", sock, loopback) >= size)
		return sock;
	milter_log(LOG_INFO, "Socket %s names no host: listening on %s only "
	    "(write PORT@HOST for another address)", sock, loopback);
	return buf;
}

/* A TCP listener on an address other hosts can reach gets a warning:
 * the milter protocol has no authentication. */
static void
warn_unless_loopback(void)
{
	struct rlimit rl;
	struct sockaddr_storage ss;
	char text[INET6_ADDRSTRLEN];
	socklen_t len;
	int fd, max = 1024, listening, local;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536)
		max = (int)rl.rlim_cur;
	for (fd = 0; fd < max; fd++) {
		len = sizeof(listening);
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0
		    || !listening)
			continue;
		len = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
			continue;
		if (ss.ss_family == AF_INET) {
			const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;

			local = (ntohl(a->sin_addr.s_addr) >> 24) == 127;
			inet_ntop(AF_INET, &a->sin_addr, text, sizeof(text));
		} else if (ss.ss_family == AF_INET6) {
			const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;

			local = IN6_IS_ADDR_LOOPBACK(&a->sin6_addr)
			    || (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)
			    && a->sin6_addr.s6_addr[12] == 127);
			inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof(text));
		} else
			continue;
		if (!local)
			milter_log(LOG_WARNING, "listening on %s, not a loopback "
			    "address: every host that reaches it can use the milter "
			    "(the protocol has no authentication); restrict it with a "
			    "firewall or systemd's IPAddressAllow=", text);
	}
}

/* Set by the step that opened the socket, so the other one does not. */
static int listening;

/* smfi_opensocket() under a umask that gives the socket SocketMode;
 * libmilter unlinks a stale socket (not other files) at the path. */
static int
listen_now(const milter_settings *s, const char *path)
{
	char spec[300];
	mode_t old_mask;
	int rc;

	if (path != NULL && socket_in_use(path)) {
		milter_log(LOG_ERR, "socket %s is in use by another process",
		    s->socket);
		return -1;
	}
	if (smfi_setconn((char *)listen_spec(s->socket, spec, sizeof(spec)))
	    != MI_SUCCESS
	    || smfi_settimeout(s->milter_timeout) != MI_SUCCESS
	    || smfi_register(milter_desc) != MI_SUCCESS) {
		milter_log(LOG_ERR, "libmilter refused the socket %s", s->socket);
		return -1;
	}
	old_mask = umask(0777 & ~(mode_t)s->socket_mode);
	rc = smfi_opensocket(1);
	umask(old_mask);
	if (rc != MI_SUCCESS) {
		milter_log(LOG_ERR, "cannot listen on %s (bad address, a missing "
		    "directory or one the milter's user cannot write, or the port "
		    "in use)", s->socket);
		return -1;
	}
	if (path == NULL) {
		tcp_nodelay_on_listener();
		warn_unless_loopback();
	}
	listening = 1;
	return 0;
}

/*
 * Which step creates a unix socket, when started as root: the one as
 * root (1) for a directory root owns, the one after the drop (0) for a
 * directory the service user owns; -1 (logged) for anything else.
 */
static int
unix_socket_as_root(const char *path, const milter_settings *s,
    const user_ids *ids)
{
	char dir[PATH_MAX], why[PATH_MAX + 300];
	const char *slash = strrchr(path, '/');
	struct stat sb;
	int fd;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	fd = dsnx_trust_open(dir, DSNX_TRUST_DIR, ids->uid, why, sizeof(why));
	if (fd < 0 || fstat(fd, &sb) != 0) {
		milter_log(LOG_ERR, "socket %s: %s%s", s->socket, errno == EPERM
		    ? "its directory is not safe for a milter started as root: "
		    : "", why);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return sb.st_uid == 0;
}

int
worker_listen_as_root(const milter_settings *s)
{
	const char *path = unix_path(s->socket);
	user_ids ids = { 0, 0, "root" };
	char why[300];
	int rc, as_root;

	if (geteuid() != 0)
		return 0;	/* all of it is done by worker_listen() */
	if (s->user != NULL && lookup_user(s->user, &ids, why, sizeof(why)) != 0) {
		milter_log(LOG_ERR, "%s", why);
		return -1;
	}
	if (path == NULL)
		return listen_now(s, NULL);
	if ((as_root = unix_socket_as_root(path, s, &ids)) <= 0)
		return as_root;
	/* root's file, the service user's group: no chown afterwards */
	if (ids.gid != 0 && setegid(ids.gid) != 0) {
		milter_log(LOG_ERR, "setegid %lu: %s", (unsigned long)ids.gid,
		    strerror(errno));
		return -1;
	}
	rc = listen_now(s, path);
	if (ids.gid != 0 && setegid(0) != 0) {
		milter_log(LOG_ERR, "setegid 0: %s", strerror(errno));
		return -1;
	}
	return rc;
}

int
worker_listen(const milter_settings *s)
{
	return listening ? 0 : listen_now(s, unix_path(s->socket));
}

typedef struct control {
	const milter_sources *src;
	sigset_t signals;
	const char *unix_socket;  /* removed at the end, or NULL */
} control;

static void
log_problem(const char *text, void *arg)
{
	(void)arg;
	milter_log(LOG_ERR, "%s", text);
}

static void
reload(const milter_sources *src)
{
	milter_state *old = milter_state_current(), *st;
	char when[32];
	struct tm tm;

	st = milter_state_load(src, log_problem, NULL);
	if (st == NULL) {
		localtime_r(&old->loaded_at, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		milter_log(LOG_ERR, "reload failed; keeping the rule set loaded "
		    "at %s", when);
		milter_state_unref(old);
		return;
	}
	if (strcmp(st->settings.socket, old->settings.socket) != 0
	    || (st->settings.user == NULL) != (old->settings.user == NULL)
	    || (st->settings.user && strcmp(st->settings.user, old->settings.user)))
		milter_log(LOG_WARNING, "Socket and UserID changes take effect "
		    "at the next start");
	milter_log_open(st->settings.syslog, st->settings.syslog_facility);
	milter_log(LOG_INFO, "reloaded: %u rules, %u causes",
	    dsnx_ruleset_rule_count(st->rules), dsnx_ruleset_cause_count(st->rules));
	milter_state_unref(old);
	milter_state_install(st);
}

static void drain_and_stop(const char *unix_socket) __attribute__((noreturn));

static void
drain_and_stop(const char *unix_socket)
{
	milter_state *st = milter_state_current();
	int limit = st != NULL ? st->settings.shutdown_timeout : 0;
	struct timespec tick = { 0, 100 * 1000 * 1000 };
	int waited;

	milter_state_unref(st);
	milter_drain();
	milter_log(LOG_INFO, "stopping: %u message%s in flight",
	    milter_inflight(), milter_inflight() == 1 ? "" : "s");
	for (waited = 0; milter_inflight() > 0 && waited < limit * 10; waited++)
		nanosleep(&tick, NULL);
	if (milter_inflight() > 0)
		milter_log(LOG_WARNING, "ShutdownTimeout reached with %u messages "
		    "in flight; the MTA applies its default action to them",
		    milter_inflight());
	/* smfi_stop() would take up to the listener's poll timeout to be
	 * noticed; nothing is left to finish, so leave now.  Idle MTA
	 * connections see the socket close and go on without us. */
	if (unix_socket != NULL)
		(void)unlink(unix_socket);
	milter_log(LOG_INFO, "stopped");
	_exit(0);
}

static void *
control_thread(void *arg)
{
	control *c = arg;
	int sig;

	for (;;) {
		if (sigwait(&c->signals, &sig) != 0)
			continue;
		if (sig == SIGUSR1)
			reload(c->src);
		else if (sig == SIGUSR2)
			drain_and_stop(c->unix_socket);
	}
}

void
worker_detach_stdio(void)
{
	int fd = open("/dev/null", O_RDWR);

	if (fd < 0)
		return;
	(void)dup2(fd, STDIN_FILENO);
	(void)dup2(fd, STDOUT_FILENO);
	(void)dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
}

void
worker_run(milter_state *st, const milter_sources *src, int ready_fd,
    int detach)
{
	static control c;
	pthread_t tid;
	sigset_t unblock;
	const milter_settings *s = &st->settings;

	milter_log_open(s->syslog, s->syslog_facility);
	milter_state_install(st);

	/* USR1/USR2 stay blocked (inherited) in every thread but ours. */
	c.src = src;
	c.unix_socket = unix_path(s->socket);
	sigemptyset(&c.signals);
	sigaddset(&c.signals, SIGUSR1);
	sigaddset(&c.signals, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &c.signals, NULL);
	sigemptyset(&unblock);
	sigaddset(&unblock, SIGCHLD);
	pthread_sigmask(SIG_UNBLOCK, &unblock, NULL);
	if (pthread_create(&tid, NULL, control_thread, &c) != 0) {
		milter_log(LOG_ERR, "cannot start the control thread");
		_exit(WORKER_EXIT_STARTUP);
	}
	pthread_detach(tid);
	if (guard_start(s) != 0)
		_exit(WORKER_EXIT_STARTUP);

	milter_log(LOG_INFO, "started: socket %s, %u rules, %u causes",
	    s->socket, dsnx_ruleset_rule_count(st->rules),
	    dsnx_ruleset_cause_count(st->rules));
	if (ready_fd >= 0) {
		(void)!write(ready_fd, "1", 1);
		close(ready_fd);
	}
	if (detach)
		worker_detach_stdio();
	/* Either way libmilter has closed the socket it shares with the
	 * supervisor's copy (and unlinked a unix one): a new worker would
	 * listen on nothing. */
	if (smfi_main() != MI_SUCCESS)
		milter_log(LOG_ERR, "libmilter stopped with an error");
	else
		milter_log(LOG_ERR, "libmilter stopped");
	_exit(WORKER_EXIT_LISTENER);
}
