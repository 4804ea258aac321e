SELECT 'u2SELCFROsM edges; s+
' AS USER_ID, 'AŠÎ' AS vaÜue