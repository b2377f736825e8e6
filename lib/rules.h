/*
 * rules.h - the loaded rule set's layout, shared by its loader and its
 * readers
 *
 * ruleset.c and the files it drives (rules_*.c, catalogue.c; see
 * rules_loader.h) read and check rule files and build this structure;
 * match.c and classify.c evaluate it against recipients.  Nothing
 * outside lib/ includes this file.
 */
#ifndef DSNX_RULES_H
#define DSNX_RULES_H

#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "acsearch.h"
#include "arena.h"
#include "dsnexplain.h"

/* What a condition looks at.  The code fields come first. */
enum rule_field {
	RF_STATUS, RF_REPLY, RF_ACTION, RF_OUTCOME, RF_FORMAT,
	RF_DIAGNOSTIC, RF_REMOTE_MTA, RF_REPORTING_MTA, RF_TEXT, RF_SUBJECT,
	RF_FROM, RF_RECIPIENT_TEXT, RF_HEADER,
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
	int looks_around;           /* has a lookaround: never true on a cut value */
	const char *header;         /* RF_HEADER: the field name */
	int has_literal;            /* the prefilter knows a literal for it */
	unsigned id;                /* 0..condition_count-1 in the set */
	int message_wide;           /* same value for every recipient */
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
	dsnx_outcome outcome;       /* RK_OUTCOME: what it decides */
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
	/* The prefilter as bit sets of rule_words words (bit i: rule i):
	 * the rules of each bucket, and the rules that require a literal
	 * of each text field (rules_index.c, match.c).  NULL when memory
	 * ran out; matching then walks the bucket lists. */
	size_t rule_words;
	uint64_t *bucket_bits[2][BUCKETS];
	uint64_t *need_bits[RF_COUNT];
	unsigned condition_count;   /* numbered by dsnx_rules_number_conditions */
	cause *causes;              /* sorted by key */
	unsigned cause_count;
	ui_string *strings;         /* sorted by lang, then key */
	unsigned string_count;
	unsigned example_count;
	pcre2_match_context *mctx;
	pcre2_code **codes;         /* every compiled pattern, for freeing */
	unsigned code_count;
	unsigned code_cap;
};

/* Subject length the text patterns see at most (a longer value is cut,
 * and matched as a cut value is: see match.c). */
#define RULE_SUBJECT_MAX (64u << 10)

/* PCRE2 limits every pattern runs under. */
#define RULE_MATCH_LIMIT 100000
#define RULE_DEPTH_LIMIT 1000
#define RULE_HEAP_LIMIT_KB 4096

/* Is field f the same for every recipient of a message? */
int dsnx_rule_field_message_wide(enum rule_field f);
/* Numbers every condition of the sorted set and marks the message-wide
 * ones, for the per-message memory of dsnx_rule_scratch. */
void dsnx_rules_number_conditions(dsnx_ruleset *set);

/* The values a rule is matched against: a real recipient or an example. */
typedef struct rule_input {
	const char *value[RF_COUNT];    /* NULL when absent */
	size_t len[RF_COUNT];
	unsigned cut;                   /* bit f: value[f] is the start of a
	                                 * longer field, cut at a limit */
	int has_status;
	dsnx_code status;
	int reply;                      /* 0 when absent */
	/* Header lookup for RF_HEADER conditions. */
	const char *(*header)(void *arg, const char *name);
	void *header_arg;
} rule_input;

/*
 * What classification reads of one message, the same for all its
 * recipients.  dsnx_rule_message_of() fills it from a report; the rule
 * examples fill it from JSON.
 */
typedef struct rule_message {
	const char *format;
	const char *reporting_mta;
	const char *subject;
	const char *from;
	const char *text;               /* the human-readable part, or NULL */
	size_t text_len;
	unsigned cut;                   /* bit f: the message-wide value of
	                                 * field f was cut at a limit */
	int is_dsn;
	const dsnx_report *report;      /* a real message's, or NULL */
	const char *(*header)(void *arg, const char *name);
	void *header_arg;
} rule_message;

void dsnx_rule_message_of(const dsnx_report *report, rule_message *out);

/*
 * What the report found of one recipient beyond its fields (report.c):
 * the text's lines that name it, and its diagnostic as the rules read
 * it (a multi-line reply unwrapped).  Either may be NULL.
 */
typedef struct rule_evidence {
	const char *excerpt;
	const char *reply;
} rule_evidence;

/*
 * The one place a rule input is made: the message's evidence plus one
 * recipient's fields and evidence (ev may be NULL), with the outcome
 * dsnx_outcome_of() gives.  The diagnostic the rules read is the reply
 * text; a recipient without a diagnostic reads its excerpt there (the
 * reply the text quotes is the diagnostic the report lacks).
 */
void dsnx_rule_input_build(rule_input *in, const rule_message *msg,
    const dsnx_recipient *rc, const rule_evidence *ev);

/* Sets the outcome word the outcome conditions see. */
void dsnx_rule_input_outcome(rule_input *in, dsnx_outcome outcome);

/*
 * Scratch for one message: prefilter results, the results of
 * message-wide conditions (evaluated once per message), PCRE2 match data
 * and the match budget.  Call dsnx_rule_scratch_recipient() before each
 * recipient and dsnx_rule_scratch_message() before each new message.
 */
typedef struct rule_scratch {
	uint64_t *seen[RF_COUNT];       /* NULL until the field was scanned */
	uint64_t *seen_store;
	unsigned char *memo;            /* per condition: 0 unknown, 1 no, 2 yes */
	unsigned memo_count;
	pcre2_match_data *md;
	pcre2_match_context *mctx;      /* the set's limits, match limit lowered */
	unsigned limit_hits;
	unsigned long steps;            /* budget used */
	unsigned long budget;           /* 0: unlimited */
	unsigned cpu_ms;                /* 0: unlimited */
	struct timespec cpu_start;
	unsigned runs;                  /* patterns run, for the CPU check */
	int exhausted;                  /* budget or CPU time ran out */
	unsigned memo_hits;             /* conditions answered from memo */
} rule_scratch;

int dsnx_rule_scratch_init(const dsnx_ruleset *set, rule_scratch *s,
    unsigned long budget, unsigned cpu_ms);
void dsnx_rule_scratch_free(rule_scratch *s);
void dsnx_rule_scratch_message(const dsnx_ruleset *set, rule_scratch *s);
void dsnx_rule_scratch_recipient(rule_scratch *s);

/*
 * Does rule r match input?  With use_prefilter, a rule whose literal is
 * missing fails at once.  *failed (may be NULL) names the first condition
 * that failed; *prefiltered says whether the prefilter decided.
 */
int dsnx_rule_matches(const dsnx_ruleset *set, const rule *r,
    const rule_input *in, rule_scratch *s, int use_prefilter,
    const char **failed, int *prefiltered);

/* The first rule of a kind, in priority order, that matches in. */
const rule *dsnx_rule_first_match(const dsnx_ruleset *set,
    enum rule_kind kind, const rule_input *in, rule_scratch *s,
    dsnx_trace_fn *trace, void *arg, unsigned recipient);

/* Bucket of a status (or of no status). */
unsigned dsnx_rule_bucket(int has_status, const dsnx_code *code);

/* Reason-table index (RO_*) of an outcome name or "default", or -1. */
int dsnx_outcome_index(const char *name);
/* Reason-table index of an outcome (NONE reads as failed). */
int dsnx_outcome_reason_index(dsnx_outcome outcome);

/* Compiles pattern for JIT when that is wanted: not under valgrind, whose
 * memcheck reports JIT code reading whole words past the subject. */
void dsnx_regex_jit(pcre2_code *re);

#endif
