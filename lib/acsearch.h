/*
 * acsearch.h - find many literal strings in one pass (Aho-Corasick)
 *
 * The rule engine's prefilter: every text condition of every rule has a
 * literal that any match must contain ("connection refused" in
 * "connect to \S+: connection refused"); one scan of a diagnostic finds
 * which literals occur, so only the rules whose literals occur run their
 * regular expressions.  ASCII letters match case-insensitively; other bytes
 * exactly.  Built once, then read-only: one automaton may be scanned by any
 * number of threads at once.  No global state.
 */
#ifndef DSNX_ACSEARCH_H
#define DSNX_ACSEARCH_H

#include <stddef.h>
#include <stdint.h>
#include "dsnexplain.h"

typedef struct dsnx_ac dsnx_ac;

dsnx_status dsnx_ac_new(dsnx_ac **out);
void dsnx_ac_free(dsnx_ac *ac);
/*
 * Adds a literal of len >= 1 bytes with an id (ids need not be dense or
 * unique: two literals may share one id, and one literal may be added
 * under several ids).  Only before dsnx_ac_compile().
 */
dsnx_status dsnx_ac_add(dsnx_ac *ac, const char *literal, size_t len,
    unsigned id);
/* Builds the automaton; afterwards only scans are allowed. */
dsnx_status dsnx_ac_compile(dsnx_ac *ac);
/* Number of 64-bit words a 'seen' set needs: (largest id + 64) / 64. */
size_t dsnx_ac_words(const dsnx_ac *ac);
/* Sets bit id of seen (seen[id / 64] bit id % 64) for every literal that
 * occurs in text.  The caller clears seen first.  Linear in len. */
void dsnx_ac_scan(const dsnx_ac *ac, const char *text, size_t len,
    uint64_t *seen);

#endif
