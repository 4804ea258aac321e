SELECT '' AS "
", 'u2' AS value