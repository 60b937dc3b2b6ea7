/*
 * libFuzzer target: request body extraction. The input is a request body; it goes
 * through json_parse_body (size and depth limits, strict UTF-8) and, when it is an
 * object, json_extract with a spec that uses every field type and check, then the
 * 422 rendering. Checked on the way: a string that passes extraction is well-formed
 * UTF-8 without NUL, and utf8_valid agrees with a reference decoder (Unicode's table
 * of well-formed byte sequences) on the raw input; the log's text writer (buf_json_text)
 * turns any input into one valid JSON string.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "buf.h"
#include "jsonv.h"
#include "utf8.h"

static const char *const statuses[] = {"todo", "in_progress", "completed", NULL};

static const struct field_spec spec[] = {
	{.name = "title", .type = FIELD_STRING, .required = 1, .min_len = 1, .max_len = 200},
	{.name = "description", .type = FIELD_STRING, .nullable = 1, .max_len = 10000},
	{.name = "status", .type = FIELD_ENUM, .choices = statuses},
	{.name = "due_date", .type = FIELD_TIME, .nullable = 1},
	{.name = "is_completed", .type = FIELD_BOOL},
	{.name = "email", .type = FIELD_STRING, .check = email_check},
	{.name = "password", .type = FIELD_STRING, .check = password_policy},
	{.name = "refresh_token", .type = FIELD_STRING},
};
#define NSPEC (int)(sizeof spec / sizeof *spec)

/* Unicode 15, table 3-7: the well-formed UTF-8 byte sequences, byte range by byte range. */
static int reference_utf8_valid(const uint8_t *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint8_t c = s[i];
		uint8_t lo = 0x80, hi = 0xBF;
		int more;
		if (c <= 0x7F)
			more = 0;
		else if (c >= 0xC2 && c <= 0xDF)
			more = 1;
		else if (c >= 0xE0 && c <= 0xEF)
			more = 2, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
		else if (c >= 0xF0 && c <= 0xF4)
			more = 3, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
		else
			return 0;
		if (n - i - 1 < (size_t)more)
			return 0;
		for (int k = 1; k <= more; k++) {
			uint8_t b = s[i + (size_t)k];
			if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF))
				return 0;
		}
		i += (size_t)more + 1;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct problems p = {0};
	struct field_value v[NSPEC];
	if (utf8_valid((const char *)data, size) != reference_utf8_valid(data, size))
		abort();
	struct json_object *obj = json_parse_body((const char *)data, size, &p);
	if (obj) {
		int before = p.count;
		json_extract(obj, spec, NSPEC, v, &p);
		for (int i = 0; i < NSPEC && p.count == before; i++) {
			/* Whatever a handler would send to the database is clean text. */
			if (v[i].str && !v[i].is_null &&
			    (memchr(v[i].str, '\0', v[i].len) ||
			     !reference_utf8_valid((const uint8_t *)v[i].str, v[i].len)))
				abort();
		}
	}
	struct buf out = {0};
	problems_write_json(&p, &out);
	/* The log's writer for outside text: always one valid JSON string of valid UTF-8. */
	buf_reset(&out);
	buf_json_text(&out, (const char *)data, size);
	struct json_object *logged = json_tokener_parse(out.data);
	if (!reference_utf8_valid((const uint8_t *)out.data, out.len) ||
	    !json_object_is_type(logged, json_type_string))
		abort();
	json_object_put(logged);
	buf_free(&out);
	json_object_put(obj);
	return 0;
}
