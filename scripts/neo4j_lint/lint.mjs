// Check Cypher statements with Neo4j's own parser and semantic analysis.
//
// Reads a JSON list of {"name", "text", "params"} on stdin; prints a JSON
// list of {"name", "severity", "message"}, one per diagnostic (severity 1
// is an error, 2 a warning). Declared params are given to the analysis so
// that only undeclared $names are reported. Function and procedure names
// are checked against the Neo4j registry listing that ships with the package.
import { lintCypherQuery, testData } from '@neo4j-cypher/language-support';

const { functions, procedures } = testData.mockSchema;

let input = '';
for await (const chunk of process.stdin) input += chunk;

const found = [];
for (const statement of JSON.parse(input)) {
  const parameters = Object.fromEntries(
    (statement.params || []).map((name) => [name, null]),
  );
  const schema = { functions, procedures, parameters };
  const result = lintCypherQuery(statement.text, schema);
  for (const d of result.diagnostics) {
    found.push({ name: statement.name, severity: d.severity, message: d.message });
  }
}
process.stdout.write(JSON.stringify(found, null, 1));
