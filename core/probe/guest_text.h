/* guest_text: what a guest command printed, as UTF-8 text whatever the guest's language.
 *
 * cmd.exe writes redirected output in the console's code page (the guest's OEM code page:
 * 850, 866, 932...). Every guest command the fix executor runs goes through here, the way the
 * probe's commands do: `chcp` runs first in the same process, its number picks the iconv
 * decoder, and only what the command itself printed (after a marker line) is returned. What
 * a command said is read by structure (PowerShell's error record, net's help pointer), not by
 * English words, so a German or Japanese guest's refusal is understood too. */
#ifndef QUIESCENT_PROBE_GUEST_TEXT_H
#define QUIESCENT_PROBE_GUEST_TEXT_H

#include <stddef.h>

#include "vsphere/session.h"

#define PROBE_SEC_OUTPUT "output"

/* `command` with `chcp` and the output marker in front (heap). The exit code of the whole
 * line stays the command's: it runs last, in its own ( ) group. */
char *probe_guest_command(const char *command);

/* The output of a probe_guest_command line (raw bytes as the guest wrote them) as valid UTF-8
 * (heap): the part after the output marker, decoded in the code page chcp printed. Without
 * the marker (the command line did not run as built) the whole output is decoded. *cp (may be
 * NULL) gets the code page, 0 when unknown. */
char *probe_guest_output(const char *raw, size_t len, int *cp);

/* vs_guest_run of probe_guest_command(command), the output decoded by probe_guest_output:
 * *text is UTF-8 (heap, also on failure when something was read; may be NULL). */
int probe_guest_run(vs_conn *c, const char *vm_moref, const char *user, const char *password,
		    const char *command, int timeout_s, char **text, int *exit_code, vs_error *err);

/* What a failed command said, as one line in buf: its non-empty lines joined by spaces, the
 * lines that carry no news dropped (net's "NET HELPMSG n" pointer, a PowerShell error
 * record's position, excerpt and category lines, in any language). A PowerShell error record
 * is explained first, in English, from its language-neutral ids (CategoryInfo,
 * FullyQualifiedErrorId). "it printed nothing" when nothing is left. */
void probe_command_said(const char *text, char *buf, size_t n);

/* Drops a character cut in half at the end of buf (snprintf truncates bytes, and the text
 * goes to SQLite and JSON as UTF-8). */
void probe_utf8_trim(char *buf);

/* The English meaning of the first PowerShell error record in text, from its ids
 * ("access to the file was refused (read-only attribute or permissions)"), or NULL. */
const char *probe_ps_error_meaning(const char *text);

#endif
