/*
 * bench_parse - how many messages per second dsnx_report_read() handles
 *
 * Usage: bench_parse [-n N] [-r RULES_DIR [-w]] DIR_OR_FILE...
 *
 * Collects the *.eml files below every DIR (recursively; a FILE named on
 * the command line is taken whatever its name), loads them all into memory,
 * then times N passes over them on one thread: dsnx_report_read(), a walk
 * over every recipient that reads each field (and, with -r, classifies it
 * with the rule set loaded from RULES_DIR), dsnx_report_free(); with -w,
 * dsnx_rewrite_message() (parse, classify, render, rewrite) instead.  Without
 * -n, one untimed warm-up pass picks N so that the run lasts about 3 s.
 * Prints
 *
 *	bench: M messages x N passes: X messages/s, Y MB/s, Z ms per message
 *	(single thread)
 *
 * with MB = 10^6 bytes of input, all figures from the process's CPU time
 * (a shared machine's clock mostly measures the neighbours).  It does no I/O while timing, uses one
 * context for everything (as a milter does), and reports nothing about
 * correctness beyond counting reads that failed (on stderr).  It is not a
 * test: `make check` does not run it; `make bench` does.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dsnexplain.h"

#define TARGET_SECONDS 3.0
#define MAX_PASSES 1000000UL
#define MAX_WALK_DEPTH 32

typedef struct message {
	char *buf;
	size_t len;
} message;

typedef struct message_list {
	message *v;
	size_t count;
	size_t cap;
	size_t bytes;
} message_list;

/* Read by nothing, written by every pass: keeps the walk from being
 * optimised away. */
static volatile uint64_t sink;

static void
die(const char *what)
{
	fprintf(stderr, "bench_parse: %s\n", what);
	exit(2);
}

static int
has_eml_suffix(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && strcmp(name + n - 4, ".eml") == 0;
}

static void
load_file(message_list *list, const char *path)
{
	FILE *fp;
	struct stat sb;
	char *buf;
	size_t len;

	if ((fp = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "bench_parse: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	if (fstat(fileno(fp), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		fprintf(stderr, "bench_parse: %s: not a regular file\n", path);
		exit(2);
	}
	len = (size_t)sb.st_size;
	if ((buf = malloc(len ? len : 1)) == NULL)
		die("out of memory");
	if (len > 0 && fread(buf, 1, len, fp) != len) {
		fprintf(stderr, "bench_parse: %s: short read\n", path);
		exit(2);
	}
	fclose(fp);
	if (list->count == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 256;
		message *v = realloc(list->v, cap * sizeof(*v));

		if (v == NULL)
			die("out of memory");
		list->v = v;
		list->cap = cap;
	}
	list->v[list->count].buf = buf;
	list->v[list->count].len = len;
	list->count++;
	list->bytes += len;
}

static int
compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Loads every *.eml below dir, in name order so runs are comparable. */
static void
load_dir(message_list *list, const char *dir, int depth)
{
	DIR *d;
	struct dirent *e;
	char **names = NULL, path[PATH_MAX];
	size_t n = 0, cap = 0, i;
	struct stat sb;

	if (depth > MAX_WALK_DEPTH)
		return;
	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "bench_parse: %s: %s\n", dir, strerror(errno));
		exit(2);
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **v;

			cap = cap ? cap * 2 : 64;
			if ((v = realloc(names, cap * sizeof(*v))) == NULL)
				die("out of memory");
			names = v;
		}
		if ((names[n++] = strdup(e->d_name)) == NULL)
			die("out of memory");
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), compare_names);
	for (i = 0; i < n; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, names[i])
		    >= sizeof(path))
			die("path too long");
		if (stat(path, &sb) == 0) {
			if (S_ISDIR(sb.st_mode))
				load_dir(list, path, depth + 1);
			else if (S_ISREG(sb.st_mode) && has_eml_suffix(names[i]))
				load_file(list, path);
		}
		free(names[i]);
	}
	free(names);
}

static double
now(void)
{
	struct timespec ts;

	/* CPU time of this (single-threaded) process: on a shared machine
	 * the clock mostly measures the neighbours. */
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t
touch(const char *s)
{
	return s != NULL ? (uint64_t)(unsigned char)s[0] + strlen(s) : 1;
}

/* One pass over every message; returns how many reads failed.  With a
 * rule set, every recipient is classified too. */
static size_t
one_pass(const dsnx_context *ctx, const dsnx_ruleset *rules,
    const message_list *list, int rewrite)
{
	size_t i, failed = 0;
	uint64_t sum = 0;

	for (i = 0; i < list->count; i++) {
		if (rewrite) {
			dsnx_rewrite *rw;
			size_t olen;

			if (dsnx_rewrite_message(ctx, rules, list->v[i].buf,
			    list->v[i].len, NULL, &rw) != DSNX_OK) {
				failed++;
				continue;
			}
			sum += (uint64_t)dsnx_rewrite_changed(rw);
			sum += touch(dsnx_rewrite_output(rw, &olen)) + olen;
			dsnx_rewrite_free(rw);
			continue;
		}
		dsnx_report *r;
		unsigned k, n;

		if (dsnx_report_read(ctx, list->v[i].buf, list->v[i].len, &r)
		    != DSNX_OK) {
			failed++;
			continue;
		}
		sum += (uint64_t)dsnx_report_is_dsn(r) + dsnx_report_flags(r);
		sum += touch(dsnx_report_format(r));
		sum += touch(dsnx_report_reporting_mta(r));
		n = dsnx_report_recipient_count(r);
		for (k = 0; k < n; k++) {
			const dsnx_recipient *rc = dsnx_report_recipient(r, k);

			sum += touch(rc->recipient) + touch(rc->action);
			sum += touch(rc->status) + touch(rc->diagnostic);
			sum += touch(rc->remote_mta) + (uint64_t)rc->reply;
			sum += (uint64_t)rc->has_will_retry_until
			    + (uint64_t)rc->has_last_attempt + rc->extra_count;
		}
		if (rules != NULL) {
			dsnx_classification *c;

			if (dsnx_classify_message(rules, r, NULL, &c) == DSNX_OK) {
				for (k = 0; k < n; k++) {
					const dsnx_verdict *v
					    = dsnx_classification_verdict(c, k);

					sum += touch(v->reason) + touch(v->cause);
				}
				dsnx_classification_free(c);
			}
		}
		dsnx_report_free(r);
	}
	sink += sum;
	return failed;
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_parse [-n N] [-r RULES_DIR [-w]] "
	    "DIR_OR_FILE...\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	message_list list = { NULL, 0, 0, 0 };
	dsnx_context *ctx;
	dsnx_ruleset *rules = NULL;
	const char *rules_dir = NULL;
	dsnx_error_t err;
	unsigned long passes = 0, p;
	size_t failed = 0, i;
	double t0, elapsed;
	char *end;
	int c, rewrite = 0;

	while ((c = getopt(argc, argv, "n:r:w")) != -1) {
		switch (c) {
		case 'w':
			rewrite = 1;
			break;
		case 'r':
			rules_dir = optarg;
			break;
		case 'n':
			errno = 0;
			passes = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || passes == 0
			    || passes > MAX_PASSES)
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	for (; optind < argc; optind++) {
		struct stat sb;

		if (stat(argv[optind], &sb) != 0) {
			fprintf(stderr, "bench_parse: %s: %s\n", argv[optind],
			    strerror(errno));
			return 2;
		}
		if (S_ISDIR(sb.st_mode))
			load_dir(&list, argv[optind], 0);
		else
			load_file(&list, argv[optind]);
	}
	if (list.count == 0)
		die("no *.eml files found");
	memset(&err, 0, sizeof(err));
	if (dsnx_context_new(NULL, &ctx, &err) != DSNX_OK) {
		fprintf(stderr, "bench_parse: context: %s %s\n", err.source,
		    err.text);
		return 2;
	}

	if (rewrite && rules_dir == NULL)
		usage();
	if (rules_dir != NULL && dsnx_ruleset_load(rules_dir, NULL, NULL, NULL,
	    &rules) != DSNX_OK) {
		fprintf(stderr, "bench_parse: %s: the rules do not load (run "
		    "dsnexplain lint)\n", rules_dir);
		return 2;
	}

	/* Warm-up (caches, allocator, PCRE2 JIT); also sizes N. */
	t0 = now();
	failed = one_pass(ctx, rules, &list, rewrite);
	elapsed = now() - t0;
	if (passes == 0) {
		double n = elapsed > 0 ? TARGET_SECONDS / elapsed : MAX_PASSES;

		passes = n < 1 ? 1 : n > MAX_PASSES ? MAX_PASSES
		    : (unsigned long)n;
	}

	failed = 0;
	t0 = now();
	for (p = 0; p < passes; p++)
		failed += one_pass(ctx, rules, &list, rewrite);
	elapsed = now() - t0;
	if (elapsed <= 0)
		elapsed = 1e-9;

	if (failed > 0)
		fprintf(stderr, "bench_parse: %zu reads failed\n", failed);
	printf("bench: %zu messages x %lu passes: %.0f messages/s, %.1f MB/s, "
	    "%.3f ms per message (single thread", list.count, passes,
	    (double)list.count * (double)passes / elapsed,
	    (double)list.bytes * (double)passes / elapsed / 1e6,
	    elapsed * 1e3 / ((double)list.count * (double)passes));
	if (rules != NULL)
		printf(", %s with %u rules", rewrite ? "rewritten" : "classified",
		    dsnx_ruleset_rule_count(rules));
	printf(")\n");
	dsnx_ruleset_unref(rules);

	dsnx_context_free(ctx);
	for (i = 0; i < list.count; i++)
		free(list.v[i].buf);
	free(list.v);
	return failed > 0 ? 1 : 0;
}
