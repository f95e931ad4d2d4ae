/**
 * What `npm run bench` and `npm run bench:compare` share as command-line scripts: a bad flag exits 2
 * with its name and the usage, `--help` prints the usage, and the exit code is main's.
 */
export class UsageError extends Error {}

/**
 * Untimed orders before the first timed phase, all at once. With 3, the first phase paid the
 * worker's and the server's warm-up (about 100 ms of machine CPU an order; docs/benchmarks.md).
 */
export const WARMUP_ORDERS = 20;

/** An integer flag at least `min`, or `fallback` when not given. */
export function positiveInt(name: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`--${name} must be an integer ≥ ${min}, got ${JSON.stringify(value)}`);
  return n;
}

/** The parsed flags, or the exit code once the problem (2) or the usage (`--help`, 0) is printed. */
export function parseOrExitCode<T extends { help: boolean }>(parse: () => T, usage: string): T | number {
  let flags: T;
  try {
    flags = parse();
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n\n${usage}`);
    return 2;
  }
  if (!flags.help) return flags;
  console.log(usage);
  return 0;
}

/** Runs a script's main with its arguments and exits with the code it returns (1 if it throws). */
export function runMain(main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
