#include "cli/cli.h"
#include "cli/stop.h"

#include <string.h>

#ifndef QUIESCENT_VERSION
#define QUIESCENT_VERSION "0.1.0"
#endif

typedef struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} command;

static const command commands[] = {
	{ "scan", cmd_scan, "read every VM's facts, probe guests, print and store readiness" },
	{ "snaptest", cmd_snaptest, "take quiesced test snapshots, read what VSS did, clean up" },
	{ "fix", cmd_fix, "plan and apply the fixes of the rules' findings, journaled and verified" },
	{ "recover", cmd_recover, "bring back VMs a stopped or killed fix left off (fix --recover)" },
	{ "rules", cmd_rules, "print the readiness rules as this build evaluates them" },
	{ "history", cmd_history, "the timeline of scans, fixes and tests; diffs, trends, retention" },
	{ "report", cmd_report, "one self-contained HTML/CSV/JSON report for change tickets" },
	{ "probe", cmd_probe, "probe one guest; --save keeps its raw outputs for a bug report" },
};

/* Not listed by --help: helpers of the shell completion (dist/quiescent.bash). */
static const command hidden_commands[] = {
	{ "complete", cmd_complete, "VM names of the last scan, for the shell completion" },
};

static const command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	for (size_t i = 0; i < sizeof hidden_commands / sizeof hidden_commands[0]; i++)
		if (!strcmp(hidden_commands[i].name, name))
			return &hidden_commands[i];
	return NULL;
}

void cli_usage(FILE *out)
{
	fprintf(out, "usage: quiescent [COMMAND] [OPTIONS]\n\n"
		     "Quiescing readiness of Windows VMs for application-consistent backups.\n\n");
	cli_commands_usage(out);
}

void cli_commands_usage(FILE *out)
{
	fprintf(out, "Commands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n  quiescent COMMAND --help   options of a command\n"
		     "  quiescent --version\n\n"
		     "Exit codes: 0 all ready, 1 something not ready, 2 usage error,\n"
		     "3 connection, TLS or login failure, 6 stopped (signal, lost output) with\n"
		     "everything made safe, 7 stopped with something NOT made safe, or leftovers\n"
		     "of an interrupted run remain, 8 the history cannot be opened, read or\n"
		     "written (a full disk, read-only media, a damaged file), 9 busy: another\n"
		     "running quiescent holds a VM (try later).\n");
}

bool cli_handles(int argc, char **argv)
{
	if (argc < 2)
		return false;
	return find_command(argv[1]) || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	       !strcmp(argv[1], "--version") || !strcmp(argv[1], "help");
}

int cli_main(int argc, char **argv)
{
	/* A reader that goes away (| head) is a write error to handle, never a death. */
	cli_stop_ignore_sigpipe();
	if (argc < 2) {
		cli_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("quiescent %s\n", QUIESCENT_VERSION);
		return CLI_EXIT_OK;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		cli_usage(stdout);
		return CLI_EXIT_OK;
	}
	const command *c = find_command(argv[1]);
	if (!c) {
		fprintf(stderr, "quiescent: unknown command '%s' (see quiescent --help)\n", argv[1]);
		return CLI_EXIT_USAGE;
	}
	return c->run(argc - 1, argv + 1);
}
