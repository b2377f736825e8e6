/*
 * NAME
 *	dsn - RFC 3464 / RFC 6533 delivery-status fields
 * SYNOPSIS
 *	#include "dsn.h"
 *
 *	int dsnx_dsn_parse(report, text, len)
 *	int dsnx_dsn_recipient_field(report, rcpt, name, value, len)
 * DESCRIPTION
 *	A delivery-status body is a group of per-message fields followed by
 *	one group per recipient, groups separated by blank lines, fields in
 *	RFC 5322 syntax with folding.  Real MTAs bend this: extra blank
 *	lines, a missing blank line between two recipients, per-message
 *	fields repeated in a recipient group, indented fields.  So fields
 *	are sorted by name, not by group position: per-message names go to
 *	the message, recipient names to the current recipient, and a
 *	recipient field the current recipient already has starts a new
 *	recipient even without a blank line.  Other fields
 *	(X-Postfix-Queue-ID, X-Actual-Recipient, ...) are kept as written.
 *
 *	What each recipient field's value holds (the address of
 *	Final-Recipient, the word of Action, the code of Status, the type
 *	and text of Diagnostic-Code, dates) is read in one place,
 *	read_recipient_field(), also for the fields nonstd.c finds printed
 *	in a bounce's prose (dsnx_dsn_recipient_field()).
 *
 *	It does not decide what the fields mean; report.c and later the
 *	classifier do.
 * LIMITS
 *	At most max_recipients recipients; one field value at most
 *	max_header_field bytes: a longer Diagnostic-Code or Remote-MTA is
 *	kept up to there (between characters) and marked cut
 *	(diagnostic_cut, remote_mta_cut), so no one reads its last bytes
 *	as the field's end.  Linear in the input.
 * DIAGNOSTICS
 *	Returns -1 only when memory ran out.
 * SEE ALSO
 *	RFC 3464 section 2, RFC 6533 section 3.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "dsn.h"

enum field_kind {
	F_OTHER,
	F_REPORTING_MTA, F_ORIGINAL_ENVELOPE_ID, F_DSN_GATEWAY,
	F_RECEIVED_FROM_MTA, F_ARRIVAL_DATE,
	F_FINAL_RECIPIENT, F_ORIGINAL_RECIPIENT, F_ACTION, F_STATUS,
	F_REMOTE_MTA, F_DIAGNOSTIC_CODE, F_LAST_ATTEMPT_DATE, F_FINAL_LOG_ID,
	F_WILL_RETRY_UNTIL
};

static const struct {
	const char *name;
	enum field_kind kind;
} field_names[] = {
	{ "reporting-mta", F_REPORTING_MTA },
	{ "original-envelope-id", F_ORIGINAL_ENVELOPE_ID },
	{ "dsn-gateway", F_DSN_GATEWAY },
	{ "received-from-mta", F_RECEIVED_FROM_MTA },
	{ "arrival-date", F_ARRIVAL_DATE },
	{ "final-recipient", F_FINAL_RECIPIENT },
	{ "original-recipient", F_ORIGINAL_RECIPIENT },
	{ "action", F_ACTION },
	{ "status", F_STATUS },
	{ "remote-mta", F_REMOTE_MTA },
	{ "diagnostic-code", F_DIAGNOSTIC_CODE },
	{ "last-attempt-date", F_LAST_ATTEMPT_DATE },
	{ "final-log-id", F_FINAL_LOG_ID },
	{ "will-retry-until", F_WILL_RETRY_UNTIL },
};

static enum field_kind
classify_name(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(field_names) / sizeof(field_names[0]); i++)
		if (strlen(field_names[i].name) == len
		    && strncasecmp(field_names[i].name, name, len) == 0)
			return field_names[i].kind;
	return F_OTHER;
}

static int
is_wsp(int c)
{
	return c == ' ' || c == '\t';
}


/* "type; value" -> value, with the type in *type when wanted. */
static const char *
after_type(const char *v, size_t len, size_t *rest_len, const char **type,
    size_t *type_len)
{
	const char *semi = memchr(v, ';', len);

	if (semi == NULL) {
		if (type != NULL) {
			*type = NULL;
			*type_len = 0;
		}
		*rest_len = len;
		return v;
	}
	if (type != NULL) {
		size_t tl = (size_t)(semi - v);

		while (tl > 0 && is_wsp(v[tl - 1]))
			tl--;
		*type = v;
		*type_len = tl;
	}
	semi++;
	while (semi < v + len && is_wsp(*semi))
		semi++;
	*rest_len = len - (size_t)(semi - v);
	return semi;
}

static void
read_date(dsnx_report *r, const char *v, size_t len, const char **raw,
    time_t *t, int *has)
{
	*raw = dsnx_report_text(r, v, len);
	*has = dsnx_date_parse(v, len, t) == 0;
}

/*
 * Reads the value of one recipient field into rcpt: the one reader of
 * what Final-Recipient, Original-Recipient, Action, Status, Remote-MTA,
 * Diagnostic-Code, the dates and Final-Log-ID say, for the report's
 * recipient groups and for the fields nonstd.c finds printed in prose.
 * 0 when read, 1 when kind is no recipient field, -1 when memory ran out.
 */
static int
read_recipient_field(dsnx_report *r, dsnx_recipient *rcpt,
    enum field_kind kind, const char *v, size_t len, int cut)
{
	const char *rest, *type;
	size_t rest_len, type_len, n;

	switch (kind) {
	case F_FINAL_RECIPIENT:
		rcpt->final_recipient = dsnx_report_text(r, v, len);
		rest = after_type(v, len, &rest_len, NULL, NULL);
		rcpt->recipient = dsnx_report_address(r, rest, rest_len);
		break;
	case F_ORIGINAL_RECIPIENT:
		rest = after_type(v, len, &rest_len, NULL, NULL);
		rcpt->original_recipient = dsnx_report_address(r, rest, rest_len);
		break;
	case F_ACTION: {
		char word[16];

		for (n = 0; n < len && n < sizeof(word) - 1 && !is_wsp(v[n])
		    && v[n] != '(' && v[n] != ';'; n++)
			word[n] = (char)((v[n] >= 'A' && v[n] <= 'Z')
			    ? v[n] + 32 : v[n]);
		word[n] = '\0';
		rcpt->action = n > 0 ? dsnx_report_text(r, word, n) : NULL;
		break;
	}
	case F_STATUS: {
		dsnx_code code;

		rcpt->status_raw = dsnx_report_text(r, v, len);
		for (n = 0; n < len && !is_wsp(v[n]) && v[n] != '(' && v[n] != ';'; n++)
			;
		if ((dsnx_code_parse(v, n, &code) == 0
		    || dsnx_code_find(v, len, &code, &n) >= 0)
		    && dsnx_report_set_status(r, rcpt, &code) < 0)
			return -1;
		break;
	}
	case F_REMOTE_MTA:
		rest = after_type(v, len, &rest_len, NULL, NULL);
		rcpt->remote_mta = dsnx_report_text(r, rest, rest_len);
		rcpt->remote_mta_cut = cut;
		break;
	case F_DIAGNOSTIC_CODE:
		rest = after_type(v, len, &rest_len, &type, &type_len);
		if (type != NULL && type_len > 0 && type_len < 40)
			rcpt->diagnostic_type = dsnx_report_text(r, type, type_len);
		rcpt->diagnostic = dsnx_report_text(r, rest, rest_len);
		rcpt->diagnostic_cut = cut;
		break;
	case F_LAST_ATTEMPT_DATE:
		read_date(r, v, len, &rcpt->last_attempt_raw, &rcpt->last_attempt,
		    &rcpt->has_last_attempt);
		break;
	case F_WILL_RETRY_UNTIL:
		read_date(r, v, len, &rcpt->will_retry_until_raw,
		    &rcpt->will_retry_until, &rcpt->has_will_retry_until);
		break;
	case F_FINAL_LOG_ID:
		rcpt->final_log_id = dsnx_report_text(r, v, len);
		break;
	default:
		return 1;
	}
	return 0;
}

/*
 * A value cut at the limit may end inside a UTF-8 sequence; the part of
 * it that is there goes, so the cut text is not given a U+FFFD that was
 * never in the message.
 */
static void
cut_to_character(dsnx_buf *val)
{
	size_t n = val->len, back = 0;

	while (back < 3 && n > back
	    && ((unsigned char)val->data[n - 1 - back] & 0xC0) == 0x80)
		back++;
	if (n > back && (unsigned char)val->data[n - 1 - back] >= 0xC0) {
		unsigned char lead = (unsigned char)val->data[n - 1 - back];
		size_t need = lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;

		if (need > back + 1)
			val->len = n - 1 - back;
	}
	if (val->data != NULL)
		val->data[val->len] = '\0';
}

/* Applies one unfolded field to the message or to rcpt; cut: the value
 * is only the start of a longer one. */
static int
apply_field(dsnx_report *r, dsnx_recipient *rcpt, enum field_kind kind,
    const char *name, size_t name_len, const char *v, size_t len, int cut)
{
	const char *rest;
	size_t rest_len;
	int rc;

	switch (kind) {
	case F_REPORTING_MTA:
		if (r->reporting_mta == NULL) {
			rest = after_type(v, len, &rest_len, NULL, NULL);
			r->reporting_mta = dsnx_report_text(r, rest, rest_len);
			r->reporting_mta_cut = cut;
		}
		return 0;
	case F_ORIGINAL_ENVELOPE_ID:
		if (r->original_envelope_id == NULL)
			r->original_envelope_id = dsnx_report_text(r, v, len);
		return 0;
	case F_DSN_GATEWAY:
		if (r->dsn_gateway == NULL) {
			rest = after_type(v, len, &rest_len, NULL, NULL);
			r->dsn_gateway = dsnx_report_text(r, rest, rest_len);
		}
		return 0;
	case F_RECEIVED_FROM_MTA:
		if (r->received_from_mta == NULL) {
			rest = after_type(v, len, &rest_len, NULL, NULL);
			r->received_from_mta = dsnx_report_text(r, rest, rest_len);
		}
		return 0;
	case F_ARRIVAL_DATE:
		if (r->arrival_date_raw == NULL)
			read_date(r, v, len, &r->arrival_date_raw, &r->arrival_date,
			    &r->has_arrival_date);
		return 0;
	default:
		break;
	}
	if (rcpt == NULL)	/* an extension field in the per-message group */
		return dsnx_report_add_extra(r, NULL, name, name_len, v, len)
		    == DSNX_ENOMEM ? -1 : 0;
	if ((rc = read_recipient_field(r, rcpt, kind, v, len, cut)) != 1)
		return rc;
	return dsnx_report_add_extra(r, rcpt, name, name_len, v, len)
	    == DSNX_ENOMEM ? -1 : 0;
}

static int
is_recipient_field(enum field_kind kind)
{
	return kind >= F_FINAL_RECIPIENT;
}

int
dsnx_dsn_recipient_field(dsnx_report *r, dsnx_recipient *rcpt,
    const char *name, const char *v, size_t len)
{
	enum field_kind kind = classify_name(name, strlen(name));

	if (!is_recipient_field(kind))
		return 1;
	return read_recipient_field(r, rcpt, kind, v, len, 0);
}

/* A recipient field seen twice in one group means the blank line between
 * two recipients is missing: the second one starts a new recipient. */
static int
already_set(const dsnx_recipient *rc, enum field_kind kind)
{
	switch (kind) {
	case F_FINAL_RECIPIENT: return rc->final_recipient != NULL;
	case F_ORIGINAL_RECIPIENT: return rc->original_recipient != NULL;
	case F_ACTION: return rc->action != NULL;
	case F_STATUS: return rc->status_raw != NULL;
	case F_REMOTE_MTA: return rc->remote_mta != NULL;
	case F_DIAGNOSTIC_CODE: return rc->diagnostic != NULL;
	case F_LAST_ATTEMPT_DATE: return rc->last_attempt_raw != NULL;
	case F_WILL_RETRY_UNTIL: return rc->will_retry_until_raw != NULL;
	case F_FINAL_LOG_ID: return rc->final_log_id != NULL;
	default: return 0;
	}
}

/*
 * Collects fields line by line.  'in_rcpt' is whether the current group
 * already holds recipient fields; a blank line closes the group.
 */
int
dsnx_dsn_parse(dsnx_report *r, const char *text, size_t len)
{
	size_t pos = 0, eol, next, name_start, name_len, vstart;
	dsnx_recipient *rcpt = NULL;
	int blocks = 0, cut;
	dsnx_buf *val = &r->scratch;
	const size_t cap = r->ctx->limits.max_header_field;

	while (pos < len) {
		eol = dsnx_line_end(text, pos, len, &next);

		/* Blank (or white) line: the group ends. */
		name_start = pos;
		while (name_start < eol && is_wsp(text[name_start]))
			name_start++;
		if (name_start == eol) {
			rcpt = NULL;
			pos = next;
			continue;
		}
		/* A field name then ':'; leading white space tolerated because
		 * some gateways indent the whole report. */
		name_len = 0;
		while (name_start + name_len < eol
		    && (unsigned char)text[name_start + name_len] > 32
		    && (unsigned char)text[name_start + name_len] < 127
		    && text[name_start + name_len] != ':')
			name_len++;
		vstart = name_start + name_len;
		while (vstart < eol && is_wsp(text[vstart]))
			vstart++;
		if (name_len == 0 || vstart >= eol || text[vstart] != ':') {
			pos = next;	/* junk line, skipped */
			continue;
		}
		vstart++;
		/* The value: this line's rest plus continuation lines. */
		dsnx_buf_reset(val);
		cut = 0;
		for (;;) {
			while (vstart < eol && is_wsp(text[vstart]) && val->len == 0)
				vstart++;
			if (eol > vstart) {
				size_t take = eol - vstart;

				if (val->len > 0)
					dsnx_buf_putc(val, ' ');
				if (take > cap) {
					take = cap;
					cut = 1;
				}
				if (dsnx_buf_append(val, text + vstart, take) == DSNX_ENOMEM)
					return -1;
			}
			if (next >= len || !is_wsp(text[next]))
				break;
			/* A white-space line is a blank line, not a continuation. */
			{
				size_t n2 = next, next2;
				size_t e2 = dsnx_line_end(text, next, len, &next2);

				while (n2 < e2 && is_wsp(text[n2]))
					n2++;
				if (n2 == e2)
					break;
				/* Indented "Name:" after an indented first field is
				 * a new field, not a continuation. */
				if (pos != name_start) {
					size_t k = n2;

					while (k < e2 && (unsigned char)text[k] > 32
					    && (unsigned char)text[k] < 127 && text[k] != ':')
						k++;
					if (k < e2 && k > n2 && text[k] == ':')
						break;
				}
				vstart = n2;
				eol = e2;
				next = next2;
			}
		}
		cut |= val->overflow;
		if (cut)
			cut_to_character(val);
		while (val->len > 0 && is_wsp(val->data[val->len - 1]))
			val->data[--val->len] = '\0';

		{
			enum field_kind kind = classify_name(text + name_start,
			    name_len);
			/* Copy the value: the scratch buffer is reused by the
			 * report's own helpers. */
			const char *v = dsnx_report_text(r, dsnx_buf_str(val), val->len);
			size_t vlen = v ? strlen(v) : 0;

			if (v == NULL)
				return -1;
			if (is_recipient_field(kind)) {
				int starts_new = rcpt == NULL
				    || already_set(rcpt, kind);

				if (starts_new) {
					rcpt = dsnx_report_add(r);
					if (rcpt == NULL) {
						if (r->flags & DSNX_REPORT_TRUNCATED)
							return blocks;
						return -1;
					}
					blocks++;
				}
			}
			if (apply_field(r, rcpt, kind, text + name_start, name_len,
			    v, vlen, cut) < 0)
				return -1;
		}
		pos = next;
	}
	return blocks;
}
