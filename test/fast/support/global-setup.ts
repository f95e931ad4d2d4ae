import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { projectRoot } from '../../../src/runtime/paths';
import { newSigningKeyEntry } from '../../../src/runtime/decision-keys';
import { searchAttributeFlags } from '../../../src/runtime/search-attributes';
import { freePort } from '../../../tools/dev-stack/ports';
import { resolveTemporalCli } from '../../../tools/dev-stack/temporal-cli';

/** The local test environment on the project's own CLI binary (never a download), and one bundle. */
export default async function fastSetup(): Promise<void> {
  const started = Date.now();
  const cli = await resolveTemporalCli({ allowDownload: false, onProgress: (l) => process.stderr.write(`${l}\n`) });
  if (cli.kind !== 'path') throw new Error('unreachable: download disabled');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: cli.path },
      ip: '127.0.0.1',
      port: await freePort(),
      extraArgs: searchAttributeFlags(),
    },
  });
  (globalThis as { __FAST_ENV__?: TestWorkflowEnvironment }).__FAST_ENV__ = env;
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../../workflows'),
    logger: new DefaultLogger('WARN'),
  });
  const bundle = path.join(projectRoot(), 'test-output', 'fast-workflow-bundle.js');
  mkdirSync(path.dirname(bundle), { recursive: true });
  writeFileSync(bundle, code);
  process.env.TEMPORAL_ADDRESS = env.address;
  process.env.WORKFLOW_BUNDLE_PATH = bundle;
  // Decisions are signed (src/domain/decisions.ts): the tier's client signs, its orders worker verifies.
  process.env.DECISION_SIGNING_KEY ??= newSigningKeyEntry();
  process.stderr.write(`\nfast tier: local test environment ${env.address} in ${Date.now() - started} ms\n`);
}
