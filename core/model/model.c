#include "model/model.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every enum <-> name mapping is one table, so the name and the parser cannot disagree.
 * Indexing is by value + offset (LEVEL_NONE is -1). */
#define NAMES(x) (sizeof(x) / sizeof((x)[0]))

static const char *name_of(const char *const *names, size_t n, int v)
{
	if (v < 0 || (size_t)v >= n || !names[v])
		return "unknown";
	return names[v];
}

static bool parse_of(const char *const *names, size_t n, const char *s, int *out)
{
	if (!s)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (names[i] && strcmp(names[i], s) == 0) {
			*out = (int)i;
			return true;
		}
	}
	return false;
}

/* Defines model_<what>_name and model_<what>_parse over a table; off shifts negative enums. */
#define NAME_TABLE(what, type, off, ...)                                              \
	static const char *const what##_names[] = {__VA_ARGS__};                      \
	const char *model_##what##_name(type v)                                       \
	{                                                                             \
		return name_of(what##_names, NAMES(what##_names), (int)v + (off));    \
	}                                                                             \
	bool model_##what##_parse(const char *s, type *out)                           \
	{                                                                             \
		int i;                                                                \
		if (!parse_of(what##_names, NAMES(what##_names), s, &i))              \
			return false;                                                 \
		*out = (type)(i - (off));                                             \
		return true;                                                          \
	}

NAME_TABLE(level, quiesce_level, 1,
	   [LEVEL_NONE + 1] = "none", [LEVEL_FAIL + 1] = "fail", [LEVEL_CRASH + 1] = "crash",
	   [LEVEL_FILESYSTEM + 1] = "filesystem", [LEVEL_APPLICATION + 1] = "application")
NAME_TABLE(status, vm_status, 0,
	   [STATUS_READY] = "ready", [STATUS_FIXABLE] = "fixable", [STATUS_MANUAL] = "manual",
	   [STATUS_UNKNOWN] = "unknown", [STATUS_NA] = "n/a")
NAME_TABLE(severity, severity, 0,
	   [SEVERITY_INFO] = "info", [SEVERITY_WARN] = "warn", [SEVERITY_ERROR] = "error")
NAME_TABLE(fix, fix_kind, 0,
	   [FIX_NONE] = "none", [FIX_AUTO] = "auto", [FIX_GUIDED] = "guided",
	   [FIX_MANUAL] = "manual")
NAME_TABLE(power, power_state, 0,
	   [POWER_UNKNOWN] = "unknown", [POWER_ON] = "poweredOn", [POWER_OFF] = "poweredOff",
	   [POWER_SUSPENDED] = "suspended")
NAME_TABLE(tools_status, tools_status, 0,
	   [TOOLS_UNKNOWN] = "unknown", [TOOLS_RUNNING] = "running",
	   [TOOLS_NOT_RUNNING] = "notRunning", [TOOLS_NOT_INSTALLED] = "notInstalled")
NAME_TABLE(probe_state, probe_state, 0,
	   [PROBE_NOT_RUN] = "not_run", [PROBE_OK] = "ok", [PROBE_NOT_CONFIGURED] = "not_configured",
	   [PROBE_LOGIN_FAILED] = "login_failed", [PROBE_UNAVAILABLE] = "unavailable",
	   [PROBE_STALE] = "stale", [PROBE_NOT_ELEVATED] = "not_elevated")
NAME_TABLE(os_family, os_family, 0,
	   [OS_OTHER] = "other", [OS_WIN2000] = "win2000", [OS_WINXP] = "winxp",
	   [OS_WINDESKTOP] = "windesktop", [OS_WIN2003] = "win2003", [OS_WIN2008] = "win2008",
	   [OS_WIN2008R2] = "win2008r2", [OS_WIN2012] = "win2012", [OS_WIN2012R2] = "win2012r2",
	   [OS_WIN2016] = "win2016", [OS_WIN2019] = "win2019", [OS_WIN2022] = "win2022",
	   [OS_WIN2025] = "win2025")
/* As the lab scenario spells them. */
NAME_TABLE(controller, controller_kind, 0,
	   [CTRL_UNKNOWN] = "unknown", [CTRL_PVSCSI] = "pvscsi", [CTRL_LSILOGIC] = "lsilogic",
	   [CTRL_LSILOGIC_SAS] = "lsilogic-sas", [CTRL_BUSLOGIC] = "buslogic", [CTRL_IDE] = "ide",
	   [CTRL_SATA] = "sata", [CTRL_NVME] = "nvme")
NAME_TABLE(disk_mode, disk_mode, 0,
	   [DISK_PERSISTENT] = "persistent",
	   [DISK_INDEPENDENT_PERSISTENT] = "independent_persistent",
	   [DISK_INDEPENDENT_NONPERSISTENT] = "independent_nonpersistent",
	   [DISK_OTHER_MODE] = "other")
NAME_TABLE(svc_start, svc_start, 0,
	   [SVC_START_UNKNOWN] = "unknown", [SVC_START_BOOT] = "boot",
	   [SVC_START_SYSTEM] = "system", [SVC_START_AUTO] = "auto",
	   [SVC_START_DEMAND] = "demand", [SVC_START_DISABLED] = "disabled")
NAME_TABLE(svc_state, svc_state, 0,
	   [SVC_STATE_UNKNOWN] = "unknown", [SVC_STATE_STOPPED] = "stopped",
	   [SVC_STATE_START_PENDING] = "start_pending", [SVC_STATE_STOP_PENDING] = "stop_pending",
	   [SVC_STATE_RUNNING] = "running", [SVC_STATE_CONTINUE_PENDING] = "continue_pending",
	   [SVC_STATE_PAUSE_PENDING] = "pause_pending", [SVC_STATE_PAUSED] = "paused")
NAME_TABLE(writer_state, writer_state, 0,
	   [WRITER_STATE_UNKNOWN] = "unknown", [WRITER_STABLE] = "stable",
	   [WRITER_WAITING_FOR_COMPLETION] = "waiting_for_completion",
	   [WRITER_FAILED] = "failed", [WRITER_OTHER] = "other")
NAME_TABLE(writer_error, writer_error, 0,
	   [WRITER_ERR_UNKNOWN] = "unknown", [WRITER_ERR_NONE] = "none",
	   [WRITER_ERR_RETRYABLE] = "retryable", [WRITER_ERR_NON_RETRYABLE] = "non_retryable",
	   [WRITER_ERR_TIMEOUT] = "timeout", [WRITER_ERR_OTHER] = "other")
/* vSphere's VirtualMachineToolsVersionStatus names (guest.toolsVersionStatus2). */
NAME_TABLE(tools_version_status, tools_version_status, 0,
	   [TOOLS_VS_UNKNOWN] = "unknown", [TOOLS_VS_NOT_INSTALLED] = "guestToolsNotInstalled",
	   [TOOLS_VS_CURRENT] = "guestToolsCurrent",
	   [TOOLS_VS_NEED_UPGRADE] = "guestToolsNeedUpgrade",
	   [TOOLS_VS_SUPPORTED_OLD] = "guestToolsSupportedOld",
	   [TOOLS_VS_SUPPORTED_NEW] = "guestToolsSupportedNew",
	   [TOOLS_VS_TOO_OLD] = "guestToolsTooOld", [TOOLS_VS_TOO_NEW] = "guestToolsTooNew",
	   [TOOLS_VS_BLACKLISTED] = "guestToolsBlacklisted",
	   [TOOLS_VS_UNMANAGED] = "guestToolsUnmanaged")

int model_tools_version_encode(int major, int minor, int patch)
{
	/* major is bounded so the result stays below the "unmanaged" marker */
	if (major < 0 || major >= (1 << 20) || minor < 0 || minor > 31 || patch < 0 || patch > 31)
		return -1;
	return major << 10 | minor << 5 | patch;
}

const char *model_tools_version_format(int encoded, char buf[16])
{
	if (encoded == MODEL_TOOLS_VERSION_UNMANAGED)
		snprintf(buf, 16, "unmanaged");
	else if (encoded <= 0)
		snprintf(buf, 16, "unknown");
	else
		snprintf(buf, 16, "%d.%d.%d", encoded >> 10, (encoded >> 5) & 31, encoded & 31);
	return buf;
}

/* Reads a non-negative decimal of at most 7 digits; advances *p. */
static bool read_part(const char **p, int *out)
{
	const char *s = *p;
	int v = 0, digits = 0;
	while (*s >= '0' && *s <= '9') {
		if (++digits > 7)
			return false;
		v = v * 10 + (*s++ - '0');
	}
	if (!digits)
		return false;
	*out = v;
	*p = s;
	return true;
}

bool model_tools_version_parse(const char *s, int *out)
{
	int part[3] = {0, 0, 0};
	if (!s)
		return false;
	if (strcmp(s, "unmanaged") == 0) {
		*out = MODEL_TOOLS_VERSION_UNMANAGED;
		return true;
	}
	for (int i = 0; i < 3; i++) {
		if (!read_part(&s, &part[i]))
			return false;
		if (*s == '\0')
			break;
		if (*s != '.' || i == 2)
			return false;
		s++;
	}
	int v = model_tools_version_encode(part[0], part[1], part[2]);
	if (v < 0)
		return false;
	*out = v;
	return true;
}

/* ---- guest probe ---- */

static void svc_init(svc_facts *s)
{
	memset(s, 0, sizeof(*s));
}

static void svc_done(svc_facts *s)
{
	free(s->raw_state);
	svc_init(s);
}

static void svc_copy(svc_facts *dst, const svc_facts *src)
{
	*dst = *src;
	dst->raw_state = xstrdup(src->raw_state);
}

static void writer_done(vss_writer *w)
{
	free(w->name);
	free(w->id);
	free(w->instance_id);
	free(w->state_text);
	free(w->last_error_text);
}

static void writer_copy(vss_writer *dst, const vss_writer *src)
{
	*dst = *src;
	dst->name = xstrdup(src->name);
	dst->id = xstrdup(src->id);
	dst->instance_id = xstrdup(src->instance_id);
	dst->state_text = xstrdup(src->state_text);
	dst->last_error_text = xstrdup(src->last_error_text);
}

void model_guest_probe_init(guest_probe *p)
{
	memset(p, 0, sizeof(*p));
	p->state = PROBE_NOT_RUN;
	svc_init(&p->vmvss);
	svc_init(&p->lgto_sync);
	svc_init(&p->vss);
}

void model_guest_probe_done(guest_probe *p)
{
	free(p->error);
	svc_done(&p->vmvss);
	svc_done(&p->lgto_sync);
	svc_done(&p->vss);
	for (size_t i = 0; i < p->n_writers; i++)
		writer_done(&p->writers[i]);
	free(p->writers);
	free(p->dynamic_disks_evidence);
	free(p->storage_spaces_evidence);
	model_guest_probe_init(p);
}

void model_guest_probe_copy(guest_probe *dst, const guest_probe *src)
{
	*dst = *src;
	dst->error = xstrdup(src->error);
	svc_copy(&dst->vmvss, &src->vmvss);
	svc_copy(&dst->lgto_sync, &src->lgto_sync);
	svc_copy(&dst->vss, &src->vss);
	dst->writers = NULL;
	if (src->n_writers) {
		dst->writers = xcalloc(src->n_writers, sizeof(*dst->writers));
		for (size_t i = 0; i < src->n_writers; i++)
			writer_copy(&dst->writers[i], &src->writers[i]);
	}
	dst->dynamic_disks_evidence = xstrdup(src->dynamic_disks_evidence);
	dst->storage_spaces_evidence = xstrdup(src->storage_spaces_evidence);
}

/* ---- history marks ---- */

void model_history_marks_init(vm_history_marks *m)
{
	memset(m, 0, sizeof(*m));
}

void model_history_marks_done(vm_history_marks *m)
{
	free(m->off_step);
	free(m->off_plan_state);
	for (size_t i = 0; i < m->n_snapshots; i++) {
		free(m->snapshots[i].name);
		free(m->snapshots[i].state);
	}
	free(m->snapshots);
	free(m->restart_step);
	free(m->restart_why);
	model_history_marks_init(m);
}

void model_history_marks_copy(vm_history_marks *dst, const vm_history_marks *src)
{
	*dst = *src;
	dst->off_step = xstrdup(src->off_step);
	dst->off_plan_state = xstrdup(src->off_plan_state);
	dst->snapshots = NULL;
	if (src->n_snapshots) {
		dst->snapshots = xcalloc(src->n_snapshots, sizeof(*dst->snapshots));
		for (size_t i = 0; i < src->n_snapshots; i++) {
			dst->snapshots[i] = src->snapshots[i];
			dst->snapshots[i].name = xstrdup(src->snapshots[i].name);
			dst->snapshots[i].state = xstrdup(src->snapshots[i].state);
		}
	}
	dst->restart_step = xstrdup(src->restart_step);
	dst->restart_why = xstrdup(src->restart_why);
}

void model_history_marks_add_snapshot(vm_history_marks *m, const char *name, int64_t snaptest_id,
				      time_t created_at, const char *state)
{
	m->snapshots = xrealloc(m->snapshots, (m->n_snapshots + 1) * sizeof(*m->snapshots));
	vm_our_snapshot *s = &m->snapshots[m->n_snapshots++];
	s->name = xstrdup(name);
	s->snaptest_id = snaptest_id;
	s->created_at = created_at;
	s->state = xstrdup(state);
}

void model_vm_facts_add_test_snapshot(vm_facts *f, const char *name)
{
	f->test_snapshots = xrealloc(f->test_snapshots,
				     (f->n_test_snapshots + 1) * sizeof(*f->test_snapshots));
	f->test_snapshots[f->n_test_snapshots++] = xstrdup(name);
}

/* ---- VM facts ---- */

void model_vm_facts_init(vm_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->snapshot_count = -1;
	model_guest_probe_init(&f->probe);
	model_last_test_init(&f->last_test);
}

void model_vm_facts_done(vm_facts *f)
{
	free(f->moref);
	free(f->name);
	model_str_free(f->folder);
	model_str_free(f->datacenter);
	model_str_free(f->cluster);
	model_str_free(f->host);
	free(f->facts_error_text);
	model_str_free(f->connection_state);
	model_str_free(f->config_guest_id);
	model_str_free(f->config_guest_full_name);
	model_str_free(f->enable_uuid_raw);
	for (size_t i = 0; i < f->n_disks; i++)
		model_str_free(f->disks[i].label);
	free(f->disks);
	model_str_free(f->guest_id);
	model_str_free(f->guest_full_name);
	for (size_t i = 0; i < f->n_volumes; i++)
		model_str_free(f->volumes[i].path);
	free(f->volumes);
	for (size_t i = 0; i < f->n_test_snapshots; i++)
		free(f->test_snapshots[i]);
	free(f->test_snapshots);
	model_guest_probe_done(&f->probe);
	model_last_test_done(&f->last_test);
	model_history_marks_done(&f->marks);
	model_vm_facts_init(f);
}

/* The interned copy of a field that repeats over a fleet: immutable, so threads share it. */
static char *shared(const char *s)
{
	return (char *)model_intern(s);
}

void model_vm_facts_copy(vm_facts *dst, const vm_facts *src)
{
	*dst = *src;
	dst->moref = xstrdup(src->moref);
	dst->name = xstrdup(src->name);
	dst->folder = shared(src->folder);
	dst->datacenter = shared(src->datacenter);
	dst->cluster = shared(src->cluster);
	dst->host = shared(src->host);
	dst->facts_error_text = xstrdup(src->facts_error_text);
	dst->connection_state = shared(src->connection_state);
	dst->config_guest_id = shared(src->config_guest_id);
	dst->config_guest_full_name = shared(src->config_guest_full_name);
	dst->enable_uuid_raw = shared(src->enable_uuid_raw);
	dst->disks = NULL;
	if (src->n_disks) {
		dst->disks = xcalloc(src->n_disks, sizeof(*dst->disks));
		for (size_t i = 0; i < src->n_disks; i++) {
			dst->disks[i] = src->disks[i];
			dst->disks[i].label = shared(src->disks[i].label);
		}
	}
	dst->guest_id = shared(src->guest_id);
	dst->guest_full_name = shared(src->guest_full_name);
	dst->volumes = NULL;
	if (src->n_volumes) {
		dst->volumes = xcalloc(src->n_volumes, sizeof(*dst->volumes));
		for (size_t i = 0; i < src->n_volumes; i++) {
			dst->volumes[i] = src->volumes[i];
			dst->volumes[i].path = shared(src->volumes[i].path);
		}
	}
	dst->test_snapshots = NULL;
	if (src->n_test_snapshots) {
		dst->test_snapshots = xcalloc(src->n_test_snapshots, sizeof(*dst->test_snapshots));
		for (size_t i = 0; i < src->n_test_snapshots; i++)
			dst->test_snapshots[i] = xstrdup(src->test_snapshots[i]);
	}
	model_guest_probe_copy(&dst->probe, &src->probe);
	model_last_test_copy(&dst->last_test, &src->last_test);
	model_history_marks_copy(&dst->marks, &src->marks);
}

void model_last_test_init(vm_last_test *t)
{
	memset(t, 0, sizeof(*t));
	t->predicted = LEVEL_NONE;
	t->achieved = LEVEL_NONE;
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static char **strv_copy(char *const *v, size_t n)
{
	if (!n)
		return NULL;
	char **c = xcalloc(n, sizeof(*c));
	for (size_t i = 0; i < n; i++)
		c[i] = xstrdup(v[i]);
	return c;
}

void model_strv_push(char ***v, size_t *n, const char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = xstrdup(s ? s : "");
}

void model_last_test_done(vm_last_test *t)
{
	free(t->method);
	free(t->fault);
	free(t->bad_writer);
	strv_free(t->writers, t->n_writers);
	strv_free(t->changes, t->n_changes);
	model_last_test_init(t);
}

void model_last_test_copy(vm_last_test *dst, const vm_last_test *src)
{
	*dst = *src;
	dst->method = xstrdup(src->method);
	dst->fault = xstrdup(src->fault);
	dst->bad_writer = xstrdup(src->bad_writer);
	dst->writers = strv_copy(src->writers, src->n_writers);
	dst->changes = strv_copy(src->changes, src->n_changes);
}

/* ---- verdict ---- */

void model_verdict_init(verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->family = OS_OTHER;
	v->best = LEVEL_CRASH;
	v->predicted = LEVEL_CRASH;
	v->status = STATUS_NA;
}

void model_verdict_done(verdict *v)
{
	for (size_t i = 0; i < v->n_findings; i++) {
		model_str_free(v->findings[i].message);
		if (!v->packed)
			free(v->findings[i].evidence);
	}
	free(v->findings);
	model_verdict_init(v);
}

void model_verdict_copy(verdict *dst, const verdict *src)
{
	*dst = *src;
	dst->findings = NULL;
	dst->packed = false;
	if (src->n_findings) {
		dst->findings = xcalloc(src->n_findings, sizeof(*dst->findings));
		for (size_t i = 0; i < src->n_findings; i++) {
			dst->findings[i] = src->findings[i];
			dst->findings[i].message = (char *)model_intern(src->findings[i].message);
			dst->findings[i].evidence = xstrdup(src->findings[i].evidence);
		}
	}
}

void model_verdict_pack(verdict *v)
{
	if (v->packed || !v->n_findings)
		return;
	size_t texts = 0;
	for (size_t i = 0; i < v->n_findings; i++)
		if (v->findings[i].evidence)
			texts += strlen(v->findings[i].evidence) + 1;
	finding *block = xmalloc(v->n_findings * sizeof *block + texts);
	char *at = (char *)(block + v->n_findings);
	for (size_t i = 0; i < v->n_findings; i++) {
		block[i] = v->findings[i];
		if (v->findings[i].evidence) {
			size_t len = strlen(v->findings[i].evidence) + 1;
			memcpy(at, v->findings[i].evidence, len);
			free(v->findings[i].evidence);
			block[i].evidence = at;
			at += len;
		}
	}
	free(v->findings);
	v->findings = block;
	v->packed = true;
}

/* A packed verdict's findings as separate blocks again (before one is added). */
static void verdict_unpack(verdict *v)
{
	if (!v->packed)
		return;
	finding *own = xcalloc(v->n_findings, sizeof *own);
	for (size_t i = 0; i < v->n_findings; i++) {
		own[i] = v->findings[i];
		own[i].evidence = xstrdup(v->findings[i].evidence);
	}
	free(v->findings);
	v->findings = own;
	v->packed = false;
}

void model_verdict_add(verdict *v, const char *rule, severity sev, quiesce_level cap,
		       fix_kind fix, const char *message, const char *evidence)
{
	verdict_unpack(v);
	v->findings = xrealloc(v->findings, (v->n_findings + 1) * sizeof(*v->findings));
	finding *f = &v->findings[v->n_findings++];
	memset(f, 0, sizeof(*f));
	snprintf(f->rule, sizeof(f->rule), "%s", rule ? rule : "");
	f->sev = sev;
	f->cap = cap;
	f->fix = fix;
	/* the same few sentences for thousands of VMs: shared */
	f->message = (char *)model_intern(message);
	f->evidence = xstrdup(evidence);
}

const char *model_level_short(quiesce_level l)
{
	switch (l) {
	case LEVEL_APPLICATION: return "app";
	case LEVEL_FILESYSTEM: return "fs";
	case LEVEL_CRASH: return "crash";
	case LEVEL_FAIL: return "fail";
	case LEVEL_NONE: break;
	}
	return "-";
}

const char *model_power_short(power_state p)
{
	switch (p) {
	case POWER_ON: return "on";
	case POWER_OFF: return "off";
	case POWER_SUSPENDED: return "sus";
	case POWER_UNKNOWN: break;
	}
	return "?";
}

const char *model_tools_text(tools_status t, int version, char buf[16])
{
	switch (t) {
	case TOOLS_NOT_INSTALLED: return "none";
	case TOOLS_NOT_RUNNING: return "stopped";
	case TOOLS_UNKNOWN: return "?";
	case TOOLS_RUNNING: break;
	}
	return version ? model_tools_version_format(version, buf) : "running";
}
