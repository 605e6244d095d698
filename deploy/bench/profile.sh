#!/usr/bin/env bash
# Where the time of one scenario goes: Vhod pinned as in run.sh, the scenario under
# load, a CPU profile of the server from its admin listener (pprof is only there),
# then the top functions by flat and by cumulative time.
#   deploy/bench/profile.sh [SCENARIO] [OUT.pprof]     (client-credentials by default)
source "$(dirname "$0")/common.sh"
scenario=${1:-client-credentials}
out=${2:-$PWD/$scenario.pprof}
build_vhod
start_vhod 18080 19090
bench http://127.0.0.1:18080 "$scenario" --cpuprofile "$out" --pprof-url http://127.0.0.1:19090 |
  field '["per_second"], "ops/s, p99", r["p99_ms"], "ms, errors", r["errors"]'
echo "profile: $out"
echo "== flat"
go tool pprof -top -nodecount=25 "$work/vhod" "$out" 2>/dev/null | sed -n '1,32p'
echo "== cumulative"
go tool pprof -top -cum -nodecount=40 "$work/vhod" "$out" 2>/dev/null | sed -n '6,46p'
