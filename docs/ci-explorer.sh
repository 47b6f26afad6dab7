# Explorer additions for .ci/run (to merge before the pytest line).
# The browser test drives the distribution's Chromium through Playwright's
# Python API; it never downloads a browser (no `playwright install`).
if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
    apt-get update -qq && apt-get install -y -qq chromium
fi
# The explorer tests need the `explorer` extra (streamlit, pyvis) and
# playwright from the `test` extra; the existing install line covers both:
#   python3 -m pip install --quiet -e '.[test,aws,explorer,neo4j]'
# Browser tests are marked `browser`; to run only them:
#   python3 -m pytest -q -m browser tests/explorer
