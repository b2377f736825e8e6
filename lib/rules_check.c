/*
 * NAME
 *	rules_check - a rule file's rules, checked member by member
 * SYNOPSIS
 *	#include "rules_loader.h"
 *
 *	void	dsnx_load_rules(loader *ld, unsigned file, json_t *rules)
 *	void	dsnx_load_check_causes(loader *ld)
 *
 *	int	dsnx_load_in_list(const char *const *list, const char *s)
 *	int	dsnx_load_valid_id(const char *s)
 *	void	dsnx_load_check_members(loader *ld, unsigned file,
 *		const char *path, json_t *obj, const char *const *allowed,
 *		const char *what)
 *	int	dsnx_load_string_items(loader *ld, unsigned file,
 *		const char *path, json_t *array, const char **list, int copy)
 *	enum rule_field dsnx_load_field_of(const char *name)
 * DESCRIPTION
 *	dsnx_load_rules() turns the "rules" array of one file into drafts:
 *	every member of every rule is checked (unknown members, types,
 *	identifiers, kind, priority, conditions, reasons, the cause or
 *	outcome a kind needs, the shape of the examples), each problem is
 *	reported at its place, and the walk goes on, so one load shows
 *	every problem.  A condition's patterns are compiled as they are
 *	read (rules_compile.c); the code conditions of a rule are put
 *	before its text conditions, so the cheap tests run first.  A site
 *	rule with "disabled": true is kept only as the id it disables.
 *
 *	dsnx_load_check_causes() runs once the catalogue is assembled:
 *	every cause a remaining rule names must be in it.
 *
 *	The helpers are shared with the other parts of the loader: a word
 *	in a NULL-terminated list; an identifier (a-z, 0-9, '.', '_', '-',
 *	starting with a letter or digit, at most 128 bytes); an object with
 *	only allowed members; the strings of an array, into list (copied
 *	into the set with copy; -1 after reporting one that is no string);
 *	a condition or example member's field.
 * LIMITS
 *	At most RULE_COUNT_MAX rules in a set.  Rule priorities from 0 to
 *	1000 (500 by default).
 * SEE ALSO
 *	rules_compile.c, catalogue.c, rules_examples.c (the examples are run
 *	once the set is indexed), dsnexplain-rules(5).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "rules_loader.h"

static const char *const reasons[] = {
	"delivered", "expired", "userunknown", "hostunknown", "mailboxfull",
	"blocked", "spamdetected", "networkerror", "toomanyconn",
	"policyviolation", "rejected", "systemerror", "mesgtoobig",
	"norelaying", "securityerror", "suspend", "filtered", "notaccept",
	"undefined", "onhold", "hasmoved", "exceedlimit", "mailererror",
	"systemfull", "contenterror", "virusdetected", "syntaxerror",
	"authfailure", "badreputation", "requireptr", "notcompliantrfc",
	"speeding", "failedstarttls", NULL
};

static const char *const actions[] = {
	"failed", "delayed", "delivered", "relayed", "expanded", "none", NULL
};

static const char *const outcome_words[] = {
	"delayed", "expired", "failed", "delivered", "none", NULL
};

static const char *const rule_members[] = {
	"id", "kind", "priority", "description", "when", "unless", "reason",
	"cause", "outcome", "examples", "disabled", "sources", NULL
};

static const char *const example_lists[] = { "match", "no_match", NULL };

/* ------------------------------------------------------------ helpers */

int
dsnx_load_in_list(const char *const *list, const char *s)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

int
dsnx_load_valid_id(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 128)
		return 0;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return 0;
	for (i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z')
		    || (s[i] >= '0' && s[i] <= '9')
		    || s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

void
dsnx_load_check_members(loader *ld, unsigned file, const char *path,
    json_t *obj, const char *const *allowed, const char *what)
{
	const char *key;
	json_t *v;
	char p[LOAD_PATH_MAX];

	json_object_foreach(obj, key, v) {
		if (!dsnx_load_in_list(allowed, key)) {
			dsnx_load_path(p, path, key);
			dsnx_load_problem(ld, LOAD_KEY(file, p),
			    "%s: unknown member \"%s\"", what, key);
		}
	}
}

int
dsnx_load_string_items(loader *ld, unsigned file, const char *path,
    json_t *array, const char **list, int copy)
{
	size_t i;
	char p[LOAD_PATH_MAX];

	for (i = 0; i < json_array_size(array); i++) {
		json_t *e = json_array_get(array, i);

		if (!json_is_string(e)) {
			dsnx_load_path_index(p, path, i);
			dsnx_load_problem(ld, LOAD_AT(file, p), "expected a string");
			return -1;
		}
		list[i] = copy ? dsnx_load_keep(ld, json_string_value(e))
		    : json_string_value(e);
	}
	return 0;
}

enum rule_field
dsnx_load_field_of(const char *name)
{
	int i;

	for (i = 0; i < RF_COUNT; i++)
		if (strcmp(dsnx_rule_field_names[i], name) == 0)
			return (enum rule_field)i;
	return RF_COUNT;
}

/* ---------------------------------------------------------- conditions */

/* A string or an array of strings, as a list. */
static const char **
string_list(loader *ld, unsigned file, const char *path, json_t *v,
    unsigned *count)
{
	const char **list;
	size_t n;

	*count = 0;
	if (json_is_string(v)) {
		if ((list = dsnx_load_alloc(ld, sizeof(*list))) == NULL)
			return NULL;
		list[0] = json_string_value(v);
		*count = 1;
		return list;
	}
	if (!json_is_array(v) || json_array_size(v) == 0) {
		dsnx_load_problem(ld, LOAD_AT(file, path),
		    "expected a string or a non-empty array of strings");
		return NULL;
	}
	n = json_array_size(v);
	if ((list = dsnx_load_alloc(ld, n * sizeof(*list))) == NULL
	    || dsnx_load_string_items(ld, file, path, v, list, 0) != 0)
		return NULL;
	*count = (unsigned)n;
	return list;
}

/* One condition per header field of a "headers" object; returns how
 * many it added at conds. */
static unsigned
header_conditions(loader *ld, unsigned file, const char *path, json_t *v,
    condition *conds)
{
	const char *name;
	json_t *hv;
	char p[LOAD_PATH_MAX];
	unsigned n = 0;

	if (!json_is_object(v) || json_object_size(v) == 0) {
		dsnx_load_problem(ld, LOAD_AT(file, path),
		    "expected an object of header names and patterns");
		return 0;
	}
	json_object_foreach(v, name, hv) {
		condition *c;

		dsnx_load_path(p, path, name);
		if (!json_is_string(hv)) {
			dsnx_load_problem(ld, LOAD_AT(file, p),
			    "expected a pattern string");
			continue;
		}
		c = &conds[n++];
		c->field = RF_HEADER;
		c->header = dsnx_load_keep(ld, name);
		dsnx_load_pattern(ld, file, p, c, json_string_value(hv));
	}
	return n;
}

/* A condition on a code field (status, reply, action, outcome, format)
 * into c; 0, or -1 when v is not a list of strings. */
static int
code_condition(loader *ld, unsigned file, const char *path,
    enum rule_field f, json_t *v, condition *c)
{
	const char **list;
	unsigned i, k;

	if ((list = string_list(ld, file, path, v, &k)) == NULL)
		return -1;
	c->field = f;
	c->count = k;
	switch (f) {
	case RF_STATUS:
		c->status = dsnx_load_alloc(ld, k * sizeof(*c->status));
		for (i = 0; c->status != NULL && i < k; i++)
			if (dsnx_status_pattern_parse(list[i], &c->status[i]) != 0)
				dsnx_load_problem(ld, LOAD_AT(file, path),
				    "bad status pattern \"%s\" (want like 5.1.1, "
				    "4.7.*, *.4.7 or none)", list[i]);
		break;
	case RF_REPLY:
		c->reply = dsnx_load_alloc(ld, k * sizeof(*c->reply));
		for (i = 0; c->reply != NULL && i < k; i++)
			if (dsnx_reply_pattern_parse(list[i], c->reply[i]) != 0)
				dsnx_load_problem(ld, LOAD_AT(file, path),
				    "bad reply pattern \"%s\" (want like 550, 55*, "
				    "4** or none)", list[i]);
		break;
	default:
		c->words = dsnx_load_alloc(ld, k * sizeof(*c->words));
		for (i = 0; c->words != NULL && i < k; i++) {
			if (f == RF_ACTION && !dsnx_load_in_list(actions, list[i]))
				dsnx_load_problem(ld, LOAD_AT(file, path),
				    "unknown action \"%s\"", list[i]);
			if (f == RF_OUTCOME
			    && !dsnx_load_in_list(outcome_words, list[i]))
				dsnx_load_problem(ld, LOAD_AT(file, path),
				    "unknown outcome \"%s\"", list[i]);
			c->words[i] = dsnx_load_keep(ld, list[i]);
		}
		break;
	}
	return 0;
}

/* Parses a condition object into conds (code fields first). */
static condition *
parse_conditions(loader *ld, unsigned file, const char *path, json_t *obj,
    unsigned *count)
{
	const char *key;
	json_t *v, *h;
	condition *conds;
	unsigned n = 0, cap, pass;
	char p[LOAD_PATH_MAX];

	*count = 0;
	if (!json_is_object(obj) || json_object_size(obj) == 0) {
		dsnx_load_problem(ld, LOAD_AT(file, path),
		    "expected a non-empty object of conditions");
		return NULL;
	}
	cap = (unsigned)json_object_size(obj);
	if (json_is_object(h = json_object_get(obj, "headers")))
		cap += (unsigned)json_object_size(h);
	if ((conds = dsnx_load_alloc(ld, cap * sizeof(*conds))) == NULL)
		return NULL;
	/* Two passes: code fields, then text fields, so cheap tests run
	 * first. */
	for (pass = 0; pass < 2; pass++) {
		json_object_foreach(obj, key, v) {
			enum rule_field f = dsnx_load_field_of(key);

			dsnx_load_path(p, path, key);
			if (f == RF_COUNT) {
				if (pass == 0)
					dsnx_load_problem(ld, LOAD_KEY(file, p),
					    "unknown condition \"%s\"", key);
				continue;
			}
			if ((pass == 0) != (f < RF_FIRST_TEXT))
				continue;
			if (f == RF_HEADER)
				n += header_conditions(ld, file, p, v, &conds[n]);
			else if (f < RF_FIRST_TEXT) {
				if (code_condition(ld, file, p, f, v, &conds[n]) == 0)
					n++;
			} else if (!json_is_string(v))
				dsnx_load_problem(ld, LOAD_AT(file, p),
				    "expected a pattern string");
			else {
				conds[n].field = f;
				dsnx_load_pattern(ld, file, p, &conds[n],
				    json_string_value(v));
				n++;
			}
		}
	}
	*count = n;
	return conds;
}

/* ---------------------------------------------------------------- rules */

static void
parse_reason(loader *ld, unsigned file, const char *path, json_t *v, rule *r)
{
	const char *key;
	json_t *e;
	char p[LOAD_PATH_MAX];

	if (json_is_string(v)) {
		if (!dsnx_load_in_list(reasons, json_string_value(v)))
			dsnx_load_problem(ld, LOAD_AT(file, path),
			    "unknown reason \"%s\"", json_string_value(v));
		else
			r->reason[RO_DEFAULT] = dsnx_load_keep(ld,
			    json_string_value(v));
		return;
	}
	if (!json_is_object(v) || json_object_size(v) == 0) {
		dsnx_load_problem(ld, LOAD_AT(file, path),
		    "reason: expected a string or an object keyed by outcome");
		return;
	}
	json_object_foreach(v, key, e) {
		int idx = dsnx_outcome_index(key);

		dsnx_load_path(p, path, key);
		if (idx < 0) {
			dsnx_load_problem(ld, LOAD_KEY(file, p),
			    "reason: unknown outcome \"%s\" (want delayed, expired, "
			    "failed, delivered or default)", key);
			continue;
		}
		if (!json_is_string(e)
		    || !dsnx_load_in_list(reasons, json_string_value(e))) {
			dsnx_load_problem(ld, LOAD_AT(file, p),
			    "unknown reason %s%s%s",
			    json_is_string(e) ? "\"" : "",
			    json_is_string(e) ? json_string_value(e)
			    : "(not a string)",
			    json_is_string(e) ? "\"" : "");
			continue;
		}
		r->reason[idx] = dsnx_load_keep(ld, json_string_value(e));
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

/*
 * The members of each kind, and the examples, are checked below with
 * the rule's id as written (id), which stays valid when keeping a copy
 * of it ran out of memory.
 */

/* A cause rule's reason and cause; no outcome. */
static void
cause_members(loader *ld, unsigned file, const char *path, json_t *o,
    const char *id, rule *r)
{
	json_t *v;
	char p[LOAD_PATH_MAX];

	v = json_object_get(o, "reason");
	dsnx_load_path(p, path, "reason");
	if (v == NULL)
		dsnx_load_problem(ld, LOAD_AT(file, path),
		    "rule \"%s\": missing \"reason\"", id);
	else
		parse_reason(ld, file, p, v, r);
	v = json_object_get(o, "cause");
	dsnx_load_path(p, path, "cause");
	if (!json_is_string(v))
		dsnx_load_problem(ld, LOAD_AT(file, v ? p : path),
		    "rule \"%s\": missing or bad \"cause\" (a key of the cause "
		    "catalogue)", id);
	else
		r->cause = dsnx_load_keep(ld, json_string_value(v));
	if (json_object_get(o, "outcome") != NULL) {
		dsnx_load_path(p, path, "outcome");
		dsnx_load_problem(ld, LOAD_KEY(file, p),
		    "rule \"%s\": \"outcome\" is for rules of kind \"outcome\"",
		    id);
	}
}

/* An outcome rule's outcome; no reason or cause. */
static void
outcome_members(loader *ld, unsigned file, const char *path, json_t *o,
    const char *id, rule *r)
{
	json_t *v = json_object_get(o, "outcome");
	char p[LOAD_PATH_MAX];
	int idx = json_is_string(v) ? dsnx_outcome_index(json_string_value(v))
	    : -1;

	dsnx_load_path(p, path, "outcome");
	if (idx < 0 || idx == RO_DEFAULT)
		dsnx_load_problem(ld, LOAD_AT(file, v ? p : path),
		    "rule \"%s\": an outcome rule needs \"outcome\": delayed, "
		    "expired, failed or delivered", id);
	else
		r->outcome = (dsnx_outcome)dsnx_outcome_parse(
		    json_string_value(v));
	if (json_object_get(o, "reason") != NULL
	    || json_object_get(o, "cause") != NULL) {
		dsnx_load_path(p, path,
		    json_object_get(o, "reason") ? "reason" : "cause");
		dsnx_load_problem(ld, LOAD_KEY(file, p),
		    "rule \"%s\": outcome rules take no reason or cause", id);
	}
}

/* The shape of "examples"; the examples run once the set is indexed. */
static void
examples_member(loader *ld, unsigned file, const char *path, json_t *o,
    const char *id, draft *d)
{
	json_t *v = json_object_get(o, "examples");
	char p[LOAD_PATH_MAX], q[LOAD_PATH_MAX];

	dsnx_load_path(p, path, "examples");
	if (!json_is_object(v) || !json_is_array(json_object_get(v, "match"))
	    || json_array_size(json_object_get(v, "match")) == 0) {
		dsnx_load_problem(ld, LOAD_AT(file, v ? p : path),
		    "rule \"%s\": needs \"examples\" with at least one "
		    "\"match\" example", id);
		return;
	}
	dsnx_load_check_members(ld, file, p, v, example_lists, id);
	if (json_object_get(v, "no_match") != NULL
	    && !json_is_array(json_object_get(v, "no_match"))) {
		dsnx_load_path(q, p, "no_match");
		dsnx_load_problem(ld, LOAD_AT(file, q),
		    "rule \"%s\": no_match must be an array", id);
	}
	d->examples = v;
}

static void
parse_rule(loader *ld, unsigned file, const char *path, json_t *o)
{
	json_t *v;
	draft *d;
	rule *r;
	char p[LOAD_PATH_MAX];
	const char *id;

	if (!json_is_object(o)) {
		dsnx_load_problem(ld, LOAD_AT(file, path),
		    "a rule must be an object");
		return;
	}
	v = json_object_get(o, "id");
	if (!json_is_string(v) || !dsnx_load_valid_id(json_string_value(v))) {
		dsnx_load_path(p, path, "id");
		dsnx_load_problem(ld, LOAD_AT(file, v ? p : path),
		    "rule needs an \"id\": a string of a-z, 0-9, '.', '_', '-', "
		    "starting with a letter or digit");
		return;
	}
	id = json_string_value(v);
	if ((d = new_draft(ld)) == NULL) {
		if (!ld->oom)
			dsnx_load_problem(ld, LOAD_AT(file, path),
			    "more than %d rules", RULE_COUNT_MAX);
		return;
	}
	d->file = file;
	d->site = ld->files[file].site;
	snprintf(d->path, sizeof(d->path), "%s", path);
	r = &d->r;
	r->id = dsnx_load_keep(ld, id);
	r->order = ld->order++;
	r->priority = 500;
	r->kind = RK_CAUSE;
	dsnx_load_check_members(ld, file, path, o, rule_members, id);

	v = json_object_get(o, "disabled");
	if (v != NULL) {
		dsnx_load_path(p, path, "disabled");
		if (!json_is_boolean(v))
			dsnx_load_problem(ld, LOAD_AT(file, p),
			    "rule \"%s\": \"disabled\" must be true or false", id);
		else if (json_is_true(v)) {
			d->disabled = 1;
			return;
		}
	}
	v = json_object_get(o, "kind");
	if (v != NULL) {
		dsnx_load_path(p, path, "kind");
		if (json_is_string(v)
		    && strcmp(json_string_value(v), "outcome") == 0)
			r->kind = RK_OUTCOME;
		else if (!json_is_string(v)
		    || strcmp(json_string_value(v), "cause") != 0)
			dsnx_load_problem(ld, LOAD_AT(file, p),
			    "rule \"%s\": kind must be \"cause\" or \"outcome\"", id);
	}
	v = json_object_get(o, "priority");
	if (v != NULL) {
		dsnx_load_path(p, path, "priority");
		if (!json_is_integer(v) || json_integer_value(v) < 0
		    || json_integer_value(v) > 1000)
			dsnx_load_problem(ld, LOAD_AT(file, p),
			    "rule \"%s\": priority must be an integer from 0 to "
			    "1000", id);
		else
			r->priority = (int)json_integer_value(v);
	}
	v = json_object_get(o, "description");
	if (v != NULL && !json_is_string(v)) {
		dsnx_load_path(p, path, "description");
		dsnx_load_problem(ld, LOAD_AT(file, p),
		    "rule \"%s\": description must be a string", id);
	}
	v = json_object_get(o, "when");
	dsnx_load_path(p, path, "when");
	if (v == NULL)
		dsnx_load_problem(ld, LOAD_AT(file, path),
		    "rule \"%s\": missing \"when\"", id);
	else
		r->when = parse_conditions(ld, file, p, v, &r->when_count);
	v = json_object_get(o, "unless");
	if (v != NULL) {
		dsnx_load_path(p, path, "unless");
		r->unless = parse_conditions(ld, file, p, v, &r->unless_count);
	}
	if (r->kind == RK_CAUSE)
		cause_members(ld, file, path, o, id, r);
	else
		outcome_members(ld, file, path, o, id, r);
	examples_member(ld, file, path, o, id, d);
}

void
dsnx_load_rules(loader *ld, unsigned file, json_t *rules)
{
	char p[LOAD_PATH_MAX];
	size_t i;

	if (!json_is_array(rules)) {
		dsnx_load_problem(ld, LOAD_AT(file, "/rules"),
		    "\"rules\" must be an array");
		return;
	}
	for (i = 0; i < json_array_size(rules) && !ld->oom; i++) {
		dsnx_load_path_index(p, "/rules", i);
		parse_rule(ld, file, p, json_array_get(rules, i));
	}
}

void
dsnx_load_check_causes(loader *ld)
{
	char p[LOAD_PATH_MAX];
	unsigned i;

	for (i = 0; i < ld->rule_count; i++) {
		const draft *d = &ld->rules[i];

		if (d->dropped || d->r.kind != RK_CAUSE || d->r.cause == NULL
		    || dsnx_cause_find(ld->set, d->r.cause) != NULL)
			continue;
		dsnx_load_path(p, d->path, "cause");
		dsnx_load_problem(ld, LOAD_AT(d->file, p),
		    "rule \"%s\": unknown cause \"%s\"", d->r.id, d->r.cause);
	}
}
