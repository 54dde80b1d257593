/**
 * Damage to a stored revision behind the PostgreSQL store's back, for the contract's repair tests:
 * a plain connection to the site's schema, since the port cannot corrupt itself.
 */
import type { UpdateIdentity } from '../../src/catalog/model.ts';
import { schemaFor, withPgClient } from '../helpers/postgres.ts';
import type { DamageKind } from './site-store.contract.ts';

const DAMAGE: Record<DamageKind, string> = {
  'xml-changed': "UPDATE revisions SET xml = replace(xml, 'upd:', 'upx:')",
  'parsed-null': 'UPDATE revisions SET parsed = NULL',
  'parsed-garbage': 'UPDATE revisions SET parsed = \'{"identity": \'',
  'parsed-misshapen': `UPDATE revisions SET parsed = (parsed::jsonb
    || jsonb_build_object(
      'prerequisites', jsonb_build_array('x', 5, jsonb_build_object('isCategory', 1, 'updateIds', jsonb_build_array(7))),
      'bundledUpdates', jsonb_build_array('y', jsonb_build_object('updateId', 'z')),
      'supersededUpdateIds', jsonb_build_array(5, jsonb_build_array()),
      'kbArticleIds', jsonb_build_array(jsonb_build_object())))::text`,
};

export async function corruptRevision(location: string, id: UpdateIdentity, kind: DamageKind): Promise<void> {
  await withPgClient(schemaFor(location), async (c) => {
    const r = await c.query(`${DAMAGE[kind]} WHERE update_id = $1 AND revision_number = $2`, [
      id.updateId,
      id.revisionNumber,
    ]);
    if (r.rowCount !== 1) throw new Error(`no revision ${id.updateId}:${id.revisionNumber} to damage`);
  });
}
