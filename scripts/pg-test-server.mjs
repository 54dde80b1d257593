#!/usr/bin/env node
/**
 * A throwaway PostgreSQL server on loopback for the PostgreSQL adapter's tests (and for trying a
 * site on PostgreSQL by hand): a fresh cluster in a temp directory, trust authentication, listening
 * on 127.0.0.1 only.
 *
 *   node scripts/pg-test-server.mjs start [--port 55432]   prints SUPSYNC_TEST_PG_URL=… on stdout
 *   node scripts/pg-test-server.mjs stop                   stops it and removes its directory
 *
 * The binaries are taken from PATH, else from /usr/lib/postgresql/<newest>/bin. PostgreSQL refuses
 * to run as root, so as root the cluster is made and run as the `postgres` user.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const STATE = join(tmpdir(), 'supsync-pg-test-server.json');

function binary(name) {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir !== '' && existsSync(join(dir, name))) return join(dir, name);
  }
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) {
    const path = join(root, v, 'bin', name);
    if (existsSync(path)) return path;
  }
  throw new Error(`${name} not found: install PostgreSQL (Debian: apt-get install postgresql)`);
}

const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL binary, as `postgres` when we are root. */
function run(name, args) {
  const bin = binary(name);
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  return execFileSync(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
}

function start(port) {
  if (existsSync(STATE)) stop();
  const dir = join(tmpdir(), `supsync-pg-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  if (asRoot) execFileSync('chown', ['postgres:postgres', dir]);
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-U', 'supsync', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
  // fsync off: a test cluster is thrown away, and it makes every commit an fsync less.
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c max_connections=200`;
  run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-o', options, '-w', 'start']);
  const url = `postgres://supsync@127.0.0.1:${port}/postgres`;
  writeFileSync(STATE, JSON.stringify({ dir, data, url }));
  process.stdout.write(`SUPSYNC_TEST_PG_URL=${url}\n`);
}

function stop() {
  if (!existsSync(STATE)) return;
  const { dir, data } = JSON.parse(readFileSync(STATE, 'utf8'));
  try {
    run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  } catch {
    // Already stopped.
  }
  rmSync(dir, { recursive: true, force: true });
  rmSync(STATE, { force: true });
}

const [command, flag, value] = process.argv.slice(2);
if (command === 'start') start(flag === '--port' ? Number(value) : 55432);
else if (command === 'stop') stop();
else {
  process.stderr.write('usage: pg-test-server.mjs start [--port N] | stop\n');
  process.exit(2);
}
