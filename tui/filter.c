#include "tui/filter.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <fnmatch.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum { F_ANY, F_NAME, F_OS, F_STATUS, F_RULE, F_POWER, F_LEVEL, F_MARKED, F_FOLDER, F_DC,
	       F_CLUSTER, F_HOST, F_VCENTER } field;
typedef enum { M_SUBSTR, M_REGEX, M_EXACT, M_GLOB } how;

typedef struct {
	bool negate;
	field fld;
	how how;
	char *text;
	regex_t re;
} term;

struct vm_filter {
	char *expr;
	term *t;
	size_t n;
};

static const char *const statuses[] = { "ready", "fixable", "manual", "unknown", "n/a" };

static bool is_rule_id(const char *s)
{
	return (s[0] == 'R' || s[0] == 'r') && isdigit((unsigned char)s[1]) &&
	       isdigit((unsigned char)s[2]) && !s[3];
}

static bool is_status(const char *s)
{
	for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
		if (!strcasecmp(s, statuses[i]))
			return true;
	return false;
}

void filter_free(vm_filter *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++) {
		if (f->t[i].how == M_REGEX)
			regfree(&f->t[i].re);
		free(f->t[i].text);
	}
	free(f->t);
	free(f->expr);
	free(f);
}

const char *filter_text(const vm_filter *f)
{
	return f ? f->expr : "";
}

/* ---- regex complexity ----
 * glibc's regcomp expands repetitions by copying subtrees ("a+" is "aa*", "a{n}" n copies), so
 * stacked or nested quantifiers grow exponentially: "x++++...+" (50 of them) takes gigabytes
 * (found by tests/fuzz/fuzz_filter). Before regcomp we estimate the size of the expanded tree
 * and refuse patterns beyond FILTER_RE_MAX_COST; real filters cost a few dozen. */
#define FILTER_RE_MAX_LEN 256
#define FILTER_RE_MAX_COST 4096.0

static double re_cost_alt(const char **pp, int depth);

static double re_cap(double c)
{
	return c > 1e12 ? 1e12 : c;
}

/* A {n}, {n,} or {n,m} interval at *pp ('{'): its weight, advancing past it; 0 when it is
 * not an interval (then '{' is a literal). */
static double re_interval(const char **pp)
{
	const char *p = *pp + 1;
	double n = 0, m = -1;
	if (*p < '0' || *p > '9')
		return 0;
	while (*p >= '0' && *p <= '9')
		n = n * 10 + (*p++ - '0');
	if (*p == ',') {
		p++;
		if (*p >= '0' && *p <= '9') {
			m = 0;
			while (*p >= '0' && *p <= '9')
				m = m * 10 + (*p++ - '0');
		}
	}
	if (*p != '}')
		return 0;
	*pp = p + 1;
	double k = m > n ? m : n;
	return re_cap(k + 1);
}

static double re_cost_seq(const char **pp, int depth)
{
	const char *p = *pp;
	double total = 0, item = 0;
	bool quantified = false;
	while (*p && *p != '|' && !(*p == ')' && depth > 0)) {
		double w = 0;
		if (*p == '*' || *p == '+' || *p == '?') {
			w = 2;
			p++;
		} else if (*p == '{' && (w = re_interval(&p)) > 0) {
			/* p advanced */
		}
		if (w > 0) {
			/* Stacked quantifiers ("a++", "(x||y)+*") are undefined in POSIX EREs and make
			 * glibc's matcher take minutes (tests/fuzz/fuzz_filter): never worth running. */
			if (quantified)
				w = 1e12; /* refused by cost, parsing goes on to the end */
			quantified = true;
			item = re_cap((item ? item : 1) * w);
			continue;
		}
		quantified = false;
		total = re_cap(total + item);
		if (*p == '(') {
			p++;
			item = re_cost_alt(&p, depth + 1) + 1;
			if (*p == ')')
				p++;
		} else if (*p == '[') {
			p++;
			if (*p == '^')
				p++;
			if (*p == ']')
				p++;
			while (*p && *p != ']') {
				if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
					const char *e = strchr(p + 2, ']');
					p = e ? e + 1 : p + strlen(p);
				} else {
					p++;
				}
			}
			if (*p)
				p++;
			item = 1;
		} else {
			if (*p == '\\' && p[1])
				p++;
			p++;
			item = 1;
		}
	}
	*pp = p;
	return re_cap(total + item);
}

static double re_cost_alt(const char **pp, int depth)
{
	double total = re_cost_seq(pp, depth);
	while (**pp == '|') {
		(*pp)++;
		total = re_cap(total + re_cost_seq(pp, depth) + 1);
	}
	return total;
}

/* True when regcomp may compile word in bounded memory and time. */
static bool re_reasonable(const char *word)
{
	if (strlen(word) > FILTER_RE_MAX_LEN)
		return false;
	const char *p = word;
	double cost = 0;
	while (*p) {   /* an unbalanced ')' at the top: regcomp refuses it, keep counting */
		cost = re_cap(cost + re_cost_alt(&p, 0));
		if (*p)
			p++;
	}
	return cost <= FILTER_RE_MAX_COST;
}

static int compile_term(term *t, const char *word, char *err, size_t errlen)
{
	static const struct {
		const char *prefix;
		field fld;
	} fields[] = { { "name:", F_NAME }, { "os:", F_OS }, { "status:", F_STATUS },
		       { "rule:", F_RULE }, { "power:", F_POWER }, { "level:", F_LEVEL },
		       { "folder:", F_FOLDER }, { "dc:", F_DC }, { "datacenter:", F_DC },
		       { "cluster:", F_CLUSTER }, { "host:", F_HOST }, { "vcenter:", F_VCENTER },
		       { "vc:", F_VCENTER } };
	memset(t, 0, sizeof *t);
	if (*word == '!') {
		t->negate = true;
		word++;
	}
	bool force_re = false;
	t->fld = F_ANY;
	if (!strncasecmp(word, "re:", 3)) {
		force_re = true;
		word += 3;
	} else {
		for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
			size_t len = strlen(fields[i].prefix);
			if (!strncasecmp(word, fields[i].prefix, len)) {
				t->fld = fields[i].fld;
				word += len;
				break;
			}
		}
		if (t->fld == F_ANY && strchr(word, ':') && !strpbrk(word, "^$*+?[](){}|\\")) {
			snprintf(err, errlen, "unknown filter field in '%s' (name:, os:, status:, rule:, power:, level:, folder:, dc:, cluster:, host:, vcenter:)", word);
			return -1;
		}
	}
	if (!*word) {
		snprintf(err, errlen, "empty filter word");
		return -1;
	}
	bool location = t->fld == F_FOLDER || t->fld == F_DC || t->fld == F_CLUSTER || t->fld == F_HOST ||
			t->fld == F_VCENTER;
	if (location && !force_re && strpbrk(word, "*?[")) {
		t->how = M_GLOB; /* folder:Prod* as in a shell, not a regex */
	} else if (t->fld == F_ANY && !force_re && !strcasecmp(word, "marked")) {
		t->fld = F_MARKED;
		t->how = M_EXACT;
	} else if (!force_re && (force_re = strpbrk(word, "^$*+?[](){}|\\") != NULL, !force_re)) {
		if (t->fld == F_ANY && is_rule_id(word))
			t->fld = F_RULE, t->how = M_EXACT;
		else if (t->fld == F_ANY && is_status(word))
			t->fld = F_STATUS, t->how = M_EXACT;
		else if (t->fld == F_RULE || t->fld == F_STATUS)
			t->how = M_EXACT;
		else
			t->how = M_SUBSTR;
	}
	if (force_re) {
		t->how = M_REGEX;
		if (!re_reasonable(word)) {
			snprintf(err, errlen, "regex '%.64s%s' is too complex (too long, or too many nested "
				 "repetitions)", word, strlen(word) > 64 ? "..." : "");
			return -1;
		}
		int rc = regcomp(&t->re, word, REG_EXTENDED | REG_ICASE | REG_NOSUB);
		if (rc != 0) {
			char why[128];
			regerror(rc, &t->re, why, sizeof why);
			snprintf(err, errlen, "bad regex '%s': %s", word, why);
			return -1;
		}
	}
	t->text = xstrdup(word);
	return 0;
}

vm_filter *filter_compile(const char *expr, char *err, size_t errlen)
{
	vm_filter *f = xcalloc(1, sizeof *f);
	f->expr = xstrdup(expr ? expr : "");
	char *copy = xstrdup(f->expr);
	char *save = NULL;
	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		f->t = xrealloc(f->t, (f->n + 1) * sizeof *f->t);
		if (compile_term(&f->t[f->n], w, err, errlen) < 0) {
			free(copy);
			filter_free(f);
			return NULL;
		}
		f->n++;
	}
	free(copy);
	return f;
}

static bool match_text(const term *t, const char *s);

/* A folder is an inventory path ("/DC0/vm/Production/SQL"): a glob matches the whole path or
 * any tail of it that starts at a folder, so folder:Prod* finds Production and below. */
static bool match_folder(const term *t, const char *path)
{
	if (!path)
		return false;
	if (t->how != M_GLOB)
		return match_text(t, path);
	for (const char *p = path; p; p = strchr(p, '/')) {
		if (*p == '/')
			p++;
		if (match_text(t, p))
			return true;
	}
	return match_text(t, path);
}

static unsigned char lower_ascii(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* strcasestr for the short texts of a VM, without its set-up cost (most of a filter pass):
 * bytes compared as ASCII letters without case, other bytes as they are. The first byte is
 * looked for with one compare a byte: c | 0x20 equals a lower-case letter only for that
 * letter in either case. */
static bool contains_nocase(const char *hay, const char *needle)
{
	unsigned char first = lower_ascii((unsigned char)*needle);
	if (!first)
		return true;
	unsigned char fold = first >= 'a' && first <= 'z' ? 0x20 : 0;
	for (const unsigned char *p = (const unsigned char *)hay; *p; p++) {
		if ((*p | fold) != first)
			continue;
		size_t k = 1;
		while (needle[k] && lower_ascii(p[k]) == lower_ascii((unsigned char)needle[k]))
			k++;
		if (!needle[k])
			return true;
	}
	return false;
}

static bool match_text(const term *t, const char *s)
{
	if (!s)
		return false;
	switch (t->how) {
	case M_EXACT:
		return !strcasecmp(s, t->text);
	case M_GLOB:
		return fnmatch(t->text, s, FNM_CASEFOLD) == 0;
	case M_REGEX:
		return regexec(&t->re, s, 0, NULL, 0) == 0;
	case M_SUBSTR:
	default:
		return contains_nocase(s, t->text);
	}
}

static bool match_rules(const term *t, const filter_subject *s)
{
	for (size_t i = 0; i < s->n_rules; i++)
		if (match_text(t, s->rules[i]))
			return true;
	return false;
}

static bool match_term(const term *t, const filter_subject *s)
{
	switch (t->fld) {
	case F_NAME:
		return match_text(t, s->name);
	case F_OS:
		return match_text(t, s->os) || match_text(t, s->os_family);
	case F_STATUS:
		return match_text(t, s->status);
	case F_RULE:
		return match_rules(t, s);
	case F_POWER:
		return match_text(t, s->power);
	case F_LEVEL:
		return match_text(t, s->predicted);
	case F_MARKED:
		return s->marked;
	case F_FOLDER:
		return match_folder(t, s->folder);
	case F_DC:
		return match_text(t, s->datacenter);
	case F_CLUSTER:
		return match_text(t, s->cluster);
	case F_HOST:
		return match_text(t, s->host);
	case F_VCENTER:
		return match_text(t, s->vcenter);
	case F_ANY:
	default:
		return match_text(t, s->name) || match_text(t, s->os) || match_text(t, s->os_family) ||
		       match_text(t, s->status) || match_rules(t, s) || match_text(t, s->folder) ||
		       match_text(t, s->datacenter) || match_text(t, s->cluster) || match_text(t, s->host);
	}
}

/* The part of a term decided by the texts VMs share (OS, status, power, level, location). */
static bool match_shared(const term *t, const filter_subject *s)
{
	switch (t->fld) {
	case F_NAME:
	case F_RULE:
	case F_MARKED:
		return false;
	case F_ANY:
		return match_text(t, s->os) || match_text(t, s->os_family) || match_text(t, s->status) ||
		       match_text(t, s->folder) || match_text(t, s->datacenter) ||
		       match_text(t, s->cluster) || match_text(t, s->host);
	default:
		return match_term(t, s);
	}
}

/* The rest: what is the VM's own (name, rule ids, mark). */
static bool match_own(const term *t, const filter_subject *s)
{
	switch (t->fld) {
	case F_NAME:
	case F_RULE:
	case F_MARKED:
		return match_term(t, s);
	case F_ANY:
		return match_text(t, s->name) || match_rules(t, s);
	default:
		return false;
	}
}

/* ---- the memo of one pass ----
 * Over a fleet the OS, status, power, level and location texts are a few shared (interned or
 * static) strings, and VMs come in many alike: the shared part of every term is worked out
 * once per set of those strings (by address) and remembered for the rest of the pass. Only
 * for one pass: between passes a string may be freed and its address reused (within a pass
 * the VMs holding an address hold the same text). */
#define MEMO_SLOTS 4096 /* a power of two */
#define MEMO_PROBES 8
#define MEMO_TEXTS 10
#define MEMO_MAX_TERMS FILTER_MAX_PART_TERMS

struct filter_memo {
	struct {
		const char *text[MEMO_TEXTS];
		unsigned long pass;
		uint64_t hits;  /* bit i: term i's shared part matches */
	} slot[MEMO_SLOTS];
	unsigned long pass;
};

filter_memo *filter_memo_new(void)
{
	filter_memo *m = xcalloc(1, sizeof *m);
	m->pass = 1;
	return m;
}

void filter_memo_free(filter_memo *m)
{
	free(m);
}

void filter_memo_next_pass(filter_memo *m)
{
	m->pass++;
}

static uint64_t shared_hits(const vm_filter *f, const filter_subject *s, filter_memo *m)
{
	const char *texts[MEMO_TEXTS] = { s->os, s->os_family, s->status, s->power, s->predicted,
					  s->folder, s->datacenter, s->cluster, s->host, s->vcenter };
	uint64_t h = 0;
	for (int i = 0; i < MEMO_TEXTS; i++)
		h = (h ^ (uint64_t)(uintptr_t)texts[i]) * 0x9E3779B97F4A7C15ull;
	size_t at = (size_t)(h >> 40);
	for (int k = 0; k < MEMO_PROBES; k++) {
		size_t i = (at + (size_t)k) & (MEMO_SLOTS - 1);
		if (m->slot[i].pass == m->pass) {
			if (!memcmp(m->slot[i].text, texts, sizeof texts))
				return m->slot[i].hits;
			continue;
		}
		uint64_t hits = 0; /* a free slot: work it out and remember */
		for (size_t t = 0; t < f->n; t++)
			hits |= (uint64_t)match_shared(&f->t[t], s) << t;
		memcpy(m->slot[i].text, texts, sizeof texts);
		m->slot[i].pass = m->pass;
		m->slot[i].hits = hits;
		return hits;
	}
	uint64_t hits = 0; /* crowded: not remembered */
	for (size_t t = 0; t < f->n; t++)
		hits |= (uint64_t)match_shared(&f->t[t], s) << t;
	return hits;
}

bool filter_match_memo(const vm_filter *f, const filter_subject *s, filter_memo *m)
{
	if (!f)
		return true;
	if (!m || f->n > MEMO_MAX_TERMS) {
		for (size_t i = 0; i < f->n; i++)
			if (match_term(&f->t[i], s) == f->t[i].negate)
				return false;
		return true;
	}
	uint64_t hits = shared_hits(f, s, m);
	for (size_t i = 0; i < f->n; i++) {
		bool hit = (hits >> i & 1) || match_own(&f->t[i], s);
		if (hit == f->t[i].negate)
			return false;
	}
	return true;
}

bool filter_parts_ok(const vm_filter *f)
{
	return f && f->n <= FILTER_MAX_PART_TERMS;
}

/* Whether a term has a part of the VM's own (name, rule ids, mark): as match_own. */
static bool has_own(const term *t)
{
	return t->fld == F_ANY || t->fld == F_NAME || t->fld == F_RULE || t->fld == F_MARKED;
}

uint64_t filter_shared_open(const vm_filter *f, const filter_subject *s)
{
	uint64_t open = 0;
	for (size_t i = 0; i < f->n && i < FILTER_MAX_PART_TERMS; i++) {
		const term *t = &f->t[i];
		if (match_shared(t, s)) {
			if (t->negate)
				return FILTER_REJECTED; /* the term matches whatever the rest */
		} else if (has_own(t)) {
			open |= (uint64_t)1 << i;
		} else if (!t->negate) {
			return FILTER_REJECTED; /* nothing of the VM's own can match it */
		}
	}
	return open;
}

void filter_rule_bits(const vm_filter *f, const char *const *ids, size_t n_ids, uint64_t *masks)
{
	for (size_t t = 0; t < f->n && t < FILTER_MAX_PART_TERMS; t++) {
		masks[t] = 0;
		bool rules = f->t[t].fld == F_RULE || f->t[t].fld == F_ANY; /* as match_own */
		for (size_t j = 0; rules && j < n_ids && j < 64; j++)
			masks[t] |= (uint64_t)match_text(&f->t[t], ids[j]) << j;
	}
}

bool filter_match_open(const vm_filter *f, uint64_t open, const char *name, uint64_t rules,
		       const uint64_t *masks, bool marked)
{
	if (open == FILTER_REJECTED)
		return false;
	for (; open; open &= open - 1) {
		size_t i = 0;
		while (!(open >> i & 1))
			i++;
		const term *t = &f->t[i];
		bool hit;
		switch (t->fld) { /* the VM's own part, as match_own */
		case F_NAME:
			hit = match_text(t, name);
			break;
		case F_RULE:
			hit = (rules & masks[i]) != 0;
			break;
		case F_MARKED:
			hit = marked;
			break;
		default: /* F_ANY */
			hit = (rules & masks[i]) != 0 || match_text(t, name);
			break;
		}
		if (hit == t->negate)
			return false;
	}
	return true;
}

bool filter_match(const vm_filter *f, const filter_subject *s)
{
	return filter_match_memo(f, s, NULL);
}
