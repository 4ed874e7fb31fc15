#!/usr/bin/env bash
# The web page's tests (tests/test_web.py) drive Debian's Chromium through Playwright from
# PyPI; Playwright's own browser downloads are never used. Install it when it is missing
# and this machine can (apt-get, as root or with sudo); otherwise say what to run.
set -uo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "warning: /usr/bin/chromium is missing and there is no apt-get here; install Chromium" \
       "at /usr/bin/chromium for tests/test_web.py" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo"
  else
    echo "warning: /usr/bin/chromium is missing; install it with: sudo apt-get install chromium" >&2
    exit 0
  fi
fi
echo "installing Debian's chromium for the web page's tests..." >&2
$SUDO apt-get update -qq || true
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
  || echo "warning: could not install chromium; tests/test_web.py will fail" >&2
