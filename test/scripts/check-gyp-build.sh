#!/usr/bin/env bash
# binding.gyp must keep building the same sources: build it with node-gyp in a scratch copy (node-gyp
# rebuild would wipe the cmake-js output in build/) and run a kernel through it.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$root/binding.gyp" "$root/native" "$work/"
ln -s "$root/node_modules" "$work/node_modules"
# Node's own headers from the installation that runs us: nothing is downloaded.
nodedir="$(dirname "$(dirname "$(command -v node)")")"
(cd "$work" && "$root/node_modules/.bin/node-gyp" rebuild --nodedir="$nodedir" --jobs=2 --loglevel=error >/dev/null)
PANOPTES_ADDON="$work/build/Release/panoptes.node" node --import tsx "$root/test/scripts/smoke-addon.ts"
