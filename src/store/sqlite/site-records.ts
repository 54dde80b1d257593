/**
 * The site row (settings, catalog version), API tokens (hashes only — the store never sees a
 * plaintext token), the audit trail and alerts.
 */
import { SupsyncError } from '../../shared/errors.ts';
import type { SupSettings } from '../../site/settings.ts';
import type {
  AlertRecord,
  ApiTokenRecord,
  AuditRecord,
  ChildSiteRecord,
  ExpiryCheckpoint,
  TokenRole,
} from '../site-store.ts';
import { columnList, type FieldSpec, fromRow } from './row-mapping.ts';
import { prepareAll, type SqliteDb, type SqliteStatement } from './sqlite-driver.ts';

const TOKEN_FIELDS: readonly FieldSpec[] = [
  { key: 'id', column: 'id' },
  { key: 'name', column: 'name' },
  { key: 'role', column: 'role' },
  { key: 'createdAt', column: 'created_at' },
  { key: 'lastUsedAt', column: 'last_used_at' },
];

const AUDIT_FIELDS: readonly FieldSpec[] = [
  { key: 'id', column: 'id' },
  { key: 'time', column: 'time' },
  { key: 'actor', column: 'actor' },
  { key: 'action', column: 'action' },
  { key: 'details', column: 'details', json: true },
];

const ALERT_FIELDS: readonly FieldSpec[] = [
  { key: 'id', column: 'id' },
  { key: 'kind', column: 'kind' },
  { key: 'state', column: 'state' },
  { key: 'raisedAt', column: 'raised_at' },
  { key: 'canceledAt', column: 'canceled_at' },
  { key: 'message', column: 'message' },
  { key: 'runId', column: 'run_id' },
];

const CHILD_FIELDS: readonly FieldSpec[] = [
  { key: 'siteCode', column: 'site_code' },
  { key: 'url', column: 'url' },
  { key: 'token', column: 'token' },
  { key: 'addedAt', column: 'added_at' },
  { key: 'notifiedAt', column: 'notified_at' },
  { key: 'notifyResult', column: 'notify_result' },
];

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
    return row === undefined ? undefined : (JSON.parse(row.settings) as SupSettings);
  }

  initSite(settings: SupSettings, createdAt: string): void {
    if (this.#s.insertSite.run(JSON.stringify(settings), createdAt).changes === 0) {
      throw new SupsyncError('STORE_ALREADY_INITIALIZED', 'the database already holds a site');
    }
  }

  saveSettings(settings: SupSettings): void {
    if (this.#s.saveSettings.run(JSON.stringify(settings)).changes === 0) throw notInitialized();
  }

  /** 0 while the database holds no site. */
  getCatalogVersion(): number {
    const row = this.#s.getCatalogVersion.get() as { v: number } | undefined;
    return row?.v ?? 0;
  }

  setCatalogVersion(version: number): void {
    if (this.#s.setCatalogVersion.run(version).changes === 0) throw notInitialized();
  }

  /** An unreadable checkpoint counts as none: the rules then simply run again. */
  getExpiryCheckpoint(): ExpiryCheckpoint | undefined {
    const row = this.#s.getExpiryCheckpoint.get() as { c: string | null } | undefined;
    if (row?.c == null) return undefined;
    try {
      const c = JSON.parse(row.c) as Partial<ExpiryCheckpoint>;
      const valid =
        typeof c.seq === 'number' &&
        typeof c.rules === 'string' &&
        (c.nextDueAt === null || typeof c.nextDueAt === 'string');
      return valid ? (c as ExpiryCheckpoint) : undefined;
    } catch {
      return undefined;
    }
  }

  saveExpiryCheckpoint(checkpoint: ExpiryCheckpoint): void {
    const { seq, rules, nextDueAt } = checkpoint;
    if (this.#s.setExpiryCheckpoint.run(JSON.stringify({ seq, rules, nextDueAt })).changes === 0) {
      throw notInitialized();
    }
  }

  createToken(name: string, role: TokenRole, tokenHash: string, createdAt: string): ApiTokenRecord {
    const id = Number(this.#s.insertToken.run(name, role, tokenHash, createdAt).lastInsertRowid);
    return fromRow(TOKEN_FIELDS, this.#s.getToken.get(id) as Row) as unknown as ApiTokenRecord;
  }

  findTokenByHash(tokenHash: string): ApiTokenRecord | undefined {
    const row = this.#s.findToken.get(tokenHash) as Row | undefined;
    return row === undefined ? undefined : (fromRow(TOKEN_FIELDS, row) as unknown as ApiTokenRecord);
  }

  listTokens(): ApiTokenRecord[] {
    return (this.#s.listTokens.all() as Row[]).map((r) => fromRow(TOKEN_FIELDS, r) as unknown as ApiTokenRecord);
  }

  touchToken(id: number, at: string): void {
    this.#s.touchToken.run(at, id);
  }

  revokeToken(id: number): boolean {
    return this.#s.deleteToken.run(id).changes > 0;
  }

  addAudit(record: Omit<AuditRecord, 'id'>): void {
    this.#s.insertAudit.run(record.time, record.actor, record.action, JSON.stringify(record.details ?? null));
  }

  listAudit(limit: number): AuditRecord[] {
    const rows = this.#s.listAudit.all(Math.max(0, Math.trunc(limit))) as Row[];
    // `details` may legitimately be JSON null; fromRow drops NULL columns only, so restore it.
    return rows.map((r) => ({ details: null, ...fromRow(AUDIT_FIELDS, r) }) as unknown as AuditRecord);
  }

  raiseAlert(alert: Omit<AlertRecord, 'id' | 'state' | 'canceledAt'>): AlertRecord {
    const id = Number(
      this.#s.insertAlert.run(alert.kind, alert.raisedAt, alert.message, alert.runId ?? null).lastInsertRowid,
    );
    return fromRow(ALERT_FIELDS, this.#s.getAlert.get(id) as Row) as unknown as AlertRecord;
  }

  cancelAlerts(kind: AlertRecord['kind'], at: string): number {
    return this.#s.cancelAlerts.run(at, kind).changes;
  }

  listAlerts(activeOnly: boolean): AlertRecord[] {
    return (this.#s.listAlerts.all(activeOnly ? 1 : 0) as Row[]).map(
      (r) => fromRow(ALERT_FIELDS, r) as unknown as AlertRecord,
    );
  }

  putChildSite(child: Omit<ChildSiteRecord, 'notifiedAt' | 'notifyResult'>): void {
    this.#s.putChild.run(child.siteCode, child.url, child.token, child.addedAt);
  }

  removeChildSite(siteCode: string): boolean {
    return this.#s.removeChild.run(siteCode).changes > 0;
  }

  listChildSites(): ChildSiteRecord[] {
    return (this.#s.listChildren.all() as Row[]).map((r) => fromRow(CHILD_FIELDS, r) as unknown as ChildSiteRecord);
  }

  recordChildNotification(siteCode: string, at: string, result: string): void {
    this.#s.recordChild.run(at, result, siteCode);
  }
}

function notInitialized(): SupsyncError {
  return new SupsyncError('STORE_NOT_INITIALIZED', 'the database holds no site; run supsync init first');
}
