#include "util/timefmt.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* n decimal digits at *p (advanced), or -1. */
static int digits(const char **p, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++, (*p)++) {
		if (!isdigit((unsigned char)**p))
			return -1;
		v = v * 10 + (**p - '0');
	}
	return v;
}

/* A character c at *p (advanced), or false. */
static bool expect(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

/* ISO 8601 date and time. xsd: the xsd:dateTime vSphere writes (a 'T', seconds, an optional
 * fraction); else a person's: the date alone, or a 'T' or a space and hh:mm[:ss]. A zone Z or
 * +hh:mm/-hh:mm in both; none is UTC. */
static int parse_iso(const char *s, bool xsd, time_t *out)
{
	const char *p = s;
	int y = digits(&p, 4);
	if (y < 1970 || !expect(&p, '-'))
		return -1;
	int mo = digits(&p, 2);
	if (mo < 1 || mo > 12 || !expect(&p, '-'))
		return -1;
	int d = digits(&p, 2);
	if (d < 1 || d > 31)
		return -1;
	int h = 0, mi = 0, sec = 0;
	if (*p == 'T' || (!xsd && *p == ' ')) {
		p++;
		h = digits(&p, 2);
		if (h < 0 || !expect(&p, ':'))
			return -1;
		mi = digits(&p, 2);
		if (mi < 0 || mi > 59)
			return -1;
		if (expect(&p, ':')) {
			sec = digits(&p, 2);
			if (sec < 0 || sec > 60)
				return -1;
			if (expect(&p, '.')) {
				if (!isdigit((unsigned char)*p))
					return -1;
				while (isdigit((unsigned char)*p))
					p++;
			}
		} else if (xsd) {
			return -1;
		}
		if (h > 24 || (h == 24 && (mi || sec)))   /* 24:00:00 is the next midnight */
			return -1;
	} else if (xsd) {
		return -1;
	}
	long off = 0;
	if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1;
		int oh = digits(&p, 2);
		if (oh < 0 || oh > 14 || !expect(&p, ':'))
			return -1;
		int om = digits(&p, 2);
		if (om < 0 || om > 59)
			return -1;
		off = sign * (oh * 3600L + om * 60L);
	} else {
		expect(&p, 'Z');
	}
	if (*p)
		return -1;
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
			 .tm_hour = h, .tm_min = mi, .tm_sec = sec };
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*out = t - off;
	return 0;
}

time_t time_parse_xsd(const char *s)
{
	time_t t;
	return s && parse_iso(s, true, &t) == 0 ? t : -1;
}

bool time_parse_age(const char *s, long *seconds)
{
	static const char units[] = "smhdw";
	static const long unit_s[] = { 1, 60, 3600, 86400, 7 * 86400 };
	if (!s || !isdigit((unsigned char)*s))
		return false;
	long v = 0;
	for (; isdigit((unsigned char)*s); s++) {
		if (v > (LONG_MAX - (*s - '0')) / 10)
			return false;
		v = v * 10 + (*s - '0');
	}
	long unit = 1;
	if (*s) {
		const char *u = strchr(units, *s);
		if (!u || s[1])
			return false;
		unit = unit_s[u - units];
	}
	if (v > LONG_MAX / unit)
		return false;
	*seconds = v * unit;
	return true;
}

int time_parse_user(const char *s, time_t now, time_t *out)
{
	if (!s || !*s)
		return -1;
	if (!strcmp(s, "now")) {
		*out = now;
		return 0;
	}
	if (s[0] == '@') {
		char *end;
		long long v = strtoll(s + 1, &end, 10);
		if (end == s + 1 || *end || v < 0 || !isdigit((unsigned char)s[1]))
			return -1;
		*out = (time_t)v;
		return 0;
	}
	/* an age ago: it carries its unit (bare digits are no time) */
	long age;
	if (isalpha((unsigned char)s[strlen(s) - 1]) && time_parse_age(s, &age)) {
		if (age > (long long)now)
			return -1;
		*out = now - (time_t)age;
		return 0;
	}
	return parse_iso(s, false, out);
}

const char *time_age_text(long seconds, char *buf, size_t n)
{
	if (seconds >= 2 * 86400 && seconds % 86400 != 0)
		snprintf(buf, n, "%ld days", seconds / 86400);   /* an age, not a limit */
	else if (seconds >= 2 * 3600 && seconds % 3600 != 0 && seconds < 2 * 86400)
		snprintf(buf, n, "%ld h", seconds / 3600);
	else if (seconds % 86400 == 0)
		snprintf(buf, n, "%ld day%s", seconds / 86400, seconds == 86400 ? "" : "s");
	else if (seconds % 3600 == 0)
		snprintf(buf, n, "%ld h", seconds / 3600);
	else if (seconds % 60 == 0)
		snprintf(buf, n, "%ld min", seconds / 60);
	else
		snprintf(buf, n, "%ld s", seconds);
	return buf;
}

const char *time_iso(time_t t, char *buf, size_t n, const char *none)
{
	struct tm tm;
	if (!t || !gmtime_r(&t, &tm) || !strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return none;
	return buf;
}

const char *time_short(time_t t, char *buf, size_t n)
{
	struct tm tm;
	if (!t || !gmtime_r(&t, &tm) || !strftime(buf, n, "%Y-%m-%d %H:%M", &tm))
		snprintf(buf, n, "-");
	return buf;
}

const char *time_local(time_t t, char *buf, size_t n)
{
	struct tm tm;
	if (!t || !localtime_r(&t, &tm) || !strftime(buf, n, "%d %b %Y %H:%M", &tm)) {
		snprintf(buf, n, "-");
		return buf;
	}
	if (buf[0] == '0') /* "02 Dec" -> "2 Dec" */
		memmove(buf, buf + 1, strlen(buf));
	return buf;
}
