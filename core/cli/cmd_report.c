/* quiescent report: proof per VM, open problems, the trend of full scans, what changed and
 * every VM in one document (HTML for auditors and managers, Markdown, CSV, JSON), from the
 * history only. */
#include "cli/cli.h"
#include "cli/cmd_common.h"
#include "frontend/history_out.h"
#include "cli/report.h"
#include "store/store.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "util/timefmt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *out)
{
	fprintf(out,
		"usage: quiescent report [OPTIONS]\n\n"
		"Writes one self-contained report from the history: a headline (VMs proven by a test\n"
		"snapshot, predicted by the rules only, failing; by datacenter, cluster and folder),\n"
		"the open problems with the next action, readiness over the full scans of the period,\n"
		"what changed in it, then every VM. The HTML has inline styles and an inline SVG\n"
		"chart: no script, nothing fetched from anywhere; it prints on A4 landscape.\n\n"
		"  --format FMT          html (default), md, csv or json\n"
		"  -o, --output FILE     write to FILE (atomically) instead of stdout\n"
		"  --vcenter HOST        only this vCenter\n"
		"  --since TIME          the period's start: 2026-11-22, 7d, 12h... (default 30d)\n"
		"  --vm GLOB             only VMs whose name matches\n"
		"  --folder GLOB         only VMs whose folder path matches\n"
		"  --max-proof-age DAYS  a test older than this only predicts (default 30)\n"
		"  --db PATH             history database (env QUIESCENT_DB)\n"
		"  -h, --help            this text\n\n"
		"Exit codes: 0 written, 1 the report could not be built or the file not written,\n"
		"2 usage error, 8 the history cannot be opened or read (damaged, missing).\n");
}

/* temp file in the same directory, fsync, rename: a reader never sees half a report */
static int write_atomic(const char *path, const strbuf *sb)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "quiescent report: cannot create %s: %s\n", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	size_t off = 0;
	while (off < sb->len) {
		ssize_t k = write(fd, sb->buf + off, sb->len - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		off += (size_t)k;
	}
	int bad = off != sb->len || fsync(fd) != 0;
	if (close(fd) != 0)
		bad = 1;
	if (bad || rename(tmp, path) != 0) {
		fprintf(stderr, "quiescent report: cannot write %s: %s\n", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

int cmd_report(int argc, char **argv)
{
	report_format fmt = REPORT_HTML;
	const char *db_path = NULL, *output = NULL;
	report_opts ro = { 0 };
	time_t now = time(NULL);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return CLI_EXIT_OK;
		}
		if (strcmp(a, "--format") && strcmp(a, "-o") && strcmp(a, "--output") &&
		    strcmp(a, "--db") && strcmp(a, "--vcenter") && strcmp(a, "--since") &&
		    strcmp(a, "--vm") && strcmp(a, "--folder") && strcmp(a, "--max-proof-age")) {
			fprintf(stderr, "quiescent report: unknown option '%s' (see quiescent report --help)\n", a);
			return CLI_EXIT_USAGE;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "quiescent report: %s needs a value\n", a);
			return CLI_EXIT_USAGE;
		}
		const char *v = argv[++i];
		if (!strcmp(a, "--format")) {
			if (!report_format_parse(v, &fmt)) {
				fprintf(stderr, "quiescent report: unknown format '%s' (html, md, csv or json)\n", v);
				return CLI_EXIT_USAGE;
			}
		} else if (!strcmp(a, "--db")) {
			db_path = v;
		} else if (!strcmp(a, "--vcenter")) {
			ro.vcenter = v;
		} else if (!strcmp(a, "--since")) {
			if (time_parse_user(v, now, &ro.since) != 0 || ro.since > now) {
				fprintf(stderr, "quiescent report: cannot read the time '%s' (2026-11-22, "
						"2026-11-22T10:00Z, @1795300000, 7d, 12h, 2w)\n", v);
				return CLI_EXIT_USAGE;
			}
		} else if (!strcmp(a, "--vm")) {
			ro.vm_glob = v;
		} else if (!strcmp(a, "--folder")) {
			ro.folder_glob = v;
		} else if (!strcmp(a, "--max-proof-age")) {
			char *end;
			long days = strtol(v, &end, 10);
			if (end == v || *end || days < 1 || days > 3650) {
				fprintf(stderr, "quiescent report: --max-proof-age takes a number of days "
						"from 1 to 3650, not '%s'\n", v);
				return CLI_EXIT_USAGE;
			}
			ro.max_proof_age = (time_t)days * 86400;
		} else {
			output = v;
		}
	}
	char msg[1024];
	store *db = cmd_open_history_read("quiescent report", db_path);
	if (!db)
		return CLI_EXIT_HISTORY;
	strbuf out;
	strbuf_init(&out);
	int rc = CLI_EXIT_OK;
	if (report_build(db, &ro, fmt, now, &out, msg, sizeof msg) != 0) {
		fprintf(stderr, "quiescent report: %s\n", msg);
		rc = CLI_EXIT_NOT_READY;
	} else if (output && strcmp(output, "-")) {
		if (write_atomic(output, &out) != 0)
			rc = CLI_EXIT_NOT_READY;
	} else {
		fwrite(out.buf, 1, out.len, stdout);
		if (fflush(stdout) != 0) {
			fprintf(stderr, "quiescent report: writing the report failed\n");
			rc = CLI_EXIT_NOT_READY;
		}
	}
	strbuf_done(&out);
	store_close(db);
	return rc;
}
