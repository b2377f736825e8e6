/*
 * NAME
 *	tz - time zones: fixed offsets and zones of the system's tz database
 * SYNOPSIS
 *	#include "dsnexplain.h"
 *
 *	dsnx_status dsnx_tz_load(name, zoneinfo_dir, &tz, &err)
 *	dsnx_status dsnx_tz_parse(name, data, len, &tz, &err)
 *	dsnx_status dsnx_tz_fixed(minutes, &tz)
 *	long dsnx_tz_offset_at(tz, t, &abbreviation)
 *	const char *dsnx_tz_name(tz)
 *	void dsnx_tz_free(tz)
 * DESCRIPTION
 *	A dsnx_tz answers one question: how far east of UTC is local time
 *	at instant t, and what is it called there.  The answer depends on
 *	t (daylight saving time), so whoever shows a date asks per date.
 *
 *	dsnx_tz_load() takes what an administrator writes: a fixed offset
 *	("UTC", "GMT", "Z", "+HH:MM", "-HHMM", as dsnx_utc_offset_parse()
 *	reads them) or a zone name of the tz database ("Europe/Berlin"),
 *	read from its TZif file under zoneinfo_dir (NULL: the system's,
 *	/usr/share/zoneinfo).  An absolute path is accepted only inside that
 *	directory.  dsnx_tz_parse() reads TZif bytes already in memory.
 *
 *	TZif (RFC 8536) versions 1 to 4 are read: the 64-bit data of
 *	version 2 and later (the 32-bit block is skipped), the 32-bit data
 *	of a version 1 file.  Before the first transition the zone has the
 *	offset of local time type 0; after the last, the POSIX TZ string of
 *	the footer (std offset [dst [offset] ,start[/time],end[/time]], with
 *	the Jn, n and Mm.w.d date forms and the hours -167..167 of version
 *	3) decides, or, without one, the last transition's type.
 *
 *	A zone is immutable once made: any number of threads may ask it at
 *	once.  Nothing here reads the TZ variable or calls tzset() or
 *	localtime(); the date arithmetic is done on day numbers.
 * LIMITS
 *	Zone names of at most TZ_NAME_MAX bytes from [A-Za-z0-9._+-/], with
 *	no empty, "." or ".." component.  Files of at most TZ_FILE_MAX
 *	bytes; at most TZ_TIMES_MAX transitions, 256 local time types (a
 *	type index is one byte), TZ_CHARS_MAX bytes of designations, a
 *	footer of at most TZ_FOOTER_MAX bytes.  Every count is checked
 *	against these and against the file's length before anything is
 *	read.  Offsets are limited to RFC 8536's -25:59:59..+25:59:59.
 *	Files with leap-second records (the "right/" zones) are refused:
 *	time_t does not count leap seconds.  An abbreviation is handed out
 *	only when it consists of 3 to TZ_ABBR_MAX letters ("CEST"); numeric
 *	ones ("+0530", "-03") say no more than the offset.
 * DIAGNOSTICS
 *	DSNX_EINVAL for a name that is no offset and no acceptable zone
 *	name; DSNX_EIO when the file cannot be read (no such zone);
 *	DSNX_EPARSE for content that is not a valid TZif file; DSNX_ENOMEM.
 *	err (may be NULL) gets the name in source and the reason in text.
 * SEE ALSO
 *	RFC 8536 (TZif), POSIX.1-2017 section 8.3 (TZ), tzfile(5),
 *	render.c (the dates it shows).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dsnexplain.h"

#ifndef DSNX_ZONEINFO_DIR
#define DSNX_ZONEINFO_DIR "/usr/share/zoneinfo"
#endif

#define TZ_NAME_MAX 255
#define TZ_FILE_MAX (256u << 10)
#define TZ_TIMES_MAX 20000u
#define TZ_TYPES_MAX 256u
#define TZ_CHARS_MAX 512u
#define TZ_FOOTER_MAX 256u
#define TZ_ABBR_MAX 6
#define TZ_HEADER 44u
#define TZ_OFFSET_MAX 93599L      /* RFC 8536: 25:59:59 */
#define TZ_OFFSET_MIN (-89999L)   /* RFC 8536: -24:59:59 */

typedef struct tz_type {
	int32_t utoff;            /* seconds east */
	unsigned char isdst;
	unsigned char desig;      /* index into chars */
} tz_type;

/* When a POSIX TZ rule switches: a day of the year and a local time. */
typedef struct tz_when {
	char form;                /* 'J': Jn, 'D': n, 'M': Mm.w.d */
	int a, b, c;              /* J/D: the day; M: month, week, weekday */
	long secs;                /* local time of day, may be < 0 or > 24 h */
} tz_when;

typedef struct tz_posix {
	long std_off, dst_off;    /* seconds east */
	int has_dst;
	char std_abbr[TZ_ABBR_MAX + 1];
	char dst_abbr[TZ_ABBR_MAX + 1];
	tz_when start, end;
} tz_posix;

struct dsnx_tz {
	char name[TZ_NAME_MAX + 1];
	int fixed;                /* a fixed offset: fixed_off, no file */
	long fixed_off;
	size_t ntimes, ntypes, nchars;
	int64_t *times;           /* ascending transition instants */
	unsigned char *index;     /* local time type from each transition on */
	tz_type *types;
	char *chars;              /* NUL-terminated designations */
	int has_footer;
	tz_posix footer;
};

static dsnx_status
fail(dsnx_error_t *err, dsnx_status st, const char *name, const char *fmt,
    ...)
{
	va_list ap;

	if (err != NULL) {
		memset(err, 0, sizeof(*err));
		snprintf(err->source, sizeof(err->source), "%s", name);
		va_start(ap, fmt);
		vsnprintf(err->text, sizeof(err->text), fmt, ap);
		va_end(ap);
	}
	return st;
}

/* ------------------------------------------------------ day arithmetic */

/* Days since 1970-01-01 of a proleptic Gregorian date (m 1-12). */
static int64_t
day_number(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The year of day number z. */
static int64_t
year_of(int64_t z)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	return yoe + era * 400 + (mp >= 10);
}

static int
leap_year(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* The instant, as local seconds since the epoch, at which w happens in
 * year y. */
static int64_t
when_local(const tz_when *w, int64_t y)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int64_t day;

	switch (w->form) {
	case 'J':	/* 1..365, February 29 never counted */
		day = day_number(y, 1, 1) + w->a - 1
		    + (leap_year(y) && w->a >= 60);
		break;
	case 'D':	/* 0..365, February 29 counted */
		day = day_number(y, 1, 1) + w->a;
		break;
	default: {	/* day c of week b (5: the last) of month a */
		int last = mdays[w->a - 1] + (w->a == 2 && leap_year(y));
		int64_t first = day_number(y, w->a, 1);
		/* 1970-01-01 was a Thursday (4). */
		int wday = (int)((first % 7 + 7 + 4) % 7);
		int mday = 1 + (w->c - wday + 7) % 7 + (w->b - 1) * 7;

		while (mday > last)
			mday -= 7;
		day = first + mday - 1;
		break;
	}
	}
	return day * 86400 + w->secs;
}

/* ------------------------------------------------ the POSIX TZ footer */

/* An abbreviation: <...> of letters, digits, + and -, or 3+ letters. */
static const char *
posix_abbr(const char *s, char *out)
{
	size_t n = 0;

	if (*s == '<') {
		for (s++; *s != '>'; s++) {
			if (!(((*s | 0x20) >= 'a' && (*s | 0x20) <= 'z')
			    || (*s >= '0' && *s <= '9') || *s == '+' || *s == '-'))
				return NULL;
			if (n == TZ_ABBR_MAX)
				return NULL;
			out[n++] = *s;
		}
		s++;
	} else {
		for (; ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'z'); s++) {
			if (n == TZ_ABBR_MAX)
				return NULL;
			out[n++] = *s;
		}
	}
	out[n] = '\0';
	return n >= 3 ? s : NULL;
}

/* [+-]hh[:mm[:ss]] with hh <= max_hours, in seconds (sign as written). */
static const char *
posix_time(const char *s, int max_hours, long *out)
{
	long sign = 1, part[3] = { 0, 0, 0 };
	int i, digits;

	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	for (i = 0; i < 3; i++) {
		if (i > 0) {
			if (*s != ':')
				break;
			s++;
		}
		for (digits = 0; *s >= '0' && *s <= '9' && digits < 3; digits++)
			part[i] = part[i] * 10 + (*s++ - '0');
		if (digits == 0 || (i > 0 && (digits != 2 || part[i] > 59)))
			return NULL;
	}
	if (part[0] > max_hours)
		return NULL;
	*out = sign * (part[0] * 3600 + part[1] * 60 + part[2]);
	return s;
}

/* ",start[/time]" or ",end[/time]". */
static const char *
posix_when(const char *s, tz_when *w)
{
	char *end;
	long v;

	if (*s++ != ',')
		return NULL;
	memset(w, 0, sizeof(*w));
	w->secs = 7200;		/* 02:00 unless said */
	if (*s == 'M') {
		long m, n, d;

		/* strtol() would take signs and blanks; the form has neither. */
		if (strspn(s + 1, "0123456789.") < 5)
			return NULL;
		m = strtol(s + 1, &end, 10);
		if (end == s + 1 || *end != '.' || m < 1 || m > 12)
			return NULL;
		s = end + 1;
		n = strtol(s, &end, 10);
		if (end == s || *end != '.' || n < 1 || n > 5)
			return NULL;
		s = end + 1;
		d = strtol(s, &end, 10);
		if (end == s || d < 0 || d > 6)
			return NULL;
		w->form = 'M';
		w->a = (int)m, w->b = (int)n, w->c = (int)d;
	} else {
		int julian = *s == 'J';

		if (julian)
			s++;
		if (*s < '0' || *s > '9')
			return NULL;
		v = strtol(s, &end, 10);
		if (julian ? v < 1 || v > 365 : v < 0 || v > 365)
			return NULL;
		w->form = julian ? 'J' : 'D';
		w->a = (int)v;
	}
	s = end;
	if (*s == '/' && (s = posix_time(s + 1, 167, &w->secs)) == NULL)
		return NULL;
	return s;
}

/* The footer's TZ string, NUL-terminated; 0 or -1. */
static int
posix_parse(const char *s, tz_posix *p)
{
	long off;

	memset(p, 0, sizeof(*p));
	if ((s = posix_abbr(s, p->std_abbr)) == NULL
	    || (s = posix_time(s, 24, &off)) == NULL)
		return -1;
	p->std_off = -off;	/* POSIX counts west */
	if (*s == '\0')
		return 0;
	if ((s = posix_abbr(s, p->dst_abbr)) == NULL)
		return -1;
	p->has_dst = 1;
	p->dst_off = p->std_off + 3600;
	if (*s != ',' && *s != '\0') {
		if ((s = posix_time(s, 24, &off)) == NULL)
			return -1;
		p->dst_off = -off;
	}
	/* Without a rule POSIX leaves the dates to the implementation;
	 * a TZif footer always has one. */
	if ((s = posix_when(s, &p->start)) == NULL
	    || (s = posix_when(s, &p->end)) == NULL || *s != '\0')
		return -1;
	return 0;
}

static long
posix_offset(const tz_posix *p, int64_t t, const char **abbr)
{
	int64_t y, start, end;
	int dst;

	if (!p->has_dst) {
		*abbr = p->std_abbr;
		return p->std_off;
	}
	/* Keep the year arithmetic far from overflow; such instants are
	 * not dates anyone reads. */
	if (t > ((int64_t)1 << 53))
		t = (int64_t)1 << 53;
	if (t < -((int64_t)1 << 53))
		t = -((int64_t)1 << 53);
	y = year_of(floor_div(t + p->std_off, 86400));
	start = when_local(&p->start, y) - p->std_off;
	end = when_local(&p->end, y) - p->dst_off;
	if (start < end)
		dst = t >= start && t < end;
	else	/* the southern hemisphere: DST spans the new year */
		dst = !(t >= end && t < start);
	*abbr = dst ? p->dst_abbr : p->std_abbr;
	return dst ? p->dst_off : p->std_off;
}

/* -------------------------------------------------------- TZif files */

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8
	    | p[3];
}

static int64_t
be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

typedef struct tz_counts {
	uint32_t isut, isstd, leap, time, type, chars;
} tz_counts;

/* The header at p (len bytes left): its counts and the size of the data
 * block after it, for times of tsize bytes.  NULL on success, else why. */
static const char *
read_header(const unsigned char *p, size_t len, size_t tsize, tz_counts *c,
    size_t *block)
{
	if (memcmp(p, "TZif", len < 4 ? len : 4) != 0)
		return "not a TZif file (no \"TZif\" magic)";
	if (len < TZ_HEADER)
		return "truncated (no complete TZif header)";
	if (p[4] != 0 && (p[4] < '2' || p[4] > '4'))
		return "unknown TZif version";
	c->isut = be32(p + 20);
	c->isstd = be32(p + 24);
	c->leap = be32(p + 28);
	c->time = be32(p + 32);
	c->type = be32(p + 36);
	c->chars = be32(p + 40);
	if (c->type == 0 || c->type > TZ_TYPES_MAX)
		return "bad number of local time types";
	if (c->chars == 0 || c->chars > TZ_CHARS_MAX)
		return "bad number of designation bytes";
	if (c->time > TZ_TIMES_MAX)
		return "too many transitions";
	if ((c->isut != 0 && c->isut != c->type)
	    || (c->isstd != 0 && c->isstd != c->type))
		return "bad UT/local or standard/wall indicator count";
	if (c->leap != 0)
		return "leap-second zone files (right/...) are not supported";
	/* Every count is bounded above, so this cannot overflow. */
	*block = (size_t)c->time * tsize + c->time + (size_t)c->type * 6
	    + c->chars + (size_t)c->isstd + c->isut;
	if (len - TZ_HEADER < *block)
		return "truncated (data block shorter than its header says)";
	return NULL;
}

/* Fills tz from the data block at p (counts c, times of tsize bytes). */
static const char *
read_block(dsnx_tz *tz, const unsigned char *p, const tz_counts *c,
    size_t tsize)
{
	size_t i, size;
	unsigned char *mem;

	/* One allocation: times (8-aligned), types, indexes, designations. */
	size = (size_t)c->time * sizeof(int64_t) + (size_t)c->type
	    * sizeof(tz_type) + c->time + c->chars;
	if ((mem = malloc(size)) == NULL)
		return NULL;
	tz->times = (int64_t *)(void *)mem;
	tz->types = (tz_type *)(void *)(mem + (size_t)c->time * sizeof(int64_t));
	tz->index = (unsigned char *)(tz->types + c->type);
	tz->chars = (char *)tz->index + c->time;
	tz->ntimes = c->time;
	tz->ntypes = c->type;
	tz->nchars = c->chars;

	for (i = 0; i < c->time; i++, p += tsize) {
		tz->times[i] = tsize == 8 ? be64(p) : (int32_t)be32(p);
		if (i > 0 && tz->times[i] <= tz->times[i - 1])
			return "transition times not in ascending order";
	}
	for (i = 0; i < c->time; i++, p++) {
		if (*p >= c->type)
			return "transition to a local time type that does not exist";
		tz->index[i] = *p;
	}
	for (i = 0; i < c->type; i++, p += 6) {
		int32_t off = (int32_t)be32(p);

		if (off < TZ_OFFSET_MIN || off > TZ_OFFSET_MAX)
			return "UT offset out of range";
		if (p[4] > 1)
			return "bad DST indicator";
		if (p[5] >= c->chars)
			return "designation index out of range";
		tz->types[i].utoff = off;
		tz->types[i].isdst = p[4];
		tz->types[i].desig = p[5];
	}
	memcpy(tz->chars, p, c->chars);
	if (tz->chars[c->chars - 1] != '\0')
		return "designations not NUL-terminated";
	/* The indicators that follow only matter for POSIX-style rules
	 * applied to old files; we do not use them. */
	return "";
}

dsnx_status
dsnx_tz_parse(const char *name, const void *data, size_t len, dsnx_tz **out,
    dsnx_error_t *err)
{
	const unsigned char *p = data;
	tz_counts c;
	size_t block, tsize = 4;
	const char *why;
	dsnx_tz *tz;

	if (out == NULL || (data == NULL && len > 0))
		return fail(err, DSNX_EINVAL, name ? name : "", "no data");
	*out = NULL;
	if (name == NULL)
		name = "";
	if (len > TZ_FILE_MAX)
		return fail(err, DSNX_EPARSE, name, "larger than %u bytes",
		    TZ_FILE_MAX);
	if ((why = read_header(p, len, 4, &c, &block)) != NULL)
		return fail(err, DSNX_EPARSE, name, "%s", why);
	if (p[4] != 0) {
		/* Version 2+: skip the 32-bit block, read the 64-bit one. */
		p += TZ_HEADER + block;
		len -= TZ_HEADER + block;
		tsize = 8;
		if ((why = read_header(p, len, 8, &c, &block)) != NULL)
			return fail(err, DSNX_EPARSE, name, "second header: %s", why);
	}
	if ((tz = calloc(1, sizeof(*tz))) == NULL)
		return fail(err, DSNX_ENOMEM, name, "out of memory");
	snprintf(tz->name, sizeof(tz->name), "%s", name);
	why = read_block(tz, p + TZ_HEADER, &c, tsize);
	if (why == NULL || *why != '\0') {
		dsnx_tz_free(tz);
		return why == NULL ? fail(err, DSNX_ENOMEM, name, "out of memory")
		    : fail(err, DSNX_EPARSE, name, "%s", why);
	}
	if (tsize == 8) {
		const char *f = (const char *)p + TZ_HEADER + block, *nl;
		size_t left = len - TZ_HEADER - block;
		char footer[TZ_FOOTER_MAX + 1];

		if (left < 2 || f[0] != '\n'
		    || (nl = memchr(f + 1, '\n', left - 1)) == NULL) {
			dsnx_tz_free(tz);
			return fail(err, DSNX_EPARSE, name, "truncated (no footer)");
		}
		if ((size_t)(nl - f - 1) > TZ_FOOTER_MAX) {
			dsnx_tz_free(tz);
			return fail(err, DSNX_EPARSE, name, "footer longer than %u "
			    "bytes", TZ_FOOTER_MAX);
		}
		memcpy(footer, f + 1, (size_t)(nl - f - 1));
		footer[nl - f - 1] = '\0';
		if (footer[0] != '\0') {
			if (strlen(footer) != (size_t)(nl - f - 1)
			    || posix_parse(footer, &tz->footer) != 0) {
				dsnx_tz_free(tz);
				return fail(err, DSNX_EPARSE, name, "bad TZ string in the "
				    "footer");
			}
			tz->has_footer = 1;
		}
	}
	*out = tz;
	return DSNX_OK;
}

dsnx_status
dsnx_tz_fixed(int minutes, dsnx_tz **out)
{
	dsnx_tz *tz;
	int m = minutes < 0 ? -minutes : minutes;

	if (out == NULL)
		return DSNX_EINVAL;
	*out = NULL;
	if (minutes * 60L < TZ_OFFSET_MIN || minutes * 60L > TZ_OFFSET_MAX)
		return DSNX_EINVAL;
	if ((tz = calloc(1, sizeof(*tz))) == NULL)
		return DSNX_ENOMEM;
	tz->fixed = 1;
	tz->fixed_off = minutes * 60L;
	if (minutes == 0)
		snprintf(tz->name, sizeof(tz->name), "UTC");
	else
		snprintf(tz->name, sizeof(tz->name), "%c%02d:%02d",
		    minutes < 0 ? '-' : '+', m / 60, m % 60);
	*out = tz;
	return DSNX_OK;
}

/* Is name a relative zone name we are willing to open? NULL, or why not. */
static const char *
bad_name(const char *name)
{
	const char *p, *comp;
	size_t n;

	if (strlen(name) > TZ_NAME_MAX)
		return "zone name too long";
	if (strstr(name, "..") != NULL)
		return "\"..\" is not allowed in a zone name";
	if (strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._+-/") != strlen(name))
		return "a zone name has only letters, digits and . _ + - /";
	for (comp = name;; comp = p + 1) {
		p = strchr(comp, '/');
		n = p ? (size_t)(p - comp) : strlen(comp);
		if (n == 0 || (n == 1 && comp[0] == '.'))
			return "empty or \".\" component in the zone name";
		if (p == NULL)
			return NULL;
	}
}

dsnx_status
dsnx_tz_load(const char *name, const char *dir, dsnx_tz **out,
    dsnx_error_t *err)
{
	char path[TZ_NAME_MAX + 512];
	const char *rel = name, *why;
	unsigned char *buf;
	struct stat sb;
	ssize_t got;
	size_t dlen, len = 0;
	int fd, minutes;
	dsnx_status st;

	if (out == NULL)
		return fail(err, DSNX_EINVAL, "", "no result pointer");
	*out = NULL;
	if (name == NULL || name[0] == '\0')
		return fail(err, DSNX_EINVAL, "", "empty time zone");
	if (dsnx_utc_offset_parse(name, &minutes) == 0) {
		if ((st = dsnx_tz_fixed(minutes, out)) != DSNX_OK)
			return fail(err, st, name, "cannot make a fixed offset");
		return DSNX_OK;
	}
	if (name[0] == '+' || name[0] == '-')
		return fail(err, DSNX_EINVAL, name, "not an offset (+HH:MM or "
		    "-HHMM, hours up to 14)");
	if (dir == NULL)
		dir = DSNX_ZONEINFO_DIR;
	dlen = strlen(dir);
	while (dlen > 1 && dir[dlen - 1] == '/')
		dlen--;
	if (name[0] == '/') {
		if (strncmp(name, dir, dlen) != 0 || name[dlen] != '/')
			return fail(err, DSNX_EINVAL, name, "an absolute path must "
			    "lie in %.*s", (int)dlen, dir);
		rel = name + dlen + 1;
	}
	if ((why = bad_name(rel)) != NULL)
		return fail(err, DSNX_EINVAL, name, "%s", why);
	if ((size_t)snprintf(path, sizeof(path), "%.*s/%s", (int)dlen, dir, rel)
	    >= sizeof(path))
		return fail(err, DSNX_EINVAL, name, "path too long");

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return fail(err, DSNX_EIO, name, "unknown time zone (no %s)",
			    path);
		return fail(err, DSNX_EIO, name, "%s: %s", path, strerror(errno));
	}
	if (fstat(fd, &sb) != 0) {
		st = fail(err, DSNX_EIO, name, "%s: %s", path, strerror(errno));
		close(fd);
		return st;
	}
	if (!S_ISREG(sb.st_mode)) {
		close(fd);
		return fail(err, DSNX_EIO, name, "unknown time zone (%s is %s)",
		    path, S_ISDIR(sb.st_mode) ? "a directory of zones"
		    : "not a regular file");
	}
	if ((size_t)sb.st_size > TZ_FILE_MAX) {
		close(fd);
		return fail(err, DSNX_EPARSE, name, "%s: larger than %u bytes",
		    path, TZ_FILE_MAX);
	}
	/* One byte more than allowed tells a file that grew. */
	if ((buf = malloc(TZ_FILE_MAX + 1)) == NULL) {
		close(fd);
		return fail(err, DSNX_ENOMEM, name, "out of memory");
	}
	while (len <= TZ_FILE_MAX) {
		got = read(fd, buf + len, TZ_FILE_MAX + 1 - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			st = fail(err, DSNX_EIO, name, "%s: %s", path, strerror(errno));
			goto done;
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	st = dsnx_tz_parse(rel, buf, len, out, err);
	if (st != DSNX_OK && err != NULL && st != DSNX_ENOMEM) {
		char text[sizeof(err->text)];

		/* Say which file, and keep the name the user wrote. */
		snprintf(text, sizeof(text), "%s", err->text);
		fail(err, st, name, "%s: %s", path, text);
	}
done:
	free(buf);
	close(fd);
	return st;
}

void
dsnx_tz_free(dsnx_tz *tz)
{
	if (tz == NULL)
		return;
	free(tz->times);
	free(tz);
}

const char *
dsnx_tz_name(const dsnx_tz *tz)
{
	return tz == NULL ? "UTC" : tz->name;
}

/* A name worth showing beside the offset: letters only ("CEST"). */
static const char *
shown(const char *abbr)
{
	size_t i;

	for (i = 0; abbr[i] != '\0'; i++)
		if ((abbr[i] | 0x20) < 'a' || (abbr[i] | 0x20) > 'z')
			return NULL;
	return i >= 3 && i <= TZ_ABBR_MAX ? abbr : NULL;
}

long
dsnx_tz_offset_at(const dsnx_tz *tz, time_t t, const char **abbr)
{
	const char *name = NULL;
	const tz_type *type;
	size_t lo, hi, mid;
	long off;

	if (abbr != NULL)
		*abbr = NULL;
	if (tz == NULL || tz->fixed)
		return tz == NULL ? 0 : tz->fixed_off;
	if (tz->ntimes > 0 && (int64_t)t >= tz->times[tz->ntimes - 1]
	    && tz->has_footer)
		off = posix_offset(&tz->footer, (int64_t)t, &name);
	else if (tz->ntimes == 0 && tz->has_footer)
		off = posix_offset(&tz->footer, (int64_t)t, &name);
	else {
		type = &tz->types[0];
		if (tz->ntimes > 0 && (int64_t)t >= tz->times[0]) {
			/* The last transition at or before t. */
			lo = 0, hi = tz->ntimes;
			while (hi - lo > 1) {
				mid = lo + (hi - lo) / 2;
				if (tz->times[mid] <= (int64_t)t)
					lo = mid;
				else
					hi = mid;
			}
			type = &tz->types[tz->index[lo]];
		}
		off = type->utoff;
		name = tz->chars + type->desig;
	}
	if (abbr != NULL)
		*abbr = shown(name);
	return off;
}
