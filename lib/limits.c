/*
 * NAME
 *	limits - default parser limits and status names
 * DESCRIPTION
 *	The defaults are sized for bounces: generous for real mail (a bounce
 *	with a 25 MB original attached), small enough that a hostile message
 *	cannot make a milter thread spend unbounded memory or time.
 */
#include "config.h"

#include "dsnexplain.h"

void
dsnx_limits_init(dsnx_limits *limits)
{
	limits->max_message = 64u << 20;
	limits->max_header_field = 64u << 10;
	limits->max_header_fields = 10000;
	limits->max_depth = 32;
	limits->max_parts = 1000;
	limits->max_boundary = 200;
	limits->max_recipients = 1000;
	limits->max_decoded = 4u << 20;
}

const char *
dsnx_strstatus(dsnx_status status)
{
	switch (status) {
	case DSNX_OK:
		return "success";
	case DSNX_ENOMEM:
		return "out of memory";
	case DSNX_ELIMIT:
		return "limit exceeded";
	case DSNX_EPARSE:
		return "malformed input";
	case DSNX_EINVAL:
		return "invalid argument";
	case DSNX_EIO:
		return "input/output error";
	}
	return "unknown error";
}
