/*
 * NAME
 *	date - RFC 5322 and ISO 8601 date-time parsing
 * SYNOPSIS
 *	#include "dsnexplain.h"
 *
 *	int	dsnx_date_parse(const char *s, size_t len, time_t *out);
 *	char	*dsnx_date_format(time_t t, char *buf, size_t size);
 * DESCRIPTION
 *	dsnx_date_parse() converts exactly len bytes holding a date-time
 *	to seconds since the epoch, UTC, in *out.  Accepted forms:
 *	.IP \(bu
 *	RFC 5322 date-time with its obsolete syntax:
 *	[weekday [","]] day month year hh:mm[:ss] [zone].  Comments and
 *	folding white space may appear between any two tokens and at
 *	either end ("+0900 (JST)").  The weekday (three letters or the
 *	full English name) is checked for spelling but not against the
 *	date, since many mailers get it wrong.  The day has 1-2 digits,
 *	the month is an English name, abbreviated or full, in any case.
 *	A year of 2 digits means 20yy below 50 and 19yy otherwise; one of
 *	3 digits has 1900 added (RFC 5322 section 4.3); 4-digit years must
 *	lie in 1900-9999.  The hour has 1-2 digits, minutes and seconds 2.
 *	.IP \(bu
 *	The ctime(3) order some MTAs write: weekday month day hh:mm[:ss]
 *	year [zone].
 *	.IP \(bu
 *	ISO 8601: YYYY-MM-DD("T"|" ")hh:mm[:ss[.fraction]][zone], with
 *	zone "Z", +hh, +hhmm or +hh:mm (fractions are dropped).
 *	.PP
 *	Zones: +hhmm/-hhmm (hh 0-23, mm 0-59); UT, UTC, GMT, Z; the US
 *	names EST, EDT, CST, CDT, MST, MDT, PST, PDT.  Military single
 *	letters and any other alphabetic zone of up to 5 letters count as
 *	+0000, as RFC 5322 section 4.3 asks (so "JST" alone is taken as
 *	UTC; "+0900 (JST)" is right because the name is a comment).  An
 *	alphabetic name right after a numeric zone ("+0000 GMT") is
 *	ignored.  A missing zone is taken as UTC.
 *
 *	Fields are range checked: month, day of month (leap years
 *	included), hour < 24, minute < 60, second <= 60.  A leap second
 *	(60) is clamped to 59.  The epoch value is computed arithmetically
 *	(days from the civil date), without mktime(), timegm() or TZ.
 *
 *	dsnx_date_format() writes t as "YYYY-MM-DDTHH:MM:SSZ" in UTC.
 * LIMITS
 *	Years 1900-9999 only.  Input is read only up to len bytes; it need
 *	not be NUL-terminated.  No allocation, no global state.
 * DIAGNOSTICS
 *	dsnx_date_parse() returns -1 (and leaves *out alone) for anything
 *	else, including trailing garbage and values that do not fit in a
 *	time_t.  dsnx_date_format() returns NULL when buf is NULL, size is
 *	below 21, or the year of t is outside 0-9999.
 * SEE ALSO
 *	RFC 5322 sections 3.3 and 4.3, date and time specification
 *	RFC 3339, date and time on the Internet
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dsnexplain.h"

typedef struct date_input {
	const unsigned char *s;
	size_t len;
	size_t pos;
} date_input;

typedef struct date_fields {
	long year;
	int month;		/* 1-12 */
	int day;
	int hour;
	int minute;
	int second;
	long zone;		/* offset east of UTC, seconds */
} date_fields;

static const char *const month_names[12] = {
	"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december",
};

static const char *const day_names[7] = {
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
	"sunday",
};

static const struct zone_name {
	const char *name;
	int hours;
} zone_names[] = {
	{"ut", 0}, {"utc", 0}, {"gmt", 0}, {"z", 0},
	{"est", -5}, {"edt", -4}, {"cst", -6}, {"cdt", -5},
	{"mst", -7}, {"mdt", -6}, {"pst", -8}, {"pdt", -7},
};

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int
is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int
at_end(const date_input *in)
{
	return in->pos >= in->len;
}

static int
peek(const date_input *in)
{
	return in->pos < in->len ? in->s[in->pos] : -1;
}

/*
 * Skips white space (folding included) and comments, which nest and may
 * hold quoted pairs.  Returns -1 for an unterminated comment.
 */
static int
skip_cfws(date_input *in)
{
	size_t depth = 0;
	unsigned char c;

	while (in->pos < in->len) {
		c = in->s[in->pos];
		if (depth > 0) {
			if (c == '\\')
				in->pos++;
			else if (c == '(')
				depth++;
			else if (c == ')')
				depth--;
		} else if (c == '(') {
			depth = 1;
		} else if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
			break;
		}
		in->pos++;
	}
	return depth == 0 ? 0 : -1;
}

/*
 * Reads a run of digits; fails unless it has min..max digits.  *ndigits
 * (when not NULL) receives the count.
 */
static int
read_number(date_input *in, size_t min, size_t max, long *value,
    size_t *ndigits)
{
	size_t n = 0;
	long v = 0;

	while (in->pos < in->len && is_digit(in->s[in->pos])) {
		if (++n > max)
			return -1;
		v = v * 10 + (in->s[in->pos++] - '0');
	}
	if (n < min)
		return -1;
	*value = v;
	if (ndigits != NULL)
		*ndigits = n;
	return 0;
}

/* Reads exactly n digits, whatever follows them. */
static int
read_digits(date_input *in, size_t n, long *value)
{
	long v = 0;

	for (; n > 0; n--) {
		if (in->pos >= in->len || !is_digit(in->s[in->pos]))
			return -1;
		v = v * 10 + (in->s[in->pos++] - '0');
	}
	*value = v;
	return 0;
}

/*
 * Reads a run of letters, lower-cased, into word (size bytes).  Returns
 * its length, 0 when there is none, -1 when it does not fit.
 */
static int
read_word(date_input *in, char *word, size_t size)
{
	size_t n = 0;

	while (in->pos < in->len && is_alpha(in->s[in->pos])) {
		if (n + 1 >= size)
			return -1;
		word[n++] = (char)lower(in->s[in->pos++]);
	}
	word[n] = '\0';
	return (int)n;
}

/* Index of a full or three-letter name in names[count], or -1. */
static int
name_index(const char *word, const char *const *names, int count)
{
	int i;

	for (i = 0; i < count; i++)
		if (strcmp(word, names[i]) == 0
		    || (strlen(word) == 3 && strncmp(word, names[i], 3) == 0))
			return i;
	return -1;
}

static int
is_leap(long year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int
days_in_month(long year, int month)
{
	static const int days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
	};

	return month == 2 && is_leap(year) ? 29 : days[month - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static long long
days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

/* hh:mm[:ss], with comments allowed around the colons (obs-time). */
static int
parse_time(date_input *in, date_fields *f)
{
	long v;

	if (read_number(in, 1, 2, &v, NULL) < 0)
		return -1;
	f->hour = (int)v;
	if (skip_cfws(in) < 0 || peek(in) != ':')
		return -1;
	in->pos++;
	if (skip_cfws(in) < 0 || read_number(in, 2, 2, &v, NULL) < 0)
		return -1;
	f->minute = (int)v;
	f->second = 0;
	if (skip_cfws(in) < 0)
		return -1;
	if (peek(in) == ':') {
		in->pos++;
		if (skip_cfws(in) < 0 || read_number(in, 2, 2, &v, NULL) < 0)
			return -1;
		f->second = (int)v;
	}
	return 0;
}

/* Two- and three-digit years (RFC 5322 section 4.3). */
static int
parse_year(date_input *in, date_fields *f)
{
	size_t n;
	long v;

	if (read_number(in, 2, 4, &v, &n) < 0)
		return -1;
	if (n == 2)
		v += v < 50 ? 2000 : 1900;
	else if (n == 3)
		v += 1900;
	f->year = v;
	return 0;
}

/*
 * Optional zone and the end of input.  Called after the time or year,
 * with white space and comments already skipped.
 */
static int
parse_zone_and_end(date_input *in, date_fields *f)
{
	char word[8];
	size_t i;
	long v;
	int c, sign, n;

	f->zone = 0;
	c = peek(in);
	if (c == '+' || c == '-') {
		sign = c == '-' ? -1 : 1;
		in->pos++;
		if (read_number(in, 4, 4, &v, NULL) < 0)
			return -1;
		if (v / 100 > 23 || v % 100 > 59)
			return -1;
		f->zone = sign * ((v / 100) * 3600 + (v % 100) * 60);
		if (skip_cfws(in) < 0)
			return -1;
		/* "+0000 GMT": a redundant name after the number */
		if (!at_end(in) && (read_word(in, word, 6) <= 0
		    || skip_cfws(in) < 0))
			return -1;
	} else if (c >= 0 && is_alpha((unsigned char)c)) {
		if ((n = read_word(in, word, 6)) <= 0)
			return -1;
		for (i = 0; i < sizeof(zone_names) / sizeof(zone_names[0]); i++)
			if (strcmp(word, zone_names[i].name) == 0)
				f->zone = zone_names[i].hours * 3600L;
		/* Military letters and unknown names count as -0000. */
		if (skip_cfws(in) < 0)
			return -1;
	}
	return at_end(in) ? 0 : -1;
}

/* [weekday [","]] day month year time [zone], or the ctime order. */
static int
parse_rfc5322(date_input *in, date_fields *f)
{
	char word[12];
	long v;
	int n;

	if (is_alpha(in->s[in->pos])) {
		if (read_word(in, word, sizeof(word)) <= 0
		    || name_index(word, day_names, 7) < 0)
			return -1;
		if (skip_cfws(in) < 0)
			return -1;
		if (peek(in) == ',') {
			in->pos++;
			if (skip_cfws(in) < 0)
				return -1;
		}
	}
	if (at_end(in))
		return -1;
	if (is_alpha(in->s[in->pos])) {
		/* ctime order: month day time year [zone] */
		if (read_word(in, word, sizeof(word)) <= 0
		    || (n = name_index(word, month_names, 12)) < 0)
			return -1;
		f->month = n + 1;
		if (skip_cfws(in) < 0 || read_number(in, 1, 2, &v, NULL) < 0)
			return -1;
		f->day = (int)v;
		if (skip_cfws(in) < 0 || parse_time(in, f) < 0)
			return -1;
		if (skip_cfws(in) < 0 || parse_year(in, f) < 0)
			return -1;
	} else {
		if (read_number(in, 1, 2, &v, NULL) < 0)
			return -1;
		f->day = (int)v;
		if (skip_cfws(in) < 0)
			return -1;
		if (read_word(in, word, sizeof(word)) <= 0
		    || (n = name_index(word, month_names, 12)) < 0)
			return -1;
		f->month = n + 1;
		if (skip_cfws(in) < 0 || parse_year(in, f) < 0)
			return -1;
		if (skip_cfws(in) < 0 || parse_time(in, f) < 0)
			return -1;
	}
	if (skip_cfws(in) < 0)
		return -1;
	return parse_zone_and_end(in, f);
}

/* YYYY-MM-DD[T ]hh:mm[:ss[.frac]][Z|+hh[[:]mm]] */
static int
parse_iso8601(date_input *in, date_fields *f)
{
	long v, zh, zm = 0;
	int c, sign;

	if (read_number(in, 4, 4, &v, NULL) < 0 || peek(in) != '-')
		return -1;
	f->year = v;
	in->pos++;
	if (read_number(in, 2, 2, &v, NULL) < 0 || peek(in) != '-')
		return -1;
	f->month = (int)v;
	in->pos++;
	if (read_number(in, 2, 2, &v, NULL) < 0)
		return -1;
	f->day = (int)v;
	c = peek(in);
	if (c != 'T' && c != 't' && c != ' ')
		return -1;
	in->pos++;
	if (read_number(in, 2, 2, &v, NULL) < 0 || peek(in) != ':')
		return -1;
	f->hour = (int)v;
	in->pos++;
	if (read_number(in, 2, 2, &v, NULL) < 0)
		return -1;
	f->minute = (int)v;
	f->second = 0;
	if (peek(in) == ':') {
		in->pos++;
		if (read_number(in, 2, 2, &v, NULL) < 0)
			return -1;
		f->second = (int)v;
		if (peek(in) == '.' || peek(in) == ',') {
			in->pos++;
			if (read_number(in, 1, 9, &v, NULL) < 0)
				return -1;
		}
	}
	f->zone = 0;
	c = peek(in);
	if (c == 'Z' || c == 'z') {
		in->pos++;
	} else if (c == '+' || c == '-') {
		sign = c == '-' ? -1 : 1;
		in->pos++;
		if (read_digits(in, 2, &zh) < 0)
			return -1;
		if (peek(in) == ':') {
			in->pos++;
			if (read_number(in, 2, 2, &zm, NULL) < 0)
				return -1;
		} else if (!at_end(in) && is_digit(in->s[in->pos])) {
			if (read_number(in, 2, 2, &zm, NULL) < 0)
				return -1;
		}
		if (zh > 23 || zm > 59)
			return -1;
		f->zone = sign * (zh * 3600 + zm * 60);
	}
	if (skip_cfws(in) < 0)
		return -1;
	return at_end(in) ? 0 : -1;
}

static int
looks_like_iso8601(const date_input *in)
{
	size_t i;

	if (in->len - in->pos < 5)
		return 0;
	for (i = 0; i < 4; i++)
		if (!is_digit(in->s[in->pos + i]))
			return 0;
	return in->s[in->pos + 4] == '-';
}

int
dsnx_date_parse(const char *s, size_t len, time_t *out)
{
	date_input in;
	date_fields f;
	long long days, secs;
	time_t t;

	if (s == NULL || out == NULL)
		return -1;
	in.s = (const unsigned char *)s;
	in.len = len;
	in.pos = 0;
	memset(&f, 0, sizeof(f));
	if (skip_cfws(&in) < 0 || at_end(&in))
		return -1;
	if (looks_like_iso8601(&in)) {
		if (parse_iso8601(&in, &f) < 0)
			return -1;
	} else if (parse_rfc5322(&in, &f) < 0) {
		return -1;
	}
	if (f.year < 1900 || f.year > 9999 || f.month < 1 || f.month > 12)
		return -1;
	if (f.day < 1 || f.day > days_in_month(f.year, f.month))
		return -1;
	if (f.hour > 23 || f.minute > 59 || f.second > 60)
		return -1;
	if (f.second == 60)
		f.second = 59;
	days = days_from_civil(f.year, (unsigned)f.month, (unsigned)f.day);
	secs = days * 86400 + f.hour * 3600LL + f.minute * 60LL + f.second
	    - f.zone;
	t = (time_t)secs;
	if ((long long)t != secs)
		return -1;
	*out = t;
	return 0;
}

char *
dsnx_date_format(time_t t, char *buf, size_t size)
{
	struct tm tm;

	if (buf == NULL || size < 21)
		return NULL;
	if (gmtime_r(&t, &tm) == NULL)
		return NULL;
	if (tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
		return NULL;
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	return buf;
}
