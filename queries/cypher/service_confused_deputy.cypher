// Roles that trust a service principal with no source account or ARN restriction.
// twin: queries.rules.trust.confused_deputy
// rule: trust.service-confused-deputy
// params: assume_mechanisms, passrole_services, source_keys
MATCH (a:Principal {kind: 'service'})-[r]->(b:Principal)
WHERE r.mechanism IN $assume_mechanisms
  AND NOT a.id IN $passrole_services
  AND coalesce(b.attr_service_linked, false) = false
  AND none(k IN r.depends_keys WHERE k IN $source_keys)
RETURN a.id AS source, b.id AS target, b.is_admin AS target_is_admin
ORDER BY source, target
