/* Task list cursors: base64url payload plus an HMAC-SHA256 over the payload and its binding. */
#include "cursor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"

#define MAC_LEN     SHA256_LEN
#define PAYLOAD_MAX (CURSOR_KEY_MAX + 128)

static void mac(const unsigned char *secret, size_t secret_len, const char *bind, const char *payload,
                size_t payload_len, unsigned char out[MAC_LEN])
{
	/* Domain-separated from the JWTs signed with the same secret. */
	static const char label[] = "taskapi-cursor-v1";
	size_t bind_len = strlen(bind);
	size_t n = sizeof label + bind_len + 1 + payload_len;
	unsigned char *msg = malloc(n);
	if (!msg)
		abort();
	memcpy(msg, label, sizeof label); /* with its NUL as the separator */
	memcpy(msg + sizeof label, bind, bind_len + 1);
	memcpy(msg + sizeof label + bind_len + 1, payload, payload_len);
	crypto_hmac_sha256(secret, secret_len, msg, n, out);
	free(msg);
}

char *cursor_encode(struct arena *a, const struct cursor *c, const char *bind,
                    const unsigned char *secret, size_t secret_len)
{
	char payload[PAYLOAD_MAX];
	int n = snprintf(payload, sizeof payload, "1\n%s\n%lld\n%lld\n%s", c->sort, c->page, c->id, c->key);
	if (n < 0 || (size_t)n >= sizeof payload)
		return NULL;
	unsigned char tag[MAC_LEN];
	mac(secret, secret_len, bind, payload, (size_t)n, tag);
	char *out = arena_alloc(a, 4 * ((size_t)n + 2) / 3 + 4 + 4 * (MAC_LEN + 2) / 3 + 2);
	size_t len = crypto_b64url((const unsigned char *)payload, (size_t)n, out);
	out[len++] = '.';
	crypto_b64url(tag, MAC_LEN, out + len);
	return out;
}

/* Reads a positive decimal number ending at '\n' from *p; -1 when there is none. */
static long long read_number(const char **p, const char *end)
{
	long long v = 0;
	int digits = 0;
	while (*p < end && **p >= '0' && **p <= '9' && digits < 18) {
		v = v * 10 + (**p - '0');
		(*p)++;
		digits++;
	}
	if (!digits || *p >= end || **p != '\n' || v < 1)
		return -1;
	(*p)++;
	return v;
}

int cursor_decode(const char *token, const char *bind, const unsigned char *secret, size_t secret_len,
                  struct cursor *out)
{
	size_t n = strlen(token);
	const char *dot = memchr(token, '.', n);
	if (n > CURSOR_TOKEN_MAX || !dot)
		return -1;
	unsigned char payload[CURSOR_TOKEN_MAX], tag[CURSOR_TOKEN_MAX], want[MAC_LEN];
	long plen = crypto_b64url_decode(token, (size_t)(dot - token), payload, sizeof payload);
	long tlen = crypto_b64url_decode(dot + 1, n - (size_t)(dot - token) - 1, tag, sizeof tag);
	if (plen <= 0 || plen >= PAYLOAD_MAX || tlen != MAC_LEN)
		return -1;
	/* Only the canonical spelling: a changed character never decodes to the same bytes. */
	char again[CURSOR_TOKEN_MAX + 8];
	size_t alen = crypto_b64url(payload, (size_t)plen, again);
	again[alen++] = '.';
	crypto_b64url(tag, MAC_LEN, again + alen);
	if (strcmp(again, token) != 0)
		return -1;
	mac(secret, secret_len, bind, (const char *)payload, (size_t)plen, want);
	if (!crypto_equal(tag, want, MAC_LEN))
		return -1;
	/* Authentic: written by cursor_encode. Still read it defensively. */
	const char *p = (const char *)payload, *end = p + plen;
	if (plen < 2 || p[0] != '1' || p[1] != '\n')
		return -1;
	p += 2;
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	if (!nl || nl == p || (size_t)(nl - p) >= sizeof out->sort)
		return -1;
	memcpy(out->sort, p, (size_t)(nl - p));
	out->sort[nl - p] = '\0';
	p = nl + 1;
	if ((out->page = read_number(&p, end)) < 0 || (out->id = read_number(&p, end)) < 0)
		return -1;
	size_t klen = (size_t)(end - p);
	if (klen >= sizeof out->key || memchr(p, '\0', klen))
		return -1;
	memcpy(out->key, p, klen);
	out->key[klen] = '\0';
	return 0;
}
