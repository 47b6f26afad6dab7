// Every principal whose power $source can obtain (itself excluded).
// twin: queries.paths.reachable_from
// params: source
// One shortest-path search per candidate: a plain variable-length match
// would enumerate every route, which explodes on graphs with cycles.
MATCH (source:Principal {id: $source})
MATCH (p:Principal)
WHERE p.id <> source.id
WITH p, shortestPath((source)-[*]->(p)) AS route
WHERE route IS NOT NULL
RETURN p.id AS principal
ORDER BY principal
