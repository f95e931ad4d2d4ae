/**
 * One of this project's Node scripts as a child process (a worker, the sandbox provider), recorded
 * in a ProcessRegistry so it is stopped by pid; resolves once its output shows it is ready.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/runtime/paths';
import type { ProcessRegistry } from './processes';

export interface NodeProcess {
  name: string;
  pid: number;
  /** Its log file, when it has one. */
  log?: string;
}

export interface StartNodeProcess {
  registry: ProcessRegistry;
  name: string;
  /** Relative to dist/, e.g. `worker.js`. */
  script: string;
  args?: string[];
  env: NodeJS.ProcessEnv;
  /** A line of its output that says it is ready. */
  ready: RegExp;
  /** Its stdout and stderr are appended here. */
  logFile?: string;
  /** Own process group: a terminal's Ctrl-C reaches only us, and we stop it in order. */
  detached?: boolean;
  readyTimeoutMs?: number;
}

export async function startNodeProcess(opts: StartNodeProcess): Promise<NodeProcess> {
  // The log's folder (DATA_DIR) may not exist yet: with a given server and database nothing else makes it.
  if (opts.logFile) mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const fd = opts.logFile ? openSync(opts.logFile, 'a') : undefined;
  let recent = '';
  const child = opts.registry.spawn(
    opts.name,
    process.execPath,
    [path.join(projectRoot(), 'dist', opts.script), ...(opts.args ?? [])],
    { cwd: projectRoot(), env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: opts.detached },
  );
  const onData = (d: Buffer) => {
    recent = (recent + d.toString()).slice(-20_000);
    if (fd !== undefined) writeSync(fd, d);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  // Last resort if we die without stopping it: never leave it orphaned (a detached child outlives us).
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  // 'close', not 'exit': output may still arrive after the exit, and a write to a closed log file
  // would throw in a stream handler and take this process down (seen: npm start exiting 1 on Ctrl-C).
  child.once('close', () => fd !== undefined && closeSync(fd));
  const running = () => child.exitCode === null && child.signalCode === null;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 90_000);
  while (!opts.ready.test(recent)) {
    if (!running()) throw new Error(`${opts.name} exited before it was ready:\n${recent.slice(-2000)}`);
    if (Date.now() > deadline) {
      await opts.registry.stop(child.pid!);
      throw new Error(`${opts.name} not ready in ${opts.readyTimeoutMs ?? 90_000} ms:\n${recent.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { name: opts.name, pid: child.pid!, log: opts.logFile };
}
