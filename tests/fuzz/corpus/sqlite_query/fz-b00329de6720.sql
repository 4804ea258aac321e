SELECT 'u







;ser' AS "
", 'u2' AS value