/*
 * NAME
 *	test_filetrust - unit tests for lib/filetrust.c
 * DESCRIPTION
 *	The owner and mode rule on made-up stat results (every refusal and
 *	every exception); then on files in a scratch directory: a file and
 *	a directory that pass, each made group- or other-writable, a
 *	missing one, a path through a symbolic link (resolved, the target
 *	checked); entries read from a directory: a link to a sibling
 *	followed, links out of it (relative, absolute), a link to a link and
 *	a FIFO refused without hanging; and dsnx_ruleset_load_trusted()
 *	refusing a group-writable site file and a world-writable rule
 *	directory, naming them, where dsnx_ruleset_load() (the CLI's) still
 *	loads.  As root, files given to another user are refused unless that
 *	user is the trusted one.  Exits nonzero when a test fails.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dsnexplain.h"
#include "filetrust.h"
#include "rule_dir.h"

#define OTHER_UID ((uid_t)65534)

static char dir[256];
static uid_t me;

static void
setup(void)
{
	me = geteuid();
	rule_dir_make(dir, sizeof(dir), "filetrust");
	ck_assert_int_eq(chmod(dir, 0755), 0);
}

static void
teardown(void)
{
	rule_dir_remove(dir);
}

static struct stat
made(mode_t mode, uid_t uid)
{
	struct stat sb;

	memset(&sb, 0, sizeof(sb));
	sb.st_mode = mode;
	sb.st_uid = uid;
	return sb;
}

static int
check(mode_t mode, uid_t uid, int kind, int ancestor, uid_t trusted,
    char *why)
{
	struct stat sb = made(mode, uid);

	return dsnx_trust_stat(&sb, "/x/y", kind, ancestor, trusted, why, 300);
}

START_TEST(stat_rule)
{
	char why[300];

	ck_assert_int_eq(check(S_IFREG | 0644, 0, DSNX_TRUST_FILE, 0, 0, why), 0);
	ck_assert_int_eq(check(S_IFREG | 0600, 1234, DSNX_TRUST_FILE, 0, 1234,
	    why), 0);
	ck_assert_int_eq(check(S_IFREG | 0664, 0, DSNX_TRUST_FILE, 0, 0, why), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_str_eq(why, "/x/y: writable by its group (mode 0664); only "
	    "its owner may write it");
	ck_assert_int_eq(check(S_IFREG | 0646, 0, DSNX_TRUST_FILE, 0, 0, why), -1);
	ck_assert_ptr_nonnull(strstr(why, "writable by others (mode 0646)"));
	ck_assert_int_eq(check(S_IFREG | 0666, 0, DSNX_TRUST_FILE, 0, 0, why), -1);
	ck_assert_ptr_nonnull(strstr(why, "by its group and others"));
	ck_assert_int_eq(check(S_IFREG | 0644, 1234, DSNX_TRUST_FILE, 0, 0, why),
	    -1);
	ck_assert_ptr_nonnull(strstr(why, "/x/y: owned by uid 1234"));
	ck_assert_ptr_nonnull(strstr(why, "it must belong to root"));
	ck_assert_int_eq(check(S_IFREG | 0644, 1234, DSNX_TRUST_FILE, 0, 99, why),
	    -1);
	ck_assert_ptr_nonnull(strstr(why, "to root or to uid 99"));
	ck_assert_int_eq(check(S_IFDIR | 0755, 0, DSNX_TRUST_FILE, 0, 0, why), -1);
	ck_assert_str_eq(why, "/x/y: not a regular file");
	ck_assert_int_eq(check(S_IFREG | 0644, 0, DSNX_TRUST_DIR, 0, 0, why), -1);
	ck_assert_str_eq(why, "/x/y: not a directory");
	ck_assert_int_eq(check(S_IFREG | 0755, 0, DSNX_TRUST_FILE, 1, 0, why), -1);
	ck_assert_str_eq(why, "/x/y: not a directory");
	/* /tmp above the object: sticky; the object itself may not be so */
	ck_assert_int_eq(check(S_IFDIR | 01777, 0, DSNX_TRUST_DIR, 1, 0, why), 0);
	ck_assert_int_eq(check(S_IFDIR | 01777, 0, DSNX_TRUST_DIR, 0, 0, why), -1);
	ck_assert_int_eq(check(S_IFDIR | 0777, 0, DSNX_TRUST_DIR, 1, 0, why), -1);
	ck_assert_int_eq(check(S_IFDIR | 02775, 0, DSNX_TRUST_DIR, 1, 0, why), -1);
	ck_assert_ptr_nonnull(strstr(why, "(mode 2775)"));
}
END_TEST

static void
put(const char *name, const char *text, mode_t mode)
{
	char path[600];

	rule_dir_put(dir, name, text);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_int_eq(chmod(path, mode), 0);
}

/* The directories above the scratch directory must pass for the tests
 * of whole paths to mean anything; say so rather than fail if not. */
static int
usable_base(void)
{
	char why[2048];
	int fd = dsnx_trust_open(dir, DSNX_TRUST_DIR, me, why, sizeof(why));

	if (fd < 0) {
		fprintf(stderr, "test_filetrust: skipping path tests: %s\n", why);
		return 0;
	}
	close(fd);
	return 1;
}

START_TEST(open_paths)
{
	char path[600], link[600], why[2048], buf[8];
	int fd;

	if (!usable_base())
		return;
	put("a.conf", "abc", 0644);
	snprintf(path, sizeof(path), "%s/a.conf", dir);
	fd = dsnx_trust_open(path, DSNX_TRUST_FILE, me, why, sizeof(why));
	ck_assert_msg(fd >= 0, "%s", why);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 3);
	close(fd);
	/* a link the administrator made is resolved; the target is checked */
	snprintf(link, sizeof(link), "%s/via-link.conf", dir);
	ck_assert_int_eq(symlink("a.conf", link), 0);
	fd = dsnx_trust_open(link, DSNX_TRUST_FILE, me, why, sizeof(why));
	ck_assert_msg(fd >= 0, "%s", why);
	close(fd);
	ck_assert_int_eq(chmod(path, 0664), 0);
	ck_assert_int_eq(dsnx_trust_open(link, DSNX_TRUST_FILE, me, why,
	    sizeof(why)), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_ptr_nonnull(strstr(why, "/a.conf: writable by its group"));
	ck_assert_int_eq(chmod(path, 0644), 0);
	/* a directory on the way that others may write */
	ck_assert_int_eq(chmod(dir, 0757), 0);
	ck_assert_int_eq(dsnx_trust_open(path, DSNX_TRUST_FILE, me, why,
	    sizeof(why)), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_ptr_nonnull(strstr(why, "writable by others (mode 0757)"));
	ck_assert_ptr_nonnull(strstr(why, dir + 5));	/* names the directory */
	ck_assert_ptr_null(strstr(why, "a.conf"));
	ck_assert_int_eq(chmod(dir, 0755), 0);
	/* kinds, and a missing file */
	ck_assert_int_eq(dsnx_trust_open(path, DSNX_TRUST_DIR, me, why,
	    sizeof(why)), -1);
	fd = dsnx_trust_open(dir, DSNX_TRUST_DIR, me, why, sizeof(why));
	ck_assert_msg(fd >= 0, "%s", why);
	close(fd);
	snprintf(path, sizeof(path), "%s/none.conf", dir);
	ck_assert_int_eq(dsnx_trust_open(path, DSNX_TRUST_FILE, me, why,
	    sizeof(why)), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_ptr_nonnull(strstr(why, "none.conf"));
}
END_TEST

START_TEST(open_entries)
{
	char path[600], why[2048], buf[8];
	int dfd, fd;

	if (!usable_base())
		return;
	put("r.json", "rrr", 0644);
	put("g.json", "ggg", 0664);
	snprintf(path, sizeof(path), "%s/sib.json", dir);
	ck_assert_int_eq(symlink("r.json", path), 0);
	snprintf(path, sizeof(path), "%s/up.json", dir);
	ck_assert_int_eq(symlink("../outside.json", path), 0);
	snprintf(path, sizeof(path), "%s/abs.json", dir);
	ck_assert_int_eq(symlink("/etc/passwd", path), 0);
	snprintf(path, sizeof(path), "%s/twice.json", dir);
	ck_assert_int_eq(symlink("sib.json", path), 0);
	snprintf(path, sizeof(path), "%s/fifo.json", dir);
	ck_assert_int_eq(mkfifo(path, 0644), 0);
	dfd = dsnx_trust_open(dir, DSNX_TRUST_DIR, me, why, sizeof(why));
	ck_assert_msg(dfd >= 0, "%s", why);

	fd = dsnx_trust_openat(dfd, dir, "r.json", me, why, sizeof(why));
	ck_assert_msg(fd >= 0, "%s", why);
	close(fd);
	fd = dsnx_trust_openat(dfd, dir, "sib.json", me, why, sizeof(why));
	ck_assert_msg(fd >= 0, "%s", why);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 3);
	ck_assert_int_eq(memcmp(buf, "rrr", 3), 0);
	close(fd);
	ck_assert_int_eq(dsnx_trust_openat(dfd, dir, "g.json", me, why,
	    sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "g.json: writable by its group"));
	ck_assert_int_eq(dsnx_trust_openat(dfd, dir, "up.json", me, why,
	    sizeof(why)), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_ptr_nonnull(strstr(why, "up.json: a symbolic link to "
	    "\"../outside.json\", out of"));
	ck_assert_int_eq(dsnx_trust_openat(dfd, dir, "abs.json", me, why,
	    sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "\"/etc/passwd\", out of"));
	ck_assert_int_eq(dsnx_trust_openat(dfd, dir, "twice.json", me, why,
	    sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "a symbolic link to another link"));
	ck_assert_int_eq(dsnx_trust_openat(dfd, dir, "fifo.json", me, why,
	    sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "fifo.json: not a regular file"));
	ck_assert_int_eq(dsnx_trust_openat(dfd, dir, "none.json", me, why,
	    sizeof(why)), -1);
	ck_assert_int_eq(errno, ENOENT);
	close(dfd);
}
END_TEST

START_TEST(owners_as_root)
{
	char path[600], why[2048];
	int fd;

	if (me != 0 || !usable_base())
		return;
	put("o.conf", "x", 0644);
	snprintf(path, sizeof(path), "%s/o.conf", dir);
	ck_assert_int_eq(chown(path, OTHER_UID, (gid_t)-1), 0);
	ck_assert_int_eq(dsnx_trust_open(path, DSNX_TRUST_FILE, 0, why,
	    sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "owned by uid 65534"));
	fd = dsnx_trust_open(path, DSNX_TRUST_FILE, OTHER_UID, why, sizeof(why));
	ck_assert_msg(fd >= 0, "%s", why);
	close(fd);
	ck_assert_int_eq(dsnx_trust_open(path, DSNX_TRUST_FILE, 1000, why,
	    sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "root or to uid 1000"));
}
END_TEST

static char problems[8192];

static void
collect(const dsnx_error_t *err, void *arg)
{
	size_t n = strlen(problems);

	(void)arg;
	snprintf(problems + n, sizeof(problems) - n, "%s: %s\n", err->source,
	    err->text);
}

static void
copy_case(const char *from, const char *to, const char *name)
{
	char path[600], text[8192];
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", from, name);
	fp = fopen(path, "r");
	ck_assert_ptr_nonnull(fp);
	n = fread(text, 1, sizeof(text) - 1, fp);
	fclose(fp);
	text[n] = '\0';
	rule_dir_put(to, name, text);
}

START_TEST(trusted_ruleset)
{
	const char *cases = TESTDATA_DIR "/../rules-cases/site-valid";
	char shipped[300], site[300], path[600], lnk[700];
	dsnx_ruleset *set = NULL;

	if (!usable_base())
		return;
	snprintf(shipped, sizeof(shipped), "%s/shipped", dir);
	snprintf(site, sizeof(site), "%s/site", dir);
	ck_assert_int_eq(mkdir(shipped, 0755), 0);
	ck_assert_int_eq(mkdir(site, 0755), 0);
	copy_case(cases, shipped, "00-causes.json");
	copy_case(cases, shipped, "10-base.json");
	snprintf(path, sizeof(path), "%s/site", cases);
	copy_case(path, site, "local.json");

	problems[0] = '\0';
	ck_assert_msg(dsnx_ruleset_load_trusted(shipped, site, me, collect, NULL,
	    &set) == DSNX_OK, "%s", problems);
	dsnx_ruleset_unref(set);

	snprintf(path, sizeof(path), "%s/local.json", site);
	ck_assert_int_eq(chmod(path, 0664), 0);
	problems[0] = '\0';
	ck_assert_int_eq(dsnx_ruleset_load_trusted(shipped, site, me, collect,
	    NULL, &set), DSNX_EIO);
	ck_assert_ptr_null(set);
	ck_assert_msg(strstr(problems, "local.json: refused: writable by its "
	    "group (mode 0664)") != NULL, "%s", problems);
	/* the CLI's load reads a user's own files as they are */
	problems[0] = '\0';
	ck_assert_msg(dsnx_ruleset_load(shipped, site, collect, NULL, &set)
	    == DSNX_OK, "%s", problems);
	dsnx_ruleset_unref(set);

	/* a link out of the site directory */
	ck_assert_int_eq(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/10-base.json", shipped);
	snprintf(lnk, sizeof(lnk), "%s/local.json", site);
	ck_assert_int_eq(symlink(path, lnk), 0);
	problems[0] = '\0';
	ck_assert_int_eq(dsnx_ruleset_load_trusted(shipped, site, me, collect,
	    NULL, &set), DSNX_EIO);
	ck_assert_msg(strstr(problems, "local.json: refused: a symbolic link to")
	    != NULL, "%s", problems);

	/* the shipped directory itself, writable by everyone */
	ck_assert_int_eq(chmod(shipped, 0777), 0);
	problems[0] = '\0';
	ck_assert_int_eq(dsnx_ruleset_load_trusted(shipped, NULL, me, collect,
	    NULL, &set), DSNX_EIO);
	ck_assert_msg(strstr(problems, "shipped: refused: writable by its group and others "
	    "(mode 0777)") != NULL, "%s", problems);
	/* a missing site directory is still no error */
	ck_assert_int_eq(chmod(shipped, 0755), 0);
	snprintf(path, sizeof(path), "%s/no-such-dir", dir);
	problems[0] = '\0';
	ck_assert_msg(dsnx_ruleset_load_trusted(shipped, path, me, collect, NULL,
	    &set) == DSNX_OK, "%s", problems);
	dsnx_ruleset_unref(set);
}
END_TEST

static Suite *
filetrust_suite(void)
{
	Suite *s = suite_create("filetrust");
	TCase *tc = tcase_create("rule");

	tcase_add_test(tc, stat_rule);
	suite_add_tcase(s, tc);
	tc = tcase_create("files");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, open_paths);
	tcase_add_test(tc, open_entries);
	tcase_add_test(tc, owners_as_root);
	tcase_add_test(tc, trusted_ruleset);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(filetrust_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
