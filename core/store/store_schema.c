/* The schema, as an ordered list of forward migrations (docs/store.md explains every
 * table). Rules: never edit a step that has shipped; add a new step at the end and raise
 * STORE_SCHEMA_VERSION; a step is plain SQL run in one transaction together with the
 * user_version bump, so it applies whole or not at all. */
#include "store/store_internal.h"

/* v0 -> v1: the whole history model (issues 3, 5, 6, 7). Times are Unix seconds (UTC);
 * enumerations are the contract names as text; *_json columns hold JSON documents. */
/* One VM's summary columns, the same in v1's scan_vms and v3's vm_states (which took them
 * over): every fact besides them is in facts_json. */
#define VM_SUMMARY_COLUMNS \
	" name TEXT NOT NULL, folder TEXT, is_template INTEGER NOT NULL DEFAULT 0," \
	" power TEXT NOT NULL, guest_os TEXT, os_family TEXT NOT NULL, tools_status TEXT NOT NULL," \
	" tools_version INTEGER, enable_uuid TEXT, snapshot_count INTEGER, best TEXT NOT NULL," \
	" predicted TEXT NOT NULL, status TEXT NOT NULL, n_findings INTEGER NOT NULL DEFAULT 0," \
	" facts_error TEXT, probe_state TEXT NOT NULL, probe_at INTEGER, probe_error TEXT," \
	" facts_json TEXT NOT NULL"

static const char v1[] =
	/* One session with a vCenter/ESXi. The password is never stored. */
	"CREATE TABLE connections ("
	" id INTEGER PRIMARY KEY,"
	" server TEXT NOT NULL,"
	" user TEXT NOT NULL,"
	" api_version TEXT,"
	" product TEXT,"
	" instance_uuid TEXT,"
	" thumbprint TEXT,"
	" started_at INTEGER NOT NULL,"
	" ended_at INTEGER"
	");"
	"CREATE INDEX connections_server ON connections(server, started_at);"

	/* One inventory scan; written in one transaction, so a row here is a complete scan. */
	"CREATE TABLE scans ("
	" id INTEGER PRIMARY KEY,"
	" connection_id INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,"
	" started_at INTEGER NOT NULL,"
	" finished_at INTEGER,"
	" options_json TEXT,"
	" n_vms INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX scans_connection ON scans(connection_id);"
	"CREATE INDEX scans_started ON scans(started_at);"

	/* One VM in one scan: the indexed summary columns plus every fact in facts_json. */
	"CREATE TABLE scan_vms ("
	" id INTEGER PRIMARY KEY,"
	" scan_id INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,"
	" moref TEXT NOT NULL,"
	VM_SUMMARY_COLUMNS ","
	" UNIQUE (scan_id, moref)"
	");"
	"CREATE INDEX scan_vms_moref ON scan_vms(moref, scan_id);"
	"CREATE INDEX scan_vms_probe_ok ON scan_vms(moref, probe_at) WHERE probe_state = 'ok';"

	/* The findings of a scanned VM, in verdict order (seq). */
	"CREATE TABLE findings ("
	" id INTEGER PRIMARY KEY,"
	" scan_vm_id INTEGER NOT NULL REFERENCES scan_vms(id) ON DELETE CASCADE,"
	" seq INTEGER NOT NULL,"
	" rule TEXT NOT NULL,"
	" severity TEXT NOT NULL,"
	" cap TEXT NOT NULL,"
	" fix TEXT NOT NULL,"
	" message TEXT NOT NULL,"
	" evidence TEXT,"
	" UNIQUE (scan_vm_id, seq)"
	");"
	"CREATE INDEX findings_rule ON findings(rule);"

	/* A remediation plan (issue 5). */
	"CREATE TABLE plans ("
	" id INTEGER PRIMARY KEY,"
	" connection_id INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,"
	" scan_id INTEGER REFERENCES scans(id) ON DELETE SET NULL,"
	" created_at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL,"
	" options_json TEXT,"
	" state TEXT NOT NULL CHECK (state IN ('planned','confirmed','running','done','failed',"
	"  'cancelled','interrupted'))"
	");"
	"CREATE INDEX plans_state ON plans(state);"

	"CREATE TABLE plan_vms ("
	" id INTEGER PRIMARY KEY,"
	" plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,"
	" moref TEXT NOT NULL,"
	" name TEXT NOT NULL,"
	" original_power TEXT NOT NULL,"
	" outcome TEXT,"
	" message TEXT,"
	" UNIQUE (plan_id, moref)"
	");"
	"CREATE INDEX plan_vms_moref ON plan_vms(moref);"

	/* The journal: one row per step, written before it acts and when it has. */
	"CREATE TABLE steps ("
	" id INTEGER PRIMARY KEY,"
	" plan_vm_id INTEGER NOT NULL REFERENCES plan_vms(id) ON DELETE CASCADE,"
	" seq INTEGER NOT NULL,"
	" kind TEXT NOT NULL,"
	" rule TEXT,"
	" description TEXT,"
	" state TEXT NOT NULL CHECK (state IN ('planned','running','done','failed','rolled_back',"
	"  'skipped')),"
	" started_at INTEGER,"
	" ended_at INTEGER,"
	" task_moref TEXT,"
	" result TEXT,"
	" error TEXT,"
	" before_value TEXT,"
	" after_value TEXT,"
	" original_power_state TEXT,"
	" UNIQUE (plan_vm_id, seq)"
	");"
	"CREATE INDEX steps_unfinished ON steps(state) WHERE state IN ('planned','running');"
	"CREATE INDEX steps_kind ON steps(kind, state);"

	/* A quiesced test snapshot (issue 6), recorded before it is created. */
	"CREATE TABLE snaptests ("
	" id INTEGER PRIMARY KEY,"
	" connection_id INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,"
	" moref TEXT NOT NULL,"
	" vm_name TEXT NOT NULL,"
	" snapshot_name TEXT NOT NULL,"
	" snapshot_moref TEXT,"
	" spec_json TEXT NOT NULL,"
	" method TEXT,"
	" state TEXT NOT NULL CHECK (state IN ('created','running','removed','kept','orphan')),"
	" predicted TEXT,"
	" achieved TEXT,"
	" result TEXT,"
	" fault_type TEXT,"
	" fault TEXT,"
	" task_moref TEXT,"
	" created_at INTEGER NOT NULL,"
	" ended_at INTEGER,"
	" duration_ms INTEGER,"
	" manifest_file TEXT,"
	" manifest BLOB,"
	" backup_type TEXT,"
	" snapshot_removed INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX snaptests_moref ON snaptests(moref, created_at);"
	"CREATE INDEX snaptests_unfinished ON snaptests(state) WHERE state IN ('created','running');"

	"CREATE TABLE snaptest_events ("
	" id INTEGER PRIMARY KEY,"
	" snaptest_id INTEGER NOT NULL REFERENCES snaptests(id) ON DELETE CASCADE,"
	" at INTEGER NOT NULL,"
	" kind TEXT NOT NULL,"
	" message TEXT NOT NULL"
	");"
	"CREATE INDEX snaptest_events_test ON snaptest_events(snaptest_id, id);"

	"CREATE TABLE writer_results ("
	" id INTEGER PRIMARY KEY,"
	" snaptest_id INTEGER NOT NULL REFERENCES snaptests(id) ON DELETE CASCADE,"
	" phase TEXT NOT NULL CHECK (phase IN ('manifest','after')),"
	" name TEXT NOT NULL,"
	" writer_id TEXT,"
	" instance_id TEXT,"
	" usage TEXT,"
	" data_source TEXT,"
	" components_json TEXT,"
	" state TEXT,"
	" last_error TEXT"
	");"
	"CREATE INDEX writer_results_test ON writer_results(snaptest_id, phase);"

	/* vSphere tasks we started or watched (fix steps, test snapshots). */
	"CREATE TABLE tasks ("
	" id INTEGER PRIMARY KEY,"
	" connection_id INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,"
	" moref TEXT NOT NULL,"
	" vm TEXT,"
	" kind TEXT NOT NULL,"
	" state TEXT NOT NULL CHECK (state IN ('queued','running','success','error')),"
	" progress INTEGER,"
	" started_at INTEGER,"
	" ended_at INTEGER,"
	" error TEXT,"
	" step_id INTEGER REFERENCES steps(id) ON DELETE SET NULL,"
	" snaptest_id INTEGER REFERENCES snaptests(id) ON DELETE SET NULL,"
	" UNIQUE (connection_id, moref)"
	");"
	"CREATE INDEX tasks_vm ON tasks(vm);"
	"CREATE INDEX tasks_step ON tasks(step_id);"
	"CREATE INDEX tasks_snaptest ON tasks(snaptest_id);"

	/* vCenter events about VMs (the key is vCenter's event key). */
	"CREATE TABLE events ("
	" id INTEGER PRIMARY KEY,"
	" connection_id INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,"
	" event_key INTEGER NOT NULL,"
	" vm TEXT,"
	" at INTEGER NOT NULL,"
	" type TEXT NOT NULL,"
	" user TEXT,"
	" message TEXT,"
	" UNIQUE (connection_id, event_key)"
	");"
	"CREATE INDEX events_vm ON events(vm, at);"

	/* Sentences shown to the operator. */
	"CREATE TABLE messages ("
	" id INTEGER PRIMARY KEY,"
	" at INTEGER NOT NULL,"
	" level TEXT NOT NULL CHECK (level IN ('info','warn','error')),"
	" source TEXT,"
	" vm TEXT,"
	" text TEXT NOT NULL"
	");"
	"CREATE INDEX messages_at ON messages(at);";

/* v1 -> v2 (issue 7, schema review): no column was missing for the history queries, but
 * the timeline's time ranges, retention's deletes and the cascades they trigger scanned
 * whole tables. Indexes for them: time columns the timeline and retention filter on, and
 * the foreign keys that a delete of a connection or a scan follows (SQLite does not index
 * a REFERENCES column by itself). */
static const char v2[] =
	"CREATE INDEX plans_created ON plans(created_at);"
	"CREATE INDEX plans_connection ON plans(connection_id);"
	"CREATE INDEX plans_scan ON plans(scan_id);"
	"CREATE INDEX snaptests_created ON snaptests(created_at);"
	"CREATE INDEX snaptests_connection ON snaptests(connection_id);"
	"CREATE INDEX tasks_started ON tasks(started_at);"
	"CREATE INDEX events_at ON events(at);";

/* v2 -> v3 (issue 18): history grows with change, not with time. A VM as one scan saw it
 * (summary columns, facts document, findings) is a vm_states row stored once per distinct
 * content (its SHA-256, the hash column); scan_vms shrinks to the scan's list of states. An
 * unchanged rescan adds one small scan_vms entry per VM. The vCenter is part of a state, so
 * per-VM lookups (the last good probe) need no scan. The old rows are converted here: each
 * distinct content keeps the id of its first row, its findings move with it, and every old
 * row becomes a reference. scan_vms.state_id has no REFERENCES clause on purpose: deleting a
 * state would then search scan_vms (keyed by scan) for it; retention deletes only states no
 * scan refers to. quiescent_hash/_agg are the store's own SQL functions (store_hash.c). */
static const char v3[] =
	"CREATE TABLE vm_states ("
	" id INTEGER PRIMARY KEY,"
	" hash BLOB NOT NULL UNIQUE,"
	" vcenter TEXT NOT NULL COLLATE NOCASE,"
	" moref TEXT NOT NULL,"
	VM_SUMMARY_COLUMNS
	");"
	"CREATE TEMP TABLE v3_hash (old_id INTEGER PRIMARY KEY, vcenter TEXT, hash BLOB);"
	"INSERT INTO v3_hash SELECT v.id, c.server, quiescent_hash(lower(c.server), v.moref,"
	" v.name, v.folder, v.is_template, v.power, v.guest_os, v.os_family, v.tools_status,"
	" v.tools_version, v.enable_uuid, v.snapshot_count, v.best, v.predicted, v.status,"
	" v.n_findings, v.facts_error, v.probe_state, v.probe_at, v.probe_error, v.facts_json,"
	" (SELECT quiescent_hash_agg(f.seq, f.rule, f.severity, f.cap, f.fix, f.message,"
	"  f.evidence) FROM findings f WHERE f.scan_vm_id = v.id))"
	" FROM scan_vms v JOIN scans sc ON sc.id = v.scan_id"
	" JOIN connections c ON c.id = sc.connection_id;"
	"INSERT INTO vm_states (id, hash, vcenter, moref, name, folder, is_template, power,"
	" guest_os, os_family, tools_status, tools_version, enable_uuid, snapshot_count, best,"
	" predicted, status, n_findings, facts_error, probe_state, probe_at, probe_error,"
	" facts_json)"
	" SELECT v.id, h.hash, h.vcenter, v.moref, v.name, v.folder, v.is_template, v.power,"
	" v.guest_os, v.os_family, v.tools_status, v.tools_version, v.enable_uuid,"
	" v.snapshot_count, v.best, v.predicted, v.status, v.n_findings, v.facts_error,"
	" v.probe_state, v.probe_at, v.probe_error, v.facts_json"
	" FROM (SELECT min(old_id) AS old_id FROM v3_hash GROUP BY hash) r"
	" JOIN v3_hash h ON h.old_id = r.old_id JOIN scan_vms v ON v.id = r.old_id"
	" ORDER BY v.id;"
	"CREATE TABLE findings_v3 ("
	" id INTEGER PRIMARY KEY,"
	" state_id INTEGER NOT NULL REFERENCES vm_states(id) ON DELETE CASCADE,"
	" seq INTEGER NOT NULL,"
	" rule TEXT NOT NULL,"
	" severity TEXT NOT NULL,"
	" cap TEXT NOT NULL,"
	" fix TEXT NOT NULL,"
	" message TEXT NOT NULL,"
	" evidence TEXT,"
	" UNIQUE (state_id, seq)"
	");"
	"INSERT INTO findings_v3 (state_id, seq, rule, severity, cap, fix, message, evidence)"
	" SELECT f.scan_vm_id, f.seq, f.rule, f.severity, f.cap, f.fix, f.message, f.evidence"
	" FROM findings f JOIN vm_states st ON st.id = f.scan_vm_id ORDER BY f.scan_vm_id, f.seq;"
	"CREATE TABLE scan_vms_v3 ("
	" scan_id INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,"
	" state_id INTEGER NOT NULL,"
	" PRIMARY KEY (scan_id, state_id)"
	") WITHOUT ROWID;"
	"INSERT INTO scan_vms_v3 (scan_id, state_id)"
	" SELECT v.scan_id, st.id FROM scan_vms v JOIN v3_hash h ON h.old_id = v.id"
	" JOIN vm_states st ON st.hash = h.hash ORDER BY v.scan_id, st.id;"
	"DROP TABLE findings;"
	"DROP TABLE scan_vms;"
	"DROP TABLE v3_hash;"
	"ALTER TABLE findings_v3 RENAME TO findings;"
	"ALTER TABLE scan_vms_v3 RENAME TO scan_vms;"
	"CREATE INDEX findings_rule ON findings(rule);"
	"CREATE INDEX vm_states_moref ON vm_states(moref);"
	/* the timeline's --vm GLOB reads this, not the states with their facts documents */
	"CREATE INDEX vm_states_name ON vm_states(name, moref);"
	"CREATE INDEX vm_states_probe_ok ON vm_states(vcenter, moref, probe_at)"
	" WHERE probe_state = 'ok';"
	/* Counts per status, set at commit: trends (the report, the console's chart) read one row
	 * per scan instead of every VM of every scan. */
	"ALTER TABLE scans ADD COLUMN n_ready INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE scans ADD COLUMN n_fixable INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE scans ADD COLUMN n_manual INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE scans ADD COLUMN n_unknown INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE scans ADD COLUMN n_na INTEGER NOT NULL DEFAULT 0;"
	"CREATE TEMP TABLE v3_counts (id INTEGER PRIMARY KEY, r, f, m, u, na);"
	"INSERT INTO v3_counts SELECT m.scan_id, sum(v.status = 'ready'), sum(v.status = 'fixable'),"
	" sum(v.status = 'manual'), sum(v.status = 'unknown'), sum(v.status = 'n/a')"
	" FROM scan_vms m JOIN vm_states v ON v.id = m.state_id GROUP BY m.scan_id;"
	"UPDATE scans SET (n_ready, n_fixable, n_manual, n_unknown, n_na) ="
	" (SELECT r, f, m, u, na FROM v3_counts WHERE v3_counts.id = scans.id)"
	" WHERE id IN (SELECT id FROM v3_counts);"
	"DROP TABLE v3_counts;";

/* v3 -> v4 (issue 13, ownership): a plan or a test is owned by a live process. Its host, pid,
 * start and run-lock file are recorded with the row, so another process can tell a live run
 * (hands off) from a dead one (recover it). recovered_at tells an interrupted plan that was
 * recovered from one still to recover; plans interrupted before v4 were all recovered. */
static const char v4[] =
	"ALTER TABLE plans ADD COLUMN owner_host TEXT;"
	"ALTER TABLE plans ADD COLUMN owner_pid INTEGER;"
	"ALTER TABLE plans ADD COLUMN owner_since INTEGER;"
	"ALTER TABLE plans ADD COLUMN owner_lock TEXT;"
	"ALTER TABLE plans ADD COLUMN recovered_at INTEGER;"
	"UPDATE plans SET recovered_at = updated_at WHERE state = 'interrupted';"
	"ALTER TABLE snaptests ADD COLUMN owner_host TEXT;"
	"ALTER TABLE snaptests ADD COLUMN owner_pid INTEGER;"
	"ALTER TABLE snaptests ADD COLUMN owner_since INTEGER;"
	"ALTER TABLE snaptests ADD COLUMN owner_lock TEXT;";

/* v4 -> v5 (issue 13, leftovers): a step that left a guest restart pending says why
 * (`setup exit code 3010`), so R24 can compare it with runtime.bootTime; the partial index
 * keeps that lookup to the few such steps. */
static const char v5[] =
	"ALTER TABLE steps ADD COLUMN restart_needed TEXT;"
	"CREATE INDEX steps_restart ON steps(plan_vm_id) WHERE restart_needed IS NOT NULL;";

/* v5 -> v6 (issue 13, the busy-VM race): one claim per VM, taken in the transaction that
 * looks at it, so two processes never both start on one VM. */
static const char v6[] =
	"CREATE TABLE vm_claims ("
	" server TEXT NOT NULL COLLATE NOCASE,"
	" moref TEXT NOT NULL,"
	" kind TEXT NOT NULL,"
	" row_id INTEGER NOT NULL,"
	" claimed_at INTEGER NOT NULL,"
	" PRIMARY KEY (server, moref));"
	/* the tasks a journal left running, found at every start without reading them all */
	"CREATE INDEX tasks_open ON tasks(connection_id) WHERE state IN ('queued', 'running');";

const char *const store_migrations[] = {
	v1,
	v2,
	v3,
	v4,
	v5,
	v6,
};
const size_t store_n_migrations = sizeof store_migrations / sizeof store_migrations[0];

_Static_assert(sizeof store_migrations / sizeof store_migrations[0] == STORE_SCHEMA_VERSION,
	       "one migration per schema version");
