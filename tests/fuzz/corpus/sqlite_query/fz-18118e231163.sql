SELECT '
' AS USER_ID, 'AS " _S •» inåd"Ý#ßØŠÎ' A‘ue