#!/bin/sh
# Browser tests drive Debian's chromium through Playwright (Playwright's own download cannot work here).
# Outside CI a missing chromium only makes the browser tests skip; in CI it is installed.
set -eu
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "${CI:-}" = "true" ] || [ "${INSTALL_CHROMIUM:-}" = "1" ]; then
  if [ "$(id -u)" = "0" ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
else
  echo "chromium not found: browser tests will be skipped (INSTALL_CHROMIUM=1 make test installs it)."
fi
