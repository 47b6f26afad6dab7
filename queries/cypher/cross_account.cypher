// Trust edges between acting principals of different containers; a caller
// set (principals that may assume any role) counts as an acting source.
// twin: queries.rules.paths.cross_account
// rule: path.cross-account
// params: acting_kinds
MATCH (a:Principal)-[r]->(b:Principal)
WHERE r.cross_boundary = true AND r.mechanism <> 'member_of'
  AND ((a.kind IN $acting_kinds AND a.external = false)
       OR a.attr_caller_set = true)
  AND b.kind IN $acting_kinds AND b.external = false
WITH a, b, r
ORDER BY r.mechanism
RETURN a.id AS source,
       b.id AS target,
       a.container AS source_container,
       b.container AS target_container,
       collect(r.mechanism) AS mechanisms,
       b.is_admin AS target_is_admin
ORDER BY source, target
