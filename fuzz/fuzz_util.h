/*
 * fuzz_util.h - what the libFuzzer targets of fuzz/ share
 *
 * The shipped rule set loaded once per process, a private scratch
 * directory for targets whose code under test reads files, and the
 * check that turns a broken invariant into a crash libFuzzer reports.
 * Test scaffolding only: nothing here is part of the library or the
 * milter.
 */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H

#include <stddef.h>

#include "dsnexplain.h"

/* Aborts with the message when cond is false (an invariant broke). */
#define FUZZ_CHECK(cond, ...) \
	((cond) ? (void)0 : fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__))

void fuzz_fail(const char *file, int line, const char *cond,
    const char *fmt, ...) __attribute__((noreturn, format(printf, 4, 5)));

/* The rule directory: $DSNX_FUZZ_RULES, else the tree's rules/. */
const char *fuzz_rules_dir(void);
/* The shipped rule set, loaded on the first call; aborts when it fails. */
dsnx_ruleset *fuzz_rules(void);
/* A scratch directory of this process ($DSNX_FUZZ_TMPDIR, /dev/shm,
 * $TMPDIR or /tmp), removed at exit with what the target left in it
 * (one level of subdirectories). */
const char *fuzz_scratch(void);
/* Writes len bytes to path (created or truncated); aborts on failure. */
void fuzz_write(const char *path, const void *data, size_t len);

#endif
