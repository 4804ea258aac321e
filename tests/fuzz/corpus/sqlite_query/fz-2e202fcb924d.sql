SELECT 'u2' AS USER_ID, 

'/


r
' AS " kind ", 'u2' AS value