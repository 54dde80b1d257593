/** Shared by the cabinet tests: fixture access, hashing, error predicates, a seeded PRNG. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SupsyncError } from '../../../src/shared/errors.ts';

export const VECTORS = new URL('../../../../shared/fixtures/cab-vectors/', import.meta.url);
export const CAPTURES = new URL('../../../../shared/fixtures/wsus-captures/', import.meta.url);

export interface ExpectedMember {
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
}

/** cabextract's result per vector, as recorded in expected.json. */
export interface ExpectedVector {
  readonly cabextract_exit: number;
  readonly members: readonly ExpectedMember[];
}

export const expected: Readonly<Record<string, ExpectedVector>> = JSON.parse(
  readFileSync(new URL('expected.json', VECTORS), 'utf8'),
);

export function readVector(name: string): Uint8Array {
  return readFileSync(new URL(name, VECTORS));
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The cabinet inside the `<XmlUpdateBlobCompressed>` element of a captured response. */
export function capturedBlob(exchange: string): Uint8Array {
  const body = readFileSync(new URL(`exchanges/${exchange}/response.body`, CAPTURES), 'utf8');
  const m = /<XmlUpdateBlobCompressed>([^<]*)<\/XmlUpdateBlobCompressed>/.exec(body);
  if (m === null) throw new Error(`no XmlUpdateBlobCompressed in exchange ${exchange}`);
  return Buffer.from(m[1]!, 'base64');
}

/** True for the two errors a cabinet may legitimately end in. */
export function isCabError(err: unknown): err is SupsyncError {
  return err instanceof SupsyncError && (err.code === 'CAB_CORRUPT' || err.code === 'CAB_UNSUPPORTED');
}

/** Runs `fn` and returns what it threw (or undefined), with how long it took. */
export function outcome(fn: () => unknown): { error: unknown; ms: number } {
  const start = performance.now();
  try {
    fn();
    return { error: undefined, ms: performance.now() - start };
  } catch (error) {
    return { error, ms: performance.now() - start };
  }
}

/** mulberry32: small, seeded, good enough to pick bytes to damage reproducibly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
