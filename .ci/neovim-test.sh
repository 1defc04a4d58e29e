#!/usr/bin/env bash
# Runs the nvim-dap configuration of docs/neovim.md with the real nvim-dap against the
# built `rewind dap`, in headless Neovim (Debian's 0.7.2 from apt when `nvim` is
# missing): tests/neovim/nvim_dap_test.lua records fixtures/build/loop through nvim-dap
# and checks every stop of the page's keys and commands.
#
# nvim-dap 0.6.0 (GPL, never copied into this repository) is taken from
# ../shared/vendor/nvim-dap-0.6.0 beside the checkout, or from $REWIND_NVIM_DAP; without
# it the test is skipped (exit 0). The rewind under test is target/debug/rewind (built if
# missing), or $REWIND_BIN: it is put on PATH as `rewind`, which is what the page's
# `command = 'rewind'` runs. REWIND_NEOVIM_DOC runs another copy of the page.
# Exit status: 0 when every check passed (or skipped), else non-zero with the failed
# checks named on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

nvim_dap=${REWIND_NVIM_DAP:-$root/../shared/vendor/nvim-dap-0.6.0}
if [ ! -f "$nvim_dap/lua/dap.lua" ]; then
  echo ".ci/neovim-test.sh: skipped: nvim-dap is not at $nvim_dap (the test loads nvim-dap" \
    "0.6.0 from ../shared/vendor/nvim-dap-0.6.0 beside the checkout, or from \$REWIND_NVIM_DAP)"
  exit 0
fi
nvim_dap=$(cd "$nvim_dap" && pwd)

if ! command -v nvim >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq neovim >/dev/null
fi

rewind=${REWIND_BIN:-$root/target/debug/rewind}
if [ ! -x "$rewind" ]; then
  if [ -n "${REWIND_BIN:-}" ]; then
    echo ".ci/neovim-test.sh: REWIND_BIN=$rewind is not an executable" >&2
    exit 2
  fi
  cargo build -q -p rewind
fi
rewind=$(realpath "$rewind")
bash fixtures/build.sh "$root/fixtures/build/loop"

# Everything the session writes stays here: the recording ($REWIND_DIR), Neovim's and
# nvim-dap's files (dap.log under $XDG_CACHE_HOME/nvim).
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rewind-neovim.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/recordings"
ln -s "$rewind" "$tmp/bin/rewind"

# The script quits Neovim itself (0: all passed, 1: a check failed); the trailing
# `cquit 3` only runs when it could not (a Lua error before its checks began). The
# timeout is a last resort: every wait inside the test has its own, shorter one.
status=0
PATH="$tmp/bin:$PATH" REWIND_DIR="$tmp/recordings" REWIND_NVIM_DAP="$nvim_dap" \
  REWIND_TEST_BIN="$rewind" XDG_CONFIG_HOME="$tmp/config" XDG_DATA_HOME="$tmp/data" \
  XDG_STATE_HOME="$tmp/state" XDG_CACHE_HOME="$tmp/cache" \
  timeout 150 nvim --headless -u NONE -i NONE -n \
  -c 'luafile tests/neovim/nvim_dap_test.lua' -c 'cquit 3' </dev/null || status=$?
if [ "$status" -ne 0 ]; then
  if [ "$status" -eq 124 ]; then
    echo ".ci/neovim-test.sh: headless Neovim did not finish within 150 s" >&2
  fi
  if [ -f "$tmp/cache/nvim/dap.log" ]; then
    echo "--- the end of nvim-dap's log ($tmp/cache/nvim/dap.log):" >&2
    tail -n 80 "$tmp/cache/nvim/dap.log" >&2
  fi
  echo ".ci/neovim-test.sh: the Neovim (nvim-dap) test failed (exit $status)" >&2
  exit "$status"
fi
