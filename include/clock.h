/* The monotonic clock: durations and deadlines, the same clock in every process of a host. */
#ifndef TASKAPI_CLOCK_H
#define TASKAPI_CLOCK_H

#include <time.h>

/* Now, for clock_seconds_since / clock_ms_since. */
struct timespec clock_now(void);
/* Milliseconds on the monotonic clock (an arbitrary origin, shared by the host's processes). */
long long clock_ms(void);
double clock_seconds_since(const struct timespec *start);
double clock_ms_since(const struct timespec *start);

#endif
