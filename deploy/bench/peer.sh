#!/usr/bin/env bash
# Side by side, one run: Vhod, the zitadel/oidc example server and panva's
# oidc-provider, the same vhod bench scenarios, the same pinning (server on
# SERVER_CPU, load on LOAD_CPU), one server after the other. Prints a Markdown table.
#   deploy/bench/peer.sh                     (PEERS="zitadel node" by default)
#
# - Vhod: embedded store, ES256 JWT access tokens (common.sh).
# - The zitadel/oidc example (github.com/zitadel/oidc/v3/example/server): the Go
#   library Vhod is built on, in memory, opaque access tokens; built unpatched from
#   the module cache at the zitadel/oidc version of Vhod's go.mod (a throwaway module
#   that requires it; the Go module proxy fills the cache when it lacks it). Its
#   client for client_credentials is its own service user "sid1"/"verysecret". It
#   logs every request (its own choice, at debug level); the log goes to a file.
# - oidc-provider (npm, a certified OpenID Provider), in memory, one client with
#   client_credentials and ES256 JWT access tokens (peer-provider.mjs).
# client-credentials runs at 16 and at 64 connections (CC_CONCURRENCY).
source "$(dirname "$0")/common.sh"
peer_version=${PEER_VERSION:-9.13.3}
read -r -a peers <<<"${PEERS:-zitadel node}"
read -r -a cc_levels <<<"${CC_CONCURRENCY:-16 64}"
build_vhod

zitadel_version=$(cd "$repo" && go list -m -f '{{.Version}}' github.com/zitadel/oidc/v3)
build_zitadel() {
  mkdir -p "$work/zitadel"
  (cd "$work/zitadel" &&
    printf 'module peerbuild\n\ngo 1.24\n\nrequire github.com/zitadel/oidc/v3 %s\n' "$zitadel_version" >go.mod &&
    GOFLAGS=-mod=mod go build -o "$work/zitadel-example" github.com/zitadel/oidc/v3/example/server)
}
build_node() {
  (cd "$work" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error "oidc-provider@$peer_version" >/dev/null)
  cp "$(dirname "$0")/peer-provider.mjs" "$work/"
}

# Rows: name, then the vhod bench scenario and its connections.
rows=(discovery jwks)
for c in "${cc_levels[@]}"; do rows+=("client-credentials@$c"); done
rows+=(introspect)
declare -A result

# measure SERVER ISSUER [bench flags]: every row against one server (but those
# named in SKIP: a scenario the server does not offer as the bench asks for it).
measure() {
  local server=$1 issuer=$2; shift 2
  for row in "${rows[@]}"; do
    local s=${row%@*} c=$CONCURRENCY
    [[ $row == *@* ]] && c=${row#*@}
    if [[ " ${SKIP:-} " == *" $s "* ]]; then result[$server/$row]="-"; continue; fi
    result[$server/$row]=$(CONCURRENCY=$c bench "$issuer" "$s" "$@" |
      field '["per_second"], r["p99_ms"], sum(r["errors"].values())')
  done
}
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

start_vhod 18080 19090
measure vhod http://127.0.0.1:18080
stop "$vhod_pid"
header="| scenario | Vhod ops/s (p99 ms)"
servers=(vhod)
about=""

for peer in "${peers[@]}"; do
  case $peer in
  zitadel)
    build_zitadel
    (cd "$work" && PORT=13001 exec taskset -c "$SERVER_CPU" "$work/zitadel-example" >"$work/zitadel.log" 2>&1) &
    pid=$!; pids+=("$pid")
    wait_ready http://localhost:13001/.well-known/openid-configuration
    # Its introspection takes only a resource server's JWT assertion, which the
    # bench does not make: that row is left out.
    SKIP=introspect measure zitadel http://localhost:13001/ --client sid1 --secret verysecret
    stop "$pid"
    header+=" | zitadel/oidc example ops/s (p99 ms)"
    about+="; zitadel/oidc $zitadel_version example/server (in memory, opaque tokens)"
    ;;
  node)
    build_node
    (cd "$work" && PORT=13000 exec taskset -c "$SERVER_CPU" node peer-provider.mjs >"$work/peer.log" 2>&1) &
    pid=$!; pids+=("$pid")
    wait_ready http://127.0.0.1:13000/.well-known/openid-configuration
    measure node http://127.0.0.1:13000
    stop "$pid"
    header+=" | oidc-provider ops/s (p99 ms)"
    about+="; oidc-provider $peer_version on Node.js $(node --version)"
    ;;
  *) echo "unknown peer $peer (zitadel, node)" >&2; exit 2 ;;
  esac
  servers+=("$peer")
done

echo "$(machine | sed "s/, $CONCURRENCY concurrent/, $CONCURRENCY concurrent (client-credentials: ${cc_levels[*]})/")$about"
echo
sep="| --- | ---:"
for s in "${servers[@]:1}"; do header+=" | Vhod / $s"; sep+=" | ---: | ---:"; done
echo "$header |"
echo "$sep |"
for row in "${rows[@]}"; do
  cells=()
  for s in "${servers[@]}"; do cells+=("${result[$s/$row]}"); done
  python3 - "$row" "${cells[@]}" <<'PY'
import sys
row, cells = sys.argv[1], [c.split() for c in sys.argv[2:]]
name = row.replace("@", " @") + (" connections" if "@" in row else "")
def cell(x):
    if x == ["-"]:
        return "not measured"
    rate, p99, errs = float(x[0]), float(x[1]), int(float(x[2]))
    if rate == 0:
        return "no successful operation (%d errors)" % errs
    return "%.0f (%.1f)" % (rate, p99) + (" with %d errors" % errs if errs else "")
def ratio(v, p):
    if p == ["-"]:
        return "–"
    return "%.2f×" % (float(v[0]) / float(p[0])) if float(p[0]) > 0 else "–"
out = [name] + [cell(c) for c in cells] + [ratio(cells[0], p) for p in cells[1:]]
print("| " + " | ".join(out) + " |")
PY
done
