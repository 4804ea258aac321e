#!/usr/bin/env bash
# Detection quality on hidden positives, on generated worlds of every shape.
#
#   bash bench/shapes.sh [--seeds 1,2] [--only NAME[,NAME]] [-- RUN OPTIONS...]
#
# For each world below (data-samples/README.md, "Shapes"): generate it once
# with `fraudgraph gen` into bench/worlds/shapes-<name>/ (cached: reused while
# its .complete marker holds the same command and generator sources), then
# for each holdout seed S run `fraudgraph run --holdout 0.7 --holdout-seed S`
# (30% of the labelled
# fraudsters stay seeds, 70% are hidden) and measure, over the hidden
# positives only (truth positives not labelled fraud in the run; the seeds
# the run saw are neither positives nor negatives), ROC AUC and precision at
# k = the number of hidden positives (`fraudgraph evaluate`, whose default
# view is the hidden positives, checked against bench/hidden_eval.py; the
# script alone where evaluate has no such view), for each score
# the run stored: the learned `score` and the hand-set `rule_score` when the
# run trained a model, else the hand-set `score`; and `risk` (plain
# personalised PageRank).  Prints one table, the mean over the seeds.
#
# Every world has 30k-50k users: on 2 cores the whole harness takes under a
# minute with the hand-set score (gen ~0.1 s, run ~1 s per world and seed).
# Options after `--` go to every `fraudgraph run` (e.g. --no-model).
# FG=path/to/fraudgraph overrides the binary (default build/cli/fraudgraph);
# FG_GEN=path the one that generates the worlds (default: FG).
set -euo pipefail

main() {
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"
fg=${FG:-$root/build/cli/fraudgraph}
fg_gen=${FG_GEN:-$fg}
seeds=1,2
only=
run_opts=()
while [ $# -gt 0 ]; do
	case $1 in
	--seeds) seeds=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	--) shift; run_opts=("$@"); break ;;
	-h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "shapes.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
done
[ -x "$fg" ] || { echo "shapes.sh: $fg not built (ninja -C build)" >&2; exit 1; }

# name | gen options (all fraudsters labelled: the holdout decides who is seen)
worlds=(
	"rings-a|--shape rings --users 50000 --seed 11 --label-rate 1"
	"rings-b|--shape rings --users 50000 --seed 12 --label-rate 1 --ring-size 3-12 --camouflage 0.5 --victims 3"
	"rings-c|--shape rings --users 50000 --seed 13 --label-rate 1 --ring-size 10-60 --burst-days 60 --camouflage 0.2"
	"dense|--shape dense --users 30000 --seed 21"
	"coreview|--shape coreview --users 30000 --seed 22"
	"reviews|--shape reviews --users 30000 --seed 23"
	"payments|--shape payments --users 30000 --seed 24"
)

# evaluate reports hidden positives by default once it has --include-labelled
# (score, rule_score and risk side by side); hidden_eval.py otherwise
use_evaluate=0
if "$fg" evaluate --help 2>/dev/null | grep -q -- --include-labelled; then
	use_evaluate=1
fi
# evaluate --json -> "COLUMN AUC P@K K" lines in hidden_eval.py's order, rule_score
# only when a model scored the run (it differs from score)
from_json='
import json, sys
e = json.load(sys.stdin)
sc = e["scores"]
k = e["positives"]
cols = [c for c in ("score", "rule_score", "risk") if c in sc]
if "rule_score" in cols and all(sc["rule_score"][m] == sc["score"][m]
                                for m in ("roc_auc", "precision_at_p", "average_precision")):
    cols.remove("rule_score")
for c in cols:
    print("%s %.3f %.3f %d" % (c, sc[c]["roc_auc"], sc[c]["precision_at_p"], k))
'

# a world is regenerated when its options or the generator's sources change
gen_src=$(cat engine/fg_gen_*.[ch] | md5sum | cut -c1-12)
rows=()
for w in "${worlds[@]}"; do
	name=${w%%|*}
	gen=${w#*|}
	if [ -n "$only" ] && [[ ",$only," != *",$name,"* ]]; then
		continue
	fi
	dir=bench/worlds/shapes-$name
	if [ "$(cat "$dir/.complete" 2>/dev/null)" != "$gen_src $gen" ]; then
		rm -rf "$dir"
		mkdir -p bench/worlds
		# shellcheck disable=SC2086
		"$fg_gen" gen --out "$dir" $gen --quiet
		echo "$gen_src $gen" > "$dir/.complete"
	fi
	tsum=()
	for s in ${seeds//,/ }; do
		db=$dir/holdout-$s.db
		rm -f "$db" "$db-wal" "$db-shm"
		"$fg" run --db "$db" --edges "$dir/edges.csv" --users "$dir/users.csv" \
			--holdout 0.7 --holdout-seed "$s" --quiet "${run_opts[@]}" > /dev/null
		mine=$(python3 "$here/hidden_eval.py" "$db" "$dir/truth.csv")
		if [ "$use_evaluate" = 1 ]; then
			theirs=$("$fg" evaluate --db "$db" --truth "$dir/truth.csv" --json | python3 -c "$from_json")
			# the two implementations must agree (hidden_eval.py is the independent check)
			if ! paste -d' ' <(echo "$theirs") <(echo "$mine") | awk '
				$1 != $5 || ($2 - $6) ^ 2 > 1e-6 || ($3 - $7) ^ 2 > 1e-6 || $4 != $8 { bad = 1 }
				END { exit bad }'; then
				echo "shapes.sh: evaluate and hidden_eval.py disagree on $name seed $s:" >&2
				paste -d' ' <(echo "$theirs") <(echo "$mine") >&2
			fi
			tsum+=("$theirs")
		else
			tsum+=("$mine")
		fi
	done
	rows+=("$(printf '%s\n' "${tsum[@]}" | NAME=$name python3 -c '
import os, sys
acc = {}
for line in sys.stdin:
    if not line.strip():
        continue
    col, a, p, k = line.split()
    acc.setdefault(col, []).append((float(a), float(p), int(k)))
def cell(c):
    v = acc.get(c)
    if not v:
        return "-"
    return "%.3f / %.3f" % (sum(x[0] for x in v) / len(v), sum(x[1] for x in v) / len(v))
learned = "rule_score" in acc
hand = "rule_score" if learned else "score"
k = sum(x[2] for x in acc["score"]) / len(acc["score"])
print("| %s | %d | %s | %s | %s |" % (os.environ["NAME"], round(k), cell(hand), cell("risk"),
      cell("score") if learned else "-"))
')")
done
echo "Hidden positives only, mean over holdout seeds $seeds (AUC / P@k, k = hidden positives)"
echo
echo "| world | hidden | hand-set score | raw PPR (risk) | learned score |"
echo "|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
}

main "$@"
