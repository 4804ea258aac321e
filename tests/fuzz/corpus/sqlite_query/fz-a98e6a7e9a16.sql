SELECT 'u2' AS USER_ID, '

r
/
e
' AS " kind ", 'u2' AS value