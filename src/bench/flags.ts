/** Flag checks shared by `npm run bench` and `npm run bench:compare`: a bad value exits 2 with its name. */
export class UsageError extends Error {}

/** An integer flag at least `min`, or `fallback` when not given. */
export function positiveInt(name: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`--${name} must be an integer ≥ ${min}, got ${JSON.stringify(value)}`);
  return n;
}
