#!/bin/sh
# The agreement PDF embeds subsets of TrueType CJK fonts from Debian's packages (documents/fonts.py):
# AR PL UMing (宋体/明体, the body) and WenQuanYi Micro Hei (黑体, headings).
set -eu
if [ -n "${DOCUMENT_FONT_FILE:-}" ]; then exit 0; fi
if [ -f /usr/share/fonts/truetype/arphic/uming.ttc ] && [ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ]; then SUDO=""; else SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq fonts-arphic-uming fonts-wqy-microhei >/dev/null
