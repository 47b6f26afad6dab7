# Explorer additions for .ci/run, to merge before the pytest line.
# The browser test (tests/explorer/test_browser_explorer.py, marked `browser`)
# drives the distribution's Chromium at /usr/bin/chromium through Playwright's
# Python API; it never downloads a browser (no `playwright install`), and it
# skips with a reason when /usr/bin/chromium is missing.
if [ ! -x /usr/bin/chromium ]; then
    sudo_if_needed=""
    [ "$(id -u)" -eq 0 ] || sudo_if_needed="sudo"
    $sudo_if_needed apt-get update -qq
    $sudo_if_needed apt-get install -y -qq chromium
fi
# Python side: the existing install line already brings streamlit and pyvis
# (extra `explorer`) and playwright (extra `test`):
#   python3 -m pip install --quiet -e '.[test,aws,explorer,neo4j]'
# To run only the browser tests:  python3 -m pytest -q -m browser tests/explorer
