/*
 * Small cryptographic helpers over the OS CSPRNG and OpenSSL's libcrypto: random
 * bytes, SHA-256 and HMAC-SHA-256, hex and base64url text, constant-time comparison,
 * and a non-cryptographic hash (FNV-1a) for tables. Nothing else calls libcrypto.
 */
#ifndef TASKAPI_CRYPTO_H
#define TASKAPI_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN     32
#define SHA256_HEX_LEN 64

/* n bytes from getrandom(2); 0 on success. */
int crypto_random(void *out, size_t n);
void crypto_sha256(const void *data, size_t n, unsigned char out[SHA256_LEN]);
/* SHA-256 of s as 64 lowercase hex digits (out holds 65 bytes). */
void crypto_sha256_hex(const char *s, size_t n, char out[SHA256_HEX_LEN + 1]);
/* Bytes hashed one after another, as if concatenated. */
struct crypto_part {
	const void *data;
	size_t len;
};
/* SHA-256 of parts[0..n) concatenated (all zeros should libcrypto fail). */
void crypto_sha256_parts(const struct crypto_part *parts, int n, unsigned char out[SHA256_LEN]);
/* All zeros should libcrypto fail (never a real MAC). */
void crypto_hmac_sha256(const void *key, size_t key_len, const void *data, size_t n,
                        unsigned char out[SHA256_LEN]);
/* HMAC-SHA-256 of parts[0..n) concatenated (all zeros should libcrypto fail). */
void crypto_hmac_sha256_parts(const void *key, size_t key_len, const struct crypto_part *parts, int n,
                              unsigned char out[SHA256_LEN]);
/* Lowercase hex of n bytes; out holds 2 * n + 1 bytes. */
void crypto_hex(const unsigned char *in, size_t n, char *out);
/* Unpadded base64url of n bytes; out holds 4 * ((n + 2) / 3) + 1 bytes. Returns the length. */
size_t crypto_b64url(const unsigned char *in, size_t n, char *out);
/* Decodes unpadded base64url; -1 on a bad character or when it does not fit in cap. */
long crypto_b64url_decode(const char *in, size_t n, unsigned char *out, size_t cap);
/* 1 when every one of the n bytes is [A-Za-z0-9_-]. */
int crypto_is_b64url(const char *s, size_t n);
/* 1 when a and b (n bytes each) are equal; the time does not depend on where they differ. */
int crypto_equal(const void *a, const void *b, size_t n);
/* 64-bit FNV-1a of n bytes, continuing from h (start with CRYPTO_FNV1A_INIT). Not a MAC. */
#define CRYPTO_FNV1A_INIT 0xcbf29ce484222325ULL
uint64_t crypto_fnv1a(uint64_t h, const void *data, size_t n);

#endif
