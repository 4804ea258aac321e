#!/usr/bin/env bash
# Two builds of fraudgraph on one world, in turns: A then B, --pairs times,
# so both see the same load.  One line a run: the load average before it,
# the model and write phases, the commit (FG_WRITE_PROFILE), the run's own
# total, the process's wall, user and sys seconds (/usr/bin/time) and the
# output digest's first 8 hex digits.  See docs/performance.md, "The
# write-back beside the model".
#
#   bash bench/ab.sh --a DIR_A --b DIR_B [--world DIR] [--threads 2] [--pairs 4]
#
# DIR_A, DIR_B: release build folders holding cli/fraudgraph (for an older
# commit: `git worktree add /tmp/base COMMIT` and a meson setup there).
# WORLD holds edges.csv and users.csv (default bench/worlds/2m, made by
# bench/run.sh).  Each run writes a fresh database in a temporary folder,
# removed at the end.  Extra environment (FG_WRITE_FLUSH=0, ...) passes
# through to both.
set -euo pipefail

a='' b='' world=bench/worlds/2m threads=2 pairs=4
while [ $# -gt 0 ]; do
	case "$1" in
	--a) a=$2; shift 2 ;;
	--b) b=$2; shift 2 ;;
	--world) world=$2; shift 2 ;;
	--threads) threads=$2; shift 2 ;;
	--pairs) pairs=$2; shift 2 ;;
	*) echo "bench/ab.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
done
[ -n "$a" ] && [ -n "$b" ] || { echo "bench/ab.sh: --a DIR and --b DIR are required" >&2; exit 2; }
for f in "$a/cli/fraudgraph" "$b/cli/fraudgraph" "$world/edges.csv" "$world/users.csv"; do
	[ -e "$f" ] || { echo "bench/ab.sh: $f not found" >&2; exit 2; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

field() { # the seconds after "^NAME " in the log, or '-'
	awk -v k="$1" '$0 ~ "^" k " " { for (i = 2; i <= NF; i++) if ($i ~ /^[0-9.]+$/) { print $i; exit } }' "$2" |
		grep . || echo -
}

for i in $(seq 1 "$pairs"); do
	for side in A B; do
		if [ "$side" = A ]; then dir=$a; else dir=$b; fi
		rm -f "$tmp"/r.db*
		load=$(cut -d' ' -f1-3 /proc/loadavg)
		FG_WRITE_PROFILE=1 /usr/bin/time -f "TIME %e %U %S" -o "$tmp/time" \
			"$dir/cli/fraudgraph" run --db "$tmp/r.db" --edges "$world/edges.csv" \
			--users "$world/users.csv" --threads "$threads" --top 0 >/dev/null 2>"$tmp/log"
		read -r _ wall user sys <"$tmp/time"
		digest=$(grep -o 'output digest [0-9a-f]*' "$tmp/log" | awk '{print substr($3, 1, 8)}')
		printf '%s pair %d load %s  model %s write %s commit %s total %s  wall %s user %s sys %s  %s\n' \
			"$side" "$i" "$load" "$(field model "$tmp/log")" "$(field write "$tmp/log")" \
			"$(field '  write commit' "$tmp/log")" "$(field total "$tmp/log")" \
			"$wall" "$user" "$sys" "$digest"
	done
done
