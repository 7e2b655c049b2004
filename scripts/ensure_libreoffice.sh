#!/bin/sh
# core/tests/test_xlsx_text_columns.py converts a CSV with LibreOffice, as a school admin does, and checks the
# roster import refuses the number cells it makes (issue 18 bug 1). Debian's libreoffice-calc, without the
# recommended extras. Outside CI a missing LibreOffice only makes that one test skip; in CI it is installed.
set -eu
if command -v libreoffice >/dev/null 2>&1 || command -v soffice >/dev/null 2>&1; then exit 0; fi
if [ "${CI:-}" = "true" ] || [ "${INSTALL_LIBREOFFICE:-}" = "1" ]; then
  if [ "$(id -u)" = "0" ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends libreoffice-calc >/dev/null
else
  echo "libreoffice not found: the CSV conversion test will be skipped (INSTALL_LIBREOFFICE=1 make test installs it)."
fi
