import net from 'node:net';
import { ensureServerBuild, hasGo, howToBuildServer, serverBuildPaths } from '../tools/cluster/server-build';
import { newKeyEntry } from '../src/runtime/codec-keys';
import { newSigningKeyEntry, parseSigningKey, publicEntryOf } from '../src/runtime/decision-keys';
import { isExecutable } from '../tools/dev-stack/go-install';
import { startTestStack } from './support/test-stack';

/** Something answers on a loopback port: RabbitMQ (5672, guest/guest) and Redis (6379) for their tests. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (up: boolean) => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * The cluster test needs the full Temporal server, built once into the user cache (CI builds it in
 * its own step). Without Go and without a build it is skipped and says why, except in CI.
 */
async function prepareClusterTest(): Promise<void> {
  if (isExecutable(serverBuildPaths().server) || hasGo()) {
    await ensureServerBuild({ onProgress: (line) => process.stderr.write(`${line}\n`) });
    process.env.CLUSTER_TEST = 'on';
    process.stderr.write('cluster test: on (temporal-server built in the user cache)\n');
  } else if (process.env.CI) {
    throw new Error(`CI: the cluster test needs the Temporal server build.\n${howToBuildServer()}`);
  } else {
    process.stderr.write('cluster test: SKIPPED (no Go to build the Temporal server; see docs/testing.md)\n');
  }
}

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  if (!process.env.AMQP_URL && (await listening(5672))) process.env.AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';
  // Only the cache tests use Redis (REDIS_TEST_URL): workers spawned by other tests keep reading PostgreSQL.
  if (!process.env.REDIS_TEST_URL && (await listening(6379))) process.env.REDIS_TEST_URL = 'redis://127.0.0.1:6379';
  if (!process.env.REDIS_TEST_URL && process.env.CI)
    throw new Error('CI: no Redis (REDIS_TEST_URL unset, nothing on 127.0.0.1:6379); the cache tests need one');
  // CI runs on a machine with RabbitMQ: there, a missing broker is a failure, not a skip.
  if (!process.env.AMQP_URL && process.env.CI)
    throw new Error('CI: no RabbitMQ (AMQP_URL unset, nothing on 127.0.0.1:5672); the broker tests need one');
  await prepareClusterTest();
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
  // One decision signing key: test clients and the CLI sign with it, workers verify with its public half.
  process.env.DECISION_SIGNING_KEY = newSigningKeyEntry();
  process.env.DECISION_PUBLIC_KEYS = publicEntryOf(parseSigningKey(process.env.DECISION_SIGNING_KEY, 'test run'));
  process.stderr.write(
    process.env.AMQP_URL
      ? 'broker tests: on (AMQP_URL)\n'
      : 'broker tests: SKIPPED (no AMQP_URL and nothing on 127.0.0.1:5672; see docs/testing.md)\n',
  );
  process.stderr.write(
    process.env.REDIS_TEST_URL
      ? 'cache tests: on (REDIS_TEST_URL)\n'
      : 'cache tests: SKIPPED (no REDIS_TEST_URL and nothing on 127.0.0.1:6379; see docs/testing.md)\n',
  );
  process.stderr.write(`\ntest stack up in ${Date.now() - started} ms: temporal ${stack.temporalAddress}\n`);
}
