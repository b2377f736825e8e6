/*
 * dsnexplain - offline front end to libdsnexplain
 *
 * Dispatches subcommands and reads input files.  Subcommands live in their
 * own files (classify.c, ...).  Exit status: 0 success, 1 a finding,
 * 2 usage or I/O error.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
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
	    "usage: %s classify [RULE OPTIONS] [--json] [--strict] FILE...\n"
	    "       %s explain [RULE OPTIONS] FILE\n"
	    "       %s lint [RULE OPTIONS]\n"
	    "       %s rewrite [RULE OPTIONS] [--lang LL|auto] [--lang-fallback LL]\n"
	    "               [--tz ZONE] [--subject] [--wrap-single] [--keep-fields]\n"
	    "               [--max-size BYTES] [FILE|-]\n"
	    "       %s --version | --help\n"
	    "\n"
	    "classify  read each FILE ('-' is standard input), say whether it is\n"
	    "          a delivery status notification, what it reports for each\n"
	    "          recipient and why (one JSON object per line with --json)\n"
	    "explain   show what was read from FILE and, per recipient, which\n"
	    "          rules were tried, which condition failed, which one won\n"
	    "lint      check the rule files and run every rule's examples\n"
	    "rewrite   write FILE with the explanation added (what the milter\n"
	    "          does); unchanged, with the reason on stderr, when it\n"
	    "          is no bounce or cannot be rewritten safely\n"
	    "\n"
	    "RULE OPTIONS: --rules DIR (default %s)\n"
	    "              --site-rules DIR (default %s when --rules is not given)\n",
	    progname, progname, progname, progname, progname, DSNX_RULES_DIR,
	    DSNX_SITE_RULES_DIR);
}

void
cli_warn(const char *fmt, ...)
{
	char line[2048], out[4 * sizeof(line)];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 1;
	(void)dsnx_text_escape(out, sizeof(out), line, (size_t)n);
	fprintf(stderr, "%s\n", out);
}

static void
print_problem(const dsnx_error_t *err, void *arg)
{
	unsigned *count = arg;

	if (err->warning) {
		cli_warn("%s: warning: %s", err->source, err->text);
		return;
	}
	(*count)++;
	if (err->line > 0)
		cli_warn("%s:%d:%d: %s", err->source, err->line, err->column,
		    err->text);
	else
		cli_warn("%s: %s", err->source, err->text);
}

int
cli_rule_option(int argc, char **argv, int *i, const char **rules,
    const char **site)
{
	static const struct {
		const char *name;
		size_t len;
	} opts[2] = { { "--rules", 7 }, { "--site-rules", 12 } };
	const char **dst[2] = { rules, site };
	int k;

	for (k = 0; k < 2; k++) {
		const char *a = argv[*i];

		if (strncmp(a, opts[k].name, opts[k].len) != 0)
			continue;
		if (a[opts[k].len] == '=') {
			*dst[k] = a + opts[k].len + 1;
			return 1;
		}
		if (a[opts[k].len] != '\0')
			continue;
		if (*i + 1 >= argc) {
			fprintf(stderr, "%s: %s needs a directory\n", progname,
			    opts[k].name);
			return -1;
		}
		*dst[k] = argv[++*i];
		return 1;
	}
	return 0;
}

/* An option's value as a whole non-negative number, or -1. */
static long long
whole_number(const char *s)
{
	char *end;
	unsigned long long v;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > (unsigned long long)LLONG_MAX)
		return -1;
	return (long long)v;
}

int
cli_budget_option(int argc, char **argv, int *i, dsnx_classify_options *o)
{
	static const char *const names[2] = { "--match-budget", "--match-cpu" };
	const char *a = argv[*i], *value = NULL;
	long long v;
	size_t len;
	int k;

	for (k = 0; k < 2; k++) {
		len = strlen(names[k]);
		if (strncmp(a, names[k], len) != 0)
			continue;
		if (a[len] == '=')
			value = a + len + 1;
		else if (a[len] != '\0')
			continue;
		else if (*i + 1 < argc)
			value = argv[++*i];
		break;
	}
	if (k == 2)
		return 0;
	if (value == NULL || (v = whole_number(value)) < 0
	    || (k == 1 && v > UINT_MAX) || (k == 0 && (unsigned long long)v
	    > ULONG_MAX)) {
		fprintf(stderr, "%s: %s needs a whole number (0: no limit)\n",
		    progname, names[k]);
		return -1;
	}
	if (k == 0)
		o->match_budget = (unsigned long)v;
	else
		o->cpu_ms = (unsigned)v;
	return 1;
}

dsnx_ruleset *
cli_load_rules(const char *rules_dir, const char *site_dir, unsigned *problems)
{
	dsnx_ruleset *set = NULL;

	cli_load_ruleset(rules_dir, site_dir, problems, &set);
	return set;
}

dsnx_status
cli_load_ruleset(const char *rules_dir, const char *site_dir,
    unsigned *problems, dsnx_ruleset **out)
{
	unsigned count = 0;
	dsnx_status st;

	*out = NULL;
	if (rules_dir == NULL) {
		rules_dir = DSNX_RULES_DIR;
		if (site_dir == NULL)
			site_dir = DSNX_SITE_RULES_DIR;
	}
	st = dsnx_ruleset_load(rules_dir, site_dir, print_problem, &count, out);
	if (problems != NULL)
		*problems = count;
	if (st != DSNX_OK)
		cli_warn("%s: rules in %s%s%s not loaded: %u problem%s (%s)",
		    progname, rules_dir, site_dir ? " and " : "", site_dir ? site_dir
		    : "", count, count == 1 ? "" : "s", dsnx_strstatus(st));
	return st;
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
	if (strcmp(argv[1], "explain") == 0)
		return cmd_explain(argc - 1, argv + 1);
	if (strcmp(argv[1], "lint") == 0)
		return cmd_lint(argc - 1, argv + 1);
	if (strcmp(argv[1], "rewrite") == 0)
		return cmd_rewrite(argc - 1, argv + 1);
	fprintf(stderr, "%s: unknown command '%s'\n", progname, argv[1]);
	usage(stderr);
	return EXIT_TROUBLE;
}
