/**
 * The site row (settings, catalog version), API tokens (hashes only — the store never sees a
 * plaintext token), the audit trail and alerts.
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
import { prepareAll, type SqliteDb, type SqliteStatement } from './sqlite-driver.ts';

const SQL = {
  getSettings: 'SELECT settings FROM site WHERE id = 1',
  insertSite: 'INSERT INTO site (id, settings, catalog_version, created_at) VALUES (1, ?, 0, ?) ON CONFLICT DO NOTHING',
  saveSettings: 'UPDATE site SET settings = ? WHERE id = 1',
  getCatalogVersion: 'SELECT catalog_version AS v FROM site WHERE id = 1',
  setCatalogVersion: 'UPDATE site SET catalog_version = ? WHERE id = 1',
  getExpiryCheckpoint: 'SELECT expiry_checkpoint AS c FROM site WHERE id = 1',
  setExpiryCheckpoint: 'UPDATE site SET expiry_checkpoint = ? WHERE id = 1',
  insertToken: 'INSERT INTO api_tokens (name, role, token_hash, created_at) VALUES (?, ?, ?, ?)',
  getToken: `SELECT ${columnList(TOKEN_FIELDS)} FROM api_tokens WHERE id = ?`,
  findToken: `SELECT ${columnList(TOKEN_FIELDS)} FROM api_tokens WHERE token_hash = ?`,
  listTokens: `SELECT ${columnList(TOKEN_FIELDS)} FROM api_tokens ORDER BY id`,
  touchToken: 'UPDATE api_tokens SET last_used_at = ? WHERE id = ?',
  deleteToken: 'DELETE FROM api_tokens WHERE id = ?',
  insertAudit: 'INSERT INTO audit (time, actor, action, details) VALUES (?, ?, ?, ?)',
  listAudit: `SELECT ${columnList(AUDIT_FIELDS)} FROM audit ORDER BY id DESC LIMIT ?`,
  insertAlert: "INSERT INTO alerts (kind, state, raised_at, message, run_id) VALUES (?, 'active', ?, ?, ?)",
  getAlert: `SELECT ${columnList(ALERT_FIELDS)} FROM alerts WHERE id = ?`,
  cancelAlerts: "UPDATE alerts SET state = 'canceled', canceled_at = ? WHERE kind = ? AND state = 'active'",
  listAlerts: `SELECT ${columnList(ALERT_FIELDS)} FROM alerts WHERE (? = 0 OR state = 'active') ORDER BY id DESC`,
  putChild: `INSERT INTO child_sites (site_code, url, token, added_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (site_code) DO UPDATE SET url = excluded.url, token = excluded.token, added_at = excluded.added_at,
      notified_at = NULL, notify_result = NULL`,
  removeChild: 'DELETE FROM child_sites WHERE site_code = ?',
  listChildren: `SELECT ${columnList(CHILD_FIELDS)} FROM child_sites ORDER BY site_code`,
  recordChild: 'UPDATE child_sites SET notified_at = ?, notify_result = ? WHERE site_code = ?',
} as const;

type Prepared = Record<keyof typeof SQL, SqliteStatement>;
type Row = Record<string, unknown>;

export class SiteRecords {
  readonly #s: Prepared;

  constructor(db: SqliteDb) {
    this.#s = prepareAll(db, SQL);
  }

  getSettings(): SupSettings | undefined {
    const row = this.#s.getSettings.get() as { settings: string } | undefined;
    return row === undefined ? undefined : settingsFromColumn(row.settings);
  }

  initSite(settings: SupSettings, createdAt: string): void {
    if (this.#s.insertSite.run(settingsColumn(settings), createdAt).changes === 0) throw alreadyInitialized();
  }

  saveSettings(settings: SupSettings): void {
    if (this.#s.saveSettings.run(settingsColumn(settings)).changes === 0) throw notInitialized();
  }

  /** 0 while the database holds no site. */
  getCatalogVersion(): number {
    const row = this.#s.getCatalogVersion.get() as { v: number } | undefined;
    return row?.v ?? 0;
  }

  setCatalogVersion(version: number): void {
    if (this.#s.setCatalogVersion.run(version).changes === 0) throw notInitialized();
  }

  getExpiryCheckpoint(): ExpiryCheckpoint | undefined {
    const row = this.#s.getExpiryCheckpoint.get() as { c: string | null } | undefined;
    return checkpointFromColumn(row?.c);
  }

  saveExpiryCheckpoint(checkpoint: ExpiryCheckpoint): void {
    if (this.#s.setExpiryCheckpoint.run(checkpointColumn(checkpoint)).changes === 0) throw notInitialized();
  }

  createToken(name: string, role: TokenRole, tokenHash: string, createdAt: string): ApiTokenRecord {
    const id = Number(this.#s.insertToken.run(name, role, tokenHash, createdAt).lastInsertRowid);
    return tokenFromRow(this.#s.getToken.get(id) as Row);
  }

  findTokenByHash(tokenHash: string): ApiTokenRecord | undefined {
    const row = this.#s.findToken.get(tokenHash) as Row | undefined;
    return row === undefined ? undefined : tokenFromRow(row);
  }

  listTokens(): ApiTokenRecord[] {
    return (this.#s.listTokens.all() as Row[]).map(tokenFromRow);
  }

  touchToken(id: number, at: string): void {
    this.#s.touchToken.run(at, id);
  }

  revokeToken(id: number): boolean {
    return this.#s.deleteToken.run(id).changes > 0;
  }

  addAudit(record: Omit<AuditRecord, 'id'>): void {
    this.#s.insertAudit.run(record.time, record.actor, record.action, auditDetailsColumn(record));
  }

  listAudit(limit: number): AuditRecord[] {
    return (this.#s.listAudit.all(rowLimit(limit)) as Row[]).map(auditFromRow);
  }

  raiseAlert(alert: Omit<AlertRecord, 'id' | 'state' | 'canceledAt'>): AlertRecord {
    const id = Number(
      this.#s.insertAlert.run(alert.kind, alert.raisedAt, alert.message, alert.runId ?? null).lastInsertRowid,
    );
    return alertFromRow(this.#s.getAlert.get(id) as Row);
  }

  cancelAlerts(kind: AlertRecord['kind'], at: string): number {
    return this.#s.cancelAlerts.run(at, kind).changes;
  }

  listAlerts(activeOnly: boolean): AlertRecord[] {
    return (this.#s.listAlerts.all(activeOnly ? 1 : 0) as Row[]).map(alertFromRow);
  }

  putChildSite(child: Omit<ChildSiteRecord, 'notifiedAt' | 'notifyResult'>): void {
    this.#s.putChild.run(child.siteCode, child.url, child.token, child.addedAt);
  }

  removeChildSite(siteCode: string): boolean {
    return this.#s.removeChild.run(siteCode).changes > 0;
  }

  listChildSites(): ChildSiteRecord[] {
    return (this.#s.listChildren.all() as Row[]).map(childFromRow);
  }

  recordChildNotification(siteCode: string, at: string, result: string): void {
    this.#s.recordChild.run(at, result, siteCode);
  }
}
