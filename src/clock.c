/* The monotonic clock (CLOCK_MONOTONIC), for every duration the server measures. */
#include "clock.h"

struct timespec clock_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts;
}

long long clock_ms(void)
{
	struct timespec ts = clock_now();
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

double clock_seconds_since(const struct timespec *start)
{
	struct timespec now = clock_now();
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

double clock_ms_since(const struct timespec *start)
{
	struct timespec now = clock_now();
	return (double)(now.tv_sec - start->tv_sec) * 1e3 + (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}
