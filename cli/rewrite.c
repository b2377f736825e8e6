/*
 * rewrite - "dsnexplain rewrite": the enriched bounce on standard output
 *
 * Calls dsnx_rewrite_message(), the function the milter calls, and
 * writes the result: the new message, or the original bytes unchanged
 * with the reason on stderr.  Exit 0 either way; 2 for usage, an
 * unknown --tz zone, unreadable input or rules that do not load.
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
	    "[--lang LL|auto] [--lang-fallback LL] [--tz ZONE] [--subject] [--max-size BYTES] "
	    "[--match-budget N] [--match-cpu MS] [FILE|-]\n", progname);
}

static int rewrite_file(const char *rules_dir, const char *site_dir,
    const char *file, const dsnx_rewrite_options *opt);

int
cmd_rewrite(int argc, char **argv)
{
	const char *rules_dir = NULL, *site_dir = NULL, *file = "-";
	const char *zone = NULL;
	dsnx_rewrite_options opt;
	dsnx_error_t err;
	dsnx_tz *tz = NULL;
	char *end;
	int i, k, have_file = 0, status;

	dsnx_rewrite_options_init(&opt);
	for (i = 1; i < argc; i++) {
		if ((k = cli_rule_option(argc, argv, &i, &rules_dir, &site_dir)) < 0)
			return EXIT_TROUBLE;
		if (k > 0)
			continue;
		if ((k = cli_budget_option(argc, argv, &i, &opt.classify)) < 0)
			return EXIT_TROUBLE;
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
		else if (strcmp(argv[i], "--max-size") == 0 && i + 1 < argc) {
			opt.max_size = strtoul(argv[++i], &end, 10);
			if (*end != '\0') {
				usage();
				return EXIT_TROUBLE;
			}
		} else if ((argv[i][0] != '-' || argv[i][1] == '\0') && !have_file) {
			file = argv[i];
			have_file = 1;
		} else {
			usage();
			return EXIT_TROUBLE;
		}
	}
	/* The system's tz database; the dates shown follow its DST rules. */
	if (zone != NULL && dsnx_tz_load(zone, NULL, &tz, &err) != DSNX_OK) {
		fprintf(stderr, "%s: --tz %s: %s; want a zone such as "
		    "Europe/Berlin, UTC or +HH:MM\n", progname, zone, err.text);
		return EXIT_TROUBLE;
	}
	opt.render.tz = tz;
	status = rewrite_file(rules_dir, site_dir, file, &opt);
	dsnx_tz_free(tz);
	return status;
}

/* Rewrites file with the rules and options given; the exit status. */
static int
rewrite_file(const char *rules_dir, const char *site_dir, const char *file,
    const dsnx_rewrite_options *opt)
{
	dsnx_ruleset *rules;
	dsnx_context *ctx;
	dsnx_rewrite *rw;
	char why[256], *buf;
	const char *outp;
	size_t len, outlen;
	int status = 0;

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
	if (cli_read_file(file, dsnx_context_limits(ctx)->max_message, &buf, &len,
	    why, sizeof(why)) != 0) {
		cli_warn("%s: %s: %s", progname, file, why);
		dsnx_context_free(ctx);
		dsnx_ruleset_unref(rules);
		return EXIT_TROUBLE;
	}
	if (dsnx_rewrite_message(ctx, rules, buf, len, opt, &rw) != DSNX_OK) {
		/* Never lose the message: out of memory passes it unchanged. */
		cli_warn("%s: %s: unchanged: out of memory", progname, file);
		fwrite(buf, 1, len, stdout);
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
		if (fwrite(outp, 1, outlen, stdout) != outlen)
			status = EXIT_TROUBLE;
		dsnx_rewrite_free(rw);
	}
	if (fflush(stdout) != 0)
		status = EXIT_TROUBLE;
	free(buf);
	dsnx_context_free(ctx);
	dsnx_ruleset_unref(rules);
	return status;
}
