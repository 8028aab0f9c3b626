#include "vsphere/vm_ops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"
#include "vsphere/soap.h"

typedef struct {
	char *out;
	size_t n;
	bool found;
} moref_ctx;

static int read_moref(xmlTextReaderPtr r, void *arg, vs_error *err)
{
	moref_ctx *m = arg;
	if (m->found)
		return 0;   /* the first one counts; the rest are passed over */
	char *t = vs_xml_text(r);
	if (!t || !*t || strlen(t) >= m->n) {
		free(t);
		return vs_fail(err, VS_ERR_PARSE, "The server returned an unusable reference.");
	}
	snprintf(m->out, m->n, "%s", t);
	free(t);
	m->found = true;
	return 0;
}

static int on_moref(xmlTextReaderPtr r, void *arg, vs_error *err)
{
	moref_ctx *m = arg;
	if (vs_xml_each_returnval(r, read_moref, m, err) < 0)
		return -1;
	return m->found ? 0 : vs_fail(err, VS_ERR_PARSE, "The server returned no task reference.");
}

int vs_call_returning_moref(vs_conn *c, const char *body, char *out, size_t n, vs_error *err)
{
	moref_ctx m = { .out = out, .n = n };
	if (n)
		out[0] = '\0';
	return vs_soap_call(c, body, on_moref, &m, err);
}

static void begin(strbuf *sb, const char *method, const char *type, const char *moref)
{
	strbuf_addf(sb, "<%s xmlns=\"urn:vim25\">", method);
	vs_soap_add_moref(sb, "_this", type, moref);
}

static int finish(vs_conn *c, strbuf *sb, const char *method, char *task, size_t n,
		  vs_error *err)
{
	strbuf_addf(sb, "</%s>", method);
	int rc = task ? vs_call_returning_moref(c, sb->buf, task, n, err)
		      : vs_soap_call(c, sb->buf, NULL, NULL, err);
	strbuf_done(sb);
	return rc;
}

static int simple_vm(vs_conn *c, const char *method, const char *vm, char *task, size_t n,
		     vs_error *err)
{
	strbuf sb;
	strbuf_init(&sb);
	begin(&sb, method, "VirtualMachine", vm);
	return finish(c, &sb, method, task, n, err);
}

int vs_vm_power_on(vs_conn *c, const char *vm, char *task, size_t n, vs_error *err)
{
	return simple_vm(c, "PowerOnVM_Task", vm, task, n, err);
}

int vs_vm_power_off(vs_conn *c, const char *vm, char *task, size_t n, vs_error *err)
{
	return simple_vm(c, "PowerOffVM_Task", vm, task, n, err);
}

int vs_vm_shutdown_guest(vs_conn *c, const char *vm, vs_error *err)
{
	return simple_vm(c, "ShutdownGuest", vm, NULL, 0, err);
}

int vs_vm_mount_tools_installer(vs_conn *c, const char *vm, vs_error *err)
{
	return simple_vm(c, "MountToolsInstaller", vm, NULL, 0, err);
}

int vs_vm_unmount_tools_installer(vs_conn *c, const char *vm, vs_error *err)
{
	return simple_vm(c, "UnmountToolsInstaller", vm, NULL, 0, err);
}

int vs_vm_set_extra_config(vs_conn *c, const char *vm, const char *const *keys,
			   const char *const *values, size_t count, char *task, size_t n,
			   vs_error *err)
{
	strbuf sb;
	strbuf_init(&sb);
	begin(&sb, "ReconfigVM_Task", "VirtualMachine", vm);
	strbuf_adds(&sb, "<spec>");
	for (size_t i = 0; i < count; i++) {
		strbuf_adds(&sb, "<extraConfig>");
		vs_soap_add_text(&sb, "key", keys[i]);
		strbuf_adds(&sb, "<value xsi:type=\"xsd:string\">");
		strbuf_add_xml(&sb, values[i] ? values[i] : "");
		strbuf_adds(&sb, "</value></extraConfig>");
	}
	strbuf_adds(&sb, "</spec>");
	return finish(c, &sb, "ReconfigVM_Task", task, n, err);
}

static void snapshot_head(strbuf *sb, const char *method, const char *vm, const char *name,
			  const char *description, bool memory)
{
	begin(sb, method, "VirtualMachine", vm);
	vs_soap_add_text(sb, "name", name);
	if (description)
		vs_soap_add_text(sb, "description", description);
	strbuf_addf(sb, "<memory>%s</memory>", memory ? "true" : "false");
}

int vs_vm_create_snapshot_ex(vs_conn *c, const char *vm, const char *name, const char *description,
			     bool memory, const vs_windows_quiesce *q, char *task, size_t n,
			     vs_error *err)
{
	strbuf sb;
	strbuf_init(&sb);
	snapshot_head(&sb, "CreateSnapshotEx_Task", vm, name, description, memory);
	if (q) {
		/* Element order is the schema's: the base type's timeout first. */
		strbuf_adds(&sb, "<quiesceSpec xsi:type=\"VirtualMachineWindowsQuiesceSpec\">");
		if (q->timeout_min > 0)
			strbuf_addf(&sb, "<timeout>%d</timeout>", q->timeout_min);
		if (q->vss_backup_type > 0)
			strbuf_addf(&sb, "<vssBackupType>%d</vssBackupType>", q->vss_backup_type);
		strbuf_addf(&sb, "<vssBootableSystemState>%s</vssBootableSystemState>"
			    "<vssPartialFileSupport>%s</vssPartialFileSupport>",
			    q->vss_bootable_system_state ? "true" : "false",
			    q->vss_partial_file_support ? "true" : "false");
		if (q->vss_backup_context)
			vs_soap_add_text(&sb, "vssBackupContext", q->vss_backup_context);
		strbuf_adds(&sb, "</quiesceSpec>");
	}
	return finish(c, &sb, "CreateSnapshotEx_Task", task, n, err);
}

int vs_vm_create_snapshot(vs_conn *c, const char *vm, const char *name, const char *description,
			  bool memory, bool quiesce, char *task, size_t n, vs_error *err)
{
	strbuf sb;
	strbuf_init(&sb);
	snapshot_head(&sb, "CreateSnapshot_Task", vm, name, description, memory);
	strbuf_addf(&sb, "<quiesce>%s</quiesce>", quiesce ? "true" : "false");
	return finish(c, &sb, "CreateSnapshot_Task", task, n, err);
}

int vs_snapshot_remove(vs_conn *c, const char *snapshot, bool remove_children, bool consolidate,
		       char *task, size_t n, vs_error *err)
{
	strbuf sb;
	strbuf_init(&sb);
	begin(&sb, "RemoveSnapshot_Task", "VirtualMachineSnapshot", snapshot);
	strbuf_addf(&sb, "<removeChildren>%s</removeChildren><consolidate>%s</consolidate>",
		    remove_children ? "true" : "false", consolidate ? "true" : "false");
	return finish(c, &sb, "RemoveSnapshot_Task", task, n, err);
}

int vs_vm_upgrade_tools(vs_conn *c, const char *vm, const char *installer_options, char *task,
			size_t n, vs_error *err)
{
	strbuf sb;
	strbuf_init(&sb);
	begin(&sb, "UpgradeTools_Task", "VirtualMachine", vm);
	if (installer_options)
		vs_soap_add_text(&sb, "installerOptions", installer_options);
	return finish(c, &sb, "UpgradeTools_Task", task, n, err);
}
