/**
 * Shared plumbing of the site store contract: a fresh store per test, reopening, fixtures.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UpdateIdentity } from '../../../src/catalog/model.ts';
import { type ErrorCode, isSupsyncError } from '../../../src/shared/errors.ts';
import { DEFAULT_SETTINGS, type SupSettings } from '../../../src/site/settings.ts';
import type { SiteStore, UpdateSummary } from '../../../src/store/site-store.ts';

/** Opens (creating when needed) the store at `path`. */
export type SiteStoreFactory = (path: string) => Promise<SiteStore>;

/**
 * How a revision is damaged behind the store's back. `parsed-misshapen` leaves valid JSON whose
 * lists hold the wrong kinds of values.
 */
export type DamageKind = 'xml-changed' | 'parsed-null' | 'parsed-garbage' | 'parsed-misshapen';

/** Adapter-specific helpers; tests that need a missing hook are skipped. */
export interface ContractHooks {
  /** Damages one stored revision directly in the database (the port has no way to). */
  readonly corruptRevision?: (path: string, id: UpdateIdentity, kind: DamageKind) => Promise<void>;
}

export interface StoreContext {
  readonly path: string;
  /** Closes the current store and opens the same path again. */
  reopen(): Promise<SiteStore>;
}

/** Runs `fn` with a fresh store in its own temp dir; closes and deletes everything afterwards. */
export async function withStore(
  factory: SiteStoreFactory,
  fn: (store: SiteStore, ctx: StoreContext) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'supsync-store-contract-'));
  const path = join(dir, 'site.db');
  let store = await factory(path);
  const ctx: StoreContext = {
    path,
    reopen: async () => {
      await store.close();
      store = await factory(path);
      return store;
    },
  };
  try {
    await fn(store, ctx);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function siteSettings(overrides: Partial<SupSettings> = {}): SupSettings {
  return {
    ...DEFAULT_SETTINGS,
    siteCode: 'CS1',
    supName: 'sup01.contoso.com',
    upstreamUrl: 'https://wsus.contoso.com:8531',
    ...overrides,
  };
}

/** An assertion for assert.rejects: a SupsyncError with `code`. */
export function code(expected: ErrorCode): (err: unknown) => boolean {
  return (err) => {
    assert.ok(isSupsyncError(err), `expected a SupsyncError ${expected}, got ${String(err)}`);
    assert.equal(err.code, expected);
    return true;
  };
}

/** Sorted `updateId`s of identities or summaries, for order-independent comparisons. */
export function idsOf(items: readonly (UpdateIdentity | UpdateSummary)[]): string[] {
  return items.map((i) => i.updateId).sort();
}

export const T = Object.freeze({
  jan: '2026-01-15T10:00:00.000Z',
  feb: '2026-02-15T10:00:00.000Z',
  mar: '2026-03-15T10:00:00.000Z',
  apr: '2026-04-15T10:00:00.000Z',
});
