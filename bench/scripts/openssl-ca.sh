#!/usr/bin/env bash
# The mesh CA's job done with the openssl command line, as a shell script would do it:
# a root (RSA 3072) and an intermediate (RSA 2048), then for each of <count> services
# a fresh RSA 2048 key and an X509-SVID leaf (SPIFFE URI, DNS and IP SANs, serverAuth
# + clientAuth, 24 h) with its chain and the trust bundle, the files `pnpm mesh certs`
# writes. <jobs> leaves are issued at a time (1: a plain loop).
# Usage: openssl-ca.sh <out-dir> <count> [jobs]
set -euo pipefail
out=$1 count=$2 jobs=${3:-1}
domain=bench.local
mkdir -p "$out/ca"
cd "$out"
serial() { printf '0x%08x%08x%08x%08x' "$SRANDOM" "$SRANDOM" "$SRANDOM" "$SRANDOM"; }

openssl req -x509 -newkey rsa:3072 -nodes -keyout ca/root.key -out ca/root.crt -days 3650 -sha256 \
  -subj "/CN=$domain root CA" -set_serial "$(serial)" \
  -addext 'basicConstraints=critical,CA:true,pathlen:1' -addext 'keyUsage=critical,keyCertSign,cRLSign' 2>/dev/null
openssl req -new -newkey rsa:2048 -nodes -keyout ca/intermediate.key -out ca/intermediate.csr \
  -subj "/CN=$domain intermediate CA" 2>/dev/null
printf 'basicConstraints=critical,CA:true,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' >ca/intermediate.ext
openssl x509 -req -in ca/intermediate.csr -CA ca/root.crt -CAkey ca/root.key -set_serial "$(serial)" \
  -days 365 -sha256 -extfile ca/intermediate.ext -out ca/intermediate.crt 2>/dev/null

issue() {
  local n=$1 name dir
  name=$(printf 'svc-%03d' "$n")
  dir=$name
  mkdir -p "$dir"
  openssl req -new -newkey rsa:2048 -nodes -keyout "$dir/tls.key" -out "$dir/tls.csr" -subj "/CN=$name" 2>/dev/null
  printf 'basicConstraints=critical,CA:false\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=URI:spiffe://%s/service/%s,DNS:%s,IP:127.0.%d.%d\n' \
    "$domain" "$name" "$name" $((n / 250 + 1)) $((n % 250 + 1)) >"$dir/tls.ext"
  openssl x509 -req -in "$dir/tls.csr" -CA ca/intermediate.crt -CAkey ca/intermediate.key -set_serial "$(serial)" \
    -days 1 -sha256 -extfile "$dir/tls.ext" -out "$dir/leaf.crt" 2>/dev/null
  cat "$dir/leaf.crt" ca/intermediate.crt >"$dir/tls.crt"
  cp ca/root.crt "$dir/ca.crt"
  rm "$dir/tls.csr" "$dir/tls.ext" "$dir/leaf.crt"
}
export -f issue serial
export domain
seq 1 "$count" | xargs -P "$jobs" -I{} bash -c 'issue {}'
