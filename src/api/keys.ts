/**
 * Storefront API keys: `dok_<keyId>_<secret>`, 32 random bytes of secret of which only the SHA-256
 * is stored (a key is random, not a password: a slow hash would buy nothing). Shown once.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Pool } from 'pg';

const KEY = /^dok_([a-f0-9]{16})_([A-Za-z0-9_-]{43})$/;
const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** A new key for `storefront`: its id, and the key itself (never stored, never shown again). */
export async function createApiKey(pool: Pool, storefront: string): Promise<{ keyId: string; key: string }> {
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  await pool.query('INSERT INTO api_keys (key_id, secret_sha256, storefront) VALUES ($1, $2, $3)', [
    keyId,
    sha256(secret),
    storefront,
  ]);
  return { keyId, key: `dok_${keyId}_${secret}` };
}

/** The storefront a presented key belongs to, or undefined (malformed, unknown, disabled, wrong). */
export async function storefrontOf(pool: Pool, presented: string | undefined): Promise<string | undefined> {
  const match = presented === undefined ? null : KEY.exec(presented);
  if (!match) return undefined;
  const { rows } = await pool.query<{ secret_sha256: Buffer; storefront: string }>(
    'SELECT secret_sha256, storefront FROM api_keys WHERE key_id = $1 AND disabled_at IS NULL',
    [match[1]],
  );
  const row = rows[0];
  if (!row || !timingSafeEqual(row.secret_sha256, sha256(match[2]!))) return undefined;
  return row.storefront;
}
