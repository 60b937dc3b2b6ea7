/*
 * libFuzzer target: credential parsing and token verification. The input is what a
 * client puts in Authorization: the bearer value is taken out, checked for the shape
 * of an API key and of a refresh token, and verified as a JWT against a two-key ring
 * (kid lookup, libjwt decoding, algorithm and claim checks).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"

static const unsigned char current[] = "fuzz-current-secret-0123456789abcdef";
static const unsigned char previous[] = "fuzz-previous-secret-0123456789abcdef";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct jwt_key keys[2];
	if (!keys[0].secret) {
		keys[0] = (struct jwt_key){.secret = current, .len = sizeof current - 1};
		keys[1] = (struct jwt_key){.secret = previous, .len = sizeof previous - 1};
		jwt_kid(current, sizeof current - 1, keys[0].kid);
		jwt_kid(previous, sizeof previous - 1, keys[1].kid);
	}
	char *copy = malloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = '\0';
	const char *token = auth_bearer(copy);
	if (!token)
		token = copy;
	(void)api_key_valid(token);
	(void)refresh_token_valid(token);
	struct token_claims claims;
	if (auth_token_check(token, keys, 2, 1700000000, &claims) == TOKEN_OK &&
	    (claims.user_id <= 0 || strlen(claims.jti) > JTI_MAX))
		abort();
	free(copy);
	return 0;
}
