// Every non-admin principal that can reach an admin, with one shortest route.
// twin: queries.paths.principals_reaching_admin
// params:
// Admins hold -[:HOLDS_ADMIN]-> the one (:AdminPower) node, so one
// shortest-path search per principal finds its nearest admin.
MATCH (power:AdminPower)
MATCH (p:Principal {is_admin: false})
WITH p, shortestPath((p)-[*]->(power)) AS route
WHERE route IS NOT NULL
WITH p, [n IN nodes(route) WHERE n:Principal] AS steps, relationships(route) AS via
RETURN p.id AS source,
       [n IN steps | n.id] AS nodes,
       [r IN via WHERE type(r) <> 'HOLDS_ADMIN' | r.mechanism] AS mechanisms,
       size(steps) - 1 AS hops
ORDER BY source
