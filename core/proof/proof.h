/* proof: what the history shows about a VM's quiescing, beside what the rules predict.
 *
 * A VM is `proven` when its last test snapshot achieved the level the rules predict now,
 * nothing that decides quiescing changed since, and the test is not older than the allowed
 * age; `failed` when that test failed or achieved less (rule R25); else `predicted` (never
 * tested, changed since, fixed since, or too old). Pure functions: facts and verdict in, no
 * I/O, no clock (the caller passes now); proof_history.c fills the facts from the store. */
#ifndef QUIESCENT_PROOF_H
#define QUIESCENT_PROOF_H

#include "model/model.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define PROOF_MAX_AGE_DEFAULT ((time_t)30 * 86400)

typedef enum { PROOF_PREDICTED, PROOF_PROVEN, PROOF_FAILED } proof_state;

typedef struct {
	proof_state state;
	const char *reason;   /* static, one phrase: "never tested", "changed since the test", ... */
	time_t age;           /* now - the test's start; -1 never tested */
} vm_proof;

const char *proof_state_name(proof_state s);   /* "proven", "predicted", "failed" (JSON) */
bool proof_state_parse(const char *s, proof_state *out);

/* The proof of a VM from its facts (last_test, fixed_at) and its verdict now. max_age: a
 * proof older than this is only a prediction (0: PROOF_MAX_AGE_DEFAULT). */
void proof_evaluate(const vm_facts *f, const verdict *v, time_t now, time_t max_age,
		    vm_proof *out);

/* The facts that decide quiescing and differ between then and now, one line each in people's
 * words ("VMware Tools 11.3.5 -> 12.1.5", "disk.EnableUUID absent -> TRUE", "writer
 * SqlServerWriter stable -> failed"), appended to *out. A fact unknown on either side is not
 * a change. Power, boot time, volumes' free space and the like are left out. */
void proof_fact_changes(const vm_facts *then, const vm_facts *now, char ***out, size_t *n);

/* "2d", "3h", "5m", "now": the age of a proof for narrow columns (buf: 16 bytes). */
const char *proof_age_text(time_t age, char buf[16]);
/* The console's and the table's last-test cell: "never tested", "ok 2d", "FAILED 3h",
 * "changed 5d", "old 40d" (buf: 32 bytes). */
const char *proof_cell(const vm_facts *f, const vm_proof *p, char buf[32]);

/* Fills f's history facts from s (vcenter's VM f->moref): when disk.EnableUUID was set and
 * when the VM was last fixed, its last test and what changed since (against f as it is now).
 * Lookup failures leave the facts unknown ("never tested"): the scan goes on. */
void proof_settle_history(store *s, const char *vcenter, vm_facts *f);

#endif
