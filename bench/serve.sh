#!/usr/bin/env bash
# bench/serve.sh: throughput and latency of `fraudgraph serve` on loopback with wrk,
# /v1/score (a new account on a ring's card and an unseen device) against /healthz,
# and again with "explain": false (the score without the model's SHAP reasons), bounded in
# time; plus the snapshot's load time and memory.  docs/serve.md has the figures.
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
body_quiet="${body%\}},\"explain\":false}"
lua() { printf 'wrk.method = "POST"\nwrk.body = %s\nwrk.headers["Content-Type"] = "application/json"\n' "'$2'" > "$tmp/$1.lua"; }
lua score "$body"
lua score_quiet "$body_quiet"

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
grep -E 'listening|loaded in|model served' "$tmp/log"
echo "== serve RSS after load: $(awk '/VmRSS/ {print $2 / 1024 " MiB"}' /proc/$pid/status)," \
     "peak $(awk '/VmHWM/ {print $2 / 1024 " MiB"}' /proc/$pid/status)"
curl -s "http://127.0.0.1:$port/metrics" | grep -E '^fraudgraph_snapshot_(users|entities|bytes|load_seconds) '
echo "== one answer:"
curl -s -X POST -d "$body" "http://127.0.0.1:$port/v1/score" | head -c 600; echo
curl -s "http://127.0.0.1:$port/healthz"; echo
# The server's own time (request read to answer queued) of the requests between two /metrics
# dumps, from the cumulative buckets: the upper bound of the bucket holding the 50th, 99th,
# 99.9th percentile.
server_pct() {
	awk -v ep="$1" '
	  index($0, "duration_seconds_bucket{endpoint=\"" ep "\"") > 0 {
	    match($0, /le="[^"]*"/); le = substr($0, RSTART + 4, RLENGTH - 5)
	    if (FILENAME == ARGV[1]) { before[le] = $2; next }
	    n++; les[n] = le; cum[n] = $2 - before[le] }
	  END { tot = cum[n]; split("50 99 99.9", ps, " ");
	    for (i = 1; i <= 3; i++) for (j = 1; j <= n; j++) if (cum[j] >= tot * ps[i] / 100) {
	      printf "  p%s <= %s s", ps[i], les[j]; break }
	    printf "  (%d requests)\n", tot }' "$2" "$3"
}
metrics() { curl -s "http://127.0.0.1:$port/metrics" > "$tmp/m$1"; }
# wrk ARGS...: its report, then the server's CPU (user + sys, every thread) per request served
bench() {
	local t0 t1 n
	t0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
	wrk -t2 -c"$conns" -d"${secs}s" --latency "$@" | tee "$tmp/wrk"
	t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
	n=$(awk '/requests in/ {print $1}' "$tmp/wrk")
	echo "  server CPU: $(echo "($t1 - $t0) / $(getconf CLK_TCK) * 1000000 / $n" | bc -l | cut -c1-6) us per request ($n requests)"
}
metrics 0
echo "== wrk /healthz, ${secs}s, $conns connections, 2 wrk threads, $sthreads server threads"
bench "http://127.0.0.1:$port/healthz"
metrics 1
echo "== wrk /v1/score, ${secs}s, $conns connections, 2 wrk threads, $sthreads server threads"
bench -s "$tmp/score.lua" "http://127.0.0.1:$port/v1/score"
metrics 2
echo "== wrk /v1/score with \"explain\": false (no SHAP reasons), ${secs}s, $conns connections"
bench -s "$tmp/score_quiet.lua" "http://127.0.0.1:$port/v1/score"
metrics 3
echo "== server-side latency histogram of /v1/score (/metrics, both runs):"
grep 'duration_seconds_bucket{endpoint="score"' "$tmp/m3" | head -14
echo "== server's own time, /healthz:"; server_pct healthz "$tmp/m0" "$tmp/m1"
echo "== server's own time, /v1/score:"; server_pct score "$tmp/m1" "$tmp/m2"
echo "== server's own time, /v1/score with \"explain\": false:"; server_pct score "$tmp/m2" "$tmp/m3"
kill -TERM "$pid"
wait "$pid"
echo "== serve exited $?"
