#!/usr/bin/env bash
# The whole test suite, as `npm test` runs it (and .ci/run on a clean clone):
# Debian dependencies, native build (cmake-js), typecheck, lint and format, C++ kernel tests, the node test suite, the
# node-gyp build, the sanitizer build running the kernel tests, and the bench harness in --quick mode.
set -euo pipefail
cd "$(dirname "$0")/../.."

step() { printf '\n==> %s\n' "$*"; }

step "test dependencies (Debian packages)"
bash test/scripts/ensure-test-deps.sh

step "native addon (cmake-js)"
[ -f build/Release/panoptes.node ] || npm run --silent build:native
npm run --silent build:native >/dev/null

step "typecheck"
npx tsc -p tsconfig.json --noEmit

step "lint and format (Biome for TypeScript, clang-format for native/)"
npx biome ci --reporter=summary .
find native -name '*.cc' -o -name '*.h' | sort | xargs clang-format --dry-run --Werror

step "C++ kernel tests (every SIMD level against scalar)"
for t in build/*_test build/Release/*_test; do
  [ -x "$t" ] && "$t"
done

step "node test suite"
summary="$(mktemp)"
node --import tsx --test --test-reporter=spec $(find test -name '*.test.ts' | sort) | tee "$summary"

step "node-gyp build of the same sources"
bash test/scripts/check-gyp-build.sh

step "sanitizer build (ASan + UBSan) running the kernel tests"
bash test/scripts/test-sanitize.sh

step "bench harness (--quick: checks the harness, not speed)"
npm run --silent bench -- --quick

pass="$(sed -n 's/^ℹ pass //p' "$summary")"
fail="$(sed -n 's/^ℹ fail //p' "$summary")"
rm -f "$summary"
printf '\nsuite: %s passed, %s failed\n' "$pass" "$fail"
