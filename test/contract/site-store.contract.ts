/**
 * The site store contract: the behaviour every SiteStore adapter must show, run against each
 * adapter by its own test file (sqlite-site-store.test.ts; a PostgreSQL adapter adds its own).
 *
 *   runSiteStoreContract('sqlite', (path) => Promise.resolve(openSqliteSiteStore(path)), hooks);
 *
 * `path` is a fresh location per test (a file in a new temp dir); an adapter that keeps no files
 * may derive a schema or database name from it. Opening the same path again must see the same data.
 */
import { describe } from 'node:test';
import { catalogContract } from './site-store/catalog.contract.ts';
import { deferredContract } from './site-store/deferred.contract.ts';
import { downstreamContract } from './site-store/downstream.contract.ts';
import type { ContractHooks, SiteStoreFactory } from './site-store/harness.ts';
import { maintenanceContract } from './site-store/maintenance.contract.ts';
import { queriesContract } from './site-store/queries.contract.ts';
import { recordsContract } from './site-store/records.contract.ts';

export type { ContractHooks, DamageKind, SiteStoreFactory } from './site-store/harness.ts';

/** Registers the whole contract as node:test suites named after the adapter. */
export function runSiteStoreContract(name: string, factory: SiteStoreFactory, hooks: ContractHooks = {}): void {
  describe(`SiteStore contract: ${name}`, () => {
    describe('site, settings and catalog version', () => recordsContract.site(factory));
    describe('revisions', () => catalogContract(factory, hooks));
    describe('downstream revision lists', () => downstreamContract(factory));
    describe('deferred catalog writes', () => deferredContract(factory, hooks));
    describe('update queries', () => queriesContract(factory));
    describe('expiry, deployment and cleanup', () => maintenanceContract(factory));
    describe('sync state, runs and status messages', () => recordsContract.sync(factory));
    describe('tokens, audit and alerts', () => recordsContract.admin(factory));
  });
}
