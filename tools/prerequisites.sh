#!/usr/bin/env bash
# What the test suite needs besides Node and the npm packages: the real outside peers and auditors
# it tests the mesh with. `pnpm test` runs this first. As root on Debian or Ubuntu (as CI runs) it
# installs whatever is missing from the distribution's archive; anywhere else it stops before any
# test runs, with one line per missing package and the command that installs it.
#
# Usage: tools/prerequisites.sh [--check]     (--check: never install, only report)
set -euo pipefail
cd "$(dirname "$0")/.."

# Node: `pnpm install` brings the Node of .nvmrc into node_modules/.bin (the node-<platform> packages
# in package.json), and every pnpm script runs with it first on the PATH. Anything older is a Node
# started by hand.
major="$(cat .nvmrc)"
if ! node -e "process.exit(Number(process.versions.node.split('.')[0]) >= $major ? 0 : 1)" 2>/dev/null; then
  echo "Node $(node --version 2>/dev/null || echo '(none)') is too old: Portcullis needs Node $major; run the tests with \"pnpm test\" after \"pnpm install\" (which brings Node $major), or install Node $major (e.g. \"nvm install $major\")." >&2
  exit 1
fi

# Each line: the package (Debian and Ubuntu name it the same), and a shell test that is true when it is there.
requirements=(
  "curl|command -v curl"
  "openssl|command -v openssl"
  "iproute2|command -v ss"
  "testssl.sh|command -v testssl"
  "faketime|ls /usr/lib/*/faketime/libfaketimeMT.so.1"
  "prometheus|command -v prometheus"
  "postgresql|ls /usr/lib/postgresql/*/bin/initdb"
)

missing=()
for requirement in "${requirements[@]}"; do
  package="${requirement%%|*}"
  check="${requirement#*|}"
  eval "$check" >/dev/null 2>&1 || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

debian_like() { [ -r /etc/os-release ] && grep -qiE '^(ID|ID_LIKE)=.*(debian|ubuntu)' /etc/os-release && command -v apt-get >/dev/null; }

if [ "${1:-}" != "--check" ] && [ "$(id -u)" = 0 ] && debian_like; then
  echo "prerequisites: installing ${missing[*]} from the distribution's archive" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  exec "$0" --check
fi

for package in "${missing[@]}"; do
  echo "The tests need the $package package, which is missing: install it with \"sudo apt-get install $package\" (or your system's package manager)." >&2
done
exit 1
