/**
 * `npm run codec-keys -- <command> [--file F]`: the payload codec's key file.
 *   ensure   create the file with one new key, unless it exists (npm start and compose do this)
 *   rotate   put a new key in front, staged: it decrypts, it does not encrypt yet; the old ones stay
 *   promote  the staged key encrypts (after every process was restarted with it)
 *   list     key ids, newest first, which one encrypts and which are staged; never the keys themselves
 *   new      print one new `id:base64` entry, for PAYLOAD_CODEC_KEYS or a secret store
 * The default file is PAYLOAD_CODEC_KEY_FILE, else <DATA_DIR>/codec-keys. A rotation is two restarts:
 * rotate, restart every process that reads payloads (workers, codec server, CLI sessions); promote,
 * restart them again. No process ever writes with a key another cannot read.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config';
import {
  defaultKeyFile,
  ensureKeyFile,
  newKeyEntry,
  parseKeyring,
  promoteKeyFile,
  rotateKeyFile,
} from '../src/runtime/codec-keys';

const USAGE = 'Usage: codec-keys ensure|rotate|promote|list|new [--file PATH]';

function main(): number {
  const { values, positionals } = parseArgs({ options: { file: { type: 'string' } }, allowPositionals: true });
  const config = loadConfig();
  const file = values.file ?? config.PAYLOAD_CODEC_KEY_FILE ?? defaultKeyFile(config);
  switch (positionals.join(' ')) {
    case 'ensure':
      console.log(ensureKeyFile(file) ? `created ${file}` : `${file} exists; unchanged`);
      return 0;
    case 'rotate':
      console.log(
        `${file}: new key ${rotateKeyFile(file)} staged: it decrypts, it does not encrypt yet. Restart every ` +
          'process that reads payloads (workers, codec server, CLI sessions), then run `codec-keys promote`.',
      );
      return 0;
    case 'promote': {
      const promoted = promoteKeyFile(file);
      console.log(
        promoted
          ? `${file}: key ${promoted} now encrypts (from each process's next restart); older keys kept for decryption`
          : `${file}: no staged key; unchanged`,
      );
      return 0;
    }
    case 'list': {
      const ring = parseKeyring(readFileSync(file, 'utf8'), file);
      for (const id of ring.byId.keys())
        console.log(`${id}${id === ring.current.id ? ' (encrypts)' : ring.staged.has(id) ? ' (staged)' : ''}`);
      return 0;
    }
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
