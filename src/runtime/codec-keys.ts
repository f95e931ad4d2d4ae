/**
 * The payload codec's keys. A keyring is a list of `id:base64key` entries, newest FIRST: the first
 * key that is not staged encrypts every new payload, every key decrypts. Rotation is two steps, so
 * no process writes with a key the others cannot read yet: `rotate` puts a new key in front,
 * staged (`id:base64key:staged`: it decrypts, it does not encrypt); once every process has been
 * restarted with it, `promote` unstages it and it encrypts. Old keys stay for as long as histories
 * encrypted with them are kept (retention), then they go.
 *
 * Where the keys come from, first found wins:
 *   1. PAYLOAD_CODEC_KEYS      the entries themselves, separated by commas or whitespace
 *   2. PAYLOAD_CODEC_KEY_FILE  a file of entries, one per line (`#` comments allowed)
 *   3. <DATA_DIR>/codec-keys   the file `npm start` creates on first run (mode 0600)
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';

export const KEY_BYTES = 32; // AES-256
const KEY_ID = /^[A-Za-z0-9_.-]{1,64}$/;

export interface CodecKey {
  id: string;
  key: Buffer;
}

export interface Keyring {
  /** Encrypts new payloads. */
  current: CodecKey;
  /** Every key that may decrypt, current included. */
  byId: ReadonlyMap<string, Buffer>;
  /** Keys that decrypt but do not encrypt yet (rotated in, not promoted). */
  staged: ReadonlySet<string>;
}

const STAGED = 'staged';

/** A keyring that cannot be read or is malformed; the message names the source and the problem, never a key. */
export class KeyringError extends Error {}

/** Parses `id:base64` entries (newest first); `source` names where they came from in error messages. */
export function parseKeyring(text: string, source: string): Keyring {
  const entries = text
    .split('\n')
    .map((line) => line.replace(/#.*/, ''))
    .flatMap((line) => line.split(/[\s,]+/))
    .filter(Boolean);
  if (entries.length === 0)
    throw new KeyringError(`${source}: no keys (expected "id:base64key" entries, newest first)`);
  const byId = new Map<string, Buffer>();
  const staged = new Set<string>();
  const keys = entries.map((entry, i): CodecKey => {
    const [id = '', encoded = '', mark, ...rest] = entry.split(':');
    if (!entry.includes(':') || !KEY_ID.test(id) || (mark !== undefined && mark !== STAGED) || rest.length > 0)
      throw new KeyringError(
        `${source}: entry ${i + 1} must be "id:base64key" (or "id:base64key:${STAGED}") with an id of 1-64 letters, digits, "_", "." or "-"`,
      );
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== KEY_BYTES || key.toString('base64') !== encoded)
      throw new KeyringError(`${source}: key "${id}" must be ${KEY_BYTES} bytes in standard base64 (44 characters)`);
    if (byId.has(id)) throw new KeyringError(`${source}: key id "${id}" appears twice`);
    byId.set(id, key);
    if (mark === STAGED) staged.add(id);
    return { id, key };
  });
  const current = keys.find((k) => !staged.has(k.id));
  if (!current) throw new KeyringError(`${source}: every key is staged; promote one (it is the one that encrypts)`);
  return { current, byId, staged };
}

/** The keyring's entries as the file holds them, newest first, with their marks. */
function entriesOf(ring: Keyring): string[] {
  return [...ring.byId].map(([id, key]) => `${id}:${key.toString('base64')}${ring.staged.has(id) ? `:${STAGED}` : ''}`);
}

/** A new entry: an id that sorts by creation day, and 32 random bytes. */
export function newKeyEntry(now = new Date()): string {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '');
  return `k${day}-${randomBytes(3).toString('hex')}:${randomBytes(KEY_BYTES).toString('base64')}`;
}

export function defaultKeyFile(config: Pick<Config, 'DATA_DIR'>): string {
  return path.resolve(config.DATA_DIR, 'codec-keys');
}

function writeKeyFile(file: string, entries: string[]): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const header =
    '# Payload codec keys, newest first: the first one not staged encrypts, all decrypt. Keep this file secret.\n';
  writeFileSync(file, header + entries.map((e) => `${e}\n`).join(''), { mode: 0o600 });
  chmodSync(file, 0o600); // writeFileSync's mode only applies when it creates the file
}

/** Creates `file` with one fresh key unless it exists; answers whether it did. */
export function ensureKeyFile(file: string): boolean {
  if (existsSync(file)) return false;
  writeKeyFile(file, [newKeyEntry()]);
  return true;
}

/**
 * Puts a new key in front of `file`'s keys, staged: every process restarted with the file can
 * decrypt what it will encrypt, before any process encrypts with it (`promoteKeyFile`). The old
 * keys stay, to decrypt older payloads. Answers its id.
 */
export function rotateKeyFile(file: string): string {
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const kept = old.trim() ? entriesOf(parseKeyring(old, file)) : [];
  const entry = newKeyEntry();
  writeKeyFile(file, [old.trim() ? `${entry}:${STAGED}` : entry, ...kept]);
  return entry.slice(0, entry.indexOf(':'));
}

/** Unstages the newest staged key of `file`: it encrypts from the next restart on. Answers its id, or undefined when none is staged. */
export function promoteKeyFile(file: string): string | undefined {
  const ring = parseKeyring(readFileSync(file, 'utf8'), file);
  const promoted = [...ring.byId.keys()].find((id) => ring.staged.has(id));
  if (!promoted) return undefined;
  writeKeyFile(file, entriesOf({ ...ring, staged: new Set([...ring.staged].filter((id) => id !== promoted)) }));
  return promoted;
}

/** This process's keyring, by the order in the module comment. */
export function loadKeyring(
  config: Pick<Config, 'PAYLOAD_CODEC_KEYS' | 'PAYLOAD_CODEC_KEY_FILE' | 'DATA_DIR'>,
): Keyring {
  if (config.PAYLOAD_CODEC_KEYS) return parseKeyring(config.PAYLOAD_CODEC_KEYS, 'PAYLOAD_CODEC_KEYS');
  const file = config.PAYLOAD_CODEC_KEY_FILE ?? defaultKeyFile(config);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new KeyringError(
      `no payload codec keys: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)}). ` +
        'Run `npm start` once (it creates the file), or set PAYLOAD_CODEC_KEYS or PAYLOAD_CODEC_KEY_FILE to the keys the workers use.',
    );
  }
  return parseKeyring(text, file);
}
