/* The probe pool: which guest is probed when. hostd runs one ESXi host's Guest Operations
 * one after the other, so a host with many guests is not made faster by more of its probes
 * at once, only slower for everything else on it: the pool bounds the probes in flight per
 * host (the VM's inventory host) as well as in total, and serves the hosts in turn, so a
 * thousand guests over twenty hosts keep every host busy instead of queueing on the first. */
#include "probe/probe.h"
#include "util/xalloc.h"
#include "vsphere/guest_login.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	vs_session *session;
	vm_facts *vms;
	const char *user, *password;
	const guest_logins *logins;
	int timeout_s, per_host;
	void (*done)(void *ctx, size_t i);
	void *ctx;

	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t *queue;       /* VM indices grouped by host: group g is queue[first[g] .. first[g + 1]) */
	size_t *first;       /* n_groups + 1 */
	size_t *next;        /* per group: the next index into queue to hand out */
	int *in_flight;      /* per group */
	size_t n_groups;
	bool last_unknown;   /* the last group is the VMs whose host is not known: no per-host bound */
	size_t turn;         /* the group to look at first */
	size_t left;         /* VMs not handed out yet */
} pool;

static const probe_limits no_limits;

/* The account for vms[i]: a matching rule of the guest logins file, else --guest-user. False
 * when there is none. */
static bool account_for(const pool *p, const vm_facts *f, const char **user, const char **password)
{
	*password = p->password;
	*user = guest_logins_for(p->logins, f, password);
	if (!*user) {
		*user = p->user;
		*password = p->password;
	}
	return *user && *password;
}

static void probe_one(pool *p, vs_conn *c, const vs_error *conn_err, size_t i)
{
	vm_facts *f = &p->vms[i];
	const char *user, *password;
	if (!c) {
		model_guest_probe_done(&f->probe);
		model_guest_probe_init(&f->probe);
		f->probe.state = PROBE_UNAVAILABLE;
		f->probe.error = xasprintf("guest probe of %s not run: %s", f->name, conn_err->message);
	} else if (!account_for(p, f, &user, &password)) {
		model_guest_probe_done(&f->probe);
		model_guest_probe_init(&f->probe);
		f->probe.state = PROBE_NOT_CONFIGURED;
		f->probe.error = xasprintf("no guest login for %s: no rule of the guest logins "
					   "file matches it and no --guest-user was given", f->name);
	} else {
		probe_vm(c, f, user, password, p->timeout_s, &f->probe);
	}
	if (p->done)
		p->done(p->ctx, i);
}

/* Each account is first tried on one VM at a time, in the caller's (name) order, until a guest
 * accepted or refused it (vsphere/guest_login.h): which VM decides is then the first by name,
 * not the fastest thread, and a wrong password costs one failed login. Marks the VMs it probed
 * in decided[]. */
static void decide_accounts(pool *p, const size_t *todo, size_t n_todo, bool *decided)
{
	vs_error err;
	vs_error_clear(&err);
	vs_conn *c = NULL;
	/* A few tries: guests that fail before the login (Tools unavailable) would otherwise be
	 * probed one by one; the breaker keeps the rest safe in parallel. */
	int tries = 0;
	for (size_t k = 0; k < n_todo && tries < 3; k++) {
		size_t i = todo[k];
		const char *user, *password;
		if (!account_for(p, &p->vms[i], &user, &password) ||
		    vs_guest_login_decided(p->session, user, password))
			continue;
		if (!c && !(c = vs_conn_new(p->session, &err)))
			return;   /* the workers say why, VM by VM */
		probe_one(p, c, &err, i);
		decided[i] = true;
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

typedef struct {
	const char *host;
	size_t vm;
} by_host;

static int cmp_host(const void *a, const void *b)
{
	const by_host *x = a, *y = b;
	if (!x->host || !y->host)
		return !x->host - !y->host;   /* unknown hosts last */
	int c = strcmp(x->host, y->host);
	return c ? c : (x->vm > y->vm) - (x->vm < y->vm);
}

static bool same_host(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* The next VM to probe and its group, or false when every group with VMs left is at its
 * bound (mu held). */
static bool pick(pool *p, size_t *vm, size_t *group)
{
	for (size_t k = 0; k < p->n_groups; k++) {
		size_t g = (p->turn + k) % p->n_groups;
		bool unbounded = p->last_unknown && g + 1 == p->n_groups;
		if (p->next[g] == p->first[g + 1] || (!unbounded && p->in_flight[g] >= p->per_host))
			continue;
		*vm = p->queue[p->next[g]++];
		*group = g;
		p->in_flight[g]++;
		p->left--;
		p->turn = g + 1;   /* the next probe starts on the next host */
		return true;
	}
	return false;
}

static void *worker(void *arg)
{
	pool *p = arg;
	vs_error err;
	vs_error_clear(&err);
	vs_conn *c = vs_conn_new(p->session, &err);
	pthread_mutex_lock(&p->mu);
	while (p->left) {
		size_t i, g;
		if (!pick(p, &i, &g)) {
			pthread_cond_wait(&p->cv, &p->mu);
			continue;
		}
		pthread_mutex_unlock(&p->mu);
		probe_one(p, c, &err, i);
		pthread_mutex_lock(&p->mu);
		p->in_flight[g]--;
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	vs_conn_free(c);
	return NULL;
}

/* The probes at once in all. The per-host bound is what spares hostd; the total spares only
 * our threads and connections, so by default it does not leave hosts' slots idle: a fixed 32
 * over 20 hosts at 2 each kept 8 idle (probe bench with 5 s guest commands: 324 s, 252 s at
 * 40). The VMs of no known host count as one host. */
static size_t pool_size(const probe_limits *lim, const pool *p)
{
	if (lim->total > 0)
		return (size_t)lim->total;
	size_t want = p->n_groups * (size_t)p->per_host;
	return want < PROBE_TOTAL ? PROBE_TOTAL : want > PROBE_TOTAL_MAX ? PROBE_TOTAL_MAX : want;
}

size_t probe_many(vs_session *s, vm_facts *vms, size_t n, const char *user,
		  const char *password, const probe_limits *lim)
{
	if (!lim)
		lim = &no_limits;
	pool p = { .session = s, .vms = vms, .user = user, .password = password,
		   .logins = lim->logins, .timeout_s = lim->timeout_s, .done = lim->done,
		   .ctx = lim->ctx, .per_host = lim->per_host > 0 ? lim->per_host : PROBE_PER_HOST };
	p.queue = xcalloc(n ? n : 1, sizeof *p.queue);
	size_t n_todo = 0;
	for (size_t i = 0; i < n; i++)
		if (probe_applicable(&vms[i]) && !(lim->skip && lim->skip[i]))
			p.queue[n_todo++] = i;
	bool *decided = xcalloc(n ? n : 1, sizeof *decided);
	decide_accounts(&p, p.queue, n_todo, decided);
	for (size_t k = 0; k < n_todo; k++)
		if (!decided[p.queue[k]])
			p.queue[p.left++] = p.queue[k];
	free(decided);
	if (!p.left) {
		free(p.queue);
		name_refusing_vms(vms, n);
		return 0;
	}
	by_host *order = xcalloc(p.left, sizeof *order);
	for (size_t k = 0; k < p.left; k++) {
		size_t i = p.queue[k];
		order[k] = (by_host){ vms[i].host ? vms[i].host
					: lim->host_keys ? lim->host_keys[i] : NULL, i };
	}
	qsort(order, p.left, sizeof *order, cmp_host);
	p.first = xcalloc(p.left + 1, sizeof *p.first);
	for (size_t k = 0; k < p.left; k++) {
		p.queue[k] = order[k].vm;
		if (!k || !same_host(order[k].host, order[k - 1].host))
			p.first[p.n_groups++] = k;
	}
	p.first[p.n_groups] = p.left;
	p.last_unknown = !order[p.left - 1].host;
	free(order);
	p.next = xcalloc(p.n_groups, sizeof *p.next);
	for (size_t g = 0; g < p.n_groups; g++)
		p.next[g] = p.first[g];
	p.in_flight = xcalloc(p.n_groups, sizeof *p.in_flight);
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv, NULL);

	size_t workers = pool_size(lim, &p);
	if (workers > p.left)
		workers = p.left;
	pthread_t *threads = xcalloc(workers, sizeof *threads);
	size_t started = 0;
	for (size_t i = 0; i < workers; i++)
		if (pthread_create(&threads[started], NULL, worker, &p) == 0)
			started++;
	if (!started)
		worker(&p); /* no thread to be had: do it here */
	for (size_t i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	pthread_mutex_destroy(&p.mu);
	pthread_cond_destroy(&p.cv);
	free(p.queue);
	free(p.first);
	free(p.next);
	free(p.in_flight);
	name_refusing_vms(vms, n);
	return started;
}
