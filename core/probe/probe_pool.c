/* The probe pool: which guest is probed when. hostd runs one ESXi host's Guest Operations
 * one after the other, so a host with many guests is not made faster by more of its probes
 * at once, only slower for everything else on it: the pool bounds the probes in flight per
 * host (the VM's inventory host) as well as in total, and serves the hosts in turn, so a
 * thousand guests over twenty hosts keep every host busy instead of queueing on the first. */
#include "probe/probe.h"
#include "util/xalloc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	vs_session *session;
	vm_facts *vms;
	const char *user, *password;
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
		vm_facts *f = &p->vms[i];
		if (c) {
			probe_vm(c, f, p->user, p->password, p->timeout_s, &f->probe);
		} else {
			model_guest_probe_done(&f->probe);
			model_guest_probe_init(&f->probe);
			f->probe.state = PROBE_UNAVAILABLE;
			f->probe.error = xasprintf("guest probe of %s not run: %s", f->name, err.message);
		}
		if (p->done)
			p->done(p->ctx, i);
		pthread_mutex_lock(&p->mu);
		p->in_flight[g]--;
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	vs_conn_free(c);
	return NULL;
}

void probe_many(vs_session *s, vm_facts *vms, size_t n, const char *user, const char *password,
		const probe_limits *lim)
{
	if (!lim)
		lim = &no_limits;
	pool p = { .session = s, .vms = vms, .user = user, .password = password,
		   .timeout_s = lim->timeout_s, .done = lim->done, .ctx = lim->ctx, .per_host = lim->per_host > 0 ? lim->per_host
									 : PROBE_PER_HOST };
	p.queue = xcalloc(n ? n : 1, sizeof *p.queue);
	for (size_t i = 0; i < n; i++)
		if (probe_applicable(&vms[i]) && !(lim->skip && lim->skip[i]))
			p.queue[p.left++] = i;
	if (!p.left) {
		free(p.queue);
		return;
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

	size_t workers = lim->total > 0 ? (size_t)lim->total : PROBE_TOTAL;
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
}
