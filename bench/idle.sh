#!/usr/bin/env bash
# Where a run leaves cores idle: `fraudgraph run` on one world, its process
# CPU sampled every 0.1 s from /proc, and per phase the CPU over wall and the
# idle core-seconds (threads x wall - CPU).  See docs/performance.md, "Where
# the idle core-seconds are".
#
#   bash bench/idle.sh [--build DIR] [--world DIR] [--threads 2] [--runs 3]
#
# DIR/cli/fraudgraph of a release build (default build-rel); WORLD holds
# edges.csv and users.csv (default bench/worlds/2m, made by bench/run.sh).
# Each run writes a fresh database under a temporary folder, removed at the
# end.  Phase boundaries are the cumulative sums of the phase times the run
# prints, so the first phase also holds the process start (a few ms).
set -euo pipefail

build=build-rel world=bench/worlds/2m threads=2 runs=3
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2; shift 2 ;;
	--world) world=$2; shift 2 ;;
	--threads) threads=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	*) echo "bench/idle.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
done
fg=$build/cli/fraudgraph
for f in "$fg" "$world/edges.csv" "$world/users.csv"; do
	[ -e "$f" ] || { echo "bench/idle.sh: $f not found" >&2; exit 2; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tck=$(getconf CLK_TCK)

for i in $(seq 1 "$runs"); do
	echo "run $i, $(date -u +%T) UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"
	rm -f "$tmp"/r.db*
	: > "$tmp/cpu"
	t0=$(date +%s.%N)
	FG_WRITE_PROFILE=1 "$fg" run --db "$tmp/r.db" --edges "$world/edges.csv" \
		--users "$world/users.csv" --threads "$threads" --top 0 > /dev/null 2> "$tmp/err" &
	pid=$!
	while stat=$(cat /proc/$pid/stat 2>/dev/null); do
		set -- ${stat#*) }   # fields after the command name: utime is 12th, stime 13th
		echo "$(date +%s.%N) ${12} ${13}" >> "$tmp/cpu"
		sleep 0.1
	done
	wait $pid || { echo "bench/idle.sh: the run failed:" >&2; cat "$tmp/err" >&2; exit 1; }
	python3 - "$tmp/err" "$tmp/cpu" "$t0" "$tck" "$threads" <<'PY'
import re, sys
err, cpu, t0, tck, nt = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
phases = []
for line in open(err):
    m = re.match(r'^(\w+)\s+([\d.]+) s\s', line)
    if m and m.group(1) not in ('run', 'total'):
        phases.append((m.group(1), float(m.group(2))))
smp = [(float(a) - t0, (int(b) + int(c)) / tck) for a, b, c in (l.split() for l in open(cpu))]
def at(t):
    if t <= smp[0][0]:
        return smp[0][1]
    for (ta, ca), (tb, cb) in zip(smp, smp[1:]):
        if tb >= t:
            return ca + (cb - ca) * (t - ta) / max(tb - ta, 1e-9)
    return smp[-1][1]
a = idle_all = 0.0
print(f"  {'phase':12s} {'wall s':>7s} {'CPU s':>7s} {'cores':>6s} {'idle core-s':>12s}")
for name, d in phases:
    c = at(a + d) - at(a)
    idle = nt * d - c
    idle_all += idle
    print(f"  {name:12s} {d:7.2f} {c:7.2f} {c / max(d, 1e-9):6.2f} {idle:12.2f}")
    a += d
print(f"  {'all':12s} {a:7.2f} {at(a) - at(0):7.2f} {(at(a) - at(0)) / max(a, 1e-9):6.2f} {idle_all:12.2f}")
PY
	grep -E '^  write (user_scores|indexes|commit)' "$tmp/err" || true
	grep -o 'output digest [0-9a-f]*' "$tmp/err"
done
