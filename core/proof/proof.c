#include "proof/proof.h"
#include "rules/rules.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *proof_state_name(proof_state s)
{
	switch (s) {
	case PROOF_PROVEN: return "proven";
	case PROOF_FAILED: return "failed";
	case PROOF_PREDICTED: break;
	}
	return "predicted";
}

bool proof_state_parse(const char *s, proof_state *out)
{
	static const proof_state all[] = { PROOF_PREDICTED, PROOF_PROVEN, PROOF_FAILED };
	for (size_t i = 0; s && i < 3; i++)
		if (!strcmp(s, proof_state_name(all[i]))) {
			*out = all[i];
			return true;
		}
	return false;
}

void proof_evaluate(const vm_facts *f, const verdict *v, time_t now, time_t max_age,
		    vm_proof *out)
{
	const vm_last_test *t = &f->last_test;
	if (!max_age)
		max_age = PROOF_MAX_AGE_DEFAULT;
	out->state = PROOF_PREDICTED;
	out->age = -1;
	if (!t->id) {
		out->reason = "never tested";
		return;
	}
	out->age = now > t->at ? now - t->at : 0;
	time_t ended = t->ended_at ? t->ended_at : t->at;
	bool fixed_since = f->fixed_at > ended;
	/* R25 capped the prediction to what the test achieved, so its finding is the sign */
	if (rules_verdict_has(v, RULE_R25) || (!fixed_since && t->failed)) {
		out->state = PROOF_FAILED;
		out->reason = t->failed ? "the test snapshot failed"
					: "the test achieved less than predicted";
		return;
	}
	if (fixed_since)
		out->reason = t->failed ? "fixed since the failed test" : "fixed since the test";
	else if (t->achieved == LEVEL_NONE)
		out->reason = "the level the test achieved is not known";
	else if (t->achieved < v->predicted)
		out->reason = "the test achieved less than predicted";
	else if (v->status == STATUS_UNKNOWN)
		out->reason = "guest facts unknown now"; /* unknown is never shown as proven */
	else if (!t->compared)
		out->reason = "the facts at the test's time are not in the history";
	else if (t->n_changes)
		out->reason = "changed since the test";
	else if (out->age > max_age)
		out->reason = "older than the maximum proof age";
	else {
		out->state = PROOF_PROVEN;
		out->reason = "a test achieved the predicted level and nothing changed since";
	}
}

const char *proof_age_text(time_t age, char buf[16])
{
	int days = age / 86400 > 99999 ? 99999 : (int)(age / 86400);
	if (age < 0)
		snprintf(buf, 16, "-");
	else if (age < 60)
		snprintf(buf, 16, "now");
	else if (age < 3600)
		snprintf(buf, 16, "%dm", (int)(age / 60));
	else if (age < 86400)
		snprintf(buf, 16, "%dh", (int)(age / 3600));
	else
		snprintf(buf, 16, "%dd", days);
	return buf;
}

const char *proof_cell(const vm_facts *f, const vm_proof *p, char buf[32])
{
	char age[16];
	if (!f->last_test.id) {
		snprintf(buf, 32, "never tested");
		return buf;
	}
	proof_age_text(p->age, age);
	const char *word = p->state == PROOF_PROVEN ? "ok" : p->state == PROOF_FAILED ? "FAILED"
			   : !strcmp(p->reason, "changed since the test") ? "changed"
			   : !strcmp(p->reason, "older than the maximum proof age") ? "old"
			   : !strncmp(p->reason, "fixed since", 11) ? "fixed"
								    : "unproven";
	snprintf(buf, 32, "%s %s", word, age);
	return buf;
}

/* ---- decisive facts that changed ---- */

static void push(char ***out, size_t *n, strbuf *sb)
{
	model_strv_push(out, n, sb->buf);
	strbuf_reset(sb);
}

static const char *tri_word(tri t, const char *yes, const char *no)
{
	return t == TRI_YES ? yes : t == TRI_NO ? no : "unknown";
}

static void tri_change(char ***out, size_t *n, strbuf *sb, const char *what, tri a, tri b,
		       const char *yes, const char *no)
{
	if (a == TRI_UNKNOWN || b == TRI_UNKNOWN || a == b)
		return;
	strbuf_addf(sb, "%s %s -> %s", what, tri_word(a, yes, no), tri_word(b, yes, no));
	push(out, n, sb);
}

static const char *svc_word(const svc_facts *s)
{
	if (s->installed == TRI_NO)
		return "not installed";
	if (s->start == SVC_START_UNKNOWN)
		return s->installed == TRI_YES ? "installed" : "unknown";
	return model_svc_start_name(s->start);
}

static void svc_change(char ***out, size_t *n, strbuf *sb, const char *what, const svc_facts *a,
		       const svc_facts *b)
{
	const char *x = svc_word(a), *y = svc_word(b);
	if (!strcmp(x, "unknown") || !strcmp(y, "unknown") || !strcmp(x, y))
		return;
	strbuf_addf(sb, "%s %s -> %s", what, x, y);
	push(out, n, sb);
}

static const vm_disk *disk_named(const vm_facts *f, const char *label)
{
	for (size_t i = 0; label && i < f->n_disks; i++)
		if (f->disks[i].label && !strcmp(f->disks[i].label, label))
			return &f->disks[i];
	return NULL;
}

static void disk_changes(char ***out, size_t *n, strbuf *sb, const vm_facts *a, const vm_facts *b)
{
	for (size_t i = 0; i < b->n_disks; i++) {
		const vm_disk *y = &b->disks[i];
		const vm_disk *x = disk_named(a, y->label);
		const char *label = y->label ? y->label : "a disk";
		if (!x) {
			strbuf_addf(sb, "%s added (%s)", label, model_controller_name(y->controller));
		} else if (x->controller != y->controller) {
			strbuf_addf(sb, "%s moved from %s to %s", label,
				    model_controller_name(x->controller), model_controller_name(y->controller));
		} else if (x->mode != y->mode) {
			strbuf_addf(sb, "%s mode %s -> %s", label, model_disk_mode_name(x->mode),
				    model_disk_mode_name(y->mode));
		}
		if (sb->len)
			push(out, n, sb);
	}
	for (size_t i = 0; i < a->n_disks; i++)
		if (!disk_named(b, a->disks[i].label)) {
			strbuf_addf(sb, "%s removed", a->disks[i].label ? a->disks[i].label : "a disk");
			push(out, n, sb);
		}
}

static bool probe_known(const guest_probe *p)
{
	return p->state == PROBE_OK || p->state == PROBE_STALE;
}

static const vss_writer *writer_named(const guest_probe *p, const char *name)
{
	for (size_t i = 0; name && i < p->n_writers; i++)
		if (p->writers[i].name && !strcmp(p->writers[i].name, name))
			return &p->writers[i];
	return NULL;
}

/* "stable" or "failed (Non-retryable error)": what matters of a writer for quiescing. */
static void writer_word(strbuf *sb, const vss_writer *w)
{
	strbuf_adds(sb, model_writer_state_name(w->state));
	if (w->last_error != WRITER_ERR_NONE && w->last_error != WRITER_ERR_UNKNOWN)
		strbuf_addf(sb, " (%s)", w->last_error_text ? w->last_error_text
							    : model_writer_error_name(w->last_error));
}

static void writer_changes(char ***out, size_t *n, strbuf *sb, const guest_probe *a,
			   const guest_probe *b)
{
	if (a->writers_known != TRI_YES || b->writers_known != TRI_YES)
		return;
	strbuf wa, wb;
	strbuf_init(&wa);
	strbuf_init(&wb);
	for (size_t i = 0; i < b->n_writers; i++) {
		const vss_writer *y = &b->writers[i];
		const vss_writer *x = writer_named(a, y->name);
		strbuf_reset(&wa);
		strbuf_reset(&wb);
		writer_word(&wb, y);
		if (!x) {
			strbuf_addf(sb, "writer %s appeared (%s)", y->name ? y->name : "?", wb.buf);
			push(out, n, sb);
			continue;
		}
		writer_word(&wa, x);
		if (strcmp(wa.buf, wb.buf) != 0) {
			strbuf_addf(sb, "writer %s %s -> %s", y->name ? y->name : "?", wa.buf, wb.buf);
			push(out, n, sb);
		}
	}
	for (size_t i = 0; i < a->n_writers; i++)
		if (!writer_named(b, a->writers[i].name)) {
			strbuf_addf(sb, "writer %s gone", a->writers[i].name ? a->writers[i].name : "?");
			push(out, n, sb);
		}
	strbuf_done(&wa);
	strbuf_done(&wb);
}

void proof_fact_changes(const vm_facts *then, const vm_facts *now, char ***out, size_t *n)
{
	strbuf sb;
	strbuf_init(&sb);
	os_family fa = rules_os_family(then), fb = rules_os_family(now);
	if (fa != fb) {
		strbuf_addf(&sb, "guest OS %s -> %s", model_os_family_name(fa), model_os_family_name(fb));
		push(out, n, &sb);
	}
	/* Tools running or not matters on a running VM only (R02): an off VM's Tools are not */
	if (then->tools != TOOLS_UNKNOWN && now->tools != TOOLS_UNKNOWN && then->tools != now->tools &&
	    (then->tools == TOOLS_NOT_INSTALLED || now->tools == TOOLS_NOT_INSTALLED ||
	     (then->power == POWER_ON && now->power == POWER_ON))) {
		strbuf_addf(&sb, "VMware Tools %s -> %s", model_tools_status_name(then->tools),
			    model_tools_status_name(now->tools));
		push(out, n, &sb);
	}
	if (then->tools_version > 0 && now->tools_version > 0 &&
	    then->tools_version != now->tools_version) {
		char a[16], b[16];
		strbuf_addf(&sb, "VMware Tools %s -> %s", model_tools_version_format(then->tools_version, a),
			    model_tools_version_format(now->tools_version, b));
		push(out, n, &sb);
	}
	if (then->enable_uuid != TRI_UNKNOWN && now->enable_uuid != TRI_UNKNOWN &&
	    then->enable_uuid != now->enable_uuid) {
		strbuf_addf(&sb, "disk.EnableUUID %s -> %s",
			    then->enable_uuid_raw ? then->enable_uuid_raw : "absent",
			    now->enable_uuid_raw ? now->enable_uuid_raw : "absent");
		push(out, n, &sb);
	}
	if (then->n_disks && now->n_disks) /* none: not known (a facts error) */
		disk_changes(out, n, &sb, then, now);
	if (then->n_scsi_controllers != now->n_scsi_controllers && then->n_disks && now->n_disks) {
		strbuf_addf(&sb, "SCSI controllers %d -> %d", then->n_scsi_controllers,
			    now->n_scsi_controllers);
		push(out, n, &sb);
	}
	const guest_probe *a = &then->probe, *b = &now->probe;
	if (probe_known(a) && probe_known(b)) {
		svc_change(out, n, &sb, "VMware Snapshot Provider (vmvss)", &a->vmvss, &b->vmvss);
		svc_change(out, n, &sb, "sync driver (LGTO_Sync)", &a->lgto_sync, &b->lgto_sync);
		svc_change(out, n, &sb, "Volume Shadow Copy service", &a->vss, &b->vss);
		writer_changes(out, n, &sb, a, b);
		tri_change(out, n, &sb, "tools.conf vss.disableAppQuiescing", a->disable_app_quiescing,
			   b->disable_app_quiescing, "true", "false");
		tri_change(out, n, &sb, "tools.conf enableVSS", a->enable_vss, b->enable_vss, "true",
			   "false");
		tri_change(out, n, &sb, "dynamic disks", a->dynamic_disks, b->dynamic_disks, "yes", "no");
		tri_change(out, n, &sb, "Storage Spaces", a->storage_spaces, b->storage_spaces, "yes",
			   "no");
	}
	strbuf_done(&sb);
}
