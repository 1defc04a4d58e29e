#!/usr/bin/env bash
# Checks the nvim-dap configuration of docs/neovim.md: headless Neovim (0.7 or later,
# Debian's from apt when `nvim` is missing) runs the documentation's Lua against a
# stand-in for nvim-dap's API (tests/neovim/check_config.lua). No rewind build needed.
# REWIND_NEOVIM_DOC checks another copy of the page.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v nvim >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq neovim >/dev/null
fi

# The script quits Neovim itself (0: all passed, 1: a check failed); the trailing
# `cquit 3` only runs when it could not (a Lua error before its checks began).
status=0
timeout 60 nvim --headless -u NONE -i NONE -n \
  -c 'luafile tests/neovim/check_config.lua' -c 'cquit 3' </dev/null || status=$?
if [ "$status" -ne 0 ]; then
  echo ".ci/neovim-test.sh: the Neovim configuration check failed (exit $status)" >&2
  exit "$status"
fi
