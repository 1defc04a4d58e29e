#!/usr/bin/env bash
# The VS Code extension in VS Code's real UI: installs the .vsix that .ci/vscode.sh
# packaged into code-server (VS Code served to a browser), opens a workspace with the
# loop fixture in headless Chromium and debugs it with the mouse: breakpoint, Continue,
# Step Back, Reverse, Reverse Step In, checking the highlighted line, the Variables view,
# the call-stack header and the extension's status-bar item at each stop
# (vscode-extension/test/ui/ui.test.mjs). Screenshots go to target/vscode-ui/.
#
# Installs what it needs: Debian's chromium and ripgrep (apt), code-server and
# puppeteer-core (npm ci in vscode-extension/test/ui, with --ignore-scripts: their
# install scripts download binaries, which cannot be fetched here). In their place it
# links Debian's rg where @vscode/ripgrep expects its binary and builds the two native
# modules code-server cannot start without (argon2, @vscode/spdlog) with node-gyp
# against the installed Node's headers. A second run with the same lockfile reuses the
# install. Prints a reason and exits 0 when the test cannot run on this machine
# (another OS or architecture, no Node 20, no root to install chromium, no Node headers).
# Run after .ci/vscode.sh; REWIND_BIN overrides the adapter (default target/debug/rewind).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
ui=$root/vscode-extension/test/ui

skip() {
  echo ".ci/vscode-ui.sh: SKIPPED, the VS Code UI test cannot run here: $*"
  exit 0
}

[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || skip "rewind needs Linux x86-64"
command -v node >/dev/null && command -v npm >/dev/null || skip "no node/npm"
node_major=$(node -p 'process.versions.node.split(".")[0]')
# code-server 4.100 bundles VS Code 1.100, whose server runs on Node 20 only (its native
# modules are built for the running Node; later code-server releases need Node 22/24).
[ "$node_major" = 20 ] || skip "code-server 4.100 needs Node 20, this is Node $(node --version)"

need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
command -v rg >/dev/null || need_apt+=(ripgrep)
command -v g++ >/dev/null || need_apt+=(g++)
command -v make >/dev/null || need_apt+=(make)
command -v python3 >/dev/null || need_apt+=(python3)
if [ ${#need_apt[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || skip "missing ${need_apt[*]} and not root to apt-get install them"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# node-gyp builds against these headers instead of downloading them.
node_prefix=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
[ -f "$node_prefix/include/node/common.gypi" ] ||
  skip "no Node headers at $node_prefix/include/node (node-gyp would download them)"
export npm_config_nodedir=$node_prefix
export JOBS=${JOBS:-$(nproc)}

export REWIND_BIN="${REWIND_BIN:-$root/target/debug/rewind}"
if [ ! -x "$REWIND_BIN" ]; then
  echo ".ci/vscode-ui.sh: no rewind binary at $REWIND_BIN: run 'cargo build -p rewind' first" >&2
  exit 1
fi
vsix=$(ls -t "$root"/vscode-extension/rewind-*.vsix 2>/dev/null | head -1 || true)
if [ -z "$vsix" ]; then
  echo ".ci/vscode-ui.sh: no vscode-extension/rewind-*.vsix: run .ci/vscode.sh first (it packages it)" >&2
  exit 1
fi
export REWIND_VSIX=$vsix

# The install, once per lockfile (and per version of these steps).
setup_version=1
stamp_want="$setup_version $(sha256sum "$ui/package-lock.json" | cut -d' ' -f1) node-$(node --version)"
stamp=$ui/node_modules/.rewind-ui-installed
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$stamp_want" ]; then
  echo "--- installing code-server and puppeteer-core (vscode-extension/test/ui)"
  started=$SECONDS
  (cd "$ui" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
  cs=$ui/node_modules/code-server
  vs=$cs/lib/vscode
  # What code-server's postinstall.sh does, less the downloads: VS Code's own
  # dependencies (the built-in extensions' shared ones, only TypeScript for the
  # TypeScript extension, are not needed here). `npm install` as postinstall.sh runs
  # it: its npm-shrinkwrap.json is not in sync for `npm ci`; it pins every version.
  (cd "$vs" && npm install --omit=dev --no-audit --no-fund --ignore-scripts --loglevel=error)
  ln -sfn node_modules "$vs/node_modules.asar"
  ln -sf code-linux.sh "$vs/bin/remote-cli/code-server"
  ln -sf browser-linux.sh "$vs/bin/helpers/browser.sh"
  # @vscode/ripgrep's postinstall downloads rg; search in VS Code runs this one.
  mkdir -p "$vs/node_modules/@vscode/ripgrep/bin"
  ln -sf "$(command -v rg)" "$vs/node_modules/@vscode/ripgrep/bin/rg"
  # The native modules that code-server loads at start (argon2: its password check,
  # loaded even with --auth none; spdlog: the server's logs). The others (node-pty for
  # terminals, @parcel/watcher's prebuilt, native-watchdog, kerberos, deviceid) are not
  # used by this test, or are loaded lazily and fall back when missing.
  (cd "$ui" && npm rebuild argon2 --ignore-scripts=false --build-from-source --loglevel=error)
  (cd "$vs" && npm rebuild @vscode/spdlog --ignore-scripts=false --loglevel=error)
  echo "$stamp_want" >"$stamp"
  echo "--- installed in $((SECONDS - started)) s"
fi

export CHROMIUM=${CHROMIUM:-$(command -v chromium)}
mkdir -p "$root/target/vscode-ui"
cd "$ui"
# Each wait in the test is bounded; this bounds the whole run as well.
status=0
timeout --kill-after=10 600 node --test --test-reporter=spec ui.test.mjs || status=$?
if [ "$status" = 124 ] || [ "$status" = 137 ]; then
  echo ".ci/vscode-ui.sh: the UI test did not end within 600 s" >&2
fi
exit "$status"
