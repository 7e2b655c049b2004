#!/bin/sh
# The nginx site in deploy/ is checked with `nginx -t` and the cluster test balances through nginx (Debian's package).
# Outside CI a missing nginx only makes those tests skip; in CI it is installed.
set -eu
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then exit 0; fi
if [ "${CI:-}" = "true" ] || [ "${INSTALL_NGINX:-}" = "1" ]; then
  if [ "$(id -u)" = "0" ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  # Only the binary: the package's own service is not started (policy-rc.d may forbid it anyway).
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nginx >/dev/null
else
  echo "nginx not found: the nginx checks will be skipped (INSTALL_NGINX=1 make test installs it)."
fi
