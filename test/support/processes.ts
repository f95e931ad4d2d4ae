import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../src/runtime/paths';

export const ROOT = projectRoot();
export const DIST = path.join(ROOT, 'dist');

export interface Spawned {
  child: ChildProcessWithoutNullStreams;
  output(): string;
  /** Resolves when stdout+stderr match `pattern`; rejects on exit or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

export function spawnNode(script: string, args: string[], env: NodeJS.ProcessEnv): Spawned {
  return spawnNodeFile(path.join(DIST, script), args, env);
}

/** A script that is not compiled (a test's .mjs helper), by its path. */
export function spawnNodeFile(file: string, args: string[], env: NodeJS.ProcessEnv): Spawned {
  const child = spawn(process.execPath, [file, ...args], { cwd: ROOT, env, stdio: 'pipe' });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(pattern);
          if (m) done(() => resolve(m));
        };
        const timer = setTimeout(
          () => done(() => reject(new Error(`timed out waiting for ${pattern}; output:\n${out}`))),
          timeoutMs,
        );
        const done = (fn: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          fn();
        };
        listeners.add(check);
        void exited.then((code) =>
          done(() => reject(new Error(`exited (${code}) before ${pattern}; output:\n${out}`))),
        );
        check();
      });
    },
    async stop(signal = 'SIGINT', timeoutMs = 30_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/**
 * Runs a compiled script to its end with the test's environment: exit code and output (stdout and
 * stderr together). One that outlives `boundMs` is stopped by its pid (SIGINT, as Ctrl-C) and fails
 * the test on its exit code instead of holding the suite.
 */
export function runScriptToEnd(
  script: string,
  args: string[],
  boundMs: number,
): Promise<{ code: number | null; output: string }> {
  const run = spawnNode(script, args, process.env);
  const bound = setTimeout(() => run.child.kill('SIGINT'), boundMs);
  return new Promise((resolve) =>
    run.child.once('close', (code) => {
      clearTimeout(bound);
      resolve({ code, output: run.output() });
    }),
  );
}

/** Direct children of `pid` with their command lines. */
export function childrenOf(pid: number): Array<{ pid: number; command: string }> {
  try {
    return execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(pid)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [p, ...rest] = line.trim().split(/\s+/);
        return { pid: Number(p), command: rest.join(' ') };
      });
  } catch {
    return []; // ps exits 1 when there are none
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs the compiled `orders` CLI and returns its exit code and output. */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  /** Written to the CLI's stdin, which then closes. */
  input?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(DIST, 'client.js'), ...args], { cwd: ROOT, env, stdio: 'pipe' });
    if (input !== undefined) child.stdin.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Environment for `npm start` in a test: the test's own, minus what would point it at the suite's
 * stack, and without the broker (test/events covers it): a relay here would publish the shared
 * database's outbox under names no test reads.
 */
export function startEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', ...extra };
  for (const key of [
    'TEMPORAL_ADDRESS',
    'DATABASE_URL',
    'WORKFLOW_BUNDLE_PATH',
    'PAYMENTS_URL',
    'AMQP_URL',
    'REDIS_URL',
  ])
    if (!(key in extra)) delete env[key];
  return env;
}
