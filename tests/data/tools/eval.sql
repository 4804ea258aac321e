-- Tiny results database for the evaluate test (one run, six users, scores known).
-- Ranking by score desc, ties by id: a .9 (+), b .8, c .7 (+), d .7, e .4 (+), f .1;
-- found rings: 1 = {a, b, c}, 2 = {e, f}; a is the only labelled seed; params.holdout 0.5.
-- risk (the plain PPR column): a .5, b .1, c .4, d .3, e .2, f 0.
-- Expected values are worked out by hand in tests/test_tools.c (evaluate_hand_computed,
-- evaluate_hidden_hand_computed).

BEGIN;
INSERT INTO runs (run_id, started_at, finished_at, status, params, n_users) VALUES
 (1, '2026-11-21T02:00:00Z', '2026-11-21T02:00:01Z', 'ok', '{"holdout":0.5}', 6);
INSERT INTO user_scores (run_id, user_id, label, component_id, ring_id, score, risk) VALUES
 (1,'a','fraud',1,1,0.9,0.5), (1,'b',NULL,1,1,0.8,0.1), (1,'c',NULL,1,1,0.7,0.4),
 (1,'d',NULL,2,NULL,0.7,0.3), (1,'e',NULL,3,2,0.4,0.2), (1,'f',NULL,3,2,0.1,0.0);
INSERT INTO rings (run_id, ring_id, ring_key, status, n_users, ring_score) VALUES
 (1,1,'R000001','new',3,0.8), (1,2,'R000002','new',2,0.3);
COMMIT;
