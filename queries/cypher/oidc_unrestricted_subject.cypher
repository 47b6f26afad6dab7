// Web-identity trusts that do not pin the token subject at all.
// twin: queries.rules.trust.oidc_unrestricted
// rule: trust.oidc-unrestricted-subject
// params:
MATCH (a:Principal)-[r:ASSUME_ROLE_WEB_IDENTITY]->(b:Principal)
WHERE a.attr_subject_scope = 'any'
RETURN a.id AS source, a.attr_issuer AS issuer, b.id AS target
ORDER BY source, target
