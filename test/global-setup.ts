import { newKeyEntry } from '../src/infra/codec-keys';
import { startTestStack } from './support/test-stack';

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const stack = await startTestStack((line) => process.stderr.write(`${line}\n`));
  (globalThis as { __TEST_STACK__?: unknown }).__TEST_STACK__ = stack;
  // Test files (in jest's worker processes) inherit these.
  process.env.TEMPORAL_ADDRESS = stack.temporalAddress;
  process.env.TEMPORAL_NAMESPACE = 'default';
  process.env.DATABASE_URL = stack.databaseUrl;
  process.env.WORKFLOW_BUNDLE_PATH = stack.workflowBundlePath;
  process.env.PAYMENTS_URL = stack.paymentsUrl;
  // One payload key for the run: every test client, worker and spawned CLI encrypts with it.
  process.env.PAYLOAD_CODEC_KEYS = newKeyEntry();
  process.stderr.write(`\ntest stack up in ${Date.now() - started} ms: temporal ${stack.temporalAddress}\n`);
}
