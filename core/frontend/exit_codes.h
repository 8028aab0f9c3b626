/* exit_codes: the program's exit codes, the contract of quiescing-rules.md and quiescent(1), the
 * same for the headless commands and the console: 0 all ready, 1 done but not all ready, 2
 * usage, 3 connection, TLS or login failure, 4 not proven, 5 guest login refused, 6 stopped and
 * made safe, 7 something not safe (leftovers), 8 the history cannot be opened, read or
 * written, 9 busy: another live quiescent holds a VM, try later. */
#ifndef QUIESCENT_FRONTEND_EXIT_CODES_H
#define QUIESCENT_FRONTEND_EXIT_CODES_H

enum {
	CLI_EXIT_OK = 0,
	CLI_EXIT_NOT_READY = 1,
	CLI_EXIT_USAGE = 2,
	CLI_EXIT_CONNECT = 3,
	CLI_EXIT_NOT_PROVEN = 4,        /* some VM judged ready from stale or no guest facts */
	CLI_EXIT_GUEST_LOGIN = 5,       /* a guest login was refused: the rest were not tried */
	/* fix, snaptest, recover stopped (a signal, a lost terminal or output, a network lost past
	 * its grace) and everything made safe: every VM in its power state, no test snapshot. */
	CLI_EXIT_STOPPED_SAFE = 6,
	/* Something is NOT safe: a stop could not bring a VM back or remove a test snapshot, or
	 * (scan) an interrupted run of ours left one that is still there (an R26 finding). One
	 * meaning, two names: what the operator must do is the same (recover, cleanup-orphans). */
	CLI_EXIT_STOPPED_UNSAFE = 7,
	CLI_EXIT_LEFTOVERS = CLI_EXIT_STOPPED_UNSAFE,
	/* The history (SQLite) could not be opened, read or written: full disk, read-only media,
	 * a damaged file. Its own code, so a cron job never reads it as "not ready". */
	CLI_EXIT_HISTORY = 8,
	/* fix, snaptest, recover: a VM (or a plan, a test snapshot) was left alone because another
	 * live quiescent holds it now (standard error names its host and pid). The answer is
	 * incomplete, not "not ready": a cron job tries again later. Outranks 0, 1 and 4; 3, 6, 7
	 * and 8 outrank it. */
	CLI_EXIT_BUSY = 9,
};

#endif
