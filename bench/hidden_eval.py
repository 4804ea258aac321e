#!/usr/bin/env python3
"""Detection quality on hidden positives, for bench/shapes.sh.

    python3 bench/hidden_eval.py RESULTS.db TRUTH.csv [RUN_ID]

Prints one line per score column present in user_scores (learned `score`
when a model was trained, the hand-set `rule_score`, plain PPR `risk`):
    COLUMN AUC P@K K
Hidden positives: users positive in the truth file whose label in the run is
not `fraud` (held-out seeds, stored as `holdout`, and fraudsters never
labelled).  The seeds the run saw are neither positives nor negatives.
Negatives: every other user of the run.  AUC is Mann-Whitney with average
ranks for tied scores; P@K ranks by score descending, ties by user_id (byte
order), with K = the number of hidden positives.  Truth positives: role in
{ring, collusion} when a role column exists, else label in {fraud, 1, true}
(case-insensitive), else a non-empty ring_id (fraudgraph evaluate's rule).
"""
import csv
import sqlite3
import sys


def truth_positives(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = csv.reader(f)
        head = [h.strip().lower() for h in next(rows)]
        col = {h: i for i, h in enumerate(head)}
        pos = set()
        for r in rows:
            if not r:
                continue
            uid = r[col["user_id"]]
            if "role" in col:
                ok = r[col["role"]].strip().lower() in ("ring", "collusion")
            elif "label" in col:
                ok = r[col["label"]].strip().lower() in ("fraud", "1", "true")
            else:
                ok = r[col["ring_id"]].strip() != ""
            if ok:
                pos.add(uid)
    return pos


def auc(scores, labels):
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        avg = (i + j) / 2.0 + 1.0
        for k in range(i, j + 1):
            ranks[order[k]] = avg
        i = j + 1
    npos = sum(labels)
    nneg = len(labels) - npos
    if npos == 0 or nneg == 0:
        return float("nan")
    rsum = sum(r for r, l in zip(ranks, labels) if l)
    return (rsum - npos * (npos + 1) / 2.0) / (npos * nneg)


def main():
    db, truth = sys.argv[1], sys.argv[2]
    con = sqlite3.connect(db)
    run = sys.argv[3] if len(sys.argv) > 3 else con.execute(
        "SELECT max(run_id) FROM runs WHERE status = 'ok'").fetchone()[0]
    cols = [r[1] for r in con.execute("PRAGMA table_info(user_scores)")]
    wanted = [c for c in ("score", "rule_score", "risk") if c in cols]
    # rule_score holds the hand-set score only when a model scored the run
    # (NULL, or equal to score, otherwise)
    if "rule_score" in wanted and not con.execute(
            "SELECT count(*) FROM user_scores WHERE run_id = ? AND rule_score IS NOT NULL"
            " AND rule_score <> score", (run,)).fetchone()[0]:
        wanted.remove("rule_score")
    pos = truth_positives(truth)
    rows = con.execute(
        "SELECT user_id, label, " + ", ".join("coalesce(%s, 0)" % c for c in wanted) +
        " FROM user_scores WHERE run_id = ? AND coalesce(label, '') <> 'fraud'"
        " ORDER BY user_id", (run,)).fetchall()
    labels = [1 if r[0] in pos else 0 for r in rows]
    k = sum(labels)
    for ci, name in enumerate(wanted):
        sc = [r[2 + ci] for r in rows]
        top = sorted(range(len(rows)), key=lambda i: (-sc[i], rows[i][0]))[:k]
        pk = sum(labels[i] for i in top) / k if k else float("nan")
        print("%s %.3f %.3f %d" % (name, auc(sc, labels), pk, k))


if __name__ == "__main__":
    main()
