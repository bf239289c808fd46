#!/usr/bin/env bash
# Builds the mesh's images with BuildKit: portcullis/mesh (the certificate job) and one per service.
# Usage: tools/containers/build-images.sh [base-image]    (default: node:26-bookworm-slim)
# An extra CA bundle for an inspecting proxy is passed as a build secret when PORTCULLIS_BUILD_CA
# names a file (default: the system bundle, when it exists).
set -euo pipefail
cd "$(dirname "$0")/../.."

base="${1:-node:26-bookworm-slim}"
ca="${PORTCULLIS_BUILD_CA:-/etc/ssl/certs/ca-certificates.crt}"
secret=()
[ -s "$ca" ] && secret=(--secret "id=ca,src=$ca")

# BuildKit is needed for the secret mount. A docker CLI without buildx refuses DOCKER_BUILDKIT=1,
# so prefer one that builds with it (Debian's docker.io ships such a client).
docker_cli="${PORTCULLIS_DOCKER_CLI:-docker}"
if ! DOCKER_BUILDKIT=1 "$docker_cli" build --help >/dev/null 2>&1 || ! "$docker_cli" buildx version >/dev/null 2>&1; then
  for candidate in /usr/bin/docker docker; do
    if DOCKER_BUILDKIT=1 "$candidate" build --help 2>&1 | grep -q -- '--secret'; then docker_cli="$candidate"; break; fi
  done
fi

for package in mesh $(ls services); do
  echo "building portcullis/$package"
  DOCKER_BUILDKIT=1 "$docker_cli" build --quiet "${secret[@]}" \
    --build-arg "NODE_IMAGE=$base" --build-arg "SERVICE=$package" -t "portcullis/$package" . >/dev/null
done
