/*
 * fuzz_settings - libFuzzer target: the milter's settings
 *
 * The input is a configuration file for milter_settings_read_file(),
 * written to a scratch file; then each of its lines is applied again as
 * a command line assignment (-o Key=Value, the first blank or '=' made
 * the '='), and the result printed as -n prints it.  Every error must
 * name its source and say what is wrong; line numbers stay within the
 * file.
 *
 * LIMITS: TimeZone values read the system's tz database.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[4200];
static FILE *devnull;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	milter_settings s;
	milter_config_error err;
	const char *p = (const char *)data, *end = p + size;
	unsigned lines = 1;
	size_t i;

	if (path[0] == '\0') {
		snprintf(path, sizeof(path), "%s/settings.conf", fuzz_scratch());
		if ((devnull = fopen("/dev/null", "w")) == NULL)
			abort();
	}
	for (i = 0; i < size; i++)
		lines += p[i] == '\n';
	fuzz_write(path, data, size);
	milter_settings_init(&s);
	memset(&err, 0, sizeof(err));
	if (milter_settings_read_file(&s, path, &err) != 0) {
		FUZZ_CHECK(err.source[0] != '\0' && err.text[0] != '\0',
		    "an error without source or text");
		FUZZ_CHECK(err.line <= lines, "error on line %u of %u",
		    err.line, lines);
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl != NULL ? nl : end) - p), k;
		char line[4200];

		if (n < sizeof(line) && memchr(p, '\0', n) == NULL) {
			memcpy(line, p, n);
			line[n] = '\0';
			k = strcspn(line, " \t=");
			if (line[k] != '\0')
				line[k] = '=';
			memset(&err, 0, sizeof(err));
			if (milter_settings_assign(&s, line, &err) != 0)
				FUZZ_CHECK(err.source[0] != '\0'
				    && err.text[0] != '\0',
				    "an assignment error without source or text");
		}
		p += n + 1;
	}
	milter_settings_print(&s, devnull);
	milter_settings_free(&s);
	return 0;
}
