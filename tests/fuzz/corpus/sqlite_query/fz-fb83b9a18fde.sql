SELECT 'u2' AS USER_ID, '/


























;ser' AS " kind ", 'u2'  value