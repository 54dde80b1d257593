/**
 * Damage to a stored revision behind the SQLite store's back, for the contract's repair tests: a
 * second, raw better-sqlite3 connection, since the port cannot corrupt itself.
 */
import Database from 'better-sqlite3';
import type { UpdateIdentity } from '../../src/catalog/model.ts';
import type { DamageKind } from './site-store.contract.ts';

const DAMAGE: Record<DamageKind, string> = {
  'xml-changed': "UPDATE revisions SET xml = replace(xml, 'upd:', 'upx:')",
  'parsed-null': 'UPDATE revisions SET parsed = NULL',
  'parsed-garbage': 'UPDATE revisions SET parsed = \'{"identity": \'',
  'parsed-misshapen': `UPDATE revisions SET parsed = json_set(parsed,
    '$.prerequisites', json_array('x', 5, json_object('isCategory', 1, 'updateIds', json_array(7))),
    '$.bundledUpdates', json_array('y', json_object('updateId', 'z')),
    '$.supersededUpdateIds', json_array(5, json_array()),
    '$.kbArticleIds', json_array(json_object()))`,
};

export async function corruptRevision(path: string, id: UpdateIdentity, kind: DamageKind): Promise<void> {
  const raw = new Database(path);
  try {
    const changed = raw
      .prepare(`${DAMAGE[kind]} WHERE update_id = ? AND revision_number = ?`)
      .run(id.updateId, id.revisionNumber);
    if (changed.changes !== 1) throw new Error(`no revision ${id.updateId}:${id.revisionNumber} to damage`);
  } finally {
    raw.close();
  }
}
