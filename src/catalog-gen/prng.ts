/**
 * Deterministic randomness for the catalog generator: an sfc32 generator (a small, fast 128-bit
 * state PRNG with good statistical quality) seeded from the SHA-256 of a seed string, and
 * name-derived GUIDs for things that must be the same in every catalog (categories, detectoids).
 * Written here rather than taken from a package: it is twenty lines and the output must never
 * change under us, since tests pin generated catalogs by hash.
 */
import { createHash } from 'node:crypto';

/** A seeded pseudo-random stream. Same seed, same sequence, on every platform. */
export class Prng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: string) {
    const h = createHash('sha256').update(seed, 'utf8').digest();
    this.#a = h.readUInt32LE(0);
    this.#b = h.readUInt32LE(4);
    this.#c = h.readUInt32LE(8);
    this.#d = h.readUInt32LE(12);
    for (let i = 0; i < 12; i++) this.next();
  }

  /** The next unsigned 32-bit value (sfc32). */
  next(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.next() / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** An integer in [lo, hi], both included. */
  between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  /** `n` random bytes. */
  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(Math.ceil(n / 4) * 4);
    for (let i = 0; i < out.length; i += 4) out.writeUInt32LE(this.next(), i);
    return out.subarray(0, n);
  }

  /** A random (version 4 layout) GUID, lower-case. */
  guid(): string {
    return formatGuid(this.bytes(16));
  }
}

function formatGuid(b: Buffer): string {
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * A stable GUID derived from a name, the same for every seed: used for the categories and
 * detectoids the generator adds where no real GUID is known to us (SHA-1 of a supsync-specific
 * prefix and the name, laid out like a version 4 GUID).
 */
export function namedGuid(name: string): string {
  return formatGuid(createHash('sha1').update(`supsync catalog-gen/${name}`, 'utf8').digest().subarray(0, 16));
}
