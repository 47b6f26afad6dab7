// Every outside party that can become something inside, how, under which conditions.
// twin: queries.register.external_trust_register
// params:
MATCH (party:Principal {external: true})-[r]->(target:Principal {external: false})
RETURN party.id AS party,
       party.kind AS party_kind,
       target.id AS target,
       r.mechanism AS mechanism,
       r.conditions AS conditions,
       r.evidence AS evidence
ORDER BY party, target, mechanism
