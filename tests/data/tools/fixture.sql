-- Fixture results database for the explain/report/evaluate tests.
-- Rows only: tests/test_tools.c creates the schema with the store itself (fg_store_open,
-- fg_schema_indexes_sql), so the fixture cannot drift from it; rows are hand-made for two
-- committed runs.
--
-- Run 1 (2026-11-20): rings R000001 {u01,u02} (size 2), R000002 {u50,u51,u52},
--   R000003 {u40,u41} (u41 a seed); hubs: address 'forwarder 1' (share 120), device 'emu-0' (40).
-- Run 2 (2026-11-21): R000001 grew to {u01..u05} (two shared cards c1, c2, device d1, address a1;
--   u05 a seed), R000002 stable, R000004 new {u30,u31} linked by a direct 'transfer';
--   R000003 dissolved (u40, u41 now alone; u41 no longer a seed);
--   household {u20,u21,u22} (address '12 elm st', device 'fam-tab') is in no ring;
--   u01 and u20 use the hub 'forwarder 1'; u60 is alone.

BEGIN;
INSERT INTO runs (run_id, started_at, finished_at, status, version, params, threads, inputs,
  input_digest, output_digest, n_rows, n_filtered, n_bad_rows, bad_rows, n_users, n_entities,
  n_links, n_user_links, n_hubs, n_seeds, n_legit, n_components, n_rings, lpa_iterations,
  risk_iterations, t_ingest, t_build, t_components, t_rings, t_risk, t_evidence, t_scoring,
  t_write, t_total, peak_rss, bytes_per_link) VALUES
 (1, '2026-11-20T02:00:00Z', '2026-11-20T02:00:05Z', 'ok', '0.1.0', '{"holdout":0}', 2,
  '["links-1.csv"]', 'aaaa', 'bbbb', 430, 0, 1, '{"missing user_id":1}', 14, 12, 400, 0, 2, 1, 1,
  9, 3, 4, 20, 0.5, 0.25, 0.125, 0.25, 0.5, 0.125, 0.125, 1.0, 3.0, 104857600, 96.5),
 (2, '2026-11-21T02:00:00Z', '2026-11-21T02:00:06Z', 'ok', '0.1.0', '{"holdout":0.2}', 2,
  '["links-2.csv"]', 'cccc', 'dddd', 450, 1, 3, '{"missing user_id":2,"bad timestamp":1}', 17, 13,
  420, 1, 2, 1, 1, 9, 3, 5, 22, 0.75, 0.25, 0.125, 0.25, 0.5, 0.25, 0.125, 1.5, 3.75, 115343360,
  98.25);

-- run 1 --------------------------------------------------------------------------------------
INSERT INTO entities VALUES
 (1,1,'address','forwarder 1',120,1,NULL,NULL),
 (1,2,'address','12 elm st',3,0,0.01,2),
 (1,3,'card','c1',2,0,0.2,1),
 (1,4,'device','d-x',2,0,0.3,4),
 (1,5,'device','emu-0',40,1,NULL,NULL),
 (1,6,'device','fam-tab',2,0,0.01,2),
 (1,7,'phone','p1',3,0,0.05,3);
INSERT INTO hubs VALUES
 (1,'address','forwarder 1',120,50,'share 120 > max_share 50'),
 (1,'device','emu-0',40,30,'share 40 > max_share 30');
INSERT INTO user_scores (run_id, user_id, label, component_id, ring_id, risk, risk_norm, risk_pct, score, nearest_seed, seed_hops, created_at) VALUES
 (1,'u01',NULL,1,1,0.02,0.40,70.0,0.35,NULL,NULL,1700000000),
 (1,'u02',NULL,1,1,0.02,0.40,70.0,0.33,NULL,NULL,1700000100),
 (1,'u03',NULL,6,NULL,0,0,10.0,0.02,NULL,NULL,NULL),
 (1,'u04',NULL,7,NULL,0,0,10.0,0.02,NULL,NULL,NULL),
 (1,'u05',NULL,8,NULL,0,0,10.0,0.05,NULL,NULL,NULL),
 (1,'u20','legit',2,NULL,0,0,10.0,0.04,NULL,NULL,NULL),
 (1,'u21',NULL,2,NULL,0,0,10.0,0.06,NULL,NULL,NULL),
 (1,'u22',NULL,2,NULL,0,0,10.0,0.06,NULL,NULL,NULL),
 (1,'u40',NULL,4,3,0.2,0.8,95.0,0.72,'u41',2,NULL),
 (1,'u41','fraud',4,3,0.5,1.0,100.0,0.91,'u41',0,NULL),
 (1,'u50',NULL,3,2,0.01,0.2,60.0,0.25,NULL,NULL,NULL),
 (1,'u51',NULL,3,2,0.01,0.2,60.0,0.22,NULL,NULL,NULL),
 (1,'u52',NULL,3,2,0.01,0.2,60.0,0.18,NULL,NULL,NULL),
 (1,'u60',NULL,9,NULL,0,0,10.0,0.01,NULL,NULL,NULL);
INSERT INTO rings (run_id, ring_id, ring_key, status, prev_keys, first_run_id, component_id, n_users, n_seeds, n_legit, n_entities, n_cards, n_devices, n_addresses, n_phones, n_emails, n_ips, n_other_entities, n_user_links, seed_rate, seed_evidence, risk_mean, risk_max, sharing, burst, size_factor, dampener, ring_score) VALUES
 (1,1,'R000001','new',NULL,1,1, 2,0,0,1,1,0,0,0,0,0,0,0, 0.0,0.1,0.2,0.3,0.5,0.2,0.6,1.0,0.30),
 (1,2,'R000002','new',NULL,1,3, 3,0,0,1,0,0,0,1,0,0,0,0, 0.0,0.1,0.1,0.1,0.4,0.0,0.7,1.0,0.20),
 (1,3,'R000003','new',NULL,1,4, 2,1,0,1,0,1,0,0,0,0,0,0, 0.5,0.6,0.6,0.9,0.5,0.0,0.6,1.0,0.70);
INSERT INTO links (run_id, user_id, kind, entity_id, other_user, first_seen, last_seen, link_no) VALUES
 (1,'u01','card',3,NULL,1700000000,1700500000,0),
 (1,'u02','card',3,NULL,1700000100,1700500000,0),
 (1,'u01','address',1,NULL,NULL,NULL,1),
 (1,'u20','address',1,NULL,NULL,NULL,0),
 (1,'u20','address',2,NULL,NULL,NULL,1),
 (1,'u21','address',2,NULL,NULL,NULL,0),
 (1,'u22','address',2,NULL,NULL,NULL,0),
 (1,'u20','device',6,NULL,NULL,NULL,2),
 (1,'u21','device',6,NULL,NULL,NULL,1),
 (1,'u40','device',4,NULL,NULL,NULL,0),
 (1,'u41','device',4,NULL,NULL,NULL,0),
 (1,'u50','phone',7,NULL,NULL,NULL,0),
 (1,'u51','phone',7,NULL,NULL,NULL,0),
 (1,'u52','phone',7,NULL,NULL,NULL,0);

-- run 2 --------------------------------------------------------------------------------------
INSERT INTO entities VALUES
 (2,1,'address','a1',2,0,0.3,1),
 (2,2,'address','forwarder 1',120,1,NULL,NULL),
 (2,3,'address','12 elm st',3,0,0.01,2),
 (2,4,'card','c1',3,0,0.5,1),
 (2,5,'card','c2',3,0,0.6,1),
 (2,6,'device','d1',2,0,0.4,1),
 (2,7,'device','emu-0',45,1,NULL,NULL),
 (2,8,'device','fam-tab',2,0,0.01,2),
 (2,9,'phone','p1',3,0,0.05,3);
INSERT INTO hubs VALUES
 (2,'address','forwarder 1',120,50,'share 120 > max_share 50'),
 (2,'device','emu-0',45,30,'share 45 > max_share 30');
INSERT INTO user_scores (run_id, user_id, label, component_id, ring_id, risk, risk_norm, risk_pct, score, nearest_seed, seed_hops, created_at) VALUES
 (2,'u01',NULL,1,1,0.04,0.70,88.0,0.82,'u05',4,1700000000),
 (2,'u02',NULL,1,1,0.05,0.75,90.0,0.85,'u05',2,1700000100),
 (2,'u03',NULL,1,1,0.05,0.75,90.0,0.86,'u05',2,1700000200),
 (2,'u04',NULL,1,1,0.05,0.75,90.0,0.84,'u05',2,1700000300),
 (2,'u05','fraud',1,1,0.30,1.00,100.0,0.97,'u05',0,1700000400),
 (2,'u10',NULL,10,NULL,0,0,5.0,0.03,NULL,NULL,NULL),
 (2,'u20','legit',2,NULL,0,0,5.0,0.04,NULL,NULL,NULL),
 (2,'u21',NULL,2,NULL,0,0,5.0,0.06,NULL,NULL,NULL),
 (2,'u22',NULL,2,NULL,0,0,5.0,0.06,NULL,NULL,NULL),
 (2,'u30',NULL,5,3,0.01,0.2,60.0,0.45,NULL,NULL,NULL),
 (2,'u31',NULL,5,3,0.01,0.2,60.0,0.47,NULL,NULL,NULL),
 (2,'u40',NULL,4,NULL,0,0,5.0,0.08,NULL,NULL,NULL),
 (2,'u41',NULL,6,NULL,0,0,5.0,0.09,NULL,NULL,NULL),
 (2,'u50',NULL,3,2,0.01,0.2,60.0,0.25,NULL,NULL,NULL),
 (2,'u51',NULL,3,2,0.01,0.2,60.0,0.22,NULL,NULL,NULL),
 (2,'u52',NULL,3,2,0.01,0.2,60.0,0.18,NULL,NULL,NULL),
 (2,'u60',NULL,9,NULL,0,0,5.0,0.01,NULL,NULL,NULL);
INSERT INTO rings (run_id, ring_id, ring_key, status, prev_keys, first_run_id, component_id, n_users, n_seeds, n_legit, n_entities, n_cards, n_devices, n_addresses, n_phones, n_emails, n_ips, n_other_entities, n_user_links, seed_rate, seed_evidence, risk_mean, risk_max, sharing, burst, size_factor, dampener, ring_score) VALUES
 (2,1,'R000001','grown','["R000001"]',1,1, 5,1,0,4,2,1,1,0,0,0,0,0,
  0.2,0.35,0.6,1.0,0.8,0.9,0.9,1.0,0.86),
 (2,2,'R000002','stable','["R000002"]',1,3, 3,0,0,1,0,0,0,1,0,0,0,0,
  0.0,0.1,0.1,0.1,0.4,0.0,0.7,1.0,0.20),
 (2,3,'R000004','new',NULL,2,5, 2,0,0,0,0,0,0,0,0,0,0,1,
  0.0,0.1,0.2,0.2,0.6,0.5,0.6,1.0,0.46);
INSERT INTO dissolved_rings VALUES (2,'R000003',1,3,2,'no shared link left');
INSERT INTO links (run_id, user_id, kind, entity_id, other_user, first_seen, last_seen, link_no) VALUES
 (2,'u01','card',4,NULL,1700000000,1700600000,0),
 (2,'u02','card',4,NULL,1700000100,1700600000,0),
 (2,'u03','card',4,NULL,1700000200,1700600000,0),
 (2,'u03','card',5,NULL,1700000200,1700600000,1),
 (2,'u04','card',5,NULL,1700000300,1700600000,0),
 (2,'u05','card',5,NULL,1700000400,1700600000,0),
 (2,'u01','device',6,NULL,NULL,NULL,1),
 (2,'u04','device',6,NULL,NULL,NULL,1),
 (2,'u02','address',1,NULL,NULL,NULL,1),
 (2,'u05','address',1,NULL,NULL,NULL,1),
 (2,'u01','address',2,NULL,NULL,NULL,2),
 (2,'u20','address',2,NULL,NULL,NULL,0),
 (2,'u20','address',3,NULL,NULL,NULL,1),
 (2,'u21','address',3,NULL,NULL,NULL,0),
 (2,'u22','address',3,NULL,NULL,NULL,0),
 (2,'u20','device',8,NULL,NULL,NULL,2),
 (2,'u21','device',8,NULL,NULL,NULL,1),
 (2,'u30','transfer',NULL,'u31',1700300000,1700400000,0),
 (2,'u50','phone',9,NULL,NULL,NULL,0),
 (2,'u51','phone',9,NULL,NULL,NULL,0),
 (2,'u52','phone',9,NULL,NULL,NULL,0);
INSERT INTO user_features (run_id, user_id, deg_total, deg_user) VALUES
 (2,'u01',3,0), (2,'u02',2,0), (2,'u03',2,0), (2,'u04',2,0), (2,'u05',2,0), (2,'u10',0,0),
 (2,'u20',3,0), (2,'u21',2,0), (2,'u22',1,0), (2,'u30',1,1), (2,'u31',1,1), (2,'u40',0,0),
 (2,'u41',0,0), (2,'u50',1,0), (2,'u51',1,0), (2,'u52',1,0), (2,'u60',0,0);
COMMIT;
UPDATE store_meta SET value = 4 WHERE name = 'max_ring_key';
