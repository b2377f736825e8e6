/*
 * NAME
 *	formats - how to recognise bounces that have no delivery-status part
 * DESCRIPTION
 *	Plain data for the engine in nonstd.c, tried in order; the first
 *	format that matches a message reads it.  Specific formats come
 *	first, the generic one last.  Each entry names what identifies the
 *	format (From, Subject, a header field, a marker in the text), where
 *	the returned message starts, and what a recipient line looks like
 *	(capture group 1 is the address).  Patterns are PCRE2, compiled
 *	caseless and multiline.  This table is meant to move into rule files.
 * SEE ALSO
 *	nonstd.c, nonstd.h.
 */
#include "config.h"

#include <stddef.h>

#include "nonstd.h"

/* An address: local@domain.tld, no spaces or brackets. */
#define ADDR "[^\\s<>()\\[\\]@\",;:]+@[A-Za-z0-9_-]+(?:\\.[A-Za-z0-9_-]+)+"

/* Lines after which the returned message (or its headers) follows. */
#define RETURNED_MARKERS \
	"^[ \\t]*-{2,}[ \\t]*(?:Below this line is a copy of the message" \
	"|Original message follows|Enclosed (?:are|is) the original" \
	"|This is a copy of (?:the|your) message" \
	"|The (?:body|header) of the message" \
	"|(?:Original|Unsent|Returned) message(?: follows| header follows)?" \
	"|Message header follows|Original message header" \
	"|The original message" \
	")" \
	"|^Content-Type:[ \\t]*message/rfc822"

/* From: fields that automated bounce senders use. */
#define BOUNCE_FROM \
	"(?:^|[<\\s\"])(?:mailer-daemon|postmaster|mail[ ._-]?delivery" \
	"(?:[ ._-]?(?:subsystem|system|service))?|mail[ ._-]?administrator" \
	"|mailer|mdaemon|mail[ ._-]?system|bounces?|post_master" \
	"|no-reply@sns\\.amazonaws\\.com)\\b"

/* Subjects of bounces and delay warnings. */
#define BOUNCE_SUBJECT \
	"undeliver|not (?:be )?delivered|delivery (?:status|fail|has failed" \
	"|notification|report|problem)|returned mail|failure notice" \
	"|mail delivery (?:failed|failure|error)|non[- ]?delivery" \
	"|could not send|delivery delayed|warning: message|mail failure" \
	"|returned to sender|nicht zustellbar|delivery failure" \
	"|error sending|message delayed|failed delivery|rejected:|bounce"

const dsnx_format_def dsnx_format_table[] = {
	{
		.name = "qmail",
		.marker = "^Hi\\. This is the qmail|^I'm afraid I wasn't able to "
		    "deliver your message|^Unable to deliver message to the following"
		    "|^Sorry, we were unable to deliver your message",
		.end = RETURNED_MARKERS,
		.recipient = "^<(" ADDR ")>:?[ \\t]*$",
	},
	{
		.name = "exim",
		.header = "^X-Failed-Recipients:",
		.marker = "This message was created automatically by mail delivery "
		    "software|could not be delivered to one or more of its",
		.end = RETURNED_MARKERS,
		.recipient = "^[ \\t]+(" ADDR ")(?:[ \\t]*$|[ \\t]*<|:)",
	},
	{
		.name = "sendmail",
		.marker = "^[ \\t]*-{3,}[ \\t]*The following addresses? (?:had|has) "
		    "(?:permanent fatal errors|delivery problems|transient "
		    "non-fatal errors)",
		.end = RETURNED_MARKERS "|^[ \\t]*-{3,}[ \\t]*Transcript of session",
		.recipient = "^[ \\t]*(?:>>>[ \\t]*)?<?(" ADDR ")>?",
	},
	{
		.name = "gmail",
		.from = "mailer-daemon@(?:googlemail|gmail)\\.com",
		.marker = "^Delivery to the following recipients? (?:failed|has been)",
		.end = RETURNED_MARKERS,
		.recipient = "^[ \\t]+(" ADDR ")[ \\t]*$",
	},
	{
		.name = "generic",
		.from = BOUNCE_FROM,
		.subject = BOUNCE_SUBJECT,
		.end = RETURNED_MARKERS,
		.recipient = "^[ \\t]*(?:>>>[ \\t]*)?[<\"]?(" ADDR ")[>\"]?"
		    "(?:[ \\t]*$|[ \\t]*:|[ \\t]*\\.\\.\\.|[ \\t]+[(<])",
	},
	{ .name = NULL }
};
