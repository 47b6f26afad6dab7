// Roles that trust a principal of an outside account with no sts:ExternalId pinned.
// twin: queries.rules.trust.external_without_external_id
// rule: trust.external-no-external-id
// params: assume_mechanisms
MATCH (a:Principal)-[r]->(b:Principal)
WHERE r.mechanism IN $assume_mechanisms
  AND a.kind IN ['account_root', 'role', 'user'] AND a.external = true
  AND NOT 'sts:externalid' IN r.depends_keys
RETURN a.id AS source,
       a.container AS source_account,
       b.id AS target,
       b.is_admin AS target_is_admin
ORDER BY source, target
