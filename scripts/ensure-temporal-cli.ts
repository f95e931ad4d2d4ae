/**
 * Makes sure a Temporal CLI is available (building it into the user cache if needed) and prints
 * its path. CI runs this before the tests so the build shows up as its own step.
 */
import { resolveTemporalCli } from '../tools/dev-stack/temporal-cli';

resolveTemporalCli({ allowDownload: false, onProgress: (line) => console.log(line) })
  .then((cli) => {
    if (cli.kind === 'path') console.log(`Temporal CLI: ${cli.path} (from ${cli.source})`);
  })
  .catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
