#!/usr/bin/env bash
# Installs the Debian packages the build and the embedded database need, only when missing.
# fonts-noto-cjk: Chinese store names in the headless-Chromium report screenshots render as text, not boxes
# (the report's CSS asks for "Noto Sans CJK SC"; Debian bookworm packages it, as it does fonts-wqy-zenhei).
set -euo pipefail
needed=(pkg-config libpq-dev libzstd-dev postgresql chromium fonts-noto-cjk)
missing=()
for package in "${needed[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null; then
    echo "deps: missing packages: ${missing[*]}; install them with apt-get (needs root)" >&2
    exit 1
  fi
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  echo "deps: installing ${missing[*]}" >&2
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
for library in libpq libzstd; do
  if ! pkg-config --exists "$library"; then
    echo "deps: pkg-config cannot find '$library' even after installing packages; check PKG_CONFIG_PATH" >&2
    exit 1
  fi
done
