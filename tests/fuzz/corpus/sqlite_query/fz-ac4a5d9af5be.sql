SELECT 'u2' AS USER_ID, '/



ýõr' " kind ", 'u2' AS value