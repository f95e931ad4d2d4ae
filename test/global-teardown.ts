import type { TestStack } from './support/test-stack';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __TEST_STACK__?: TestStack }).__TEST_STACK__?.stop();
}
