#include "probe/probe.h"
#include "probe/probe_parse.h"
#include "util/xalloc.h"
#include "vsphere/guest.h"
#include "vsphere/guest_login.h"

#include <pthread.h>
#include <stdatomic.h>
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

typedef struct {
	vs_session *session;
	vm_facts *vms;
	bool *done;               /* probed already by the deciding pass */
	size_t n;
	const char *user, *password;
	const guest_logins *logins;
	int timeout_s;
	atomic_size_t next;
} pool;

static void *worker(void *arg)
{
	pool *p = arg;
	vs_error err;
	vs_error_clear(&err);
	vs_conn *c = vs_conn_new(p->session, &err);
	for (;;) {
		size_t i = atomic_fetch_add(&p->next, 1);
		if (i >= p->n)
			break;
		vm_facts *f = &p->vms[i];
		if (!probe_applicable(f) || p->done[i])
			continue;
		if (!c) {
			model_guest_probe_done(&f->probe);
			model_guest_probe_init(&f->probe);
			f->probe.state = PROBE_UNAVAILABLE;
			f->probe.error = xasprintf("guest probe of %s not run: %s", f->name, err.message);
			continue;
		}
		const char *password = p->password;
		const char *user = guest_logins_for(p->logins, f, &password);
		if (!user) {
			user = p->user;
			password = p->password;
		}
		if (!user || !password) {
			model_guest_probe_done(&f->probe);
			model_guest_probe_init(&f->probe);
			f->probe.state = PROBE_NOT_CONFIGURED;
			f->probe.error = xasprintf("no guest login for %s: no rule of the guest logins "
						   "file matches it and no --guest-user was given", f->name);
			continue;
		}
		probe_vm(c, f, user, password, p->timeout_s, &f->probe);
	}
	vs_conn_free(c);
	return NULL;
}

/* Each account is first tried on one VM at a time, in name order, until a guest accepted or
 * refused it (vsphere/guest_login.h): which VM decides is then the first by name, not the
 * fastest thread, and a wrong password costs one failed login. */
static void decide_accounts(pool *p)
{
	vs_error err;
	vs_error_clear(&err);
	vs_conn *c = NULL;
	/* A few tries: guests that fail before the login (Tools unavailable) would otherwise be
	 * probed one by one; the breaker keeps the rest safe in parallel. */
	int tries = 0;
	for (size_t i = 0; i < p->n && tries < 3; i++) {
		vm_facts *f = &p->vms[i];
		if (!probe_applicable(f))
			continue;
		const char *password = p->password;
		const char *user = guest_logins_for(p->logins, f, &password);
		if (!user) {
			user = p->user;
			password = p->password;
		}
		if (!user || !password || vs_guest_login_decided(p->session, user, password))
			continue;
		if (!c && !(c = vs_conn_new(p->session, &err)))
			return;   /* the workers say why, VM by VM */
		probe_vm(c, f, user, password, p->timeout_s, &f->probe);
		p->done[i] = true;
		tries++;
	}
	vs_conn_free(c);
}

/* The breaker (vsphere/guest_login.c) knows the refusing VM by moref: the "not tried" sentences
 * name it the way the operator does. */
static void name_refusing_vms(vm_facts *vms, size_t n)
{
	static const char mark[] = " refused by VM ";
	for (size_t i = 0; i < n; i++) {
		char *e = vms[i].probe.error;
		char *at = e && vms[i].probe.state == PROBE_LOGIN_FAILED ? strstr(e, mark) : NULL;
		if (!at || !strstr(e, "not tried"))
			continue;
		const char *ref = at + sizeof mark - 1;
		size_t len = strcspn(ref, " ");
		for (size_t k = 0; k < n; k++) {
			if (!vms[k].name || strlen(vms[k].moref) != len || strncmp(vms[k].moref, ref, len))
				continue;
			char *named = xasprintf("%.*s%s%s", (int)(ref - e), e, vms[k].name, ref + len);
			free(vms[i].probe.error);
			vms[i].probe.error = named;
			break;
		}
	}
}

void probe_many(vs_session *s, vm_facts *vms, size_t n, const char *user, const char *password,
		const guest_logins *logins, int concurrency, int timeout_s)
{
	if (concurrency < 1)
		concurrency = 1;
	if ((size_t)concurrency > n)
		concurrency = n ? (int)n : 1;
	pool p = { .session = s, .vms = vms, .n = n, .user = user, .password = password,
		   .logins = logins, .timeout_s = timeout_s };
	p.done = xcalloc(n ? n : 1, sizeof *p.done);
	decide_accounts(&p);
	atomic_init(&p.next, 0);
	pthread_t *threads = xcalloc((size_t)concurrency, sizeof *threads);
	int started = 0;
	for (int i = 0; i < concurrency; i++)
		if (pthread_create(&threads[started], NULL, worker, &p) == 0)
			started++;
	if (!started)
		worker(&p); /* no thread to be had: do it here */
	for (int i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	free(p.done);
	name_refusing_vms(vms, n);
}
