/**
 * Parallel join that waits for every branch before it answers, then fails with the first failure
 * in argument order (the order the steps would run in sequence, so the same failure wins). No
 * branch is left running behind the compensations that a failure starts.
 */
export async function joinAll<T extends readonly unknown[]>(branches: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(branches);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
