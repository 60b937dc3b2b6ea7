/*
 * libFuzzer target: path routing over the real route table. The input is
 * "<method>\n<path>" (or only a path, as GET); router_match and router_allow run,
 * and path parameters are read as the handlers read them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = '\0';
	const char *method = "GET", *path = copy;
	char *nl = memchr(copy, '\n', size);
	if (nl) {
		*nl = '\0';
		method = copy;
		path = nl + 1;
	}
	struct route_match m;
	memset(&m, 0, sizeof m);
	enum route_result r = router_match(routes, path, http_method_parse(method), &m);
	if (r != ROUTE_NOT_FOUND) {
		char allow[64];
		router_allow(m.route, allow, sizeof allow);
		for (int i = 0; i < m.nparams; i++)
			(void)strtoll(m.params[i], NULL, 10);
	}
	free(copy);
	return 0;
}
