/* clock.h: the monotonic clock every tool measures with (durations, timers,
 * backoff), never the wall clock, which an NTP step can move; and the wall
 * clock, only for times that leave the process (a recording's timestamps,
 * a release time given by make). Inline: the event loops read them on
 * every turn. */
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

/* Unix time in seconds, the wall clock. */
static inline double
cs_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
