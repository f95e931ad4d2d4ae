/**
 * The decision signing keys (src/domain/decisions.ts): Ed25519, from node:crypto (no dependency).
 * The Orders API holds the private key and signs; the workers hold only public keys and verify.
 *
 * Signing key, first found wins (an entry is `id:base64 PKCS#8 DER`):
 *   1. DECISION_SIGNING_KEY       the entry itself
 *   2. DECISION_SIGNING_KEY_FILE  a file holding it
 *   3. <DATA_DIR>/decision-signing-key, which `npm start` creates on first run (mode 0600)
 * Public keys (entries `id:base64 raw 32 bytes`, several while a key rotates): DECISION_PUBLIC_KEYS,
 * else DECISION_PUBLIC_KEYS_FILE, else the public half of the signing key above (one machine: `npm start`).
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  generateKeyPairSync,
  sign,
  verify,
  KeyObject,
} from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import { decisionMessage, type DecisionClaims, type SignedDecision } from '../domain/decisions';

type KeyConfig = Pick<
  Config,
  | 'DECISION_SIGNING_KEY'
  | 'DECISION_SIGNING_KEY_FILE'
  | 'DECISION_PUBLIC_KEYS'
  | 'DECISION_PUBLIC_KEYS_FILE'
  | 'DATA_DIR'
>;

export interface SigningKey {
  id: string;
  key: KeyObject;
}

/** A key that cannot be read or is malformed: the message names the source, never the key. */
export class DecisionKeyError extends Error {}

const KEY_ID = /^[A-Za-z0-9_.-]{1,64}$/;

function splitEntry(entry: string, source: string): [string, Buffer] {
  const [id = '', encoded = '', ...rest] = entry.trim().split(':');
  if (!KEY_ID.test(id) || !encoded || rest.length > 0)
    throw new DecisionKeyError(`${source}: expected "id:base64" with an id of 1-64 letters, digits, "_", "." or "-"`);
  return [id, Buffer.from(encoded, 'base64')];
}

export function parseSigningKey(entry: string, source: string): SigningKey {
  const [id, der] = splitEntry(entry.replace(/#.*/g, ''), source);
  try {
    const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    if (key.asymmetricKeyType !== 'ed25519') throw new Error('not Ed25519');
    return { id, key };
  } catch {
    throw new DecisionKeyError(`${source}: key "${id}" is not an Ed25519 private key (base64 PKCS#8 DER)`);
  }
}

/** A new signing key entry: an id that sorts by creation day. */
export function newSigningKeyEntry(now = new Date()): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  const day = now.toISOString().slice(0, 10).replaceAll('-', '');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  return `d${day}-${randomBytes(3).toString('hex')}:${der.toString('base64')}`;
}

/** The public entry (`id:base64 raw`) that verifies what `signing` signs. */
export function publicEntryOf(signing: SigningKey): string {
  const jwk = createPublicKey(signing.key).export({ format: 'jwk' });
  return `${signing.id}:${Buffer.from(jwk.x!, 'base64url').toString('base64')}`;
}

export function defaultSigningKeyFile(config: Pick<Config, 'DATA_DIR'>): string {
  return path.resolve(config.DATA_DIR, 'decision-signing-key');
}

/** Creates `file` with a fresh signing key unless it exists; answers whether it did. */
export function ensureSigningKeyFile(file: string): boolean {
  if (existsSync(file)) return false;
  mkdirSync(path.dirname(file), { recursive: true });
  const header = '# The decision signing key (Ed25519): whoever holds it can approve orders. Keep it secret.\n';
  writeFileSync(file, `${header}${newSigningKeyEntry()}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return true;
}

function readKeyFile(file: string, setting: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new DecisionKeyError(
      `no decision key: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)}). ` +
        `Run \`npm start\` once (it creates the file), or set ${setting}.`,
    );
  }
}

/** This process's signing key (the Orders API), by the order in the module comment. */
export function loadSigningKey(config: KeyConfig): SigningKey {
  if (config.DECISION_SIGNING_KEY) return parseSigningKey(config.DECISION_SIGNING_KEY, 'DECISION_SIGNING_KEY');
  const file = config.DECISION_SIGNING_KEY_FILE ?? defaultSigningKeyFile(config);
  const entry = readKeyFile(file, 'DECISION_SIGNING_KEY or DECISION_SIGNING_KEY_FILE')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .find(Boolean);
  return parseSigningKey(entry ?? '', file);
}

/** The public keys this process verifies with (the workers), by id. */
export function loadVerifyKeys(config: KeyConfig): ReadonlyMap<string, KeyObject> {
  const listed =
    config.DECISION_PUBLIC_KEYS ??
    (config.DECISION_PUBLIC_KEYS_FILE
      ? readKeyFile(config.DECISION_PUBLIC_KEYS_FILE, 'DECISION_PUBLIC_KEYS').replace(/#.*/g, '')
      : undefined);
  const entries = listed ? listed.split(/[\s,]+/).filter(Boolean) : [publicEntryOf(loadSigningKey(config))];
  return new Map(
    entries.map((entry) => {
      const [id, raw] = splitEntry(entry, 'DECISION_PUBLIC_KEYS');
      if (raw.length !== 32) throw new DecisionKeyError(`DECISION_PUBLIC_KEYS: key "${id}" must be 32 bytes of base64`);
      return [
        id,
        createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' }),
      ];
    }),
  );
}

const digest = (says: string) => createHash('sha256').update(says).digest('base64url');

/** Signs `claims` and what the decision `says` (decisionSays), with a fresh nonce and the time now. */
export function signDecision(
  signing: SigningKey,
  claims: Omit<DecisionClaims, 'keyId' | 'nonce' | 'issuedAt' | 'detail'> & { says: string },
  now = new Date(),
): SignedDecision {
  const { says, ...rest } = claims;
  const full: DecisionClaims = {
    ...rest,
    issuedAt: now.toISOString(),
    nonce: randomBytes(16).toString('base64url'),
    keyId: signing.id,
    detail: digest(says),
  };
  const signature = sign(null, Buffer.from(decisionMessage(full)), signing.key).toString('base64url');
  return { ...full, signature };
}

/** Whether `proof` is signed by one of `keys` and says what the order was sent (`says`); its other claims are the workflow's to check. */
export function verifyDecisionSignature(
  proof: SignedDecision,
  says: string,
  keys: ReadonlyMap<string, KeyObject>,
): string | undefined {
  const key = keys.get(proof.keyId);
  if (!key) return `the signed decision names key "${proof.keyId}", which this worker does not hold`;
  const ok = verify(null, Buffer.from(decisionMessage(proof)), key, Buffer.from(proof.signature, 'base64url'));
  if (!ok) return "the decision's signature does not verify (forged or altered)";
  if (proof.detail !== digest(says))
    return 'the decision says something else than what was signed (note, reason or for whom)';
  return undefined;
}

/** A throw-away stack's keys (bench, chaos): the driver signs with `signing`, its workers get `publicKeys`. */
export function runDecisionKeys(entry = newSigningKeyEntry()): { signing: SigningKey; publicKeys: string } {
  const signing = parseSigningKey(entry, 'the run key');
  return { signing, publicKeys: publicEntryOf(signing) };
}
