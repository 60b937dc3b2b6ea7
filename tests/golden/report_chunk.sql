SELECT convert_from(data, 'UTF8') FROM report_chunks WHERE report_id = $1::bigint AND seq = $2::int
