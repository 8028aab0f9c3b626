#include "probe/guest_text.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/probe_decode.h"
#include "probe/probe_parse.h"
#include "util/xalloc.h"
#include "vsphere/guest.h"

char *probe_guest_command(const char *command)
{
	return xasprintf("echo " PROBE_MARKER PROBE_SEC_CHCP " & chcp & echo " PROBE_MARKER
			 PROBE_SEC_OUTPUT " & (%s)", command);
}

/* The start of what follows the marker line of section `name`, or NULL. */
static const char *section_body(const char *raw, size_t len, const char *name)
{
	char marker[64];
	snprintf(marker, sizeof marker, "%s%s", PROBE_MARKER, name);
	size_t ml = strlen(marker);
	const char *end = raw + len;
	for (const char *p = raw; p < end;) {
		const char *m = memmem(p, (size_t)(end - p), marker, ml);
		if (!m)
			return NULL;
		const char *after = m + ml;
		while (after < end && (*after == ' ' || *after == '\r'))
			after++;
		/* the marker is a line of its own: at the start, after a line end */
		if ((m == raw || m[-1] == '\n') && after < end && *after == '\n')
			return after + 1;
		if ((m == raw || m[-1] == '\n') && after == end)
			return end;
		p = m + 1;
	}
	return NULL;
}

char *probe_guest_output(const char *raw, size_t len, int *cp)
{
	raw = raw ? raw : "";
	int page = probe_code_page(raw, len);
	const char *body = section_body(raw, len, PROBE_SEC_OUTPUT);
	if (!body)
		body = raw;
	if (cp)
		*cp = page;
	return probe_decode(body, (size_t)(raw + len - body), page, NULL);
}

int probe_guest_run(vs_conn *c, const char *vm_moref, const char *user, const char *password,
		    const char *command, int timeout_s, char **text, int *exit_code, vs_error *err)
{
	char *line = probe_guest_command(command);
	char *raw = NULL;
	size_t len = 0;
	int rc = vs_guest_run(c, vm_moref, user, password, line, timeout_s, &raw, &len, exit_code, err);
	free(line);
	*text = raw ? probe_guest_output(raw, len, NULL) : NULL;
	free(raw);
	return rc;
}

/* ---- what a command said ---- */

typedef struct {
	const char *s;
	size_t n;
} span;

/* The lines of text, blanks trimmed, empty ones skipped (heap array). */
static span *split_lines(const char *text, size_t *count)
{
	size_t cap = 8, n = 0;
	span *v = xcalloc(cap, sizeof *v);
	for (const char *p = text ? text : ""; *p;) {
		size_t l = strcspn(p, "\r\n");
		const char *s = p;
		size_t sn = l;
		while (sn && (*s == ' ' || *s == '\t')) {
			s++;
			sn--;
		}
		while (sn && (s[sn - 1] == ' ' || s[sn - 1] == '\t'))
			sn--;
		if (sn) {
			v = xgrow(v, &cap, n + 1, sizeof *v);
			v[n++] = (span){ s, sn };
		}
		p += l;
		p += strspn(p, "\r\n");
	}
	*count = n;
	return v;
}

static bool starts(span l, const char *prefix)
{
	size_t pn = strlen(prefix);
	return l.n >= pn && !memcmp(l.s, prefix, pn);
}

static bool contains(span l, const char *needle)
{
	return memmem(l.s, l.n, needle, strlen(needle)) != NULL;
}

/* A PowerShell record's excerpt, underline and category lines: "+ ..." and "~~~". */
static bool ps_record_line(span l)
{
	return starts(l, "+ ") || (l.n == 1 && l.s[0] == '+') || l.s[0] == '~';
}

/* The position line of a PowerShell error record in any language ("At line:1 char:12",
 * "In Zeile:1 Zeichen:12", "строка:1 знак:12", "所在位置 行:1 字符: 12"): two numbers each after
 * a colon, on the line just above the record's "+ " excerpt. */
static bool ps_position_line(span l, const span *next)
{
	if (!next || !starts(*next, "+ "))
		return false;
	int numbers = 0;
	for (size_t i = 0; i < l.n; i++) {
		if (l.s[i] != ':')
			continue;
		size_t k = i + 1;
		while (k < l.n && l.s[k] == ' ')
			k++;
		if (k < l.n && isdigit((unsigned char)l.s[k]))
			numbers++;
	}
	return numbers >= 2;
}

/* The value after "name :" on a line of a PowerShell record (blanks trimmed), or NULL. */
static const char *ps_field(const char *text, const char *name, size_t *vn)
{
	for (const char *p = text ? strstr(text, name) : NULL; p; p = strstr(p + 1, name)) {
		const char *q = p + strlen(name);
		while (*q == ' ')
			q++;
		if (*q != ':')
			continue;
		q++;
		while (*q == ' ')
			q++;
		*vn = strcspn(q, "\r\n");
		return q;
	}
	return NULL;
}

const char *probe_ps_error_meaning(const char *text)
{
	size_t cn = 0, in = 0;
	const char *cat = ps_field(text, "+ CategoryInfo", &cn);
	const char *id = ps_field(text, "+ FullyQualifiedErrorId", &in);
	if (!cat && !id)
		return NULL;
	char both[400];
	snprintf(both, sizeof both, "%.*s %.*s", (int)(cat ? cn : 0), cat ? cat : "",
		 (int)(id ? in : 0), id ? id : "");
	if (strstr(both, "PermissionDenied") || strstr(both, "UnauthorizedAccess"))
		return "PowerShell was refused access to the file (a read-only attribute, or the "
		       "account lacks the right to write it)";
	if (strstr(both, "CommandNotFoundException"))
		return "the PowerShell cmdlet does not exist on this Windows version";
	if (strstr(both, "PathNotFound") || strstr(both, "ItemNotFoundException"))
		return "the file PowerShell was to read does not exist";
	return "PowerShell reported an error";
}

void probe_utf8_trim(char *buf)
{
	size_t len = strlen(buf), i = len;
	while (i > 0 && ((unsigned char)buf[i - 1] & 0xC0) == 0x80)
		i--;
	if (i == 0)
		return;
	unsigned char lead = (unsigned char)buf[i - 1];
	size_t need = lead < 0x80 ? 1 : (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3 : 4;
	if (len - (i - 1) < need)
		buf[i - 1] = '\0';
}

void probe_command_said(const char *text, char *buf, size_t n)
{
	size_t count, len = 0;
	span *lines = split_lines(text, &count);
	buf[0] = '\0';
	const char *meaning = probe_ps_error_meaning(text);
	if (meaning) {
		int w = snprintf(buf, n, "%s; it said:", meaning);
		len = w < 0 ? 0 : (size_t)w < n ? (size_t)w : n - 1;
	}
	for (size_t i = 0; i < count && len + 1 < n; i++) {
		span l = lines[i];
		if (ps_record_line(l) || contains(l, "NET HELPMSG") ||
		    ps_position_line(l, i + 1 < count ? &lines[i + 1] : NULL))
			continue;
		int w = snprintf(buf + len, n - len, "%s%.*s", len ? " " : "", (int)l.n, l.s);
		len = w < 0 ? len : len + (size_t)w < n ? len + (size_t)w : n - 1;
	}
	free(lines);
	probe_utf8_trim(buf);
	if (!buf[0])
		snprintf(buf, n, "it printed nothing");
}
