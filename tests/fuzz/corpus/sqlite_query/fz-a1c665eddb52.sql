SELECT 'u2' AS USER_ID, '/















E FROM ed


;ser' AS " kind ", 'u2' AS value