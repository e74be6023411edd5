#!/usr/bin/env bash
# Real footage and vehicle photos for the quality tests, from Debian's opencv-doc package (OpenCV's
# sample data; Apache-2.0 AND BSD-3-Clause per its copyright file): vtest.avi, 79.5 s of a campus
# street filmed from above with people walking (768x576, 10 fps), and photos with cars and a bus. No
# npm package ships either. Only these files are extracted into build/media/opencv-doc: the package
# is fetched with `apt-get download`, not installed (slim images drop /usr/share/doc on install).
# Idempotent; refreshes the package lists (root or passwordless sudo) only when the download fails.
set -euo pipefail
cd "$(dirname "$0")/../.."

out=build/media/opencv-doc
files=(
  usr/share/doc/opencv-doc/examples/data/vtest.avi
  usr/share/doc/opencv-doc/opencv4/html/pexels_double_decker_bus.jpg
  usr/share/doc/opencv-doc/opencv4/html/bus_det.jpg
  usr/share/doc/opencv-doc/opencv4/html/person_multi_det.jpg
  usr/share/doc/opencv-doc/copyright
)
[ -f "$out/.complete" ] && exit 0

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
download() { (cd "$work" && apt-get download -qq opencv-doc 2>/dev/null); }
if ! download; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  download
fi
deb="$(ls "$work"/opencv-doc_*.deb)"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work" "${files[@]/#/./}"
mkdir -p "$out"
for f in "${files[@]}"; do cp "$work/$f" "$out/"; done
echo "opencv-doc $(dpkg-deb -f "$deb" Version)" >"$out/.complete"
echo "ensure-test-media: $(ls "$out" | tr '\n' ' ')from $(basename "$deb")"
