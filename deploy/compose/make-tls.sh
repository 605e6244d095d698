#!/usr/bin/env bash
# Makes a self-signed server certificate for id.localhost and a client-certificate CA
# for trying certificate sign-in through nginx. Not for production.
set -euo pipefail
cd "$(dirname "$0")/tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -subj "/CN=id.localhost" -addext "subjectAltName=DNS:id.localhost" -keyout server.key -out server.crt
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -subj "/CN=Vhod example client CA" -keyout client-ca.key -out client-ca.crt
echo "made $(pwd)/server.crt and client-ca.crt"
