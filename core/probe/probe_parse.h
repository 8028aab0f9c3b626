/* probe_parse: pure parsers of what the guest probe's chained command prints (see
 * docs/guest-probe.md). No I/O, no vSphere: text in, facts out, so every parser is unit- and
 * fuzz-testable.
 *
 * The text comes from a guest we do not control, so the parsers never guess: output they do not
 * recognise leaves the fact UNKNOWN and says why in `err`. CRLF and LF line ends, extra blank
 * lines and trailing spaces are tolerated. Texts longer than PROBE_MAX_TEXT are refused.
 *
 * Error texts: `err` (errlen bytes, may be NULL/0) receives one clause without a final period,
 * e.g. "sc failed with error 5 (Access is denied.)"; it is set to "" on success. Quoted guest
 * text in errors and evidence is cleaned of control characters and shortened. */
#ifndef QUIESCENT_PROBE_PARSE_H
#define QUIESCENT_PROBE_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "model/model.h"

#define PROBE_MAX_TEXT ((size_t)4 << 20)  /* 4 MiB: a real probe prints a few KiB */
#define PROBE_MAX_WRITERS 512              /* a real guest has 10 to 40 */
#define PROBE_MARKER "::quiescent:: "

/* Section names, as the probe's `echo ::quiescent:: <name>` lines print them. */
#define PROBE_SEC_QUERY_VMVSS "sc query vmvss"
#define PROBE_SEC_QC_VMVSS "sc qc vmvss"
#define PROBE_SEC_QUERY_LGTO "sc query LGTO_Sync"
#define PROBE_SEC_QC_LGTO "sc qc LGTO_Sync"
#define PROBE_SEC_QUERY_VSS "sc query VSS"
#define PROBE_SEC_QC_VSS "sc qc VSS"
#define PROBE_SEC_WRITERS "vssadmin list writers"
#define PROBE_SEC_TOOLS_CONF "tools.conf"
#define PROBE_SEC_DISKPART "diskpart"
#define PROBE_SEC_STORAGEPOOL "storagepool"

/* What the probe prints in the tools.conf section when the file does not exist (a default
 * install has only tools.conf.example): Tools then uses its defaults. Printed by an
 * `if not exist`, so no language's "cannot find the path" sentence has to be known. */
#define PROBE_TOOLS_CONF_ABSENT "::quiescent-absent::"

/* `sc query <svc>`: sets out->state and out->raw_state ("4  RUNNING", freed and replaced),
 * and out->installed (YES when sc printed the service, NO on FAILED 1060). out must be
 * initialised (zeroed or model_guest_probe_init). Returns false, with state UNKNOWN, on other
 * failures (e.g. FAILED 5, access denied: installed left as it was) or unknown text. When
 * sc query and sc qc disagree on installed, it becomes UNKNOWN and the second one fails. */
bool probe_parse_sc_query(const char *text, svc_facts *out, char *err, size_t errlen);

/* Whether an sc output is a failure with error 5 (access denied), in any language. */
bool probe_sc_denied(const char *text);

/* `sc qc <svc>`: sets out->start and out->installed the same way (1060: not installed,
 * start stays UNKNOWN). Returns false on other failures or unknown text. */
bool probe_parse_sc_qc(const char *text, svc_facts *out, char *err, size_t errlen);

/* Whether vssadmin refused for lack of an elevated administrator token ("You don't have the
 * correct permissions to run this command", in any shipped language, or E_ACCESSDENIED). */
bool probe_vssadmin_denied(const char *text);

/* `vssadmin list writers`, by structure and numbers, in any language: a writer block is five
 * `label : value` lines (':' or the full-width colon) whose values have known shapes - 'name'
 * (any of Windows' quotes, or none), {GUID}, {GUID}, [N] words, words - after any banner,
 * blank or "Waiting for responses" lines. The state is the number; the last error is mapped
 * from every shipped language's words and the VSS HRESULTs, unknown text giving OTHER.
 * On success *out is a heap array of *n writers (free each with
 * probe_writers_free or through model_guest_probe_done) and true is returned. On failure
 * (vssadmin "Error:", no writer at all, a truncated or garbled writer block, more than
 * PROBE_MAX_WRITERS) *out is NULL, *n is 0: a partial list must not pass for the whole one.
 * State mapping: [1] stable; [2]..[5] (the waiting states) WAITING_FOR_COMPLETION;
 * [6]..[15] FAILED; [0] (VSS_WS_UNKNOWN) and numbers above 15 OTHER. */
bool probe_parse_vssadmin_writers(const char *text, vss_writer **out, size_t *n,
				  char *err, size_t errlen);
void probe_writers_free(vss_writer *w, size_t n);

/* tools.conf as `type` prints it; PROBE_TOOLS_CONF_ABSENT alone means no file (defaults). Only [vmbackup] counts; section names and keys are
 * case-insensitive; booleans true/false/1/0/yes/no (any case). A key that is absent stays
 * TRI_UNKNOWN (Tools uses its default). "The system cannot find the path/file specified."
 * means no file: both UNKNOWN, returns true (the file was "read"). Returns false, both
 * UNKNOWN, on other errors, a line that is not INI, or a value that is not a boolean. */
bool probe_parse_tools_conf(const char *text, tri *disable_app_quiescing, tri *enable_vss,
			    char *err, size_t errlen);

/* `echo list disk | diskpart`: *dynamic YES when a disk row has `*` in the Dyn column (located
 * from the header line), NO when none has. *evidence (heap, caller frees; NULL on failure)
 * names the dynamic disks or counts the basic ones. Returns false (UNKNOWN) without the header
 * or rows, or when the table looks cut off. */
bool probe_parse_diskpart(const char *text, tri *dynamic, char **evidence,
			  char *err, size_t errlen);

/* Get-StoragePool | Format-Table: no output -> NO; a table with rows -> YES, evidence lists
 * the pool names; "Get-StoragePool ... is not recognized" (or no powershell) -> NO. */
bool probe_parse_storage_pools(const char *text, tri *spaces, char **evidence,
			       char *err, size_t errlen);

/* One section of the chained output: pointers into the text given to probe_split_sections,
 * not NUL-terminated. body starts after the marker line and runs to the next marker. */
typedef struct {
	const char *name;
	size_t name_len;
	const char *body;
	size_t body_len;
} probe_section;

/* Splits at marker lines (`::quiescent:: <name>`, trailing blanks ignored). A marker may also
 * follow text on the same line (a command that did not end its last line, e.g. diskpart's
 * prompt): that text stays with the previous section. Text before the first marker is dropped.
 * Returns a heap array (free() it; NULL when *n is 0) of *n sections in order of appearance;
 * duplicates are kept, the caller decides. Texts over PROBE_MAX_TEXT give no section. */
probe_section *probe_split_sections(const char *text, size_t *n);

/* Splits and parses everything into out (facts only: out->state and out->at are left to the
 * caller). Facts whose section is missing, duplicated or unparseable stay UNKNOWN;
 * out->error gets one sentence listing each problem ("sc query VSS: ...; diskpart: ...."),
 * or stays NULL. writers_known is YES when vssadmin parsed, tools_conf_read when tools.conf
 * did. Returns true when every section parsed. out must be initialised; fields it sets are
 * freed and replaced. */
bool probe_parse_all(const char *text, guest_probe *out);

#endif
