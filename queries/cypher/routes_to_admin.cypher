// Every non-admin principal that can reach an admin, with one shortest route.
// twin: queries.paths.principals_reaching_admin
// params:
MATCH (admin:Principal {is_admin: true})
MATCH (p:Principal {is_admin: false})
WITH p, admin, shortestPath((p)-[*]->(admin)) AS route
WHERE route IS NOT NULL
WITH p, admin, route
ORDER BY length(route), admin.id
WITH p, collect(route)[0] AS route
RETURN p.id AS source,
       [n IN nodes(route) | n.id] AS nodes,
       [r IN relationships(route) | r.mechanism] AS mechanisms,
       length(route) AS hops
ORDER BY source
