/*
 * NAME
 *	ruleset - load a rule set, share it, free it
 * SYNOPSIS
 *	#include "dsnexplain.h"
 *
 *	dsnx_status dsnx_ruleset_load(const char *dir, const char *site_dir,
 *		dsnx_error_fn *on_error, void *arg, dsnx_ruleset **out)
 *	dsnx_status dsnx_ruleset_load_trusted(const char *dir,
 *		const char *site_dir, uid_t trusted_uid,
 *		dsnx_error_fn *on_error, void *arg, dsnx_ruleset **out)
 *	dsnx_ruleset *dsnx_ruleset_ref(dsnx_ruleset *set)
 *	void	dsnx_ruleset_unref(dsnx_ruleset *set)
 *	unsigned dsnx_ruleset_rule_count(const dsnx_ruleset *set)
 *	unsigned dsnx_ruleset_cause_count(const dsnx_ruleset *set)
 *	unsigned dsnx_ruleset_example_count(const dsnx_ruleset *set)
 * DESCRIPTION
 *	dsnx_ruleset_load() runs the loader's steps in order: read the
 *	shipped directory, then the site directory (rules_load.c, which
 *	hands each file to rules_check.c and catalogue.c); merge site rules
 *	and causes; put the catalogue into the set and check translations
 *	(catalogue.c); check that every rule's cause exists; assemble and
 *	index the rules (rules_index.c); run the examples against the
 *	indexed set (rules_examples.c).  Each problem is reported through
 *	on_error as it is found (rules_problem.c) and loading goes on, so
 *	one run shows every problem; a set with any problem is refused as a
 *	whole.  dsnx_ruleset_load_trusted() is the same load with the
 *	owner and mode rule of filetrust.c applied to the directories and
 *	files it reads (the milter's).
 *
 *	The finished set is immutable and reference-counted: any number of
 *	threads may match against it while one of them drops the last
 *	reference of an older set.  Everything it holds lives in its arena,
 *	but the compiled patterns, the literal automata and the match
 *	context, which it frees with itself.
 * LIMITS
 *	RULE_FILE_MAX bytes a file, RULE_COUNT_MAX rules a set
 *	(rules_loader.h); the PCRE2 limits of rules.h for every match.
 * DIAGNOSTICS
 *	DSNX_EPARSE when any rule, cause or string was wrong, DSNX_EIO when
 *	a file or the shipped directory could not be read, DSNX_ENOMEM,
 *	DSNX_EINVAL for a NULL dir or out.  *out is NULL unless DSNX_OK.
 * SEE ALSO
 *	rules_loader.h, match.c, dsnexplain-rules(5).
 */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "filetrust.h"
#include "rules_loader.h"

const char *
dsnx_load_keep(loader *ld, const char *s)
{
	const char *p = dsnx_arena_strdup(&ld->set->arena, s);

	if (p == NULL)
		ld->oom = 1;
	return p;
}

void *
dsnx_load_alloc(loader *ld, size_t n)
{
	void *p = dsnx_arena_zalloc(&ld->set->arena, n ? n : 1);

	if (p == NULL)
		ld->oom = 1;
	return p;
}

static void
set_free(dsnx_ruleset *set)
{
	unsigned i;
	int f;

	for (i = 0; i < set->code_count; i++)
		pcre2_code_free(set->codes[i]);
	free(set->codes);
	for (f = 0; f < RF_COUNT; f++)
		dsnx_ac_free(set->literals[f]);
	pcre2_match_context_free(set->mctx);
	dsnx_arena_free(&set->arena);
	free(set);
}

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
	dsnx_load_patterns_free(ld);
}

static dsnx_status
load(const char *dir, const char *site_dir, int trusted, uid_t trusted_uid,
    dsnx_error_fn *on_error, void *arg, dsnx_ruleset **out)
{
	loader ld;
	dsnx_ruleset *set;
	dsnx_status st = DSNX_OK;

	if (dir == NULL || out == NULL)
		return DSNX_EINVAL;
	*out = NULL;
	if ((set = calloc(1, sizeof(*set))) == NULL)
		return DSNX_ENOMEM;
	atomic_init(&set->refs, 1);
	dsnx_arena_init(&set->arena);
	if ((set->mctx = dsnx_load_match_context()) == NULL) {
		free(set);
		return DSNX_ENOMEM;
	}
	memset(&ld, 0, sizeof(ld));
	ld.set = set;
	ld.on_error = on_error;
	ld.arg = arg;
	ld.trusted = trusted;
	ld.trusted_uid = trusted_uid;
	ld.dir_fd = -1;

	if (dsnx_load_dir(&ld, dir, 0) != 0) {
		dsnx_load_problem(&ld, (load_at){ .name = dir },
		    "cannot read rule directory: %s", strerror(errno));
		ld.io_error = 1;
	}
	if (site_dir != NULL)
		(void)dsnx_load_dir(&ld, site_dir, 1);	/* may be absent */
	if (!ld.oom) {
		dsnx_load_merge_rules(&ld);
		dsnx_load_merge_causes(&ld);
	}
	dsnx_load_catalogue(&ld, dir);
	dsnx_load_check_causes(&ld);
	dsnx_load_assemble(&ld);
	/* With the indexed rules, so the prefilter is checked too. */
	if (!ld.oom)
		dsnx_load_examples(&ld);

	if (ld.oom)
		st = DSNX_ENOMEM;
	else if (ld.io_error)
		st = DSNX_EIO;
	else if (ld.errors > 0)
		st = DSNX_EPARSE;
	loader_free(&ld);
	if (st != DSNX_OK) {
		set_free(set);
		return st;
	}
	*out = set;
	return DSNX_OK;
}

dsnx_status
dsnx_ruleset_load(const char *dir, const char *site_dir,
    dsnx_error_fn *on_error, void *arg, dsnx_ruleset **out)
{
	return load(dir, site_dir, 0, 0, on_error, arg, out);
}

dsnx_status
dsnx_ruleset_load_trusted(const char *dir, const char *site_dir,
    uid_t trusted_uid, dsnx_error_fn *on_error, void *arg,
    dsnx_ruleset **out)
{
	return load(dir, site_dir, 1, trusted_uid, on_error, arg, out);
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
	set_free(set);
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
