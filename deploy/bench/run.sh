#!/usr/bin/env bash
# Vhod's performance budgets (the performance issue): every vhod bench scenario with
# the server pinned to one core and the load on the other, then the memory of the
# server under five minutes of mixed load. Prints a Markdown table.
#   deploy/bench/run.sh            (SOAK=0 skips the memory run)
source "$(dirname "$0")/common.sh"
build_vhod
start_vhod 18080 19090
echo "Vhod, $(machine)"
echo
echo "| scenario | operations/s | p50 ms | p90 ms | p99 ms | errors |"
echo "| --- | ---: | ---: | ---: | ---: | --- |"
for s in discovery jwks client-credentials introspect refresh sso-code-flow password-code-flow; do
  bench http://127.0.0.1:18080 "$s" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print("| %s | %.0f | %.2f | %.2f | %.2f | %s |" % (r["scenario"], r["per_second"], r["p50_ms"], r["p90_ms"], r["p99_ms"],
      ", ".join("%s %d" % kv for kv in sorted(r["errors"].items())) or "none"))'
done
(cd "$repo" && go test -run '^$' -bench PasswordVerify -benchtime 3s ./directory | awk '/Benchmark/ {printf "\nargon2id verification alone (m=19 MiB, t=2, p=1): %.1f ms, %.0f per second per core\n", $3/1e6, 1e9/$3}')

if [ "${SOAK:-1}" = 1 ]; then
  rss() { awk '/VmRSS/ {print int($2/1024)}' "/proc/$vhod_pid/status"; }
  echo
  echo "Memory under mixed load (client-credentials, introspect, sso-code-flow, jwks in turn, 15 s each):"
  end=$((SECONDS + ${SOAK_SECONDS:-300}))
  scenarios=(client-credentials introspect sso-code-flow jwks)
  i=0; t0=$SECONDS
  while [ $SECONDS -lt $end ]; do
    DURATION=15s bench http://127.0.0.1:18080 "${scenarios[$((i % 4))]}" >/dev/null
    i=$((i + 1))
    echo "  after $(( (SECONDS - t0) / 60 )) min $(( (SECONDS - t0) % 60 )) s: RSS $(rss) MiB"
  done
  echo "  peak RSS of the whole run (VmHWM): $(awk '/VmHWM/ {print int($2/1024)}' "/proc/$vhod_pid/status") MiB"
fi
