/*
 * Webhook targets and deliveries (see include/webhook.h). The URL is parsed by libcurl's
 * own parser, so that the host checked here is the host libcurl would connect to.
 */
#include "webhook.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "crypto.h"

/* ==== Which addresses ==== */

#define V4(a, b, c, d, bits)                                                                            \
	{                                                                                                   \
		AF_INET, {a, b, c, d}, bits                                                                     \
	}
#define V6(a, b, bits)                                                                                  \
	{                                                                                                   \
		AF_INET6, {a, b}, bits                                                                          \
	}

/* Never reached unless TASKAPI_WEBHOOK_ALLOW says so: this host, its networks, and what
   is not a unicast address on the Internet. */
static const struct net_allow forbidden[] = {
	V4(0, 0, 0, 0, 8),      /* "this network" */
	V4(10, 0, 0, 0, 8),     /* private (RFC 1918) */
	V4(100, 64, 0, 0, 10),  /* shared address space (carrier-grade NAT) */
	V4(127, 0, 0, 0, 8),    /* loopback */
	V4(169, 254, 0, 0, 16), /* link-local (cloud metadata services) */
	V4(172, 16, 0, 0, 12),  /* private */
	V4(192, 0, 0, 0, 24),   /* IETF protocol assignments */
	V4(192, 168, 0, 0, 16), /* private */
	V4(198, 18, 0, 0, 15),  /* benchmarking */
	V4(224, 0, 0, 0, 4),    /* multicast */
	V4(240, 0, 0, 0, 4),    /* reserved, broadcast */
	V6(0, 0, 96),           /* unspecified, loopback, IPv4-compatible */
	V6(0x20, 0x01, 32),     /* Teredo (an IPv4 address in disguise) */
	V6(0xfc, 0, 7),         /* unique local */
	V6(0xfe, 0x80, 10),     /* link-local */
	V6(0xfe, 0xc0, 10),     /* site-local (deprecated) */
	V6(0xff, 0, 8),         /* multicast */
};

/* IPv6 prefixes whose addresses carry an IPv4 one: mapped, NAT64, 6to4. */
static int embedded_v4(const unsigned char *a, unsigned char out[4])
{
	static const unsigned char mapped[12] = {[10] = 0xff, [11] = 0xff};
	static const unsigned char nat64[12] = {0, 0x64, 0xff, 0x9b};
	if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0) {
		memcpy(out, a + 12, 4);
		return 1;
	}
	if (a[0] == 0x20 && a[1] == 0x02) {
		memcpy(out, a + 2, 4);
		return 1;
	}
	return 0;
}

int webhook_address_ok(int family, const unsigned char *addr)
{
	unsigned char v4[4];
	if (family == AF_INET6 && embedded_v4(addr, v4)) {
		family = AF_INET;
		addr = v4;
	}
	if (config_webhook_allowed(&cfg, family, addr))
		return 1;
	for (size_t i = 0; i < sizeof forbidden / sizeof *forbidden; i++)
		if (config_net_contains(&forbidden[i], family, addr))
			return 0;
	return 1;
}

static int sockaddr_ok(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return webhook_address_ok(AF_INET,
		                          (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr);
	if (sa->sa_family == AF_INET6)
		return webhook_address_ok(AF_INET6,
		                          (const unsigned char *)&((const struct sockaddr_in6 *)sa)->sin6_addr);
	return 0;
}

/* ==== Which URLs ==== */

/* The URL's host (brackets removed), port and whether the host is an address literal;
   every address it resolves to is checked, and listed in pin as CURLOPT_RESOLVE wants
   ("host:port:addr,addr"). 0, or -1 with why. */
struct target {
	char host[256];
	long port;
	int literal;
	char pin[1024];
};

static int url_parts(const char *url, struct target *t, char *why, size_t n)
{
	const char *bad = NULL;
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *user = NULL, *password = NULL, *zone = NULL, *port = NULL;
	if (!u)
		bad = "the URL cannot be checked now";
	else if (strlen(url) > WEBHOOK_URL_MAX || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	         curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK)
		bad = "URL must be an absolute http:// or https:// URL";
	else if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)
		bad = "URL scheme must be http or https";
	else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host ||
	         strlen(host) >= sizeof t->host)
		bad = "URL must name a host";
	else if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
	         curl_url_get(u, CURLUPART_PASSWORD, &password, 0) == CURLUE_OK)
		bad = "URL must not contain credentials";
	else if (curl_url_get(u, CURLUPART_ZONEID, &zone, 0) == CURLUE_OK)
		bad = "URL must not name an IPv6 zone";
	else if (curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK)
		bad = "URL must be an absolute http:// or https:// URL";
	if (!bad) {
		size_t len = strlen(host);
		t->literal = host[0] == '[';
		if (t->literal) { /* [v6] */
			memcpy(t->host, host + 1, len - 2);
			t->host[len - 2] = '\0';
		} else {
			memcpy(t->host, host, len + 1);
		}
		t->port = strtol(port, NULL, 10);
	}
	curl_free(scheme), curl_free(host), curl_free(user), curl_free(password), curl_free(zone),
		curl_free(port);
	curl_url_cleanup(u);
	if (bad)
		snprintf(why, n, "%s", bad);
	return bad ? -1 : 0;
}

static int resolve(struct target *t, char *why, size_t n)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
	if (getaddrinfo(t->host, NULL, &hints, &res) != 0 || !res) {
		snprintf(why, n, "URL host does not resolve");
		return -1;
	}
	struct buf pin = {0};
	unsigned char a[16];
	int ok = 1, count = 0;
	buf_printf(&pin, "%s:%ld:", t->host, t->port);
	for (struct addrinfo *ai = res; ai && ok; ai = ai->ai_next) {
		char text[INET6_ADDRSTRLEN];
		const void *bytes = ai->ai_family == AF_INET
		                        ? (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr
		                        : (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		memcpy(a, bytes, ai->ai_family == AF_INET ? 4 : 16);
		ok = webhook_address_ok(ai->ai_family, a);
		inet_ntop(ai->ai_family, bytes, text, sizeof text);
		buf_cat(&pin, count++ ? "," : "", ai->ai_family == AF_INET6 ? "[" : "", text,
		        ai->ai_family == AF_INET6 ? "]" : "", NULL);
	}
	freeaddrinfo(res);
	if (ok && count && pin.len < sizeof t->pin)
		memcpy(t->pin, pin.data, pin.len + 1);
	else if (ok)
		snprintf(why, n, "URL host does not resolve to a usable address");
	else
		snprintf(why, n, "URL points to a loopback, private, link-local or reserved address");
	buf_free(&pin);
	return ok && count && t->pin[0] ? 0 : -1;
}

static int target_check(const char *url, struct target *t, char *why, size_t n)
{
	memset(t, 0, sizeof *t);
	return url_parts(url, t, why, n) == 0 && resolve(t, why, n) == 0 ? 0 : -1;
}

int webhook_url_check(const char *url, char *why, size_t n)
{
	struct target t;
	return target_check(url, &t, why, n);
}

/* ==== Deliveries ==== */

void webhook_sign(const char *secret, long long t, const char *body, size_t len,
                  char out[WEBHOOK_SIGNATURE_MAX])
{
	char ts[24];
	int tn = snprintf(ts, sizeof ts, "%lld", t);
	const struct crypto_part parts[] = {{ts, (size_t)tn}, {".", 1}, {body, len}};
	unsigned char mac[SHA256_LEN];
	char hex[2 * SHA256_LEN + 1];
	crypto_hmac_sha256_parts(secret, strlen(secret), parts, 3, mac);
	crypto_hex(mac, sizeof mac, hex);
	snprintf(out, WEBHOOK_SIGNATURE_MAX, "t=%s,v1=%s", ts, hex);
}

/* Every socket libcurl opens is checked against the policy first: whatever resolved the
   name (our pin, a cache, a rebinding DNS answer), no connection reaches a refused address. */
static curl_socket_t open_checked(void *refused, curlsocktype purpose, struct curl_sockaddr *a)
{
	(void)purpose;
	if (!sockaddr_ok(&a->addr)) {
		*(int *)refused = 1;
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype, a->protocol);
}

static size_t discard(char *data, size_t size, size_t n, void *user)
{
	(void)data, (void)user;
	return size * n;
}

static void post_with(CURL *h, const struct webhook_post *p, const struct target *t,
                      struct webhook_result *out)
{
	char sig[WEBHOOK_SIGNATURE_MAX], line[256], errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs = NULL, *pin = NULL;
	int refused = 0;
	webhook_sign(p->secret, (long long)time(NULL), p->body, strlen(p->body), sig);
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	hdrs = curl_slist_append(hdrs, "User-Agent: taskapi-webhook/1");
	hdrs = curl_slist_append(hdrs, "Expect:");
	snprintf(line, sizeof line, WEBHOOK_SIGNATURE_HEADER ": %s", sig);
	hdrs = curl_slist_append(hdrs, line);
	snprintf(line, sizeof line, WEBHOOK_DELIVERY_HEADER ": %s", p->delivery_id);
	hdrs = curl_slist_append(hdrs, line);
	snprintf(line, sizeof line, "X-Taskapi-Attempt: %d", p->attempt);
	hdrs = curl_slist_append(hdrs, line);
	if (!t->literal)
		pin = curl_slist_append(NULL, t->pin);
	curl_easy_setopt(h, CURLOPT_URL, p->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_PROXY, ""); /* never through a proxy of the environment */
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, p->connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, p->timeout_ms);
	curl_easy_setopt(h, CURLOPT_RESOLVE, pin);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_checked);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &refused);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, p->body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(p->body));
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	CURLcode rc = curl_easy_perform(h);
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	out->status = rc == CURLE_OK ? (int)status : 0;
	if (refused)
		snprintf(out->error, sizeof out->error, "connection to a refused address blocked");
	else if (rc != CURLE_OK)
		snprintf(out->error, sizeof out->error, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
	else if (status < 200 || status > 299)
		snprintf(out->error, sizeof out->error, "HTTP status %ld", status);
	curl_slist_free_all(hdrs);
	curl_slist_free_all(pin);
}

int webhook_post(const struct webhook_post *p, struct webhook_result *out)
{
	long long start = clock_ms();
	struct target t;
	memset(out, 0, sizeof *out);
	if (target_check(p->url, &t, out->error, sizeof out->error) == 0) {
		CURL *h = curl_easy_init();
		if (h)
			post_with(h, p, &t, out);
		else
			snprintf(out->error, sizeof out->error, "cannot start an HTTP client");
		curl_easy_cleanup(h);
	}
	out->duration_ms = clock_ms() - start;
	return out->error[0] ? -1 : 0;
}
