// Web-identity trusts pinned to one owner but wildcarded within it.
// twin: queries.rules.trust.oidc_broad
// rule: trust.oidc-broad-subject
// params:
MATCH (a:Principal)-[r:ASSUME_ROLE_WEB_IDENTITY]->(b:Principal)
WHERE a.attr_subject_scope = 'broad'
RETURN a.id AS source,
       a.attr_issuer AS issuer,
       a.attr_pattern AS pattern,
       b.id AS target
ORDER BY source, target
