/*
 * main - dsnexplain-milter: options, the -n check, going to background
 *
 * Every short option is turned into the Key=Value assignment it stands
 * for, kept in order after any -o, so a reload re-reads the file and
 * applies the command line on top exactly as at start.  In the
 * background the command returns only once the worker listens (exit 0)
 * or has failed (exit 1, the reason on stderr): scripts and service
 * managers can rely on it.  start() is where privileges end: see its
 * comment, and worker.c for the design.
 */
#include "settings.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "dsnexplain.h"
#include "log.h"
#include "state.h"
#include "supervise.h"
#include "worker.h"

#ifndef MILTER_DEFAULT_CONFIG
#define MILTER_DEFAULT_CONFIG "/usr/local/etc/dsnexplain/dsnexplain-milter.conf"
#endif

#define EXIT_PROBLEM 1
#define EXIT_USAGE 2

static const char *progname = "dsnexplain-milter";

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: %s [-fnhV] [-c FILE] [-p SOCKET] [-r DIR] [-s DIR]\n"
	    "       [-u USER[:GROUP]] [-P PIDFILE] [-o KEY=VALUE]...\n"
	    "  -c FILE   configuration file (default %s, if it exists)\n"
	    "  -p SOCKET Socket: inet:PORT@HOST, inet6:PORT@HOST, unix:PATH, local:PATH\n"
	    "  -r DIR    Rules: the shipped rule files\n"
	    "  -s DIR    SiteRules: local rules loaded after them (none: off)\n"
	    "  -u USER   UserID: started as root, become USER[:GROUP] once the\n"
	    "            pid file and the socket are open\n"
	    "  -P FILE   PidFile: where the supervisor's pid goes\n"
	    "  -o K=V    any configuration key; the command line wins\n"
	    "  -f        stay in the foreground (Background no)\n"
	    "  -n        check the configuration and rules, then exit\n"
	    "  -V        print the version\n"
	    "SIGHUP reloads the configuration and rules; SIGTERM finishes the\n"
	    "messages in flight and stops.  See dsnexplain-milter(8).\n",
	    progname, MILTER_DEFAULT_CONFIG);
}

typedef struct assignments {
	char **v;
	size_t n;
} assignments;

static int
add(assignments *a, const char *key, const char *value)
{
	char **v = realloc(a->v, (a->n + 1) * sizeof(*v));
	size_t len;

	if (v == NULL)
		return -1;
	a->v = v;
	if (key == NULL) {
		if ((v[a->n] = strdup(value)) == NULL)
			return -1;
	} else {
		len = strlen(key) + strlen(value) + 2;
		if ((v[a->n] = malloc(len)) == NULL)
			return -1;
		snprintf(v[a->n], len, "%s=%s", key, value);
	}
	a->n++;
	return 0;
}

static void
print_problem(const char *text, void *arg)
{
	unsigned *count = arg;

	if (strncmp(text, "warning: ", 9) != 0)
		(*count)++;
	fprintf(stderr, "%s: %s\n", progname, text);
}

static int
check(const milter_state *st, unsigned problems)
{
	char why[300];
	int bad = 0;

	if (st == NULL) {
		fprintf(stderr, "%s: configuration not usable: %u problem%s\n",
		    progname, problems, problems == 1 ? "" : "s");
		return EXIT_PROBLEM;
	}
	if (st->settings.user != NULL
	    && worker_check_user(st->settings.user, why, sizeof(why)) != 0) {
		fprintf(stderr, "%s: %s\n", progname, why);
		bad = 1;
	}
	milter_settings_print(&st->settings, stdout);
	printf("# %u rules, %u causes, %u embedded examples\n",
	    dsnx_ruleset_rule_count(st->rules), dsnx_ruleset_cause_count(st->rules),
	    dsnx_ruleset_example_count(st->rules));
	if (st->settings.background && !st->settings.syslog)
		fprintf(stderr, "%s: warning: Syslog no in the background: the log "
		    "goes to /dev/null\n", progname);
	printf("# configuration %s\n", bad ? "NOT usable" : "OK");
	return bad ? EXIT_PROBLEM : 0;
}

/* Forks; the parent waits for the worker's "ready" byte and exits. */
static int
go_background(int *ready_fd)
{
	int fds[2];
	char byte;
	pid_t pid;
	ssize_t n;

	if (pipe(fds) != 0)
		return -1;
	if ((pid = fork()) < 0)
		return -1;
	if (pid > 0) {
		close(fds[1]);
		do
			n = read(fds[0], &byte, 1);
		while (n < 0 && errno == EINTR);
		if (n == 1)
			exit(0);
		/* Failed: return once the daemon is gone, not while its
		 * supervisor is still cleaning up. */
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		exit(EXIT_PROBLEM);
	}
	close(fds[0]);
	if (setsid() < 0)
		return -1;
	if (chdir("/") != 0)
		return -1;
	*ready_fd = fds[1];
	return 0;
}

static int
not_started(unsigned problems)
{
	fprintf(stderr, "%s: not started: %u problem%s in the configuration or "
	    "rules\n", progname, problems, problems == 1 ? "" : "s");
	return EXIT_PROBLEM;
}

/*
 * The order is the privilege design (worker.c): read the settings alone,
 * as whoever started us, to learn the socket, the pid file and whom to
 * become; while still root, write the pid file and open what only root
 * may open; give root up for good; only then read the rule files (and
 * the settings again, as that user: a reload reads them the same way),
 * open the socket if that was left to the service user, and supervise.
 * -n takes the same path without the pid file and the socket, so it
 * reads the files as the milter will.
 */
static int
start(const milter_sources *src, int check_only)
{
	milter_settings s;
	milter_pidfile pf = { -1, 0, 0, "" };
	milter_state *st;
	unsigned problems = 0;
	char why[300];
	int ready_fd = -1, rc;

	if (!check_only)
		milter_hold_admin_signals();
	if (milter_state_settings(&s, src, print_problem, &problems) != 0) {
		milter_settings_free(&s);
		return check_only ? check(NULL, problems) : not_started(problems);
	}
	if (s.user != NULL && worker_check_user(s.user, why, sizeof(why)) != 0) {
		fprintf(stderr, "%s: %s\n", progname, why);
		milter_settings_free(&s);
		return EXIT_PROBLEM;
	}
	if (check_only) {
		if (s.user != NULL && worker_drop_privileges(s.user) != 0) {
			milter_settings_free(&s);
			return EXIT_PROBLEM;
		}
		milter_settings_free(&s);
		st = milter_state_load(src, print_problem, &problems);
		rc = check(st, problems);
		milter_state_unref(st);
		return rc;
	}
	if (s.background && go_background(&ready_fd) != 0) {
		fprintf(stderr, "%s: cannot go to the background: %s\n", progname,
		    strerror(errno));
		milter_settings_free(&s);
		return EXIT_PROBLEM;
	}
	milter_log_open(s.syslog, s.syslog_facility);
	if (geteuid() == 0 && s.user == NULL)
		milter_log(LOG_WARNING, "running as root: set UserID (-u) so that "
		    "the milter gives root up once its socket is open");
	if ((s.pid_file != NULL && milter_pidfile_create(&pf, s.pid_file) != 0)
	    || worker_listen_as_root(&s) != 0
	    || (s.user != NULL && worker_drop_privileges(s.user) != 0)) {
		milter_pidfile_remove(&pf);
		milter_settings_free(&s);
		return EXIT_PROBLEM;
	}
	st = milter_state_load(src, print_problem, &problems);
	if (st == NULL || worker_listen(&st->settings) != 0) {
		if (st == NULL)
			(void)not_started(problems);
		milter_state_unref(st);
		milter_pidfile_remove(&pf);
		milter_settings_free(&s);
		return EXIT_PROBLEM;
	}
	milter_settings_free(&s);
	milter_log_open(st->settings.syslog, st->settings.syslog_facility);
	/* The assignments live as long as the supervisor: reloads use them. */
	return supervise(st, src, &pf, ready_fd, st->settings.background);
}

int
main(int argc, char **argv)
{
	assignments a = { NULL, 0 };
	milter_sources src;
	const char *config = NULL;
	int c, check_only = 0, rc, oom = 0;
	struct stat sb;

	while ((c = getopt(argc, argv, "c:p:r:s:u:P:o:fnhV")) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'p': oom |= add(&a, "Socket", optarg); break;
		case 'r': oom |= add(&a, "Rules", optarg); break;
		case 's': oom |= add(&a, "SiteRules", optarg); break;
		case 'u': oom |= add(&a, "UserID", optarg); break;
		case 'P': oom |= add(&a, "PidFile", optarg); break;
		case 'o': oom |= add(&a, NULL, optarg); break;
		case 'f': oom |= add(&a, "Background", "no"); break;
		case 'n': check_only = 1; break;
		case 'V': printf("dsnexplain-milter %s\n", DSNX_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument \"%s\"\n", progname,
		    argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (oom) {
		fprintf(stderr, "%s: out of memory\n", progname);
		return EXIT_PROBLEM;
	}
	src.config_file = config != NULL ? config
	    : stat(MILTER_DEFAULT_CONFIG, &sb) == 0 ? MILTER_DEFAULT_CONFIG : NULL;
	src.config_required = 1;
	src.assignments = (const char *const *)a.v;
	src.assignment_count = a.n;

	rc = start(&src, check_only);
	while (a.n > 0)
		free(a.v[--a.n]);
	free(a.v);
	return rc;
}
