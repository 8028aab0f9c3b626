/* guest_login: the circuit breaker for guest credentials (issue 14).
 *
 * A wrong guest password tried on 42 VMs at once is 42 failed logins in a second: an Active
 * Directory lockout for a domain account. So a credential (user + password) is proven once per
 * session before it is used in parallel: the first guest operation with it runs alone while
 * the others wait. When a VM refuses it (InvalidGuestLogin) before any VM accepted it, nothing
 * else is tried with it in this session, and every later attempt fails at once, without a
 * request, with that reason. Once accepted, the password is right: a later refusal is that
 * VM's own matter (an account it does not have) and stops nothing else. */
#ifndef QUIESCENT_VS_GUEST_LOGIN_H
#define QUIESCENT_VS_GUEST_LOGIN_H

#include <stdbool.h>
#include <stddef.h>

#include "vsphere/session.h"

/* Before the first authenticated call of a guest operation on VM `vm`: 1 when this thread
 * tests the credential (it must call vs_guest_login_end), 0 when the credential is proven and
 * the call may go, -1 when it was refused earlier (err: kind FAULT, fault InvalidGuestLogin,
 * "not tried") or the wait was cancelled. */
int vs_guest_login_begin(vs_session *s, const char *user, const char *password, vs_error *err);
/* After that call: accepted 1 (it got past authentication), refused -1 (InvalidGuestLogin on VM
 * `vm`), 0 unknown (another failure: the next operation tests it again). */
void vs_guest_login_end(vs_session *s, const char *user, const char *password, bool tester,
			int accepted, const char *vm);

/* Whether the credential is proven or refused already (no test pending). */
bool vs_guest_login_decided(vs_session *s, const char *user, const char *password);

/* Whether a guest login was refused in this session: fills user, the VM that refused and how
 * many operations were not tried because of it. The first refusal only; false when none. */
bool vs_session_guest_login_refused(vs_session *s, char *user, size_t n_user, char *vm,
				    size_t n_vm, unsigned *not_tried);
/* Forgets every verdict (the operator typed the credentials again: :guest-login). */
void vs_session_guest_login_forget(vs_session *s);
/* Frees the list (session teardown). */
void vs_guest_login_done(vs_session *s);

#endif
