/**
 * `npm run codec-keys`: the key file's life as an operator lives it. `ensure` makes a secret file
 * once; `rotate` stages a new key (it decrypts, it does not encrypt), `promote` makes it encrypt,
 * and what the old key encrypted still decrypts.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { defaultPayloadConverter } from '@temporalio/common';
import { parseKeyring } from '../../src/runtime/codec-keys';
import { AesGcmPayloadCodec, KEY_ID_METADATA } from '../../src/runtime/payload-codec';
import { DIST } from '../support/processes';

const run = promisify(execFile);
const keys = (...args: string[]) => run(process.execPath, [path.join(DIST, 'scripts/codec-keys.js'), ...args]);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'codec-keys-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('ensure creates a 0600 file once; rotate stages a new key, promote makes it encrypt; the old key still decrypts', async () => {
  const file = path.join(dir, 'codec-keys');
  expect((await keys('ensure', '--file', file)).stdout.trim()).toBe(`created ${file}`);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  const first = readFileSync(file, 'utf8');
  expect((await keys('ensure', '--file', file)).stdout.trim()).toBe(`${file} exists; unchanged`);
  expect(readFileSync(file, 'utf8')).toBe(first);

  const before = new AesGcmPayloadCodec(parseKeyring(first, file));
  const [old] = await before.encode([defaultPayloadConverter.toPayload('encrypted before the rotation')]);
  const oldId = parseKeyring(first, file).current.id;

  // Step one: the new key is staged. Every process restarted now decrypts it, none encrypts with it
  // yet, so a process restarted early never writes what one not yet restarted cannot read.
  const rotated = await keys('rotate', '--file', file);
  const newId = /new key (\S+) staged/.exec(rotated.stdout)?.[1];
  expect(newId).toBeDefined();
  expect((await keys('list', '--file', file)).stdout.trim().split('\n')).toEqual([
    `${newId} (staged)`,
    `${oldId} (encrypts)`,
  ]);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  const staged = new AesGcmPayloadCodec(parseKeyring(readFileSync(file, 'utf8'), file));
  const [stillOld] = await staged.encode([defaultPayloadConverter.toPayload('during the rotation')]);
  expect(Buffer.from(stillOld!.metadata![KEY_ID_METADATA]!).toString()).toBe(oldId);
  expect(defaultPayloadConverter.fromPayload((await before.decode([stillOld!]))[0]!)).toBe('during the rotation');

  // Step two: promoted, it encrypts; what the old key encrypted still decrypts.
  expect((await keys('promote', '--file', file)).stdout).toContain(`key ${newId} now encrypts`);
  expect((await keys('list', '--file', file)).stdout.trim().split('\n')).toEqual([`${newId} (encrypts)`, oldId]);
  const after = new AesGcmPayloadCodec(parseKeyring(readFileSync(file, 'utf8'), file));
  const [back] = await after.decode([old!]);
  expect(defaultPayloadConverter.fromPayload(back!)).toBe('encrypted before the rotation');
  const [fresh] = await after.encode([defaultPayloadConverter.toPayload('after')]);
  expect(Buffer.from(fresh!.metadata![KEY_ID_METADATA]!).toString()).toBe(newId);
  // A process not yet restarted after the rotation (the old keyring only) cannot read that: hence two steps.
  await expect(before.decode([fresh!])).rejects.toThrow(/not in this process's keyring/);
  expect((await keys('promote', '--file', file)).stdout.trim()).toBe(`${file}: no staged key; unchanged`);
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
