// Every principal that can obtain the power of $target (itself excluded).
// twin: queries.paths.who_can_reach
// params: target
// One shortest-path search per candidate: a plain variable-length match
// would enumerate every route, which explodes on graphs with cycles.
MATCH (target:Principal {id: $target})
MATCH (p:Principal)
WHERE p.id <> target.id
WITH p, shortestPath((p)-[*]->(target)) AS route
WHERE route IS NOT NULL
RETURN p.id AS principal
ORDER BY principal
