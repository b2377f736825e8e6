/*
 * state - the settings and rule set a message is processed with
 *
 * Loading builds a complete new snapshot before anything else sees it;
 * installing swaps one pointer under a mutex.  The old snapshot lives
 * until the last message holding it ends.
 *
 * Every file is read under filetrust.c's rule with the user we run as
 * as the trusted one: root, or after the start the service user (the
 * supervisor drops privileges before it loads anything but the settings
 * that say whom to drop to, see main.c).
 */
#include "state.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filetrust.h"

static pthread_mutex_t current_lock = PTHREAD_MUTEX_INITIALIZER;
static milter_state *current;

struct rule_problems {
	milter_problem_fn *problem;
	void *arg;
};

/* Every problem goes out with its control characters escaped: a rule
 * text, a path or a configuration line may hold any byte, and the
 * problem is printed on a terminal or logged line by line. */
static void
tell(milter_problem_fn *problem, void *arg, const char *text)
{
	char out[4 * (DSNX_ERROR_SOURCE_LENGTH + DSNX_ERROR_TEXT_LENGTH + 48)];

	(void)dsnx_text_escape(out, sizeof(out), text, strlen(text));
	problem(out, arg);
}

static void
rule_problem(const dsnx_error_t *err, void *arg)
{
	struct rule_problems *rp = arg;
	char text[DSNX_ERROR_SOURCE_LENGTH + DSNX_ERROR_TEXT_LENGTH + 48];

	if (err->line > 0)
		snprintf(text, sizeof(text), "%s%s:%d:%d: %s", err->warning
		    ? "warning: " : "", err->source, err->line, err->column,
		    err->text);
	else
		snprintf(text, sizeof(text), "%s%s: %s", err->warning
		    ? "warning: " : "", err->source, err->text);
	tell(rp->problem, rp->arg, text);
}

static void
say(milter_problem_fn *problem, void *arg, const milter_config_error *e)
{
	char text[sizeof(e->source) + sizeof(e->text) + 16];

	if (e->line > 0)
		snprintf(text, sizeof(text), "%s:%u: %s", e->source, e->line,
		    e->text);
	else
		snprintf(text, sizeof(text), "%s: %s", e->source, e->text);
	tell(problem, arg, text);
}

/*
 * The configuration file is opened by filetrust.c: it, its directory and
 * the directories above must belong to root or to the user we run as
 * and be writable by nobody else, or whoever could write them would
 * decide what the milter does (and, started as root, what root does).
 */
static int
read_config(milter_settings *s, const milter_sources *src,
    milter_problem_fn *problem, void *arg)
{
	const char *path = src->config_file;
	char why[PATH_MAX + 512], text[PATH_MAX + 600];
	milter_config_error e;
	size_t n = strlen(path);
	FILE *fp;
	int fd;

	if ((fd = dsnx_trust_open(path, DSNX_TRUST_FILE, geteuid(), why,
	    sizeof(why))) < 0) {
		if (errno == ENOENT && !src->config_required)
			return 0;
		snprintf(text, sizeof(text), "%s: %s%s", path, errno == EPERM
		    ? "refused: " : "", strncmp(why, path, n) == 0
		    && why[n] == ':' && why[n + 1] == ' ' ? why + n + 2 : why);
		problem(text, arg);
		return -1;
	}
	if ((fp = fdopen(fd, "r")) == NULL) {
		close(fd);
		problem("out of memory", arg);
		return -1;
	}
	if (milter_settings_read_stream(s, fp, path, &e) != 0) {
		say(problem, arg, &e);
		return -1;
	}
	return 0;
}

int
milter_state_settings(milter_settings *s, const milter_sources *src,
    milter_problem_fn *problem, void *arg)
{
	milter_config_error e;
	size_t i;

	milter_settings_init(s);
	if (s->socket == NULL || s->rules == NULL || s->language == NULL
	    || s->language_fallback == NULL) {
		problem("out of memory", arg);
		return -1;
	}
	if (src->config_file != NULL && read_config(s, src, problem, arg) != 0)
		return -1;
	for (i = 0; i < src->assignment_count; i++)
		if (milter_settings_assign(s, src->assignments[i], &e) != 0) {
			say(problem, arg, &e);
			return -1;
		}
	return 0;
}

milter_state *
milter_state_load(const milter_sources *src, milter_problem_fn *problem,
    void *arg)
{
	struct rule_problems rp = { problem, arg };
	milter_state *st;
	dsnx_limits limits;
	dsnx_error_t derr;
	dsnx_status rc;

	if ((st = calloc(1, sizeof(*st))) == NULL) {
		problem("out of memory", arg);
		return NULL;
	}
	if (milter_state_settings(&st->settings, src, problem, arg) != 0)
		goto fail;

	/* Rule files under the same rule as the configuration. */
	rc = dsnx_ruleset_load_trusted(st->settings.rules,
	    st->settings.site_rules, geteuid(), rule_problem, &rp, &st->rules);
	if (rc != DSNX_OK) {
		char text[512];

		snprintf(text, sizeof(text), "rules in %s%s%s not loaded: %s",
		    st->settings.rules, st->settings.site_rules ? " and " : "",
		    st->settings.site_rules ? st->settings.site_rules : "",
		    dsnx_strstatus(rc));
		problem(text, arg);
		goto fail;
	}
	if (strcmp(st->settings.language, "auto") != 0
	    && !dsnx_ruleset_has_lang(st->rules, st->settings.language)) {
		char text[128];

		snprintf(text, sizeof(text), "Language: no texts in \"%s\"",
		    st->settings.language);
		problem(text, arg);
		goto fail;
	}
	if (!dsnx_ruleset_has_lang(st->rules, st->settings.language_fallback)) {
		char text[128];

		snprintf(text, sizeof(text), "LanguageFallback: no texts in \"%s\"",
		    st->settings.language_fallback);
		problem(text, arg);
		goto fail;
	}
	dsnx_limits_init(&limits);
	/* The milter never holds more than MaximumSize bytes of a message. */
	if (limits.max_message > st->settings.maximum_size)
		limits.max_message = st->settings.maximum_size;
	if (dsnx_context_new(&limits, &st->ctx, &derr) != DSNX_OK) {
		problem("cannot create the library context (out of memory)", arg);
		goto fail;
	}
	dsnx_rewrite_options_init(&st->options);
	st->options.render.lang = st->settings.language;
	st->options.render.fallback_lang = st->settings.language_fallback;
	st->options.render.tz = st->settings.time_zone;
	st->options.subject = st->settings.rewrite_subject;
	st->options.max_size = st->settings.maximum_size;
	st->options.classify.match_budget = st->settings.match_budget;
	st->options.classify.cpu_ms = st->settings.match_cpu_ms;
	st->loaded_at = time(NULL);
	atomic_init(&st->refs, 1);
	return st;
fail:
	dsnx_ruleset_unref(st->rules);
	milter_settings_free(&st->settings);
	free(st);
	return NULL;
}

milter_state *
milter_state_ref(milter_state *st)
{
	if (st != NULL)
		atomic_fetch_add(&st->refs, 1);
	return st;
}

void
milter_state_unref(milter_state *st)
{
	if (st == NULL
	    || atomic_fetch_sub(&st->refs, 1) != 1)
		return;
	dsnx_context_free(st->ctx);
	dsnx_ruleset_unref(st->rules);
	milter_settings_free(&st->settings);
	free(st);
}

milter_state *
milter_state_current(void)
{
	milter_state *st;

	pthread_mutex_lock(&current_lock);
	st = milter_state_ref(current);
	pthread_mutex_unlock(&current_lock);
	return st;
}

void
milter_state_install(milter_state *st)
{
	milter_state *old;

	pthread_mutex_lock(&current_lock);
	old = current;
	current = st;
	pthread_mutex_unlock(&current_lock);
	milter_state_unref(old);
}
