/** On the first SIGINT or SIGTERM: closes each in turn, then exits 0 (a server run until it is stopped). */
export function closeOnSignals(...closers: Array<() => Promise<unknown>>): void {
  const stop = () =>
    void closers
      .reduce<Promise<unknown>>((done, close) => done.then(close), Promise.resolve())
      .then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
