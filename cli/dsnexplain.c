/*
 * dsnexplain - offline front end to libdsnexplain
 *
 * Dispatches subcommands and reads input files.  Subcommands live in their
 * own files (classify.c, ...).  Exit status: 0 success, 1 a finding,
 * 2 usage or I/O error.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

const char *progname = "dsnexplain";

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: %s classify [--rules DIR] [--json] [--strict] FILE...\n"
	    "       %s --version | --help\n"
	    "\n"
	    "classify  read each FILE ('-' is standard input), say whether it is\n"
	    "          a delivery status notification, and what it reports for\n"
	    "          each recipient (one JSON object per line with --json)\n",
	    progname, progname);
}

int
cli_check_rules_dir(const char *dir)
{
	struct stat sb;

	if (stat(dir, &sb) != 0) {
		fprintf(stderr, "%s: %s: %s\n", progname, dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(sb.st_mode)) {
		fprintf(stderr, "%s: %s: not a directory\n", progname, dir);
		return -1;
	}
	return 0;
}

int
cli_read_file(const char *path, size_t limit, char **bufp, size_t *lenp,
    char *why, size_t why_size)
{
	FILE *fp;
	struct stat sb;
	char *buf = NULL, *p;
	size_t len = 0, cap = 0, n;
	int is_stdin = strcmp(path, "-") == 0;

	*bufp = NULL;
	*lenp = 0;
	fp = is_stdin ? stdin : fopen(path, "rb");
	if (fp == NULL) {
		snprintf(why, why_size, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fileno(fp), &sb) == 0) {
		if (S_ISDIR(sb.st_mode)) {
			snprintf(why, why_size, "is a directory");
			goto fail;
		}
		if (S_ISREG(sb.st_mode) && (size_t)sb.st_size > limit) {
			snprintf(why, why_size, "larger than the %zu byte message "
			    "limit", limit);
			goto fail;
		}
		if (S_ISREG(sb.st_mode))
			cap = (size_t)sb.st_size + 1;
	}
	if (cap == 0)
		cap = 65536;
	for (;;) {
		if (len == cap || buf == NULL) {
			size_t ncap = buf == NULL ? cap : cap * 2;

			if (ncap > limit + 1)
				ncap = limit + 1;
			if ((p = realloc(buf, ncap)) == NULL) {
				snprintf(why, why_size, "out of memory");
				goto fail;
			}
			buf = p;
			cap = ncap;
		}
		n = fread(buf + len, 1, cap - len, fp);
		len += n;
		if (len > limit) {
			snprintf(why, why_size, "larger than the %zu byte message "
			    "limit", limit);
			goto fail;
		}
		if (n == 0) {
			if (ferror(fp)) {
				snprintf(why, why_size, "%s", strerror(errno));
				goto fail;
			}
			break;
		}
	}
	if (!is_stdin)
		fclose(fp);
	*bufp = buf;
	*lenp = len;
	return 0;
fail:
	free(buf);
	if (!is_stdin)
		fclose(fp);
	return -1;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_TROUBLE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("dsnexplain %s\n", DSNX_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "classify") == 0)
		return cmd_classify(argc - 1, argv + 1);
	fprintf(stderr, "%s: unknown command '%s'\n", progname, argv[1]);
	usage(stderr);
	return EXIT_TROUBLE;
}
