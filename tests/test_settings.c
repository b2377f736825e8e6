/*
 * test_settings - unit tests for milter/settings.c
 *
 * Defaults, the opendkim-style file (comments, case, blank lines),
 * -o assignments winning over the file, and every kind of bad value
 * reported with its source and line.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "dsnexplain.h"
#include "settings.h"

static milter_settings s;
static milter_config_error err;

static void
setup(void)
{
	milter_settings_init(&s);
	memset(&err, 0, sizeof(err));
}

static void
teardown(void)
{
	milter_settings_free(&s);
}

/* Writes text to a temporary file; returns its path (static). */
static const char *
file_with(const char *text)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/test_settings.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

START_TEST(defaults)
{
	ck_assert_str_eq(s.socket,
	    "unix:/var/spool/postfix/dsnexplain/milter.sock");
	ck_assert_uint_eq(s.maximum_size, 32u * 1024 * 1024);
	ck_assert_int_eq(s.inspect_non_null, 0);
	ck_assert_int_eq(s.background, 1);
	ck_assert_int_eq(s.syslog_facility, LOG_MAIL);
	ck_assert_uint_eq(s.body_chunk, 65535);
	ck_assert_str_eq(s.language, "en");
	ck_assert_ptr_null(s.user);
	ck_assert_ptr_null(s.pid_file);
	ck_assert_uint_eq(s.match_budget, DSNX_MATCH_BUDGET_DEFAULT);
	ck_assert_uint_eq(s.match_cpu_ms, DSNX_MATCH_CPU_MS_DEFAULT);
}
END_TEST

START_TEST(file_is_read)
{
	const char *p = file_with(
	    "# a comment\n"
	    "\n"
	    "socket      inet:8893@127.0.0.1   # trailing comment\n"
	    "MaximumSize 100k\n"
	    "INSPECTNONNULLSENDERS yes\n"
	    "SyslogFacility local3\n"
	    "TimeZone +05:30\n"
	    "SiteRules none\n"
	    "UserID dsnexplain:postfix\n");

	ck_assert_int_eq(milter_settings_read_file(&s, p, &err), 0);
	unlink(p);
	ck_assert_str_eq(s.socket, "inet:8893@127.0.0.1");
	ck_assert_uint_eq(s.maximum_size, 100 * 1024);
	ck_assert_int_eq(s.inspect_non_null, 1);
	ck_assert_int_eq(s.syslog_facility, LOG_LOCAL3);
	ck_assert_int_eq(dsnx_tz_offset_at(s.time_zone, 0, NULL), 19800);
	ck_assert_ptr_null(s.site_rules);
	ck_assert_str_eq(s.user, "dsnexplain:postfix");
}
END_TEST

START_TEST(command_line_wins)
{
	const char *p = file_with("Socket unix:/a\nLanguage de\n");

	ck_assert_int_eq(milter_settings_read_file(&s, p, &err), 0);
	unlink(p);
	ck_assert_int_eq(milter_settings_assign(&s, "Socket=unix:/b", &err), 0);
	ck_assert_int_eq(milter_settings_assign(&s, "language=fr", &err), 0);
	ck_assert_str_eq(s.socket, "unix:/b");
	ck_assert_str_eq(s.language, "fr");
}
END_TEST

START_TEST(errors_have_a_position)
{
	const char *p = file_with("Socket unix:/a\n\nMaximumSize lots\n");

	ck_assert_int_eq(milter_settings_read_file(&s, p, &err), -1);
	ck_assert_str_eq(err.source, p);
	ck_assert_uint_eq(err.line, 3);
	ck_assert_ptr_nonnull(strstr(err.text, "MaximumSize"));
	unlink(p);

	p = file_with("Sockt unix:/a\n");
	ck_assert_int_eq(milter_settings_read_file(&s, p, &err), -1);
	ck_assert_uint_eq(err.line, 1);
	ck_assert_ptr_nonnull(strstr(err.text, "unknown setting"));
	unlink(p);

	ck_assert_int_eq(milter_settings_read_file(&s, "/nonexistent/x.conf",
	    &err), -1);
	ck_assert_uint_eq(err.line, 0);
}
END_TEST

START_TEST(bad_values)
{
	static const char *const bad[] = {
		"Socket=tcp:25", "Socket=", "SocketMode=999", "SocketMode=rw",
		"Background=maybe", "SyslogFacility=kern", "Language=EN",
		"Language=x", "TimeZone=No/Such_Zone", "TimeZone=+25:00", "TimeZone=+1",
		"TimeZone=../../etc/passwd", "TimeZone=/etc/passwd", "TimeZone=",
		"MaximumSize=10", "MaximumSize=2G", "MaximumSize=-5",
		"MaximumSize=5X", "BodyChunkSize=0", "BodyChunkSize=65536",
		"MilterTimeout=0", "MilterTimeout=1e3", "ShutdownTimeout=-1",
		"PidFile=relative.pid", "Rules=", "Rules=none", "noequals",
		"=value", "MatchBudget=", "MatchBudget=-1", "MatchBudget=1k",
		"MatchBudget=99999999999999999999999", "MatchCPUTime=1.5",
		"MatchCPUTime=4294967296", "MatchCPUTime= 5",
		"BufferLimit=1023k", "BufferLimit=0", "BufferLimit=lots",
		"BufferLimit=-1M", "MaximumConnections=0",
		"MaximumConnections=65001", "MaximumConnections=10k", NULL
	};
	size_t i;

	for (i = 0; bad[i] != NULL; i++) {
		memset(&err, 0, sizeof(err));
		ck_assert_msg(milter_settings_assign(&s, bad[i], &err) == -1,
		    "accepted %s", bad[i]);
		ck_assert_str_eq(err.source, "command line");
		ck_assert(err.text[0] != '\0');
	}
	/* Nothing bad changed a value. */
	ck_assert_str_eq(s.socket,
	    "unix:/var/spool/postfix/dsnexplain/milter.sock");
	ck_assert_uint_eq(s.maximum_size, 32u * 1024 * 1024);
	ck_assert_uint_eq(s.match_budget, DSNX_MATCH_BUDGET_DEFAULT);
	ck_assert_uint_eq(s.match_cpu_ms, DSNX_MATCH_CPU_MS_DEFAULT);
	ck_assert_uint_eq(s.buffer_limit, 256u * 1024 * 1024);
	ck_assert_int_eq(s.max_connections, 500);
}
END_TEST

START_TEST(good_values)
{
	ck_assert_int_eq(milter_settings_assign(&s, "MaximumSize=1G", &err), 0);
	ck_assert_uint_eq(s.maximum_size, 1024u * 1024 * 1024);
	ck_assert_int_eq(milter_settings_assign(&s, "MaximumSize=64kb", &err), 0);
	ck_assert_uint_eq(s.maximum_size, 64 * 1024);
	ck_assert_int_eq(milter_settings_assign(&s, "TimeZone=-0800", &err), 0);
	ck_assert_int_eq(dsnx_tz_offset_at(s.time_zone, 0, NULL), -480 * 60);
	ck_assert_int_eq(milter_settings_assign(&s, "SocketMode=0600", &err), 0);
	ck_assert_uint_eq(s.socket_mode, 0600);
	ck_assert_int_eq(milter_settings_assign(&s, "Socket=/var/run/m.sock",
	    &err), 0);
	ck_assert_int_eq(milter_settings_assign(&s, "PidFile=none", &err), 0);
	ck_assert_ptr_null(s.pid_file);
	ck_assert_int_eq(milter_settings_assign(&s, "Syslog=off", &err), 0);
	ck_assert_int_eq(s.syslog, 0);
	ck_assert_int_eq(milter_settings_assign(&s, "MatchBudget=1000", &err), 0);
	ck_assert_uint_eq(s.match_budget, 1000);
	ck_assert_int_eq(milter_settings_assign(&s, "matchcputime=0", &err), 0);
	ck_assert_uint_eq(s.match_cpu_ms, 0);
	ck_assert_int_eq(milter_settings_assign(&s, "BufferLimit=1M", &err), 0);
	ck_assert_uint_eq(s.buffer_limit, 1024u * 1024);
	ck_assert_int_eq(milter_settings_assign(&s, "bufferlimit=4G", &err), 0);
	ck_assert_uint_eq(s.buffer_limit, (size_t)4 << 30);
	ck_assert_int_eq(milter_settings_assign(&s, "MaximumConnections=1",
	    &err), 0);
	ck_assert_int_eq(s.max_connections, 1);
}
END_TEST

/* A zone by name, read from the tz database: the offset follows DST; an
 * unknown one is an error naming the key, the value and why. */
START_TEST(time_zone_by_name)
{
	const char *p;
	char *text = NULL;
	size_t len = 0;
	FILE *fp;

	if (access("/usr/share/zoneinfo/Europe/Berlin", R_OK) != 0) {
		printf("test_settings: no tzdata; skipping TimeZone Europe/Berlin\n");
		return;
	}
	p = file_with("TimeZone Europe/Berlin\n");
	ck_assert_int_eq(milter_settings_read_file(&s, p, &err), 0);
	unlink(p);
	/* 2026-07-01 and 2026-01-15, 12:00 UTC. */
	ck_assert_int_eq(dsnx_tz_offset_at(s.time_zone, 1782907200, NULL), 7200);
	ck_assert_int_eq(dsnx_tz_offset_at(s.time_zone, 1768478400, NULL), 3600);

	p = file_with("# a typo\nTimeZone Europe/Berln\n");
	ck_assert_int_eq(milter_settings_read_file(&s, p, &err), -1);
	unlink(p);
	ck_assert_uint_eq(err.line, 2);
	ck_assert_ptr_nonnull(strstr(err.text, "TimeZone"));
	ck_assert_ptr_nonnull(strstr(err.text, "Europe/Berln"));
	ck_assert_ptr_nonnull(strstr(err.text, "unknown time zone"));
	/* The zone read before stays, and -n shows it by name. */
	ck_assert_str_eq(dsnx_tz_name(s.time_zone), "Europe/Berlin");
	fp = open_memstream(&text, &len);
	milter_settings_print(&s, fp);
	fclose(fp);
	ck_assert_ptr_nonnull(strstr(text, "\nTimeZone              Europe/Berlin\n"));
	free(text);
}
END_TEST

START_TEST(long_line)
{
	char *text = malloc(6000);
	const char *p;

	memset(text, 'x', 5998);
	text[5998] = '\n';
	text[5999] = '\0';
	p = file_with(text);
	free(text);
	ck_assert_int_eq(milter_settings_read_file(&s, p, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.text, "longer"));
	unlink(p);
}
END_TEST

START_TEST(print_round_trips)
{
	milter_settings t;
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	const char *p;

	ck_assert_int_eq(milter_settings_assign(&s, "TimeZone=-05:00", &err), 0);
	ck_assert_str_eq(dsnx_tz_name(s.time_zone), "-05:00");
	ck_assert_int_eq(milter_settings_assign(&s, "UserID=nobody", &err), 0);
	ck_assert_int_eq(milter_settings_assign(&s, "MatchBudget=12345", &err), 0);
	ck_assert_int_eq(milter_settings_assign(&s, "MatchCPUTime=250", &err), 0);
	milter_settings_print(&s, fp);
	fclose(fp);
	p = file_with(text);
	free(text);
	milter_settings_init(&t);
	ck_assert_int_eq(milter_settings_read_file(&t, p, &err), 0);
	unlink(p);
	ck_assert_int_eq(dsnx_tz_offset_at(t.time_zone, 0, NULL), -300 * 60);
	ck_assert_str_eq(t.user, "nobody");
	ck_assert_str_eq(t.socket, s.socket);
	ck_assert_uint_eq(t.match_budget, 12345);
	ck_assert_uint_eq(t.match_cpu_ms, 250);
	milter_settings_free(&t);
}
END_TEST

int
main(void)
{
	Suite *suite = suite_create("settings");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, file_is_read);
	tcase_add_test(tc, command_line_wins);
	tcase_add_test(tc, errors_have_a_position);
	tcase_add_test(tc, bad_values);
	tcase_add_test(tc, good_values);
	tcase_add_test(tc, time_zone_by_name);
	tcase_add_test(tc, long_line);
	tcase_add_test(tc, print_round_trips);
	suite_add_tcase(suite, tc);
	sr = srunner_create(suite);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
