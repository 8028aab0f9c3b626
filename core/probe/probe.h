/* probe: the guest probe. Runs the chained command of docs/guest-probe.md inside Windows
 * guests through Guest Operations and turns its output into guest_probe facts. */
#ifndef QUIESCENT_PROBE_H
#define QUIESCENT_PROBE_H

#include <stdbool.h>
#include <stddef.h>

#include "model/model.h"
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

/* Probes every applicable VM of vms[0..n) in parallel on `concurrency` workers, each with its
 * own connection, writing vms[i].probe. VMs not applicable are left untouched. */
void probe_many(vs_session *s, vm_facts *vms, size_t n, const char *user, const char *password,
		int concurrency, int timeout_s);

#endif
