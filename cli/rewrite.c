/*
 * rewrite - "dsnexplain rewrite": the enriched bounce on standard output
 *
 * Calls dsnx_rewrite_message(), the function the milter calls, and
 * writes the result: the new message, or the original bytes unchanged
 * with the reason on stderr.  Exit 0 either way; 2 for usage, an
 * unknown --tz zone, unreadable input or rules that do not load.
 *
 * With --out-dir DIR it takes any number of files and writes the result
 * for the n-th of them to DIR/n.eml (n from 1), loading the rules once:
 * the test that runs independent readers over every corpus message in
 * every language would otherwise spend nearly all its time loading the
 * rules again for each message.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void
usage(void)
{
	fprintf(stderr, "usage: %s rewrite [--rules DIR] [--site-rules DIR] "
	    "[--lang LL|auto] [--lang-fallback LL] [--tz ZONE] [--subject] [--wrap-single] "
	    "[--keep-fields] [--max-size BYTES] [--match-budget N] [--match-cpu MS] [FILE|-]\n"
	    "       %s rewrite [OPTIONS] --out-dir DIR FILE...\n",
	    progname, progname);
}

static int rewrite_files(const char *rules_dir, const char *site_dir,
    char **files, int nfiles, const char *out_dir,
    const dsnx_rewrite_options *opt);

int
cmd_rewrite(int argc, char **argv)
{
	const char *rules_dir = NULL, *site_dir = NULL, *out_dir = NULL;
	const char *zone = NULL;
	char *stdin_name = "-";
	char **files;
	dsnx_rewrite_options opt;
	dsnx_error_t err;
	dsnx_tz *tz = NULL;
	char *end;
	int i, k, nfiles = 0, status;

	/* argv outlives the call; the list only points into it. */
	if ((files = calloc((size_t)argc + 1, sizeof(*files))) == NULL) {
		fprintf(stderr, "%s: out of memory\n", progname);
		return EXIT_TROUBLE;
	}
	dsnx_rewrite_options_init(&opt);
	for (i = 1; i < argc; i++) {
		if ((k = cli_rule_option(argc, argv, &i, &rules_dir, &site_dir)) < 0) {
			free(files);
			return EXIT_TROUBLE;
		}
		if (k > 0)
			continue;
		if ((k = cli_budget_option(argc, argv, &i, &opt.classify)) < 0) {
			free(files);
			return EXIT_TROUBLE;
		}
		if (k > 0)
			continue;
		if (strcmp(argv[i], "--lang") == 0 && i + 1 < argc)
			opt.render.lang = argv[++i];
		else if (strcmp(argv[i], "--lang-fallback") == 0 && i + 1 < argc)
			opt.render.fallback_lang = argv[++i];
		else if (strcmp(argv[i], "--tz") == 0 && i + 1 < argc)
			zone = argv[++i];
		else if (strcmp(argv[i], "--subject") == 0)
			opt.subject = 1;
		else if (strcmp(argv[i], "--wrap-single") == 0)
			opt.wrap_single = 1;
		else if (strcmp(argv[i], "--keep-fields") == 0)
			opt.keep_fields = 1;
		else if (strcmp(argv[i], "--max-size") == 0 && i + 1 < argc) {
			opt.max_size = strtoul(argv[++i], &end, 10);
			if (*end != '\0') {
				usage();
				free(files);
				return EXIT_TROUBLE;
			}
		} else if (strcmp(argv[i], "--out-dir") == 0 && i + 1 < argc)
			out_dir = argv[++i];
		else if (argv[i][0] != '-' || argv[i][1] == '\0')
			files[nfiles++] = argv[i];
		else {
			usage();
			free(files);
			return EXIT_TROUBLE;
		}
	}
	/* Standard output holds one message: several files need --out-dir. */
	if ((out_dir == NULL && nfiles > 1) || (out_dir != NULL && nfiles == 0)) {
		usage();
		free(files);
		return EXIT_TROUBLE;
	}
	if (nfiles == 0)
		files[nfiles++] = stdin_name;
	/* The system's tz database; the dates shown follow its DST rules. */
	if (zone != NULL && dsnx_tz_load(zone, NULL, &tz, &err) != DSNX_OK) {
		fprintf(stderr, "%s: --tz %s: %s; want a zone such as "
		    "Europe/Berlin, UTC or +HH:MM\n", progname, zone, err.text);
		free(files);
		return EXIT_TROUBLE;
	}
	opt.render.tz = tz;
	status = rewrite_files(rules_dir, site_dir, files, nfiles, out_dir, &opt);
	dsnx_tz_free(tz);
	free(files);
	return status;
}

/* Rewrites file with the rules and context given onto out; the exit
 * status. */
static int
rewrite_file(dsnx_ruleset *rules, dsnx_context *ctx, const char *file,
    const dsnx_rewrite_options *opt, FILE *out)
{
	dsnx_rewrite *rw;
	char why[256], *buf;
	const char *outp;
	size_t len, outlen;
	int status = 0;

	if (cli_read_file(file, dsnx_context_limits(ctx)->max_message, &buf, &len,
	    why, sizeof(why)) != 0) {
		cli_warn("%s: %s: %s", progname, file, why);
		return EXIT_TROUBLE;
	}
	if (dsnx_rewrite_message(ctx, rules, buf, len, opt, &rw) != DSNX_OK) {
		/* Never lose the message: out of memory passes it unchanged. */
		cli_warn("%s: %s: unchanged: out of memory", progname, file);
		if (fwrite(buf, 1, len, out) != len)
			status = EXIT_TROUBLE;
	} else {
		const dsnx_classification *v = dsnx_rewrite_verdicts(rw);

		if (!dsnx_rewrite_changed(rw))
			cli_warn("%s: %s: unchanged: %s", progname, file,
			    dsnx_rewrite_why(rw));
		if (v != NULL && dsnx_classification_unclassified(v) > 0)
			cli_warn("%s: %s: the match budget ran out: %u of %u "
			    "recipient%s not classified", progname, file,
			    dsnx_classification_unclassified(v),
			    dsnx_classification_count(v),
			    dsnx_classification_count(v) == 1 ? "" : "s");
		outp = dsnx_rewrite_output(rw, &outlen);
		if (fwrite(outp, 1, outlen, out) != outlen)
			status = EXIT_TROUBLE;
		dsnx_rewrite_free(rw);
	}
	if (fflush(out) != 0)
		status = EXIT_TROUBLE;
	free(buf);
	return status;
}

/* Loads the rules once and rewrites every file: onto standard output, or
 * with out_dir the n-th file into out_dir/n.eml.  The worst exit status. */
static int
rewrite_files(const char *rules_dir, const char *site_dir, char **files,
    int nfiles, const char *out_dir, const dsnx_rewrite_options *opt)
{
	dsnx_ruleset *rules;
	dsnx_context *ctx;
	char path[4096];
	FILE *out;
	int i, k, status = 0;

	if ((rules = cli_load_rules(rules_dir, site_dir, NULL)) == NULL)
		return EXIT_TROUBLE;
	if (opt->render.lang != NULL && strcmp(opt->render.lang, "auto") != 0
	    && !dsnx_ruleset_has_lang(rules, opt->render.lang))
		fprintf(stderr, "%s: no texts in language \"%s\"; using English\n",
		    progname, opt->render.lang);
	if (opt->render.fallback_lang != NULL && !dsnx_ruleset_has_lang(rules,
	    opt->render.fallback_lang))
		fprintf(stderr, "%s: no texts in fallback language \"%s\"; using "
		    "English\n", progname, opt->render.fallback_lang);
	if (dsnx_context_new(NULL, &ctx, NULL) != DSNX_OK) {
		dsnx_ruleset_unref(rules);
		return EXIT_TROUBLE;
	}
	for (i = 0; i < nfiles; i++) {
		if (out_dir == NULL) {
			k = rewrite_file(rules, ctx, files[i], opt, stdout);
		} else {
			if ((size_t)snprintf(path, sizeof(path), "%s/%d.eml", out_dir,
			    i + 1) >= sizeof(path)) {
				fprintf(stderr, "%s: --out-dir %s: name too long\n",
				    progname, out_dir);
				status = EXIT_TROUBLE;
				break;
			}
			if ((out = fopen(path, "wb")) == NULL) {
				fprintf(stderr, "%s: %s: cannot create\n", progname, path);
				status = EXIT_TROUBLE;
				break;
			}
			k = rewrite_file(rules, ctx, files[i], opt, out);
			if (fclose(out) != 0)
				k = EXIT_TROUBLE;
		}
		if (k > status)
			status = k;
	}
	dsnx_context_free(ctx);
	dsnx_ruleset_unref(rules);
	return status;
}
