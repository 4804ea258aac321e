SELECT * FROM edges; -- trailing comment
 ;  