/* model interning: one shared copy of the facts' strings that repeat across a whole fleet
 * (guest OS ids and names, datacenter, cluster, host and folder names, disk labels, volume
 * paths, finding messages): 50,000 VMs hold a few hundred distinct values, not half a million
 * copies. Unlike a util/intern table with one owner, this one is the process's: facts move
 * between threads (scan workers, the console's), so it is locked, and its copies live until
 * exit (it only grows by distinct values). */
#include "model/model.h"
#include "util/intern.h"

#include <pthread.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static intern_table *strings;

const char *model_intern(const char *s)
{
	if (!s)
		return NULL;
	pthread_mutex_lock(&lock);
	if (!strings)
		strings = intern_new();
	const char *v = intern(strings, s);
	pthread_mutex_unlock(&lock);
	return v;
}

void model_str_free(char *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&lock);
	/* the table's own copy, not merely an equal string allocated elsewhere */
	bool shared = strings && intern_lookup(strings, s) == s;
	pthread_mutex_unlock(&lock);
	if (!shared)
		free(s);
}

void model_str_set(char **dst, const char *s)
{
	char *v = (char *)model_intern(s); /* shared: never written through */
	if (*dst != v) {
		model_str_free(*dst);
		*dst = v;
	}
}
