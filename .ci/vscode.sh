#!/usr/bin/env bash
# Builds the VS Code extension, lints and type-checks it, runs its tests (unit tests,
# and the DAP integration test against target/debug/rewind) and packages the .vsix.
# Run from anywhere after `cargo build` / `cargo test --workspace` (which build
# target/debug/rewind); REWIND_BIN overrides the adapter the integration test drives.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

# @vscode/vsce 3 needs Node 20 or later (eslint 9 and mocha 11: 18.18 or later).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo ".ci/vscode.sh: node and npm are needed (Node 20 or later)" >&2
  exit 1
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo ".ci/vscode.sh: Node $(node --version) is too old: @vscode/vsce 3 needs Node 20 or later" >&2
  exit 1
fi

export REWIND_BIN="${REWIND_BIN:-$root/target/debug/rewind}"
if [ ! -x "$REWIND_BIN" ]; then
  echo ".ci/vscode.sh: no rewind binary at $REWIND_BIN: run 'cargo build -p rewind' first" >&2
  exit 1
fi
# The integration test records the loop fixture.
bash fixtures/build.sh "$root/fixtures/build/loop"

cd vscode-extension
# --ignore-scripts: no dependency needs its install script (vsce-sign's only fetches a
# signing tool, which packaging does not use).
npm ci --no-audit --no-fund --ignore-scripts
npm run lint
npm run typecheck
npm test
npm run package
ls -l ./*.vsix
