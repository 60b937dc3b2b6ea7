/* ISO 8601 / RFC 3339 parsing into canonical UTC text, and PostgreSQL output to RFC 3339. */
#include "timefmt.h"

#include <stdio.h>
#include <string.h>

/* Reads exactly n digits at *p; returns the value or -1. */
static int digits(const char **p, const char *end, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (*p >= end || **p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	return v;
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static long long days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	long long yoe = y - era * 400;
	long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(long long z, int *y, int *m, int *d)
{
	z += 719468;
	long long era = (z >= 0 ? z : z - 146096) / 146097;
	long long doe = z - era * 146097;
	long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long long mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

int time_parse(const char *s, size_t n, char out[TIME_TEXT_MAX])
{
	const char *p = s, *end = s + n;
	int y = digits(&p, end, 4);
	if (y < 1 || p >= end || *p++ != '-')
		return -1;
	int mo = digits(&p, end, 2);
	if (mo < 1 || mo > 12 || p >= end || *p++ != '-')
		return -1;
	int d = digits(&p, end, 2);
	if (d < 1 || d > days_in_month(y, mo))
		return -1;
	int h = 0, mi = 0, sec = 0, offset = 0;
	long usec = 0;
	if (p < end) {
		if (*p != 'T' && *p != 't' && *p != ' ')
			return -1;
		p++;
		h = digits(&p, end, 2);
		if (h < 0 || h > 23 || p >= end || *p++ != ':')
			return -1;
		mi = digits(&p, end, 2);
		if (mi < 0 || mi > 59)
			return -1;
		if (p < end && *p == ':') {
			p++;
			sec = digits(&p, end, 2);
			if (sec < 0 || sec > 59)
				return -1;
			if (p < end && (*p == '.' || *p == ',')) {
				p++;
				int nd = 0;
				long scale = 100000;
				while (p < end && *p >= '0' && *p <= '9') {
					if (nd < 6)
						usec += (*p - '0') * scale;
					scale /= 10;
					nd++;
					p++;
				}
				if (nd == 0)
					return -1;
			}
		}
		if (p < end && (*p == 'Z' || *p == 'z')) {
			p++;
		} else if (p < end && (*p == '+' || *p == '-')) {
			int sign = *p++ == '-' ? -1 : 1;
			int oh = digits(&p, end, 2);
			if (oh < 0 || oh > 23)
				return -1;
			if (p < end && *p == ':')
				p++;
			int om = digits(&p, end, 2);
			if (om < 0 || om > 59)
				return -1;
			offset = sign * (oh * 60 + om) * 60;
		}
	}
	if (p != end)
		return -1;
	long long t = days_from_civil(y, mo, d) * 86400LL + h * 3600 + mi * 60 + sec - offset;
	long long days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	long long rem = t - days * 86400;
	civil_from_days(days, &y, &mo, &d);
	if (y < 1 || y > 9999)
		return -1;
	snprintf(out, TIME_TEXT_MAX, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", y, mo, d, (int)(rem / 3600),
	         (int)(rem / 60 % 60), (int)(rem % 60), usec);
	return 0;
}

int time_from_pg(const char *pg, char out[TIME_TEXT_MAX])
{
	size_t n = strlen(pg);
	/* "YYYY-MM-DD HH:MM:SS[.f]+00" */
	if (n < 22 || n >= TIME_TEXT_MAX || pg[10] != ' ' || strcmp(pg + n - 3, "+00") != 0)
		return -1;
	for (size_t i = 0; i < n - 3; i++) {
		static const char shape[] = "dddd-dd-dd dd:dd:dd.dddddd";
		char want = i < sizeof shape - 1 ? shape[i] : 'x';
		int digit = pg[i] >= '0' && pg[i] <= '9';
		if (want == 'x' || (want == 'd' ? !digit : pg[i] != want))
			return -1;
	}
	memcpy(out, pg, n - 3);
	out[10] = 'T';
	out[n - 3] = 'Z';
	out[n - 2] = '\0';
	return 0;
}
