/* The list of validation problems that becomes a 422 response (FastAPI's shape). */
#ifndef TASKAPI_PROBLEMS_H
#define TASKAPI_PROBLEMS_H

#include "buf.h"

#define PROBLEMS_MAX 32

struct problem {
	const char *where;    /* "body", "query" or "path" */
	const char *field;    /* NULL when the problem is about the whole body */
	const char *subfield; /* a key inside field (an object), or NULL */
	const char *type;     /* "missing", "string_too_short", "value_error", ... */
	char msg[160];
};

struct problems {
	int count;
	struct problem list[PROBLEMS_MAX];
};

void problems_add(struct problems *p, const char *where, const char *field, const char *type,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* As problems_add, at loc [where, field, subfield]. */
void problems_add_nested(struct problems *p, const char *where, const char *field, const char *subfield,
                         const char *type, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* {"detail":[{"loc":[...],"msg":...,"type":...}...],"message":"Validation error occurred"} */
void problems_write_json(const struct problems *p, struct buf *out);

#endif
