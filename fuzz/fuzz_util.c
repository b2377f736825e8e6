/*
 * fuzz_util - what the libFuzzer targets of fuzz/ share
 *
 * Scratch space goes to $DSNX_FUZZ_TMPDIR, else /dev/shm (the targets
 * write a file per input, and on a disk file system truncating and
 * rewriting one costs a flush each time), else $TMPDIR or /tmp: one
 * directory per process, so that a smoke run and a campaign on the same
 * machine never meet.
 *
 * LIMITS: the scratch directory is cleaned one level deep at exit; a
 * target that crashes leaves it behind (libFuzzer ends with _exit).
 */
#include "config.h"

#include "fuzz_util.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void
fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: invariant broken: %s: ", file, line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

const char *
fuzz_rules_dir(void)
{
	const char *d = getenv("DSNX_FUZZ_RULES");

	return d != NULL && *d != '\0' ? d : FUZZ_RULES_DIR;
}

static void
say_problem(const dsnx_error_t *err, void *arg)
{
	(void)arg;
	fprintf(stderr, "%s:%d:%d: %s\n", err->source, err->line, err->column,
	    err->text);
}

dsnx_ruleset *
fuzz_rules(void)
{
	static dsnx_ruleset *rules;

	if (rules == NULL && dsnx_ruleset_load(fuzz_rules_dir(), NULL,
	    say_problem, NULL, &rules) != DSNX_OK) {
		fprintf(stderr, "fuzz: the rules in %s do not load\n",
		    fuzz_rules_dir());
		abort();
	}
	return rules;
}

static char scratch[4096];

static void
rm_tree(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[sizeof(scratch) + 512];
	struct stat sb;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode) && depth > 0)
			rm_tree(path, depth - 1);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static void
scratch_cleanup(void)
{
	if (scratch[0] != '\0')
		rm_tree(scratch, 1);
}

const char *
fuzz_scratch(void)
{
	const char *tmp;

	if (scratch[0] == '\0') {
		if ((tmp = getenv("DSNX_FUZZ_TMPDIR")) == NULL || *tmp == '\0') {
			if (access("/dev/shm", W_OK) == 0)
				tmp = "/dev/shm";
			else if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
				tmp = "/tmp";
		}
		snprintf(scratch, sizeof(scratch), "%s/dsnx-fuzz.XXXXXX", tmp);
		if (mkdtemp(scratch) == NULL) {
			perror(scratch);
			abort();
		}
		atexit(scratch_cleanup);
	}
	return scratch;
}

void
fuzz_write(const char *path, const void *data, size_t len)
{
	FILE *fp;

	/* A new file rather than a truncated one: no flush on close. */
	(void)unlink(path);
	fp = fopen(path, "wb");

	if (fp == NULL || (len > 0 && fwrite(data, 1, len, fp) != len)
	    || fclose(fp) != 0) {
		perror(path);
		abort();
	}
}
