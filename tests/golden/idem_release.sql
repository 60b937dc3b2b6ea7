DELETE FROM idempotency_keys WHERE user_id = $1::bigint AND key = $2::text AND attempt = $3::text
