/** What every command shares: how its body runs and fails (one message, one exit code). */

/** A made-up address for the examples in --help. */
export const SHIP_TO = `'{"name":"Ada Lovelace","line1":"1 Analytical St","city":"London","postalCode":"N1 9GU","country":"GB"}'`;

/** What every exit code means (the root's and some commands' --help). */
export const EXIT_CODES = `
Exit codes:
  0  success
  1  operational error (Temporal or PostgreSQL unreachable, no worker answering)
  2  invalid input, or a request the order refuses (nothing was started or written)
  3  with --wait (and watch): the order ended Cancelled or Refunded`;

/** A repeatable option's values, in order. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Runs a command's body; failures become one message (and one JSON document with --json) and an exit code. */
export async function run(json: boolean | undefined, body: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await body();
  } catch (err) {
    let report = { exitCode: 1, message: err instanceof Error ? err.message : String(err) };
    try {
      const { toExitReport } = await import('./errors.js');
      report = toExitReport(err);
    } catch {
      // keep the raw message
    }
    process.stderr.write(`${report.message}\n`);
    if (json) process.stdout.write(`${JSON.stringify({ error: report })}\n`);
    process.exitCode = report.exitCode;
  } finally {
    // Spans still buffered go out before the process ends (tracing is loaded only when it is on).
    if ((process.env.OTEL_TRACES_EXPORTER ?? 'none') !== 'none')
      await (await import('../runtime/tracing.js')).stopTracing().catch(() => undefined);
  }
}
