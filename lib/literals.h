/*
 * literals.h - text that every match of a pattern must contain
 *
 * The prefilter's literals: found once per pattern when a rule set is
 * indexed, then looked for with one Aho-Corasick scan per field.  No
 * global state.
 */
#ifndef DSNX_LITERALS_H
#define DSNX_LITERALS_H

#include <stddef.h>

/* Literals for the prefilter: any match contains at least one of them. */
#define LITERAL_SET_MAX 256
#define LITERAL_MAX 64
typedef struct literal_set {
	unsigned count;             /* 0: no prefilter possible */
	char lit[LITERAL_SET_MAX][LITERAL_MAX];
	size_t len[LITERAL_SET_MAX];
} literal_set;

void dsnx_pattern_literals(const char *pattern, literal_set *out);
/*
 * The single literal every match of pattern must contain, lower-cased,
 * into buf (size bytes); returns its length, 0 when there is none of at
 * least 3 bytes (or only a set of alternatives).
 */
size_t dsnx_pattern_literal(const char *pattern, char *buf, size_t size);

#endif
