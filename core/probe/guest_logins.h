/* guest_logins: which guest account probes which VM (issue 14), for estates where one account
 * does not fit all (LAPS, one domain per department).
 *
 * A file in the config dir ($XDG_CONFIG_HOME/quiescent/guest-logins, or --guest-logins), one
 * rule per line, the first matching rule wins, '#' starts a comment:
 *
 *     MATCH                USER                  PASSWORD-FROM
 *     sql-*                .\Administrator       command:pass show laps/sql
 *     /DC1/vm/Finance      FIN\svc-quiescent     env:FIN_GUEST_PASSWORD
 *     *                    CORP\svc-quiescent    prompt
 *
 * MATCH is a VM name glob, or a folder path (starting with '/': the VMs in that folder and
 * below it; globs allowed). PASSWORD-FROM is where the password comes from, never the file
 * itself: env:NAME (read once, then removed from the environment), prompt (asked on the
 * terminal), or command:PROGRAM ARGS... (run without a shell; the first line it prints is the
 * password; no password is ever on its command line). Each source is read once per run. */
#ifndef QUIESCENT_GUEST_LOGINS_H
#define QUIESCENT_GUEST_LOGINS_H

#include <stddef.h>

#include "model/model.h"

typedef struct guest_logins guest_logins;

/* Reads the rules of path. NULL with msg "" when the file does not exist, NULL with msg (one
 * sentence naming the line) when it cannot be read or a line is wrong. */
guest_logins *guest_logins_load(const char *path, char *msg, size_t n);
/* Fetches every rule's password from its source. 0, or -1 with msg. */
int guest_logins_resolve(guest_logins *m, char *msg, size_t n);
/* The user for VM f and its password (*password), or NULL when no rule matches. */
const char *guest_logins_for(const guest_logins *m, const vm_facts *f, const char **password);
size_t guest_logins_count(const guest_logins *m);
void guest_logins_free(guest_logins *m);

#endif
