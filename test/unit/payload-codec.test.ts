import { defaultPayloadConverter } from '@temporalio/common';
import { newKeyEntry, parseKeyring } from '../../src/runtime/codec-keys';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA } from '../../src/runtime/payload-codec';

const ADDRESS = { name: 'Ada Lovelace', line1: '1 Analytical St', city: 'London' };
const text = (b?: Uint8Array | null) => Buffer.from(b ?? []).toString('utf8');
const idOf = (entry: string) => entry.slice(0, entry.indexOf(':'));

describe('AES-256-GCM payload codec', () => {
  const oldEntry = newKeyEntry(new Date('2026-01-01'));
  const newEntry = newKeyEntry(new Date('2026-06-01'));

  test('encodes to ciphertext labelled with the current key, and decodes back to the same payload', async () => {
    const codec = new AesGcmPayloadCodec(parseKeyring(oldEntry, 'test'));
    const plain = defaultPayloadConverter.toPayload(ADDRESS);
    const [encrypted] = await codec.encode([plain]);
    expect(text(encrypted!.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(encrypted!.metadata![KEY_ID_METADATA])).toBe(idOf(oldEntry));
    expect(Buffer.from(encrypted!.data!).includes('Lovelace')).toBe(false);
    const [decoded] = await codec.decode([encrypted!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual(ADDRESS);
  });

  test('the same value encrypts differently each time (random IV)', async () => {
    const codec = new AesGcmPayloadCodec(parseKeyring(oldEntry, 'test'));
    const plain = defaultPayloadConverter.toPayload('same');
    const [a, b] = await codec.encode([plain, plain]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  test('rotation: new payloads use the newest key; payloads of the old key still decode', async () => {
    const before = new AesGcmPayloadCodec(parseKeyring(oldEntry, 'test'));
    const after = new AesGcmPayloadCodec(parseKeyring(`${newEntry},${oldEntry}`, 'test'));
    const [old] = await before.encode([defaultPayloadConverter.toPayload('written before')]);
    const [fresh] = await after.encode([defaultPayloadConverter.toPayload('written after')]);
    expect(text(fresh!.metadata![KEY_ID_METADATA])).toBe(idOf(newEntry));
    const [oldBack, freshBack] = await after.decode([old!, fresh!]);
    expect(defaultPayloadConverter.fromPayload(oldBack!)).toBe('written before');
    expect(defaultPayloadConverter.fromPayload(freshBack!)).toBe('written after');
    // Once the old key is dropped, its payloads name the key they need.
    const dropped = new AesGcmPayloadCodec(parseKeyring(newEntry, 'test'));
    await expect(dropped.decode([old!])).rejects.toThrow(
      `key "${idOf(oldEntry)}", which is not in this process's keyring`,
    );
  });

  test('a staged key decrypts but does not encrypt: processes restarted early write what the others read', async () => {
    const staged = parseKeyring(`${newEntry}:staged,${oldEntry}`, 'test');
    expect(staged.current.id).toBe(idOf(oldEntry));
    expect([...staged.staged]).toEqual([idOf(newEntry)]);
    const early = new AesGcmPayloadCodec(staged);
    const notYet = new AesGcmPayloadCodec(parseKeyring(oldEntry, 'test'));
    const [written] = await early.encode([defaultPayloadConverter.toPayload('during the rotation')]);
    expect(defaultPayloadConverter.fromPayload((await notYet.decode([written!]))[0]!)).toBe('during the rotation');
    // ...and the staged key already decrypts what promoted processes will write.
    const promoted = new AesGcmPayloadCodec(parseKeyring(`${newEntry},${oldEntry}`, 'test'));
    const [fresh] = await promoted.encode([defaultPayloadConverter.toPayload('after')]);
    expect(defaultPayloadConverter.fromPayload((await early.decode([fresh!]))[0]!)).toBe('after');
    expect(() => parseKeyring(`${newEntry}:staged`, 'test')).toThrow('every key is staged');
    expect(() => parseKeyring(`${newEntry}:later`, 'test')).toThrow('entry 1 must be');
  });

  test('an altered payload, or one relabelled with another key id, fails authentication', async () => {
    const codec = new AesGcmPayloadCodec(parseKeyring(`${newEntry},${oldEntry}`, 'test'));
    const [p] = await codec.encode([defaultPayloadConverter.toPayload(ADDRESS)]);
    const flipped = Buffer.from(p!.data!);
    flipped.writeUInt8(flipped.readUInt8(20) ^ 1, 20);
    await expect(codec.decode([{ ...p!, data: flipped }])).rejects.toThrow('failed authentication');
    const relabelled = { ...p!, metadata: { ...p!.metadata, [KEY_ID_METADATA]: Buffer.from(idOf(oldEntry)) } };
    await expect(codec.decode([relabelled])).rejects.toThrow('failed authentication');
  });

  test('payloads written before the codec (not encrypted) pass through decode unchanged', async () => {
    const codec = new AesGcmPayloadCodec(parseKeyring(oldEntry, 'test'));
    const plain = defaultPayloadConverter.toPayload({ legacy: true });
    expect(await codec.decode([plain])).toEqual([plain]);
  });
});

describe('keyring parsing', () => {
  const good = newKeyEntry();
  test.each([
    ['empty', '', 'no keys'],
    ['no id', 'nokey', 'entry 1 must be "id:base64key"'],
    ['short key', 'k1:c2hvcnQ=', 'key "k1" must be 32 bytes'],
    ['repeated id', `${good},${good}`, `key id "${idOf(good)}" appears twice`],
  ])('%s is refused with the source and the problem', (_label, text, message) => {
    expect(() => parseKeyring(text, 'PAYLOAD_CODEC_KEYS')).toThrow(`PAYLOAD_CODEC_KEYS: ${message}`);
  });

  test('the error never repeats key material', () => {
    const secret = Buffer.alloc(31, 7).toString('base64');
    expect(() => parseKeyring(`k1:${secret}`, 'f')).toThrow('key "k1" must be 32 bytes');
    expect(() => parseKeyring(`k1:${secret}`, 'f')).not.toThrow(secret);
  });

  test('a key file: comments and blank lines ignored, first entry encrypts', () => {
    const other = newKeyEntry();
    const ring = parseKeyring(`# keys\n${good}\n\n${other}  # retired\n`, 'file');
    expect(ring.current.id).toBe(idOf(good));
    expect([...ring.byId.keys()]).toEqual([idOf(good), idOf(other)]);
  });
});
