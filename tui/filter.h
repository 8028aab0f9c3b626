/* filter: the `/` filter language of the VM list. Pure: compiled once, matched per row.
 *
 *   words       every word must match (AND), case-insensitively
 *   !word       negation:  !ready  (every VM that is not ready)
 *   R07         a rule id: VMs with a finding of that rule
 *   ready       a status name (ready, fixable, manual, unknown, n/a): that status exactly
 *   sql         a substring of the name, OS, status or a rule id
 *   ^sql-.*01$  a word with a regex character (^ $ * + ? [ ] ( ) { } | \) is a POSIX
 *               extended regex over the same fields; re:PATTERN forces a regex
 *   name:X os:X status:X rule:X power:X level:X   restrict a word to one field
 *   folder:X dc:X cluster:X host:X   where the VM lives: a substring, or with * ? [ a glob
 *               over the whole value (folder:Prod*); plain words match these too
 *   marked      the marked VMs
 */
#ifndef QUIESCENT_TUI_FILTER_H
#define QUIESCENT_TUI_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
	const char *name;
	const char *os;         /* the OS text shown (guest full name or family) */
	const char *os_family;  /* "win2019" */
	const char *status;     /* "ready" ... "n/a" */
	const char *power;      /* "on", "off", "suspended" */
	const char *predicted;  /* level names */
	const char *folder;     /* the VM's location; NULL: not known */
	const char *datacenter;
	const char *cluster;
	const char *host;
	const char *vcenter;    /* host[:port] of its vCenter */
	const char *const *rules; /* rule ids of the findings */
	size_t n_rules;
	bool marked;
} filter_subject;

typedef struct vm_filter vm_filter;

/* Compiles expr. NULL with err filled on a bad regex or an unknown field; an empty expr
 * compiles to a filter that matches everything. Free with filter_free. */
vm_filter *filter_compile(const char *expr, char *err, size_t errlen);
void filter_free(vm_filter *f);
bool filter_match(const vm_filter *f, const filter_subject *s);
/* The same over many subjects in one pass (the UI thread filtering the fleet): the terms'
 * answers for the texts VMs share (OS, status, power, level, location: interned or static
 * strings) are worked out once per set of those strings, by address, for the pass; only the
 * name, rule ids and mark are matched for every subject. Call filter_memo_next_pass before each pass (and after
 * the filter changed): texts may be freed, and their addresses reused, between passes. */
typedef struct filter_memo filter_memo;
filter_memo *filter_memo_new(void);
void filter_memo_free(filter_memo *m);
void filter_memo_next_pass(filter_memo *m);
bool filter_match_memo(const vm_filter *f, const filter_subject *s, filter_memo *m);
/* The same in parts, for a caller that keeps each VM's texts in its own compact form (the
 * VM list's rows, tui/vmorder): filter_shared_open decides what the shared texts of s decide
 * (all but the name, rule ids and mark): FILTER_REJECTED when they fail the filter whatever
 * the rest, else the terms (bit i: term i) whose answer still needs the VM's own texts;
 * filter_rule_bits gives, for each term i, bit j of masks[i] set when term i matches the rule
 * id ids[j] (n_ids <= 64); filter_match_open then decides a VM from the open terms of its
 * shared texts, its name, the bits of its rule ids (bit j: a finding of rule ids[j]) and its
 * mark. Valid when filter_parts_ok(f) (at most FILTER_MAX_PART_TERMS terms); masks holds one
 * per term. */
#define FILTER_MAX_PART_TERMS 63
#define FILTER_REJECTED UINT64_MAX
bool filter_parts_ok(const vm_filter *f);
uint64_t filter_shared_open(const vm_filter *f, const filter_subject *s);
void filter_rule_bits(const vm_filter *f, const char *const *ids, size_t n_ids, uint64_t *masks);
bool filter_match_open(const vm_filter *f, uint64_t open, const char *name, uint64_t rules,
		       const uint64_t *masks, bool marked);
/* The expression as given. */
const char *filter_text(const vm_filter *f);

#endif
