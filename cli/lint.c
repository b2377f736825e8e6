/*
 * lint - "dsnexplain lint": check rule files and run their examples
 *
 * Loading a rule set already checks everything (members, types, patterns,
 * causes, ids, examples); lint loads it and says what it found.  Exit 0
 * when the set is good, 1 when it has problems, 2 when a file or the
 * directory could not be read.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"

int
cmd_lint(int argc, char **argv)
{
	const char *rules_dir = NULL, *site_dir = NULL;
	dsnx_ruleset *set;
	unsigned problems = 0;
	int i, k;
	dsnx_status st;

	for (i = 1; i < argc; i++) {
		if ((k = cli_rule_option(argc, argv, &i, &rules_dir, &site_dir)) < 0)
			return EXIT_TROUBLE;
		if (k == 0) {
			fprintf(stderr, "usage: %s lint [--rules DIR] [--site-rules DIR]\n",
			    progname);
			return EXIT_TROUBLE;
		}
	}
	/* One load: its status tells an unreadable directory from a set
	 * with mistakes. */
	if ((st = cli_load_ruleset(rules_dir, site_dir, &problems, &set))
	    != DSNX_OK)
		return st == DSNX_EPARSE ? EXIT_FINDING : EXIT_TROUBLE;
	printf("lint: %u rules, %u causes, %u examples: all good\n",
	    dsnx_ruleset_rule_count(set), dsnx_ruleset_cause_count(set),
	    dsnx_ruleset_example_count(set));
	dsnx_ruleset_unref(set);
	return 0;
}
