#!/usr/bin/env bash
# Side by side, one run: Vhod, the zitadel/oidc example server and panva's
# oidc-provider, the same vhod bench scenarios, the same pinning (server on
# SERVER_CPU, load on LOAD_CPU), all running at once, measured in turn. Prints a Markdown table.
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
# Each row is measured ROUNDS times (3 by default), the servers in turn inside a
# round, so that a drift of the machine (figures here move by ±15–30 % over
# minutes) falls on every server alike; a cell is the median round, and the ratio
# column gives in brackets the lowest and highest ratio of a single round. A
# server not under load is idle.
source "$(dirname "$0")/common.sh"
peer_version=${PEER_VERSION:-9.13.3}
rounds=${ROUNDS:-3}
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
declare -A result issuer flags

servers=(vhod)
start_vhod 18080 19090
issuer[vhod]=http://127.0.0.1:18080
header="| scenario | Vhod ops/s (p99 ms)"
about=""
for peer in "${peers[@]}"; do
  case $peer in
  zitadel)
    build_zitadel
    (cd "$work" && PORT=13001 exec taskset -c "$SERVER_CPU" "$work/zitadel-example" >"$work/zitadel.log" 2>&1) &
    pids+=($!)
    wait_ready http://localhost:13001/.well-known/openid-configuration
    issuer[zitadel]=http://localhost:13001/
    flags[zitadel]="--client sid1 --secret verysecret"
    header+=" | zitadel/oidc example ops/s (p99 ms)"
    about+="; zitadel/oidc $zitadel_version example/server (in memory, opaque tokens)"
    ;;
  node)
    build_node
    (cd "$work" && PORT=13000 exec taskset -c "$SERVER_CPU" node peer-provider.mjs >"$work/peer.log" 2>&1) &
    pids+=($!)
    wait_ready http://127.0.0.1:13000/.well-known/openid-configuration
    issuer[node]=http://127.0.0.1:13000
    header+=" | oidc-provider ops/s (p99 ms)"
    about+="; oidc-provider $peer_version on Node.js $(node --version)"
    ;;
  *) echo "unknown peer $peer (zitadel, node)" >&2; exit 2 ;;
  esac
  servers+=("$peer")
done

# offered SERVER SCENARIO: false for a scenario the server does not offer as the
# bench asks for it. The zitadel example introspects only for a resource server's
# JWT assertion, which the bench does not make.
offered() { [[ ! ($1 == zitadel && $2 == introspect) ]]; }

# A warm-up of every row on every server first (node's JIT, Go's heap, the pools).
for row in "${rows[@]}"; do
  s=${row%@*} c=$CONCURRENCY
  [[ $row == *@* ]] && c=${row#*@}
  for server in "${servers[@]}"; do
    # shellcheck disable=SC2086 # the flags are separate words
    ! offered "$server" "$s" || CONCURRENCY=$c DURATION=2s bench "${issuer[$server]}" "$s" ${flags[$server]:-} >/dev/null
  done
done

for row in "${rows[@]}"; do
  s=${row%@*} c=$CONCURRENCY
  [[ $row == *@* ]] && c=${row#*@}
  for _ in $(seq 1 "$rounds"); do
    for server in "${servers[@]}"; do
      if ! offered "$server" "$s"; then result[$server/$row]="-"; continue; fi
      # shellcheck disable=SC2086 # the flags are separate words
      result[$server/$row]+="$(CONCURRENCY=$c bench "${issuer[$server]}" "$s" ${flags[$server]:-} |
        field '["per_second"], r["p99_ms"], sum(r["errors"].values())' | tr ' ' ,) "
    done
  done
done

echo "$(machine | sed "s/, $CONCURRENCY concurrent/, $CONCURRENCY concurrent (client-credentials: ${cc_levels[*]})/"), median of $rounds rounds$about"
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
row = sys.argv[1]
# a server's cell: its rounds as "rate,p99,errors" separated by spaces, or "-"
cells = [None if c.strip() == "-" else [tuple(map(float, r.split(","))) for r in c.split()] for c in sys.argv[2:]]
name = row.replace("@", " @") + (" connections" if "@" in row else "")
def median(rounds):  # the median round by rate (the lower middle one of an even count)
    return sorted(rounds)[(len(rounds) - 1) // 2]
def cell(rounds):
    if rounds is None:
        return "not measured"
    rate, p99, _ = median(rounds)
    errs = sum(r[2] for r in rounds)
    if rate == 0:
        return "no successful operation (%d errors)" % errs
    return "%.0f (%.1f)" % (rate, p99) + (" with %d errors" % errs if errs else "")
def ratio(v, p):
    if v is None or p is None or median(p)[0] == 0:
        return "–"
    text = "%.2f×" % (median(v)[0] / median(p)[0])
    per_round = [a[0] / b[0] for a, b in zip(v, p) if b[0] > 0]
    if len(per_round) > 1:
        text += " (%.2f–%.2f)" % (min(per_round), max(per_round))
    return text
out = [name] + [cell(c) for c in cells] + [ratio(cells[0], p) for p in cells[1:]]
print("| " + " | ".join(out) + " |")
PY
done
