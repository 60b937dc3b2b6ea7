/* TASKAPI_LISTEN parsing, and the accept queue read from the kernel for real sockets. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "listen.h"

static void test_parse_good(void **state)
{
	(void)state;
	struct listen_addr a;
	char err[256];
	assert_int_equal(listen_parse("127.0.0.1:9000", &a, err, sizeof err), 0);
	assert_false(a.is_unix);
	assert_string_equal(a.host, "127.0.0.1");
	assert_string_equal(a.port, "9000");
	assert_false(a.all_interfaces);
	assert_int_equal(listen_parse("[::1]:8000", &a, err, sizeof err), 0);
	assert_string_equal(a.host, "::1");
	assert_int_equal(listen_parse("/run/taskapi/taskapi.sock", &a, err, sizeof err), 0);
	assert_true(a.is_unix);
	assert_int_equal(listen_parse("./relative.sock", &a, err, sizeof err), 0);
	assert_true(a.is_unix);
	for (const char *all = ":9000\0*:9000\0"
	                       "0.0.0.0:9000\0[::]:9000\0";
	     *all; all += strlen(all) + 1) {
		assert_int_equal(listen_parse(all, &a, err, sizeof err), 0);
		assert_true(a.all_interfaces);
	}
}

static void test_parse_bad(void **state)
{
	(void)state;
	struct listen_addr a;
	char err[256];
	const char *bad[] = {"",         "127.0.0.1:99999", "127.0.0.1:0", "127.0.0.1:", "127.0.0.1:80x",
	                     "::1:8000", "[::1]8000",       "[::1",        "8000",       "localhost:-1",
	                     NULL};
	for (int i = 0; bad[i]; i++)
		assert_int_equal(listen_parse(bad[i], &a, err, sizeof err), -1);
	char longpath[200];
	memset(longpath, 'a', sizeof longpath - 1);
	longpath[0] = '/';
	longpath[sizeof longpath - 1] = '\0';
	assert_int_equal(listen_parse(longpath, &a, err, sizeof err), -1);
}

/* Connects n clients without accepting them; the queue must count them. */
static void queue_of(int lfd, const struct sockaddr *sa, socklen_t len, int family)
{
	int clients[3];
	long qlen = -1, qmax = -1;
	assert_int_equal(listen_queue(lfd, &qlen, &qmax), 0);
	assert_int_equal(qlen, 0);
	assert_int_equal(qmax, 5);
	for (int i = 0; i < 3; i++) {
		clients[i] = socket(family, SOCK_STREAM, 0);
		assert_int_equal(connect(clients[i], sa, len), 0);
	}
	usleep(50000);
	assert_int_equal(listen_queue(lfd, &qlen, &qmax), 0);
	assert_int_equal(qlen, 3);
	for (int i = 0; i < 3; i++)
		close(clients[i]);
}

static void test_queue_unix(void **state)
{
	(void)state;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "/tmp/taskapi-test-listen-%d.sock", (int)getpid());
	unlink(sa.sun_path);
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(lfd, 5), 0);
	queue_of(lfd, (struct sockaddr *)&sa, sizeof sa, AF_UNIX);
	close(lfd);
	unlink(sa.sun_path);
}

static void test_queue_tcp(void **state)
{
	(void)state;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof sa;
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, len), 0);
	assert_int_equal(listen(lfd, 5), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &len), 0);
	queue_of(lfd, (struct sockaddr *)&sa, len, AF_INET);
	close(lfd);
}

static void test_queue_not_listening(void **state)
{
	(void)state;
	long qlen, qmax;
	int fds[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	assert_int_equal(listen_queue(fds[0], &qlen, &qmax), -1);
	assert_false(listen_is_listening(fds[0]));
	close(fds[0]);
	close(fds[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),          cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_queue_unix),          cmocka_unit_test(test_queue_tcp),
		cmocka_unit_test(test_queue_not_listening),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
