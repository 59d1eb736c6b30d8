#!/bin/sh
# Install JupyterHub's proxy, configurable-http-proxy, from npm into the
# repository's .cache/node (for tests/test_jupyterhub.py) when it is missing.
# Non-interactive; installs Debian's nodejs and npm first when npm is missing
# (needs root, as in CI). The version is pinned: the one the test ran with.
set -e
VERSION=5.3.0
here="$(cd "$(dirname "$0")/.." && pwd)"
prefix="$here/.cache/node"
if [ -x "$prefix/node_modules/.bin/configurable-http-proxy" ]; then
    echo "configurable-http-proxy: $prefix present"
    exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" != "0" ]; then
        SUDO="sudo"
    fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q --no-install-recommends nodejs npm
fi
mkdir -p "$prefix"
npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "configurable-http-proxy@$VERSION"
echo "configurable-http-proxy: installed $("$prefix/node_modules/.bin/configurable-http-proxy" --version)"
