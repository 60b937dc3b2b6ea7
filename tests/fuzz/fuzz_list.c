/*
 * libFuzzer target: the task list's query string and the conditional headers.
 * The input is a query string: task_query_parse validates it (sorts, filters, search,
 * owner, cursor) against a fixed key ring, task_list_statement and task_query_params
 * turn it into statement parameters; the same bytes are also tried as a cursor token,
 * as an If-Match and an If-None-Match header.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "cursor.h"
#include "http.h"
#include "task_query.h"

static const unsigned char secret[] = "fuzz-secret-of-at-least-32-bytes-long!";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = '\0';
	struct jwt_key keys[1] = {{secret, sizeof secret - 1, ""}};
	struct arena a = {0};
	struct problems p = {0};
	struct task_query tq;
	task_query_parse(&a, copy, "user:1", keys, 1, &tq, &p);
	struct task_query_text text;
	const char *params[TASK_LIST_NPARAMS];
	task_query_params(&tq, "{1}", &text, params);
	(void)task_list_statement(&tq, tq.sort);
	for (int i = 0; i < TASK_LIST_NPARAMS; i++)
		if (params[i])
			(void)strlen(params[i]);
	struct cursor c;
	if (cursor_decode(copy, tq.bind, secret, sizeof secret - 1, &c) == 0)
		abort(); /* nothing the fuzzer writes carries a valid MAC */
	char versions[256];
	(void)etag_match_versions(copy, 42, versions, sizeof versions);
	(void)etag_none_match(copy, "\"42-7\"");
	arena_free(&a);
	free(copy);
	return 0;
}
