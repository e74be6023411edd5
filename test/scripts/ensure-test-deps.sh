#!/usr/bin/env bash
# Installs the Debian packages the test suite and benches drive (real ffmpeg, OpenCV for the oracle
# comparisons, the build tools) when they are missing. Idempotent; needs root or passwordless sudo.
set -euo pipefail

packages=()
need() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed" || packages+=("$1"); }

need ffmpeg
need python3-opencv
need python3-numpy
need cmake
need g++
need make

if [ ${#packages[@]} -gt 0 ]; then
  echo "ensure-test-deps: installing ${packages[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi
