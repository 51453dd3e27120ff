/* clock.h: the monotonic clock every tool measures with (durations, timers,
 * backoff), never the wall clock, which an NTP step can move. Inline: the
 * event loops read it on every turn. */
#ifndef CS_CLOCK_H
#define CS_CLOCK_H

#include <time.h>

/* Seconds since an arbitrary fixed point. */
static inline double
cs_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The same in whole milliseconds. */
static inline long long
cs_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
