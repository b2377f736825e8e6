/*
 * NAME
 *	filetrust - open a configuration file only if no one else could
 *	have written it
 * SYNOPSIS
 *	#include "filetrust.h"
 *
 *	int	dsnx_trust_stat(const struct stat *sb, const char *name,
 *		    int kind, int ancestor, uid_t trusted_uid, char *why,
 *		    size_t size)
 *	int	dsnx_trust_open(const char *path, int kind, uid_t trusted_uid,
 *		    char *why, size_t size)
 *	int	dsnx_trust_openat(int dirfd, const char *dirname,
 *		    const char *name, uid_t trusted_uid, char *why, size_t size)
 * DESCRIPTION
 *	The rule is OpenSSH's StrictModes: a file a daemon obeys, its
 *	directory and every directory above them belong to root or to the
 *	one trusted user (the service user) and are writable by nobody
 *	else.  An ancestor directory may be world-writable if it has the
 *	sticky bit (/tmp), since then only the owner of an entry can rename
 *	or remove it; the object itself may not.
 *
 *	dsnx_trust_open() resolves the path once with realpath(), so an
 *	administrator's symbolic links in it are followed, and then opens
 *	it again from / one component at a time with O_NOFOLLOW, checking
 *	each descriptor with fstat: the object returned is the object
 *	checked, even if a directory is renamed meanwhile.
 *
 *	dsnx_trust_openat() reads an entry of a directory opened that way.
 *	A symbolic link is not followed by the kernel; a link whose target
 *	is a plain name (another entry of the same directory) is opened by
 *	that name, without following anything further.  Anything else, a
 *	link with a "/" in it (out of the directory, absolute or relative),
 *	is refused: that is how a rule directory stays the only place rules
 *	come from.
 * LIMITS
 *	Linux (O_PATH).  Owner and mode only: no ACLs, no check of who may
 *	write the file system itself.  Paths of at most PATH_MAX bytes.
 * DIAGNOSTICS
 *	-1 with errno (ENOENT: missing; EPERM: refused by the rule; or the
 *	system's error) and one sentence in why that names the path at
 *	fault.  why is always terminated when size > 0.
 * SEE ALSO
 *	rules_load.c (the milter's rule directories), sshd_config(5)
 *	StrictModes.
 */
#include "config.h"

#include "filetrust.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "uid 105 (dsnexplain)": numbers are what the kernel checks, names are
 * what an administrator recognises. */
static void
user_name(uid_t uid, char *out, size_t size)
{
	struct passwd pw, *res = NULL;
	char buf[1024];

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res != NULL)
		snprintf(out, size, "uid %lu (%s)", (unsigned long)uid, res->pw_name);
	else
		snprintf(out, size, "uid %lu", (unsigned long)uid);
}

static int
refuse(char *why, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
refuse(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (size > 0) {
		va_start(ap, fmt);
		vsnprintf(why, size, fmt, ap);
		va_end(ap);
	}
	errno = EPERM;
	return -1;
}

int
dsnx_trust_stat(const struct stat *sb, const char *name, int kind,
    int ancestor, uid_t trusted_uid, char *why, size_t size)
{
	char owner[300], trusted[300];
	mode_t w = sb->st_mode & (S_IWGRP | S_IWOTH);

	if (kind == DSNX_TRUST_FILE && !ancestor && !S_ISREG(sb->st_mode))
		return refuse(why, size, "%s: not a regular file", name);
	if ((kind == DSNX_TRUST_DIR || ancestor) && !S_ISDIR(sb->st_mode))
		return refuse(why, size, "%s: not a directory", name);
	if (sb->st_uid != 0 && sb->st_uid != trusted_uid) {
		user_name(sb->st_uid, owner, sizeof(owner));
		if (trusted_uid == 0)
			return refuse(why, size, "%s: owned by %s; it must belong "
			    "to root", name, owner);
		user_name(trusted_uid, trusted, sizeof(trusted));
		return refuse(why, size, "%s: owned by %s; it must belong to "
		    "root or to %s", name, owner, trusted);
	}
	if (w != 0 && !(ancestor && (sb->st_mode & S_ISVTX)))
		return refuse(why, size, "%s: writable by %s (mode %04o); only "
		    "its owner may write it", name, w == S_IWGRP ? "its group"
		    : w == S_IWOTH ? "others" : "its group and others",
		    (unsigned)(sb->st_mode & 07777));
	return 0;
}

static int
check_fd(int fd, const char *name, int kind, int ancestor, uid_t uid,
    char *why, size_t size)
{
	struct stat sb;

	if (fstat(fd, &sb) != 0) {
		snprintf(why, size, "%s: %s", name, strerror(errno));
		return -1;
	}
	return dsnx_trust_stat(&sb, name, kind, ancestor, uid, why, size);
}

/* A file is opened non-blocking (a FIFO must not hang a daemon) and set
 * back to blocking for reading. */
static int
file_ready(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
}

#define FILE_FLAGS (O_RDONLY | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC)
#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
#define STEP_FLAGS (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

int
dsnx_trust_open(const char *path, int kind, uid_t trusted_uid, char *why,
    size_t size)
{
	char *real, *p, *slash;
	int fd, next, last, e;

	if (size > 0)
		why[0] = '\0';
	if ((real = realpath(path, NULL)) == NULL) {
		e = errno;
		snprintf(why, size, "%s: %s", path, strerror(e));
		errno = e;
		return -1;
	}
	last = real[1] == '\0';
	fd = open("/", last && kind == DSNX_TRUST_DIR ? DIR_FLAGS : STEP_FLAGS);
	if (fd < 0 || check_fd(fd, "/", last ? kind : DSNX_TRUST_DIR, !last,
	    trusted_uid, why, size) != 0)
		goto fail;
	/* slash is NULL once last is set: p moves on only before that. */
	for (p = real + 1; !last; p = last ? p : slash + 1) {
		slash = strchr(p, '/');
		last = slash == NULL;
		if (!last)
			*slash = '\0';
		next = openat(fd, p, !last ? STEP_FLAGS
		    : kind == DSNX_TRUST_DIR ? DIR_FLAGS : FILE_FLAGS);
		if (next < 0) {
			e = errno;
			snprintf(why, size, "%s: %s", real, e == ELOOP
			    ? "became a symbolic link while it was checked"
			    : strerror(e));
			errno = e;
			goto fail;
		}
		close(fd);
		fd = next;
		/* real now ends at this component: the name to report */
		if (check_fd(fd, real, last ? kind : DSNX_TRUST_DIR, !last,
		    trusted_uid, why, size) != 0)
			goto fail;
		if (!last)
			*slash = '/';
	}
	if (kind == DSNX_TRUST_FILE && file_ready(fd) != 0) {
		snprintf(why, size, "%s: %s", real, strerror(errno));
		goto fail;
	}
	free(real);
	return fd;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	free(real);
	errno = e;
	return -1;
}

int
dsnx_trust_openat(int dirfd, const char *dirname, const char *name,
    uid_t trusted_uid, char *why, size_t size)
{
	char full[PATH_MAX + 256], target[NAME_MAX + 2];
	ssize_t n;
	int fd, e;

	if (size > 0)
		why[0] = '\0';
	snprintf(full, sizeof(full), "%s/%s", dirname, name);
	fd = openat(dirfd, name, FILE_FLAGS);
	if (fd < 0 && errno == ELOOP) {
		n = readlinkat(dirfd, name, target, sizeof(target) - 1);
		if (n < 0 || (size_t)n >= sizeof(target) - 1)
			return refuse(why, size, "%s: a symbolic link that cannot "
			    "be read", full);
		target[n] = '\0';
		if (strchr(target, '/') != NULL)
			return refuse(why, size, "%s: a symbolic link to \"%s\", "
			    "out of %s: a link is followed only to another file "
			    "of the same directory", full, target, dirname);
		fd = openat(dirfd, target, FILE_FLAGS);
		if (fd < 0 && errno == ELOOP)
			return refuse(why, size, "%s: a symbolic link to another "
			    "link (\"%s\")", full, target);
	}
	if (fd < 0) {
		e = errno;
		snprintf(why, size, "%s: %s", full, strerror(e));
		errno = e;
		return -1;
	}
	if (check_fd(fd, full, DSNX_TRUST_FILE, 0, trusted_uid, why, size) != 0
	    || file_ready(fd) != 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}
