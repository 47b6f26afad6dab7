#!/usr/bin/env bash
# Create (once) the Python 3.12 venv in which the FalkorDB checks run.
#
# falkordblite embeds a real FalkorDB server and ships wheels for 3.12 only,
# so the venv is separate from the project's 3.11 environment. Idempotent:
# a venv that already imports its packages is left as it is. Prints the
# venv's python on stdout.
#
#   CROSSTRUST_FALKOR_VENV   where the venv lives
#                            (default: ~/.cache/crosstrust/falkor-py312)
#   CROSSTRUST_PYTHON312     a python3.12 to build it with (default: search)
set -euo pipefail

venv="${CROSSTRUST_FALKOR_VENV:-$HOME/.cache/crosstrust/falkor-py312}"
packages=("falkordblite>=0.11,<0.12" "falkordb>=1.2,<2" "networkx>=3.2,<4")

if "$venv/bin/python" -c "import redislite.falkordb_client, networkx" 2>/dev/null; then
    echo "$venv/bin/python"
    exit 0
fi

find_python312() {
    local candidate
    for candidate in \
        "${CROSSTRUST_PYTHON312:-}" \
        "$(command -v python3.12 2>/dev/null || true)" \
        "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12*/bin/python3.12 \
        /root/.pyenv/versions/3.12*/bin/python3.12 \
        /usr/local/bin/python3.12 \
        /usr/bin/python3.12; do
        if [[ -n "$candidate" && -x "$candidate" ]] &&
            "$candidate" -c 'import sys, venv; assert sys.version_info[:2] == (3, 12)' \
                2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

if ! python312="$(find_python312)"; then
    echo "falkor_env: no Python 3.12 found (set CROSSTRUST_PYTHON312)" >&2
    exit 1
fi

echo "falkor_env: building $venv with $python312" >&2
rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
"$python312" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${packages[@]}" >&2
"$venv/bin/python" -c "import redislite.falkordb_client, networkx"
echo "$venv/bin/python"
