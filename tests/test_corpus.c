/*
 * test_corpus - how well the library reads the shared bounce corpora
 *
 * Reads manifest.jsonl of ../shared/corpus/sisimai and
 * ../shared/corpus/mta-generated (the directory is $DSNX_CORPUS_DIR when
 * set, else CORPUS_DIR from the Makefile), runs dsnx_report_read() on
 * every file listed, and scores the answers the way
 * shared/tools/score-classify.py does:
 *
 *	detection	is_dsn equals the manifest's "dsn";
 *	status		per expected recipient with a comparable status: the
 *			manifest "status" unless empty or a Sisimai pseudo
 *			code X.0.9NN, plus "dsn_status" when present; found
 *			recipients are paired by lower-cased address, the
 *			rest in order;
 *	recipients	share of the expected recipients of dsn:true messages
 *			(except placeholder *.invalid addresses) whose address
 *			was found, case-insensitive.
 *
 * Prints the misses, a line "mta-generated: ..." comparing that set's
 * Action and Status literally (informative only), and
 *
 *	corpus: detection=X% status=Y% recipients=Z% (N messages)
 *
 * and fails when detection < 98.0 % or status < 95.0 %, or when a string
 * handed out is not valid UTF-8.
 *
 * Every recipient is also classified with the shipped rules (RULES_DIR, or
 * $DSNX_RULES_DIR).  On the Sisimai set the reason is compared with
 * Sisimai's (later Sisimai names accepted as the scorer does), a table of
 * misses per reason is printed, and the test fails when, on that set,
 * reason < 90 %, status < 97 % or detection < 98 %.  On the MTA-generated
 * set every recipient's cause and outcome must be the manifest's.
 * Exits 77 (skipped) when no corpus is found.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "dsnexplain.h"
#include "classify_at.h"

#define MIN_DETECTION 98.0
#define MIN_STATUS 95.0
#define MIN_SISIMAI_STATUS 97.0
#define MIN_SISIMAI_REASON 90.0
#define MAX_REASONS 64

static dsnx_ruleset *rules;

/* Per expected reason: recipients, agreements, and the wrong answers. */
typedef struct reason_row {
	const char *reason;
	unsigned n, ok;
	const char *wrong[MAX_REASONS];
	unsigned wrong_n[MAX_REASONS];
	unsigned wrong_count;
} reason_row;

static const char *const corpora[] = { "sisimai", "mta-generated" };

typedef struct score {
	unsigned msgs, det_ok;
	unsigned st_n, st_ok;
	unsigned rc_n, rc_ok;
	unsigned bad_utf8;
	/* mta-generated only: literal Action and Status per recipient */
	unsigned lit_n, lit_action_ok, lit_status_ok;
	unsigned lit_msgs;
	/* classification */
	unsigned rs_n, rs_ok;
	unsigned cause_n, cause_ok, outcome_n, outcome_ok;
	reason_row rows[MAX_REASONS];
	unsigned row_count;
} score;

/* Sisimai's later names for the same reasons (as score-classify.py). */
static int
reason_agrees(const char *expected, const char *got)
{
	if (got == NULL)
		return 0;
	if (strcasecmp(expected, got) == 0)
		return 1;
	if (strcasecmp(got, "emailtoolarge") == 0)
		return strcasecmp(expected, "mesgtoobig") == 0;
	if (strcasecmp(got, "ratelimited") == 0)
		return strcasecmp(expected, "speeding") == 0
		    || strcasecmp(expected, "toomanyconn") == 0;
	return 0;
}

static void
count_reason(score *sc, const char *expected, const char *got, int ok)
{
	reason_row *row = NULL;
	unsigned i;

	for (i = 0; i < sc->row_count; i++)
		if (strcmp(sc->rows[i].reason, expected) == 0)
			row = &sc->rows[i];
	if (row == NULL) {
		if (sc->row_count >= MAX_REASONS)
			return;
		row = &sc->rows[sc->row_count++];
		row->reason = strdup(expected);
		ck_assert_ptr_nonnull(row->reason);
	}
	row->n++;
	row->ok += ok;
	if (ok)
		return;
	got = got ? got : "(none)";	/* verdict strings outlive the run */
	for (i = 0; i < row->wrong_count; i++)
		if (strcmp(row->wrong[i], got) == 0) {
			row->wrong_n[i]++;
			return;
		}
	if (row->wrong_count < MAX_REASONS) {
		row->wrong[row->wrong_count] = got;
		row->wrong_n[row->wrong_count++] = 1;
	}
}

static int
row_cmp(const void *a, const void *b)
{
	return strcmp(((const reason_row *)a)->reason,
	    ((const reason_row *)b)->reason);
}

static void
print_reason_table(score *sc)
{
	unsigned i, k;

	qsort(sc->rows, sc->row_count, sizeof(sc->rows[0]), row_cmp);
	printf("reason            rcpts   agree  wrong answers\n");
	for (i = 0; i < sc->row_count; i++) {
		reason_row *row = &sc->rows[i];

		printf("%-16s %6u %6.1f%% ", row->reason, row->n,
		    100.0 * row->ok / row->n);
		for (k = 0; k < row->wrong_count; k++)
			printf(" %s x%u", row->wrong[k], row->wrong_n[k]);
		putchar('\n');
	}
}

static const char *
corpus_dir(void)
{
	const char *d = getenv("DSNX_CORPUS_DIR");

	return d != NULL && d[0] != '\0' ? d : CORPUS_DIR;
}

static char *
path_join(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + (c ? strlen(c) : 0) + 3;
	char *p = malloc(n);

	/* Used outside a test too (main), where ck_assert cannot report. */
	if (p == NULL) {
		fprintf(stderr, "test_corpus: out of memory\n");
		exit(EXIT_FAILURE);
	}
	snprintf(p, n, "%s/%s%s%s", a, b, c ? "/" : "", c ? c : "");
	return p;
}

static int
read_file(const char *path, char **buf, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	size_t cap = 65536, n;
	char *p;

	*buf = NULL;
	*len = 0;
	if (fp == NULL)
		return -1;
	if ((p = malloc(cap)) == NULL) {
		fclose(fp);
		return -1;
	}
	while ((n = fread(p + *len, 1, cap - *len, fp)) > 0) {
		*len += n;
		if (*len == cap) {
			char *q = realloc(p, cap * 2);

			if (q == NULL) {
				free(p);
				fclose(fp);
				return -1;
			}
			p = q;
			cap *= 2;
		}
	}
	fclose(fp);
	*buf = p;
	return 0;
}

/* Strict UTF-8 without NUL (our own check, not the library's). */
static int
utf8_ok(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i = 0, k, j;
	uint32_t cp, min;

	while (i < n) {
		unsigned c = s[i];

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			k = 1, cp = c & 0x1F, min = 0x80;
		} else if (c >= 0xE0 && c <= 0xEF) {
			k = 2, cp = c & 0x0F, min = 0x800;
		} else if (c >= 0xF0 && c <= 0xF4) {
			k = 3, cp = c & 0x07, min = 0x10000;
		} else
			return 0;
		if (n - i <= k)
			return 0;
		for (j = 1; j <= k; j++) {
			if ((s[i + j] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + j] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += k + 1;
	}
	return 1;
}

static unsigned
count_bad_utf8(const dsnx_report *r)
{
	unsigned i, k, bad = 0;
	const char *s[12];

	for (i = 0; i < dsnx_report_recipient_count(r); i++) {
		const dsnx_recipient *rc = dsnx_report_recipient(r, i);

		s[0] = rc->recipient;
		s[1] = rc->final_recipient;
		s[2] = rc->original_recipient;
		s[3] = rc->action;
		s[4] = rc->status;
		s[5] = rc->status_raw;
		s[6] = rc->remote_mta;
		s[7] = rc->diagnostic_type;
		s[8] = rc->diagnostic;
		s[9] = rc->last_attempt_raw;
		s[10] = rc->will_retry_until_raw;
		s[11] = rc->final_log_id;
		for (k = 0; k < 12; k++)
			if (s[k] != NULL && !utf8_ok(s[k]))
				bad++;
	}
	s[0] = dsnx_report_reporting_mta(r);
	s[1] = dsnx_report_subject(r);
	s[2] = dsnx_report_from(r);
	s[3] = dsnx_report_arrival_date_raw(r);
	for (k = 0; k < 4; k++)
		if (s[k] != NULL && !utf8_ok(s[k]))
			bad++;
	return bad;
}

/* Locale-independent ASCII classes for the manifest parser. */
static int
is_space(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* Python's str.strip() for ASCII white space, as a new string. */
static char *
strip_dup(const char *s)
{
	size_t n;
	char *p;

	while (*s != '\0' && is_space((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && is_space((unsigned char)s[n - 1]))
		n--;
	p = strndup(s, n);
	ck_assert_ptr_nonnull(p);
	return p;
}

/* The scorer's norm_addr(): NULL when not comparable. */
static char *
norm_addr(const char *a)
{
	char *s, *b, *e, *p;

	if (a == NULL)
		return NULL;
	s = strip_dup(a);
	b = s;
	e = s + strlen(s);
	while (b < e && (*b == '<' || *b == '>'))
		b++;
	while (e > b && (e[-1] == '<' || e[-1] == '>'))
		e--;
	while (b < e && is_space((unsigned char)*b))
		b++;
	while (e > b && is_space((unsigned char)e[-1]))
		e--;
	*e = '\0';
	memmove(s, b, (size_t)(e - b) + 1);
	for (p = s; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	if (strchr(s, '@') == NULL || (strlen(s) >= 8
	    && strcmp(s + strlen(s) - 8, ".invalid") == 0)) {
		free(s);
		return NULL;
	}
	return s;
}

/* Sisimai's invented codes: ^[245]\.0\.9\d\d$ */
static int
is_internal_status(const char *s)
{
	return strlen(s) == 7 && (s[0] == '2' || s[0] == '4' || s[0] == '5')
	    && s[1] == '.' && s[2] == '0' && s[3] == '.' && s[4] == '9'
	    && is_digit((unsigned char)s[5]) && is_digit((unsigned char)s[6]);
}

static const char *
jstring(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/*
 * pairs[i] = index of the found recipient paired with expected i, or -1:
 * first by normalised address, then the rest in order.
 */
static void
pair(const json_t *expected, const dsnx_report *r, int *pairs)
{
	size_t ne = json_array_size(expected), i;
	unsigned np = dsnx_report_recipient_count(r), j;
	char **pk = calloc(np + 1, sizeof(*pk));
	char *used = calloc(np + 1, 1);

	ck_assert(pk != NULL && used != NULL);
	for (j = 0; j < np; j++)
		pk[j] = norm_addr(dsnx_report_recipient(r, j)->recipient);
	for (i = 0; i < ne; i++) {
		char *k = norm_addr(jstring(json_array_get(expected, i),
		    "recipient"));

		pairs[i] = -1;
		if (k == NULL)
			continue;
		for (j = 0; j < np; j++)
			if (!used[j] && pk[j] != NULL && strcmp(pk[j], k) == 0) {
				pairs[i] = (int)j;
				used[j] = 1;
				break;
			}
		free(k);
	}
	for (i = 0, j = 0; i < ne; i++) {
		if (pairs[i] >= 0)
			continue;
		while (j < np && used[j])
			j++;
		if (j >= np)
			break;
		pairs[i] = (int)j;
		used[j] = 1;
	}
	for (j = 0; j < np; j++)
		free(pk[j]);
	free(pk);
	free(used);
}

static int
found_address(const dsnx_report *r, const char *want)
{
	unsigned j;
	int hit = 0;

	for (j = 0; j < dsnx_report_recipient_count(r) && !hit; j++) {
		char *k = norm_addr(dsnx_report_recipient(r, j)->recipient);

		hit = k != NULL && strcmp(k, want) == 0;
		free(k);
	}
	return hit;
}

static void
print_found(const dsnx_report *r)
{
	unsigned j, n = dsnx_report_recipient_count(r);

	printf(" (found:");
	for (j = 0; j < n && j < 5; j++) {
		const char *a = dsnx_report_recipient(r, j)->recipient;

		printf(" %s", a ? a : "-");
	}
	printf("%s)\n", n == 0 ? " nothing" : n > 5 ? " ..." : "");
}

static void
score_message(score *sc, const char *set, const json_t *rec,
    const dsnx_report *r, int literal)
{
	const char *file = jstring(rec, "file");
	const json_t *dsn_v = json_object_get(rec, "dsn");
	const json_t *expected = json_object_get(rec, "recipients");
	int want_dsn = dsn_v == NULL || json_is_true(dsn_v);
	int is_dsn = r != NULL && dsnx_report_is_dsn(r);
	size_t ne, i;
	int *pairs;

	if (!json_is_array(expected))
		expected = NULL;
	ne = expected ? json_array_size(expected) : 0;
	sc->msgs++;
	if (r != NULL && is_dsn == want_dsn)
		sc->det_ok++;
	else
		printf("MISS %s/%s: dsn expected %s, got %s\n", set, file,
		    want_dsn ? "true" : "false", r == NULL ? "read error"
		    : is_dsn ? "true" : "false");
	if (r == NULL) {
		/* Every comparable expectation is a miss. */
		for (i = 0; i < ne; i++) {
			const json_t *e = json_array_get(expected, i);
			const char *es = jstring(e, "status");
			const char *ls = jstring(e, "dsn_status");
			char *k = norm_addr(jstring(e, "recipient"));

			if ((es && es[0] && !is_internal_status(es)) || (ls && ls[0]))
				sc->st_n++;
			if (want_dsn && k != NULL)
				sc->rc_n++;
			free(k);
		}
		if (literal)
			sc->lit_n += (unsigned)ne;
		return;
	}
	sc->bad_utf8 += count_bad_utf8(r);
	if (literal)
		sc->lit_msgs++;
	pairs = calloc(ne + 1, sizeof(*pairs));
	ck_assert_ptr_nonnull(pairs);
	pair(expected, r, pairs);
	for (i = 0; i < ne; i++) {
		const json_t *e = json_array_get(expected, i);
		const char *addr = jstring(e, "recipient");
		const char *es_raw = jstring(e, "status");
		const char *ls_raw = jstring(e, "dsn_status");
		const dsnx_recipient *p = pairs[i] >= 0
		    ? dsnx_report_recipient(r, (unsigned)pairs[i]) : NULL;
		char *es = strip_dup(es_raw ? es_raw : "");
		char *ls = strip_dup(ls_raw ? ls_raw : "");
		char *gs = p && p->status ? strip_dup(p->status) : NULL;
		char *k = norm_addr(addr);
		int es_ok = es[0] != '\0' && !is_internal_status(es);
		int ls_ok = ls_raw != NULL && ls[0] != '\0';

		if (es_ok || ls_ok) {
			int ok = gs != NULL && ((es_ok && strcmp(gs, es) == 0)
			    || (ls_ok && strcmp(gs, ls) == 0));

			sc->st_n++;
			sc->st_ok += ok;
			if (!ok)
				printf("MISS %s/%s: <%s> status expected %s%s%s,"
				    " got %s\n", set, file, addr ? addr : "-",
				    es_ok ? es : "", es_ok && ls_ok ? "/" : "",
				    ls_ok ? ls : "", gs ? gs : "none");
		}
		if (want_dsn && k != NULL) {
			sc->rc_n++;
			if (found_address(r, k))
				sc->rc_ok++;
			else {
				printf("MISS %s/%s: <%s> not found", set, file, addr);
				print_found(r);
			}
		}
		{
			const char *er = jstring(e, "reason");
			const char *ec = jstring(e, "cause");
			const char *eo = jstring(e, "outcome");
			dsnx_verdict v;
			int have = p != NULL && classify_at(rules, r,
			    (unsigned)pairs[i], &v) == DSNX_OK;

			if (!literal && er != NULL && er[0] != '\0') {
				int ok = have && reason_agrees(er, v.reason);

				sc->rs_n++;
				sc->rs_ok += ok;
				count_reason(sc, er, have ? v.reason : NULL, ok);
				if (!ok)
					printf("MISS %s/%s: <%s> reason expected %s, got %s"
					    " (rule %s)\n", set, file, addr ? addr : "-", er,
					    have ? v.reason : "-", have && v.rule ? v.rule
					    : "-");
			}
			if (literal && ec != NULL) {
				int ok = have && v.cause != NULL && strcmp(ec, v.cause) == 0;

				sc->cause_n++;
				sc->cause_ok += ok;
				if (!ok)
					printf("MISS %s/%s: <%s> cause expected %s, got %s"
					    " (rule %s)\n", set, file, addr ? addr : "-", ec,
					    have && v.cause ? v.cause : "-",
					    have && v.rule ? v.rule : "-");
			}
			if (literal && eo != NULL) {
				int ok = have && dsnx_outcome_name(v.outcome) != NULL
				    && strcmp(eo, dsnx_outcome_name(v.outcome)) == 0;

				sc->outcome_n++;
				sc->outcome_ok += ok;
				if (!ok)
					printf("MISS %s/%s: <%s> outcome expected %s, got %s\n",
					    set, file, addr ? addr : "-", eo,
					    have && dsnx_outcome_name(v.outcome) ? dsnx_outcome_name(v.outcome) : "-");
			}
		}
		if (literal) {
			const char *ea = jstring(e, "action");
			const char *est = jstring(e, "status");
			int a_ok = ea != NULL && p != NULL && p->action != NULL
			    && strcasecmp(ea, p->action) == 0;
			int s_ok = est != NULL && p != NULL && p->status != NULL
			    && strcmp(est, p->status) == 0;

			sc->lit_n++;
			sc->lit_action_ok += a_ok;
			sc->lit_status_ok += s_ok;
			if (!a_ok || !s_ok)
				printf("MISS %s/%s: <%s> literal %s/%s, got %s/%s\n",
				    set, file, addr ? addr : "-", ea ? ea : "-",
				    est ? est : "-", p && p->action ? p->action : "-",
				    p && p->status ? p->status : "-");
		}
		free(es);
		free(ls);
		free(gs);
		free(k);
	}
	free(pairs);
}

/* Scores one corpus; returns -1 when its manifest cannot be read. */
static int
run_corpus(const dsnx_context *ctx, const char *set, score *sc)
{
	char *dir = path_join(corpus_dir(), set, NULL);
	char *manifest = path_join(dir, "manifest.jsonl", NULL);
	FILE *fp = fopen(manifest, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned lineno = 0;
	int literal = strcmp(set, "mta-generated") == 0;

	if (fp == NULL) {
		printf("corpus: %s: %s\n", manifest, strerror(errno));
		free(dir);
		free(manifest);
		return -1;
	}
	while ((n = getline(&line, &cap, fp)) != -1) {
		json_error_t jerr;
		json_t *rec;
		const char *file;
		char *path, *buf;
		size_t len;
		dsnx_report *r = NULL;
		dsnx_status st;

		lineno++;
		if (strspn(line, " \t\r\n") == (size_t)n)
			continue;
		rec = json_loads(line, 0, &jerr);
		ck_assert_msg(rec != NULL && json_is_object(rec),
		    "%s:%u: bad JSON: %s", manifest, lineno, jerr.text);
		file = jstring(rec, "file");
		ck_assert_msg(file != NULL, "%s:%u: no \"file\"", manifest, lineno);
		path = path_join(dir, file, NULL);
		if (read_file(path, &buf, &len) != 0) {
			printf("MISS %s/%s: cannot read: %s\n", set, file,
			    strerror(errno));
			score_message(sc, set, rec, NULL, literal);
		} else {
			st = dsnx_report_read(ctx, buf, len, &r);
			if (st != DSNX_OK)
				printf("MISS %s/%s: dsnx_report_read: %s\n", set, file,
				    dsnx_strstatus(st));
			score_message(sc, set, rec, st == DSNX_OK ? r : NULL,
			    literal);
			dsnx_report_free(r);
			free(buf);
		}
		free(path);
		json_decref(rec);
	}
	free(line);
	fclose(fp);
	free(dir);
	free(manifest);
	return 0;
}

static double
pct(unsigned a, unsigned b)
{
	return b ? 100.0 * a / b : 0.0;
}

START_TEST(test_corpus_scores)
{
	dsnx_context *ctx = NULL;
	dsnx_error_t err;
	static score all, mta, sis;
	size_t i;
	double det, st;
	const char *rules_dir = getenv("DSNX_RULES_DIR");

	if (rules_dir == NULL)
		rules_dir = RULES_DIR;
	ck_assert_msg(dsnx_ruleset_load(rules_dir, NULL, NULL, NULL, &rules)
	    == DSNX_OK, "the rules in %s do not load (run dsnexplain lint)",
	    rules_dir);
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(dsnx_context_new(NULL, &ctx, &err), DSNX_OK);
	for (i = 0; i < sizeof(corpora) / sizeof(corpora[0]); i++) {
		static score sc;

		memset(&sc, 0, sizeof(sc));
		if (run_corpus(ctx, corpora[i], &sc) != 0)
			continue;
		all.msgs += sc.msgs;
		all.det_ok += sc.det_ok;
		all.st_n += sc.st_n;
		all.st_ok += sc.st_ok;
		all.rc_n += sc.rc_n;
		all.rc_ok += sc.rc_ok;
		all.bad_utf8 += sc.bad_utf8;
		if (strcmp(corpora[i], "mta-generated") == 0)
			mta = sc;
		else
			sis = sc;
	}
	dsnx_context_free(ctx);

	if (mta.msgs > 0)
		printf("mta-generated: detection=%.1f%% action=%.1f%% "
		    "status=%.1f%% (%u recipients, %u messages)\n",
		    pct(mta.det_ok, mta.msgs), pct(mta.lit_action_ok, mta.lit_n),
		    pct(mta.lit_status_ok, mta.lit_n), mta.lit_n, mta.msgs);
	det = pct(all.det_ok, all.msgs);
	st = pct(all.st_ok, all.st_n);
	if (sis.msgs > 0) {
		print_reason_table(&sis);
		printf("sisimai: detection=%.1f%% status=%.1f%% reason=%.1f%% "
		    "(%u messages, %u recipients with a reason)\n",
		    pct(sis.det_ok, sis.msgs), pct(sis.st_ok, sis.st_n),
		    pct(sis.rs_ok, sis.rs_n), sis.msgs, sis.rs_n);
	}
	if (mta.msgs > 0)
		printf("mta-generated: cause=%.1f%% (%u recipients) outcome=%.1f%% "
		    "(%u recipients)\n", pct(mta.cause_ok, mta.cause_n),
		    mta.cause_n, pct(mta.outcome_ok, mta.outcome_n), mta.outcome_n);
	printf("corpus: detection=%.1f%% status=%.1f%% recipients=%.1f%% "
	    "(%u messages)\n", det, st, pct(all.rc_ok, all.rc_n), all.msgs);
	fflush(stdout);
	for (i = 0; i < sis.row_count; i++)
		free((char *)sis.rows[i].reason);
	/* Last: the table above prints reasons the rule set owns. */
	dsnx_ruleset_unref(rules);

	ck_assert_msg(all.msgs > 0, "no message scored");
	ck_assert_msg(all.bad_utf8 == 0, "%u strings were not valid UTF-8",
	    all.bad_utf8);
	ck_assert_msg(det >= MIN_DETECTION, "detection %.1f%% < %.1f%%", det,
	    MIN_DETECTION);
	ck_assert_msg(st >= MIN_STATUS, "status %.1f%% < %.1f%%", st,
	    MIN_STATUS);
	if (sis.msgs > 0) {
		ck_assert_msg(pct(sis.det_ok, sis.msgs) >= MIN_DETECTION,
		    "sisimai detection below %.1f%%", MIN_DETECTION);
		ck_assert_msg(pct(sis.st_ok, sis.st_n) >= MIN_SISIMAI_STATUS,
		    "sisimai status %.1f%% < %.1f%%", pct(sis.st_ok, sis.st_n),
		    MIN_SISIMAI_STATUS);
		ck_assert_msg(pct(sis.rs_ok, sis.rs_n) >= MIN_SISIMAI_REASON,
		    "sisimai reason %.1f%% < %.1f%%", pct(sis.rs_ok, sis.rs_n),
		    MIN_SISIMAI_REASON);
	}
	if (mta.msgs > 0) {
		ck_assert_msg(mta.cause_ok == mta.cause_n,
		    "mta-generated: %u of %u causes wrong",
		    mta.cause_n - mta.cause_ok, mta.cause_n);
		ck_assert_msg(mta.outcome_ok == mta.outcome_n,
		    "mta-generated: %u of %u outcomes wrong",
		    mta.outcome_n - mta.outcome_ok, mta.outcome_n);
	}
}
END_TEST

int
main(void)
{
	Suite *s;
	TCase *tc;
	SRunner *sr;
	size_t i;
	int found = 0, failed;

	for (i = 0; i < sizeof(corpora) / sizeof(corpora[0]); i++) {
		char *m = path_join(corpus_dir(), corpora[i], "manifest.jsonl");

		if (access(m, R_OK) == 0)
			found++;
		else
			printf("corpus: %s: %s\n", m, strerror(errno));
		free(m);
	}
	if (found == 0) {
		printf("corpus: skipped: no manifest.jsonl under %s "
		    "(set DSNX_CORPUS_DIR to the shared corpus directory)\n",
		    corpus_dir());
		return 77;
	}
	s = suite_create("corpus");
	tc = tcase_create("corpus");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_corpus_scores);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
