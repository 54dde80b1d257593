/**
 * The refusal both adapters make of a database migrated by a newer supsync, before they write to it.
 */
import { SupsyncError } from '../shared/errors.ts';

/** Throws STORE_SCHEMA_NEWER when the database's schema version `found` is ahead of `known`. */
export function refuseNewerSchema(found: number, known: number): void {
  if (found > known) {
    throw new SupsyncError(
      'STORE_SCHEMA_NEWER',
      `database schema version ${found} is newer than this supsync (${known}); upgrade supsync`,
      { details: { found, known } },
    );
  }
}
