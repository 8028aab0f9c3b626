/* monoclock: the monotonic clock for deadlines and waits (never the wall clock, which an
 * operator or NTP may step), and a sleep that a signal does not cut short. */
#ifndef QUIESCENT_UTIL_MONOCLOCK_H
#define QUIESCENT_UTIL_MONOCLOCK_H

/* Seconds since an arbitrary start, monotonic. */
double monoclock_now(void);
/* Sleeps s seconds (nothing for s <= 0), resumed after an interrupting signal. */
void monoclock_sleep(double s);

#endif
