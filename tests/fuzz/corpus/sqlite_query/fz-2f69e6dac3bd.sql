SELECT 'userges; s+
' AS USER_ID, 'ser' AS " kind ", 'u1' AS value