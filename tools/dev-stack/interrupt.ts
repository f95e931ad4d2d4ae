/**
 * Ctrl-C (or SIGTERM) for a long-running script that starts processes of its own: the first signal
 * aborts the returned signal, and the run stops everything it started instead of dying with it.
 */
export function interruptOnSignals(name: string): AbortSignal {
  const interrupt = new AbortController();
  const onSignal = () => {
    process.stderr.write(`\n${name}: interrupted; stopping every process it started...\n`);
    interrupt.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return interrupt.signal;
}
