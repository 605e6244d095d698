# Shared by run.sh and peer.sh: build vhod, start it pinned to core 0 with a bench
# configuration, run `vhod bench` pinned to core 1. Loopback only; every run is bounded.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$(mktemp -d)
DURATION=${DURATION:-10s}
CONCURRENCY=${CONCURRENCY:-64}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

build_vhod() { (cd "$repo" && ./scripts/build "$work/vhod" bench >/dev/null); }

start_vhod() { # start_vhod PORT ADMINPORT
  cat > "$work/vhod.yaml" <<YAML
issuer: http://127.0.0.1:$1
listen: 127.0.0.1:$1
data_dir: $work/data
log: {format: json, level: warn}
metrics: {listen: 127.0.0.1:$2}
limits: {signin_failures_per_ip: 1000000}
bootstrap:
  clients:
    - id: bench
      secret: bench-secret-0123456789
      redirect_uris: [http://127.0.0.1:1/callback]
      grant_types: [authorization_code, refresh_token, client_credentials]
      access_token_format: jwt
      first_party: true
  users:
$(for i in $(seq 0 63); do echo "    - {login: bench-$i, password: \"bench-password-1\"}"; done)
YAML
  taskset -c "$SERVER_CPU" "$work/vhod" serve --config "$work/vhod.yaml" >"$work/vhod.log" 2>&1 &
  pids+=($!)
  vhod_pid=$!
  wait_ready "http://127.0.0.1:$1/readyz"
}

wait_ready() {
  for _ in $(seq 1 150); do
    if curl -fs -o /dev/null "$1"; then return 0; fi
    sleep 0.2
  done
  echo "not ready: $1" >&2; cat "$work"/*.log >&2; exit 1
}

bench() { # bench ISSUER SCENARIO [more flags]
  local issuer=$1 scenario=$2; shift 2
  taskset -c "$LOAD_CPU" "$work/vhod" bench --issuer "$issuer" --client bench --secret bench-secret-0123456789 \
    --user 'bench-%d' --users 64 --password bench-password-1 --redirect-uri http://127.0.0.1:1/callback \
    --scenario "$scenario" --concurrency "$CONCURRENCY" --duration "$DURATION" --quiet --json "$@"
}

field() { python3 -c "import json,sys; r=json.load(sys.stdin); print(r$1)"; }

machine() {
  echo "$(date -u +%Y-%m-%d), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'))," \
    "server on core $SERVER_CPU, load on core $LOAD_CPU, $CONCURRENCY concurrent, $DURATION per scenario"
}
