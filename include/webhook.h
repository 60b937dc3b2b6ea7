/*
 * Webhooks: which URLs a webhook may point at, the signature of a delivery, and the
 * delivery itself (an HTTP POST through libcurl). Only http and https; a host whose
 * addresses include a loopback, link-local, private, shared, multicast or reserved one
 * is refused unless TASKAPI_WEBHOOK_ALLOW names it, both when the webhook is registered
 * and at every delivery, after resolution: the delivery connects only to the addresses
 * it checked (pinned), and each socket's address is checked again before it is opened.
 */
#ifndef TASKAPI_WEBHOOK_H
#define TASKAPI_WEBHOOK_H

#include <stddef.h>

#define WEBHOOK_URL_MAX          2000
/* "t=<unix seconds>,v1=<64 hex digits>" */
#define WEBHOOK_SIGNATURE_MAX    96
/* The header names a receiver reads. */
#define WEBHOOK_SIGNATURE_HEADER "X-Taskapi-Signature"
#define WEBHOOK_DELIVERY_HEADER  "X-Taskapi-Delivery"

/* 1 when a webhook may reach addr (4 bytes for AF_INET, 16 for AF_INET6): a public
   address, or one in TASKAPI_WEBHOOK_ALLOW. IPv4-mapped, NAT64 and 6to4 IPv6 addresses
   are judged by the IPv4 address they carry. */
int webhook_address_ok(int family, const unsigned char *addr);

/* Checks url (scheme, no credentials, every address of its host allowed). 0, or -1 with
   the reason (for the client) in why. */
int webhook_url_check(const char *url, char *why, size_t n);

/* The signature header's value for body sent at unix time t with secret. */
void webhook_sign(const char *secret, long long t, const char *body, size_t len,
                  char out[WEBHOOK_SIGNATURE_MAX]);

struct webhook_post {
	const char *url;
	const char *secret;
	const char *body;        /* JSON */
	const char *delivery_id; /* the same on every attempt: receivers drop duplicates by it */
	int attempt;
	long connect_timeout_ms, timeout_ms;
};

struct webhook_result {
	int status;      /* the receiver's HTTP status; 0 when none came */
	char error[256]; /* why it failed; "" when delivered */
	long long duration_ms;
};

/* POSTs the body (no redirect followed, no proxy). 0 when the receiver answered 2xx. */
int webhook_post(const struct webhook_post *p, struct webhook_result *out);

#endif
