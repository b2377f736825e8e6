/*
 * NAME
 *	rules - load, check and index a set of rule files
 * SYNOPSIS
 *	#include "dsnexplain.h"
 *
 *	dsnx_status dsnx_ruleset_load(dir, site_dir, on_error, arg, &set)
 *	dsnx_ruleset *dsnx_ruleset_ref(set)
 *	void dsnx_ruleset_unref(set)
 * DESCRIPTION
 *	Reads every *.json file of the shipped directory in name order,
 *	then those of the site directory, with jansson (duplicate member
 *	names rejected).  Each file may hold "rules" and "causes".  Every
 *	member is checked: unknown members, wrong types, bad identifiers,
 *	unknown reasons, outcomes and causes, duplicate ids, patterns that do
 *	not compile, and examples a rule fails.  Each problem is reported
 *	with file, line and column (positions come from jsonpos.c, built only
 *	when a file has an error) and loading goes on, so one run shows every
 *	problem; a set with any problem is refused as a whole.
 *
 *	A site rule with the id of a shipped rule replaces it; one with
 *	"disabled": true removes it.  A site cause replaces a shipped cause.
 *
 *	The finished set is sorted by priority (then load order), indexed by
 *	status bucket per kind, and given one Aho-Corasick automaton per text
 *	field holding each rule's required literal (match.c).  It is
 *	immutable and reference-counted.
 * LIMITS
 *	A rule file may be at most RULE_FILE_MAX bytes, a set at most
 *	RULE_COUNT_MAX rules.  Patterns are compiled once, with JIT when
 *	available (not under valgrind), and run under RULE_MATCH_LIMIT,
 *	RULE_DEPTH_LIMIT and RULE_HEAP_LIMIT_KB (rules.h).
 * DIAGNOSTICS
 *	DSNX_EPARSE when any rule or cause was wrong, DSNX_EIO when a file
 *	or the shipped directory could not be read, DSNX_ENOMEM.
 * SEE ALSO
 *	match.c, jsonpos.c, dsnexplain-rules(5).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "jsonpos.h"
#include "rules.h"

#define RULE_FILE_MAX (16u << 20)
#define RULE_COUNT_MAX 100000
#define PATH_MAX_LEN 256

static const char *const reasons[] = {
	"delivered", "expired", "userunknown", "hostunknown", "mailboxfull",
	"blocked", "spamdetected", "networkerror", "toomanyconn",
	"policyviolation", "rejected", "systemerror", "mesgtoobig", "norelaying",
	"securityerror", "suspend", "filtered", "notaccept", "undefined",
	"onhold", "hasmoved", "exceedlimit", "mailererror", "systemfull",
	"contenterror", "virusdetected", "syntaxerror", "authfailure",
	"badreputation", "requireptr", "notcompliantrfc", "speeding",
	"failedstarttls", NULL
};

static const char *const actions[] = {
	"failed", "delayed", "delivered", "relayed", "expanded", "none", NULL
};

static const char *const outcome_words[] = {
	"delayed", "expired", "failed", "delivered", "none", NULL
};

static const char *const whos[] = {
	"sender", "recipient-side", "our-admin", NULL
};

/* One file read during loading, kept until the end for error positions. */
typedef struct source {
	char *name;
	char *text;
	size_t len;
	dsnx_jsonpos *pos;      /* built on the first error */
	json_t *root;
	int site;
} source;

/* A rule as read, before the set is assembled. */
typedef struct draft {
	rule r;
	unsigned file;
	char path[PATH_MAX_LEN];
	json_t *examples;       /* borrowed from the file's root */
	int site;
	int disabled;
	int dropped;            /* replaced or removed by a site rule */
} draft;

typedef struct cause_draft {
	cause c;
	unsigned file;
	char path[PATH_MAX_LEN];
	int site;
	int dropped;
} cause_draft;

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
	pcre2_code **codes;     /* every compiled pattern, for freeing */
	unsigned code_count;
	unsigned code_cap;
	unsigned order;
} loader;

/* The set keeps its compiled patterns for freeing. */
typedef struct set_extra {
	pcre2_code **codes;
	unsigned count;
} set_extra;

/* ------------------------------------------------------------ errors */

static void
report(loader *ld, unsigned file, const char *path, int key,
    size_t extra_column, const char *fmt, ...)
{
	dsnx_error_t err;
	va_list ap;
	source *f = file < ld->file_count ? &ld->files[file] : NULL;

	memset(&err, 0, sizeof(err));
	if (f != NULL) {
		snprintf(err.source, sizeof(err.source), "%s", f->name);
		if (path != NULL && f->pos == NULL)
			(void)dsnx_jsonpos_build(f->text, f->len, &f->pos);
		if (path != NULL && f->pos != NULL) {
			int line = 0, col = 0;
			size_t off = 0;

			if (dsnx_jsonpos_find(f->pos, path, key, &line, &col, &off) >= 0) {
				err.line = line;
				err.column = col + (int)extra_column;
				err.position = off + extra_column;
			}
		}
	}
	va_start(ap, fmt);
	vsnprintf(err.text, sizeof(err.text), fmt, ap);
	va_end(ap);
	ld->errors++;
	if (ld->on_error != NULL)
		ld->on_error(&err, ld->arg);
}

/* A problem that does not make the set invalid (a missing translation). */
static void
warn(loader *ld, const char *name, const char *fmt, ...)
{
	dsnx_error_t err;
	va_list ap;

	memset(&err, 0, sizeof(err));
	snprintf(err.source, sizeof(err.source), "%s", name);
	err.warning = 1;
	va_start(ap, fmt);
	vsnprintf(err.text, sizeof(err.text), fmt, ap);
	va_end(ap);
	if (ld->on_error != NULL)
		ld->on_error(&err, ld->arg);
}

static void
report_file(loader *ld, const char *name, int line, int column,
    const char *fmt, ...)
{
	dsnx_error_t err;
	va_list ap;

	memset(&err, 0, sizeof(err));
	snprintf(err.source, sizeof(err.source), "%s", name);
	err.line = line;
	err.column = column;
	va_start(ap, fmt);
	vsnprintf(err.text, sizeof(err.text), fmt, ap);
	va_end(ap);
	ld->errors++;
	if (ld->on_error != NULL)
		ld->on_error(&err, ld->arg);
}

static void
path_join(char *out, const char *base, const char *member)
{
	snprintf(out, PATH_MAX_LEN, "%s", base);
	(void)dsnx_jsonpos_append(out, PATH_MAX_LEN, member);
}

static void
path_index(char *out, const char *base, size_t i)
{
	snprintf(out, PATH_MAX_LEN, "%s", base);
	(void)dsnx_jsonpos_append_index(out, PATH_MAX_LEN, i);
}

/*
 * Column of byte offset erroff of the decoded value of the JSON string at
 * path: walks the raw string literal, so escapes are accounted for.
 */
static size_t
string_offset_column(loader *ld, unsigned file, const char *path,
    size_t erroff)
{
	source *f = &ld->files[file];
	int line, col;
	size_t off, p, decoded = 0;

	if (f->pos == NULL)
		(void)dsnx_jsonpos_build(f->text, f->len, &f->pos);
	if (f->pos == NULL
	    || dsnx_jsonpos_find(f->pos, path, 0, &line, &col, &off) != 0
	    || off >= f->len || f->text[off] != '"')
		return 0;
	for (p = off + 1; p < f->len && f->text[p] != '"' && decoded < erroff; ) {
		if (f->text[p] == '\\' && p + 1 < f->len) {
			if (f->text[p + 1] == 'u' && p + 5 < f->len) {
				unsigned v = (unsigned)strtoul((char[5]){ f->text[p + 2],
				    f->text[p + 3], f->text[p + 4], f->text[p + 5], 0 },
				    NULL, 16);

				decoded += v < 0x80 ? 1 : v < 0x800 ? 2 : 3;
				p += 6;
			} else {
				decoded++;
				p += 2;
			}
		} else {
			decoded++;
			p++;
		}
	}
	return p - off;
}

/* ------------------------------------------------------------ helpers */

static int
in_list(const char *const *list, const char *s)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

static int
valid_id(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 128)
		return 0;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return 0;
	for (i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')
		    || s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

static const char *
keep(loader *ld, const char *s)
{
	const char *p = dsnx_arena_strdup(&ld->set->arena, s);

	if (p == NULL)
		ld->oom = 1;
	return p;
}

static void *
alloc(loader *ld, size_t n)
{
	void *p = dsnx_arena_zalloc(&ld->set->arena, n ? n : 1);

	if (p == NULL)
		ld->oom = 1;
	return p;
}

/* Checks that obj has only members named in allowed. */
static void
check_members(loader *ld, unsigned file, const char *path, json_t *obj,
    const char *const *allowed, const char *what)
{
	const char *key;
	json_t *v;
	char p[PATH_MAX_LEN];

	json_object_foreach(obj, key, v) {
		if (!in_list(allowed, key)) {
			path_join(p, path, key);
			report(ld, file, p, 1, 0, "%s: unknown member \"%s\"", what, key);
		}
	}
}

/* ---------------------------------------------------------- conditions */

static int
parse_status_pattern(const char *s, status_pat *out)
{
	short part[3];
	int i;
	const char *p = s;

	memset(out, 0, sizeof(*out));
	if (strcmp(s, "none") == 0) {
		out->none = 1;
		return 0;
	}
	for (i = 0; i < 3; i++) {
		if (*p == '*') {
			part[i] = -1;
			p++;
		} else {
			int v = 0, d = 0;

			while (*p >= '0' && *p <= '9' && d < 4) {
				v = v * 10 + (*p++ - '0');
				d++;
			}
			if (d == 0 || d > 3)
				return -1;
			part[i] = (short)v;
		}
		if (i < 2 && *p++ != '.')
			return -1;
	}
	if (*p != '\0')
		return -1;
	if (part[0] != -1 && part[0] != 2 && part[0] != 4 && part[0] != 5)
		return -1;
	out->cls = part[0];
	out->subject = part[1];
	out->detail = part[2];
	return 0;
}

static int
parse_reply_pattern(const char *s, char out[4])
{
	int i;

	if (strcmp(s, "none") == 0) {
		out[0] = '\0';
		return 0;
	}
	if (strlen(s) != 3)
		return -1;
	for (i = 0; i < 3; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '*'))
			return -1;
	if (s[0] != '*' && (s[0] < '2' || s[0] > '5'))
		return -1;
	memcpy(out, s, 4);
	return 0;
}

static void
compile_pattern(loader *ld, unsigned file, const char *path, condition *c,
    const char *pattern)
{
	int code;
	PCRE2_SIZE off;

	c->pattern = keep(ld, pattern);
	c->re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	    PCRE2_CASELESS | PCRE2_MULTILINE | PCRE2_UTF, &code, &off, NULL);
	if (c->re == NULL) {
		PCRE2_UCHAR msg[160];

		pcre2_get_error_message(code, msg, sizeof(msg));
		report(ld, file, path, 0, string_offset_column(ld, file, path, off),
		    "bad pattern: %s (at offset %zu)", (char *)msg, (size_t)off);
		return;
	}
	if (ld->code_count == ld->code_cap) {
		unsigned cap = ld->code_cap ? ld->code_cap * 2 : 256;
		pcre2_code **v = realloc(ld->codes, cap * sizeof(*v));

		if (v == NULL) {
			pcre2_code_free(c->re);
			c->re = NULL;
			ld->oom = 1;
			return;
		}
		ld->codes = v;
		ld->code_cap = cap;
	}
	ld->codes[ld->code_count++] = c->re;
	dsnx_regex_jit(c->re);
}

/* A string or an array of strings, as a list. */
static const char **
string_list(loader *ld, unsigned file, const char *path, json_t *v,
    unsigned *count)
{
	const char **list;
	size_t i, n;
	char p[PATH_MAX_LEN];

	*count = 0;
	if (json_is_string(v)) {
		if ((list = alloc(ld, sizeof(*list))) == NULL)
			return NULL;
		list[0] = json_string_value(v);
		*count = 1;
		return list;
	}
	if (!json_is_array(v) || json_array_size(v) == 0) {
		report(ld, file, path, 0, 0,
		    "expected a string or a non-empty array of strings");
		return NULL;
	}
	n = json_array_size(v);
	if ((list = alloc(ld, n * sizeof(*list))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		json_t *e = json_array_get(v, i);

		if (!json_is_string(e)) {
			path_index(p, path, i);
			report(ld, file, p, 0, 0, "expected a string");
			return NULL;
		}
		list[i] = json_string_value(e);
	}
	*count = (unsigned)n;
	return list;
}

static enum rule_field
field_of(const char *name)
{
	int i;

	for (i = 0; i < RF_COUNT; i++)
		if (strcmp(dsnx_rule_field_names[i], name) == 0)
			return (enum rule_field)i;
	return RF_COUNT;
}

/* Parses a condition object into conds (code fields first). */
static condition *
parse_conditions(loader *ld, unsigned file, const char *path, json_t *obj,
    unsigned *count)
{
	const char *key;
	json_t *v;
	condition *conds;
	unsigned n = 0, cap, pass;
	char p[PATH_MAX_LEN], hp[PATH_MAX_LEN];

	*count = 0;
	if (!json_is_object(obj) || json_object_size(obj) == 0) {
		report(ld, file, path, 0, 0, "expected a non-empty object of conditions");
		return NULL;
	}
	cap = (unsigned)json_object_size(obj);
	{
		json_t *h = json_object_get(obj, "headers");

		if (json_is_object(h))
			cap += (unsigned)json_object_size(h);
	}
	if ((conds = alloc(ld, cap * sizeof(*conds))) == NULL)
		return NULL;
	/* Two passes: code fields, then text fields, so cheap tests run first. */
	for (pass = 0; pass < 2; pass++) {
		json_object_foreach(obj, key, v) {
			enum rule_field f = field_of(key);
			condition *c;
			unsigned i, k;

			path_join(p, path, key);
			if (f == RF_COUNT) {
				if (pass == 0)
					report(ld, file, p, 1, 0, "unknown condition \"%s\"", key);
				continue;
			}
			if ((pass == 0) != (f < RF_FIRST_TEXT))
				continue;
			if (f == RF_HEADER) {
				const char *hname;
				json_t *hv;

				if (!json_is_object(v) || json_object_size(v) == 0) {
					report(ld, file, p, 0, 0,
					    "expected an object of header names and patterns");
					continue;
				}
				json_object_foreach(v, hname, hv) {
					path_join(hp, p, hname);
					if (!json_is_string(hv)) {
						report(ld, file, hp, 0, 0, "expected a pattern string");
						continue;
					}
					c = &conds[n++];
					c->field = RF_HEADER;
					c->header = keep(ld, hname);
					compile_pattern(ld, file, hp, c, json_string_value(hv));
				}
				continue;
			}
			c = &conds[n];
			c->field = f;
			if (f >= RF_FIRST_TEXT) {
				if (!json_is_string(v)) {
					report(ld, file, p, 0, 0, "expected a pattern string");
					continue;
				}
				compile_pattern(ld, file, p, c, json_string_value(v));
				n++;
				continue;
			}
			{
				const char **list = string_list(ld, file, p, v, &k);

				if (list == NULL)
					continue;
				c->count = k;
				switch (f) {
				case RF_STATUS:
					c->status = alloc(ld, k * sizeof(*c->status));
					for (i = 0; c->status != NULL && i < k; i++)
						if (parse_status_pattern(list[i], &c->status[i]) != 0)
							report(ld, file, p, 0, 0, "bad status pattern \"%s\" "
							    "(want like 5.1.1, 4.7.*, *.4.7 or none)", list[i]);
					break;
				case RF_REPLY:
					c->reply = alloc(ld, k * sizeof(*c->reply));
					for (i = 0; c->reply != NULL && i < k; i++)
						if (parse_reply_pattern(list[i], c->reply[i]) != 0)
							report(ld, file, p, 0, 0, "bad reply pattern \"%s\" "
							    "(want like 550, 55*, 4** or none)", list[i]);
					break;
				default:
					c->words = alloc(ld, k * sizeof(*c->words));
					for (i = 0; c->words != NULL && i < k; i++) {
						if (f == RF_ACTION && !in_list(actions, list[i]))
							report(ld, file, p, 0, 0, "unknown action \"%s\"",
							    list[i]);
						if (f == RF_OUTCOME && !in_list(outcome_words, list[i]))
							report(ld, file, p, 0, 0, "unknown outcome \"%s\"",
							    list[i]);
						c->words[i] = keep(ld, list[i]);
					}
					break;
				}
				n++;
			}
		}
	}
	*count = n;
	return conds;
}

/* ---------------------------------------------------------------- rules */

static const char *const rule_members[] = {
	"id", "kind", "priority", "description", "when", "unless", "reason",
	"cause", "outcome", "examples", "disabled", "sources", NULL
};

static void
parse_reason(loader *ld, unsigned file, const char *path, json_t *v, rule *r)
{
	const char *key;
	json_t *e;
	char p[PATH_MAX_LEN];

	if (json_is_string(v)) {
		if (!in_list(reasons, json_string_value(v)))
			report(ld, file, path, 0, 0, "unknown reason \"%s\"",
			    json_string_value(v));
		else
			r->reason[RO_DEFAULT] = keep(ld, json_string_value(v));
		return;
	}
	if (!json_is_object(v) || json_object_size(v) == 0) {
		report(ld, file, path, 0, 0,
		    "reason: expected a string or an object keyed by outcome");
		return;
	}
	json_object_foreach(v, key, e) {
		int idx = dsnx_outcome_index(key);

		path_join(p, path, key);
		if (idx < 0) {
			report(ld, file, p, 1, 0, "reason: unknown outcome \"%s\" (want "
			    "delayed, expired, failed, delivered or default)", key);
			continue;
		}
		if (!json_is_string(e) || !in_list(reasons, json_string_value(e))) {
			report(ld, file, p, 0, 0, "unknown reason %s%s%s",
			    json_is_string(e) ? "\"" : "",
			    json_is_string(e) ? json_string_value(e) : "(not a string)",
			    json_is_string(e) ? "\"" : "");
			continue;
		}
		r->reason[idx] = keep(ld, json_string_value(e));
	}
}

static draft *
new_draft(loader *ld)
{
	draft *v;

	if (ld->rule_count >= RULE_COUNT_MAX)
		return NULL;
	if (ld->rule_count == ld->rule_cap) {
		unsigned cap = ld->rule_cap ? ld->rule_cap * 2 : 64;

		v = realloc(ld->rules, cap * sizeof(*v));
		if (v == NULL) {
			ld->oom = 1;
			return NULL;
		}
		ld->rules = v;
		ld->rule_cap = cap;
	}
	v = &ld->rules[ld->rule_count++];
	memset(v, 0, sizeof(*v));
	return v;
}

static void
parse_rule(loader *ld, unsigned file, const char *path, json_t *o)
{
	json_t *v;
	draft *d;
	rule *r;
	char p[PATH_MAX_LEN];
	const char *id;

	if (!json_is_object(o)) {
		report(ld, file, path, 0, 0, "a rule must be an object");
		return;
	}
	v = json_object_get(o, "id");
	if (!json_is_string(v) || !valid_id(json_string_value(v))) {
		path_join(p, path, "id");
		report(ld, file, v ? p : path, 0, 0, "rule needs an \"id\": a string "
		    "of a-z, 0-9, '.', '_', '-', starting with a letter or digit");
		return;
	}
	id = json_string_value(v);
	if ((d = new_draft(ld)) == NULL) {
		if (!ld->oom)
			report(ld, file, path, 0, 0, "more than %d rules", RULE_COUNT_MAX);
		return;
	}
	d->file = file;
	d->site = ld->files[file].site;
	snprintf(d->path, sizeof(d->path), "%s", path);
	r = &d->r;
	r->id = keep(ld, id);
	r->order = ld->order++;
	r->priority = 500;
	r->kind = RK_CAUSE;
	check_members(ld, file, path, o, rule_members, id);

	v = json_object_get(o, "disabled");
	if (v != NULL) {
		path_join(p, path, "disabled");
		if (!json_is_boolean(v))
			report(ld, file, p, 0, 0, "rule \"%s\": \"disabled\" must be true "
			    "or false", id);
		else if (json_is_true(v)) {
			d->disabled = 1;
			return;
		}
	}
	v = json_object_get(o, "kind");
	if (v != NULL) {
		path_join(p, path, "kind");
		if (json_is_string(v) && strcmp(json_string_value(v), "outcome") == 0)
			r->kind = RK_OUTCOME;
		else if (!json_is_string(v) || strcmp(json_string_value(v), "cause") != 0)
			report(ld, file, p, 0, 0, "rule \"%s\": kind must be \"cause\" or "
			    "\"outcome\"", id);
	}
	v = json_object_get(o, "priority");
	if (v != NULL) {
		path_join(p, path, "priority");
		if (!json_is_integer(v) || json_integer_value(v) < 0
		    || json_integer_value(v) > 1000)
			report(ld, file, p, 0, 0, "rule \"%s\": priority must be an "
			    "integer from 0 to 1000", id);
		else
			r->priority = (int)json_integer_value(v);
	}
	v = json_object_get(o, "description");
	if (v != NULL && !json_is_string(v)) {
		path_join(p, path, "description");
		report(ld, file, p, 0, 0, "rule \"%s\": description must be a string", id);
	}
	v = json_object_get(o, "when");
	path_join(p, path, "when");
	if (v == NULL)
		report(ld, file, path, 0, 0, "rule \"%s\": missing \"when\"", id);
	else
		r->when = parse_conditions(ld, file, p, v, &r->when_count);
	v = json_object_get(o, "unless");
	if (v != NULL) {
		path_join(p, path, "unless");
		r->unless = parse_conditions(ld, file, p, v, &r->unless_count);
	}
	if (r->kind == RK_CAUSE) {
		v = json_object_get(o, "reason");
		path_join(p, path, "reason");
		if (v == NULL)
			report(ld, file, path, 0, 0, "rule \"%s\": missing \"reason\"", id);
		else
			parse_reason(ld, file, p, v, r);
		v = json_object_get(o, "cause");
		path_join(p, path, "cause");
		if (!json_is_string(v))
			report(ld, file, v ? p : path, 0, 0, "rule \"%s\": missing or bad "
			    "\"cause\" (a key of the cause catalogue)", id);
		else
			r->cause = keep(ld, json_string_value(v));
		if ((v = json_object_get(o, "outcome")) != NULL) {
			path_join(p, path, "outcome");
			report(ld, file, p, 1, 0, "rule \"%s\": \"outcome\" is for rules of "
			    "kind \"outcome\"", id);
		}
	} else {
		v = json_object_get(o, "outcome");
		path_join(p, path, "outcome");
		if (!json_is_string(v) || dsnx_outcome_index(json_string_value(v)) < 0
		    || dsnx_outcome_index(json_string_value(v)) == RO_DEFAULT)
			report(ld, file, v ? p : path, 0, 0, "rule \"%s\": an outcome rule "
			    "needs \"outcome\": delayed, expired, failed or delivered", id);
		else
			r->outcome = (dsnx_outcome)dsnx_outcome_parse(
			    json_string_value(v));
		if (json_object_get(o, "reason") != NULL
		    || json_object_get(o, "cause") != NULL) {
			path_join(p, path, json_object_get(o, "reason") ? "reason" : "cause");
			report(ld, file, p, 1, 0, "rule \"%s\": outcome rules take no "
			    "reason or cause", id);
		}
	}
	v = json_object_get(o, "examples");
	path_join(p, path, "examples");
	if (!json_is_object(v) || !json_is_array(json_object_get(v, "match"))
	    || json_array_size(json_object_get(v, "match")) == 0)
		report(ld, file, v ? p : path, 0, 0, "rule \"%s\": needs \"examples\" "
		    "with at least one \"match\" example", id);
	else {
		static const char *const ex_members[] = { "match", "no_match", NULL };

		check_members(ld, file, p, v, ex_members, id);
		if (json_object_get(v, "no_match") != NULL
		    && !json_is_array(json_object_get(v, "no_match"))) {
			char q[PATH_MAX_LEN];

			path_join(q, p, "no_match");
			report(ld, file, q, 0, 0, "rule \"%s\": no_match must be an array",
			    id);
		}
		d->examples = v;
	}
}

/* --------------------------------------------------------------- causes */

static const char *const text_members[] = {
	"title", "summary", "sender", "admin", "references", NULL
};

static const char *const *
string_array(loader *ld, unsigned file, const char *path, json_t *v,
    unsigned *count, int required)
{
	const char **list;
	size_t i, n;
	char p[PATH_MAX_LEN];

	*count = 0;
	if (v == NULL && !required)
		return NULL;
	if (!json_is_array(v) || (required && json_array_size(v) == 0)) {
		report(ld, file, path, 0, 0, "expected a%s array of strings",
		    required ? " non-empty" : "n");
		return NULL;
	}
	n = json_array_size(v);
	if ((list = alloc(ld, (n + 1) * sizeof(*list))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		json_t *e = json_array_get(v, i);

		if (!json_is_string(e)) {
			path_index(p, path, i);
			report(ld, file, p, 0, 0, "expected a string");
			return NULL;
		}
		list[i] = keep(ld, json_string_value(e));
	}
	*count = (unsigned)n;
	return list;
}

static const char *
text_member(loader *ld, unsigned file, const char *path, json_t *o,
    const char *name)
{
	json_t *v = json_object_get(o, name);
	char p[PATH_MAX_LEN];

	if (!json_is_string(v) || json_string_length(v) == 0) {
		path_join(p, path, name);
		report(ld, file, v ? p : path, 0, 0, "missing or empty \"%s\"", name);
		return NULL;
	}
	return keep(ld, json_string_value(v));
}

static void
parse_cause(loader *ld, unsigned file, const char *path, const char *key,
    json_t *o)
{
	static const char *const members[] = { "who", "text", NULL };
	cause_draft *v;
	cause *c;
	json_t *w, *texts, *t;
	const char *lang;
	char p[PATH_MAX_LEN], q[PATH_MAX_LEN];
	unsigned n = 0;

	if (!valid_id(key) || strchr(key, '.') != NULL) {
		report(ld, file, path, 1, 0, "bad cause name \"%s\" (a-z, 0-9, '-')", key);
		return;
	}
	if (!json_is_object(o)) {
		report(ld, file, path, 0, 0, "cause \"%s\": expected an object", key);
		return;
	}
	v = realloc(ld->causes, (ld->cause_count + 1) * sizeof(*v));
	if (v == NULL) {
		ld->oom = 1;
		return;
	}
	ld->causes = v;
	v = &ld->causes[ld->cause_count++];
	memset(v, 0, sizeof(*v));
	v->file = file;
	v->site = ld->files[file].site;
	snprintf(v->path, sizeof(v->path), "%s", path);
	c = &v->c;
	c->key = keep(ld, key);
	check_members(ld, file, path, o, members, key);
	w = json_object_get(o, "who");
	path_join(p, path, "who");
	if (!json_is_string(w) || !in_list(whos, json_string_value(w)))
		report(ld, file, w ? p : path, 0, 0, "cause \"%s\": \"who\" must be "
		    "sender, recipient-side or our-admin", key);
	else
		c->who = keep(ld, json_string_value(w));
	texts = json_object_get(o, "text");
	path_join(p, path, "text");
	if (!json_is_object(texts) || json_object_get(texts, "en") == NULL) {
		report(ld, file, texts ? p : path, 0, 0, "cause \"%s\": needs \"text\" "
		    "with at least an \"en\" entry", key);
		return;
	}
	c->langs = alloc(ld, json_object_size(texts) * sizeof(*c->langs));
	if (c->langs == NULL)
		return;
	json_object_foreach(texts, lang, t) {
		cause_lang *cl = &c->langs[n];

		path_join(q, p, lang);
		if (strlen(lang) < 2 || strlen(lang) > 8 || !json_is_object(t)) {
			report(ld, file, q, 1, 0, "cause \"%s\": bad language entry \"%s\"",
			    key, lang);
			continue;
		}
		check_members(ld, file, q, t, text_members, key);
		cl->lang = keep(ld, lang);
		cl->text.title = text_member(ld, file, q, t, "title");
		cl->text.summary = text_member(ld, file, q, t, "summary");
		cl->text.sender = text_member(ld, file, q, t, "sender");
		path_join(p, q, "admin");
		cl->text.admin = string_array(ld, file, p, json_object_get(t, "admin"),
		    &cl->text.admin_count, 1);
		path_join(p, q, "references");
		cl->text.references = string_array(ld, file, p,
		    json_object_get(t, "references"), &cl->text.reference_count, 0);
		path_join(p, path, "text");
		n++;
	}
	c->lang_count = n;
}

/* -------------------------------------------------------------- strings */

static void
parse_strings(loader *ld, unsigned file, json_t *x)
{
	const char *lang, *key;
	json_t *texts, *v;
	char p[PATH_MAX_LEN], q[PATH_MAX_LEN];

	if (!json_is_object(x)) {
		report(ld, file, "/strings", 0, 0, "\"strings\" must be an object of "
		    "languages");
		return;
	}
	json_object_foreach(x, lang, texts) {
		path_join(p, "/strings", lang);
		if (strlen(lang) < 2 || strlen(lang) > 8 || !json_is_object(texts)) {
			report(ld, file, p, 1, 0, "bad language entry \"%s\"", lang);
			continue;
		}
		json_object_foreach(texts, key, v) {
			ui_string *u;

			path_join(q, p, key);
			if (!json_is_string(v) || json_string_length(v) == 0) {
				report(ld, file, q, 0, 0, "string \"%s\" must be a non-empty "
				    "string", key);
				continue;
			}
			if (ld->string_count == ld->string_cap) {
				unsigned cap = ld->string_cap ? ld->string_cap * 2 : 256;
				ui_string *n = realloc(ld->strings, cap * sizeof(*n));

				if (n == NULL) {
					ld->oom = 1;
					return;
				}
				ld->strings = n;
				ld->string_cap = cap;
			}
			u = &ld->strings[ld->string_count++];
			u->lang = keep(ld, lang);
			u->key = keep(ld, key);
			u->text = keep(ld, json_string_value(v));
		}
	}
}

static int
string_cmp(const void *a, const void *b)
{
	const ui_string *x = a, *y = b;
	int c = strcmp(x->lang, y->lang);

	return c != 0 ? c : strcmp(x->key, y->key);
}

static const ui_string *
find_string(const dsnx_ruleset *set, const char *lang, const char *key)
{
	ui_string k;

	k.lang = lang;
	k.key = key;
	if (set->string_count == 0)
		return NULL;
	return bsearch(&k, set->strings, set->string_count, sizeof(ui_string),
	    string_cmp);
}

/*
 * Every language's keys must be English keys (a typo is an error); a key
 * or a cause text a language lacks is a warning: English stands in.
 */
static void
check_translations(loader *ld, const char *where)
{
	dsnx_ruleset *set = ld->set;
	unsigned i, k, c;

	for (i = 0; i < set->string_count; i++) {
		const ui_string *u = &set->strings[i];

		if (i > 0 && string_cmp(u, &set->strings[i - 1]) == 0) {
			report_file(ld, where, 0, 0, "string \"%s\" defined twice for "
			    "\"%s\"", u->key, u->lang);
			continue;
		}
		if (strcmp(u->lang, "en") != 0 && find_string(set, "en", u->key) == NULL)
			report_file(ld, where, 0, 0, "string \"%s\" in \"%s\" has no "
			    "English original", u->key, u->lang);
	}
	for (i = 0; i < set->string_count; i++) {
		const char *lang = set->strings[i].lang;

		if (strcmp(lang, "en") == 0 || (i > 0
		    && strcmp(lang, set->strings[i - 1].lang) == 0))
			continue;
		for (k = 0; k < set->string_count; k++)
			if (strcmp(set->strings[k].lang, "en") == 0
			    && find_string(set, lang, set->strings[k].key) == NULL)
				warn(ld, where, "missing translation: string \"%s\" in "
				    "\"%s\"", set->strings[k].key, lang);
		for (c = 0; c < set->cause_count; c++) {
			const cause *cs = &set->causes[c];
			unsigned l;

			for (l = 0; l < cs->lang_count; l++)
				if (strcmp(cs->langs[l].lang, lang) == 0)
					break;
			if (l == cs->lang_count)
				warn(ld, where, "missing translation: cause \"%s\" in "
				    "\"%s\"", cs->key, lang);
		}
	}
}

/* ---------------------------------------------------------------- files */

static void
load_file(loader *ld, const char *path, const char *name, int site)
{
	source *f, *v;
	struct stat sb;
	FILE *fp;
	json_error_t jerr;
	json_t *root, *x;
	const char *key;
	unsigned file;
	size_t i;
	char p[PATH_MAX_LEN];

	v = realloc(ld->files, (ld->file_count + 1) * sizeof(*v));
	if (v == NULL) {
		ld->oom = 1;
		return;
	}
	ld->files = v;
	file = ld->file_count;
	f = &ld->files[ld->file_count++];
	memset(f, 0, sizeof(*f));
	f->site = site;
	(void)name;
	if ((f->name = strdup(path)) == NULL) {
		ld->oom = 1;
		return;
	}
	if ((fp = fopen(path, "rb")) == NULL) {
		report_file(ld, path, 0, 0, "cannot open: %s", strerror(errno));
		ld->io_error = 1;
		return;
	}
	if (fstat(fileno(fp), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		report_file(ld, path, 0, 0, "not a regular file");
		ld->io_error = 1;
		fclose(fp);
		return;
	}
	if ((size_t)sb.st_size > RULE_FILE_MAX) {
		report_file(ld, path, 0, 0, "file too large (%lld bytes; a rule file "
		    "may have at most %u)", (long long)sb.st_size, RULE_FILE_MAX);
		fclose(fp);
		return;
	}
	f->len = (size_t)sb.st_size;
	if ((f->text = malloc(f->len + 1)) == NULL) {
		ld->oom = 1;
		fclose(fp);
		return;
	}
	if (fread(f->text, 1, f->len, fp) != f->len) {
		report_file(ld, path, 0, 0, "read error: %s", strerror(errno));
		ld->io_error = 1;
		fclose(fp);
		return;
	}
	fclose(fp);
	f->text[f->len] = '\0';
	root = json_loadb(f->text, f->len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		report_file(ld, path, jerr.line, jerr.column, "%s", jerr.text);
		return;
	}
	f->root = root;
	if (!json_is_object(root)) {
		report(ld, file, "", 0, 0, "a rule file must hold one JSON object");
		return;
	}
	{
		static const char *const top[] = { "rules", "causes", "strings",
			NULL };

		check_members(ld, file, "", root, top, "rule file");
	}
	x = json_object_get(root, "rules");
	if (x != NULL) {
		if (!json_is_array(x))
			report(ld, file, "/rules", 0, 0, "\"rules\" must be an array");
		else
			for (i = 0; i < json_array_size(x) && !ld->oom; i++) {
				path_index(p, "/rules", i);
				parse_rule(ld, file, p, json_array_get(x, i));
			}
	}
	x = json_object_get(root, "strings");
	if (x != NULL)
		parse_strings(ld, file, x);
	x = json_object_get(root, "causes");
	if (x != NULL) {
		json_t *c;

		if (!json_is_object(x))
			report(ld, file, "/causes", 0, 0, "\"causes\" must be an object");
		else
			json_object_foreach(x, key, c) {
				path_join(p, "/causes", key);
				parse_cause(ld, file, p, key, c);
			}
	}
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Loads every *.json of dir in name order.  Returns -1 if dir is missing. */
static int
load_dir(loader *ld, const char *dir, int site)
{
	DIR *d;
	struct dirent *e;
	char **names = NULL, path[4096];
	size_t n = 0, cap = 0, i;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);

		if (e->d_name[0] == '.' || len < 6
		    || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		if (n == cap) {
			char **v = realloc(names, (cap = cap ? cap * 2 : 32) * sizeof(*v));

			if (v == NULL) {
				ld->oom = 1;
				break;
			}
			names = v;
		}
		if ((names[n] = strdup(e->d_name)) == NULL) {
			ld->oom = 1;
			break;
		}
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (!ld->oom)
			load_file(ld, path, names[i], site);
		free(names[i]);
	}
	free(names);
	return 0;
}

/* ------------------------------------------------------------- assembly */

static const draft *sort_base;

/* Orders draft indices by id, then load order (qsort has no argument). */
static int
draft_id_cmp(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	int c = strcmp(sort_base[x].r.id, sort_base[y].r.id);

	return c != 0 ? c : x < y ? -1 : x > y;
}

/*
 * Applies site overrides and reports duplicate ids.  Drafts with the same
 * id are brought together by sorting (a set may hold many rules); within
 * a run of one id, a site draft replaces or disables the shipped ones and
 * anything else is a duplicate.
 */
static void
merge_rules(loader *ld)
{
	unsigned *order, i, j, k;

	if (ld->rule_count == 0)
		return;
	if ((order = malloc(ld->rule_count * sizeof(*order))) == NULL) {
		ld->oom = 1;
		return;
	}
	for (i = 0; i < ld->rule_count; i++)
		order[i] = i;
	sort_base = ld->rules;
	qsort(order, ld->rule_count, sizeof(*order), draft_id_cmp);
	sort_base = NULL;
	for (i = 0; i < ld->rule_count; i = j) {
		int shipped = 0;

		for (j = i + 1; j < ld->rule_count && strcmp(ld->rules[order[i]].r.id,
		    ld->rules[order[j]].r.id) == 0; j++)
			;
		for (k = i; k < j; k++) {
			draft *a = &ld->rules[order[k]];
			unsigned m;

			if (!a->site) {
				if (shipped++ > 0)
					report(ld, a->file, a->path, 0, 0, "duplicate rule id "
					    "\"%s\" (first defined in %s)", a->r.id,
					    ld->files[ld->rules[order[i]].file].name);
				continue;
			}
			if (k > i && ld->rules[order[k - 1]].site)
				report(ld, a->file, a->path, 0, 0, "duplicate rule id \"%s\" "
				    "(first defined in %s)", a->r.id,
				    ld->files[ld->rules[order[k - 1]].file].name);
			/* A site rule replaces (or, disabled, removes) the shipped. */
			for (m = i; m < k; m++)
				if (!ld->rules[order[m]].site)
					ld->rules[order[m]].dropped = 1;
			if (a->disabled) {
				if (shipped == 0)
					report(ld, a->file, a->path, 0, 0, "rule \"%s\" is "
					    "disabled, but no shipped rule has that id (only site "
					    "files can disable rules)", a->r.id);
				a->dropped = 1;
			}
		}
	}
	free(order);
}

static void
merge_causes(loader *ld)
{
	unsigned i, j;

	for (i = 0; i < ld->cause_count; i++) {
		cause_draft *a = &ld->causes[i];

		for (j = 0; j < i; j++) {
			cause_draft *b = &ld->causes[j];

			if (b->dropped || strcmp(a->c.key, b->c.key) != 0)
				continue;
			if (a->site && !b->site) {
				b->dropped = 1;
				continue;
			}
			report(ld, a->file, a->path, 1, 0, "duplicate cause \"%s\" (first "
			    "defined in %s)", a->c.key, ld->files[b->file].name);
		}
	}
}

static int
cause_cmp(const void *a, const void *b)
{
	return strcmp(((const cause *)a)->key, ((const cause *)b)->key);
}

static int
rule_cmp(const void *a, const void *b)
{
	const rule *x = a, *y = b;

	if (x->priority != y->priority)
		return x->priority > y->priority ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static const cause *
find_cause(const dsnx_ruleset *set, const char *key)
{
	cause k;

	k.key = key;
	if (set->cause_count == 0)
		return NULL;
	return bsearch(&k, set->causes, set->cause_count, sizeof(cause), cause_cmp);
}

/* Which buckets a rule's status condition allows (all without one). */
static void
rule_buckets(const rule *r, unsigned char *mark)
{
	unsigned i, k, cls, subj;
	const condition *c = NULL;

	for (i = 0; i < r->when_count; i++)
		if (r->when[i].field == RF_STATUS)
			c = &r->when[i];
	if (c == NULL) {
		memset(mark, 1, BUCKETS);
		return;
	}
	memset(mark, 0, BUCKETS);
	for (k = 0; k < c->count; k++) {
		const status_pat *p = &c->status[k];

		if (p->none) {
			mark[BUCKETS - 1] = 1;
			continue;
		}
		for (cls = 0; cls < 3; cls++) {
			static const short classes[3] = { 2, 4, 5 };

			if (p->cls >= 0 && p->cls != classes[cls])
				continue;
			for (subj = 0; subj < 9; subj++)
				if (p->subject < 0 || (p->subject <= 7
				    ? (unsigned)p->subject == subj : subj == 8))
					mark[cls * 9 + subj] = 1;
		}
	}
}

static int
build_index(loader *ld)
{
	dsnx_ruleset *set = ld->set;
	unsigned char mark[BUCKETS];
	unsigned i, b, k;
	int f;

	for (k = 0; k < 2; k++)
		for (b = 0; b < BUCKETS; b++) {
			set->index[k][b].rules = alloc(ld, (set->rule_count + 1)
			    * sizeof(unsigned));
			if (set->index[k][b].rules == NULL)
				return -1;
		}
	for (i = 0; i < set->rule_count; i++) {
		rule *r = &set->rules[i];

		rule_buckets(r, mark);
		for (b = 0; b < BUCKETS; b++)
			if (mark[b]) {
				bucket *bk = &set->index[r->kind][b];

				bk->rules[bk->count++] = i;
			}
	}
	for (f = RF_FIRST_TEXT; f < RF_HEADER; f++)
		if (dsnx_ac_new(&set->literals[f]) != DSNX_OK)
			return -1;
	for (i = 0; i < set->rule_count; i++) {
		rule *r = &set->rules[i];

		for (k = 0; k < r->when_count; k++) {
			condition *c = &r->when[k];
			literal_set lits;
			unsigned j;

			if (c->field < RF_FIRST_TEXT || c->field == RF_HEADER
			    || c->pattern == NULL)
				continue;
			/* Any one of the literals found marks the rule. */
			dsnx_pattern_literals(c->pattern, &lits);
			for (j = 0; j < lits.count; j++)
				if (dsnx_ac_add(set->literals[c->field], lits.lit[j],
				    lits.len[j], i) != DSNX_OK)
					return -1;
			c->has_literal = lits.count > 0;
			if (c->has_literal)
				r->literal_fields |= 1u << c->field;
		}
	}
	for (f = RF_FIRST_TEXT; f < RF_HEADER; f++) {
		size_t w;

		if (dsnx_ac_compile(set->literals[f]) != DSNX_OK)
			return -1;
		w = dsnx_ac_words(set->literals[f]);
		if (w > set->seen_words)
			set->seen_words = w;
	}
	if (set->seen_words < (set->rule_count + 63) / 64 + 1)
		set->seen_words = (set->rule_count + 63) / 64 + 1;
	return 0;
}

/* ------------------------------------------------------------- examples */

static const char *
example_header(void *arg, const char *name)
{
	json_t *headers = arg;
	const char *key;
	json_t *v;

	json_object_foreach(headers, key, v)
		if (strcasecmp(key, name) == 0 && json_is_string(v))
			return json_string_value(v);
	return NULL;
}

/*
 * Turns an example object into a rule input, through the same builder
 * a real message's recipients go through: the example's message-wide
 * members make a rule_message, the rest a recipient.  0, or -1 after
 * reporting.
 */
static int
example_input(loader *ld, unsigned file, const char *path, json_t *ex,
    rule_input *in)
{
	static const char *const members[] = {
		"status", "reply", "action", "outcome", "format", "diagnostic",
		"remote_mta", "reporting_mta", "text", "subject", "from", "headers",
		NULL
	};
	const char *key, *value[RF_COUNT];
	size_t len[RF_COUNT];
	rule_message msg;
	dsnx_recipient rc;
	json_t *v;
	char p[PATH_MAX_LEN];
	unsigned before = ld->errors;
	int reply = 0, has_reply = 0, outcome = -1;

	memset(value, 0, sizeof(value));
	memset(len, 0, sizeof(len));
	memset(&msg, 0, sizeof(msg));
	memset(&rc, 0, sizeof(rc));
	if (!json_is_object(ex)) {
		report(ld, file, path, 0, 0, "an example must be an object");
		return -1;
	}
	check_members(ld, file, path, ex, members, "example");
	json_object_foreach(ex, key, v) {
		enum rule_field f = field_of(key);

		path_join(p, path, key);
		if (f == RF_HEADER) {
			if (!json_is_object(v))
				report(ld, file, p, 0, 0, "example headers must be an object");
			msg.header = example_header;
			msg.header_arg = v;
			continue;
		}
		if (f == RF_REPLY && json_is_integer(v)) {
			reply = (int)json_integer_value(v);
			has_reply = 1;
			continue;
		}
		if (f == RF_COUNT)
			continue;
		if (!json_is_string(v)) {
			report(ld, file, p, 0, 0, "example value must be a string");
			continue;
		}
		value[f] = json_string_value(v);
		len[f] = json_string_length(v);
	}
	if (value[RF_REPLY] != NULL && !has_reply)
		reply = atoi(value[RF_REPLY]);
	if (value[RF_OUTCOME] != NULL
	    && (outcome = dsnx_outcome_parse(value[RF_OUTCOME])) < 0) {
		path_join(p, path, "outcome");
		report(ld, file, p, 0, 0, "unknown outcome \"%s\"", value[RF_OUTCOME]);
	}
	msg.format = value[RF_FORMAT];
	msg.reporting_mta = value[RF_REPORTING_MTA];
	msg.subject = value[RF_SUBJECT];
	msg.from = value[RF_FROM];
	msg.text = value[RF_TEXT];
	msg.text_len = len[RF_TEXT];
	msg.is_dsn = 1;
	rc.action = value[RF_ACTION];
	if (value[RF_STATUS] != NULL
	    && dsnx_code_parse(value[RF_STATUS], len[RF_STATUS], &rc.code) == 0)
		rc.status = value[RF_STATUS];
	rc.reply = reply;
	rc.diagnostic = value[RF_DIAGNOSTIC];
	rc.remote_mta = value[RF_REMOTE_MTA];
	dsnx_rule_input_build(in, &msg, &rc);
	/* An example may give the outcome an outcome rule decided. */
	if (outcome >= 0)
		dsnx_rule_input_outcome(in, (dsnx_outcome)outcome);
	return ld->errors == before ? 0 : -1;
}

static void
run_examples(loader *ld, const rule *r, const draft *d)
{
	static const char *const lists[2] = { "match", "no_match" };
	rule_scratch s;
	char lp[PATH_MAX_LEN], ep[PATH_MAX_LEN], ex_path[PATH_MAX_LEN];
	unsigned li;
	size_t i;

	if (d->examples == NULL)
		return;
	if (dsnx_rule_scratch_init(ld->set, &s, 0, 0) != 0) {
		ld->oom = 1;
		return;
	}
	path_join(ex_path, d->path, "examples");
	for (li = 0; li < 2; li++) {
		json_t *list = json_object_get(d->examples, lists[li]);

		if (!json_is_array(list))
			continue;
		path_join(lp, ex_path, lists[li]);
		for (i = 0; i < json_array_size(list); i++) {
			rule_input in;
			const char *failed = NULL;
			int m, pre;

			path_index(ep, lp, i);
			if (example_input(ld, d->file, ep, json_array_get(list, i), &in) != 0)
				continue;
			ld->set->example_count++;
			dsnx_rule_scratch_message(ld->set, &s);
			m = dsnx_rule_matches(ld->set, r, &in, &s, 0, &failed, NULL);
			if (li == 0 && !m)
				report(ld, d->file, ep, 0, 0, "rule \"%s\" does not match its "
				    "own example (condition \"%s\" fails)", r->id, failed);
			else if (li == 1 && m)
				report(ld, d->file, ep, 0, 0, "rule \"%s\" matches an example "
				    "it must not match", r->id);
			else if (li == 0
			    && !dsnx_rule_matches(ld->set, r, &in, &s, 1, &failed, &pre))
				/* The pattern matches, so its literal must be there: a
				 * miss here is a bug in the literal extraction. */
				report(ld, d->file, ep, 0, 0, "rule \"%s\": the prefilter "
				    "rejects an example the patterns match (condition "
				    "\"%s\"); please report this", r->id, failed);
		}
	}
	dsnx_rule_scratch_free(&s);
}

/* ------------------------------------------------------------- the set */

static void
set_free(dsnx_ruleset *set, set_extra *x)
{
	unsigned i;
	int f;

	if (x != NULL) {
		for (i = 0; i < x->count; i++)
			pcre2_code_free(x->codes[i]);
		free(x->codes);
		free(x);
	}
	for (f = 0; f < RF_COUNT; f++)
		dsnx_ac_free(set->literals[f]);
	pcre2_match_context_free(set->mctx);
	dsnx_arena_free(&set->arena);
	free(set);
}

/* The extra record sits right after the set in one allocation chain:
 * keep a pointer in the arena's first object. */
typedef struct set_box {
	dsnx_ruleset set;
	set_extra *extra;
} set_box;

static void
loader_free(loader *ld)
{
	unsigned i;

	for (i = 0; i < ld->file_count; i++) {
		free(ld->files[i].name);
		free(ld->files[i].text);
		dsnx_jsonpos_free(ld->files[i].pos);
		json_decref(ld->files[i].root);
	}
	free(ld->files);
	free(ld->rules);
	free(ld->causes);
	free(ld->strings);
}

dsnx_status
dsnx_ruleset_load(const char *dir, const char *site_dir,
    dsnx_error_fn *on_error, void *arg, dsnx_ruleset **out)
{
	loader ld;
	set_box *box;
	dsnx_ruleset *set;
	unsigned i, n;
	dsnx_status st = DSNX_OK;

	if (dir == NULL || out == NULL)
		return DSNX_EINVAL;
	*out = NULL;
	memset(&ld, 0, sizeof(ld));
	if ((box = calloc(1, sizeof(*box))) == NULL)
		return DSNX_ENOMEM;
	set = &box->set;
	atomic_init(&set->refs, 1);
	dsnx_arena_init(&set->arena);
	ld.set = set;
	ld.on_error = on_error;
	ld.arg = arg;
	if ((set->mctx = pcre2_match_context_create(NULL)) == NULL) {
		free(box);
		return DSNX_ENOMEM;
	}
	pcre2_set_match_limit(set->mctx, RULE_MATCH_LIMIT);
	pcre2_set_depth_limit(set->mctx, RULE_DEPTH_LIMIT);
	pcre2_set_heap_limit(set->mctx, RULE_HEAP_LIMIT_KB);

	if (load_dir(&ld, dir, 0) != 0) {
		report_file(&ld, dir, 0, 0, "cannot read rule directory: %s",
		    strerror(errno));
		ld.io_error = 1;
	}
	if (site_dir != NULL)
		(void)load_dir(&ld, site_dir, 1);	/* may be absent */
	if (!ld.oom) {
		merge_rules(&ld);
		merge_causes(&ld);
	}

	/* Causes, sorted for lookup. */
	for (i = n = 0; i < ld.cause_count; i++)
		n += !ld.causes[i].dropped;
	set->causes = alloc(&ld, n * sizeof(cause));
	for (i = n = 0; set->causes != NULL && i < ld.cause_count; i++)
		if (!ld.causes[i].dropped)
			set->causes[n++] = ld.causes[i].c;
	set->cause_count = n;
	if (n > 0 && set->causes != NULL)
		qsort(set->causes, n, sizeof(cause), cause_cmp);

	/* Strings, sorted for lookup; translations checked. */
	if (ld.string_count > 0) {
		set->strings = alloc(&ld, ld.string_count * sizeof(ui_string));
		if (set->strings != NULL) {
			memcpy(set->strings, ld.strings, ld.string_count
			    * sizeof(ui_string));
			set->string_count = ld.string_count;
			qsort(set->strings, set->string_count, sizeof(ui_string),
			    string_cmp);
			check_translations(&ld, dir);
		}
	}

	/* Rules: check causes, sort, index. */
	for (i = n = 0; i < ld.rule_count; i++) {
		draft *d = &ld.rules[i];

		if (d->dropped)
			continue;
		n++;
		if (d->r.kind == RK_CAUSE && d->r.cause != NULL
		    && find_cause(set, d->r.cause) == NULL) {
			char p[PATH_MAX_LEN];

			path_join(p, d->path, "cause");
			report(&ld, d->file, p, 0, 0, "rule \"%s\": unknown cause \"%s\"",
			    d->r.id, d->r.cause);
		}
	}
	set->rules = alloc(&ld, n * sizeof(rule));
	for (i = n = 0; set->rules != NULL && i < ld.rule_count; i++)
		if (!ld.rules[i].dropped)
			set->rules[n++] = ld.rules[i].r;
	set->rule_count = n;
	if (set->rules != NULL && n > 0)
		qsort(set->rules, n, sizeof(rule), rule_cmp);
	for (i = 0; i < n; i++)
		set->rules[i].index = i;
	if (!ld.oom && build_index(&ld) != 0)
		ld.oom = 1;
	dsnx_rules_number_conditions(set);

	/* Examples, with the indexed rules (so the prefilter is checked too). */
	if (!ld.oom) {
		for (i = 0; i < ld.rule_count && !ld.oom; i++) {
			draft *d = &ld.rules[i];
			unsigned k;

			if (d->dropped)
				continue;
			for (k = 0; k < set->rule_count; k++)
				if (set->rules[k].order == d->r.order)
					break;
			if (k < set->rule_count)
				run_examples(&ld, &set->rules[k], d);
		}
	}

	if ((box->extra = calloc(1, sizeof(set_extra))) == NULL)
		ld.oom = 1;
	else {
		box->extra->codes = ld.codes;
		box->extra->count = ld.code_count;
		ld.codes = NULL;
	}
	if (ld.oom)
		st = DSNX_ENOMEM;
	else if (ld.io_error)
		st = DSNX_EIO;
	else if (ld.errors > 0)
		st = DSNX_EPARSE;
	loader_free(&ld);
	if (st != DSNX_OK) {
		if (ld.codes != NULL) {
			for (i = 0; i < ld.code_count; i++)
				pcre2_code_free(ld.codes[i]);
			free(ld.codes);
		}
		set_free(set, box->extra);
		return st;
	}
	*out = set;
	return DSNX_OK;
}

dsnx_ruleset *
dsnx_ruleset_ref(dsnx_ruleset *set)
{
	if (set != NULL)
		atomic_fetch_add(&set->refs, 1);
	return set;
}

void
dsnx_ruleset_unref(dsnx_ruleset *set)
{
	if (set == NULL || atomic_fetch_sub(&set->refs, 1) != 1)
		return;
	set_free(set, ((set_box *)set)->extra);
}

unsigned
dsnx_ruleset_rule_count(const dsnx_ruleset *set)
{
	return set->rule_count;
}

unsigned
dsnx_ruleset_cause_count(const dsnx_ruleset *set)
{
	return set->cause_count;
}

unsigned
dsnx_ruleset_example_count(const dsnx_ruleset *set)
{
	return set->example_count;
}

int
dsnx_cause_text_get(const dsnx_ruleset *set, const char *key,
    const char *lang, dsnx_cause_text *out)
{
	const cause *c = find_cause(set, key);
	const cause_lang *en = NULL, *hit = NULL;
	unsigned i;

	if (c == NULL)
		return -1;
	for (i = 0; i < c->lang_count; i++) {
		if (strcmp(c->langs[i].lang, "en") == 0)
			en = &c->langs[i];
		if (lang != NULL && strcmp(c->langs[i].lang, lang) == 0)
			hit = &c->langs[i];
	}
	memset(out, 0, sizeof(*out));
	if (hit == NULL)
		hit = en;
	if (hit != NULL)
		*out = hit->text;
	out->who = c->who;
	return 0;
}

const char *
dsnx_ruleset_string(const dsnx_ruleset *set, const char *lang,
    const char *key)
{
	const ui_string *u = lang != NULL ? find_string(set, lang, key) : NULL;

	if (u == NULL)
		u = find_string(set, "en", key);
	return u != NULL ? u->text : NULL;
}

int
dsnx_ruleset_has_lang(const dsnx_ruleset *set, const char *lang)
{
	unsigned i;

	for (i = 0; i < set->string_count; i++)
		if (strcmp(set->strings[i].lang, lang) == 0)
			return 1;
	return 0;
}
