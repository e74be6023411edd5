#!/usr/bin/env bash
# Installs the Debian packages the test suite and benches drive (real ffmpeg, OpenCV for the oracle
# comparisons, GStreamer's RTSP server as the cameras, the build tools) when they are missing.
# Idempotent; needs root or passwordless sudo.
set -euo pipefail

packages=()
need() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed" || packages+=("$1"); }

need ffmpeg
need python3-opencv
need python3-numpy
need cmake
need g++
need make
# test/support/rtsp_server.py: gst-rtsp-server through python3-gi, H.264 from x264enc (plugins-ugly),
# with openh264enc (plugins-bad) and avenc_h264_omx (libav) as fallbacks; setpriv is in util-linux.
need python3-gi
need gir1.2-gst-rtsp-server-1.0
need gstreamer1.0-plugins-base
need gstreamer1.0-plugins-good
need gstreamer1.0-plugins-bad
need gstreamer1.0-plugins-ugly
need gstreamer1.0-libav
need util-linux
# rtsps:// tests: openssl makes the throwaway certificate; GStreamer's TLS comes from GIO's GnuTLS backend.
need openssl
need glib-networking
# test/support/mosquitto.ts: a real MQTT broker for the MQTT output tests (restarted mid-stream).
need mosquitto
# test/outputs/metrics.test.ts: `promtool check metrics` lints the /metrics exposition (promtool ships
# only in Debian's prometheus package).
need prometheus
# test/support/nginx-dav.ts: a real HTTP PUT (WebDAV) endpoint for the upload tests (storage.upload, type http).
need nginx
# Browser tests of the web pages: Debian's Chromium (H.264 in Media Source Extensions), driven by puppeteer-core.
need chromium
# The lint and format gate checks native/ with clang-format (.clang-format).
need clang-format

if [ ${#packages[@]} -gt 0 ]; then
  echo "ensure-test-deps: installing ${packages[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

# Real footage and vehicle photos for the quality tests (opencv-doc's sample data, extracted, not installed).
bash "$(dirname "$0")/ensure-test-media.sh"
