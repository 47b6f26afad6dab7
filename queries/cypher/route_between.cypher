// One shortest route from $source to $target, if there is any.
// twin: queries.paths.routes_between
// params: source, target
MATCH (source:Principal {id: $source})
MATCH (target:Principal {id: $target})
WHERE source.id <> target.id
WITH source, target, shortestPath((source)-[*]->(target)) AS route
WHERE route IS NOT NULL
RETURN source.id AS source,
       [n IN nodes(route) | n.id] AS nodes,
       [r IN relationships(route) | r.mechanism] AS mechanisms,
       length(route) AS hops
