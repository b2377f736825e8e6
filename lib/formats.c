/*
 * NAME
 *	formats - how to recognise bounces that have no delivery-status part
 * DESCRIPTION
 *	Plain data for the engine in nonstd.c, tried in order; the first
 *	format that matches a message and finds a recipient reads it.
 *	Specific formats come first, the generic one last.  Each entry names
 *	what identifies the format (From, Subject, a header field: any one of
 *	them, or all with gate_all; and a marker in the text), where the
 *	returned message starts, what a recipient line looks like (capture
 *	group 1 is the address; "(?|...)" lets several wordings share it),
 *	and optionally where a recipient's status code and diagnostic stand
 *	(group 1 again).  Patterns are PCRE2, compiled caseless and
 *	multiline, ^ and $ at LF or CRLF.  They describe an MTA's wording,
 *	never a particular message.  This table is meant to move into rule
 *	files.
 * SEE ALSO
 *	nonstd.c, nonstd.h.
 */
#include "config.h"

#include <stddef.h>

#include "nonstd.h"

/* An address: local@domain.tld, no spaces or brackets. */
#define ADDR "[^\\s<>()\\[\\]@\",;:]+@[A-Za-z0-9_-]+(?:\\.[A-Za-z0-9_-]+)+"

/* Lines after which the returned message (or its headers) follows.
 * "The original message follows as a separate attachment" is Courier's;
 * "The first 50 lines of your original message follow:" a hosting
 * MTA's, with the returned header on the same line. */
#define RETURNED_MARKERS \
	"^[ \\t]*-{2,}[ \\t]*(?:Below this line is a copy of the message" \
	"|Original message follows|Enclosed (?:are|is) the original" \
	"|This is a copy of (?:the|your) message" \
	"|The (?:body|header) of the message" \
	"|(?:Original|Unsent|Returned) message(?: follows| header follows)?" \
	"|Message header follows|Original message header" \
	"|The original message" \
	")" \
	"|^[ \\t]*-{3,}[ \\t]*Unsent message follows" \
	"|^Original message follows\\.?[ \\t]*$" \
	"|^[ \\t]*(?:The first \\d+ lines of )?(?:your|the) original message" \
	" (?:follows?|is (?:attached|below|enclosed))\\b" \
	"|^Content-Type:[ \\t]*message/rfc822"

/* From: fields that automated bounce senders use. */
#define BOUNCE_FROM \
	"^[ \\t]*<>[ \\t]*$|(?:^|[<\\s\"])(?:mailer-daemon|postmaster|mail[ ._-]?delivery" \
	"(?:[ ._-]?(?:subsystem|system|service))?|mail[ ._-]?administrator" \
	"|mailer|mdaemon|mail[ ._-]?system|bounces?|post_master" \
	"|no-reply@sns\\.amazonaws\\.com" \
	"|microsoftexchange[0-9a-f]{32})\\b"

/* Subjects of bounces and delay warnings; a reply or a forward ("Re:",
 * "Fwd:", "AW:", "WG:", "SV:", "VS:", "TR:") is a person writing. */
#define BOUNCE_SUBJECT \
	"^(?![ \\t]*(?:re|fwd?|aw|wg|sv|vs|tr)[ \\t]*:).*?(?:" \
	"undeliver|not (?:be )?delivered|delivery (?:status|fail|has failed" \
	"|notification|report|problem)|returned mail|failure notice" \
	"|mail delivery (?:failed|failure|error)|non[- ]?delivery" \
	"|could not send|delivery delayed|warning: message|mail failure" \
	"|returned to sender|nicht zustellbar|delivery failure" \
	"|error sending|message delayed|failed delivery|rejected:|bounce" \
	"|mail system error|undelivered mail" \
	"|unzustellbar|non remis|non distribu|\\x{e9}chec de (?:la )?remise" \
	"|no se puede entregar|no entregado|non recapitabil|non recapitato" \
	"|onbestelbaar|niet bezorgd)"

const char dsnx_bounce_from_pattern[] = BOUNCE_FROM;
const char dsnx_bounce_subject_pattern[] = BOUNCE_SUBJECT;
const char dsnx_returned_pattern[] = RETURNED_MARKERS
    "|^(?:Received|Message-ID|Return-Path):[ \\t]*\\S";

/*
 * Failure wording: what every bounce says in some words, whatever wrote
 * it (that a message could not be delivered, that an address or mailbox
 * does not exist or is unavailable, an SMTP failure reply with its
 * enhanced code), in the families the rules use, never one MTA's
 * sentence.
 */
const char dsnx_failure_wording_pattern[] =
    "(?:could ?not|couldn't|cannot|can't|was not|wasn't|has not been|hasn't been"
    "|unable to) (?:be )?(?:deliver(?:ed)?|reach(?:ed)?|sent|forward(?:ed)?)"
    "|undeliver(?:able|ed)|non-?delivery|not (?:be )?delivered"
    "|deliver(?:y|ies) (?:to [^\\r\\n]{1,80} )?(?:has |have )?(?:failed|failure|problem)"
    "|failed (?:to deliver|recipient|permanently|after)|permanent(?:ly)? (?:error|fail|fatal)"
    "|fatal errors?|returned (?:mail|to (?:the )?sender)|failure notice"
    "|(?:user|recipient|mailbox|address|account|addressee)(?: name)? (?:is |was )?"
    "(?:unknown|not (?:found|known|valid)|does ?n[o']t exist|unavailable|invalid"
    "|rejected|full|disabled|over quota)"
    "|no such (?:user|mailbox|address|recipient|account)"
    "|(?:^|[\\s(:])[45]\\d\\d[ -][45]\\.\\d{1,3}\\.\\d{1,3}\\b"
    "|Delivery Status Notification|mail delivery (?:system|subsystem|software)"
    /* The same in the languages of localized NDRs and notice templates
     * (Exchange/Outlook, Postfix and Exim translations). */
    "|(?:konnte|kann|k\\x{f6}nnen) nicht zugestellt werden|Zustellung an [^\\r\\n]{1,80}"
    "fehlgeschlagen|n'a pas pu \\x{ea}tre (?:remis|distribu)"
    "|\\x{e9}chec de la (?:remise|distribution)|error en la entrega"
    "|no se (?:ha )?pod(?:ido|\\x{ed}a) entregar|no se pudo entregar"
    "|non \\x{e8} stato possibile (?:recapitare|consegnare)|recapito non riuscito"
    "|kon niet worden (?:bezorgd|afgeleverd)"
    "|Postfach (?:ist )?voll|Benutzer unbekannt|utilisateur inconnu"
    "|usuario desconocido|utente sconosciuto";

/*
 * A message forwarded by a person, inline: the separator line mail
 * programs write above the forwarded header block (Gmail, Outlook,
 * Thunderbird, Apple Mail, in their English, German, French, Spanish,
 * Italian and Dutch wording), and the line a mailing-list manager
 * writes above a bounce it relays to the member whose address bounced
 * (ezmlm's "--- Enclosed is a copy of the bounce message I received.").
 * Group 1 is set for the "original message" separators, which replies
 * use too.
 */
const char dsnx_forward_marker_pattern[] =
    "^[ \\t]*(?:-{2,}[ \\t]*(?:(Original Message|Urspr\\x{fc}ngliche Nachricht"
    "|Message d'origine|Mensaje original|Messaggio originale"
    "|Oorspronkelijk bericht)|Forwarded message|Weitergeleitete Nachricht"
    "|Message transf\\x{e9}r\\x{e9}|Mensaje reenviado|Messaggio inoltrato"
    "|Doorgestuurd bericht)[ \\t]*-{2,}|Begin forwarded message:"
    "|Anfang der weitergeleiteten (?:Nachricht|E-Mail):"
    "|-{2,}[ \\t]*(?:Enclosed|Attached|Below)(?: is| are|,? please find)? "
    "(?:a )?cop(?:y|ies) of the (?:first |last )?bounces?(?: messages?)?"
    "(?: (?:I|we) received)?[.:]?)[ \\t]*$";
/* The Subject of a forward ("Fwd:", "WG:", "TR:", "RV:", "I:", ...). */
const char dsnx_forward_subject_pattern[] =
    "^[ \\t]*(?:fwd?|wg|tr|rv|i|vs|vb|enc|doorst)[ \\t]*:";

/* Formats that carry no header of their own are gated on these. */
#define BOUNCE_GATE .from = BOUNCE_FROM, .subject = BOUNCE_SUBJECT

/* A status code as the engine's status pattern captures it. */
#define CODE "([245]\\.\\d{1,3}\\.\\d{1,3})"

const dsnx_format_def dsnx_format_table[] = {
	/* qmail, and what derives from it (netqmail, vpopmail, Yahoo):
	 * "<rcpt>:" on a line of its own, the reason below it. */
	{
		.name = "qmail",
		BOUNCE_GATE,
		.marker = "^Hi\\. This is the qmail|^I'm afraid I wasn't able to "
		    "deliver your message|^Unable to deliver message to the following"
		    "|^Sorry, we were unable to deliver your message",
		.end = RETURNED_MARKERS,
		.recipient = "^<(" ADDR ")>:?[ \\t]*$",
	},
	/* Amazon SES notifications by SNS: JSON, maybe inside an SNS
	 * envelope that escapes its quotes.  Bounce and Delivery; a
	 * Complaint is a recipient's spam report (a feedback report, as ARF
	 * is), not a delivery status. */
	{
		.name = "amazonses",
		.from = "@sns\\.amazonaws\\.com",
		.header = "^x-amz-sns-message-id:",
		.marker = "\\\\?\"notificationType\\\\?\"[ \\t]*:[ \\t]*\\\\?\""
		    "(?:Bounce|Delivery)\\\\?\"",
		.recipient = "(?|\\\\?\"emailAddress\\\\?\"[ \\t]*:[ \\t]*\\\\?\"("
		    ADDR ")\\\\?\"|\\\\?\"recipients\\\\?\"[ \\t]*:[ \\t]*\\[[ \\t]*"
		    "\\\\?\"(" ADDR ")\\\\?\"|\\G[ \\t]*,[ \\t]*\\\\?\"(" ADDR
		    ")\\\\?\")",
		.status = "\\\\?\"status\\\\?\"[ \\t]*:[ \\t]*\\\\?\"" CODE,
		.diagnostic = "\\\\?\"(?:diagnosticCode|smtpResponse)\\\\?\"[ \\t]*:"
		    "[ \\t]*\\\\?\"((?:[^\"\\\\\\r\\n]|\\\\[^\"\\r\\n])*)",
	},
	/* DragonFly Mail Agent (dma): one recipient per bounce. */
	{
		.name = "dragonfly",
		BOUNCE_GATE,
		.marker = "^This is the DragonFly Mail Agent",
		.end = "^Message headers follow|" RETURNED_MARKERS,
		.recipient = "^There was an error delivering your mail to <("
		    ADDR ")>",
	},
	/* Postfix's notice in plain text (no MIME, or a report whose MIME
	 * structure is broken): "<rcpt>: reason" paragraphs. */
	{
		.name = "postfix",
		BOUNCE_GATE,
		.marker = "^This is the (?:mail system|Postfix program) at host",
		.end = RETURNED_MARKERS,
		.recipient = "^<(" ADDR ")>(?:[ \\t]+\\(expanded from <[^>\\r\\n]*>\\))?:",
	},
	/* Postfix's "errors from" notice to the postmaster: a session
	 * transcript; the reply that failed is the last "Out:" with 4xx/5xx. */
	{
		.name = "postfix-transcript",
		.from = BOUNCE_FROM,
		.subject = "^Postfix SMTP server: errors from",
		.gate_all = 1,
		.marker = "^Transcript of session follows",
		.recipient = "RCPT[ \\t]+TO:[ \\t]*<(" ADDR ")>",
		.status = "^[ \\t]*Out:[ \\t]*[45]\\d\\d[ \\t]+" CODE,
		.diagnostic = "^[ \\t]*Out:[ \\t]*([45]\\d\\d\\b[^\\r\\n]*)",
	},
	/* Zoho Mail: Exim-like opening, then "rcpt Invalid Address, ..."
	 * or, for delays, "[Status: ..., Address: <rcpt>, ...]". */
	{
		.name = "zoho",
		.from = "mailer-daemon@[^\\s>]*zoho",
		.header = "^X-Mailer:[ \\t]*Zoho Mail",
		.marker = "^This message was created automatically by mail delivery",
		.end = "^Received:[ \\t]*from|" RETURNED_MARKERS,
		.recipient = "(?|^(" ADDR ")[ \\t]+Invalid Address"
		    "|^\\[Status:[^,\\r\\n]*,[ \\t]*Address:[ \\t]*<(" ADDR ")>)",
	},
	{
		.name = "exim",
		.header = "^X-Failed-Recipients:",
		.marker = "This message was created automatically by mail delivery "
		    "software|could not be delivered to one or more of its",
		.end = RETURNED_MARKERS,
		.recipient = "^[ \\t]+(" ADDR ")(?:[ \\t]*$|[ \\t]*<|:)",
	},
	/* Sendmail: the list of addresses, then the session transcript
	 * (which holds the replies, so it belongs to the diagnostic). */
	{
		.name = "sendmail",
		BOUNCE_GATE,
		.marker = "^[ \\t]*-{3,}[ \\t]*The following addresses? (?:had|has) "
		    "(?:permanent fatal errors|delivery problems|transient "
		    "non-fatal errors|fatal errors)",
		.end = RETURNED_MARKERS,
		.recipient = "(?|^[ \\t]*(?:>>>[ \\t]*)?<?(" ADDR ")>?"
		    "|^>>>[ \\t]*RCPT[ \\t]+TO:[ \\t]*<(" ADDR ")>)",
		.transcript = 1,
	},
	/* Sendmail before V8 (V5 and friends): only the transcript, with
	 * "554 <rcpt>... reason" lines and ">>> RCPT To:<rcpt>". */
	{
		.name = "v5sendmail",
		BOUNCE_GATE,
		.marker = "^[ \\t]*-{3,}[ \\t]*Transcript of session follows",
		.end = RETURNED_MARKERS,
		.recipient = "(?|^[45]\\d\\d[ \\t]+<(" ADDR ")>\\.\\.\\."
		    "|^>>>[ \\t]*RCPT[ \\t]+TO:[ \\t]*<(" ADDR ")>)",
		.transcript = 1,
	},
	/* Exchange 5.5/2000/2003 and its Internet Mail Connector:
	 * "rcpt on <date>" under "did not reach the following recipient(s)". */
	{
		.name = "exchange2003",
		BOUNCE_GATE,
		.marker = "did not reach the following recipient|following "
		    "recipient\\(s\\) could not be reached",
		.end = RETURNED_MARKERS,
		.recipient = "^[ \\t]*(" ADDR ")[ \\t]+on[ \\t]",
	},
	/* Sun/Oracle Messaging Server and PMDF. */
	{
		.name = "messagingserver",
		BOUNCE_GATE,
		.marker = "^Your message cannot be delivered to the following "
		    "recipients|^This report relates to a message you sent",
		.end = RETURNED_MARKERS,
		.recipient = "^[ \\t]*Recipient address:[ \\t]*<?(" ADDR ")",
		.diagnostic = "^[ \\t]*Diagnostic code:[ \\t]*([^\\r\\n]+)",
	},
	/* IMail (Ipswitch): "reason: rcpt" lines before "Original message
	 * follows."; the reason is the line's beginning. */
	{
		.name = "imail",
		.header = "^X-Mailer:[ \\t]*<SMTP32 v",
		.end = RETURNED_MARKERS,
		.recipient = "^[^:\\r\\n]{3,80}:[ \\t]*<?(" ADDR ")>?[ \\t]*$",
		.diagnostic = "^([^:\\r\\n]{3,80}):",
	},
	/* au by KDDI (dion.ne.jp, auone-net.jp, ezweb.ne.jp): the error
	 * text below Japanese prose. */
	{
		.name = "kddi",
		.from = "@(?:[^\\s>]*\\.)?(?:dion\\.ne\\.jp|auone-net\\.jp|ezweb\\.ne\\.jp"
		    "|au\\.com)\\b",
		.marker = "^[ \\t]*Could not be delivered to:",
		.end = RETURNED_MARKERS,
		.recipient = "^[ \\t]*Could not be delivered to:[ \\t]*<?(" ADDR ")",
	},
	/* Verizon and Apache James (and other JavaMail gateways): "Error:"
	 * and "Error message below:", the recipient in "Message details". */
	{
		.name = "james",
		BOUNCE_GATE,
		.marker = "^Error:[^\\r\\n]*\\r?\\n(?:[ \\t]*\\r?\\n)*Error message below:",
		.recipient = "^[ \\t]*RCPT TO:[ \\t]*<?(" ADDR ")",
		.diagnostic = "^Error message below:[ \\t]*\\r?\\n[ \\t]*([^\\r\\n]+)",
	},
	/* X6: "The following recipients returned permanent errors: rcpt." */
	{
		.name = "x6",
		BOUNCE_GATE,
		.marker = "^We had trouble delivering your message",
		.end = RETURNED_MARKERS,
		.recipient = "recipients returned (?:permanent|temporary) errors:"
		    "[ \\t]*<?(" ADDR ")",
	},
	/* MailMarshal: the reason comes before the list of recipients. */
	{
		.name = "mailmarshal",
		BOUNCE_GATE,
		.marker = "^Could not be delivered because of",
		.end = "^Additional Information|" RETURNED_MARKERS,
		.recipient = "^[ \\t]+<?(" ADDR ")>?[ \\t]*$",
		.diagnostic = "^Could not be delivered because of[ \\t]*"
		    "(?:\\r?\\n[ \\t]*)+([^\\r\\n]+)",
	},
	/* InterScan Messaging Security Suite (Trend Micro): the SMTP
	 * exchange quoted as "Sent <<< RCPT TO:" and "Received >>> 550 ...",
	 * or "Unable to deliver message to <rcpt>". */
	{
		.name = "interscanmss",
		.from = "InterScan MSS",
		.subject = "^Mail could not be delivered|配信できませんでした",
		.marker = "^Sent <<<[ \\t]*RCPT TO:|^\\*+ Message from InterScan",
		.end = "^\\*+[ \\t]*End of message|" RETURNED_MARKERS,
		.recipient = "(?|^Sent <<<[ \\t]*RCPT TO:[ \\t]*<(" ADDR ")>"
		    "|^Reason:.*Unable to deliver message to <(" ADDR ")>)",
	},
	/* m-FILTER (Digital Arts): addresses alone on a line, then
	 * "-------server message" with the reply. */
	{
		.name = "mfilter",
		.header = "^X-Mailer:[ \\t]*m-FILTER",
		.marker = "^-{3,}server message",
		.end = "^-{3,}original (?:message|mail info)",
		.recipient = "^(" ADDR ")[ \\t]*$",
	},
	/* fml mailing list manager notices (loops, rejected posts). */
	{
		.name = "fml",
		.header = "^X-MLServer:[ \\t]*fml",
		.marker = "^Duplicated Message-ID in <",
		.end = "^Original mail as follows|" RETURNED_MARKERS,
		.recipient = "^Duplicated Message-ID in <(" ADDR ")>",
	},
	{
		.name = "gmail",
		.from = "mailer-daemon@(?:googlemail|gmail)\\.com",
		.marker = "^Delivery to the following recipients? (?:failed|has been)",
		.end = RETURNED_MARKERS,
		.recipient = "^[ \\t]+(" ADDR ")[ \\t]*$",
	},
	/* Any other bounce: a bounce-like sender AND subject (or the
	 * structural score of nonstd.c), and a line
	 * that starts with an address (alone, or followed by a reason), or
	 * that names one as "Recipient:" or in an SMTP "RCPT TO:". */
	{
		.name = "generic",
		.from = BOUNCE_FROM,
		.subject = BOUNCE_SUBJECT,
		.gate_all = 1,
		.score_gate = 1,
		.end = RETURNED_MARKERS,
		.recipient = "(?|^[ \\t]*(?:>>>[ \\t]*|\\*[ \\t]*)?[<\"]?(" ADDR ")[>\"]?"
		    "(?:[ \\t]*$|[ \\t]*:|[ \\t]*\\.\\.\\.|[ \\t]+[(<\\[])"
		    "|^[ \\t]*(?:Recipient|Original[ -]Recipient)(?: address)?:"
		    "[ \\t]*<?(" ADDR ")"
		    "|^[ \\t]*(?:>>>[ \\t]*|In:[ \\t]*)?RCPT[ \\t]+TO:[ \\t]*<(" ADDR ")>)",
	},
	{ .name = NULL }
};
