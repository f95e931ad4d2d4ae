/**
 * The payload codec's keys. A keyring is a list of `id:base64key` entries, newest FIRST: the first
 * key encrypts every new payload, every key decrypts. Rotation = put a new key in front and keep
 * the old ones for as long as histories encrypted with them are kept (retention), then drop them.
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
}

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
  const keys = entries.map((entry, i): CodecKey => {
    const at = entry.indexOf(':');
    const id = at < 0 ? '' : entry.slice(0, at);
    const encoded = at < 0 ? '' : entry.slice(at + 1);
    if (!KEY_ID.test(id))
      throw new KeyringError(
        `${source}: entry ${i + 1} must be "id:base64key" with an id of 1-64 letters, digits, "_", "." or "-"`,
      );
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== KEY_BYTES || key.toString('base64') !== encoded)
      throw new KeyringError(`${source}: key "${id}" must be ${KEY_BYTES} bytes in standard base64 (44 characters)`);
    if (byId.has(id)) throw new KeyringError(`${source}: key id "${id}" appears twice`);
    byId.set(id, key);
    return { id, key };
  });
  return { current: keys[0]!, byId };
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
  const header = '# Payload codec keys, newest first: the first encrypts, all decrypt. Keep this file secret.\n';
  writeFileSync(file, header + entries.map((e) => `${e}\n`).join(''), { mode: 0o600 });
  chmodSync(file, 0o600); // writeFileSync's mode only applies when it creates the file
}

/** Creates `file` with one fresh key unless it exists; answers whether it did. */
export function ensureKeyFile(file: string): boolean {
  if (existsSync(file)) return false;
  writeKeyFile(file, [newKeyEntry()]);
  return true;
}

/** Puts a new key in front of `file`'s keys (which stay, to decrypt older payloads); answers its id. */
export function rotateKeyFile(file: string): string {
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const kept = old.trim()
    ? [...parseKeyring(old, file).byId].map(([id, key]) => `${id}:${key.toString('base64')}`)
    : [];
  const entry = newKeyEntry();
  writeKeyFile(file, [entry, ...kept]);
  return entry.slice(0, entry.indexOf(':'));
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
