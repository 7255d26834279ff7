#!/usr/bin/env bash
# The test suite on the oldest and newest supported Python found on this machine, each in its
# own venv under .venv-matrix/, and once more on the oldest with every runtime dependency at
# its lowest supported version (the '>=' floors of pyproject.toml, as a constraints file).
# Usage: tools/test_matrix.sh [OLDEST_PYTHON NEWEST_PYTHON]   (default: found by find_python)
set -euo pipefail
cd "$(dirname "$0")/.."

OLDEST_VERSION=3.10
NEWEST_VERSION=3.13
MATRIX=.venv-matrix

find_python() {  # an interpreter of version $1: on PATH, else under pyenv
    local version=$1 candidate
    for candidate in "python$version" "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$version".*/bin/python; do
        # pyenv's shims exist on PATH for versions not selected: ask each one to run
        if "$candidate" -c 'import sys' >/dev/null 2>&1; then
            command -v "$candidate"
            return
        fi
    done
    echo "test-matrix: no Python $version found (on PATH as python$version, or under pyenv)" >&2
    return 1
}

run_suite() {  # run_suite NAME PYTHON [CONSTRAINTS]
    local name=$1 python=$2 constraints=${3:-} venv="$MATRIX/$1"
    echo "== $name: $("$python" --version 2>&1)${constraints:+, lowest dependencies}"
    [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    if [ -n "$constraints" ]; then
        "$venv/bin/python" -m pip install --quiet -c "$constraints" -e '.[test]'
    else
        "$venv/bin/python" -m pip install --quiet --upgrade --upgrade-strategy eager -e '.[test]'
    fi
    "$venv/bin/python" -m pip list 2>/dev/null \
        | grep -iE '^(click|numpy|pandas|pyarrow|rich|scipy|tomli) ' | tr -s ' ' | paste -sd, -
    if "$venv/bin/python" -m pytest -q -p no:cacheprovider; then
        passed+=("$name")
    else
        failed+=("$name")
    fi
}

oldest=${1:-$(find_python "$OLDEST_VERSION")}
newest=${2:-$(find_python "$NEWEST_VERSION")}
mkdir -p "$MATRIX"
passed=() failed=()

run_suite "py$OLDEST_VERSION" "$oldest"
# with that venv's Python: it has tomli, which lowest_pins needs before Python 3.11
"$MATRIX/py$OLDEST_VERSION/bin/python" tools/lowest_pins.py > "$MATRIX/lowest-constraints.txt"
run_suite "py$NEWEST_VERSION" "$newest"
run_suite "py$OLDEST_VERSION-lowest" "$oldest" "$MATRIX/lowest-constraints.txt"
echo "== test-matrix: passed: ${passed[*]:-none}; failed: ${failed[*]:-none}"
[ ${#failed[@]} -eq 0 ]
