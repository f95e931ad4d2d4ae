/**
 * `npm run codec-keys -- <command> [--file F]`: the payload codec's key file.
 *   ensure   create the file with one new key, unless it exists (npm start and compose do this)
 *   rotate   put a new key in front; the old ones stay and still decrypt older payloads
 *   list     key ids, newest (the one that encrypts) first; never the keys themselves
 *   new      print one new `id:base64` entry, for PAYLOAD_CODEC_KEYS or a secret store
 * The default file is PAYLOAD_CODEC_KEY_FILE, else <DATA_DIR>/codec-keys. After a rotation, restart
 * the workers, the codec server and anything else that encrypts, so new payloads use the new key.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config';
import { defaultKeyFile, ensureKeyFile, newKeyEntry, parseKeyring, rotateKeyFile } from '../src/infra/codec-keys';

const USAGE = 'Usage: codec-keys ensure|rotate|list|new [--file PATH]';

function main(): number {
  const { values, positionals } = parseArgs({ options: { file: { type: 'string' } }, allowPositionals: true });
  const config = loadConfig();
  const file = values.file ?? config.PAYLOAD_CODEC_KEY_FILE ?? defaultKeyFile(config);
  switch (positionals.join(' ')) {
    case 'ensure':
      console.log(ensureKeyFile(file) ? `created ${file}` : `${file} exists; unchanged`);
      return 0;
    case 'rotate':
      console.log(`${file}: new key ${rotateKeyFile(file)} now encrypts; older keys kept for decryption`);
      return 0;
    case 'list':
      for (const id of parseKeyring(readFileSync(file, 'utf8'), file).byId.keys()) console.log(id);
      return 0;
    case 'new':
      console.log(newKeyEntry());
      return 0;
    default:
      console.error(USAGE);
      return 2;
  }
}

try {
  process.exitCode = main();
} catch (err) {
  console.error((err as Error).message);
  process.exitCode = 1;
}
