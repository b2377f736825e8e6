/*
 * NAME
 *	rules_load - read the rule files of a directory, merge site rules
 * SYNOPSIS
 *	#include "rules_loader.h"
 *
 *	int	dsnx_load_dir(loader *ld, const char *dir, int site)
 *	void	dsnx_load_merge_rules(loader *ld)
 * DESCRIPTION
 *	dsnx_load_dir() reads every *.json file of dir in name order (not
 *	hidden ones, not other names) with jansson, duplicate member names
 *	rejected, and hands a file's "rules" to rules_check.c and its
 *	"causes" and "strings" to catalogue.c.  Every file stays in the
 *	loader until the end of the load, text and all, so that a problem
 *	found later (a duplicate id, a failing example) can still be given
 *	its line and column.
 *
 *	dsnx_load_merge_rules() applies the site directory: a site rule
 *	with the id of a shipped rule replaces it, one with "disabled":
 *	true removes it, and disabling an id no shipped rule has is an
 *	error.  Any other repeated id is a duplicate, reported at the later
 *	rule with the file of the earlier one.
 * LIMITS
 *	A rule file may have at most RULE_FILE_MAX bytes; a larger one is
 *	reported without being read.  Names in a directory are sorted with
 *	strcmp (bytes, no locale).  Paths are cut at 4,095 bytes.
 * DIAGNOSTICS
 *	dsnx_load_dir() returns -1 when dir cannot be opened (errno says
 *	why) and reports nothing then: a missing site directory is no
 *	error.  A file that cannot be opened, is not a regular file or
 *	cannot be read sets ld->io_error.  With ld->trusted (the milter's
 *	load) the directory and each file are opened by filetrust.c and a
 *	refusal is reported here, with why, and sets ld->io_error too.
 * SEE ALSO
 *	ruleset.c, rules_check.c, catalogue.c, rules_problem.c.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "filetrust.h"
#include "rules_loader.h"

/* filetrust.c names the path at fault; where that is the path the
 * problem is reported at, it need not be said twice. */
static const char *
trust_why(const char *why, const char *name)
{
	size_t n = strlen(name);

	return strncmp(why, name, n) == 0 && why[n] == ':' && why[n + 1] == ' '
	    ? why + n + 2 : why;
}

static const char *const file_members[] = {
	"patterns", "rules", "causes", "strings", NULL
};

/* Reads path into a new source; NULL after reporting (or out of memory). */
static source *
read_source(loader *ld, const char *path, int site)
{
	source *f, *v;
	struct stat sb;
	FILE *fp;
	unsigned file;

	v = realloc(ld->files, (ld->file_count + 1) * sizeof(*v));
	if (v == NULL) {
		ld->oom = 1;
		return NULL;
	}
	ld->files = v;
	file = ld->file_count;
	f = &ld->files[ld->file_count++];
	memset(f, 0, sizeof(*f));
	f->site = site;
	if ((f->name = strdup(path)) == NULL) {
		ld->oom = 1;
		return NULL;
	}
	if (ld->trusted) {
		char why[PATH_MAX + 512];
		int fd = dsnx_trust_openat(ld->dir_fd, ld->dir_name,
		    strrchr(path, '/') + 1, ld->trusted_uid, why, sizeof(why));

		if (fd < 0 || (fp = fdopen(fd, "rb")) == NULL) {
			dsnx_load_problem(ld, LOAD_AT(file, NULL), "%s%s", fd < 0
			    && errno == EPERM ? "refused: " : "cannot open: ",
			    fd < 0 ? trust_why(why, path) : strerror(errno));
			if (fd >= 0)
				close(fd);
			ld->io_error = 1;
			return NULL;
		}
	} else if ((fp = fopen(path, "rb")) == NULL) {
		dsnx_load_problem(ld, LOAD_AT(file, NULL), "cannot open: %s",
		    strerror(errno));
		ld->io_error = 1;
		return NULL;
	}
	if (fstat(fileno(fp), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		dsnx_load_problem(ld, LOAD_AT(file, NULL), "not a regular file");
		ld->io_error = 1;
		fclose(fp);
		return NULL;
	}
	if ((size_t)sb.st_size > RULE_FILE_MAX) {
		dsnx_load_problem(ld, LOAD_AT(file, NULL), "file too large (%lld "
		    "bytes; a rule file may have at most %u)",
		    (long long)sb.st_size, RULE_FILE_MAX);
		fclose(fp);
		return NULL;
	}
	f->len = (size_t)sb.st_size;
	if ((f->text = malloc(f->len + 1)) == NULL) {
		ld->oom = 1;
		fclose(fp);
		return NULL;
	}
	if (fread(f->text, 1, f->len, fp) != f->len) {
		dsnx_load_problem(ld, LOAD_AT(file, NULL), "read error: %s",
		    strerror(errno));
		ld->io_error = 1;
		fclose(fp);
		return NULL;
	}
	fclose(fp);
	f->text[f->len] = '\0';
	return f;
}

static void
load_file(loader *ld, const char *path, int site)
{
	source *f;
	json_error_t jerr;
	json_t *x;
	unsigned file;

	if ((f = read_source(ld, path, site)) == NULL)
		return;
	file = (unsigned)(f - ld->files);
	f->root = json_loadb(f->text, f->len, JSON_REJECT_DUPLICATES, &jerr);
	if (f->root == NULL) {
		dsnx_load_problem(ld, (load_at){ .file = file, .line = jerr.line,
		    .column = jerr.column }, "%s", jerr.text);
		return;
	}
	if (!json_is_object(f->root)) {
		dsnx_load_problem(ld, LOAD_AT(file, ""),
		    "a rule file must hold one JSON object");
		return;
	}
	dsnx_load_check_members(ld, file, "", f->root, file_members,
	    "rule file");
	/* before the rules: they may use them */
	if ((x = json_object_get(f->root, "patterns")) != NULL)
		dsnx_load_patterns(ld, file, x);
	if ((x = json_object_get(f->root, "rules")) != NULL)
		dsnx_load_rules(ld, file, x);
	if ((x = json_object_get(f->root, "strings")) != NULL)
		dsnx_load_strings(ld, file, x);
	if ((x = json_object_get(f->root, "causes")) != NULL)
		dsnx_load_causes(ld, file, x);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
dsnx_load_dir(loader *ld, const char *dir, int site)
{
	DIR *d;
	struct dirent *e;
	char **names = NULL, path[4096];
	size_t n = 0, cap = 0, i;

	if (ld->trusted) {
		char why[PATH_MAX + 512];
		int fd = dsnx_trust_open(dir, DSNX_TRUST_DIR, ld->trusted_uid,
		    why, sizeof(why));

		if (fd < 0 && errno == ENOENT)
			return -1;
		if (fd < 0 || (d = fdopendir(fd)) == NULL) {
			dsnx_load_problem(ld, (load_at){ .name = dir }, "%s%s", fd < 0
			    && errno == EPERM ? "refused: " : "cannot read: ",
			    fd < 0 ? trust_why(why, dir) : strerror(errno));
			if (fd >= 0)
				close(fd);
			ld->io_error = 1;
			return 0;
		}
		ld->dir_fd = dirfd(d);
		ld->dir_name = dir;
	} else if ((d = opendir(dir)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);

		if (e->d_name[0] == '.' || len < 6
		    || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		if (n == cap) {
			char **v = realloc(names, (cap = cap ? cap * 2 : 32)
			    * sizeof(*v));

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
	if (n > 0)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (!ld->oom)
			load_file(ld, path, site);
		free(names[i]);
	}
	free(names);
	closedir(d);	/* after the files: a trusted load reads them by it */
	ld->dir_fd = -1;
	return 0;
}

/* Orders drafts by id, then load order: the pointers are into one array,
 * so the context a comparison needs is in what it compares. */
static int
draft_id_cmp(const void *a, const void *b)
{
	const draft *x = *(const draft *const *)a;
	const draft *y = *(const draft *const *)b;
	int c = strcmp(x->r.id, y->r.id);

	return c != 0 ? c : x < y ? -1 : x > y;
}

/*
 * Drafts with the same id are brought together by sorting (a set may
 * hold many rules); within a run of one id, a site draft replaces or
 * disables the shipped ones and anything else is a duplicate.
 */
void
dsnx_load_merge_rules(loader *ld)
{
	draft **order;
	unsigned i, j, k;

	if (ld->rule_count == 0)
		return;
	if ((order = malloc(ld->rule_count * sizeof(*order))) == NULL) {
		ld->oom = 1;
		return;
	}
	for (i = 0; i < ld->rule_count; i++)
		order[i] = &ld->rules[i];
	qsort(order, ld->rule_count, sizeof(*order), draft_id_cmp);
	for (i = 0; i < ld->rule_count; i = j) {
		int shipped = 0;

		for (j = i + 1; j < ld->rule_count
		    && strcmp(order[i]->r.id, order[j]->r.id) == 0; j++)
			;
		for (k = i; k < j; k++) {
			draft *a = order[k];
			unsigned m;

			if (!a->site) {
				if (shipped++ > 0)
					dsnx_load_problem(ld, LOAD_AT(a->file, a->path),
					    "duplicate rule id \"%s\" (first defined in %s)",
					    a->r.id, ld->files[order[i]->file].name);
				continue;
			}
			if (k > i && order[k - 1]->site)
				dsnx_load_problem(ld, LOAD_AT(a->file, a->path),
				    "duplicate rule id \"%s\" (first defined in %s)",
				    a->r.id, ld->files[order[k - 1]->file].name);
			/* A site rule replaces (or, disabled, removes) the shipped. */
			for (m = i; m < k; m++)
				if (!order[m]->site)
					order[m]->dropped = 1;
			if (a->disabled) {
				if (shipped == 0)
					dsnx_load_problem(ld, LOAD_AT(a->file, a->path),
					    "rule \"%s\" is disabled, but no shipped rule has "
					    "that id (only site files can disable rules)",
					    a->r.id);
				a->dropped = 1;
			}
		}
	}
	free(order);
}
