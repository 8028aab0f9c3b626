/* facts_json: every fact of a VM as one versioned JSON document, so history keeps facts the
 * indexed columns do not (disks, volumes, writers) and a later quiescent can still read
 * them. Enumerations are model.h names; times are Unix seconds; unknown is "unknown" or
 * absent. Format 1 is documented in docs/store.md; bump STORE_FACTS_FORMAT when a member
 * changes meaning (adding members needs no bump: readers ignore what they do not know). */
#include "store/store_internal.h"
#include "util/json.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

static const char *tri_name(tri t)
{
	return t == TRI_YES ? "yes" : t == TRI_NO ? "no" : "unknown";
}

static tri tri_parse(const char *s)
{
	if (s && strcmp(s, "yes") == 0)
		return TRI_YES;
	if (s && strcmp(s, "no") == 0)
		return TRI_NO;
	return TRI_UNKNOWN;
}

/* ---- writing ----
 * A member at its default (null, unknown, false, an empty list) is left out: readers take
 * absence as that default. Most scans probe no guest, and an all-unknown probe section was
 * 40% of every VM's document. */

static void put_str(json_writer *w, const char *key, const char *s)
{
	if (s)
		json_kv_string(w, key, s);
}

static void put_tri(json_writer *w, const char *key, tri t)
{
	if (t != TRI_UNKNOWN)
		json_kv_string(w, key, tri_name(t));
}

static void put_true(json_writer *w, const char *key, bool b)
{
	if (b)
		json_kv_bool(w, key, true);
}

static void put_time(json_writer *w, const char *key, time_t t)
{
	if (t)
		json_kv_int(w, key, (int64_t)t);
}

static void write_svc(json_writer *w, const char *key, const svc_facts *s)
{
	if (s->installed == TRI_UNKNOWN && s->state == SVC_STATE_UNKNOWN &&
	    s->start == SVC_START_UNKNOWN && !s->raw_state)
		return;
	json_key(w, key);
	json_object_begin(w);
	put_tri(w, "installed", s->installed);
	json_kv_string(w, "state", model_svc_state_name(s->state));
	json_kv_string(w, "start", model_svc_start_name(s->start));
	put_str(w, "raw_state", s->raw_state);
	json_object_end(w);
}

static void write_probe(json_writer *w, const guest_probe *p)
{
	json_key(w, "probe");
	json_object_begin(w);
	json_kv_string(w, "state", model_probe_state_name(p->state));
	put_time(w, "at", p->at);
	put_str(w, "error", p->error);
	write_svc(w, "vmvss", &p->vmvss);
	write_svc(w, "lgto_sync", &p->lgto_sync);
	write_svc(w, "vss", &p->vss);
	put_tri(w, "writers_known", p->writers_known);
	if (p->n_writers) {
		json_key(w, "writers");
		json_array_begin(w);
		for (size_t i = 0; i < p->n_writers; i++) {
			const vss_writer *wr = &p->writers[i];
			json_object_begin(w);
			json_kv_string(w, "name", wr->name);
			json_kv_string(w, "id", wr->id);
			json_kv_string(w, "instance_id", wr->instance_id);
			json_kv_string(w, "state", model_writer_state_name(wr->state));
			json_kv_string(w, "state_text", wr->state_text);
			json_kv_string(w, "last_error", model_writer_error_name(wr->last_error));
			json_kv_string(w, "last_error_text", wr->last_error_text);
			json_object_end(w);
		}
		json_array_end(w);
	}
	put_tri(w, "disable_app_quiescing", p->disable_app_quiescing);
	put_tri(w, "enable_vss", p->enable_vss);
	put_true(w, "tools_conf_read", p->tools_conf_read);
	put_tri(w, "dynamic_disks", p->dynamic_disks);
	put_tri(w, "storage_spaces", p->storage_spaces);
	put_str(w, "dynamic_disks_evidence", p->dynamic_disks_evidence);
	put_str(w, "storage_spaces_evidence", p->storage_spaces_evidence);
	json_object_end(w);
}

void store_facts_to_json(strbuf *out, const vm_facts *f)
{
	json_writer w;
	json_writer_init(&w, out, false);
	json_object_begin(&w);
	json_kv_int(&w, "format", STORE_FACTS_FORMAT);
	json_kv_string(&w, "moref", f->moref);
	json_kv_string(&w, "name", f->name);
	put_str(&w, "folder", f->folder);
	put_str(&w, "datacenter", f->datacenter);
	put_str(&w, "cluster", f->cluster);
	put_str(&w, "host", f->host);
	put_true(&w, "is_template", f->is_template);
	put_true(&w, "facts_error", f->facts_error);
	put_str(&w, "facts_error_text", f->facts_error_text);
	put_str(&w, "connection_state", f->connection_state);

	json_kv_string(&w, "config_guest_id", f->config_guest_id);
	json_kv_string(&w, "config_guest_full_name", f->config_guest_full_name);
	json_kv_int(&w, "hw_version", f->hw_version);
	put_tri(&w, "enable_uuid", f->enable_uuid);
	put_str(&w, "enable_uuid_raw", f->enable_uuid_raw);
	if (f->n_disks) {
		json_key(&w, "disks");
		json_array_begin(&w);
		for (size_t i = 0; i < f->n_disks; i++) {
			const vm_disk *d = &f->disks[i];
			json_object_begin(&w);
			json_kv_string(&w, "label", d->label);
			json_kv_string(&w, "controller", model_controller_name(d->controller));
			json_kv_int(&w, "bus", d->bus);
			json_kv_int(&w, "unit", d->unit);
			json_kv_string(&w, "mode", model_disk_mode_name(d->mode));
			json_kv_int(&w, "capacity_kb", d->capacity_kb);
			json_object_end(&w);
		}
		json_array_end(&w);
	}
	json_kv_int(&w, "n_scsi_controllers", f->n_scsi_controllers);
	json_kv_int(&w, "scsi_units_used", f->scsi_units_used);

	json_kv_string(&w, "power", model_power_name(f->power));
	json_kv_int(&w, "boot_time", (int64_t)f->boot_time);

	json_kv_string(&w, "guest_id", f->guest_id);
	json_kv_string(&w, "guest_full_name", f->guest_full_name);
	json_kv_int(&w, "guest_build", f->guest_build);
	json_kv_string(&w, "tools", model_tools_status_name(f->tools));
	json_kv_string(&w, "tools_version_status", model_tools_version_status_name(f->tools_version_status));
	json_kv_int(&w, "tools_version", f->tools_version);
	if (f->n_volumes) {
		json_key(&w, "volumes");
		json_array_begin(&w);
		for (size_t i = 0; i < f->n_volumes; i++) {
			json_object_begin(&w);
			json_kv_string(&w, "path", f->volumes[i].path);
			json_kv_int(&w, "capacity_bytes", f->volumes[i].capacity_bytes);
			json_kv_int(&w, "free_bytes", f->volumes[i].free_bytes);
			json_object_end(&w);
		}
		json_array_end(&w);
	}

	json_kv_int(&w, "snapshot_count", f->snapshot_count);
	put_true(&w, "tools_upgrade_running", f->tools_upgrade_running);
	put_time(&w, "enable_uuid_set_at", f->enable_uuid_set_at);
	write_probe(&w, &f->probe);
	json_object_end(&w);
}

/* ---- reading ---- */

static char *get_str(const json_value *o, const char *key)
{
	return xstrdup(json_get_string(o, key));
}

static int64_t get_i64(const json_value *o, const char *key, int64_t dflt)
{
	int64_t v;
	return json_get_int(o, key, &v) ? v : dflt;
}

static int get_int(const json_value *o, const char *key, int dflt)
{
	int64_t v = get_i64(o, key, dflt);
	return v < -2147483647 - 1 || v > 2147483647 ? dflt : (int)v;
}

static bool get_bool(const json_value *o, const char *key)
{
	bool b = false;
	json_get_bool(o, key, &b);
	return b;
}

/* An unknown name (from a newer quiescent) leaves the default: "not known". */
#define GET_ENUM(o, key, parse, dst) \
	do { \
		const char *s_ = json_get_string((o), (key)); \
		if (s_) \
			parse(s_, &(dst)); \
	} while (0)

static void read_svc(const json_value *o, svc_facts *s)
{
	if (!o || o->type != JSON_OBJECT)
		return;
	s->installed = tri_parse(json_get_string(o, "installed"));
	GET_ENUM(o, "state", model_svc_state_parse, s->state);
	GET_ENUM(o, "start", model_svc_start_parse, s->start);
	s->raw_state = get_str(o, "raw_state");
}

static void read_probe(const json_value *o, guest_probe *p)
{
	if (!o || o->type != JSON_OBJECT)
		return;
	GET_ENUM(o, "state", model_probe_state_parse, p->state);
	p->at = (time_t)get_i64(o, "at", 0);
	p->error = get_str(o, "error");
	read_svc(json_get(o, "vmvss"), &p->vmvss);
	read_svc(json_get(o, "lgto_sync"), &p->lgto_sync);
	read_svc(json_get(o, "vss"), &p->vss);
	p->writers_known = tri_parse(json_get_string(o, "writers_known"));
	const json_value *a = json_get(o, "writers");
	if (a && a->type == JSON_ARRAY && a->n) {
		p->writers = xcalloc(a->n, sizeof *p->writers);
		for (size_t i = 0; i < a->n; i++) {
			const json_value *e = &a->items[i];
			vss_writer *wr = &p->writers[p->n_writers++];
			wr->name = get_str(e, "name");
			wr->id = get_str(e, "id");
			wr->instance_id = get_str(e, "instance_id");
			GET_ENUM(e, "state", model_writer_state_parse, wr->state);
			wr->state_text = get_str(e, "state_text");
			GET_ENUM(e, "last_error", model_writer_error_parse, wr->last_error);
			wr->last_error_text = get_str(e, "last_error_text");
		}
	}
	p->disable_app_quiescing = tri_parse(json_get_string(o, "disable_app_quiescing"));
	p->enable_vss = tri_parse(json_get_string(o, "enable_vss"));
	p->tools_conf_read = get_bool(o, "tools_conf_read");
	p->dynamic_disks = tri_parse(json_get_string(o, "dynamic_disks"));
	p->storage_spaces = tri_parse(json_get_string(o, "storage_spaces"));
	p->dynamic_disks_evidence = get_str(o, "dynamic_disks_evidence");
	p->storage_spaces_evidence = get_str(o, "storage_spaces_evidence");
}

static json_value *parse_doc(const char *json, char *err, size_t errlen)
{
	char perr[128];
	if (!json)
		return errbuf_set(err, errlen, "no facts document"), NULL;
	json_value *doc = json_parse(json, strlen(json), perr, sizeof perr);
	if (!doc) {
		errbuf_set(err, errlen, "stored facts are not valid JSON (%s)", perr);
		return NULL;
	}
	int64_t format;
	if (doc->type != JSON_OBJECT || !json_get_int(doc, "format", &format)) {
		json_free(doc);
		errbuf_set(err, errlen, "stored facts have no format version");
		return NULL;
	}
	if (format < 1 || format > STORE_FACTS_FORMAT) {
		json_free(doc);
		errbuf_set(err, errlen,
			   "stored facts have format %lld, this quiescent reads up to %d: upgrade it",
			   (long long)format, STORE_FACTS_FORMAT);
		return NULL;
	}
	return doc;
}

int store_facts_from_json(const char *json, vm_facts *f, char *err, size_t errlen)
{
	json_value *o = parse_doc(json, err, errlen);
	if (!o)
		return -1;
	model_vm_facts_done(f);
	f->moref = get_str(o, "moref");
	f->name = get_str(o, "name");
	f->folder = get_str(o, "folder");
	f->datacenter = get_str(o, "datacenter");
	f->cluster = get_str(o, "cluster");
	f->host = get_str(o, "host");
	f->is_template = get_bool(o, "is_template");
	f->facts_error = get_bool(o, "facts_error");
	f->facts_error_text = get_str(o, "facts_error_text");
	f->connection_state = get_str(o, "connection_state");

	f->config_guest_id = get_str(o, "config_guest_id");
	f->config_guest_full_name = get_str(o, "config_guest_full_name");
	f->hw_version = get_int(o, "hw_version", 0);
	f->enable_uuid = tri_parse(json_get_string(o, "enable_uuid"));
	f->enable_uuid_raw = get_str(o, "enable_uuid_raw");
	const json_value *a = json_get(o, "disks");
	if (a && a->type == JSON_ARRAY && a->n) {
		f->disks = xcalloc(a->n, sizeof *f->disks);
		for (size_t i = 0; i < a->n; i++) {
			const json_value *e = &a->items[i];
			vm_disk *d = &f->disks[f->n_disks++];
			d->label = get_str(e, "label");
			GET_ENUM(e, "controller", model_controller_parse, d->controller);
			d->bus = get_int(e, "bus", 0);
			d->unit = get_int(e, "unit", 0);
			GET_ENUM(e, "mode", model_disk_mode_parse, d->mode);
			d->capacity_kb = get_i64(e, "capacity_kb", 0);
		}
	}
	f->n_scsi_controllers = get_int(o, "n_scsi_controllers", 0);
	f->scsi_units_used = get_int(o, "scsi_units_used", 0);

	GET_ENUM(o, "power", model_power_parse, f->power);
	f->boot_time = (time_t)get_i64(o, "boot_time", 0);

	f->guest_id = get_str(o, "guest_id");
	f->guest_full_name = get_str(o, "guest_full_name");
	f->guest_build = get_int(o, "guest_build", 0);
	GET_ENUM(o, "tools", model_tools_status_parse, f->tools);
	GET_ENUM(o, "tools_version_status", model_tools_version_status_parse, f->tools_version_status);
	f->tools_version = get_int(o, "tools_version", 0);
	a = json_get(o, "volumes");
	if (a && a->type == JSON_ARRAY && a->n) {
		f->volumes = xcalloc(a->n, sizeof *f->volumes);
		for (size_t i = 0; i < a->n; i++) {
			const json_value *e = &a->items[i];
			vm_volume *v = &f->volumes[f->n_volumes++];
			v->path = get_str(e, "path");
			v->capacity_bytes = get_i64(e, "capacity_bytes", 0);
			v->free_bytes = get_i64(e, "free_bytes", 0);
		}
	}
	f->snapshot_count = get_int(o, "snapshot_count", -1);
	f->tools_upgrade_running = get_bool(o, "tools_upgrade_running");
	f->enable_uuid_set_at = (time_t)get_i64(o, "enable_uuid_set_at", 0);
	read_probe(json_get(o, "probe"), &f->probe);
	json_free(o);
	return 0;
}

int store_probe_from_json(const char *json, guest_probe *p, char *err, size_t errlen)
{
	json_value *o = parse_doc(json, err, errlen);
	if (!o)
		return -1;
	model_guest_probe_done(p);
	read_probe(json_get(o, "probe"), p);
	json_free(o);
	return 0;
}
