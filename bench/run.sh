#!/usr/bin/env bash
# fraudgraph benchmark suite: one command, see docs/performance.md.
#
#   bash bench/run.sh [--sizes 100k,2m[,20m]] [--runs 3] [--threads 1,2[,N]]
#                     [--cap 120] [--igraph-max 2m] [--no-kernels] [--out DIR]
#
# 1. builds a release build in build-bench/ (meson --buildtype=release);
# 2. generates each world once with `fraudgraph gen --users N --seed 42` into
#    bench/worlds/<size>/ (cached: a world is reused when its .complete marker
#    matches the command);
# 3. runs `fraudgraph run` --runs times per thread count on each world and
#    reads the per-phase seconds, peak RSS and bytes per link from the runs
#    table of the results database, plus wall / CPU / max RSS of the whole
#    process from /usr/bin/time and the load average before each run;
# 4. runs bench/bench_kernels on each world (our kernels vs igraph on the same
#    graph, the CSV floor), igraph only up to --igraph-max users;
# 5. writes bench/results/<stamp>/{runs.tsv,kernels-<size>.tsv,machine.txt,
#    report.md} and prints report.md (medians, throughput, ratios, targets).
#
# Timings depend on the machine and its load: never used by the tests.
set -euo pipefail

# The whole script is one function, parsed before it runs: editing this file
# while a benchmark is running cannot change the running one.
main() {
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

sizes=100k,2m
runs=3
nproc_=$(nproc)
threads=1,2
if [ "$nproc_" -gt 2 ]; then threads="1,2,$nproc_"; fi
cap=120
igraph_max=2m
kernels=1
out=""

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
	case "$1" in
	--sizes) sizes=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--threads) threads=$2; shift 2 ;;
	--cap) cap=$2; shift 2 ;;
	--igraph-max) igraph_max=$2; shift 2 ;;
	--no-kernels) kernels=0; shift ;;
	--out) out=$2; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
done

# "100k" -> 100000, "2m" -> 2000000, "1500" -> 1500
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

# 1. release build
if [ ! -f build-bench/build.ninja ]; then
	meson setup build-bench --buildtype=release >/dev/null
fi
ninja -C build-bench cli/fraudgraph bench/bench_kernels >/dev/null
fg=$root/build-bench/cli/fraudgraph
bk=$root/build-bench/bench/bench_kernels

stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=${out:-bench/results/$stamp}
mkdir -p "$out"
ln -sfn "$(basename "$out")" bench/results/latest 2>/dev/null || true

# machine
{
	echo "date_utc	$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "nproc	$nproc_"
	echo "cpu	$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
	echo "cpu_detail	$(lscpu 2>/dev/null | awk -F: '/^(CPU max MHz|L2 cache|L3 cache|Hypervisor vendor)/ {gsub(/^ +/, "", $2); printf "%s: %s; ", $1, $2}')$(awk '/cpu MHz/ {print "MHz " $4; exit}' /proc/cpuinfo)"
	echo "mem_total_kib	$(awk '/MemTotal/ {print $2}' /proc/meminfo)"
	echo "kernel	$(uname -sr)"
	echo "compiler	$(cc --version | head -1)"
	echo "git	$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo '+dirty')"
	echo "command	bash bench/run.sh --sizes $sizes --runs $runs --threads $threads --cap $cap --igraph-max $igraph_max$([ $kernels = 1 ] || echo ' --no-kernels')"
} >"$out/machine.txt"

loadavg() { cut -d' ' -f1-3 /proc/loadavg | tr ' ' '/'; }

printf 'size\tusers\tthreads\trun\tload_before\twall_s\tuser_s\tsys_s\tmaxrss_kib\tcsv_bytes\tn_rows\tn_users\tn_entities\tn_links\tarcs\tlpa_iterations\trisk_iterations\tt_ingest\tt_build\tt_components\tt_rings\tt_risk\tt_evidence\tt_scoring\tt_write\tt_total\tpeak_rss\tbytes_per_link\n' >"$out/runs.tsv"

for size in ${sizes//,/ }; do
	n=$(users_of "$size")
	w=bench/worlds/$size
	gen_cmd="fraudgraph gen --users $n --seed 42"
	# 2. the world, cached
	if [ ! -f "$w/.complete" ] || [ "$(cat "$w/.complete")" != "$gen_cmd" ]; then
		rm -rf "$w"
		mkdir -p "$w"
		echo "run.sh: generating $size ($n users) into $w" >&2
		"$fg" gen --out "$w" --users "$n" --seed 42 --quiet
		echo "$gen_cmd" >"$w/.complete"
	fi
	csv_bytes=$(( $(stat -c %s "$w/edges.csv") + $(stat -c %s "$w/users.csv") ))

	# 3. the nightly job
	for t in ${threads//,/ }; do
		for r in $(seq 1 "$runs"); do
			db=$out/run-$size-t$t.db
			rm -f "$db" "$db-wal" "$db-shm" "$db-journal"
			la=$(loadavg)
			echo "run.sh: $size, $t thread(s), run $r/$runs (load $la)" >&2
			/usr/bin/time -f '%e %U %S %M' -o "$out/time.txt" \
				"$fg" run --db "$db" --edges "$w/edges.csv" --users "$w/users.csv" \
				--threads "$t" --top 0 2>"$out/log-$size-t$t-r$r.txt"
			read -r wall us ss rss <"$out/time.txt"
			arcs=$(sed -n 's/.*build .* \([0-9][0-9]*\) arcs$/\1/p' "$out/log-$size-t$t-r$r.txt" | head -1)
			row=$(sqlite3 -separator '	' "$db" "SELECT n_rows, n_users, n_entities, n_links, '${arcs:-}', lpa_iterations, risk_iterations, t_ingest, t_build, t_components, t_rings, t_risk, t_evidence, t_scoring, t_write, t_total, peak_rss, bytes_per_link FROM runs ORDER BY run_id DESC LIMIT 1")
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$size" "$n" "$t" "$r" "$la" \
				"$wall" "$us" "$ss" "$rss" "$csv_bytes" "$row" >>"$out/runs.tsv"
			rm -f "$db" "$db-wal" "$db-shm" "$db-journal"
		done
	done

	# 4. kernels vs igraph on the same graph
	if [ "$kernels" = 1 ]; then
		kopt=()
		if [ "$n" -gt "$(users_of "$igraph_max")" ]; then kopt+=(--no-igraph); fi
		la=$(loadavg)
		echo "run.sh: kernels on $size (load $la)" >&2
		{
			echo "# load_before $la"
			"$bk" --edges "$w/edges.csv" --users "$w/users.csv" --runs "$runs" \
				--threads "$threads" --cap "$cap" "${kopt[@]}"
			echo "# load_after $(loadavg)"
		} >"$out/kernels-$size.tsv"
	fi
done
rm -f "$out/time.txt"

# 5. the report
python3 "$here/report.py" "$out" >"$out/report.md"
cat "$out/report.md"
echo "run.sh: results in $out" >&2
}
main "$@"; exit $?
