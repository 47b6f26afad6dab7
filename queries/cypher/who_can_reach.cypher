// Every principal that can obtain the power of $target (itself excluded).
// twin: queries.paths.who_can_reach
// params: target
MATCH (target:Principal {id: $target})
MATCH (p:Principal)-[*1..]->(target)
WHERE p.id <> target.id
RETURN DISTINCT p.id AS principal
ORDER BY principal
