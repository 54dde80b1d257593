/**
 * API tokens and roles. A token is `sup_` + 32 random bytes (base64url); the store keeps only its
 * SHA-256, so a leaked database does not leak working tokens. Roles are ordered
 * read < operator < admin: operators may also trigger syncs and mark updates deployed, admins may
 * also change settings and manage tokens.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { SupsyncError } from '../shared/errors.ts';
import type { ApiTokenRecord, SiteStore, TokenRole } from '../store/site-store.ts';

export const TOKEN_ROLES: readonly TokenRole[] = ['read', 'operator', 'admin'];
const RANK: Readonly<Record<TokenRole, number>> = { read: 0, operator: 1, admin: 2 };
const TOKEN_PREFIX = 'sup_';
/** Writing lastUsedAt on every request would turn each read into a write; once a minute is enough. */
const TOUCH_EVERY_MS = 60_000;

/** True when `role` is at least `minimum`. */
export function roleAllows(role: TokenRole, minimum: TokenRole): boolean {
  return RANK[role] >= RANK[minimum];
}

/** The hash the store keeps for a plaintext token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new random plaintext token. */
export function generateToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** Checks a token role given as text (CLI options). */
export function parseRole(value: string): TokenRole {
  if ((TOKEN_ROLES as readonly string[]).includes(value)) return value as TokenRole;
  throw new SupsyncError('INPUT_INVALID', `role must be one of ${TOKEN_ROLES.join(', ')}, got "${value}"`);
}

/**
 * Creates a token in `store` and returns its record with the plaintext, which exists only in this
 * answer: it cannot be shown again.
 */
export async function createApiToken(
  store: Pick<SiteStore, 'createToken'>,
  name: string,
  role: TokenRole,
  now: () => Date,
): Promise<{ record: ApiTokenRecord; token: string }> {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > 100)
    throw new SupsyncError('INPUT_INVALID', 'a token name is 1-100 characters');
  const token = generateToken();
  const record = await store.createToken(trimmed, parseRole(role), hashToken(token), now().toISOString());
  return { record, token };
}

/** Who is calling: the token's name and role. */
export interface Caller {
  readonly tokenId: number;
  readonly name: string;
  readonly role: TokenRole;
}

/** Resolves bearer tokens to callers and enforces the minimum role of a route. */
export class TokenAuthenticator {
  private readonly touched = new Map<number, number>();

  constructor(
    private readonly store: Pick<SiteStore, 'findTokenByHash' | 'touchToken'>,
    private readonly now: () => Date,
  ) {}

  /**
   * The caller of `request`, checked against `minimum`.
   * @throws AUTH_REQUIRED without a (valid) bearer token, AUTH_FORBIDDEN when the role is too low.
   */
  async authorize(request: FastifyRequest, minimum: TokenRole): Promise<Caller> {
    const token = bearerToken(request.headers.authorization);
    if (token === undefined)
      throw new SupsyncError('AUTH_REQUIRED', 'this route needs an API token: Authorization: Bearer <token>');
    const record = token.startsWith(TOKEN_PREFIX) ? await this.store.findTokenByHash(hashToken(token)) : undefined;
    if (record === undefined)
      throw new SupsyncError('AUTH_REQUIRED', 'the API token is not valid (unknown or revoked)');
    if (!roleAllows(record.role, minimum)) {
      throw new SupsyncError(
        'AUTH_FORBIDDEN',
        `this route needs the ${minimum} role; token "${record.name}" has ${record.role}`,
      );
    }
    this.touch(record.id);
    return { tokenId: record.id, name: record.name, role: record.role };
  }

  /**
   * Records the use without holding up the request: with the store on a worker thread the write
   * waits behind the sync's, and the last-used time is bookkeeping, not a check.
   */
  private touch(id: number): void {
    const now = this.now();
    const last = this.touched.get(id);
    if (last !== undefined && now.getTime() - last < TOUCH_EVERY_MS) return;
    this.touched.set(id, now.getTime());
    this.store.touchToken(id, now.toISOString()).catch(() => this.touched.delete(id));
  }
}

function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}
