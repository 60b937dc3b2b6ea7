/* Request parameters and answers (src/reply.c): each helper validates or answers in one
   step; 0 means go on. */
#ifndef TASKAPI_REPLY_H
#define TASKAPI_REPLY_H

#include <libpq-fe.h>

#include "ctx.h"
#include "jsonv.h"
#include "jsonw.h"

/* Parses the route's path parameter idx as a positive id; adds a problem otherwise. */
int path_id(struct ctx *c, int idx, long long *out);
/* Integer query parameter within [min, max], default when absent; adds a problem otherwise. */
long long query_int(struct ctx *c, const char *name, long long def, long long min, long long max);
/* "t" when a body field is given (with a value or null), else "f": the statements' set flags. */
const char *field_given(const struct field_value *v);
/* Answers 422 with c->problems (after the caller check FastAPI would have done first). */
void reply_problems(struct ctx *c);
/* Runs a statement with the array params (DB_NPARAMS, include/db.h); answers 503/500 on
   failure and returns NULL. */
#define db_or_reply(c, id, params) db_or_reply_n(c, id, params, DB_NPARAMS(params), NULL)
/* Runs a statement that may violate a unique constraint; *unique gets its name. */
#define db_or_reply_unique(c, id, params, unique)                                                       \
	db_or_reply_n(c, id, params, DB_NPARAMS(params), unique)
PGresult *db_or_reply_n(struct ctx *c, enum stmt_id id, const char *const *params, int nparams,
                        const char **unique);
/* Parses the body against spec, adding problems to c->problems (no answer). */
void body_parse(struct ctx *c, const struct field_spec *spec, int n, struct field_value *v);
/* Parses the body against spec; answers 422 (with every problem) and returns -1 on failure. */
int body_or_reply(struct ctx *c, const struct field_spec *spec, int n, struct field_value *v);
/* A JSON writer over the response body: struct jsonw w = body_writer(c); */
static inline struct jsonw body_writer(struct ctx *c)
{
	struct jsonw w;
	jsonw_start(&w, &c->res->body);
	return w;
}
/* Sets status and Content-Type for a JSON body already written to c->res->body. */
void reply_json(struct ctx *c, int status);
/* The mount prefix the client's URLs start with ("" at the root, else "/prefix"): every
   URL the API hands out (Location, Link, a report's url) starts with it. */
const char *url_base(const struct ctx *c);
/* Location: the URL of collection/id under the mount prefix (c->req->base), as the
   client reaches it ("/prefix/api/v1/tasks/7"). */
void location_header(struct ctx *c, const char *collection, const char *id);
/* 201 with Location (location_header) for the resource just created, written to the body. */
void reply_created(struct ctx *c, const char *collection, const char *id);

#endif
