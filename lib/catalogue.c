/*
 * NAME
 *	catalogue - the causes and the texts shown to people
 * SYNOPSIS
 *	#include "dsnexplain.h"
 *
 *	int	dsnx_cause_text_get(const dsnx_ruleset *set, const char *key,
 *		const char *lang, dsnx_cause_text *out)
 *	const char *dsnx_ruleset_string(const dsnx_ruleset *set,
 *		const char *lang, const char *key)
 *	int	dsnx_ruleset_has_lang(const dsnx_ruleset *set, const char *lang)
 *
 *	#include "rules_loader.h"
 *
 *	void	dsnx_load_causes(loader *ld, unsigned file, json_t *causes)
 *	void	dsnx_load_strings(loader *ld, unsigned file, json_t *strings)
 *	void	dsnx_load_merge_causes(loader *ld)
 *	void	dsnx_load_catalogue(loader *ld, const char *where)
 *	const cause *dsnx_cause_find(const dsnx_ruleset *set, const char *key)
 * DESCRIPTION
 *	A rule file's "causes" object holds one entry per cause: who must
 *	act ("sender", "recipient-side" or "our-admin") and, per language,
 *	a title, a summary, what the sender can do, hints for an admin and
 *	references; "en" is required.  Its "strings" object holds, per
 *	language, the words the explanation is made of, by key.
 *	dsnx_load_causes() and dsnx_load_strings() check and keep them,
 *	reporting each problem at its place.
 *
 *	Every text, of a cause or of the strings, must be plain: a text
 *	holding a control character (plain_text(); see dsnx_text_control()
 *	for which, TAB included) is refused at the character, since texts
 *	go into a Subject header, HTML and log lines, where a CR, LF or ESC
 *	would be markup, a new header field or a new log line.  Language
 *	tags are letters, digits and '-' (they name Content-Language).

 *	dsnx_load_merge_causes() lets a site cause replace the shipped one
 *	of the same name; any other repeated name is an error.
 *	dsnx_load_catalogue() then puts the causes and strings into the set,
 *	sorted for lookup, and checks the translations: every key of
 *	another language must be an English key, and no key may be given
 *	twice for one language (errors); a key or a cause text a language
 *	lacks is a warning, as English stands in for it.
 *
 *	Lookups fall back to English: dsnx_cause_text_get() for a
 *	language the cause has no text in, dsnx_ruleset_string() for a key
 *	the language lacks.  dsnx_ruleset_has_lang() says whether the set
 *	has strings in a language at all.
 * LIMITS
 *	A language tag has 2 to 8 bytes.  Cause names are identifiers
 *	without '.'.  Lookups are binary searches; the duplicate check of
 *	causes is quadratic in the number of causes (a few dozen).
 * SEE ALSO
 *	rules_check.c (which rules name which causes), render.c,
 *	dsnexplain-rules(5).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "rules_loader.h"

static const char *const whos[] = {
	"sender", "recipient-side", "our-admin", NULL
};

static const char *const cause_members[] = { "who", "text", NULL };

static const char *const text_members[] = {
	"title", "summary", "sender", "admin", "references", NULL
};

/* --------------------------------------------------------------- causes */

/* 0 if text s (at path) is plain; else reports the first control
 * character at its place and returns -1.  what names the text. */
static int
plain_text(loader *ld, unsigned file, const char *path, const char *what,
    const char *s)
{
	size_t len = strlen(s), at = dsnx_text_control(s, len);
	const unsigned char *u = (const unsigned char *)s + at;
	unsigned cp;

	if (at == len)
		return 0;
	cp = u[0] < 0x80 ? u[0] : u[0] == 0xC2 ? u[1]
	    : 0x2000u | (u[2] & 0x3Fu);
	dsnx_load_problem(ld, (load_at){ .file = file, .path = path,
	    .in_string = 1, .offset = at },
	    "%s: control character U+%04X (texts must be plain: no line "
	    "breaks, tabs or other control characters)", what, cp);
	return -1;
}

/* A language tag: 2 to 8 letters, digits or '-'. */
static int
valid_lang(const char *lang)
{
	size_t n = strlen(lang);

	return n >= 2 && n <= 8 && strspn(lang, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == n;
}

/* Every item of a list read from the array at path must be plain. */
static int
plain_items(loader *ld, unsigned file, const char *path, const char *what,
    const char *const *list, size_t n)
{
	char p[LOAD_PATH_MAX];
	size_t i;
	int rc = 0;

	for (i = 0; i < n; i++) {
		if (list[i] == NULL)
			continue;
		dsnx_load_path_index(p, path, i);
		if (plain_text(ld, file, p, what, list[i]) != 0)
			rc = -1;
	}
	return rc;
}

/* An array of strings (with required, a non-empty one), copied. */
static const char *const *
string_array(loader *ld, unsigned file, const char *path, const char *what,
    json_t *v, unsigned *count, int required)
{
	const char **list;
	size_t n;

	*count = 0;
	if (v == NULL && !required)
		return NULL;
	if (!json_is_array(v) || (required && json_array_size(v) == 0)) {
		dsnx_load_problem(ld, LOAD_AT(file, path),
		    "expected a%s array of strings", required ? " non-empty" : "n");
		return NULL;
	}
	n = json_array_size(v);
	if ((list = dsnx_load_alloc(ld, (n + 1) * sizeof(*list))) == NULL
	    || dsnx_load_string_items(ld, file, path, v, list, 1) != 0)
		return NULL;
	if (plain_items(ld, file, path, what, list, n) != 0)
		return NULL;
	*count = (unsigned)n;
	return list;
}

static const char *
text_member(loader *ld, unsigned file, const char *path, json_t *o,
    const char *name)
{
	json_t *v = json_object_get(o, name);
	char p[LOAD_PATH_MAX];

	if (!json_is_string(v) || json_string_length(v) == 0) {
		dsnx_load_path(p, path, name);
		dsnx_load_problem(ld, LOAD_AT(file, v ? p : path),
		    "missing or empty \"%s\"", name);
		return NULL;
	}
	dsnx_load_path(p, path, name);
	if (plain_text(ld, file, p, name, json_string_value(v)) != 0)
		return NULL;
	return dsnx_load_keep(ld, json_string_value(v));
}

/* One language's text of cause key, at path, into cl; 0, or -1 when the
 * entry is no text at all. */
static int
cause_text(loader *ld, unsigned file, const char *path, const char *key,
    const char *lang, json_t *t, cause_lang *cl)
{
	char p[LOAD_PATH_MAX];

	if (!valid_lang(lang) || !json_is_object(t)) {
		dsnx_load_problem(ld, LOAD_KEY(file, path),
		    "cause \"%s\": bad language entry \"%s\"", key, lang);
		return -1;
	}
	dsnx_load_check_members(ld, file, path, t, text_members, key);
	cl->lang = dsnx_load_keep(ld, lang);
	cl->text.title = text_member(ld, file, path, t, "title");
	cl->text.summary = text_member(ld, file, path, t, "summary");
	cl->text.sender = text_member(ld, file, path, t, "sender");
	dsnx_load_path(p, path, "admin");
	cl->text.admin = string_array(ld, file, p, "admin",
	    json_object_get(t, "admin"),
	    &cl->text.admin_count, 1);
	dsnx_load_path(p, path, "references");
	cl->text.references = string_array(ld, file, p, "references",
	    json_object_get(t, "references"), &cl->text.reference_count, 0);
	return 0;
}

static void
parse_cause(loader *ld, unsigned file, const char *path, const char *key,
    json_t *o)
{
	cause_draft *v;
	cause *c;
	json_t *w, *texts, *t;
	const char *lang;
	char p[LOAD_PATH_MAX], q[LOAD_PATH_MAX];
	unsigned n = 0;

	if (!dsnx_load_valid_id(key) || strchr(key, '.') != NULL) {
		dsnx_load_problem(ld, LOAD_KEY(file, path),
		    "bad cause name \"%s\" (a-z, 0-9, '-')", key);
		return;
	}
	if (!json_is_object(o)) {
		dsnx_load_problem(ld, LOAD_AT(file, path),
		    "cause \"%s\": expected an object", key);
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
	c->key = dsnx_load_keep(ld, key);
	dsnx_load_check_members(ld, file, path, o, cause_members, key);
	w = json_object_get(o, "who");
	dsnx_load_path(p, path, "who");
	if (!json_is_string(w) || !dsnx_load_in_list(whos, json_string_value(w)))
		dsnx_load_problem(ld, LOAD_AT(file, w ? p : path),
		    "cause \"%s\": \"who\" must be sender, recipient-side or "
		    "our-admin", key);
	else
		c->who = dsnx_load_keep(ld, json_string_value(w));
	texts = json_object_get(o, "text");
	dsnx_load_path(p, path, "text");
	if (!json_is_object(texts) || json_object_get(texts, "en") == NULL) {
		dsnx_load_problem(ld, LOAD_AT(file, texts ? p : path),
		    "cause \"%s\": needs \"text\" with at least an \"en\" entry",
		    key);
		return;
	}
	c->langs = dsnx_load_alloc(ld,
	    json_object_size(texts) * sizeof(*c->langs));
	if (c->langs == NULL)
		return;
	json_object_foreach(texts, lang, t) {
		dsnx_load_path(q, p, lang);
		if (cause_text(ld, file, q, key, lang, t, &c->langs[n]) == 0)
			n++;
	}
	c->lang_count = n;
}

void
dsnx_load_causes(loader *ld, unsigned file, json_t *causes)
{
	const char *key;
	json_t *c;
	char p[LOAD_PATH_MAX];

	if (!json_is_object(causes)) {
		dsnx_load_problem(ld, LOAD_AT(file, "/causes"),
		    "\"causes\" must be an object");
		return;
	}
	json_object_foreach(causes, key, c) {
		dsnx_load_path(p, "/causes", key);
		parse_cause(ld, file, p, key, c);
	}
}

void
dsnx_load_merge_causes(loader *ld)
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
			dsnx_load_problem(ld, LOAD_KEY(a->file, a->path),
			    "duplicate cause \"%s\" (first defined in %s)", a->c.key,
			    ld->files[b->file].name);
		}
	}
}

/* -------------------------------------------------------------- strings */

void
dsnx_load_strings(loader *ld, unsigned file, json_t *strings)
{
	const char *lang, *key;
	json_t *texts, *v;
	char p[LOAD_PATH_MAX], q[LOAD_PATH_MAX];

	if (!json_is_object(strings)) {
		dsnx_load_problem(ld, LOAD_AT(file, "/strings"),
		    "\"strings\" must be an object of languages");
		return;
	}
	json_object_foreach(strings, lang, texts) {
		dsnx_load_path(p, "/strings", lang);
		if (!valid_lang(lang) || !json_is_object(texts)) {
			dsnx_load_problem(ld, LOAD_KEY(file, p),
			    "bad language entry \"%s\"", lang);
			continue;
		}
		json_object_foreach(texts, key, v) {
			ui_string *u;

			dsnx_load_path(q, p, key);
			if (!json_is_string(v) || json_string_length(v) == 0) {
				dsnx_load_problem(ld, LOAD_AT(file, q),
				    "string \"%s\" must be a non-empty string", key);
				continue;
			}
			if (!dsnx_load_valid_id(key)) {
				dsnx_load_problem(ld, LOAD_KEY(file, q),
				    "bad string name \"%s\" (a-z, 0-9, '.', '_', '-')",
				    key);
				continue;
			}
			if (plain_text(ld, file, q, key, json_string_value(v)) != 0)
				continue;
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
			u->lang = dsnx_load_keep(ld, lang);
			u->key = dsnx_load_keep(ld, key);
			u->text = dsnx_load_keep(ld, json_string_value(v));
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
			dsnx_load_problem(ld, (load_at){ .name = where },
			    "string \"%s\" defined twice for \"%s\"", u->key,
			    u->lang);
			continue;
		}
		if (strcmp(u->lang, "en") != 0
		    && find_string(set, "en", u->key) == NULL)
			dsnx_load_problem(ld, (load_at){ .name = where },
			    "string \"%s\" in \"%s\" has no English original",
			    u->key, u->lang);
	}
	for (i = 0; i < set->string_count; i++) {
		const char *lang = set->strings[i].lang;

		if (strcmp(lang, "en") == 0 || (i > 0
		    && strcmp(lang, set->strings[i - 1].lang) == 0))
			continue;
		for (k = 0; k < set->string_count; k++)
			if (strcmp(set->strings[k].lang, "en") == 0
			    && find_string(set, lang, set->strings[k].key) == NULL)
				dsnx_load_problem(ld,
				    (load_at){ .name = where, .warning = 1 },
				    "missing translation: string \"%s\" in \"%s\"",
				    set->strings[k].key, lang);
		for (c = 0; c < set->cause_count; c++) {
			const cause *cs = &set->causes[c];
			unsigned l;

			for (l = 0; l < cs->lang_count; l++)
				if (strcmp(cs->langs[l].lang, lang) == 0)
					break;
			if (l == cs->lang_count)
				dsnx_load_problem(ld,
				    (load_at){ .name = where, .warning = 1 },
				    "missing translation: cause \"%s\" in \"%s\"",
				    cs->key, lang);
		}
	}
}

/* ------------------------------------------------------------ the set */

static int
cause_cmp(const void *a, const void *b)
{
	return strcmp(((const cause *)a)->key, ((const cause *)b)->key);
}

void
dsnx_load_catalogue(loader *ld, const char *where)
{
	dsnx_ruleset *set = ld->set;
	unsigned i, n;

	for (i = n = 0; i < ld->cause_count; i++)
		n += !ld->causes[i].dropped;
	set->causes = dsnx_load_alloc(ld, n * sizeof(cause));
	for (i = n = 0; set->causes != NULL && i < ld->cause_count; i++)
		if (!ld->causes[i].dropped)
			set->causes[n++] = ld->causes[i].c;
	set->cause_count = n;
	if (n > 0 && set->causes != NULL)
		qsort(set->causes, n, sizeof(cause), cause_cmp);

	if (ld->string_count == 0)
		return;
	set->strings = dsnx_load_alloc(ld, ld->string_count * sizeof(ui_string));
	if (set->strings == NULL)
		return;
	memcpy(set->strings, ld->strings, ld->string_count * sizeof(ui_string));
	set->string_count = ld->string_count;
	qsort(set->strings, set->string_count, sizeof(ui_string), string_cmp);
	check_translations(ld, where);
}

const cause *
dsnx_cause_find(const dsnx_ruleset *set, const char *key)
{
	cause k;

	k.key = key;
	if (set->cause_count == 0)
		return NULL;
	return bsearch(&k, set->causes, set->cause_count, sizeof(cause),
	    cause_cmp);
}

/* ------------------------------------------------------------- lookups */

int
dsnx_cause_text_get(const dsnx_ruleset *set, const char *key,
    const char *lang, dsnx_cause_text *out)
{
	const cause *c = dsnx_cause_find(set, key);
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
