/**
 * Staff accounts and their sessions. Passwords are argon2id (`@node-rs/argon2`: a maintained
 * binding of the reference implementation, prebuilt for every platform npm serves; its defaults are
 * OWASP's minimum, 19 MiB, 2 passes). A password is generated, shown once, never chosen: no weak
 * ones, and no reset flow to get wrong. A session is a random token (its SHA-256 stored) with a
 * CSRF token that a browser must send back in `X-CSRF-Token` on every change.
 */
import { hash, verify } from '@node-rs/argon2';
import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { STAFF_ROLES, type StaffRole } from '../domain';

export { STAFF_ROLES, type StaffRole } from '../domain';
/** The roles an account may have: staff's, and `customer` (reads the orders of its customer id). */
export const ACCOUNT_ROLES = [...STAFF_ROLES, 'customer'] as const;
export type AccountRole = (typeof ACCOUNT_ROLES)[number];
export const USERNAME = /^[a-z][a-z0-9._-]{1,39}$/;
/** A working day: then the user logs in again. */
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;

/** A logged-in account: staff (a role), or a customer (`customerId`, and role `customer`). */
export type StaffSession = { username: string; csrfToken: string } & (
  { role: StaffRole; customerId?: undefined } | { role: 'customer'; customerId: string }
);

type AccountRow = { username: string; role: AccountRole; customer_id: string | null };
/** The account a row holds, as a session's who (the CHECK keeps role and customer id together). */
const accountOf = (r: AccountRow) =>
  r.role === 'customer'
    ? { username: r.username, role: 'customer' as const, customerId: r.customer_id! }
    : { username: r.username, role: r.role };

/**
 * At most this many argon2id computations at once (19 MiB and a core each): a burst of logins waits
 * its turn instead of taking the API's memory and event loop with it. The rate limits bound the rest.
 */
export const MAX_CONCURRENT_HASHES = 2;
/** Logins past this many waiting are answered "too many" at once rather than queued without end. */
export const MAX_WAITING_HASHES = 32;
class HashesBusy extends Error {}
let hashing = 0;
const waitingToHash: Array<() => void> = [];
async function oneHashAtATime<T>(work: () => Promise<T>): Promise<T> {
  if (hashing >= MAX_CONCURRENT_HASHES) {
    if (waitingToHash.length >= MAX_WAITING_HASHES) throw new HashesBusy('too many logins at once');
    await new Promise<void>((turn) => waitingToHash.push(turn));
  } else hashing += 1;
  try {
    return await work();
  } finally {
    const next = waitingToHash.shift();
    if (next) next();
    else hashing -= 1;
  }
}
const hashPassword = (password: string) => oneHashAtATime(() => hash(password));
/** A malformed stored hash is a wrong password; a full queue is HashesBusy. */
const verifyPassword = (phc: string, password: string) =>
  oneHashAtATime(() => verify(phc, password).catch(() => false));

const sha256 = (text: string) => createHash('sha256').update(text).digest();
// Spent on a login for a name that does not exist, so its answer takes as long as a wrong password.
let noSuchUser: Promise<string> | undefined;

/**
 * Creates `username` with `role` (a customer's account: role `customer` and its customer id) and a
 * generated password, which it answers (shown once). Undefined when taken.
 */
export async function addStaffUser(
  pool: Pool,
  username: string,
  role: AccountRole,
  customerId?: string,
): Promise<string | undefined> {
  const password = randomBytes(18).toString('base64url');
  const { rowCount } = await pool.query(
    `INSERT INTO staff_users (username, password_hash, role, customer_id) VALUES ($1, $2, $3, $4)
     ON CONFLICT DO NOTHING`,
    [username, await hashPassword(password), role, role === 'customer' ? customerId : null],
  );
  return rowCount === 1 ? password : undefined;
}

export async function listStaffUsers(pool: Pool) {
  const { rows } = await pool.query<AccountRow & { created_at: Date; disabled_at: Date | null }>(
    'SELECT username, role, customer_id, created_at, disabled_at FROM staff_users ORDER BY username',
  );
  return rows.map((r) => ({
    ...accountOf(r),
    createdAt: r.created_at.toISOString(),
    ...(r.disabled_at ? { disabledAt: r.disabled_at.toISOString() } : {}),
  }));
}

/** Disables `username` and ends its sessions; false when there is no such user. */
export async function disableStaffUser(pool: Pool, username: string): Promise<boolean> {
  const { rowCount } = await pool.query(
    'UPDATE staff_users SET disabled_at = COALESCE(disabled_at, now()) WHERE username = $1',
    [username],
  );
  await pool.query('DELETE FROM staff_sessions WHERE username = $1', [username]);
  return rowCount === 1;
}

/** A first run's way in for people: `admin` and its password (shown once) when no staff user exists yet. */
export async function firstRunAdmin(pool: Pool): Promise<string | undefined> {
  if ((await pool.query('SELECT 1 FROM staff_users LIMIT 1')).rowCount === 1) return undefined;
  return addStaffUser(pool, 'admin', 'admin');
}

/** Failed logins a name may have in LOGIN_WINDOW_S before it takes no more attempts for a while. */
export const LOGIN_ATTEMPTS = 5;
export const LOGIN_WINDOW_S = 60;

export type LoginResult = NewSession | 'wrong' | 'limited';

/**
 * A new session for a right password of an enabled user: its token (shown once) and what it is.
 * Failures are counted per name in PostgreSQL, so guessing is slow whichever route, address or API
 * process it comes through; a success clears the count.
 */
export async function logIn(pool: Pool, username: string, password: string): Promise<LoginResult> {
  // Every attempt is recorded as a failure (committed) before it is counted and before its slow
  // hash, and a success clears the record: of guesses sent all at once, the last to count sees all
  // the others that passed, so no more than LOGIN_ATTEMPTS ever get a hash.
  await pool.query(
    `WITH gone AS (DELETE FROM staff_login_failures WHERE username = $1 AND at < now() - interval '1 hour')
     INSERT INTO staff_login_failures (username) VALUES ($1)`,
    [username],
  );
  const { rows: tries } = await pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM staff_login_failures WHERE username = $1 AND at > now() - make_interval(secs => $2)`,
    [username, LOGIN_WINDOW_S],
  );
  if (Number(tries[0]!.n) > LOGIN_ATTEMPTS) return 'limited';
  const { rows } = await pool.query<{ password_hash: string }>(
    'SELECT password_hash FROM staff_users WHERE username = $1 AND disabled_at IS NULL',
    [username],
  );
  const user = rows[0];
  let ok: boolean;
  try {
    ok = await verifyPassword(
      user?.password_hash ?? (await (noSuchUser ??= hash(randomBytes(16).toString('hex')))),
      password,
    );
  } catch (err) {
    if (err instanceof HashesBusy) return 'limited';
    throw err;
  }
  if (!user || !ok) return 'wrong';
  await pool.query('DELETE FROM staff_login_failures WHERE username = $1', [username]);
  return (await createSession(pool, username)) ?? 'wrong';
}

export type NewSession = StaffSession & { token: string; expiresAt: string };

/**
 * A new session of `username`, however it proved who it is (a password here, the company's
 * identity provider in oidc.ts): its token (shown once), CSRF token and role, from staff_users.
 * Undefined when there is no such user or it is disabled, checked in the same statement.
 */
export async function createSession(
  pool: Pool,
  username: string,
  /** The company's identity provider signs staff in, never a customer's account. */
  opts: { staffOnly?: boolean } = {},
): Promise<NewSession | undefined> {
  const token = `dos_${randomBytes(32).toString('base64url')}`;
  const csrfToken = randomBytes(24).toString('base64url');
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  const { rows } = await pool.query<AccountRow>(
    `WITH u AS (SELECT username, role, customer_id FROM staff_users
                WHERE username = $2 AND disabled_at IS NULL AND NOT ($5 AND role = 'customer')),
     s AS (INSERT INTO staff_sessions (token_sha256, username, csrf_token, expires_at)
           SELECT $1, username, $3, $4 FROM u RETURNING username)
     SELECT u.username, u.role, u.customer_id FROM u JOIN s USING (username)`,
    [sha256(token), username, csrfToken, expiresAt, opts.staffOnly ?? false],
  );
  const row = rows[0];
  return row && { token, ...accountOf(row), csrfToken, expiresAt: expiresAt.toISOString() };
}

/**
 * Company sign-in's check of who came (oidc.ts): the staff user `username` is bound to the
 * provider's subject at its first sign-in, and only that subject signs in as it afterwards.
 * 'other': it is bound to another subject, or the subject to another user; 'none': no enabled
 * staff user has that name (a customer's account never signs in this way). Nothing changes then.
 */
export async function bindOidcSubject(
  pool: Pool,
  username: string,
  subject: string,
): Promise<'bound' | 'other' | 'none'> {
  try {
    const { rows } = await pool.query<{ same: boolean }>(
      `UPDATE staff_users SET oidc_subject = COALESCE(oidc_subject, $2)
       WHERE username = $1 AND disabled_at IS NULL AND role <> 'customer'
       RETURNING oidc_subject = $2 AS same`,
      [username, subject],
    );
    if (!rows[0]) return 'none';
    return rows[0].same ? 'bound' : 'other';
  } catch (err) {
    if ((err as { code?: string }).code === '23505') return 'other'; // the subject is another user's
    throw err;
  }
}

/** Forgets `username`'s company account (a new one at the provider binds at its next sign-in); false when no such user. */
export async function unbindOidcSubject(pool: Pool, username: string): Promise<boolean> {
  const { rowCount } = await pool.query('UPDATE staff_users SET oidc_subject = NULL WHERE username = $1', [username]);
  return rowCount === 1;
}

/** The live session `token` opens (its user enabled), or undefined. */
export async function sessionOf(pool: Pool, token: string | undefined): Promise<StaffSession | undefined> {
  if (!token?.startsWith('dos_') || token.length > 100) return undefined;
  const { rows } = await pool.query<AccountRow & { csrf_token: string }>(
    `SELECT s.username, u.role, u.customer_id, s.csrf_token FROM staff_sessions s JOIN staff_users u USING (username)
     WHERE s.token_sha256 = $1 AND s.expires_at > now() AND u.disabled_at IS NULL`,
    [sha256(token)],
  );
  const row = rows[0];
  return row && { ...accountOf(row), csrfToken: row.csrf_token };
}

export async function logOut(pool: Pool, token: string): Promise<void> {
  await pool.query('DELETE FROM staff_sessions WHERE token_sha256 = $1', [sha256(token)]);
}
