#!/usr/bin/env bash
# One-command set-up for dse on Debian (bookworm) with Node 20:
#   - Debian packages: python3-torch (the torch engine, CPU build), python3-torchvision (the reference
#     the torchvision presets are tested against), dataset-fashion-mnist,
#     chromium (checks the HTML report in tests) and DejaVu fonts (text in PNG figures);
#   - npm packages (npm ci), then the TypeScript build.
# Safe to run again: it installs only what is missing. Set DSE_SKIP_APT=1 to skip the Debian part.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(python3-torch python3-torchvision python3-numpy dataset-fashion-mnist chromium fonts-dejavu-core)
if [ "${DSE_SKIP_APT:-0}" != 1 ] && command -v apt-get >/dev/null; then
  missing=()
  for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "setup: installing Debian packages: ${missing[*]}"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
fi

echo "setup: npm ci"
npm ci --no-audit --no-fund
echo "setup: build"
npm run build --silent
echo "setup: done. Try: npx dse run experiments/tiny.yaml"
