/*
 * nullmilter - a do-nothing libmilter milter, the yardstick for
 * bench/milter-throughput.sh.
 *
 * What it does: registers a callback for every protocol step (connect,
 * HELO, MAIL, RCPT, DATA, each header, end of headers, each body chunk,
 * end of message, abort, close), asks in xxfi_negotiate for every one of
 * them to be sent and for a reply to each (no SMFIP_NO* and no SMFIP_NR_*
 * flags), and answers SMFIS_CONTINUE everywhere.  So it costs the MTA the
 * whole round trip of a milter that looks at everything and changes
 * nothing.  It never accepts early, requests no actions (no edits) and
 * keeps no per-message state.
 *
 * What it does not do: logging, privilege dropping, daemonising, signal
 * handling beyond libmilter's own (SIGTERM/SIGINT stop it).
 *
 * With a second argument "accept" it is instead the cheapest milter that
 * still sees every transaction: it skips connect, HELO, RCPT and unknown
 * commands and accepts at MAIL FROM, which is all dsnexplain-milter does
 * with ordinary mail -- the floor for that comparison.
 *
 * usage: nullmilter SOCKET [accept]   (unix:PATH, local:PATH, inet:PORT@HOST)
 * build: gcc -O2 -Wall -o nullmilter bench/nullmilter.c -lmilter -pthread
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libmilter/mfapi.h>

static int accept_at_mail;	/* the "accept" mode, set once in main() */

static sfsistat
nm_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	(void)ctx;
	(void)f0;
	(void)f1;
	(void)f2;
	(void)f3;
	*pf0 = 0;	/* no actions (edits) */
	*pf1 = 0;	/* every step, with a reply to each */
	if (accept_at_mail)
		*pf1 = f1 & (SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NORCPT
		    | SMFIP_NOUNKNOWN);
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

static sfsistat
nm_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr)
{
	(void)ctx;
	(void)host;
	(void)addr;
	return SMFIS_CONTINUE;
}

static sfsistat
nm_helo(SMFICTX *ctx, char *helo)
{
	(void)ctx;
	(void)helo;
	return SMFIS_CONTINUE;
}

static sfsistat
nm_envelope(SMFICTX *ctx, char **argv)
{
	(void)ctx;
	(void)argv;
	return SMFIS_CONTINUE;
}

static sfsistat
nm_envfrom(SMFICTX *ctx, char **argv)
{
	(void)ctx;
	(void)argv;
	return accept_at_mail ? SMFIS_ACCEPT : SMFIS_CONTINUE;
}

static sfsistat
nm_header(SMFICTX *ctx, char *name, char *value)
{
	(void)ctx;
	(void)name;
	(void)value;
	return SMFIS_CONTINUE;
}

static sfsistat
nm_ctx(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

static sfsistat
nm_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	(void)ctx;
	(void)chunk;
	(void)len;
	return SMFIS_CONTINUE;
}

static sfsistat
nm_unknown(SMFICTX *ctx, const char *cmd)
{
	(void)ctx;
	(void)cmd;
	return SMFIS_CONTINUE;
}

static struct smfiDesc nm_desc = {
	"nullmilter",		/* filter name */
	SMFI_VERSION,		/* version code */
	0,			/* flags: no edits */
	nm_connect,		/* connection info */
	nm_helo,		/* SMTP HELO */
	nm_envfrom,		/* envelope sender */
	nm_envelope,		/* envelope recipient */
	nm_header,		/* header */
	nm_ctx,			/* end of header */
	nm_body,		/* body block */
	nm_ctx,			/* end of message */
	nm_ctx,			/* message aborted */
	nm_ctx,			/* connection cleanup */
	nm_unknown,		/* unknown SMTP command */
	nm_ctx,			/* DATA */
	nm_negotiate		/* negotiation */
};

int
main(int argc, char **argv)
{
	const char *sock;

	if (argc == 3 && strcmp(argv[2], "accept") == 0)
		accept_at_mail = 1;
	else if (argc != 2) {
		fprintf(stderr, "usage: nullmilter SOCKET [accept]\n");
		return 2;
	}
	sock = argv[1];
	if (smfi_setconn((char *)sock) != MI_SUCCESS) {
		fprintf(stderr, "nullmilter: bad socket %s\n", sock);
		return 1;
	}
	if (smfi_register(nm_desc) != MI_SUCCESS) {
		fprintf(stderr, "nullmilter: smfi_register failed\n");
		return 1;
	}
	smfi_setbacklog(128);
	/* libmilter logs only to syslog (absent here): open the socket
	 * ourselves so a failure is visible; rmsocket = true */
	umask(0);
	if (smfi_opensocket(1) != MI_SUCCESS) {
		fprintf(stderr, "nullmilter: cannot open socket %s\n", sock);
		return 1;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
