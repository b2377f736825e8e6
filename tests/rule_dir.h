/*
 * rule_dir.h - a scratch directory of rule files, for tests that load them
 *
 * test_rules, test_match and test_catalogue write small rule files into
 * a fresh mkdtemp() directory under $TMPDIR (or /tmp), load them, and
 * remove the directory and everything in it again.
 */
#ifndef DSNX_TEST_RULE_DIR_H
#define DSNX_TEST_RULE_DIR_H

#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static inline int
rule_dir_rm_entry(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Makes dir (size bytes) a new directory named after what. */
static inline void
rule_dir_make(char *dir, size_t size, const char *what)
{
	const char *t = getenv("TMPDIR");

	snprintf(dir, size, "%s/dsnx-%s.XXXXXX", t && *t ? t : "/tmp", what);
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

/* Removes dir and what is in it, once; dir is "" afterwards. */
static inline void
rule_dir_remove(char *dir)
{
	if (dir[0] != '\0')
		(void)nftw(dir, rule_dir_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	dir[0] = '\0';
}

/* Writes text to dir/name. */
static inline void
rule_dir_put(const char *dir, const char *name, const char *text)
{
	char path[1024];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	ck_assert_msg(fp != NULL, "cannot create %s: %s", path, strerror(errno));
	ck_assert_uint_eq(fwrite(text, 1, strlen(text), fp), strlen(text));
	ck_assert_int_eq(fclose(fp), 0);
}

#endif
