#!/usr/bin/env bash
# Builds a local stand-in for the official node:26-bookworm-slim image, for machines that
# reach Debian's archive and the npm registry but no container registry (our CI):
# Debian bookworm (minbase, from the archive; libatomic1, which Node 26 links against) + the Node of
# .nvmrc and npm (from the npm registry).
# Usage: tools/containers/base-image.sh [tag]     (default tag: portcullis/node:26-local)
set -euo pipefail

tag="${1:-portcullis/node:26-local}"
if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "$tag already exists"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"

echo "debootstrap bookworm into $rootfs (about a minute)"
debootstrap --variant=minbase --include=ca-certificates,libatomic1 bookworm "$rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log"; exit 1; }

echo "adding Node 26 and npm from the npm registry"
npm install --prefix "$work/tools" --no-audit --no-fund --no-save "node@$(cat "$(dirname "$0")/../../.nvmrc")" npm@11 >/dev/null
install -m 0755 "$(readlink -f "$work/tools/node_modules/node/bin/node")" "$rootfs/usr/local/bin/node"
mkdir -p "$rootfs/usr/local/lib/node_modules"
cp -r "$work/tools/node_modules/npm" "$rootfs/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*

echo "importing as $tag"
tar -C "$rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["node"]' - "$tag" >/dev/null
docker run --rm "$tag" node --version
