/* timefmt: the one reader and writer of times and ages as text. Times are written in UTC
 * (ISO 8601, as in the JSON contract) unless a function says local; nothing here reads the
 * clock: "now" is the caller's. */
#ifndef QUIESCENT_UTIL_TIMEFMT_H
#define QUIESCENT_UTIL_TIMEFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* An xsd:dateTime as vSphere writes it ("2026-11-22T10:04:00.123Z", "+01:00", or no zone:
 * UTC); -1 when s is not one. */
time_t time_parse_xsd(const char *s);

/* A time given by a person: ISO 8601 ("2026-11-22", "2026-11-22T10:00", "2026-11-22 10:00",
 * "2026-11-22T10:00:00Z", UTC unless it carries +hh:mm/-hh:mm), a Unix time ("@1795300000"),
 * "now", or an age ago ("7d", "12h", "30m", "2w", "45s"). 0 and *out set, or -1. */
int time_parse_user(const char *s, time_t now, time_t *out);

/* An age: a whole number of seconds, or one followed by one unit of s, m, h, d, w ("90",
 * "30m", "7d", "2w"). false when it is not one or too large; bounds are the caller's. */
bool time_parse_age(const char *s, long *seconds);
/* An age said back to a person: "7 days", "1 day", "12 h", "90 min", "45 s". */
const char *time_age_text(long seconds, char *buf, size_t n);

/* Enough for every text below with its NUL. */
#define TIME_TEXT_MAX 32

/* "2026-11-22T10:04:00Z"; `none` when t is 0 (unknown) or cannot be written. */
const char *time_iso(time_t t, char *buf, size_t n, const char *none);
/* "2026-11-22 10:04" (UTC); "-" when t is 0. */
const char *time_short(time_t t, char *buf, size_t n);
/* "2 Dec 2026 10:04" in the local time zone; "-" when t is 0. */
const char *time_local(time_t t, char *buf, size_t n);

#endif
