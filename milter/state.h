/*
 * state - the settings and rule set a message is processed with
 *
 * A state is an immutable, reference-counted snapshot: settings, the
 * loaded rules and the library context.  A message takes a reference
 * when its transaction starts and drops it at the end, so a reload
 * never changes the rules under a message in flight.  The current
 * state is the one process-wide variable libmilter forces on us: its
 * callbacks get no argument of ours before the first one runs.
 */
#ifndef MILTER_STATE_H
#define MILTER_STATE_H

#include <stddef.h>
#include <stdatomic.h>
#include <time.h>

#include "dsnexplain.h"
#include "settings.h"

typedef struct milter_state {
	milter_settings settings;
	dsnx_ruleset *rules;
	dsnx_context *ctx;
	dsnx_rewrite_options options;
	time_t loaded_at;
	atomic_uint refs;
} milter_state;

/* Where the settings come from: the file (if any) and the command line
 * assignments (Key=Value, applied after the file). */
typedef struct milter_sources {
	const char *config_file;
	int config_required;      /* 0: a missing default file is fine */
	const char *const *assignments;
	size_t assignment_count;
} milter_sources;

typedef void milter_problem_fn(const char *text, void *arg);

/*
 * Reads the settings and loads the rules.  Every problem is passed to
 * problem (one line of text each); returns NULL when any was fatal.
 */
milter_state *milter_state_load(const milter_sources *src,
    milter_problem_fn *problem, void *arg);
/* The settings alone (file and assignments), for the start-up steps
 * that come before any rule is read; 0 or -1 after problem().  The
 * caller frees s with milter_settings_free() either way. */
int milter_state_settings(milter_settings *s, const milter_sources *src,
    milter_problem_fn *problem, void *arg);
milter_state *milter_state_ref(milter_state *st);
void milter_state_unref(milter_state *st);

/* The current state (a new reference, or NULL before the first set),
 * and its replacement (takes over the caller's reference). */
milter_state *milter_state_current(void);
void milter_state_install(milter_state *st);

#endif /* MILTER_STATE_H */
