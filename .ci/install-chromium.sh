#!/usr/bin/env bash
# Installs Debian's chromium, which the browser tests (web/test/pages.test.ts) drive headless through
# playwright-core: its SwiftShader gives pages a WebGPU adapter without a GPU. Idempotent.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo installed)"; exit 0; fi
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
echo "chromium: installed $(/usr/bin/chromium --version)"
