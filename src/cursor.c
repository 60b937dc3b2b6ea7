/* Task list cursors: base64url payload plus an HMAC-SHA256 over the payload and its binding. */
#include "cursor.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAC_LEN 32
#define PAYLOAD_MAX (CURSOR_KEY_MAX + 128)

size_t b64url_encode(const unsigned char *in, size_t n, char *out)
{
	int len = EVP_EncodeBlock((unsigned char *)out, in, (int)n);
	while (len > 0 && out[len - 1] == '=')
		len--;
	for (int i = 0; i < len; i++)
		out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
	out[len] = '\0';
	return (size_t)len;
}

long b64url_decode(const char *s, size_t n, unsigned char *out)
{
	if (n % 4 == 1 || n > CURSOR_TOKEN_MAX)
		return -1;
	char std[CURSOR_TOKEN_MAX + 4];
	size_t i;
	for (i = 0; i < n; i++) {
		char ch = s[i];
		if (ch == '-')
			ch = '+';
		else if (ch == '_')
			ch = '/';
		else if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')))
			return -1;
		std[i] = ch;
	}
	size_t pad = (4 - n % 4) % 4;
	for (size_t k = 0; k < pad; k++)
		std[i++] = '=';
	/* EVP_DecodeBlock counts padding as zero bytes: take them off again. */
	int len = EVP_DecodeBlock(out, (const unsigned char *)std, (int)i);
	if (len < 0)
		return -1;
	return (long)len - (long)pad;
}

static void mac(const unsigned char *secret, size_t secret_len, const char *bind,
                const char *payload, size_t payload_len, unsigned char out[MAC_LEN])
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
	unsigned int len = MAC_LEN;
	if (!HMAC(EVP_sha256(), secret, (int)secret_len, msg, n, out, &len))
		memset(out, 0, MAC_LEN); /* never verifies: a real MAC is not all zeros in practice */
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
	size_t len = b64url_encode((const unsigned char *)payload, (size_t)n, out);
	out[len++] = '.';
	b64url_encode(tag, MAC_LEN, out + len);
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

int cursor_decode(const char *token, const char *bind, const unsigned char *secret,
                  size_t secret_len, struct cursor *out)
{
	size_t n = strlen(token);
	const char *dot = memchr(token, '.', n);
	if (n > CURSOR_TOKEN_MAX || !dot)
		return -1;
	unsigned char payload[CURSOR_TOKEN_MAX], tag[CURSOR_TOKEN_MAX], want[MAC_LEN];
	long plen = b64url_decode(token, (size_t)(dot - token), payload);
	long tlen = b64url_decode(dot + 1, n - (size_t)(dot - token) - 1, tag);
	if (plen <= 0 || plen >= PAYLOAD_MAX || tlen != MAC_LEN)
		return -1;
	/* Only the canonical spelling: a changed character never decodes to the same bytes. */
	char again[CURSOR_TOKEN_MAX + 8];
	size_t alen = b64url_encode(payload, (size_t)plen, again);
	again[alen++] = '.';
	b64url_encode(tag, MAC_LEN, again + alen);
	if (strcmp(again, token) != 0)
		return -1;
	mac(secret, secret_len, bind, (const char *)payload, (size_t)plen, want);
	if (CRYPTO_memcmp(tag, want, MAC_LEN) != 0)
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
