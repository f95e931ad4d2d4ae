/**
 * The orders CLI as a user of the Orders API: who it is there (a session from `orders login`,
 * kept in the user's config directory with mode 0600, or ORDERS_API_TOKEN), and one call with the
 * API's answers turned into the CLI's exit codes. A decision needs no Temporal access and no key:
 * the API signs it for the logged-in user.
 */
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, ordersApiUrl, type Config } from '../config';
import { CliError, invalid, operational } from './errors';
import { EXIT } from './output';

export interface SavedSession {
  api: string;
  token: string;
  username: string;
  role: string;
  expiresAt: string;
}

export function sessionFile(config: Config): string {
  if (config.ORDERS_SESSION_FILE) return config.ORDERS_SESSION_FILE;
  const base = process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(base, 'durable-orders', 'session.json');
}

export function saveSession(config: Config, session: SavedSession): string {
  const file = sessionFile(config);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(session, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // the mode applies only when the file is created
  return file;
}

export function forgetSession(config: Config): void {
  rmSync(sessionFile(config), { force: true });
}

function savedSession(config: Config): SavedSession | undefined {
  try {
    return JSON.parse(readFileSync(sessionFile(config), 'utf8')) as SavedSession;
  } catch {
    return undefined;
  }
}

/** The API and the token the CLI calls it with; none: run `orders login`. */
export function apiSession(config = loadConfig()): { api: string; token: string } {
  if (config.ORDERS_API_TOKEN) return { api: ordersApiUrl(config), token: config.ORDERS_API_TOKEN };
  const saved = savedSession(config);
  if (saved) return { api: saved.api, token: saved.token };
  throw operational(
    `not logged in: placements and decisions go through the Orders API (${ordersApiUrl(config)}). Run \`orders login --user <name>\` (or set ORDERS_API_TOKEN).`,
  );
}

type Say = { notFound?: string; unauthorized?: string; unprocessable?: string };

/** One call to the API (requestApi's arguments); its problem+json refusals become exit 2 (or 1 for a session to renew). */
export async function callApi<T>(...args: Parameters<typeof requestApi>): Promise<T> {
  return (await requestApi<T>(...args)).answer;
}

/** One call to the API, and the status of its success (a placement: 201 new, 200 the same request answered again). */
export async function requestApi<T>(
  session: { api: string; token?: string },
  method: 'GET' | 'POST' | 'DELETE',
  route: string,
  body?: object,
  /** What a 404, a 401 or a 422 means here, in the CLI's words. */
  say: Say = {},
  /** More headers (an Idempotency-Key, the trace's context). */
  headers: Record<string, string> = {},
): Promise<{ status: number; answer: T }> {
  let res: Response;
  try {
    res = await fetch(`${session.api}${route}`, {
      method,
      headers: {
        ...headers,
        ...(session.token ? { authorization: `Bearer ${session.token}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(150_000), // a cancel answers once the order is undone
    });
  } catch (err) {
    throw operational(
      `Cannot reach the Orders API at ${session.api} (${(err as Error).message}). Start the stack with \`npm start\`, or set ORDERS_API_URL.`,
    );
  }
  const text = await res.text();
  const answer = (text ? JSON.parse(text) : {}) as T & { detail?: string; title?: string };
  if (res.ok) return { status: res.status, answer };
  const why = answer.detail ?? answer.title ?? `HTTP ${res.status}`;
  if (res.status === 401 && say.unauthorized) throw invalid(say.unauthorized);
  if (res.status === 401)
    throw operational(`the Orders API did not accept the session (${why}): run \`orders login\` again`);
  if (res.status === 409) throw invalid(`refused: ${why}`);
  if (res.status === 503 && res.headers.has('retry-after') && answer.title === 'Too many orders in flight')
    throw new CliError(EXIT.BUSY, why);
  if (res.status === 404 && say.notFound) throw invalid(say.notFound);
  if (res.status === 422 && say.unprocessable) throw invalid(say.unprocessable);
  if (res.status < 500 && res.status !== 429) throw invalid(why);
  throw operational(`the Orders API answered ${res.status}: ${why}`);
}
