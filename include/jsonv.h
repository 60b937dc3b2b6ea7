/*
 * Request bodies: parsing under size and depth limits, and declarative extraction.
 * A body is described by a table of field specs; json_extract fills one value per
 * spec and lists every problem at once, as API.md's 422 shape wants.
 */
#ifndef TASKAPI_JSONV_H
#define TASKAPI_JSONV_H

#include <stddef.h>

#include <json-c/json.h>

#include "problems.h"
#include "timefmt.h"

#define JSON_DEPTH_MAX 32

enum field_type {
	FIELD_STRING,
	FIELD_ENUM,
	FIELD_TIME,
	FIELD_BOOL,
	FIELD_INT,
	FIELD_OBJECT,
	FIELD_ARRAY
};

struct field_value;
typedef void (*field_check_fn)(const struct field_value *v, const char *field, struct problems *p);

/* A table is indexed by the handler's field enum and sized by its count; an entry left
   empty (name NULL) is a field this table does not take: never read, its value absent. */
struct field_spec {
	const char *name;
	enum field_type type;
	int required;
	int nullable;               /* JSON null is a value (it clears the field) */
	int min_len, max_len;       /* FIELD_STRING, in characters; 0 means no bound */
	long long min, max;         /* FIELD_INT bounds (inclusive), when min < max */
	const char *const *choices; /* FIELD_ENUM, NULL-terminated */
	field_check_fn check;       /* extra rule run on a present, non-null value */
};

struct field_value {
	int present; /* the key is in the body */
	int is_null;
	const char *str; /* strings and enums (owned by the parsed object); times: time[] */
	size_t len;
	int boolean;
	long long integer;
	struct json_object *object; /* FIELD_OBJECT, FIELD_ARRAY (owned by the parsed body) */
	char time[TIME_TEXT_MAX];
};

/* Parses a body that must be a JSON object; on failure adds a problem and returns NULL. */
struct json_object *json_parse_body(const char *body, size_t len, struct problems *p);

/* Returns the number of problems added. */
int json_extract(struct json_object *obj, const struct field_spec *spec, int n,
                 struct field_value *values, struct problems *p);

/*
 * Adds an "extra_forbidden" problem for every key of obj that spec does not name, at
 * loc [where, key], or [where, parent, key] when parent is given. Returns their number.
 */
int json_forbid_unknown(struct json_object *obj, const struct field_spec *spec, int n, const char *where,
                        const char *parent, struct problems *p);

#endif
