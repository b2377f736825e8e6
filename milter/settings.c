/*
 * settings - dsnexplain-milter settings: defaults, the key/value file, -o
 *
 * The file format is the one mail administrators know from
 * opendkim.conf: one "Key Value" per line, keys case-insensitive, '#'
 * starts a comment, yes/no (true/false, 1/0) for booleans.  Every key is
 * also accepted on the command line as -o Key=Value.  Unknown keys and
 * bad values are errors with file and line: a daemon that silently
 * ignores a misspelt setting is worse than one that refuses to start.
 *
 * TimeZone is read from the tz database (dsnx_tz_load) as it is set, so
 * an unknown zone is an error with file and line like any other.
 *
 * LIMITS: lines of at most 4,096 bytes; values are copied.
 */
#include "settings.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "dsnexplain.h"

/*
 * Makefile.am passes the installed paths; the socket from configure's
 * --with-socket, by default under Postfix's queue directory, where
 * Debian's chrooted smtpd and cleanup reach it as
 * unix:dsnexplain/milter.sock.  These fallbacks are for builds without
 * them (the unit tests).
 */
#ifndef MILTER_DEFAULT_SOCKET
#define MILTER_DEFAULT_SOCKET "unix:/var/spool/postfix/dsnexplain/milter.sock"
#endif
#ifndef MILTER_DEFAULT_RULES
#define MILTER_DEFAULT_RULES "/usr/local/share/dsnexplain/rules"
#endif
#ifndef MILTER_DEFAULT_SITE_RULES
#define MILTER_DEFAULT_SITE_RULES "/usr/local/etc/dsnexplain/rules.d"
#endif

static const struct {
	const char *name;
	int value;
} facilities[] = {
	{ "mail", LOG_MAIL }, { "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

static int
fail(milter_config_error *err, const char *source, unsigned line,
    const char *fmt, ...)
{
	va_list ap;

	if (err != NULL) {
		snprintf(err->source, sizeof(err->source), "%s", source);
		err->line = line;
		va_start(ap, fmt);
		vsnprintf(err->text, sizeof(err->text), fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
set_string(char **slot, const char *value)
{
	char *copy = NULL;

	if (value != NULL && (copy = strdup(value)) == NULL)
		return -1;
	free(*slot);
	*slot = copy;
	return 0;
}

void
milter_settings_init(milter_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->socket = strdup(MILTER_DEFAULT_SOCKET);
	s->socket_mode = 0660;
	s->background = 1;
	s->syslog = 1;
	s->syslog_facility = LOG_MAIL;
	s->log_unchanged = 1;
	s->rules = strdup(MILTER_DEFAULT_RULES);
	s->site_rules = strdup(MILTER_DEFAULT_SITE_RULES);
	s->language = strdup("en");
	s->language_fallback = strdup("en");
	s->maximum_size = 32u * 1024 * 1024;
	s->buffer_limit = (size_t)256 * 1024 * 1024;
	s->max_connections = 500;
	s->body_chunk = 65535;
	s->match_budget = DSNX_MATCH_BUDGET_DEFAULT;
	s->match_cpu_ms = DSNX_MATCH_CPU_MS_DEFAULT;
	s->milter_timeout = 300;
	s->shutdown_timeout = 30;
	s->auto_restart = 1;
}

void
milter_settings_free(milter_settings *s)
{
	free(s->socket);
	free(s->user);
	free(s->pid_file);
	free(s->rules);
	free(s->site_rules);
	free(s->language);
	free(s->language_fallback);
	dsnx_tz_free(s->time_zone);
	memset(s, 0, sizeof(*s));
}

static int
parse_bool(const char *v, int *out)
{
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1")
	    || !strcasecmp(v, "on"))
		*out = 1;
	else if (!strcasecmp(v, "no") || !strcasecmp(v, "false")
	    || !strcmp(v, "0") || !strcasecmp(v, "off"))
		*out = 0;
	else
		return -1;
	return 0;
}

/* "32M", "100k", "65535" -> bytes, within [lo, hi]. */
static int
parse_size(const char *v, size_t lo, size_t hi, size_t *out)
{
	unsigned long long n, mult = 1;
	char *end;

	if (!isdigit((unsigned char)v[0]))
		return -1;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno != 0)
		return -1;
	if (*end != '\0') {
		switch (tolower((unsigned char)*end)) {
		case 'k': mult = 1024ull; break;
		case 'm': mult = 1024ull * 1024; break;
		case 'g': mult = 1024ull * 1024 * 1024; break;
		default: return -1;
		}
		if (end[1] != '\0' && !(tolower((unsigned char)end[1]) == 'b'
		    && end[2] == '\0'))
			return -1;
	}
	if (n > ULLONG_MAX / mult || n * mult < lo || n * mult > hi)
		return -1;
	*out = (size_t)(n * mult);
	return 0;
}

static int
parse_int(const char *v, int lo, int hi, int *out)
{
	long n;
	char *end;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < lo || n > hi)
		return -1;
	*out = (int)n;
	return 0;
}

/* A whole number in [0, hi]; 0 means "no limit" to the caller. */
static int
parse_count(const char *v, unsigned long long hi, unsigned long long *out)
{
	unsigned long long n;
	char *end;

	if (!isdigit((unsigned char)v[0]))
		return -1;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno != 0 || *end != '\0' || n > hi)
		return -1;
	*out = n;
	return 0;
}

static int
valid_socket(const char *v)
{
	static const char *const kinds[] = { "inet:", "inet6:", "unix:",
	    "local:" };
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strncasecmp(v, kinds[i], strlen(kinds[i])) == 0)
			return v[strlen(kinds[i])] != '\0';
	return v[0] == '/';	/* libmilter reads a bare path as unix: */
}

static int
none(const char *v)
{
	return v[0] == '\0' || !strcasecmp(v, "none");
}

int
milter_settings_set(milter_settings *s, const char *key, const char *value,
    const char *source, unsigned line, milter_config_error *err)
{
	unsigned long long count;
	size_t size;
	size_t i;
	int n;

#define BAD(what) fail(err, source, line, "%s: " what ": \"%s\"", key, value)
#define STR(slot) do { if (set_string(&(slot), value) != 0) \
	return fail(err, source, line, "out of memory"); } while (0)

	if (!strcasecmp(key, "Socket")) {
		if (!valid_socket(value))
			return BAD("want inet:PORT@HOST, inet6:PORT@HOST, "
			    "unix:PATH or local:PATH");
		STR(s->socket);
	} else if (!strcasecmp(key, "SocketMode")) {
		char *end;
		unsigned long mode = strtoul(value, &end, 8);

		if (end == value || *end != '\0' || mode > 0777)
			return BAD("want an octal mode such as 0660");
		s->socket_mode = (unsigned)mode;
	} else if (!strcasecmp(key, "UserID")) {
		if (none(value))
			value = NULL;
		STR(s->user);
	} else if (!strcasecmp(key, "PidFile")) {
		if (none(value))
			value = NULL;
		else if (value[0] != '/')
			return BAD("want an absolute path");
		STR(s->pid_file);
	} else if (!strcasecmp(key, "Background")) {
		if (parse_bool(value, &s->background) != 0)
			return BAD("want yes or no");
	} else if (!strcasecmp(key, "Syslog")) {
		if (parse_bool(value, &s->syslog) != 0)
			return BAD("want yes or no");
	} else if (!strcasecmp(key, "SyslogFacility")) {
		for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
			if (!strcasecmp(value, facilities[i].name))
				break;
		if (i == sizeof(facilities) / sizeof(facilities[0]))
			return BAD("want mail, daemon, user or local0..local7");
		s->syslog_facility = facilities[i].value;
	} else if (!strcasecmp(key, "LogUnchanged")) {
		if (parse_bool(value, &s->log_unchanged) != 0)
			return BAD("want yes or no");
	} else if (!strcasecmp(key, "Rules")) {
		if (none(value))
			return BAD("want a directory");
		STR(s->rules);
	} else if (!strcasecmp(key, "SiteRules")) {
		if (none(value))
			value = NULL;
		STR(s->site_rules);
	} else if (!strcasecmp(key, "Language")) {
		if (strlen(value) < 2 || strlen(value) > 8
		    || strspn(value, "abcdefghijklmnopqrstuvwxyz-") != strlen(value))
			return BAD("want a language code such as en or de");
		STR(s->language);
	} else if (!strcasecmp(key, "LanguageFallback")) {
		if (strlen(value) < 2 || strlen(value) > 8
		    || strspn(value, "abcdefghijklmnopqrstuvwxyz-") != strlen(value)
		    || strcmp(value, "auto") == 0)
			return BAD("want a language code such as en or de");
		STR(s->language_fallback);
	} else if (!strcasecmp(key, "TimeZone")) {
		dsnx_error_t tzerr;
		dsnx_tz *tz;

		/* Read now, so that an unknown zone fails -n and a reload. */
		switch (dsnx_tz_load(value, NULL, &tz, &tzerr)) {
		case DSNX_OK:
			break;
		case DSNX_ENOMEM:
			return fail(err, source, line, "out of memory");
		default:
			return fail(err, source, line, "%s: \"%s\": %s; want a zone "
			    "such as Europe/Berlin, UTC or +HH:MM", key, value,
			    tzerr.text);
		}
		dsnx_tz_free(s->time_zone);
		s->time_zone = tz;
	} else if (!strcasecmp(key, "RewriteSubject")) {
		if (parse_bool(value, &s->rewrite_subject) != 0)
			return BAD("want yes or no");
	} else if (!strcasecmp(key, "MaximumSize")) {
		if (parse_size(value, 1024, (size_t)1 << 30, &size) != 0)
			return BAD("want a size from 1k to 1G");
		s->maximum_size = size;
	} else if (!strcasecmp(key, "BufferLimit")) {
		if (parse_size(value, (size_t)1 << 20, SIZE_MAX, &size) != 0)
			return BAD("want a size of 1M or more");
		s->buffer_limit = size;
	} else if (!strcasecmp(key, "MaximumConnections")) {
		if (parse_int(value, 1, 65000, &n) != 0)
			return BAD("want 1 to 65000");
		s->max_connections = n;
	} else if (!strcasecmp(key, "InspectNonNullSenders")) {
		if (parse_bool(value, &s->inspect_non_null) != 0)
			return BAD("want yes or no");
	} else if (!strcasecmp(key, "BodyChunkSize")) {
		if (parse_size(value, 1, 65535, &size) != 0)
			return BAD("want 1 to 65535");
		s->body_chunk = size;
	} else if (!strcasecmp(key, "MatchBudget")) {
		if (parse_count(value, ULONG_MAX, &count) != 0)
			return BAD("want a number of steps (0: no limit)");
		s->match_budget = (unsigned long)count;
	} else if (!strcasecmp(key, "MatchCPUTime")) {
		if (parse_count(value, UINT_MAX, &count) != 0)
			return BAD("want milliseconds (0: no limit)");
		s->match_cpu_ms = (unsigned)count;
	} else if (!strcasecmp(key, "MilterTimeout")) {
		if (parse_int(value, 1, 86400, &n) != 0)
			return BAD("want seconds, 1 to 86400");
		s->milter_timeout = n;
	} else if (!strcasecmp(key, "ShutdownTimeout")) {
		if (parse_int(value, 0, 3600, &n) != 0)
			return BAD("want seconds, 0 to 3600");
		s->shutdown_timeout = n;
	} else if (!strcasecmp(key, "AutoRestart")) {
		if (parse_bool(value, &s->auto_restart) != 0)
			return BAD("want yes or no");
	} else
		return fail(err, source, line, "unknown setting \"%s\"", key);
	return 0;
#undef BAD
#undef STR
}

int
milter_settings_read_file(milter_settings *s, const char *path,
    milter_config_error *err)
{
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL)
		return fail(err, path, 0, "%s", strerror(errno));
	return milter_settings_read_stream(s, fp, path, err);
}

int
milter_settings_read_stream(milter_settings *s, FILE *fp, const char *path,
    milter_config_error *err)
{
	char line[4098], *key, *value, *end;
	unsigned lineno = 0;
	int rc = 0;

	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			rc = fail(err, path, lineno, "line longer than 4096 bytes");
			break;
		}
		if ((end = strchr(line, '#')) != NULL)
			*end = '\0';
		end = line + strlen(line);
		while (end > line && isspace((unsigned char)end[-1]))
			*--end = '\0';
		for (key = line; isspace((unsigned char)*key); key++)
			;
		if (*key == '\0')
			continue;
		for (value = key; *value && !isspace((unsigned char)*value); value++)
			;
		if (*value != '\0')
			*value++ = '\0';
		while (isspace((unsigned char)*value))
			value++;
		if ((rc = milter_settings_set(s, key, value, path, lineno, err)) != 0)
			break;
	}
	if (rc == 0 && ferror(fp))
		rc = fail(err, path, lineno, "read error");
	fclose(fp);
	return rc;
}

int
milter_settings_assign(milter_settings *s, const char *assignment,
    milter_config_error *err)
{
	const char *eq = strchr(assignment, '=');
	char key[64];

	if (eq == NULL || eq == assignment || (size_t)(eq - assignment) >= sizeof(key))
		return fail(err, "command line", 0, "-o wants Key=Value, not "
		    "\"%s\"", assignment);
	memcpy(key, assignment, (size_t)(eq - assignment));
	key[eq - assignment] = '\0';
	return milter_settings_set(s, key, eq + 1, "command line", 0, err);
}

void
milter_settings_print(const milter_settings *s, FILE *fp)
{
	const char *facility = "?";
	size_t i;

	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (facilities[i].value == s->syslog_facility)
			facility = facilities[i].name;
#define YN(x) ((x) ? "yes" : "no")
	fprintf(fp, "Socket                %s\n", s->socket);
	fprintf(fp, "SocketMode            %04o\n", s->socket_mode);
	fprintf(fp, "UserID                %s\n", s->user ? s->user : "none");
	fprintf(fp, "PidFile               %s\n", s->pid_file ? s->pid_file : "none");
	fprintf(fp, "Background            %s\n", YN(s->background));
	fprintf(fp, "Syslog                %s\n", YN(s->syslog));
	fprintf(fp, "SyslogFacility        %s\n", facility);
	fprintf(fp, "LogUnchanged          %s\n", YN(s->log_unchanged));
	fprintf(fp, "Rules                 %s\n", s->rules);
	fprintf(fp, "SiteRules             %s\n", s->site_rules ? s->site_rules : "none");
	fprintf(fp, "Language              %s\n", s->language);
	fprintf(fp, "LanguageFallback      %s\n", s->language_fallback);
	fprintf(fp, "TimeZone              %s\n", dsnx_tz_name(s->time_zone));
	fprintf(fp, "RewriteSubject        %s\n", YN(s->rewrite_subject));
	fprintf(fp, "MaximumSize           %zu\n", s->maximum_size);
	fprintf(fp, "BufferLimit           %zu\n", s->buffer_limit);
	fprintf(fp, "MaximumConnections    %d\n", s->max_connections);
	fprintf(fp, "InspectNonNullSenders %s\n", YN(s->inspect_non_null));
	fprintf(fp, "BodyChunkSize         %zu\n", s->body_chunk);
	fprintf(fp, "MatchBudget           %lu\n", s->match_budget);
	fprintf(fp, "MatchCPUTime          %u\n", s->match_cpu_ms);
	fprintf(fp, "MilterTimeout         %d\n", s->milter_timeout);
	fprintf(fp, "ShutdownTimeout       %d\n", s->shutdown_timeout);
	fprintf(fp, "AutoRestart           %s\n", YN(s->auto_restart));
#undef YN
}
