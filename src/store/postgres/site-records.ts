/**
 * The site row (settings, catalog version), API tokens (hashes only — the store never sees a
 * plaintext token), the audit trail and alerts: ../sqlite/site-records.ts in PostgreSQL's SQL, with
 * the columns and row mapping shared through ../record-columns.ts.
 */
import type { SupSettings } from '../../site/settings.ts';
import {
  ALERT_FIELDS,
  AUDIT_FIELDS,
  alertFromRow,
  alreadyInitialized,
  auditDetailsColumn,
  auditFromRow,
  CHILD_FIELDS,
  checkpointColumn,
  checkpointFromColumn,
  childFromRow,
  isRowId,
  notInitialized,
  rowLimit,
  settingsColumn,
  settingsFromColumn,
  TOKEN_FIELDS,
  tokenFromRow,
} from '../record-columns.ts';
import { columnList } from '../row-mapping.ts';
import type {
  AlertRecord,
  ApiTokenRecord,
  AuditRecord,
  ChildSiteRecord,
  ExpiryCheckpoint,
  TokenRole,
} from '../site-store.ts';
import type { PgTx } from './pg-driver.ts';

// Inserts return their row (RETURNING), where SQLite reads it back by its rowid.
const SQL = {
  getSettings: 'SELECT settings FROM site WHERE id = 1',
  insertSite:
    'INSERT INTO site (id, settings, catalog_version, created_at) VALUES (1, $1, 0, $2) ON CONFLICT DO NOTHING',
  saveSettings: 'UPDATE site SET settings = $1 WHERE id = 1',
  getCatalogVersion: 'SELECT catalog_version AS v FROM site WHERE id = 1',
  setCatalogVersion: 'UPDATE site SET catalog_version = $1 WHERE id = 1',
  getExpiryCheckpoint: 'SELECT expiry_checkpoint AS c FROM site WHERE id = 1',
  setExpiryCheckpoint: 'UPDATE site SET expiry_checkpoint = $1 WHERE id = 1',
  insertToken: `INSERT INTO api_tokens (name, role, token_hash, created_at) VALUES ($1, $2, $3, $4)
    RETURNING ${columnList(TOKEN_FIELDS)}`,
  findToken: `SELECT ${columnList(TOKEN_FIELDS)} FROM api_tokens WHERE token_hash = $1`,
  listTokens: `SELECT ${columnList(TOKEN_FIELDS)} FROM api_tokens ORDER BY id`,
  touchToken: 'UPDATE api_tokens SET last_used_at = $1 WHERE id = $2',
  deleteToken: 'DELETE FROM api_tokens WHERE id = $1',
  insertAudit: 'INSERT INTO audit (time, actor, action, details) VALUES ($1, $2, $3, $4)',
  listAudit: `SELECT ${columnList(AUDIT_FIELDS)} FROM audit ORDER BY id DESC LIMIT $1`,
  insertAlert: `INSERT INTO alerts (kind, state, raised_at, message, run_id) VALUES ($1, 'active', $2, $3, $4)
    RETURNING ${columnList(ALERT_FIELDS)}`,
  cancelAlerts: "UPDATE alerts SET state = 'canceled', canceled_at = $1 WHERE kind = $2 AND state = 'active'",
  listAlerts: `SELECT ${columnList(ALERT_FIELDS)} FROM alerts WHERE ($1::integer = 0 OR state = 'active') ORDER BY id DESC`,
  putChild: `INSERT INTO child_sites (site_code, url, token, added_at) VALUES ($1, $2, $3, $4)
    ON CONFLICT (site_code) DO UPDATE SET url = excluded.url, token = excluded.token, added_at = excluded.added_at,
      notified_at = NULL, notify_result = NULL`,
  removeChild: 'DELETE FROM child_sites WHERE site_code = $1',
  listChildren: `SELECT ${columnList(CHILD_FIELDS)} FROM child_sites ORDER BY site_code`,
  recordChild: 'UPDATE child_sites SET notified_at = $1, notify_result = $2 WHERE site_code = $3',
} as const;

type Row = Record<string, unknown>;

export class PgSiteRecords {
  async getSettings(tx: PgTx): Promise<SupSettings | undefined> {
    const { rows } = await tx.query<{ settings: string }>(SQL.getSettings);
    return rows[0] === undefined ? undefined : settingsFromColumn(rows[0].settings);
  }

  async initSite(tx: PgTx, settings: SupSettings, createdAt: string): Promise<void> {
    const { rowCount } = await tx.query(SQL.insertSite, [settingsColumn(settings), createdAt]);
    if (rowCount === 0) throw alreadyInitialized();
  }

  async saveSettings(tx: PgTx, settings: SupSettings): Promise<void> {
    const { rowCount } = await tx.query(SQL.saveSettings, [settingsColumn(settings)]);
    if (rowCount === 0) throw notInitialized();
  }

  /** 0 while the database holds no site. */
  async getCatalogVersion(tx: PgTx): Promise<number> {
    const { rows } = await tx.query<{ v: number }>(SQL.getCatalogVersion);
    return rows[0]?.v ?? 0;
  }

  async setCatalogVersion(tx: PgTx, version: number): Promise<void> {
    const { rowCount } = await tx.query(SQL.setCatalogVersion, [version]);
    if (rowCount === 0) throw notInitialized();
  }

  async getExpiryCheckpoint(tx: PgTx): Promise<ExpiryCheckpoint | undefined> {
    const { rows } = await tx.query<{ c: string | null }>(SQL.getExpiryCheckpoint);
    return checkpointFromColumn(rows[0]?.c);
  }

  async saveExpiryCheckpoint(tx: PgTx, checkpoint: ExpiryCheckpoint): Promise<void> {
    const { rowCount } = await tx.query(SQL.setExpiryCheckpoint, [checkpointColumn(checkpoint)]);
    if (rowCount === 0) throw notInitialized();
  }

  async createToken(
    tx: PgTx,
    name: string,
    role: TokenRole,
    tokenHash: string,
    createdAt: string,
  ): Promise<ApiTokenRecord> {
    const { rows } = await tx.query<Row>(SQL.insertToken, [name, role, tokenHash, createdAt]);
    return tokenFromRow(rows[0] as Row);
  }

  async findTokenByHash(tx: PgTx, tokenHash: string): Promise<ApiTokenRecord | undefined> {
    const { rows } = await tx.query<Row>(SQL.findToken, [tokenHash]);
    return rows[0] === undefined ? undefined : tokenFromRow(rows[0]);
  }

  async listTokens(tx: PgTx): Promise<ApiTokenRecord[]> {
    return (await tx.query<Row>(SQL.listTokens)).rows.map(tokenFromRow);
  }

  async touchToken(tx: PgTx, id: number, at: string): Promise<void> {
    if (isRowId(id)) await tx.query(SQL.touchToken, [at, id]);
  }

  async revokeToken(tx: PgTx, id: number): Promise<boolean> {
    return isRowId(id) && (await tx.query(SQL.deleteToken, [id])).rowCount > 0;
  }

  async addAudit(tx: PgTx, record: Omit<AuditRecord, 'id'>): Promise<void> {
    await tx.query(SQL.insertAudit, [record.time, record.actor, record.action, auditDetailsColumn(record)]);
  }

  async listAudit(tx: PgTx, limit: number): Promise<AuditRecord[]> {
    return (await tx.query<Row>(SQL.listAudit, [rowLimit(limit)])).rows.map(auditFromRow);
  }

  async raiseAlert(tx: PgTx, alert: Omit<AlertRecord, 'id' | 'state' | 'canceledAt'>): Promise<AlertRecord> {
    const params = [alert.kind, alert.raisedAt, alert.message, alert.runId ?? null];
    const { rows } = await tx.query<Row>(SQL.insertAlert, params);
    return alertFromRow(rows[0] as Row);
  }

  async cancelAlerts(tx: PgTx, kind: AlertRecord['kind'], at: string): Promise<number> {
    return (await tx.query(SQL.cancelAlerts, [at, kind])).rowCount;
  }

  async listAlerts(tx: PgTx, activeOnly: boolean): Promise<AlertRecord[]> {
    return (await tx.query<Row>(SQL.listAlerts, [activeOnly ? 1 : 0])).rows.map(alertFromRow);
  }

  async putChildSite(tx: PgTx, child: Omit<ChildSiteRecord, 'notifiedAt' | 'notifyResult'>): Promise<void> {
    await tx.query(SQL.putChild, [child.siteCode, child.url, child.token, child.addedAt]);
  }

  async removeChildSite(tx: PgTx, siteCode: string): Promise<boolean> {
    return (await tx.query(SQL.removeChild, [siteCode])).rowCount > 0;
  }

  async listChildSites(tx: PgTx): Promise<ChildSiteRecord[]> {
    return (await tx.query<Row>(SQL.listChildren)).rows.map(childFromRow);
  }

  async recordChildNotification(tx: PgTx, siteCode: string, at: string, result: string): Promise<void> {
    await tx.query(SQL.recordChild, [at, result, siteCode]);
  }
}
