/*
 * rules.h - the loaded rule set's layout, shared by rules.c and match.c
 *
 * rules.c reads and checks rule files and builds this structure; match.c
 * evaluates it against recipients.  Nothing outside lib/ includes this
 * file.
 */
#ifndef DSNX_RULES_H
#define DSNX_RULES_H

#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <stdatomic.h>
#include <stdint.h>

#include "acsearch.h"
#include "arena.h"
#include "dsnexplain.h"

/* What a condition looks at.  The code fields come first. */
enum rule_field {
	RF_STATUS, RF_REPLY, RF_ACTION, RF_OUTCOME, RF_FORMAT,
	RF_DIAGNOSTIC, RF_REMOTE_MTA, RF_REPORTING_MTA, RF_TEXT, RF_SUBJECT,
	RF_FROM, RF_HEADER,
	RF_COUNT
};
#define RF_FIRST_TEXT RF_DIAGNOSTIC

extern const char *const dsnx_rule_field_names[RF_COUNT];

enum rule_kind { RK_OUTCOME = 0, RK_CAUSE = 1 };

/* Outcomes, also the keys of a rule's reason object. */
enum rule_outcome { RO_DELAYED, RO_EXPIRED, RO_FAILED, RO_DELIVERED,
	RO_DEFAULT, RO_COUNT };
extern const char *const dsnx_outcome_names[RO_COUNT];

/* A status pattern: -1 stands for '*'.  none: matches "no status". */
typedef struct status_pat {
	short cls, subject, detail;
	unsigned char none;
} status_pat;

typedef struct condition {
	enum rule_field field;
	unsigned count;             /* entries in the list below */
	status_pat *status;         /* RF_STATUS */
	char (*reply)[4];           /* RF_REPLY: "55*", "none" as "" */
	const char **words;         /* RF_ACTION, RF_OUTCOME, RF_FORMAT; "none" */
	pcre2_code *re;             /* text fields */
	const char *pattern;        /* as written, for traces */
	const char *header;         /* RF_HEADER: the field name */
	int has_literal;            /* the prefilter knows a literal for it */
} condition;

typedef struct rule {
	const char *id;
	enum rule_kind kind;
	int priority;
	unsigned order;             /* load order, for ties */
	condition *when;
	unsigned when_count;
	condition *unless;
	unsigned unless_count;
	const char *reason[RO_COUNT];   /* NULL where not given */
	const char *cause;
	const char *outcome;
	unsigned index;             /* position in the sorted set */
	unsigned literal_fields;    /* bit f: a literal of field f is required */
} rule;

typedef struct cause_lang {
	const char *lang;
	dsnx_cause_text text;
} cause_lang;

typedef struct cause {
	const char *key;
	const char *who;
	cause_lang *langs;
	unsigned lang_count;
} cause;

typedef struct ui_string {
	const char *lang;
	const char *key;
	const char *text;
} ui_string;

/* Status buckets: class 2/4/5 x subject 0..7 or other, plus "no status". */
#define BUCKETS (3 * 9 + 1)

typedef struct bucket {
	unsigned *rules;            /* indices into set->rules, in order */
	unsigned count;
} bucket;

struct dsnx_ruleset {
	atomic_int refs;
	dsnx_arena arena;
	rule *rules;                /* sorted: priority desc, then order */
	unsigned rule_count;
	bucket index[2][BUCKETS];   /* per kind */
	dsnx_ac *literals[RF_COUNT];    /* per text field; id = rule index */
	size_t seen_words;
	cause *causes;              /* sorted by key */
	unsigned cause_count;
	ui_string *strings;         /* sorted by lang, then key */
	unsigned string_count;
	unsigned example_count;
	pcre2_match_context *mctx;
};

/* Subject length the text patterns see at most (a longer value is cut). */
#define RULE_SUBJECT_MAX (64u << 10)

/* The values a rule is matched against: a real recipient or an example. */
typedef struct rule_input {
	const char *value[RF_COUNT];    /* NULL when absent */
	size_t len[RF_COUNT];
	int has_status;
	dsnx_code status;
	int reply;                      /* 0 when absent */
	/* Header lookup for RF_HEADER conditions. */
	const char *(*header)(void *arg, const char *name);
	void *header_arg;
} rule_input;

/* Per-call scratch: prefilter results and PCRE2 match data. */
typedef struct rule_scratch {
	uint64_t *seen[RF_COUNT];       /* NULL until the field was scanned */
	uint64_t *seen_store;
	pcre2_match_data *md;
	unsigned limit_hits;
} rule_scratch;

int dsnx_rule_scratch_init(const dsnx_ruleset *set, rule_scratch *s);
void dsnx_rule_scratch_free(rule_scratch *s);

/*
 * Does rule r match input?  With use_prefilter, a rule whose literal is
 * missing fails at once.  *failed (may be NULL) names the first condition
 * that failed; *prefiltered says whether the prefilter decided.
 */
int dsnx_rule_matches(const dsnx_ruleset *set, const rule *r,
    const rule_input *in, rule_scratch *s, int use_prefilter,
    const char **failed, int *prefiltered);

/* Bucket of a status (or of no status). */
unsigned dsnx_rule_bucket(int has_status, const dsnx_code *code);

/* Literals for the prefilter: any match contains at least one of them. */
#define LITERAL_SET_MAX 16
#define LITERAL_MAX 128
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

/* Outcome index of a name, or -1. */
int dsnx_outcome_index(const char *name);
/* Severity order of outcomes: 0 failed (or unknown), 1 expired,
 * 2 delayed, 3 delivered. */
int dsnx_outcome_rank(const char *outcome);

/* Compiles pattern for JIT when that is wanted: not under valgrind, whose
 * memcheck reports JIT code reading whole words past the subject. */
void dsnx_regex_jit(pcre2_code *re);

#endif
