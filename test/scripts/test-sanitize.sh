#!/usr/bin/env bash
# ASan + UBSan build of the addon and the C++ kernel tests; then the node kernel tests load the
# sanitized addon (node itself is not instrumented, so the runtime is preloaded).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
npx cmake-js compile --out build-sanitize --CDPANOPTES_SANITIZE=ON >/dev/null

for t in build-sanitize/*_test build-sanitize/Release/*_test; do
  [ -x "$t" ] && "$t"
done

asan="$(g++ -print-file-name=libasan.so)"
ubsan="$(g++ -print-file-name=libubsan.so)"
# Leak checking is off: node's own allocations at exit are not ours. Any ASan/UBSan report aborts.
LD_PRELOAD="$asan:$ubsan" \
ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1" \
UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
PANOPTES_ADDON="$root/build-sanitize/Release/panoptes.node" \
PANOPTES_SANITIZED=1 \
  node --import tsx --test --test-reporter=dot $(find test/native -name '*.test.ts' ! -name 'opencv.test.ts' | sort)
