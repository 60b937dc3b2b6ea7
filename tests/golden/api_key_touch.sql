UPDATE api_keys SET last_used_at = now() WHERE prefix = $1::text AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
