#include "probe/probe.h"
#include "probe/probe_parse.h"
#include "util/xalloc.h"
#include "vsphere/guest.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One command, one guest process: on a real Windows guest each process start costs about a
 * second, so the probe asks for everything at once and splits the output by its markers. */
static const char probe_cmd[] =
	"echo " PROBE_MARKER PROBE_SEC_QUERY_VMVSS " & sc query vmvss & "
	"echo " PROBE_MARKER PROBE_SEC_QC_VMVSS " & sc qc vmvss & "
	"echo " PROBE_MARKER PROBE_SEC_QUERY_LGTO " & sc query LGTO_Sync & "
	"echo " PROBE_MARKER PROBE_SEC_QC_LGTO " & sc qc LGTO_Sync & "
	"echo " PROBE_MARKER PROBE_SEC_QUERY_VSS " & sc query VSS & "
	"echo " PROBE_MARKER PROBE_SEC_QC_VSS " & sc qc VSS & "
	"echo " PROBE_MARKER PROBE_SEC_WRITERS " & vssadmin list writers & "
	"echo " PROBE_MARKER PROBE_SEC_TOOLS_CONF " & type \"C:\\ProgramData\\VMware\\VMware Tools\\tools.conf\" & "
	"echo " PROBE_MARKER PROBE_SEC_DISKPART " & echo list disk | diskpart & "
	"echo " PROBE_MARKER PROBE_SEC_STORAGEPOOL " & powershell -NoProfile -NonInteractive -Command "
	"\"Get-StoragePool -IsPrimordial $false | Format-Table -AutoSize FriendlyName,OperationalStatus,HealthStatus\"";

const char *probe_command(void)
{
	return probe_cmd;
}

static bool is_windows(const vm_facts *f)
{
	const char *ids[] = { f->guest_id, f->config_guest_id, f->guest_full_name, f->config_guest_full_name };
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
		if (ids[i] && (!strncasecmp(ids[i], "win", 3) || strstr(ids[i], "Windows")))
			return true;
	return false;
}

bool probe_applicable(const vm_facts *f)
{
	return !f->is_template && f->power == POWER_ON && f->tools == TOOLS_RUNNING && is_windows(f);
}

void probe_vm(vs_conn *c, const vm_facts *f, const char *user, const char *password,
	      int timeout_s, guest_probe *out)
{
	char *text = NULL;
	size_t len = 0;
	int exit_code = 0;
	vs_error err;
	vs_error_clear(&err);
	model_guest_probe_done(out);
	model_guest_probe_init(out);
	out->at = time(NULL);
	if (vs_guest_run(c, f->moref, user, password, probe_cmd, timeout_s, &text, &len, &exit_code, &err) != 0) {
		out->state = !strcmp(err.fault, "InvalidGuestLogin") ? PROBE_LOGIN_FAILED : PROBE_UNAVAILABLE;
		out->error = xasprintf("guest probe of %s failed: %s", f->name, err.message);
		return;
	}
	/* The exit code is the last command's (Get-StoragePool): the sections carry the truth. */
	(void)exit_code;
	probe_parse_all(text, out);
	out->state = PROBE_OK;
	free(text);
}
