/*
 * fuzz_rules - libFuzzer target: rule files loaded from JSON text
 *
 * The input is one or more rule files in the layout of head(1)'s
 * output: a line "==> NAME <==" opens a file, "==> site/NAME <==" one of
 * the site directory; text before the first such line is a file of its
 * own.  The files are written to a scratch directory (their names made
 * safe and numbered so that the order is the input's) and loaded with
 * dsnx_ruleset_load(), which compiles the patterns and runs every
 * example.  Every problem reported must carry a file name and text; a
 * set that loads is queried and released.
 *
 * LIMITS: at most 16 files per input; names of at most 40 bytes.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_util.h"

#define FILES_MAX 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[4200], site[4300];
static char written[FILES_MAX][4400];
static unsigned written_count;

static void
setup(void)
{
	if (dir[0] != '\0')
		return;
	snprintf(dir, sizeof(dir), "%s/rules", fuzz_scratch());
	snprintf(site, sizeof(site), "%s/site", fuzz_scratch());
	if ((mkdir(dir, 0700) != 0) || mkdir(site, 0700) != 0) {
		perror(dir);
		abort();
	}
}

static void
put_file(int in_site, const char *name, size_t nlen, const char *text,
    size_t len)
{
	char safe[41];
	size_t i, k = 0;

	if (written_count == FILES_MAX)
		return;
	for (i = 0; i < nlen && k < sizeof(safe) - 1; i++) {
		char c = name[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		    || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')
			safe[k++] = c;
	}
	safe[k] = '\0';
	snprintf(written[written_count], sizeof(written[0]), "%s/%02u-%s%s",
	    in_site ? site : dir, written_count, safe,
	    k >= 5 && strcmp(safe + k - 5, ".json") == 0 ? "" : ".json");
	fuzz_write(written[written_count], text, len);
	written_count++;
}

static void
problem(const dsnx_error_t *err, void *arg)
{
	unsigned *n = arg;

	FUZZ_CHECK(err->text[0] != '\0', "a problem without text");
	FUZZ_CHECK(err->line >= 0 && err->column >= 0, "position %d:%d",
	    err->line, err->column);
	if (!err->warning)
		(*n)++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	const char *name = "fuzz", *nend = name + 4;
	int in_site = 0;
	unsigned i, problems = 0;
	dsnx_ruleset *rules = NULL;
	dsnx_status st;
	dsnx_cause_text ct;

	setup();
	while (p <= end && written_count < FILES_MAX) {
		/* This file's text runs to the next "\n==> " line. */
		const char *q = p, *next = NULL, *hend;

		while (q < end && (q = memmem(q, (size_t)(end - q), "==> ", 4))
		    != NULL) {
			if (q == (const char *)data || q[-1] == '\n') {
				next = q;
				break;
			}
			q += 4;
		}
		if (next != p)
			put_file(in_site, name, (size_t)(nend - name), p,
			    (size_t)((next != NULL ? next : end) - p));
		if (next == NULL)
			break;
		/* The header line: "==> [site/]NAME <==". */
		hend = memchr(next, '\n', (size_t)(end - next));
		if (hend == NULL)
			hend = end;
		name = next + 4;
		in_site = hend - name > 5 && memcmp(name, "site/", 5) == 0;
		if (in_site)
			name += 5;
		nend = hend;
		if (nend - name >= 4 && memcmp(nend - 4, " <==", 4) == 0)
			nend -= 4;
		p = hend < end ? hend + 1 : end;
		if (p == end)
			break;
	}
	st = dsnx_ruleset_load(dir, site, problem, &problems, &rules);
	if (st == DSNX_OK) {
		FUZZ_CHECK(rules != NULL && problems == 0,
		    "loaded with %u errors", problems);
		for (i = 0; i < dsnx_ruleset_rule_count(rules); i++)
			;
		(void)dsnx_cause_text_get(rules, "mailbox-unknown", "en", &ct);
		(void)dsnx_ruleset_string(rules, "de", "subject.failed");
		(void)dsnx_ruleset_example_count(rules);
		(void)dsnx_ruleset_cause_count(rules);
		dsnx_ruleset_unref(rules);
	} else {
		FUZZ_CHECK(rules == NULL, "a set returned with status %d", st);
		FUZZ_CHECK(problems > 0 || st == DSNX_ENOMEM,
		    "refused (%s) without a problem reported", dsnx_strstatus(st));
	}
	for (i = 0; i < written_count; i++)
		unlink(written[i]);
	written_count = 0;
	return 0;
}
