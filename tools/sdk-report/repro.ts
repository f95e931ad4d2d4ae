#!/usr/bin/env node
/**
 * A minimal reproduction, for the TypeScript SDK's maintainers, of two per-call costs of the workflow
 * sandbox (`@temporalio/worker` 1.24, docs/sdk-report.md), with plain Node and no Temporal:
 *
 * 1. `vm` with a `timeout`: Node starts and joins a watchdog thread around every such call. The
 *    SDK passes `isolateExecutionTimeout` to every call into the sandbox (reusable-vm.js).
 * 2. A `v8.promiseHooks` init hook that makes an Error and formats its stack for every promise
 *    (what vm-shared.js installs for the `__stack_trace` query), against no hook.
 *
 * Each is run alternately, `--rounds` times, and printed as a median per call or promise.
 * Usage: node dist/tools/sdk-report/repro.js [--calls 5000] [--promises 50000] [--rounds 5]
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Microseconds per call of a trivial script in a vm context, with the SDK's 5 s timeout or none. */
function vmCallMicros(calls: number, timeout: number | undefined): number {
  const context = vm.createContext({ x: 0 });
  const script = new vm.Script('x = x + 1');
  const options = timeout === undefined ? {} : { timeout };
  const start = performance.now();
  for (let i = 0; i < calls; i++) script.runInContext(context, options);
  return ((performance.now() - start) * 1000) / calls;
}

/** Microseconds per promise of an async loop in a vm context, with the stack-capturing hook or none. */
async function promiseMicros(promises: number, hook: boolean): Promise<number> {
  const context = vm.createContext({});
  const loop = vm.runInContext(
    'async function loop(n) { for (let i = 0; i < n; i++) await Promise.resolve(i); } loop',
    context,
  ) as (n: number) => Promise<void>;
  const ContextError = vm.runInContext('Error', context) as ErrorConstructor;
  // As vm-shared.js does: for each promise made in the sandbox, an Error of the sandbox, its stack
  // formatted through a prepareStackTrace that walks the call sites, kept on the promise.
  const stop = hook
    ? v8.promiseHooks.createHook({
        init: (promise) => {
          (promise as { stack?: string }).stack = new ContextError().stack;
        },
      })
    : () => undefined;
  const previous = Error.prepareStackTrace;
  if (hook) Error.prepareStackTrace = (err, sites) => `${String(err)}\n${sites.map((s) => `    at ${s}`).join('\n')}`;
  try {
    const start = performance.now();
    await loop(promises);
    return ((performance.now() - start) * 1000) / promises;
  } finally {
    stop();
    Error.prepareStackTrace = previous;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      calls: { type: 'string', default: '5000' },
      promises: { type: 'string', default: '50000' },
      rounds: { type: 'string', default: '5' },
    },
  });
  const [calls, promises, rounds] = [values.calls, values.promises, values.rounds].map(Number) as [
    number,
    number,
    number,
  ];
  const withTimeout: number[] = [];
  const without: number[] = [];
  const hooked: number[] = [];
  const plain: number[] = [];
  for (let r = 0; r < rounds; r++) {
    withTimeout.push(vmCallMicros(calls, 5000));
    without.push(vmCallMicros(calls, undefined));
    hooked.push(await promiseMicros(promises, true));
    plain.push(await promiseMicros(promises, false));
  }
  const us = (x: number) => `${x.toFixed(2)} µs`;
  console.log(`node ${process.version}, ${rounds} rounds, medians`);
  console.log(`vm call, timeout 5000 ms:   ${us(median(withTimeout))} per call (${calls} calls a round)`);
  console.log(`vm call, no timeout:        ${us(median(without))} per call`);
  console.log(`promise, stack-trace hook:  ${us(median(hooked))} per promise (${promises} a round)`);
  console.log(`promise, no hook:           ${us(median(plain))} per promise`);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
