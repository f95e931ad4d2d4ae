/**
 * `npm run codec-keys`: the key file's life as an operator lives it. `ensure` makes a secret file
 * once; `rotate` puts a new key in front, and what the old key encrypted still decrypts.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { defaultPayloadConverter } from '@temporalio/common';
import { parseKeyring } from '../../src/infra/codec-keys';
import { AesGcmPayloadCodec, KEY_ID_METADATA } from '../../src/infra/payload-codec';
import { DIST } from '../support/processes';

const run = promisify(execFile);
const keys = (...args: string[]) => run(process.execPath, [path.join(DIST, 'scripts/codec-keys.js'), ...args]);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'codec-keys-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('ensure creates a 0600 file once; rotate keeps the old key, which still decrypts its payloads', async () => {
  const file = path.join(dir, 'codec-keys');
  expect((await keys('ensure', '--file', file)).stdout.trim()).toBe(`created ${file}`);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  const first = readFileSync(file, 'utf8');
  expect((await keys('ensure', '--file', file)).stdout.trim()).toBe(`${file} exists; unchanged`);
  expect(readFileSync(file, 'utf8')).toBe(first);

  const before = new AesGcmPayloadCodec(parseKeyring(first, file));
  const [old] = await before.encode([defaultPayloadConverter.toPayload('encrypted before the rotation')]);
  const oldId = parseKeyring(first, file).current.id;

  const rotated = await keys('rotate', '--file', file);
  const newId = /new key (\S+) now encrypts/.exec(rotated.stdout)?.[1];
  expect(newId).toBeDefined();
  expect((await keys('list', '--file', file)).stdout.trim().split('\n')).toEqual([newId, oldId]);
  expect(statSync(file).mode & 0o777).toBe(0o600);

  const after = new AesGcmPayloadCodec(parseKeyring(readFileSync(file, 'utf8'), file));
  const [back] = await after.decode([old!]);
  expect(defaultPayloadConverter.fromPayload(back!)).toBe('encrypted before the rotation');
  const [fresh] = await after.encode([defaultPayloadConverter.toPayload('after')]);
  expect(Buffer.from(fresh!.metadata![KEY_ID_METADATA]!).toString()).toBe(newId);
  // `list` prints ids only: no key material on the terminal.
  const oldKey = parseKeyring(first, file).current.key.toString('base64');
  expect((await keys('list', '--file', file)).stdout).not.toContain(oldKey);
});

test('an unknown command is a usage error (exit 2); a missing file is named (exit 1)', async () => {
  await expect(keys('shred')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('Usage: codec-keys') });
  const missing = path.join(dir, 'nope');
  await expect(keys('list', '--file', missing)).rejects.toMatchObject({
    code: 1,
    stderr: expect.stringContaining(missing),
  });
});
