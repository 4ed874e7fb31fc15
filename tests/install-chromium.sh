#!/usr/bin/env bash
# The web page's tests (tests/web/test_web.py) drive Debian's Chromium through Playwright from
# PyPI; Playwright's own browser downloads are never used. Install it when it is missing
# and this machine can (apt-get, as root or with sudo); otherwise stop, saying what to run.
set -uo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: the web page's tests need Chromium at /usr/bin/chromium, and there is no" \
       "apt-get here to install it; install it, then run make test again" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo"
  else
    echo "error: the web page's tests need Chromium; install it with:" \
         "sudo apt-get install chromium  (then run make test again)" >&2
    exit 1
  fi
fi
echo "installing Debian's chromium for the web page's tests..." >&2
$SUDO apt-get update -qq || true
if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; then
  echo "error: could not install chromium (apt-get install chromium failed)" >&2
  exit 1
fi
