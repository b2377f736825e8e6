/*
 * rules_loader.h - what the parts of the rule loader share during a load
 *
 * dsnx_ruleset_load() (ruleset.c) keeps one loader for the length of a
 * load: rules_load.c reads the files into it and merges site rules,
 * rules_check.c and catalogue.c turn each file's JSON into drafts,
 * rules_patterns.c keeps the named patterns and writes out their uses,
 * rules_compile.c compiles the patterns, rules_index.c assembles and
 * indexes the set, rules_examples.c runs the examples; every problem any
 * of them finds goes out through dsnx_load_problem() (rules_problem.c).
 * Only those files include this header, and nothing of it outlives the
 * load but the set.
 */
#ifndef DSNX_RULES_LOADER_H
#define DSNX_RULES_LOADER_H

#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

#include "jsonpos.h"
#include "rules.h"

#define RULE_FILE_MAX (16u << 20)
#define RULE_COUNT_MAX 100000
/* A JSON Pointer into a rule file; a longer one is cut, which only makes
 * a position less exact. */
#define LOAD_PATH_MAX 256

/* One file read during loading, kept until the end for error positions. */
typedef struct source {
	char *name;
	char *text;
	size_t len;
	dsnx_jsonpos *pos;      /* built on the first error */
	json_t *root;
	int site;
} source;

/* A rule as read, before the set is assembled.  Its r.order is also its
 * index in loader.rules. */
typedef struct draft {
	rule r;
	unsigned file;
	char path[LOAD_PATH_MAX];
	json_t *examples;       /* borrowed from the file's root */
	int site;
	int disabled;
	int dropped;            /* replaced or removed by a site rule */
	unsigned placed;        /* its index in the set, once assembled */
} draft;

typedef struct cause_draft {
	cause c;
	unsigned file;
	char path[LOAD_PATH_MAX];
	int site;
	int dropped;
} cause_draft;

/* A named pattern of a rule file's "patterns" (rules_patterns.c). */
#define DSNX_PATTERN_NAME_MAX 32
#define DSNX_PATTERN_EXPANDED_MAX (256 * 1024)
typedef struct named_pattern {
	char name[DSNX_PATTERN_NAME_MAX + 1];
	const char *body;       /* its uses written out; in the set's arena */
	unsigned file;
} named_pattern;

typedef struct loader {
	dsnx_ruleset *set;
	dsnx_error_fn *on_error;
	void *arg;
	unsigned errors;
	int io_error;
	int oom;
	source *files;
	unsigned file_count;
	draft *rules;
	unsigned rule_count;
	unsigned rule_cap;
	cause_draft *causes;
	unsigned cause_count;
	ui_string *strings;
	unsigned string_count;
	unsigned string_cap;
	unsigned order;
	named_pattern *patterns;
	unsigned pattern_count;
	unsigned pattern_cap;
	int trusted;            /* apply filetrust.h to what is read */
	uid_t trusted_uid;
	int dir_fd;             /* trusted: the directory being read */
	const char *dir_name;
} loader;

/*
 * Where a problem is, and how bad.  With name: that file or directory as
 * a whole.  Otherwise loaded file number file: the value the JSON
 * Pointer path names, or with key the member name that introduces it;
 * with in_string, the byte offset into that string's decoded value (a
 * pattern's error offset).  Without a path, line and column as given
 * (jansson's), 0 for none.  A warning does not make the set invalid.
 */
typedef struct load_at {
	const char *name;
	unsigned file;
	const char *path;
	int key;
	int in_string;
	size_t offset;
	int line, column;
	int warning;
} load_at;

#define LOAD_AT(f, p)	((load_at){ .file = (f), .path = (p) })
#define LOAD_KEY(f, p)	((load_at){ .file = (f), .path = (p), .key = 1 })

/* rules_problem.c: the one way out for every problem of a load. */
void dsnx_load_problem(loader *ld, load_at at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* out (LOAD_PATH_MAX bytes) = base + "/" + member, escaped; or + "/i". */
void dsnx_load_path(char *out, const char *base, const char *member);
void dsnx_load_path_index(char *out, const char *base, size_t i);

/* ruleset.c: the set's arena; a failure sets ld->oom. */
const char *dsnx_load_keep(loader *ld, const char *s);
void *dsnx_load_alloc(loader *ld, size_t n);

/* rules_load.c */
int dsnx_load_dir(loader *ld, const char *dir, int site);
void dsnx_load_merge_rules(loader *ld);

/* rules_check.c */
int dsnx_load_in_list(const char *const *list, const char *s);
int dsnx_load_valid_id(const char *s);
void dsnx_load_check_members(loader *ld, unsigned file, const char *path,
    json_t *obj, const char *const *allowed, const char *what);
int dsnx_load_string_items(loader *ld, unsigned file, const char *path,
    json_t *array, const char **list, int copy);
enum rule_field dsnx_load_field_of(const char *name);
void dsnx_load_rules(loader *ld, unsigned file, json_t *rules);
void dsnx_load_check_causes(loader *ld);

/* rules_compile.c */
pcre2_match_context *dsnx_load_match_context(void);
void dsnx_load_pattern(loader *ld, unsigned file, const char *path,
    condition *c, const char *pattern);
pcre2_code *dsnx_load_compile(loader *ld, unsigned file, const char *path,
    const char *pattern, int expanded);
int dsnx_status_pattern_parse(const char *s, status_pat *out);
int dsnx_reply_pattern_parse(const char *s, char out[4]);

/* rules_patterns.c */
void dsnx_load_patterns(loader *ld, unsigned file, json_t *patterns);
const char *dsnx_load_expand(loader *ld, unsigned file, const char *path,
    const char *pattern, int *expanded);
void dsnx_load_patterns_free(loader *ld);

/* catalogue.c */
void dsnx_load_causes(loader *ld, unsigned file, json_t *causes);
void dsnx_load_strings(loader *ld, unsigned file, json_t *strings);
void dsnx_load_merge_causes(loader *ld);
void dsnx_load_catalogue(loader *ld, const char *where);
const cause *dsnx_cause_find(const dsnx_ruleset *set, const char *key);

/* rules_index.c */
void dsnx_load_assemble(loader *ld);

/* rules_examples.c */
void dsnx_load_examples(loader *ld);

#endif
