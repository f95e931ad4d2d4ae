import type { z } from 'zod';

/** The address every test order ships to. */
export const TEST_ADDRESS = {
  name: 'Ada Lovelace',
  line1: '1 Analytical St',
  city: 'London',
  postalCode: 'N1 9GU',
  country: 'GB',
};

/** Environment for the `orders` binary: the test file's task queues, short durations. */
export function cliEnv(taskQueuePrefix: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    TASK_QUEUE_PREFIX: taskQueuePrefix,
    TRANSIT_TIME_MS: '300',
    ...extra,
  };
}

/** stdout must be exactly one JSON document of `schema`'s shape. */
export function parseJson<S extends z.ZodType>(schema: S, stdout: string): z.infer<S> {
  const parsed = schema.safeParse(JSON.parse(stdout));
  if (!parsed.success)
    throw new Error(`output does not match its schema: ${JSON.stringify(parsed.error.issues)}\n${stdout}`);
  return parsed.data;
}
