-- Tiny results database for the evaluate test (one run, six users, scores known).
-- Ranking by score desc, ties by id: a .9 (+), b .8, c .7 (+), d .7, e .4 (+), f .1;
-- found rings: 1 = {a, b, c}, 2 = {e, f}; a is the only labelled seed; params.holdout 0.5.
-- Expected values are worked out by hand in tests/test_tools.c (evaluate_hand_computed).
PRAGMA user_version = 1;
-- schema v1: copied from src/fg_schema.c (schema_v1 + fg_schema_indexes_sql)
CREATE TABLE runs ( run_id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL, finished_at TEXT, status TEXT NOT NULL, version TEXT, params TEXT, threads INTEGER, inputs TEXT, input_digest TEXT, output_digest TEXT, n_rows INTEGER, n_filtered INTEGER, n_bad_rows INTEGER, bad_rows TEXT, n_users INTEGER, n_entities INTEGER, n_links INTEGER, n_user_links INTEGER, n_hubs INTEGER, n_seeds INTEGER, n_legit INTEGER, n_components INTEGER, n_rings INTEGER, lpa_iterations INTEGER, risk_iterations INTEGER, t_ingest REAL, t_build REAL, t_components REAL, t_rings REAL, t_risk REAL, t_evidence REAL, t_scoring REAL, t_write REAL, t_total REAL, peak_rss INTEGER, bytes_per_link REAL);
CREATE TABLE hubs ( run_id INTEGER NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL, share INTEGER NOT NULL, max_share INTEGER, reason TEXT);
CREATE TABLE user_scores ( run_id INTEGER NOT NULL, user_id TEXT NOT NULL, label TEXT, component_id INTEGER, ring_id INTEGER, risk REAL, risk_norm REAL, risk_pct REAL, score REAL, nearest_seed TEXT, seed_hops INTEGER, created_at INTEGER, PRIMARY KEY (run_id, user_id));
CREATE TABLE rings ( run_id INTEGER NOT NULL, ring_id INTEGER NOT NULL, ring_key TEXT NOT NULL, status TEXT NOT NULL, prev_keys TEXT, first_run_id INTEGER, component_id INTEGER, n_users INTEGER, n_seeds INTEGER, n_legit INTEGER, n_entities INTEGER, n_cards INTEGER, n_devices INTEGER, n_addresses INTEGER, n_phones INTEGER, n_emails INTEGER, n_ips INTEGER, n_other_entities INTEGER, n_user_links INTEGER, seed_rate REAL, seed_evidence REAL, risk_mean REAL, risk_max REAL, sharing REAL, burst REAL, size_factor REAL, dampener REAL, ring_score REAL, PRIMARY KEY (run_id, ring_id));
CREATE TABLE dissolved_rings ( run_id INTEGER NOT NULL, ring_key TEXT NOT NULL, prev_run_id INTEGER, prev_ring_id INTEGER, prev_n_users INTEGER, reason TEXT);
CREATE TABLE components ( run_id INTEGER NOT NULL, component_id INTEGER NOT NULL, n_users INTEGER, n_entities INTEGER, n_seeds INTEGER, n_rings INTEGER, risk_max REAL, PRIMARY KEY (run_id, component_id));
CREATE TABLE entities ( run_id INTEGER NOT NULL, entity_id INTEGER NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL, share INTEGER, is_hub INTEGER, risk REAL, component_id INTEGER, PRIMARY KEY (run_id, entity_id));
CREATE TABLE links ( run_id INTEGER NOT NULL, user_id TEXT NOT NULL, kind TEXT NOT NULL, entity_id INTEGER, other_user TEXT, first_seen INTEGER, last_seen INTEGER);
CREATE TABLE user_features ( run_id INTEGER NOT NULL, user_id TEXT NOT NULL, deg_total INTEGER, deg_card INTEGER, deg_device INTEGER, deg_address INTEGER, deg_ip INTEGER, deg_email INTEGER, deg_phone INTEGER, deg_other INTEGER, deg_user INTEGER, co_users INTEGER, component_size INTEGER, ring_size INTEGER, max_entity_share INTEGER, seed_hops INTEGER, seeds_2hop INTEGER, risk REAL, ring_score REAL, PRIMARY KEY (run_id, user_id));
CREATE TABLE store_meta (name TEXT PRIMARY KEY, value INTEGER);
INSERT INTO store_meta (name, value) VALUES ('max_ring_key', 0);
CREATE VIEW latest_run AS SELECT * FROM runs WHERE run_id = (SELECT MAX(run_id) FROM runs WHERE status = 'ok');
CREATE VIEW latest_user_scores AS SELECT * FROM user_scores WHERE run_id = (SELECT MAX(run_id) FROM runs WHERE status = 'ok');
CREATE VIEW latest_rings AS SELECT * FROM rings WHERE run_id = (SELECT MAX(run_id) FROM runs WHERE status = 'ok');
CREATE VIEW top_rings AS SELECT * FROM latest_rings WHERE n_users >= 2 ORDER BY ring_score DESC, ring_id LIMIT 100;
CREATE VIEW latest_hubs AS SELECT * FROM hubs WHERE run_id = (SELECT MAX(run_id) FROM runs WHERE status = 'ok');
CREATE INDEX IF NOT EXISTS user_scores_user ON user_scores (user_id, run_id);
CREATE INDEX IF NOT EXISTS user_scores_ring ON user_scores (run_id, ring_id);
CREATE INDEX IF NOT EXISTS rings_score ON rings (run_id, ring_score DESC);
CREATE INDEX IF NOT EXISTS rings_key ON rings (ring_key, run_id);
CREATE INDEX IF NOT EXISTS links_user ON links (run_id, user_id);
CREATE INDEX IF NOT EXISTS links_entity ON links (run_id, entity_id);
CREATE INDEX IF NOT EXISTS entities_value ON entities (run_id, kind, value);
CREATE INDEX IF NOT EXISTS hubs_run ON hubs (run_id);

BEGIN;
INSERT INTO runs (run_id, started_at, finished_at, status, params, n_users) VALUES
 (1, '2026-11-21T02:00:00Z', '2026-11-21T02:00:01Z', 'ok', '{"holdout":0.5}', 6);
INSERT INTO user_scores (run_id, user_id, label, component_id, ring_id, score) VALUES
 (1,'a','fraud',1,1,0.9), (1,'b',NULL,1,1,0.8), (1,'c',NULL,1,1,0.7),
 (1,'d',NULL,2,NULL,0.7), (1,'e',NULL,3,2,0.4), (1,'f',NULL,3,2,0.1);
INSERT INTO rings (run_id, ring_id, ring_key, status, n_users, ring_score) VALUES
 (1,1,'R000001','new',3,0.8), (1,2,'R000002','new',2,0.3);
COMMIT;
