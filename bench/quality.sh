#!/usr/bin/env bash
# Ring-level detection quality of a run against a generated truth file:
#   bash bench/quality.sh RESULTS.db TRUTH.csv [RUN_ID] [K]
# A found ring counts as planted when most of its members are planted ring or
# collusion members in truth.csv.  Prints: precision at the top K rings,
# recall of planted members by the top K rings (and by all rings), and how many
# households / offices made the top K.
set -euo pipefail
db=$1 truth=$2 run=${3:-} k=${4:-100}
[ -n "$run" ] || run=$(sqlite3 "$db" "SELECT run_id FROM latest_run")
sqlite3 "$db" <<SQL
.bail on
CREATE TEMP TABLE truth(user_id TEXT PRIMARY KEY, ring_id TEXT, role TEXT);
.mode csv
.import --skip 1 $truth truth
.mode list
.separator " "
CREATE TEMP TABLE ranked AS
  SELECT r.ring_id, r.ring_score, r.n_users,
         (SELECT count(*) FROM user_scores s JOIN truth t ON t.user_id = s.user_id
           WHERE s.run_id = r.run_id AND s.ring_id = r.ring_id AND t.role IN ('ring','collusion')) AS planted,
         (SELECT count(*) FROM user_scores s JOIN truth t ON t.user_id = s.user_id
           WHERE s.run_id = r.run_id AND s.ring_id = r.ring_id AND t.role IN ('household','office')) AS benign
  FROM rings r WHERE r.run_id = $run ORDER BY r.ring_score DESC, r.ring_id;
CREATE TEMP TABLE top AS SELECT * FROM ranked LIMIT $k;
SELECT 'planted groups (rings + collusion):', count(DISTINCT ring_id),
       ' members:', count(*) FROM truth WHERE role IN ('ring','collusion');
SELECT 'found rings:', count(*) FROM ranked;
SELECT 'precision@$k rings (majority planted):', printf('%.3f', avg(2 * planted > n_users)) FROM top;
SELECT 'recall of planted members by the top $k rings:',
       printf('%.3f', 1.0 * sum(planted) / (SELECT count(*) FROM truth WHERE role IN ('ring','collusion'))) FROM top;
SELECT 'recall of planted members by all rings:',
       printf('%.3f', 1.0 * sum(planted) / (SELECT count(*) FROM truth WHERE role IN ('ring','collusion'))) FROM ranked;
SELECT 'households/offices in the top $k rings:', count(*) FROM top WHERE 2 * benign > n_users;
SQL
