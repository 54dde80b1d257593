/**
 * PostgreSQL migration 1: the schema the SQLite adapter reached by its migration 8, in one step
 * (see ../sqlite/schema-v1.ts and ../sqlite/migrations.ts for why each table and index is there).
 * Frozen once released; later changes are new migrations.
 *
 * Differences from the SQLite layout, all in how, not what:
 * - every text column is `COLLATE "C"`, so ordering and range scans compare bytes as SQLite does,
 *   whatever the database's locale (update ids page in the same order on both stores);
 * - flags stay INTEGER 0/1 (not boolean), so the adapters map rows alike;
 * - `revisions.parsed` stays TEXT, not jsonb: the store must be able to hold facts that no longer
 *   parse (damage a full sync repairs), and reads them through `supsync_jsonb`, which gives NULL
 *   for text that is not JSON;
 * - ids are identity columns, never reused, as SQLite's AUTOINCREMENT;
 * - the derived tables (update_kbs, update_prereqs, update_categories, update_scope, update_facets,
 *   bundles, supersedence) have no foreign keys to `updates`: PostgreSQL checks a foreign key row by
 *   row, through a trigger per inserted row, which was about 1 s of the 3.3 s closing refresh of a
 *   20k write. Their rows are only ever written by the set-based refresh (derived-refresh.ts),
 *   which joins `updates` for every row it inserts, and the one path that removes updates
 *   (`removeExpiredBefore` in catalog-maintenance.ts) deletes the rows they own in the same
 *   statement. `revisions` keeps its foreign key and cascade (one row per written revision, and
 *   the documents must never outlive their update);
 * - where the server has lz4, `revisions.xml` and `revisions.parsed` are TOASTed with it rather than
 *   pglz (see the DO block after the table).
 */
const T = 'TEXT COLLATE "C"';

export const PG_SCHEMA_V1 = `
CREATE FUNCTION supsync_jsonb(t text) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  RETURN t::jsonb;
EXCEPTION WHEN others THEN
  RETURN NULL;
END $$;

CREATE TABLE site (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  settings ${T} NOT NULL,
  catalog_version BIGINT NOT NULL DEFAULT 0,
  created_at ${T} NOT NULL,
  expiry_checkpoint ${T}
);

CREATE TABLE change_counter (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq BIGINT NOT NULL,
  published BIGINT NOT NULL DEFAULT 0
);
INSERT INTO change_counter (id, seq, published) VALUES (1, 0, 0);

CREATE TABLE updates (
  update_id ${T} PRIMARY KEY,
  latest_revision INTEGER NOT NULL,
  update_type ${T} NOT NULL,
  is_software INTEGER NOT NULL,
  category_type ${T},
  category_kind ${T} CHECK (category_kind IN ('product', 'classification', 'company', 'family', 'other')),
  parent_id ${T},
  title ${T} NOT NULL,
  title_lc ${T} NOT NULL,
  description ${T},
  kb_ids ${T} NOT NULL,
  bulletin_ids ${T} NOT NULL,
  severity ${T},
  date_posted ${T} NOT NULL,
  date_revised ${T} NOT NULL,
  publication_state ${T} NOT NULL,
  is_bundle INTEGER NOT NULL,
  is_feature_update INTEGER NOT NULL,
  is_superseded INTEGER NOT NULL DEFAULT 0,
  is_expired INTEGER NOT NULL DEFAULT 0,
  expired_at ${T},
  expire_reason ${T},
  is_deployed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX updates_browse ON updates
  (is_software, date_revised DESC, update_id, is_superseded, is_expired, is_deployed, date_posted, severity, title_lc);
CREATE INDEX updates_by_type ON updates (update_type);
CREATE INDEX updates_expired ON updates (is_expired, expired_at);
CREATE INDEX updates_superseded_live ON updates (update_id) WHERE is_superseded = 1 AND is_expired = 0;

CREATE TABLE revisions (
  update_id ${T} NOT NULL REFERENCES updates (update_id) ON DELETE CASCADE,
  revision_number INTEGER NOT NULL,
  update_type ${T} NOT NULL,
  category_type ${T},
  xml ${T},
  content_hash ${T} NOT NULL,
  parsed ${T},
  creation_date ${T} NOT NULL,
  publication_state ${T} NOT NULL,
  change_seq BIGINT NOT NULL UNIQUE,
  PRIMARY KEY (update_id, revision_number)
);
-- The documents are compressed when TOASTed; lz4 compresses them faster than pglz, which was
-- about 0.6 s of a 20k write. lz4 exists only in servers built --with-lz4, so it
-- is asked for only when the server offers it (among the values default_toast_compression takes);
-- otherwise the columns keep the default (pglz).
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_settings
      WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
    -- EXECUTE, so a server older than 14 (which has neither the setting nor the syntax) never parses it.
    EXECUTE 'ALTER TABLE revisions ALTER COLUMN xml SET COMPRESSION lz4, ALTER COLUMN parsed SET COMPRESSION lz4';
  END IF;
END $$;

CREATE TABLE update_kbs (
  update_id ${T} NOT NULL,
  kb ${T} NOT NULL,
  PRIMARY KEY (update_id, kb)
);
CREATE INDEX update_kbs_by_kb ON update_kbs (kb, update_id);

CREATE TABLE update_prereqs (
  update_id ${T} NOT NULL,
  ref_id ${T} NOT NULL,
  via_clause INTEGER NOT NULL,
  PRIMARY KEY (update_id, ref_id)
);
CREATE INDEX update_prereqs_by_ref ON update_prereqs (ref_id, update_id);

CREATE TABLE update_categories (
  update_id ${T} NOT NULL,
  category_id ${T} NOT NULL,
  kind ${T} NOT NULL CHECK (kind IN ('product', 'classification', 'company', 'family', 'other')),
  via_clause INTEGER NOT NULL,
  PRIMARY KEY (update_id, category_id)
);
CREATE INDEX update_categories_by_category ON update_categories (category_id, update_id);

CREATE TABLE update_scope (
  update_id ${T} NOT NULL,
  category_id ${T} NOT NULL,
  kind ${T} NOT NULL CHECK (kind IN ('product', 'classification')),
  inherited INTEGER NOT NULL,
  PRIMARY KEY (update_id, category_id)
);
CREATE INDEX update_scope_by_category ON update_scope (category_id, update_id);

CREATE TABLE update_facets (
  product_id ${T} NOT NULL,
  classification_id ${T} NOT NULL,
  date_revised ${T} NOT NULL,
  update_id ${T} NOT NULL,
  is_superseded INTEGER NOT NULL,
  is_expired INTEGER NOT NULL,
  is_deployed INTEGER NOT NULL
);
-- In page order, as SQLite's primary key (a primary key cannot be DESC here), with the flags
-- carried along so a filtered count never visits the table's rows.
CREATE UNIQUE INDEX update_facets_key ON update_facets (product_id, classification_id, date_revised DESC, update_id)
  INCLUDE (is_superseded, is_expired, is_deployed);
CREATE INDEX update_facets_by_update ON update_facets (update_id);

CREATE TABLE bundles (
  bundle_id ${T} NOT NULL,
  member_id ${T} NOT NULL,
  member_revision INTEGER NOT NULL,
  PRIMARY KEY (bundle_id, member_id)
);
CREATE INDEX bundles_by_member ON bundles (member_id, bundle_id);

CREATE TABLE supersedence (
  superseding_id ${T} NOT NULL,
  superseded_id ${T} NOT NULL,
  PRIMARY KEY (superseding_id, superseded_id)
);
CREATE INDEX supersedence_by_superseded ON supersedence (superseded_id, superseding_id);

CREATE TABLE derived_pending (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  kind INTEGER NOT NULL,
  update_id ${T} NOT NULL
);

CREATE TABLE sync_state (
  upstream_url ${T} PRIMARY KEY,
  config_anchor ${T},
  category_anchor ${T},
  update_anchor ${T},
  anchor_products ${T},
  anchor_classifications ${T},
  fingerprint ${T},
  server_config ${T},
  last_full_sync_at ${T},
  last_success_at ${T}
);

CREATE TABLE sync_runs (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  kind ${T} NOT NULL,
  reason ${T} NOT NULL,
  trigger ${T} NOT NULL,
  requested_by ${T},
  state ${T} NOT NULL,
  queued_at ${T} NOT NULL,
  started_at ${T},
  finished_at ${T},
  categories ${T},
  updates ${T},
  error_code ${T},
  error_message ${T},
  catalog_version BIGINT,
  upstream_url ${T} NOT NULL
);

CREATE TABLE status_messages (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  run_id BIGINT,
  message_id INTEGER NOT NULL,
  severity ${T} NOT NULL CHECK (severity IN ('I', 'W', 'E')),
  time ${T} NOT NULL,
  text ${T} NOT NULL
);
CREATE INDEX status_messages_by_run ON status_messages (run_id);

CREATE TABLE sync_lease (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  holder ${T} NOT NULL,
  pid INTEGER NOT NULL,
  host ${T} NOT NULL,
  run_id BIGINT NOT NULL,
  acquired_at ${T} NOT NULL,
  renewed_at ${T} NOT NULL
);

CREATE TABLE api_tokens (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  name ${T} NOT NULL,
  role ${T} NOT NULL CHECK (role IN ('read', 'operator', 'admin')),
  token_hash ${T} NOT NULL UNIQUE,
  created_at ${T} NOT NULL,
  last_used_at ${T}
);

CREATE TABLE audit (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  time ${T} NOT NULL,
  actor ${T} NOT NULL,
  action ${T} NOT NULL,
  details ${T} NOT NULL
);

CREATE TABLE alerts (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  kind ${T} NOT NULL,
  state ${T} NOT NULL CHECK (state IN ('active', 'canceled')),
  raised_at ${T} NOT NULL,
  canceled_at ${T},
  message ${T} NOT NULL,
  run_id BIGINT
);
CREATE INDEX alerts_by_state ON alerts (kind, state);

CREATE TABLE child_sites (
  site_code ${T} PRIMARY KEY,
  url ${T} NOT NULL,
  token ${T} NOT NULL,
  added_at ${T} NOT NULL,
  notified_at ${T},
  notify_result ${T}
);
`;
