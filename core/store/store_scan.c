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
		return errbuf_set(err, errlen, "a connection needs a server name to be recorded");
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
static const char sql_scan_vcenter[] = "SELECT server FROM connections WHERE id = ?1";

void store_scan_forget(store *s)
{
	s->scan_id = 0;
	free(s->scan_vcenter);
	s->scan_vcenter = NULL;
}

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
	int64_t scan_id = sqlite3_last_insert_rowid(s->db);
	/* the vCenter is part of every VM state the scan stores (the row above proved the
	 * connection exists: foreign keys are on) */
	st = store_stmt(s, sql_scan_vcenter, err, errlen);
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, connection_id);
	if (store_step_one(s, st, err, errlen, "cannot read the scan's vCenter") != 1)
		goto fail;
	s->scan_vcenter = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	s->scan_id = scan_id;
	return scan_id;
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

/* ---- one VM of a scan: its state, stored once per distinct content ---- */

/* The columns of vm_states after hash, in order: bound as they are hashed. */
enum { STATE_VCENTER, STATE_MOREF, STATE_NAME, STATE_FOLDER, STATE_IS_TEMPLATE, STATE_POWER,
       STATE_GUEST_OS, STATE_OS_FAMILY, STATE_TOOLS_STATUS, STATE_TOOLS_VERSION,
       STATE_ENABLE_UUID, STATE_SNAPSHOT_COUNT, STATE_BEST, STATE_PREDICTED, STATE_STATUS,
       STATE_N_FINDINGS, STATE_FACTS_ERROR, STATE_PROBE_STATE, STATE_PROBE_AT,
       STATE_PROBE_ERROR, STATE_FACTS_JSON, STATE_N_COLS };

typedef struct {
	bool is_int;
	int64_t i;
	const char *s;   /* text; NULL (and !is_int) is SQL NULL */
} state_value;

static state_value text_value(const char *s)
{
	return (state_value){ .s = s };
}

static state_value int_value(int64_t i)
{
	return (state_value){ .is_int = true, .i = i };
}

/* NULL for 0, as store_bind_opt_int */
static state_value opt_int_value(int64_t i)
{
	return i ? int_value(i) : text_value(NULL);
}

static const char sql_state_find[] = "SELECT id FROM vm_states WHERE hash = ?1";
static const char sql_state_insert[] =
	"INSERT INTO vm_states (hash, vcenter, moref, name, folder, is_template, power, guest_os,"
	" os_family, tools_status, tools_version, enable_uuid, snapshot_count, best, predicted,"
	" status, n_findings, facts_error, probe_state, probe_at, probe_error, facts_json)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
	" ?18, ?19, ?20, ?21, ?22)";
static const char sql_finding_insert[] =
	"INSERT INTO findings (state_id, seq, rule, severity, cap, fix, message, evidence)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char sql_state_delete[] = "DELETE FROM vm_states WHERE id = ?1"; /* findings cascade */
/* Is a VM with this moref already in the scan? (A moref appears once per scan.) */
static const char sql_member_dup[] =
	"SELECT 1 FROM vm_states st WHERE st.moref = ?2"
	" AND EXISTS (SELECT 1 FROM scan_vms m WHERE m.scan_id = ?1 AND m.state_id = st.id)";
static const char sql_member_insert[] = "INSERT INTO scan_vms (scan_id, state_id) VALUES (?1, ?2)";

static const char *finding_message(const finding *fd)
{
	return fd->message ? fd->message : "";
}

/* The hash of everything stored about the VM: its columns and its findings in order (the
 * same encoding as the v3 migration's quiescent_hash(...), see store_schema.c). */
static void state_hash(const char *vcenter, const state_value *cols, const verdict *v,
		       unsigned char out[STORE_HASH_LEN])
{
	strbuf b;
	strbuf_init(&b);
	for (size_t i = 0; i < v->n_findings; i++) {
		const finding *fd = &v->findings[i];
		store_hash_add_int(&b, (int64_t)i + 1);
		store_hash_add_text(&b, fd->rule);
		store_hash_add_text(&b, model_severity_name(fd->sev));
		store_hash_add_text(&b, model_level_name(fd->cap));
		store_hash_add_text(&b, model_fix_name(fd->fix));
		store_hash_add_text(&b, finding_message(fd));
		store_hash_add_text(&b, fd->evidence);
	}
	unsigned char findings[STORE_HASH_LEN];
	store_hash_digest(b.buf ? b.buf : "", b.len, findings);
	strbuf_reset(&b);

	char *lower = xstrdup(vcenter);
	for (char *p = lower; *p; p++)
		if (*p >= 'A' && *p <= 'Z')   /* as SQLite's lower(): ASCII only */
			*p = (char)(*p - 'A' + 'a');
	store_hash_add_text(&b, lower);
	free(lower);
	for (int i = STATE_MOREF; i < STATE_N_COLS; i++) {
		if (cols[i].is_int)
			store_hash_add_int(&b, cols[i].i);
		else
			store_hash_add_text(&b, cols[i].s);
	}
	store_hash_add_blob(&b, findings, sizeof findings);
	store_hash_digest(b.buf, b.len, out);
	strbuf_done(&b);
}

static int insert_findings(store *s, int64_t state_id, const verdict *v, char *err, size_t errlen)
{
	for (size_t i = 0; i < v->n_findings; i++) {
		const finding *fd = &v->findings[i];
		sqlite3_stmt *st = store_stmt(s, sql_finding_insert, err, errlen);
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, state_id);
		sqlite3_bind_int64(st, 2, (int64_t)i + 1);
		store_bind_text(st, 3, fd->rule);
		store_bind_text(st, 4, model_severity_name(fd->sev));
		store_bind_text(st, 5, model_level_name(fd->cap));
		store_bind_text(st, 6, model_fix_name(fd->fix));
		store_bind_text(st, 7, finding_message(fd));
		store_bind_text(st, 8, fd->evidence);
		if (store_exec_stmt(s, st, err, errlen, "cannot record a finding") != 0)
			return -1;
	}
	return 0;
}

/* The id of the state with these contents, inserted (with its findings) if it is new.
 * *new_id: the id when this call inserted it (0 otherwise). */
static int64_t state_get_or_add(store *s, const state_value *cols, const verdict *v,
				int64_t *new_id, char *err, size_t errlen)
{
	unsigned char hash[STORE_HASH_LEN];
	state_hash(s->scan_vcenter, cols, v, hash);
	sqlite3_stmt *st = store_stmt(s, sql_state_find, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, hash, sizeof hash, SQLITE_STATIC);
	int rc = store_step_one(s, st, err, errlen, "cannot look up a scanned VM");
	if (rc < 0)
		return -1;
	if (rc == 1) {
		int64_t id = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		return id;
	}
	st = store_stmt(s, sql_state_insert, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, hash, sizeof hash, SQLITE_STATIC);
	for (int i = 0; i < STATE_N_COLS; i++) {
		if (cols[i].is_int)
			sqlite3_bind_int64(st, i + 2, cols[i].i);
		else
			store_bind_text(st, i + 2, cols[i].s);
	}
	if (store_exec_stmt(s, st, err, errlen, "cannot record a scanned VM") != 0)
		return -1;
	*new_id = sqlite3_last_insert_rowid(s->db);
	if (insert_findings(s, *new_id, v, err, errlen) != 0)
		return -1;
	return *new_id;
}

/* *new_state: the state row this call inserted, if any (0 none), for taking it out again. */
static int add_vm_rows(store *s, int64_t scan_id, const vm_facts *f, const verdict *v,
		       int64_t *new_state, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, sql_member_dup, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, scan_id);
	store_bind_text(st, 2, f->moref);
	int rc = store_step_one(s, st, err, errlen, "cannot record a scanned VM");
	if (rc != 0) {
		if (rc == 1) {
			sqlite3_reset(st);
			errbuf_set(err, errlen, "cannot record a scanned VM in the history %s: %s is "
				   "already in scan %lld", s->path, f->moref, (long long)scan_id);
		}
		return -1;
	}

	strbuf facts;
	strbuf_init(&facts);
	store_facts_to_json(&facts, f);
	state_value cols[STATE_N_COLS];
	cols[STATE_VCENTER] = text_value(s->scan_vcenter);
	cols[STATE_MOREF] = text_value(f->moref);
	cols[STATE_NAME] = text_value(f->name ? f->name : f->moref);
	cols[STATE_FOLDER] = text_value(f->folder);
	cols[STATE_IS_TEMPLATE] = int_value(f->is_template ? 1 : 0);
	cols[STATE_POWER] = text_value(model_power_name(f->power));
	cols[STATE_GUEST_OS] = text_value(f->guest_full_name ? f->guest_full_name
							    : f->config_guest_full_name);
	cols[STATE_OS_FAMILY] = text_value(model_os_family_name(v->family));
	cols[STATE_TOOLS_STATUS] = text_value(model_tools_status_name(f->tools));
	cols[STATE_TOOLS_VERSION] = opt_int_value(f->tools_version);
	cols[STATE_ENABLE_UUID] = text_value(f->enable_uuid_raw);
	cols[STATE_SNAPSHOT_COUNT] = f->snapshot_count >= 0 ? int_value(f->snapshot_count)
							    : text_value(NULL);
	cols[STATE_BEST] = text_value(model_level_name(v->best));
	cols[STATE_PREDICTED] = text_value(model_level_name(v->predicted));
	cols[STATE_STATUS] = text_value(model_status_name(v->status));
	cols[STATE_N_FINDINGS] = int_value((int64_t)v->n_findings);
	cols[STATE_FACTS_ERROR] = text_value(f->facts_error ? (f->facts_error_text
							       ? f->facts_error_text
							       : "facts could not be read") : NULL);
	cols[STATE_PROBE_STATE] = text_value(model_probe_state_name(f->probe.state));
	cols[STATE_PROBE_AT] = opt_int_value((int64_t)f->probe.at);
	cols[STATE_PROBE_ERROR] = text_value(f->probe.error);
	cols[STATE_FACTS_JSON] = text_value(facts.buf ? facts.buf : "");
	int64_t state_id = state_get_or_add(s, cols, v, new_state, err, errlen);
	strbuf_done(&facts);
	if (state_id < 0)
		return -1;

	st = store_stmt(s, sql_member_insert, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, scan_id);
	sqlite3_bind_int64(st, 2, state_id);
	return store_exec_stmt(s, st, err, errlen, "cannot record a scanned VM");
}

int store_scan_add_vm(store *s, int64_t scan_id, const vm_facts *f, const verdict *v,
		      char *err, size_t errlen)
{
	if (!s->in_tx || s->scan_id != scan_id)
		return errbuf_set(err, errlen, "scan %lld is not open for writing in the history %s",
				  (long long)scan_id, s->path);
	if (!f->moref || !*f->moref)
		return errbuf_set(err, errlen, "a VM without a managed object id cannot be recorded");
	/* A VM that fails to be written leaves no rows behind, and the caller chooses to go on
	 * with the others or abort the scan. A state this call inserted is taken out by hand
	 * rather than by a savepoint per VM, which cost a quarter of writing the VM (each page it
	 * touched was copied first). A failed statement leaves nothing itself. */
	int64_t new_state = 0;
	if (add_vm_rows(s, scan_id, f, v, &new_state, err, errlen) == 0)
		return 0;
	if (new_state) {
		sqlite3_stmt *st = store_stmt(s, sql_state_delete, NULL, 0);
		if (st)
			sqlite3_bind_int64(st, 1, new_state);
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
	"UPDATE scans SET finished_at = ?2, (n_vms, n_ready, n_fixable, n_manual, n_unknown, n_na) ="
	" (SELECT count(*), coalesce(sum(v.status = 'ready'), 0),"
	"  coalesce(sum(v.status = 'fixable'), 0), coalesce(sum(v.status = 'manual'), 0),"
	"  coalesce(sum(v.status = 'unknown'), 0), coalesce(sum(v.status = 'n/a'), 0)"
	"  FROM scan_vms m JOIN vm_states v ON v.id = m.state_id WHERE m.scan_id = ?1)"
	" WHERE id = ?1";

int store_scan_commit(store *s, int64_t scan_id, time_t finished_at, char *err, size_t errlen)
{
	if (!s->in_tx || s->scan_id != scan_id)
		return errbuf_set(err, errlen, "scan %lld is not open for writing in the history %s",
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
 * a cost growing with the history. Unprobed VMs (most) now cost one empty index search. A
 * state exists only while a committed scan refers to it (its scan's transaction inserted it,
 * retention deletes it with the last scan), and it carries its vCenter. */
static const char sql_last_probe[] =
	"SELECT v.facts_json FROM vm_states v INDEXED BY vm_states_probe_ok"
	" WHERE v.vcenter = ?1 AND v.moref = ?2 AND v.probe_state = 'ok'"
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
	" AND " STORE_SQL_PLAN_SERVER("pv.plan_id") " = ?1 COLLATE NOCASE";

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

/* One query for both (store_vm_fix_times): a probe older than the last done step of ours is
 * not reused. */
int store_last_fix_step_at(store *s, const char *vcenter, const char *moref, time_t *out,
			   char *err, size_t errlen)
{
	time_t uuid_at;
	if (store_vm_fix_times(s, vcenter, moref, &uuid_at, out, err, errlen) != 0)
		return -1;
	return *out != 0;
}

static const char sql_vm_get[] =
	"SELECT v.id, v.os_family, v.best, v.predicted, v.status, v.facts_json FROM scan_vms m"
	" JOIN vm_states v ON v.id = m.state_id WHERE m.scan_id = ?1 AND v.moref = ?2";
static const char sql_findings_get[] =
	"SELECT rule, severity, cap, fix, message, evidence FROM findings"
	" WHERE state_id = ?1 ORDER BY seq";

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
	"SELECT v.facts_json FROM scan_vms m JOIN vm_states v ON v.id = m.state_id"
	" WHERE m.scan_id = ?1 ORDER BY v.name, v.moref";

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
