#!/usr/bin/env bash
# fraudgraph benchmark: the nightly job against igraph's, side by side.
# See docs/performance.md.
#
#   bash bench/run.sh [--build DIR] [--worlds DIR] [--sizes 500k,2m] [--runs 3]
#                     [--threads 1,2] [--hog] [--kernels] [--cap 120] [--out DIR]
#
# Builds nothing: it needs DIR/cli/fraudgraph and DIR/bench/bench_kernels of a
# release build (default DIR build-rel: meson setup build-rel
# --buildtype=release && ninja -C build-rel).  Each world is generated once
# with `fraudgraph gen --users N --seed 3` into WORLDS/<size>/ (default
# bench/worlds; cached, .complete records the command).
#
# Then, --runs rounds; in each round, for each size: igraph's job
# (bench_kernels --baseline: load + components + personalised PageRank) and
# `fraudgraph run --threads T --top 0` for each T (reversed in even rounds),
# one after the other on the same files, so every configuration sees the
# same load.  Process wall,
# CPU and max RSS come from /usr/bin/time, phase times and peak RSS from the
# runs table, uptime's load before each process; each run's log holds its
# FG_WRITE_PROFILE lines (the SQLite writer's time per table and the commit).
#
# --hog starts `yes >/dev/null` in a session of its own (its own scheduling
# group, like another user's job) for the whole benchmark and kills it at
# the end.  --kernels adds bench_kernels' kernel tables (our kernels against
# igraph's on the same graph; igraph's label propagation capped at --cap s).
#
# Writes bench/results/<UTC stamp>/{runs.tsv,baseline.tsv,kernels-*.tsv,
# machine.txt,log-*,report.md} and prints report.md (bench/report.py): medians,
# ratios against igraph, each target of issue 13 with met / not met.
# Timings depend on the machine and its load: never used by the tests.
set -euo pipefail

# The whole script is one function, parsed before it runs: editing this file
# while a benchmark is running cannot change the running one.
main() {
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

build=build-rel
worlds=bench/worlds
sizes=500k,2m
runs=3
threads=1,2
hog=0
kernels=0
cap=120
out=""

usage() { sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2; shift 2 ;;
	--worlds) worlds=$2; shift 2 ;;
	--sizes) sizes=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--threads) threads=$2; shift 2 ;;
	--hog) hog=1; shift ;;
	--kernels) kernels=1; shift ;;
	--cap) cap=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
done

# "500k" -> 500000, "2m" -> 2000000, "1500" -> 1500
users_of() {
	local s=${1,,}
	case "$s" in
	*k) echo $(( ${s%k} * 1000 )) ;;
	*m) echo $(( ${s%m} * 1000000 )) ;;
	*) echo "$s" ;;
	esac
}

for t in ${threads//,/ }; do
	[[ "$t" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: bad thread count '$t'" >&2; exit 2; }
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: bad --runs '$runs'" >&2; exit 2; }
fg=$root/$build/cli/fraudgraph
bk=$root/$build/bench/bench_kernels
if [ ! -x "$fg" ] || [ ! -x "$bk" ]; then
	echo "run.sh: $build/cli/fraudgraph or $build/bench/bench_kernels missing; build them first:" >&2
	echo "  meson setup $build --buildtype=release && ninja -C $build" >&2
	exit 2
fi

stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=${out:-bench/results/$stamp}
mkdir -p "$out"
ln -sfn "$(basename "$out")" bench/results/latest 2>/dev/null || true

hog_pid=""
stop_hog() { if [ -n "$hog_pid" ]; then kill "$hog_pid" 2>/dev/null || true; wait "$hog_pid" 2>/dev/null || true; hog_pid=""; fi; }
trap stop_hog EXIT
if [ "$hog" = 1 ]; then
	setsid sh -c 'exec yes >/dev/null' &
	hog_pid=$!
	echo "run.sh: CPU hog started (pid $hog_pid, its own session)" >&2
fi

{
	echo "date_utc	$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "nproc	$(nproc)"
	echo "cpu	$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
	echo "mem_total_kib	$(awk '/MemTotal/ {print $2}' /proc/meminfo)"
	echo "kernel	$(uname -sr)"
	echo "compiler	$(cc --version | head -1)"
	echo "git	$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo '+dirty')"
	echo "build	$build, buildtype $(python3 -c 'import json, sys; print(next(o["value"] for o in json.load(open(sys.argv[1])) if o["name"] == "buildtype"))' "$build/meson-info/intro-buildoptions.json" 2>/dev/null || echo unknown)"
	echo "hog	$hog"
	echo "uptime_start	$(uptime)"
	echo "command	bash bench/run.sh --build $build --worlds $worlds --sizes $sizes --runs $runs --threads $threads$([ $hog = 1 ] && echo ' --hog')$([ $kernels = 1 ] && echo ' --kernels')"
} >"$out/machine.txt"

loadavg() { cut -d' ' -f1-3 /proc/loadavg | tr ' ' '/'; }

# the worlds, cached
for size in ${sizes//,/ }; do
	n=$(users_of "$size")
	w=$worlds/$size
	gen_cmd="fraudgraph gen --users $n --seed 3"
	if [ ! -f "$w/.complete" ] || [ "$(cat "$w/.complete")" != "$gen_cmd" ]; then
		rm -rf "$w"
		mkdir -p "$w"
		echo "run.sh: generating $size ($n users) into $w" >&2
		"$fg" gen --out "$w" --users "$n" --seed 3 --quiet
		echo "$gen_cmd" >"$w/.complete"
	fi
done

printf 'size\tusers\tthreads\trun\tload_before\twall_s\tuser_s\tsys_s\tmaxrss_kib\tcsv_bytes\tn_rows\tn_users\tn_entities\tn_links\tarcs\tlpa_iterations\trisk_iterations\tt_ingest\tt_build\tt_components\tt_rings\tt_risk\tt_evidence\tt_scoring\tt_model\tt_write\tt_total\tpeak_rss\tbytes_per_link\toutput_digest\n' >"$out/runs.tsv"
printf 'size\trun\tload_before\twall_s\tuser_s\tsys_s\tmaxrss_kib\tbench\tthreads\truns\tpart_wall_s\tpart_cpu_s\twork\tunit\trate\tnote\n' >"$out/baseline.tsv"

for r in $(seq 1 "$runs"); do
	for size in ${sizes//,/ }; do
		n=$(users_of "$size")
		w=$worlds/$size
		csv_bytes=$(( $(stat -c %s "$w/edges.csv") + $(stat -c %s "$w/users.csv") ))

		# igraph's job
		la=$(loadavg)
		echo "run.sh: round $r/$runs, $size, igraph baseline (load $la)" >&2
		/usr/bin/time -f '%e %U %S %M' -o "$out/time.txt" \
			"$bk" --edges "$w/edges.csv" --users "$w/users.csv" --baseline \
			>"$out/baseline-$size-r$r.tsv" 2>"$out/log-$size-baseline-r$r.txt"
		read -r wall us ss rss <"$out/time.txt"
		tail -n +2 "$out/baseline-$size-r$r.tsv" | while IFS= read -r line; do
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$size" "$r" "$la" "$wall" "$us" "$ss" \
				"$rss" "$line" >>"$out/baseline.tsv"
		done
		rm -f "$out/baseline-$size-r$r.tsv"

		# the nightly job; the thread counts in reverse order in even rounds, so
		# that a load that rises or falls during a round favours neither
		order=${threads//,/ }
		if [ $((r % 2)) = 0 ]; then order=$(echo "$order" | tr ' ' '\n' | tac | tr '\n' ' '); fi
		for t in $order; do
			db=$out/run-$size-t$t.db
			rm -f "$db" "$db-wal" "$db-shm" "$db-journal"
			la=$(loadavg)
			echo "run.sh: round $r/$runs, $size, fraudgraph run --threads $t (load $la)" >&2
			FG_WRITE_PROFILE=1 /usr/bin/time -f '%e %U %S %M' -o "$out/time.txt" \
				"$fg" run --db "$db" --edges "$w/edges.csv" --users "$w/users.csv" \
				--threads "$t" --top 0 2>"$out/log-$size-t$t-r$r.txt"
			read -r wall us ss rss <"$out/time.txt"
			arcs=$(sed -n 's/.*build .* \([0-9][0-9]*\) arcs$/\1/p' "$out/log-$size-t$t-r$r.txt" | head -1)
			row=$(sqlite3 -separator '	' "$db" "SELECT n_rows, n_users, n_entities, n_links, '${arcs:-}', lpa_iterations, risk_iterations, t_ingest, t_build, t_components, t_rings, t_risk, t_evidence, t_scoring, t_model, t_write, t_total, peak_rss, bytes_per_link, output_digest FROM runs ORDER BY run_id DESC LIMIT 1")
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$size" "$n" "$t" "$r" "$la" \
				"$wall" "$us" "$ss" "$rss" "$csv_bytes" "$row" >>"$out/runs.tsv"
			rm -f "$db" "$db-wal" "$db-shm" "$db-journal"
		done
	done
done
rm -f "$out/time.txt"

# kernels against igraph on the same graph (optional)
if [ "$kernels" = 1 ]; then
	for size in ${sizes//,/ }; do
		w=$worlds/$size
		la=$(loadavg)
		echo "run.sh: kernels on $size (load $la)" >&2
		{
			echo "# load_before $la"
			"$bk" --edges "$w/edges.csv" --users "$w/users.csv" --runs "$runs" \
				--threads "$threads" --cap "$cap"
			echo "# load_after $(loadavg)"
		} >"$out/kernels-$size.tsv"
	done
fi
stop_hog
echo "uptime_end	$(uptime)" >>"$out/machine.txt"

python3 "$here/report.py" "$out" >"$out/report.md"
cat "$out/report.md"
echo "run.sh: results in $out" >&2
}
main "$@"; exit $?
