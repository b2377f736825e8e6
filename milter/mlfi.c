/*
 * mlfi - the libmilter callbacks: collect DSNs, rewrite them at the end
 *
 * DSNs travel with a null reverse-path (RFC 5321 4.5.5, RFC 3464), so
 * a transaction with any other sender is accepted at MAIL FROM and its
 * content never crosses the milter socket.  InspectNonNullSenders moves
 * that decision to the end of the header for MTAs that get it wrong.
 *
 * The message is rebuilt from the callbacks exactly as the MTA hands
 * it over: "Name:" + value (its leading space kept when the MTA offers
 * SMFIP_HDR_LEADSPC) + CRLF, a CRLF, then the CRLF body.  The CLI given
 * those bytes produces the same edits, which is what the tests check.
 *
 * Edits go back at end of message: headers first, then the body in
 * BodyChunkSize pieces back to back (Postfix refuses body replacement
 * mixed with other requests).
 *
 * Each message gets one log line, written from the explanation model
 * the rewrite built (dsnx_rewrite_explanation()): the outcome and the
 * other X-DSN-Explain tokens, and whether the match budget ran out.
 *
 * Memory: every byte a message holds counts against BufferLimit, shared
 * by all connections (counted as allocated, not as used).  A message
 * whose buffer cannot grow within it is dropped and passes unchanged:
 * SMFIS_ACCEPT at its next body chunk (or end of message), so the MTA
 * stops sending it.  Time: MilterTimeout is kept per connection and
 * per message by guard.c; each callback reports to it, and a message
 * whose content is already late passes unchanged at once.
 *
 * LIMITS: MaximumSize bytes per message; over it the rest is skipped
 * (SMFIS_SKIP where offered) and the message passes unchanged.
 */
#include "mlfi.h"

#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "guard.h"
#include "log.h"
#include "state.h"

/* Per connection: what was negotiated, and the message in progress. */
typedef struct conn_ctx {
	int cctx_leadspc;         /* header values keep their leading space */
	int cctx_no_header_reply; /* SMFIP_NR_HDR: return SMFIS_NOREPLY */
	int cctx_no_eoh_reply;    /* SMFIP_NR_EOH: likewise from xxfi_eoh */
	int cctx_change_headers;  /* SMFIF_CHGHDRS granted */
	int cctx_skip;            /* SMFIS_SKIP allowed from xxfi_body */
	int cctx_slot;            /* guard.c's name for it; -1: none */
	struct msg_ctx *cctx_msg;
} conn_ctx;

/* Per transaction, from MAIL FROM to end of message or abort. */
typedef struct msg_ctx {
	milter_state *mctx_state; /* the rules this message started with */
	char *mctx_buf;
	size_t mctx_len, mctx_cap;
	int mctx_null_sender;
	int mctx_too_big;
	int mctx_no_memory;
	int mctx_over_budget;     /* BufferLimit reached: passes unchanged */
	int mctx_bounce_like;     /* a header that only bounces carry */
	int mctx_in_body;         /* the blank line after the header is in */
} msg_ctx;

static atomic_uint inflight;
static atomic_int draining;
/* Bytes allocated by all messages' buffers, within BufferLimit. */
static atomic_size_t buffered;

/* Takes n more bytes of the shared budget: 0, or -1 when over limit. */
static int
budget_take(size_t n, size_t limit)
{
	size_t cur = atomic_load(&buffered);

	do {
		if (n > limit || cur > limit - n)
			return -1;
	} while (!atomic_compare_exchange_weak(&buffered, &cur, cur + n));
	return 0;
}

static void
budget_give(size_t n)
{
	atomic_fetch_sub(&buffered, n);
}

unsigned
milter_inflight(void)
{
	return atomic_load(&inflight);
}

void
milter_drain(void)
{
	atomic_store(&draining, 1);
}

static conn_ctx *
conn_of(SMFICTX *ctx)
{
	conn_ctx *cc = smfi_getpriv(ctx);

	if (cc == NULL && (cc = calloc(1, sizeof(*cc))) != NULL) {
		cc->cctx_slot = guard_claim(cc);
		smfi_setpriv(ctx, cc);
	}
	return cc;
}

/* A command of this connection arrived (every callback but close). */
static conn_ctx *
arrived(SMFICTX *ctx)
{
	conn_ctx *cc = smfi_getpriv(ctx);

	if (cc != NULL)
		guard_progress(cc->cctx_slot, cc);
	return cc;
}

/* Drops the message's buffer and gives its bytes back. */
static void
drop_buffer(msg_ctx *m)
{
	budget_give(m->mctx_cap);
	free(m->mctx_buf);
	m->mctx_buf = NULL;
	m->mctx_len = m->mctx_cap = 0;
}

static void
msg_free(conn_ctx *cc)
{
	msg_ctx *m;

	if (cc == NULL || (m = cc->cctx_msg) == NULL)
		return;
	milter_state_unref(m->mctx_state);
	drop_buffer(m);
	free(m);
	cc->cctx_msg = NULL;
	atomic_fetch_sub(&inflight, 1);
}

static const char *
queue_id(SMFICTX *ctx)
{
	const char *qid = smfi_getsymval(ctx, "i");

	if (qid == NULL)
		qid = smfi_getsymval(ctx, "{i}");
	/* Shown in the log: only a plain token, never anything else. */
	if (qid == NULL || *qid == '\0' || strlen(qid) > 64
	    || strspn(qid, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789.-_") != strlen(qid))
		return "NOQUEUE";
	return qid;
}

/* Appends n bytes; over MaximumSize the buffer goes and the message is
 * marked too big, over BufferLimit likewise and marked over budget. */
static void
collect(msg_ctx *m, const char *p, size_t n)
{
	size_t limit = m->mctx_state->settings.maximum_size, cap;
	char *nb;

	/* n == 0 before the first byte: no pointer arithmetic on NULL. */
	if (m->mctx_too_big || m->mctx_no_memory || m->mctx_over_budget
	    || n == 0)
		return;
	if (n > limit - m->mctx_len || m->mctx_len > limit) {
		m->mctx_too_big = 1;
		drop_buffer(m);
		return;
	}
	if (m->mctx_len + n > m->mctx_cap) {
		cap = m->mctx_cap ? m->mctx_cap : 16384;
		while (cap < m->mctx_len + n)
			cap = cap > limit / 2 ? limit : cap * 2;
		if (budget_take(cap - m->mctx_cap,
		    m->mctx_state->settings.buffer_limit) != 0) {
			m->mctx_over_budget = 1;
			drop_buffer(m);
			return;
		}
		if ((nb = realloc(m->mctx_buf, cap)) == NULL) {
			budget_give(cap - m->mctx_cap);
			m->mctx_no_memory = 1;
			drop_buffer(m);
			return;
		}
		m->mctx_buf = nb;
		m->mctx_cap = cap;
	}
	memcpy(m->mctx_buf + m->mctx_len, p, n);
	m->mctx_len += n;
}

/* The blank line between header and body, once, before the first body
 * byte or at end of message (end of header may be negotiated away). */
static void
end_header(msg_ctx *m)
{
	if (!m->mctx_in_body) {
		collect(m, "\r\n", 2);
		m->mctx_in_body = 1;
	}
}

/* Appends text with every line end made CRLF (header values come with
 * bare LF between folded lines). */
static void
collect_crlf(msg_ctx *m, const char *s)
{
	const char *p = s;

	while (*p != '\0') {
		size_t run = strcspn(p, "\r\n");

		collect(m, p, run);
		p += run;
		if (*p == '\r' && p[1] == '\n')
			p += 2;
		else if (*p != '\0')
			p++;
		else
			break;
		collect(m, "\r\n", 2);
	}
}

static int
null_sender(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0')
		return 1;	/* Postfix hands its own bounces' sender as "" */
	if (s[0] == '<') {
		s++;
		while (isspace((unsigned char)*s))
			s++;
		return *s == '>';
	}
	return 0;
}

/* Header fields that only bounces and their kin carry, for the
 * InspectNonNullSenders decision at end of header. */
static int
bounce_like(const char *name, const char *value)
{
	static const char *const subjects[] = { "undeliver", "returned mail",
	    "delivery status notification", "delivery failure", "failure notice",
	    "delivery has failed", "mail delivery failed", "delayed mail",
	    "could not be delivered", "non remis", "unzustellbar", NULL };
	size_t i;

	if (!strcasecmp(name, "Content-Type"))
		return strcasestr(value, "multipart/report") != NULL
		    || strcasestr(value, "message/delivery-status") != NULL;
	if (!strcasecmp(name, "X-Failed-Recipients"))
		return 1;
	if (!strcasecmp(name, "From"))
		return strcasestr(value, "mailer-daemon") != NULL
		    || strcasestr(value, "postmaster") != NULL
		    || strcasestr(value, "mail delivery") != NULL;
	if (!strcasecmp(name, "Subject")) {
		for (i = 0; subjects[i] != NULL; i++)
			if (strcasestr(value, subjects[i]) != NULL)
				return 1;
	}
	return 0;
}

static sfsistat
mlfi_negotiate(SMFICTX *ctx, unsigned long actions, unsigned long steps,
    unsigned long unused2, unsigned long unused3, unsigned long *want_actions,
    unsigned long *want_steps, unsigned long *want2, unsigned long *want3)
{
	unsigned long needed = SMFIF_ADDHDRS | SMFIF_CHGBODY;
	unsigned long skip_steps = SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NORCPT
	    | SMFIP_NOUNKNOWN;
	/* End of header is kept but unanswered: libmilter accepts a body
	 * packet straight after DATA only when both the header and the end
	 * of header steps are negotiated away, so with SMFIP_NOEOH a
	 * message without a single header field would get no reply at all
	 * and the MTA would wait for its timeout. */
	unsigned long optional = SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_HDR_LEADSPC
	    | SMFIP_SKIP;
	milter_state *st = milter_state_current();
	conn_ctx *cc;

	(void)unused2;
	(void)unused3;
	if ((actions & needed) != needed) {
		milter_log(LOG_WARNING, "the MTA does not offer header and body "
		    "changes; this connection passes unfiltered");
		milter_state_unref(st);
		return SMFIS_REJECT;
	}
	if (st != NULL && st->settings.inspect_non_null)
		optional &= ~SMFIP_NR_EOH;	/* eoh decides, so it answers */
	/* Header changes serve RewriteSubject and a single-part bounce whose
	 * Content-Type or Content-Transfer-Encoding must say more for our
	 * text.  Only what the MTA offers may be asked for (libmilter ends
	 * the connection otherwise); without them the Subject stays and a
	 * single part's fields are only added to (keep_fields). */
	if (actions & SMFIF_CHGHDRS)
		needed |= SMFIF_CHGHDRS;
	milter_state_unref(st);
	if ((cc = conn_of(ctx)) == NULL)
		return SMFIS_REJECT;
	*want_actions = needed;
	*want_steps = (skip_steps | optional) & steps;
	*want2 = *want3 = 0;
	cc->cctx_leadspc = (*want_steps & SMFIP_HDR_LEADSPC) != 0;
	cc->cctx_no_header_reply = (*want_steps & SMFIP_NR_HDR) != 0;
	cc->cctx_no_eoh_reply = (*want_steps & SMFIP_NR_EOH) != 0;
	cc->cctx_change_headers = (needed & SMFIF_CHGHDRS) != 0;
	cc->cctx_skip = (*want_steps & SMFIP_SKIP) != 0;
	return SMFIS_CONTINUE;
}

static sfsistat
mlfi_envfrom(SMFICTX *ctx, char **argv)
{
	conn_ctx *cc = conn_of(ctx);
	milter_state *st;
	msg_ctx *m;
	int is_null = argv[0] == NULL || null_sender(argv[0]);

	if (cc == NULL)
		return SMFIS_ACCEPT;	/* out of memory: pass */
	guard_progress(cc->cctx_slot, cc);
	guard_content(cc->cctx_slot, cc, 0);
	msg_free(cc);
	if (atomic_load(&draining))
		return SMFIS_ACCEPT;
	if ((st = milter_state_current()) == NULL)
		return SMFIS_ACCEPT;
	if (!is_null && !st->settings.inspect_non_null) {
		milter_state_unref(st);
		return SMFIS_ACCEPT;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		milter_log(LOG_ERR, "NOQUEUE: error, passed unchanged: out of memory");
		milter_state_unref(st);
		return SMFIS_ACCEPT;
	}
	m->mctx_state = st;
	m->mctx_null_sender = is_null;
	cc->cctx_msg = m;
	atomic_fetch_add(&inflight, 1);
	return SMFIS_CONTINUE;
}

/* Registered so that the MTA waits for a reply after DATA: without it,
 * over TCP, Postfix's next packet sits ~40 ms behind Nagle and a delayed
 * ACK on every message. */
static sfsistat
mlfi_data(SMFICTX *ctx)
{
	(void)arrived(ctx);
	return SMFIS_CONTINUE;
}

static sfsistat
mlfi_header(SMFICTX *ctx, char *name, char *value)
{
	conn_ctx *cc = arrived(ctx);
	msg_ctx *m = cc != NULL ? cc->cctx_msg : NULL;
	sfsistat done = cc != NULL && cc->cctx_no_header_reply
	    ? SMFIS_NOREPLY : SMFIS_CONTINUE;

	if (cc != NULL)
		guard_content(cc->cctx_slot, cc, 1);
	if (m == NULL)
		return done;
	if (bounce_like(name, value))
		m->mctx_bounce_like = 1;
	collect(m, name, strlen(name));
	collect(m, ":", 1);
	if (!cc->cctx_leadspc)
		collect(m, " ", 1);
	collect_crlf(m, value);
	collect(m, "\r\n", 2);
	return done;
}

static sfsistat
mlfi_eoh(SMFICTX *ctx)
{
	conn_ctx *cc = arrived(ctx);
	msg_ctx *m = cc != NULL ? cc->cctx_msg : NULL;

	if (cc != NULL)
		guard_content(cc->cctx_slot, cc, 1);
	if (cc != NULL && cc->cctx_no_eoh_reply)
		return SMFIS_NOREPLY;
	if (m != NULL && !m->mctx_null_sender && !m->mctx_bounce_like)
		msg_free(cc);
	if (cc == NULL || cc->cctx_msg == NULL) {
		if (cc != NULL)	/* answered: the idle deadline applies again */
			guard_content(cc->cctx_slot, cc, 0);
		return SMFIS_ACCEPT;
	}
	return SMFIS_CONTINUE;
}

/* A message that cannot go on (content late, BufferLimit reached)
 * passes unchanged now, with its log line; 0 when it can go on. */
static int
give_up(SMFICTX *ctx, conn_ctx *cc, msg_ctx *m)
{
	const milter_settings *set = &m->mctx_state->settings;

	if (guard_content_late(cc->cctx_slot, cc))
		milter_log(LOG_WARNING, "%s: unchanged: its content took longer "
		    "than MilterTimeout (%d s)", queue_id(ctx), set->milter_timeout);
	else if (m->mctx_over_budget)
		milter_log(LOG_WARNING, "%s: unchanged: BufferLimit reached (%zu "
		    "bytes held by the messages in flight)", queue_id(ctx),
		    set->buffer_limit);
	else
		return 0;
	msg_free(cc);
	/* Answered: the MTA moves on, the idle deadline applies again. */
	guard_content(cc->cctx_slot, cc, 0);
	return 1;
}

static sfsistat
mlfi_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	conn_ctx *cc = arrived(ctx);
	msg_ctx *m = cc != NULL ? cc->cctx_msg : NULL;

	if (cc != NULL)
		guard_content(cc->cctx_slot, cc, 1);
	if (m == NULL)
		return cc != NULL && cc->cctx_skip ? SMFIS_SKIP : SMFIS_CONTINUE;
	end_header(m);
	collect(m, (const char *)chunk, len);
	if (give_up(ctx, cc, m))
		return SMFIS_ACCEPT;
	if ((m->mctx_too_big || m->mctx_no_memory) && cc->cctx_skip)
		return SMFIS_SKIP;
	return SMFIS_CONTINUE;
}

/*
 * What the explanation model says of the message, for its log line:
 * "recipients=N outcome=... status=... reason=... cause=... rule=...",
 * "lang=LL" with "lang_from=..." (where the language came from), then
 * "limit_hits=N" and "budget=exhausted unclassified=K" when they
 * apply; "" when the message was never classified.  The words are the
 * model's own tokens, the same that X-DSN-Explain carries.
 */
static void
log_facts(const dsnx_rewrite *rw, char *out, size_t size)
{
	const dsnx_explanation *x = rw != NULL ? dsnx_rewrite_explanation(rw)
	    : NULL;
	size_t n;
	unsigned i;

	out[0] = '\0';
	if (x == NULL)
		return;
	n = (size_t)snprintf(out, size, "recipients=%u",
	    dsnx_explanation_recipient_count(x));
	for (i = 0; i < dsnx_explanation_field_count(x) && n < size; i++) {
		const dsnx_field *f = dsnx_explanation_field(x, i);

		n += (size_t)snprintf(out + n, size - n, " %s=%s", f->name,
		    f->value);
	}
	if (n < size)
		n += (size_t)snprintf(out + n, size - n, " lang_from=%s",
		    dsnx_lang_source_name(dsnx_explanation_lang_source(x)));
	if (n < size && dsnx_explanation_limit_hits(x) > 0)
		n += (size_t)snprintf(out + n, size - n, " limit_hits=%u",
		    dsnx_explanation_limit_hits(x));
	if (n < size && dsnx_explanation_unclassified(x) > 0)
		snprintf(out + n, size - n, " budget=exhausted unclassified=%u",
		    dsnx_explanation_unclassified(x));
}

static int
apply_edits(SMFICTX *ctx, const conn_ctx *cc, const milter_state *st,
    const dsnx_rewrite *rw, const char **failed)
{
	const char *body;
	char value[1024];
	size_t len, off, n;
	unsigned i;

	for (i = 0; i < dsnx_rewrite_edit_count(rw); i++) {
		const dsnx_header_edit *e = dsnx_rewrite_edit(rw, i);

		snprintf(value, sizeof(value), "%s%s", cc->cctx_leadspc ? " " : "",
		    e->value);
		if (e->kind == DSNX_EDIT_ADD_HEADER) {
			if (smfi_addheader(ctx, (char *)e->name, value) != MI_SUCCESS) {
				*failed = "smfi_addheader";
				return -1;
			}
		} else if (smfi_chgheader(ctx, (char *)e->name, (int)e->index,
		    e->kind == DSNX_EDIT_DELETE_HEADER ? NULL : value)
		    != MI_SUCCESS) {
			*failed = "smfi_chgheader";
			return -1;
		}
	}
	body = dsnx_rewrite_body(rw, &len);
	for (off = 0; off < len; off += n) {
		n = len - off < st->settings.body_chunk ? len - off
		    : st->settings.body_chunk;
		if (smfi_replacebody(ctx, (unsigned char *)(body + off), (int)n)
		    != MI_SUCCESS) {
			*failed = "smfi_replacebody";
			return -1;
		}
	}
	return 0;
}

static sfsistat
mlfi_eom(SMFICTX *ctx)
{
	conn_ctx *cc = arrived(ctx);
	msg_ctx *m = cc != NULL ? cc->cctx_msg : NULL;
	const char *qid = queue_id(ctx), *failed = NULL;
	const milter_settings *set;
	dsnx_rewrite_options options;
	dsnx_rewrite *rw = NULL;
	char facts[1536];

	if (m != NULL && give_up(ctx, cc, m))
		m = NULL;
	/* All content is in: from here the idle deadline applies again,
	 * so a long rewrite is not cut off mid-reply. */
	if (cc != NULL)
		guard_content(cc->cctx_slot, cc, 0);
	if (m == NULL)
		return SMFIS_CONTINUE;
	set = &m->mctx_state->settings;
	options = m->mctx_state->options;
	/* The MTA granted no header changes: fields are only added (the
	 * Subject stays too). */
	if (!cc->cctx_change_headers)
		options.keep_fields = 1;
	end_header(m);	/* a message may have no body at all */
	if (m->mctx_too_big) {
		if (set->log_unchanged)
			milter_log(LOG_INFO, "%s: unchanged: larger than MaximumSize "
			    "(%zu bytes)", qid, set->maximum_size);
	} else if (m->mctx_no_memory) {
		milter_log(LOG_ERR, "%s: error, passed unchanged: out of memory",
		    qid);
	} else if (dsnx_rewrite_message(m->mctx_state->ctx,
	    m->mctx_state->rules, m->mctx_buf, m->mctx_len, &options, &rw)
	    != DSNX_OK) {
		milter_log(LOG_ERR, "%s: error, passed unchanged: out of memory "
		    "while rewriting", qid);
	} else {
		log_facts(rw, facts, sizeof(facts));
		if (!dsnx_rewrite_changed(rw)) {
			if (set->log_unchanged)
				milter_log(LOG_INFO, "%s: unchanged: %s%s%s", qid,
				    dsnx_rewrite_why(rw), facts[0] ? "; " : "", facts);
		} else if (apply_edits(ctx, cc, m->mctx_state, rw, &failed) != 0)
			milter_log(LOG_ERR, "%s: error, passed unchanged: %s failed "
			    "(the MTA may have kept part of the edits); %s", qid,
			    failed, facts);
		else
			milter_log(LOG_INFO, "%s: enriched: %s", qid, facts);
	}
	dsnx_rewrite_free(rw);
	msg_free(cc);
	return SMFIS_CONTINUE;
}

static sfsistat
mlfi_abort(SMFICTX *ctx)
{
	conn_ctx *cc = arrived(ctx);

	if (cc != NULL)
		guard_content(cc->cctx_slot, cc, 0);
	msg_free(cc);
	return SMFIS_CONTINUE;
}

static sfsistat
mlfi_close(SMFICTX *ctx)
{
	conn_ctx *cc = smfi_getpriv(ctx);

	if (cc != NULL) {
		guard_release(cc->cctx_slot, cc);
		msg_free(cc);
		free(cc);
		smfi_setpriv(ctx, NULL);
	} else
		guard_release_unclaimed();
	return SMFIS_CONTINUE;
}

struct smfiDesc milter_desc = {
	.xxfi_name = "dsnexplain",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY,
	.xxfi_connect = NULL,
	.xxfi_helo = NULL,
	.xxfi_envfrom = mlfi_envfrom,
	.xxfi_envrcpt = NULL,
	.xxfi_header = mlfi_header,
	.xxfi_eoh = mlfi_eoh,
	.xxfi_body = mlfi_body,
	.xxfi_eom = mlfi_eom,
	.xxfi_abort = mlfi_abort,
	.xxfi_close = mlfi_close,
	.xxfi_unknown = NULL,
	.xxfi_data = mlfi_data,
	.xxfi_negotiate = mlfi_negotiate,
};
