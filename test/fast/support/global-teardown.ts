import type { TestWorkflowEnvironment } from '@temporalio/testing';

export default async function fastTeardown(): Promise<void> {
  await (globalThis as { __FAST_ENV__?: TestWorkflowEnvironment }).__FAST_ENV__?.teardown();
}
