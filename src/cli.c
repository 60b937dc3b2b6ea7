/*
 * `taskapi user create [--admin] --username U --email E [--full-name F]`: creates an
 * account from the command line, the password read from stdin (not echoed on a
 * terminal). The way to bootstrap the first admin without an open endpoint. It runs
 * the register handler itself, so the rules and messages are the API's.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "handlers.h"
#include "words.h"

static int usage(void)
{
	fprintf(stderr, "usage: taskapi user create [--admin] --username NAME --email EMAIL "
	                "[--full-name NAME] < password\n");
	return 2;
}

/* One line from stdin without its line end; echo is off when stdin is a terminal. */
static int read_password(char *out, size_t n)
{
	struct termios old, quiet;
	int tty = isatty(0) && tcgetattr(0, &old) == 0;
	if (tty) {
		fprintf(stderr, "Password: ");
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(0, TCSAFLUSH, &quiet);
	}
	int ok = fgets(out, (int)n, stdin) != NULL;
	if (tty) {
		tcsetattr(0, TCSAFLUSH, &old);
		fprintf(stderr, "\n");
	}
	if (!ok)
		return -1;
	out[strcspn(out, "\r\n")] = '\0';
	return 0;
}

/* Prints the handler's answer: the user on stdout, or every problem on stderr. */
static int report(const struct http_response *res)
{
	if (res->status == 201) {
		printf("%s\n", res->body.data);
		return 0;
	}
	struct json_object *o = json_tokener_parse(res->body.data ? res->body.data : "");
	struct json_object *detail = NULL;
	if (o && json_object_object_get_ex(o, "detail", &detail) &&
	    json_object_is_type(detail, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(detail); i++) {
			struct json_object *p = json_object_array_get_idx(detail, i), *loc, *msg;
			json_object_object_get_ex(p, "loc", &loc);
			json_object_object_get_ex(p, "msg", &msg);
			struct json_object *field = json_object_array_get_idx(loc, 1);
			fprintf(stderr, "taskapi: %s: %s\n", field ? json_object_get_string(field) : "input",
			        json_object_get_string(msg));
		}
	} else {
		fprintf(stderr, "taskapi: %s\n", detail ? json_object_get_string(detail) : "failed");
	}
	json_object_put(o);
	return 1;
}

int cli_user_create(int argc, char **argv)
{
	const char *username = NULL, *email = NULL, *full_name = NULL;
	int admin = 0;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--admin") == 0)
			admin = 1;
		else if (strcmp(argv[i], "--username") == 0 && i + 1 < argc)
			username = argv[++i];
		else if (strcmp(argv[i], "--email") == 0 && i + 1 < argc)
			email = argv[++i];
		else if (strcmp(argv[i], "--full-name") == 0 && i + 1 < argc)
			full_name = argv[++i];
		else
			return usage();
	}
	if (!username || !email)
		return usage();
	char password[1024];
	if (read_password(password, sizeof password) != 0) {
		fprintf(stderr, "taskapi: no password on stdin\n");
		return 1;
	}

	struct json_object *body = json_object_new_object();
	json_object_object_add(body, "username", json_object_new_string(username));
	json_object_object_add(body, "email", json_object_new_string(email));
	json_object_object_add(body, "password", json_object_new_string(password));
	if (full_name)
		json_object_object_add(body, "full_name", json_object_new_string(full_name));
	const char *text = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN);

	struct http_request req = {.method = HTTP_POST,
	                           .method_name = "POST",
	                           .path = "(cli)",
	                           .query = "",
	                           .body = text,
	                           .body_len = strlen(text)};
	struct http_response res = {0};
	struct arena arena = {0};
	http_response_reset(&res);
	struct ctx c = {.req = &req, .res = &res, .arena = &arena};
	auth_create_user(&c, admin ? ROLE_ADMIN : ROLE_USER);
	int rc = report(&res);

	json_object_put(c.body);
	json_object_put(body);
	memset(password, 0, sizeof password);
	arena_free(&arena);
	buf_free(&res.headers);
	buf_free(&res.body);
	db_close();
	return rc;
}
