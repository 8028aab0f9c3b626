#include "vsphere/guest_login.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/secret.h"
#include "util/xalloc.h"
#include "vsphere/http.h"

enum { UNTESTED, TESTING, PROVEN, REFUSED };

struct vs_guest_cred {
	struct vs_guest_cred *next;
	char *user;
	char *password;   /* secret memory: compared, never sent from here */
	int state;
	char vm[64];      /* the VM that refused it */
	unsigned not_tried;
};

static vs_guest_cred *find(vs_session *s, const char *user, const char *password)
{
	for (vs_guest_cred *g = s->guest_creds; g; g = g->next)
		if (!strcasecmp(g->user, user) && !strcmp(g->password, password))
			return g;
	vs_guest_cred *g = xcalloc(1, sizeof *g);
	g->user = xstrdup(user);
	g->password = secret_dup(password);
	g->next = s->guest_creds;
	s->guest_creds = g;
	return g;
}

static int refused(vs_guest_cred *g, vs_error *err)
{
	g->not_tried++;
	vs_fail(err, VS_ERR_FAULT, "not tried: the guest login %s was refused by VM %s earlier in "
		"this run, and trying it again could lock the account", g->user, g->vm);
	snprintf(err->fault, sizeof err->fault, "InvalidGuestLogin");
	return -1;
}

int vs_guest_login_begin(vs_session *s, const char *user, const char *password, vs_error *err)
{
	unsigned gen = atomic_load(&s->cancel_gen);
	pthread_mutex_lock(&s->guest_mu);
	vs_guest_cred *g = find(s, user, password);
	int rc;
	for (;;) {
		if (g->state == REFUSED) {
			rc = refused(g, err);
			break;
		}
		if (g->state == PROVEN) {
			rc = 0;
			break;
		}
		if (g->state == UNTESTED) {
			g->state = TESTING;
			rc = 1;
			break;
		}
		if (atomic_load(&s->cancel_gen) != gen) {
			rc = vs_fail(err, VS_ERR_CANCELLED, "The guest operation was cancelled.");
			break;
		}
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 200 * 1000000L;   /* wakes up now and then to see a cancel */
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&s->guest_cv, &s->guest_mu, &ts);
	}
	pthread_mutex_unlock(&s->guest_mu);
	return rc;
}

void vs_guest_login_end(vs_session *s, const char *user, const char *password, bool tester,
			int accepted, const char *vm)
{
	pthread_mutex_lock(&s->guest_mu);
	vs_guest_cred *g = find(s, user, password);
	/* A credential some guest accepted in this session has the right password: a refusal
	 * after that is that VM's own matter (a local account it lacks), not a lockout risk. */
	if (accepted < 0 && g->state != REFUSED && g->state != PROVEN) {
		g->state = REFUSED;
		snprintf(g->vm, sizeof g->vm, "%s", vm);
	} else if (accepted > 0 && g->state != REFUSED) {
		g->state = PROVEN;
	} else if (tester && g->state == TESTING) {
		g->state = UNTESTED;
	}
	pthread_cond_broadcast(&s->guest_cv);
	pthread_mutex_unlock(&s->guest_mu);
}

bool vs_guest_login_decided(vs_session *s, const char *user, const char *password)
{
	pthread_mutex_lock(&s->guest_mu);
	int state = find(s, user, password)->state;
	pthread_mutex_unlock(&s->guest_mu);
	return state == PROVEN || state == REFUSED;
}

bool vs_session_guest_login_refused(vs_session *s, char *user, size_t n_user, char *vm,
				    size_t n_vm, unsigned *not_tried)
{
	bool found = false;
	pthread_mutex_lock(&s->guest_mu);
	for (vs_guest_cred *g = s->guest_creds; g && !found; g = g->next) {
		if (g->state != REFUSED)
			continue;
		snprintf(user, n_user, "%s", g->user);
		snprintf(vm, n_vm, "%s", g->vm);
		*not_tried = g->not_tried;
		found = true;
	}
	pthread_mutex_unlock(&s->guest_mu);
	return found;
}

static void free_list(vs_guest_cred *g)
{
	while (g) {
		vs_guest_cred *next = g->next;
		free(g->user);
		secret_free(g->password);
		free(g);
		g = next;
	}
}

void vs_session_guest_login_forget(vs_session *s)
{
	pthread_mutex_lock(&s->guest_mu);
	vs_guest_cred *old = s->guest_creds;
	s->guest_creds = NULL;
	pthread_cond_broadcast(&s->guest_cv);
	pthread_mutex_unlock(&s->guest_mu);
	free_list(old);
}

void vs_guest_login_done(vs_session *s)
{
	free_list(s->guest_creds);
	s->guest_creds = NULL;
}
