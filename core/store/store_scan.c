/* Connections and scans: what quiescent saw, VM by VM, and the lookups the rules need from
 * history (last good probe, when we set disk.EnableUUID). */
#include "store/store_internal.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- connections ---- */

static const char sql_conn_insert[] =
	"INSERT INTO connections (server, user, api_version, product, instance_uuid, thumbprint,"
	" started_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

int64_t store_connection_begin(store *s, const store_connection_info *ci, char *err, size_t errlen)
{
	if (!ci->server || !*ci->server)
		return store_errf(err, errlen, "a connection needs a server name to be recorded");
	sqlite3_stmt *st = store_stmt(s, sql_conn_insert, err, errlen);
	if (!st)
		return -1;
	store_bind_text(st, 1, ci->server);
	store_bind_text(st, 2, ci->user ? ci->user : "");
	store_bind_text(st, 3, ci->api_version);
	store_bind_text(st, 4, ci->product);
	store_bind_text(st, 5, ci->instance_uuid);
	store_bind_text(st, 6, ci->thumbprint);
	sqlite3_bind_int64(st, 7, (int64_t)ci->at);
	if (store_exec_stmt(s, st, err, errlen, "cannot record the connection") != 0)
		return -1;
	return sqlite3_last_insert_rowid(s->db);
}

static const char sql_conn_end[] = "UPDATE connections SET ended_at = ?2 WHERE id = ?1";

int store_connection_end(store *s, int64_t connection_id, time_t at, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, sql_conn_end, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, connection_id);
	sqlite3_bind_int64(st, 2, (int64_t)at);
	return store_exec_stmt(s, st, err, errlen, "cannot record the end of the connection");
}

/* ---- scans ---- */

static const char sql_scan_insert[] =
	"INSERT INTO scans (connection_id, started_at, options_json) VALUES (?1, ?2, ?3)";

static int64_t scan_insert(store *s, int64_t connection_id, time_t at,
			   const char *options_json, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, sql_scan_insert, err, errlen);
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, connection_id);
	sqlite3_bind_int64(st, 2, (int64_t)at);
	store_bind_text(st, 3, options_json);
	if (store_exec_stmt(s, st, err, errlen, "cannot record the scan") != 0)
		goto fail;
	s->scan_id = sqlite3_last_insert_rowid(s->db);
	return s->scan_id;
fail:
	store_rollback(s);
	return -1;
}

int64_t store_scan_begin(store *s, int64_t connection_id, time_t at, const char *options_json,
			 char *err, size_t errlen)
{
	if (store_begin(s, err, errlen) != 0)
		return -1;
	return scan_insert(s, connection_id, at, options_json, err, errlen);
}

int64_t store_scan_begin_connected(store *s, const store_connection_info *ci,
				   const char *options_json, int64_t *connection_id,
				   char *err, size_t errlen)
{
	if (store_begin(s, err, errlen) != 0)
		return -1;
	int64_t conn = store_connection_begin(s, ci, err, errlen);
	if (conn < 0) {
		store_rollback(s);
		return -1;
	}
	*connection_id = conn;
	return scan_insert(s, conn, ci->at, options_json, err, errlen);
}

static const char sql_vm_insert[] =
	"INSERT INTO scan_vms (scan_id, moref, name, folder, is_template, power, guest_os,"
	" os_family, tools_status, tools_version, enable_uuid, snapshot_count, best, predicted,"
	" status, n_findings, facts_error, probe_state, probe_at, probe_error, facts_json)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
	" ?18, ?19, ?20, ?21)";
static const char sql_finding_insert[] =
	"INSERT INTO findings (scan_vm_id, seq, rule, severity, cap, fix, message, evidence)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char sql_vm_delete[] = "DELETE FROM scan_vms WHERE id = ?1"; /* findings cascade */

/* *vm_id: the VM's row once it is in (0 before). */
static int add_vm_rows(store *s, int64_t scan_id, const vm_facts *f, const verdict *v,
		       int64_t *vm_id, char *err, size_t errlen)
{
	strbuf facts;
	strbuf_init(&facts);
	store_facts_to_json(&facts, f);

	sqlite3_stmt *st = store_stmt(s, sql_vm_insert, err, errlen);
	if (!st) {
		strbuf_done(&facts);
		return -1;
	}
	const char *guest_os = f->guest_full_name ? f->guest_full_name : f->config_guest_full_name;
	sqlite3_bind_int64(st, 1, scan_id);
	store_bind_text(st, 2, f->moref);
	store_bind_text(st, 3, f->name ? f->name : f->moref);
	store_bind_text(st, 4, f->folder);
	sqlite3_bind_int(st, 5, f->is_template);
	store_bind_text(st, 6, model_power_name(f->power));
	store_bind_text(st, 7, guest_os);
	store_bind_text(st, 8, model_os_family_name(v->family));
	store_bind_text(st, 9, model_tools_status_name(f->tools));
	store_bind_opt_int(st, 10, f->tools_version);
	store_bind_text(st, 11, f->enable_uuid_raw);
	if (f->snapshot_count >= 0)
		sqlite3_bind_int(st, 12, f->snapshot_count);
	store_bind_text(st, 13, model_level_name(v->best));
	store_bind_text(st, 14, model_level_name(v->predicted));
	store_bind_text(st, 15, model_status_name(v->status));
	sqlite3_bind_int64(st, 16, (int64_t)v->n_findings);
	store_bind_text(st, 17, f->facts_error ? (f->facts_error_text ? f->facts_error_text
							   : "facts could not be read") : NULL);
	store_bind_text(st, 18, model_probe_state_name(f->probe.state));
	store_bind_opt_int(st, 19, (int64_t)f->probe.at);
	store_bind_text(st, 20, f->probe.error);
	sqlite3_bind_text(st, 21, facts.buf, (int)facts.len, SQLITE_STATIC);
	int rc = store_exec_stmt(s, st, err, errlen, "cannot record a scanned VM");
	strbuf_done(&facts);
	if (rc != 0)
		return -1;
	*vm_id = sqlite3_last_insert_rowid(s->db);

	for (size_t i = 0; i < v->n_findings; i++) {
		const finding *fd = &v->findings[i];
		st = store_stmt(s, sql_finding_insert, err, errlen);
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, *vm_id);
		sqlite3_bind_int64(st, 2, (int64_t)i + 1);
		store_bind_text(st, 3, fd->rule);
		store_bind_text(st, 4, model_severity_name(fd->sev));
		store_bind_text(st, 5, model_level_name(fd->cap));
		store_bind_text(st, 6, model_fix_name(fd->fix));
		store_bind_text(st, 7, fd->message ? fd->message : "");
		store_bind_text(st, 8, fd->evidence);
		if (store_exec_stmt(s, st, err, errlen, "cannot record a finding") != 0)
			return -1;
	}
	return 0;
}

int store_scan_add_vm(store *s, int64_t scan_id, const vm_facts *f, const verdict *v,
		      char *err, size_t errlen)
{
	if (!s->in_tx || s->scan_id != scan_id)
		return store_errf(err, errlen, "scan %lld is not open for writing in the history %s",
				  (long long)scan_id, s->path);
	if (!f->moref || !*f->moref)
		return store_errf(err, errlen, "a VM without a managed object id cannot be recorded");
	/* A VM that fails to be written leaves no rows behind, and the caller chooses to go on
	 * with the others or abort the scan. Its rows are taken out by hand rather than by a
	 * savepoint per VM, which cost a quarter of writing the VM (each page it touched was
	 * copied first). A failed statement leaves nothing itself. */
	int64_t vm_id = 0;
	if (add_vm_rows(s, scan_id, f, v, &vm_id, err, errlen) == 0)
		return 0;
	if (vm_id) {
		sqlite3_stmt *st = store_stmt(s, sql_vm_delete, NULL, 0);
		if (st)
			sqlite3_bind_int64(st, 1, vm_id);
		if (!st || store_exec_stmt(s, st, NULL, 0, "cannot take a half-written VM out") != 0) {
			store_rollback(s); /* half a VM must not be committed: nothing is */
			size_t l = err ? strlen(err) : 0;
			if (err && l + 1 < errlen)
				snprintf(err + l, errlen - l, "; the whole scan was rolled back");
		}
	}
	return -1;
}

static const char sql_scan_finish[] =
	"UPDATE scans SET finished_at = ?2,"
	" n_vms = (SELECT count(*) FROM scan_vms WHERE scan_id = ?1) WHERE id = ?1";

int store_scan_commit(store *s, int64_t scan_id, time_t finished_at, char *err, size_t errlen)
{
	if (!s->in_tx || s->scan_id != scan_id)
		return store_errf(err, errlen, "scan %lld is not open for writing in the history %s",
				  (long long)scan_id, s->path);
	sqlite3_stmt *st = store_stmt(s, sql_scan_finish, err, errlen);
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, scan_id);
	sqlite3_bind_int64(st, 2, (int64_t)finished_at);
	if (store_exec_stmt(s, st, err, errlen, "cannot finish the scan") != 0)
		goto fail;
	return store_commit(s, err, errlen);
fail:
	store_rollback(s);
	return -1;
}

void store_scan_abort(store *s, int64_t scan_id)
{
	if (s->in_tx && s->scan_id == scan_id)
		store_rollback(s);
}

/* ---- lookups ---- */

/* Both lookups run once per VM of a scan, so each is driven by the VM's own index: left to its
 * statistics, SQLite started from the (few) connections and read the VM's row of every scan,
 * a cost growing with the history. Unprobed VMs (most) now cost one empty index search. */
static const char sql_last_probe[] =
	"SELECT v.facts_json FROM scan_vms v INDEXED BY scan_vms_probe_ok"
	" WHERE v.moref = ?2 AND v.probe_state = 'ok'"
	" AND EXISTS (SELECT 1 FROM scans sc JOIN connections c ON c.id = sc.connection_id"
	"  WHERE sc.id = v.scan_id AND c.server = ?1 COLLATE NOCASE)"
	" ORDER BY v.probe_at DESC, v.id DESC LIMIT 1";

int store_last_probe(store *s, const char *vcenter, const char *moref, guest_probe *out,
		     char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, sql_last_probe, err, errlen);
	if (!st)
		return -1;
	store_bind_text(st, 1, vcenter);
	store_bind_text(st, 2, moref);
	int rc = store_step_one(s, st, err, errlen, "cannot read the last guest probe");
	if (rc <= 0)
		return rc;
	char *json = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	rc = store_probe_from_json(json, out, err, errlen);
	free(json);
	return rc == 0 ? 1 : -1;
}

/* The unary + keeps SQLite off steps_kind, which holds every such step of the fleet. */
static const char sql_uuid_set[] =
	"SELECT max(st.ended_at) FROM plan_vms pv INDEXED BY plan_vms_moref"
	" JOIN steps st ON st.plan_vm_id = pv.id"
	" WHERE pv.moref = ?2 AND +st.kind = ?3 AND +st.state = 'done'"
	" AND EXISTS (SELECT 1 FROM plans p JOIN connections c ON c.id = p.connection_id"
	"  WHERE p.id = pv.plan_id AND c.server = ?1 COLLATE NOCASE)";

int store_enable_uuid_set_at(store *s, const char *vcenter, const char *moref, time_t *out,
			     char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, sql_uuid_set, err, errlen);
	if (!st)
		return -1;
	store_bind_text(st, 1, vcenter);
	store_bind_text(st, 2, moref);
	store_bind_text(st, 3, STORE_STEP_SET_ENABLE_UUID);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		store_fail(s, err, errlen, "cannot read when disk.EnableUUID was set");
		sqlite3_reset(st);
		return -1;
	}
	int found = sqlite3_column_type(st, 0) != SQLITE_NULL;
	if (found)
		*out = (time_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return found;
}

static const char sql_fix_times[] =
	"SELECT max(CASE WHEN st.kind = ?3 THEN st.ended_at END), max(st.ended_at)"
	" FROM plan_vms pv INDEXED BY plan_vms_moref JOIN steps st ON st.plan_vm_id = pv.id"
	" WHERE pv.moref = ?2 AND +st.state = 'done'"
	" AND EXISTS (SELECT 1 FROM plans p JOIN connections c ON c.id = p.connection_id"
	"  WHERE p.id = pv.plan_id AND c.server = ?1 COLLATE NOCASE)";

int store_vm_fix_times(store *s, const char *vcenter, const char *moref, time_t *uuid_set_at,
		       time_t *fixed_at, char *err, size_t errlen)
{
	*uuid_set_at = *fixed_at = 0;
	sqlite3_stmt *st = store_stmt(s, sql_fix_times, err, errlen);
	if (!st)
		return -1;
	store_bind_text(st, 1, vcenter);
	store_bind_text(st, 2, moref);
	store_bind_text(st, 3, STORE_STEP_SET_ENABLE_UUID);
	if (sqlite3_step(st) != SQLITE_ROW) {
		store_fail(s, err, errlen, "cannot read when the VM was last fixed");
		sqlite3_reset(st);
		return -1;
	}
	*uuid_set_at = (time_t)sqlite3_column_int64(st, 0);
	*fixed_at = (time_t)sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	return 0;
}

static const char sql_vm_get[] =
	"SELECT id, os_family, best, predicted, status, facts_json FROM scan_vms"
	" WHERE scan_id = ?1 AND moref = ?2";
static const char sql_findings_get[] =
	"SELECT rule, severity, cap, fix, message, evidence FROM findings"
	" WHERE scan_vm_id = ?1 ORDER BY seq";

static const char *col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static int read_findings(store *s, int64_t vm_id, verdict *v, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, sql_findings_get, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, vm_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		severity sev = SEVERITY_INFO;
		quiesce_level cap = LEVEL_NONE;
		fix_kind fix = FIX_NONE;
		model_severity_parse(col(st, 1), &sev);
		model_level_parse(col(st, 2), &cap);
		model_fix_parse(col(st, 3), &fix);
		model_verdict_add(v, col(st, 0), sev, cap, fix, col(st, 4), col(st, 5));
	}
	if (rc != SQLITE_DONE)
		store_fail(s, err, errlen, "cannot read the findings");
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int store_scan_vm_get(store *s, int64_t scan_id, const char *moref, vm_facts *f, verdict *v,
		      char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, sql_vm_get, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, scan_id);
	store_bind_text(st, 2, moref);
	int rc = store_step_one(s, st, err, errlen, "cannot read a scanned VM");
	if (rc <= 0)
		return rc;
	int64_t vm_id = sqlite3_column_int64(st, 0);
	if (v) {
		model_verdict_done(v);
		model_os_family_parse(col(st, 1), &v->family);
		model_level_parse(col(st, 2), &v->best);
		model_level_parse(col(st, 3), &v->predicted);
		model_status_parse(col(st, 4), &v->status);
	}
	char *json = f ? xstrdup(col(st, 5)) : NULL;
	sqlite3_reset(st);
	rc = 0;
	if (f)
		rc = store_facts_from_json(json, f, err, errlen);
	free(json);
	if (rc == 0 && v)
		rc = read_findings(s, vm_id, v, err, errlen);
	return rc == 0 ? 1 : -1;
}

static const char sql_facts_all[] =
	"SELECT facts_json FROM scan_vms WHERE scan_id = ?1 ORDER BY name, moref";

int store_scan_facts_all(store *s, int64_t scan_id, vm_facts **out, size_t *n, char *err,
			 size_t errlen)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = store_stmt(s, sql_facts_all, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, scan_id);
	vm_facts *v = NULL;
	size_t nv = 0, cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = xgrow(v, &cap, nv + 1, sizeof *v);
		model_vm_facts_init(&v[nv]);
		const char *json = col(st, 0);
		if (store_facts_from_json(json ? json : "{}", &v[nv], err, errlen) != 0) {
			model_vm_facts_done(&v[nv]);
			rc = SQLITE_ERROR;
			break;
		}
		nv++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		for (size_t i = 0; i < nv; i++)
			model_vm_facts_done(&v[i]);
		free(v);
		if (rc == SQLITE_ERROR && err && *err)
			return -1;
		return store_fail(s, err, errlen, "cannot read a scan's VMs");
	}
	*out = v;
	*n = nv;
	return 0;
}
