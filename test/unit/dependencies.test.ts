/**
 * supsync runs on Node 20.19+ (package.json `engines`), and several libraries' newest lines need
 * Node 22. Every package installed, direct or not, must accept the oldest Node supsync supports:
 * `overrides` in package.json pins the Node 20 line of any that do not.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import semver from 'semver';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface Manifest {
  readonly name?: string;
  readonly version?: string;
  readonly engines?: { readonly node?: string };
}

const readManifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));

/** Every installed package's folder under `nodeModules`, nested installs and scopes included. */
function installed(nodeModules: string): string[] {
  if (!existsSync(nodeModules)) return [];
  return readdirSync(nodeModules, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .flatMap((e) => {
      const dir = join(nodeModules, e.name);
      if (e.name.startsWith('@')) return installed(dir);
      if (!existsSync(join(dir, 'package.json'))) return [];
      return [dir, ...installed(join(dir, 'node_modules'))];
    });
}

test('every installed package accepts the oldest Node supsync supports', () => {
  const range = readManifest(root).engines?.node;
  assert.ok(range !== undefined, 'package.json names the Node versions supsync supports');
  const oldest = semver.minVersion(range)?.version;
  assert.ok(oldest !== undefined);
  const packages = installed(join(root, 'node_modules'));
  assert.ok(packages.length > 100, `found ${packages.length} installed packages`);
  const refusing = packages
    .map(readManifest)
    .filter((m) => m.engines?.node !== undefined && semver.validRange(m.engines.node) !== null)
    .filter((m) => !semver.satisfies(oldest, m.engines?.node as string))
    .map((m) => `${m.name}@${m.version} needs Node ${m.engines?.node}`);
  assert.deepEqual(refusing, [], `Node ${oldest}`);
});
