#!/usr/bin/env bash
# The nightly job under mpirun: -np 1, 2, 4 against one process on one
# generated world (docs/scale.md).
#
#   bash bench/mpi.sh [--users 200000 | --world DIR] [--nps 1,2,4] [--bin PATH] [--out DIR]
#                     [--risk-users N] [--bfs-users N]
#
# Generates the world once (fraudgraph gen --seed 42, cached in
# bench/worlds/mpi-<users>/) or reads DIR/edges.csv and DIR/users.csv, runs
# it on one process, then under mpirun for each -np (oversubscribed where -np exceeds the cores: on a 2-core machine
# -np 4 runs four ranks on two cores, so its times are an upper bound), and
# prints per run: wall seconds and peak RSS per process (GNU time), the
# output digest (must equal one process's), and rank 0's "mpi <phase>" lines:
# the slowest rank's time, bytes exchanged (and per link), peak memory per
# rank.  Results in DIR/mpi.tsv and DIR/*.log.  Never run by the tests.
# --risk-users N: then the risk walk alone for each -np (tests/mpi_risk_check
# in its time mode, beside the binary: N users and as many entities in one
# component, 30 seeds), since a generated world's seeds sit in components of
# a few hundred vertices, one block of the active list: fg_risk against
# fg_risk_dist, compared bit for bit, with time, CPU, bytes and peak RSS.
# --bfs-users N: the same for the evidence BFS (tests/mpi_bfs_check: one
# component of N users and as many entities, 30 seeds): fg_bfs_multi
# against fg_bfs_dist, every hop and nearest seed compared.
set -euo pipefail

main() {
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
users=200000
nps=1,2,4
bin=""
out=""
world=""
risk_users=0
bfs_users=0
while [ $# -gt 0 ]; do
	case $1 in
	--users) users=$2; shift 2 ;;
	--nps) nps=$2; shift 2 ;;
	--bin) bin=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--world) world=$2; shift 2 ;;
	--risk-users) risk_users=$2; shift 2 ;;
	--bfs-users) bfs_users=$2; shift 2 ;;
	*) echo "bench/mpi.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
if [ -z "$bin" ]; then
	if [ ! -f "$root/build-bench/build.ninja" ]; then
		meson setup "$root/build-bench" --buildtype=release -Dmpi=enabled >/dev/null
	fi
	ninja -C "$root/build-bench" >/dev/null
	bin=$root/build-bench/cli/fraudgraph
fi
out=${out:-$root/bench/results/mpi-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"
if [ -z "$world" ]; then
world=$root/bench/worlds/mpi-$users
if [ ! -f "$world/.complete" ]; then
	rm -rf "$world"
	mkdir -p "$root/bench/worlds"
	"$bin" gen --out "$world" --users "$users" --seed 42 --quiet
	touch "$world/.complete"
fi
fi
inputs=(--edges "$world/edges.csv" --users "$world/users.csv" --top 0)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
mpi=(mpirun --oversubscribe --bind-to none --mca btl self,vader)
printf 'np\twall_s\tmax_rss_mib\tdigest\n' >"$out/mpi.tsv"

one() { # label, command...
	local label=$1; shift
	local db=$out/$label.db
	rm -f "$db"
	/usr/bin/time -f 'time: %e s wall, %M KiB max RSS' "$@" --db "$db" "${inputs[@]}" \
		>/dev/null 2>"$out/$label.log"
	local wall rss digest
	wall=$(grep '^time:' "$out/$label.log" | awk '{print $2}')
	rss=$(grep '^time:' "$out/$label.log" | awk '{printf "%.0f", $5 / 1024}')
	digest=$(sqlite3 "$db" 'SELECT output_digest FROM runs')
	printf '%s\t%s\t%s\t%s\n' "$label" "$wall" "$rss" "$digest" >>"$out/mpi.tsv"
	echo "== $label: $wall s, $rss MiB max RSS (largest process), digest $digest"
	grep -E '^(fraudgraph: )?(mpi |ingest |gather |build |components |risk |evidence |total )' "$out/$label.log" |
		sed -e 's/^fraudgraph: //' -e 's/^/   /' || true
	rm -f "$db"
}

one single "$bin" run
IFS=, read -r -a list <<<"$nps"
for np in "${list[@]}"; do
	one "np$np" "${mpi[@]}" -np "$np" "$bin" run
done
if [ "$(cut -f4 "$out/mpi.tsv" | tail -n +2 | sort -u | wc -l)" -ne 1 ]; then
	echo "bench/mpi.sh: the output digests differ" >&2
	exit 1
fi
echo "all digests equal; results in $out"
if [ "$risk_users" -gt 0 ]; then
	check=$(dirname "$bin")/../tests/mpi_risk_check
	for np in "${list[@]}"; do
		echo "== risk walk alone, -np $np, $risk_users users" | tee -a "$out/risk.log"
		"${mpi[@]}" -np "$np" "$check" one "$risk_users" 1 time | tee -a "$out/risk.log"
	done
fi
if [ "$bfs_users" -gt 0 ]; then
	check=$(dirname "$bin")/../tests/mpi_bfs_check
	for np in "${list[@]}"; do
		echo "== evidence BFS alone, -np $np, $bfs_users users" | tee -a "$out/bfs.log"
		"${mpi[@]}" -np "$np" "$check" one "$bfs_users" 1 time | tee -a "$out/bfs.log"
	done
fi
}
main "$@"
