#!/usr/bin/env bash
# bench/serve.sh: throughput and latency of `fraudgraph serve` on loopback with wrk,
# /v1/score (a new account on a ring's card and an unseen device) against /healthz,
# bounded in time; plus the snapshot's load time and memory.  docs/serve.md has the figures.
#
#   bash bench/serve.sh RESULTS.db [SECONDS=10] [CONNECTIONS=2] [SERVER_THREADS=2]
#   FG_SERVE_ARGS=--no-model bash bench/serve.sh ...   (the rule scores only, for comparison)
#
# Needs wrk (Debian package wrk) and sqlite3.  FG_BIN overrides build/cli/fraudgraph.
set -euo pipefail
db=${1:?usage: bench/serve.sh RESULTS.db [SECONDS] [CONNECTIONS] [SERVER_THREADS]}
secs=${2:-10}
conns=${3:-2}
sthreads=${4:-2}
bin=${FG_BIN:-$(dirname "$0")/../build/cli/fraudgraph}
command -v wrk >/dev/null || { echo "bench/serve.sh: wrk not installed (apt-get install wrk)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT

card=$(sqlite3 "$db" "SELECT e.value FROM top_rings g JOIN user_scores s ON s.run_id = g.run_id
  AND s.ring_id = g.ring_id JOIN links l ON l.run_id = s.run_id AND l.user_id = s.user_id
  JOIN entities e ON e.run_id = l.run_id AND e.entity_id = l.entity_id
  WHERE e.kind = 'card' AND e.is_hub = 0 LIMIT 1")
body="{\"user_id\":\"bench_new\",\"entities\":[{\"kind\":\"card\",\"value\":\"$card\"},{\"kind\":\"device\",\"value\":\"bench_unseen\"}]}"
cat > "$tmp/score.lua" <<LUA
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
LUA

echo "== machine: $(nproc) cores; $(uptime)"
echo "== results db: $db ($(du -h "$db" | cut -f1)), users: $(sqlite3 "$db" 'SELECT n_users FROM latest_run')"
t0=$(date +%s.%N)
"$bin" serve --db "$db" --listen 127.0.0.1:0 --port-file "$tmp/port" --threads "$sthreads" ${FG_SERVE_ARGS:-} \
	--reload-ms 0 --quiet 2> "$tmp/log" &
pid=$!
for _ in $(seq 1 600); do [ -s "$tmp/port" ] && break; sleep 0.1; done
[ -s "$tmp/port" ] || { cat "$tmp/log" >&2; echo "serve did not start" >&2; exit 1; }
t1=$(date +%s.%N)
port=$(cat "$tmp/port")
echo "== startup (process start to listening): $(echo "$t1 - $t0" | bc) s"
grep 'listening' "$tmp/log"
echo "== serve RSS after load: $(awk '/VmRSS/ {print $2 / 1024 " MiB"}' /proc/$pid/status)," \
     "peak $(awk '/VmHWM/ {print $2 / 1024 " MiB"}' /proc/$pid/status)"
curl -s "http://127.0.0.1:$port/metrics" | grep -E '^fraudgraph_snapshot_(users|entities|bytes|load_seconds) '
echo "== one answer:"
curl -s -X POST -d "$body" "http://127.0.0.1:$port/v1/score" | head -c 600; echo
curl -s "http://127.0.0.1:$port/healthz"; echo
echo "== wrk /healthz, ${secs}s, $conns connections, 2 wrk threads, $sthreads server threads"
wrk -t2 -c"$conns" -d"${secs}s" --latency "http://127.0.0.1:$port/healthz"
echo "== wrk /v1/score, ${secs}s, $conns connections, 2 wrk threads, $sthreads server threads"
wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$tmp/score.lua" "http://127.0.0.1:$port/v1/score"
# The server's own time (request read to answer queued) per endpoint, from the cumulative
# buckets of /metrics: the upper bound of the bucket holding the 50th, 99th, 99.9th percentile.
server_pct() {
	curl -s "http://127.0.0.1:$port/metrics" | awk -v ep="$1" '
	  index($0, "duration_seconds_bucket{endpoint=\"" ep "\"") > 0 {
	    match($0, /le="[^"]*"/); le = substr($0, RSTART + 4, RLENGTH - 5); n++; les[n] = le; cum[n] = $2 }
	  END { tot = cum[n]; split("50 99 99.9", ps, " ");
	    for (i = 1; i <= 3; i++) for (j = 1; j <= n; j++) if (cum[j] >= tot * ps[i] / 100) {
	      printf "  p%s <= %s s", ps[i], les[j]; break }
	    printf "  (%d requests)\n", tot }'
}
echo "== server-side latency histogram of /v1/score (/metrics):"
curl -s "http://127.0.0.1:$port/metrics" | grep 'duration_seconds_bucket{endpoint="score"' | head -14
echo "== server's own time, /healthz:"; server_pct healthz
echo "== server's own time, /v1/score:"; server_pct score
kill -TERM "$pid"
wait "$pid"
echo "== serve exited $?"
