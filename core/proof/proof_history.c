/* The history's share of a VM's facts: fix times and the last test with what changed since.
 * The scan calls it for every VM, the report for every VM it shows. */
#include "proof/proof.h"

void proof_settle_history(store *s, const char *vcenter, vm_facts *f)
{
	if (!s || !f->moref)
		return;
	time_t uuid_at = 0, fixed_at = 0;
	if (store_vm_fix_times(s, vcenter, f->moref, &uuid_at, &fixed_at, NULL, 0) == 0) {
		if (uuid_at)
			f->enable_uuid_set_at = uuid_at;
		f->fixed_at = fixed_at;
	}
	vm_facts then;
	model_vm_facts_init(&then);
	bool have_then = false;
	int rc = store_last_test(s, vcenter, f->moref, &f->last_test, &then, &have_then, NULL, 0);
	if (rc == 1 && have_then) {
		f->last_test.compared = true;
		proof_fact_changes(&then, f, &f->last_test.changes, &f->last_test.n_changes);
	} else if (rc < 0) {
		model_last_test_done(&f->last_test);
	}
	model_vm_facts_done(&then);
}
