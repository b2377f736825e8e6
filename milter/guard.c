/*
 * guard - limits on the worker's MTA connections that libmilter lacks
 *
 * Why this exists.  libmilter (8.17, as Debian builds it, with the
 * worker pool) has two gaps an MTA connection can be used against:
 *
 *  - Its listener treats EMFILE from accept() as a passing condition
 *    and polls the listening socket again at once: past the descriptor
 *    limit the still pending connection keeps it readable and the
 *    listener spins while new sessions time out.  So connections are
 *    capped here, below the limit: one over the cap is accepted and
 *    closed at once (the MTA sees the milter hang up and applies its
 *    milter_default_action without waiting), and a reserve of
 *    descriptors stays free for everything else the worker opens.
 *
 *  - Its timeout (smfi_settimeout) bounds each read: a peer that sends
 *    one byte now and then resets it for ever.  Sessions waiting for a
 *    command are checked only every 600 s, so even a silent one lives
 *    up to MilterTimeout + 610 s.  So MilterTimeout is a deadline here,
 *    kept by a watchdog thread: a connection must complete a command at
 *    least every MilterTimeout, and a message's content (first header
 *    to end of message) must arrive within MilterTimeout.  Past either,
 *    the watchdog calls shutdown(2) on the socket; libmilter then reads
 *    end of file and ends the session itself (abort and close
 *    callbacks, close(2) of the descriptor), as if the MTA had hung up.
 *    shutdown() leaves the descriptor open, so its number cannot be
 *    reused under libmilter's feet.
 *
 * How connections are seen.  libmilter offers no hook at accept and
 * keeps its descriptors to itself, so this module defines accept() and
 * read(): the executable's definitions come first in the dynamic
 * linker's search order and libmilter's calls reach them; each passes
 * the call on to the next definition (dlsym(RTLD_NEXT), the C library
 * or a sanitizer's wrapper).  accept() admits or refuses a connection
 * and enters it in a table indexed by descriptor; read() only notes,
 * per thread, which descriptor it read last.  libmilter reads a command
 * and runs its callback on the same thread, so the first callback of a
 * connection (xxfi_negotiate) claims the table entry of the descriptor
 * its thread just read, and later callbacks name the entry directly.
 *
 * LIMITS: descriptors up to 65,535 are tracked (those above are
 * refused).  A connection that libmilter closes without a close
 * callback of ours stays counted until a refusal or a watchdog pass
 * finds its descriptor gone or holding another socket (checked by
 * device and inode).  The deadlines have the watchdog's precision, a
 * few milliseconds; a reload's new MilterTimeout applies from the next
 * wake-up (at most 30 s later).  Outside the worker (no guard_start())
 * both wrappers only pass calls on.
 */
/* read() is defined here: no fortified inline version of it in scope. */
#undef _FORTIFY_SOURCE

#include "guard.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "state.h"

#define GUARD_MAX_SLOTS 65536
/* Descriptors kept free for rule files at a reload, syslog and
 * libmilter's own pipe: the cap keeps connections below the limit by
 * this much at least. */
#define GUARD_RESERVE 32
/* Refusals are logged as one line per this many ms at most. */
#define GUARD_LOG_EVERY_MS 10000
/* The watchdog looks at the settings at least this often. */
#define GUARD_MAX_SLEEP_MS 30000

enum { SLOT_FREE, SLOT_OPEN, SLOT_SHUT };

typedef struct slot {
	unsigned char state;
	const void *owner;        /* the callbacks' connection, or NULL */
	dev_t dev;                /* which socket the descriptor held */
	ino_t ino;
	int64_t last;             /* ms: last command (or the accept) */
	int64_t content;          /* ms: the content started; 0: not in it */
} slot;

typedef ssize_t read_fn(int, void *, size_t);
typedef int accept_fn(int, __SOCKADDR_ARG, socklen_t *restrict);

static _Atomic(read_fn *) next_read;
static _Atomic(accept_fn *) next_accept;
static atomic_int started;

static _Thread_local int read_fd = -1;	/* the descriptor read last */
static _Thread_local int read_ended;	/* ... and it gave end of file */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake;
static slot *slots;
static int nslots;                /* table size: descriptors tracked */
static int fd_ceiling;            /* descriptors from here on: refused */
static int high;                  /* one above the highest slot used */
static unsigned open_count;
static unsigned room;             /* connections the descriptors allow */
static unsigned long refused;
static int64_t last_refusal_log, last_purge;

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *
next_symbol(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

ssize_t
read(int fd, void *buf, size_t n)
{
	read_fn *f = atomic_load_explicit(&next_read, memory_order_acquire);
	ssize_t r;
	int e;

	if (f == NULL) {
		void *p = next_symbol("read");

		if (p == NULL) {
			errno = ENOSYS;
			return -1;
		}
		memcpy(&f, &p, sizeof(f));
		atomic_store_explicit(&next_read, f, memory_order_release);
	}
	r = f(fd, buf, n);
	e = errno;
	read_fd = fd;
	read_ended = r == 0 || (r < 0 && e != EINTR && e != EAGAIN);
	errno = e;
	return r;
}

static int admit(int fd);

int
accept(int fd, __SOCKADDR_ARG addr, socklen_t *restrict len)
{
	accept_fn *f = atomic_load_explicit(&next_accept, memory_order_acquire);
	int c;

	if (f == NULL) {
		void *p = next_symbol("accept");

		if (p == NULL) {
			errno = ENOSYS;
			return -1;
		}
		memcpy(&f, &p, sizeof(f));
		atomic_store_explicit(&next_accept, f, memory_order_release);
	}
	c = f(fd, addr, len);
	if (c >= 0 && atomic_load(&started) && admit(c) != 0) {
		close(c);
		/* One of the errors libmilter's listener passes over quietly. */
		errno = ECONNABORTED;
		return -1;
	}
	return c;
}

/* The descriptor still holds the socket the slot was made for. */
static int
same_socket(int fd, const slot *s)
{
	struct stat sb;

	return fstat(fd, &sb) == 0 && S_ISSOCK(sb.st_mode) && sb.st_dev == s->dev
	    && sb.st_ino == s->ino;
}

/* Under the lock. */
static void
free_slot(slot *s)
{
	if (s->state != SLOT_FREE) {
		s->state = SLOT_FREE;
		s->owner = NULL;
		open_count--;
	}
}

/* Under the lock: forgets connections libmilter closed behind our back. */
static void
purge_stale(void)
{
	int fd;

	for (fd = 0; fd < high; fd++)
		if (slots[fd].state != SLOT_FREE && !same_socket(fd, &slots[fd]))
			free_slot(&slots[fd]);
}

static int64_t
timeout_ms(void)
{
	milter_state *st = milter_state_current();
	int64_t t = st != NULL ? (int64_t)st->settings.milter_timeout * 1000
	    : 300000;

	milter_state_unref(st);
	return t;
}

static unsigned
connection_limit(void)
{
	milter_state *st = milter_state_current();
	unsigned limit = room;

	if (st != NULL && (unsigned)st->settings.max_connections < limit)
		limit = (unsigned)st->settings.max_connections;
	milter_state_unref(st);
	return limit;
}

/* 0: fd is a new connection, entered in the table; -1: refused. */
static int
admit(int fd)
{
	unsigned limit = connection_limit(), was_open;
	int64_t now = now_ms();
	unsigned long n = 0;
	struct stat sb;
	int ok = 1;
	slot *s;

	pthread_mutex_lock(&lock);
	if (fd >= fd_ceiling)
		ok = 0;
	else {
		if (open_count >= limit && now - last_purge >= 1000) {
			purge_stale();
			last_purge = now;
		}
		if (slots[fd].state != SLOT_FREE)
			free_slot(&slots[fd]);	/* the descriptor was free: gone */
		ok = open_count < limit;
	}
	was_open = open_count;
	if (ok) {
		s = &slots[fd];
		memset(&sb, 0, sizeof(sb));
		(void)fstat(fd, &sb);
		s->state = SLOT_OPEN;
		s->owner = NULL;
		s->dev = sb.st_dev;
		s->ino = sb.st_ino;
		s->last = now;
		s->content = 0;
		open_count++;
		if (fd >= high)
			high = fd + 1;
		pthread_cond_signal(&wake);
	} else {
		refused++;
		if (last_refusal_log == 0
		    || now - last_refusal_log >= GUARD_LOG_EVERY_MS) {
			n = refused;
			refused = 0;
			last_refusal_log = now;
		}
	}
	pthread_mutex_unlock(&lock);
	if (n > 0)
		milter_log(LOG_WARNING, "connection limit reached (%u open, at "
		    "most %u): %lu connection%s refused since the last such line; "
		    "the MTA applies its milter_default_action", was_open, limit,
		    n, n == 1 ? "" : "s");
	return ok ? 0 : -1;
}

static slot *
owned(int i, const void *owner)
{
	if (i < 0 || i >= nslots || slots == NULL || slots[i].state == SLOT_FREE
	    || slots[i].owner != owner)
		return NULL;
	return &slots[i];
}

int
guard_claim(const void *owner)
{
	int fd = read_fd, r = -1;

	if (!atomic_load(&started) || fd < 0 || fd >= nslots || owner == NULL)
		return -1;
	pthread_mutex_lock(&lock);
	if (slots[fd].state == SLOT_OPEN && slots[fd].owner == NULL) {
		slots[fd].owner = owner;
		slots[fd].last = now_ms();
		r = fd;
	}
	pthread_mutex_unlock(&lock);
	return r;
}

void
guard_progress(int i, const void *owner)
{
	slot *s;

	if (i < 0)
		return;
	pthread_mutex_lock(&lock);
	if ((s = owned(i, owner)) != NULL)
		s->last = now_ms();
	pthread_mutex_unlock(&lock);
}

void
guard_content(int i, const void *owner, int begun)
{
	slot *s;

	if (i < 0)
		return;
	pthread_mutex_lock(&lock);
	if ((s = owned(i, owner)) != NULL) {
		if (!begun)
			s->content = 0;
		else if (s->content == 0)
			s->content = now_ms();
	}
	pthread_mutex_unlock(&lock);
}

int
guard_content_late(int i, const void *owner)
{
	int64_t t, began = 0;
	slot *s;

	if (i < 0)
		return 0;
	t = timeout_ms();
	pthread_mutex_lock(&lock);
	if ((s = owned(i, owner)) != NULL)
		began = s->content;
	pthread_mutex_unlock(&lock);
	return began != 0 && now_ms() - began >= t;
}

void
guard_release(int i, const void *owner)
{
	slot *s;

	if (i < 0)
		return;
	pthread_mutex_lock(&lock);
	if ((s = owned(i, owner)) != NULL)
		free_slot(s);
	pthread_mutex_unlock(&lock);
}

void
guard_release_unclaimed(void)
{
	int fd = read_fd;

	if (!atomic_load(&started) || fd < 0 || fd >= nslots || !read_ended)
		return;
	pthread_mutex_lock(&lock);
	if (slots[fd].state != SLOT_FREE && slots[fd].owner == NULL)
		free_slot(&slots[fd]);
	pthread_mutex_unlock(&lock);
}

static void *
watchdog(void *arg)
{
	(void)arg;
	for (;;) {
		int64_t t = timeout_ms(), now, next, deadline;
		unsigned idle = 0, late = 0;
		struct timespec until;
		int fd;

		pthread_mutex_lock(&lock);
		now = now_ms();
		next = now + GUARD_MAX_SLEEP_MS;
		for (fd = 0; fd < high; fd++) {
			slot *s = &slots[fd];

			if (s->state == SLOT_FREE)
				continue;
			if (s->state == SLOT_SHUT) {
				if (!same_socket(fd, s))
					free_slot(s);
				continue;
			}
			deadline = (s->content != 0 ? s->content : s->last) + t;
			if (now < deadline) {
				if (deadline < next)
					next = deadline;
				continue;
			}
			if (!same_socket(fd, s)) {
				free_slot(s);
				continue;
			}
			(void)shutdown(fd, SHUT_RDWR);
			s->state = SLOT_SHUT;
			if (s->content != 0)
				late++;
			else
				idle++;
		}
		pthread_mutex_unlock(&lock);
		if (idle > 0)
			milter_log(LOG_INFO, "closed %u connection%s that sent no "
			    "complete command for MilterTimeout (%lld s)", idle,
			    idle == 1 ? "" : "s", (long long)(t / 1000));
		if (late > 0)
			milter_log(LOG_WARNING, "closed %u connection%s whose message "
			    "took longer than MilterTimeout (%lld s) to arrive; the MTA "
			    "applies its milter_default_action", late,
			    late == 1 ? "" : "s", (long long)(t / 1000));
		pthread_mutex_lock(&lock);
		clock_gettime(CLOCK_MONOTONIC, &until);
		next -= now_ms();
		if (next < 1)
			next = 1;
		until.tv_sec += (time_t)(next / 1000);
		until.tv_nsec += (long)(next % 1000) * 1000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		(void)pthread_cond_timedwait(&wake, &lock, &until);
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

/* Descriptors open now (the worker's base before any connection). */
static int
descriptors_in_use(int limit)
{
	int fd, n = 0;

	for (fd = 0; fd < limit && fd < 4096; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			n++;
	return n;
}

int
guard_start(const milter_settings *s)
{
	pthread_condattr_t ca;
	pthread_attr_t ta;
	sigset_t all, old;
	struct rlimit rl;
	pthread_t tid;
	long limit;
	int in_use, rc;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY
	    || rl.rlim_cur > GUARD_MAX_SLOTS)
		limit = GUARD_MAX_SLOTS;
	else
		limit = (long)rl.rlim_cur;
	in_use = descriptors_in_use((int)limit);
	if ((slots = calloc((size_t)limit, sizeof(*slots))) == NULL) {
		milter_log(LOG_ERR, "out of memory for the connection table");
		return -1;
	}
	nslots = (int)limit;
	fd_ceiling = nslots - GUARD_RESERVE;
	room = limit > in_use + GUARD_RESERVE
	    ? (unsigned)(limit - in_use - GUARD_RESERVE) : 1;
	if (fd_ceiling <= in_use)
		fd_ceiling = in_use + 1;
	if ((unsigned)s->max_connections > room)
		milter_log(LOG_WARNING, "MaximumConnections %d is more than %ld "
		    "descriptors allow: at most %u connections", s->max_connections,
		    limit, room);
	milter_log(LOG_INFO, "connection limit %u (descriptor limit %ld), "
	    "MilterTimeout %d s per command and per message",
	    (unsigned)s->max_connections < room ? (unsigned)s->max_connections
	    : room, limit, s->milter_timeout);

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&wake, &ca);
	pthread_condattr_destroy(&ca);
	/* No signal for this thread: libmilter's own waits for them. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&ta);
	pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&tid, &ta, watchdog, NULL);
	pthread_attr_destroy(&ta);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		milter_log(LOG_ERR, "cannot start the connection watchdog");
		return -1;
	}
	atomic_store(&started, 1);
	return 0;
}
