/* probe: the guest probe. Runs the chained command of docs/guest-probe.md inside Windows
 * guests through Guest Operations and turns its output into guest_probe facts. */
#ifndef QUIESCENT_PROBE_H
#define QUIESCENT_PROBE_H

#include <stdbool.h>
#include <stddef.h>

#include "model/model.h"
#include "probe/guest_logins.h"
#include "vsphere/session.h"

/* The probe's command line (one chained cmd.exe command). */
const char *probe_command(void);

/* One command of the probe, by its section name, as it runs alone (`probe --save`). */
typedef struct {
	const char *section;
	const char *command;
} probe_step;
const probe_step *probe_steps(size_t *n);

/* Whether the probe can run on this VM now: a Windows guest, powered on, Tools running. */
bool probe_applicable(const vm_facts *f);

/* Probes one VM: fills out (initialised by the caller) with facts and state OK, or with
 * LOGIN_FAILED / UNAVAILABLE and one sentence in out->error. */
void probe_vm(vs_conn *c, const vm_facts *f, const char *user, const char *password,
	      int timeout_s, guest_probe *out);

/* Decodes a probe's raw output (code page from its chcp section) and parses it into out:
 * state OK, or NOT_ELEVATED when vssadmin or sc refused the account `user`. */
void probe_parse_raw(const char *raw, size_t len, const char *user, guest_probe *out);

/* How many probes run at once: hostd serialises Guest Operations per ESXi host, so a few
 * per host, and a total for the connections and threads on our side: PROBE_TOTAL, or the
 * per-host bound times the hosts when that is more, up to PROBE_TOTAL_MAX. */
#define PROBE_PER_HOST 2
#define PROBE_TOTAL 32
#define PROBE_TOTAL_MAX 64

typedef struct {
	int total;          /* probes at once in all (each its own connection); <= 0: PROBE_TOTAL
			     * raised to per_host x the hosts (at most PROBE_TOTAL_MAX) */
	int per_host;       /* probes at once on one ESXi host (vm_facts.host); <= 0: PROBE_PER_HOST.
			     * A VM whose host is not known is bounded by the total only. */
	int timeout_s;
	const bool *skip;   /* NULL, or n flags: VMs not to probe (their probe is left as it is) */
	char *const *host_keys; /* NULL, or n host keys for VMs whose vm_facts.host is NULL */
	/* NULL, or called with ctx on the worker's thread as soon as vms[i]'s probe ended (only
	 * for VMs it probed; calls may come from several threads at once) */
	void (*done)(void *ctx, size_t i);
	void *ctx;
	/* NULL, or the guest logins file: a VM one of its rules matches is probed with that
	 * account, the others with user/password. */
	const guest_logins *logins;
} probe_limits;

/* Probes every applicable VM of vms[0..n) not skipped, writing vms[i].probe; the others are
 * left untouched (probe_pool.c). Each account is first decided on one VM at a time (the
 * guest-login circuit breaker, vsphere/guest_login.h); then hosts are served in turn, never
 * more than per_host at once on one; at most total at once in all. Returns the probes it let
 * run at once in all (its threads; 0 when it probed none in parallel). */
size_t probe_many(vs_session *s, vm_facts *vms, size_t n, const char *user,
		  const char *password, const probe_limits *lim);

/* Keys for the ESXi host of every applicable VM whose vm_facts.host is NULL (the host's moref,
 * from runtime.host; probe_hosts.c): n entries, NULL where none. NULL when there is nothing to
 * look up or the lookup failed (err: the pool then bounds those VMs by the total only). */
char **probe_host_keys(vs_conn *c, const vm_facts *vms, size_t n, vs_error *err);
void probe_host_keys_free(char **keys, size_t n);

#endif
