#!/usr/bin/env bash
# bench/serve.sh: throughput and latency of `fraudgraph serve` on loopback with wrk,
# /v1/score (a new account on a ring's card and an unseen device) against /healthz,
# and again with "explain": false (the score without the model's SHAP reasons), bounded in
# time; plus the snapshot's load time and memory.  docs/serve.md has the figures.
#
#   bash bench/serve.sh RESULTS.db [SECONDS=10] [CONNECTIONS=2] [SERVER_THREADS=1] [RUNS=3]
#   FG_SERVE_ARGS=--no-model bash bench/serve.sh ...   (the rule scores only, for comparison)
#
# The server is pinned to one core and wrk (one thread) to another with taskset
# (FG_SERVER_CPU, default 0; FG_WRK_CPU, default 1), so they do not take turns on the same
# core and the scheduler does not decide the rate: with one core for the server, the ratio
# of two endpoints' rates is the ratio of their CPU per request.  Each run measures the three
# endpoints in turn (healthz, score, score without SHAP: interleaved, so a change in the
# machine's load falls on all three), RUNS times; the table at the end gives each endpoint's
# median over the runs of requests/s, wrk's p50/p99, the server's CPU per request (user +
# sys of every server thread from /proc/PID/stat over the requests wrk counted) and its own
# p99 from /metrics, and the median of the per-run rate shares of /healthz.  Before the runs,
# bench_json (built beside the binary) times jansson and json-c alone on one score answer: the floor
# under that answer's CPU.
#
# Needs wrk (Debian package wrk), sqlite3 and taskset (util-linux).  FG_BIN overrides
# build/cli/fraudgraph.
set -euo pipefail
db=${1:?usage: bench/serve.sh RESULTS.db [SECONDS] [CONNECTIONS] [SERVER_THREADS] [RUNS]}
secs=${2:-10}
conns=${3:-2}
sthreads=${4:-1}
runs=${5:-3}
scpu=${FG_SERVER_CPU:-0}
wcpu=${FG_WRK_CPU:-1}
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
echo "== server on cpu $scpu ($sthreads threads), wrk on cpu $wcpu (1 thread, $conns connections), ${secs}s x $runs runs"
echo "== results db: $db ($(du -h "$db" | cut -f1)), users: $(sqlite3 "$db" 'SELECT n_users FROM latest_run')"
t0=$(date +%s.%N)
taskset -c "$scpu" "$bin" serve --db "$db" --listen 127.0.0.1:0 --port-file "$tmp/port" --threads "$sthreads" ${FG_SERVE_ARGS:-} \
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
curl -s -X POST -d "$body" "http://127.0.0.1:$port/v1/score" > "$tmp/answer.json"
head -c 600 "$tmp/answer.json"; echo
# jansson and json-c alone on that answer (the floor under the score's CPU per request), pinned like the server
bj=$(dirname "$bin")/../bench/bench_json
[ -x "$bj" ] && taskset -c "$scpu" "$bj" "$tmp/answer.json" 20000
curl -s "http://127.0.0.1:$port/healthz"; echo
# The server's own time (request read to answer queued) of the requests between two /metrics
# dumps, from the cumulative buckets: the upper bound of the bucket holding the 99th percentile.
server_p99() {
	awk -v ep="$1" '
	  index($0, "duration_seconds_bucket{endpoint=\"" ep "\"") > 0 {
	    match($0, /le="[^"]*"/); le = substr($0, RSTART + 4, RLENGTH - 5)
	    if (FILENAME == ARGV[1]) { before[le] = $2; next }
	    n++; les[n] = le; cum[n] = $2 - before[le] }
	  END { for (j = 1; j <= n; j++) if (cum[j] >= cum[n] * 0.99) { print les[j] * 1000; exit } }' "$2" "$3"
}
# wrk's latency line ("99%  1.23ms") in ms
wrk_ms() {
	awk -v p="$1" '$1 == p {v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
	  print v * (u == "us" ? 0.001 : u == "s" ? 1000 : 1); exit }' "$tmp/wrk"
}
# measure RUN NAME METRICS-ENDPOINT WRK-ARGS...: one wrk run, one line of $tmp/rows
measure() {
	local run=$1 name=$2 ep=$3 c0 c1 n rate
	shift 3
	curl -s "http://127.0.0.1:$port/metrics" > "$tmp/m0"
	c0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
	taskset -c "$wcpu" wrk -t1 -c"$conns" -d"${secs}s" --latency "$@" > "$tmp/wrk"
	c1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
	curl -s "http://127.0.0.1:$port/metrics" > "$tmp/m1"
	n=$(awk '/requests in/ {print $1}' "$tmp/wrk")
	rate=$(awk '/^Requests\/sec/ {print $2}' "$tmp/wrk")
	grep -q 'Non-2xx' "$tmp/wrk" && { cat "$tmp/wrk" >&2; echo "bench/serve.sh: $name answered non-2xx" >&2; exit 1; }
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$run" "$name" "$rate" "$(wrk_ms 50%)" "$(wrk_ms 99%)" \
	  "$(echo "($c1 - $c0) / $(getconf CLK_TCK) * 1000000 / $n" | bc -l)" "$(server_p99 "$ep" "$tmp/m0" "$tmp/m1")" >> "$tmp/rows"
	printf '  run %s %-12s %10.0f req/s  %7.1f us CPU per request\n' "$run" "$name" "$rate" \
	  "$(tail -n1 "$tmp/rows" | cut -f6)"
}
: > "$tmp/rows"
for run in $(seq 1 "$runs"); do
	measure "$run" healthz healthz "http://127.0.0.1:$port/healthz"
	measure "$run" score score -s "$tmp/score.lua" "http://127.0.0.1:$port/v1/score"
	measure "$run" score_quiet score -s "$tmp/score_quiet.lua" "http://127.0.0.1:$port/v1/score"
done
echo "== $(uptime)"
echo "== medians of $runs runs (the share of /healthz: the median of the per-run shares)"
awk -F'\t' '
  function med(a, n,   i, j, t) { for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) {
      t = a[j]; a[j] = a[j-1]; a[j-1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
  { rate[$1, $2] = $3; k[$2]++; i = k[$2]; r[$2, i] = $3; p50[$2, i] = $4; p99[$2, i] = $5
    cpu[$2, i] = $6; sp99[$2, i] = $7; if ($1 > runs) runs = $1 }
  END {
    printf "%-12s %10s %9s %9s %9s %12s %14s\n", "endpoint", "req/s", "share", "wrk p50", "wrk p99", "CPU/request", "server p99"
    split("healthz score score_quiet", names, " ")
    for (e = 1; e <= 3; e++) { nm = names[e]; n = k[nm]
      for (i = 1; i <= n; i++) { a[i] = r[nm, i]; b[i] = rate[i, nm] / rate[i, "healthz"] * 100 }
      m_rate = med(a, n); m_share = med(b, n)
      for (i = 1; i <= n; i++) a[i] = p50[nm, i]; m50 = med(a, n)
      for (i = 1; i <= n; i++) a[i] = p99[nm, i]; m99 = med(a, n)
      for (i = 1; i <= n; i++) a[i] = cpu[nm, i]; mcpu = med(a, n)
      for (i = 1; i <= n; i++) a[i] = sp99[nm, i]; ms99 = med(a, n)
      printf "%-12s %10.0f %8.0f%% %6.3f ms %6.3f ms %9.1f us %9s<= %.3g ms\n", nm, m_rate, m_share, m50, m99, mcpu, "", ms99 } }' "$tmp/rows"
kill -TERM "$pid"
wait "$pid"
echo "== serve exited $?"
