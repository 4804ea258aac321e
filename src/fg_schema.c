/*
 * fg_schema: the schema of the results database as numbered migration
 * steps (version 5 now); docs/schema.md documents every column; keep the two
 * in step.
 *
 * Layout choices: every table is keyed by run_id first, so one run's rows are
 * contiguous and retention deletes a key range.  Since version 4 the per-run
 * tables are stored in their primary keys (WITHOUT ROWID: one B-tree instead
 * of a rowid table plus its key index) and written in key order, so a run's
 * rows append at the end of the B-tree on every night, not only the first.
 * WITHOUT ROWID makes a run's key range a covering "index" that SQLite, with
 * no statistics, costs at about 10 rows: it then scanned a whole run instead
 * of using user_scores_ring or links_other, which is why the store writes
 * planner statistics at each commit (fg_schema_stats).  Secondary indexes
 * are not here: fg_store_build_indexes creates them after the first run's
 * bulk load (fg_schema_indexes_sql); user_scores_ring is partial (ring_id IS
 * NOT NULL: about 5% of users), which halved the index time of the first run
 * and the user_scores load of later ones.  Since version 5 the by-entity
 * access path is a table of its own (entity_links), written in its key
 * order, instead of an index on links that every later night filled by
 * random inserts.
 */
#include "fg_schema.h"

#include <stddef.h>

/*
 * The views, created by version 1 and again by version 4 (which rebuilds the
 * tables they read: a view naming a dropped table would stop the rename).
 */
#define VIEWS_SQL                                                                   \
	"CREATE VIEW latest_run AS"                                                 \
	" SELECT * FROM runs WHERE run_id ="                                        \
	" (SELECT MAX(run_id) FROM runs WHERE status = 'ok');\n"                    \
	"CREATE VIEW latest_user_scores AS"                                         \
	" SELECT * FROM user_scores WHERE run_id ="                                 \
	" (SELECT MAX(run_id) FROM runs WHERE status = 'ok');\n"                    \
	"CREATE VIEW latest_rings AS"                                               \
	" SELECT * FROM rings WHERE run_id ="                                       \
	" (SELECT MAX(run_id) FROM runs WHERE status = 'ok');\n"                    \
	"CREATE VIEW top_rings AS"                                                  \
	" SELECT * FROM latest_rings WHERE n_users >= 2"                            \
	" ORDER BY ring_score DESC, ring_id LIMIT 100;\n"                           \
	"CREATE VIEW latest_hubs AS"                                                \
	" SELECT * FROM hubs WHERE run_id ="                                        \
	" (SELECT MAX(run_id) FROM runs WHERE status = 'ok');\n"

static const char schema_v1[] =
	"CREATE TABLE runs ("
	" run_id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" started_at TEXT NOT NULL,"
	" finished_at TEXT,"
	" status TEXT NOT NULL,"
	" version TEXT,"
	" params TEXT,"
	" threads INTEGER,"
	" inputs TEXT,"
	" input_digest TEXT,"
	" output_digest TEXT,"
	" n_rows INTEGER, n_filtered INTEGER, n_bad_rows INTEGER, bad_rows TEXT,"
	" n_users INTEGER, n_entities INTEGER, n_links INTEGER, n_user_links INTEGER,"
	" n_hubs INTEGER, n_seeds INTEGER, n_legit INTEGER, n_components INTEGER,"
	" n_rings INTEGER, lpa_iterations INTEGER, risk_iterations INTEGER,"
	" t_ingest REAL, t_build REAL, t_components REAL, t_rings REAL, t_risk REAL,"
	" t_evidence REAL, t_scoring REAL, t_write REAL, t_total REAL,"
	" peak_rss INTEGER, bytes_per_link REAL);\n"

	"CREATE TABLE hubs ("
	" run_id INTEGER NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL,"
	" share INTEGER NOT NULL, max_share INTEGER, reason TEXT);\n"

	"CREATE TABLE user_scores ("
	" run_id INTEGER NOT NULL, user_id TEXT NOT NULL, label TEXT,"
	" component_id INTEGER, ring_id INTEGER, risk REAL, risk_norm REAL,"
	" risk_pct REAL, score REAL, nearest_seed TEXT, seed_hops INTEGER,"
	" created_at INTEGER,"
	" PRIMARY KEY (run_id, user_id));\n"

	"CREATE TABLE rings ("
	" run_id INTEGER NOT NULL, ring_id INTEGER NOT NULL, ring_key TEXT NOT NULL,"
	" status TEXT NOT NULL, prev_keys TEXT, first_run_id INTEGER,"
	" component_id INTEGER, n_users INTEGER, n_seeds INTEGER, n_legit INTEGER,"
	" n_entities INTEGER, n_cards INTEGER, n_devices INTEGER, n_addresses INTEGER,"
	" n_phones INTEGER, n_emails INTEGER, n_ips INTEGER, n_other_entities INTEGER,"
	" n_user_links INTEGER, seed_rate REAL, seed_evidence REAL, risk_mean REAL,"
	" risk_max REAL, sharing REAL, burst REAL, size_factor REAL, dampener REAL,"
	" ring_score REAL,"
	" PRIMARY KEY (run_id, ring_id));\n"

	"CREATE TABLE dissolved_rings ("
	" run_id INTEGER NOT NULL, ring_key TEXT NOT NULL, prev_run_id INTEGER,"
	" prev_ring_id INTEGER, prev_n_users INTEGER, reason TEXT);\n"

	"CREATE TABLE components ("
	" run_id INTEGER NOT NULL, component_id INTEGER NOT NULL, n_users INTEGER,"
	" n_entities INTEGER, n_seeds INTEGER, n_rings INTEGER, risk_max REAL,"
	" seed_evidence REAL, risk_mean REAL, sharing REAL, burst REAL, size_factor REAL,"
	" dampener REAL, component_score REAL,"
	" PRIMARY KEY (run_id, component_id));\n"

	"CREATE TABLE entities ("
	" run_id INTEGER NOT NULL, entity_id INTEGER NOT NULL, kind TEXT NOT NULL,"
	" value TEXT NOT NULL, share INTEGER, is_hub INTEGER, risk REAL,"
	" component_id INTEGER,"
	" PRIMARY KEY (run_id, entity_id));\n"

	"CREATE TABLE links ("
	" run_id INTEGER NOT NULL, user_id TEXT NOT NULL, kind TEXT NOT NULL,"
	" entity_id INTEGER, other_user TEXT, first_seen INTEGER, last_seen INTEGER);\n"

	"CREATE TABLE user_features ("
	" run_id INTEGER NOT NULL, user_id TEXT NOT NULL,"
	" deg_total INTEGER, deg_card INTEGER, deg_device INTEGER, deg_address INTEGER,"
	" deg_ip INTEGER, deg_email INTEGER, deg_phone INTEGER, deg_other INTEGER,"
	" deg_user INTEGER, co_users INTEGER, component_size INTEGER, ring_size INTEGER,"
	" max_entity_share INTEGER, seed_hops INTEGER, seeds_2hop INTEGER,"
	" risk REAL, ring_score REAL,"
	" PRIMARY KEY (run_id, user_id)) WITHOUT ROWID;\n"

	/* Not keyed by run_id: survives retention, so ring keys are never reused. */
	"CREATE TABLE store_meta (name TEXT PRIMARY KEY, value INTEGER);\n"
	"INSERT INTO store_meta (name, value) VALUES ('max_ring_key', 0);\n"

	VIEWS_SQL;

/*
 * Version 2: the run-level data contract (issue 11).  hub_cut_share: the
 * share of the links cut because their entity is a hub (n_hub_links /
 * n_links); n_placeholders and placeholders: rows dropped before interning
 * for a placeholder value, in total and per kind (JSON); kinds: every kind
 * seen with its settings and counts (JSON).  NULL in runs of version 1.
 */
static const char schema_v2[] =
	"ALTER TABLE runs ADD COLUMN hub_cut_share REAL;\n"
	"ALTER TABLE runs ADD COLUMN n_hub_links INTEGER;\n"
	"ALTER TABLE runs ADD COLUMN n_placeholders INTEGER;\n"
	"ALTER TABLE runs ADD COLUMN placeholders TEXT;\n"
	"ALTER TABLE runs ADD COLUMN kinds TEXT;\n";

/*
 * Version 3: the learned model (engine/fg_model.c, docs/scoring.md "The
 * learned model").  user_scores.score and rings.ring_score hold the model's
 * scores when a model scored the run; the hand-set ones move to rule_score.
 * models: one row per run that trained or loaded a model.  user_reasons: the
 * top SHAP contributions of flagged users.  user_model_features: the model's
 * feature row (JSON object by name) of labelled and flagged users only (2 M
 * users x 60 features is too many values to store nightly).
 */
static const char schema_v3[] =
	"ALTER TABLE user_scores ADD COLUMN rule_score REAL;\n"
	"ALTER TABLE rings ADD COLUMN rule_score REAL;\n"
	"ALTER TABLE runs ADD COLUMN t_model REAL;\n"
	"ALTER TABLE runs ADD COLUMN model_status TEXT;\n"
	"CREATE TABLE models ("
	" run_id INTEGER NOT NULL PRIMARY KEY, source TEXT NOT NULL, n_folds INTEGER,"
	" n_features INTEGER, feature_names TEXT, params TEXT, n_positives INTEGER,"
	" n_negatives INTEGER, neg_rate REAL, auc REAL, ap REAL, p_at_k REAL, k INTEGER,"
	" importance TEXT, model_file TEXT);\n"
	"CREATE TABLE user_reasons ("
	" run_id INTEGER NOT NULL, user_id TEXT NOT NULL, rank INTEGER NOT NULL,"
	" feature TEXT NOT NULL, value REAL, contribution REAL, text TEXT,"
	" PRIMARY KEY (run_id, user_id, rank)) WITHOUT ROWID;\n"
	"CREATE TABLE user_model_features ("
	" run_id INTEGER NOT NULL, user_id TEXT NOT NULL, features TEXT NOT NULL,"
	" PRIMARY KEY (run_id, user_id)) WITHOUT ROWID;\n";

/*
 * Version 4: tables stored in their primary keys (issue 13).  user_scores,
 * rings, components, entities and hubs become WITHOUT ROWID tables keyed as
 * before (hubs: (run_id, kind, value), unique since a hub is an entity);
 * links is keyed (run_id, user_id, link_no), link_no numbering a user's
 * links in the run's order.  Every table is written in its key order
 * (fg_run_write.c), so a run's rows append at the end of one B-tree instead
 * of a rowid table plus a unique index.  The indexes that repeated a key go:
 * links_user (the key now), hubs_run (the key's prefix) and user_scores_user
 * (one user's history is a primary-key lookup per run: docs/schema.md).  The
 * rows of v3 are copied in key order; the views are dropped first, because
 * renaming a table is refused while a view names a dropped one.
 */
static const char schema_v4[] =
	"DROP VIEW top_rings;\n"
	"DROP VIEW latest_rings;\n"
	"DROP VIEW latest_user_scores;\n"
	"DROP VIEW latest_hubs;\n"
	"DROP VIEW latest_run;\n"

	"CREATE TABLE user_scores_v4 ("
	" run_id INTEGER NOT NULL, user_id TEXT NOT NULL, label TEXT,"
	" component_id INTEGER, ring_id INTEGER, risk REAL, risk_norm REAL,"
	" risk_pct REAL, score REAL, nearest_seed TEXT, seed_hops INTEGER,"
	" created_at INTEGER, rule_score REAL,"
	" PRIMARY KEY (run_id, user_id)) WITHOUT ROWID;\n"
	"INSERT INTO user_scores_v4 SELECT * FROM user_scores ORDER BY run_id, user_id;\n"
	"DROP TABLE user_scores;\n"
	"ALTER TABLE user_scores_v4 RENAME TO user_scores;\n"

	"CREATE TABLE rings_v4 ("
	" run_id INTEGER NOT NULL, ring_id INTEGER NOT NULL, ring_key TEXT NOT NULL,"
	" status TEXT NOT NULL, prev_keys TEXT, first_run_id INTEGER,"
	" component_id INTEGER, n_users INTEGER, n_seeds INTEGER, n_legit INTEGER,"
	" n_entities INTEGER, n_cards INTEGER, n_devices INTEGER, n_addresses INTEGER,"
	" n_phones INTEGER, n_emails INTEGER, n_ips INTEGER, n_other_entities INTEGER,"
	" n_user_links INTEGER, seed_rate REAL, seed_evidence REAL, risk_mean REAL,"
	" risk_max REAL, sharing REAL, burst REAL, size_factor REAL, dampener REAL,"
	" ring_score REAL, rule_score REAL,"
	" PRIMARY KEY (run_id, ring_id)) WITHOUT ROWID;\n"
	"INSERT INTO rings_v4 SELECT * FROM rings ORDER BY run_id, ring_id;\n"
	"DROP TABLE rings;\n"
	"ALTER TABLE rings_v4 RENAME TO rings;\n"

	"CREATE TABLE components_v4 ("
	" run_id INTEGER NOT NULL, component_id INTEGER NOT NULL, n_users INTEGER,"
	" n_entities INTEGER, n_seeds INTEGER, n_rings INTEGER, risk_max REAL,"
	" seed_evidence REAL, risk_mean REAL, sharing REAL, burst REAL, size_factor REAL,"
	" dampener REAL, component_score REAL,"
	" PRIMARY KEY (run_id, component_id)) WITHOUT ROWID;\n"
	"INSERT INTO components_v4 SELECT * FROM components ORDER BY run_id, component_id;\n"
	"DROP TABLE components;\n"
	"ALTER TABLE components_v4 RENAME TO components;\n"

	"CREATE TABLE entities_v4 ("
	" run_id INTEGER NOT NULL, entity_id INTEGER NOT NULL, kind TEXT NOT NULL,"
	" value TEXT NOT NULL, share INTEGER, is_hub INTEGER, risk REAL,"
	" component_id INTEGER,"
	" PRIMARY KEY (run_id, entity_id)) WITHOUT ROWID;\n"
	"INSERT INTO entities_v4 SELECT * FROM entities ORDER BY run_id, entity_id;\n"
	"DROP TABLE entities;\n"
	"ALTER TABLE entities_v4 RENAME TO entities;\n"

	"CREATE TABLE hubs_v4 ("
	" run_id INTEGER NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL,"
	" share INTEGER NOT NULL, max_share INTEGER, reason TEXT,"
	" PRIMARY KEY (run_id, kind, value)) WITHOUT ROWID;\n"
	"INSERT INTO hubs_v4 SELECT * FROM hubs ORDER BY run_id, kind, value;\n"
	"DROP TABLE hubs;\n"
	"ALTER TABLE hubs_v4 RENAME TO hubs;\n"

	/*
	 * link_no: the v3 rows of a user kept their run's order in rowid order.
	 * It is the third column, with the rest of the key: SQLite 3.40's
	 * integrity_check misreads a NOT NULL column stored before a key column.
	 */
	"CREATE TABLE links_v4 ("
	" run_id INTEGER NOT NULL, user_id TEXT NOT NULL, link_no INTEGER NOT NULL,"
	" kind TEXT NOT NULL, entity_id INTEGER, other_user TEXT, first_seen INTEGER,"
	" last_seen INTEGER,"
	" PRIMARY KEY (run_id, user_id, link_no)) WITHOUT ROWID;\n"
	"INSERT INTO links_v4 SELECT run_id, user_id,"
	" row_number() OVER (PARTITION BY run_id, user_id ORDER BY rowid) - 1,"
	" kind, entity_id, other_user, first_seen, last_seen"
	" FROM links ORDER BY run_id, user_id, rowid;\n"
	"DROP TABLE links;\n"
	"ALTER TABLE links_v4 RENAME TO links;\n"

	VIEWS_SQL
	/* creates an empty sqlite_stat1: fg_store_run_commit fills it */
	"ANALYZE sqlite_master;\n";

/*
 * Version 5: entity_links (issue 13), the links from an entity to its users,
 * keyed (run_id, entity_id, user_id) and written in that order, replaces
 * the index links_entity: the rows of a night come in user order, so the
 * index took them as random inserts into a B-tree holding every retained
 * run (2.3 CPU-s per 480 k rows on the 2M world's second night, 0.83 for
 * the table: docs/performance.md).  One row per link of links to an entity
 * (a user links an entity once); the user-user links stay in links only.
 */
static const char schema_v5[] =
	"CREATE TABLE entity_links ("
	" run_id INTEGER NOT NULL, entity_id INTEGER NOT NULL, user_id TEXT NOT NULL,"
	" PRIMARY KEY (run_id, entity_id, user_id)) WITHOUT ROWID;\n"
	"INSERT INTO entity_links SELECT run_id, entity_id, user_id FROM links"
	" WHERE entity_id IS NOT NULL ORDER BY run_id, entity_id, user_id;\n"
	"DROP INDEX IF EXISTS links_entity;\n"
	"DELETE FROM sqlite_stat1 WHERE idx = 'links_entity';\n";

const fg_schema_migration fg_schema_migrations[] = {
	{ 1, schema_v1 },
	{ 2, schema_v2 },
	{ 3, schema_v3 },
	{ 4, schema_v4 },
	{ 5, schema_v5 },
};
const int fg_schema_n_migrations =
	(int)(sizeof(fg_schema_migrations) / sizeof(fg_schema_migrations[0]));

#define IX_USER_SCORES \
	"CREATE INDEX IF NOT EXISTS user_scores_ring ON user_scores (run_id, ring_id) WHERE ring_id IS NOT NULL;\n"
#define IX_RINGS \
	"CREATE INDEX IF NOT EXISTS rings_score ON rings (run_id, ring_score DESC);\n" \
	"CREATE INDEX IF NOT EXISTS rings_key ON rings (ring_key, run_id);\n"
#define IX_LINKS \
	"CREATE INDEX IF NOT EXISTS links_other ON links (run_id, other_user) WHERE other_user IS NOT NULL;\n"
#define IX_ENTITIES \
	"CREATE INDEX IF NOT EXISTS entities_value ON entities (run_id, kind, value);\n"

const char fg_schema_indexes_sql[] = IX_USER_SCORES IX_RINGS IX_LINKS IX_ENTITIES;

const fg_schema_index fg_schema_indexes[] = {
	{ "user_scores", IX_USER_SCORES },
	{ "rings", IX_RINGS },
	{ "links", IX_LINKS },
	{ "entities", IX_ENTITIES },
};
const int fg_schema_n_indexes = (int)(sizeof(fg_schema_indexes) / sizeof(fg_schema_indexes[0]));

const fg_schema_stat fg_schema_stats[] = {
	{ "runs", NULL, NULL, NULL },
	{ "user_scores", "user_scores", NULL, "1" },
	{ "user_scores", "user_scores_ring", "ring_id IS NOT NULL", "4" },
	{ "user_features", "user_features", NULL, "1" },
	{ "links", "links", NULL, "5 1" },
	{ "entity_links", "entity_links", NULL, "3 1" },
	{ "links", "links_other", "other_user IS NOT NULL", "1" },
	{ "entities", "entities", NULL, "1" },
	{ "entities", "entities_value", NULL, "100000 1" },
	{ "hubs", "hubs", NULL, "2 1" },
	{ "rings", "rings", NULL, "1" },
	{ "rings", "rings_score", NULL, "1" },
	{ "components", "components", NULL, "1" },
	{ "user_reasons", "user_reasons", NULL, "3 1" },
	{ "user_model_features", "user_model_features", NULL, "1" },
	{ NULL, NULL, NULL, NULL },
};

const char *const fg_schema_runs_settable[] = {
	"inputs", "input_digest", "output_digest",
	"n_rows", "n_filtered", "n_bad_rows", "bad_rows",
	"n_users", "n_entities", "n_links", "n_user_links", "n_hubs", "n_seeds",
	"n_legit", "n_components", "n_rings", "lpa_iterations", "risk_iterations",
	"t_ingest", "t_build", "t_components", "t_rings", "t_risk", "t_evidence",
	"t_scoring", "t_write", "t_total", "peak_rss", "bytes_per_link",
	"hub_cut_share", "n_hub_links", "n_placeholders", "placeholders", "kinds",
	"t_model", "model_status",
	NULL,
};
