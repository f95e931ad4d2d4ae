import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';

/**
 * The workflow bundle a run's worker processes load (WORKFLOW_BUNDLE_PATH): the one given, the
 * environment's, or workflows/ bundled once into `dir`. Bundling takes seconds; a run that spawns
 * workers again and again (chaos, bench) does it once.
 */
export async function workflowBundleFile(dir: string, given?: string): Promise<string> {
  if (given) return given;
  if (process.env.WORKFLOW_BUNDLE_PATH) return process.env.WORKFLOW_BUNDLE_PATH;
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: new DefaultLogger('WARN'),
  });
  const file = path.join(dir, 'workflow-bundle.js');
  writeFileSync(file, code);
  return file;
}
