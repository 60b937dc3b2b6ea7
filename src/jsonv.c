/* Request bodies: json-c parsing under limits, and table-driven field extraction. */
#include "jsonv.h"
#include "utf8.h"
#include "words.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/*
 * What json-c 0.16 lets through even in strict mode: raw control characters inside
 * strings, single-quoted keys, "1." numbers, and malformed UTF-8. 1 when none is there.
 */
static int json_lexically_strict(const char *body, size_t len)
{
	int in_string = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)body[i];
		if (in_string) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_string = 0;
			else if (ch < 0x20)
				return 0;
		} else if (ch == '"') {
			in_string = 1;
		} else if (ch == '\'' ||
		           (ch == '.' && (i + 1 == len || body[i + 1] < '0' || body[i + 1] > '9'))) {
			return 0;
		}
	}
	return utf8_valid(body, len);
}

/* The value of 4 hex digits at s (n bytes available), or -1. */
static long hex4(const char *s, size_t n)
{
	if (n < 4)
		return -1;
	long v = 0;
	for (int i = 0; i < 4; i++) {
		char ch = s[i];
		int d = ch >= '0' && ch <= '9'   ? ch - '0'
		        : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
		        : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
		                                 : -1;
		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/*
 * 1 when every \u escape of a UTF-16 surrogate is a high one followed by a low one.
 * json-c turns a lone or reversed surrogate (\ud800, \udc00\ud800) into U+FFFD, which
 * would store something the client never sent; found here, it is a 422 instead.
 */
static int json_surrogates_paired(const char *body, size_t len)
{
	int in_string = 0;
	for (size_t i = 0; i < len; i++) {
		if (!in_string) {
			in_string = body[i] == '"';
			continue;
		}
		if (body[i] == '"') {
			in_string = 0;
			continue;
		}
		if (body[i] != '\\' || i + 1 >= len)
			continue;
		i++;
		if (body[i] != 'u')
			continue;
		long cp = hex4(body + i + 1, len - i - 1);
		i += 4;
		if (cp >= 0xDC00 && cp <= 0xDFFF)
			return 0;
		if (cp < 0xD800 || cp > 0xDBFF)
			continue;
		long low = i + 2 < len && body[i + 1] == '\\' && body[i + 2] == 'u'
		               ? hex4(body + i + 3, len - i - 3)
		               : -1;
		if (low < 0xDC00 || low > 0xDFFF)
			return 0;
		i += 6;
	}
	return 1;
}

struct json_object *json_parse_body(const char *body, size_t len, struct problems *p)
{
	if (len == 0) {
		problems_add(p, "body", NULL, "missing", "Field required");
		return NULL;
	}
	struct json_tokener *tok = json_tokener_new_ex(JSON_DEPTH_MAX);
	if (!tok) {
		problems_add(p, "body", NULL, "json_invalid", "JSON decode error");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	struct json_object *obj = json_tokener_parse_ex(tok, body, (int)len);
	enum json_tokener_error err = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);
	if (err == json_tokener_continue) {
		/* A bare number or literal is complete only at the end of input: say so. */
		obj = json_tokener_parse_ex(tok, "", 1);
		err = json_tokener_get_error(tok);
		end = len;
	}
	json_tokener_free(tok);
	for (; err == json_tokener_success && end < len; end++) {
		if (body[end] != ' ' && body[end] != '\t' && body[end] != '\r' && body[end] != '\n') {
			err = json_tokener_error_parse_unexpected;
			break;
		}
	}
	if (err == json_tokener_success && !json_lexically_strict(body, len))
		err = json_tokener_error_parse_unexpected;
	if (err == json_tokener_success && !json_surrogates_paired(body, len)) {
		json_object_put(obj);
		problems_add(p, "body", NULL, "string_unicode",
		             "Input should be a valid string, a \\u escape holds an unpaired UTF-16 surrogate");
		return NULL;
	}
	if (err != json_tokener_success) {
		json_object_put(obj);
		problems_add(p, "body", NULL, "json_invalid", "JSON decode error: %s",
		             json_tokener_error_desc(err));
		return NULL;
	}
	if (!json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		problems_add(p, "body", NULL, "model_attributes_type",
		             "Input should be a valid dictionary or object to extract fields from");
		return NULL;
	}
	return obj;
}

static const char *type_name(enum field_type t)
{
	switch (t) {
	case FIELD_BOOL: return "bool_type";
	case FIELD_TIME: return "datetime_type";
	case FIELD_ENUM: return "enum";
	case FIELD_INT: return "int_type";
	case FIELD_OBJECT: return "dict_type";
	case FIELD_ARRAY: return "list_type";
	default: return "string_type";
	}
}

static void enum_problem(const struct field_spec *f, struct problems *p)
{
	char list[120];
	words_join(f->choices, list, sizeof list);
	problems_add(p, "body", f->name, "enum", "Input should be %s", list);
}

static void wrong_type(const struct field_spec *f, struct problems *p)
{
	static const char *const msg[] = {
		[FIELD_STRING] = "Input should be a valid string",
		[FIELD_ENUM] = "Input should be a valid string",
		[FIELD_TIME] = "Input should be a valid datetime",
		[FIELD_BOOL] = "Input should be a valid boolean",
		[FIELD_INT] = "Input should be a valid integer",
		[FIELD_OBJECT] = "Input should be a valid dictionary",
		[FIELD_ARRAY] = "Input should be a valid list",
	};
	if (f->type == FIELD_ENUM)
		enum_problem(f, p);
	else
		problems_add(p, "body", f->name, type_name(f->type), "%s", msg[f->type]);
}

/* An integer within the spec's bounds (a JSON integer; 5.0, "5" or true are not). */
static int extract_int(struct json_object *j, const struct field_spec *f, struct field_value *v,
                       struct problems *p)
{
	if (!json_object_is_type(j, json_type_int)) {
		wrong_type(f, p);
		return -1;
	}
	errno = 0;
	v->integer = json_object_get_int64(j);
	if (errno == ERANGE || (f->min < f->max && v->integer < f->min)) {
		problems_add(p, "body", f->name, "greater_than_equal",
		             "Input should be greater than or equal to %lld", f->min);
		return -1;
	}
	if (f->min < f->max && v->integer > f->max) {
		problems_add(p, "body", f->name, "less_than_equal", "Input should be less than or equal to %lld",
		             f->max);
		return -1;
	}
	return 0;
}

/* Checks one present, non-null value; returns 0 when it is valid. */
static int extract_one(struct json_object *j, const struct field_spec *f, struct field_value *v,
                       struct problems *p)
{
	if (f->type == FIELD_BOOL) {
		if (!json_object_is_type(j, json_type_boolean)) {
			wrong_type(f, p);
			return -1;
		}
		v->boolean = json_object_get_boolean(j);
		return 0;
	}
	if (f->type == FIELD_OBJECT || f->type == FIELD_ARRAY) {
		if (!json_object_is_type(j, f->type == FIELD_OBJECT ? json_type_object : json_type_array)) {
			wrong_type(f, p);
			return -1;
		}
		v->object = j;
		return 0;
	}
	if (f->type == FIELD_INT)
		return extract_int(j, f, v, p);
	if (!json_object_is_type(j, json_type_string)) {
		wrong_type(f, p);
		return -1;
	}
	v->str = json_object_get_string(j);
	v->len = (size_t)json_object_get_string_len(j);
	if (memchr(v->str, '\0', v->len)) {
		problems_add(p, "body", f->name, "string_type", "String should not contain NUL characters");
		return -1;
	}
	if (!utf8_valid(v->str, v->len)) {
		problems_add(p, "body", f->name, "string_unicode",
		             "Input should be a valid string, invalid UTF-8");
		return -1;
	}
	if (f->type == FIELD_TIME) {
		if (time_parse(v->str, v->len, v->time) != 0) {
			problems_add(p, "body", f->name, "datetime_parsing", "Input should be a valid datetime");
			return -1;
		}
		return 0;
	}
	if (f->type == FIELD_ENUM) {
		for (int i = 0; f->choices[i]; i++)
			if (strcmp(v->str, f->choices[i]) == 0)
				return 0;
		enum_problem(f, p);
		return -1;
	}
	size_t chars = utf8_length(v->str, v->len);
	if (f->min_len && chars < (size_t)f->min_len) {
		problems_add(p, "body", f->name, "string_too_short",
		             "String should have at least %d character%s", f->min_len,
		             f->min_len == 1 ? "" : "s");
		return -1;
	}
	if (f->max_len && chars > (size_t)f->max_len) {
		problems_add(p, "body", f->name, "string_too_long", "String should have at most %d characters",
		             f->max_len);
		return -1;
	}
	return 0;
}

int json_extract(struct json_object *obj, const struct field_spec *spec, int n,
                 struct field_value *values, struct problems *p)
{
	int before = p->count;
	for (int i = 0; i < n; i++) {
		const struct field_spec *f = &spec[i];
		struct field_value *v = &values[i];
		struct json_object *j = NULL;
		memset(v, 0, sizeof *v);
		if (!f->name) /* a field this table does not take: absent */
			continue;
		v->present = json_object_object_get_ex(obj, f->name, &j);
		if (!v->present) {
			if (f->required)
				problems_add(p, "body", f->name, "missing", "Field required");
			continue;
		}
		if (!j) {
			v->is_null = 1;
			if (!f->nullable)
				wrong_type(f, p);
			continue;
		}
		if (extract_one(j, f, v, p) == 0 && f->check)
			f->check(v, f->name, p);
	}
	return p->count - before;
}

int json_forbid_unknown(struct json_object *obj, const struct field_spec *spec, int n, const char *where,
                        const char *parent, struct problems *p)
{
	int found = 0;
	json_object_object_foreach(obj, key, val)
	{
		(void)val;
		int known = 0;
		for (int i = 0; i < n && !known; i++)
			known = spec[i].name && strcmp(key, spec[i].name) == 0;
		if (known)
			continue;
		found++;
		if (parent)
			problems_add_nested(p, where, parent, key, "extra_forbidden",
			                    "Extra inputs are not permitted");
		else
			problems_add(p, where, key, "extra_forbidden", "Extra inputs are not permitted");
	}
	return found;
}
