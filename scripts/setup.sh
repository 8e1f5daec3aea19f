#!/usr/bin/env bash
# Installs everything the tests and examples need on a fresh machine: npm packages from the
# lockfile and Debian's chromium for the browser tests (a test tool's own browser download
# cannot work offline).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "chromium is missing: sudo apt-get install chromium (the browser tests need it)" >&2
  fi
fi
