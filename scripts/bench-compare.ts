#!/usr/bin/env node
/**
 * `npm run bench:compare -- --against REF`: this checkout against another commit, measured in turns
 * on the same machine (tools/bench/compare.ts says why in turns). The other build is checked out as a
 * git worktree in a temporary folder, given this checkout's node_modules when its package-lock.json
 * is the same (else `npm ci`), built, and both run `npm run bench` for one shape, alternating.
 * The worktree is removed at the end, and each bench run stops the stack it started.
 * Exit codes: 0 every run completed; 1 a run failed; 2 bad flags; 130 interrupted.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { compare, formatComparison, summarize, type Pair } from '../tools/bench/compare';
import { writeJson, type BenchReport } from '../tools/bench/report';
import { isShape, SHAPES } from '../tools/bench/shapes';
import { interruptOnSignals } from '../tools/dev-stack/interrupt';
import { projectRoot } from '../src/runtime/paths';
import { parseOrExitCode, positiveInt, runMain, UsageError, WARMUP_ORDERS } from '../tools/bench/flags';

const USAGE = `Usage: npm run bench:compare -- --against REF [options]

  --against REF       the commit (or branch, tag) to measure this checkout against
  --pairs N           runs of each build, alternating (default 3)
  --shape S           ${SHAPES.join(' | ')} (default one-line)
  --orders N          orders per run (default 40)
  --concurrency C     in flight at once (default 20)
  --warmup N          untimed orders before each run (default ${WARMUP_ORDERS})
  --address HOST:PORT both builds against a running Temporal server (else each run starts its own)
  --json FILE         write every run's summary and the comparison as JSON

This checkout is measured as it is built (dist/); REF needs the bench (303d8c1 or later).
Example:
  npm run bench:compare -- --against main~1 --pairs 4`;

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      against: { type: 'string' },
      pairs: { type: 'string' },
      shape: { type: 'string' },
      orders: { type: 'string' },
      concurrency: { type: 'string' },
      warmup: { type: 'string' },
      address: { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  const against = values.against?.trim() ?? '';
  if (!values.help && !against) throw new UsageError('--against is required: the commit to compare with');
  const shape = values.shape ?? 'one-line';
  if (!isShape(shape))
    throw new UsageError(`--shape must be one of ${SHAPES.join(', ')}, got ${JSON.stringify(shape)}`);
  if (values.address !== undefined && !/^[^\s:]+:\d+$/.test(values.address))
    throw new UsageError(`--address must be host:port, got ${JSON.stringify(values.address)}`);
  return {
    help: values.help ?? false,
    against,
    pairs: positiveInt('pairs', values.pairs, 3),
    shape,
    orders: positiveInt('orders', values.orders, 40),
    concurrency: positiveInt('concurrency', values.concurrency, 20),
    warmup: positiveInt('warmup', values.warmup, WARMUP_ORDERS, 0),
    address: values.address,
    json: values.json,
  };
}

function git(root: string, args: string[]): string {
  const r = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout.trim();
}

/** Runs a command to its end; a signal stops it by its pid. */
function run(cmd: string, args: string[], cwd: string, signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    // Its output goes to our stderr: our stdout is the comparison alone.
    const child = spawn(cmd, args, { cwd, env: process.env, stdio: ['ignore', 2, 'inherit'] });
    // SIGTERM, not SIGINT: a Ctrl-C in the terminal has already sent SIGINT to the whole process
    // group, and the bench listens for one SIGINT only (a second would end it before it stopped its stack).
    const stop = () => child.pid !== undefined && child.exitCode === null && process.kill(child.pid, 'SIGTERM');
    signal.addEventListener('abort', stop, { once: true });
    child.once('error', reject);
    child.once('exit', (code, sig) => {
      signal.removeEventListener('abort', stop);
      resolve(code ?? (sig ? 130 : 1));
    });
  });
}

/** The other build: a worktree at `ref`, with dependencies and dist/ built. */
async function prepareOther(root: string, ref: string, dir: string, signal: AbortSignal): Promise<void> {
  git(root, ['worktree', 'add', '--detach', dir, ref]);
  const sameLock =
    spawnSync('git', ['diff', '--quiet', ref, '--', 'package-lock.json'], { cwd: root }).status === 0 &&
    existsSync(path.join(root, 'node_modules'));
  if (sameLock) symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  else if ((await run('npm', ['ci', '--no-audit', '--no-fund'], dir, signal)) !== 0)
    throw new Error(`npm ci failed in ${dir}`);
  if ((await run('npm', ['run', '-s', 'build'], dir, signal)) !== 0) throw new Error(`the build of ${ref} failed`);
}

async function main(argv: string[]): Promise<number> {
  const o = parseOrExitCode(() => parse(argv), USAGE);
  if (typeof o === 'number') return o;
  const root = projectRoot();
  let sha: string;
  try {
    sha = git(root, ['rev-parse', '--verify', `${o.against}^{commit}`]);
  } catch {
    console.error(`--against: no commit ${JSON.stringify(o.against)} in ${root}\n\n${USAGE}`);
    return 2;
  }
  const short = sha.slice(0, 7);
  const names = { before: sha.startsWith(o.against) ? short : `${o.against} (${short})`, after: 'this checkout' };
  const signal = interruptOnSignals('bench:compare');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'bench-compare-'));
  const otherDir = path.join(tmp, 'other');
  try {
    process.stderr.write(`bench:compare: building ${names.before} in ${otherDir}\n`);
    await prepareOther(root, sha, otherDir, signal);
    const benchArgs = (json: string) => [
      ...['--shape', o.shape, '--orders', String(o.orders), '--concurrency', String(o.concurrency)],
      ...['--warmup', String(o.warmup), '--json', json],
      ...(o.address ? ['--address', o.address] : []),
    ];
    const pairs: Pair[] = [];
    for (let i = 1; i <= o.pairs && !signal.aborted; i++) {
      const side = async (dir: string, label: string) => {
        const json = path.join(tmp, `${label}-${i}.json`);
        process.stderr.write(`bench:compare: pair ${i} of ${o.pairs}, ${label}\n`);
        const code = await run(
          process.execPath,
          [path.join(dir, 'dist/scripts/bench.js'), ...benchArgs(json)],
          dir,
          signal,
        );
        if (code !== 0 || !existsSync(json)) throw new Error(`the ${label} run of pair ${i} failed (exit ${code})`);
        return summarize(JSON.parse(readFileSync(json, 'utf8')) as BenchReport, o.shape);
      };
      const before = await side(otherDir, 'before');
      const after = await side(root, 'after');
      pairs.push({ before, after });
    }
    if (signal.aborted) return 130;
    const comparison = compare(pairs);
    process.stdout.write(
      `\n${o.shape}, ${o.orders} @ ${o.concurrency}, ${o.pairs} pairs alternating: ${names.before} → ${names.after}\n` +
        `${formatComparison(names, pairs, comparison)}\n`,
    );
    if (o.json) writeJson(o.json, { against: { ref: o.against, sha }, options: o, pairs, comparison });
    return pairs.every((p) => p.before.complete && p.after.complete) ? 0 : 1;
  } catch (err) {
    if (signal.aborted) return 130;
    console.error(`bench:compare: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    // The shared node_modules is a link: unlinked first, so nothing removes what it points to.
    const modules = path.join(otherDir, 'node_modules');
    if (existsSync(modules) && lstatSync(modules).isSymbolicLink()) unlinkSync(modules);
    spawnSync('git', ['worktree', 'remove', '--force', otherDir], { cwd: root });
    rmSync(tmp, { recursive: true, force: true });
    spawnSync('git', ['worktree', 'prune'], { cwd: root });
  }
}

if (require.main === module) runMain(main);
