// Every principal whose power $source can obtain (itself excluded).
// twin: queries.paths.reachable_from
// params: source
MATCH (source:Principal {id: $source})
MATCH (source)-[*1..]->(p:Principal)
WHERE p.id <> source.id
RETURN DISTINCT p.id AS principal
ORDER BY principal
