/* quiescent report: the last scan, the changes, fixes, tests and the trend in one document
 * (HTML for change tickets and managers, or CSV/JSON), from the history only. */
#include "cli/cli.h"
#include "cli/cmd_common.h"
#include "cli/report.h"
#include "store/store.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

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
		"Writes one self-contained report from the history: the last scan, what changed since\n"
		"the scan before, the fixes, the test snapshots and readiness over time. The HTML has\n"
		"inline styles and an inline SVG chart: no script, nothing fetched from anywhere.\n\n"
		"  --format FMT          html (default), csv or json\n"
		"  -o, --output FILE     write to FILE (atomically) instead of stdout\n"
		"  --vcenter HOST        only this vCenter\n"
		"  --db PATH             history database (env QUIESCENT_DB)\n"
		"  -h, --help            this text\n\n"
		"Exit codes: 0 written, 1 the history could not be read or the file not written,\n"
		"2 usage error or no usable history file.\n");
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
	const char *db_path = NULL, *output = NULL, *vcenter = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return CLI_EXIT_OK;
		}
		if (strcmp(a, "--format") && strcmp(a, "-o") && strcmp(a, "--output") &&
		    strcmp(a, "--db") && strcmp(a, "--vcenter")) {
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
				fprintf(stderr, "quiescent report: unknown format '%s' (html, csv or json)\n", v);
				return CLI_EXIT_USAGE;
			}
		} else if (!strcmp(a, "--db")) {
			db_path = v;
		} else if (!strcmp(a, "--vcenter")) {
			vcenter = v;
		} else {
			output = v;
		}
	}
	char msg[1024];
	store *db = cmd_open_history("quiescent report", db_path);
	if (!db)
		return CLI_EXIT_USAGE;
	strbuf out;
	strbuf_init(&out);
	int rc = CLI_EXIT_OK;
	if (report_build(db, vcenter, fmt, time(NULL), &out, msg, sizeof msg) != 0) {
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
