/*
 * dsnexplain.h - public interface of libdsnexplain
 *
 * The library reads one message from a byte buffer, finds out whether it is
 * a delivery status notification (a bounce, a delay warning, a relay or
 * delivery notice), and extracts what each recipient's block says.  It
 * reads no files but the rule files and time zone files it is asked to
 * load, keeps no global state, and never calls exit().
 *
 * Ownership: every object returned through an out-parameter belongs to the
 * caller and is released with its *_free() function.  Strings reached
 * through a report belong to that report and live as long as it does.
 * All strings handed out are NUL-terminated UTF-8; text copied from the
 * message has had NUL bytes and invalid UTF-8 replaced (U+FFFD).
 *
 * Errors are values: a dsnx_status plus, where a position exists, a
 * dsnx_error_t (in the style of jansson's json_error_t).
 */
#ifndef DSNEXPLAIN_H
#define DSNEXPLAIN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DSNX_VERSION "0.1.0"

typedef enum dsnx_status {
	DSNX_OK = 0,
	DSNX_ENOMEM,      /* allocation failed */
	DSNX_ELIMIT,      /* a configured limit was reached */
	DSNX_EPARSE,      /* input is not what it claims to be */
	DSNX_EINVAL,      /* caller passed something invalid */
	DSNX_EIO          /* reading or writing failed (CLI helpers only) */
} dsnx_status;

#define DSNX_ERROR_SOURCE_LENGTH 160
#define DSNX_ERROR_TEXT_LENGTH 200

typedef struct dsnx_error {
	int line;           /* 1-based, 0 when unknown */
	int column;         /* 1-based, 0 when unknown */
	size_t position;    /* byte offset into the input */
	char source[DSNX_ERROR_SOURCE_LENGTH];
	char text[DSNX_ERROR_TEXT_LENGTH];
	int warning;        /* 1: worth saying, but not an error */
} dsnx_error_t;

/* A short English description of a status value (static storage). */
const char *dsnx_strstatus(dsnx_status status);

/*
 * Control characters (C0 with TAB, DEL, C1, U+2028, U+2029) in UTF-8
 * text.  dsnx_text_control() gives the offset of the first one in s, or
 * len when there is none.  dsnx_text_escape() copies s to out (size
 * bytes, always NUL-terminated) with each byte of a control character or
 * of invalid UTF-8 written as "\xHH", for a log line or a terminal, and
 * returns the length written; what does not fit is left off.
 */
size_t dsnx_text_control(const char *s, size_t len);
size_t dsnx_text_escape(char *out, size_t size, const char *s, size_t len);

/*
 * Limits.  Every parser bound that protects memory and time lives here, so
 * a milter and the CLI apply the same ones.  dsnx_limits_init() fills in
 * the defaults documented beside each field.
 */
typedef struct dsnx_limits {
	size_t max_message;      /* bytes of one message (64 MiB) */
	size_t max_header_field; /* bytes of one header field, folded (64 KiB) */
	size_t max_header_fields;/* header fields in one message, all parts (10,000) */
	unsigned max_depth;      /* MIME nesting: multipart and message parts (32) */
	unsigned max_parts;      /* MIME parts in one message (1,000) */
	size_t max_boundary;     /* boundary parameter length (200, RFC 2046 says 70) */
	unsigned max_recipients; /* recipient blocks taken from one report (1,000) */
	size_t max_decoded;      /* bytes decoded from one part for reading (4 MiB) */
} dsnx_limits;

void dsnx_limits_init(dsnx_limits *limits);

/* ------------------------------------------------------------------ MIME */

typedef struct dsnx_mime dsnx_mime;
typedef struct dsnx_part dsnx_part;

/* Problems found while parsing; the parser goes on past all of them. */
enum {
	DSNX_MIME_TRUNCATED      = 1u << 0,  /* multipart without closing delimiter */
	DSNX_MIME_NO_BOUNDARY    = 1u << 1,  /* multipart/... without boundary=, or none found */
	DSNX_MIME_DEPTH          = 1u << 2,  /* nesting deeper than max_depth */
	DSNX_MIME_PARTS          = 1u << 3,  /* more than max_parts parts */
	DSNX_MIME_LONG_HEADER    = 1u << 4,  /* a header field over max_header_field */
	DSNX_MIME_MANY_HEADERS   = 1u << 5,  /* more than max_header_fields fields */
	DSNX_MIME_NUL            = 1u << 6,  /* NUL bytes in the input */
	DSNX_MIME_8BIT_HEADER    = 1u << 7,  /* raw 8-bit bytes in a header */
	DSNX_MIME_BAD_HEADER     = 1u << 8,  /* a line in a header block that is no field */
	DSNX_MIME_BAD_ENCODING   = 1u << 9,  /* invalid base64 or quoted-printable */
	DSNX_MIME_BAD_CHARSET    = 1u << 10, /* unknown charset or invalid bytes in it */
	DSNX_MIME_NO_BODY        = 1u << 11, /* header block never ended */
	DSNX_MIME_LONG_BOUNDARY  = 1u << 12  /* boundary longer than max_boundary */
};

typedef enum dsnx_cte {
	DSNX_CTE_7BIT = 0, DSNX_CTE_8BIT, DSNX_CTE_BINARY,
	DSNX_CTE_QP, DSNX_CTE_BASE64, DSNX_CTE_UNKNOWN
} dsnx_cte;

/*
 * Parses len bytes at buf (CRLF, LF or bare CR line ends; 8-bit and NUL
 * bytes allowed).  buf is not copied: it must outlive the result.  Fails
 * only for ENOMEM, EINVAL, or ELIMIT when len exceeds max_message;
 * malformed input gives a tree and error flags instead.
 */
dsnx_status dsnx_mime_parse(const char *buf, size_t len,
    const dsnx_limits *limits, dsnx_mime **out);
void dsnx_mime_free(dsnx_mime *mime);
unsigned dsnx_mime_errors(const dsnx_mime *mime);   /* DSNX_MIME_* bits */
const dsnx_part *dsnx_mime_root(const dsnx_mime *mime);
unsigned dsnx_mime_part_count(const dsnx_mime *mime);
/* Parts in document order (0 is the root). */
const dsnx_part *dsnx_mime_part(const dsnx_mime *mime, unsigned index);

/* Byte offsets into the original buffer: [start, end). */
typedef struct dsnx_span {
	size_t start;
	size_t end;
} dsnx_span;

dsnx_span dsnx_part_whole(const dsnx_part *part);   /* headers and body */
dsnx_span dsnx_part_header(const dsnx_part *part);  /* header block, without the blank line */
dsnx_span dsnx_part_body(const dsnx_part *part);    /* after the blank line */
unsigned dsnx_part_index(const dsnx_part *part);
unsigned dsnx_part_depth(const dsnx_part *part);
const dsnx_part *dsnx_part_parent(const dsnx_part *part);
const dsnx_part *dsnx_part_child(const dsnx_part *part);   /* first child */
const dsnx_part *dsnx_part_next(const dsnx_part *part);    /* next sibling */
/* Lower-case media type and subtype ("text", "plain"); defaults applied. */
const char *dsnx_part_type(const dsnx_part *part);
const char *dsnx_part_subtype(const dsnx_part *part);
/* A Content-Type parameter, decoded (RFC 2231 too), or NULL. */
const char *dsnx_part_param(const dsnx_mime *mime, const dsnx_part *part,
    const char *name);
dsnx_cte dsnx_part_cte(const dsnx_part *part);

/*
 * Header fields of a part (of the root for the message header).  The value
 * is unfolded, RFC 2047 decoded when decode is nonzero, and converted to
 * UTF-8; returns NULL if absent.  The string lives as long as mime.
 */
const char *dsnx_part_header_get(dsnx_mime *mime, const dsnx_part *part,
    const char *name, int decode);
unsigned dsnx_part_header_count(const dsnx_part *part);
/* Raw bytes of field i (name, colon, folded value; no final line end). */
dsnx_span dsnx_part_header_field(const dsnx_mime *mime,
    const dsnx_part *part, unsigned i);

/*
 * The body with its transfer encoding removed, converted to UTF-8 (from
 * the charset parameter for text parts; other types are read as UTF-8 with a
 * Latin-1 fallback), NUL-terminated.  At most max_decoded bytes are
 * decoded.  The result lives as long as mime; *len receives its length.
 * NULL only when memory ran out.
 */
const char *dsnx_part_text(dsnx_mime *mime, const dsnx_part *part,
    size_t *len);
/* 1 when dsnx_part_text() gave only the start of a longer body (cut at
 * max_decoded); 0 otherwise, and before the text was asked for. */
int dsnx_part_text_cut(const dsnx_mime *mime, const dsnx_part *part);

/* ------------------------------------------------- enhanced status codes */

/* An RFC 3463 code class.subject.detail. */
typedef struct dsnx_code {
	unsigned char cls;     /* 2, 4 or 5 */
	unsigned short subject;/* 0..999 */
	unsigned short detail; /* 0..999 */
} dsnx_code;

/*
 * Parses exactly len bytes as a status code (class 2, 4 or 5; subject and
 * detail of 1-3 digits, no leading junk).  Returns 0 on success, -1 if it
 * is not one.
 */
int dsnx_code_parse(const char *s, size_t len, dsnx_code *out);
/*
 * Finds the first status code standing as a word of its own in free text
 * ("550 5.1.1 <x>: ...", "(#5.5.0)"); skips dotted numbers that are IP
 * addresses or versions.  Returns the offset of the match or -1.
 */
long dsnx_code_find(const char *text, size_t len, dsnx_code *out,
    size_t *match_len);
/* Finds an SMTP reply code (a 2xx/4xx/5xx word) in free text; 0 if none. */
int dsnx_reply_find(const char *text, size_t len);
/* Writes "c.s.d" into buf (at least 12 bytes). */
char *dsnx_code_format(const dsnx_code *code, char *buf, size_t size);
/* Short English meaning from RFC 3463 and the IANA registry, or NULL for
 * an unregistered code. */
const char *dsnx_code_meaning(const dsnx_code *code);
/* Meaning of the subject alone ("Addressing status"), or NULL. */
const char *dsnx_code_subject_meaning(unsigned subject);
/* The meaning of dsnx_code_meaning() in lang ("de", "fr", "es", "it";
 * English for any other language), or NULL for an unregistered code. */
const char *dsnx_code_meaning_lang(const dsnx_code *code, const char *lang);
/* Nonzero if subject.detail is in the registry. */
int dsnx_code_registered(const dsnx_code *code);

/* --------------------------------------------------------------- dates */

/*
 * Parses an RFC 5322 date-time (obsolete forms too: 2-digit years,
 * named zones, missing seconds or weekday, trailing comments) to seconds
 * since the epoch, UTC.  Returns 0 on success, -1 otherwise.
 */
int dsnx_date_parse(const char *s, size_t len, time_t *out);
/* Formats t as ISO 8601 UTC "YYYY-MM-DDTHH:MM:SSZ" (buf >= 21 bytes). */
char *dsnx_date_format(time_t t, char *buf, size_t size);

/* ------------------------------------------------------------- reports */

typedef struct dsnx_report dsnx_report;

/* A field named X-... or otherwise unknown, kept as written (unfolded). */
typedef struct dsnx_field {
	const char *name;
	const char *value;
} dsnx_field;

/* One recipient's block.  NULL means the field was not present. */
typedef struct dsnx_recipient {
	const char *recipient;          /* address from Final-Recipient (or the text) */
	const char *final_recipient;    /* Final-Recipient as written: "rfc822; a@b" */
	const char *original_recipient; /* address from Original-Recipient */
	const char *action;             /* lower case: failed, delayed, delivered, relayed, expanded */
	const char *status;             /* "5.1.1", validated; NULL if none valid */
	dsnx_code code;                 /* status parsed: valid when status != NULL */
	const char *status_raw;         /* the Status: field as written */
	int reply;                      /* SMTP reply code from the diagnostic, 0 if none */
	const char *remote_mta;         /* host part of Remote-MTA */
	int remote_mta_cut;             /* 1: longer than a limit, remote_mta is its start */
	const char *diagnostic_type;    /* "smtp", "X-Postfix", ... */
	const char *diagnostic;         /* Diagnostic-Code text (or the text found) */
	int diagnostic_cut;             /* 1: longer than a limit (max_header_field
	                                 * in a report, 2,048 bytes in prose), so
	                                 * diagnostic is only its start: what ends
	                                 * there is not the end of the field */
	const char *last_attempt_raw;
	time_t last_attempt;            /* valid when has_last_attempt */
	int has_last_attempt;
	const char *will_retry_until_raw;
	time_t will_retry_until;
	int has_will_retry_until;
	const char *final_log_id;
	const dsnx_field *extra;        /* other fields of the block, in order */
	unsigned extra_count;
} dsnx_recipient;

/* Flags for dsnx_report_*() about how the report was found. */
enum {
	DSNX_REPORT_MIME_ERRORS = 1u << 0,  /* the MIME parser flagged problems */
	DSNX_REPORT_TRUNCATED   = 1u << 1,  /* more recipients than max_recipients */
	DSNX_REPORT_NO_STATUS_PART = 1u << 2/* multipart/report without its status part */
};

/*
 * A context holds what reading reports needs beyond one message: the
 * limits and the compiled patterns that recognise non-standard bounce
 * formats.  It is immutable once made, so one context may serve any number
 * of threads at once.  On failure *err (may be NULL) says why.
 */
typedef struct dsnx_context dsnx_context;

dsnx_status dsnx_context_new(const dsnx_limits *limits, dsnx_context **out,
    dsnx_error_t *err);
void dsnx_context_free(dsnx_context *ctx);
const dsnx_limits *dsnx_context_limits(const dsnx_context *ctx);

/*
 * Is from (a decoded From field, may be NULL) the address of an automated
 * bounce sender: MAILER-DAEMON, postmaster, "Mail Delivery System", <>,
 * ...?  The one such test of the library, the one its readers use.
 */
int dsnx_bounce_sender(const dsnx_context *ctx, const char *from);

/*
 * Reads the message at buf (which must outlive the report) and builds a
 * report.  A message that is not a DSN gives a report with
 * dsnx_report_is_dsn() == 0, not an error.  Fails only for ENOMEM,
 * EINVAL or ELIMIT (message over max_message).
 */
dsnx_status dsnx_report_read(const dsnx_context *ctx, const char *buf,
    size_t len, dsnx_report **out);
void dsnx_report_free(dsnx_report *report);

int dsnx_report_is_dsn(const dsnx_report *report);
/* "rfc3464", "rfc6533" or the name of a non-standard format ("qmail",
 * "exim", ...); NULL when not a DSN. */
const char *dsnx_report_format(const dsnx_report *report);
/* Why it is not a DSN when known ("feedback-report", "auto-reply"), else NULL. */
const char *dsnx_report_not_dsn_why(const dsnx_report *report);
unsigned dsnx_report_flags(const dsnx_report *report);
/* The message's MIME tree, read-only: the report decoded what it needs
 * while it was read (see dsnx_report_header()). */
const dsnx_mime *dsnx_report_mime(const dsnx_report *report);

/* Per-message fields (NULL when absent). */
const char *dsnx_report_reporting_mta(const dsnx_report *report);
/* 1 when Reporting-MTA is only the start of a longer field (cut at
 * max_header_field). */
int dsnx_report_reporting_mta_cut(const dsnx_report *report);
/* 1 when the human-readable text is only the start of a longer one
 * (cut at max_decoded); rules' "$" and anchors never match at the cut. */
int dsnx_report_text_cut(const dsnx_report *report);
const char *dsnx_report_original_envelope_id(const dsnx_report *report);
const char *dsnx_report_dsn_gateway(const dsnx_report *report);
const char *dsnx_report_received_from_mta(const dsnx_report *report);
const char *dsnx_report_arrival_date_raw(const dsnx_report *report);
int dsnx_report_arrival_date(const dsnx_report *report, time_t *out);
unsigned dsnx_report_extra_count(const dsnx_report *report);
const dsnx_field *dsnx_report_extra(const dsnx_report *report, unsigned i);

/*
 * Fields of the returned message (the original the DSN is about, in a
 * message/rfc822, message/global or text/rfc822-headers part): its
 * "Subject", "Date", "Content-Language" and "Accept-Language", unfolded,
 * RFC 2047 decoded, in UTF-8.  NULL when absent, when there is no
 * returned message, and for any other name.
 */
const char *dsnx_report_returned_field(const dsnx_report *report,
    const char *name);

/* The message's own Subject and From, decoded; NULL when absent. */
const char *dsnx_report_subject(const dsnx_report *report);
const char *dsnx_report_from(const dsnx_report *report);
/*
 * The message's own header fields, read with the report: unfolded,
 * RFC 2047 decoded, in UTF-8; the name as written.  At most max_decoded
 * bytes of values are kept; fields after that are absent.
 * dsnx_report_header() gives the first field called name (any case), or
 * NULL.
 */
const char *dsnx_report_header(const dsnx_report *report, const char *name);
unsigned dsnx_report_header_count(const dsnx_report *report);
const dsnx_field *dsnx_report_header_field(const dsnx_report *report,
    unsigned i);

unsigned dsnx_report_recipient_count(const dsnx_report *report);
const dsnx_recipient *dsnx_report_recipient(const dsnx_report *report,
    unsigned i);

/* The parts that a rewrite must keep byte for byte (NULL when absent). */
const dsnx_part *dsnx_report_status_part(const dsnx_report *report);
const dsnx_part *dsnx_report_returned_part(const dsnx_report *report);
const dsnx_part *dsnx_report_human_part(const dsnx_report *report);

/*
 * For a message without a delivery-status part, the structural signals
 * that say whether it is a bounce, scored (see dsnexplain(1), explain):
 * "score 9 (a bounce at 6 ...): null-sender +2, ...; absent: ...".
 * NULL when it was not needed: a message read from its delivery-status
 * part, or one a format description recognised by its own gate.
 */
const char *dsnx_report_detection(const dsnx_report *report);

/*
 * What the human-readable text says about recipient i: every line that
 * names its address (or its Original-Recipient) with that mention's
 * continuation lines, one mention a line; NULL when the text names it
 * nowhere.  Classification reads it before the whole text.
 */
const char *dsnx_report_recipient_excerpt(const dsnx_report *report,
    unsigned i);
/* Recipient i's diagnostic as the rules read it: a multi-line SMTP
 * reply's continuation prefixes ("550-5.1.1 ") taken out.  NULL when it
 * has no diagnostic. */
const char *dsnx_report_recipient_reply(const dsnx_report *report,
    unsigned i);

/* --------------------------------------------------------------- rules */

/*
 * A rule set: the rules and the cause catalogue read from a directory of
 * JSON rule files and, optionally, a directory of site rules read after it
 * (see dsnexplain-rules(5)).  Immutable once loaded and reference-counted,
 * so a milter can swap in a new set while threads still use the old one.
 */
typedef struct dsnx_ruleset dsnx_ruleset;

/* Called once per problem found while loading; err->source is the file,
 * err->line/column the place, err->text the message. */
typedef void dsnx_error_fn(const dsnx_error_t *err, void *arg);

/*
 * Loads every *.json file of dir (in name order), then of site_dir (may
 * be NULL; a missing site_dir is not an error), compiles the patterns,
 * indexes the rules and runs every rule's examples.  Every problem goes to
 * on_error (may be NULL); if there was any, nothing is returned and the
 * result is DSNX_EPARSE (DSNX_EIO when a file could not be read).
 */
dsnx_status dsnx_ruleset_load(const char *dir, const char *site_dir,
    dsnx_error_fn *on_error, void *arg, dsnx_ruleset **out);
dsnx_ruleset *dsnx_ruleset_ref(dsnx_ruleset *rules);
void dsnx_ruleset_unref(dsnx_ruleset *rules);
unsigned dsnx_ruleset_rule_count(const dsnx_ruleset *rules);
unsigned dsnx_ruleset_cause_count(const dsnx_ruleset *rules);
/* How many examples loading ran (all passed, or loading failed). */
unsigned dsnx_ruleset_example_count(const dsnx_ruleset *rules);

/*
 * What happened to a recipient, most severe first: the order is the
 * severity rank (dsnx_outcome_rank), and DSNX_OUTCOME_NONE (not known,
 * the message is not a DSN) ranks with failed.
 */
typedef enum dsnx_outcome {
	DSNX_OUTCOME_NONE = 0,
	DSNX_OUTCOME_FAILED,      /* permanent failure, not retried */
	DSNX_OUTCOME_EXPIRED,     /* given up after retrying */
	DSNX_OUTCOME_DELAYED,     /* still being retried */
	DSNX_OUTCOME_DELIVERED    /* delivered, relayed or expanded */
} dsnx_outcome;
#define DSNX_OUTCOME_COUNT 5

/* "failed", "expired", "delayed", "delivered"; NULL for NONE. */
const char *dsnx_outcome_name(dsnx_outcome outcome);
/* The outcome of a name, or -1. */
int dsnx_outcome_parse(const char *name);
/* 0 failed or unknown, 1 expired, 2 delayed, 3 delivered. */
int dsnx_outcome_rank(dsnx_outcome outcome);

/*
 * The outcome before any rule: what Action and Status say (delayed;
 * expired for Action failed with a 4.x.x status or X.4.7; failed;
 * delivered).  A recipient of a DSN without an Action (most non-standard
 * formats) is a failure report: expired for a 4.x.x status, delivered for
 * 2.x.x, failed otherwise.  NONE when is_dsn is 0 and there is no Action.
 */
dsnx_outcome dsnx_outcome_of(const dsnx_recipient *rcpt, int is_dsn);

/* What the rules say of one recipient.  Strings are static or belong to
 * the rule set. */
typedef struct dsnx_verdict {
	dsnx_outcome outcome;
	const char *reason;       /* Sisimai vocabulary; "undefined" when no rule matched */
	const char *cause;        /* catalogue key, NULL when no rule matched */
	const char *rule;         /* id of the cause rule, NULL when none matched */
	const char *outcome_rule; /* id of the outcome rule that decided, or NULL */
	const char *severity;     /* "info", "warning" or "error" */
	unsigned limit_hits;      /* patterns stopped by the PCRE2 limits (no match) */
	int unclassified;         /* 1: the message's match budget ran out first */
} dsnx_verdict;

/* How a rule fared, for dsnx_classify_message()'s trace. */
typedef struct dsnx_trace_step {
	unsigned recipient;       /* index of the recipient being classified */
	const char *rule;         /* rule id */
	const char *kind;         /* "outcome" or "cause" */
	int matched;              /* 1 if every condition held */
	const char *failed;       /* the first condition that failed ("diagnostic", "unless", ...) */
	int prefiltered;          /* 1 when the literal prefilter ruled it out */
	int remembered;           /* 1 when a message-wide condition's result was reused */
} dsnx_trace_step;
typedef void dsnx_trace_fn(const dsnx_trace_step *step, void *arg);

/*
 * The regular-expression work one message may cost, in PCRE2 match-limit
 * steps, shared by every rule and every recipient.  A pattern is given
 * at most what is left; one stopped by the limit uses up all it was
 * given, one that finishes is charged one step per 64 bytes it was run
 * on, plus one.  When nothing is left, the remaining recipients keep the
 * outcome their Action and Status give and are unclassified (reason
 * "undefined").  cpu_ms bounds the same work in this thread's CPU time,
 * for patterns that stay just under the step limit every time.
 */
#define DSNX_MATCH_BUDGET_DEFAULT 4000000UL
#define DSNX_MATCH_CPU_MS_DEFAULT 1000u

typedef struct dsnx_classify_options {
	unsigned long match_budget;   /* steps; 0: unlimited */
	unsigned cpu_ms;              /* milliseconds; 0: unlimited */
	dsnx_trace_fn *trace;         /* NULL, or called for every rule tried */
	void *trace_arg;
} dsnx_classify_options;

void dsnx_classify_options_init(dsnx_classify_options *options);

/* The verdicts on every recipient of one report. */
typedef struct dsnx_classification dsnx_classification;

/*
 * Classifies every recipient of report.  Message-wide evidence (the
 * human-readable text, Subject, From, reporting MTA, headers) is read
 * once: a condition on it is evaluated at most once per message, and
 * each recipient adds only its own fields.  options may be NULL (the
 * defaults).  Fails only for ENOMEM and EINVAL.
 */
dsnx_status dsnx_classify_message(const dsnx_ruleset *rules,
    const dsnx_report *report, const dsnx_classify_options *options,
    dsnx_classification **out);
void dsnx_classification_free(dsnx_classification *c);
/* One verdict per recipient of the report, in report order. */
unsigned dsnx_classification_count(const dsnx_classification *c);
const dsnx_verdict *dsnx_classification_verdict(const dsnx_classification *c,
    unsigned i);
/* Patterns stopped by a PCRE2 limit, all recipients together. */
unsigned dsnx_classification_limit_hits(const dsnx_classification *c);
/* Recipients left unclassified because the budget ran out (0 normally). */
unsigned dsnx_classification_unclassified(const dsnx_classification *c);
/* Budget steps used. */
unsigned long dsnx_classification_steps(const dsnx_classification *c);
/* The most severe outcome of all recipients (NONE when there are none). */
dsnx_outcome dsnx_classification_worst(const dsnx_classification *c);

/* The catalogue.  Text in language lang ("en", ...); NULL members when
 * absent.  dsnx_cause_text returns -1 for an unknown cause. */
typedef struct dsnx_cause_text {
	const char *who;          /* "sender", "recipient-side", "our-admin" */
	const char *title;
	const char *summary;
	const char *sender;
	const char *const *admin; /* admin_count hints */
	unsigned admin_count;
	const char *const *references;
	unsigned reference_count;
} dsnx_cause_text;

int dsnx_cause_text_get(const dsnx_ruleset *rules, const char *cause,
    const char *lang, dsnx_cause_text *out);

/* A user-interface string of the renderer in lang, falling back to
 * English; NULL for an unknown key. */
const char *dsnx_ruleset_string(const dsnx_ruleset *rules, const char *lang,
    const char *key);
/* Is lang one of the set's languages (has a "strings" entry)? */
int dsnx_ruleset_has_lang(const dsnx_ruleset *rules, const char *lang);

/* ---------------------------------------------------------- time zones */

/*
 * A time zone for the dates shown to a reader: a fixed offset, or a zone
 * of the tz database, whose offset depends on the instant (daylight
 * saving time).  Immutable once made, so threads may share one; owned by
 * the caller and released with dsnx_tz_free().  NULL stands for UTC
 * wherever a zone is taken.
 */
typedef struct dsnx_tz dsnx_tz;

/*
 * name is a fixed offset ("UTC", "GMT", "Z", "+HH:MM", "-HHMM") or a zone
 * name ("Europe/Berlin"), read from its TZif file (RFC 8536) under
 * zoneinfo_dir (NULL: /usr/share/zoneinfo); an absolute path must lie in
 * that directory, and ".." is refused.  DSNX_EINVAL for an unacceptable
 * name, DSNX_EIO for a zone that cannot be read (unknown), DSNX_EPARSE
 * for a file that is not valid TZif; err (may be NULL) says why.
 */
dsnx_status dsnx_tz_load(const char *name, const char *zoneinfo_dir,
    dsnx_tz **out, dsnx_error_t *err);
/* The same from TZif bytes in memory; name is what dsnx_tz_name() says. */
dsnx_status dsnx_tz_parse(const char *name, const void *data, size_t len,
    dsnx_tz **out, dsnx_error_t *err);
/* A fixed offset of minutes east of UTC (at most 25:59 either way). */
dsnx_status dsnx_tz_fixed(int minutes, dsnx_tz **out);
void dsnx_tz_free(dsnx_tz *tz);
/* "Europe/Berlin", or "UTC" / "+05:30" for a fixed offset (and NULL). */
const char *dsnx_tz_name(const dsnx_tz *tz);
/*
 * Seconds east of UTC of local time at instant t.  When abbr is not NULL
 * it receives the zone's alphabetic abbreviation at t ("CEST"; static or
 * owned by tz), or NULL for a fixed offset and for numeric ones ("-03").
 */
long dsnx_tz_offset_at(const dsnx_tz *tz, time_t t, const char **abbr);

/* -------------------------------------------------------------- render */

typedef struct dsnx_render_options {
	const char *lang;         /* NULL or unknown: English; "auto": chosen
	                           * from the message (dsnx_lang_choose()) */
	const char *fallback_lang;/* with "auto", when the message names no
	                           * language we have (NULL: English) */
	const dsnx_tz *tz;        /* zone of the dates shown (NULL: UTC);
	                           * not owned */
	unsigned width;           /* text rendition line width (72) */
} dsnx_render_options;

void dsnx_render_options_init(dsnx_render_options *options);

/* Where the language of an explanation came from. */
typedef enum dsnx_lang_source {
	DSNX_LANG_CONFIGURED,      /* options named it (not "auto") */
	DSNX_LANG_CONTENT,         /* the returned message's Content-Language */
	DSNX_LANG_ACCEPT,          /* the returned message's Accept-Language */
	DSNX_LANG_FALLBACK         /* neither named a language of the rules */
} dsnx_lang_source;

/* "configured", "content-language", "accept-language", "fallback". */
const char *dsnx_lang_source_name(dsnx_lang_source source);
/*
 * The language of the reader of report, among the rule set's: the first
 * tag of the returned message's Content-Language the rules have texts in,
 * else the most preferred of its Accept-Language, else fallback (NULL or
 * a language without texts: "en").  A tag matches whole ("pt-br") or by
 * its primary subtag ("de-AT" -> "de"), in any case.  The bounce's own
 * Content-Language is not read: it names the language of whoever wrote
 * the notice, usually a remote server.  The tag is written to out
 * (lower case; size >= 9 always suffices).
 */
dsnx_lang_source dsnx_lang_choose(const dsnx_ruleset *rules,
    const dsnx_report *report, const char *fallback, char *out, size_t size);
/* "UTC", "GMT", "Z", "+HH:MM" or "-HHMM" -> minutes east of UTC (for
 * dsnx_tz_fixed()); 0, or -1 for anything else. */
int dsnx_utc_offset_parse(const char *text, int *minutes);

/* The two renditions of the explanation, UTF-8, malloc'ed, each with its
 * length; free with dsnx_rendition_free(). */
typedef struct dsnx_rendition {
	char *text;               /* text/plain, lines of at most width columns */
	size_t text_len;
	char *html;               /* text/html, inline CSS only */
	size_t html_len;
} dsnx_rendition;

/*
 * Explains report: one section per group of recipients with the same
 * outcome and cause (verdicts[i] belongs to recipient i), then the facts
 * for the mail administrator (verdicts: dsnx_classify_message() of the same
 * report).  The same as dsnx_explanation_build() then
 * dsnx_explanation_render().
 */
dsnx_status dsnx_render(const dsnx_ruleset *rules, const dsnx_report *report,
    const dsnx_classification *verdicts, const dsnx_render_options *options,
    dsnx_rendition *out);
void dsnx_rendition_free(dsnx_rendition *r);

/* --------------------------------------------------------- explanation */

/*
 * The explanation model: everything an explanation shows and says,
 * derived once per message and read by every writer (the text and HTML
 * renditions, the X-DSN-Explain field, the milter's log line).
 * Recipients are grouped by outcome and cause, the most severe group
 * first; recipients the match budget left unclassified form groups of
 * their own.  Each group counts its members exactly and names and
 * details the first DSNX_EXPLAIN_SHOWN of them, saying how many more
 * there are.  Every string taken from the message is cleaned of control
 * and bidirectional characters (and HTML-escaped in the HTML rendition).
 * The model holds copies: once built it needs neither the report, nor
 * the verdicts, nor the rule set.
 */
#define DSNX_EXPLAIN_SHOWN 10     /* recipients named and detailed per group */
#define DSNX_EXPLAIN_ENTRIES 4    /* distinct verdicts in the summary */

typedef struct dsnx_explanation dsnx_explanation;

/* verdicts: dsnx_classify_message() of report; options may be NULL. */
dsnx_status dsnx_explanation_build(const dsnx_ruleset *rules,
    const dsnx_report *report, const dsnx_classification *verdicts,
    const dsnx_render_options *options, dsnx_explanation **out);
void dsnx_explanation_free(dsnx_explanation *x);
/* The text/plain and text/html renditions. */
dsnx_status dsnx_explanation_render(const dsnx_explanation *x,
    dsnx_rendition *out);
unsigned dsnx_explanation_recipient_count(const dsnx_explanation *x);
/* The most severe outcome of all recipients (NONE when there are none). */
dsnx_outcome dsnx_explanation_worst(const dsnx_explanation *x);
/* Groups of recipients explained together. */
unsigned dsnx_explanation_group_count(const dsnx_explanation *x);
/* As dsnx_classification_limit_hits() and _unclassified(). */
unsigned dsnx_explanation_limit_hits(const dsnx_explanation *x);
unsigned dsnx_explanation_unclassified(const dsnx_explanation *x);
/*
 * The summary X-DSN-Explain and log lines carry, as fields in this
 * order: outcome, status, reason, cause, rule, lang.  Each of the first
 * five lists the distinct verdicts (at most DSNX_EXPLAIN_ENTRIES, the
 * most severe first), comma-separated, "none" where one has no such
 * fact; lang is the one language of the explanation.  Only our own
 * tokens, validated status codes and language tags of the rule set:
 * never text from the message.
 */
unsigned dsnx_explanation_field_count(const dsnx_explanation *x);
const dsnx_field *dsnx_explanation_field(const dsnx_explanation *x,
    unsigned i);
/* The X-DSN-Explain value made of them: "v=1; outcome=...; status=...;
 * reason=...; cause=...; rule=...; lang=LL", one line that stays with
 * the field name under 900 characters (entries are dropped from the
 * end of the first five). */
const char *dsnx_explanation_header(const dsnx_explanation *x);
/* The language the explanation is written in, and where it came from. */
const char *dsnx_explanation_lang(const dsnx_explanation *x);
dsnx_lang_source dsnx_explanation_lang_source(const dsnx_explanation *x);

/* ------------------------------------------------------------- rewrite */

typedef struct dsnx_rewrite_options {
	dsnx_render_options render;
	dsnx_classify_options classify;
	size_t max_size;          /* larger messages pass unchanged (0: no limit
	                           * beyond the context's max_message) */
	int subject;              /* nonzero: prefix the Subject with the outcome */
	int wrap_single;          /* nonzero: a single part that cannot take our
	                           * text in place becomes multipart/mixed (off:
	                           * it passes unchanged; wrapped, bounce
	                           * processors such as BounceParser read an
	                           * inline returned message as bounce text) */
	int keep_fields;          /* nonzero: change no header field, only add
	                           * (a milter granted no SMFIF_CHGHDRS): a
	                           * single part's declaration is not widened
	                           * where that would change a field, and our
	                           * text takes ASCII fallbacks instead */
} dsnx_rewrite_options;

void dsnx_rewrite_options_init(dsnx_rewrite_options *options);

typedef enum dsnx_edit_kind {
	DSNX_EDIT_ADD_HEADER,     /* append a header field */
	DSNX_EDIT_CHANGE_HEADER,  /* replace the value of occurrence index */
	DSNX_EDIT_DELETE_HEADER   /* delete occurrence index (value "") */
} dsnx_edit_kind;

/* One header edit, as a milter applies it (smfi_addheader/chgheader). */
typedef struct dsnx_header_edit {
	dsnx_edit_kind kind;
	const char *name;
	const char *value;        /* one line, no line end */
	unsigned index;           /* CHANGE: 1 for the first field of that name */
} dsnx_header_edit;

typedef struct dsnx_rewrite dsnx_rewrite;

/*
 * Rewrites the message at buf: the explanation (text and HTML) joins the
 * human-readable part, one X-DSN-Explain header is added and, if asked,
 * the Subject is prefixed; every other header, the delivery-status part
 * and the returned message stay byte for byte.  A message that is no
 * DSN, already carries X-DSN-Explain, is too large, or cannot be rewritten
 * safely gives a result with dsnx_rewrite_changed() == 0 and the reason
 * in dsnx_rewrite_why().  Fails only for ENOMEM and EINVAL.  Output is
 * deterministic: no clock, no randomness; boundaries come from a hash of
 * the message.
 */
dsnx_status dsnx_rewrite_message(const dsnx_context *ctx,
    const dsnx_ruleset *rules, const char *buf, size_t len,
    const dsnx_rewrite_options *options, dsnx_rewrite **out);
void dsnx_rewrite_free(dsnx_rewrite *rw);
int dsnx_rewrite_changed(const dsnx_rewrite *rw);
const char *dsnx_rewrite_why(const dsnx_rewrite *rw);
/* The whole new message (the original bytes when unchanged). */
const char *dsnx_rewrite_output(const dsnx_rewrite *rw, size_t *len);
/* What a milter needs: header edits in order, and the new body. */
unsigned dsnx_rewrite_edit_count(const dsnx_rewrite *rw);
const dsnx_header_edit *dsnx_rewrite_edit(const dsnx_rewrite *rw, unsigned i);
const char *dsnx_rewrite_body(const dsnx_rewrite *rw, size_t *len);
/* The value of the X-DSN-Explain field added, or NULL. */
const char *dsnx_rewrite_header_value(const dsnx_rewrite *rw);
/* Recipients the DSN reports on (0 when it was not read as one). */
unsigned dsnx_rewrite_recipient_count(const dsnx_rewrite *rw);
/* The verdicts the explanation rests on, or NULL when the message was not
 * classified (not a DSN, too large, ...).  Lives as long as rw. */
const dsnx_classification *dsnx_rewrite_verdicts(const dsnx_rewrite *rw);
/* The explanation of the message, or NULL when it was not classified;
 * it may exist for a message left unchanged (one whose body cannot take
 * it).  Lives as long as rw. */
const dsnx_explanation *dsnx_rewrite_explanation(const dsnx_rewrite *rw);

#ifdef __cplusplus
}
#endif

#endif /* DSNEXPLAIN_H */
