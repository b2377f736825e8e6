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
 * Reads a whole file ("-" is standard input) into a malloc'ed buffer of
 * at most limit bytes.  On failure returns -1 with a message in why.
 */
int cli_read_file(const char *path, size_t limit, char **buf, size_t *len,
    char *why, size_t why_size);

/* Checks a --rules argument: an existing, readable directory. */
int cli_check_rules_dir(const char *dir);

int cmd_classify(int argc, char **argv);

#endif
