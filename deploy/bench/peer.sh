#!/usr/bin/env bash
# Side by side: Vhod and panva's oidc-provider (a certified OpenID Provider, from
# npm, in-memory, one client with client_credentials and ES256 JWT access tokens),
# the same vhod bench scenarios, the same pinning, one after the other.
# Prints a Markdown table.   deploy/bench/peer.sh
source "$(dirname "$0")/common.sh"
peer_version=${PEER_VERSION:-9.13.3}
build_vhod
(cd "$work" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error "oidc-provider@$peer_version" >/dev/null)
cp "$(dirname "$0")/peer-provider.mjs" "$work/"

scenarios=(discovery jwks client-credentials introspect)
declare -A vhod peer
start_vhod 18080 19090
for s in "${scenarios[@]}"; do vhod[$s]=$(bench http://127.0.0.1:18080 "$s" | field '["per_second"], r["p99_ms"], sum(r["errors"].values())'); done
kill "$vhod_pid"; wait "$vhod_pid" 2>/dev/null || true

(cd "$work" && PORT=13000 exec taskset -c "$SERVER_CPU" node peer-provider.mjs >"$work/peer.log" 2>&1) &
pids+=($!)
wait_ready http://127.0.0.1:13000/.well-known/openid-configuration
for s in "${scenarios[@]}"; do peer[$s]=$(bench http://127.0.0.1:13000 "$s" | field '["per_second"], r["p99_ms"], sum(r["errors"].values())'); done

echo "$(machine); oidc-provider $peer_version on Node.js $(node --version)"
echo
echo "| scenario | Vhod ops/s (p99 ms) | oidc-provider ops/s (p99 ms) | Vhod / oidc-provider |"
echo "| --- | ---: | ---: | ---: |"
for s in "${scenarios[@]}"; do
  python3 - "$s" "${vhod[$s]}" "${peer[$s]}" <<'PY'
import sys
s, v, p = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
def cell(x):
    rate, p99, errs = float(x[0]), float(x[1]), int(float(x[2]))
    if rate == 0:
        return "no successful operation (%d errors)" % errs
    return "%.0f (%.1f)" % (rate, p99) + (" with %d errors" % errs if errs else "")
ratio = "%.1f×" % (float(v[0]) / float(p[0])) if float(p[0]) > 0 else "–"
print("| %s | %s | %s | %s |" % (s, cell(v), cell(p), ratio))
PY
done
