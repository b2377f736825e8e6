/*
 * filetrust.h - may a program believe what a file says?
 *
 * sshd's rule (StrictModes) for the files a daemon reads as its
 * configuration: the file, its directory and every directory above them
 * must belong to root or to one other trusted user (the service user)
 * and be writable by no one else, or anyone who can write one of them
 * decides what the daemon does.  The one exception is an ancestor
 * directory with the sticky bit (/tmp): nobody but its owner can rename
 * or remove what others keep in it.  Opening is done by descriptor, one
 * path component at a time, so nothing can be swapped in between the
 * check and the read.  The CLI does not use this; the milter does.
 */
#ifndef DSNX_FILETRUST_H
#define DSNX_FILETRUST_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "dsnexplain.h"

/* What the object checked must be. */
enum dsnx_trust_kind {
	DSNX_TRUST_FILE,	/* a regular file */
	DSNX_TRUST_DIR		/* a directory (not a sticky shared one) */
};

/*
 * The owner and mode rule alone, on what fstat said about name: 0, or -1
 * with a sentence in why ("NAME: writable by its group (mode 0664) ...").
 * trusted_uid is the one user trusted besides root (pass 0 for root
 * only).  ancestor: a directory above the object, where a sticky
 * world-writable directory is acceptable.
 */
int dsnx_trust_stat(const struct stat *sb, const char *name, int kind,
    int ancestor, uid_t trusted_uid, char *why, size_t size);

/*
 * Opens path (O_RDONLY, close-on-exec) after checking it and each
 * directory from / down to it; the path is resolved once (realpath) and
 * then walked without following any link, so it names what was checked.
 * Returns the descriptor, or -1 with errno and why set (ENOENT: it does
 * not exist; EPERM: refused by the rule).
 */
int dsnx_trust_open(const char *path, int kind, uid_t trusted_uid,
    char *why, size_t size);

/*
 * Opens name inside the directory dirfd (opened with dsnx_trust_open;
 * dirname for messages) as a regular file that passes the rule.  A
 * symbolic link is followed only while it stays inside that directory
 * (openat2 RESOLVE_BENEATH; without openat2, links are refused).
 */
int dsnx_trust_openat(int dirfd, const char *dirname, const char *name,
    uid_t trusted_uid, char *why, size_t size);

/*
 * dsnx_ruleset_load() with the rule applied to dir, site_dir and every
 * rule file in them (trusted_uid as above), each file opened with
 * dsnx_trust_openat().  A refusal is reported through on_error like any
 * other problem (the file or directory, and why) and fails the load
 * with DSNX_EIO; a missing site_dir is still no error.
 */
dsnx_status dsnx_ruleset_load_trusted(const char *dir, const char *site_dir,
    uid_t trusted_uid, dsnx_error_fn *on_error, void *arg,
    dsnx_ruleset **out);

#endif /* DSNX_FILETRUST_H */
