#include "vsphere/task.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/xalloc.h"
#include "vsphere/http.h"
#include "vsphere/inventory.h"
#include "vsphere/propcol.h"
#include "vsphere/soap.h"
#include "util/timefmt.h"
#include "util/monoclock.h"

#define STR_SET(dst, src) snprintf((dst), sizeof(dst), "%s", (src))

void vs_task_result_done(vs_task_result *r)
{
	if (!r)
		return;
	free(r->result_text);
	r->result_text = NULL;
}

/* TaskInfo.progress as 0..100; -1 when it is not a number. The server is not trusted to stay
 * in range (found by tests/fuzz/fuzz_task_info: atoi overflowed, 1000 and -5 went through). */
static int parse_progress(const char *t)
{
	char *end;
	errno = 0;
	long v = strtol(t, &end, 10);
	while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
		end++;
	if (end == t || *end || errno == ERANGE)
		return -1;
	return v < 0 ? 0 : v > 100 ? 100 : (int)v;
}

static vs_task_state parse_state(const char *s)
{
	if (strcmp(s, "success") == 0)
		return VS_TASK_SUCCESS;
	if (strcmp(s, "error") == 0)
		return VS_TASK_ERROR;
	if (strcmp(s, "running") == 0)
		return VS_TASK_RUNNING;
	return VS_TASK_QUEUED;
}

/* LocalizedMethodFault: <fault xsi:type="T">..</fault><localizedMessage>..</localizedMessage> */
static int parse_error(xmlTextReaderPtr r, vs_task_result *out, vs_error *err)
{
	int d = xmlTextReaderDepth(r);
	int n;
	while ((n = vs_xml_next_child(r, d, err)) == 1) {
		if (vs_xml_is(r, "fault")) {
			vs_xml_xsi_type(r, out->fault, sizeof out->fault);
			if (vs_xml_skip(r) < 0)
				return vs_fail(err, VS_ERR_PARSE, "Malformed task error.");
		} else if (vs_xml_is(r, "localizedMessage")) {
			char *t = vs_xml_text(r);
			STR_SET(out->message, t ? t : "");
			free(t);
		} else {
			vs_xml_skip(r);
		}
	}
	return n;
}

/* TaskReasonUser has <userName>; the other reasons (schedule, alarm, system) name no user. */
static int parse_reason(xmlTextReaderPtr r, vs_task_result *out, vs_error *err)
{
	int d = xmlTextReaderDepth(r);
	int n;
	while ((n = vs_xml_next_child(r, d, err)) == 1) {
		if (vs_xml_is(r, "userName")) {
			char *t = vs_xml_text(r);
			STR_SET(out->user, t ? t : "");
			free(t);
		} else if (vs_xml_skip(r) < 0) {
			return vs_fail(err, VS_ERR_PARSE, "Malformed task reason.");
		}
	}
	return n;
}

static time_t *time_field(vs_task_result *out, const char *name)
{
	return strcmp(name, "queueTime") == 0 ? &out->queued_at
	     : strcmp(name, "startTime") == 0 ? &out->started_at
	     : strcmp(name, "completeTime") == 0 ? &out->ended_at : NULL;
}

int vs_task_parse_info(xmlTextReaderPtr r, vs_task_result *out, vs_error *err)
{
	free(out->result_text);
	out->result_text = NULL;
	out->progress = -1;
	out->cancelled = false;
	out->result_type[0] = out->result_moref[0] = out->fault[0] = out->message[0] = '\0';
	out->entity[0] = out->user[0] = '\0';
	out->queued_at = out->started_at = out->ended_at = 0;
	int d = xmlTextReaderDepth(r);
	int n;
	while ((n = vs_xml_next_child(r, d, err)) == 1) {
		const char *name = vs_xml_name(r);
		if (strcmp(name, "error") == 0) {
			if (parse_error(r, out, err) < 0)
				return -1;
			continue;
		}
		if (strcmp(name, "reason") == 0) {
			if (parse_reason(r, out, err) < 0)
				return -1;
			continue;
		}
		time_t *when = time_field(out, name);
		if (when || strcmp(name, "entity") == 0) {
			char *t = vs_xml_text(r);
			if (!t)
				return vs_fail(err, VS_ERR_PARSE, "Malformed task info.");
			if (when) {
				time_t v = time_parse_xsd(t);
				*when = v > 0 ? v : 0;   /* malformed: unknown, not fatal */
			} else {
				STR_SET(out->entity, t);
			}
			free(t);
			continue;
		}
		if (strcmp(name, "result") == 0) {
			const char *type = vs_xml_xsi_type(r, out->result_type, sizeof out->result_type);
			char *t = vs_xml_text(r);
			/* A second <result> replaces the first (found by tests/fuzz/fuzz_task_info: the
			 * first result_text leaked). */
			free(out->result_text);
			out->result_text = NULL;
			out->result_moref[0] = '\0';
			if (strcmp(type, "ManagedObjectReference") == 0) {
				STR_SET(out->result_moref, t ? t : "");
				free(t);
			} else {
				out->result_text = t;   /* owned now */
			}
			continue;
		}
		bool want = strcmp(name, "state") == 0 || strcmp(name, "progress") == 0 ||
			    strcmp(name, "descriptionId") == 0 || strcmp(name, "entityName") == 0 ||
			    strcmp(name, "cancelled") == 0 || strcmp(name, "key") == 0;
		if (!want) {
			if (vs_xml_skip(r) < 0)
				return vs_fail(err, VS_ERR_PARSE, "Malformed task info.");
			continue;
		}
		char which = name[0] == 'k' ? 'k' : name[0] == 's' ? 's' : name[0] == 'p' ? 'p' :
			     name[0] == 'd' ? 'd' : name[0] == 'e' ? 'e' : 'c';
		char *t = vs_xml_text(r);
		if (!t)
			return vs_fail(err, VS_ERR_PARSE, "Malformed task info.");
		switch (which) {
		case 'k': STR_SET(out->task, t); break;
		case 's': out->state = parse_state(t); break;
		case 'p': out->progress = parse_progress(t); break;
		case 'd': STR_SET(out->description_id, t); break;
		case 'e': STR_SET(out->entity_name, t); break;
		case 'c': out->cancelled = strcmp(t, "true") == 0; break;
		}
		free(t);
	}
	return n < 0 ? -1 : 0;
}

static int on_info(void *ctx, const char *moref, const char *prop, xmlTextReaderPtr val,
		   vs_error *err)
{
	if (strcmp(prop, "info") != 0)
		return 0;
	return vs_task_parse_info(val, ctx, err);
}

int vs_task_info(vs_conn *c, const char *task_moref, vs_task_result *out, vs_error *err)
{
	static const char *const paths[] = { "info" };
	out->state = VS_TASK_QUEUED;
	if (vs_retrieve_object(c, "Task", task_moref, paths, 1, on_info, out, err) < 0)
		return -1;
	STR_SET(out->task, task_moref);
	return 0;
}

/* ---- recent tasks ---- */

typedef struct {
	vs_task_result *v;
	size_t n, cap;
} recent_ctx;

static int on_recent(void *ctx, const char *moref, const char *prop, xmlTextReaderPtr val,
		     vs_error *err)
{
	recent_ctx *rc = ctx;
	if (strcmp(prop, "info") != 0)
		return 0;
	rc->v = xgrow(rc->v, &rc->cap, rc->n + 1, sizeof *rc->v);
	vs_task_result *t = &rc->v[rc->n];
	memset(t, 0, sizeof *t);
	if (vs_task_parse_info(val, t, err) < 0) {
		vs_task_result_done(t);
		return -1;
	}
	STR_SET(t->task, moref);
	rc->n++;
	return 0;
}

int vs_recent_tasks(vs_conn *c, vs_task_result **out, size_t *n, vs_error *err)
{
	static const char *const paths[] = { "info" };
	recent_ctx rc = { 0 };
	*out = NULL;
	*n = 0;
	/* A task that vanished between listing and reading is reported missing: no error here. */
	if (vs_retrieve_traverse(c, "TaskManager", vs_propcol_content(c)->task_manager,
				 "recentTask", "Task", paths, 1, 0, on_recent, NULL, &rc, err) < 0) {
		vs_task_results_free(rc.v, rc.n);
		return -1;
	}
	*out = rc.v;
	*n = rc.n;
	return 0;
}

void vs_task_results_free(vs_task_result *t, size_t n)
{
	for (size_t i = 0; t && i < n; i++)
		vs_task_result_done(&t[i]);
	free(t);
}

bool vs_error_transient(const vs_error *e)
{
	return e->kind == VS_ERR_NETWORK || e->kind == VS_ERR_TIMEOUT;
}

int vs_task_wait(vs_conn *c, const char *task_moref, int timeout_s, vs_task_progress_fn cb,
		 void *ctx, vs_task_result *out, vs_error *err)
{
	return vs_task_wait_grace(c, task_moref, timeout_s, 0, cb, ctx, out, err);
}

int vs_task_wait_grace(vs_conn *c, const char *task_moref, int timeout_s, int grace_s,
		       vs_task_progress_fn cb, void *ctx, vs_task_result *out, vs_error *err)
{
	vs_task_result local = { .progress = -1 };
	vs_task_result *info = out ? out : &local;
	if (out)
		memset(out, 0, sizeof *out);
	info->progress = -1;
	unsigned gen = atomic_load(&c->s->cancel_gen);
	double deadline = timeout_s > 0 ? monoclock_now() + timeout_s : 0;
	double delay = 0.25;
	vs_task_state last_state = (vs_task_state)-1;
	int last_progress = -2;
	int rc = -1;
	double lost_since = 0;   /* vCenter unreachable since (0: it answers) */
	for (;;) {
		if (vs_task_info(c, task_moref, info, err) < 0) {
			/* A lost network is waited out: the task goes on in vCenter either way, and
			 * only its end tells what it did. */
			double t = monoclock_now();
			if (!err || !vs_error_transient(err) || grace_s <= 0 ||
			    (lost_since && t - lost_since >= grace_s) ||
			    atomic_load(&c->s->cancel_gen) != gen)
				break;
			if (!lost_since)
				lost_since = t;
			monoclock_sleep(delay);
			delay = delay * 2 > 10.0 ? 10.0 : delay * 2;
			continue;
		}
		lost_since = 0;
		if (cb && (info->state != last_state || info->progress != last_progress))
			cb(info, ctx);
		last_state = info->state;
		last_progress = info->progress;
		const char *what = info->description_id[0] ? info->description_id : task_moref;
		if (info->state == VS_TASK_SUCCESS) {
			rc = 0;
			break;
		}
		if (info->state == VS_TASK_ERROR) {
			vs_fail(err, VS_ERR_FAULT, "%s%s%s failed: %s%s%s%s", what,
				info->entity_name[0] ? " on " : "", info->entity_name,
				info->message[0] ? info->message : "no reason given",
				info->fault[0] ? " (" : "", info->fault, info->fault[0] ? ")" : "");
			if (err)
				STR_SET(err->fault, info->fault);
			break;
		}
		if (atomic_load(&c->s->cancel_gen) != gen) {
			vs_fail(err, VS_ERR_CANCELLED, "Stopped waiting for %s (%s); it goes on in "
				"vCenter unless cancelled there.", what, task_moref);
			break;
		}
		double left = deadline ? deadline - monoclock_now() : delay;
		if (deadline && left <= 0) {
			vs_fail(err, VS_ERR_TIMEOUT, "%s (%s) did not finish within %d s; it goes on "
				"in vCenter.", what, task_moref, timeout_s);
			break;
		}
		monoclock_sleep(delay < left ? delay : left);
		delay = delay * 1.5 > 2.0 ? 2.0 : delay * 1.5;
	}
	if (!out)
		vs_task_result_done(&local);
	return rc;
}

int vs_task_cancel(vs_conn *c, const char *task_moref, vs_error *err)
{
	strbuf sb;
	strbuf_init(&sb);
	strbuf_adds(&sb, "<CancelTask xmlns=\"urn:vim25\">");
	vs_soap_add_moref(&sb, "_this", "Task", task_moref);
	strbuf_adds(&sb, "</CancelTask>");
	int rc = vs_soap_call(c, sb.buf, NULL, NULL, err);
	strbuf_done(&sb);
	return rc;
}
