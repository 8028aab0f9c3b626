#include "rules/rules.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "util/timefmt.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const rule_info rule_table[RULE_COUNT] = {
#define RULES_ROW(id_, sev_, cap_, fix_, scope_, title_, note_, rem_)                            \
	[RULE_##id_] = {.id = #id_, .sev = sev_, .cap = cap_, .fix = fix_, .scope = scope_,     \
			.title = title_, .cap_note = note_, .remediation = rem_},
	RULES_LIST(RULES_ROW)
#undef RULES_ROW
};

const rule_info *rules_table(size_t *n)
{
	if (n)
		*n = RULE_COUNT;
	return rule_table;
}

const rule_info *rules_find(const char *id)
{
	if (!id)
		return NULL;
	for (size_t i = 0; i < RULE_COUNT; i++)
		if (strcmp(rule_table[i].id, id) == 0)
			return &rule_table[i];
	return NULL;
}

rule_id rules_id_of(const char *id)
{
	const rule_info *ri = rules_find(id);
	return ri ? (rule_id)(ri - rule_table) : RULE_COUNT;
}

const char *rules_id_name(rule_id id)
{
	return (unsigned)id < RULE_COUNT ? rule_table[id].id : "";
}

bool rules_finding_is(const finding *f, rule_id id)
{
	return (unsigned)id < RULE_COUNT && strcmp(f->rule, rule_table[id].id) == 0;
}

bool rules_verdict_has(const verdict *v, rule_id id)
{
	for (size_t i = 0; i < v->n_findings; i++)
		if (rules_finding_is(&v->findings[i], id))
			return true;
	return false;
}

/* ---- evaluation ---- */

typedef struct {
	const vm_facts *f;
	time_t now;
	os_family fam;
	quiesce_level best;
	bool probe_known; /* guest facts usable: probed now or from history */
	verdict *v;
} ctx;

/* A finding whose severity or cap depends on the facts (the row's cap_note says how). The
 * message is the rule's problem sentence, then its remediation from the table. */
static void emit_as(ctx *c, rule_id r, severity sev, quiesce_level cap, const char *problem,
		    const char *evidence)
{
	const rule_info *ri = &rule_table[r];
	char *msg = xasprintf("%s %s", problem, ri->remediation);
	model_verdict_add(c->v, ri->id, sev, cap, ri->fix, msg, evidence);
	free(msg);
}

/* The rule's main condition: severity and cap as RULES_LIST gives them. */
static void emit(ctx *c, rule_id r, const char *problem, const char *evidence)
{
	emit_as(c, r, rule_table[r].sev, rule_table[r].cap, problem, evidence);
}

static void sep(strbuf *sb)
{
	if (sb->len)
		strbuf_adds(sb, "; ");
}

static void add_time(strbuf *sb, time_t t)
{
	char buf[TIME_TEXT_MAX];
	if (time_iso(t, buf, sizeof buf, NULL))
		strbuf_adds(sb, buf);
	else
		strbuf_addf(sb, "@%lld", (long long)t);
}

static const char *disk_label(const vm_disk *d, char buf[32], size_t i)
{
	/* vCenter's own label, as the vSphere Client shows it; its position otherwise */
	if (d->label && *d->label)
		return d->label;
	snprintf(buf, 32, "Hard disk %zu", i + 1);
	return buf;
}

static const char *ctrl_display(controller_kind k)
{
	switch (k) {
	case CTRL_IDE: return "IDE";
	case CTRL_SATA: return "SATA";
	case CTRL_NVME: return "NVMe";
	case CTRL_UNKNOWN: return "controller";
	default: return "SCSI";
	}
}

/* "LGTO_Sync: STATE 4 RUNNING, START_TYPE 1 SYSTEM_START", as sc prints them. */
static void add_svc(strbuf *sb, const char *name, const svc_facts *s)
{
	static const char *const states[] = {NULL, "STOPPED", "START_PENDING", "STOP_PENDING",
					     "RUNNING", "CONTINUE_PENDING", "PAUSE_PENDING", "PAUSED"};
	static const char *const starts[] = {NULL, "BOOT_START", "SYSTEM_START", "AUTO_START",
					     "DEMAND_START", "DISABLED"};
	bool any = false;
	strbuf_addf(sb, "%s:", name);
	if (s->state > SVC_STATE_UNKNOWN && s->state <= SVC_STATE_PAUSED) {
		strbuf_addf(sb, " STATE %d %s", (int)s->state, states[s->state]);
		any = true;
	} else if (s->raw_state && *s->raw_state) {
		/* collapse sc's column spacing: "4  RUNNING" -> "4 RUNNING" */
		strbuf_adds(sb, " STATE ");
		bool space = false;
		for (const char *p = s->raw_state; *p; p++) {
			if (isspace((unsigned char)*p)) {
				space = true;
				continue;
			}
			if (space && sb->buf[sb->len - 1] != ' ')
				strbuf_addc(sb, ' ');
			space = false;
			strbuf_addc(sb, *p);
		}
		any = true;
	}
	if (s->start > SVC_START_UNKNOWN && s->start <= SVC_START_DISABLED) {
		strbuf_addf(sb, "%s START_TYPE %d %s", any ? "," : "", (int)s->start - 1,
			    starts[s->start]);
		any = true;
	}
	if (!any)
		strbuf_adds(sb, " installed");
}

/* The sync driver works when installed and not disabled. */
static tri sync_present(const guest_probe *p)
{
	if (p->lgto_sync.installed == TRI_NO)
		return TRI_NO;
	if (p->lgto_sync.installed == TRI_YES)
		return p->lgto_sync.start == SVC_START_DISABLED ? TRI_NO : TRI_YES;
	return TRI_UNKNOWN;
}

/* The raw extraConfig value decides when present; the tri otherwise. */
static tri enable_uuid(const vm_facts *f)
{
	if (f->enable_uuid_raw)
		return strcasecmp(f->enable_uuid_raw, "TRUE") == 0 ? TRI_YES : TRI_NO;
	return f->enable_uuid;
}

static bool tools_installed(const vm_facts *f)
{
	return f->tools != TOOLS_NOT_INSTALLED && f->tools_version_status != TOOLS_VS_NOT_INSTALLED;
}

/* Below 10.1.0; unknown (0) and unmanaged (open-vm-tools) are not "old". */
static bool tools_below_10_1(const vm_facts *f)
{
	return f->tools_version > 0 && f->tools_version != MODEL_TOOLS_VERSION_UNMANAGED &&
	       f->tools_version < MODEL_TOOLS_VERSION_10_1_0;
}

static void add_tools_version(strbuf *sb, int v)
{
	char a[16], b[16];
	strbuf_addf(sb, "toolsVersion %d (%s) < %d (%s)", v, model_tools_version_format(v, a),
		    MODEL_TOOLS_VERSION_10_1_0,
		    model_tools_version_format(MODEL_TOOLS_VERSION_10_1_0, b));
}

static void rule_tools(ctx *c)
{
	const vm_facts *f = c->f;
	strbuf ev;
	strbuf_init(&ev);

	if (!tools_installed(f)) {
		if (f->tools_version_status == TOOLS_VS_NOT_INSTALLED)
			strbuf_adds(&ev, "guest.toolsVersionStatus2 = guestToolsNotInstalled");
		else
			strbuf_adds(&ev, "VMware Tools status: notInstalled");
		emit(c, RULE_R01,
		     "VMware Tools is not installed, so the guest cannot be quiesced at all.", ev.buf);
		strbuf_done(&ev);
		return; /* R02, R03, R23 are about installed Tools */
	}

	if (f->power == POWER_ON && f->tools == TOOLS_NOT_RUNNING) {
		strbuf_adds(&ev, "VM poweredOn, VMware Tools notRunning");
		emit(c, RULE_R02,
		     "VMware Tools is installed but not running, so a quiesced snapshot will fail.",
		     ev.buf);
		strbuf_reset(&ev);
	}

	bool too_old = f->tools_version_status == TOOLS_VS_TOO_OLD;
	bool below = tools_below_10_1(f);
	if (too_old || (c->fam >= OS_WIN2016 && below)) {
		if (too_old)
			strbuf_adds(&ev, "guest.toolsVersionStatus2 = guestToolsTooOld");
		if (below) {
			sep(&ev);
			add_tools_version(&ev, f->tools_version);
		}
		emit(c, RULE_R03,
		     too_old ? "VMware Tools is too old for this host to quiesce the guest."
			     : "VMware Tools older than 10.1.0 cannot quiesce Windows Server 2016 "
			       "and later.",
		     ev.buf);
		strbuf_reset(&ev);
	}

	if (below) {
		add_tools_version(&ev, f->tools_version);
		emit(c, RULE_R23,
		     "VMware Tools is older than 10.1.0: CreateSnapshotEx_Task is unavailable, so test "
		     "snapshots use CreateSnapshot_Task (VSS_BT_COPY backups only).",
		     ev.buf);
	}
	strbuf_done(&ev);
}

static void rule_providers(ctx *c)
{
	const guest_probe *p = &c->f->probe;
	tri sync = sync_present(p);
	strbuf ev;
	strbuf_init(&ev);

	if (rules_is_vss_family(c->fam) && p->vmvss.installed == TRI_NO) {
		strbuf_adds(&ev, "service vmvss is not installed");
		if (sync == TRI_YES) {
			sep(&ev);
			add_svc(&ev, "LGTO_Sync", &p->lgto_sync);
		}
		quiesce_level cap = sync == TRI_YES ? LEVEL_FILESYSTEM : LEVEL_FAIL;
		emit_as(c, RULE_R04, SEVERITY_ERROR, cap,
			sync == TRI_YES
				? "The VMware Snapshot Provider (vmvss) is not installed: only the "
				  "legacy sync driver can quiesce, without applications."
				: "The VMware Snapshot Provider (vmvss) is not installed and there is "
				  "no sync driver: a quiesced snapshot will fail.",
			ev.buf);
		strbuf_reset(&ev);
	}
	if (rules_is_vss_family(c->fam) && sync == TRI_YES) {
		add_svc(&ev, "LGTO_Sync", &p->lgto_sync);
		emit(c, RULE_R05,
		     "The legacy sync driver (LGTO_Sync) is active: it takes over from VSS, so "
		     "applications are not quiesced.",
		     ev.buf);
		strbuf_reset(&ev);
	}
	if ((c->fam == OS_WIN2000 || c->fam == OS_WINXP) && sync == TRI_NO) {
		if (p->lgto_sync.installed == TRI_NO)
			strbuf_adds(&ev, "service LGTO_Sync is not installed");
		else
			add_svc(&ev, "LGTO_Sync", &p->lgto_sync);
		emit(c, RULE_R06,
		     "Windows 2000/XP quiesces only through the sync driver, and it is missing or "
		     "disabled: snapshots are crash-consistent.",
		     ev.buf);
	}
	strbuf_done(&ev);
}

static void rule_enable_uuid(ctx *c)
{
	const vm_facts *f = c->f;
	tri uuid = enable_uuid(f);
	strbuf ev;
	strbuf_init(&ev);

	if (uuid == TRI_NO) {
		if (f->enable_uuid_raw)
			strbuf_addf(&ev, "disk.EnableUUID = %s", f->enable_uuid_raw);
		else
			strbuf_adds(&ev, "disk.EnableUUID is absent");
		emit(c, RULE_R07,
		     "disk.EnableUUID is not TRUE, so Windows cannot take application-consistent "
		     "shadow copies of the virtual disks.",
		     ev.buf);
	}
	/* Only a power cycle makes the setting effective. Both times must be known: a power
	 * cycle is disruptive, so it is not proposed on a guess (bootTime unknown: no R08). */
	if (uuid == TRI_YES && (f->power == POWER_ON || f->power == POWER_SUSPENDED) &&
	    f->enable_uuid_set_at > 0 && f->boot_time > 0 && f->enable_uuid_set_at > f->boot_time) {
		strbuf_adds(&ev, "disk.EnableUUID set at ");
		add_time(&ev, f->enable_uuid_set_at);
		strbuf_adds(&ev, ", after runtime.bootTime ");
		add_time(&ev, f->boot_time);
		emit(c, RULE_R08,
		     "disk.EnableUUID was set while the VM was running and it has not been "
		     "power-cycled since, so the setting is not in effect yet.",
		     ev.buf);
	}
	strbuf_done(&ev);
}

static void add_build(strbuf *sb, int build, int rev)
{
	if (build <= 0)
		strbuf_adds(sb, "unknown");
	else if (rev > 0)
		strbuf_addf(sb, "%d.%d", build, rev);
	else
		strbuf_addf(sb, "%d", build);
}

static bool build_at_least(int build, int rev, int want_build, int want_rev)
{
	return build > want_build || (build == want_build && rev >= want_rev);
}

static void rule_controllers(ctx *c)
{
	const vm_facts *f = c->f;
	char lb[32];
	strbuf ide, other;
	strbuf_init(&ide);
	strbuf_init(&other);

	int nvme_build = 0, nvme_rev = 0;
	if (c->fam == OS_WIN2022) {
		nvme_build = 20348;
		nvme_rev = 2582;
	} else if (c->fam == OS_WIN2025) {
		nvme_build = 26100;
		nvme_rev = 7171;
	}
	bool nvme_ok = nvme_build &&
		       build_at_least(f->guest_build, f->guest_build_revision, nvme_build, nvme_rev);
	bool nvme_hit = false;

	for (size_t i = 0; i < f->n_disks; i++) {
		const vm_disk *d = &f->disks[i];
		strbuf *sb;
		if (d->controller == CTRL_IDE) {
			sb = &ide;
		} else if (d->controller == CTRL_SATA ||
			   (d->controller == CTRL_NVME && !nvme_ok)) {
			sb = &other;
			nvme_hit |= d->controller == CTRL_NVME;
		} else {
			continue;
		}
		sep(sb);
		strbuf_addf(sb, "%s, %s %d:%d", disk_label(d, lb, i), ctrl_display(d->controller),
			    d->bus, d->unit);
	}
	if (ide.len)
		emit(c, RULE_R09,
		     "A virtual disk is on an IDE controller, and VMware VSS does not support VMs with "
		     "IDE disks.",
		     ide.buf);
	if (other.len) {
		if (nvme_hit && nvme_build) {
			strbuf_adds(&other, "; guest build ");
			add_build(&other, f->guest_build, f->guest_build_revision);
			strbuf_addf(&other, " < %d.%d", nvme_build, nvme_rev);
		}
		emit(c, RULE_R10,
		     "A virtual disk is on a SATA or NVMe controller, which VMware VSS cannot quiesce "
		     "(NVMe only from Windows Server 2022 build 20348.2582 and 2025 build 26100.7171).",
		     other.buf);
	}
	strbuf_done(&ide);
	strbuf_done(&other);
}

static void rule_scsi_slots(ctx *c)
{
	const vm_facts *f = c->f;
	if (!f->n_disks)
		return;
	long usable = 15L * (f->n_scsi_controllers > 0 ? f->n_scsi_controllers : 0);
	long free_slots = usable - f->scsi_units_used;
	if (free_slots < 0)
		free_slots = 0;
	if (free_slots >= (long)f->n_disks)
		return;
	char *ev = xasprintf("%d SCSI controller%s: %ld usable units, %d in use, %ld free for %zu "
			     "disk%s",
			     f->n_scsi_controllers, f->n_scsi_controllers == 1 ? "" : "s", usable,
			     f->scsi_units_used, free_slots, f->n_disks, f->n_disks == 1 ? "" : "s");
	emit(c, RULE_R11,
	     "There are fewer free SCSI slots than virtual disks, which VMware VSS needs for "
	     "application quiescing.",
	     ev);
	free(ev);
}

static void rule_guest_disks(ctx *c)
{
	const guest_probe *p = &c->f->probe;
	if (rules_is_vss_family(c->fam) && p->dynamic_disks == TRI_YES)
		emit(c, RULE_R12,
		     "The guest uses dynamic disks, which VSS quiescing does not support.",
		     p->dynamic_disks_evidence ? p->dynamic_disks_evidence : "dynamic disks present");
	if (c->fam >= OS_WIN2016 && p->storage_spaces == TRI_YES)
		emit(c, RULE_R13,
		     "The guest uses Storage Spaces, which application quiescing does not support.",
		     p->storage_spaces_evidence ? p->storage_spaces_evidence
						: "Storage Spaces present");
}

static void rule_independent(ctx *c)
{
	const vm_facts *f = c->f;
	char lb[32];
	strbuf ev;
	strbuf_init(&ev);
	for (size_t i = 0; i < f->n_disks; i++) {
		const vm_disk *d = &f->disks[i];
		if (d->mode != DISK_INDEPENDENT_PERSISTENT && d->mode != DISK_INDEPENDENT_NONPERSISTENT)
			continue;
		sep(&ev);
		strbuf_addf(&ev, "%s is %s", disk_label(d, lb, i), model_disk_mode_name(d->mode));
	}
	if (ev.len)
		emit(c, RULE_R14,
		     "An independent disk is left out of every snapshot, so a backup will not "
		     "contain it.",
		     ev.buf);
	strbuf_done(&ev);
}

static void rule_vss_service(ctx *c)
{
	const guest_probe *p = &c->f->probe;
	if (!rules_is_vss_family(c->fam) || p->vss.start != SVC_START_DISABLED)
		return;
	strbuf ev;
	strbuf_init(&ev);
	add_svc(&ev, "VSS", &p->vss);
	emit(c, RULE_R15,
	     "The Volume Shadow Copy service (VSS) is disabled, so a quiesced snapshot will fail.",
	     ev.buf);
	strbuf_done(&ev);
}

static const char *writer_state_text(const vss_writer *w)
{
	if (w->state_text && *w->state_text)
		return w->state_text;
	switch (w->state) {
	case WRITER_STABLE: return "[1] Stable";
	case WRITER_WAITING_FOR_COMPLETION: return "[5] Waiting for completion";
	case WRITER_FAILED: return "Failed";
	case WRITER_OTHER: return "other state";
	default: return "state unknown";
	}
}

static const char *writer_error_text(const vss_writer *w)
{
	if (w->last_error_text && *w->last_error_text)
		return w->last_error_text;
	switch (w->last_error) {
	case WRITER_ERR_NONE: return "No error";
	case WRITER_ERR_RETRYABLE: return "Retryable error";
	case WRITER_ERR_NON_RETRYABLE: return "Non-retryable error";
	case WRITER_ERR_TIMEOUT: return "Timed out";
	case WRITER_ERR_OTHER: return "other error";
	default: return "last error unknown";
	}
}

static void rule_writers(ctx *c)
{
	const guest_probe *p = &c->f->probe;
	if (!rules_is_vss_family(c->fam))
		return;
	strbuf bad, soft;
	strbuf_init(&bad);
	strbuf_init(&soft);
	for (size_t i = 0; i < p->n_writers; i++) {
		const vss_writer *w = &p->writers[i];
		bool is_bad = (w->state != WRITER_STABLE && w->state != WRITER_STATE_UNKNOWN) ||
			      w->last_error == WRITER_ERR_NON_RETRYABLE ||
			      w->last_error == WRITER_ERR_TIMEOUT;
		bool is_soft = !is_bad && (w->last_error == WRITER_ERR_RETRYABLE ||
					   w->last_error == WRITER_ERR_OTHER);
		if (!is_bad && !is_soft)
			continue;
		strbuf *sb = is_bad ? &bad : &soft;
		sep(sb);
		strbuf_addf(sb, "VSS writer '%s': %s, %s", w->name ? w->name : "?",
			    writer_state_text(w), writer_error_text(w));
	}
	if (bad.len)
		emit(c, RULE_R16,
		     "A VSS writer is not stable or its last error is not retryable: an "
		     "application-quiesced snapshot will fail.",
		     bad.buf);
	if (soft.len)
		emit_as(c, RULE_R16, SEVERITY_WARN, LEVEL_NONE,
			"A VSS writer reported an error last time; it may fail the next quiesce.",
			soft.buf);
	strbuf_done(&bad);
	strbuf_done(&soft);
}

static void rule_snapshots(ctx *c)
{
	int n = c->f->snapshot_count;
	char *ev;
	if (n >= 32) {
		ev = xasprintf("%d snapshots (maximum 32)", n);
		emit(c, RULE_R17,
		     "The VM has the maximum number of snapshots, so no test or backup snapshot can "
		     "be taken.",
		     ev);
		free(ev);
	} else if (n > 20) {
		ev = xasprintf("%d snapshots (more than 20)", n);
		emit_as(c, RULE_R17, SEVERITY_WARN, LEVEL_NONE,
			"The VM has many snapshots, which slows it down and makes quiescing slower "
			"and riskier.",
			ev);
		free(ev);
	}
}

static void rule_tools_conf(ctx *c)
{
	const guest_probe *p = &c->f->probe;
	if (!rules_is_vss_family(c->fam))
		return;
	quiesce_level cap = LEVEL_NONE;
	strbuf ev;
	strbuf_init(&ev);
	/* only application-level guests lose anything by disabling application quiescing */
	if (p->disable_app_quiescing == TRI_YES && c->best == LEVEL_APPLICATION) {
		strbuf_adds(&ev, "tools.conf [vmbackup] vss.disableAppQuiescing = true");
		cap = LEVEL_FILESYSTEM;
	}
	if (p->enable_vss == TRI_NO) {
		sep(&ev);
		strbuf_adds(&ev, "tools.conf [vmbackup] enableVSS = false");
		cap = sync_present(p) == TRI_YES ? LEVEL_FILESYSTEM : LEVEL_FAIL;
	}
	if (ev.len)
		emit_as(c, RULE_R18, SEVERITY_ERROR, cap,
			cap == LEVEL_FAIL ? "tools.conf turns VSS off and there is no sync driver, so "
					    "a quiesced snapshot will fail."
					  : "tools.conf turns application quiescing off, so "
					    "snapshots are only file-system consistent.",
			ev.buf);
	strbuf_done(&ev);
}

/* 60 -> "60", 0.5 -> "0.5": one decimal, none when it is zero. */
static void add_gib(strbuf *sb, int64_t bytes)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%.1f", (double)bytes / (1024.0 * 1024.0 * 1024.0));
	size_t n = strlen(buf);
	if (n > 2 && strcmp(buf + n - 2, ".0") == 0)
		buf[n - 2] = '\0';
	strbuf_adds(sb, buf);
}

static void rule_free_space(ctx *c)
{
	const vm_facts *f = c->f;
	const int64_t gib = INT64_C(1) << 30;
	strbuf ev;
	strbuf_init(&ev);
	for (size_t i = 0; i < f->n_volumes; i++) {
		const vm_volume *vol = &f->volumes[i];
		if (vol->capacity_bytes <= 0 || vol->free_bytes < 0)
			continue;
		if (vol->free_bytes >= gib && vol->free_bytes * 10 >= vol->capacity_bytes)
			continue;
		sep(&ev);
		strbuf_addf(&ev, "%s ", vol->path ? vol->path : "volume");
		add_gib(&ev, vol->free_bytes);
		strbuf_adds(&ev, " GiB free of ");
		add_gib(&ev, vol->capacity_bytes);
		strbuf_addf(&ev, " GiB (%.1f%%)",
			    100.0 * (double)vol->free_bytes / (double)vol->capacity_bytes);
	}
	if (ev.len)
		emit(c, RULE_R19,
		     "A guest volume is nearly full; the shadow copy may run out of space.", ev.buf);
	strbuf_done(&ev);
}

static void rule_power(ctx *c)
{
	power_state pw = c->f->power;
	if (pw != POWER_OFF && pw != POWER_SUSPENDED)
		return;
	char *ev = xasprintf("runtime.powerState = %s", model_power_name(pw));
	emit(c, RULE_R20,
	     pw == POWER_OFF ? "The VM is powered off; its level is what a quiesced snapshot gives "
			       "once it runs."
			     : "The VM is suspended; its level is what a quiesced snapshot gives once "
			       "it runs.",
	     ev);
	free(ev);
}

static void add_age(strbuf *sb, time_t at, time_t now)
{
	if (at <= 0) {
		strbuf_adds(sb, "at an unknown time");
		return;
	}
	add_time(sb, at);
	if (now >= at) {
		long long s = (long long)(now - at);
		if (s < 3600)
			strbuf_addf(sb, ", %lld min ago", s / 60);
		else if (s < 86400 * 2)
			strbuf_addf(sb, ", %lld h ago", s / 3600);
		else
			strbuf_addf(sb, ", %lld days ago", s / 86400);
	}
}

static void rule_probe(ctx *c)
{
	const guest_probe *p = &c->f->probe;
	const char *why;
	switch (p->state) {
	case PROBE_OK:
		return;
	case PROBE_NOT_CONFIGURED:
		why = "No guest credentials are configured for this VM, so the guest facts (VSS "
		      "services, writers, tools.conf, disks) are unknown.";
		break;
	case PROBE_LOGIN_FAILED:
		why = "The guest refused the login, so the guest facts (VSS services, writers, "
		      "tools.conf, disks) are unknown.";
		break;
	case PROBE_UNAVAILABLE:
		why = "Guest Operations are unavailable, so the guest facts (VSS services, writers, "
		      "tools.conf, disks) are unknown.";
		break;
	case PROBE_STALE:
		why = "The guest could not be probed now; the guest facts shown come from history.";
		break;
	case PROBE_NOT_ELEVATED:
		why = "The guest account is refused by vssadmin (or sc): it lacks the administrator "
		      "right to list VSS writers, so the guest facts are unknown. A local "
		      "administrator's remote logon runs without an elevated token under UAC "
		      "remote restrictions. Use a domain account that is in the guest's "
		      "Administrators group, or on the guest set the DWORD "
		      "LocalAccountTokenFilterPolicy = 1 under "
		      "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System "
		      "(it lifts the restriction for every local administrator), then scan again.";
		break;
	default:
		why = "The guest was not probed, so the guest facts (VSS services, writers, "
		      "tools.conf, disks) are unknown.";
		break;
	}
	strbuf ev;
	strbuf_init(&ev);
	strbuf_addf(&ev, "probe %s", model_probe_state_name(p->state));
	if (p->error && *p->error)
		strbuf_addf(&ev, ": %s", p->error);
	if (p->state == PROBE_STALE) {
		strbuf_adds(&ev, "; facts seen ");
		add_age(&ev, p->at, c->now);
	}
	emit(c, RULE_R21, why, ev.buf);
	strbuf_done(&ev);
}

static void rule_upgrade(ctx *c)
{
	if (c->f->tools_upgrade_running)
		emit(c, RULE_R22,
		     "A VMware Tools upgrade is running on this VM; quiescing may fail until it ends.",
		     "a Tools upgrade task is running");
}

bool rules_test_fell_short(const vm_facts *f, quiesce_level predicted)
{
	const vm_last_test *t = &f->last_test;
	if (!t->id)
		return false;
	if (f->fixed_at > (t->ended_at ? t->ended_at : t->at))
		return false; /* fixed since: the next test tells */
	return t->failed || (t->achieved != LEVEL_NONE && t->achieved < predicted);
}

quiesce_level rules_predicted_by_facts(const verdict *v)
{
	quiesce_level l = v->best;
	for (size_t i = 0; i < v->n_findings; i++) {
		const finding *x = &v->findings[i];
		if (!rules_finding_is(x, RULE_R25) && x->cap != LEVEL_NONE && x->cap < l)
			l = x->cap;
	}
	return l;
}

/* R25: judged against the level the other rules predict, so it runs after them. */
static void rule_last_test(ctx *c, quiesce_level predicted)
{
	const vm_last_test *t = &c->f->last_test;
	if (!rules_test_fell_short(c->f, predicted))
		return;
	strbuf msg, ev;
	strbuf_init(&msg);
	strbuf_init(&ev);
	strbuf_addf(&msg, "The last test snapshot (#%lld, ", (long long)t->id);
	add_age(&msg, t->at, c->now);
	if (t->failed)
		strbuf_adds(&msg, ") failed");
	else
		strbuf_addf(&msg, ") achieved %s where %s is predicted now",
			    model_level_name(t->achieved), model_level_name(predicted));
	if (t->bad_writer)
		strbuf_addf(&msg, "; writer %s", t->bad_writer);
	else if (t->fault)
		strbuf_addf(&msg, ": %s", t->fault);
	strbuf_adds(&msg, ".");
	strbuf_addf(&ev, "snaptest #%lld at ", (long long)t->id);
	add_time(&ev, t->at);
	if (t->method)
		strbuf_addf(&ev, " with %s", t->method);
	strbuf_addf(&ev, ": %s, predicted %s, achieved %s", t->failed ? "failed" : "success",
		    model_level_name(t->predicted), model_level_name(t->achieved));
	if (t->fault)
		strbuf_addf(&ev, "; %s", t->fault);
	if (t->bad_writer)
		strbuf_addf(&ev, "; after the test %s", t->bad_writer);
	quiesce_level cap = t->failed || t->achieved == LEVEL_NONE ? LEVEL_FAIL : t->achieved;
	emit_as(c, RULE_R25, SEVERITY_ERROR, cap, msg.buf, ev.buf);
	strbuf_done(&msg);
	strbuf_done(&ev);
}

/* R24: a step of ours left a restart pending, and the guest has not booted since. An off VM
 * finishes the change at its next power-on, so it has no R24; an unknown bootTime of a
 * running VM cannot prove the restart, so it keeps R24 (and says so). */
static void rule_restart_pending(ctx *c)
{
	const vm_facts *f = c->f;
	const vm_history_marks *m = &f->marks;
	if (!m->restart_plan_id || m->restart_at <= 0)
		return;
	if (f->power != POWER_ON && f->power != POWER_SUSPENDED)
		return;
	if (f->boot_time > 0 && f->boot_time >= m->restart_at)
		return;
	strbuf ev;
	strbuf_init(&ev);
	strbuf_addf(&ev, "fix plan %lld, step %s ended ", (long long)m->restart_plan_id,
		    m->restart_step ? m->restart_step : "?");
	add_time(&ev, m->restart_at);
	if (m->restart_why && *m->restart_why)
		strbuf_addf(&ev, " (%s)", m->restart_why);
	if (f->boot_time > 0) {
		strbuf_adds(&ev, "; runtime.bootTime ");
		add_time(&ev, f->boot_time);
		strbuf_adds(&ev, " is older");
	} else {
		strbuf_adds(&ev, "; runtime.bootTime unknown");
	}
	emit(c, RULE_R24,
	     "A change quiescent made in the guest is finished only by a restart, and the guest "
	     "has not restarted since: until then the old driver or setting stays in effect.",
	     ev.buf);
	strbuf_done(&ev);
}

static bool in_tree(const vm_facts *f, const char *name)
{
	for (size_t i = 0; name && i < f->n_test_snapshots; i++)
		if (f->test_snapshots[i] && !strcmp(f->test_snapshots[i], name))
			return true;
	return false;
}

/* R26: what an interrupted run of ours left. A test snapshot counts while vCenter's tree
 * (test_snapshots, kept current by live updates) still has it; a VM left off counts while it
 * is off. */
static void rule_leftovers(ctx *c)
{
	const vm_facts *f = c->f;
	const vm_history_marks *m = &f->marks;
	strbuf ev;
	strbuf_init(&ev);
	size_t n = 0;
	for (size_t i = 0; i < m->n_snapshots; i++) {
		const vm_our_snapshot *s = &m->snapshots[i];
		if (!in_tree(f, s->name))
			continue;
		sep(&ev);
		strbuf_addf(&ev, "test snapshot %s (test %lld, taken ", s->name,
			    (long long)s->snaptest_id);
		add_time(&ev, s->created_at);
		strbuf_addf(&ev, ", recorded %s) is in vCenter's snapshot tree",
			    s->state ? s->state : "?");
		n++;
	}
	if (n)
		emit(c, RULE_R26,
		     n == 1 ? "A quiesced test snapshot that quiescent took is still on this VM: an "
			      "interrupted test left it behind, and it grows until it is removed."
			    : "Quiesced test snapshots that quiescent took are still on this VM: "
			      "interrupted tests left them behind, and they grow until removed.",
		     ev.buf);
	strbuf_reset(&ev);
	if (m->off_plan_id && f->power == POWER_OFF) {
		strbuf_addf(&ev, "fix plan %lld (%s): step %s began ", (long long)m->off_plan_id,
			    m->off_plan_state ? m->off_plan_state : "?",
			    m->off_step ? m->off_step : "?");
		add_time(&ev, m->off_at);
		strbuf_adds(&ev, " on a poweredOn VM, no power-on recorded since; "
				 "runtime.powerState = poweredOff");
		emit_as(c, RULE_R26, SEVERITY_ERROR, LEVEL_NONE,
			"quiescent took this VM down during a fix that did not finish, and it is "
			"still powered off.",
			ev.buf);
	}
	strbuf_done(&ev);
}

/* What an interrupted run of ours left (R26) leads its severity: it is ours to put right and
 * says why the VM is off, so the list's top finding must not hide it behind a setting the
 * same run had not yet changed (R07 of a fix killed before its reconfigure). */
static bool ours_left_it(const finding *f)
{
	return rules_finding_is(f, RULE_R26);
}

/* error before warn before info; R26 first within; rule id; otherwise the order of
 * evaluation. */
static int finding_cmp(const finding *a, const finding *b)
{
	if (a->sev != b->sev)
		return a->sev > b->sev ? -1 : 1;
	if (ours_left_it(a) != ours_left_it(b))
		return ours_left_it(a) ? -1 : 1;
	return strcmp(a->rule, b->rule);
}

static void sort_findings(verdict *v)
{
	/* stable insertion sort: a handful of findings */
	for (size_t i = 1; i < v->n_findings; i++) {
		finding tmp = v->findings[i];
		size_t j = i;
		while (j > 0 && finding_cmp(&v->findings[j - 1], &tmp) > 0) {
			v->findings[j] = v->findings[j - 1];
			j--;
		}
		v->findings[j] = tmp;
	}
}

/* Guided findings that no quiescent command acts on: installing Tools (R01) and starting its
 * service (R02) happen in the guest's console, by a person following the console's checklist.
 * A VM held back by them is "manual", never "fixable": `f` would plan nothing for it. */
static bool needs_a_person(const finding *x)
{
	return rules_finding_is(x, RULE_R01) || rules_finding_is(x, RULE_R02);
}

void rules_evaluate(const vm_facts *f, time_t now, verdict *out)
{
	model_verdict_done(out);
	ctx c = {.f = f, .now = now, .v = out};
	c.fam = rules_os_family(f);
	c.best = rules_best_level(c.fam);
	c.probe_known = f->probe.state == PROBE_OK || f->probe.state == PROBE_STALE;
	out->family = c.fam;
	out->best = c.best;
	out->predicted = c.best;

	/* Facts vCenter could not give, or gave for a VM whose host it lost, would make every
	 * rule guess: no findings, unknown (the facts_error or connection state says why). */
	if (f->facts_error || f->connection_state) {
		out->status = f->is_template ? STATUS_NA : STATUS_UNKNOWN;
		return;
	}

	bool windows = rules_is_windows(c.fam);
	if (windows) {
		rule_tools(&c);
		if (c.probe_known) {
			rule_providers(&c);
			rule_guest_disks(&c);
			rule_vss_service(&c);
			rule_writers(&c);
			rule_tools_conf(&c);
		}
		if (c.fam >= OS_WIN2008) {
			rule_enable_uuid(&c);
			rule_scsi_slots(&c);
		}
		if (rules_is_vss_family(c.fam))
			rule_controllers(&c);
		rule_upgrade(&c);
		rule_restart_pending(&c);
		if (!f->is_template)
			rule_probe(&c);
	}
	if (!f->is_template)
		rule_leftovers(&c);
	rule_independent(&c);
	rule_snapshots(&c);
	rule_free_space(&c);
	if (!f->is_template)
		rule_power(&c);

	for (size_t i = 0; i < out->n_findings; i++) {
		const finding *x = &out->findings[i];
		if (x->cap != LEVEL_NONE && x->cap < out->predicted)
			out->predicted = x->cap;
	}
	if (windows && !f->is_template)
		rule_last_test(&c, out->predicted);

	sort_findings(out);

	bool errors = false, manual = false;
	for (size_t i = 0; i < out->n_findings; i++) {
		const finding *x = &out->findings[i];
		if (x->cap != LEVEL_NONE && x->cap < out->predicted)
			out->predicted = x->cap;
		if (x->sev == SEVERITY_ERROR) {
			errors = true;
			manual |= x->fix == FIX_MANUAL || needs_a_person(x);
		}
	}

	if (!windows || f->is_template)
		out->status = STATUS_NA;
	else if (!errors && !c.probe_known)
		out->status = STATUS_UNKNOWN; /* R21 without history decides */
	else if (!errors && out->predicted == out->best)
		out->status = STATUS_READY;
	else if (manual)
		out->status = STATUS_MANUAL;
	else
		out->status = STATUS_FIXABLE;
}
