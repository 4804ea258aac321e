SELECT 'u2' AS USER_ID, '
ôõÐ


' AS " kind ", 'u2' AS value