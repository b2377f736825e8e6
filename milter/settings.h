/*
 * settings - dsnexplain-milter settings: defaults, the key/value file, -o
 *
 * A settings value is plain data: strings it owns, numbers, flags, and
 * the time zone, read from the tz database when TimeZone is set.  It
 * is filled from the built-in defaults, then the configuration file,
 * then command line assignments (which win), and checked as a whole.
 * Nothing here loads rules or touches libmilter.
 */
#ifndef MILTER_SETTINGS_H
#define MILTER_SETTINGS_H

#include <stddef.h>
#include <stdio.h>

#include "dsnexplain.h"

typedef struct milter_settings {
	char *socket;             /* inet:PORT@HOST, unix:PATH, ... */
	unsigned socket_mode;     /* permissions of a unix socket */
	char *user;               /* user[:group] to run as, or NULL */
	char *pid_file;           /* NULL: none */
	int background;
	int syslog;               /* 0: log to stderr */
	int syslog_facility;      /* LOG_MAIL, ... */
	int log_unchanged;
	char *rules;
	char *site_rules;         /* NULL: none */
	char *language;           /* a language, or "auto" */
	char *language_fallback;  /* with auto: when the message names none */
	dsnx_tz *time_zone;       /* of the dates shown; NULL: UTC */
	int rewrite_subject;
	size_t maximum_size;
	size_t buffer_limit;      /* bytes all messages in flight may hold */
	int max_connections;      /* open MTA connections at most */
	int inspect_non_null;
	size_t body_chunk;        /* bytes per smfi_replacebody call */
	unsigned long match_budget; /* regex steps per message, 0: no limit */
	unsigned match_cpu_ms;    /* CPU ms of regex work per message, 0: none */
	int milter_timeout;       /* seconds */
	int shutdown_timeout;     /* seconds */
	int auto_restart;
} milter_settings;

/* A problem found while reading settings: where, and what. */
typedef struct milter_config_error {
	char source[256];         /* file name, or "command line" */
	unsigned line;            /* 0 when not from a file */
	char text[256];
} milter_config_error;

void milter_settings_init(milter_settings *s);
void milter_settings_free(milter_settings *s);

/* Reads "Key Value" lines from path.  Returns 0, or -1 with err filled
 * (a missing file is an error; the caller decides whether it matters). */
int milter_settings_read_file(milter_settings *s, const char *path,
    milter_config_error *err);
/* The same from an open stream (closed here); path names it in errors.
 * The milter opens its file with filetrust.h and reads it this way. */
int milter_settings_read_stream(milter_settings *s, FILE *fp,
    const char *path, milter_config_error *err);

/* Applies one "Key=Value" assignment (from -o). */
int milter_settings_assign(milter_settings *s, const char *assignment,
    milter_config_error *err);

/* Applies one known key; source/line are for the error. */
int milter_settings_set(milter_settings *s, const char *key,
    const char *value, const char *source, unsigned line,
    milter_config_error *err);

/* Writes every setting, one "Key Value" line each, for -n. */
void milter_settings_print(const milter_settings *s, FILE *fp);

#endif /* MILTER_SETTINGS_H */
