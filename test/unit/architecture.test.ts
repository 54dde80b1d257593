import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// Keeps the layer rules of docs/architecture.md true: data flows one way, adapters are wired only
// by the composition root, database libraries stay inside their adapter, and there are no cycles.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const src = join(root, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

const IMPORT_RE = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(file: string): { local: string[]; packages: string[] } {
  const text = readFileSync(file, 'utf8');
  const local: string[] = [];
  const packages: string[] = [];
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = (m[1] ?? m[2]) as string;
    if (spec.startsWith('.')) local.push(resolve(dirname(file), spec));
    else packages.push(spec);
  }
  return { local, packages };
}

const files = sourceFiles(src);
const graph = new Map(files.map((f) => [f, importsOf(f)]));
const rel = (f: string) => relative(src, f);
const layerOf = (f: string) => rel(f).split('/')[0] as string;

/** Which top-level folders each folder may import from (besides itself). */
const ALLOWED: Record<string, readonly string[]> = {
  shared: [],
  catalog: ['shared'],
  'catalog-gen': ['shared', 'catalog', 'site', 'store'],
  site: ['shared', 'catalog', 'store'],
  wsusss: ['shared', 'catalog', 'store', 'site'],
  store: ['shared', 'catalog', 'site'],
  sync: ['shared', 'catalog', 'wsusss', 'store', 'site'],
  scheduler: ['shared', 'site', 'store', 'sync'],
  api: ['shared', 'catalog', 'site', 'store', 'sync', 'scheduler', 'wsusss'],
  cli: [
    'shared',
    'catalog',
    'catalog-gen',
    'site',
    'store',
    'sync',
    'scheduler',
    'wsusss',
    'api',
    'app.ts',
    'app-http.ts',
  ],
  'app.ts': ['*'],
  'app-http.ts': ['*'],
  'main.ts': ['*'],
};

const isAdapter = (f: string) => /^store\/(sqlite|postgres)\//.test(rel(f));

test('every source folder is known to the layer rules', () => {
  const unknown = [...new Set(files.map(layerOf))].filter((l) => !(l in ALLOWED));
  assert.deepEqual(unknown, []);
});

test('imports follow the layer direction', () => {
  const bad: string[] = [];
  for (const [file, { local }] of graph) {
    const from = layerOf(file);
    const allowed = ALLOWED[from] ?? [];
    for (const target of local) {
      const to = layerOf(target);
      if (to !== from && !allowed.includes('*') && !allowed.includes(to)) bad.push(`${rel(file)} -> ${rel(target)}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('store adapters are imported only by the composition root and by each other within one adapter', () => {
  const bad: string[] = [];
  for (const [file, { local }] of graph) {
    for (const target of local) {
      if (!isAdapter(target)) continue;
      const sameAdapter = isAdapter(file) && rel(file).split('/')[1] === rel(target).split('/')[1];
      if (!sameAdapter && rel(file) !== 'app.ts') bad.push(`${rel(file)} -> ${rel(target)}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('database libraries are imported only inside their adapter', () => {
  const owners: Record<string, string> = { 'better-sqlite3': 'store/sqlite/', pg: 'store/postgres/' };
  const bad: string[] = [];
  for (const [file, { packages }] of graph) {
    for (const p of packages) {
      const owner = owners[p];
      if (owner !== undefined && !rel(file).startsWith(owner)) bad.push(`${rel(file)} imports ${p}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('there are no import cycles', () => {
  const state = new Map<string, 'visiting' | 'done'>();
  const cycles: string[] = [];
  const visit = (f: string, path: string[]) => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'visiting') {
      cycles.push([...path.slice(path.indexOf(f)), f].map(rel).join(' -> '));
      return;
    }
    state.set(f, 'visiting');
    for (const t of graph.get(f)?.local ?? []) if (graph.has(t)) visit(t, [...path, f]);
    state.set(f, 'done');
  };
  for (const f of files) visit(f, []);
  assert.deepEqual(cycles, []);
});
