/*
 * cli.h - pieces shared by the dsnexplain subcommands
 *
 * The command line tool is a thin adapter: it reads files, calls the same
 * library functions a milter calls, and prints.  Nothing here interprets
 * a message.
 */
#ifndef DSNX_CLI_H
#define DSNX_CLI_H

#include <stddef.h>

#include "dsnexplain.h"

#define EXIT_FINDING 1   /* lint errors; not a DSN with --strict */
#define EXIT_TROUBLE 2   /* usage or I/O error */

extern const char *progname;

/*
 * Writes one line to stderr: fmt formatted, every control character
 * and invalid UTF-8 byte escaped (dsnx_text_escape()), then a newline.
 * File names, rule texts and what a message says reach stderr only
 * through it, so none of them can break a line or talk to a terminal.
 */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Reads a whole file ("-" is standard input) into a malloc'ed buffer of
 * at most limit bytes.  On failure returns -1 with a message in why.
 */
int cli_read_file(const char *path, size_t limit, char **buf, size_t *len,
    char *why, size_t why_size);

/*
 * Loads the rule set from rules_dir (NULL: the installed directory) and
 * site_dir (NULL: the installed site directory when rules_dir is NULL,
 * else none).  Problems go to stderr as "file:line:col: message".
 * Returns NULL after printing them.
 */
dsnx_ruleset *cli_load_rules(const char *rules_dir, const char *site_dir,
    unsigned *problems);
/* The same, returning why it failed (DSNX_EIO: a file or directory could
 * not be read; DSNX_EPARSE: the rules have mistakes) and the set in *out. */
dsnx_status cli_load_ruleset(const char *rules_dir, const char *site_dir,
    unsigned *problems, dsnx_ruleset **out);

/* Consumes --rules DIR / --site-rules DIR (and the --x=DIR forms) at
 * argv[*i]; returns 1 if it did, 0 if argv[*i] is something else, -1 for
 * a missing argument (after printing why). */
int cli_rule_option(int argc, char **argv, int *i, const char **rules,
    const char **site);

/* Consumes --match-budget N / --match-cpu MS at argv[*i] into o; returns
 * as cli_rule_option() does. */
int cli_budget_option(int argc, char **argv, int *i,
    dsnx_classify_options *o);

int cmd_classify(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_rewrite(int argc, char **argv);

#endif
