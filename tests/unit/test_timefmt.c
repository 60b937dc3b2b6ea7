/* Time input (ISO 8601 / RFC 3339) to canonical UTC, and PostgreSQL output to RFC 3339. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "timefmt.h"

static void assert_parses_to(const char *in, const char *want)
{
	char out[TIME_TEXT_MAX];
	if (time_parse(in, strlen(in), out) != 0)
		fail_msg("time_parse refused \"%s\"", in);
	assert_string_equal(out, want);
}

static void assert_refused(const char *in)
{
	char out[TIME_TEXT_MAX];
	if (time_parse(in, strlen(in), out) != -1)
		fail_msg("time_parse accepted \"%s\" as %s", in, out);
}

/* ==== time_parse: accepted forms ==== */

static void test_parse_without_offset_is_utc(void **state)
{
	(void)state;
	assert_parses_to("2024-12-31T23:59:59", "2024-12-31T23:59:59.000000Z");
}

static void test_parse_z_suffix(void **state)
{
	(void)state;
	assert_parses_to("2024-12-31T23:59:59Z", "2024-12-31T23:59:59.000000Z");
}

static void test_parse_positive_offset(void **state)
{
	(void)state;
	assert_parses_to("2024-12-31T23:59:59+02:00", "2024-12-31T21:59:59.000000Z");
}

static void test_parse_negative_half_hour_offset(void **state)
{
	(void)state;
	assert_parses_to("2024-06-15T12:00:00-05:30", "2024-06-15T17:30:00.000000Z");
	assert_parses_to("2024-12-31T23:59:59-05:30", "2025-01-01T05:29:59.000000Z");
}

static void test_parse_zero_offsets(void **state)
{
	(void)state;
	assert_parses_to("2024-12-31T23:59:59+00:00", "2024-12-31T23:59:59.000000Z");
	assert_parses_to("2024-12-31T23:59:59-00:00", "2024-12-31T23:59:59.000000Z");
}

static void test_parse_lowercase_t_and_z(void **state)
{
	(void)state;
	assert_parses_to("2024-12-31t23:59:59z", "2024-12-31T23:59:59.000000Z");
}

static void test_parse_space_separator(void **state)
{
	(void)state;
	assert_parses_to("2024-12-31 23:59:59", "2024-12-31T23:59:59.000000Z");
	assert_parses_to("2024-12-31 23:59:59+01:00", "2024-12-31T22:59:59.000000Z");
}

static void test_parse_fractional_seconds(void **state)
{
	(void)state;
	assert_parses_to("2024-12-31T23:59:59.5Z", "2024-12-31T23:59:59.500000Z");
	assert_parses_to("2024-12-31T23:59:59.123Z", "2024-12-31T23:59:59.123000Z");
	assert_parses_to("2024-12-31T23:59:59.123456Z", "2024-12-31T23:59:59.123456Z");
	assert_parses_to("2024-12-31T23:59:59.000001", "2024-12-31T23:59:59.000001Z");
}

static void test_parse_fraction_beyond_micro_truncated(void **state)
{
	(void)state;
	assert_parses_to("2024-12-31T23:59:59.1234567Z", "2024-12-31T23:59:59.123456Z");
	assert_parses_to("2024-12-31T23:59:59.999999999+00:00", "2024-12-31T23:59:59.999999Z");
}

static void test_parse_fraction_with_offset(void **state)
{
	(void)state;
	assert_parses_to("2024-12-31T23:59:59.25+02:00", "2024-12-31T21:59:59.250000Z");
}

static void test_parse_without_seconds(void **state)
{
	(void)state;
	assert_parses_to("2024-12-31T23:59", "2024-12-31T23:59:00.000000Z");
	assert_parses_to("2024-12-31T23:59Z", "2024-12-31T23:59:00.000000Z");
}

static void test_parse_date_only(void **state)
{
	(void)state;
	assert_parses_to("2024-12-31", "2024-12-31T00:00:00.000000Z");
}

static void test_parse_offset_crosses_year_backwards(void **state)
{
	(void)state;
	assert_parses_to("2025-01-01T01:00:00+02:00", "2024-12-31T23:00:00.000000Z");
}

static void test_parse_offset_crosses_day_forwards(void **state)
{
	(void)state;
	assert_parses_to("2024-02-28T22:00:00-03:00", "2024-02-29T01:00:00.000000Z");
	assert_parses_to("2023-02-28T22:00:00-03:00", "2023-03-01T01:00:00.000000Z");
}

static void test_parse_leap_day(void **state)
{
	(void)state;
	assert_parses_to("2024-02-29", "2024-02-29T00:00:00.000000Z");
	assert_parses_to("2000-02-29T12:00:00Z", "2000-02-29T12:00:00.000000Z");
}

static void test_parse_extremes(void **state)
{
	(void)state;
	assert_parses_to("0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000000Z");
	assert_parses_to("9999-12-31T23:59:59Z", "9999-12-31T23:59:59.000000Z");
	assert_parses_to("1969-12-31T23:59:59Z", "1969-12-31T23:59:59.000000Z");
	assert_parses_to("1970-01-01T00:00:00Z", "1970-01-01T00:00:00.000000Z");
}

/* ==== time_parse: refused ==== */

static void test_parse_bad_non_leap_feb_29(void **state)
{
	(void)state;
	assert_refused("2023-02-29");
	assert_refused("1900-02-29T00:00:00Z");
}

static void test_parse_bad_day_out_of_range(void **state)
{
	(void)state;
	assert_refused("2024-04-31");
	assert_refused("2024-01-32");
	assert_refused("2024-01-00");
}

static void test_parse_bad_month(void **state)
{
	(void)state;
	assert_refused("2024-13-01");
	assert_refused("2024-00-01");
}

static void test_parse_bad_hour_24(void **state)
{
	(void)state;
	assert_refused("2024-12-31T24:00:00");
}

static void test_parse_bad_minute_60(void **state)
{
	(void)state;
	assert_refused("2024-12-31T23:60:00");
}

static void test_parse_bad_second_60(void **state)
{
	(void)state;
	assert_refused("2024-12-31T23:59:60Z");
}

static void test_parse_bad_garbage(void **state)
{
	(void)state;
	assert_refused("tomorrow");
	assert_refused("not-a-date");
	assert_refused("2024/12/31");
	assert_refused("31-12-2024");
	assert_refused("20241231");
	assert_refused("2024-1-5");
}

static void test_parse_bad_empty(void **state)
{
	(void)state;
	char out[TIME_TEXT_MAX];
	assert_int_equal(time_parse("", 0, out), -1);
}

static void test_parse_bad_trailing_chars(void **state)
{
	(void)state;
	assert_refused("2024-12-31T23:59:59Zx");
	assert_refused("2024-12-31T23:59:59 ");
	assert_refused("2024-12-31x");
	assert_refused("2024-12-31T23:59:59+02:00:00");
	assert_refused("2024-12-31T23:59:59ZZ");
}

static void test_parse_bad_year_zero(void **state)
{
	(void)state;
	assert_refused("0000-01-01T00:00:00Z");
	assert_refused("0000-01-01");
}

static void test_parse_bad_offset_out_of_year_range(void **state)
{
	(void)state;
	/* Would be year 0 or 10000 in UTC. */
	assert_refused("0001-01-01T00:00:00+01:00");
	assert_refused("9999-12-31T23:00:00-02:00");
}

static void test_parse_bad_incomplete(void **state)
{
	(void)state;
	assert_refused("2024-12-31T");
	assert_refused("2024-12-31T23");
	assert_refused("2024-12-31T23:");
	assert_refused("2024-12-31T23:59:");
	assert_refused("2024-12-31T23:59:59.");
	assert_refused("2024-12-31T23:59:59.Z");
	assert_refused("2024-12");
}

static void test_parse_bad_offset(void **state)
{
	(void)state;
	assert_refused("2024-12-31T23:59:59+");
	assert_refused("2024-12-31T23:59:59+2:00");
	assert_refused("2024-12-31T23:59:59+24:00");
	assert_refused("2024-12-31T23:59:59+02:60");
	assert_refused("2024-12-31T23:59:59+02:");
}

static void test_parse_respects_length(void **state)
{
	(void)state;
	char out[TIME_TEXT_MAX];
	/* Only the first 10 bytes are the value. */
	assert_int_equal(time_parse("2024-12-31T23:59:59Z", 10, out), 0);
	assert_string_equal(out, "2024-12-31T00:00:00.000000Z");
}

/* ==== time_from_pg ==== */

static void test_from_pg_with_fraction(void **state)
{
	(void)state;
	char out[TIME_TEXT_MAX];
	assert_int_equal(time_from_pg("2026-01-15 10:35:00.123+00", out), 0);
	assert_string_equal(out, "2026-01-15T10:35:00.123Z");
}

static void test_from_pg_without_fraction(void **state)
{
	(void)state;
	char out[TIME_TEXT_MAX];
	assert_int_equal(time_from_pg("2026-01-15 10:35:00+00", out), 0);
	assert_string_equal(out, "2026-01-15T10:35:00Z");
}

static void test_from_pg_microseconds(void **state)
{
	(void)state;
	char out[TIME_TEXT_MAX];
	assert_int_equal(time_from_pg("2026-01-15 10:35:00.123456+00", out), 0);
	assert_string_equal(out, "2026-01-15T10:35:00.123456Z");
}

static void test_from_pg_bad_non_utc(void **state)
{
	(void)state;
	char out[TIME_TEXT_MAX];
	assert_int_equal(time_from_pg("2026-01-15 10:35:00+02", out), -1);
	assert_int_equal(time_from_pg("2026-01-15 10:35:00-05", out), -1);
	assert_int_equal(time_from_pg("2026-01-15 10:35:00+05:30", out), -1);
	assert_int_equal(time_from_pg("2026-01-15 10:35:00.5-01", out), -1);
}

static void test_from_pg_bad_malformed(void **state)
{
	(void)state;
	char out[TIME_TEXT_MAX];
	assert_int_equal(time_from_pg("", out), -1);
	assert_int_equal(time_from_pg("+00", out), -1);
	assert_int_equal(time_from_pg("2026-01-15 10:35:00", out), -1);
	assert_int_equal(time_from_pg("2026-01-15T10:35:00+00", out), -1);
	assert_int_equal(time_from_pg("2026-01-15", out), -1);
	assert_int_equal(time_from_pg("2026-01-15 10:35+00", out), -1);
	assert_int_equal(time_from_pg("infinity", out), -1);
	assert_int_equal(time_from_pg("2026-01-15 10:35:00.123456789012345678+00", out), -1);
}

static void test_from_pg_bad_non_digits(void **state)
{
	(void)state;
	char out[TIME_TEXT_MAX];
	/* Right length and separators, but not a timestamp. */
	assert_int_equal(time_from_pg("2026-01-15 10:35:xx+00", out), -1);
	assert_int_equal(time_from_pg("abcdefghij klmnopqrstu+00", out), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_without_offset_is_utc),
		cmocka_unit_test(test_parse_z_suffix),
		cmocka_unit_test(test_parse_positive_offset),
		cmocka_unit_test(test_parse_negative_half_hour_offset),
		cmocka_unit_test(test_parse_zero_offsets),
		cmocka_unit_test(test_parse_lowercase_t_and_z),
		cmocka_unit_test(test_parse_space_separator),
		cmocka_unit_test(test_parse_fractional_seconds),
		cmocka_unit_test(test_parse_fraction_beyond_micro_truncated),
		cmocka_unit_test(test_parse_fraction_with_offset),
		cmocka_unit_test(test_parse_without_seconds),
		cmocka_unit_test(test_parse_date_only),
		cmocka_unit_test(test_parse_offset_crosses_year_backwards),
		cmocka_unit_test(test_parse_offset_crosses_day_forwards),
		cmocka_unit_test(test_parse_leap_day),
		cmocka_unit_test(test_parse_extremes),
		cmocka_unit_test(test_parse_bad_non_leap_feb_29),
		cmocka_unit_test(test_parse_bad_day_out_of_range),
		cmocka_unit_test(test_parse_bad_month),
		cmocka_unit_test(test_parse_bad_hour_24),
		cmocka_unit_test(test_parse_bad_minute_60),
		cmocka_unit_test(test_parse_bad_second_60),
		cmocka_unit_test(test_parse_bad_garbage),
		cmocka_unit_test(test_parse_bad_empty),
		cmocka_unit_test(test_parse_bad_trailing_chars),
		cmocka_unit_test(test_parse_bad_year_zero),
		cmocka_unit_test(test_parse_bad_offset_out_of_year_range),
		cmocka_unit_test(test_parse_bad_incomplete),
		cmocka_unit_test(test_parse_bad_offset),
		cmocka_unit_test(test_parse_respects_length),
		cmocka_unit_test(test_from_pg_with_fraction),
		cmocka_unit_test(test_from_pg_without_fraction),
		cmocka_unit_test(test_from_pg_microseconds),
		cmocka_unit_test(test_from_pg_bad_non_utc),
		cmocka_unit_test(test_from_pg_bad_malformed),
		cmocka_unit_test(test_from_pg_bad_non_digits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
