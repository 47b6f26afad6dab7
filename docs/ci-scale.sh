# Lines for .ci/run, after the project's `pip install -e '.[test,aws,explorer,neo4j]'`
# and before pytest. Both steps are idempotent; with CI=true the tests that
# need them fail (rather than skip) when they are missing.

# A real FalkorDB for the Cypher pack: falkordblite embeds the server and
# has wheels for Python 3.12 only, so it lives in its own venv
# (~/.cache/crosstrust/falkor-py312; override with CROSSTRUST_FALKOR_VENV).
# tests/queries/test_cypher.py shells out to that venv's python.
bash scripts/falkor_env.sh >/dev/null

# Neo4j's own Cypher parser and semantic analysis (npm package
# @neo4j-cypher/language-support), run by tests/queries/test_cypher_neo4j_lint.py
# over the query pack and every push statement.
npm ci --prefix scripts/neo4j_lint --no-audit --no-fund --silent

# A real Neo4j is used only when CROSSTRUST_NEO4J_URI is set
# (tests/graph/store/test_neo4j_live.py); nothing to start here.
