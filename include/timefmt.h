/* Time parsing (ISO 8601 / RFC 3339 input) and formatting (RFC 3339 UTC output). */
#ifndef TASKAPI_TIMEFMT_H
#define TASKAPI_TIMEFMT_H

#include <stddef.h>

#define TIME_TEXT_MAX 40

/*
 * Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.ffffff]]" with an optional "Z" or
 * "+HH:MM" offset ("T" may be a space; no offset means UTC). On success writes the
 * instant in UTC as "YYYY-MM-DDTHH:MM:SS.ffffffZ" to out and returns 0; else -1.
 */
int time_parse(const char *s, size_t n, char out[TIME_TEXT_MAX]);

/*
 * Converts PostgreSQL's timestamptz text in ISO style with TimeZone UTC
 * ("2026-01-15 10:35:00.123+00") to RFC 3339 ("2026-01-15T10:35:00.123Z").
 * Returns 0, or -1 when the input is not of that form.
 */
int time_from_pg(const char *pg, char out[TIME_TEXT_MAX]);

#endif
