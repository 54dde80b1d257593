/**
 * Migration 1: the initial schema. Frozen once released — later changes are new migrations.
 *
 * Layout: `revisions` keeps every stored revision losslessly (xml + hash + parsed facts);
 * `updates` holds one row per update id with the summary of its latest revision and the site's own
 * state (expired, deployed). The tables between them are derived from each update's latest
 * revision and rewritten whenever it changes:
 *   update_prereqs   every prerequisite id (raw edges, so memberships can be re-resolved when a
 *                    category arrives after the updates that name it)
 *   update_categories  direct memberships: prerequisite ids that are stored categories
 *   update_scope     effective product/classification memberships (direct, or inherited from the
 *                    bundles that contain the update); what the downstream filter reads
 *   update_facets    the same memberships keyed for paging (see below); what queryUpdates reads
 *   bundles, supersedence, localized, update_kbs, files
 * (`localized` and `files` are dropped by migrations 6 and 7: no query read them.)
 */
export const SCHEMA_V1 = `
CREATE TABLE site (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  settings TEXT NOT NULL,
  catalog_version INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL
) STRICT;

-- The change sequence survives deletions, so a downstream anchor never sees a number twice.
CREATE TABLE change_counter (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL
) STRICT;
INSERT INTO change_counter (id, seq) VALUES (1, 0);

CREATE TABLE updates (
  update_id TEXT PRIMARY KEY,
  latest_revision INTEGER NOT NULL,
  update_type TEXT NOT NULL,
  is_software INTEGER NOT NULL,          -- Software or Driver: what patch admins query
  category_type TEXT,
  category_kind TEXT CHECK (category_kind IN ('product', 'classification', 'company', 'family', 'other')),
  parent_id TEXT,
  title TEXT NOT NULL,
  title_lc TEXT NOT NULL,                -- lower-cased in JS, so text search is case-insensitive beyond ASCII
  description TEXT,
  kb_ids TEXT NOT NULL,                  -- JSON array
  bulletin_ids TEXT NOT NULL,            -- JSON array
  severity TEXT,
  date_posted TEXT NOT NULL,             -- earliest CreationDate seen
  date_revised TEXT NOT NULL,            -- CreationDate of the latest revision
  publication_state TEXT NOT NULL,
  is_bundle INTEGER NOT NULL,
  is_feature_update INTEGER NOT NULL,
  is_superseded INTEGER NOT NULL DEFAULT 0,
  is_expired INTEGER NOT NULL DEFAULT 0,
  expired_at TEXT,
  expire_reason TEXT,
  is_deployed INTEGER NOT NULL DEFAULT 0
) STRICT;
-- Browsing without a category filter: newest first, with every filterable column in the index so
-- counting and filtering (text search included) never touch the wide rows.
CREATE INDEX updates_browse ON updates
  (is_software, date_revised DESC, update_id, is_superseded, is_expired, is_deployed, date_posted, severity, title_lc);
CREATE INDEX updates_by_type ON updates (update_type);
CREATE INDEX updates_expired ON updates (is_expired, expired_at);

CREATE TABLE revisions (
  update_id TEXT NOT NULL REFERENCES updates (update_id) ON DELETE CASCADE,
  revision_number INTEGER NOT NULL,
  update_type TEXT NOT NULL,
  category_type TEXT,
  xml TEXT,
  content_hash TEXT NOT NULL,            -- sha256 hex of xml as UTF-8
  parsed TEXT,                           -- JSON of the UpdateRevision
  creation_date TEXT NOT NULL,
  publication_state TEXT NOT NULL,
  change_seq INTEGER NOT NULL UNIQUE,
  PRIMARY KEY (update_id, revision_number)
) STRICT;

CREATE TABLE files (
  update_id TEXT NOT NULL,
  revision_number INTEGER NOT NULL,
  sha1 TEXT NOT NULL,
  sha256 TEXT,
  name TEXT NOT NULL,
  size INTEGER NOT NULL,
  FOREIGN KEY (update_id, revision_number) REFERENCES revisions (update_id, revision_number) ON DELETE CASCADE
) STRICT;
CREATE INDEX files_by_revision ON files (update_id, revision_number);
CREATE INDEX files_by_sha1 ON files (sha1);

CREATE TABLE localized (
  update_id TEXT NOT NULL REFERENCES updates (update_id) ON DELETE CASCADE,
  language TEXT NOT NULL,
  title TEXT NOT NULL,
  description TEXT,
  PRIMARY KEY (update_id, language)
) STRICT, WITHOUT ROWID;

CREATE TABLE update_kbs (
  update_id TEXT NOT NULL REFERENCES updates (update_id) ON DELETE CASCADE,
  kb TEXT NOT NULL,
  PRIMARY KEY (update_id, kb)
) STRICT, WITHOUT ROWID;
CREATE INDEX update_kbs_by_kb ON update_kbs (kb, update_id);

CREATE TABLE update_prereqs (
  update_id TEXT NOT NULL REFERENCES updates (update_id) ON DELETE CASCADE,
  ref_id TEXT NOT NULL,
  via_clause INTEGER NOT NULL,           -- 1 when named in an AtLeastOne IsCategory="true" clause
  PRIMARY KEY (update_id, ref_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX update_prereqs_by_ref ON update_prereqs (ref_id, update_id);

CREATE TABLE update_categories (
  update_id TEXT NOT NULL REFERENCES updates (update_id) ON DELETE CASCADE,
  category_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('product', 'classification', 'company', 'family', 'other')),
  via_clause INTEGER NOT NULL,
  PRIMARY KEY (update_id, category_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX update_categories_by_category ON update_categories (category_id, update_id);

CREATE TABLE update_scope (
  update_id TEXT NOT NULL REFERENCES updates (update_id) ON DELETE CASCADE,
  category_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('product', 'classification')),
  inherited INTEGER NOT NULL,
  PRIMARY KEY (update_id, category_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX update_scope_by_category ON update_scope (category_id, update_id);

-- What a product / classification filter reads: one row per (product, classification) pair of a
-- software update's effective scope, plus (product, '') and ('', classification) rows, keyed in
-- page order. A filtered page and its total are one index range, whatever the catalog size.
CREATE TABLE update_facets (
  product_id TEXT NOT NULL,              -- '' = any
  classification_id TEXT NOT NULL,       -- '' = any
  date_revised TEXT NOT NULL,
  update_id TEXT NOT NULL REFERENCES updates (update_id) ON DELETE CASCADE,
  is_superseded INTEGER NOT NULL,
  is_expired INTEGER NOT NULL,
  is_deployed INTEGER NOT NULL,
  PRIMARY KEY (product_id, classification_id, date_revised DESC, update_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX update_facets_by_update ON update_facets (update_id);

CREATE TABLE bundles (
  bundle_id TEXT NOT NULL REFERENCES updates (update_id) ON DELETE CASCADE,
  member_id TEXT NOT NULL,
  member_revision INTEGER NOT NULL,
  PRIMARY KEY (bundle_id, member_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX bundles_by_member ON bundles (member_id, bundle_id);

CREATE TABLE supersedence (
  superseding_id TEXT NOT NULL REFERENCES updates (update_id) ON DELETE CASCADE,
  superseded_id TEXT NOT NULL,
  PRIMARY KEY (superseding_id, superseded_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX supersedence_by_superseded ON supersedence (superseded_id, superseding_id);

CREATE TABLE sync_state (
  upstream_url TEXT PRIMARY KEY,
  config_anchor TEXT,
  category_anchor TEXT,
  update_anchor TEXT,
  anchor_products TEXT,                  -- JSON array
  anchor_classifications TEXT,           -- JSON array
  fingerprint TEXT,
  server_config TEXT,                    -- JSON
  last_full_sync_at TEXT,
  last_success_at TEXT
) STRICT;

CREATE TABLE sync_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  reason TEXT NOT NULL,
  trigger TEXT NOT NULL,
  requested_by TEXT,
  state TEXT NOT NULL,
  queued_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT,
  categories TEXT,                       -- JSON PhaseCounts
  updates TEXT,                          -- JSON PhaseCounts
  error_code TEXT,
  error_message TEXT,
  catalog_version INTEGER,
  upstream_url TEXT NOT NULL
) STRICT;

CREATE TABLE status_messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id INTEGER,
  message_id INTEGER NOT NULL,
  severity TEXT NOT NULL CHECK (severity IN ('I', 'W', 'E')),
  time TEXT NOT NULL,
  text TEXT NOT NULL
) STRICT;
CREATE INDEX status_messages_by_run ON status_messages (run_id);

CREATE TABLE api_tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('read', 'operator', 'admin')),
  token_hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  last_used_at TEXT
) STRICT;

CREATE TABLE audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  details TEXT NOT NULL                  -- JSON
) STRICT;

CREATE TABLE alerts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('active', 'canceled')),
  raised_at TEXT NOT NULL,
  canceled_at TEXT,
  message TEXT NOT NULL,
  run_id INTEGER
) STRICT;
CREATE INDEX alerts_by_state ON alerts (kind, state);
`;
