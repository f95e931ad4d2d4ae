/**
 * Makes sure the Temporal server and its SQL tool are built into the user cache (the cluster and its
 * test need them) and prints where. CI runs this before the tests so the build is its own step.
 */
import { ensureServerBuild } from '../tools/cluster/server-build';

ensureServerBuild({ onProgress: (line) => console.log(line) })
  .then((build) => console.log(`Temporal server ${build.version}: ${build.server} (SQL tool ${build.sqlTool})`))
  .catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
