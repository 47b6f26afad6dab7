// Roles that anyone (*) can assume, with no condition narrowing who.
// twin: queries.rules.trust.broad_principal
// rule: trust.broad-principal
// params: assume_mechanisms, narrowing_keys
MATCH (a:Principal {kind: 'public'})-[r]->(b:Principal)
WHERE r.mechanism IN $assume_mechanisms
  AND none(k IN r.depends_keys WHERE k IN $narrowing_keys)
RETURN a.id AS source, b.id AS target, b.is_admin AS target_is_admin
ORDER BY source, target
