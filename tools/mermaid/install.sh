#!/bin/sh
# Install Mermaid's parser (the npm packages mermaid and jsdom, pinned in package.json)
# into tools/mermaid/node_modules (ignored by git), for tests/test_mermaid*.py. Best
# effort: the tests skip, saying why, where node or npm is missing or this fails.
set -e
cd "$(dirname "$0")"
if [ -f node_modules/.losscli-installed ] && [ node_modules/.losscli-installed -nt package.json ]; then
    exit 0
fi
command -v node >/dev/null 2>&1 || { echo "node is not installed" >&2; exit 1; }
command -v npm >/dev/null 2>&1 || { echo "npm is not installed" >&2; exit 1; }
npm install --no-audit --no-fund --no-package-lock --loglevel=error
touch node_modules/.losscli-installed
