/* guest: running a command inside a Windows guest through Guest Operations (docs/guest-probe.md).
 *
 * StartProgramInGuest (NamePasswordAuthentication: the password travels only in the SOAP body,
 * built in locked memory and wiped, never in the program's arguments, never logged) runs
 *   C:\Windows\System32\cmd.exe /c <command> > "C:\Windows\Temp\quiescent-<random>.txt" 2>&1
 * then ListProcessesInGuest until endTime, InitiateFileTransferFromGuest, an HTTPS GET of the
 * transfer URL (host '*' replaced by the session's host; same TLS rules), and DeleteFileInGuest
 * (always, once the program was started, even after a failure). */
#ifndef QUIESCENT_VS_GUEST_H
#define QUIESCENT_VS_GUEST_H

#include <stddef.h>

#include "vsphere/session.h"

#define VS_GUEST_MAX_OUTPUT ((size_t)4 << 20)   /* a probe prints a few KiB */

/* Runs `command` and returns its combined stdout+stderr (malloc'ed, NUL-terminated, CRLF as
 * Windows writes it) and exit code. timeout_s bounds the whole run (<= 0: 120 s); on timeout the
 * process is terminated (best effort). 0, or -1 with err: kind FAULT with the fault type for
 * InvalidGuestLogin, GuestOperationsUnavailable, GuestPermissionDenied, ...; TIMEOUT. */
int vs_guest_run(vs_conn *c, const char *vm_moref, const char *user, const char *password,
		 const char *command, int timeout_s, char **output, size_t *output_len,
		 int *exit_code, vs_error *err);

/* The transfer URL with a '*' host replaced by `host` (malloc'ed; test seam). */
char *vs_guest_fix_url(const char *url, const char *host);

#endif
