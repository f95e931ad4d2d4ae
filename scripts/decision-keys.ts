/**
 * `npm run decision-keys -- <command> [--file F] [--public-file P]`: the decision signing key.
 *   ensure  create the signing key file unless it exists; with --public-file, (re)write its public
 *           entry there too, for the workers' DECISION_PUBLIC_KEYS_FILE (compose does this)
 *   public  print the public entry (`id:base64`), for the workers' DECISION_PUBLIC_KEYS
 *   new     print a new signing key entry, for DECISION_SIGNING_KEY or a secret store
 * The default file is DECISION_SIGNING_KEY_FILE, else <DATA_DIR>/decision-signing-key. Rotating:
 * give the workers the old and the new public entries, then the API the new key (docs/security.md).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config';
import {
  defaultSigningKeyFile,
  ensureSigningKeyFile,
  loadSigningKey,
  newSigningKeyEntry,
  publicEntryOf,
} from '../src/runtime/decision-keys';

const USAGE = 'Usage: decision-keys ensure|public|new [--file PATH] [--public-file PATH]';

function main(): number {
  const { values, positionals } = parseArgs({
    options: { file: { type: 'string' }, 'public-file': { type: 'string' } },
    allowPositionals: true,
  });
  const config = loadConfig();
  const file = values.file ?? config.DECISION_SIGNING_KEY_FILE ?? defaultSigningKeyFile(config);
  const publicEntry = () =>
    publicEntryOf(loadSigningKey({ ...config, DECISION_SIGNING_KEY: undefined, DECISION_SIGNING_KEY_FILE: file }));
  switch (positionals.join(' ')) {
    case 'ensure': {
      console.log(ensureSigningKeyFile(file) ? `created ${file}` : `${file} exists; unchanged`);
      const out = values['public-file'];
      if (out) {
        writeFileSync(out, `${publicEntry()}\n`, { mode: 0o644 });
        console.log(`wrote its public entry to ${out}`);
      }
      return 0;
    }
    case 'public':
      console.log(publicEntry());
      return 0;
    case 'new':
      console.log(newSigningKeyEntry());
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
