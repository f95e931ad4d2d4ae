/** `orders api-keys add`: a storefront's key for the Orders API, printed once (only its hash is kept). */
import { createApiKey } from '../api/keys';
import { IdSchema } from '../domain';
import { withPool } from './database';
import { invalid } from './errors';
import { EXIT, printJson } from './output';

export async function apiKeysAdd(opts: { storefront?: string; json?: boolean }): Promise<number> {
  if (!opts.storefront || !IdSchema.safeParse(opts.storefront).success)
    throw invalid('--storefront: must be 1-64 letters, digits, "_" or "-", starting with a letter or digit');
  const storefront = opts.storefront;
  return withPool(async (pool) => {
    const { keyId, key } = await createApiKey(pool, storefront);
    if (opts.json) printJson({ storefront, keyId, key });
    else {
      console.log(`storefront ${storefront}: key ${keyId}`);
      console.log(`  ${key}`);
      console.log('Shown once: only its hash is kept. Send it as "Authorization: Bearer <key>".');
    }
    return EXIT.OK;
  });
}
