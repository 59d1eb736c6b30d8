#!/bin/sh
# Install Debian's Chromium for the browser tests (tests/test_workbooks.py,
# benchmarks/bench_workbooks.py) when /usr/bin/chromium is missing.
# Non-interactive; needs root (as in CI). Playwright's own browser download is
# not used: it needs network access that hospital and CI machines may not have.
set -e
if [ -x /usr/bin/chromium ]; then
    echo "chromium: /usr/bin/chromium present"
    exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core
echo "chromium: installed $(/usr/bin/chromium --version 2>/dev/null || true)"
