/* quiescent history: the timeline of scans, fixes and tests; a stored record; the diff of two
 * scans; trends; retention. Reads only the history file: no vCenter needed. */
#include "cli/cli.h"
#include "cli/cmd_common.h"
#include "frontend/history_out.h"
#include "frontend/retention.h"
#include "store/store.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "util/timefmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	store_history_filter f;
	scan_format format;
	const char *db;
	bool diff, diff_all, trends, vacuum;
	int64_t diff_a, diff_b;
	long keep_days, keep_proof_days;   /* keep_proof_days -1: the default */
	store_history_kind show_kind;
	int64_t show_id, show_item;
} history_opts;

static void usage(FILE *out)
{
	fprintf(out,
		"usage: quiescent history [OPTIONS]\n\n"
		"Reads the history back: every scan (one line per VM), fix and test snapshot, newest\n"
		"first. No vCenter is contacted.\n\n"
		"Filter:\n"
		"  --vm GLOB             VMs whose name (or moref) matches\n"
		"  --kind KIND           scan, fix or snaptest (repeatable)\n"
		"  --outcome WORD        scan status (ready, fixable...), fix outcome (fixed, failed...)\n"
		"                        or test result (success, failed...)\n"
		"  --vcenter HOST        one vCenter\n"
		"  --since T, --until T  ISO 8601 (2026-11-22, 2026-11-22T10:00Z), @UNIX, or relative\n"
		"                        to now: 7d, 12h, 30m, 2w\n"
		"  --limit N             the newest N records\n"
		"Other views:\n"
		"  --show KIND:ID[:ITEM] one stored record (scan:12, fix:3, snaptest:7; ITEM: one VM)\n"
		"  --diff [A B]          what changed between scans A and B (default: the last two)\n"
		"  --all                 with --diff: list unchanged VMs too\n"
		"  --trends              counts per status per scan\n"
		"  --keep DAYS           retention: delete scans (and other history) older than DAYS\n"
		"                        days, then compact the file (--vacuum may be given too)\n"
		"  --keep-proof DAYS     with --keep: keep fixes and test snapshots DAYS days\n"
		"                        (default: keep-proof of the retention settings, else the\n"
		"                        longer of --keep and 365 days)\n"
		"Retention settings: $XDG_CONFIG_HOME/quiescent/retention, lines 'keep DAYS' and\n"
		"'keep-proof DAYS': every scan then deletes what is older (without compacting).\n"
		"Output:\n"
		"  --format FMT          table (default), json or csv\n"
		"  --db PATH             history database (env QUIESCENT_DB)\n"
		"  -h, --help            this text\n\n"
		"Exit codes: 0 done, 1 the record was not found (or there is nothing to compare),\n"
		"2 usage error, 8 the history cannot be opened or read (damaged, missing).\n");
}

static bool parse_id(const char *s, int64_t *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (end == s || *end || v <= 0)
		return false;
	*out = v;
	return true;
}

static int bad(const char *fmt, const char *a)
{
	fprintf(stderr, "quiescent history: ");
	fprintf(stderr, fmt, a);
	fputc('\n', stderr);
	return -1;
}

static int parse(int argc, char **argv, history_opts *o)
{
	time_t now = time(NULL);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 1;
		} else if (!strcmp(a, "--diff")) {
			o->diff = true;
			if (i + 2 < argc && parse_id(argv[i + 1], &o->diff_a)) {
				if (!parse_id(argv[i + 2], &o->diff_b))
					return bad("--diff needs two scan ids, or none ('%s')", argv[i + 2]);
				i += 2;
			} else if (i + 1 < argc && parse_id(argv[i + 1], &o->diff_a)) {
				return bad("--diff needs two scan ids, or none (got only %s)", argv[i + 1]);
			}
		} else if (!strcmp(a, "--all")) {
			o->diff_all = true;
		} else if (!strcmp(a, "--trends")) {
			o->trends = true;
		} else if (!strcmp(a, "--vacuum")) {
			o->vacuum = true;
		} else if (!strcmp(a, "--vm") || !strcmp(a, "--kind") || !strcmp(a, "--since") ||
			   !strcmp(a, "--until") || !strcmp(a, "--format") || !strcmp(a, "--db") ||
			   !strcmp(a, "--keep") || !strcmp(a, "--keep-proof") || !strcmp(a, "--outcome") || !strcmp(a, "--vcenter") ||
			   !strcmp(a, "--limit") || !strcmp(a, "--show")) {
			if (i + 1 >= argc)
				return bad("%s needs a value", a);
			const char *v = argv[++i];
			if (!strcmp(a, "--vm")) {
				o->f.vm_glob = v;
			} else if (!strcmp(a, "--kind")) {
				store_history_kind k;
				if (!store_history_kind_parse(v, &k))
					return bad("unknown kind '%s' (scan, fix or snaptest)", v);
				o->f.kinds |= (unsigned)k;
			} else if (!strcmp(a, "--since") || !strcmp(a, "--until")) {
				time_t t;
				if (time_parse_user(v, now, &t) != 0)
					return bad("cannot read the time '%s' (2026-11-22, 2026-11-22T10:00Z, "
						   "@1795300000, 7d, 12h, 30m, 2w)", v);
				if (a[2] == 's')
					o->f.since = t;
				else
					o->f.until = t;
			} else if (!strcmp(a, "--format")) {
				if (!scan_format_parse(v, &o->format) || o->format == SCAN_FORMAT_CSV_FINDINGS)
					return bad("unknown format '%s' (table, json or csv)", v);
			} else if (!strcmp(a, "--db")) {
				o->db = v;
			} else if (!strcmp(a, "--keep") || !strcmp(a, "--keep-proof")) {
				char *end;
				long days = strtol(v, &end, 10);
				if (end == v || *end || days < 0 || days > 36500) {
					fprintf(stderr, "quiescent history: %s needs a number of days (0 to "
						"36500), not '%s'\n", a, v);
					return -1;
				}
				if (!strcmp(a, "--keep"))
					o->keep_days = days;
				else
					o->keep_proof_days = days;
			} else if (!strcmp(a, "--outcome")) {
				o->f.outcome = v;
			} else if (!strcmp(a, "--vcenter")) {
				o->f.vcenter = v;
			} else if (!strcmp(a, "--limit")) {
				int64_t n;
				if (!parse_id(v, &n))
					return bad("--limit needs a positive number, not '%s'", v);
				o->f.limit = (size_t)n;
			} else {
				char kind[16];
				long long id = 0, item = 0;
				int got = sscanf(v, "%15[a-z]:%lld:%lld", kind, &id, &item);
				if (got < 2 || !store_history_kind_parse(kind, &o->show_kind) || id <= 0 ||
				    item < 0)
					return bad("--show needs KIND:ID (scan:12, fix:3, snaptest:7), not '%s'", v);
				o->show_id = id;
				o->show_item = item;
			}
		} else {
			return bad("unknown option '%s' (see quiescent history --help)", a);
		}
	}
	bool keep_given = false, proof_given = false;
	for (int i = 1; i < argc; i++) {
		keep_given |= !strcmp(argv[i], "--keep");
		proof_given |= !strcmp(argv[i], "--keep-proof");
	}
	if (o->vacuum && !keep_given)
		return bad("%s", "--vacuum needs --keep DAYS");
	if (proof_given && !keep_given)
		return bad("%s", "--keep-proof goes with --keep DAYS");
	o->vacuum = keep_given;
	if (keep_given && !proof_given) {
		/* the retention settings' keep-proof, else the longer of DAYS and a year */
		retention_conf conf;
		char msg[768];
		if (retention_load(NULL, &conf, msg, sizeof msg) != 0)
			return bad("%s", msg);
		o->keep_proof_days = retention_proof_days(&conf, o->keep_days);
		retention_done(&conf);
	}
	if ((o->diff + o->trends + o->vacuum + (o->show_id > 0)) > 1)
		return bad("%s", "choose one of --diff, --trends, --show and --keep");
	if (o->f.since && o->f.until && o->f.since > o->f.until)
		return bad("%s", "--since is later than --until");
	return 0;
}

/* The timeline is written out as it is read (a year of daily scans is millions of lines):
 * what is pending goes to stdout past this size, and is kept until the end below it, so a
 * short timeline that fails half-way prints nothing but the error. */
#define TIMELINE_FLUSH_BYTES (256u * 1024u)

typedef struct {
	history_list_writer lw;
	bool write_failed;
	bool flushed;           /* part of the timeline is already on stdout */
} timeline_out;

static int timeline_row(const store_history_entry *e, void *ctx)
{
	timeline_out *t = ctx;
	history_list_row(&t->lw, e);
	strbuf *out = t->lw.out;
	if (out->len >= TIMELINE_FLUSH_BYTES) {
		if (fwrite(out->buf, 1, out->len, stdout) != out->len) {
			t->write_failed = true;
			return 1;
		}
		strbuf_reset(out);
		t->flushed = true;
	}
	return 0;
}

static int timeline(store *db, history_opts *o, strbuf *out)
{
	char msg[1024];
	size_t width = 32;
	bool by_vm = o->f.vm_glob && *o->f.vm_glob;
	if (o->format == SCAN_FORMAT_TABLE && (o->f.limit || by_vm)) {
		/* Bounded: read whole, the VM column as wide as the names shown. */
		store_history_entry *e;
		size_t n;
		if (store_history_list(db, &o->f, &e, &n, msg, sizeof msg) != 0) {
			fprintf(stderr, "quiescent history: %s\n", msg);
			return CLI_EXIT_HISTORY;
		}
		history_list_output(out, e, n, o->format);
		store_history_list_free(e, n);
		return CLI_EXIT_OK;
	}
	if (o->format == SCAN_FORMAT_TABLE &&
	    store_history_name_width(db, &width, msg, sizeof msg) != 0) {
		fprintf(stderr, "quiescent history: %s\n", msg);
		return CLI_EXIT_HISTORY;
	}
	timeline_out t = { .write_failed = false, .flushed = false };
	history_list_begin(&t.lw, out, o->format, width > 32 ? 32 : (int)width);
	int k = store_history_each(db, &o->f, timeline_row, &t, msg, sizeof msg);
	if (t.write_failed) {
		fprintf(stderr, "quiescent history: writing the output failed\n");
		return CLI_EXIT_NOT_READY;
	}
	if (k != 0) {
		fflush(stdout);
		fprintf(stderr, "quiescent history: %s%s\n", msg,
			t.flushed ? " (the timeline above is incomplete)" : "");
		return CLI_EXIT_HISTORY;
	}
	history_list_end(&t.lw);
	return CLI_EXIT_OK;
}

static int run(history_opts *o)
{
	char msg[1024];
	store *db = o->vacuum ? cmd_open_history("quiescent history", o->db)
			      : cmd_open_history_read("quiescent history", o->db);
	if (!db)
		return CLI_EXIT_HISTORY;
	strbuf out;
	strbuf_init(&out);
	int rc = CLI_EXIT_OK;
	if (o->vacuum) {
		store_vacuum_stats st;
		time_t now = time(NULL);
		time_t cutoff = now - (time_t)o->keep_days * 86400;
		time_t proof_cutoff = now - (time_t)o->keep_proof_days * 86400;
		if (store_history_vacuum(db, cutoff, proof_cutoff, &st, msg, sizeof msg) != 0) {
			fprintf(stderr, "quiescent history: %s\n", msg);
			rc = CLI_EXIT_HISTORY;
		} else {
			char tb[32], pb[32];
			strbuf_addf(&out, "deleted history older than %s: %lld scans (%lld stored VM "
				    "states no longer used), %lld tasks, %lld events, %lld messages, "
				    "%lld connections; fixes and test snapshots older than %s: %lld "
				    "fixes, %lld test snapshots; %lld -> %lld bytes\n",
				    time_iso(cutoff, tb, sizeof tb, "-"), (long long)st.scans,
				    (long long)st.states, (long long)st.tasks,
				    (long long)st.events, (long long)st.messages,
				    (long long)st.connections, time_iso(proof_cutoff, pb, sizeof pb, "-"),
				    (long long)st.plans, (long long)st.snaptests,
				    (long long)st.bytes_before, (long long)st.bytes_after);
		}
	} else if (o->diff) {
		int64_t a = o->diff_a, b = o->diff_b;
		if (!a) {
			int k = store_history_last_two_scans(db, o->f.vcenter, &a, &b, msg, sizeof msg);
			if (k <= 0) {
				fprintf(stderr, "quiescent history: %s\n",
					k < 0 ? msg : "there are fewer than two scans to compare");
				rc = k < 0 ? CLI_EXIT_HISTORY : CLI_EXIT_NOT_READY;
				goto out;
			}
		}
		store_scan_diff d;
		if (store_history_diff(db, a, b, o->f.vm_glob, &d, msg, sizeof msg) != 0) {
			fprintf(stderr, "quiescent history: %s\n", msg);
			rc = CLI_EXIT_HISTORY;
			goto out;
		}
		history_diff_output(&out, &d, o->format, o->diff_all);
		store_scan_diff_done(&d);
	} else if (o->trends) {
		store_trend_point *p;
		size_t n;
		if (store_history_trends(db, &o->f, &p, &n, msg, sizeof msg) != 0) {
			fprintf(stderr, "quiescent history: %s\n", msg);
			rc = CLI_EXIT_HISTORY;
			goto out;
		}
		history_trends_output(&out, p, n, o->format);
		free(p);
	} else if (o->show_id) {
		store_history_record r;
		int k = store_history_record_get(db, o->show_kind, o->show_id, o->show_item, &r,
						 msg, sizeof msg);
		if (k <= 0) {
			if (k == 0)
				fprintf(stderr, "quiescent history: there is no %s %lld in %s\n",
					store_history_kind_name(o->show_kind), (long long)o->show_id, store_path(db));
			else
				fprintf(stderr, "quiescent history: %s\n", msg);
			rc = k < 0 ? CLI_EXIT_HISTORY : CLI_EXIT_NOT_READY;
			goto out;
		}
		history_record_output(&out, &r, o->format);
		store_history_record_done(&r);
	} else {
		rc = timeline(db, o, &out);
		if (rc != CLI_EXIT_OK)
			goto out;
	}
	fwrite(out.buf, 1, out.len, stdout);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "quiescent history: writing the output failed\n");
		rc = CLI_EXIT_NOT_READY;
	}
out:
	strbuf_done(&out);
	store_close(db);
	return rc;
}

int cmd_history(int argc, char **argv)
{
	history_opts o = { .format = SCAN_FORMAT_TABLE };
	int p = parse(argc, argv, &o);
	if (p != 0)
		return p > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
	return run(&o);
}
