#!/bin/sh
# The agreement PDF needs a TrueType CJK font (reportlab embeds a subset of it).
set -eu
FONT_PACKAGE=fonts-wqy-microhei
FONT_FILE=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc
if [ -n "${DOCUMENT_FONT_FILE:-}" ] || [ -f "$FONT_FILE" ]; then exit 0; fi
if [ "$(id -u)" = "0" ]; then SUDO=""; else SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$FONT_PACKAGE" >/dev/null
